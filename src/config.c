/* config - portero.conf: defaults, loading, validation
 *
 * One table lists every group and key with its type, default and bounds, so
 * that loading, `portero check` and the manual cannot disagree. */
#include "config.h"
#include "sql.h"
#include "address.h"
#include "error.h"
#include <stddef.h>
#include <string.h>

typedef enum { T_STRING, T_PATH, T_BOOL, T_INT, T_INT64, T_LIST, T_ENUM, T_ADDRESSES, T_MODE, T_LOG } KeyType;

typedef struct {
  const char *group;
  const char *key;
  KeyType type;
  size_t offset;
  const char *def;        /* default, as written in the file */
  gint64 min, max;        /* T_INT, T_INT64 */
  const char *choices;    /* T_ENUM: "a|b|c" */
} KeySpec;

#define OFF(f) offsetof (PorteroConfig, f)
#define I(min, max) min, max, NULL
#define NOB 0, 0, NULL

static const KeySpec keys[] = {
  { "portero", "database", T_PATH, OFF (database), PORTERO_STATEDIR "/portero.db", NOB },
  { "portero", "key-file", T_PATH, OFF (key_file), "", NOB },
  { "portero", "mode", T_MODE, OFF (mode), "msp", 0, 0, "msp|it" },
  { "portero", "language", T_ENUM, OFF (language), "es", 0, 0, "es|en" },
  { "portero", "rules", T_PATH, OFF (rules), PORTERO_CONFDIR "/filters", NOB },
  { "portero", "templates", T_PATH, OFF (templates), PORTERO_CONFDIR "/templates", NOB },
  { "portero", "kb", T_PATH, OFF (kb), PORTERO_CONFDIR "/kb", NOB },
  { "portero", "default-customer", T_STRING, OFF (default_customer), "Unassigned", NOB },
  { "portero", "busy-timeout", T_INT, OFF (busy_timeout), "30", I (1, 3600) },
  { "portero", "deadline", T_INT, OFF (deadline), "300", I (5, 3600) },
  { "portero", "log", T_LOG, OFF (log), "syslog", NOB },

  { "mail", "support-addresses", T_ADDRESSES, OFF (support_addresses), "", NOB },
  { "mail", "auto-create-contacts", T_BOOL, OFF (auto_create_contacts), "true", NOB },
  { "mail", "welcome-email", T_BOOL, OFF (welcome_email), "true", NOB },
  { "mail", "welcome-template", T_STRING, OFF (welcome_template), "welcome", NOB },
  { "mail", "from", T_STRING, OFF (from), "Soporte <soporte@example.com>", NOB },
  { "mail", "max-message-size", T_INT64, OFF (max_message_size), "52428800", I (1024, 900000000) },
  { "mail", "spam-headers", T_LIST, OFF (spam_headers), "X-Spam-Flag;X-Spam-Status", NOB },
  { "mail", "new-contacts-per-domain-hour", T_INT, OFF (new_contacts_per_domain_hour), "20", I (0, 1000000) },
  { "mail", "auto-mail-per-day", T_INT, OFF (auto_mail_per_day), "40", I (0, 1000000) },
  { "mail", "new-address-mail-per-hour", T_INT, OFF (new_address_mail_per_hour), "60", I (0, 1000000) },
  { "mail", "trust-authserv-id", T_STRING, OFF (trust_authserv_id), "", NOB },
  { "mail", "logo", T_PATH, OFF (logo), "", NOB },

  { "portal", "address", T_STRING, OFF (portal_address), "https://portal.example.com", NOB },
  { "portal", "reset-expiry", T_INT, OFF (reset_expiry), "30", I (1, 1440) },
  { "portal", "timezone", T_STRING, OFF (portal_timezone), "", NOB },
  { "portal", "breached-passwords", T_PATH, OFF (breached_passwords), "", NOB },

  { "credentials", "password-length", T_INT, OFF (password_length), "16", I (14, 128) },
  { "credentials", "per-contact-hour", T_INT, OFF (per_contact_hour), "3", I (0, 1000) },
  { "credentials", "per-contact-day", T_INT, OFF (per_contact_day), "10", I (0, 10000) },
  { "credentials", "auth-failures-per-hour", T_INT, OFF (auth_failures_per_hour), "10", I (1, 10000) },
  /* OWASP's floor for argon2id is t=2 at 19 MiB; libsodium's INTERACTIVE is t=2, 64 MiB. */
  { "credentials", "argon2-opslimit", T_INT64, OFF (argon2_opslimit), "2", I (2, 64) },
  { "credentials", "argon2-memlimit", T_INT64, OFF (argon2_memlimit), "67108864", I (19922944, G_GINT64_CONSTANT (4294967296)) },

  { "smtp", "transport", T_ENUM, OFF (smtp_transport), "smtp", 0, 0, "smtp|maildir" },
  { "smtp", "host", T_STRING, OFF (smtp_host), "127.0.0.1", NOB },
  { "smtp", "port", T_INT, OFF (smtp_port), "25", I (1, 65535) },
  { "smtp", "starttls", T_ENUM, OFF (smtp_starttls), "if-available", 0, 0, "never|if-available|required" },
  { "smtp", "auth-user", T_STRING, OFF (smtp_auth_user), "", NOB },
  { "smtp", "auth-password-file", T_PATH, OFF (smtp_auth_password_file), "", NOB },
  { "smtp", "timeout", T_INT, OFF (smtp_timeout), "10", I (1, 600) },
  { "smtp", "send-budget", T_INT, OFF (smtp_send_budget), "20", I (0, 600) },
  { "smtp", "envelope-from", T_STRING, OFF (smtp_envelope_from), "", NOB },
  { "smtp", "max-attempts", T_INT, OFF (smtp_max_attempts), "10", I (1, 1000) },
  { "smtp", "maildir", T_PATH, OFF (smtp_maildir), PORTERO_STATEDIR "/sent", NOB },
};

const char *
portero_config_default_path (void)
{
  return PORTERO_CONFDIR "/portero.conf";
}

char *
portero_config_locate (const char *option)
{
  /* Absolute, so that paths relative to the file resolve the same from any cwd. */
  if (option != NULL && *option != '\0')
    return g_canonicalize_filename (option, NULL);
  const char *env = g_getenv ("PORTERO_CONFIG");
  if (env != NULL && *env != '\0')
    return g_canonicalize_filename (env, NULL);
  return g_strdup (portero_config_default_path ());
}

static const KeySpec *
find_spec (const char *group, const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    if (strcmp (keys[i].group, group) == 0 && strcmp (keys[i].key, key) == 0)
      return &keys[i];
  return NULL;
}

static gboolean
group_known (const char *group)
{
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    if (strcmp (keys[i].group, group) == 0)
      return TRUE;
  return FALSE;
}

static char *
resolve_path (const char *base_dir, const char *value)
{
  if (*value == '\0' || g_path_is_absolute (value))
    return g_strdup (value);
  return g_build_filename (base_dir, value, NULL);
}

static gboolean
set_value (PorteroConfig *config, const KeySpec *spec, const char *raw_value,
           const char *base_dir, GError **error)
{
  gpointer field = (char *) config + spec->offset;
  g_autofree char *value = g_strstrip (g_strdup (raw_value));
#define BAD(...) \
  do { \
    g_autofree char *why_ = g_strdup_printf (__VA_ARGS__); \
    g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG, "%s: [%s] %s: %s", \
                 config->path, spec->group, spec->key, why_); \
    return FALSE; \
  } while (0)

  switch (spec->type)
    {
    case T_STRING:
      g_free (*(char **) field);
      *(char **) field = g_strstrip (g_strdup (value));
      break;
    case T_PATH:
      /* database= may name a PostgreSQL server instead of a file. */
      if (field == (gpointer) &config->database && portero_sql_is_pgsql (value))
        {
          g_autoptr (GError) local = NULL;
          if (!portero_sql_check_target (value, &local))
            BAD ("%s", local->message);
          g_free (*(char **) field);
          *(char **) field = g_strdup (value);
        }
      else
        {
          g_free (*(char **) field);
          *(char **) field = resolve_path (base_dir, value);
        }
      break;
    case T_LOG:
      /* syslog, stderr, or a file (relative to this file, like every path) */
      if (*value == '\0')
        BAD ("must be syslog, stderr or a file name");
      g_free (*(char **) field);
      if (strcmp (value, "syslog") == 0 || strcmp (value, "stderr") == 0)
        *(char **) field = g_strdup (value);
      else
        *(char **) field = resolve_path (base_dir, value);
      break;
    case T_BOOL:
      if (g_ascii_strcasecmp (value, "true") == 0 || g_ascii_strcasecmp (value, "yes") == 0 || strcmp (value, "1") == 0)
        *(gboolean *) field = TRUE;
      else if (g_ascii_strcasecmp (value, "false") == 0 || g_ascii_strcasecmp (value, "no") == 0 || strcmp (value, "0") == 0)
        *(gboolean *) field = FALSE;
      else
        BAD ("\"%s\" is not a boolean (true or false)", value);
      break;
    case T_INT:
    case T_INT64:
      {
        gint64 n = 0;
        g_autoptr (GError) local = NULL;
        if (!g_ascii_string_to_signed (value, 10, spec->min, spec->max, &n, &local))
          BAD ("\"%s\" is not a whole number from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT,
               value, spec->min, spec->max);
        if (spec->type == T_INT)
          *(int *) field = (int) n;
        else
          *(gint64 *) field = n;
      }
      break;
    case T_LIST:
      {
        g_auto (GStrv) parts = g_strsplit (value, ";", -1);
        GPtrArray *list = g_ptr_array_new ();
        for (char **p = parts; *p; p++)
          {
            g_strstrip (*p);
            if (**p != '\0')
              g_ptr_array_add (list, g_strdup (*p));
          }
        g_ptr_array_add (list, NULL);
        g_strfreev (*(char ***) field);
        *(char ***) field = (char **) g_ptr_array_free (list, FALSE);
      }
      break;
    case T_ADDRESSES:
      {
        g_auto (GStrv) parts = g_strsplit (value, ";", -1);
        GPtrArray *list = g_ptr_array_new_with_free_func (g_free);
        for (char **p = parts; *p; p++)
          {
            g_strstrip (*p);
            if (**p == '\0')
              continue;
            char *norm = portero_address_normalise (*p);
            if (norm == NULL)
              {
                g_ptr_array_unref (list);
                BAD ("\"%s\" is not a mail address", *p);
              }
            g_ptr_array_add (list, norm);
          }
        g_ptr_array_add (list, NULL);
        g_strfreev (*(char ***) field);
        /* Hands the strings over: free_segment FALSE frees none of them. */
        *(char ***) field = (char **) g_ptr_array_free (list, FALSE);
      }
      break;
    case T_ENUM:
    case T_MODE:
      {
        g_auto (GStrv) choices = g_strsplit (spec->choices, "|", -1);
        g_autofree char *v = g_strstrip (g_ascii_strdown (value, -1));
        if (!g_strv_contains ((const char *const *) choices, v))
          BAD ("\"%s\" is not one of %s", value, spec->choices);
        if (spec->type == T_MODE)
          *(PorteroMode *) field = strcmp (v, "it") == 0 ? PORTERO_MODE_IT : PORTERO_MODE_MSP;
        else
          {
            g_free (*(char **) field);
            *(char **) field = g_steal_pointer (&v);
          }
      }
      break;
    }
  return TRUE;
#undef BAD
}

static PorteroConfig *
config_with_defaults (const char *path, GError **error)
{
  g_autoptr (PorteroConfig) config = g_new0 (PorteroConfig, 1);
  config->path = g_strdup (path);
  g_autofree char *base_dir = g_path_get_dirname (path);
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    if (!set_value (config, &keys[i], keys[i].def, base_dir, error))
      return NULL;
  return g_steal_pointer (&config);
}

/* Fill in what depends on other keys. */
static gboolean
finish (PorteroConfig *config, GError **error)
{
  if (config->key_file == NULL || *config->key_file == '\0')
    {
      g_autofree char *dir = portero_sql_is_pgsql (config->database) ? g_strdup (PORTERO_STATEDIR)
                                                                     : g_path_get_dirname (config->database);
      g_free (config->key_file);
      config->key_file = g_build_filename (dir, "portero.key", NULL);
    }
  if (*config->default_customer == '\0')
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG,
                   "%s: [portero] default-customer: must not be empty", config->path);
      return FALSE;
    }
  if (*config->database == '\0')
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG,
                   "%s: [portero] database: must not be empty", config->path);
      return FALSE;
    }
  return TRUE;
}

PorteroConfig *
portero_config_new_default (const char *path)
{
  PorteroConfig *config = config_with_defaults (path, NULL);
  g_assert (config != NULL);
  g_assert (finish (config, NULL));
  return config;
}

PorteroConfig *
portero_config_load (const char *path, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local = NULL;
  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &local))
    {
      /* GKeyFile's parse errors quote the offending line: never print what
       * may be a line of a file the caller could not read. */
      if (local->domain == G_KEY_FILE_ERROR)
        g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG,
                     "%s: not a configuration file: a line is not a [group], a key=value or a # comment", path);
      else
        g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG, "%s: %s", path, local->message);
      return NULL;
    }
  g_autoptr (PorteroConfig) config = config_with_defaults (path, error);
  if (config == NULL)
    return NULL;
  g_autofree char *base_dir = g_path_get_dirname (path);
  g_auto (GStrv) groups = g_key_file_get_groups (kf, NULL);
  for (char **g = groups; *g; g++)
    {
      if (!group_known (*g))
        {
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG,
                       "%s: [%s]: unknown group", path, *g);
          return NULL;
        }
      g_auto (GStrv) names = g_key_file_get_keys (kf, *g, NULL, NULL);
      for (char **k = names; k && *k; k++)
        {
          const KeySpec *spec = find_spec (*g, *k);
          if (spec == NULL)
            {
              g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG,
                           "%s: [%s] %s: unknown key", path, *g, *k);
              return NULL;
            }
          g_autofree char *value = g_key_file_get_string (kf, *g, *k, &local);
          if (value == NULL)
            {
              g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG, "%s: [%s] %s: %s",
                           path, *g, *k, local->message);
              return NULL;
            }
          if (!set_value (config, spec, value, base_dir, error))
            return NULL;
        }
    }
  if (!finish (config, error))
    return NULL;
  return g_steal_pointer (&config);
}

void
portero_config_free (PorteroConfig *config)
{
  if (config == NULL)
    return;
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      gpointer field = (char *) config + keys[i].offset;
      switch (keys[i].type)
        {
        case T_STRING: case T_PATH: case T_ENUM: case T_LOG:
          g_free (*(char **) field);
          break;
        case T_LIST: case T_ADDRESSES:
          g_strfreev (*(char ***) field);
          break;
        default:
          break;
        }
    }
  g_free (config->path);
  g_free (config);
}

void
portero_config_dump (const PorteroConfig *config, GString *out)
{
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      gconstpointer field = (const char *) config + keys[i].offset;
      g_string_append_printf (out, "%s.%s = ", keys[i].group, keys[i].key);
      switch (keys[i].type)
        {
        case T_STRING: case T_PATH: case T_ENUM: case T_LOG:
          g_string_append (out, *(char *const *) field);
          break;
        case T_BOOL:
          g_string_append (out, *(const gboolean *) field ? "true" : "false");
          break;
        case T_INT:
          g_string_append_printf (out, "%d", *(const int *) field);
          break;
        case T_INT64:
          g_string_append_printf (out, "%" G_GINT64_FORMAT, *(const gint64 *) field);
          break;
        case T_MODE:
          g_string_append (out, *(const PorteroMode *) field == PORTERO_MODE_IT ? "it" : "msp");
          break;
        case T_LIST: case T_ADDRESSES:
          {
            g_autofree char *joined = g_strjoinv (";", *(char **const *) field);
            g_string_append (out, joined);
          }
          break;
        }
      g_string_append_c (out, '\n');
    }
}

const char *
portero_config_word (const PorteroConfig *config, const char *msp_word)
{
  static const char *const words[][2] = {
    /* msp, it (English) */
    { "customer", "site" }, { "customers", "sites" },
    { "contact", "user" }, { "contacts", "users" },
    { "Customer", "Site" }, { "Customers", "Sites" },
    { "Contact", "User" }, { "Contacts", "Users" },
    { "CUSTOMER", "SITE" }, { "CONTACT", "USER" }, { "CONTACTS", "USERS" },
    { "Main contact", "Main user" }, { "Main contacts", "Main users" },
  };
  if (config == NULL || config->mode == PORTERO_MODE_MSP)
    return msp_word;
  for (gsize i = 0; i < G_N_ELEMENTS (words); i++)
    if (strcmp (words[i][0], msp_word) == 0)
      return words[i][1];
  return msp_word;
}

gboolean
portero_config_is_support_address (const PorteroConfig *config, const char *address)
{
  if (config->support_addresses == NULL || config->support_addresses[0] == NULL)
    return TRUE;
  if (address == NULL)
    return FALSE;
  g_autofree char *bare = portero_address_strip_extension (address);
  for (char **s = config->support_addresses; *s; s++)
    {
      g_autofree char *support = portero_address_strip_extension (*s);
      if (strcmp (support, bare) == 0)
        return TRUE;
    }
  return FALSE;
}
