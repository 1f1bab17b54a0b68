/* signin - sign in, sign out, set a password from a mailed one-time link,
 * change the password, ask for a new one: what `portero auth` and
 * `portero contact request-reset` do, through the portal */
#include "portal.h"
#include "../address.h"
#include "../automation.h"
#include "../breached.h"
#include "../credentials.h"
#include "../keys.h"
#include "../log.h"
#include "../outbox.h"
#include "../template.h"
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>


static void
signin_form (PorteroPortal *p, const char *notice_class, const char *notice)
{
  page_begin (p, T (p, N_("Sign in")));
  if (notice)
    page_notice (p, notice_class, notice);
  page_form (p, "/sign-in");
  page_field (p, T (p, N_("Mail address")), "address", "email", "username");
  page_field (p, T (p, N_("Password")), "password", "password", "current-password");
  page_html (p, "<button type=\"submit\">");
  page_text (p, T (p, N_("Sign in")));
  page_html (p, "</button></form><p>");
  page_link (p, "/forgot", T (p, N_("Forgot your password?")));
  page_html (p, "</p>");
  page_end (p);
}

gboolean
page_signin (PorteroPortal *p, const char *arg, GError **error)
{
  (void) arg;
  p->private_page = TRUE;
  if (strcmp (p->method, "POST") != 0)
    {
      if (p->contact != 0)
        {
          page_redirect (p, "/tickets");
          return TRUE;
        }
      const char *done = portal_param (p, "done");
      signin_form (p, "ok", done ? T (p, N_("Your password is set. Sign in with it.")) : NULL);
      return TRUE;
    }
  const char *typed = portal_param (p, "address");
  const char *given = g_hash_table_lookup (p->form, "password");
  g_autofree char *password = g_strndup (given ? given : "", 1024);
  g_autofree char *address = typed ? portero_address_normalise (typed) : NULL;
  gint64 contact = 0;
  PorteroContactInfo info = { 0 };
  if (address != NULL && !portero_store_contact_by_address (p->store, address, &contact, error))
    return FALSE;
  if (contact != 0 && !portero_store_contact_info (p->store, contact, &info, error))
    return FALSE;
  /* Always two argon2id checks, against a stand-in hash where there is no
   * password (as portero auth): known and unknown users, right and wrong
   * answers take as long. */
  gint64 ops = p->config->argon2_opslimit, mem = p->config->argon2_memlimit;
  gboolean current = portero_password_verify (info.password_hash, password, ops, mem);
  gboolean pending = portero_password_verify (info.pending_hash, password, ops, mem) && !current;
  sodium_memzero (password, strlen (password));
  gboolean right = current || pending;
  /* One write transaction whatever the case. Failures count per contact
   * (auth-failures-per-hour) and per client address. */
  int failures = 0, client_failures = 0;
  gboolean ok = portero_store_begin (p->store, error);
  ok = ok && portero_store_auth_failures (p->store, contact, contact != 0 && !right, &failures, error)
       && portero_store_portal_failures (p->store, p->client, !right, &client_failures, error);
  /* A wrong answer has just been counted: the limit is reached after it. */
  gboolean throttled = client_failures > PORTAL_CLIENT_FAILURES_PER_HOUR
                       || (right && client_failures >= PORTAL_CLIENT_FAILURES_PER_HOUR);
  gboolean allowed = right && failures < p->config->auth_failures_per_hour && !throttled;
  /* The first use of a pending password makes it the only one. */
  ok = ok && (!allowed || !pending
              || portero_store_contact_set_password (p->store, contact, info.pending_hash, PORTERO_PASSWORD_CURRENT,
                                                     error));
  ok = ok && (!allowed || (portero_store_contact_mark_heard (p->store, contact, error)
                           && session_start (p, contact, error)));
  if (!ok)
    {
      portero_store_rollback (p->store);
      portero_contact_info_clear (&info);
      return FALSE;
    }
  portero_contact_info_clear (&info);
  if (!portero_store_commit (p->store, error))
    return FALSE;
  if (allowed)
    {
      portero_log_info ("portal: <%s> signed in from %s", address, p->client);
      page_redirect (p, "/tickets");
      return TRUE;
    }
  if (throttled)
    {
      portero_log_warn ("portal: %d failed sign-ins from %s within the hour; refused", client_failures, p->client);
      p->status = 429;
      signin_form (p, "error", T (p, N_("Too many failed attempts. Try again in an hour.")));
      return TRUE;
    }
  if (right)
    portero_log_warn ("portal: <%s>: %d failed attempts within the hour; refused", address, failures);
  /* The same answer for an unknown address, a wrong password and a
   * contact over its allowance. */
  signin_form (p, "error", T (p, N_("The address or the password is wrong.")));
  return TRUE;
}

gboolean
page_signout (PorteroPortal *p, const char *arg, GError **error)
{
  (void) arg;
  if (strcmp (p->method, "POST") != 0)
    {
      page_redirect (p, "/tickets");
      return TRUE;
    }
  if (!session_end (p, error))
    return FALSE;
  page_redirect (p, "/sign-in");
  return TRUE;
}

/* The reset link's user and code, kept in a cookie while the form is shown. */
static const char *
reset_cookie_name (PorteroPortal *p)
{
  return p->https ? "__Host-portero-reset" : "portero-reset";
}

static gboolean
reset_from_cookie (PorteroPortal *p, char **user, char **code)
{
  const char *header = g_getenv ("HTTP_COOKIE");
  const char *name = reset_cookie_name (p);
  g_auto (GStrv) crumbs = g_strsplit (header ? header : "", ";", 64);
  for (char **c = crumbs; *c; c++)
    {
      char *crumb = g_strstrip (*c);
      if (!g_str_has_prefix (crumb, name) || crumb[strlen (name)] != '=')
        continue;
      gsize len = 0;
      g_autofree guchar *raw = g_base64_decode (crumb + strlen (name) + 1, &len);
      g_autofree char *text = g_strndup ((const char *) raw, len);
      char *nl = strchr (text, '\n');
      if (nl == NULL || !g_utf8_validate (text, -1, NULL))
        return FALSE;
      *nl = '\0';
      *user = g_strdup (text);
      *code = g_strdup (nl + 1);
      sodium_memzero (text, len);
      return TRUE;
    }
  return FALSE;
}

static void
set_password_form (PorteroPortal *p, const char *error_text)
{
  page_begin (p, T (p, N_("Choose a password")));
  if (error_text)
    page_notice (p, "error", error_text);
  page_form (p, "/set-password");
  page_field (p, T (p, N_("New password")), "password", "password", "new-password");
  page_field (p, T (p, N_("New password again")), "password2", "password", "new-password");
  page_html (p, "<button type=\"submit\">");
  page_text (p, T (p, N_("Set the password")));
  page_html (p, "</button></form>");
  page_end (p);
}

/* *PASSWORD: a new password from the form (twice the same, long enough, in
 * no breached-password list), or NULL with the reason in *WHY. FALSE when
 * the list cannot be read: no password is set then (fail closed). */
static gboolean
chosen_password (PorteroPortal *p, const char **password, const char **why, GError **error)
{
  const char *a = g_hash_table_lookup (p->form, "password");
  const char *b = g_hash_table_lookup (p->form, "password2");
  const char *list = p->config->breached_passwords;
  gboolean breached = FALSE;
  *password = NULL;
  *why = NULL;
  if (a == NULL || b == NULL || strcmp (a, b) != 0)
    *why = T (p, N_("The two passwords differ."));
  else if (!g_utf8_validate (a, -1, NULL) || g_utf8_strlen (a, -1) < PORTERO_MIN_CHOSEN_PASSWORD || strlen (a) > 1024)
    *why = T (p, N_("The password must be at least 12 characters long."));
  else if (*list != '\0' && !portero_breached_check (list, a, &breached, error))
    return FALSE;
  else if (breached)
    *why = T (p, N_("This password has appeared in a data breach; choose another."));
  *password = *why ? NULL : a;
  return TRUE;
}

static void send_detached (PorteroPortal *p, const PorteroKeys *keys, GArray *queued);

gboolean
page_set_password (PorteroPortal *p, const char *arg, GError **error)
{
  (void) arg;
  p->private_page = TRUE;
  const char *user = g_hash_table_lookup (p->query, "user");
  const char *code = g_hash_table_lookup (p->query, "code");
  if (strcmp (p->method, "GET") == 0 && user != NULL && code != NULL)
    {
      /* The code leaves the address bar (and the history) at once: a
       * cookie keeps it for the form, for as long as a code lives. */
      g_autofree char *both = g_strconcat (user, "\n", code, NULL);
      g_autofree char *value = g_base64_encode ((const guchar *) both, strlen (both));
      g_string_append_printf (p->headers, "Set-Cookie: %s=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%d%s\r\n",
                              reset_cookie_name (p), value, p->config->reset_expiry * 60,
                              p->https ? "; Secure" : "");
      sodium_memzero (both, strlen (both));
      page_redirect (p, "/set-password");
      return TRUE;
    }
  g_autofree char *cookie_user = NULL, *cookie_code = NULL;
  if (!reset_from_cookie (p, &cookie_user, &cookie_code))
    {
      page_begin (p, T (p, N_("Choose a password")));
      page_notice (p, "error", T (p, N_("This link is invalid or has expired. Ask for a new one.")));
      page_html (p, "<p>");
      page_link (p, "/forgot", T (p, N_("Forgot your password?")));
      page_html (p, "</p>");
      page_end (p);
      return TRUE;
    }
  if (strcmp (p->method, "POST") != 0)
    {
      set_password_form (p, NULL);
      return TRUE;
    }
  const char *why = NULL, *password = NULL;
  if (!chosen_password (p, &password, &why, error))
    return FALSE;
  if (password == NULL)
    {
      set_password_form (p, why);
      return TRUE;
    }
  /* As portero auth --reset-code: argon2id before the write lock, the same
   * answer for a wrong code, an expired one and an unknown user. */
  g_autofree char *hash = portero_password_hash (password, p->config->argon2_opslimit, p->config->argon2_memlimit,
                                                 error);
  if (hash == NULL)
    return FALSE;
  g_autofree char *token_hash = portero_token_hash (cookie_code);
  sodium_memzero (cookie_code, strlen (cookie_code));
  g_autofree char *address = portero_address_normalise (cookie_user);
  g_autoptr (PorteroKeys) keys = portero_keys_load (p->config->key_file, error);
  if (keys == NULL)
    return FALSE;
  gint64 contact = 0;
  if (address != NULL && !portero_store_contact_by_address (p->store, address, &contact, error))
    return FALSE;
  gboolean valid = FALSE;
  g_autoptr (GArray) queued = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GPtrArray) report = g_ptr_array_new_with_free_func (g_free);
  if (!portero_store_begin (p->store, error))
    return FALSE;
  /* The contact hears of the change by mail (ASVS 2.5.5). */
  if (!portero_store_reset_token_take (p->store, contact, token_hash, &valid, error)
      || (valid && !(portero_store_contact_set_password (p->store, contact, hash, PORTERO_PASSWORD_CURRENT, error)
                     && portero_store_contact_mark_heard (p->store, contact, error)
                     && portero_automation_password_changed (p->store, p->config, keys, contact, queued, report,
                                                             error))))
    {
      portero_store_rollback (p->store);
      return FALSE;
    }
  if (!portero_store_commit (p->store, error))
    return FALSE;
  g_string_append_printf (p->headers, "Set-Cookie: %s=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0%s\r\n",
                          reset_cookie_name (p), p->https ? "; Secure" : "");
  if (!valid)
    {
      page_begin (p, T (p, N_("Choose a password")));
      page_notice (p, "error", T (p, N_("This link is invalid or has expired. Ask for a new one.")));
      page_end (p);
      return TRUE;
    }
  portero_log_info ("portal: <%s> set a password with a one-time link", address);
  for (guint i = 0; i < report->len; i++)
    portero_log_info ("portal: %s", (const char *) g_ptr_array_index (report, i));
  if (queued->len > 0 && p->config->smtp_send_budget > 0)
    send_detached (p, keys, queued);
  page_redirect (p, "/sign-in?done=1");
  return TRUE;
}

static void
change_form (PorteroPortal *p, const char *notice_class, const char *notice)
{
  page_begin (p, T (p, N_("Change the password")));
  if (notice)
    page_notice (p, notice_class, notice);
  page_form (p, "/password");
  page_field (p, T (p, N_("Current password")), "current", "password", "current-password");
  page_field (p, T (p, N_("New password")), "password", "password", "new-password");
  page_field (p, T (p, N_("New password again")), "password2", "password", "new-password");
  page_html (p, "<button type=\"submit\">");
  page_text (p, T (p, N_("Change the password")));
  page_html (p, "</button></form>");
  page_end (p);
}

gboolean
page_change_password (PorteroPortal *p, const char *arg, GError **error)
{
  (void) arg;
  if (strcmp (p->method, "POST") != 0)
    {
      change_form (p, "ok", portal_param (p, "done") ? T (p, N_("Your password is changed.")) : NULL);
      return TRUE;
    }
  const char *current = g_hash_table_lookup (p->form, "current");
  const char *why = NULL, *password = NULL;
  if (!chosen_password (p, &password, &why, error))
    return FALSE;
  gint64 ops = p->config->argon2_opslimit, mem = p->config->argon2_memlimit;
  gboolean right = portero_password_verify (p->me.password_hash, current ? current : "", ops, mem);
  g_autofree char *hash = NULL;
  if (right && password != NULL && (hash = portero_password_hash (password, ops, mem, error)) == NULL)
    return FALSE;
  g_autoptr (PorteroKeys) keys = portero_keys_load (p->config->key_file, error);
  if (keys == NULL)
    return FALSE;
  g_autoptr (GArray) queued = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GPtrArray) report = g_ptr_array_new_with_free_func (g_free);
  int failures = 0;
  if (!portero_store_begin (p->store, error))
    return FALSE;
  gboolean allowed = FALSE;
  if (!portero_store_auth_failures (p->store, p->contact, !right, &failures, error))
    goto fail;
  allowed = right && failures < p->config->auth_failures_per_hour;
  /* Any password change voids every session (the store does it); this
   * one goes on in a new one. The contact hears of it by mail. */
  if (allowed && password != NULL
      && !(portero_store_contact_set_password (p->store, p->contact, hash, PORTERO_PASSWORD_CURRENT, error)
           && session_start (p, p->contact, error)
           && portero_automation_password_changed (p->store, p->config, keys, p->contact, queued, report, error)))
    goto fail;
  if (!portero_store_commit (p->store, error))
    return FALSE;
  if (!allowed)
    change_form (p, "error", T (p, N_("The current password is wrong.")));
  else if (password == NULL)
    change_form (p, "error", why);
  else
    {
      portero_log_info ("portal: <%s> changed the password", p->me.email);
      for (guint i = 0; i < report->len; i++)
        portero_log_info ("portal: %s", (const char *) g_ptr_array_index (report, i));
      if (queued->len > 0 && p->config->smtp_send_budget > 0)
        send_detached (p, keys, queued);
      page_redirect (p, "/password?done=1");
    }
  return TRUE;
fail:
  portero_store_rollback (p->store);
  return FALSE;
}

/* Send QUEUED from a detached child, so that the answer never waits for the
 * relay (as request-reset): how long it takes tells nothing. */
static void
send_detached (PorteroPortal *p, const PorteroKeys *keys, GArray *queued)
{
  fflush (stdout);
  g_clear_pointer (&p->store, portero_store_close);
  pid_t pid = fork ();
  if (pid < 0)
    {
      portero_log_warn ("portal: cannot fork (%s); the mail stays queued for portero maintain", g_strerror (errno));
      return;
    }
  if (pid > 0)
    return;
  setsid ();
  int null = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0)
    {
      dup2 (null, STDIN_FILENO);
      dup2 (null, STDOUT_FILENO);
      dup2 (null, STDERR_FILENO);
    }
  g_autoptr (GError) local = NULL;
  PorteroStore *store = portero_store_open (p->config->database, PORTERO_STORE_WRITE, p->config->busy_timeout, &local);
  if (store != NULL)
    {
      PorteroOutboxTally tally;
      gint64 deadline = g_get_monotonic_time () + (gint64) p->config->smtp_send_budget * G_USEC_PER_SEC;
      if (!portero_outbox_send (store, p->config, keys, queued, deadline, &tally, &local))
        portero_log_warn ("outbox: %s; the mail stays queued", local->message);
      portero_store_close (store);
    }
  _exit (0);
}

static void
forgot_form (PorteroPortal *p, const char *notice)
{
  page_begin (p, T (p, N_("Forgot your password?")));
  if (notice)
    page_notice (p, "ok", notice);
  page_form (p, "/forgot");
  page_field (p, T (p, N_("Mail address")), "address", "email", "username");
  page_html (p, "<button type=\"submit\">");
  page_text (p, T (p, N_("Mail me a link")));
  page_html (p, "</button></form>");
  page_end (p);
}

gboolean
page_forgot (PorteroPortal *p, const char *arg, GError **error)
{
  (void) arg;
  p->private_page = TRUE;
  if (strcmp (p->method, "POST") != 0)
    {
      forgot_form (p, NULL);
      return TRUE;
    }
  gint64 started = g_get_monotonic_time ();
  const char *typed = portal_param (p, "address");
  g_autofree char *address = typed ? portero_address_normalise (typed) : NULL;
  /* What can fail for everyone fails before the address is looked up. */
  g_autoptr (PorteroTemplate) t = portero_template_find (p->config->templates, "password-reset", p->config->language,
                                                         error);
  if (t == NULL)
    return FALSE;
  g_autoptr (PorteroKeys) keys = portero_keys_load (p->config->key_file, error);
  if (keys == NULL)
    return FALSE;
  g_autoptr (GArray) queued = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GPtrArray) report = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *allowance = g_strconcat ("requester:", p->client, NULL);
  if (!portero_automation_request_reset (p->store, p->config, keys, t, address, allowance, started, queued, report,
                                         error))
    return FALSE;
  for (guint i = 0; i < report->len; i++)
    portero_log_info ("portal: forgot: %s", (const char *) g_ptr_array_index (report, i));
  if (queued->len > 0 && p->config->smtp_send_budget > 0)
    send_detached (p, keys, queued);
  forgot_form (p, T (p, N_("If the address is registered, a mail with a one-time link to set a new password "
                           "is on its way.")));
  return TRUE;
}
