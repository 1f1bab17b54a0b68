/* rule - portero rule list | test MESSAGE.eml [--as-new] */
#include "cli.h"
#include "../intake.h"
#include "../keys.h"
#include "../log.h"
#include "../rules.h"
#include <stdio.h>

gboolean
portero_cmd_rule_test (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean as_new = FALSE;
  g_autofree char *sender = NULL, *recipient = NULL;
  GOptionEntry entries[] = {
    { "as-new", 0, 0, G_OPTION_ARG_NONE, &as_new, N_("Treat the message as a new ticket even if it would join one"), NULL },
    { "sender", 0, 0, G_OPTION_ARG_STRING, &sender, N_("Envelope sender"), "ADDR" },
    { "recipient", 0, 0, G_OPTION_ARG_STRING, &recipient, N_("Envelope recipient (a support address)"), "ADDR" },
    { NULL },
  };
  if (!portero_cli_parse (cli, &argc, &argv, entries, NULL, 1, 1, error))
    return FALSE;
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) read_error = NULL;
  if (!g_file_get_contents (argv[1], &data, &len, &read_error))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("rule test: %s"), read_error->message);
      return FALSE;
    }
  g_autoptr (GBytes) raw = g_bytes_new_take (g_steal_pointer (&data), len);
  g_autoptr (PorteroKeys) keys = portero_keys_load (cli->config->key_file, error);
  if (keys == NULL)
    return FALSE;
  PorteroEnvelope envelope = { sender, recipient, NULL, NULL };
  g_autoptr (PorteroMail) mail = portero_intake_parse (cli->config, raw, &envelope, error);
  if (mail == NULL)
    return FALSE;
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (PorteroRuleSet) rules = portero_rules_load (cli->config->rules, problems);
  for (guint i = 0; i < problems->len; i++)
    printf (_("skipped: %s\n"), (const char *) g_ptr_array_index (problems, i));

  /* The whole delivery, in a transaction that is rolled back: nothing is
   * written and nothing is sent. */
  PorteroIntakeOptions options = { .rules = rules, .dry_run = TRUE, .as_new = as_new };
  PorteroIntakeResult result = { 0 };
  if (!portero_intake_store (cli->store, cli->config, keys, mail, &envelope, &options, &result, error))
    {
      portero_intake_result_clear (&result);
      return FALSE;
    }
  printf (_("sender: %s%s\n"), result.sender && *result.sender ? result.sender : _("(none)"),
          mail->auto_generated ? _(" (auto-generated: no automatic mail)")
          : mail->spam         ? _(" (spam: no automatic mail)")
                               : "");
  printf (_("outcome: %s"), _(portero_outcome_name (result.outcome)));
  if (result.outcome == PORTERO_OUTCOME_FOLLOW_UP)
    printf (_(" to ticket %lld (by %s)"), (long long) result.ticket, result.matched_by);
  if (result.contact_created)
    printf (_(", new %s"), portero_cli_word (cli, "contact"));
  printf ("\n");
  for (guint i = 0; i < result.report->len; i++)
    printf ("%s\n", (const char *) g_ptr_array_index (result.report, i));
  if (result.report->len == 0)
    printf (_("no rule for this event\n"));
  portero_intake_result_clear (&result);
  return TRUE;
}

/* For xgettext: what intake made of a message. */
static const char *const outcomes[] G_GNUC_UNUSED = {
  N_ ("new-ticket"), N_ ("follow-up"), N_ ("note"), N_ ("unfiled"), N_ ("duplicate"),
};

/* For xgettext: the triggers, shown in the user's language (JSON and the
 * rule files keep the English names). */
static const char *const trigger_words[] G_GNUC_UNUSED = {
  N_ ("ticket-created"), N_ ("requester-responded"), N_ ("contact-created"), N_ ("status-changed"),
};

gboolean
portero_cmd_rule_list (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean json = FALSE;
  if (!portero_cli_parse (cli, &argc, &argv, NULL, &json, 0, 0, error))
    return FALSE;
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (PorteroRuleSet) rules = portero_rules_load (cli->config->rules, problems);
  g_autoptr (JsonArray) rows = json_array_new ();
  for (guint i = 0; i < portero_rules_count (rules); i++)
    {
      PorteroRuleSummary r;
      portero_rules_summary (rules, i, &r);
      g_autofree char *base = g_path_get_basename (r.file);
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "file", base);
      json_object_set_string_member (o, "name", r.name);
      json_object_set_string_member (o, "description", r.description ? r.description : "");
      json_object_set_string_member (o, "trigger", portero_trigger_name (r.trigger));
      json_object_set_boolean_member (o, "active", r.active);
      json_object_set_boolean_member (o, "ignore_flow", r.ignore_flow);
      if (!json)
        {
          json_object_set_string_member (o, "trigger_text", _(portero_trigger_name (r.trigger)));
          g_autofree char *name = r.ignore_flow ? g_strdup_printf (_("%s (IgnoreFlow)"), r.name) : g_strdup (r.name);
          json_object_set_string_member (o, "name_text", name);
        }
      json_array_add_object_element (rows, o);
    }
  g_autoptr (JsonNode) node = json_node_init_array (json_node_alloc (), rows);
  const PorteroColumn columns[] = {
    { _("FILE"), "file" }, { _("TRIGGER"), "trigger_text" }, { _("ACTIVE"), "active" }, { _("NAME"), "name_text" },
    { NULL, NULL },
  };
  portero_cli_print (node, json, columns);
  /* Problems on stderr, so that stdout stays one JSON array with --json. */
  for (guint i = 0; i < problems->len; i++)
    fprintf (json ? stderr : stdout, _("skipped: %s\n"), (const char *) g_ptr_array_index (problems, i));
  return TRUE;
}
