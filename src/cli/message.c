/* message - portero message list | show | reprocess */
#include "cli.h"
#include <inttypes.h>
#include "../intake.h"
#include "../keys.h"
#include "../outbox.h"
#include "../rules.h"
#include <stdio.h>

/* A message id as typed: a positive number. */
static gboolean
parse_id (const char *arg, gint64 *id, GError **error)
{
  guint64 v = 0;
  if (!g_ascii_string_to_unsigned (arg, 10, 1, G_MAXINT64, &v, NULL))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("\"%s\" is not a message number"), arg);
      return FALSE;
    }
  *id = (gint64) v;
  return TRUE;
}

gboolean
portero_cmd_message_list (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean json = FALSE, unfiled = FALSE;
  GOptionEntry entries[] = {
    { "unfiled", 0, 0, G_OPTION_ARG_NONE, &unfiled, N_("Only mail that made no ticket"), NULL },
    { NULL },
  };
  g_auto (PorteroCliPage) page;
  if (!portero_cli_parse_list (cli, &argc, &argv, entries, &json, &page, portero_store_message_orders, error))
    return FALSE;
  g_autoptr (JsonNode) node = portero_cli_page_json (&page, _("message"),
    portero_store_messages_page_json (cli->store, unfiled, &page.store, error), error);
  if (node == NULL)
    return FALSE;
  if (json)
    {
      portero_print_json (node);
      return TRUE;
    }
  const PorteroColumn columns[] = {
    { _("ID"), "id" },
    { _("KIND"), "kind_text" },
    { _("TICKET"), "ticket" },
    { _("DATE"), "date" },
    { _("FROM"), "from" },
    { _("SUBJECT"), "subject" },
    { _("WHY NO TICKET"), "reason" },
    { NULL, NULL },
  };
  const PorteroColumn unfiled_columns[] = {
    { _("ID"), "id" },
    { _("DATE"), "date" },
    { _("FROM"), "from" },
    { _("SUBJECT"), "subject" },
    { _("WHY NO TICKET"), "reason" },
    { NULL, NULL },
  };
  static const char *const words[] = { "kind", NULL };
  portero_cli_add_words (node, words);
  portero_print_table (json_node_get_array (node), unfiled ? unfiled_columns : columns);
  portero_cli_page_hint (&page, json_array_get_length (json_node_get_array (node)));
  return TRUE;
}

gboolean
portero_cmd_message_show (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean json = FALSE, raw = FALSE;
  GOptionEntry entries[] = {
    { "raw", 0, 0, G_OPTION_ARG_NONE, &raw, N_("Print the message exactly as it was received"), NULL },
    { NULL },
  };
  if (!portero_cli_parse (cli, &argc, &argv, entries, &json, 1, 1, error))
    return FALSE;
  gint64 id = 0;
  if (!parse_id (argv[1], &id, error))
    return FALSE;
  if (json && raw)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("%s: --json and --raw exclude each other"),
                   cli->phrase);
      return FALSE;
    }
  g_autoptr (JsonNode) node = portero_cli_message_json (cli, id, error);
  if (node == NULL)
    return FALSE;
  if (raw)
    {
      g_autoptr (GBytes) bytes = portero_store_message_raw (cli->store, id, error);
      if (bytes == NULL)
        return FALSE;
      gsize len = 0;
      gconstpointer data = g_bytes_get_data (bytes, &len);
      if (len == 0)
        {
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                       _("message %" PRId64 " has no stored bytes (written by portero, or erased)"), id);
          return FALSE;
        }
      if (!portero_print_bytes (data, len))
        {
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("cannot write the message to standard output"));
          return FALSE;
        }
      return TRUE;
    }
  if (json)
    {
      portero_print_json (node);
      return TRUE;
    }
  JsonObject *m = json_node_get_object (node);
  /* Attachments as "name (type, size)" for people. */
  JsonArray *atts = json_object_get_array_member (m, "attachments");
  g_autoptr (GString) list = g_string_new (NULL);
  for (guint k = 0; atts && k < json_array_get_length (atts); k++)
    {
      JsonObject *a = json_array_get_object_element (atts, k);
      g_string_append_printf (list, _("%s%s (%s, %lld bytes)"), k ? ", " : "",
                              json_object_get_string_member (a, "name"), json_object_get_string_member (a, "type"),
                              (long long) json_object_get_int_member (a, "size"));
    }
  json_object_set_string_member (m, "attachments_text", list->str);
  static const char *const words[] = { "kind", NULL };
  portero_cli_add_words (node, words);
  const PorteroColumn fields[] = {
    { _("Message"), "id" },
    { _("Kind"), "kind_text" },
    { _("Ticket"), "ticket" },
    { _("Why no ticket"), "reason" },
    { _("From"), "from" },
    { _("Name"), "name" },
    { _("Date"), "date" },
    { _("Subject"), "subject" },
    { _("Message-ID"), "message_id" },
    { _("Envelope sender"), "envelope_sender" },
    { _("Envelope recipient"), "envelope_recipient" },
    { _("Original recipient"), "original_recipient" },
    { _("Queue id"), "queue_id" },
    { _("Received"), "received" },
    { _("Size"), "size" },
    { _("Auto-generated"), "auto" },
    { _("Spam"), "spam" },
    { _("Attachments"), "attachments_text" },
    { NULL, NULL },
  };
  portero_print_fields (m, fields);
  fputc ('\n', stdout);
  /* Mail text keeps the CRLF of the wire; a terminal wants LF. */
  const char *text = json_object_get_string_member (m, "body");
  g_autofree char *body = g_strdup (text ? text : "");
  char *to = body;
  for (const char *from = body; *from; from++)
    if (from[0] != '\r' || from[1] != '\n')
      *to++ = *from;
  *to = '\0';
  portero_print_text (body);
  return TRUE;
}

static const char *
empty_to_null (const char *s)
{
  return s != NULL && *s != '\0' ? s : NULL;
}

gboolean
portero_cmd_message_reprocess (PorteroCli *cli, int argc, char **argv, GError **error)
{
  if (!portero_cli_parse (cli, &argc, &argv, NULL, NULL, 1, 1, error))
    return FALSE;
  gint64 id = 0;
  if (!parse_id (argv[1], &id, error))
    return FALSE;
  g_autoptr (JsonNode) node = portero_cli_message_json (cli, id, error);
  if (node == NULL)
    return FALSE;
  JsonObject *m = json_node_get_object (node);
  if (!json_object_get_null_member (m, "ticket"))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                   _("message %" PRId64 " is on ticket %" PRId64 " already: only mail that made no ticket is reprocessed"),
                   id, json_object_get_int_member (m, "ticket"));
      return FALSE;
    }
  g_autoptr (GBytes) raw = portero_store_message_raw (cli->store, id, error);
  if (raw == NULL)
    return FALSE;
  if (g_bytes_get_size (raw) == 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                   _("message %" PRId64 " has no stored bytes (written by portero, or erased): nothing to reprocess"), id);
      return FALSE;
    }
  g_autofree char *sender = NULL, *recipient = NULL, *original = NULL, *queue_id = NULL;
  if (!portero_store_message_envelope (cli->store, id, &sender, &recipient, &original, &queue_id, error))
    return FALSE;
  /* The envelope it came with: the support-address check and the rules see
   * the message as they would have on arrival. */
  PorteroEnvelope envelope = { sender, empty_to_null (recipient), empty_to_null (original), empty_to_null (queue_id) };

  g_autoptr (PorteroKeys) keys = portero_keys_load (cli->config->key_file, error);
  if (keys == NULL)
    return FALSE;
  g_autoptr (PorteroMail) mail = portero_intake_parse (cli->config, raw, &envelope, error);
  if (mail == NULL)
    return FALSE;
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (PorteroRuleSet) rules = portero_rules_load (cli->config->rules, problems);
  for (guint i = 0; i < problems->len; i++)
    fprintf (stderr, _("portero: rule skipped: %s\n"), (const char *) g_ptr_array_index (problems, i));

  /* argon2id before the write lock, as portero-deliver does. */
  gboolean known = FALSE;
  PorteroPreparedPassword password = { 0 };
  if (!portero_intake_sender_known (cli->store, mail, &known, error)
      || !portero_automation_prepare (cli->config, rules, mail, known, &password, error))
    return FALSE;
  /* The stored copy makes way in the same transaction: never two copies,
   * and on any failure the old one stays as it was. */
  PorteroIntakeOptions options = { .rules = rules, .password = &password, .replaces = id };
  PorteroIntakeResult result = { 0 };
  gboolean ok = portero_intake_store (cli->store, cli->config, keys, mail, &envelope, &options, &result, error);
  portero_prepared_password_clear (&password);
  if (!ok)
    {
      portero_intake_result_clear (&result);
      return FALSE;
    }
  switch (result.outcome)
    {
    case PORTERO_OUTCOME_NEW_TICKET:
      printf (_("message %" PRId64 " reprocessed as message %" PRId64 ": new ticket %" PRId64 "%s\n"),
              id, result.message, result.ticket, result.contact_created ? _(", new contact") : "");
      break;
    case PORTERO_OUTCOME_FOLLOW_UP:
    case PORTERO_OUTCOME_NOTE:
      printf (_("message %" PRId64 " reprocessed as message %" PRId64 ": %s on ticket %" PRId64
                " (by %s)\n"),
              id, result.message, _(portero_outcome_name (result.outcome)), result.ticket,
              result.matched_by ? result.matched_by : "?");
      break;
    case PORTERO_OUTCOME_UNFILED:
      printf (_("message %" PRId64 " reprocessed as message %" PRId64 ": still no ticket (%s)\n"), id,
              result.message, result.unfiled_reason ? result.unfiled_reason : "?");
      break;
    case PORTERO_OUTCOME_DUPLICATE:
      printf (_("message %" PRId64 ": a duplicate of another stored message; left as it was\n"), id);
      break;
    }
  for (guint i = 0; i < result.report->len; i++)
    printf ("%s\n", (const char *) g_ptr_array_index (result.report, i));

  /* Stored and committed: sending is best effort within the send budget,
   * as in portero-deliver; what is left stays queued for portero maintain. */
  portero_cli_send_queued (cli, keys, result.queued, TRUE);
  portero_intake_result_clear (&result);
  return TRUE;
}
