/* check - portero check: configuration, key file, database, rule and template folders */
#include "cli.h"
#include "../breached.h"
#include "../kb.h"
#include "../keys.h"
#include "../log.h"
#include "../privilege.h"
#include "../rules.h"
#include "../template.h"
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Warn of a search index the database lacks (PostgreSQL without pg_trgm). */
static gboolean
check_indexes (PorteroStore *store, const char *database, GError **error)
{
  gboolean titles_indexed = FALSE, contacts_indexed = FALSE;
  if (!portero_store_title_indexed (store, &titles_indexed, error)
      || !portero_store_contact_indexed (store, &contacts_indexed, error))
    return FALSE;
  if (!titles_indexed)
    printf (_("%s: warning: ticket titles have no index (PostgreSQL: the pg_trgm extension is missing): "
              "ticket list --search reads every title; see --search in portero(8)\n"), database);
  if (!contacts_indexed)
    printf (_("%s: warning: contacts' names and addresses have no index (PostgreSQL: the pg_trgm extension "
              "is missing): contact list --search reads every contact; see --search in portero(8)\n"), database);
  return TRUE;
}

gboolean
portero_cmd_check (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean show = FALSE;
  GOptionEntry entries[] = {
    { "show", 0, 0, G_OPTION_ARG_NONE, &show, N_("Print every setting with its value"), NULL },
    { NULL },
  };
  if (!portero_cli_parse (cli, &argc, &argv, entries, NULL, 0, 0, error))
    return FALSE;
  cli->config = portero_privilege_load_config (cli->config_path, error);
  if (cli->config == NULL || !portero_privilege_drop_to_state (cli->config, error))
    return FALSE;
  const PorteroConfig *config = cli->config;
  printf (_("%s: ok\n"), config->path);
  if (show)
    {
      g_autoptr (GString) dump = g_string_new (NULL);
      portero_config_dump (config, dump);
      fputs (dump->str, stdout);
    }
  g_autoptr (PorteroKeys) keys = portero_keys_load (config->key_file, error);
  if (keys == NULL)
    return FALSE;
  printf (_("%s: ok\n"), config->key_file);
  g_autoptr (PorteroStore) store = portero_store_open (config->database, PORTERO_STORE_READ,
                                                        config->busy_timeout, error);
  if (store == NULL)
    return FALSE;
  g_autofree char *backend = NULL, *server = NULL;
  int schema = 0;
  if (!portero_store_describe (store, &backend, &server, &schema, error))
    return FALSE;
  /* TRANSLATORS: database: ok (sqlite, SQLite 3.40.1, schema 3) */
  printf (_("%s: ok (%s, %s, schema %d)\n"), config->database, backend, server, schema);
  if (!check_indexes (store, config->database, error))
    return FALSE;
  /* syslog(3) drops lines silently when no daemon listens (containers). */
  if (strcmp (config->log, "syslog") == 0 && !portero_log_syslog_reachable ())
    printf (_("%s: warning: [portero] log=syslog, but no syslog daemon listens on /dev/log: "
              "log lines are lost (set log=stderr or log=FILE)\n"), config->path);
  else if (strcmp (config->log, "syslog") != 0 && strcmp (config->log, "stderr") != 0
           && g_access (config->log, F_OK) == 0 && g_access (config->log, W_OK) != 0)
    printf (_("%s: warning: log file is not writable by this user\n"), config->log);
  if (!g_file_test (config->rules, G_FILE_TEST_IS_DIR))
    printf (_("%s: warning: rules folder does not exist\n"), config->rules);
  if (!g_file_test (config->templates, G_FILE_TEST_IS_DIR))
    printf (_("%s: warning: templates folder does not exist\n"), config->templates);
  /* A list that cannot be used refuses every new password (fail closed). */
  if (*config->breached_passwords != '\0')
    {
      g_autoptr (GError) local = NULL;
      if (portero_breached_verify (config->breached_passwords, &local))
        printf (_("%s: ok\n"), config->breached_passwords);
      else
        printf (_("%s: warning: %s\n"), config->path, local->message);
    }

  /* Every problem as FILE:LINE: message, then one line that sums them up. */
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (PorteroRuleSet) rules = portero_rules_load (config->rules, problems);
  portero_rules_check_templates (rules, config->templates, config->language, problems);
  portero_template_check_dir (config->templates, problems);
  if (!portero_template_check_html_dir (config->templates, problems, error))
    return FALSE;
  if (config->welcome_email)
    {
      g_autoptr (GError) local = NULL;
      g_autoptr (PorteroTemplate) t = portero_template_find (config->templates, config->welcome_template,
                                                             config->language, &local);
      if (t == NULL)
        g_ptr_array_add (problems, g_strdup_printf (_("%s:0: [mail] welcome-template: %s"), config->path, local->message));
    }
  /* Knowledge-base articles that do not parse (kb sync leaves them out). */
  portero_kb_check_dir (config->kb, problems);
  for (guint i = 0; i < problems->len; i++)
    fprintf (stderr, "%s\n", (const char *) g_ptr_array_index (problems, i));
  if (problems->len > 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG,
                   ngettext ("%u problem in rules and templates", "%u problems in rules and templates", problems->len),
                   problems->len);
      return FALSE;
    }
  guint n = portero_rules_count (rules);
  printf (ngettext ("%s: %u rule ok\n", "%s: %u rules ok\n", n), config->rules, n);
  printf (_("%s: ok\n"), config->templates);
  return TRUE;
}
