/* contact-reset - portero contact reset-password | request-reset */
#include "cli.h"
#include "../address.h"
#include "../automation.h"
#include "../credentials.h"
#include "../keys.h"
#include "../log.h"
#include "../outbox.h"
#include "../template.h"
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The contact with ADDRESS, or PORTERO_ERROR_NOT_FOUND. */
static gboolean
find_contact (PorteroCli *cli, const char *arg, gint64 *contact, GError **error)
{
  g_autofree char *address = portero_address_normalise (arg);
  if (address == NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("\"%s\" is not a mail address"), arg);
      return FALSE;
    }
  if (!portero_store_contact_by_address (cli->store, address, contact, error))
    return FALSE;
  if (*contact == 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, _("no %s with the address %s"),
                   portero_cli_word (cli, "contact"), address);
      return FALSE;
    }
  return TRUE;
}

/* After commit: send QUEUED within the send budget. The tally goes to
 * stdout when LOUD, to the log otherwise. */

/* --print: a new password, current at once, shown once. */
static gboolean
reset_print (PorteroCli *cli, gint64 contact, const char *address, GError **error)
{
  /* argon2id before the write lock. */
  char *password = portero_password_new (cli->config->password_length);
  g_autofree char *hash = portero_password_hash (password, cli->config->argon2_opslimit, cli->config->argon2_memlimit, error);
  gboolean ok = hash != NULL && portero_store_begin (cli->store, error);
  if (ok && !(portero_store_contact_set_password (cli->store, contact, hash, PORTERO_PASSWORD_CURRENT, error)
              && portero_store_commit (cli->store, error)))
    {
      portero_store_rollback (cli->store);
      ok = FALSE;
    }
  if (ok)
    {
      printf (_("New portal password of %s (shown only this once; the old one no longer works):\n"), address);
      printf ("%s\n", password);
      fflush (stdout);
    }
  sodium_memzero (password, strlen (password));
  g_free (password);
  return ok;
}

/* --ticket ID: the ticket the reset answers, which must be CONTACT's or
 * nobody's; 0 when ARG is NULL. */
static gboolean
reset_ticket (PorteroCli *cli, const char *arg, gint64 contact, gint64 *ticket, GError **error)
{
  guint64 v = 0;
  *ticket = 0;
  if (arg == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (arg[0] == '#' ? arg + 1 : arg, 10, 1, G_MAXINT64, &v, NULL))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("\"%s\" is not a ticket number"), arg);
      return FALSE;
    }
  PorteroTicketInfo info = { 0 };
  if (!portero_store_ticket_info (cli->store, (gint64) v, &info, error))
    return FALSE;
  gint64 id = info.id, owner = info.contact_id;
  portero_ticket_info_clear (&info);
  if (id == 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, _("no ticket %s"), arg);
      return FALSE;
    }
  if (owner != 0 && owner != contact)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("ticket %s belongs to another %s"), arg,
                   portero_cli_word (cli, "contact"));
      return FALSE;
    }
  *ticket = id;
  return TRUE;
}

/* --send TEMPLATE: the template issues the password or a one-time link;
 * about TICKET (0: none), answering its newest mail. */
static gboolean
reset_send (PorteroCli *cli, gint64 contact, gint64 ticket, const char *name, GError **error)
{
  g_autoptr (PorteroTemplate) t = portero_cli_template_find (cli, name, error);
  if (t == NULL)
    return FALSE;
  if (!portero_template_uses (t, PORTERO_SNIPPET_PORTAL_PASSWORD)
      && !portero_template_uses (t, PORTERO_SNIPPET_PORTAL_PASSWORD_LINK))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                   _("template %s has neither {[Portal Password]} nor {[Portal Password Link]}: it resets nothing"),
                   t->path);
      return FALSE;
    }
  g_autoptr (PorteroKeys) keys = portero_keys_load (cli->config->key_file, error);
  if (keys == NULL)
    return FALSE;
  g_autoptr (GArray) queued = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GPtrArray) report = g_ptr_array_new_with_free_func (g_free);
  if (!portero_store_begin (cli->store, error))
    return FALSE;
  if (!portero_automation_mail (cli->store, cli->config, keys, "reset", t, contact, ticket, TRUE, FALSE, queued, report,
                                error))
    {
      portero_store_rollback (cli->store);
      return FALSE;
    }
  if (queued->len == 0)
    {
      const char *why = report->len ? g_ptr_array_index (report, report->len - 1) : "";
      if (portero_automation_note_text (why) != NULL)
        why = portero_automation_note_text (why);
      portero_store_rollback (cli->store);
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("no reset mail sent: %s"), why);
      return FALSE;
    }
  if (!portero_store_commit (cli->store, error))
    return FALSE;
  for (guint i = 0; i < report->len; i++)
    printf ("%s\n", (const char *) g_ptr_array_index (report, i));
  portero_cli_send_queued (cli, keys, queued, TRUE);
  return TRUE;
}

gboolean
portero_cmd_contact_reset_password (PorteroCli *cli, int argc, char **argv, GError **error)
{
  g_autofree char *send = NULL, *ticket_arg = NULL;
  gboolean print = FALSE;
  GOptionEntry entries[] = {
    { "send", 0, 0, G_OPTION_ARG_STRING, &send, N_("Mail the new credentials with this template"), "TEMPLATE" },
    { "ticket", 0, 0, G_OPTION_ARG_STRING, &ticket_arg,
      N_("With --send: the mail answers this ticket (its subject tag, threaded under its newest mail)"), "ID" },
    { "print", 0, 0, G_OPTION_ARG_NONE, &print, N_("Show the new password here, once"), NULL },
    { NULL },
  };
  if (!portero_cli_parse (cli, &argc, &argv, entries, NULL, 1, 1, error))
    return FALSE;
  if ((send != NULL) == print)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("%s: give exactly one of --send TEMPLATE or --print"),
                   cli->phrase);
      return FALSE;
    }
  if (print && ticket_arg != NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("%s: --ticket goes with --send"), cli->phrase);
      return FALSE;
    }
  gint64 contact = 0, ticket = 0;
  if (!find_contact (cli, argv[1], &contact, error) || !reset_ticket (cli, ticket_arg, contact, &ticket, error))
    return FALSE;
  if (print)
    {
      g_autofree char *address = portero_address_normalise (argv[1]);
      return reset_print (cli, contact, address, error);
    }
  return reset_send (cli, contact, ticket, send, error);
}

/* Send QUEUED from a detached child, so that the answer never waits for the
 * relay: how long it takes must not tell whether the address is a
 * contact's. */
static void
send_detached (PorteroCli *cli, const PorteroKeys *keys, GArray *queued)
{
  fflush (stdout);
  fflush (stderr);
  /* SQLite's connections and locks must not cross fork(): the parent's
   * is closed first (it has nothing left to do), the child opens its own. */
  g_clear_pointer (&cli->store, portero_store_close);
  pid_t pid = fork ();
  if (pid < 0)
    {
      portero_log_warn ("request-reset: cannot fork (%s); the mail stays queued for portero maintain",
                        g_strerror (errno));
      return;
    }
  if (pid > 0)
    return;
  /* The child: off the caller's terminal and pipes. */
  setsid ();
  int null = open ("/dev/null", O_RDWR | O_CLOEXEC);
  if (null >= 0)
    {
      dup2 (null, STDIN_FILENO);
      dup2 (null, STDOUT_FILENO);
      dup2 (null, STDERR_FILENO);
    }
  g_autoptr (GError) local = NULL;
  PorteroStore *store = portero_store_open (cli->config->database, PORTERO_STORE_WRITE,
                                            cli->config->busy_timeout, &local);
  if (store != NULL)
    {
      PorteroCli child = *cli;
      child.store = store;
      portero_cli_send_queued (&child, keys, queued, FALSE);
      portero_store_close (store);
    }
  _exit (0);
}

gboolean
portero_cmd_contact_request_reset (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gint64 started = g_get_monotonic_time ();
  g_autofree char *requester = NULL;
  GOptionEntry entries[] = {
    { "requester", 0, 0, G_OPTION_ARG_STRING, &requester,
      N_("Who asks (e.g. the portal's client address): each requester has its own rate allowance"), "ID" },
    { NULL },
  };
  if (!portero_cli_parse (cli, &argc, &argv, entries, NULL, 1, 1, error))
    return FALSE;
  g_autofree char *allowance = requester && *requester ? g_strconcat ("requester:", requester, NULL)
                                                       : g_strdup ("open");
  g_autofree char *address = portero_address_normalise (argv[1]);
  if (address == NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("\"%s\" is not a mail address"), argv[1]);
      return FALSE;
    }
  /* What can fail for everyone fails before the address is looked up: the
   * answer never depends on whether it is a contact's. */
  g_autoptr (PorteroTemplate) t = portero_cli_template_find (cli, "password-reset", error);
  if (t == NULL)
    return FALSE;
  g_autoptr (PorteroKeys) keys = portero_keys_load (cli->config->key_file, error);
  if (keys == NULL)
    return FALSE;
  g_autoptr (GArray) queued = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GPtrArray) report = g_ptr_array_new_with_free_func (g_free);
  if (!portero_automation_request_reset (cli->store, cli->config, keys, t, address, allowance, started, queued, report,
                                         error))
    return FALSE;
  for (guint i = 0; i < report->len; i++)
    portero_log_info ("request-reset: %s", (const char *) g_ptr_array_index (report, i));
  /* One line, the same for every address. */
  printf (_("If the address belongs to a %s, a mail with a one-time link to set a new password is on its way.\n"),
          portero_cli_word (cli, "contact"));
  if (queued->len > 0 && cli->config->smtp_send_budget > 0)
    send_detached (cli, keys, queued);
  return TRUE;
}
