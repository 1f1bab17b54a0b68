/* cli - what every `portero` command shares: its context and its table entry */
#pragma once
#include "../config.h"
#include "../error.h"
#include "../keys.h"
#include "../store.h"
#include "../printer.h"
#include "../template.h"
#include "../i18n.h"

typedef struct {
  char *config_path;
  PorteroConfig *config;   /* loaded when the command's flags ask for it */
  PorteroStore *store;     /* opened likewise */
  const char *phrase;      /* "customer domain add": for usage lines */
  const char *args;        /* the table's usage after the phrase, for --help */
  const char *summary;     /* the table's summary (untranslated), for --help */
} PorteroCli;

typedef gboolean (*PorteroCommandFunc) (PorteroCli *cli, int argc, char **argv, GError **error);

enum {
  CMD_CONFIG = 1 << 0,       /* needs the configuration */
  CMD_STORE_READ = 1 << 1,   /* needs the database, read-only */
  CMD_STORE_WRITE = 1 << 2,  /* needs the database, writable */
  /* Its one transaction, ended by a deadlock or serialization failure
   * before anything was committed, runs again by running the whole command
   * again (portero_store_may_retry): the command reads nothing it cannot
   * read twice (stdin) and writes nothing outside its transaction. */
  CMD_RETRY = 1 << 3,
};

typedef struct {
  const char *phrase;        /* words after "portero", e.g. "customer domain add" */
  int flags;
  PorteroCommandFunc func;
  const char *args;          /* usage after the phrase */
  const char *summary;
} PorteroCommand;

/* Parse ARGV for a command: its ENTRIES (may be NULL) and, when JSON is not
 * NULL, --json; then check the count of positional arguments. */
gboolean portero_cli_parse (PorteroCli *cli, int *argc, char ***argv, const GOptionEntry *entries,
                            gboolean *json, int min_args, int max_args, GError **error);

/* The options every listing shares (--sort, --limit, --page, --after,
 * --before) and the page they ask for. */
typedef struct {
  char *sort;
  gint64 limit;         /* -1 until given */
  gint64 page;          /* 0 until given */
  gint64 after, before;
  gboolean screen;      /* one screen on a terminal: say what is left after it */
  PorteroPage store;    /* what the store is asked for */
} PorteroCliPage;

/* portero_cli_parse for a listing with ORDERS (the store's, default first):
 * ENTRIES and the paging options. Without --limit, a terminal gets one page
 * of PORTERO_CLI_SCREEN rows and --json or a pipe gets every row. */
#define PORTERO_CLI_SCREEN 50
gboolean portero_cli_parse_list (PorteroCli *cli, int *argc, char ***argv, const GOptionEntry *entries,
                                 gboolean *json, PorteroCliPage *page, const char *const *orders,
                                 GError **error);
void portero_cli_page_clear (PorteroCliPage *page);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PorteroCliPage, portero_cli_page_clear)
/* Parse the JSON text of a listing, as portero_cli_json; a cursor that
 * names no row is "no WORD ID" in the reader's language. */
JsonNode *portero_cli_page_json (const PorteroCliPage *page, const char *word, char *text, GError **error);
/* After a page of ROWS printed for people: how many rows there are in all
 * and how to see the others, when there are others. */
void portero_cli_page_hint (const PorteroCliPage *page, guint rows);

/* FALSE with PORTERO_ERROR_NOT_FOUND when NAME (if not NULL) names no customer. */
gboolean portero_cli_check_customer (PorteroCli *cli, const char *name, GError **error);

/* Parse the JSON text of a store listing, taking it; NULL stays NULL (the
 * store has set the error). */
JsonNode *portero_cli_json (char *text, GError **error);

/* For people: beside each member FIELD (a string) of NODE (an object, or
 * each object of an array), FIELD_text with its word in their language;
 * FIELDS ends with NULL. --json output keeps the English values alone. */
void portero_cli_add_words (JsonNode *node, const char *const *fields);

/* NODE for scripts (--json) or people: an array as a table, an object as
 * "Label: value" lines, with COLUMNS (ends with a NULL header). */
void portero_cli_print (JsonNode *node, gboolean json, const PorteroColumn *columns);

/* After commit: send QUEUED within [smtp] send-budget; what is left stays
 * queued for portero maintain. LOUD: say what happened on stdout. */
void portero_cli_send_queued (PorteroCli *cli, const PorteroKeys *keys, GArray *queued, gboolean loud);

/* Message ID as `message show --json` prints it; "no message ID" (NOT_FOUND)
 * in the reader's language. */
JsonNode *portero_cli_message_json (PorteroCli *cli, gint64 id, GError **error);

/* Template NAME in the configured language, as portero_template_find; "no
 * template" (NOT_FOUND) in the reader's language. */
PorteroTemplate *portero_cli_template_find (PorteroCli *cli, const char *name, GError **error);

/* A word in the configured mode (customer/site, contact/user), translated
 * to the user's language. */
const char *portero_cli_word (PorteroCli *cli, const char *msp_word);

/* Commands (one function each). */
gboolean portero_cmd_init (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_check (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_customer_add (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_customer_list (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_customer_domain_add (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_contact_list (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_ticket_list (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_ticket_show (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_rule_list (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_rule_test (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_outbox_list (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_outbox_flush (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_outbox_retry (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_maintain (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_auth (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_backup (PorteroCli *cli, int argc, char **argv, GError **error);

/* customer.c */
gboolean portero_cmd_customer_show (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_customer_rename (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_customer_domain_remove (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_customer_domain_list (PorteroCli *cli, int argc, char **argv, GError **error);
/* contact.c */
gboolean portero_cmd_contact_add (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_contact_show (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_contact_email_add (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_contact_email_remove (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_contact_set (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_contact_merge (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_contact_delete (PorteroCli *cli, int argc, char **argv, GError **error);
/* contact-import.c */
gboolean portero_cmd_contact_import (PorteroCli *cli, int argc, char **argv, GError **error);
/* contact-reset.c */
gboolean portero_cmd_contact_reset_password (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_contact_request_reset (PorteroCli *cli, int argc, char **argv, GError **error);
/* message.c */
gboolean portero_cmd_message_list (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_message_show (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_message_reprocess (PorteroCli *cli, int argc, char **argv, GError **error);
/* message-attachment.c */
gboolean portero_cmd_message_attachment_save (PorteroCli *cli, int argc, char **argv, GError **error);
/* ticket.c */
gboolean portero_cmd_ticket_reply (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_ticket_status (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_ticket_contact (PorteroCli *cli, int argc, char **argv, GError **error);
/* migrate.c */
gboolean portero_cmd_migrate_to (PorteroCli *cli, int argc, char **argv, GError **error);
/* template.c */
gboolean portero_cmd_template_list (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_template_render (PorteroCli *cli, int argc, char **argv, GError **error);
/* kb.c */
gboolean portero_cmd_kb_list (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_kb_show (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_kb_search (PorteroCli *cli, int argc, char **argv, GError **error);
gboolean portero_cmd_kb_sync (PorteroCli *cli, int argc, char **argv, GError **error);
