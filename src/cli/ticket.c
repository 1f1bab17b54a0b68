/* ticket - portero ticket list | show */
#include "cli.h"
#include "../address.h"
#include <stdio.h>

gboolean
portero_cmd_ticket_list (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean json = FALSE;
  g_autofree char *status = NULL, *customer = NULL, *contact = NULL;
  gint64 limit = 0;
  GOptionEntry entries[] = {
    { "status", 0, 0, G_OPTION_ARG_STRING, &status, "Only tickets with this status", "S" },
    { "customer", 0, 0, G_OPTION_ARG_STRING, &customer, "Only this customer's (site's) tickets", "NAME" },
    { "site", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &customer, NULL, "NAME" },
    { "contact", 0, 0, G_OPTION_ARG_STRING, &contact, "Only tickets of this requester", "EMAIL" },
    { "user", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &contact, NULL, "EMAIL" },
    { "limit", 0, 0, G_OPTION_ARG_INT64, &limit, "At most N tickets", "N" },
    { NULL },
  };
  if (!portero_cli_parse (cli, &argc, &argv, entries, &json, 0, 0, error))
    return FALSE;
  if (limit < 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "--limit must not be negative");
      return FALSE;
    }
  g_autofree char *address = contact ? portero_address_normalise (contact) : NULL;
  if (contact != NULL && address == NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "\"%s\" is not a mail address", contact);
      return FALSE;
    }
  if (!portero_cli_check_customer (cli, customer, error))
    return FALSE;
  PorteroTicketFilter filter = { status, customer, address, limit };
  g_autoptr (JsonNode) node = portero_store_tickets_json (cli->store, &filter, error);
  if (node == NULL)
    return FALSE;
  if (json)
    {
      portero_print_json (node);
      return TRUE;
    }
  const PorteroColumn columns[] = {
    { "ID", "id" },
    { "STATUS", "status" },
    { portero_cli_word (cli, "CUSTOMER"), "customer" },
    { "REQUESTER", "requester" },
    { "MSGS", "messages" },
    { "TITLE", "title" },
    { NULL, NULL },
  };
  portero_print_table (json_node_get_array (node), columns);
  return TRUE;
}

gboolean
portero_cmd_ticket_show (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean json = FALSE;
  if (!portero_cli_parse (cli, &argc, &argv, NULL, &json, 1, 1, error))
    return FALSE;
  const char *arg = argv[1][0] == '#' ? argv[1] + 1 : argv[1];
  guint64 id = 0;
  if (!g_ascii_string_to_unsigned (arg, 10, 1, G_MAXINT64, &id, NULL))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "\"%s\" is not a ticket number", argv[1]);
      return FALSE;
    }
  g_autoptr (JsonNode) node = portero_store_ticket_json (cli->store, (gint64) id, error);
  if (node == NULL)
    return FALSE;
  if (json)
    {
      portero_print_json (node);
      return TRUE;
    }
  JsonObject *t = json_node_get_object (node);
  const PorteroColumn fields[] = {
    { "Ticket", "id" },
    { "Title", "title" },
    { "Status", "status" },
    { "Priority", "priority" },
    { portero_cli_word (cli, "Customer"), "customer" },
    { "Requester", "requester" },
    { "Created", "created" },
    { "Updated", "updated" },
    { "Messages", "messages" },
    { NULL, NULL },
  };
  portero_print_fields (t, fields);
  JsonArray *thread = json_object_get_array_member (t, "thread");
  for (guint i = 0; thread && i < json_array_get_length (thread); i++)
    {
      JsonObject *m = json_array_get_object_element (thread, i);
      const PorteroColumn head[] = {
        { "From", "from" }, { "Date", "date" }, { "Subject", "subject" }, { "Kind", "kind" },
        { "Attachments", "attachments_text" }, { NULL, NULL },
      };
      /* Attachments as "name (type, size)" for people. */
      JsonArray *atts = json_object_get_array_member (m, "attachments");
      g_autoptr (GString) list = g_string_new (NULL);
      for (guint k = 0; atts && k < json_array_get_length (atts); k++)
        {
          JsonObject *a = json_array_get_object_element (atts, k);
          g_string_append_printf (list, "%s%s (%s, %" G_GINT64_FORMAT " bytes)", k ? ", " : "",
                                  json_object_get_string_member (a, "name"),
                                  json_object_get_string_member (a, "type"),
                                  json_object_get_int_member (a, "size"));
        }
      json_object_set_string_member (m, "attachments_text", list->str);
      printf ("\n--- %s %" G_GINT64_FORMAT "%s ---\n", "message", json_object_get_int_member (m, "id"),
              json_object_get_boolean_member (m, "auto") ? " (auto-generated)" : "");
      portero_print_fields (m, head);
      fputc ('\n', stdout);
      portero_print_text (json_object_get_string_member (m, "body"));
    }
  return TRUE;
}

/* Not written yet: each answers so. */
#define STUB(fn) \
  gboolean fn (PorteroCli *cli, int argc, char **argv, GError **error) \
  { \
    g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "%s: not in this version yet", cli->phrase); \
    return FALSE; \
  }
STUB (portero_cmd_ticket_reply)
STUB (portero_cmd_ticket_status)
