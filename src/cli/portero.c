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
#include "../mail.h"
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

static const PorteroCommand commands[] = {
  { "init", CMD_CONFIG, portero_cmd_init, "[--owner USER[:GROUP]]",
    "create the database, the default customer and the key file" },
  { "check", CMD_CONFIG, portero_cmd_check, "[--show]", "validate the configuration, key file and database" },
  { "customer add", CMD_CONFIG | CMD_STORE_WRITE, portero_cmd_customer_add, "NAME", "add a customer" },
  { "customer list", CMD_CONFIG | CMD_STORE_READ, portero_cmd_customer_list, "[--json]",
    "list customers with their domains" },
  { "customer domain add", CMD_CONFIG | CMD_STORE_WRITE, portero_cmd_customer_domain_add, "NAME DOMAIN",
    "file mail from DOMAIN under customer NAME" },
  { "contact list", CMD_CONFIG | CMD_STORE_READ, portero_cmd_contact_list, "[--customer NAME] [--json]",
    "list contacts" },
  { "ticket list", CMD_CONFIG | CMD_STORE_READ, portero_cmd_ticket_list,
    "[--status S] [--customer NAME] [--contact EMAIL] [--limit N] [--json]", "list tickets" },
  { "ticket show", CMD_CONFIG | CMD_STORE_READ, portero_cmd_ticket_show, "ID [--json]",
    "show a ticket and its thread" },
  { "rule list", CMD_CONFIG, portero_cmd_rule_list, "", "list the rules in force, in order" },
  { "rule test", CMD_CONFIG | CMD_STORE_WRITE, portero_cmd_rule_test, "MESSAGE.eml [--as-new]",
    "run intake and every rule on a message, writing and sending nothing" },
  { "outbox list", CMD_CONFIG | CMD_STORE_READ, portero_cmd_outbox_list, "[--json]", "list outgoing mail" },
  { "outbox flush", CMD_CONFIG | CMD_STORE_WRITE, portero_cmd_outbox_flush, "", "send every queued mail now" },
  { "outbox retry", CMD_CONFIG | CMD_STORE_WRITE, portero_cmd_outbox_retry, "ID", "send one queued or failed mail now" },
  { "maintain", CMD_CONFIG | CMD_STORE_WRITE, portero_cmd_maintain, "",
    "what cron runs: send due mail, optimise and checkpoint the database" },
  { "auth", CMD_CONFIG | CMD_STORE_WRITE, portero_cmd_auth, "USERNAME",
    "check the portal password read on stdin: exit 0 when it matches, 1 when not" },
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

static void
usage (FILE *out, const char *prefix)
{
  fprintf (out, "usage: portero [--config FILE] COMMAND [ARGS]\n\ncommands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (prefix == NULL || g_str_has_prefix (commands[i].phrase, prefix))
      fprintf (out, "  %s %s\n      %s\n", commands[i].phrase, commands[i].args, commands[i].summary);
  fprintf (out, "\nIn IT mode \"site\" and \"user\" name the same commands as \"customer\" and \"contact\".\n"
                "portero COMMAND --help shows a command's options.\n");
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
              g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "--config needs a file");
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
      const char *noun = canonical_noun (argv[1]);
      for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
        if (g_str_has_prefix (commands[i].phrase, noun) && commands[i].phrase[strlen (noun)] == ' ')
          {
            usage (stderr, noun);
            break;
          }
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "unknown command \"%s%s%s\" (see portero --help)",
                   argv[1], argc > 2 ? " " : "", argc > 2 ? argv[2] : "");
      return FALSE;
    }

  PorteroCli cli = { 0 };
  cli.phrase = cmd->phrase;
  cli.config_path = portero_config_locate (config_opt);
  gboolean ok = TRUE;
  if ((cmd->flags & CMD_CONFIG) && cmd->func != portero_cmd_init && cmd->func != portero_cmd_check)
    {
      cli.config = portero_config_load (cli.config_path, error);
      ok = cli.config != NULL;
    }
  if (ok && (cmd->flags & (CMD_STORE_READ | CMD_STORE_WRITE)))
    {
      cli.store = portero_store_open (cli.config->database,
                                      (cmd->flags & CMD_STORE_WRITE) ? PORTERO_STORE_WRITE : PORTERO_STORE_READ,
                                      cli.config->busy_timeout, error);
      ok = cli.store != NULL;
    }
  /* The command sees its own words as argv[0], then its arguments. */
  if (ok)
    ok = cmd->func (&cli, argc - words, argv + words, error);
  g_clear_pointer (&cli.store, portero_store_close);
  g_clear_pointer (&cli.config, portero_config_free);
  g_free (cli.config_path);
  return ok;
}

int
main (int argc, char **argv)
{
  if (sodium_init () < 0)
    {
      fprintf (stderr, "portero: cannot initialise libsodium\n");
      return EX_SOFTWARE;
    }
  portero_mail_init ();
  g_autoptr (GError) error = NULL;
  run (argc, argv, &error);
  portero_mail_shutdown ();
  if (error != NULL)
    fprintf (stderr, "portero: %s\n", error->message);
  return exit_status (error);
}
