/* customer - portero customer add | list | show | rename, and
 * portero customer domain add | remove | list ("Manage Domains"); the same
 * commands as portero site ... in IT mode */
#include "cli.h"
#include "../address.h"
#include <stdio.h>
#include <string.h>

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

gboolean
portero_cmd_customer_add (PorteroCli *cli, int argc, char **argv, GError **error)
{
  if (!portero_cli_parse (cli, &argc, &argv, NULL, NULL, 1, 1, error))
    return FALSE;
  g_autofree char *name = g_strstrip (g_strdup (argv[1]));
  if (*name == '\0' || !g_utf8_validate (name, -1, NULL))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("a %s needs a name"),
                   portero_cli_word (cli, "customer"));
      return FALSE;
    }
  gint64 id = 0;
  if (!portero_store_begin (cli->store, error))
    return FALSE;
  if (!portero_store_customer_add (cli->store, name, &id, error))
    {
      portero_store_rollback (cli->store);
      g_prefix_error (error, "%s: ", portero_cli_word (cli, "customer"));
      return FALSE;
    }
  if (!portero_store_commit (cli->store, error))
    return FALSE;
  printf (_("%s \"%s\" added\n"), portero_cli_word (cli, "Customer"), name);
  return TRUE;
}

gboolean
portero_cmd_customer_list (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean json = FALSE;
  g_auto (PorteroCliPage) page;
  if (!portero_cli_parse_list (cli, &argc, &argv, NULL, &json, &page, portero_store_customer_orders, error))
    return FALSE;
  g_autoptr (JsonNode) node = portero_cli_page_json (&page, portero_cli_word (cli, "customer"),
    portero_store_customers_page_json (cli->store, &page.store, error), error);
  if (node == NULL)
    return FALSE;
  const PorteroColumn columns[] = {
    { portero_cli_word (cli, "CUSTOMER"), "name" },
    { portero_cli_word (cli, "CONTACTS") , "contacts" },
    { _("DOMAINS"), "domains" },
    { NULL, NULL },
  };
  portero_cli_print (node, json, columns);
  portero_cli_page_hint (&page, json_array_get_length (json_node_get_array (node)));
  return TRUE;
}


gboolean
portero_cmd_customer_show (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean json = FALSE;
  if (!portero_cli_parse (cli, &argc, &argv, NULL, &json, 1, 1, error))
    return FALSE;
  gint64 id = 0;
  if (!find_customer (cli, argv[1], &id, error))
    return FALSE;
  g_autoptr (JsonNode) node = portero_cli_json (portero_store_customer_json (cli->store, id, error), error);
  if (node == NULL)
    return FALSE;
  const PorteroColumn fields[] = {
    { portero_cli_word (cli, "Customer"), "name" },
    { _("Domains"), "domains" },
    { portero_cli_word (cli, "Contacts"), "contacts" },
    { portero_cli_word (cli, "Main contacts"), "main_contacts" },
    { _("Tickets"), "tickets" },
    { _("Open tickets"), "open_tickets" },
    { _("Default"), "default" },
    { _("Created"), "created" },
    { NULL, NULL },
  };
  portero_cli_print (node, json, fields);
  return TRUE;
}

gboolean
portero_cmd_customer_rename (PorteroCli *cli, int argc, char **argv, GError **error)
{
  if (!portero_cli_parse (cli, &argc, &argv, NULL, NULL, 2, 2, error))
    return FALSE;
  g_autofree char *name = g_strstrip (g_strdup (argv[2]));
  if (*name == '\0' || !g_utf8_validate (name, -1, NULL))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("a %s needs a name"),
                   portero_cli_word (cli, "customer"));
      return FALSE;
    }
  gint64 id = 0;
  if (!portero_store_begin (cli->store, error))
    return FALSE;
  if (!find_customer (cli, argv[1], &id, error))
    goto rollback;
  if (!portero_store_customer_rename (cli->store, id, name, error))
    {
      g_prefix_error (error, "%s: ", portero_cli_word (cli, "customer"));
      goto rollback;
    }
  if (!portero_store_commit (cli->store, error))
    return FALSE;
  printf (_("%s \"%s\" renamed to \"%s\"\n"), portero_cli_word (cli, "Customer"), argv[1], name);
  return TRUE;
rollback:
  portero_store_rollback (cli->store);
  return FALSE;
}

/* Free-mail providers: a domain of one of them is shared by strangers, so
 * mapping it would file all of them under one customer. Exact domains, and
 * the providers' brands under any country domain (yahoo.co.uk, live.com.mx). */
static const char *const free_mail_domains[] = {
  "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com", "passport.com",
  "windowslive.com", "yahoo.com", "ymail.com", "rocketmail.com", "icloud.com", "me.com", "mac.com",
  "aol.com", "aim.com", "gmx.com", "gmx.net", "gmx.de", "gmx.at", "gmx.ch", "gmx.es", "gmx.fr", "web.de",
  "mail.com", "email.com", "usa.com", "proton.me", "protonmail.com", "protonmail.ch", "pm.me", "tutanota.com",
  "tutanota.de", "tuta.io", "tuta.com", "zoho.com", "zohomail.com", "yandex.com", "yandex.ru", "ya.ru",
  "mail.ru", "inbox.ru", "list.ru", "bk.ru", "rambler.ru", "qq.com", "foxmail.com", "163.com", "126.com",
  "yeah.net", "sina.com", "sohu.com", "naver.com", "daum.net", "hanmail.net", "rediffmail.com",
  "fastmail.com", "fastmail.fm", "hushmail.com", "mailfence.com", "posteo.de", "mailbox.org", "t-online.de",
  "freenet.de", "orange.fr", "wanadoo.fr", "free.fr", "laposte.net", "sfr.fr", "libero.it", "virgilio.it",
  "tiscali.it", "alice.it", "seznam.cz", "wp.pl", "o2.pl", "interia.pl", "onet.pl", "terra.com.br",
  "uol.com.br", "bol.com.br", "ig.com.br", "telefonica.net", "movistar.es", "terra.es", "ono.com",
  "prodigy.net.mx", "att.net", "comcast.net", "verizon.net", "sbcglobal.net", "cox.net", "charter.net",
  "btinternet.com", "virginmedia.com", "sky.com", "talktalk.net", "ntlworld.com", "bigpond.com",
  "optusnet.com.au", "shaw.ca", "rogers.com", "sympatico.ca", "rediff.com", "yahoo.com.br",
  NULL,
};

static const char *const free_mail_brands[] = {
  "gmail", "googlemail", "yahoo", "hotmail", "outlook", "live", "msn", "aol", "gmx", "yandex", "icloud",
  "protonmail", NULL,
};

/* "es", "fr", "co.uk", "com.mx", "com": what follows a brand's name. */
static gboolean
country_suffix (const char *s)
{
  static const char *const generic[] = { "com", "net", "org", "co", NULL };
  g_auto (GStrv) labels = g_strsplit (s, ".", -1);
  guint n = g_strv_length (labels);
  gboolean cc_last = n > 0 && strlen (labels[n - 1]) == 2 && g_ascii_isalpha (labels[n - 1][0])
                     && g_ascii_isalpha (labels[n - 1][1]);
  if (n == 1)
    return cc_last || g_strv_contains (generic, labels[0]);
  if (n == 2)
    return cc_last && (g_strv_contains (generic, labels[0]) || strcmp (labels[0], "ne") == 0);
  return FALSE;
}

static gboolean
is_free_mail (const char *domain)
{
  if (g_strv_contains (free_mail_domains, domain))
    return TRUE;
  const char *dot = strchr (domain, '.');
  if (dot == NULL)
    return FALSE;
  g_autofree char *brand = g_strndup (domain, dot - domain);
  return g_strv_contains (free_mail_brands, brand) && country_suffix (dot + 1);
}

gboolean
portero_cmd_customer_domain_add (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean force = FALSE, apply = FALSE;
  GOptionEntry entries[] = {
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, N_("Map a free-mail domain (gmail.com, outlook.com...) all the same"),
      NULL },
    { "apply-existing", 0, 0, G_OPTION_ARG_NONE, &apply,
      N_("Also move the default customer's (site's) contacts (users) of DOMAIN to NAME"), NULL },
    { NULL },
  };
  if (!portero_cli_parse (cli, &argc, &argv, entries, NULL, 2, 2, error))
    return FALSE;
  g_autofree char *domain = portero_domain_normalise (argv[2]);
  if (domain == NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("\"%s\" is not a mail domain"), argv[2]);
      return FALSE;
    }
  if (!force && is_free_mail (domain))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                   _("%s is a free-mail domain: mapping it would file every stranger who writes from it under "
                     "one %s (--force maps it all the same)"),
                   domain, portero_cli_word (cli, "customer"));
      return FALSE;
    }
  gint64 id = 0;
  int moved = 0;
  if (!portero_store_begin (cli->store, error))
    return FALSE;
  if (!find_customer (cli, argv[1], &id, error) || !portero_store_domain_add (cli->store, id, domain, error)
      || (apply && !portero_store_domain_apply_existing (cli->store, domain, id, &moved, error)))
    {
      portero_store_rollback (cli->store);
      return FALSE;
    }
  if (!portero_store_commit (cli->store, error))
    return FALSE;
  printf (_("Mail from %s is now filed under %s \"%s\"\n"), domain, portero_cli_word (cli, "customer"), argv[1]);
  if (apply)
    printf (_("%d %s of %s moved to %s \"%s\"\n"), moved, portero_cli_word (cli, moved == 1 ? "contact" : "contacts"),
            domain, portero_cli_word (cli, "customer"), argv[1]);
  return TRUE;
}

gboolean
portero_cmd_customer_domain_remove (PorteroCli *cli, int argc, char **argv, GError **error)
{
  if (!portero_cli_parse (cli, &argc, &argv, NULL, NULL, 1, 1, error))
    return FALSE;
  g_autofree char *domain = portero_domain_normalise (argv[1]);
  if (domain == NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("\"%s\" is not a mail domain"), argv[1]);
      return FALSE;
    }
  gint64 owner = 0;
  gboolean removed = FALSE;
  g_autoptr (JsonNode) node = NULL;
  if (!portero_store_begin (cli->store, error))
    return FALSE;
  if (!portero_store_customer_for_domain (cli->store, domain, &owner, error))
    goto rollback;
  if (owner == 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, _("domain %s belongs to no %s"), domain,
                   portero_cli_word (cli, "customer"));
      goto rollback;
    }
  if ((node = portero_cli_json (portero_store_customer_json (cli->store, owner, error), error)) == NULL
      || !portero_store_domain_remove (cli->store, domain, &removed, error))
    goto rollback;
  if (!portero_store_commit (cli->store, error))
    return FALSE;
  printf (_("Mail from %s is no longer filed under %s \"%s\" (its %s stay where they are)\n"), domain,
          portero_cli_word (cli, "customer"), json_object_get_string_member (json_node_get_object (node), "name"),
          portero_cli_word (cli, "contacts"));
  return TRUE;
rollback:
  portero_store_rollback (cli->store);
  return FALSE;
}

gboolean
portero_cmd_customer_domain_list (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean json = FALSE;
  if (!portero_cli_parse (cli, &argc, &argv, NULL, &json, 0, 1, error))
    return FALSE;
  gint64 id = 0;
  if (argc > 1 && !find_customer (cli, argv[1], &id, error))
    return FALSE;
  g_autoptr (JsonNode) node = portero_cli_json (portero_store_domains_json (cli->store, id, error), error);
  if (node == NULL)
    return FALSE;
  const PorteroColumn columns[] = {
    { _("DOMAIN"), "domain" },
    { portero_cli_word (cli, "CUSTOMER"), "customer" },
    { NULL, NULL },
  };
  portero_cli_print (node, json, columns);
  return TRUE;
}
