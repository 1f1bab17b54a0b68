/* portero-portal - the customer portal, a CGI program
 *
 * One process a request, as CGI runs it: read the request from the
 * environment and stdin, pick the page from the table, answer on stdout.
 * It reads the same portero.conf and database as the other programs, and
 * refuses to run as root: the web server runs it as an unprivileged user
 * that may read the configuration and write the database. */
#include "portal.h"
#include "../log.h"
#include "../mail.h"
#include "../privilege.h"
#include <locale.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

enum {
  NEEDS_SESSION = 1 << 0,  /* signed out: to the sign-in page */
  TAKES_ARG = 1 << 1,      /* "/ticket/12": the rest of the path is its argument */
};

static const struct {
  const char *path;
  int flags;
  PortalPage page;
} pages[] = {
  { "/", NEEDS_SESSION, page_tickets },
  { "/sign-in", 0, page_signin },
  { "/sign-out", NEEDS_SESSION, page_signout },
  { "/set-password", 0, page_set_password },
  { "/forgot", 0, page_forgot },
  { "/password", NEEDS_SESSION, page_change_password },
  { "/sessions", NEEDS_SESSION, page_sessions },
  { "/tickets", NEEDS_SESSION, page_tickets },
  { "/company", NEEDS_SESSION, page_company },
  { "/ticket/", NEEDS_SESSION | TAKES_ARG, page_ticket },
  { "/new", NEEDS_SESSION, page_new_ticket },
  { "/attachment/", NEEDS_SESSION | TAKES_ARG, page_attachment },
  { "/kb", 0, page_kb },
  { "/kb/", TAKES_ARG, page_kb },
};

const char *
portal_word (PorteroPortal *p, const char *msp_word)
{
  return T (p, portero_config_word (p->config, msp_word));
}

/* "es" or "en": the first of them Accept-Language ranks highest, else the
 * configured language. */
static const char *
pick_language (const char *accept, const char *configured)
{
  const char *best = NULL;
  double best_q = 0;
  g_auto (GStrv) ranges = g_strsplit (accept ? accept : "", ",", 32);
  for (char **r = ranges; *r; r++)
    {
      g_auto (GStrv) parts = g_strsplit (g_strstrip (*r), ";", 4);
      double q = 1;
      for (char **a = parts + (parts[0] ? 1 : 0); parts[0] && *a; a++)
        if (g_str_has_prefix (g_strstrip (*a), "q="))
          q = g_ascii_strtod (*a + 2, NULL);
      const char *lang = parts[0] ? parts[0] : "";
      const char *which = g_ascii_strncasecmp (lang, "es", 2) == 0 && (lang[2] == '\0' || lang[2] == '-') ? "es"
                          : g_ascii_strncasecmp (lang, "en", 2) == 0 && (lang[2] == '\0' || lang[2] == '-') ? "en"
                          : NULL;
      if (which != NULL && q > best_q)
        {
          best = which;
          best_q = q;
        }
    }
  return best ? best : (g_strcmp0 (configured, "es") == 0 ? "es" : "en");
}

/* Whether the portal's address is plain http on this machine: then the
 * cookie cannot be Secure (browsers drop it), and cannot be __Host-. */
static gboolean
plain_local (const char *address)
{
  static const char *const local[] = { "http://localhost", "http://127.0.0.1", "http://[::1]" };
  for (gsize i = 0; i < G_N_ELEMENTS (local); i++)
    if (g_str_has_prefix (address, local[i]))
      {
        char next = address[strlen (local[i])];
        if (next == '\0' || next == ':' || next == '/')
          return TRUE;
      }
  return FALSE;
}

/* Parse a query string or a form body; NULL when it is not one. */
static GHashTable *
parse_params (const char *text, gssize len)
{
  if (text == NULL || len == 0 || *text == '\0')
    return g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return g_uri_parse_params (text, len, "&", G_URI_PARAMS_WWW_FORM, NULL);
}

static char *
cookie_value (const char *header, const char *name)
{
  g_auto (GStrv) crumbs = g_strsplit (header ? header : "", ";", 64);
  for (char **c = crumbs; *c; c++)
    {
      char *crumb = g_strstrip (*c);
      gsize n = strlen (name);
      if (strncmp (crumb, name, n) == 0 && crumb[n] == '=')
        return g_strdup (crumb + n + 1);
    }
  return NULL;
}

/* Read the request: FALSE with p->status set when it cannot be served. */
static gboolean
read_request (PorteroPortal *p)
{
  p->method = g_getenv ("REQUEST_METHOD") ? g_getenv ("REQUEST_METHOD") : "GET";
  const char *path = g_getenv ("PATH_INFO");
  p->path = path && *path ? path : "/";
  p->script = g_getenv ("SCRIPT_NAME") ? g_getenv ("SCRIPT_NAME") : "";
  p->origin = g_getenv ("HTTP_ORIGIN");
  p->client = g_getenv ("REMOTE_ADDR") ? g_getenv ("REMOTE_ADDR") : "";
  p->lang = pick_language (g_getenv ("HTTP_ACCEPT_LANGUAGE"), p->config->language);
  p->https = !plain_local (p->config->portal_address);
  p->cookie_name = p->https ? "__Host-portero" : "portero";
  p->cookie = cookie_value (g_getenv ("HTTP_COOKIE"), p->cookie_name);
  p->query = parse_params (g_getenv ("QUERY_STRING"), -1);
  if (p->query == NULL)
    p->query = parse_params (NULL, 0);
  p->form = parse_params (NULL, 0);
  if (strcmp (p->method, "POST") == 0)
    {
      guint64 length = 0;
      const char *cl = g_getenv ("CONTENT_LENGTH");
      if (cl == NULL || !g_ascii_string_to_unsigned (cl, 10, 0, PORTAL_MAX_BODY, &length, NULL))
        {
          p->status = 413;
          return FALSE;
        }
      g_autofree char *body = g_malloc (length + 1);
      gsize got = fread (body, 1, length, stdin);
      body[got] = '\0';
      g_hash_table_unref (p->form);
      p->form = parse_params (body, got);
      if (p->form == NULL || got != length)
        {
          p->form = p->form ? p->form : parse_params (NULL, 0);
          p->status = 400;
          return FALSE;
        }
    }
  else if (strcmp (p->method, "GET") != 0 && strcmp (p->method, "HEAD") != 0)
    {
      p->status = 405;
      return FALSE;
    }
  return TRUE;
}

/* The answer, with the headers every page carries. */
static void
respond (PorteroPortal *p)
{
  static const char *const reasons[][2] = {
    { "200", "OK" }, { "303", "See Other" }, { "400", "Bad Request" }, { "403", "Forbidden" },
    { "404", "Not Found" }, { "405", "Method Not Allowed" }, { "413", "Content Too Large" },
    { "429", "Too Many Requests" }, { "500", "Internal Server Error" }, { "503", "Service Unavailable" },
  };
  char code[8];
  g_snprintf (code, sizeof code, "%d", p->status);
  const char *reason = "";
  for (gsize i = 0; i < G_N_ELEMENTS (reasons); i++)
    if (strcmp (reasons[i][0], code) == 0)
      reason = reasons[i][1];
  GString *out = g_string_new (NULL);
  g_string_append_printf (out, "Status: %d %s\r\n", p->status, reason);
  g_string_append_printf (out, "Content-Type: %s\r\n", p->type ? p->type : "text/html; charset=utf-8");
  /* No script at all, nothing from elsewhere, never in a frame. */
  g_string_append (out, "Content-Security-Policy: default-src 'none'; style-src 'self'; img-src 'self';"
                        " form-action 'self'; frame-ancestors 'none'; base-uri 'none'\r\n");
  g_string_append (out, "X-Content-Type-Options: nosniff\r\n");
  g_string_append (out, "X-Frame-Options: DENY\r\n");
  g_string_append (out, "Referrer-Policy: no-referrer\r\n");
  g_string_append (out, "Cross-Origin-Opener-Policy: same-origin\r\n");
  if (p->https)
    g_string_append (out, "Strict-Transport-Security: max-age=31536000\r\n");
  g_string_append (out, p->private_page || p->contact != 0 ? "Cache-Control: no-store\r\n"
                                                            : "Cache-Control: no-cache\r\n");
  g_string_append_len (out, p->headers->str, p->headers->len);
  gsize len = p->file ? g_bytes_get_size (p->file) : p->body->len;
  g_string_append_printf (out, "Content-Length: %" G_GSIZE_FORMAT "\r\n\r\n", len);
  fwrite (out->str, 1, out->len, stdout);
  g_string_free (out, TRUE);
  if (strcmp (p->method, "HEAD") != 0)
    {
      if (p->file)
        fwrite (g_bytes_get_data (p->file, NULL), 1, len, stdout);
      else
        fwrite (p->body->str, 1, p->body->len, stdout);
    }
  fflush (stdout);
}

/* A page for a status with nothing more to say. */
static void
status_page (PorteroPortal *p, int status)
{
  static const struct {
    int status;
    const char *text;
  } texts[] = {
    { 400, N_("The request could not be read.") },
    { 403, N_("This form has expired or did not come from this portal. Go back, reload the page and try again.") },
    { 405, N_("The request could not be read.") },
    { 413, N_("What was sent is too large.") },
    { 500, N_("Something went wrong on our side. Please try again later.") },
    { 503, N_("The portal is busy. Please try again in a moment.") },
  };
  const char *text = texts[4].text;
  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    if (texts[i].status == status)
      text = texts[i].text;
  g_string_truncate (p->body, 0);
  g_string_truncate (p->headers, 0);
  p->file = NULL;
  p->type = NULL;
  page_begin (p, T (p, N_("Error")));
  page_notice (p, "error", T (p, text));
  page_end (p);
  p->status = status;
}

static gboolean
dispatch (PorteroPortal *p, GError **error)
{
  if (strcmp (p->path, "/style.css") == 0)
    return page_style (p, error);
  for (gsize i = 0; i < G_N_ELEMENTS (pages); i++)
    {
      const char *arg = NULL;
      if (pages[i].flags & TAKES_ARG)
        {
          if (!g_str_has_prefix (p->path, pages[i].path) || p->path[strlen (pages[i].path)] == '\0')
            continue;
          arg = p->path + strlen (pages[i].path);
        }
      else if (strcmp (p->path, pages[i].path) != 0)
        continue;
      if (!session_load (p, error))
        return FALSE;
      /* A POST changes things: only from this portal's own forms. */
      if (strcmp (p->method, "POST") == 0 && !session_post_ok (p))
        {
          status_page (p, 403);
          return TRUE;
        }
      if ((pages[i].flags & NEEDS_SESSION) && p->contact == 0)
        {
          page_redirect (p, "/sign-in");
          return TRUE;
        }
      return pages[i].page (p, arg, error);
    }
  page_not_found (p);
  return TRUE;
}

static void
portal_clear (PorteroPortal *p)
{
  g_clear_pointer (&p->store, portero_store_close);
  g_clear_pointer (&p->config, portero_config_free);
  g_clear_pointer (&p->query, g_hash_table_unref);
  g_clear_pointer (&p->form, g_hash_table_unref);
  g_clear_pointer (&p->file, g_bytes_unref);
  if (p->cookie)
    sodium_memzero (p->cookie, strlen (p->cookie));
  g_clear_pointer (&p->cookie, g_free);
  g_clear_pointer (&p->csrf, g_free);
  g_clear_pointer (&p->session_hash, g_free);
  g_clear_pointer (&p->tz, g_time_zone_unref);
  portero_contact_info_clear (&p->me);
  g_string_free (p->headers, TRUE);
  g_string_free (p->body, TRUE);
}

int
main (int argc, char **argv)
{
  portero_privilege_no_core ();
  portero_log_open ("portero-portal");
  if (argc > 1 && strcmp (argv[1], "--version") == 0)
    {
      printf ("portero-portal %s\n", PACKAGE_VERSION);
      return 0;
    }
  /* Root could read every secret and write every file: a web server that
   * runs its CGI programs as root is misconfigured. */
  if (getuid () == 0 || geteuid () == 0)
    {
      portero_log_error ("refusing to run as root: let the web server run portero-portal as its own user");
      fputs ("Status: 500 Internal Server Error\r\nContent-Type: text/plain\r\n\r\nportero-portal refuses to run as root\n",
             stdout);
      return 1;
    }
  setlocale (LC_ALL, "C.UTF-8");
  setlocale (LC_NUMERIC, "C");
  portero_i18n_bind ();
  textdomain (GETTEXT_PACKAGE);
  PorteroPortal portal = { .status = 200, .headers = g_string_new (NULL), .body = g_string_new (NULL),
                           .lang = "en", .method = "GET", .path = "/", .script = "", .client = "" };
  PorteroPortal *p = &portal;
  g_autoptr (GError) error = NULL;
  if (sodium_init () < 0)
    {
      status_page (p, 500);
      respond (p);
      portal_clear (p);
      return 1;
    }
  portero_mail_init ();
  g_autofree char *config_path = portero_config_locate (NULL);
  p->config = portero_config_load (config_path, &error);
  if (p->config != NULL)
    portero_log_set_target (p->config->log);
  if (p->config == NULL)
    status_page (p, 500);
  else if (!read_request (p))
    status_page (p, p->status);
  else if ((p->store = portero_store_open (p->config->database, PORTERO_STORE_WRITE, p->config->busy_timeout,
                                           &error)) == NULL
           || !dispatch (p, &error))
    status_page (p, g_error_matches (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL) ? 503 : 500);
  if (error != NULL)
    portero_log_error ("%s %s: %s", p->method, p->path, error->message);
  respond (p);
  portal_clear (p);
  portero_mail_shutdown ();
  portero_log_close ();
  return 0;
}
