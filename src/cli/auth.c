/* auth - portero auth [--reset-code CODE] USERNAME: check a portal password
 * read on stdin, or set it with a one-time code */
#include "cli.h"
#include "../address.h"
#include "../automation.h"
#include "../breached.h"
#include "../credentials.h"
#include "../keys.h"
#include "../log.h"
#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* Stdin into BUF (at most SIZE - 1 bytes), ended at the first line's end;
 * *SECOND: the second line, when there is one. */
static void
read_lines (char *buf, gsize size, char **second)
{
  gsize n = fread (buf, 1, size - 1, stdin);
  buf[n] = '\0';
  gsize end = strcspn (buf, "\r\n");
  *second = NULL;
  if (buf[end] != '\0')
    {
      char *next = buf + end + 1;
      if (buf[end] == '\r' && *next == '\n')
        next++;
      next[strcspn (next, "\r\n")] = '\0';
      *second = *next != '\0' ? next : NULL;
    }
  buf[end] = '\0';
}

/* --reset-code: the code from a password-reset mail sets the password read
 * on stdin, as the current one. The code is used up; an expired or unknown
 * code, or an unknown user, is the same "invalid or expired code". */
static gboolean
reset_with_code (PorteroCli *cli, const char *code, const char *username, char *buf, GError **error)
{
  if (!g_utf8_validate (buf, -1, NULL) || g_utf8_strlen (buf, -1) < PORTERO_MIN_CHOSEN_PASSWORD)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                   _("the new password must be at least %d characters long"), PORTERO_MIN_CHOSEN_PASSWORD);
      return FALSE;
    }
  /* ASVS 2.1.7; a list that cannot be read sets no password at all. */
  gboolean breached = FALSE;
  const char *list = cli->config->breached_passwords;
  if (*list != '\0' && !portero_breached_check (list, buf, &breached, error))
    return FALSE;
  if (breached)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                   _("this password has appeared in a data breach; choose another"));
      return FALSE;
    }
  /* argon2id before the write lock, for known and unknown users alike. */
  g_autofree char *hash = portero_password_hash (buf, cli->config->argon2_opslimit, cli->config->argon2_memlimit, error);
  if (hash == NULL)
    return FALSE;
  g_autofree char *token_hash = portero_token_hash (code);
  g_autofree char *address = portero_address_normalise (username);
  g_autoptr (PorteroKeys) keys = portero_keys_load (cli->config->key_file, error);
  if (keys == NULL)
    return FALSE;
  gint64 contact = 0;
  if (address != NULL && !portero_store_contact_by_address (cli->store, address, &contact, error))
    return FALSE;
  gboolean valid = FALSE;
  g_autoptr (GArray) queued = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GPtrArray) report = g_ptr_array_new_with_free_func (g_free);
  if (!portero_store_begin (cli->store, error))
    return FALSE;
  /* The contact hears of the change by mail. */
  if (!portero_store_reset_token_take (cli->store, contact, token_hash, &valid, error)
      || (valid && !(portero_store_contact_set_password (cli->store, contact, hash, PORTERO_PASSWORD_CURRENT, error)
                     && portero_automation_password_changed (cli->store, cli->config, keys, contact, queued, report,
                                                             error))))
    {
      portero_store_rollback (cli->store);
      return FALSE;
    }
  if (!portero_store_commit (cli->store, error))
    return FALSE;
  if (!valid)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("invalid or expired code"));
      return FALSE;
    }
  for (guint i = 0; i < report->len; i++)
    portero_log_info ("auth: %s", (const char *) g_ptr_array_index (report, i));
  portero_cli_send_queued (cli, keys, queued, FALSE);
  return TRUE;
}

gboolean
portero_cmd_auth (PorteroCli *cli, int argc, char **argv, GError **error)
{
  g_autofree char *code = NULL;
  GOptionEntry entries[] = {
    { "reset-code", 0, 0, G_OPTION_ARG_STRING, &code,
      N_("Set the password read on stdin with this one-time code from a reset mail"), "CODE" },
    { NULL },
  };
  if (!portero_cli_parse (cli, &argc, &argv, entries, NULL, 1, 1, error))
    return FALSE;
  char buf[1024];
  char *second = NULL;
  read_lines (buf, sizeof buf, &second);
  if (code != NULL)
    {
      /* "-": the code is the first line of stdin, the password the second,
       * so that the code is not on the command line for all to see. */
      gboolean from_stdin = strcmp (code, "-") == 0;
      gboolean ok;
      if (from_stdin && second == NULL)
        {
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                       _("--reset-code -: give the code on the first line of standard input, the password on the second"));
          ok = FALSE;
        }
      else
        ok = reset_with_code (cli, from_stdin ? buf : code, argv[1], from_stdin ? second : buf, error);
      sodium_memzero (buf, sizeof buf);
      sodium_memzero (code, strlen (code));
      return ok;
    }
  g_autofree char *address = portero_address_normalise (argv[1]);
  gint64 contact = 0;
  PorteroContactInfo info = { 0 };
  if (address != NULL && !portero_store_contact_by_address (cli->store, address, &contact, error))
    goto fail;
  if (contact != 0 && !portero_store_contact_info (cli->store, contact, &info, error))
    goto fail;
  /* Always two argon2id checks, against a stand-in hash where there is no
   * password: known and unknown users, right and wrong answers take as long. */
  gint64 ops = cli->config->argon2_opslimit, mem = cli->config->argon2_memlimit;
  gboolean current = portero_password_verify (info.password_hash, buf, ops, mem);
  gboolean pending = portero_password_verify (info.pending_hash, buf, ops, mem) && !current;
  sodium_memzero (buf, sizeof buf);
  /* One write transaction whatever the case, so that the time taken tells
   * nothing: a failure is counted, a success proves the contact reads its
   * mail, and the first use of a pending password makes it the only one. */
  int failures = 0;
  if (!portero_store_begin (cli->store, error)
      || !portero_store_auth_failures (cli->store, contact, contact != 0 && !current && !pending, &failures, error)
      || (pending && failures < cli->config->auth_failures_per_hour
          && !portero_store_contact_set_password (cli->store, contact, info.pending_hash,
                                                          PORTERO_PASSWORD_CURRENT, error))
      || ((current || pending) && failures < cli->config->auth_failures_per_hour
          && !portero_store_contact_mark_heard (cli->store, contact, error)))
    {
      portero_store_rollback (cli->store);
      goto fail;
    }
  if (!portero_store_commit (cli->store, error))
    goto fail;
  portero_contact_info_clear (&info);
  /* Too many failures within the hour: no answer but "no", right or wrong,
   * until the hour has passed. */
  if (failures >= cli->config->auth_failures_per_hour && (current || pending))
    portero_log_warn ("auth: <%s>: %d failed attempts within the hour; refused", address, failures);
  if ((!current && !pending) || failures >= cli->config->auth_failures_per_hour)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("authentication failed"));
      return FALSE;
    }
  return TRUE;
fail:
  sodium_memzero (buf, sizeof buf);
  portero_contact_info_clear (&info);
  return FALSE;
}
