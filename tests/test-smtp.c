/* test-smtp - handing messages to a real SMTP server (tests/smtp-sink.py) and to a Maildir */
#include "../src/config.h"
#include "../src/error.h"
#include "../src/smtp.h"
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define PYTHON "/usr/bin/python3"

static gboolean have_aiosmtpd;
static char *sink_script;

/* LF line ends, a folded header, a CRLF line, dot lines and 8-bit text. */
static const char message_lf[] =
    "Date: Tue, 25 Nov 2025 10:00:00 +0000\n"
    "From: Soporte <soporte@example.com>\n"
    "To: Ana <ana@example.org>, Luis <luis@example.net>\n"
    "Subject: Prueba [#42]\n"
    "Message-ID: <42.abc@example.com>\n"
    "MIME-Version: 1.0\n"
    "Content-Type: text/plain; charset=utf-8\n"
    "Content-Transfer-Encoding: 8bit\n"
    "X-Folded: one\n"
    "\ttwo\n"
    "\n"
    "Hola,\n"
    ".a line starting with a dot\n"
    ".\n"
    "a CRLF line\r\n"
    "\xc3\xb1\x61nd\xc3\xba\n"
    "\n"
    "last line\n";

static char *
with_crlf (const char *text)
{
  GString *out = g_string_new (NULL);
  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == '\n' && (p == text || p[-1] != '\r'))
        g_string_append_c (out, '\r');
      g_string_append_c (out, *p);
    }
  return g_string_free (out, FALSE);
}

typedef struct {
  char *dir;     /* temporary directory: conf, sink output, maildir */
  GPid pid;
  int port;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  f->dir = g_dir_make_tmp ("portero-smtp-XXXXXX", &error);
  g_assert_no_error (error);
  f->pid = 0;
  f->port = 0;
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  if (dir != NULL)
    {
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            remove_tree (child);
          else
            g_unlink (child);
        }
      g_dir_close (dir);
    }
  g_rmdir (path);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  if (f->pid > 0)
    {
      kill (f->pid, SIGTERM);
      waitpid (f->pid, NULL, 0);
      g_spawn_close_pid (f->pid);
    }
  remove_tree (f->dir);
  g_free (f->dir);
}

/* The sink dies with us even when a failed assertion skips the teardown. */
static void
die_with_parent (gpointer data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* Start the sink with EXTRA arguments; FALSE (and the test skipped) without aiosmtpd. */
static gboolean
sink_start (Fixture *f, const char *const *extra)
{
  if (!have_aiosmtpd)
    {
      g_test_skip (PYTHON " cannot import aiosmtpd (apt install python3-aiosmtpd)");
      return FALSE;
    }
  g_autofree char *out = g_build_filename (f->dir, "sink", NULL);
  g_autofree char *port_file = g_build_filename (f->dir, "port", NULL);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  const char *fixed[] = { PYTHON, sink_script, "--dir", out, "--port-file", port_file,
                          "--lifetime", "60" };
  for (gsize i = 0; i < G_N_ELEMENTS (fixed); i++)
    g_ptr_array_add (argv, (char *) fixed[i]);
  for (gsize i = 0; extra != NULL && extra[i] != NULL; i++)
    g_ptr_array_add (argv, (char *) extra[i]);
  g_ptr_array_add (argv, NULL);
  g_autoptr (GError) error = NULL;
  g_spawn_async (NULL, (char **) argv->pdata, NULL, G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL,
                 die_with_parent, NULL, &f->pid, &error);
  g_assert_no_error (error);
  gint64 until = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < until)
    {
      g_autofree char *text = NULL;
      if (g_file_get_contents (port_file, &text, NULL, NULL))
        {
          f->port = atoi (text);
          g_assert_cmpint (f->port, >, 0);
          return TRUE;
        }
      int status;
      if (waitpid (f->pid, &status, WNOHANG) == f->pid)
        {
          g_spawn_close_pid (f->pid);
          f->pid = 0;
          g_error ("smtp-sink.py exited before listening (status %d)", status);
        }
      g_usleep (20000);
    }
  g_error ("smtp-sink.py did not listen within 20 s");
  return FALSE;
}

/* A loaded configuration: [smtp] with SMTP_LINES appended. */
static PorteroConfig *
config_with (Fixture *f, const char *smtp_lines)
{
  g_autofree char *path = g_build_filename (f->dir, "portero.conf", NULL);
  g_autofree char *text = g_strdup_printf ("[smtp]\nhost=127.0.0.1\nport=%d\nstarttls=never\n"
                                           "timeout=10\n%s", f->port > 0 ? f->port : 25, smtp_lines);
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_set_contents (path, text, -1, &error));
  PorteroConfig *config = portero_config_load (path, &error);
  g_assert_no_error (error);
  return config;
}

static char *
sink_file (Fixture *f, const char *name)
{
  g_autofree char *path = g_build_filename (f->dir, "sink", name, NULL);
  char *text = NULL;
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return NULL;
  return text;
}

static const char *const two[] = { "ana@example.org", "luis@example.net", NULL };

static PorteroSendStatus
send_test_message (const PorteroConfig *config, const char *from, gint64 deadline, GError **error)
{
  g_autoptr (GBytes) bytes = g_bytes_new_static (message_lf, strlen (message_lf));
  return portero_smtp_send (config, from, two, bytes, deadline, error);
}

static void
test_crlf (Fixture *f, gconstpointer data)
{
  if (!sink_start (f, NULL))
    return;
  g_autoptr (PorteroConfig) config = config_with (f, "");
  g_autoptr (GError) error = NULL;
  g_assert_cmpint (send_test_message (config, "bounces@example.com", 0, &error), ==, PORTERO_SEND_OK);
  g_assert_no_error (error);
  g_autofree char *eml = sink_file (f, "0001.eml");
  g_autofree char *env = sink_file (f, "0001.env");
  g_autofree char *expected = with_crlf (message_lf);
  g_assert_nonnull (eml);
  g_assert_cmpstr (eml, ==, expected);
  g_assert_cmpstr (env, ==, "bounces@example.com\nana@example.org\nluis@example.net\n");

  /* the null sender, and a message without a final newline gets one */
  static const char bare[] = "Date: Tue, 25 Nov 2025 10:00:00 +0000\nFrom: a@example.com\n"
                             "Message-ID: <1@example.com>\n\nno newline";
  g_autoptr (GBytes) bytes = g_bytes_new_static (bare, strlen (bare));
  const char *const one[] = { "ana@example.org", NULL };
  g_assert_cmpint (portero_smtp_send (config, "", one, bytes, 0, &error), ==, PORTERO_SEND_OK);
  g_assert_no_error (error);
  g_autofree char *eml2 = sink_file (f, "0002.eml");
  g_autofree char *env2 = sink_file (f, "0002.env");
  g_autofree char *expected2 = g_strconcat (bare, "\n", NULL);
  g_autofree char *expected2_crlf = with_crlf (expected2);
  g_assert_cmpstr (eml2, ==, expected2_crlf);
  g_assert_cmpstr (env2, ==, "<>\nana@example.org\n"); /* aiosmtpd's way of saying "" */
}

static void
test_localhost (Fixture *f, gconstpointer data)
{
  /* a name (resolved in the helper thread), maybe ::1 first, which the sink does not serve */
  if (!sink_start (f, NULL))
    return;
  g_autoptr (PorteroConfig) config = config_with (f, "");
  g_free (config->smtp_host);
  config->smtp_host = g_strdup ("localhost");
  g_autoptr (GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  g_assert_cmpint (send_test_message (config, "bounces@example.com", deadline, &error), ==,
                   PORTERO_SEND_OK);
  g_assert_no_error (error);
  g_autofree char *eml = sink_file (f, "0001.eml");
  g_assert_nonnull (eml);
}

static void
test_rcpt_failure (Fixture *f, gconstpointer data)
{
  const char *code = data;
  const char *extra[] = { "--fail-rcpt", code, NULL };
  if (!sink_start (f, extra))
    return;
  g_autoptr (PorteroConfig) config = config_with (f, "");
  g_autoptr (GError) error = NULL;
  PorteroSendStatus status = send_test_message (config, "bounces@example.com", 0, &error);
  if (code[0] == '4')
    {
      g_assert_cmpint (status, ==, PORTERO_SEND_TEMPORARY);
      g_assert_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL);
    }
  else
    {
      g_assert_cmpint (status, ==, PORTERO_SEND_PERMANENT);
      g_assert_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID);
    }
  g_autofree char *server = g_strdup_printf ("127.0.0.1:%d", f->port);
  g_assert_nonnull (strstr (error->message, server));
  g_assert_nonnull (strstr (error->message, code));
  g_assert_nonnull (strstr (error->message, "ana@example.org"));
  g_assert_null (strchr (error->message, '\n'));
  g_autofree char *eml = sink_file (f, "0001.eml");
  g_assert_null (eml);
}

static void
test_refused (Fixture *f, gconstpointer data)
{
  /* a port nobody listens on: bind one, note it, close it */
  int fd = socket (AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof sa;
  g_assert_cmpint (bind (fd, (struct sockaddr *) &sa, sizeof sa), ==, 0);
  g_assert_cmpint (getsockname (fd, (struct sockaddr *) &sa, &len), ==, 0);
  close (fd);
  f->port = ntohs (sa.sin_port);
  g_autoptr (PorteroConfig) config = config_with (f, "timeout=2\n");
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  g_assert_cmpint (send_test_message (config, "bounces@example.com", 0, &error), ==,
                   PORTERO_SEND_TEMPORARY);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
  g_assert_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL);
  g_autofree char *expected = g_strdup_printf ("cannot connect to 127.0.0.1:%d", f->port);
  g_assert_nonnull (strstr (error->message, expected));
}

static void
test_deadline_past (Fixture *f, gconstpointer data)
{
  const char *extra[] = { "--silent", NULL };
  if (!sink_start (f, extra))
    return;
  g_autoptr (PorteroConfig) config = config_with (f, "");
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  g_assert_cmpint (send_test_message (config, "bounces@example.com", start - 1, &error), ==,
                   PORTERO_SEND_TEMPORARY);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC / 2);
  g_assert_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL);
  g_assert_nonnull (strstr (error->message, "deadline"));
}

static void
test_deadline_silent (Fixture *f, gconstpointer data)
{
  /* the server accepts and never greets: give up at the deadline, not at timeout=10 */
  const char *extra[] = { "--silent", NULL };
  if (!sink_start (f, extra))
    return;
  g_autoptr (PorteroConfig) config = config_with (f, "");
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  g_assert_cmpint (send_test_message (config, "bounces@example.com", start + G_USEC_PER_SEC, &error),
                   ==, PORTERO_SEND_TEMPORARY);
  gint64 took = g_get_monotonic_time () - start;
  g_assert_cmpint (took, >=, G_USEC_PER_SEC * 9 / 10);
  g_assert_cmpint (took, <, 2 * G_USEC_PER_SEC);
  g_assert_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL);
  g_assert_nonnull (strstr (error->message, "deadline"));

  /* 300 ms: below libesmtp's one-second floor, the watchdog still ends it in time */
  g_clear_error (&error);
  start = g_get_monotonic_time ();
  g_assert_cmpint (send_test_message (config, "bounces@example.com", start + 300000, &error), ==,
                   PORTERO_SEND_TEMPORARY);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 700000);
}

static void
test_timeout_silent (Fixture *f, gconstpointer data)
{
  /* no deadline: the per-step timeout alone ends it */
  const char *extra[] = { "--silent", NULL };
  if (!sink_start (f, extra))
    return;
  g_autoptr (PorteroConfig) config = config_with (f, "timeout=1\n");
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  g_assert_cmpint (send_test_message (config, "bounces@example.com", 0, &error), ==,
                   PORTERO_SEND_TEMPORARY);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3 * G_USEC_PER_SEC);
  g_assert_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL);
}

static char *
write_password (Fixture *f, const char *password)
{
  char *path = g_build_filename (f->dir, "smtp.secret", NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_set_contents (path, password, -1, &error));
  return path;
}

static void
test_auth (Fixture *f, gconstpointer data)
{
  const char *extra[] = { "--auth", "portero:s3cr3t pass", NULL };
  if (!sink_start (f, extra))
    return;
  g_autofree char *secret = write_password (f, "s3cr3t pass\nsecond line ignored\n");
  g_autofree char *lines = g_strdup_printf ("auth-user=portero\nauth-password-file=%s\n", secret);
  g_autoptr (PorteroConfig) config = config_with (f, lines);
  g_autoptr (GError) error = NULL;
  g_assert_cmpint (send_test_message (config, "bounces@example.com", 0, &error), ==, PORTERO_SEND_OK);
  g_assert_no_error (error);
  g_autofree char *eml = sink_file (f, "0001.eml");
  g_assert_nonnull (eml);

  /* wrong password: not sent, and not given up either */
  g_autofree char *wrong = write_password (f, "wrong\n");
  g_assert_cmpint (send_test_message (config, "bounces@example.com", 0, &error), ==,
                   PORTERO_SEND_TEMPORARY);
  g_assert_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL);
  g_assert_nonnull (strstr (error->message, "authentication as portero failed"));
  g_assert_nonnull (strstr (error->message, "535"));
  g_assert_null (strstr (error->message, "wrong"));
  g_autofree char *eml2 = sink_file (f, "0002.eml");
  g_assert_null (eml2);

  /* no password file */
  g_clear_error (&error);
  g_unlink (secret);
  g_assert_cmpint (send_test_message (config, "bounces@example.com", 0, &error), ==,
                   PORTERO_SEND_TEMPORARY);
  g_assert_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL);
  g_assert_nonnull (strstr (error->message, secret));
}

static void
test_starttls_required (Fixture *f, gconstpointer data)
{
  if (!sink_start (f, NULL))
    return;
  g_autoptr (PorteroConfig) config = config_with (f, "starttls=required\n");
  g_autoptr (GError) error = NULL;
  g_assert_cmpint (send_test_message (config, "bounces@example.com", 0, &error), ==,
                   PORTERO_SEND_TEMPORARY);
  g_assert_nonnull (strstr (error->message, "STARTTLS"));
  g_autofree char *eml = sink_file (f, "0001.eml");
  g_assert_null (eml);
}

static void
test_starttls_self_signed (Fixture *f, gconstpointer data)
{
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  if (openssl == NULL)
    {
      g_test_skip ("no openssl program to make a certificate with");
      return;
    }
  g_autofree char *cert = g_build_filename (f->dir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (f->dir, "key.pem", NULL);
  const char *argv[] = { openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                         "-subj", "/CN=smtp-sink.test", "-keyout", key, "-out", cert, NULL };
  g_autoptr (GError) error = NULL;
  int wait_status = 0;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                NULL, NULL, NULL, NULL, &wait_status, &error);
  g_assert_no_error (error);
  g_assert_true (WIFEXITED (wait_status) && WEXITSTATUS (wait_status) == 0);
  /* a slow EHLO: TLS 1.3 session tickets used to make libesmtp read before it had sent it */
  const char *extra[] = { "--tls-cert", cert, "--tls-key", key, "--ehlo-delay", "0.3", NULL };
  if (!sink_start (f, extra))
    return;

  /* opportunistic: encrypted, the certificate not checked */
  g_autoptr (PorteroConfig) config = config_with (f, "starttls=if-available\n");
  PorteroSendStatus status = send_test_message (config, "bounces@example.com", 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, PORTERO_SEND_OK);
  g_autofree char *eml = sink_file (f, "0001.eml");
  g_autofree char *expected = with_crlf (message_lf);
  g_assert_cmpstr (eml, ==, expected);

  /* required: the certificate must be trusted */
  g_autoptr (PorteroConfig) strict = config_with (f, "starttls=required\n");
  g_assert_cmpint (send_test_message (strict, "bounces@example.com", 0, &error), ==,
                   PORTERO_SEND_TEMPORARY);
  g_assert_nonnull (strstr (error->message, "TLS certificate"));
  g_autofree char *eml2 = sink_file (f, "0002.eml");
  g_assert_null (eml2);
}

static void
test_invalid (Fixture *f, gconstpointer data)
{
  g_autoptr (PorteroConfig) config = config_with (f, "");
  g_autoptr (GBytes) bytes = g_bytes_new_static (message_lf, strlen (message_lf));
  g_autoptr (GError) error = NULL;
  const char *const injected[] = { "ana@example.org>\r\nDATA", NULL };
  g_assert_cmpint (portero_smtp_send (config, "", injected, bytes, 0, &error), ==,
                   PORTERO_SEND_PERMANENT);
  g_assert_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID);
  g_clear_error (&error);
  const char *const none[] = { NULL };
  g_assert_cmpint (portero_smtp_send (config, "", none, bytes, 0, &error), ==, PORTERO_SEND_PERMANENT);
  g_clear_error (&error);
  g_autoptr (GBytes) empty = g_bytes_new_static ("", 0);
  g_assert_cmpint (portero_smtp_send (config, "", two, empty, 0, &error), ==, PORTERO_SEND_PERMANENT);
}

static void
test_maildir (Fixture *f, gconstpointer data)
{
  g_autofree char *maildir = g_build_filename (f->dir, "sent", NULL);
  g_autofree char *lines = g_strdup_printf ("transport=maildir\nmaildir=%s\n", maildir);
  g_autoptr (PorteroConfig) config = config_with (f, lines);
  g_autofree char *crlf = with_crlf (message_lf);
  g_autoptr (GBytes) bytes = g_bytes_new (crlf, strlen (crlf));
  g_autoptr (GError) error = NULL;
  g_assert_cmpint (portero_smtp_send (config, "bounces@example.com", two, bytes, 0, &error), ==,
                   PORTERO_SEND_OK);
  g_assert_no_error (error);

  g_autofree char *new_dir = g_build_filename (maildir, "new", NULL);
  g_autofree char *tmp_dir = g_build_filename (maildir, "tmp", NULL);
  g_autofree char *cur_dir = g_build_filename (maildir, "cur", NULL);
  g_assert_true (g_file_test (cur_dir, G_FILE_TEST_IS_DIR));
  GStatBuf st;
  g_assert_cmpint (g_stat (new_dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_autoptr (GDir) tmp = g_dir_open (tmp_dir, 0, NULL);
  g_assert_null (g_dir_read_name (tmp));
  g_autoptr (GDir) dir = g_dir_open (new_dir, 0, NULL);
  const char *name = g_dir_read_name (dir);
  g_assert_nonnull (name);
  g_autofree char *path = g_build_filename (new_dir, name, NULL);
  g_assert_null (g_dir_read_name (dir));
  g_autofree char *stored = NULL;
  g_assert_true (g_file_get_contents (path, &stored, NULL, NULL));
  /* LF everywhere, the CRLF line included */
  g_autofree char *expected = g_strdup (message_lf);
  char *cr = strstr (expected, "\r\n");
  memmove (cr, cr + 1, strlen (cr));
  g_assert_cmpstr (stored, ==, expected);

  /* a second message is a second file */
  g_assert_cmpint (portero_smtp_send (config, "", two, bytes, 0, &error), ==, PORTERO_SEND_OK);
  g_autoptr (GDir) again = g_dir_open (new_dir, 0, NULL);
  int count = 0;
  while (g_dir_read_name (again) != NULL)
    count++;
  g_assert_cmpint (count, ==, 2);

  /* an uncreatable Maildir is a temporary failure naming it */
  g_autofree char *blocker = g_build_filename (f->dir, "file", NULL);
  g_assert_true (g_file_set_contents (blocker, "x", 1, NULL));
  g_free (config->smtp_maildir);
  config->smtp_maildir = g_build_filename (blocker, "sent", NULL);
  g_assert_cmpint (portero_smtp_send (config, "", two, bytes, 0, &error), ==, PORTERO_SEND_TEMPORARY);
  g_assert_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL);
  g_assert_nonnull (strstr (error->message, blocker));
}

static gboolean
python_has_aiosmtpd (void)
{
  const char *argv[] = { PYTHON, "-c", "import aiosmtpd.smtp", NULL };
  int status = 0;
  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, NULL, NULL, &status, NULL))
    return FALSE;
  return WIFEXITED (status) && WEXITSTATUS (status) == 0;
}

static char *
find_sink (void)
{
  const char *srcdir = g_getenv ("PORTERO_SRCDIR");
  g_autofree char *here = g_path_get_dirname (__FILE__);
  const char *candidates[] = { srcdir, here, "tests", "../tests" };
  for (gsize i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      if (candidates[i] == NULL)
        continue;
      g_autofree char *path = i == 0 ? g_build_filename (candidates[i], "tests", "smtp-sink.py", NULL)
                                     : g_build_filename (candidates[i], "smtp-sink.py", NULL);
      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_canonicalize_filename (path, NULL);
    }
  return NULL;
}

#define ADD(path, func, data) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  sink_script = find_sink ();
  have_aiosmtpd = sink_script != NULL && python_has_aiosmtpd ();
  ADD ("/smtp/crlf", test_crlf, NULL);
  ADD ("/smtp/localhost", test_localhost, NULL);
  ADD ("/smtp/rcpt-451", test_rcpt_failure, "451");
  ADD ("/smtp/rcpt-550", test_rcpt_failure, "550");
  ADD ("/smtp/refused", test_refused, NULL);
  ADD ("/smtp/deadline-past", test_deadline_past, NULL);
  ADD ("/smtp/deadline-silent", test_deadline_silent, NULL);
  ADD ("/smtp/timeout-silent", test_timeout_silent, NULL);
  ADD ("/smtp/auth", test_auth, NULL);
  ADD ("/smtp/starttls-required", test_starttls_required, NULL);
  ADD ("/smtp/starttls-self-signed", test_starttls_self_signed, NULL);
  ADD ("/smtp/invalid", test_invalid, NULL);
  ADD ("/smtp/maildir", test_maildir, NULL);
  int rc = g_test_run ();
  g_free (sink_script);
  return rc;
}
