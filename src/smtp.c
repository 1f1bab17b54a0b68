/* smtp - hand one finished message to the mail system
 *
 * SMTP goes through libesmtp, which leaves three ways to block unboundedly that this module
 * closes itself:
 *  - name resolution: the relay's name is resolved first in a helper thread that is abandoned
 *    at the step's end (libesmtp resolves it again; numeric hosts never touch DNS);
 *  - connect(): libesmtp's is blocking and untimed, so each address is first tried, in
 *    libesmtp's own order, with a non-blocking connect() and poll() within the step's time;
 *    an address that does not answer fails the send instead of stalling libesmtp on it;
 *  - its timeouts apply per poll() (at least one second each), not to the session: with a
 *    deadline, a watchdog thread shuts down the session's socket (through a dup of it, found
 *    when libesmtp reports the connection) when the deadline comes.
 * libesmtp 1.1 caches one SSL_CTX for the process but frees it when the first STARTTLS session
 * is destroyed, and the next STARTTLS session crashes on it (libESMTP issue #30); so every
 * session gets an SSL_CTX of its own (system CAs). It is TLS 1.2 only: a TLS 1.3 server sends
 * session tickets after the handshake, libesmtp's loop takes the readable socket for the
 * reply to the EHLO it has not flushed yet, waits a full timeout and drops the session.
 * portero links neither libesmtp nor OpenSSL: loading them costs more than an ordinary
 * delivery, which sends nothing, so libesmtp is opened on the first send and the few OpenSSL
 * functions needed are looked up in what it loaded.
 * SIGPIPE is blocked in the calling thread while libesmtp runs (it writes with write()), and a
 * SIGPIPE raised meanwhile is consumed: the caller's disposition is never touched.
 * No alarm(): the caller may own SIGALRM. */
#include "smtp.h"
#include "error.h"
#include "library.h"
#include <openssl/ssl.h> /* first: libesmtp.h declares smtp_starttls_set_ctx only after it */
#include <auth-client.h>
#include <libesmtp.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 20) /* largest piece handed to libesmtp at once */

/* ---- libesmtp, opened on the first send (see the top of the file) ---- */

#define ESMTP_FUNCTIONS(F) \
  F (auth_client_exit) \
  F (auth_client_init) \
  F (auth_create_context) \
  F (auth_destroy_context) \
  F (auth_set_interact_cb) \
  F (auth_set_mechanism_flags) \
  F (smtp_add_message) \
  F (smtp_add_recipient) \
  F (smtp_auth_set_context) \
  F (smtp_create_session) \
  F (smtp_destroy_session) \
  F (smtp_enumerate_recipients) \
  F (smtp_errno) \
  F (smtp_message_transfer_status) \
  F (smtp_option_require_all_recipients) \
  F (smtp_recipient_status) \
  F (smtp_reverse_path_status) \
  F (smtp_set_eventcb) \
  F (smtp_set_messagecb) \
  F (smtp_set_monitorcb) \
  F (smtp_set_reverse_path) \
  F (smtp_set_server) \
  F (smtp_set_timeout) \
  F (smtp_size_set_estimate) \
  F (smtp_start_session) \
  F (smtp_starttls_enable) \
  F (smtp_starttls_set_ctx) \
  F (smtp_strerror)

/* The prototypes come from libesmtp's headers; LIBESMTP_SONAME from configure. */
static struct
{
#define ESMTP_POINTER(name) __typeof__ (name) *name;
  ESMTP_FUNCTIONS (ESMTP_POINTER)
#undef ESMTP_POINTER
} esmtp;
static GModule *esmtp_module; /* kept for the life of the process */

static gboolean
load_libesmtp (GError **error)
{
#define ESMTP_NAME(name) #name,
#define ESMTP_SLOT(name) (gpointer *) &esmtp.name,
  static const char *const names[] = { ESMTP_FUNCTIONS (ESMTP_NAME) };
  gpointer *const slots[] = { ESMTP_FUNCTIONS (ESMTP_SLOT) };
#undef ESMTP_NAME
#undef ESMTP_SLOT
  return esmtp_module != NULL
         || portero_library_open (LIBESMTP_SONAME, names, slots, G_N_ELEMENTS (names), &esmtp_module, error);
}
static PorteroSendStatus
fail (GError **error, PorteroSendStatus status, const char *format, ...) G_GNUC_PRINTF (3, 4);

static PorteroSendStatus
fail (GError **error, PorteroSendStatus status, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *text = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error_literal (error, PORTERO_ERROR,
                       status == PORTERO_SEND_PERMANENT ? PORTERO_ERROR_INVALID : PORTERO_ERROR_TEMPFAIL,
                       text);
  return status;
}

/* TEXT from a server on one line: control characters become spaces, runs of them one. */
static char *
one_line (const char *text, gssize len)
{
  GString *out = g_string_new (NULL);
  gboolean space = FALSE;
  for (gssize i = 0; len < 0 ? text[i] != '\0' : i < len; i++)
    {
      guchar c = (guchar) text[i];
      if (c < 0x20 || c == 0x7f || c == ' ')
        space = TRUE;
      else
        {
          if (space && out->len > 0)
            g_string_append_c (out, ' ');
          space = FALSE;
          g_string_append_c (out, (char) c);
        }
    }
  return g_string_free (out, FALSE);
}

/* "550 5.1.1 text" from a libesmtp status, or NULL when there was no reply. */
static char *
reply_text (const smtp_status_t *status)
{
  if (status == NULL || status->code == 0)
    return NULL;
  g_autofree char *text = one_line (status->text != NULL ? status->text : "", -1);
  if (status->enh_class != 0)
    return g_strdup_printf ("%d %d.%d.%d %s", status->code, status->enh_class, status->enh_subject,
                            status->enh_detail, text);
  return g_strdup_printf ("%d %s", status->code, text);
}

/* An address libesmtp may put between <> in MAIL or RCPT: nothing that ends or breaks the
 * command. */
static gboolean
mailbox_ok (const char *mailbox, gboolean empty_ok)
{
  if (*mailbox == '\0')
    return empty_ok;
  for (const guchar *p = (const guchar *) mailbox; *p != '\0'; p++)
    if (*p <= ' ' || *p == 0x7f || *p == '<' || *p == '>')
      return FALSE;
  return strlen (mailbox) <= 512;
}

static gint64
step_until (const PorteroConfig *config, gint64 deadline)
{
  gint64 until = g_get_monotonic_time () + (gint64) config->smtp_timeout * G_USEC_PER_SEC;
  return deadline > 0 ? MIN (until, deadline) : until;
}

static void
set_timeouts (smtp_session_t session, const PorteroConfig *config, gint64 deadline)
{
  static const int kinds[] = { Timeout_GREETING, Timeout_ENVELOPE, Timeout_DATA, Timeout_TRANSFER,
                               Timeout_DATA2 };
  gint64 ms = (gint64) config->smtp_timeout * 1000;
  if (deadline > 0)
    ms = MIN (ms, (deadline - g_get_monotonic_time ()) / 1000);
  ms = MAX (ms, 1); /* libesmtp makes anything below a second one second */
  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    esmtp.smtp_set_timeout (session, kinds[i] | Timeout_OVERRIDE_RFC2822_MINIMUM, (long) ms);
}

/* ---- an SSL_CTX of our own (see the top of the file) ---- */

typedef struct {
  const SSL_METHOD *(*client_method) (void);
  SSL_CTX *(*ctx_new) (const SSL_METHOD *method);
  void (*ctx_free) (SSL_CTX *ctx);
  int (*verify_paths) (SSL_CTX *ctx);
  long (*ctx_ctrl) (SSL_CTX *ctx, int cmd, long larg, void *parg);
} OpenSSL;

static const OpenSSL *
openssl (void)
{
  static OpenSSL fns;
  static gsize once;
  static gboolean found;
  if (g_once_init_enter (&once))
    {
      /* A module's handle also finds the symbols of what it loaded. */
      static const char *const names[] = { "TLS_client_method", "SSL_CTX_new", "SSL_CTX_free",
                                           "SSL_CTX_set_default_verify_paths", "SSL_CTX_ctrl" };
      gpointer *const slots[] = { (gpointer *) &fns.client_method, (gpointer *) &fns.ctx_new,
                                  (gpointer *) &fns.ctx_free, (gpointer *) &fns.verify_paths,
                                  (gpointer *) &fns.ctx_ctrl };
      found = esmtp_module != NULL
              && portero_library_symbols (esmtp_module, names, slots, G_N_ELEMENTS (names), NULL);
      g_once_init_leave (&once, 1);
    }
  return found ? &fns : NULL;
}

static SSL_CTX *
tls_context_new (void)
{
  const OpenSSL *ssl = openssl ();
  if (ssl == NULL)
    return NULL;
  SSL_CTX *ctx = ssl->ctx_new (ssl->client_method ());
  if (ctx == NULL)
    return NULL;
  if (ssl->ctx_ctrl (ctx, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, NULL) != 1
      || ssl->ctx_ctrl (ctx, SSL_CTRL_SET_MAX_PROTO_VERSION, TLS1_2_VERSION, NULL) != 1
      || ssl->verify_paths (ctx) != 1)
    {
      ssl->ctx_free (ctx);
      return NULL;
    }
  return ctx;
}

static void
tls_context_free (SSL_CTX *ctx)
{
  if (ctx != NULL)
    openssl ()->ctx_free (ctx);
}

/* ---- resolving within the step's time ---- */

typedef struct {
  gint refs;
  GMutex lock;
  GCond cond;
  gboolean done;
  char *host;
  char *port;
  int rc;
  struct addrinfo *result;
} Lookup;

static void
lookup_unref (Lookup *lookup)
{
  if (!g_atomic_int_dec_and_test (&lookup->refs))
    return;
  if (lookup->result != NULL)
    freeaddrinfo (lookup->result);
  g_free (lookup->host);
  g_free (lookup->port);
  g_mutex_clear (&lookup->lock);
  g_cond_clear (&lookup->cond);
  g_free (lookup);
}

static gpointer
lookup_run (gpointer data)
{
  Lookup *lookup = data;
  struct addrinfo hints = { 0 };
  hints.ai_family = AF_UNSPEC; /* as libesmtp asks, so that the order is the same */
  hints.ai_socktype = SOCK_STREAM;
  struct addrinfo *result = NULL;
  int rc = getaddrinfo (lookup->host, lookup->port, &hints, &result);
  g_mutex_lock (&lookup->lock);
  lookup->rc = rc;
  lookup->result = result;
  lookup->done = TRUE;
  g_cond_signal (&lookup->cond);
  g_mutex_unlock (&lookup->lock);
  lookup_unref (lookup);
  return NULL;
}

/* The relay's addresses in getaddrinfo's order, or NULL with REASON. */
static struct addrinfo *
resolve (const char *host, const char *port, gint64 until, char **reason)
{
  struct addrinfo hints = { 0 };
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  struct addrinfo *result = NULL;
  if (getaddrinfo (host, port, &hints, &result) == 0)
    return result;

  Lookup *lookup = g_new0 (Lookup, 1);
  lookup->refs = 2;
  g_mutex_init (&lookup->lock);
  g_cond_init (&lookup->cond);
  lookup->host = g_strdup (host);
  lookup->port = g_strdup (port);
  g_autoptr (GError) local = NULL;
  GThread *thread = g_thread_try_new ("portero-resolve", lookup_run, lookup, &local);
  if (thread == NULL)
    {
      lookup->refs = 1;
      lookup_unref (lookup);
      *reason = g_strdup (local->message);
      return NULL;
    }
  g_thread_unref (thread); /* detached: abandoned when it takes too long */
  int rc = 0;
  g_mutex_lock (&lookup->lock);
  while (!lookup->done)
    if (!g_cond_wait_until (&lookup->cond, &lookup->lock, until))
      break;
  if (lookup->done)
    {
      rc = lookup->rc;
      result = g_steal_pointer (&lookup->result);
    }
  gboolean done = lookup->done;
  g_mutex_unlock (&lookup->lock);
  lookup_unref (lookup);
  if (!done)
    *reason = g_strdup ("name lookup timed out");
  else if (rc != 0)
    *reason = g_strdup (rc == EAI_SYSTEM ? g_strerror (errno) : gai_strerror (rc));
  return result;
}

/* Try each address as libesmtp will, without blocking past UNTIL. TRUE when one accepts a
 * connection before any fails to answer in time: libesmtp's blocking connect() then cannot
 * hang on an earlier one. */
static gboolean
probe (const struct addrinfo *addrs, gint64 until, char **reason)
{
  int last = ECONNREFUSED;
  for (const struct addrinfo *ai = addrs; ai != NULL; ai = ai->ai_next)
    {
      int fd = socket (ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, ai->ai_protocol);
      if (fd < 0)
        {
          last = errno;
          continue;
        }
      int rc = connect (fd, ai->ai_addr, ai->ai_addrlen);
      if (rc != 0 && errno != EINPROGRESS)
        last = errno;
      else if (rc != 0)
        for (;;)
          {
            gint64 left = until - g_get_monotonic_time ();
            if (left <= 0)
              {
                close (fd);
                *reason = g_strdup ("connection timed out");
                return FALSE;
              }
            struct pollfd pfd = { .fd = fd, .events = POLLOUT };
            int n = poll (&pfd, 1, (int) MIN ((left + 999) / 1000, G_MAXINT));
            if (n < 0 && errno == EINTR)
              continue;
            if (n < 0)
              {
                last = errno;
                break;
              }
            if (n == 0)
              continue;
            int soerr = 0;
            socklen_t len = sizeof soerr;
            if (getsockopt (fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0)
              soerr = errno;
            if (soerr == 0)
              rc = 0;
            else
              last = soerr;
            break;
          }
      close (fd);
      if (rc == 0)
        return TRUE;
    }
  *reason = g_strdup (g_strerror (last));
  return FALSE;
}

/* ---- the deadline watchdog ---- */

typedef struct {
  GMutex lock;
  GCond cond;
  gint64 deadline;
  gboolean stop;
  gboolean fired;
  int fd;        /* our dup of libesmtp's socket, -1 until known */
  GThread *thread;
} Watchdog;

static gpointer
watchdog_run (gpointer data)
{
  Watchdog *w = data;
  g_mutex_lock (&w->lock);
  while (!w->stop && g_get_monotonic_time () < w->deadline)
    g_cond_wait_until (&w->cond, &w->lock, w->deadline);
  if (!w->stop)
    {
      w->fired = TRUE;
      if (w->fd >= 0)
        shutdown (w->fd, SHUT_RDWR);
    }
  g_mutex_unlock (&w->lock);
  return NULL;
}

static gboolean
same_peer (const struct sockaddr_storage *peer, const struct addrinfo *ai)
{
  if (peer->ss_family != ai->ai_family)
    return FALSE;
  if (ai->ai_family == AF_INET)
    {
      const struct sockaddr_in *a = (const struct sockaddr_in *) peer;
      const struct sockaddr_in *b = (const struct sockaddr_in *) ai->ai_addr;
      return a->sin_port == b->sin_port && a->sin_addr.s_addr == b->sin_addr.s_addr;
    }
  if (ai->ai_family == AF_INET6)
    {
      const struct sockaddr_in6 *a = (const struct sockaddr_in6 *) peer;
      const struct sockaddr_in6 *b = (const struct sockaddr_in6 *) ai->ai_addr;
      return a->sin6_port == b->sin6_port
          && memcmp (&a->sin6_addr, &b->sin6_addr, sizeof a->sin6_addr) == 0;
    }
  return FALSE;
}

static gboolean
is_relay_socket (int fd, const struct addrinfo *addrs)
{
  struct stat st;
  if (fstat (fd, &st) != 0 || !S_ISSOCK (st.st_mode))
    return FALSE;
  struct sockaddr_storage peer;
  socklen_t len = sizeof peer;
  if (getpeername (fd, (struct sockaddr *) &peer, &len) != 0)
    return FALSE;
  for (const struct addrinfo *ai = addrs; ai != NULL; ai = ai->ai_next)
    if (same_peer (&peer, ai))
      return TRUE;
  return FALSE;
}

/* Open descriptors that are sockets connected to the relay. */
static GArray *
relay_sockets (const struct addrinfo *addrs)
{
  GArray *fds = g_array_new (FALSE, FALSE, sizeof (int));
  GDir *dir = g_dir_open ("/proc/self/fd", 0, NULL);
  if (dir != NULL)
    {
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          int fd = atoi (name);
          if (is_relay_socket (fd, addrs))
            g_array_append_val (fds, fd);
        }
      g_dir_close (dir);
    }
  else
    for (int fd = 0; fd < 1024; fd++)
      if (is_relay_socket (fd, addrs))
        g_array_append_val (fds, fd);
  return fds;
}

/* ---- one SMTP send ---- */

typedef struct {
  const PorteroConfig *config;
  const char *envelope_from;
  gint64 deadline;
  smtp_session_t session;
  const char *data;
  gsize len;
  gsize pos;
  gboolean tail_sent;
  GString *line;           /* the server's reply line being read */
  char *last_reply;
  gboolean auth_pending;
  gboolean auth_tried;
  gboolean authenticated;
  char *auth_reply;
  char *tls_problem;
  const char *user;
  char *password;
  const struct addrinfo *addrs;
  GArray *sockets_before;
  Watchdog *watchdog;
} Send;

/* The message with bare LF made CRLF, in pieces; LEN == NULL rewinds. */
static const char *
message_cb (void **ctx, int *len, void *arg)
{
  Send *s = arg;
  if (len == NULL)
    {
      s->pos = 0;
      s->tail_sent = FALSE;
      return NULL;
    }
  if (s->pos >= s->len)
    {
      if (!s->tail_sent && s->data[s->len - 1] != '\n')
        {
          s->tail_sent = TRUE;
          *len = 2;
          return "\r\n";
        }
      *len = 0;
      return NULL;
    }
  const char *start = s->data + s->pos;
  if (*start == '\n' && (s->pos == 0 || start[-1] != '\r'))
    {
      s->pos++;
      *len = 2;
      return "\r\n";
    }
  gsize end = s->pos + 1, limit = MIN (s->len, s->pos + CHUNK);
  while (end < limit)
    {
      const char *lf = memchr (s->data + end, '\n', limit - end);
      if (lf == NULL)
        {
          end = limit;
          break;
        }
      end = (gsize) (lf - s->data);
      if (lf[-1] != '\r')
        break; /* a bare LF: served next time as CRLF */
      end++;
    }
  *len = (int) (end - s->pos);
  s->pos = end;
  return start;
}

static void
attach_watchdog (Send *s)
{
  Watchdog *w = s->watchdog;
  if (w == NULL)
    return;
  g_autoptr (GArray) now = relay_sockets (s->addrs);
  int found = -1;
  for (guint i = 0; i < now->len && found < 0; i++)
    {
      int fd = g_array_index (now, int, i);
      gboolean old = fd == w->fd; /* our own dup, from an earlier address */
      for (guint j = 0; j < s->sockets_before->len && !old; j++)
        old = g_array_index (s->sockets_before, int, j) == fd;
      if (!old)
        found = fd;
    }
  if (found < 0)
    return;
  int fd = fcntl (found, F_DUPFD_CLOEXEC, 0);
  if (fd < 0)
    return;
  g_mutex_lock (&w->lock);
  if (w->fd >= 0)
    close (w->fd);
  w->fd = fd;
  if (w->fired)
    shutdown (fd, SHUT_RDWR);
  g_mutex_unlock (&w->lock);
}

static void
event_cb (smtp_session_t session, int event, void *arg, ...)
{
  Send *s = arg;
  gboolean opportunistic = g_strcmp0 (s->config->smtp_starttls, "if-available") == 0;
  va_list ap;
  va_start (ap, arg);
  switch (event)
    {
    case SMTP_EV_CONNECT:
      attach_watchdog (s);
      break;
    case SMTP_EV_INVALID_PEER_CERTIFICATE:
      {
        long result = va_arg (ap, long);
        int *ok = va_arg (ap, int *);
        if (opportunistic)
          *ok = 1;
        else if (s->tls_problem == NULL)
          s->tls_problem = g_strdup_printf ("TLS certificate not trusted (OpenSSL verify result %ld)", result);
        break;
      }
    case SMTP_EV_NO_PEER_CERTIFICATE:
      {
        int *ok = va_arg (ap, int *);
        if (opportunistic)
          *ok = 1;
        else if (s->tls_problem == NULL)
          s->tls_problem = g_strdup ("the server presented no TLS certificate");
        break;
      }
    case SMTP_EV_WRONG_PEER_CERTIFICATE:
      {
        int *ok = va_arg (ap, int *);
        const char *name = va_arg (ap, const char *);
        if (opportunistic)
          *ok = 1;
        else if (s->tls_problem == NULL)
          {
            g_autofree char *clean = one_line (name != NULL ? name : "", -1);
            s->tls_problem = g_strdup_printf ("TLS certificate is for \"%s\", not %s", clean,
                                              s->config->smtp_host);
          }
        break;
      }
    case SMTP_EV_WEAK_CIPHER:
      if (s->tls_problem == NULL)
        s->tls_problem = g_strdup ("the TLS cipher is too weak");
      break;
    case SMTP_EV_EXTNA_STARTTLS:
      if (s->tls_problem == NULL)
        s->tls_problem = g_strdup ("starttls=required but the server does not offer STARTTLS");
      break;
    case SMTP_EV_NO_CLIENT_CERTIFICATE:
    case SMTP_EV_UNUSABLE_CLIENT_CERTIFICATE:
    case SMTP_EV_UNUSABLE_CA_LIST:
      if (s->tls_problem == NULL)
        s->tls_problem = g_strdup ("unusable TLS files under $HOME/.authenticate");
      break;
    default:
      break;
    }
  va_end (ap);
  set_timeouts (session, s->config, s->deadline);
}

static void
reply_line (Send *s, const char *line, gsize len)
{
  if (len < 3 || !g_ascii_isdigit (line[0]) || !g_ascii_isdigit (line[1]) || !g_ascii_isdigit (line[2]))
    return;
  g_free (s->last_reply);
  s->last_reply = one_line (line, (gssize) len);
  gboolean final = len == 3 || line[3] == ' ';
  if (!s->auth_pending || !final)
    return;
  int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
  if (code == 334)
    return; /* a challenge: the exchange goes on */
  s->auth_pending = FALSE;
  if (code == 235)
    s->authenticated = TRUE;
  else
    {
      g_free (s->auth_reply);
      s->auth_reply = g_strdup (s->last_reply);
    }
}

/* Sees the protocol outside DATA: the replies, for error messages, and whether AUTH worked
 * (libesmtp goes on to MAIL without authentication when it fails). Commands are only matched
 * against "AUTH ", never kept: they carry the credentials. */
static void
monitor_cb (const char *buf, int buflen, int writing, void *arg)
{
  Send *s = arg;
  if (writing == SMTP_CB_WRITING)
    {
      if (buflen >= 5 && memcmp (buf, "AUTH ", 5) == 0)
        s->auth_pending = s->auth_tried = TRUE;
    }
  else if (writing == SMTP_CB_READING)
    for (int i = 0; i < buflen; i++)
      {
        if (buf[i] == '\n')
          {
            reply_line (s, s->line->str, s->line->len);
            g_string_truncate (s->line, 0);
          }
        else if (buf[i] != '\r' && s->line->len < 1024)
          g_string_append_c (s->line, buf[i]);
      }
  set_timeouts (s->session, s->config, s->deadline);
}

static int
interact_cb (auth_client_request_t request, char **result, int fields, void *arg)
{
  Send *s = arg;
  for (int i = 0; i < fields; i++)
    {
      if (request[i].flags & AUTH_USER)
        result[i] = (char *) s->user;
      else if (request[i].flags & AUTH_PASS)
        result[i] = s->password;
      else
        result[i] = (char *) "";
    }
  return 1;
}

typedef struct {
  int accepted;
  char *permanent; /* the first 5xx refusal */
  char *temporary; /* the first 4xx refusal, or a recipient never answered */
} RecipientScan;

static void
recipient_cb (smtp_recipient_t recipient, const char *mailbox, void *arg)
{
  RecipientScan *scan = arg;
  const smtp_status_t *status = esmtp.smtp_recipient_status (recipient);
  int class = status != NULL ? status->code / 100 : 0;
  if (class == 2)
    {
      scan->accepted++;
      return;
    }
  g_autofree char *reply = reply_text (status);
  char **slot = class == 5 ? &scan->permanent : &scan->temporary;
  if (*slot == NULL && reply != NULL)
    *slot = g_strdup_printf ("recipient <%s> refused: %s", mailbox, reply);
}

static PorteroSendStatus
classify (int code)
{
  return code / 100 == 5 ? PORTERO_SEND_PERMANENT : PORTERO_SEND_TEMPORARY;
}

static PorteroSendStatus
outcome (Send *s, smtp_message_t message, int started, int smtp_err, gboolean fired,
         const char *server, GError **error)
{
  const smtp_status_t *transfer = esmtp.smtp_message_transfer_status (message);
  RecipientScan scan = { 0 };
  esmtp.smtp_enumerate_recipients (message, recipient_cb, &scan);
  g_autofree char *permanent = scan.permanent;
  g_autofree char *temporary = scan.temporary;
  if (transfer != NULL && transfer->code / 100 == 2 && permanent == NULL && temporary == NULL)
    return PORTERO_SEND_OK;

  PorteroSendStatus status = PORTERO_SEND_TEMPORARY;
  g_autofree char *reason = NULL;
  const smtp_status_t *sender = esmtp.smtp_reverse_path_status (message);
  if (sender != NULL && sender->code != 0 && sender->code / 100 != 2)
    {
      g_autofree char *reply = reply_text (sender);
      status = classify (sender->code);
      reason = g_strdup_printf ("sender <%s> refused: %s", s->envelope_from, reply);
    }
  else if (permanent != NULL)
    {
      status = PORTERO_SEND_PERMANENT;
      reason = g_strdup (permanent);
    }
  else if (temporary != NULL)
    reason = g_strdup (temporary);
  else if (transfer != NULL && transfer->code != 0)
    {
      g_autofree char *reply = reply_text (transfer);
      status = classify (transfer->code);
      reason = g_strdup_printf ("message refused: %s", reply);
    }
  else if (s->tls_problem != NULL)
    reason = g_strdup (s->tls_problem);
  else if (fired)
    reason = g_strdup_printf ("gave up at the deadline%s%s%s", s->last_reply ? " (last reply: " : "",
                              s->last_reply ? s->last_reply : "", s->last_reply ? ")" : "");
  else
    {
      char buf[256];
      const char *what = started ? "the session ended before the message was accepted"
                                 : esmtp.smtp_strerror (smtp_err, buf, sizeof buf);
      reason = g_strdup_printf ("%s%s%s%s", what ? what : "session failed",
                                s->last_reply ? " (last reply: " : "",
                                s->last_reply ? s->last_reply : "", s->last_reply ? ")" : "");
    }

  if (s->user != NULL && !s->authenticated)
    {
      /* Whatever the server then said, a wrong password or a missing AUTH is for an
       * administrator to fix, not a reason to give the message up. */
      g_autofree char *why = s->auth_tried
          ? g_strdup_printf ("authentication as %s failed: %s", s->user,
                             s->auth_reply ? s->auth_reply : "no reply")
          : g_strdup_printf ("could not authenticate as %s (no AUTH mechanism offered for it)", s->user);
      return fail (error, PORTERO_SEND_TEMPORARY, "SMTP %s: %s; then %s", server, why, reason);
    }
  return fail (error, status, "SMTP %s: %s", server, reason);
}

static char *
read_password (const char *path, GError **error)
{
  g_autoptr (GError) local = NULL;
  char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &text, &len, &local))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL,
                   "cannot read [smtp] auth-password-file %s: %s", path, local->message);
      return NULL;
    }
  gsize end = strcspn (text, "\n");
  if (end > 0 && text[end - 1] == '\r')
    end--;
  char *password = g_strndup (text, end);
  sodium_memzero (text, len);
  g_free (text);
  return password;
}

static void
free_password (char *password)
{
  if (password == NULL)
    return;
  sodium_memzero (password, strlen (password));
  g_free (password);
}

static PorteroSendStatus
send_smtp (const PorteroConfig *config, const char *envelope_from, const char *const *recipients,
           const char *data, gsize len, gint64 deadline, GError **error)
{
  const char *host = config->smtp_host;
  g_autofree char *server = g_strdup_printf ("%s:%d", host, config->smtp_port);
  if (strchr (host, ':') != NULL || strchr (host, '[') != NULL)
    return fail (error, PORTERO_SEND_TEMPORARY,
                 "SMTP %s: libesmtp cannot take an IPv6 literal: give [smtp] host as a name", server);
  g_autoptr (GError) unloaded = NULL;
  if (!load_libesmtp (&unloaded))
    return fail (error, PORTERO_SEND_TEMPORARY, "SMTP %s: %s", server, unloaded->message);

  g_autofree char *password = NULL;
  const char *user = NULL;
  if (config->smtp_auth_user != NULL && *config->smtp_auth_user != '\0')
    {
      user = config->smtp_auth_user;
      if (config->smtp_auth_password_file == NULL || *config->smtp_auth_password_file == '\0')
        return fail (error, PORTERO_SEND_TEMPORARY,
                     "SMTP %s: [smtp] auth-user is set but auth-password-file is not", server);
      password = read_password (config->smtp_auth_password_file, error);
      if (password == NULL)
        return PORTERO_SEND_TEMPORARY;
    }

  g_autofree char *port = g_strdup_printf ("%d", config->smtp_port);
  g_autofree char *why = NULL;
  struct addrinfo *addrs = resolve (host, port, step_until (config, deadline), &why);
  if (addrs == NULL)
    {
      free_password (g_steal_pointer (&password));
      return fail (error, PORTERO_SEND_TEMPORARY, "SMTP %s: cannot resolve %s: %s", server, host, why);
    }
  if (!probe (addrs, step_until (config, deadline), &why))
    {
      freeaddrinfo (addrs);
      free_password (g_steal_pointer (&password));
      return fail (error, PORTERO_SEND_TEMPORARY, "SMTP %s: cannot connect to %s: %s", server, server, why);
    }
  if (deadline > 0 && g_get_monotonic_time () >= deadline)
    {
      freeaddrinfo (addrs);
      free_password (g_steal_pointer (&password));
      return fail (error, PORTERO_SEND_TEMPORARY, "SMTP %s: gave up at the deadline (before the session)", server);
    }

  Send s = { 0 };
  s.config = config;
  s.envelope_from = envelope_from;
  s.deadline = deadline;
  s.data = data;
  s.len = len;
  s.line = g_string_new (NULL);
  s.user = user;
  s.password = password;
  s.addrs = addrs;
  s.sockets_before = relay_sockets (addrs);

  gsize crlf_len = len + (data[len - 1] != '\n' ? 2 : 0);
  for (gsize i = 0; i < len; i++)
    if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
      crlf_len++;

  PorteroSendStatus status;
  auth_context_t auth = NULL;
  gboolean auth_client = FALSE;
  smtp_session_t session = esmtp.smtp_create_session ();
  smtp_message_t message = session != NULL ? esmtp.smtp_add_message (session) : NULL;
  s.session = session;
  enum starttls_option tls = Starttls_ENABLED;
  if (g_strcmp0 (config->smtp_starttls, "never") == 0)
    tls = Starttls_DISABLED;
  else if (g_strcmp0 (config->smtp_starttls, "required") == 0)
    tls = Starttls_REQUIRED;
  SSL_CTX *tls_context = NULL;
  gboolean ok = message != NULL && esmtp.smtp_set_server (session, server);
  if (ok && tls != Starttls_DISABLED)
    {
      tls_context = tls_context_new ();
      ok = tls_context != NULL && esmtp.smtp_starttls_set_ctx (session, tls_context)
          && esmtp.smtp_starttls_enable (session, tls);
      if (tls_context == NULL)
        {
          status = fail (error, PORTERO_SEND_TEMPORARY,
                         "SMTP %s: cannot set up TLS (starttls=%s): OpenSSL unusable", server,
                         config->smtp_starttls);
          goto done;
        }
    }
  ok = ok
      && esmtp.smtp_set_eventcb (session, event_cb, &s)
      && esmtp.smtp_set_monitorcb (session, monitor_cb, &s, 0)
      && esmtp.smtp_option_require_all_recipients (session, 1)
      && esmtp.smtp_set_reverse_path (message, envelope_from)
      && esmtp.smtp_set_messagecb (message, message_cb, &s)
      && esmtp.smtp_size_set_estimate (message, crlf_len);
  for (gsize i = 0; ok && recipients[i] != NULL; i++)
    ok = esmtp.smtp_add_recipient (message, recipients[i]) != NULL;

  if (ok && user != NULL)
    {
      esmtp.auth_client_init ();
      auth_client = TRUE;
      auth = esmtp.auth_create_context ();
      ok = auth != NULL
          && esmtp.auth_set_mechanism_flags (auth, AUTH_PLUGIN_PLAIN, 0)
          && esmtp.auth_set_interact_cb (auth, interact_cb, &s)
          && esmtp.smtp_auth_set_context (session, auth);
    }

  if (!ok)
    {
      char buf[256];
      const char *text = esmtp.smtp_strerror (esmtp.smtp_errno (), buf, sizeof buf);
      status = fail (error, PORTERO_SEND_TEMPORARY, "SMTP %s: cannot set up libesmtp: %s", server,
                     text ? text : "out of memory");
    }
  else
    {
      set_timeouts (session, config, deadline);
      Watchdog watchdog = { 0 };
      if (deadline > 0)
        {
          g_mutex_init (&watchdog.lock);
          g_cond_init (&watchdog.cond);
          watchdog.deadline = deadline;
          watchdog.fd = -1;
          watchdog.thread = g_thread_try_new ("portero-deadline", watchdog_run, &watchdog, NULL);
          if (watchdog.thread != NULL)
            s.watchdog = &watchdog;
        }

      sigset_t pipe_set, saved, pending;
      sigemptyset (&pipe_set);
      sigaddset (&pipe_set, SIGPIPE);
      sigpending (&pending);
      gboolean was_pending = sigismember (&pending, SIGPIPE);
      pthread_sigmask (SIG_BLOCK, &pipe_set, &saved);
      int started = esmtp.smtp_start_session (session);
      int smtp_err = esmtp.smtp_errno ();
      if (!was_pending)
        {
          sigpending (&pending);
          if (sigismember (&pending, SIGPIPE))
            {
              struct timespec zero = { 0, 0 };
              sigtimedwait (&pipe_set, NULL, &zero);
            }
        }
      pthread_sigmask (SIG_SETMASK, &saved, NULL);

      gboolean fired = FALSE;
      if (deadline > 0)
        {
          if (watchdog.thread != NULL)
            {
              g_mutex_lock (&watchdog.lock);
              watchdog.stop = TRUE;
              g_cond_signal (&watchdog.cond);
              g_mutex_unlock (&watchdog.lock);
              g_thread_join (watchdog.thread);
            }
          fired = watchdog.fired || g_get_monotonic_time () >= deadline;
          if (watchdog.fd >= 0)
            close (watchdog.fd);
          g_mutex_clear (&watchdog.lock);
          g_cond_clear (&watchdog.cond);
        }
      status = outcome (&s, message, started, smtp_err, fired, server, error);
    }

done:
  if (session != NULL)
    esmtp.smtp_destroy_session (session);
  tls_context_free (tls_context);
  if (auth != NULL)
    esmtp.auth_destroy_context (auth);
  if (auth_client)
    esmtp.auth_client_exit ();
  free_password (g_steal_pointer (&password));
  freeaddrinfo (addrs);
  g_array_unref (s.sockets_before);
  g_string_free (s.line, TRUE);
  g_free (s.last_reply);
  g_free (s.auth_reply);
  g_free (s.tls_problem);
  return status;
}

/* ---- Maildir ---- */

static gboolean
write_all (int fd, const char *data, gsize len)
{
  while (len > 0)
    {
      ssize_t n = write (fd, data, MIN (len, (gsize) G_MAXSSIZE));
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return FALSE;
      data += n;
      len -= (gsize) n;
    }
  return TRUE;
}

static char *
maildir_unique (void)
{
  static guint counter;
  gint64 now = g_get_real_time ();
  g_autofree char *host = g_strdup (g_get_host_name ());
  GString *safe = g_string_new (NULL);
  for (const char *p = host; *p != '\0'; p++)
    if (*p == '/')
      g_string_append (safe, "\\057");
    else if (*p == ':')
      g_string_append (safe, "\\072");
    else
      g_string_append_c (safe, *p);
  char *name = g_strdup_printf ("%" G_GINT64_FORMAT ".M%06dP%dQ%uR%08x%08x.%s", now / G_USEC_PER_SEC,
                                (int) (now % G_USEC_PER_SEC), (int) getpid (), ++counter,
                                g_random_int (), g_random_int (), safe->str);
  g_string_free (safe, TRUE);
  return name;
}

static PorteroSendStatus
send_maildir (const PorteroConfig *config, const char *data, gsize len, GError **error)
{
  const char *root = config->smtp_maildir;
  static const char *const subdirs[] = { "tmp", "new", "cur" };
  for (gsize i = 0; i < G_N_ELEMENTS (subdirs); i++)
    {
      g_autofree char *dir = g_build_filename (root, subdirs[i], NULL);
      if (g_mkdir_with_parents (dir, 0700) != 0)
        {
          int saved = errno;
          return fail (error, PORTERO_SEND_TEMPORARY, "maildir %s: cannot create %s: %s", root, dir,
                       g_strerror (saved));
        }
    }

  /* Maildir files have LF line ends. */
  g_autofree char *text = g_malloc (len);
  gsize n = 0;
  for (gsize i = 0; i < len; i++)
    if (!(data[i] == '\r' && i + 1 < len && data[i + 1] == '\n'))
      text[n++] = data[i];

  g_autofree char *name = maildir_unique ();
  g_autofree char *tmp = g_build_filename (root, "tmp", name, NULL);
  g_autofree char *new_dir = g_build_filename (root, "new", NULL);
  g_autofree char *dest = g_build_filename (new_dir, name, NULL);
  int fd = open (tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;
      return fail (error, PORTERO_SEND_TEMPORARY, "maildir %s: cannot create %s: %s", root, tmp,
                   g_strerror (saved));
    }
  gboolean ok = write_all (fd, text, n) && fsync (fd) == 0;
  int saved = errno;
  if (close (fd) != 0 && ok)
    {
      ok = FALSE;
      saved = errno;
    }
  if (ok && link (tmp, dest) != 0)
    {
      saved = errno;
      ok = FALSE;
      /* no hard links here: the unique name makes rename() safe */
      if (saved == EPERM || saved == ENOTSUP || saved == ENOSYS)
        {
          ok = rename (tmp, dest) == 0;
          if (!ok)
            saved = errno;
        }
    }
  unlink (tmp);
  if (!ok)
    return fail (error, PORTERO_SEND_TEMPORARY, "maildir %s: cannot deliver %s: %s", root, name,
                 g_strerror (saved));

  int dir = open (new_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0 || fsync (dir) != 0)
    {
      saved = errno;
      if (dir >= 0)
        close (dir);
      /* the file is there but may not survive a crash: better sent twice than lost */
      unlink (dest);
      return fail (error, PORTERO_SEND_TEMPORARY, "maildir %s: cannot sync %s: %s", root, new_dir,
                   g_strerror (saved));
    }
  close (dir);
  return PORTERO_SEND_OK;
}

PorteroSendStatus
portero_smtp_send (const PorteroConfig *config, const char *envelope_from,
                   const char *const *recipients, GBytes *message, gint64 deadline, GError **error)
{
  g_return_val_if_fail (config != NULL, PORTERO_SEND_TEMPORARY);
  g_return_val_if_fail (message != NULL, PORTERO_SEND_PERMANENT);
  g_return_val_if_fail (error == NULL || *error == NULL, PORTERO_SEND_TEMPORARY);

  gsize len = 0;
  const char *data = g_bytes_get_data (message, &len);
  if (envelope_from == NULL)
    envelope_from = "";
  if (len == 0 || data == NULL)
    return fail (error, PORTERO_SEND_PERMANENT, "cannot send an empty message");
  if (len > G_MAXINT / 2)
    return fail (error, PORTERO_SEND_PERMANENT, "message too large to send (%" G_GSIZE_FORMAT " bytes)", len);
  if (!mailbox_ok (envelope_from, TRUE))
    return fail (error, PORTERO_SEND_PERMANENT, "invalid envelope sender");
  if (recipients == NULL || recipients[0] == NULL)
    return fail (error, PORTERO_SEND_PERMANENT, "no recipients");
  for (gsize i = 0; recipients[i] != NULL; i++)
    if (!mailbox_ok (recipients[i], FALSE))
      {
        g_autofree char *shown = g_strescape (recipients[i], NULL);
        return fail (error, PORTERO_SEND_PERMANENT, "invalid recipient \"%s\"", shown);
      }
  if (deadline > 0 && g_get_monotonic_time () >= deadline)
    return fail (error, PORTERO_SEND_TEMPORARY, "deadline passed before sending");

  if (g_strcmp0 (config->smtp_transport, "maildir") == 0)
    return send_maildir (config, data, len, error);
  return send_smtp (config, envelope_from, recipients, data, len, deadline, error);
}
