/* cli - what every `portero` command shares */
#include "cli.h"
#include "../log.h"
#include "../outbox.h"
#include "../template.h"
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The positional part of a table's usage string: the words and bracketed
 * groups that name no option ("NAME [--json]" -> "NAME"). */
static char *
positional_args (const char *args)
{
  g_autoptr (GString) out = g_string_new (NULL);
  const char *p = args ? args : "";
  while (*p != '\0')
    {
      if (*p == ' ')
        {
          p++;
          continue;
        }
      const char *start = p;
      int depth = 0;
      do
        {
          if (*p == '[' || *p == '(')
            depth++;
          else if (*p == ']' || *p == ')')
            depth--;
          p++;
        }
      while (*p != '\0' && (depth > 0 || *p != ' '));
      g_autofree char *group = g_strndup (start, p - start);
      if (strstr (group, "--") == NULL)
        g_string_append_printf (out, "%s%s", out->len ? " " : "", group);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

gboolean
portero_cli_parse (PorteroCli *cli, int *argc, char ***argv, const GOptionEntry *entries, gboolean *json,
                   int min_args, int max_args, GError **error)
{
  /* "Usage: portero customer add [OPTION...] NAME": the program name is the
   * whole phrase (set by main), the parameters are the positional ones. */
  g_autofree char *param = positional_args (cli->args);
  g_autoptr (GOptionContext) ctx = g_option_context_new (param);
  g_option_context_set_help_enabled (ctx, TRUE);
  /* The entries' descriptions (N_() in each command) in the user's language. */
  g_option_context_set_translation_domain (ctx, GETTEXT_PACKAGE);
  if (cli->summary != NULL)
    g_option_context_set_summary (ctx, _(cli->summary));
  if (entries != NULL)
    g_option_context_add_main_entries (ctx, entries, NULL);
  if (json != NULL)
    {
      GOptionEntry json_entry[] = {
        { "json", 0, 0, G_OPTION_ARG_NONE, json, N_("Print JSON for scripts"), NULL },
        { NULL },
      };
      g_option_context_add_main_entries (ctx, json_entry, NULL);
    }
  g_autoptr (GError) local = NULL;
  if (!g_option_context_parse (ctx, argc, argv, &local))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "%s: %s", cli->phrase, local->message);
      return FALSE;
    }
  int n = *argc - 1;
  if (n < min_args || (max_args >= 0 && n > max_args))
    {
      if (n < min_args)
        g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("%s: missing arguments (see portero %s --help)"),
                     cli->phrase, cli->phrase);
      else
        g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("%s: too many arguments (see portero %s --help)"),
                     cli->phrase, cli->phrase);
      return FALSE;
    }
  return TRUE;
}

gboolean
portero_cli_parse_list (PorteroCli *cli, int *argc, char ***argv, const GOptionEntry *entries, gboolean *json,
                        PorteroCliPage *page, const char *const *orders, GError **error)
{
  memset (page, 0, sizeof *page);
  page->limit = G_MININT64;
  g_autofree char *order_names = g_strjoinv ("|", (char **) orders);
  const GOptionEntry paging[] = {
    { "sort", 0, 0, G_OPTION_ARG_STRING, &page->sort, N_("The order (the first is the default)"), order_names },
    { "limit", 0, 0, G_OPTION_ARG_INT64, &page->limit, N_("At most N rows (0: all; on a terminal 50 by default)"),
      "N" },
    { "page", 0, 0, G_OPTION_ARG_INT64, &page->page, N_("The Nth page of --limit rows"), "N" },
    { "after", 0, 0, G_OPTION_ARG_INT64, &page->after, N_("Only rows after the one numbered ID, in the order"),
      "ID" },
    { "before", 0, 0, G_OPTION_ARG_INT64, &page->before,
      N_("Only the rows just before the one numbered ID, in the order"), "ID" },
  };
  g_autoptr (GArray) all = g_array_new (TRUE, TRUE, sizeof (GOptionEntry));
  for (const GOptionEntry *e = entries; e != NULL && e->long_name != NULL; e++)
    g_array_append_val (all, *e);
  g_array_append_vals (all, paging, G_N_ELEMENTS (paging));
  if (!portero_cli_parse (cli, argc, argv, (GOptionEntry *) (void *) all->data, json, 0, 0, error))
    return FALSE;
  if (page->sort != NULL && !g_strv_contains (orders, page->sort))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("%s: unknown order \"%s\" (%s)"), cli->phrase,
                   page->sort, order_names);
      return FALSE;
    }
  if (page->limit < 0 && page->limit != G_MININT64)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("--limit must not be negative"));
      return FALSE;
    }
  if (page->page < 0 || page->after < 0 || page->before < 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("%s: --page, --after and --before take a positive number"),
                   cli->phrase);
      return FALSE;
    }
  if ((page->after != 0) + (page->before != 0) + (page->page != 0) > 1)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("%s: --page, --after and --before exclude each other"),
                   cli->phrase);
      return FALSE;
    }
  /* People at a terminal get one screen and are told what is left;
   * scripts (a pipe, --json) get what they asked for, all by default. */
  gboolean people = !*json && isatty (STDOUT_FILENO);
  gint64 limit = page->limit;
  if (limit == G_MININT64)
    limit = people || page->page > 0 ? PORTERO_CLI_SCREEN : 0;
  if (page->page > 1 && limit == 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("%s: --page needs a --limit other than 0"),
                   cli->phrase);
      return FALSE;
    }
  page->screen = people && limit > 0;
  page->store.sort = page->sort;
  page->store.limit = limit;
  page->store.offset = page->page > 1 ? (page->page - 1) * limit : 0;
  page->store.after = page->after;
  page->store.before = page->before;
  page->store.count = page->screen && page->after == 0 && page->before == 0;
  return TRUE;
}

void
portero_cli_page_clear (PorteroCliPage *page)
{
  g_clear_pointer (&page->sort, g_free);
}

JsonNode *
portero_cli_page_json (const PorteroCliPage *page, const char *word, char *text, GError **error)
{
  /* The store's "no ticket 12" names its table in English. */
  if (text == NULL && error != NULL && g_error_matches (*error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND)
      && (page->after != 0 || page->before != 0))
    {
      g_clear_error (error);
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, _("no %s %" PRId64), word,
                   page->after ? page->after : page->before);
    }
  return portero_cli_json (text, error);
}

void
portero_cli_page_hint (const PorteroCliPage *page, guint rows)
{
  if (!page->screen)
    return;
  gint64 first = page->store.offset + 1, last = page->store.offset + rows, total = page->store.total;
  /* A cursor's page is where a script is; nothing was counted. */
  if (!page->store.count)
    return;
  if (last >= total && first == 1)
    return;
  /* The next page as typed: the same size when it was not the default. */
  g_autofree char *next = page->limit != G_MININT64
    ? g_strdup_printf ("--limit %" PRId64 " --page %" PRId64, page->store.limit, MAX (page->page, 1) + 1)
    : g_strdup_printf ("--page %" PRId64, MAX (page->page, 1) + 1);
  if (rows == 0)
    printf (_("no rows on page %" PRId64 " of %" PRId64 " rows\n"), page->page, total);
  else if (last < total && first == 1)
    /* TRANSLATORS: "50 of 100000; --limit 0 for all, --page 2 for more" */
    printf (_("%" PRId64 " of %" PRId64 "; --limit 0 for all, %s for more\n"), last, total, next);
  else if (last < total)
    printf (_("%" PRId64 "-%" PRId64 " of %" PRId64 "; --limit 0 for all, %s for more\n"), first, last, total, next);
  else
    printf (_("%" PRId64 "-%" PRId64 " of %" PRId64 "\n"), first, last, total);
}

gboolean
portero_cli_check_customer (PorteroCli *cli, const char *name, GError **error)
{
  gint64 id = 0;
  if (name == NULL)
    return TRUE;
  if (!portero_store_customer_find (cli->store, name, &id, error))
    return FALSE;
  if (id == 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, _("no %s named \"%s\""),
                   portero_cli_word (cli, "customer"), name);
      return FALSE;
    }
  return TRUE;
}

/* The words of both modes, for xgettext: portero_cli_word translates them. */
static const char *const mode_words[] G_GNUC_UNUSED = {
  N_ ("customer"), N_ ("customers"), N_ ("contact"), N_ ("contacts"),
  N_ ("Customer"), N_ ("Customers"), N_ ("Contact"), N_ ("Contacts"),
  N_ ("CUSTOMER"), N_ ("CONTACT"), N_ ("CONTACTS"),
  N_ ("site"), N_ ("sites"), N_ ("user"), N_ ("users"),
  N_ ("Site"), N_ ("Sites"), N_ ("User"), N_ ("Users"),
  N_ ("SITE"), N_ ("USER"), N_ ("USERS"),
  N_ ("Main contact"), N_ ("Main contacts"), N_ ("Main user"), N_ ("Main users"),
};

const char *
portero_cli_word (PorteroCli *cli, const char *msp_word)
{
  return _(portero_config_word (cli->config, msp_word));
}

void
portero_cli_send_queued (PorteroCli *cli, const PorteroKeys *keys, GArray *queued, gboolean loud)
{
  if (queued->len == 0)
    return;
  if (cli->config->smtp_send_budget <= 0)
    {
      if (loud)
        printf (_("%u mail(s) queued for portero maintain\n"), queued->len);
      return;
    }
  gint64 deadline = g_get_monotonic_time () + (gint64) cli->config->smtp_send_budget * G_USEC_PER_SEC;
  PorteroOutboxTally tally = { 0 };
  g_autoptr (GError) local = NULL;
  if (!portero_outbox_send (cli->store, cli->config, keys, queued, deadline, &tally, &local))
    {
      portero_log_warn ("outbox: %s; the mail stays queued", local->message);
      return;
    }
  if (!loud)
    return;
  if (tally.sent > 0)
    printf (_("%d mail(s) sent\n"), tally.sent);
  if (tally.deferred > 0)
    printf (_("%d mail(s) not sent yet: queued for portero maintain (see portero outbox list)\n"), tally.deferred);
  if (tally.failed > 0)
    printf (_("%d mail(s) failed (see portero outbox list)\n"), tally.failed);
}

/* For xgettext: the values that listings show in the user's language. */
static const char *const value_words[] G_GNUC_UNUSED = {
  /* contact sources */
  N_ ("email"), N_ ("manual"), N_ ("csv"), N_ ("azure-ad"),
  /* outbox statuses and mail kinds */
  N_ ("queued"), N_ ("sent"), N_ ("failed"), N_ ("bounced"), N_ ("held"),
  N_ ("welcome"), N_ ("rule"), N_ ("reply"), N_ ("reset"),
  /* message kinds */
  N_ ("mail"), N_ ("note"), N_ ("auto"),
};

static void
add_words (JsonObject *o, const char *const *fields)
{
  for (const char *const *f = fields; *f; f++)
    if (json_object_has_member (o, *f) && JSON_NODE_HOLDS_VALUE (json_object_get_member (o, *f))
        && json_object_get_string_member (o, *f) != NULL)
      {
        g_autofree char *key = g_strconcat (*f, "_text", NULL);
        json_object_set_string_member (o, key, _(json_object_get_string_member (o, *f)));
      }
}

void
portero_cli_add_words (JsonNode *node, const char *const *fields)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    add_words (json_node_get_object (node), fields);
  else if (JSON_NODE_HOLDS_ARRAY (node))
    for (guint i = 0; i < json_array_get_length (json_node_get_array (node)); i++)
      {
        JsonNode *e = json_array_get_element (json_node_get_array (node), i);
        if (JSON_NODE_HOLDS_OBJECT (e))
          add_words (json_node_get_object (e), fields);
      }
}

JsonNode *
portero_cli_json (char *text, GError **error)
{
  g_autofree char *owned = text;
  return owned ? json_from_string (owned, error) : NULL;
}

void
portero_cli_print (JsonNode *node, gboolean json, const PorteroColumn *columns)
{
  if (json)
    portero_print_json (node);
  else if (JSON_NODE_HOLDS_ARRAY (node))
    portero_print_table (json_node_get_array (node), columns);
  else
    portero_print_fields (json_node_get_object (node), columns);
}

JsonNode *
portero_cli_message_json (PorteroCli *cli, gint64 id, GError **error)
{
  g_autoptr (GError) local = NULL;
  JsonNode *node = portero_cli_json (portero_store_message_json (cli->store, id, &local), &local);
  if (node == NULL && g_error_matches (local, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND))
    g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, _("no message %" PRId64), id);
  else if (node == NULL)
    g_propagate_error (error, g_steal_pointer (&local));
  return node;
}

PorteroTemplate *
portero_cli_template_find (PorteroCli *cli, const char *name, GError **error)
{
  g_autoptr (GError) local = NULL;
  PorteroTemplate *t = portero_template_find (cli->config->templates, name, cli->config->language, &local);
  if (t == NULL && g_error_matches (local, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND))
    g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, _("no template \"%s\" in %s"), name,
                 cli->config->templates);
  else if (t == NULL)
    g_propagate_error (error, g_steal_pointer (&local));
  return t;
}
