/* customer - portero customer add | list | domain add (site in IT mode) */
#include "cli.h"
#include "../address.h"
#include <stdio.h>

/* The id of customer NAME, or PORTERO_ERROR_NOT_FOUND naming it. */
static gboolean
find_customer (PorteroCli *cli, const char *name, gint64 *id, GError **error)
{
  if (!portero_store_customer_find (cli->store, name, id, error))
    return FALSE;
  if (*id == 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, "no %s named \"%s\"",
                   portero_cli_word (cli, "customer"), name);
      return FALSE;
    }
  return TRUE;
}

gboolean
portero_cmd_customer_add (PorteroCli *cli, int argc, char **argv, GError **error)
{
  if (!portero_cli_parse (cli, &argc, &argv, NULL, NULL, 1, 1, error))
    return FALSE;
  g_autofree char *name = g_strstrip (g_strdup (argv[1]));
  if (*name == '\0' || !g_utf8_validate (name, -1, NULL))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "a %s needs a name",
                   portero_cli_word (cli, "customer"));
      return FALSE;
    }
  gint64 id = 0;
  if (!portero_store_begin (cli->store, error))
    return FALSE;
  if (!portero_store_customer_add (cli->store, name, &id, error))
    {
      portero_store_rollback (cli->store);
      g_prefix_error (error, "%s: ", portero_cli_word (cli, "customer"));
      return FALSE;
    }
  if (!portero_store_commit (cli->store, error))
    return FALSE;
  printf ("%s \"%s\" added\n", portero_cli_word (cli, "Customer"), name);
  return TRUE;
}

gboolean
portero_cmd_customer_domain_add (PorteroCli *cli, int argc, char **argv, GError **error)
{
  if (!portero_cli_parse (cli, &argc, &argv, NULL, NULL, 2, 2, error))
    return FALSE;
  g_autofree char *domain = portero_domain_normalise (argv[2]);
  if (domain == NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "\"%s\" is not a mail domain", argv[2]);
      return FALSE;
    }
  gint64 id = 0;
  if (!portero_store_begin (cli->store, error))
    return FALSE;
  if (!find_customer (cli, argv[1], &id, error) || !portero_store_domain_add (cli->store, id, domain, error))
    {
      portero_store_rollback (cli->store);
      return FALSE;
    }
  if (!portero_store_commit (cli->store, error))
    return FALSE;
  printf ("%s now files mail from %s under %s \"%s\"\n", "portero", domain,
          portero_cli_word (cli, "customer"), argv[1]);
  return TRUE;
}

gboolean
portero_cmd_customer_list (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean json = FALSE;
  if (!portero_cli_parse (cli, &argc, &argv, NULL, &json, 0, 0, error))
    return FALSE;
  g_autoptr (JsonNode) node = portero_store_customers_json (cli->store, error);
  if (node == NULL)
    return FALSE;
  if (json)
    {
      portero_print_json (node);
      return TRUE;
    }
  const PorteroColumn columns[] = {
    { portero_cli_word (cli, "CUSTOMER"), "name" },
    { portero_cli_word (cli, "CONTACTS") , "contacts" },
    { "DOMAINS", "domains" },
    { NULL, NULL },
  };
  portero_print_table (json_node_get_array (node), columns);
  return TRUE;
}

/* Not written yet: each answers so. */
#define STUB(fn) \
  gboolean fn (PorteroCli *cli, int argc, char **argv, GError **error) \
  { \
    g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "%s: not in this version yet", cli->phrase); \
    return FALSE; \
  }
STUB (portero_cmd_customer_show)
STUB (portero_cmd_customer_rename)
STUB (portero_cmd_customer_domain_remove)
STUB (portero_cmd_customer_domain_list)
