/* check - portero check: configuration, key file, database, rule and template folders */
#include "cli.h"
#include "../keys.h"
#include <stdio.h>

gboolean
portero_cmd_check (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean show = FALSE;
  GOptionEntry entries[] = {
    { "show", 0, 0, G_OPTION_ARG_NONE, &show, "Print every setting with its value", NULL },
    { NULL },
  };
  if (!portero_cli_parse (cli, &argc, &argv, entries, NULL, 0, 0, error))
    return FALSE;
  cli->config = portero_config_load (cli->config_path, error);
  if (cli->config == NULL)
    return FALSE;
  const PorteroConfig *config = cli->config;
  printf ("%s: ok\n", config->path);
  if (show)
    {
      g_autoptr (GString) dump = g_string_new (NULL);
      portero_config_dump (config, dump);
      fputs (dump->str, stdout);
    }
  g_autoptr (PorteroKeys) keys = portero_keys_load (config->key_file, error);
  if (keys == NULL)
    return FALSE;
  printf ("%s: ok\n", config->key_file);
  g_autoptr (PorteroStore) store = portero_store_open (config->database, PORTERO_STORE_READ,
                                                        config->busy_timeout, error);
  if (store == NULL)
    return FALSE;
  printf ("%s: ok (schema %d)\n", config->database, portero_store_schema_version ());
  gboolean ok = TRUE;
  if (!g_file_test (config->rules, G_FILE_TEST_IS_DIR))
    {
      printf ("%s: warning: rules folder does not exist\n", config->rules);
    }
  if (!g_file_test (config->templates, G_FILE_TEST_IS_DIR))
    {
      printf ("%s: warning: templates folder does not exist\n", config->templates);
    }
  return ok;
}
