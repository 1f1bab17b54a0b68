/* contact - portero contact add | list | show | email add | email remove |
 * set | merge | delete (portero user ... in IT mode) */
#include "cli.h"
#include <inttypes.h>
#include "../address.h"
#include "../automation.h"
#include "../credentials.h"
#include "../keys.h"
#include "../outbox.h"
#include "../rules.h"
#include "../template.h"
#include <stdio.h>
#include <string.h>

gboolean
portero_cmd_contact_list (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean json = FALSE;
  g_autofree char *customer = NULL, *search = NULL;
  GOptionEntry entries[] = {
    { "customer", 0, 0, G_OPTION_ARG_STRING, &customer, N_("Only this customer's (site's) contacts"), "NAME" },
    { "site", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &customer, NULL, "NAME" },
    { "search", 0, 0, G_OPTION_ARG_STRING, &search, N_("Only contacts whose name or an address contains TEXT"),
      "TEXT" },
    { NULL },
  };
  g_auto (PorteroCliPage) page;
  if (!portero_cli_parse_list (cli, &argc, &argv, entries, &json, &page, portero_store_contact_orders, error))
    return FALSE;
  if (!portero_cli_check_customer (cli, customer, error))
    return FALSE;
  g_autoptr (JsonNode) node = portero_cli_page_json (&page, portero_cli_word (cli, "contact"),
    portero_store_contacts_page_json (cli->store, customer, search, &page.store, error), error);
  if (node == NULL)
    return FALSE;
  const PorteroColumn columns[] = {
    { "EMAIL", "email" },
    { _("NAME"), "name" },
    { portero_cli_word (cli, "CUSTOMER"), "customer" },
    { _("MAIN"), "main" },
    { _("SOURCE"), "source_text" },
    { _("AUTO-TICKETS"), "auto_tickets" },
    { NULL, NULL },
  };
  static const char *const words[] = { "source", NULL };
  if (!json)
    portero_cli_add_words (node, words);
  portero_cli_print (node, json, columns);
  portero_cli_page_hint (&page, json_array_get_length (json_node_get_array (node)));
  return TRUE;
}


/* ARG as a normalised address, or NULL with PORTERO_ERROR_INVALID. */
static char *
parse_address (const char *arg, GError **error)
{
  char *address = portero_address_normalise (arg);
  if (address == NULL)
    g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("\"%s\" is not a mail address"), arg);
  return address;
}

/* The contact with address ARG (any of theirs): its id, and the address as
 * normalised when ADDRESS is not NULL. PORTERO_ERROR_NOT_FOUND when none. */
static gboolean
find_contact (PorteroCli *cli, const char *arg, gint64 *id, char **address, GError **error)
{
  g_autofree char *normal = parse_address (arg, error);
  if (normal == NULL || !portero_store_contact_by_address (cli->store, normal, id, error))
    return FALSE;
  if (*id == 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, _("no %s with the address %s"),
                   portero_cli_word (cli, "contact"), normal);
      return FALSE;
    }
  if (address != NULL)
    *address = g_steal_pointer (&normal);
  return TRUE;
}

/* The id of customer NAME, or PORTERO_ERROR_NOT_FOUND naming it. */
static gboolean
find_customer (PorteroCli *cli, const char *name, gint64 *id, GError **error)
{
  if (!portero_store_customer_find (cli->store, name, id, error))
    return FALSE;
  if (*id == 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, _("no %s named \"%s\""),
                   portero_cli_word (cli, "customer"), name);
      return FALSE;
    }
  return TRUE;
}

/* Contact ID as the listing shows it (one object). */
static JsonNode *
contact_json (PorteroCli *cli, gint64 id, GError **error)
{
  g_autoptr (JsonNode) list = portero_cli_json (portero_store_contacts_search_json (cli->store, NULL, NULL, id, error),
                                                error);
  if (list == NULL)
    return NULL;
  JsonArray *a = json_node_get_array (list);
  if (json_array_get_length (a) == 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, _("no %s %" PRId64),
                   portero_cli_word (cli, "contact"), id);
      return NULL;
    }
  return json_node_copy (json_array_get_element (a, 0));
}

/* A name given on the command line: trimmed; NULL stays NULL. */
static gboolean
clean_name (const char *arg, char **name, GError **error)
{
  *name = NULL;
  if (arg == NULL)
    return TRUE;
  if (!g_utf8_validate (arg, -1, NULL))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("--name is not valid UTF-8"));
      return FALSE;
    }
  for (const char *p = arg; *p; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      {
        g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("--name must be one line of text"));
        return FALSE;
      }
  *name = g_strstrip (g_strdup (arg));
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

/* After commit: send QUEUED within the send budget; what is left stays
 * queued for portero maintain. The command's work is done either way. */

gboolean
portero_cmd_contact_add (PorteroCli *cli, int argc, char **argv, GError **error)
{
  g_autofree char *name_arg = NULL, *customer = NULL;
  gboolean main_contact = FALSE, no_welcome = FALSE;
  GOptionEntry entries[] = {
    { "name", 0, 0, G_OPTION_ARG_STRING, &name_arg, N_("The contact's (user's) name"), "N" },
    { "customer", 0, 0, G_OPTION_ARG_STRING, &customer,
      N_("File the contact under this customer (site); default: the one owning the domain, else the default one"),
      "C" },
    { "site", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &customer, NULL, "C" },
    { "main", 0, 0, G_OPTION_ARG_NONE, &main_contact, N_("A main contact (user): sees the company's tickets"), NULL },
    { "no-welcome", 0, 0, G_OPTION_ARG_NONE, &no_welcome, N_("Send no welcome mail"), NULL },
    { NULL },
  };
  if (!portero_cli_parse (cli, &argc, &argv, entries, NULL, 1, 1, error))
    return FALSE;
  g_autofree char *address = parse_address (argv[1], error);
  g_autofree char *name = NULL;
  if (address == NULL || !clean_name (name_arg, &name, error))
    return FALSE;

  /* The welcome mail as the setting and the flag say; the rules for a new
   * contact run either way, as they do for one that mail creates. */
  PorteroConfig config = *cli->config;
  config.welcome_email = cli->config->welcome_email && !no_welcome;
  g_autoptr (PorteroKeys) keys = portero_keys_load (config.key_file, error);
  if (keys == NULL)
    return FALSE;
  g_autoptr (PorteroRuleSet) rules = load_rules (cli);
  /* argon2id is slow: the welcome mail's password is made before the lock. */
  PorteroPreparedPassword password = { 0 };
  if (config.welcome_email)
    {
      g_autoptr (PorteroTemplate) t = portero_template_find (config.templates, config.welcome_template,
                                                             config.language, NULL);
      if (t != NULL && portero_template_uses (t, PORTERO_SNIPPET_PORTAL_PASSWORD))
        {
          password.password = portero_password_new (config.password_length);
          password.hash = portero_password_hash (password.password, config.argon2_opslimit, config.argon2_memlimit,
                                                 error);
          if (password.hash == NULL)
            {
              portero_prepared_password_clear (&password);
              return FALSE;
            }
        }
    }

  gboolean ok = FALSE;
  gint64 id = 0, customer_id = 0;
  PorteroContactInfo info = { 0 };
  g_autoptr (GArray) queued = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GPtrArray) report = g_ptr_array_new_with_free_func (g_free);
  if (!portero_store_begin (cli->store, error))
    goto out;
  if (!portero_store_contact_by_address (cli->store, address, &id, error))
    goto rollback;
  if (id != 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("%s %s exists already"),
                   portero_cli_word (cli, "contact"), address);
      goto rollback;
    }
  if (customer != NULL)
    {
      if (!find_customer (cli, customer, &customer_id, error))
        goto rollback;
    }
  else if (!portero_store_customer_for_domain (cli->store, portero_address_domain (address), &customer_id, error)
           || (customer_id == 0 && !portero_store_customer_default (cli->store, &customer_id, error)))
    goto rollback;
  if (!portero_store_contact_add (cli->store, address, name, customer_id, "manual", &id, error)
      || (main_contact && !portero_store_contact_update (cli->store, id, 1, -1, NULL, 0, error)))
    goto rollback;
  PorteroEvent event = {
    .trigger = PORTERO_TRIGGER_CONTACT_CREATED,
    .contact = id,
    .mail = NULL,
    .may_mail = TRUE,
    .authenticated = TRUE,
  };
  if (!portero_automation_run (cli->store, &config, keys, rules, &event, 1, &password, FALSE, queued, report, error)
      || !portero_store_contact_info (cli->store, id, &info, error))
    goto rollback;
  if (!portero_store_commit (cli->store, error))
    goto out;
  printf (_("%s %s added to %s \"%s\"%s\n"), portero_cli_word (cli, "Contact"), address,
          portero_cli_word (cli, "customer"), info.customer,
          main_contact ? (cli->config->mode == PORTERO_MODE_IT ? _(" as a main user") : _(" as a main contact")) : "");
  for (guint i = 0; i < report->len; i++)
    printf ("%s\n", (const char *) g_ptr_array_index (report, i));
  if (no_welcome)
    printf (_("No welcome mail (--no-welcome)\n"));
  else if (!cli->config->welcome_email)
    printf (_("No welcome mail ([mail] welcome-email is off)\n"));
  portero_cli_send_queued (cli, keys, queued, TRUE);
  ok = TRUE;
  goto out;
rollback:
  portero_store_rollback (cli->store);
out:
  portero_prepared_password_clear (&password);
  portero_contact_info_clear (&info);
  return ok;
}

/* contact show lists at most this many held mails. */
#define HELD_SHOWN 10

gboolean
portero_cmd_contact_show (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean json = FALSE;
  if (!portero_cli_parse (cli, &argc, &argv, NULL, &json, 1, 1, error))
    return FALSE;
  gint64 id = 0;
  if (!find_contact (cli, argv[1], &id, NULL, error))
    return FALSE;
  g_autoptr (JsonNode) node = contact_json (cli, id, error);
  if (node == NULL)
    return FALSE;
  const PorteroColumn fields[] = {
    { portero_cli_word (cli, "Contact"), "email" },
    { _("Addresses"), "emails" },
    { _("Name"), "name" },
    { portero_cli_word (cli, "Customer"), "customer" },
    { portero_cli_word (cli, "Main contact"), "main" },
    { _("Source"), "source_text" },
    { _("Auto tickets"), "auto_tickets" },
    { _("Tickets"), "tickets" },
    { _("Password"), "password" },
    { _("Pending password"), "pending_password" },
    { _("Created"), "created" },
    { NULL, NULL },
  };
  static const char *const words[] = { "source", NULL };
  if (!json)
    portero_cli_add_words (node, words);
  /* Mail a limit held back has no ticket to carry a note (a request-reset):
   * the contact is where a technician looks for it. */
  g_autoptr (GPtrArray) held = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  if (!portero_store_contact_held_mail (cli->store, id, HELD_SHOWN, held, error))
    return FALSE;
  JsonArray *rows = json_array_new ();
  for (guint i = 0; i < held->len; i++)
    {
      char **h = g_ptr_array_index (held, i);
      JsonObject *o = json_object_new ();
      json_object_set_string_member (o, "created", h[0]);
      json_object_set_string_member (o, "kind", h[1]);
      json_object_set_string_member (o, "subject", h[2]);
      json_object_set_string_member (o, "limit", h[3]);
      json_array_add_object_element (rows, o);
    }
  json_object_set_array_member (json_node_get_object (node), "held_mail", rows);
  portero_cli_print (node, json, fields);
  if (!json && held->len > 0)
    {
      printf (_("Mail held back by a limit (not sent; newest first):\n"));
      for (guint i = 0; i < held->len; i++)
        {
          char **h = g_ptr_array_index (held, i);
          g_autofree char *line = g_strdup_printf ("  %s  %s  %s", h[0], _(h[1]), h[2]);
          portero_print_text (line);
        }
    }
  return TRUE;
}

gboolean
portero_cmd_contact_email_add (PorteroCli *cli, int argc, char **argv, GError **error)
{
  if (!portero_cli_parse (cli, &argc, &argv, NULL, NULL, 2, 2, error))
    return FALSE;
  g_autofree char *other = parse_address (argv[2], error);
  g_autofree char *address = NULL;
  if (other == NULL)
    return FALSE;
  gint64 id = 0, owner = 0;
  if (!portero_store_begin (cli->store, error))
    return FALSE;
  if (!find_contact (cli, argv[1], &id, &address, error)
      || !portero_store_contact_by_address (cli->store, other, &owner, error))
    goto rollback;
  if (owner == id)
    {
      portero_store_rollback (cli->store);
      printf (_("%s is an address of %s %s already: nothing changed\n"), other, portero_cli_word (cli, "contact"),
              address);
      return TRUE;
    }
  if (owner != 0)
    {
      g_autofree char *theirs = NULL;
      g_autoptr (JsonNode) node = contact_json (cli, owner, NULL);
      if (node != NULL)
        theirs = g_strdup (json_object_get_string_member (json_node_get_object (node), "email"));
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("%s belongs to another %s already (%s)"), other,
                   portero_cli_word (cli, "contact"), theirs ? theirs : "?");
      goto rollback;
    }
  if (!portero_store_contact_email_add (cli->store, id, other, error))
    goto rollback;
  if (!portero_store_commit (cli->store, error))
    return FALSE;
  printf (_("%s %s: address %s added\n"), portero_cli_word (cli, "Contact"), address, other);
  return TRUE;
rollback:
  portero_store_rollback (cli->store);
  return FALSE;
}

gboolean
portero_cmd_contact_email_remove (PorteroCli *cli, int argc, char **argv, GError **error)
{
  if (!portero_cli_parse (cli, &argc, &argv, NULL, NULL, 2, 2, error))
    return FALSE;
  g_autofree char *other = parse_address (argv[2], error);
  g_autofree char *address = NULL;
  if (other == NULL)
    return FALSE;
  gint64 id = 0, owner = 0;
  g_autoptr (JsonNode) node = NULL;
  if (!portero_store_begin (cli->store, error))
    return FALSE;
  if (!find_contact (cli, argv[1], &id, &address, error)
      || !portero_store_contact_by_address (cli->store, other, &owner, error))
    goto rollback;
  if (owner != id)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, _("%s is not an address of %s %s"), other,
                   portero_cli_word (cli, "contact"), address);
      goto rollback;
    }
  if ((node = contact_json (cli, id, error)) == NULL)
    goto rollback;
  if (json_array_get_length (json_object_get_array_member (json_node_get_object (node), "emails")) <= 1)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                   _("%s is the only address of %s %s (portero %s delete removes the %s)"), other,
                   portero_cli_word (cli, "contact"), address, portero_cli_word (cli, "contact"),
                   portero_cli_word (cli, "contact"));
      goto rollback;
    }
  if (!portero_store_contact_email_remove (cli->store, id, other, error))
    goto rollback;
  g_clear_pointer (&node, json_node_unref);
  if ((node = contact_json (cli, id, error)) == NULL)
    goto rollback;
  if (!portero_store_commit (cli->store, error))
    return FALSE;
  printf (_("%s %s: address %s removed (primary address: %s)\n"), portero_cli_word (cli, "Contact"), address,
          other, json_object_get_string_member (json_node_get_object (node), "email"));
  return TRUE;
rollback:
  portero_store_rollback (cli->store);
  return FALSE;
}

/* --main and --auto-tickets take yes or no: -1 when not given. */
static gboolean
parse_yes_no (const char *option, const char *value, int *out, GError **error)
{
  static const char *const yes[] = { "yes", "y", "true", "on", "1", "si", "sí", NULL };
  static const char *const no[] = { "no", "n", "false", "off", "0", NULL };
  *out = -1;
  if (value == NULL)
    return TRUE;
  g_autofree char *lower = g_utf8_strdown (value, -1);
  if (g_strv_contains (yes, lower))
    *out = 1;
  else if (g_strv_contains (no, lower))
    *out = 0;
  else
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("--%s takes yes or no, not \"%s\""), option, value);
      return FALSE;
    }
  return TRUE;
}

gboolean
portero_cmd_contact_set (PorteroCli *cli, int argc, char **argv, GError **error)
{
  g_autofree char *main_arg = NULL, *auto_arg = NULL, *name_arg = NULL, *customer = NULL;
  GOptionEntry entries[] = {
    { "main", 0, 0, G_OPTION_ARG_STRING, &main_arg, N_("A main contact (user): sees the company's tickets"), "yes|no" },
    { "auto-tickets", 0, 0, G_OPTION_ARG_STRING, &auto_arg, N_("Whether the contact's (user's) mail opens tickets"),
      "yes|no" },
    { "name", 0, 0, G_OPTION_ARG_STRING, &name_arg, N_("The contact's (user's) name"), "N" },
    { "customer", 0, 0, G_OPTION_ARG_STRING, &customer, N_("Move the contact (user) to this customer (site)"), "C" },
    { "site", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_STRING, &customer, NULL, "C" },
    { NULL },
  };
  if (!portero_cli_parse (cli, &argc, &argv, entries, NULL, 1, 1, error))
    return FALSE;
  int main_value = -1, auto_value = -1;
  g_autofree char *name = NULL, *address = NULL;
  if (!parse_yes_no ("main", main_arg, &main_value, error) || !parse_yes_no ("auto-tickets", auto_arg, &auto_value, error)
      || !clean_name (name_arg, &name, error))
    return FALSE;
  if (main_value < 0 && auto_value < 0 && name == NULL && customer == NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                   _("%s: nothing to change (give --main, --auto-tickets, --name or --customer)"), cli->phrase);
      return FALSE;
    }
  gint64 id = 0, customer_id = 0;
  g_autoptr (JsonNode) node = NULL;
  if (!portero_store_begin (cli->store, error))
    return FALSE;
  if (!find_contact (cli, argv[1], &id, &address, error)
      || (customer != NULL && !find_customer (cli, customer, &customer_id, error))
      || !portero_store_contact_update (cli->store, id, main_value, auto_value, name, customer_id, error)
      || (node = contact_json (cli, id, error)) == NULL)
    {
      portero_store_rollback (cli->store);
      return FALSE;
    }
  if (!portero_store_commit (cli->store, error))
    return FALSE;
  printf (_("%s %s changed:\n"), portero_cli_word (cli, "Contact"), address);
  const PorteroColumn fields[] = {
    { _("Name"), "name" },
    { portero_cli_word (cli, "Customer"), "customer" },
    { portero_cli_word (cli, "Main contact"), "main" },
    { _("Auto tickets"), "auto_tickets" },
    { NULL, NULL },
  };
  portero_print_fields (json_node_get_object (node), fields);
  return TRUE;
}

gboolean
portero_cmd_contact_merge (PorteroCli *cli, int argc, char **argv, GError **error)
{
  if (!portero_cli_parse (cli, &argc, &argv, NULL, NULL, 2, 2, error))
    return FALSE;
  gint64 from = 0, into = 0;
  g_autofree char *from_addr = NULL, *into_addr = NULL, *emails = NULL;
  g_autoptr (JsonNode) before = NULL, after = NULL;
  if (!portero_store_begin (cli->store, error))
    return FALSE;
  if (!find_contact (cli, argv[1], &from, &from_addr, error) || !find_contact (cli, argv[2], &into, &into_addr, error))
    goto rollback;
  if (from == into)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("%s and %s are the same %s: nothing to merge"),
                   from_addr, into_addr, portero_cli_word (cli, "contact"));
      goto rollback;
    }
  if ((before = contact_json (cli, from, error)) == NULL
      || !portero_store_contact_merge (cli->store, from, into, error)
      || (after = contact_json (cli, into, error)) == NULL)
    goto rollback;
  if (!portero_store_commit (cli->store, error))
    return FALSE;
  JsonObject *b = json_node_get_object (before), *a = json_node_get_object (after);
  emails = portero_print_value (a, "emails");
  printf (_("%s %s merged into %s: %u address(es) and %" PRId64 " ticket(s) moved; %s is gone\n"),
          portero_cli_word (cli, "Contact"), from_addr, into_addr,
          json_array_get_length (json_object_get_array_member (b, "emails")), json_object_get_int_member (b, "tickets"),
          from_addr);
  printf (_("%s now has the addresses %s and %" PRId64 " ticket(s)\n"), into_addr, emails,
          json_object_get_int_member (a, "tickets"));
  return TRUE;
rollback:
  portero_store_rollback (cli->store);
  return FALSE;
}

gboolean
portero_cmd_contact_delete (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean erase = FALSE, force = FALSE;
  GOptionEntry entries[] = {
    { "erase", 0, 0, G_OPTION_ARG_NONE, &erase,
      N_("Also erase the raw bytes and text of their messages, leaving a placeholder (data-protection requests)"),
      NULL },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, N_("Delete even while the outbox holds mail for them"), NULL },
    { NULL },
  };
  if (!portero_cli_parse (cli, &argc, &argv, entries, NULL, 1, 1, error))
    return FALSE;
  gint64 id = 0;
  int queued = 0;
  g_autofree char *address = NULL, *emails = NULL;
  g_autoptr (JsonNode) node = NULL;
  /* Erased content is overwritten in the file, not only unlinked. */
  if (erase && !portero_store_secure_delete (cli->store, error))
    return FALSE;
  if (!portero_store_begin (cli->store, error))
    return FALSE;
  if (!find_contact (cli, argv[1], &id, &address, error)
      || !portero_store_outbox_queued_for (cli->store, id, &queued, error))
    goto rollback;
  if (queued > 0 && !force)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                   _("the outbox still holds %d mail(s) for %s %s (see portero outbox list); --force deletes "
                     "the %s all the same"),
                   queued, portero_cli_word (cli, "contact"), address, portero_cli_word (cli, "contact"));
      goto rollback;
    }
  if ((node = contact_json (cli, id, error)) == NULL
      || (erase && !portero_store_contact_erase_titles (cli->store, id, error))
      || !portero_store_contact_delete (cli->store, id, erase, error))
    goto rollback;
  if (!portero_store_commit (cli->store, error))
    return FALSE;
  JsonObject *o = json_node_get_object (node);
  emails = portero_print_value (o, "emails");
  printf (_("%s %s deleted (addresses: %s)\n"), portero_cli_word (cli, "Contact"), address, emails);
  if (erase)
    {
      printf (_("The content of their messages is erased; %" PRId64 " ticket(s) keep a placeholder\n"),
              json_object_get_int_member (o, "tickets"));
      /* Take the erased pages out of the -wal file too. */
      g_autoptr (GError) local = NULL;
      if (!portero_store_maintain (cli->store, &local))
        fprintf (stderr, _("portero: checkpoint after erasing: %s (portero maintain finishes it)\n"), local->message);
    }
  else
    {
      printf (_("%" PRId64 " ticket(s) keep their history without a %s\n"),
              json_object_get_int_member (o, "tickets"), portero_cli_word (cli, "contact"));
      if (queued > 0)
        printf (_("%d queued mail(s) for them will still be sent\n"), queued);
    }
  return TRUE;
rollback:
  portero_store_rollback (cli->store);
  return FALSE;
}
