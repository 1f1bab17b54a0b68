/* outbox - portero outbox list | flush | retry ID, and portero maintain */
#include "cli.h"
#include "../kb.h"
#include "../keys.h"
#include "../outbox.h"
#include <stdio.h>

/* Send IDS now, within the configured send budget per mail batch. */
static gboolean
send_ids (PorteroCli *cli, GArray *ids, GError **error)
{
  g_autoptr (PorteroKeys) keys = portero_keys_load (cli->config->key_file, error);
  if (keys == NULL)
    return FALSE;
  PorteroOutboxTally tally;
  if (!portero_outbox_send (cli->store, cli->config, keys, ids, 0, &tally, error))
    return FALSE;
  printf (_("%d sent, %d deferred, %d failed\n"), tally.sent, tally.deferred, tally.failed);
  return TRUE;
}

gboolean
portero_cmd_outbox_list (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean json = FALSE;
  if (!portero_cli_parse (cli, &argc, &argv, NULL, &json, 0, 0, error))
    return FALSE;
  g_autoptr (JsonNode) node = portero_cli_json (portero_store_outbox_json (cli->store, error), error);
  if (node == NULL)
    return FALSE;
  const PorteroColumn columns[] = {
    { _("ID"), "id" }, { _("STATUS"), "status_text" }, { _("TRIES"), "attempts" }, { _("KIND"), "kind_text" },
    { _("TICKET"), "ticket" }, { _("TO"), "to" }, { _("SUBJECT"), "subject" }, { NULL, NULL },
  };
  static const char *const words[] = { "status", "kind", NULL };
  if (!json)
    portero_cli_add_words (node, words);
  portero_cli_print (node, json, columns);
  return TRUE;
}

gboolean
portero_cmd_outbox_flush (PorteroCli *cli, int argc, char **argv, GError **error)
{
  if (!portero_cli_parse (cli, &argc, &argv, NULL, NULL, 0, 0, error))
    return FALSE;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (!portero_store_outbox_due (cli->store, TRUE, ids, error))
    return FALSE;
  return send_ids (cli, ids, error);
}

gboolean
portero_cmd_outbox_retry (PorteroCli *cli, int argc, char **argv, GError **error)
{
  if (!portero_cli_parse (cli, &argc, &argv, NULL, NULL, 1, 1, error))
    return FALSE;
  guint64 id = 0;
  if (!g_ascii_string_to_unsigned (argv[1], 10, 1, G_MAXINT64, &id, NULL))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("\"%s\" is not an outbox id"), argv[1]);
      return FALSE;
    }
  PorteroOutboxRow row = { 0 };
  g_autoptr (GError) local = NULL;
  if (!portero_store_outbox_get (cli->store, (gint64) id, &row, &local))
    {
      if (g_error_matches (local, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND))
        g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, _("no outbox mail %llu"), (unsigned long long) id);
      else
        g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  gboolean sendable = row.body != NULL && g_strcmp0 (row.status, "sent") != 0;
  g_autofree char *status = g_strdup (row.status);
  portero_outbox_row_clear (&row);
  if (!sendable)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("outbox mail %llu is %s: nothing to retry"),
                   (unsigned long long) id, _(status));
      return FALSE;
    }
  /* A failed mail gets one more try, whatever max-attempts says. */
  if (!portero_store_begin (cli->store, error)
      || !portero_store_outbox_update (cli->store, (gint64) id, "queued", NULL, 0, error)
      || !portero_store_commit (cli->store, error))
    return FALSE;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 v = (gint64) id;
  g_array_append_val (ids, v);
  return send_ids (cli, ids, error);
}

gboolean
portero_cmd_maintain (PorteroCli *cli, int argc, char **argv, GError **error)
{
  if (!portero_cli_parse (cli, &argc, &argv, NULL, NULL, 0, 0, error))
    return FALSE;
  /* Each step is its own short write: mail may arrive in between, and a
   * second run finds nothing left to do. */
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (!portero_store_outbox_due (cli->store, FALSE, ids, error) || !send_ids (cli, ids, error))
    return FALSE;
  int expired = 0;
  if (!portero_store_reset_tokens_expire (cli->store, &expired, error))
    return FALSE;
  printf (_("%d expired reset codes removed\n"), expired);
  gint64 sessions = 0, failures = 0;
  if (!portero_store_portal_expire (cli->store, PORTERO_PORTAL_SESSION_IDLE, PORTERO_PORTAL_SESSION_ABSOLUTE,
                                    &sessions, &failures, error))
    return FALSE;
  printf (_("%d expired portal sessions and %d old failed sign-ins removed\n"), (int) sessions, (int) failures);
  /* Articles edited since the last run are indexed again; a broken one is
   * reported (portero check names its line) and left out. */
  PorteroKbSyncStats kb;
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  if (!portero_kb_sync (cli->store, cli->config->kb, &kb, problems, error))
    return FALSE;
  for (guint i = 0; i < problems->len; i++)
    fprintf (stderr, "%s\n", (const char *) g_ptr_array_index (problems, i));
  if (kb.indexed > 0 || kb.removed > 0)
    printf (_("knowledge base: %u articles indexed, %u removed\n"), kb.indexed, kb.removed);
  if (!portero_store_maintain (cli->store, error))
    return FALSE;
  printf (_("database optimised and checkpointed\n"));
  return TRUE;
}
