/* ticket - portero ticket list | show | reply | status */
#include "cli.h"
#include <inttypes.h>
#include "../address.h"
#include "../automation.h"
#include "../keys.h"
#include "../outbox.h"
#include "../rules.h"
#include "../template.h"
#include <stdio.h>
#include <string.h>

static const char *const statuses[] = { N_ ("open"), N_ ("pending"), N_ ("on-hold"), N_ ("resolved"), N_ ("closed"), NULL };
/* For xgettext: the kinds of a thread's entries. */
static const char *const kinds[] G_GNUC_UNUSED = { N_ ("mail"), N_ ("note"), N_ ("reply"), N_ ("auto") };
/* For xgettext: the priorities rules set, shown in the user's language. */
static const char *const priorities[] G_GNUC_UNUSED = { N_ ("low"), N_ ("normal"), N_ ("high"), N_ ("urgent") };

/* For people: O's status and priority words in their language, beside the
 * English values that scripts read with --json. */
static void
add_words (JsonObject *o)
{
  const char *members[][2] = { { "status", "status_text" }, { "priority", "priority_text" } };
  for (gsize i = 0; i < G_N_ELEMENTS (members); i++)
    if (json_object_has_member (o, members[i][0]) && !json_object_get_null_member (o, members[i][0]))
      json_object_set_string_member (o, members[i][1], _(json_object_get_string_member (o, members[i][0])));
}

/* A ticket number as typed: 12 or #12. */
static gboolean
parse_ticket (const char *arg, gint64 *id, GError **error)
{
  guint64 v = 0;
  if (!g_ascii_string_to_unsigned (arg[0] == '#' ? arg + 1 : arg, 10, 1, G_MAXINT64, &v, NULL))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("\"%s\" is not a ticket number"), arg);
      return FALSE;
    }
  *id = (gint64) v;
  return TRUE;
}

/* STATUS lowercased when it is one portero knows, else NULL with an error. */
static char *
check_status (const char *status, GError **error)
{
  g_autofree char *lower = g_ascii_strdown (status, -1);
  if (!g_strv_contains (statuses, lower))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                   _("unknown status \"%s\" (open, pending, on-hold, resolved, closed)"), status);
      return NULL;
    }
  return g_steal_pointer (&lower);
}

/* DATE (2026-12-01, local midnight) or an ISO 8601 time, as the store's
 * UTC text; NULL with an error. */
static char *
parse_since (const char *arg, GError **error)
{
  g_autoptr (GDateTime) t = NULL;
  int y, m, d;
  char end;
  if (sscanf (arg, "%4d-%2d-%2d%c", &y, &m, &d, &end) == 3)
    t = g_date_time_new_local (y, m, d, 0, 0, 0);
  else
    t = g_date_time_new_from_iso8601 (arg, NULL);
  if (t == NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                   _("\"%s\" is not a date (2026-12-01) or a time (2026-12-01T09:30:00Z)"), arg);
      return NULL;
    }
  g_autoptr (GDateTime) utc = g_date_time_to_utc (t);
  return g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");
}

gboolean
portero_cmd_ticket_list (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean json = FALSE;
  g_autofree char *status = NULL, *customer = NULL, *contact = NULL, *since = NULL, *search = NULL;
  GOptionEntry entries[] = {
    { "status", 0, 0, G_OPTION_ARG_STRING, &status, N_("Only tickets with this status"),
      "open|pending|on-hold|resolved|closed" },
    { "customer", 0, 0, G_OPTION_ARG_STRING, &customer, N_("Only this customer's (site's) tickets"), "NAME" },
    { "site", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &customer, NULL, "NAME" },
    { "contact", 0, 0, G_OPTION_ARG_STRING, &contact, N_("Only tickets of this requester"), "EMAIL" },
    { "user", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &contact, NULL, "EMAIL" },
    { "since", 0, 0, G_OPTION_ARG_STRING, &since, N_("Only tickets with activity on or after DATE"), "DATE" },
    { "search", 0, 0, G_OPTION_ARG_STRING, &search, N_("Only tickets whose title contains TEXT"), "TEXT" },
    { NULL },
  };
  g_auto (PorteroCliPage) page;
  if (!portero_cli_parse_list (cli, &argc, &argv, entries, &json, &page, portero_store_ticket_orders, error))
    return FALSE;
  /* Refused as `ticket status` refuses it: a typo is not an empty list. */
  g_autofree char *known_status = NULL;
  if (status != NULL && (known_status = check_status (status, error)) == NULL)
    return FALSE;
  g_autofree char *address = contact ? portero_address_normalise (contact) : NULL;
  if (contact != NULL && address == NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("\"%s\" is not a mail address"), contact);
      return FALSE;
    }
  g_autofree char *from = NULL;
  if (since != NULL && (from = parse_since (since, error)) == NULL)
    return FALSE;
  if (!portero_cli_check_customer (cli, customer, error))
    return FALSE;
  PorteroTicketFilter filter = {
    .status = known_status, .customer = customer, .contact = address, .since = from, .search = search,
    .page = &page.store,
  };
  g_autoptr (JsonNode) node = portero_cli_page_json (&page, _("ticket"),
                                                     portero_store_tickets_json (cli->store, &filter, error), error);
  if (node == NULL)
    return FALSE;
  const PorteroColumn columns[] = {
    { _("ID"), "id" },
    { _("STATUS"), "status_text" },
    { portero_cli_word (cli, "CUSTOMER"), "customer" },
    { _("REQUESTER"), "requester" },
    { _("MSGS"), "messages" },
    { _("TITLE"), "title" },
    { NULL, NULL },
  };
  for (guint i = 0; !json && i < json_array_get_length (json_node_get_array (node)); i++)
    add_words (json_array_get_object_element (json_node_get_array (node), i));
  portero_cli_print (node, json, columns);
  portero_cli_page_hint (&page, json_array_get_length (json_node_get_array (node)));
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
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("\"%s\" is not a ticket number"), argv[1]);
      return FALSE;
    }
  g_autoptr (JsonNode) node = portero_cli_json (portero_store_ticket_json (cli->store, (gint64) id, error),
                                                error);
  if (node == NULL)
    return FALSE;
  if (json)
    {
      portero_print_json (node);
      return TRUE;
    }
  JsonObject *t = json_node_get_object (node);
  add_words (t);
  JsonArray *thread = json_object_get_array_member (t, "thread");
  json_object_set_int_member (t, "thread_count", thread ? json_array_get_length (thread) : 0);
  const PorteroColumn fields[] = {
    { _("Ticket"), "id" },
    { _("Title"), "title" },
    { _("Status"), "status_text" },
    { _("Priority"), "priority_text" },
    { portero_cli_word (cli, "Customer"), "customer" },
    { _("Requester"), "requester" },
    { _("Created"), "created" },
    { _("Updated"), "updated" },
    /* TRANSLATORS: what the count holds; the thread below also lists the
     * automatic mail, which is not counted */
    { _("Messages (mail and replies)"), "messages" },
    { _("Thread entries"), "thread_count" },
    { NULL, NULL },
  };
  portero_print_fields (t, fields);
  for (guint i = 0; thread && i < json_array_get_length (thread); i++)
    {
      JsonObject *m = json_array_get_object_element (thread, i);
      const PorteroColumn head[] = {
        { _("From"), "from" }, { _("Date"), "date" }, { _("Subject"), "subject" }, { _("Kind"), "kind_text" },
        { _("Message id"), "id" }, { _("Attachments"), "attachments_text" }, { NULL, NULL },
      };
      /* Attachments as "name (type, size)" for people. */
      JsonArray *atts = json_object_get_array_member (m, "attachments");
      g_autoptr (GString) list = g_string_new (NULL);
      for (guint k = 0; atts && k < json_array_get_length (atts); k++)
        {
          JsonObject *a = json_array_get_object_element (atts, k);
          g_string_append_printf (list, _("%s%s (%s, %lld bytes)"), k ? ", " : "",
                                  json_object_get_string_member (a, "name"),
                                  json_object_get_string_member (a, "type"),
                                  (long long) json_object_get_int_member (a, "size"));
        }
      json_object_set_string_member (m, "attachments_text", list->str);
      const char *kind = json_object_get_string_member (m, "kind");
      json_object_set_string_member (m, "kind_text", kind ? _(kind) : "");
      /* The thread numbered 1..N in the order it happened; the global
       * message id (for message show) is a field below. Automatic mail is
       * listed but not counted, so the header says which entries count. */
      gboolean counted = g_strcmp0 (kind, "mail") == 0 || g_strcmp0 (kind, "reply") == 0;
      g_autofree char *why = !counted ? g_strdup_printf (_(" (%s: not counted)"), _(kind))
                             : g_strdup (json_object_get_boolean_member (m, "auto") ? _(" (auto-generated)") : "");
      printf (_("\n--- %u of %u%s ---\n"), i + 1, json_array_get_length (thread), why);
      portero_print_fields (m, head);
      fputc ('\n', stdout);
      portero_print_text (json_object_get_string_member (m, "body"));
    }
  return TRUE;
}

/* The ticket ID, or PORTERO_ERROR_NOT_FOUND. */
static gboolean
get_ticket (PorteroCli *cli, gint64 id, PorteroTicketInfo *info, GError **error)
{
  if (!portero_store_ticket_info (cli->store, id, info, error))
    return FALSE;
  if (info->id == 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, _("no ticket %" PRId64), id);
      return FALSE;
    }
  return TRUE;
}

static PorteroRuleSet *
load_rules (PorteroCli *cli)
{
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  PorteroRuleSet *rules = portero_rules_load (cli->config->rules, problems);
  for (guint i = 0; i < problems->len; i++)
    fprintf (stderr, _("portero: rule skipped: %s\n"), (const char *) g_ptr_array_index (problems, i));
  return rules;
}

/* Inside the transaction: the status-changed rules for TICKET. */
static gboolean
fire_status_changed (PorteroCli *cli, const PorteroKeys *keys, const PorteroRuleSet *rules, const PorteroTicketInfo *ticket,
                     GArray *queued, GPtrArray *report, GError **error)
{
  PorteroEvent event = {
    .trigger = PORTERO_TRIGGER_STATUS_CHANGED,
    .ticket = ticket->id,
    .contact = ticket->contact_id,
    .mail = NULL,
    .may_mail = TRUE,
    .authenticated = TRUE,
  };
  return portero_automation_run (cli->store, cli->config, keys, rules, &event, 1, NULL, FALSE, queued, report, error);
}

/* After commit: send QUEUED within the send budget; what is left stays
 * queued for portero maintain. The command's work is done either way. */

static void
print_lines (GPtrArray *lines)
{
  for (guint i = 0; i < lines->len; i++)
    printf ("%s\n", (const char *) g_ptr_array_index (lines, i));
}

/* The template of a reply: a shipped one by NAME, or the technician's text
 * in BODY_FILE under "Re: <title>". The title is inserted as a snippet's
 * value, so that whatever a customer wrote in it is never expanded. */
static PorteroTemplate *
reply_template (PorteroCli *cli, const char *name, const char *body_file, const PorteroTicketInfo *ticket,
                GError **error)
{
  if (name != NULL)
    return portero_cli_template_find (cli, name, error);
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (body_file, &text, NULL, &local))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "%s", local->message);
      return NULL;
    }
  g_autofree char *trimmed = g_strstrip (g_strdup (text));
  if (*trimmed == '\0')
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("%s is empty: no reply to send"), body_file);
      return NULL;
    }
  gboolean re = g_ascii_strncasecmp (ticket->title, "re:", 3) == 0;
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  PorteroTemplate *t = portero_template_new_from_text (body_file, re ? "{[Ticket Title]}" : "Re: {[Ticket Title]}",
                                                       text, problems);
  if (t == NULL)
    {
      g_ptr_array_add (problems, NULL);
      g_autofree char *all = g_strjoinv ("; ", (char **) problems->pdata);
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "%s", all);
    }
  return t;
}

gboolean
portero_cmd_ticket_reply (PorteroCli *cli, int argc, char **argv, GError **error)
{
  g_autofree char *template_name = NULL, *body_file = NULL, *status_arg = NULL;
  GOptionEntry entries[] = {
    { "template", 0, 0, G_OPTION_ARG_STRING, &template_name, N_("Reply with this template (quick response)"), "NAME" },
    { "body-file", 0, 0, G_OPTION_ARG_FILENAME, &body_file, N_("Reply with the text of this file"), "F" },
    { "status", 0, 0, G_OPTION_ARG_STRING, &status_arg, N_("Also set the ticket's status"),
      "open|pending|on-hold|resolved|closed" },
    { NULL },
  };
  if (!portero_cli_parse (cli, &argc, &argv, entries, NULL, 1, 1, error))
    return FALSE;
  gint64 id = 0;
  if (!parse_ticket (argv[1], &id, error))
    return FALSE;
  if ((template_name == NULL) == (body_file == NULL))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("%s: give exactly one of --template NAME or --body-file F"),
                   cli->phrase);
      return FALSE;
    }
  g_autofree char *status = NULL;
  if (status_arg != NULL && (status = check_status (status_arg, error)) == NULL)
    return FALSE;

  PorteroTicketInfo ticket = { 0 };
  gboolean ok = FALSE;
  g_autoptr (PorteroTemplate) t = NULL;
  g_autoptr (PorteroKeys) keys = NULL;
  g_autoptr (PorteroRuleSet) rules = NULL;
  g_autoptr (GArray) queued = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GPtrArray) report = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *old_status = NULL, *requester = NULL;
  if (!get_ticket (cli, id, &ticket, error))
    goto out;
  /* Without a contact the reply goes to the requester's address (never
   * with credentials: those go only to a contact's registered address). */
  requester = portero_address_normalise (ticket.requester);
  if (ticket.contact_id == 0 && requester == NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                   _("ticket %" PRId64 " has no %s and no requester address to reply to (see portero ticket contact)"),
                   id, portero_cli_word (cli, "contact"));
      goto out;
    }
  if ((t = reply_template (cli, template_name, body_file, &ticket, error)) == NULL)
    goto out;
  if ((keys = portero_keys_load (cli->config->key_file, error)) == NULL)
    goto out;
  gboolean status_changes = status != NULL && g_strcmp0 (status, ticket.status) != 0;
  if (status_changes)
    rules = load_rules (cli);
  old_status = g_strdup (ticket.status);

  if (!portero_store_begin (cli->store, error))
    goto out;
  /* The new status first, so that the reply shows it; then the reply; then
   * what the rules do about the change. All of it, or none. */
  if (status_changes
      && (!portero_store_ticket_update (cli->store, id, status, NULL, 0, error)
          || !get_ticket (cli, id, &ticket, error)))
    goto rollback;
  if (!portero_automation_mail (cli->store, cli->config, keys, "reply", t, ticket.contact_id, id, TRUE, FALSE, queued,
                                report, error))
    goto rollback;
  if (queued->len == 0)
    {
      /* Held back (the reason is the report's last line): a technician
       * expects a reply or an error, never silence. */
      const char *why = report->len ? g_ptr_array_index (report, report->len - 1) : "";
      if (portero_automation_note_text (why) != NULL)
        why = portero_automation_note_text (why);
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("no reply sent: %s"), why);
      goto rollback;
    }
  if (!portero_store_ticket_touch (cli->store, id, FALSE, error))
    goto rollback;
  if (status_changes && !fire_status_changed (cli, keys, rules, &ticket, queued, report, error))
    goto rollback;
  if (!portero_store_commit (cli->store, error))
    goto out;
  print_lines (report);
  if (status_changes)
    printf (_("ticket %" PRId64 ": %s -> %s\n"), id, _(old_status), _(status));
  portero_cli_send_queued (cli, keys, queued, TRUE);
  ok = TRUE;
  goto out;
rollback:
  portero_store_rollback (cli->store);
out:
  portero_ticket_info_clear (&ticket);
  return ok;
}

gboolean
portero_cmd_ticket_status (PorteroCli *cli, int argc, char **argv, GError **error)
{
  if (!portero_cli_parse (cli, &argc, &argv, NULL, NULL, 2, 2, error))
    return FALSE;
  gint64 id = 0;
  if (!parse_ticket (argv[1], &id, error))
    return FALSE;
  g_autofree char *status = check_status (argv[2], error);
  if (status == NULL)
    return FALSE;
  PorteroTicketInfo ticket = { 0 };
  gboolean ok = FALSE;
  g_autoptr (PorteroKeys) keys = NULL;
  g_autoptr (PorteroRuleSet) rules = NULL;
  g_autoptr (GArray) queued = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GPtrArray) report = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *old_status = NULL;
  if (!get_ticket (cli, id, &ticket, error))
    goto out;
  if (g_strcmp0 (ticket.status, status) == 0)
    {
      printf (_("ticket %" PRId64 " is %s already: nothing changed\n"), id, status);
      ok = TRUE;
      goto out;
    }
  if ((keys = portero_keys_load (cli->config->key_file, error)) == NULL)
    goto out;
  rules = load_rules (cli);
  old_status = g_strdup (ticket.status);
  if (!portero_store_begin (cli->store, error))
    goto out;
  if (!portero_store_ticket_update (cli->store, id, status, NULL, 0, error)
      || !get_ticket (cli, id, &ticket, error)
      || !fire_status_changed (cli, keys, rules, &ticket, queued, report, error))
    {
      portero_store_rollback (cli->store);
      goto out;
    }
  if (!portero_store_commit (cli->store, error))
    goto out;
  printf (_("ticket %" PRId64 ": %s -> %s\n"), id, _(old_status), _(status));
  print_lines (report);
  portero_cli_send_queued (cli, keys, queued, TRUE);
  ok = TRUE;
out:
  portero_ticket_info_clear (&ticket);
  return ok;
}

gboolean
portero_cmd_ticket_contact (PorteroCli *cli, int argc, char **argv, GError **error)
{
  if (!portero_cli_parse (cli, &argc, &argv, NULL, NULL, 2, 2, error))
    return FALSE;
  gint64 id = 0, contact = 0;
  if (!parse_ticket (argv[1], &id, error))
    return FALSE;
  g_autofree char *address = portero_address_normalise (argv[2]);
  if (address == NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("\"%s\" is not a mail address"), argv[2]);
      return FALSE;
    }
  PorteroTicketInfo ticket = { 0 };
  gboolean ok = get_ticket (cli, id, &ticket, error) && portero_store_contact_by_address (cli->store, address, &contact, error);
  portero_ticket_info_clear (&ticket);
  if (!ok)
    return FALSE;
  if (contact == 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, _("no %s with the address %s"),
                   portero_cli_word (cli, "contact"), address);
      return FALSE;
    }
  if (!portero_store_begin (cli->store, error))
    return FALSE;
  if (!portero_store_ticket_set_contact (cli->store, id, contact, error)
      || !get_ticket (cli, id, &ticket, error))
    {
      portero_store_rollback (cli->store);
      portero_ticket_info_clear (&ticket);
      return FALSE;
    }
  if (!portero_store_commit (cli->store, error))
    {
      portero_ticket_info_clear (&ticket);
      return FALSE;
    }
  /* TRANSLATORS: ticket N: contact ADDRESS, customer NAME (the words follow the mode) */
  printf (_("ticket %lld: %s %s, %s %s\n"), (long long) id, portero_cli_word (cli, "contact"), address,
          portero_cli_word (cli, "customer"), ticket.customer);
  portero_ticket_info_clear (&ticket);
  return TRUE;
}
