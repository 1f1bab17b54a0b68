/* config - portero.conf: defaults, loading, validation */
#pragma once
#include <glib.h>

typedef enum { PORTERO_MODE_MSP, PORTERO_MODE_IT } PorteroMode;

typedef struct {
  char *path;               /* the file this was loaded from */

  /* [portero] */
  char *database;
  char *key_file;
  PorteroMode mode;
  char *language;           /* "es" or "en" */
  char *rules;
  char *templates;
  char *kb;                 /* the knowledge base's folder of articles */
  char *default_customer;
  int busy_timeout;         /* seconds */
  int deadline;             /* seconds */
  char *log;                /* "syslog", "stderr" or an absolute file name */

  /* [mail] */
  char **support_addresses; /* normalised, never NULL */
  gboolean auto_create_contacts;
  gboolean welcome_email;
  char *welcome_template;
  char *from;
  gint64 max_message_size;
  char **spam_headers;
  int new_contacts_per_domain_hour;
  int auto_mail_per_day;
  int new_address_mail_per_hour;
  char *trust_authserv_id;
  char *logo;               /* image for HTML mail (cid:logo), "" for none */

  /* [portal] */
  char *portal_address;
  int reset_expiry;         /* minutes */
  char *portal_timezone;    /* the pages' dates: a tz database name; "" the system's */
  char *breached_passwords; /* SHA-1 list chosen passwords must not be in; "" none */

  /* [credentials] */
  int password_length;
  int per_contact_hour;
  int per_contact_day;
  int auth_failures_per_hour;
  gint64 argon2_opslimit;
  gint64 argon2_memlimit;

  /* [smtp] */
  char *smtp_transport;     /* "smtp" or "maildir" */
  char *smtp_host;
  int smtp_port;
  char *smtp_starttls;      /* never | if-available | required */
  char *smtp_auth_user;
  char *smtp_auth_password_file;
  int smtp_timeout;
  int smtp_send_budget;
  char *smtp_envelope_from;
  int smtp_max_attempts;
  char *smtp_maildir;
} PorteroConfig;

/* The path used when neither --config nor $PORTERO_CONFIG names one. */
const char *portero_config_default_path (void);

/* Resolve --config, then $PORTERO_CONFIG, then the built-in path. Returns a
 * newly allocated string. */
char *portero_config_locate (const char *option);

/* Load and validate PATH. Every problem names the file, group and key.
 * Returns NULL with PORTERO_ERROR_CONFIG set on error; free with
 * portero_config_free. */
PorteroConfig *portero_config_load (const char *path, GError **error);

/* Defaults only, for `portero init` on a machine without a file. */
PorteroConfig *portero_config_new_default (const char *path);

void portero_config_free (PorteroConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PorteroConfig, portero_config_free)

/* Print every key with its value as loaded (default or set), as portero check
 * does; one "group.key = value" line each. */
void portero_config_dump (const PorteroConfig *config, GString *out);

/* "customer"/"site" etc. in the configured mode and language. */
const char *portero_config_word (const PorteroConfig *config, const char *msp_word);

/* TRUE when ADDRESS (normalised) is one of the support addresses, ignoring a
 * +extension. Always TRUE when none is configured. */
gboolean portero_config_is_support_address (const PorteroConfig *config, const char *address);
