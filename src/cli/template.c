/* template - portero template list | render */
#include "cli.h"
#include <inttypes.h>
#include "../address.h"
#include "../template.h"
#include <stdio.h>
#include <string.h>

/* For xgettext: the snippets' names, which people read in their language
 * (the catalogue holds the Spanish names templates may use). */
static const char *const snippet_words[] G_GNUC_UNUSED = {
  N_ ("Portal Address"), N_ ("Portal Username"), N_ ("Portal Password"), N_ ("Portal Password Link"),
  N_ ("Contact Name"), N_ ("Contact First Name"), N_ ("Customer Name"), N_ ("Ticket ID"), N_ ("Ticket Title"),
  N_ ("Ticket Status"), N_ ("Support Address"), N_ ("My Tickets"), N_ ("Company Tickets"), N_ ("Portal Name"),
  N_ ("Customer Word"), N_ ("Contact Word"),
};

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* One template file as a JSON object: what it is, what it uses, what is
 * wrong with it. */
static JsonNode *
describe (const char *dir, const char *file)
{
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (PorteroTemplate) t = portero_template_load (path, problems);
  /* Name and language from the file name when the file cannot be used. */
  g_autofree char *base = g_strndup (file, strlen (file) - strlen (".tmpl"));
  const char *dot = strrchr (base, '.');
  gboolean has_lang = dot != NULL && (strcmp (dot, ".es") == 0 || strcmp (dot, ".en") == 0);
  g_autofree char *name = has_lang ? g_strndup (base, dot - base) : g_strdup (base);

  g_autoptr (JsonBuilder) b = json_builder_new ();
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, t ? t->name : name);
  json_builder_set_member_name (b, "lang");
  if (has_lang)
    json_builder_add_string_value (b, dot + 1);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "file");
  json_builder_add_string_value (b, path);
  json_builder_set_member_name (b, "subject");
  if (t)
    json_builder_add_string_value (b, t->subject);
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "snippets");
  json_builder_begin_array (b);
  for (int s = 0; t && s < PORTERO_SNIPPET_COUNT; s++)
    if (portero_template_uses (t, s))
      json_builder_add_string_value (b, portero_snippet_name (s));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "credential");
  json_builder_add_boolean_value (b, t && (portero_template_uses (t, PORTERO_SNIPPET_PORTAL_PASSWORD)
                                           || portero_template_uses (t, PORTERO_SNIPPET_PORTAL_PASSWORD_LINK)));
  json_builder_set_member_name (b, "ok");
  json_builder_add_boolean_value (b, t != NULL);
  json_builder_set_member_name (b, "problems");
  json_builder_begin_array (b);
  for (guint i = 0; i < problems->len; i++)
    json_builder_add_string_value (b, g_ptr_array_index (problems, i));
  json_builder_end_array (b);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

gboolean
portero_cmd_template_list (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean json = FALSE;
  if (!portero_cli_parse (cli, &argc, &argv, NULL, &json, 0, 0, error))
    return FALSE;
  const char *dir = cli->config->templates;
  g_autoptr (GError) local = NULL;
  g_autoptr (GDir) d = g_dir_open (dir, 0, &local);
  if (d == NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG, _("templates folder: %s"), local->message);
      return FALSE;
    }
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  const char *n;
  while ((n = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (n, ".tmpl") && strlen (n) > strlen (".tmpl"))
      g_ptr_array_add (files, g_strdup (n));
  g_ptr_array_sort (files, compare_names);
  JsonArray *rows = json_array_new ();
  for (guint i = 0; i < files->len; i++)
    json_array_add_element (rows, describe (dir, g_ptr_array_index (files, i)));
  g_autoptr (JsonNode) node = json_node_init_array (json_node_alloc (), rows);
  json_array_unref (rows);
  if (json)
    {
      portero_print_json (node);
      return TRUE;
    }
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonObject *o = json_array_get_object_element (rows, i);
      JsonArray *names = json_object_get_array_member (o, "snippets");
      JsonArray *shown = json_array_new ();
      for (guint k = 0; k < json_array_get_length (names); k++)
        json_array_add_string_element (shown, _(json_array_get_string_element (names, k)));
      json_object_set_array_member (o, "snippets_text", shown);
    }
  const PorteroColumn columns[] = {
    { _("NAME"), "name" },
    { _("LANG"), "lang" },
    { _("SUBJECT"), "subject" },
    { _("SNIPPETS"), "snippets_text" },
    { NULL, NULL },
  };
  portero_print_table (rows, columns);
  for (guint i = 0; i < json_array_get_length (rows); i++)
    {
      JsonArray *problems = json_object_get_array_member (json_array_get_object_element (rows, i), "problems");
      for (guint k = 0; k < json_array_get_length (problems); k++)
        printf (_("problem: %s\n"), json_array_get_string_element (problems, k));
    }
  return TRUE;
}

/* The open tickets of CONTACT or CUSTOMER as the digest snippets show them. */
static char *
digest (PorteroCli *cli, const char *lang, gint64 contact, gint64 customer, GError **error)
{
  g_autoptr (GPtrArray) lines = g_ptr_array_new_with_free_func (g_free);
  if (!portero_store_open_tickets (cli->store, contact, customer, portero_template_status_word, lang, lines, error))
    return NULL;
  if (lines->len == 0)
    return g_strdup (portero_i18n_in (lang, N_("(no open tickets)")));
  g_ptr_array_add (lines, NULL);
  return g_strjoinv ("\n", (char **) lines->pdata);
}

gboolean
portero_cmd_template_render (PorteroCli *cli, int argc, char **argv, GError **error)
{
  g_autofree char *contact_arg = NULL, *ticket_arg = NULL;
  gboolean html = FALSE;
  GOptionEntry entries[] = {
    { "html", 0, 0, G_OPTION_ARG_NONE, &html, N_("Print the HTML part (NAME.html)"), NULL },
    { "contact", 0, 0, G_OPTION_ARG_STRING, &contact_arg, N_("Render for this contact (user)"), "EMAIL" },
    { "user", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &contact_arg, NULL, "EMAIL" },
    { "ticket", 0, 0, G_OPTION_ARG_STRING, &ticket_arg, N_("Render about this ticket"), "ID" },
    { NULL },
  };
  if (!portero_cli_parse (cli, &argc, &argv, entries, NULL, 1, 1, error))
    return FALSE;
  const PorteroConfig *config = cli->config;
  g_autoptr (PorteroTemplate) t = portero_cli_template_find (cli, argv[1], error);
  if (t == NULL)
    return FALSE;
  /* The preview speaks as the mail would: the template's language. */
  const char *lang = t->lang ? t->lang : config->language;
  if (html && t->html == NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, _("%s has no HTML version (%s.html beside it)"),
                   t->path, t->name);
      return FALSE;
    }

  PorteroContactInfo contact = { 0 };
  PorteroTicketInfo ticket = { 0 };
  gboolean ok = FALSE;
  g_autofree char *mine = NULL, *company = NULL, *ticket_no = NULL, *first = NULL, *subject = NULL, *body = NULL;
  if (ticket_arg != NULL)
    {
      guint64 v = 0;
      const char *digits = ticket_arg[0] == '#' ? ticket_arg + 1 : ticket_arg;
      if (!g_ascii_string_to_unsigned (digits, 10, 1, G_MAXINT64, &v, NULL))
        {
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("\"%s\" is not a ticket number"), ticket_arg);
          goto out;
        }
      if (!portero_store_ticket_info (cli->store, (gint64) v, &ticket, error))
        goto out;
      if (ticket.id == 0)
        {
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, _("no ticket %" PRId64), (gint64) v);
          goto out;
        }
    }
  gint64 contact_id = ticket.contact_id;
  if (contact_arg != NULL)
    {
      g_autofree char *address = portero_address_normalise (contact_arg);
      if (address == NULL)
        {
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("\"%s\" is not a mail address"), contact_arg);
          goto out;
        }
      if (!portero_store_contact_by_address (cli->store, address, &contact_id, error))
        goto out;
      if (contact_id == 0)
        {
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, _("no %s with the address %s"),
                       portero_cli_word (cli, "contact"), address);
          goto out;
        }
    }
  if (contact_id != 0 && !portero_store_contact_info (cli->store, contact_id, &contact, error))
    goto out;

  /* The values a mail would get, except that credentials are placeholders
   * and nothing is issued, and what is unknown here shows its name. */
  const char *values[PORTERO_SNIPPET_COUNT] = { 0 };
  values[PORTERO_SNIPPET_PORTAL_ADDRESS] = config->portal_address;
  portero_template_mode_values (t, config->language, config->mode == PORTERO_MODE_IT, values);
  values[PORTERO_SNIPPET_PORTAL_PASSWORD] = portero_i18n_in (lang, N_("(new password)"));
  values[PORTERO_SNIPPET_PORTAL_PASSWORD_LINK] = portero_i18n_in (lang, N_("(one-time link)"));
  values[PORTERO_SNIPPET_SUPPORT_ADDRESS] = config->support_addresses[0];
  if (contact.id != 0)
    {
      const char *at = strchr (contact.email, '@');
      first = contact.name && *contact.name ? g_strndup (contact.name, strcspn (contact.name, " "))
                                            : g_strndup (contact.email, at ? (gsize) (at - contact.email) : strlen (contact.email));
      values[PORTERO_SNIPPET_PORTAL_USERNAME] = contact.email;
      values[PORTERO_SNIPPET_CONTACT_NAME] = contact.name && *contact.name ? contact.name : first;
      values[PORTERO_SNIPPET_CONTACT_FIRST_NAME] = first;
      values[PORTERO_SNIPPET_CUSTOMER_NAME] = contact.customer;
      if (portero_template_uses (t, PORTERO_SNIPPET_MY_TICKETS)
          && (mine = digest (cli, lang, contact.id, 0, error)) == NULL)
        goto out;
      if (portero_template_uses (t, PORTERO_SNIPPET_COMPANY_TICKETS))
        {
          if (contact.main && !contact.default_customer)
            company = digest (cli, lang, 0, contact.customer_id, error);
          else
            company = g_strdup (portero_i18n_in (lang, config->mode == PORTERO_MODE_IT
                                                         ? N_("The list of the site's tickets is restricted to main users.")
                                                         : N_("The list of the company's tickets is restricted to main contacts.")));
          if (company == NULL)
            goto out;
        }
      values[PORTERO_SNIPPET_MY_TICKETS] = mine;
      values[PORTERO_SNIPPET_COMPANY_TICKETS] = company;
    }
  if (ticket.id != 0)
    {
      ticket_no = g_strdup_printf ("%" G_GINT64_FORMAT, ticket.id);
      values[PORTERO_SNIPPET_TICKET_ID] = ticket_no;
      values[PORTERO_SNIPPET_TICKET_TITLE] = ticket.title;
      values[PORTERO_SNIPPET_TICKET_STATUS] = portero_template_status_word (ticket.status, lang);
      if (values[PORTERO_SNIPPET_CUSTOMER_NAME] == NULL)
        values[PORTERO_SNIPPET_CUSTOMER_NAME] = ticket.customer;
    }
  char *placeholders[PORTERO_SNIPPET_COUNT] = { 0 };
  for (int s = 0; s < PORTERO_SNIPPET_COUNT; s++)
    if (values[s] == NULL)
      values[s] = placeholders[s] = g_strdup_printf ("(%s)", portero_i18n_in (lang, portero_snippet_name (s)));
  subject = portero_template_expand (t->subject, values, TRUE);
  if (ticket.id != 0)
    {
      /* As sent: mail about a ticket carries its tag. */
      g_autofree char *tag = g_strdup_printf ("[#%" G_GINT64_FORMAT "]", ticket.id);
      if (strstr (subject, tag) == NULL)
        {
          char *tagged = g_strconcat (subject, " ", tag, NULL);
          g_free (subject);
          subject = tagged;
        }
    }
  body = html ? portero_template_expand_html (t->html, values, NULL) : portero_template_expand (t->body, values, FALSE);
  for (int s = 0; s < PORTERO_SNIPPET_COUNT; s++)
    g_free (placeholders[s]);
  if (html)
    {
      /* The HTML alone, as the mail's second part holds it: for a browser. */
      fputs (body, stdout);
      ok = TRUE;
      goto out;
    }
  printf (_("Template: %s\n"), t->path);
  if (contact.id != 0)
    printf (_("To: %s\n"), contact.email);
  printf (_("Subject: %s\n\n"), subject);
  portero_print_text (body);
  ok = TRUE;
out:
  portero_contact_info_clear (&contact);
  portero_ticket_info_clear (&ticket);
  return ok;
}
