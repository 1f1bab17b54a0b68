/* contact - portero contact list (user in IT mode) */
#include "cli.h"

gboolean
portero_cmd_contact_list (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean json = FALSE;
  g_autofree char *customer = NULL;
  GOptionEntry entries[] = {
    { "customer", 0, 0, G_OPTION_ARG_STRING, &customer, "Only this customer's (site's) contacts", "NAME" },
    { "site", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &customer, NULL, "NAME" },
    { NULL },
  };
  if (!portero_cli_parse (cli, &argc, &argv, entries, &json, 0, 0, error))
    return FALSE;
  if (!portero_cli_check_customer (cli, customer, error))
    return FALSE;
  g_autoptr (JsonNode) node = portero_store_contacts_json (cli->store, customer, error);
  if (node == NULL)
    return FALSE;
  if (json)
    {
      portero_print_json (node);
      return TRUE;
    }
  const PorteroColumn columns[] = {
    { "EMAIL", "email" },
    { "NAME", "name" },
    { portero_cli_word (cli, "CUSTOMER"), "customer" },
    { "MAIN", "main" },
    { "SOURCE", "source" },
    { "AUTO-TICKETS", "auto_tickets" },
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
STUB (portero_cmd_contact_add)
STUB (portero_cmd_contact_show)
STUB (portero_cmd_contact_email_add)
STUB (portero_cmd_contact_email_remove)
STUB (portero_cmd_contact_set)
STUB (portero_cmd_contact_merge)
STUB (portero_cmd_contact_delete)
