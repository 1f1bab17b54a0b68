/* store - every SQL statement, migrations, transactions, on the sql interface
 *
 * Each statement is written once for both engines: ?N parameters, ON
 * CONFLICT, RETURNING, and times computed here and bound as ISO 8601 text
 * (see bind_args' 'T'), so that no engine's date functions appear. What
 * differs is a @NAME@ fragment of the dialect (sql.h). */
#include "store-private.h"
#include "error.h"
#include "mail.h"
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <sodium.h>

struct _PorteroStore {
  PorteroSql *db;
  int commits;           /* transactions committed (portero_store_may_retry) */
};

/* Migrations: entry N takes schema version N to N + 1. Never edit one that
 * has shipped; add the next. @NAME@ is the dialect's fragment (sql.h). */
static const char *const migrations[] = {
  /* 1: the first schema */
  "CREATE TABLE customers ("
  "  id @ID@,"
  "  name TEXT NOT NULL UNIQUE @NOCASE@,"
  "  is_default INTEGER NOT NULL DEFAULT 0,"
  "  created TEXT NOT NULL DEFAULT @NOW@);"
  "CREATE UNIQUE INDEX customers_one_default ON customers(is_default) WHERE is_default = 1;"
  "CREATE TABLE domains ("
  "  domain TEXT PRIMARY KEY,"
  "  customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE);"
  "CREATE INDEX domains_customer ON domains(customer_id);"
  "CREATE TABLE contacts ("
  "  id @ID@,"
  "  customer_id INTEGER NOT NULL REFERENCES customers(id),"
  "  name TEXT NOT NULL DEFAULT '',"
  "  main INTEGER NOT NULL DEFAULT 0,"
  "  auto_tickets INTEGER NOT NULL DEFAULT 1,"
  "  source TEXT NOT NULL CHECK (source IN ('email','manual','csv','azure-ad')),"
  "  domain TEXT NOT NULL DEFAULT '',"
  /* argon2id hashes only: the current password and one pending, issued by automatic mail */
  "  password_hash TEXT,"
  "  pending_hash TEXT,"
  "  created TEXT NOT NULL DEFAULT @NOW@);"
  "CREATE INDEX contacts_customer ON contacts(customer_id);"
  "CREATE INDEX contacts_domain_created ON contacts(domain, created);"
  "CREATE TABLE contact_emails ("
  "  email TEXT PRIMARY KEY,"
  "  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,"
  "  is_primary INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX contact_emails_contact ON contact_emails(contact_id);"
  "CREATE TABLE tickets ("
  "  id @SERIAL@,"
  "  title TEXT NOT NULL,"
  "  status TEXT NOT NULL DEFAULT 'open',"
  "  priority TEXT NOT NULL DEFAULT 'normal',"
  "  customer_id INTEGER NOT NULL REFERENCES customers(id),"
  "  contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,"
  "  requester TEXT NOT NULL,"
  "  source TEXT NOT NULL DEFAULT 'email',"
  "  created TEXT NOT NULL DEFAULT @NOW@,"
  "  updated TEXT NOT NULL DEFAULT @NOW@);"
  "CREATE INDEX tickets_customer ON tickets(customer_id);"
  "CREATE INDEX tickets_contact ON tickets(contact_id);"
  "CREATE INDEX tickets_requester ON tickets(requester);"
  "CREATE INDEX tickets_status ON tickets(status);"
  "CREATE TABLE messages ("
  "  id @ID@,"
  "  ticket_id INTEGER REFERENCES tickets(id) ON DELETE SET NULL,"
  "  contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,"
  "  kind TEXT NOT NULL CHECK (kind IN ('mail','note','reply','auto')),"
  "  message_id TEXT NOT NULL DEFAULT '',"
  "  envelope_sender TEXT,"
  "  envelope_recipient TEXT NOT NULL DEFAULT '',"
  "  original_recipient TEXT,"
  "  queue_id TEXT,"
  "  from_addr TEXT NOT NULL DEFAULT '',"
  "  from_name TEXT NOT NULL DEFAULT '',"
  "  subject TEXT NOT NULL DEFAULT '',"
  "  date TEXT NOT NULL,"
  "  body TEXT NOT NULL DEFAULT '',"
  "  auto INTEGER NOT NULL DEFAULT 0,"
  "  auto_reason TEXT,"
  "  spam INTEGER NOT NULL DEFAULT 0,"
  "  id_reused INTEGER NOT NULL DEFAULT 0,"
  "  unfiled_reason TEXT,"
  "  content_hash TEXT NOT NULL DEFAULT '',"
  "  raw @BLOB@,"
  "  raw_size INTEGER NOT NULL DEFAULT 0,"
  "  received TEXT NOT NULL DEFAULT @NOW@);"
  /* The duplicate key of an MTA retry; '' stands for a missing Message-ID. */
  "CREATE UNIQUE INDEX messages_dedupe ON messages(message_id, envelope_recipient, content_hash)"
  "  WHERE content_hash <> '';"
  "CREATE INDEX messages_ticket ON messages(ticket_id);"
  /* threading looks up References by Message-ID on every reply */
  "CREATE INDEX messages_message_id ON messages(message_id);"
  "CREATE INDEX messages_unfiled ON messages(id) WHERE ticket_id IS NULL;"
  "CREATE TABLE attachments ("
  "  id @ID@,"
  "  message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,"
  "  name TEXT NOT NULL DEFAULT '',"
  "  type TEXT NOT NULL,"
  "  size INTEGER NOT NULL);"
  "CREATE INDEX attachments_message ON attachments(message_id);"
  "CREATE TABLE reset_tokens ("
  "  contact_id INTEGER PRIMARY KEY REFERENCES contacts(id) ON DELETE CASCADE,"
  "  token_hash TEXT NOT NULL,"
  "  expires TEXT NOT NULL);"
  "CREATE TABLE outbox ("
  "  id @ID@,"
  "  ticket_id INTEGER REFERENCES tickets(id) ON DELETE SET NULL,"
  "  contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,"
  "  kind TEXT NOT NULL,"
  "  automatic INTEGER NOT NULL DEFAULT 1,"
  "  credential INTEGER NOT NULL DEFAULT 0,"
  "  recipient TEXT NOT NULL,"
  "  envelope_from TEXT NOT NULL DEFAULT '',"
  "  subject TEXT NOT NULL DEFAULT '',"
  "  message_id TEXT NOT NULL,"
  /* body: the whole message; nonce and secretbox when sealed; NULL once sent */
  "  sealed INTEGER NOT NULL DEFAULT 0,"
  "  body @BLOB@,"
  "  status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','sent','failed','bounced')),"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  next_attempt TEXT NOT NULL DEFAULT @NOW@,"
  "  last_error TEXT,"
  "  created TEXT NOT NULL DEFAULT @NOW@,"
  "  sent TEXT);"
  "CREATE INDEX outbox_due ON outbox(status, next_attempt);"
  "CREATE INDEX outbox_recipient ON outbox(recipient, created);"
  "CREATE INDEX outbox_contact ON outbox(contact_id, created);"
  "CREATE INDEX outbox_message_id ON outbox(message_id);",
  /* 2: separate allowances for requests anyone can forge (allowance), mail
   * to addresses never heard from (new_address; heard: the contact proved
   * it reads its mail), mail a limit held back (held: the limit), several
   * live reset codes a contact, failed portero auth attempts */
  "ALTER TABLE outbox ADD COLUMN allowance TEXT NOT NULL DEFAULT 'open';"
  "ALTER TABLE outbox ADD COLUMN new_address INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE outbox ADD COLUMN held TEXT;"
  "ALTER TABLE contacts ADD COLUMN heard INTEGER NOT NULL DEFAULT 0;"
  "CREATE INDEX outbox_created ON outbox(created);"
  "CREATE TABLE reset_codes ("
  "  id @ID@,"
  "  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,"
  "  token_hash TEXT NOT NULL,"
  "  expires TEXT NOT NULL);"
  "INSERT INTO reset_codes(contact_id, token_hash, expires) SELECT contact_id, token_hash, expires FROM reset_tokens;"
  "DROP TABLE reset_tokens;"
  "ALTER TABLE reset_codes RENAME TO reset_tokens;"
  "CREATE INDEX reset_tokens_contact ON reset_tokens(contact_id);"
  "CREATE TABLE auth_failures ("
  "  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,"
  "  at TEXT NOT NULL DEFAULT @NOW@);"
  "CREATE INDEX auth_failures_contact ON auth_failures(contact_id, at);",
  /* 3: every envelope recipient of a stored message. One message to two
   * support addresses is one request, stored once (Postfix delivers a copy
   * to each); the recipients it came to are recorded here. */
  "CREATE TABLE message_recipients ("
  "  message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,"
  "  recipient TEXT NOT NULL,"
  "  original_recipient TEXT,"
  "  queue_id TEXT,"
  "  received TEXT NOT NULL DEFAULT @NOW@,"
  "  PRIMARY KEY (message_id, recipient));"
  "INSERT INTO message_recipients(message_id, recipient, original_recipient, queue_id, received)"
  "  SELECT id, envelope_recipient, original_recipient, queue_id, received FROM messages"
  "  WHERE content_hash <> '';",
  /* 4: the time until which one sender holds a queued mail (NULL: none),
   * so that two senders (two hosts' maintain) never send it twice */
  "ALTER TABLE outbox ADD COLUMN claimed TEXT;",
  /* 5: the knowledge base, indexed from its folder by `portero kb sync`.
   * The files stay the truth; this is their index and rendering. The
   * search index is plain tables that every engine has, not an engine's
   * full-text index, so that each ranks alike: kb_terms counts each folded
   * word of each field (0 title, 1 keywords, 2 text), `tokens` all the
   * words of an article (bm25's length). */
  "CREATE TABLE kb_articles ("
  "  id @ID@,"
  "  file TEXT NOT NULL UNIQUE,"
  "  name TEXT NOT NULL,"
  "  lang TEXT,"
  "  title TEXT NOT NULL,"
  "  keywords TEXT NOT NULL DEFAULT '',"
  "  visibility TEXT NOT NULL CHECK (visibility IN ('public', 'customers', 'internal', 'customer')),"
  "  customer TEXT,"
  "  stamp TEXT NOT NULL,"
  "  tokens BIGINT NOT NULL DEFAULT 0,"
  /* last: a search reads the columns above without the long ones */
  "  html TEXT NOT NULL,"
  "  text TEXT NOT NULL);"
  "CREATE INDEX kb_articles_name ON kb_articles(name);"
  /* the total length without reading every article */
  "CREATE INDEX kb_articles_tokens ON kb_articles(tokens);"
  "CREATE TABLE kb_terms ("
  "  term TEXT NOT NULL @BINARY@,"
  "  article_id BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,"
  "  field INTEGER NOT NULL CHECK (field IN (0, 1, 2)),"
  "  n INTEGER NOT NULL);"
  /* a search reads this index alone */
  "CREATE INDEX kb_terms_term ON kb_terms(term, article_id, field, n);"
  "CREATE INDEX kb_terms_article ON kb_terms(article_id);",
  /* 6: the listings' orders, each filter's index ending in the order's key
   * (a page of 50 is read from the index, whatever the table holds); they
   * replace the single-column ticket indexes they start with. */
  "CREATE INDEX tickets_updated ON tickets(updated, id);"
  "CREATE INDEX tickets_status_updated ON tickets(status, updated, id);"
  "CREATE INDEX tickets_customer_updated ON tickets(customer_id, updated, id);"
  "CREATE INDEX tickets_contact_updated ON tickets(contact_id, updated, id);"
  "CREATE INDEX tickets_requester_updated ON tickets(requester, updated, id);"
  "DROP INDEX tickets_status;"
  "DROP INDEX tickets_customer;"
  "DROP INDEX tickets_contact;"
  "DROP INDEX tickets_requester;"
  "CREATE INDEX contacts_name_order ON contacts(lower(name), id);"
  "CREATE INDEX customers_name_order ON customers(lower(name), id);",
  /* 7: the customer portal's sessions (only a hash of the cookie's token is
   * kept) and its failed sign-ins per client address */
  "CREATE TABLE portal_sessions ("
  "  id @ID@,"
  "  token_hash TEXT NOT NULL UNIQUE,"
  "  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,"
  "  csrf TEXT NOT NULL,"
  "  created TEXT NOT NULL,"
  "  last_seen TEXT NOT NULL);"
  "CREATE INDEX portal_sessions_contact ON portal_sessions(contact_id);"
  "CREATE TABLE portal_failures ("
  "  client TEXT NOT NULL,"
  "  at TEXT NOT NULL);"
  "CREATE INDEX portal_failures_client ON portal_failures(client, at);",
  /* 8: an index of ticket titles for ticket list --search (the dialect's:
   * SQLite's FTS5 trigram table, PostgreSQL's pg_trgm), with the titles
   * there are */
  "@TITLE_INDEX@",
  /* 9: the portal's sessions say where they were opened, for the contact's
   * list of them: the client address and a summary of the browser */
  "ALTER TABLE portal_sessions ADD COLUMN client TEXT NOT NULL DEFAULT '';"
  "ALTER TABLE portal_sessions ADD COLUMN agent TEXT NOT NULL DEFAULT '';",
  /* 10: an index of contacts' names and addresses for contact list
   * --search (as 8 for titles), with the contacts there are */
  "@CONTACT_INDEX@",
};

int
portero_store_schema_version (void)
{
  return G_N_ELEMENTS (migrations);
}

PorteroSql *
portero_store_db (PorteroStore *store)
{
  return store->db;
}

/* The current UTC time plus SECONDS, as the schema stores times. */
static char *
iso_time (int seconds)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GDateTime) t = g_date_time_add_seconds (now, seconds);
  return g_date_time_format (t, "%Y-%m-%dT%H:%M:%SZ");
}

/* Bind the parameters ?1, ?2 ... from AP as FMT says, one letter each:
 * i gint64, d gint64 id (0 binds NULL), n int, t text (NULL binds NULL),
 * b GBytes (NULL binds NULL), T int seconds from now (a time). */
static void
bind_args (PorteroSqlStmt *s, const char *fmt, va_list ap)
{
  for (int i = 1; fmt[i - 1] != '\0'; i++)
    switch (fmt[i - 1])
      {
      case 'i':
        portero_sql_bind_int64 (s, i, va_arg (ap, gint64));
        break;
      case 'd':
        portero_sql_bind_id (s, i, va_arg (ap, gint64));
        break;
      case 'n':
        portero_sql_bind_int64 (s, i, va_arg (ap, int));
        break;
      case 't':
        portero_sql_bind_text (s, i, va_arg (ap, const char *));
        break;
      case 'b':
        {
          GBytes *b = va_arg (ap, GBytes *);
          gsize len = 0;
          gconstpointer data = b ? g_bytes_get_data (b, &len) : NULL;
          if (b == NULL)
            portero_sql_bind_null (s, i);
          else
            portero_sql_bind_blob (s, i, data, len);
          break;
        }
      case 'T':
        {
          /* The statement runs after this call returns: the text must
           * outlive it; the last few stay (a statement binds one or two). */
          static GPtrArray *times;
          if (times == NULL)
            times = g_ptr_array_new_with_free_func (g_free);
          if (times->len > 32)
            g_ptr_array_remove_range (times, 0, 16);
          char *t = iso_time (va_arg (ap, int));
          g_ptr_array_add (times, t);
          portero_sql_bind_text (s, i, t);
          break;
        }
      default:
        g_assert_not_reached ();
      }
}

PorteroSqlStmt *
portero_store_query (PorteroStore *store, GError **error, const char *sql, const char *fmt, ...)
{
  PorteroSqlStmt *s = portero_sql_prepare (store->db, sql, error);
  if (s == NULL)
    return NULL;
  va_list ap;
  va_start (ap, fmt);
  bind_args (s, fmt, ap);
  va_end (ap);
  return s;
}

/* Run SQL to its end; *CHANGES (may be NULL) the rows it changed. */
static gboolean
run (PorteroStore *store, GError **error, gint64 *changes, const char *sql, const char *fmt, ...)
{
  PorteroSqlStmt *s = portero_sql_prepare (store->db, sql, error);
  if (s == NULL)
    return FALSE;
  va_list ap;
  va_start (ap, fmt);
  bind_args (s, fmt, ap);
  va_end (ap);
  gboolean row;
  if (!portero_sql_step (s, &row, error))
    return FALSE;
  if (changes)
    *changes = portero_sql_changes (s);
  portero_sql_reset (s);
  return TRUE;
}

/* The first row of SQL: the statement, with *FOUND FALSE when there is no
 * row; NULL on failure. The caller reads it and calls portero_sql_reset. */
static PorteroSqlStmt *
first_row (PorteroStore *store, GError **error, gboolean *found, const char *sql, const char *fmt, ...)
{
  PorteroSqlStmt *s = portero_sql_prepare (store->db, sql, error);
  if (s == NULL)
    return NULL;
  va_list ap;
  va_start (ap, fmt);
  bind_args (s, fmt, ap);
  va_end (ap);
  if (!portero_sql_step (s, found, error))
    return NULL;
  return s;
}

/* The integer in the first column of the first row (0 when none or NULL):
 * an id, a count, or the id an INSERT ... RETURNING made. */
static gboolean
value (PorteroStore *store, GError **error, gint64 *out, const char *sql, const char *fmt, ...)
{
  PorteroSqlStmt *s = portero_sql_prepare (store->db, sql, error);
  if (s == NULL)
    return FALSE;
  va_list ap;
  va_start (ap, fmt);
  bind_args (s, fmt, ap);
  va_end (ap);
  gboolean row;
  if (!portero_sql_step (s, &row, error))
    return FALSE;
  gint64 v = row ? portero_sql_column_int64 (s, 0) : 0;
  portero_sql_reset (s);
  if (out)
    *out = v;
  return TRUE;
}

static gboolean
count (PorteroStore *store, GError **error, int *out, const char *sql, const char *fmt, ...)
{
  PorteroSqlStmt *s = portero_sql_prepare (store->db, sql, error);
  if (s == NULL)
    return FALSE;
  va_list ap;
  va_start (ap, fmt);
  bind_args (s, fmt, ap);
  va_end (ap);
  gboolean row;
  if (!portero_sql_step (s, &row, error))
    return FALSE;
  *out = row ? (int) portero_sql_column_int64 (s, 0) : 0;
  portero_sql_reset (s);
  return TRUE;
}

static char *
column_dup (PorteroSqlStmt *s, int i)
{
  return g_strdup (portero_sql_column_text (s, i));
}

/* "%TEXT%" for LIKE with \ as the escape: a % or _ in TEXT is itself. */
static char *
like_pattern (const char *prefix, const char *text, const char *suffix)
{
  GString *p = g_string_new (prefix);
  for (const char *c = text; *c; c++)
    {
      if (*c == '%' || *c == '_' || *c == '\\')
        g_string_append_c (p, '\\');
      g_string_append_c (p, *c);
    }
  g_string_append (p, suffix);
  return g_string_free (p, FALSE);
}

static gboolean
migrate (PorteroStore *store, GError **error)
{
  int version = 0;
  /* Two hosts upgrading one database at once: one migrates, the other
   * then finds it done. */
  if (!portero_store_begin (store, error))
    return FALSE;
  if (!portero_sql_lock (store->db, "schema", error) || !portero_sql_get_version (store->db, &version, error))
    goto fail;
  for (int v = version; v < (int) G_N_ELEMENTS (migrations); v++)
    {
      g_autofree char *ddl = portero_sql_ddl (store->db, migrations[v]);
      if (!portero_sql_exec (store->db, ddl, error) || !portero_sql_set_version (store->db, v + 1, error))
        goto fail;
    }
  return portero_store_commit (store, error);
fail:
  portero_store_rollback (store);
  return FALSE;
}

void
portero_store_close (PorteroStore *store)
{
  if (store == NULL)
    return;
  portero_sql_close (store->db);
  g_free (store);
}

static PorteroStore *
store_new (PorteroSql *db)
{
  PorteroStore *store = g_new0 (PorteroStore, 1);
  store->db = db;
  return store;
}

gboolean
portero_store_create (const char *target, const char *default_customer, GError **error)
{
  PorteroSql *db = portero_sql_open (target, PORTERO_SQL_CREATE, 30, error);
  if (db == NULL)
    return FALSE;
  g_autoptr (PorteroStore) store = store_new (db);
  int version = 0;
  if (!portero_sql_get_version (db, &version, error))
    return FALSE;
  if (version != 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "database %s exists already", target);
      return FALSE;
    }
  if (!migrate (store, error) || !portero_store_begin (store, error))
    return FALSE;
  if (!run (store, error, NULL, "INSERT INTO customers(name, is_default) VALUES (?, 1)", "t", default_customer))
    {
      portero_store_rollback (store);
      return FALSE;
    }
  return portero_store_commit (store, error);
}

gboolean
portero_store_is_server (const char *path)
{
  return portero_sql_is_pgsql (path);
}

gboolean
portero_store_init (const char *path, const char *default_customer, int busy_timeout, gboolean *created,
                    GError **error)
{
  int version = 0;
  *created = FALSE;
  {
    g_autoptr (PorteroSql) db = portero_sql_open (path, PORTERO_SQL_WRITE, busy_timeout, error);
    if (db == NULL || !portero_sql_get_version (db, &version, error))
      return FALSE;
  }
  if (version == 0)
    {
      *created = TRUE;
      return portero_store_create (path, default_customer, error);
    }
  g_autoptr (PorteroStore) store = portero_store_open (path, PORTERO_STORE_WRITE, busy_timeout, error);
  return store != NULL;
}

PorteroStore *
portero_store_open (const char *target, PorteroStoreMode mode, int busy_timeout, GError **error)
{
  PorteroSql *db = portero_sql_open (target, mode == PORTERO_STORE_WRITE ? PORTERO_SQL_WRITE : PORTERO_SQL_READ,
                                     busy_timeout, error);
  if (db == NULL)
    return NULL;
  g_autoptr (PorteroStore) store = store_new (db);
  int version = 0;
  if (!portero_sql_get_version (db, &version, error))
    return NULL;
  if (version == 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL,
                   "database %s is not initialised (run portero init)", target);
      return NULL;
    }
  if (version > portero_store_schema_version ())
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_SCHEMA,
                   "database %s has schema version %d, newer than this portero knows (%d): "
                   "upgrade portero", target, version, portero_store_schema_version ());
      return NULL;
    }
  if (version < portero_store_schema_version ())
    {
      if (mode != PORTERO_STORE_WRITE)
        {
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL,
                       "database %s has schema version %d and needs an upgrade "
                       "(run any writing portero command)", target, version);
          return NULL;
        }
      if (!migrate (store, error))
        return NULL;
    }
  return g_steal_pointer (&store);
}

gboolean
portero_store_describe (PorteroStore *store, char **backend, char **server, int *schema, GError **error)
{
  *backend = g_strdup (portero_sql_dialect (store->db)->name);
  *server = portero_sql_server_version (store->db);
  return portero_sql_get_version (store->db, schema, error);
}

void
portero_store_set_deadline (PorteroStore *store, gint64 deadline)
{
  portero_sql_set_deadline (store->db, deadline);
}

gboolean
portero_store_begin (PorteroStore *store, GError **error)
{
  return portero_sql_begin (store->db, error);
}

gboolean
portero_store_commit (PorteroStore *store, GError **error)
{
  if (!portero_sql_commit (store->db, error))
    return FALSE;
  store->commits++;
  return TRUE;
}

void
portero_store_rollback (PorteroStore *store)
{
  portero_sql_rollback (store->db);
}

/* Enough for two or three deliveries that keep meeting; the deadline ends
 * it sooner. */
#define TRANSACTION_ATTEMPTS 8

gboolean
portero_store_transaction (PorteroStore *store, PorteroStoreWork work, gpointer data, GError **error)
{
  for (int attempt = 1;; attempt++)
    {
      g_autoptr (GError) local = NULL;
      gboolean commit = TRUE;
      if (portero_sql_begin (store->db, &local) && work (store, data, &commit, &local))
        {
          if (!commit)
            {
              portero_sql_rollback (store->db);
              return TRUE;
            }
          if (portero_store_commit (store, &local))
            return TRUE;
        }
      portero_sql_rollback (store->db);
      if (attempt >= TRANSACTION_ATTEMPTS || !portero_sql_retry (store->db))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      /* The transaction we met may still be finishing: a random pause, so
       * that the two do not meet again at once. */
      g_usleep ((gulong) g_random_int_range (2000, 20000) * (gulong) attempt);
    }
}

gboolean
portero_store_may_retry (PorteroStore *store, int attempt)
{
  if (store->commits > 0 || attempt >= TRANSACTION_ATTEMPTS || !portero_sql_retry (store->db))
    return FALSE;
  portero_sql_rollback (store->db);
  g_usleep ((gulong) g_random_int_range (2000, 20000) * (gulong) attempt);
  return TRUE;
}

gboolean
portero_store_customer_find (PorteroStore *store, const char *name, gint64 *id, GError **error)
{
  return value (store, error, id, "SELECT id FROM customers WHERE lower(name) = lower(?)", "t", name);
}

gboolean
portero_store_customer_default (PorteroStore *store, gint64 *id, GError **error)
{
  if (!value (store, error, id, "SELECT id FROM customers WHERE is_default = 1", ""))
    return FALSE;
  if (*id == 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL,
                   "database %s has no default customer (run portero init)", portero_sql_target (store->db));
      return FALSE;
    }
  return TRUE;
}

gboolean
portero_store_customer_for_domain (PorteroStore *store, const char *domain, gint64 *id, GError **error)
{
  return value (store, error, id, "SELECT customer_id FROM domains WHERE domain = ?", "t", domain);
}

gboolean
portero_store_customer_add (PorteroStore *store, const char *name, gint64 *id, GError **error)
{
  gint64 existing = 0;
  if (!portero_store_customer_find (store, name, &existing, error))
    return FALSE;
  if (existing != 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "\"%s\" exists already", name);
      return FALSE;
    }
  return value (store, error, id, "INSERT INTO customers(name) VALUES (?) RETURNING id", "t", name);
}

gboolean
portero_store_domain_add (PorteroStore *store, gint64 customer_id, const char *domain, GError **error)
{
  gboolean row;
  PorteroSqlStmt *s = first_row (store, error, &row,
                                 "SELECT c.id, c.name FROM domains d JOIN customers c ON c.id = d.customer_id "
                                 "WHERE d.domain = ?", "t", domain);
  if (s == NULL)
    return FALSE;
  if (row)
    {
      gboolean same = portero_sql_column_int64 (s, 0) == customer_id;
      g_autofree char *owner = column_dup (s, 1);
      portero_sql_reset (s);
      if (same)
        return TRUE;
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "domain %s belongs to \"%s\" already",
                   domain, owner);
      return FALSE;
    }
  return run (store, error, NULL, "INSERT INTO domains(domain, customer_id) VALUES (?, ?)", "ti", domain, customer_id);
}

gboolean
portero_store_contact_find (PorteroStore *store, const char *address, PorteroContactRef *out, GError **error)
{
  memset (out, 0, sizeof *out);
  /* Two deliveries from one new address at once make one contact (and one
   * welcome mail): the second waits here until the first commits. */
  g_autofree char *key = g_strconcat ("address:", address, NULL);
  if (!portero_sql_lock (store->db, key, error))
    return FALSE;
  gboolean row;
  PorteroSqlStmt *s = first_row (store, error, &row,
                                 "SELECT c.id, c.customer_id, c.auto_tickets, c.main FROM contact_emails e "
                                 "JOIN contacts c ON c.id = e.contact_id WHERE e.email = ?", "t", address);
  if (s == NULL)
    return FALSE;
  if (row)
    {
      out->id = portero_sql_column_int64 (s, 0);
      out->customer_id = portero_sql_column_int64 (s, 1);
      out->auto_tickets = portero_sql_column_int64 (s, 2) != 0;
      out->main = portero_sql_column_int64 (s, 3) != 0;
      portero_sql_reset (s);
    }
  return TRUE;
}

/* Drop row ID's entry from the search index IDX, where the store keeps it,
 * in the transaction that changed or deleted the row. */
static gboolean
search_forget (PorteroStore *store, const PorteroSqlSearch *idx, gint64 id, GError **error)
{
  return idx->forget == NULL || run (store, error, NULL, idx->forget, "i", id);
}

/* Tell the search index IDX row ID's text (FORGET: replacing what it had),
 * where the store keeps it, in the transaction that wrote the text. */
static gboolean
search_learn (PorteroStore *store, const PorteroSqlSearch *idx, gint64 id, gboolean forget, GError **error)
{
  if (idx->learn == NULL)
    return TRUE;
  return (!forget || search_forget (store, idx, id, error)) && run (store, error, NULL, idx->learn, "i", id);
}

/* After an erasure, rewrite the search index IDX without what it dropped. */
static gboolean
search_purge (PorteroStore *store, const PorteroSqlSearch *idx, GError **error)
{
  return idx->purge == NULL || run (store, error, NULL, idx->purge, "");
}

#define CONTACTS (&portero_sql_dialect (store->db)->contacts)
#define TITLES (&portero_sql_dialect (store->db)->titles)

gboolean
portero_store_contact_add (PorteroStore *store, const char *address, const char *name, gint64 customer_id,
                           const char *source, gint64 *id, GError **error)
{
  const char *at = strrchr (address, '@');
  gint64 contact = 0;
  if (!value (store, error, &contact,
              "INSERT INTO contacts(customer_id, name, source, domain) VALUES (?, ?, ?, ?) RETURNING id",
              "ittt", customer_id, name ? name : "", source, at ? at + 1 : "")
      || !run (store, error, NULL, "INSERT INTO contact_emails(email, contact_id, is_primary) VALUES (?, ?, 1)",
               "ti", address, contact)
      || !search_learn (store, CONTACTS, contact, FALSE, error))
    return FALSE;
  if (id)
    *id = contact;
  return TRUE;
}

gboolean
portero_store_contacts_created_last_hour (PorteroStore *store, const char *domain, int *n, GError **error)
{
  /* The per-domain cap holds across hosts: one count-then-add at a time. */
  g_autofree char *key = g_strconcat ("domain:", domain, NULL);
  return portero_sql_lock (store->db, key, error)
         && count (store, error, n,
                   "SELECT count(*) FROM contacts WHERE domain = ? AND source = 'email' AND created >= ?",
                   "tT", domain, -3600);
}

void
portero_ticket_ref_clear (PorteroTicketRef *ref)
{
  g_clear_pointer (&ref->requester, g_free);
  g_clear_pointer (&ref->status, g_free);
  memset (ref, 0, sizeof *ref);
}

gboolean
portero_store_ticket_get (PorteroStore *store, gint64 id, PorteroTicketRef *out, GError **error)
{
  portero_ticket_ref_clear (out);
  gboolean row;
  PorteroSqlStmt *s = first_row (store, error, &row,
                                 "SELECT id, customer_id, contact_id, requester, status FROM tickets WHERE id = ?",
                                 "i", id);
  if (s == NULL)
    return FALSE;
  if (row)
    {
      out->id = portero_sql_column_int64 (s, 0);
      out->customer_id = portero_sql_column_int64 (s, 1);
      out->contact_id = portero_sql_column_int64 (s, 2);
      out->requester = column_dup (s, 3);
      out->status = column_dup (s, 4);
      portero_sql_reset (s);
    }
  return TRUE;
}

gboolean
portero_store_ticket_for_message_id (PorteroStore *store, const char *message_id, gint64 *ticket, GError **error)
{
  return value (store, error, ticket,
                "SELECT ticket_id FROM messages WHERE message_id = ? AND ticket_id IS NOT NULL "
                "ORDER BY id DESC LIMIT 1", "t", message_id);
}

/* Whether the dialect's statement SQL counts any index objects. */
static gboolean
index_exists (PorteroStore *store, const char *sql, gboolean *indexed, GError **error)
{
  int n = 0;
  if (!count (store, error, &n, sql, ""))
    return FALSE;
  *indexed = n > 0;
  return TRUE;
}

gboolean
portero_store_contact_indexed (PorteroStore *store, gboolean *indexed, GError **error)
{
  return index_exists (store, CONTACTS->indexed, indexed, error);
}

gboolean
portero_store_title_indexed (PorteroStore *store, gboolean *indexed, GError **error)
{
  return index_exists (store, TITLES->indexed, indexed, error);
}

gboolean
portero_store_ticket_add (PorteroStore *store, const char *title, gint64 customer_id, gint64 contact_id,
                          const char *requester, const char *source, gint64 *id, GError **error)
{
  return value (store, error, id,
                "INSERT INTO tickets(title, customer_id, contact_id, requester, source) "
                "VALUES (?, ?, ?, ?, ?) RETURNING id", "tidtt", title, customer_id, contact_id, requester, source)
         && search_learn (store, TITLES, *id, FALSE, error);
}

gboolean
portero_store_ticket_touch (PorteroStore *store, gint64 ticket, gboolean reopen, GError **error)
{
  return run (store, error, NULL,
              "UPDATE tickets SET updated = ?3,"
              " status = CASE WHEN ?2 = 1 AND status IN ('closed','resolved') THEN 'open' ELSE status END"
              " WHERE id = ?1", "inT", ticket, reopen ? 1 : 0, 0);
}

gboolean
portero_store_message_seen (PorteroStore *store, const char *message_id, const char *hash, gint64 *existing,
                            gboolean *id_seen, GError **error)
{
  /* The same message delivered on two hosts at once is stored once: the
   * second waits here until the first commits, then finds it. */
  g_autofree char *key = g_strconcat ("message:", hash, NULL);
  if (!portero_sql_lock (store->db, key, error))
    return FALSE;
  gboolean row;
  PorteroSqlStmt *s = first_row (store, error, &row,
    "SELECT min(CASE WHEN content_hash = ?2 THEN id END), sum(CASE WHEN content_hash <> ?2 THEN 1 ELSE 0 END)"
    " FROM messages WHERE content_hash <> '' AND message_id = ?1 AND (?1 <> '' OR content_hash = ?2)",
    "tt", message_id ? message_id : "", hash);
  if (s == NULL)
    return FALSE;
  *existing = row ? portero_sql_column_int64 (s, 0) : 0;
  *id_seen = row && message_id != NULL && portero_sql_column_int64 (s, 1) > 0;
  portero_sql_reset (s);
  return TRUE;
}

gboolean
portero_store_message_recipient_add (PorteroStore *store, gint64 message, const char *recipient,
                                     const char *original, const char *queue_id, gboolean *added, GError **error)
{
  gint64 n = 0;
  if (!run (store, error, &n,
            "INSERT INTO message_recipients(message_id, recipient, original_recipient, queue_id)"
            " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            "ittt", message, recipient ? recipient : "", original, queue_id))
    return FALSE;
  if (added)
    *added = n > 0;
  return TRUE;
}

gboolean
portero_store_message_add (PorteroStore *store, const PorteroMessageRow *r, gint64 *id, GError **error)
{
  gint64 message = 0;
  if (!value (store, error, &message,
              "INSERT INTO messages(ticket_id, contact_id, kind, message_id, envelope_sender,"
              " envelope_recipient, original_recipient, queue_id, from_addr, from_name, subject,"
              " date, body, auto, auto_reason, spam, id_reused, unfiled_reason, content_hash, raw, raw_size)"
              " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
              "ddtttttttttttntnnttbi",
              r->ticket_id, r->contact_id, r->kind, r->message_id ? r->message_id : "", r->envelope_sender,
              r->envelope_recipient ? r->envelope_recipient : "", r->original_recipient, r->queue_id,
              r->from_addr ? r->from_addr : "", r->from_name ? r->from_name : "", r->subject ? r->subject : "",
              r->date, r->body ? r->body : "", r->auto_generated ? 1 : 0, r->auto_reason, r->spam ? 1 : 0,
              r->id_reused ? 1 : 0, r->unfiled_reason, r->content_hash ? r->content_hash : "", r->raw,
              r->raw_size))
    return FALSE;
  if (r->content_hash != NULL && *r->content_hash != '\0'
      && !portero_store_message_recipient_add (store, message, r->envelope_recipient, r->original_recipient,
                                               r->queue_id, NULL, error))
    return FALSE;
  for (guint i = 0; r->attachments && i < r->attachments->len; i++)
    {
      const PorteroAttachment *a = g_ptr_array_index (r->attachments, i);
      if (!run (store, error, NULL, "INSERT INTO attachments(message_id, name, type, size) VALUES (?, ?, ?, ?)",
                "itti", message, a->name, a->type, (gint64) a->size))
        return FALSE;
    }
  if (id)
    *id = message;
  return TRUE;
}

GBytes *
portero_store_message_raw (PorteroStore *store, gint64 id, GError **error)
{
  gboolean row;
  PorteroSqlStmt *s = first_row (store, error, &row, "SELECT raw FROM messages WHERE id = ?", "i", id);
  if (s == NULL)
    return NULL;
  if (!row)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, "no message %" G_GINT64_FORMAT, id);
      return NULL;
    }
  GBytes *raw = portero_sql_column_blob (s, 0);
  portero_sql_reset (s);
  return raw ? raw : g_bytes_new (NULL, 0);
}

gboolean
portero_store_contact_info (PorteroStore *store, gint64 id, PorteroContactInfo *out, GError **error)
{
  portero_contact_info_clear (out);
  gboolean row;
  PorteroSqlStmt *s = first_row (store, error, &row,
    "SELECT c.id, c.name, (SELECT email FROM contact_emails WHERE contact_id = c.id"
    "   ORDER BY is_primary DESC, email LIMIT 1),"
    " c.customer_id, cu.name, c.main, c.password_hash, c.pending_hash, cu.is_default"
    " FROM contacts c JOIN customers cu ON cu.id = c.customer_id WHERE c.id = ?", "i", id);
  if (s == NULL)
    return FALSE;
  if (!row)
    return TRUE;
  out->id = portero_sql_column_int64 (s, 0);
  out->name = column_dup (s, 1);
  out->email = column_dup (s, 2);
  out->customer_id = portero_sql_column_int64 (s, 3);
  out->customer = column_dup (s, 4);
  out->main = portero_sql_column_int64 (s, 5) != 0;
  out->password_hash = column_dup (s, 6);
  out->pending_hash = column_dup (s, 7);
  out->default_customer = portero_sql_column_int64 (s, 8) != 0;
  portero_sql_reset (s);
  return TRUE;
}

void
portero_contact_info_clear (PorteroContactInfo *info)
{
  g_free (info->name);
  g_free (info->email);
  g_free (info->customer);
  if (info->password_hash)
    sodium_memzero (info->password_hash, strlen (info->password_hash));
  g_free (info->password_hash);
  g_free (info->pending_hash);
  memset (info, 0, sizeof *info);
}

gboolean
portero_store_contact_set_password (PorteroStore *store, gint64 contact, const char *hash,
                                    PorteroPasswordKind kind, GError **error)
{
  /* Automatic mail adds a pending password beside a current one; the first
   * password, a technician's reset and a used pending one replace both. */
  if (!run (store, error, NULL,
            "UPDATE contacts SET"
            " password_hash = CASE WHEN ?2 = 1 AND password_hash IS NOT NULL THEN password_hash ELSE ?1 END,"
            " pending_hash = CASE WHEN ?2 = 1 AND password_hash IS NOT NULL THEN ?1 ELSE NULL END"
            " WHERE id = ?3", "tni", hash, kind == PORTERO_PASSWORD_PENDING ? 1 : 0, contact))
    return FALSE;
  /* A password set outright voids any one-time code still out, and every
   * portal session signed in with the old one. */
  return kind != PORTERO_PASSWORD_CURRENT
         || (run (store, error, NULL, "DELETE FROM reset_tokens WHERE contact_id = ?", "i", contact)
             && run (store, error, NULL, "DELETE FROM portal_sessions WHERE contact_id = ?", "i", contact));
}

gboolean
portero_store_reset_token_set (PorteroStore *store, gint64 contact, const char *token_hash, int minutes,
                               GError **error)
{
  return run (store, error, NULL, "INSERT INTO reset_tokens(contact_id, token_hash, expires) VALUES (?, ?, ?)",
              "itT", contact, token_hash, minutes * 60);
}

gboolean
portero_store_reset_token_take (PorteroStore *store, gint64 contact, const char *token_hash, gboolean *valid,
                                GError **error)
{
  gint64 n = 0;
  if (!run (store, error, &n, "DELETE FROM reset_tokens WHERE contact_id = ? AND token_hash = ? AND expires > ?",
            "itT", contact, token_hash, 0))
    return FALSE;
  *valid = n == 1;
  /* Using one code voids the others. */
  return !*valid || run (store, error, NULL, "DELETE FROM reset_tokens WHERE contact_id = ?", "i", contact);
}

gboolean
portero_store_outbox_add (PorteroStore *store, const PorteroOutboxRow *r, gint64 *id, GError **error)
{
  g_autoptr (GBytes) body = r->body ? g_bytes_ref (r->body) : g_bytes_new (NULL, 0);
  return value (store, error, id,
                "INSERT INTO outbox(ticket_id, contact_id, kind, automatic, credential, recipient, envelope_from,"
                " subject, message_id, sealed, body, allowance, new_address)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                "ddtnnttttnbtn", r->ticket_id, r->contact_id, r->kind, r->automatic ? 1 : 0, r->credential ? 1 : 0,
                r->recipient, r->envelope_from ? r->envelope_from : "", r->subject ? r->subject : "",
                r->message_id, r->sealed ? 1 : 0, body, r->allowance ? r->allowance : "open",
                r->new_address ? 1 : 0);
}

gboolean
portero_store_outbox_recent (PorteroStore *store, const char *recipient, gint64 contact, int hours,
                             gboolean credential_only, int *n, GError **error)
{
  return count (store, error, n,
                "SELECT count(*) FROM outbox WHERE automatic = 1"
                " AND (?1 IS NULL OR recipient = ?1) AND (?2 IS NULL OR contact_id = ?2)"
                " AND (?4 = 0 OR credential = 1) AND status <> 'failed' AND created >= ?3",
                "tdTn", recipient, contact, -3600 * hours, credential_only ? 1 : 0);
}

gboolean
portero_store_outbox_allowance_used (PorteroStore *store, gint64 contact, const char *allowance, int hours,
                                     int *n, GError **error)
{
  return count (store, error, n,
                "SELECT count(*) FROM outbox WHERE automatic = 1 AND credential = 1 AND contact_id = ?"
                " AND allowance = ? AND status <> 'failed' AND created >= ?",
                "itT", contact, allowance, -3600 * hours);
}

gboolean
portero_store_outbox_new_address_count (PorteroStore *store, int *n, GError **error)
{
  return count (store, error, n,
                "SELECT count(*) FROM outbox WHERE automatic = 1 AND new_address = 1 AND held IS NULL"
                " AND created >= ?", "T", -3600);
}

gboolean
portero_store_outbox_hold (PorteroStore *store, const PorteroOutboxRow *r, const char *limit, GError **error)
{
  return run (store, error, NULL,
              "INSERT INTO outbox(ticket_id, contact_id, kind, automatic, credential, recipient, subject, message_id,"
              " body, status, last_error, held, allowance) VALUES (?1,?2,?3,1,?4,?5,?6,'',NULL,'failed',?7,?7,?8)",
              "ddtntttt", r->ticket_id, r->contact_id, r->kind, r->credential ? 1 : 0, r->recipient,
              r->subject ? r->subject : "", limit, r->allowance ? r->allowance : "open");
}

gboolean
portero_store_contact_heard (PorteroStore *store, gint64 contact, gboolean *heard, GError **error)
{
  gint64 v = 0;
  if (!value (store, error, &v,
              "SELECT CASE WHEN source <> 'email' OR heard <> 0 THEN 1 ELSE 0 END FROM contacts WHERE id = ?",
              "i", contact))
    return FALSE;
  *heard = v != 0;
  return TRUE;
}

gboolean
portero_store_contact_mark_heard (PorteroStore *store, gint64 contact, GError **error)
{
  return run (store, error, NULL, "UPDATE contacts SET heard = 1 WHERE id = ? AND heard = 0", "i", contact);
}

gboolean
portero_store_auth_failures (PorteroStore *store, gint64 contact, gboolean add, int *n, GError **error)
{
  if (add && !run (store, error, NULL, "INSERT INTO auth_failures(contact_id, at) VALUES (?, ?)", "iT", contact, 0))
    return FALSE;
  return count (store, error, n, "SELECT count(*) FROM auth_failures WHERE contact_id = ? AND at >= ?",
                "iT", contact, -3600);
}

/* Every row's first column, as ids. */
static gboolean
ids_of (PorteroSqlStmt *s, GArray *ids, GError **error)
{
  gboolean row;
  while (portero_sql_step (s, &row, error))
    {
      if (!row)
        return TRUE;
      gint64 id = portero_sql_column_int64 (s, 0);
      g_array_append_val (ids, id);
    }
  return FALSE;
}

gboolean
portero_store_outbox_due (PorteroStore *store, gboolean all, GArray *ids, GError **error)
{
  PorteroSqlStmt *s = portero_store_query (store, error,
    "SELECT id FROM outbox WHERE status = 'queued' AND (?1 = 1 OR next_attempt <= ?2) ORDER BY id",
    "nT", all ? 1 : 0, 0);
  return s != NULL && ids_of (s, ids, error);
}

void
portero_outbox_row_clear (PorteroOutboxRow *r)
{
  g_free ((char *) r->kind);
  g_free ((char *) r->recipient);
  g_free ((char *) r->envelope_from);
  g_free ((char *) r->subject);
  g_free ((char *) r->message_id);
  g_free ((char *) r->status);
  g_clear_pointer (&r->body, g_bytes_unref);
  memset (r, 0, sizeof *r);
}

gboolean
portero_store_outbox_get (PorteroStore *store, gint64 id, PorteroOutboxRow *r, GError **error)
{
  portero_outbox_row_clear (r);
  gboolean row;
  PorteroSqlStmt *s = first_row (store, error, &row,
    "SELECT id, ticket_id, contact_id, kind, automatic, credential, recipient, envelope_from, subject,"
    " message_id, sealed, body, status, attempts FROM outbox WHERE id = ?", "i", id);
  if (s == NULL)
    return FALSE;
  if (!row)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, "no outbox mail %" G_GINT64_FORMAT, id);
      return FALSE;
    }
  r->id = portero_sql_column_int64 (s, 0);
  r->ticket_id = portero_sql_column_int64 (s, 1);
  r->contact_id = portero_sql_column_int64 (s, 2);
  r->kind = column_dup (s, 3);
  r->automatic = portero_sql_column_int64 (s, 4) != 0;
  r->credential = portero_sql_column_int64 (s, 5) != 0;
  r->recipient = column_dup (s, 6);
  r->envelope_from = column_dup (s, 7);
  r->subject = column_dup (s, 8);
  r->message_id = column_dup (s, 9);
  r->sealed = portero_sql_column_int64 (s, 10) != 0;
  r->body = portero_sql_column_blob (s, 11);
  r->status = column_dup (s, 12);
  r->attempts = (int) portero_sql_column_int64 (s, 13);
  portero_sql_reset (s);
  return TRUE;
}

gboolean
portero_store_outbox_claim (PorteroStore *store, gint64 id, int lease_seconds, gboolean *claimed, GError **error)
{
  /* One UPDATE: of two senders, one wins and the other (skipping the row
   * the first has locked, or finding the claim) gets nothing. */
  gint64 n = 0;
  if (!run (store, error, &n,
            "UPDATE outbox SET claimed = ?3 WHERE id = (SELECT id FROM outbox WHERE id = ?1 AND status = 'queued'"
            " AND (claimed IS NULL OR claimed < ?2) @SKIP_LOCKED@)",
            "iTT", id, 0, lease_seconds))
    return FALSE;
  *claimed = n == 1;
  return TRUE;
}

gboolean
portero_store_outbox_update (PorteroStore *store, gint64 id, const char *status, const char *last_error,
                             int retry_seconds, GError **error)
{
  /* A sent mail keeps no body: a delivered credential is gone from the
   * database (secure_delete makes that true of the file as well). */
  return run (store, error, NULL,
              "UPDATE outbox SET status = ?2, last_error = ?3,"
              " attempts = attempts + CASE WHEN ?2 <> 'bounced' THEN 1 ELSE 0 END,"
              " body = CASE WHEN ?2 IN ('sent','bounced') OR (?2 = 'failed' AND sealed = 1) THEN NULL ELSE body END,"
              " sent = CASE WHEN ?2 = 'sent' THEN ?5 ELSE sent END,"
              " next_attempt = ?4, claimed = NULL WHERE id = ?1",
              "ittTT", id, status, last_error, retry_seconds, 0);
}

gboolean
portero_store_outbox_bounced (PorteroStore *store, const char *message_id, GError **error)
{
  return run (store, error, NULL, "UPDATE outbox SET status = 'bounced', body = NULL WHERE message_id = ?",
              "t", message_id);
}

gboolean
portero_store_checkpoint (PorteroStore *store, GError **error)
{
  return portero_sql_checkpoint (store->db, error);
}

gboolean
portero_store_secure_delete (PorteroStore *store, GError **error)
{
  return portero_sql_secure_delete (store->db, error);
}

gboolean
portero_store_maintain (PorteroStore *store, GError **error)
{
  return portero_sql_maintain (store->db, error);
}

gboolean
portero_store_backup (PorteroStore *store, const char *path, GError **error)
{
  return portero_sql_backup (store->db, path, error);
}

gboolean
portero_store_ticket_info (PorteroStore *store, gint64 id, PorteroTicketInfo *out, GError **error)
{
  portero_ticket_info_clear (out);
  gboolean row;
  PorteroSqlStmt *s = first_row (store, error, &row,
    "SELECT t.id, t.title, t.status, t.priority, t.source, cu.name, t.requester,"
    " coalesce(c.name, ''), t.customer_id, t.contact_id"
    " FROM tickets t JOIN customers cu ON cu.id = t.customer_id"
    " LEFT JOIN contacts c ON c.id = t.contact_id WHERE t.id = ?", "i", id);
  if (s == NULL)
    return FALSE;
  if (!row)
    return TRUE;
  out->id = portero_sql_column_int64 (s, 0);
  out->title = column_dup (s, 1);
  out->status = column_dup (s, 2);
  out->priority = column_dup (s, 3);
  out->source = column_dup (s, 4);
  out->customer = column_dup (s, 5);
  out->requester = column_dup (s, 6);
  out->requester_name = column_dup (s, 7);
  out->customer_id = portero_sql_column_int64 (s, 8);
  out->contact_id = portero_sql_column_int64 (s, 9);
  portero_sql_reset (s);
  return TRUE;
}

void
portero_ticket_info_clear (PorteroTicketInfo *info)
{
  g_free (info->title);
  g_free (info->status);
  g_free (info->priority);
  g_free (info->source);
  g_free (info->customer);
  g_free (info->requester);
  g_free (info->requester_name);
  memset (info, 0, sizeof *info);
}

gboolean
portero_store_ticket_update (PorteroStore *store, gint64 id, const char *status, const char *priority,
                             gint64 customer_id, GError **error)
{
  return run (store, error, NULL,
              "UPDATE tickets SET status = coalesce(?2, status), priority = coalesce(?3, priority),"
              " customer_id = coalesce(?4, customer_id), updated = ?5 WHERE id = ?1",
              "ittdT", id, status, priority, customer_id, 0);
}

gboolean
portero_store_open_tickets (PorteroStore *store, gint64 contact, gint64 customer, PorteroStatusWord status_word,
                            const char *lang, GPtrArray *lines, GError **error)
{
  PorteroSqlStmt *s = portero_store_query (store, error,
    "SELECT t.id, t.title, t.status, t.updated, t.requester FROM tickets t"
    " WHERE t.status NOT IN ('closed','resolved')"
    " AND ((?1 IS NOT NULL AND t.contact_id = ?1) OR (?2 IS NOT NULL AND t.customer_id = ?2))"
    " ORDER BY t.id", "dd", contact, customer);
  gboolean row;
  if (s == NULL)
    return FALSE;
  while (portero_sql_step (s, &row, error))
    {
      if (!row)
        return TRUE;
      const char *status = portero_sql_column_text (s, 2);
      g_ptr_array_add (lines, g_strdup_printf ("[#%" G_GINT64_FORMAT "] %s (%s, %s%s%s)",
                                               portero_sql_column_int64 (s, 0), portero_sql_column_text (s, 1),
                                               status_word ? status_word (status, lang) : status,
                                               portero_sql_column_text (s, 3), customer ? ", " : "",
                                               customer ? portero_sql_column_text (s, 4) : ""));
    }
  return FALSE;
}

gboolean
portero_store_contact_by_address (PorteroStore *store, const char *address, gint64 *id, GError **error)
{
  return value (store, error, id, "SELECT contact_id FROM contact_emails WHERE email = ?", "t", address);
}

gboolean
portero_store_ticket_last_mail (PorteroStore *store, gint64 ticket, char **message_id, GError **error)
{
  *message_id = NULL;
  gboolean row;
  PorteroSqlStmt *s = first_row (store, error, &row,
    "SELECT message_id FROM messages WHERE ticket_id = ? AND kind = 'mail' AND message_id <> ''"
    " ORDER BY id DESC LIMIT 1", "i", ticket);
  if (s == NULL)
    return FALSE;
  if (row)
    *message_id = column_dup (s, 0);
  portero_sql_reset (s);
  return TRUE;
}

gboolean
portero_store_ticket_set_contact (PorteroStore *store, gint64 ticket, gint64 contact, GError **error)
{
  return run (store, error, NULL,
              "UPDATE tickets SET contact_id = ?2, customer_id = (SELECT customer_id FROM contacts WHERE id = ?2),"
              " updated = ?3 WHERE id = ?1", "iiT", ticket, contact, 0);
}

gboolean
portero_store_customer_rename (PorteroStore *store, gint64 id, const char *name, GError **error)
{
  gint64 existing = 0;
  if (!portero_store_customer_find (store, name, &existing, error))
    return FALSE;
  if (existing != 0 && existing != id)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "\"%s\" exists already", name);
      return FALSE;
    }
  return run (store, error, NULL, "UPDATE customers SET name = ? WHERE id = ?", "ti", name, id);
}

gboolean
portero_store_domain_remove (PorteroStore *store, const char *domain, gboolean *removed, GError **error)
{
  gint64 n = 0;
  if (!run (store, error, &n, "DELETE FROM domains WHERE domain = ?", "t", domain))
    return FALSE;
  *removed = n > 0;
  return TRUE;
}

gboolean
portero_store_domain_apply_existing (PorteroStore *store, const char *domain, gint64 customer, int *moved,
                                     GError **error)
{
  /* Contacts of the default customer with an address at DOMAIN move, and
   * so do their tickets that are still filed under the default customer. */
  /* An escaped LIKE pattern: "_" in a domain is no wildcard. */
#define MOVING \
  "SELECT c.id FROM contacts c WHERE c.customer_id = (SELECT id FROM customers WHERE is_default = 1)" \
  " AND EXISTS (SELECT 1 FROM contact_emails e WHERE e.contact_id = c.id AND e.email LIKE ?2 ESCAPE '\\')"
  g_autofree char *pattern = like_pattern ("%@", domain, "");
  gint64 n = 0;
  if (!run (store, error, NULL,
            "UPDATE tickets SET customer_id = ?1 WHERE customer_id = (SELECT id FROM customers WHERE is_default = 1)"
            " AND contact_id IN (" MOVING ")", "it", customer, pattern)
      || !run (store, error, &n, "UPDATE contacts SET customer_id = ?1 WHERE id IN (" MOVING ")",
               "it", customer, pattern))
    return FALSE;
#undef MOVING
  if (moved)
    *moved = (int) n;
  return TRUE;
}

gboolean
portero_store_contact_email_add (PorteroStore *store, gint64 contact, const char *address, GError **error)
{
  gint64 owner = 0;
  if (!portero_store_contact_by_address (store, address, &owner, error))
    return FALSE;
  if (owner == contact)
    return TRUE;
  if (owner != 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "%s belongs to another contact already", address);
      return FALSE;
    }
  return run (store, error, NULL, "INSERT INTO contact_emails(email, contact_id) VALUES (?, ?)", "ti", address,
              contact)
         && search_learn (store, CONTACTS, contact, TRUE, error);
}

gboolean
portero_store_contact_email_remove (PorteroStore *store, gint64 contact, const char *address, GError **error)
{
  gboolean row;
  PorteroSqlStmt *s = first_row (store, error, &row,
    "SELECT count(*), sum(CASE WHEN email = ?2 THEN 1 ELSE 0 END) FROM contact_emails WHERE contact_id = ?1",
    "it", contact, address);
  if (s == NULL)
    return FALSE;
  gint64 total = row ? portero_sql_column_int64 (s, 0) : 0, mine = row ? portero_sql_column_int64 (s, 1) : 0;
  portero_sql_reset (s);
  if (mine == 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, "%s is not an address of this contact", address);
      return FALSE;
    }
  if (total == 1)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                   "%s is the contact's only address (delete the contact instead)", address);
      return FALSE;
    }
  /* When the primary address goes, the oldest remaining one takes its place. */
  return run (store, error, NULL, "DELETE FROM contact_emails WHERE contact_id = ? AND email = ?", "it", contact,
              address)
         && run (store, error, NULL,
                 "UPDATE contact_emails SET is_primary = 1 WHERE contact_id = ?1"
                 " AND NOT EXISTS (SELECT 1 FROM contact_emails WHERE contact_id = ?1 AND is_primary = 1)"
                 " AND @ROWID@ = (SELECT min(@ROWID@) FROM contact_emails WHERE contact_id = ?1)", "i", contact)
         && search_learn (store, CONTACTS, contact, TRUE, error);
}

gboolean
portero_store_contact_update (PorteroStore *store, gint64 contact, int main, int auto_tickets, const char *name,
                              gint64 customer, GError **error)
{
  PorteroSqlStmt *s = portero_store_query (store, error,
    "UPDATE contacts SET main = coalesce(?2, main), auto_tickets = coalesce(?3, auto_tickets),"
    " name = coalesce(?4, name), customer_id = coalesce(?5, customer_id) WHERE id = ?1",
    "iiitd", contact, (gint64) main, (gint64) auto_tickets, name, customer);
  gboolean row;
  if (s == NULL)
    return FALSE;
  /* -1: keep */
  if (main < 0)
    portero_sql_bind_null (s, 2);
  if (auto_tickets < 0)
    portero_sql_bind_null (s, 3);
  if (!portero_sql_step (s, &row, error))
    return FALSE;
  portero_sql_reset (s);
  return name == NULL || search_learn (store, CONTACTS, contact, TRUE, error);
}

gboolean
portero_store_contact_merge (PorteroStore *store, gint64 from, gint64 into, GError **error)
{
  return run (store, error, NULL, "UPDATE contact_emails SET contact_id = ?2, is_primary = 0 WHERE contact_id = ?1",
              "ii", from, into)
         && run (store, error, NULL, "UPDATE tickets SET contact_id = ?2 WHERE contact_id = ?1", "ii", from, into)
         && run (store, error, NULL, "UPDATE messages SET contact_id = ?2 WHERE contact_id = ?1", "ii", from, into)
         && run (store, error, NULL, "UPDATE outbox SET contact_id = ?2 WHERE contact_id = ?1", "ii", from, into)
         && run (store, error, NULL, "DELETE FROM reset_tokens WHERE contact_id = ?", "i", from)
         && run (store, error, NULL, "DELETE FROM contacts WHERE id = ?", "i", from)
         && search_forget (store, CONTACTS, from, error)
         && search_learn (store, CONTACTS, into, TRUE, error);
}

gboolean
portero_store_contact_delete (PorteroStore *store, gint64 contact, gboolean erase, GError **error)
{
  /* Data-protection erasure: the raw bytes, text and attachment names of
   * their messages go; a placeholder keeps the threads readable. */
#define THEIRS(column) \
  "(contact_id = ?1 OR " column " IN (SELECT email FROM contact_emails WHERE contact_id = ?1))"
  if (erase
      && !(run (store, error, NULL,
                "DELETE FROM attachments WHERE message_id IN (SELECT id FROM messages WHERE " THEIRS ("from_addr") ")",
                "i", contact)
           && run (store, error, NULL,
                   "UPDATE messages SET raw = NULL, body = ?2, subject = ?2, from_name = '', from_addr = '',"
                   " envelope_sender = NULL WHERE " THEIRS ("from_addr"), "it", contact, "(erased)")
           && run (store, error, NULL, "UPDATE tickets SET requester = ?2 WHERE " THEIRS ("requester"),
                   "it", contact, "(erased)")
           && run (store, error, NULL, "DELETE FROM outbox WHERE contact_id = ?", "i", contact)))
    return FALSE;
  return run (store, error, NULL, "DELETE FROM contacts WHERE id = ?", "i", contact)
         && search_forget (store, CONTACTS, contact, error) && (!erase || search_purge (store, CONTACTS, error));
}

gboolean
portero_store_contact_erase_titles (PorteroStore *store, gint64 contact, GError **error)
{
  /* Where the store keeps the title index, it forgets the old titles and
   * learns "(erased)" for the same tickets. */
  g_autoptr (GArray) tickets = g_array_new (FALSE, FALSE, sizeof (gint64));
  if (TITLES->learn != NULL)
    {
      PorteroSqlStmt *s = portero_store_query (store, error, "SELECT id FROM tickets WHERE " THEIRS ("requester"),
                                               "i", contact);
      if (s == NULL)
        return FALSE;
      for (gboolean row = TRUE; row;)
        {
          if (!portero_sql_step (s, &row, error))
            return FALSE;
          gint64 id = row ? portero_sql_column_int64 (s, 0) : 0;
          if (row)
            g_array_append_val (tickets, id);
        }
    }
  if (!run (store, error, NULL, "UPDATE tickets SET title = ?2 WHERE " THEIRS ("requester"), "it", contact, "(erased)"))
    return FALSE;
  for (guint i = 0; i < tickets->len; i++)
    if (!search_learn (store, TITLES, g_array_index (tickets, gint64, i), TRUE, error))
      return FALSE;
  return tickets->len == 0 || search_purge (store, TITLES, error);
#undef THEIRS
}

gboolean
portero_store_outbox_queued_for (PorteroStore *store, gint64 contact, int *n, GError **error)
{
  return count (store, error, n, "SELECT count(*) FROM outbox WHERE status = 'queued' AND contact_id = ?", "i", contact);
}

gboolean
portero_store_message_envelope (PorteroStore *store, gint64 id, char **sender, char **recipient, char **original,
                                char **queue_id, GError **error)
{
  gboolean row;
  PorteroSqlStmt *s = first_row (store, error, &row,
    "SELECT envelope_sender, envelope_recipient, original_recipient, queue_id FROM messages WHERE id = ?", "i", id);
  if (s == NULL)
    return FALSE;
  if (!row)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, "no message %" G_GINT64_FORMAT, id);
      return FALSE;
    }
  *sender = column_dup (s, 0);
  *recipient = column_dup (s, 1);
  *original = column_dup (s, 2);
  *queue_id = column_dup (s, 3);
  portero_sql_reset (s);
  return TRUE;
}

gboolean
portero_store_message_delete (PorteroStore *store, gint64 id, GError **error)
{
  return run (store, error, NULL, "DELETE FROM messages WHERE id = ?", "i", id);
}

gboolean
portero_store_reset_tokens_expire (PorteroStore *store, int *removed, GError **error)
{
  gint64 n = 0;
  if (!run (store, error, &n, "DELETE FROM reset_tokens WHERE expires <= ?", "T", 0))
    return FALSE;
  if (removed)
    *removed = (int) n;
  return TRUE;
}

/* ---- section: customers and contacts (technician's commands) ---- */

/* ---- section: import ---- */

/* ---- section: messages, tickets, templates, resets ---- */


/* ---- section: mail held back, per contact ---- */

gboolean
portero_store_contact_held_mail (PorteroStore *store, gint64 contact, guint max, GPtrArray *rows, GError **error)
{
  /* Held rows are never sent: `held` names the limit that stopped them. */
  PorteroSqlStmt *s = portero_store_query (store, error,
    "SELECT created, kind, subject, held FROM outbox WHERE contact_id = ?1 AND held IS NOT NULL"
    " ORDER BY id DESC LIMIT ?2", "in", contact, (int) max);
  gboolean row;
  while (s != NULL && portero_sql_step (s, &row, error))
    {
      if (!row)
        return TRUE;
      char **r = g_new0 (char *, 5);
      for (int i = 0; i < 4; i++)
        r[i] = column_dup (s, i);
      g_ptr_array_add (rows, r);
    }
  return FALSE;
}

/* ---- section: knowledge base ---- */

gboolean
portero_store_kb_stamps (PorteroStore *store, GHashTable *stamps, GError **error)
{
  PorteroSqlStmt *s = portero_store_query (store, error, "SELECT file, stamp FROM kb_articles", "");
  gboolean row;
  while (s != NULL && portero_sql_step (s, &row, error))
    {
      if (!row)
        return TRUE;
      g_hash_table_insert (stamps, column_dup (s, 0), column_dup (s, 1));
    }
  return FALSE;
}

gboolean
portero_store_kb_remove (PorteroStore *store, const char *file, GError **error)
{
  /* its kb_terms go with it (ON DELETE CASCADE) */
  return run (store, error, NULL, "DELETE FROM kb_articles WHERE file = ?1", "t", file);
}

gboolean
portero_store_kb_put (PorteroStore *store, const PorteroKbRow *r, GError **error)
{
  gint64 id = 0;
  const char *keywords = r->keywords ? r->keywords : "";
  if (!portero_store_kb_remove (store, r->file, error)
      || !value (store, error, &id,
                 "INSERT INTO kb_articles(file, name, lang, title, keywords, visibility, customer, html, text, stamp,"
                 " tokens) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
                 "tttttttttti", r->file, r->name, r->lang, r->title, keywords, r->visibility, r->customer,
                 r->html, r->text, r->stamp, r->tokens))
    return FALSE;
  for (int field = 0; field < 3; field++)
    {
      if (r->words[field] == NULL)
        continue;
      GHashTableIter it;
      gpointer word, count;
      g_hash_table_iter_init (&it, r->words[field]);
      while (g_hash_table_iter_next (&it, &word, &count))
        if (!run (store, error, NULL, "INSERT INTO kb_terms(term, article_id, field, n) VALUES (?1, ?2, ?3, ?4)",
                  "tinn", (const char *) word, id, field, (int) GPOINTER_TO_UINT (count)))
          return FALSE;
    }
  return TRUE;
}

void
portero_kb_hit_free (PorteroKbHit *hit)
{
  if (hit == NULL)
    return;
  g_free (hit->name);
  g_free (hit->lang);
  g_free (hit->title);
  g_free (hit->visibility);
  g_free (hit->text);
  g_free (hit->html);
  g_free (hit);
}

/* One article the words of a search were found in. */
typedef struct {
  gint64 id;
  char *name;
  gint64 tokens;
  gboolean visible;
  double score;
} KbFound;

static void
kb_found_free (KbFound *f)
{
  g_free (f->name);
  g_free (f);
}

static int
kb_found_order (gconstpointer a, gconstpointer b)
{
  const KbFound *x = *(KbFound *const *) a, *y = *(KbFound *const *) b;
  if (x->score != y->score)
    return x->score > y->score ? -1 : 1;
  return strcmp (x->name, y->name);
}

gboolean
portero_store_kb_search (PorteroStore *store, const char *const *terms, const PorteroKbAudience *audience, int limit,
                         GPtrArray *hits, GError **error)
{
  /* Okapi BM25 as SQLite's FTS5 computes it (bm25()), each term a prefix
   * query: a term's weight is its fields' counts times the field's weight,
   * its rarity idf = ln((N - n + 0.5) / (n + 0.5)) over the N articles, n
   * of which contain it (at least 1e-6), and a long article's counts weigh
   * less. The thresholds of kb.c were calibrated on these scores. */
  static const double field_weight[3] = { 8.0, 5.0, 1.0 }, k1 = 1.2, b = 0.75;
  if (terms == NULL || terms[0] == NULL)
    return TRUE;
  PorteroSqlStmt *s = portero_store_query (store, error,
    "SELECT count(*), coalesce(sum(tokens), 0) FROM kb_articles", "");
  gboolean row;
  if (s == NULL || !portero_sql_step (s, &row, error))
    return FALSE;
  double articles = row ? g_ascii_strtod (portero_sql_column_text (s, 0), NULL) : 0;
  double length = row ? g_ascii_strtod (portero_sql_column_text (s, 1), NULL) : 0;
  portero_sql_reset (s);
  if (articles <= 0)
    return TRUE;
  double average = length > 0 ? length / articles : 1;

  g_autoptr (GHashTable) found = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                                         (GDestroyNotify) kb_found_free);
  g_autoptr (GHashTable) freq = g_hash_table_new (g_int64_hash, g_int64_equal);
  for (const char *const *t = terms; *t; t++)
    {
      /* Words from T up to T followed by the last code point: every word
       * that starts with T, in byte order (@BINARY@). */
      g_autofree char *past = g_strconcat (*t, "\xf4\x8f\xbf\xbf", NULL);
      s = portero_store_query (store, error,
        "SELECT t.article_id, t.field, t.n, a.tokens, a.name,"
        " CASE WHEN " PORTERO_STORE_KB_VISIBLE ("a", "?1", "?2", "?3") " THEN 1 ELSE 0 END"
        " FROM kb_terms t JOIN kb_articles a ON a.id = t.article_id WHERE t.term >= ?4 AND t.term < ?5",
        "nnttt", (int) audience->all, (int) audience->customers, audience->customer, *t, past);
      g_hash_table_remove_all (freq);
      /* Weighted counts of this term, by article, in FOUND's entries. */
      g_autoptr (GArray) weights = g_array_new (FALSE, TRUE, sizeof (double));
      g_autoptr (GPtrArray) order = g_ptr_array_new ();
      gboolean stepped = s != NULL;
      while (stepped && (stepped = portero_sql_step (s, &row, error)) && row)
        {
          gint64 id = portero_sql_column_int64 (s, 0);
          int field = (int) portero_sql_column_int64 (s, 1);
          KbFound *f = g_hash_table_lookup (found, &id);
          if (f == NULL)
            {
              f = g_new0 (KbFound, 1);
              f->id = id;
              f->tokens = portero_sql_column_int64 (s, 3);
              f->name = column_dup (s, 4);
              f->visible = portero_sql_column_int64 (s, 5) != 0;
              g_hash_table_insert (found, &f->id, f);
            }
          gpointer slot = g_hash_table_lookup (freq, &f->id);
          if (slot == NULL)
            {
              double zero = 0;
              g_array_append_val (weights, zero);
              g_ptr_array_add (order, f);
              slot = GUINT_TO_POINTER (weights->len);
              g_hash_table_insert (freq, &f->id, slot);
            }
          if (field >= 0 && field < 3)
            g_array_index (weights, double, GPOINTER_TO_UINT (slot) - 1)
              += field_weight[field] * (double) portero_sql_column_int64 (s, 2);
        }
      if (!stepped)
        return FALSE;
      double n = order->len;
      double idf = log ((articles - n + 0.5) / (n + 0.5));
      if (idf <= 0.0)
        idf = 1e-6;
      for (guint i = 0; i < order->len; i++)
        {
          KbFound *f = order->pdata[i];
          double w = g_array_index (weights, double, i);
          f->score += idf * (w * (k1 + 1.0)) / (w + k1 * (1.0 - b + b * (double) f->tokens / average));
        }
    }

  g_autoptr (GPtrArray) ranked = g_ptr_array_new ();
  GHashTableIter it;
  gpointer f;
  g_hash_table_iter_init (&it, found);
  while (g_hash_table_iter_next (&it, NULL, &f))
    if (((KbFound *) f)->visible)
      g_ptr_array_add (ranked, f);
  g_ptr_array_sort (ranked, kb_found_order);
  for (guint i = 0; i < ranked->len && (int) i < limit; i++)
    {
      KbFound *k = ranked->pdata[i];
      s = portero_store_query (store, error,
        "SELECT name, lang, title, visibility, text, html FROM kb_articles WHERE id = ?1", "i", k->id);
      if (s == NULL || !portero_sql_step (s, &row, error))
        return FALSE;
      if (!row)
        continue;
      PorteroKbHit *h = g_new0 (PorteroKbHit, 1);
      h->name = column_dup (s, 0);
      h->lang = column_dup (s, 1);
      h->title = column_dup (s, 2);
      h->visibility = column_dup (s, 3);
      h->text = column_dup (s, 4);
      h->html = column_dup (s, 5);
      h->score = k->score;
      g_ptr_array_add (hits, h);
      portero_sql_reset (s);
    }
  return TRUE;
}

/* ---- section: customer portal ---- */

static gboolean
expire_sessions (PorteroStore *store, int idle, int absolute, gint64 *removed, GError **error)
{
  return run (store, error, removed, "DELETE FROM portal_sessions WHERE last_seen < ? OR created < ?", "TT", -idle,
              -absolute);
}

/* What is older than the hour counts no more. */
static gboolean
expire_failures (PorteroStore *store, gint64 *removed, GError **error)
{
  return run (store, error, removed, "DELETE FROM portal_failures WHERE at < ?", "T", -3600);
}

gboolean
portero_store_portal_expire (PorteroStore *store, int idle, int absolute, gint64 *sessions, gint64 *failures,
                             GError **error)
{
  return expire_sessions (store, idle, absolute, sessions, error) && expire_failures (store, failures, error);
}

gboolean
portero_store_portal_session_add (PorteroStore *store, const char *token_hash, gint64 contact, const char *csrf,
                                  const char *client, const char *agent, int idle, int absolute, GError **error)
{
  /* Sessions that outlived either limit go here, at sign-in, rather than
   * on every page: a page that only reads writes nothing. */
  return expire_sessions (store, idle, absolute, NULL, error)
         && run (store, error, NULL,
                 "INSERT INTO portal_sessions(token_hash, contact_id, csrf, created, last_seen, client, agent)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?)",
                 "titTTtt", token_hash, contact, csrf, 0, 0, client ? client : "", agent ? agent : "");
}

gboolean
portero_store_portal_session_get (PorteroStore *store, const char *token_hash, int idle, int absolute,
                                  gint64 *contact, char **csrf, GError **error)
{
  *contact = 0;
  *csrf = NULL;
  gboolean row;
  PorteroSqlStmt *s = first_row (store, error, &row,
                                 "SELECT contact_id, csrf, CASE WHEN last_seen < ?2 OR created < ?3 THEN 1 ELSE 0 END,"
                                 " CASE WHEN last_seen < ?4 THEN 1 ELSE 0 END"
                                 " FROM portal_sessions WHERE token_hash = ?1", "tTTT", token_hash, -idle, -absolute,
                                 -60);
  if (s == NULL)
    return FALSE;
  gboolean expired = FALSE, stale = FALSE;
  if (row)
    {
      *contact = portero_sql_column_int64 (s, 0);
      *csrf = column_dup (s, 1);
      expired = portero_sql_column_int64 (s, 2) != 0;
      stale = portero_sql_column_int64 (s, 3) != 0;
    }
  portero_sql_reset (s);
  if (expired)
    {
      *contact = 0;
      g_clear_pointer (csrf, g_free);
      return portero_store_portal_session_delete (store, token_hash, error);
    }
  /* Its last use, to the minute: most pages write nothing. */
  return !stale || run (store, error, NULL, "UPDATE portal_sessions SET last_seen = ? WHERE token_hash = ?", "Tt", 0,
                        token_hash);
}

gboolean
portero_store_portal_session_delete (PorteroStore *store, const char *token_hash, GError **error)
{
  return run (store, error, NULL, "DELETE FROM portal_sessions WHERE token_hash = ?", "t", token_hash);
}

gboolean
portero_store_portal_failures (PorteroStore *store, const char *client, gboolean add, int *n, GError **error)
{
  if (add && !run (store, error, NULL, "INSERT INTO portal_failures(client, at) VALUES (?, ?)", "tT", client, 0))
    return FALSE;
  if (!expire_failures (store, NULL, error))
    return FALSE;
  return count (store, error, n, "SELECT count(*) FROM portal_failures WHERE client = ?", "t", client);
}

/* Rows of S as string vectors of N columns each, into ROWS. */
static gboolean
rows_of (PorteroSqlStmt *s, int n, GPtrArray *rows, GError **error)
{
  gboolean row;
  while (s != NULL && portero_sql_step (s, &row, error))
    {
      if (!row)
        return TRUE;
      char **v = g_new0 (char *, n + 1);
      for (int i = 0; i < n; i++)
        v[i] = g_strdup (portero_sql_column_text (s, i) ? portero_sql_column_text (s, i) : "");
      g_ptr_array_add (rows, v);
    }
  return FALSE;
}

gboolean
portero_store_portal_tickets (PorteroStore *store, gint64 contact, gint64 customer, GPtrArray *rows, GError **error)
{
  return rows_of (portero_store_query (store, error,
    "SELECT t.id, t.title, t.status, t.updated, t.requester FROM tickets t"
    " WHERE (?1 <> 0 AND t.customer_id = ?1) OR (?1 = 0 AND t.contact_id = ?2)"
    " ORDER BY t.updated DESC, t.id DESC LIMIT 500", "ii", customer, contact), 5, rows, error);
}

gboolean
portero_store_portal_sessions (PorteroStore *store, gint64 contact, const char *token_hash, int idle, int absolute,
                               GPtrArray *rows, GError **error)
{
  return rows_of (portero_store_query (store, error,
    "SELECT created, last_seen, client, agent, CASE WHEN token_hash = ?2 THEN 1 ELSE 0 END FROM portal_sessions"
    " WHERE contact_id = ?1 AND last_seen >= ?3 AND created >= ?4 ORDER BY last_seen DESC, id DESC LIMIT 100",
    "itTT", contact, token_hash, -idle, -absolute), 5, rows, error);
}

gboolean
portero_store_portal_sessions_end_others (PorteroStore *store, gint64 contact, const char *token_hash, gint64 *ended,
                                          GError **error)
{
  return run (store, error, ended, "DELETE FROM portal_sessions WHERE contact_id = ? AND token_hash <> ?", "it",
              contact, token_hash);
}

gboolean
portero_store_portal_thread (PorteroStore *store, gint64 ticket, GPtrArray *rows, GError **error)
{
  return rows_of (portero_store_query (store, error,
    "SELECT m.id, m.kind, m.from_addr, m.from_name, m.date, m.body,"
    " (SELECT count(*) FROM attachments a WHERE a.message_id = m.id)"
    " FROM messages m WHERE m.ticket_id = ? AND m.kind <> 'note' AND m.spam = 0 ORDER BY m.id",
    "i", ticket), 7, rows, error);
}

gboolean
portero_store_portal_attachments (PorteroStore *store, gint64 message, GPtrArray *rows, GError **error)
{
  return rows_of (portero_store_query (store, error,
    "SELECT name, type, size FROM attachments WHERE message_id = ? ORDER BY id", "i", message), 3, rows, error);
}

gboolean
portero_store_portal_message_ticket (PorteroStore *store, gint64 message, gint64 *ticket, GError **error)
{
  return value (store, error, ticket,
                "SELECT ticket_id FROM messages WHERE id = ? AND kind <> 'note' AND spam = 0", "i", message);
}

gboolean
portero_store_portal_articles (PorteroStore *store, const PorteroKbAudience *audience, const char *name,
                               GPtrArray *rows, GError **error)
{
  return rows_of (portero_store_query (store, error,
    "SELECT a.name, COALESCE(a.lang, ''), a.title, CASE WHEN ?4 IS NULL THEN '' ELSE a.html END"
    " FROM kb_articles a WHERE (?4 IS NULL OR a.name = ?4) AND " PORTERO_STORE_KB_VISIBLE ("a", "?1", "?2", "?3")
    " ORDER BY a.name, a.lang", "nntt", (int) audience->all, (int) audience->customers, audience->customer, name),
    4, rows, error);
}
