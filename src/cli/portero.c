/* NAME
 *	portero - the technician's and cron's command for the portero helpdesk
 * SUMMARY
 *	portero [--config FILE] NOUN VERB [ARGS] [--json]
 * DESCRIPTION
 *	One program with noun-verb subcommands, listed once in the table
 *	below; that table also makes the help text. main() loads the
 *	configuration and opens the database as the command's flags ask.
 * DIAGNOSTICS
 *	0 success; 1 a user error (unknown name, bad argument, bad
 *	configuration) with a one-line message; 75 the database could not be
 *	used (busy, read-only, missing), 70 anything else.
 */
#include "cli.h"
#include "../log.h"
#include "../mail.h"
#include "../privilege.h"
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <locale.h>
#include <sysexits.h>
#include <unistd.h>

static const PorteroCommand commands[] = {
  { "init", CMD_CONFIG, portero_cmd_init, "[--owner USER[:GROUP]]",
    N_ ("create the database, the default customer and the key file") },
  { "check", CMD_CONFIG, portero_cmd_check, "[--show]", N_ ("validate the configuration, key file and database") },
  { "customer add", CMD_CONFIG | CMD_STORE_WRITE | CMD_RETRY, portero_cmd_customer_add, "NAME", N_ ("add a customer") },
  { "customer list", CMD_CONFIG | CMD_STORE_READ, portero_cmd_customer_list,
    "[--sort ORDER] [--limit N] [--page N | --after ID | --before ID] [--json]",
    N_ ("list customers with their domains") },
  { "customer show", CMD_CONFIG | CMD_STORE_READ, portero_cmd_customer_show, "NAME [--json]",
    N_ ("show a customer: domains, contacts, tickets") },
  { "customer rename", CMD_CONFIG | CMD_STORE_WRITE | CMD_RETRY, portero_cmd_customer_rename, "OLD NEW", N_ ("rename a customer") },
  { "customer domain add", CMD_CONFIG | CMD_STORE_WRITE | CMD_RETRY, portero_cmd_customer_domain_add,
    "NAME DOMAIN [--force] [--apply-existing]", N_ ("file mail from DOMAIN under customer NAME") },
  { "customer domain remove", CMD_CONFIG | CMD_STORE_WRITE | CMD_RETRY, portero_cmd_customer_domain_remove, "DOMAIN",
    N_ ("stop filing mail from DOMAIN under its customer") },
  { "customer domain list", CMD_CONFIG | CMD_STORE_READ, portero_cmd_customer_domain_list, "[NAME] [--json]",
    N_ ("list domains and their customers") },
  { "contact add", CMD_CONFIG | CMD_STORE_WRITE | CMD_RETRY, portero_cmd_contact_add,
    "EMAIL [--name N] [--customer C] [--main] [--no-welcome]", N_ ("add a contact (sends the welcome mail when set)") },
  { "contact list", CMD_CONFIG | CMD_STORE_READ, portero_cmd_contact_list,
    "[--customer NAME] [--search TEXT] [--sort ORDER] [--limit N] [--page N | --after ID | --before ID] [--json]",
    N_ ("list contacts") },
  { "contact show", CMD_CONFIG | CMD_STORE_READ, portero_cmd_contact_show, "EMAIL [--json]", N_ ("show a contact") },
  { "contact email add", CMD_CONFIG | CMD_STORE_WRITE | CMD_RETRY, portero_cmd_contact_email_add, "EMAIL OTHER",
    N_ ("give a contact another address") },
  { "contact email remove", CMD_CONFIG | CMD_STORE_WRITE | CMD_RETRY, portero_cmd_contact_email_remove, "EMAIL OTHER",
    N_ ("take an address from a contact") },
  { "contact set", CMD_CONFIG | CMD_STORE_WRITE | CMD_RETRY, portero_cmd_contact_set,
    "EMAIL [--main yes|no] [--auto-tickets yes|no] [--name N] [--customer C]", N_ ("change a contact") },
  { "contact import", CMD_CONFIG | CMD_STORE_WRITE, portero_cmd_contact_import,
    "FILE [--format csv|azure-ad] [--customer C] [--dry-run] [--keep-going]",
    N_ ("import contacts from CSV or an Azure AD / Entra ID export (no welcome mail)") },
  { "contact merge", CMD_CONFIG | CMD_STORE_WRITE | CMD_RETRY, portero_cmd_contact_merge, "FROM INTO",
    N_ ("move FROM's addresses, tickets and history to INTO and remove FROM") },
  { "contact delete", CMD_CONFIG | CMD_STORE_WRITE | CMD_RETRY, portero_cmd_contact_delete, "EMAIL [--erase] [--force]",
    N_ ("delete a contact (--erase: their messages' content too)") },
  { "contact reset-password", CMD_CONFIG | CMD_STORE_WRITE | CMD_RETRY, portero_cmd_contact_reset_password,
    "EMAIL (--send TEMPLATE [--ticket ID] | --print)", N_ ("a technician's password reset") },
  { "contact request-reset", CMD_CONFIG | CMD_STORE_WRITE | CMD_RETRY, portero_cmd_contact_request_reset, "EMAIL",
    N_ ("the customer's \"forgot password\": mail a one-time reset link") },
  { "message list", CMD_CONFIG | CMD_STORE_READ, portero_cmd_message_list,
    "[--unfiled] [--sort ORDER] [--limit N] [--page N | --after ID | --before ID] [--json]",
    N_ ("list stored mail (--unfiled: mail that made no ticket)") },
  { "message show", CMD_CONFIG | CMD_STORE_READ, portero_cmd_message_show, "ID [--json] [--raw]",
    N_ ("show a stored message") },
  { "message attachment save", CMD_CONFIG | CMD_STORE_READ, portero_cmd_message_attachment_save,
    "ID N [FILE] [--force]", N_ ("save a message's Nth attachment (by default under its cleaned name, here)") },
  { "message reprocess", CMD_CONFIG | CMD_STORE_WRITE, portero_cmd_message_reprocess, "ID",
    N_ ("run a stored message through intake again, without a second copy") },
  { "ticket list", CMD_CONFIG | CMD_STORE_READ, portero_cmd_ticket_list,
    "[--status S] [--customer NAME] [--contact EMAIL] [--since DATE] [--search TEXT]"
    " [--sort ORDER] [--limit N] [--page N | --after ID | --before ID] [--json]", N_ ("list tickets") },
  { "ticket show", CMD_CONFIG | CMD_STORE_READ, portero_cmd_ticket_show, "ID [--json]",
    N_ ("show a ticket and its thread") },
  { "ticket reply", CMD_CONFIG | CMD_STORE_WRITE | CMD_RETRY, portero_cmd_ticket_reply,
    "ID (--template NAME | --body-file F) [--status S]",
    N_ ("reply to the requester (quick response templates)") },
  { "ticket status", CMD_CONFIG | CMD_STORE_WRITE | CMD_RETRY, portero_cmd_ticket_status, "ID STATUS",
    N_ ("change a ticket's status (fires status-changed rules)") },
  { "ticket contact", CMD_CONFIG | CMD_STORE_WRITE | CMD_RETRY, portero_cmd_ticket_contact, "ID EMAIL",
    N_ ("give a ticket its contact (and the contact's customer)") },
  { "template list", CMD_CONFIG, portero_cmd_template_list, "[--json]", N_ ("list the templates") },
  { "template render", CMD_CONFIG | CMD_STORE_READ, portero_cmd_template_render,
    "NAME [--contact EMAIL] [--ticket ID]", N_ ("preview a template (credentials shown as placeholders)") },
  { "kb list", CMD_CONFIG | CMD_STORE_READ, portero_cmd_kb_list, "[--customer C] [--json]",
    N_ ("list the knowledge base's articles") },
  { "kb show", CMD_CONFIG | CMD_STORE_READ, portero_cmd_kb_show, "NAME [--lang L] [--customer C] [--json]",
    N_ ("show an article") },
  { "kb search", CMD_CONFIG | CMD_STORE_READ, portero_cmd_kb_search, "QUERY... [--customer C] [--limit N] [--json]",
    N_ ("search the articles as a mail's suggestions do") },
  { "kb sync", CMD_CONFIG | CMD_STORE_WRITE | CMD_RETRY, portero_cmd_kb_sync, "",
    N_ ("index the knowledge base's folder (changed files only)") },
  { "rule list", CMD_CONFIG, portero_cmd_rule_list, "[--json]", N_ ("list the rules in force, in order") },
  { "rule test", CMD_CONFIG | CMD_STORE_WRITE, portero_cmd_rule_test, "MESSAGE.eml [--as-new] [--sender ADDR] [--recipient ADDR]",
    N_ ("run intake and every rule on a message, writing and sending nothing") },
  { "outbox list", CMD_CONFIG | CMD_STORE_READ, portero_cmd_outbox_list, "[--json]", N_ ("list outgoing mail") },
  { "outbox flush", CMD_CONFIG | CMD_STORE_WRITE, portero_cmd_outbox_flush, "", N_ ("send every queued mail now") },
  { "outbox retry", CMD_CONFIG | CMD_STORE_WRITE | CMD_RETRY, portero_cmd_outbox_retry, "ID", N_ ("send one queued or failed mail now") },
  { "maintain", CMD_CONFIG | CMD_STORE_WRITE, portero_cmd_maintain, "",
    N_ ("what cron runs: send due mail, optimise and checkpoint the database") },
  { "auth", CMD_CONFIG | CMD_STORE_WRITE, portero_cmd_auth, "[--reset-code CODE] USERNAME",
    N_ ("check the portal password read on stdin (exit 0 match, 1 not); with --reset-code, set it") },
  { "backup", CMD_CONFIG | CMD_STORE_READ, portero_cmd_backup, "FILE [--force]",
    N_ ("a consistent copy of the database, while mail arrives") },
  { "migrate-to", CMD_CONFIG, portero_cmd_migrate_to, "URL",
    N_ ("copy the SQLite database into an empty PostgreSQL one, and verify the copy") },
};

/* IT mode's nouns are the same commands. */
static const char *
canonical_noun (const char *word)
{
  if (strcmp (word, "site") == 0)
    return "customer";
  if (strcmp (word, "user") == 0)
    return "contact";
  return word;
}

/* How many of ARGV's leading words PHRASE spells, or 0. */
static int
phrase_matches (const char *phrase, int argc, char **argv)
{
  g_auto (GStrv) words = g_strsplit (phrase, " ", -1);
  int n = g_strv_length (words);
  if (argc < n)
    return 0;
  for (int i = 0; i < n; i++)
    {
      const char *w = i == 0 ? canonical_noun (argv[i]) : argv[i];
      if (strcmp (words[i], w) != 0)
        return 0;
    }
  return n;
}

/* Whether PHRASE starts with the words of PREFIX (NULL: every phrase). */
static gboolean
phrase_in (const char *phrase, const char *prefix)
{
  if (prefix == NULL)
    return TRUE;
  gsize n = strlen (prefix);
  return strncmp (phrase, prefix, n) == 0 && (phrase[n] == ' ' || phrase[n] == '\0');
}

static void
usage (FILE *out, const char *prefix)
{
  fprintf (out, _("usage: portero [--config FILE] COMMAND [ARGS]\n\ncommands:\n"));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (phrase_in (commands[i].phrase, prefix))
      fprintf (out, "  %s %s\n      %s\n", commands[i].phrase, commands[i].args, _(commands[i].summary));
  fprintf (out, "\n%s\n%s\n", _("In IT mode \"site\" and \"user\" name the same commands as \"customer\" and \"contact\"."),
           _("portero COMMAND --help shows a command's options."));
}

/* The longest run of ARGV's leading words that begins some command's phrase
 * ("customer domain" of "customer domain frob"), canonical, or NULL. */
static char *
command_group (int argc, char **argv, int *words)
{
  char *best = NULL;
  *words = 0;
  for (int n = 1; n <= argc; n++)
    {
      g_autoptr (GString) prefix = g_string_new (canonical_noun (argv[0]));
      for (int i = 1; i < n; i++)
        g_string_append_printf (prefix, " %s", argv[i]);
      gboolean found = FALSE;
      for (gsize i = 0; i < G_N_ELEMENTS (commands) && !found; i++)
        found = phrase_in (commands[i].phrase, prefix->str);
      if (!found)
        break;
      g_free (best);
      best = g_string_free (g_steal_pointer (&prefix), FALSE);
      *words = n;
    }
  return best;
}

/* Take --config FILE / --config=FILE from anywhere in ARGV. */
static char *
take_config_option (int *argc, char **argv, GError **error)
{
  char *path = NULL;
  int out = 1;
  for (int i = 1; i < *argc; i++)
    {
      if (strcmp (argv[i], "--") == 0)
        {
          while (i < *argc)
            argv[out++] = argv[i++];
          break;
        }
      if (strcmp (argv[i], "--config") == 0 || strcmp (argv[i], "-c") == 0)
        {
          if (i + 1 >= *argc)
            {
              g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("--config needs a file"));
              g_free (path);
              return NULL;
            }
          g_free (path);
          path = g_strdup (argv[++i]);
          continue;
        }
      if (g_str_has_prefix (argv[i], "--config="))
        {
          g_free (path);
          path = g_strdup (argv[i] + strlen ("--config="));
          continue;
        }
      argv[out++] = argv[i];
    }
  *argc = out;
  argv[out] = NULL;
  return path ? path : g_strdup ("");
}

static int
exit_status (const GError *error)
{
  if (error == NULL)
    return EX_OK;
  if (error->domain != PORTERO_ERROR)
    return EX_SOFTWARE;
  switch (error->code)
    {
    case PORTERO_ERROR_TEMPFAIL:
      return EX_TEMPFAIL;
    case PORTERO_ERROR_CONFIG:
    case PORTERO_ERROR_NOT_FOUND:
    case PORTERO_ERROR_INVALID:
    case PORTERO_ERROR_DATA:
    case PORTERO_ERROR_NOUSER:
    case PORTERO_ERROR_SCHEMA:
      return 1;
    default:
      return EX_SOFTWARE;
    }
}

static gboolean
run (int argc, char **argv, GError **error)
{
  g_autofree char *config_opt = take_config_option (&argc, argv, error);
  if (config_opt == NULL)
    return FALSE;
  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 || strcmp (argv[1], "help") == 0)
    {
      usage (stdout, argc > 2 ? canonical_noun (argv[2]) : NULL);
      return TRUE;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("portero %s\n", PACKAGE_VERSION);
      return TRUE;
    }
  const PorteroCommand *cmd = NULL;
  int words = 0;
  for (gsize i = 0; i < G_N_ELEMENTS (commands) && cmd == NULL; i++)
    if ((words = phrase_matches (commands[i].phrase, argc - 1, argv + 1)) > 0)
      cmd = &commands[i];
  if (cmd == NULL)
    {
      /* A noun alone ("portero ticket") asks what it can do: its commands. */
      int group_words = 0;
      g_autofree char *group = command_group (argc - 1, argv + 1, &group_words);
      if (group != NULL && group_words == argc - 1)
        {
          usage (stdout, group);
          return TRUE;
        }
      if (group != NULL)
        usage (stderr, group);
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("unknown command \"%s%s%s\" (see portero --help)"),
                   argv[1], argc > 2 ? " " : "", argc > 2 ? argv[2] : "");
      return FALSE;
    }

  PorteroCli cli = { 0 };
  cli.phrase = cmd->phrase;
  cli.args = cmd->args;
  cli.summary = cmd->summary;
  /* The usage line of the command's --help names it as typed. */
  g_autoptr (GString) typed = g_string_new ("portero");
  for (int i = 1; i <= words; i++)
    g_string_append_printf (typed, " %s", argv[i]);
  g_set_prgname (typed->str);
  cli.config_path = portero_config_locate (config_opt);
  gboolean ok = TRUE;
  /* Help needs neither the configuration nor the database: the command's
   * option parser prints it and exits before either is used. */
  gboolean help = FALSE;
  for (int i = words + 1; i < argc; i++)
    help = help || strcmp (argv[i], "--help") == 0 || strcmp (argv[i], "-h") == 0 || strcmp (argv[i], "-?") == 0;
  if (!help && (cmd->flags & CMD_CONFIG) && cmd->func != portero_cmd_init && cmd->func != portero_cmd_check)
    {
      cli.config = portero_privilege_load_config (cli.config_path, error);
      /* As root, the state's owner from here on: before the database or any
       * file named on the command line (the log file included) is opened. */
      ok = cli.config != NULL && portero_privilege_drop_to_state (cli.config, error);
      if (ok)
        portero_log_set_target (cli.config->log);
    }
  if (ok && !help && (cmd->flags & (CMD_STORE_READ | CMD_STORE_WRITE)))
    {
      cli.store = portero_store_open (cli.config->database,
                                      (cmd->flags & CMD_STORE_WRITE) ? PORTERO_STORE_WRITE : PORTERO_STORE_READ,
                                      cli.config->busy_timeout, error);
      ok = cli.store != NULL;
    }
  /* The command sees its own words as argv[0], then its arguments (a copy
   * each run: the option parser takes out what it reads). */
  for (int attempt = 1; ok; attempt++)
    {
      g_autofree char **args = g_memdup2 (argv + words, sizeof (char *) * (gsize) (argc - words + 1));
      ok = cmd->func (&cli, argc - words, args, error);
      if (ok || !(cmd->flags & CMD_RETRY) || cli.store == NULL || !portero_store_may_retry (cli.store, attempt))
        break;
      g_clear_error (error);
      ok = TRUE;
    }
  g_clear_pointer (&cli.store, portero_store_close);
  g_clear_pointer (&cli.config, portero_config_free);
  g_free (cli.config_path);
  return ok;
}

/* Messages in the language LANG (or LANGUAGE, LC_ALL, LC_MESSAGES) asks for.
 * PORTERO_LOCALEDIR points uninstalled programs (the tests) at the build
 * tree's catalogues; it is ignored when portero runs with other privileges
 * than its caller's. Numbers stay as scripts read them (LC_NUMERIC=C). */
static void
locale_init (void)
{
  if (setlocale (LC_ALL, "") == NULL)
    {
      /* The locale asked for is not installed (minimal systems have only
       * C.UTF-8): text stays UTF-8 and messages still follow its language,
       * through LANGUAGE, which gettext honours in any locale but C. */
      setlocale (LC_ALL, "C.UTF-8");
      const char *vars[] = { "LC_ALL", "LC_MESSAGES", "LANG" };
      const char *lang = NULL;
      for (gsize i = 0; i < G_N_ELEMENTS (vars) && lang == NULL; i++)
        if (g_getenv (vars[i]) != NULL && *g_getenv (vars[i]) != '\0')
          lang = g_getenv (vars[i]);
      if (lang != NULL && g_getenv ("LANGUAGE") == NULL)
        {
          g_autofree char *language = g_strndup (lang, strcspn (lang, ".@"));
          g_setenv ("LANGUAGE", language, TRUE);
        }
    }
  setlocale (LC_NUMERIC, "C");
  portero_i18n_bind ();
  textdomain (GETTEXT_PACKAGE);
}

int
main (int argc, char **argv)
{
  /* GMime first: it reads the locale's charset once, at initialisation, and
   * mail must parse the same whatever the technician's locale is. */
  portero_privilege_no_core ();
  portero_mail_init ();
  locale_init ();
  if (sodium_init () < 0)
    {
      fprintf (stderr, _("portero: cannot initialise libsodium\n"));
      portero_mail_shutdown ();
      return EX_SOFTWARE;
    }
  g_autoptr (GError) error = NULL;
  run (argc, argv, &error);
  portero_mail_shutdown ();
  if (error != NULL)
    fprintf (stderr, "portero: %s\n", error->message);
  return exit_status (error);
}
