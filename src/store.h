/* store - the database: every SQL statement, migrations, transactions
 *
 * Nothing outside this module speaks SQL or knows which engine runs: an
 * SQLite file or a PostgreSQL database (sql.h). Every failure of the
 * database itself (busy past the timeout, read-only, disk full, I/O, missing
 * file, server down) is reported as PORTERO_ERROR_TEMPFAIL: an
 * administrator or a retry can fix it. */
#pragma once
#include <glib.h>

typedef struct _PorteroStore PorteroStore;

typedef enum {
  PORTERO_STORE_READ,
  PORTERO_STORE_WRITE,
} PorteroStoreMode;

/* Create a new database at PATH, an SQLite file or a postgresql:// URI
 * (refusing an existing file or an initialised database), apply every
 * migration and add the default customer DEFAULT_CUSTOMER. */
gboolean portero_store_create (const char *path, const char *default_customer, GError **error);

/* Whether PATH names a database on a server (a postgresql:// URI) rather
 * than a file. */
gboolean portero_store_is_server (const char *path);
/* For a database on a server: create the schema when the database is
 * empty (*CREATED), or bring it up to date. */
gboolean portero_store_init (const char *path, const char *default_customer, int busy_timeout,
                             gboolean *created, GError **error);

/* Open an existing, initialised database. BUSY_TIMEOUT in seconds. */
PorteroStore *portero_store_open (const char *path, PorteroStoreMode mode, int busy_timeout,
                                  GError **error);
void portero_store_close (PorteroStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PorteroStore, portero_store_close)

/* After DEADLINE (g_get_monotonic_time () microseconds) every statement is
 * interrupted and fails with PORTERO_ERROR_TEMPFAIL. 0 turns it off. */
void portero_store_set_deadline (PorteroStore *store, gint64 deadline);

/* The schema version this program writes. */
int portero_store_schema_version (void);
/* What portero check reports: the engine ("sqlite", "postgresql"), its
 * version, and the database's schema version. */
gboolean portero_store_describe (PorteroStore *store, char **backend, char **server, int *schema, GError **error);
/* Whether ticket titles have their index (without it a search reads every
 * title: PostgreSQL without pg_trgm). */
gboolean portero_store_title_indexed (PorteroStore *store, gboolean *indexed, GError **error);
/* Whether contacts' names and addresses have theirs (likewise). */
gboolean portero_store_contact_indexed (PorteroStore *store, gboolean *indexed, GError **error);

/* Write transactions: BEGIN IMMEDIATE, so that the lock is taken (or the
 * busy timeout spent) before any work, never half-way through it. */
gboolean portero_store_begin (PorteroStore *store, GError **error);
gboolean portero_store_commit (PorteroStore *store, GError **error);
void portero_store_rollback (PorteroStore *store);
/* One store transaction: WORK runs between BEGIN and COMMIT, and sets
 * *COMMIT to FALSE to roll back instead (a dry run, a duplicate). When the
 * database ends it as a serialization failure or a deadlock, the whole
 * transaction runs again, a few times and never past the deadline
 * (portero_store_set_deadline), so WORK must start from the same state each
 * time; then the error stays PORTERO_ERROR_TEMPFAIL. */
typedef gboolean (*PorteroStoreWork) (PorteroStore *store, gpointer data, gboolean *commit, GError **error);
gboolean portero_store_transaction (PorteroStore *store, PorteroStoreWork work, gpointer data, GError **error);
/* For a caller that begins and commits itself and failed: whether running
 * it again from its start may succeed, as portero_store_transaction would
 * run WORK again (the transaction ended as a serialization failure or a
 * deadlock, ATTEMPT, counted from 1, is not the last, and nothing was
 * committed through STORE yet); after the same pause. */
gboolean portero_store_may_retry (PorteroStore *store, int attempt);

/* Customers and domains. Ids are 0 when not found. */
gboolean portero_store_customer_add (PorteroStore *store, const char *name, gint64 *id, GError **error);
gboolean portero_store_customer_find (PorteroStore *store, const char *name, gint64 *id, GError **error);
gboolean portero_store_customer_default (PorteroStore *store, gint64 *id, GError **error);
gboolean portero_store_customer_for_domain (PorteroStore *store, const char *domain, gint64 *id,
                                            GError **error);
/* DOMAIN must be normalised. A domain that belongs to a customer already is
 * PORTERO_ERROR_INVALID, naming that customer. */
gboolean portero_store_domain_add (PorteroStore *store, gint64 customer_id, const char *domain,
                                   GError **error);

/* Contacts. */
typedef struct {
  gint64 id;           /* 0: no such contact */
  gint64 customer_id;
  gboolean auto_tickets;
  gboolean main;
} PorteroContactRef;

gboolean portero_store_contact_find (PorteroStore *store, const char *address, PorteroContactRef *out,
                                     GError **error);
/* SOURCE is "email", "manual", "csv" or "azure-ad". */
gboolean portero_store_contact_add (PorteroStore *store, const char *address, const char *name,
                                    gint64 customer_id, const char *source, gint64 *id, GError **error);
/* Contacts created from mail of DOMAIN within the last hour. */
gboolean portero_store_contacts_created_last_hour (PorteroStore *store, const char *domain, int *count,
                                                   GError **error);

/* Tickets. */
typedef struct {
  gint64 id;           /* 0: no such ticket */
  gint64 customer_id;
  gint64 contact_id;   /* 0: none */
  char *requester;
  char *status;
} PorteroTicketRef;

void portero_ticket_ref_clear (PorteroTicketRef *ref);
gboolean portero_store_ticket_get (PorteroStore *store, gint64 id, PorteroTicketRef *out, GError **error);
/* The ticket of a stored message with MESSAGE_ID (0 when none). */
gboolean portero_store_ticket_for_message_id (PorteroStore *store, const char *message_id, gint64 *ticket,
                                              GError **error);
gboolean portero_store_ticket_add (PorteroStore *store, const char *title, gint64 customer_id,
                                   gint64 contact_id, const char *requester, const char *source,
                                   gint64 *id, GError **error);
/* Record activity on TICKET; a closed or resolved ticket is reopened. */
gboolean portero_store_ticket_touch (PorteroStore *store, gint64 ticket, gboolean reopen, GError **error);

/* Messages. */
typedef struct {
  gint64 ticket_id;            /* 0: unfiled */
  gint64 contact_id;           /* 0: none */
  const char *kind;            /* "mail", "note", "reply", "auto" */
  const char *message_id;
  const char *envelope_sender;
  const char *envelope_recipient;
  const char *original_recipient;
  const char *queue_id;
  const char *from_addr;
  const char *from_name;
  const char *subject;
  const char *date;
  const char *body;
  gboolean auto_generated;
  const char *auto_reason;
  gboolean spam;
  gboolean id_reused;          /* same Message-ID seen before with other content */
  const char *unfiled_reason;  /* why no ticket, NULL when filed */
  const char *content_hash;
  GBytes *raw;
  gint64 raw_size;             /* size of the message as received */
  GPtrArray *attachments;      /* of PorteroAttachment, may be NULL */
} PorteroMessageRow;

/* The stored message with MESSAGE_ID (may be NULL) and HASH, whatever its
 * recipient (*EXISTING, 0 when none), and whether another message with that
 * Message-ID is stored (*ID_SEEN). */
gboolean portero_store_message_seen (PorteroStore *store, const char *message_id, const char *hash,
                                     gint64 *existing, gboolean *id_seen, GError **error);
/* Record that MESSAGE came to RECIPIENT too; *ADDED (may be NULL) false
 * when that was known. */
gboolean portero_store_message_recipient_add (PorteroStore *store, gint64 message, const char *recipient,
                                              const char *original, const char *queue_id, gboolean *added,
                                              GError **error);
gboolean portero_store_message_add (PorteroStore *store, const PorteroMessageRow *row, gint64 *id,
                                    GError **error);
/* The raw bytes of message ID, or NULL with PORTERO_ERROR_NOT_FOUND. */
GBytes *portero_store_message_raw (PorteroStore *store, gint64 id, GError **error);

/* Listings, as JSON text in the shapes of the manual (field names in
 * English); portero_cli_json parses it. */

/* Which page of a listing: its order, its size and where it starts. A
 * cursor (AFTER or BEFORE) is a row's id: the page continues from that row
 * through the index, with no rows skipped (OFFSET is for people's --page). */
typedef struct {
  const char *sort;   /* one of the listing's orders; NULL: its default (the first) */
  gint64 limit;       /* rows at most; 0: all */
  gint64 offset;      /* rows skipped before the page */
  gint64 after;       /* only rows after this one in the order (0: none) */
  gint64 before;      /* only the nearest rows before it, still in the order (0: none) */
  gboolean count;     /* also count every row the filters match into TOTAL */
  gint64 total;
} PorteroPage;
/* The orders of each listing, the default first; NULL-terminated. */
extern const char *const portero_store_ticket_orders[];
extern const char *const portero_store_contact_orders[];
extern const char *const portero_store_customer_orders[];
extern const char *const portero_store_message_orders[];

/* Customers (PAGE NULL: all, by name). */
char *portero_store_customers_json (PorteroStore *store, GError **error);
char *portero_store_customers_page_json (PorteroStore *store, PorteroPage *page, GError **error);
char *portero_store_contacts_json (PorteroStore *store, const char *customer, GError **error);
/* Contacts of CUSTOMER (NULL: all) whose name or an address contains SEARCH
 * (NULL: any), or the one contact ID (0: any). Adds tickets, password,
 * pending_password to the listing's fields. */
char *portero_store_contacts_search_json (PorteroStore *store, const char *customer, const char *search,
                                              gint64 id, GError **error);
char *portero_store_contacts_page_json (PorteroStore *store, const char *customer, const char *search,
                                        PorteroPage *page, GError **error);
typedef struct {
  const char *status;
  const char *customer;
  const char *contact;   /* an address of the requester */
  gint64 limit;          /* 0: no limit (PAGE, when set, says instead) */
  const char *since;     /* ISO 8601 UTC: only tickets with activity at or after it */
  const char *search;    /* only tickets whose title contains it, any case */
  PorteroPage *page;     /* NULL: every ticket, most recent activity first */
} PorteroTicketFilter;
char *portero_store_tickets_json (PorteroStore *store, const PorteroTicketFilter *filter, GError **error);
/* One ticket with its thread; NULL with PORTERO_ERROR_NOT_FOUND when absent. */
char *portero_store_ticket_json (PorteroStore *store, gint64 id, GError **error);
/* Messages that made no ticket. */
char *portero_store_unfiled_json (PorteroStore *store, GError **error);
/* Inbound messages (UNFILED: those that made no ticket), a page of them,
 * newest first by default. */
char *portero_store_messages_page_json (PorteroStore *store, gboolean unfiled, PorteroPage *page,
                                        GError **error);

/* A contact with what mail about it needs. */
typedef struct {
  gint64 id;              /* 0: no such contact */
  char *name;
  char *email;            /* primary address */
  gint64 customer_id;
  char *customer;
  gboolean main;
  gboolean default_customer;
  char *password_hash;
  char *pending_hash;
} PorteroContactInfo;

void portero_contact_info_clear (PorteroContactInfo *info);
gboolean portero_store_contact_info (PorteroStore *store, gint64 id, PorteroContactInfo *out, GError **error);
gboolean portero_store_contact_by_address (PorteroStore *store, const char *address, gint64 *id, GError **error);

typedef enum {
  PORTERO_PASSWORD_CURRENT,   /* replaces current and pending at once */
  PORTERO_PASSWORD_PENDING,   /* beside the current one until first used (the first password is current) */
} PorteroPasswordKind;

gboolean portero_store_contact_set_password (PorteroStore *store, gint64 contact, const char *hash,
                                             PorteroPasswordKind kind, GError **error);

/* A new reset code beside those still out: a new request voids none. */
gboolean portero_store_reset_token_set (PorteroStore *store, gint64 contact, const char *token_hash,
                                        int minutes, GError **error);
/* Use up the token: *VALID when it matched and had not expired; then the
 * contact's other codes are void too. */
gboolean portero_store_reset_token_take (PorteroStore *store, gint64 contact, const char *token_hash,
                                         gboolean *valid, GError **error);

/* Outgoing mail. */
typedef struct {
  gint64 id;
  gint64 ticket_id;
  gint64 contact_id;
  const char *kind;          /* welcome, rule, reply, reset */
  gboolean automatic;
  gboolean credential;
  const char *recipient;
  const char *envelope_from;
  const char *subject;
  const char *message_id;
  gboolean sealed;
  GBytes *body;
  const char *status;
  int attempts;
  const char *allowance;     /* whose rate allowance it uses: open, verified, requester:ID */
  gboolean new_address;      /* automatic mail to an address never heard from */
} PorteroOutboxRow;

/* For rows filled by portero_store_outbox_get (which owns their strings). */
void portero_outbox_row_clear (PorteroOutboxRow *row);
gboolean portero_store_outbox_add (PorteroStore *store, const PorteroOutboxRow *row, gint64 *id, GError **error);
gboolean portero_store_outbox_get (PorteroStore *store, gint64 id, PorteroOutboxRow *row, GError **error);
/* Ids of queued mail due now (or all queued mail when ALL). */
gboolean portero_store_outbox_due (PorteroStore *store, gboolean all, GArray *ids, GError **error);
/* Take mail ID for sending for LEASE_SECONDS: *CLAIMED false when it is no
 * longer due or another sender (another host's maintain) has it. */
gboolean portero_store_outbox_claim (PorteroStore *store, gint64 id, int lease_seconds, gboolean *claimed,
                                     GError **error);
/* Record an attempt: STATUS queued (retry in RETRY_SECONDS), sent, failed. */
gboolean portero_store_outbox_update (PorteroStore *store, gint64 id, const char *status, const char *last_error,
                                      int retry_seconds, GError **error);
/* A delivery report came back for the mail with MESSAGE_ID. */
gboolean portero_store_outbox_bounced (PorteroStore *store, const char *message_id, GError **error);
/* Automatic mail to RECIPIENT and/or for CONTACT (NULL/0: any) in the last HOURS. */
gboolean portero_store_outbox_recent (PorteroStore *store, const char *recipient, gint64 contact, int hours,
                                      gboolean credential_only, int *count, GError **error);
char *portero_store_outbox_json (PorteroStore *store, GError **error);
/* Credential mail to CONTACT on ALLOWANCE within HOURS (failed ones aside). */
gboolean portero_store_outbox_allowance_used (PorteroStore *store, gint64 contact, const char *allowance, int hours,
                                              int *count, GError **error);
/* Automatic mail to addresses never heard from, in the last hour. */
gboolean portero_store_outbox_new_address_count (PorteroStore *store, int *count, GError **error);
/* Record mail that LIMIT held back, so that `outbox list` shows it. */
gboolean portero_store_outbox_hold (PorteroStore *store, const PorteroOutboxRow *row, const char *limit,
                                    GError **error);
/* Whether portero heard genuinely from CONTACT: a technician added or
 * imported it, or it proved it reads the mail sent to it (a DMARC-verified
 * message, a portal sign-in, a reply to portero's own mail). */
gboolean portero_store_contact_heard (PorteroStore *store, gint64 contact, gboolean *heard, GError **error);
gboolean portero_store_contact_mark_heard (PorteroStore *store, gint64 contact, GError **error);
/* Failed portero auth attempts for CONTACT in the last hour (ADD: one more first). */
gboolean portero_store_auth_failures (PorteroStore *store, gint64 contact, gboolean add, int *count,
                                      GError **error);
/* What cron runs: PRAGMA optimize and a WAL checkpoint (which also takes
 * wiped bodies out of the -wal file). */
gboolean portero_store_maintain (PorteroStore *store, GError **error);

/* Deleted content is overwritten in the file, not only unlinked. */
gboolean portero_store_secure_delete (PorteroStore *store, GError **error);
/* Copy the WAL into the database and empty it: what secure_delete wiped is
 * then gone from the -wal file too. */
gboolean portero_store_checkpoint (PorteroStore *store, GError **error);

/* A ticket with what rules and templates read of it. */
typedef struct {
  gint64 id;             /* 0: no such ticket */
  char *title;
  char *status;
  char *priority;
  char *source;
  char *customer;
  char *requester;
  char *requester_name;
  gint64 customer_id;
  gint64 contact_id;
} PorteroTicketInfo;

void portero_ticket_info_clear (PorteroTicketInfo *info);
gboolean portero_store_ticket_info (PorteroStore *store, gint64 id, PorteroTicketInfo *out, GError **error);
/* Change what is not NULL (0 for the customer). */
gboolean portero_store_ticket_update (PorteroStore *store, gint64 id, const char *status, const char *priority,
                                      gint64 customer_id, GError **error);
/* The Message-ID (no <>) of TICKET's newest mail from outside, or NULL in
 * *MESSAGE_ID when it has none: what a technician's reply answers. */
gboolean portero_store_ticket_last_mail (PorteroStore *store, gint64 ticket, char **message_id, GError **error);
/* Give TICKET the contact CONTACT and file it under the contact's customer. */
gboolean portero_store_ticket_set_contact (PorteroStore *store, gint64 ticket, gint64 contact, GError **error);
/* "[#N] title (status, updated)" lines of the open tickets of CONTACT, or of
 * CUSTOMER (with the requester) when CONTACT is 0. STATUS_WORD (may be
 * NULL) says each status in the mail's language LANG. */
typedef const char *(*PorteroStatusWord) (const char *status, const char *lang);
gboolean portero_store_open_tickets (PorteroStore *store, gint64 contact, gint64 customer,
                                     PorteroStatusWord status_word, const char *lang, GPtrArray *lines,
                                     GError **error);

/* The technician's commands. */
char *portero_store_customer_json (PorteroStore *store, gint64 id, GError **error);
gboolean portero_store_customer_rename (PorteroStore *store, gint64 id, const char *name, GError **error);
gboolean portero_store_domain_remove (PorteroStore *store, const char *domain, gboolean *removed, GError **error);
/* Domains of CUSTOMER (0: all): [{domain, customer}]. */
char *portero_store_domains_json (PorteroStore *store, gint64 customer, GError **error);
/* Move the default customer's contacts with an address at DOMAIN (and their
 * tickets still filed under the default customer) to CUSTOMER. */
gboolean portero_store_domain_apply_existing (PorteroStore *store, const char *domain, gint64 customer, int *moved,
                                              GError **error);
gboolean portero_store_contact_email_add (PorteroStore *store, gint64 contact, const char *address, GError **error);
gboolean portero_store_contact_email_remove (PorteroStore *store, gint64 contact, const char *address, GError **error);
/* Change what is given: MAIN and AUTO_TICKETS -1 (keep), 0 or 1; NAME NULL; CUSTOMER 0. */
gboolean portero_store_contact_update (PorteroStore *store, gint64 contact, int main, int auto_tickets,
                                       const char *name, gint64 customer, GError **error);
/* FROM's addresses, tickets, messages and mail move to INTO; FROM is gone. */
gboolean portero_store_contact_merge (PorteroStore *store, gint64 from, gint64 into, GError **error);
/* ERASE also removes the raw bytes, text and attachment names of their
 * messages (a placeholder stays) and their queued mail. */
gboolean portero_store_contact_delete (PorteroStore *store, gint64 contact, gboolean erase, GError **error);
gboolean portero_store_outbox_queued_for (PorteroStore *store, gint64 contact, int *count, GError **error);
char *portero_store_message_json (PorteroStore *store, gint64 id, GError **error);
gboolean portero_store_message_envelope (PorteroStore *store, gint64 id, char **sender, char **recipient,
                                         char **original, char **queue_id, GError **error);
gboolean portero_store_message_delete (PorteroStore *store, gint64 id, GError **error);
gboolean portero_store_reset_tokens_expire (PorteroStore *store, int *removed, GError **error);
/* A consistent copy of the database at PATH (sqlite's online backup API);
 * PORTERO_ERROR_INVALID on PostgreSQL, whose pg_dump does it. */
gboolean portero_store_backup (PorteroStore *store, const char *path, GError **error);

/* ---- section: customers and contacts (technician's commands) ---- */

/* For contact delete --erase, before portero_store_contact_delete: the
 * titles of CONTACT's tickets (copies of the subjects it erases) give way to
 * the same placeholder. */
gboolean portero_store_contact_erase_titles (PorteroStore *store, gint64 contact, GError **error);

/* ---- section: import ---- */

/* ---- section: messages, tickets, templates, resets ---- */

/* Every inbound message stored (mail, and reports or loops kept as notes),
 * newest first: [{id, kind, ticket, from, date, subject, reason, auto, spam,
 * size}]; ticket is null and reason says why for what made no ticket. */
char *portero_store_messages_json (PorteroStore *store, GError **error);


/* ---- section: mail held back, per contact ---- */

/* The MAX newest mails to CONTACT that a limit held back, newest first: each
 * added to ROWS (free func g_strfreev) as { created, kind, subject, limit }. */
gboolean portero_store_contact_held_mail (PorteroStore *store, gint64 contact, guint max, GPtrArray *rows,
                                          GError **error);

/* ---- section: knowledge base ---- */

/* One article as the index keeps it: FILE its base name (NAME[.LANG].md),
 * VISIBILITY public, customers, internal or customer (then CUSTOMER names
 * it), HTML and TEXT its renderings, STAMP what tells a changed file. */
typedef struct {
  const char *file;
  const char *name;
  const char *lang;        /* "es", "en" or NULL */
  const char *title;
  const char *keywords;
  const char *visibility;
  const char *customer;
  const char *html;
  const char *text;
  const char *stamp;
  /* The words the search finds it by, per field (title, keywords, text):
   * folded word -> count (GUINT_TO_POINTER); TOKENS all words of the three. */
  GHashTable *words[3];
  gint64 tokens;
} PorteroKbRow;

/* Who reads: ALL technicians (every article, internal ones too);
 * CUSTOMERS a contact of a customer other than the default one; CUSTOMER
 * that customer's name (NULL: none). Nobody else sees more than public. */
typedef struct {
  gboolean all;
  gboolean customers;
  const char *customer;
} PorteroKbAudience;

typedef struct {
  char *name;
  char *lang;
  char *title;
  char *visibility;
  char *text;
  char *html;
  double score;   /* higher is better; comparable within one search */
} PorteroKbHit;
void portero_kb_hit_free (PorteroKbHit *hit);

/* Every indexed file's stamp into STAMPS (file -> stamp, both newly allocated). */
gboolean portero_store_kb_stamps (PorteroStore *store, GHashTable *stamps, GError **error);
/* Index R, replacing what was indexed for R->file. */
gboolean portero_store_kb_put (PorteroStore *store, const PorteroKbRow *r, GError **error);
gboolean portero_store_kb_remove (PorteroStore *store, const char *file, GError **error);
/* [{name, lang, title, keywords, visibility, customer, file, text, html}]
 * that AUDIENCE may read, of article NAME (its language versions) or, NAME
 * NULL, of all; by name and language. */
char *portero_store_kb_json (PorteroStore *store, const PorteroKbAudience *audience, const char *name,
                             GError **error);
/* Full-text search: articles AUDIENCE may read that contain a word starting
 * with one of TERMS (folded words, no syntax), at most LIMIT, best first,
 * appended to HITS (of PorteroKbHit *). Accents and case do not count.
 * Ranked by Okapi BM25 (k1 1.2, b 0.75; title x8, keywords x5, text x1),
 * computed here from the index's counts, so that every engine ranks alike. */
gboolean portero_store_kb_search (PorteroStore *store, const char *const *terms, const PorteroKbAudience *audience,
                                  int limit, GPtrArray *hits, GError **error);

/* ---- section: customer portal ---- */

/* How long a portal session lasts: unused, and at most (the portal's rule;
 * portero maintain removes what outlived it). */
#define PORTERO_PORTAL_SESSION_IDLE (30 * 60)
#define PORTERO_PORTAL_SESSION_ABSOLUTE (12 * 60 * 60)
/* Remove the portal sessions unused for IDLE seconds or older than ABSOLUTE,
 * and the failed sign-ins older than the hour they count for: both hold
 * client addresses, kept no longer than they serve. *SESSIONS and *FAILURES
 * (may be NULL): how many rows went. */
gboolean portero_store_portal_expire (PorteroStore *store, int idle, int absolute, gint64 *sessions,
                                      gint64 *failures, GError **error);

/* A session of CONTACT whose cookie token has TOKEN_HASH (SHA-256 hex), with
 * its CSRF token; sessions unused for IDLE seconds or older than ABSOLUTE
 * are removed. */
gboolean portero_store_portal_session_add (PorteroStore *store, const char *token_hash, gint64 contact,
                                          const char *csrf, const char *client, const char *agent, int idle,
                                          int absolute, GError **error);
/* CONTACT's sessions still within IDLE and ABSOLUTE, last used first: rows of
 * { created, last_seen, client, agent, "1" for the one with TOKEN_HASH }. */
gboolean portero_store_portal_sessions (PorteroStore *store, gint64 contact, const char *token_hash, int idle,
                                        int absolute, GPtrArray *rows, GError **error);
/* Delete every session of CONTACT but the one with TOKEN_HASH; *ENDED (may
 * be NULL): how many. */
gboolean portero_store_portal_sessions_end_others (PorteroStore *store, gint64 contact, const char *token_hash,
                                                   gint64 *ended, GError **error);
/* The session with TOKEN_HASH: *CONTACT 0 when none, or when it has been
 * unused for IDLE seconds or lived ABSOLUTE seconds (then it is removed);
 * else its last use is now (to the minute). */
gboolean portero_store_portal_session_get (PorteroStore *store, const char *token_hash, int idle, int absolute,
                                          gint64 *contact, char **csrf, GError **error);
gboolean portero_store_portal_session_delete (PorteroStore *store, const char *token_hash, GError **error);
/* Failed portal sign-ins from CLIENT (an IP address) in the last hour (ADD:
 * one more first). */
gboolean portero_store_portal_failures (PorteroStore *store, const char *client, gboolean add, int *n,
                                       GError **error);
/* Tickets of CONTACT, or of CUSTOMER when not 0, newest activity first:
 * rows (g_strfreev) of { id, title, status, updated, requester }. */
gboolean portero_store_portal_tickets (PorteroStore *store, gint64 contact, gint64 customer, GPtrArray *rows,
                                      GError **error);
/* What a customer may read of TICKET's thread (no notes, no spam), oldest
 * first: rows of { id, kind, from, name, date, body, attachment count }. */
gboolean portero_store_portal_thread (PorteroStore *store, gint64 ticket, GPtrArray *rows, GError **error);
/* MESSAGE's attachments: rows of { name, type, size }, in their order. */
gboolean portero_store_portal_attachments (PorteroStore *store, gint64 message, GPtrArray *rows, GError **error);
/* The ticket of MESSAGE when a customer may read it (0: none, a note). */
gboolean portero_store_portal_message_ticket (PorteroStore *store, gint64 message, gint64 *ticket,
                                             GError **error);
/* Knowledge-base articles AUDIENCE may read, of NAME (its language
 * versions; NULL: all, without their HTML), by name and language: rows of
 * { name, lang ("" for none), title, html }. */
gboolean portero_store_portal_articles (PorteroStore *store, const PorteroKbAudience *audience, const char *name,
                                       GPtrArray *rows, GError **error);
