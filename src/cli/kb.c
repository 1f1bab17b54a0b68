/* kb - portero kb list | show NAME | search QUERY | sync: the knowledge base */
#include "cli.h"
#include "../kb.h"
#include <stdio.h>
#include <string.h>

/* What --customer C's contacts may read (the default customer's contacts,
 * anyone who ever mailed, only public articles); without it, everything. */
static gboolean
audience_for (PorteroCli *cli, const char *customer, PorteroKbAudience *out, GError **error)
{
  *out = (PorteroKbAudience) { TRUE, FALSE, NULL };
  if (customer == NULL)
    return TRUE;
  gint64 id = 0, fallback = 0;
  if (!portero_cli_check_customer (cli, customer, error) || !portero_store_customer_find (cli->store, customer, &id, error)
      || !portero_store_customer_default (cli->store, &fallback, error))
    return FALSE;
  *out = (PorteroKbAudience) { FALSE, id != fallback, id != fallback ? customer : NULL };
  return TRUE;
}

static const char *customer_arg_doc = N_("Only what this customer's contacts may read");

gboolean
portero_cmd_kb_list (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean json = FALSE;
  g_autofree char *customer = NULL;
  GOptionEntry entries[] = {
    { "customer", 0, 0, G_OPTION_ARG_STRING, &customer, customer_arg_doc, "NAME" },
    { "site", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &customer, NULL, "NAME" },
    { NULL },
  };
  if (!portero_cli_parse (cli, &argc, &argv, entries, &json, 0, 0, error))
    return FALSE;
  PorteroKbAudience audience;
  if (!audience_for (cli, customer, &audience, error))
    return FALSE;
  g_autoptr (JsonNode) node = portero_cli_json (portero_store_kb_json (cli->store, &audience, NULL, error), error);
  if (node == NULL)
    return FALSE;
  /* The renderings belong to show. */
  JsonArray *rows = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *o = json_array_get_object_element (rows, i);
      json_object_remove_member (o, "text");
      json_object_remove_member (o, "html");
    }
  const PorteroColumn columns[] = {
    { _("NAME"), "name" },
    { _("LANG"), "lang" },
    { _("VISIBILITY"), "visibility" },
    { _("TITLE"), "title" },
    { NULL, NULL },
  };
  portero_cli_print (node, json, columns);
  return TRUE;
}

gboolean
portero_cmd_kb_show (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean json = FALSE;
  g_autofree char *customer = NULL, *lang = NULL;
  GOptionEntry entries[] = {
    { "customer", 0, 0, G_OPTION_ARG_STRING, &customer, customer_arg_doc, "NAME" },
    { "site", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &customer, NULL, "NAME" },
    { "lang", 0, 0, G_OPTION_ARG_STRING, &lang, N_("The version in this language (es, en)"), "LANG" },
    { NULL },
  };
  if (!portero_cli_parse (cli, &argc, &argv, entries, &json, 1, 1, error))
    return FALSE;
  PorteroKbAudience audience;
  if (!audience_for (cli, customer, &audience, error))
    return FALSE;
  g_autoptr (JsonNode) node = portero_cli_json (portero_store_kb_json (cli->store, &audience, argv[1], error), error);
  if (node == NULL)
    return FALSE;
  /* The version in the language asked for, else the configured one, else any. */
  JsonArray *versions = json_node_get_array (node);
  const char *want = lang ? lang : cli->config->language;
  JsonObject *pick = NULL;
  for (guint i = 0; i < json_array_get_length (versions); i++)
    {
      JsonObject *o = json_array_get_object_element (versions, i);
      const char *l = json_object_get_null_member (o, "lang") ? NULL : json_object_get_string_member (o, "lang");
      if (pick == NULL || g_strcmp0 (l, want) == 0)
        pick = o;
    }
  if (pick == NULL || (lang != NULL && json_object_get_null_member (pick, "lang") == FALSE
                       && g_strcmp0 (json_object_get_string_member (pick, "lang"), lang) != 0))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, _("no article named \"%s\""), argv[1]);
      return FALSE;
    }
  g_autoptr (JsonNode) one = json_node_init_object (json_node_alloc (), pick);
  if (json)
    {
      portero_print_json (one);
      return TRUE;
    }
  const PorteroColumn fields[] = {
    { _("Name"), "name" },
    { _("Language"), "lang" },
    { _("Title"), "title" },
    { _("Keywords"), "keywords" },
    { _("Visibility"), "visibility" },
    { _("Customer"), "customer" },
    { _("File"), "file" },
    { NULL, NULL },
  };
  portero_print_fields (pick, fields);
  printf ("\n");
  portero_print_text (json_object_get_string_member (pick, "text"));
  printf ("\n");
  return TRUE;
}

gboolean
portero_cmd_kb_search (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean json = FALSE;
  g_autofree char *customer = NULL;
  int limit = 10;
  GOptionEntry entries[] = {
    { "customer", 0, 0, G_OPTION_ARG_STRING, &customer, customer_arg_doc, "NAME" },
    { "site", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &customer, NULL, "NAME" },
    { "limit", 0, 0, G_OPTION_ARG_INT, &limit, N_("At most this many articles (10)"), "N" },
    { NULL },
  };
  if (!portero_cli_parse (cli, &argc, &argv, entries, &json, 1, -1, error))
    return FALSE;
  if (limit < 1)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("%s: --limit must be at least 1"), cli->phrase);
      return FALSE;
    }
  PorteroKbAudience audience;
  if (!audience_for (cli, customer, &audience, error))
    return FALSE;
  /* The words as a mail's subject: what a suggestion would search for. */
  g_autofree char *query = g_strjoinv (" ", argv + 1);
  g_autoptr (GPtrArray) hits = g_ptr_array_new_with_free_func ((GDestroyNotify) portero_kb_hit_free);
  g_autoptr (GPtrArray) relevant = g_ptr_array_new_with_free_func ((GDestroyNotify) portero_kb_hit_free);
  if (!portero_kb_search (cli->store, query, NULL, &audience, limit, PORTERO_KB_ANY, hits, error)
      || !portero_kb_search (cli->store, query, NULL, &audience, limit, PORTERO_KB_SUGGESTED, relevant, error))
    return FALSE;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_array (b);
  for (guint i = 0; i < hits->len; i++)
    {
      PorteroKbHit *h = g_ptr_array_index (hits, i);
      gboolean suggested = FALSE;
      for (guint k = 0; k < relevant->len && !suggested; k++)
        suggested = strcmp (((PorteroKbHit *) g_ptr_array_index (relevant, k))->name, h->name) == 0;
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, h->name);
      json_builder_set_member_name (b, "lang");
      if (h->lang)
        json_builder_add_string_value (b, h->lang);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "title");
      json_builder_add_string_value (b, h->title);
      json_builder_set_member_name (b, "visibility");
      json_builder_add_string_value (b, h->visibility);
      json_builder_set_member_name (b, "score");
      json_builder_add_double_value (b, ((int) (h->score * 100 + 0.5)) / 100.0);
      /* Whether a mail's {[Suggested Articles]} would show it. */
      json_builder_set_member_name (b, "suggested");
      json_builder_add_boolean_value (b, suggested);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  g_autoptr (JsonNode) node = json_builder_get_root (b);
  const PorteroColumn columns[] = {
    { _("NAME"), "name" },
    { _("LANG"), "lang" },
    { _("SCORE"), "score" },
    { _("SUGGESTED"), "suggested" },
    { _("TITLE"), "title" },
    { NULL, NULL },
  };
  portero_cli_print (node, json, columns);
  return TRUE;
}

gboolean
portero_cmd_kb_sync (PorteroCli *cli, int argc, char **argv, GError **error)
{
  if (!portero_cli_parse (cli, &argc, &argv, NULL, NULL, 0, 0, error))
    return FALSE;
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  PorteroKbSyncStats stats;
  if (!portero_kb_sync (cli->store, cli->config->kb, &stats, problems, error))
    return FALSE;
  printf (_("%s: %u indexed, %u removed, %u unchanged\n"), cli->config->kb, stats.indexed, stats.removed,
          stats.unchanged);
  for (guint i = 0; i < problems->len; i++)
    fprintf (stderr, "%s\n", (const char *) g_ptr_array_index (problems, i));
  if (problems->len > 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG,
                   ngettext ("%u problem in articles (those are left out)",
                             "%u problems in articles (those are left out)", problems->len), problems->len);
      return FALSE;
    }
  return TRUE;
}
