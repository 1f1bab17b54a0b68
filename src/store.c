/* store - the SQLite database: every SQL statement, migrations, transactions */
#include "store.h"
#include "error.h"
#include "mail.h"
#include <errno.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

struct _PorteroStore {
  sqlite3 *db;
  char *path;
  GHashTable *stmts;   /* SQL text (static, by address) -> prepared statement */
  gint64 busy_timeout;  /* microseconds */
  gint64 busy_since;    /* when the current wait for the lock began */
  gint64 deadline;
  gboolean deadline_hit;
  int wal_frames;       /* frames in the WAL after our last commit */
};

/* The WAL is left in place at close (see open_db). A process that opens it
 * first rebuilds its index by reading all of it, and that rebuild forgets
 * what was already checkpointed, so SQLite's own auto-checkpoint would copy
 * the whole log again at every commit and the log would never restart. A
 * writer therefore empties the log itself when it closes and the log has
 * grown past this many pages (1 MB): a few ms every ten or so deliveries,
 * instead of a cost that grows with the log. */
#define WAL_TRUNCATE_FRAMES 256

/* Migrations: entry N takes user_version N to N + 1. Never edit one that
 * has shipped; add the next. */
static const char *const migrations[] = {
  /* 1: the first schema */
  "CREATE TABLE customers ("
  "  id INTEGER PRIMARY KEY,"
  "  name TEXT NOT NULL UNIQUE COLLATE NOCASE,"
  "  is_default INTEGER NOT NULL DEFAULT 0,"
  "  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
  "CREATE UNIQUE INDEX customers_one_default ON customers(is_default) WHERE is_default = 1;"
  "CREATE TABLE domains ("
  "  domain TEXT PRIMARY KEY,"
  "  customer_id INTEGER NOT NULL REFERENCES customers(id) ON DELETE CASCADE);"
  "CREATE INDEX domains_customer ON domains(customer_id);"
  "CREATE TABLE contacts ("
  "  id INTEGER PRIMARY KEY,"
  "  customer_id INTEGER NOT NULL REFERENCES customers(id),"
  "  name TEXT NOT NULL DEFAULT '',"
  "  main INTEGER NOT NULL DEFAULT 0,"
  "  auto_tickets INTEGER NOT NULL DEFAULT 1,"
  "  source TEXT NOT NULL CHECK (source IN ('email','manual','csv','azure-ad')),"
  "  domain TEXT NOT NULL DEFAULT '',"
  /* argon2id hashes only: the current password and one pending, issued by automatic mail */
  "  password_hash TEXT,"
  "  pending_hash TEXT,"
  "  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
  "CREATE INDEX contacts_customer ON contacts(customer_id);"
  "CREATE INDEX contacts_domain_created ON contacts(domain, created);"
  "CREATE TABLE contact_emails ("
  "  email TEXT PRIMARY KEY,"
  "  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,"
  "  is_primary INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX contact_emails_contact ON contact_emails(contact_id);"
  "CREATE TABLE tickets ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  title TEXT NOT NULL,"
  "  status TEXT NOT NULL DEFAULT 'open',"
  "  priority TEXT NOT NULL DEFAULT 'normal',"
  "  customer_id INTEGER NOT NULL REFERENCES customers(id),"
  "  contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,"
  "  requester TEXT NOT NULL,"
  "  source TEXT NOT NULL DEFAULT 'email',"
  "  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
  "  updated TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
  "CREATE INDEX tickets_customer ON tickets(customer_id);"
  "CREATE INDEX tickets_contact ON tickets(contact_id);"
  "CREATE INDEX tickets_requester ON tickets(requester);"
  "CREATE INDEX tickets_status ON tickets(status);"
  "CREATE TABLE messages ("
  "  id INTEGER PRIMARY KEY,"
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
  "  raw BLOB,"
  "  raw_size INTEGER NOT NULL DEFAULT 0,"
  "  received TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
  /* The duplicate key of an MTA retry; '' stands for a missing Message-ID. */
  "CREATE UNIQUE INDEX messages_dedupe ON messages(message_id, envelope_recipient, content_hash)"
  "  WHERE content_hash <> '';"
  "CREATE INDEX messages_ticket ON messages(ticket_id);"
  /* threading looks up References by Message-ID on every reply */
  "CREATE INDEX messages_message_id ON messages(message_id);"
  "CREATE INDEX messages_unfiled ON messages(id) WHERE ticket_id IS NULL;"
  "CREATE TABLE attachments ("
  "  id INTEGER PRIMARY KEY,"
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
  "  id INTEGER PRIMARY KEY,"
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
  "  body BLOB,"
  "  status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','sent','failed','bounced')),"
  "  attempts INTEGER NOT NULL DEFAULT 0,"
  "  next_attempt TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
  "  last_error TEXT,"
  "  created TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
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
  "  id INTEGER PRIMARY KEY,"
  "  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,"
  "  token_hash TEXT NOT NULL,"
  "  expires TEXT NOT NULL);"
  "INSERT INTO reset_codes(contact_id, token_hash, expires) SELECT contact_id, token_hash, expires FROM reset_tokens;"
  "DROP TABLE reset_tokens;"
  "ALTER TABLE reset_codes RENAME TO reset_tokens;"
  "CREATE INDEX reset_tokens_contact ON reset_tokens(contact_id);"
  "CREATE TABLE auth_failures ("
  "  contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,"
  "  at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')));"
  "CREATE INDEX auth_failures_contact ON auth_failures(contact_id, at);",
  /* 3: every envelope recipient of a stored message. One message to two
   * support addresses is one request, stored once (Postfix delivers a copy
   * to each); the recipients it came to are recorded here. */
  "CREATE TABLE message_recipients ("
  "  message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,"
  "  recipient TEXT NOT NULL,"
  "  original_recipient TEXT,"
  "  queue_id TEXT,"
  "  received TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),"
  "  PRIMARY KEY (message_id, recipient));"
  "INSERT INTO message_recipients(message_id, recipient, original_recipient, queue_id, received)"
  "  SELECT id, envelope_recipient, original_recipient, queue_id, received FROM messages"
  "  WHERE content_hash <> '';",
  /* 4: the knowledge base, indexed from its folder by `portero kb sync`.
   * The files stay the truth; this is their index and rendering. The
   * search table keeps its own copy of the text (no triggers: the sync
   * writes both, and trusted_schema=OFF allows no virtual table in one).
   * unicode61 remove_diacritics 2: "contraseña" finds "contrasena", any case. */
  "CREATE TABLE kb_articles ("
  "  id INTEGER PRIMARY KEY,"
  "  file TEXT NOT NULL UNIQUE,"
  "  name TEXT NOT NULL,"
  "  lang TEXT,"
  "  title TEXT NOT NULL,"
  "  keywords TEXT NOT NULL DEFAULT '',"
  "  visibility TEXT NOT NULL CHECK (visibility IN ('public', 'customers', 'internal', 'customer')),"
  "  customer TEXT,"
  "  html TEXT NOT NULL,"
  "  text TEXT NOT NULL,"
  "  stamp TEXT NOT NULL);"
  "CREATE INDEX kb_articles_name ON kb_articles(name);"
  "CREATE VIRTUAL TABLE kb_search USING fts5(title, keywords, text,"
  "  tokenize = 'unicode61 remove_diacritics 2');",
};

int
portero_store_schema_version (void)
{
  return G_N_ELEMENTS (migrations);
}

/* Map a failed sqlite call to a GError that names the database. */
static gboolean
fail (PorteroStore *store, int rc, GError **error)
{
  int code = PORTERO_ERROR_TEMPFAIL;
  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    code = PORTERO_ERROR_INVALID;
  if (((rc & 0xff) == SQLITE_INTERRUPT || (rc & 0xff) == SQLITE_BUSY) && store->deadline_hit)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL, "deadline passed while writing %s",
                   store->path);
      return FALSE;
    }
  const char *what = store->db ? sqlite3_errmsg (store->db) : sqlite3_errstr (rc);
  g_set_error (error, PORTERO_ERROR, code, "database %s: %s", store->path, what);
  return FALSE;
}

static int
progress (void *data)
{
  PorteroStore *store = data;
  if (store->deadline > 0 && g_get_monotonic_time () > store->deadline)
    {
      store->deadline_hit = TRUE;
      return 1;
    }
  return 0;
}

/* Wait for the lock with short sleeps, but never past the busy timeout nor
 * the delivery's deadline: sqlite's own handler knows only the former. */
static int
busy_wait (void *data, int count)
{
  PorteroStore *store = data;
  gint64 now = g_get_monotonic_time ();
  if (count == 0)
    store->busy_since = now;
  if (now - store->busy_since >= store->busy_timeout)
    return 0;
  if (store->deadline > 0 && now >= store->deadline)
    {
      store->deadline_hit = TRUE;
      return 0;
    }
  /* A delivery holds the lock for a few ms: poll often (1, 2 ... 5 ms) so
   * that a waiter does not sleep through the moments it is free. */
  g_usleep (MIN (count + 1, 5) * 1000);
  return 1;
}

void
portero_store_set_deadline (PorteroStore *store, gint64 deadline)
{
  store->deadline = deadline;
  sqlite3_progress_handler (store->db, deadline > 0 ? 1000 : 0, deadline > 0 ? progress : NULL, store);
}

/* The cached statement for SQL (a string literal), reset and unbound. */
static sqlite3_stmt *
stmt (PorteroStore *store, const char *sql, GError **error)
{
  sqlite3_stmt *s = g_hash_table_lookup (store->stmts, sql);
  if (s != NULL)
    {
      sqlite3_reset (s);
      sqlite3_clear_bindings (s);
      return s;
    }
  int rc = sqlite3_prepare_v3 (store->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
  if (rc != SQLITE_OK)
    {
      fail (store, rc, error);
      return NULL;
    }
  g_hash_table_insert (store->stmts, (gpointer) sql, s);
  return s;
}

static void
bind_text (sqlite3_stmt *s, int i, const char *v)
{
  if (v == NULL)
    sqlite3_bind_null (s, i);
  else
    sqlite3_bind_text (s, i, v, -1, SQLITE_STATIC);
}

static void
bind_id (sqlite3_stmt *s, int i, gint64 v)
{
  if (v == 0)
    sqlite3_bind_null (s, i);
  else
    sqlite3_bind_int64 (s, i, v);
}

/* Step S to completion (no rows expected). */
static gboolean
run (PorteroStore *store, sqlite3_stmt *s, GError **error)
{
  int rc = sqlite3_step (s);
  sqlite3_reset (s);
  if (rc != SQLITE_DONE && rc != SQLITE_ROW)
    return fail (store, rc, error);
  return TRUE;
}

/* Step S for one row; *ROW tells whether there was one. */
static gboolean
step_row (PorteroStore *store, sqlite3_stmt *s, gboolean *row, GError **error)
{
  int rc = sqlite3_step (s);
  if (rc == SQLITE_ROW)
    {
      *row = TRUE;
      return TRUE;
    }
  sqlite3_reset (s);
  *row = FALSE;
  if (rc != SQLITE_DONE)
    return fail (store, rc, error);
  return TRUE;
}

static gboolean
exec (PorteroStore *store, const char *sql, GError **error)
{
  int rc = sqlite3_exec (store->db, sql, NULL, NULL, NULL);
  return rc == SQLITE_OK ? TRUE : fail (store, rc, error);
}

static gboolean
user_version (PorteroStore *store, int *version, GError **error)
{
  sqlite3_stmt *s = stmt (store, "PRAGMA user_version", error);
  gboolean row;
  if (s == NULL || !step_row (store, s, &row, error))
    return FALSE;
  *version = row ? sqlite3_column_int (s, 0) : 0;
  sqlite3_reset (s);
  return TRUE;
}

static void
store_free_stmt (gpointer p)
{
  sqlite3_finalize (p);
}

/* Replaces SQLite's auto-checkpoint hook: only remember the log's length. */
static int
wal_committed (void *data, sqlite3 *db, const char *name, int frames)
{
  PorteroStore *store = data;
  store->wal_frames = frames;
  return SQLITE_OK;
}

void
portero_store_close (PorteroStore *store)
{
  if (store == NULL)
    return;
  if (store->wal_frames >= WAL_TRUNCATE_FRAMES)
    {
      /* After our commit, which is durable already: never wait for another
       * process here; if one holds the log, a later close empties it. */
      sqlite3_busy_handler (store->db, NULL, NULL);
      sqlite3_wal_checkpoint_v2 (store->db, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    }
  g_hash_table_unref (store->stmts);
  sqlite3_close (store->db);
  g_free (store->path);
  g_free (store);
}

static PorteroStore *
open_db (const char *path, int flags, int busy_timeout, GError **error)
{
  /* No bulk page-cache allocation: sqlite would initialise (touch) twenty
   * pages of memory a cache up front, most of them never used by one
   * delivery, and a process that lives for one message pays a page fault
   * for each. Before the first open: it is process-wide. */
  static gsize configured;
  if (g_once_init_enter (&configured))
    {
      sqlite3_config (SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
      g_once_init_leave (&configured, 1);
    }
  g_autoptr (PorteroStore) store = g_new0 (PorteroStore, 1);
  store->path = g_strdup (path);
  store->stmts = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, store_free_stmt);

  /* sqlite would open a directory or create a missing file; say what is wrong instead. */
  struct stat st;
  if (!(flags & SQLITE_OPEN_CREATE))
    {
      if (stat (path, &st) != 0)
        {
          int saved = errno;
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL, "database %s: %s%s", path,
                       g_strerror (saved), saved == ENOENT ? " (run portero init)" : "");
          return NULL;
        }
      if (!S_ISREG (st.st_mode))
        {
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL, "database %s: not a regular file", path);
          return NULL;
        }
    }
  int rc = sqlite3_open_v2 (path, &store->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      fail (store, rc, error);
      return NULL;
    }
  /* sqlite falls back to read-only silently; a writer must fail before it
   * reads, or the -wal and -shm it makes inherit the read-only mode. */
  if ((flags & SQLITE_OPEN_READWRITE) && sqlite3_db_readonly (store->db, "main") == 1)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL,
                   "database %s is read-only for uid %u (check its owner and mode, and its folder's)",
                   path, (unsigned) geteuid ());
      return NULL;
    }
  sqlite3_extended_result_codes (store->db, 1);
  store->busy_timeout = (gint64) busy_timeout * G_USEC_PER_SEC;
  sqlite3_busy_handler (store->db, busy_wait, store);
  if (flags & SQLITE_OPEN_READWRITE)
    {
      /* One process per message: closing must not checkpoint and delete
       * the WAL each time (four extra fsyncs); portero_store_close empties
       * it once it is long (see WAL_TRUNCATE_FRAMES), as portero maintain does. */
      int one = 1;
      sqlite3_db_config (store->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
      sqlite3_file_control (store->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
      sqlite3_wal_hook (store->db, wal_committed, store);
    }
  /* FULL: NORMAL in WAL mode may lose a commit we already answered 0 for. */
  /* trusted_schema=OFF: a schema someone with write access to the file
   * altered cannot make portero run functions with side effects. */
  sqlite3_db_config (store->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
  if (!exec (store, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL; PRAGMA trusted_schema=OFF;", error))
    return NULL;
  return g_steal_pointer (&store);
}

static gboolean
migrate (PorteroStore *store, GError **error)
{
  int version = 0;
  if (!portero_store_begin (store, error))
    return FALSE;
  if (!user_version (store, &version, error))
    goto fail;
  for (int v = version; v < (int) G_N_ELEMENTS (migrations); v++)
    {
      g_autofree char *bump = g_strdup_printf ("PRAGMA user_version=%d", v + 1);
      if (!exec (store, migrations[v], error) || !exec (store, bump, error))
        goto fail;
    }
  return portero_store_commit (store, error);
fail:
  portero_store_rollback (store);
  return FALSE;
}

gboolean
portero_store_create (const char *path, const char *default_customer, GError **error)
{
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "database %s exists already", path);
      return FALSE;
    }
  g_autoptr (PorteroStore) store = open_db (path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, 30, error);
  if (store == NULL)
    return FALSE;
  /* WAL is a property of the file: set once here, kept by every later open. */
  if (!exec (store, "PRAGMA journal_mode=WAL", error) || !migrate (store, error))
    return FALSE;
  gint64 id = 0;
  if (!portero_store_begin (store, error))
    return FALSE;
  sqlite3_stmt *s = stmt (store, "INSERT INTO customers(name, is_default) VALUES (?, 1)", error);
  if (s == NULL)
    goto fail;
  bind_text (s, 1, default_customer);
  if (!run (store, s, error))
    goto fail;
  id = sqlite3_last_insert_rowid (store->db);
  (void) id;
  return portero_store_commit (store, error);
fail:
  portero_store_rollback (store);
  return FALSE;
}

PorteroStore *
portero_store_open (const char *path, PorteroStoreMode mode, int busy_timeout, GError **error)
{
  int flags = mode == PORTERO_STORE_WRITE ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY;
  g_autoptr (PorteroStore) store = open_db (path, flags, busy_timeout, error);
  if (store == NULL)
    return NULL;
  int version = 0;
  if (!user_version (store, &version, error))
    return NULL;
  if (version == 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL,
                   "database %s is not initialised (run portero init)", path);
      return NULL;
    }
  if (version > portero_store_schema_version ())
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_SCHEMA,
                   "database %s has schema version %d, newer than this portero knows (%d): "
                   "upgrade portero", path, version, portero_store_schema_version ());
      return NULL;
    }
  if (version < portero_store_schema_version ())
    {
      if (mode != PORTERO_STORE_WRITE)
        {
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL,
                       "database %s has schema version %d and needs an upgrade "
                       "(run any writing portero command)", path, version);
          return NULL;
        }
      if (!migrate (store, error))
        return NULL;
    }
  return g_steal_pointer (&store);
}

gboolean
portero_store_begin (PorteroStore *store, GError **error)
{
  sqlite3_stmt *s = stmt (store, "BEGIN IMMEDIATE", error);
  return s != NULL && run (store, s, error);
}

gboolean
portero_store_commit (PorteroStore *store, GError **error)
{
  sqlite3_stmt *s = stmt (store, "COMMIT", error);
  if (s == NULL || !run (store, s, error))
    {
      portero_store_rollback (store);
      return FALSE;
    }
  return TRUE;
}

void
portero_store_rollback (PorteroStore *store)
{
  if (!sqlite3_get_autocommit (store->db))
    {
      /* A rollback must run even past the deadline. */
      sqlite3_progress_handler (store->db, 0, NULL, NULL);
      sqlite3_exec (store->db, "ROLLBACK", NULL, NULL, NULL);
      portero_store_set_deadline (store, store->deadline);
    }
}

/* One id from a query binding one text parameter; 0 when no row. */
static gboolean
lookup_id (PorteroStore *store, const char *sql, const char *arg, gint64 *id, GError **error)
{
  sqlite3_stmt *s = stmt (store, sql, error);
  gboolean row;
  if (s == NULL)
    return FALSE;
  bind_text (s, 1, arg);
  if (!step_row (store, s, &row, error))
    return FALSE;
  *id = row ? sqlite3_column_int64 (s, 0) : 0;
  sqlite3_reset (s);
  return TRUE;
}

gboolean
portero_store_customer_find (PorteroStore *store, const char *name, gint64 *id, GError **error)
{
  return lookup_id (store, "SELECT id FROM customers WHERE name = ?", name, id, error);
}

gboolean
portero_store_customer_default (PorteroStore *store, gint64 *id, GError **error)
{
  if (!lookup_id (store, "SELECT id FROM customers WHERE is_default = 1 AND ?1 IS NULL", NULL, id, error))
    return FALSE;
  if (*id == 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL,
                   "database %s has no default customer (run portero init)", store->path);
      return FALSE;
    }
  return TRUE;
}

gboolean
portero_store_customer_for_domain (PorteroStore *store, const char *domain, gint64 *id, GError **error)
{
  return lookup_id (store, "SELECT customer_id FROM domains WHERE domain = ?", domain, id, error);
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
  sqlite3_stmt *s = stmt (store, "INSERT INTO customers(name) VALUES (?)", error);
  if (s == NULL)
    return FALSE;
  bind_text (s, 1, name);
  if (!run (store, s, error))
    return FALSE;
  if (id)
    *id = sqlite3_last_insert_rowid (store->db);
  return TRUE;
}

gboolean
portero_store_domain_add (PorteroStore *store, gint64 customer_id, const char *domain, GError **error)
{
  sqlite3_stmt *s = stmt (store,
                          "SELECT c.id, c.name FROM domains d JOIN customers c ON c.id = d.customer_id "
                          "WHERE d.domain = ?", error);
  gboolean row;
  if (s == NULL)
    return FALSE;
  bind_text (s, 1, domain);
  if (!step_row (store, s, &row, error))
    return FALSE;
  if (row)
    {
      gboolean same = sqlite3_column_int64 (s, 0) == customer_id;
      g_autofree char *owner = g_strdup ((const char *) sqlite3_column_text (s, 1));
      sqlite3_reset (s);
      if (same)
        return TRUE;
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "domain %s belongs to \"%s\" already",
                   domain, owner);
      return FALSE;
    }
  s = stmt (store, "INSERT INTO domains(domain, customer_id) VALUES (?, ?)", error);
  if (s == NULL)
    return FALSE;
  bind_text (s, 1, domain);
  sqlite3_bind_int64 (s, 2, customer_id);
  return run (store, s, error);
}

gboolean
portero_store_contact_find (PorteroStore *store, const char *address, PorteroContactRef *out, GError **error)
{
  sqlite3_stmt *s = stmt (store,
                          "SELECT c.id, c.customer_id, c.auto_tickets, c.main FROM contact_emails e "
                          "JOIN contacts c ON c.id = e.contact_id WHERE e.email = ?", error);
  gboolean row;
  memset (out, 0, sizeof *out);
  if (s == NULL)
    return FALSE;
  bind_text (s, 1, address);
  if (!step_row (store, s, &row, error))
    return FALSE;
  if (row)
    {
      out->id = sqlite3_column_int64 (s, 0);
      out->customer_id = sqlite3_column_int64 (s, 1);
      out->auto_tickets = sqlite3_column_int (s, 2) != 0;
      out->main = sqlite3_column_int (s, 3) != 0;
      sqlite3_reset (s);
    }
  return TRUE;
}

gboolean
portero_store_contact_add (PorteroStore *store, const char *address, const char *name, gint64 customer_id,
                           const char *source, gint64 *id, GError **error)
{
  sqlite3_stmt *s = stmt (store,
                          "INSERT INTO contacts(customer_id, name, source, domain) VALUES (?, ?, ?, ?)", error);
  if (s == NULL)
    return FALSE;
  const char *at = strrchr (address, '@');
  sqlite3_bind_int64 (s, 1, customer_id);
  bind_text (s, 2, name ? name : "");
  bind_text (s, 3, source);
  bind_text (s, 4, at ? at + 1 : "");
  if (!run (store, s, error))
    return FALSE;
  gint64 contact = sqlite3_last_insert_rowid (store->db);
  s = stmt (store, "INSERT INTO contact_emails(email, contact_id, is_primary) VALUES (?, ?, 1)", error);
  if (s == NULL)
    return FALSE;
  bind_text (s, 1, address);
  sqlite3_bind_int64 (s, 2, contact);
  if (!run (store, s, error))
    return FALSE;
  if (id)
    *id = contact;
  return TRUE;
}

gboolean
portero_store_contacts_created_last_hour (PorteroStore *store, const char *domain, int *count, GError **error)
{
  gint64 n = 0;
  if (!lookup_id (store,
                  "SELECT count(*) FROM contacts WHERE domain = ? AND source = 'email' "
                  "AND created >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 hour')",
                  domain, &n, error))
    return FALSE;
  *count = (int) n;
  return TRUE;
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
  sqlite3_stmt *s = stmt (store,
                          "SELECT id, customer_id, contact_id, requester, status FROM tickets WHERE id = ?",
                          error);
  gboolean row;
  portero_ticket_ref_clear (out);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, id);
  if (!step_row (store, s, &row, error))
    return FALSE;
  if (row)
    {
      out->id = sqlite3_column_int64 (s, 0);
      out->customer_id = sqlite3_column_int64 (s, 1);
      out->contact_id = sqlite3_column_int64 (s, 2);
      out->requester = g_strdup ((const char *) sqlite3_column_text (s, 3));
      out->status = g_strdup ((const char *) sqlite3_column_text (s, 4));
      sqlite3_reset (s);
    }
  return TRUE;
}

gboolean
portero_store_ticket_for_message_id (PorteroStore *store, const char *message_id, gint64 *ticket, GError **error)
{
  return lookup_id (store,
                    "SELECT ticket_id FROM messages WHERE message_id = ? AND ticket_id IS NOT NULL "
                    "ORDER BY id DESC LIMIT 1",
                    message_id, ticket, error);
}

gboolean
portero_store_ticket_add (PorteroStore *store, const char *title, gint64 customer_id, gint64 contact_id,
                          const char *requester, const char *source, gint64 *id, GError **error)
{
  sqlite3_stmt *s = stmt (store,
                          "INSERT INTO tickets(title, customer_id, contact_id, requester, source) "
                          "VALUES (?, ?, ?, ?, ?)", error);
  if (s == NULL)
    return FALSE;
  bind_text (s, 1, title);
  sqlite3_bind_int64 (s, 2, customer_id);
  bind_id (s, 3, contact_id);
  bind_text (s, 4, requester);
  bind_text (s, 5, source);
  if (!run (store, s, error))
    return FALSE;
  *id = sqlite3_last_insert_rowid (store->db);
  return TRUE;
}

gboolean
portero_store_ticket_touch (PorteroStore *store, gint64 ticket, gboolean reopen, GError **error)
{
  sqlite3_stmt *s = stmt (store,
                          "UPDATE tickets SET updated = strftime('%Y-%m-%dT%H:%M:%SZ','now'),"
                          " status = CASE WHEN ?2 AND status IN ('closed','resolved') THEN 'open' ELSE status END"
                          " WHERE id = ?1", error);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, ticket);
  sqlite3_bind_int (s, 2, reopen);
  return run (store, s, error);
}

gboolean
portero_store_message_seen (PorteroStore *store, const char *message_id, const char *hash, gint64 *existing,
                            gboolean *id_seen, GError **error)
{
  sqlite3_stmt *s = stmt (store,
                          "SELECT min(CASE WHEN content_hash = ?2 THEN id END), sum(content_hash <> ?2) FROM messages "
                          "WHERE content_hash <> '' AND message_id = ?1 AND (?1 <> '' OR content_hash = ?2)",
                          error);
  gboolean row;
  if (s == NULL)
    return FALSE;
  bind_text (s, 1, message_id ? message_id : "");
  bind_text (s, 2, hash);
  if (!step_row (store, s, &row, error))
    return FALSE;
  *existing = row ? sqlite3_column_int64 (s, 0) : 0;
  *id_seen = row && message_id != NULL && sqlite3_column_int (s, 1) > 0;
  sqlite3_reset (s);
  return TRUE;
}

gboolean
portero_store_message_recipient_add (PorteroStore *store, gint64 message, const char *recipient,
                                     const char *original, const char *queue_id, gboolean *added, GError **error)
{
  sqlite3_stmt *s = stmt (store,
                          "INSERT OR IGNORE INTO message_recipients(message_id, recipient, original_recipient, queue_id)"
                          " VALUES (?, ?, ?, ?)", error);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, message);
  bind_text (s, 2, recipient ? recipient : "");
  bind_text (s, 3, original);
  bind_text (s, 4, queue_id);
  if (!run (store, s, error))
    return FALSE;
  if (added)
    *added = sqlite3_changes (store->db) > 0;
  return TRUE;
}

gboolean
portero_store_message_add (PorteroStore *store, const PorteroMessageRow *r, gint64 *id, GError **error)
{
  sqlite3_stmt *s = stmt (store,
                          "INSERT INTO messages(ticket_id, contact_id, kind, message_id, envelope_sender,"
                          " envelope_recipient, original_recipient, queue_id, from_addr, from_name, subject,"
                          " date, body, auto, auto_reason, spam, id_reused, unfiled_reason, content_hash, raw, raw_size)"
                          " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", error);
  if (s == NULL)
    return FALSE;
  bind_id (s, 1, r->ticket_id);
  bind_id (s, 2, r->contact_id);
  bind_text (s, 3, r->kind);
  bind_text (s, 4, r->message_id ? r->message_id : "");
  bind_text (s, 5, r->envelope_sender);
  bind_text (s, 6, r->envelope_recipient ? r->envelope_recipient : "");
  bind_text (s, 7, r->original_recipient);
  bind_text (s, 8, r->queue_id);
  bind_text (s, 9, r->from_addr ? r->from_addr : "");
  bind_text (s, 10, r->from_name ? r->from_name : "");
  bind_text (s, 11, r->subject ? r->subject : "");
  bind_text (s, 12, r->date);
  bind_text (s, 13, r->body ? r->body : "");
  sqlite3_bind_int (s, 14, r->auto_generated);
  bind_text (s, 15, r->auto_reason);
  sqlite3_bind_int (s, 16, r->spam);
  sqlite3_bind_int (s, 17, r->id_reused);
  bind_text (s, 18, r->unfiled_reason);
  bind_text (s, 19, r->content_hash ? r->content_hash : "");
  if (r->raw != NULL)
    {
      gsize len = 0;
      gconstpointer data = g_bytes_get_data (r->raw, &len);
      sqlite3_bind_blob64 (s, 20, data ? data : "", len, SQLITE_STATIC);
    }
  else
    sqlite3_bind_null (s, 20);
  sqlite3_bind_int64 (s, 21, r->raw_size);
  if (!run (store, s, error))
    return FALSE;
  gint64 message = sqlite3_last_insert_rowid (store->db);
  if (r->content_hash != NULL && *r->content_hash != '\0'
      && !portero_store_message_recipient_add (store, message, r->envelope_recipient, r->original_recipient,
                                               r->queue_id, NULL, error))
    return FALSE;
  for (guint i = 0; r->attachments && i < r->attachments->len; i++)
    {
      const PorteroAttachment *a = g_ptr_array_index (r->attachments, i);
      s = stmt (store, "INSERT INTO attachments(message_id, name, type, size) VALUES (?, ?, ?, ?)", error);
      if (s == NULL)
        return FALSE;
      sqlite3_bind_int64 (s, 1, message);
      bind_text (s, 2, a->name);
      bind_text (s, 3, a->type);
      sqlite3_bind_int64 (s, 4, a->size);
      if (!run (store, s, error))
        return FALSE;
    }
  if (id)
    *id = message;
  return TRUE;
}

GBytes *
portero_store_message_raw (PorteroStore *store, gint64 id, GError **error)
{
  sqlite3_stmt *s = stmt (store, "SELECT raw FROM messages WHERE id = ?", error);
  gboolean row;
  if (s == NULL)
    return NULL;
  sqlite3_bind_int64 (s, 1, id);
  if (!step_row (store, s, &row, error))
    return NULL;
  if (!row)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, "no message %" G_GINT64_FORMAT, id);
      return NULL;
    }
  GBytes *raw = g_bytes_new (sqlite3_column_blob (s, 0), sqlite3_column_bytes (s, 0));
  sqlite3_reset (s);
  return raw;
}

/* Run a query whose one row and column is JSON text made by SQLite's JSON
 * functions, and return that text (the caller parses it: portero-deliver
 * need not load a JSON library for the technician's listings). */
static char *
query_json (PorteroStore *store, sqlite3_stmt *s, GError **error)
{
  gboolean row;
  if (!step_row (store, s, &row, error))
    return NULL;
  char *text = row ? g_strdup ((const char *) sqlite3_column_text (s, 0)) : NULL;
  if (row)
    sqlite3_reset (s);
  if (text == NULL)
    g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, "not found");
  return text;
}

/* query_json for the one row of WHAT number ID (the statement's ?1). */
static char *
query_json_one (PorteroStore *store, sqlite3_stmt *s, const char *what, gint64 id, GError **error)
{
  sqlite3_bind_int64 (s, 1, id);
  g_autoptr (GError) local = NULL;
  char *text = query_json (store, s, &local);
  if (g_error_matches (local, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND))
    g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, "no %s %" G_GINT64_FORMAT, what, id);
  else if (local != NULL)
    g_propagate_error (error, g_steal_pointer (&local));
  return text;
}

#define JSON_BOOL(expr) "json(CASE WHEN " expr " THEN 'true' ELSE 'false' END)"

char *
portero_store_customers_json (PorteroStore *store, GError **error)
{
  sqlite3_stmt *s = stmt (store,
    "SELECT json_group_array(json_object("
    " 'name', c.name,"
    " 'domains', json((SELECT json_group_array(domain) FROM"
    "   (SELECT domain FROM domains WHERE customer_id = c.id ORDER BY domain))),"
    " 'contacts', (SELECT count(*) FROM contacts WHERE customer_id = c.id),"
    " 'default', " JSON_BOOL ("c.is_default") "))"
    " FROM (SELECT * FROM customers ORDER BY is_default DESC, name) c", error);
  return s ? query_json (store, s, error) : NULL;
}

char *
portero_store_contacts_json (PorteroStore *store, const char *customer, GError **error)
{
  return portero_store_contacts_search_json (store, customer, NULL, 0, error);
}

char *
portero_store_contacts_search_json (PorteroStore *store, const char *customer, const char *search, gint64 id,
                                    GError **error)
{
  sqlite3_stmt *s = stmt (store,
    "SELECT json_group_array(json_object("
    " 'email', (SELECT email FROM contact_emails WHERE contact_id = c.id ORDER BY is_primary DESC, email LIMIT 1),"
    " 'emails', json((SELECT json_group_array(email) FROM"
    "   (SELECT email FROM contact_emails WHERE contact_id = c.id ORDER BY is_primary DESC, email))),"
    " 'name', c.name, 'customer', cu.name,"
    " 'main', " JSON_BOOL ("c.main") ","
    " 'source', c.source,"
    " 'auto_tickets', " JSON_BOOL ("c.auto_tickets") ","
    " 'created', c.created,"
    " 'tickets', (SELECT count(*) FROM tickets WHERE contact_id = c.id),"
    " 'password', " JSON_BOOL ("c.password_hash IS NOT NULL") ","
    " 'pending_password', " JSON_BOOL ("c.pending_hash IS NOT NULL") "))"
    " FROM (SELECT * FROM contacts ORDER BY id) c JOIN customers cu ON cu.id = c.customer_id"
    " WHERE (?1 IS NULL OR cu.name = ?1)"
    " AND (?2 IS NULL OR instr(lower(c.name), lower(?2)) > 0"
    "      OR EXISTS (SELECT 1 FROM contact_emails e WHERE e.contact_id = c.id AND instr(e.email, lower(?2)) > 0))"
    " AND (?3 IS NULL OR c.id = ?3)", error);
  if (s == NULL)
    return NULL;
  bind_text (s, 1, customer);
  bind_text (s, 2, search);
  bind_id (s, 3, id);
  return query_json (store, s, error);
}

#define TICKET_FIELDS \
  " 'id', t.id, 'title', t.title, 'status', t.status, 'priority', t.priority," \
  " 'customer', cu.name, 'requester', t.requester, 'source', t.source," \
  " 'messages', (SELECT count(*) FROM messages m WHERE m.ticket_id = t.id AND m.kind IN ('mail','reply'))," \
  " 'created', t.created, 'updated', t.updated"

char *
portero_store_tickets_json (PorteroStore *store, const PorteroTicketFilter *f, GError **error)
{
  sqlite3_stmt *s = stmt (store,
    "SELECT json_group_array(json_object(" TICKET_FIELDS "))"
    " FROM (SELECT * FROM tickets t0"
    "   WHERE (?1 IS NULL OR t0.status = ?1)"
    "   AND (?2 IS NULL OR t0.customer_id = (SELECT id FROM customers WHERE name = ?2))"
    "   AND (?3 IS NULL OR t0.requester = ?3 OR t0.contact_id ="
    "        (SELECT contact_id FROM contact_emails WHERE email = ?3))"
    "   ORDER BY t0.id LIMIT ?4) t"
    " JOIN customers cu ON cu.id = t.customer_id", error);
  if (s == NULL)
    return NULL;
  bind_text (s, 1, f ? f->status : NULL);
  bind_text (s, 2, f ? f->customer : NULL);
  bind_text (s, 3, f ? f->contact : NULL);
  sqlite3_bind_int64 (s, 4, f && f->limit > 0 ? f->limit : -1);
  return query_json (store, s, error);
}

char *
portero_store_ticket_json (PorteroStore *store, gint64 id, GError **error)
{
  sqlite3_stmt *s = stmt (store,
    "SELECT json_object(" TICKET_FIELDS ","
    " 'thread', json((SELECT json_group_array(json_object("
    "   'id', m.id, 'kind', m.kind, 'from', m.from_addr, 'name', m.from_name, 'date', m.date,"
    "   'subject', m.subject, 'body', m.body,"
    "   'attachments', json((SELECT json_group_array(json_object('name', a.name, 'type', a.type, 'size', a.size))"
    "      FROM (SELECT * FROM attachments WHERE message_id = m.id ORDER BY id) a)),"
    "   'auto', " JSON_BOOL ("m.auto") ", 'spam', " JSON_BOOL ("m.spam") ","
    "   'id_reused', " JSON_BOOL ("m.id_reused") "))"
    "   FROM (SELECT * FROM messages WHERE ticket_id = t.id ORDER BY id) m)))"
    " FROM tickets t JOIN customers cu ON cu.id = t.customer_id WHERE t.id = ?", error);
  if (s == NULL)
    return NULL;
  return query_json_one (store, s, "ticket", id, error);
}

char *
portero_store_unfiled_json (PorteroStore *store, GError **error)
{
  sqlite3_stmt *s = stmt (store,
    "SELECT json_group_array(json_object('id', id, 'from', from_addr, 'date', date,"
    " 'subject', subject, 'reason', unfiled_reason))"
    " FROM (SELECT * FROM messages WHERE ticket_id IS NULL ORDER BY id)", error);
  return s ? query_json (store, s, error) : NULL;
}

gboolean
portero_store_contact_info (PorteroStore *store, gint64 id, PorteroContactInfo *out, GError **error)
{
  sqlite3_stmt *s = stmt (store,
    "SELECT c.id, c.name, (SELECT email FROM contact_emails WHERE contact_id = c.id"
    "   ORDER BY is_primary DESC, email LIMIT 1),"
    " c.customer_id, cu.name, c.main, c.password_hash, c.pending_hash, cu.is_default"
    " FROM contacts c JOIN customers cu ON cu.id = c.customer_id WHERE c.id = ?", error);
  gboolean row;
  portero_contact_info_clear (out);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, id);
  if (!step_row (store, s, &row, error))
    return FALSE;
  if (!row)
    return TRUE;
  out->id = sqlite3_column_int64 (s, 0);
  out->name = g_strdup ((const char *) sqlite3_column_text (s, 1));
  out->email = g_strdup ((const char *) sqlite3_column_text (s, 2));
  out->customer_id = sqlite3_column_int64 (s, 3);
  out->customer = g_strdup ((const char *) sqlite3_column_text (s, 4));
  out->main = sqlite3_column_int (s, 5) != 0;
  out->password_hash = g_strdup ((const char *) sqlite3_column_text (s, 6));
  out->pending_hash = g_strdup ((const char *) sqlite3_column_text (s, 7));
  out->default_customer = sqlite3_column_int (s, 8) != 0;
  sqlite3_reset (s);
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

static gboolean change (PorteroStore *store, const char *sql, gint64 a, gint64 b, const char *text, int *changes,
                        GError **error);

gboolean
portero_store_contact_set_password (PorteroStore *store, gint64 contact, const char *hash,
                                    PorteroPasswordKind kind, GError **error)
{
  /* Automatic mail adds a pending password beside a current one; the first
   * password, a technician's reset and a used pending one replace both. */
  sqlite3_stmt *s = stmt (store,
    "UPDATE contacts SET"
    " password_hash = CASE WHEN ?2 = 1 AND password_hash IS NOT NULL THEN password_hash ELSE ?1 END,"
    " pending_hash = CASE WHEN ?2 = 1 AND password_hash IS NOT NULL THEN ?1 ELSE NULL END"
    " WHERE id = ?3", error);
  if (s == NULL)
    return FALSE;
  bind_text (s, 1, hash);
  sqlite3_bind_int (s, 2, kind == PORTERO_PASSWORD_PENDING);
  sqlite3_bind_int64 (s, 3, contact);
  if (!run (store, s, error))
    return FALSE;
  /* A password set outright voids any one-time code still out. */
  return kind != PORTERO_PASSWORD_CURRENT
         || change (store, "DELETE FROM reset_tokens WHERE contact_id = ?1 AND ?2 IS NULL AND ?3 IS NULL",
                    contact, 0, NULL, NULL, error);
}

gboolean
portero_store_reset_token_set (PorteroStore *store, gint64 contact, const char *token_hash, int minutes,
                               GError **error)
{
  sqlite3_stmt *s = stmt (store,
    "INSERT INTO reset_tokens(contact_id, token_hash, expires)"
    " VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+' || ?3 || ' minutes'))", error);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, contact);
  bind_text (s, 2, token_hash);
  sqlite3_bind_int (s, 3, minutes);
  return run (store, s, error);
}

gboolean
portero_store_reset_token_take (PorteroStore *store, gint64 contact, const char *token_hash, gboolean *valid,
                                GError **error)
{
  sqlite3_stmt *s = stmt (store,
    "DELETE FROM reset_tokens WHERE contact_id = ?1 AND token_hash = ?2"
    " AND expires > strftime('%Y-%m-%dT%H:%M:%SZ','now')", error);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, contact);
  bind_text (s, 2, token_hash);
  if (!run (store, s, error))
    return FALSE;
  *valid = sqlite3_changes (store->db) == 1;
  /* Using one code voids the others. */
  return !*valid || change (store, "DELETE FROM reset_tokens WHERE contact_id = ?1 AND ?2 IS NULL AND ?3 IS NULL",
                            contact, 0, NULL, NULL, error);
}

gboolean
portero_store_outbox_add (PorteroStore *store, const PorteroOutboxRow *r, gint64 *id, GError **error)
{
  sqlite3_stmt *s = stmt (store,
    "INSERT INTO outbox(ticket_id, contact_id, kind, automatic, credential, recipient, envelope_from,"
    " subject, message_id, sealed, body, allowance, new_address) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", error);
  if (s == NULL)
    return FALSE;
  bind_id (s, 1, r->ticket_id);
  bind_id (s, 2, r->contact_id);
  bind_text (s, 3, r->kind);
  sqlite3_bind_int (s, 4, r->automatic);
  sqlite3_bind_int (s, 5, r->credential);
  bind_text (s, 6, r->recipient);
  bind_text (s, 7, r->envelope_from ? r->envelope_from : "");
  bind_text (s, 8, r->subject ? r->subject : "");
  bind_text (s, 9, r->message_id);
  sqlite3_bind_int (s, 10, r->sealed);
  gsize len = 0;
  gconstpointer data = g_bytes_get_data (r->body, &len);
  sqlite3_bind_blob64 (s, 11, data ? data : "", len, SQLITE_STATIC);
  bind_text (s, 12, r->allowance ? r->allowance : "open");
  sqlite3_bind_int (s, 13, r->new_address);
  if (!run (store, s, error))
    return FALSE;
  if (id)
    *id = sqlite3_last_insert_rowid (store->db);
  return TRUE;
}

gboolean
portero_store_outbox_recent (PorteroStore *store, const char *recipient, gint64 contact, int hours,
                             gboolean credential_only, int *count, GError **error)
{
  sqlite3_stmt *s = stmt (store,
    "SELECT count(*) FROM outbox WHERE automatic = 1"
    " AND (?1 IS NULL OR recipient = ?1) AND (?2 IS NULL OR contact_id = ?2)"
    " AND (?4 = 0 OR credential = 1) AND status <> 'failed'"
    " AND created >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-' || ?3 || ' hours')", error);
  gboolean row;
  if (s == NULL)
    return FALSE;
  bind_text (s, 1, recipient);
  bind_id (s, 2, contact);
  sqlite3_bind_int (s, 3, hours);
  sqlite3_bind_int (s, 4, credential_only);
  if (!step_row (store, s, &row, error))
    return FALSE;
  *count = row ? sqlite3_column_int (s, 0) : 0;
  sqlite3_reset (s);
  return TRUE;
}

gboolean
portero_store_outbox_allowance_used (PorteroStore *store, gint64 contact, const char *allowance, int hours,
                                     int *count, GError **error)
{
  sqlite3_stmt *s = stmt (store,
    "SELECT count(*) FROM outbox WHERE automatic = 1 AND credential = 1 AND contact_id = ?1"
    " AND allowance = ?2 AND status <> 'failed'"
    " AND created >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-' || ?3 || ' hours')", error);
  gboolean row;
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, contact);
  bind_text (s, 2, allowance);
  sqlite3_bind_int (s, 3, hours);
  if (!step_row (store, s, &row, error))
    return FALSE;
  *count = row ? sqlite3_column_int (s, 0) : 0;
  sqlite3_reset (s);
  return TRUE;
}

gboolean
portero_store_outbox_new_address_count (PorteroStore *store, int *count, GError **error)
{
  sqlite3_stmt *s = stmt (store,
    "SELECT count(*) FROM outbox WHERE automatic = 1 AND new_address = 1 AND held IS NULL"
    " AND created >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 hours')", error);
  gboolean row;
  if (s == NULL)
    return FALSE;
  if (!step_row (store, s, &row, error))
    return FALSE;
  *count = row ? sqlite3_column_int (s, 0) : 0;
  sqlite3_reset (s);
  return TRUE;
}

gboolean
portero_store_outbox_hold (PorteroStore *store, const PorteroOutboxRow *r, const char *limit, GError **error)
{
  sqlite3_stmt *s = stmt (store,
    "INSERT INTO outbox(ticket_id, contact_id, kind, automatic, credential, recipient, subject, message_id,"
    " body, status, last_error, held, allowance) VALUES (?,?,?,1,?,?,?,'',NULL,'failed',?7,?7,?8)", error);
  if (s == NULL)
    return FALSE;
  bind_id (s, 1, r->ticket_id);
  bind_id (s, 2, r->contact_id);
  bind_text (s, 3, r->kind);
  sqlite3_bind_int (s, 4, r->credential);
  bind_text (s, 5, r->recipient);
  bind_text (s, 6, r->subject ? r->subject : "");
  bind_text (s, 7, limit);
  bind_text (s, 8, r->allowance ? r->allowance : "open");
  return run (store, s, error);
}

gboolean
portero_store_contact_heard (PorteroStore *store, gint64 contact, gboolean *heard, GError **error)
{
  sqlite3_stmt *s = stmt (store, "SELECT source <> 'email' OR heard FROM contacts WHERE id = ?", error);
  gboolean row;
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, contact);
  if (!step_row (store, s, &row, error))
    return FALSE;
  *heard = row && sqlite3_column_int (s, 0) != 0;
  sqlite3_reset (s);
  return TRUE;
}

gboolean
portero_store_contact_mark_heard (PorteroStore *store, gint64 contact, GError **error)
{
  return change (store, "UPDATE contacts SET heard = 1 WHERE id = ?1 AND heard = 0 AND ?2 IS NULL AND ?3 IS NULL",
                 contact, 0, NULL, NULL, error);
}

gboolean
portero_store_auth_failures (PorteroStore *store, gint64 contact, gboolean add, int *count, GError **error)
{
  if (add && !change (store, "INSERT INTO auth_failures(contact_id) SELECT ?1 WHERE ?2 IS NULL AND ?3 IS NULL",
                      contact, 0, NULL, NULL, error))
    return FALSE;
  sqlite3_stmt *s = stmt (store,
    "SELECT count(*) FROM auth_failures WHERE contact_id = ?"
    " AND at >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-1 hours')", error);
  gboolean row;
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, contact);
  if (!step_row (store, s, &row, error))
    return FALSE;
  *count = row ? sqlite3_column_int (s, 0) : 0;
  sqlite3_reset (s);
  return TRUE;
}

gboolean
portero_store_outbox_due (PorteroStore *store, gboolean all, GArray *ids, GError **error)
{
  sqlite3_stmt *s = stmt (store,
    "SELECT id FROM outbox WHERE status = 'queued'"
    " AND (?1 OR next_attempt <= strftime('%Y-%m-%dT%H:%M:%SZ','now')) ORDER BY id", error);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int (s, 1, all);
  int rc;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (s, 0);
      g_array_append_val (ids, id);
    }
  sqlite3_reset (s);
  return rc == SQLITE_DONE ? TRUE : fail (store, rc, error);
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
  sqlite3_stmt *s = stmt (store,
    "SELECT id, ticket_id, contact_id, kind, automatic, credential, recipient, envelope_from, subject,"
    " message_id, sealed, body, status, attempts FROM outbox WHERE id = ?", error);
  gboolean row;
  portero_outbox_row_clear (r);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, id);
  if (!step_row (store, s, &row, error))
    return FALSE;
  if (!row)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, "no outbox mail %" G_GINT64_FORMAT, id);
      return FALSE;
    }
  r->id = sqlite3_column_int64 (s, 0);
  r->ticket_id = sqlite3_column_int64 (s, 1);
  r->contact_id = sqlite3_column_int64 (s, 2);
  r->kind = g_strdup ((const char *) sqlite3_column_text (s, 3));
  r->automatic = sqlite3_column_int (s, 4);
  r->credential = sqlite3_column_int (s, 5);
  r->recipient = g_strdup ((const char *) sqlite3_column_text (s, 6));
  r->envelope_from = g_strdup ((const char *) sqlite3_column_text (s, 7));
  r->subject = g_strdup ((const char *) sqlite3_column_text (s, 8));
  r->message_id = g_strdup ((const char *) sqlite3_column_text (s, 9));
  r->sealed = sqlite3_column_int (s, 10);
  if (sqlite3_column_type (s, 11) != SQLITE_NULL)
    r->body = g_bytes_new (sqlite3_column_blob (s, 11), sqlite3_column_bytes (s, 11));
  r->status = g_strdup ((const char *) sqlite3_column_text (s, 12));
  r->attempts = sqlite3_column_int (s, 13);
  sqlite3_reset (s);
  return TRUE;
}

gboolean
portero_store_outbox_update (PorteroStore *store, gint64 id, const char *status, const char *last_error,
                             int retry_seconds, GError **error)
{
  /* A sent mail keeps no body: a delivered credential is gone from the
   * database (secure_delete makes that true of the file as well). */
  sqlite3_stmt *s = stmt (store,
    "UPDATE outbox SET status = ?2, last_error = ?3,"
    " attempts = attempts + (?2 <> 'bounced'),"
    " body = CASE WHEN ?2 IN ('sent','bounced') OR (?2 = 'failed' AND sealed = 1) THEN NULL ELSE body END,"
    " sent = CASE WHEN ?2 = 'sent' THEN strftime('%Y-%m-%dT%H:%M:%SZ','now') ELSE sent END,"
    " next_attempt = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '+' || ?4 || ' seconds')"
    " WHERE id = ?1", error);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, id);
  bind_text (s, 2, status);
  bind_text (s, 3, last_error);
  sqlite3_bind_int (s, 4, retry_seconds);
  return run (store, s, error);
}

gboolean
portero_store_outbox_bounced (PorteroStore *store, const char *message_id, GError **error)
{
  sqlite3_stmt *s = stmt (store,
    "UPDATE outbox SET status = 'bounced', body = NULL WHERE message_id = ?", error);
  if (s == NULL)
    return FALSE;
  bind_text (s, 1, message_id);
  return run (store, s, error);
}

char *
portero_store_outbox_json (PorteroStore *store, GError **error)
{
  sqlite3_stmt *s = stmt (store,
    "SELECT json_group_array(json_object('id', id, 'to', recipient, 'subject', subject,"
    " 'status', CASE WHEN held IS NULL THEN status ELSE 'held' END, 'held', held,"
    " 'attempts', attempts, 'kind', kind, 'ticket', ticket_id, 'created', created, 'next_attempt', next_attempt,"
    " 'last_error', last_error)) FROM (SELECT * FROM outbox ORDER BY id)", error);
  return s ? query_json (store, s, error) : NULL;
}

gboolean
portero_store_checkpoint (PorteroStore *store, GError **error)
{
  return exec (store, "PRAGMA wal_checkpoint(TRUNCATE);", error);
}

gboolean
portero_store_secure_delete (PorteroStore *store, GError **error)
{
  return exec (store, "PRAGMA secure_delete=ON", error);
}

gboolean
portero_store_ticket_info (PorteroStore *store, gint64 id, PorteroTicketInfo *out, GError **error)
{
  sqlite3_stmt *s = stmt (store,
    "SELECT t.id, t.title, t.status, t.priority, t.source, cu.name, t.requester,"
    " coalesce(c.name, ''), t.customer_id, t.contact_id"
    " FROM tickets t JOIN customers cu ON cu.id = t.customer_id"
    " LEFT JOIN contacts c ON c.id = t.contact_id WHERE t.id = ?", error);
  gboolean row;
  portero_ticket_info_clear (out);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, id);
  if (!step_row (store, s, &row, error))
    return FALSE;
  if (!row)
    return TRUE;
  out->id = sqlite3_column_int64 (s, 0);
  out->title = g_strdup ((const char *) sqlite3_column_text (s, 1));
  out->status = g_strdup ((const char *) sqlite3_column_text (s, 2));
  out->priority = g_strdup ((const char *) sqlite3_column_text (s, 3));
  out->source = g_strdup ((const char *) sqlite3_column_text (s, 4));
  out->customer = g_strdup ((const char *) sqlite3_column_text (s, 5));
  out->requester = g_strdup ((const char *) sqlite3_column_text (s, 6));
  out->requester_name = g_strdup ((const char *) sqlite3_column_text (s, 7));
  out->customer_id = sqlite3_column_int64 (s, 8);
  out->contact_id = sqlite3_column_int64 (s, 9);
  sqlite3_reset (s);
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
  sqlite3_stmt *s = stmt (store,
    "UPDATE tickets SET status = coalesce(?2, status), priority = coalesce(?3, priority),"
    " customer_id = coalesce(?4, customer_id),"
    " updated = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?1", error);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, id);
  bind_text (s, 2, status);
  bind_text (s, 3, priority);
  bind_id (s, 4, customer_id);
  return run (store, s, error);
}

gboolean
portero_store_open_tickets (PorteroStore *store, gint64 contact, gint64 customer, PorteroStatusWord status_word,
                            const char *lang, GPtrArray *lines, GError **error)
{
  sqlite3_stmt *s = stmt (store,
    "SELECT t.id, t.title, t.status, t.updated, t.requester FROM tickets t"
    " WHERE t.status NOT IN ('closed','resolved')"
    " AND ((?1 IS NOT NULL AND t.contact_id = ?1) OR (?2 IS NOT NULL AND t.customer_id = ?2))"
    " ORDER BY t.id", error);
  if (s == NULL)
    return FALSE;
  bind_id (s, 1, contact);
  bind_id (s, 2, customer);
  int rc;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    g_ptr_array_add (lines, g_strdup_printf ("[#%" G_GINT64_FORMAT "] %s (%s, %s%s%s)",
                                             (gint64) sqlite3_column_int64 (s, 0),
                                             (const char *) sqlite3_column_text (s, 1),
                                             status_word ? status_word ((const char *) sqlite3_column_text (s, 2), lang)
                                                         : (const char *) sqlite3_column_text (s, 2),
                                             (const char *) sqlite3_column_text (s, 3),
                                             customer ? ", " : "",
                                             customer ? (const char *) sqlite3_column_text (s, 4) : ""));
  sqlite3_reset (s);
  return rc == SQLITE_DONE ? TRUE : fail (store, rc, error);
}

gboolean
portero_store_contact_by_address (PorteroStore *store, const char *address, gint64 *id, GError **error)
{
  return lookup_id (store, "SELECT contact_id FROM contact_emails WHERE email = ?", address, id, error);
}

gboolean
portero_store_maintain (PorteroStore *store, GError **error)
{
  return exec (store, "PRAGMA secure_delete=ON; PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);", error);
}

/* Run a statement with up to three text or id parameters: the many small
 * UPDATEs and DELETEs of the technician's commands. */
static gboolean
change (PorteroStore *store, const char *sql, gint64 a, gint64 b, const char *text, int *changes, GError **error)
{
  sqlite3_stmt *s = stmt (store, sql, error);
  if (s == NULL)
    return FALSE;
  bind_id (s, 1, a);
  bind_id (s, 2, b);
  bind_text (s, 3, text);
  if (!run (store, s, error))
    return FALSE;
  if (changes)
    *changes = sqlite3_changes (store->db);
  return TRUE;
}

gboolean
portero_store_ticket_last_mail (PorteroStore *store, gint64 ticket, char **message_id, GError **error)
{
  sqlite3_stmt *s = stmt (store,
    "SELECT message_id FROM messages WHERE ticket_id = ? AND kind = 'mail' AND message_id <> ''"
    " ORDER BY id DESC LIMIT 1", error);
  gboolean row;
  *message_id = NULL;
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, ticket);
  if (!step_row (store, s, &row, error))
    return FALSE;
  if (row)
    *message_id = g_strdup ((const char *) sqlite3_column_text (s, 0));
  sqlite3_reset (s);
  return TRUE;
}

gboolean
portero_store_ticket_set_contact (PorteroStore *store, gint64 ticket, gint64 contact, GError **error)
{
  return change (store,
                 "UPDATE tickets SET contact_id = ?2, customer_id = (SELECT customer_id FROM contacts WHERE id = ?2),"
                 " updated = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?1 AND ?3 IS NULL",
                 ticket, contact, NULL, NULL, error);
}

char *
portero_store_customer_json (PorteroStore *store, gint64 id, GError **error)
{
  sqlite3_stmt *s = stmt (store,
    "SELECT json_object('name', c.name,"
    " 'domains', json((SELECT json_group_array(domain) FROM"
    "   (SELECT domain FROM domains WHERE customer_id = c.id ORDER BY domain))),"
    " 'contacts', (SELECT count(*) FROM contacts WHERE customer_id = c.id),"
    " 'main_contacts', json((SELECT json_group_array(email) FROM (SELECT e.email FROM contacts k"
    "   JOIN contact_emails e ON e.contact_id = k.id AND e.is_primary = 1"
    "   WHERE k.customer_id = c.id AND k.main = 1 ORDER BY e.email))),"
    " 'tickets', (SELECT count(*) FROM tickets WHERE customer_id = c.id),"
    " 'open_tickets', (SELECT count(*) FROM tickets WHERE customer_id = c.id AND status NOT IN ('closed','resolved')),"
    " 'default', " JSON_BOOL ("c.is_default") ", 'created', c.created)"
    " FROM customers c WHERE c.id = ?", error);
  if (s == NULL)
    return NULL;
  return query_json_one (store, s, "customer", id, error);
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
  return change (store, "UPDATE customers SET name = ?3 WHERE id = ?1 AND ?2 IS NULL", id, 0, name, NULL, error);
}

gboolean
portero_store_domain_remove (PorteroStore *store, const char *domain, gboolean *removed, GError **error)
{
  int n = 0;
  if (!change (store, "DELETE FROM domains WHERE domain = ?3 AND ?1 IS NULL AND ?2 IS NULL", 0, 0, domain, &n, error))
    return FALSE;
  *removed = n > 0;
  return TRUE;
}

char *
portero_store_domains_json (PorteroStore *store, gint64 customer, GError **error)
{
  sqlite3_stmt *s = stmt (store,
    "SELECT json_group_array(json_object('domain', d.domain, 'customer', c.name))"
    " FROM (SELECT * FROM domains WHERE ?1 IS NULL OR customer_id = ?1 ORDER BY domain) d"
    " JOIN customers c ON c.id = d.customer_id", error);
  if (s == NULL)
    return NULL;
  bind_id (s, 1, customer);
  return query_json (store, s, error);
}

gboolean
portero_store_domain_apply_existing (PorteroStore *store, const char *domain, gint64 customer, int *moved,
                                     GError **error)
{
  /* Contacts of the default customer with an address at DOMAIN move, and
   * so do their tickets that are still filed under the default customer. */
  /* substr, not LIKE: "_" in a domain is no wildcard. */
#define MOVING \
  "SELECT c.id FROM contacts c WHERE c.customer_id = (SELECT id FROM customers WHERE is_default = 1)" \
  " AND EXISTS (SELECT 1 FROM contact_emails e WHERE e.contact_id = c.id" \
  "             AND substr(e.email, -length(?3) - 1) = '@' || ?3) AND ?2 IS NULL"
  if (!change (store,
               "UPDATE tickets SET customer_id = ?1 WHERE customer_id = (SELECT id FROM customers WHERE is_default = 1)"
               " AND contact_id IN (" MOVING ")", customer, 0, domain, NULL, error))
    return FALSE;
  return change (store, "UPDATE contacts SET customer_id = ?1 WHERE id IN (" MOVING ")",
                 customer, 0, domain, moved, error);
#undef MOVING
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
  return change (store, "INSERT INTO contact_emails(email, contact_id) VALUES (?3, ?1) -- ?2", contact, 0, address,
                 NULL, error);
}

gboolean
portero_store_contact_email_remove (PorteroStore *store, gint64 contact, const char *address, GError **error)
{
  sqlite3_stmt *s = stmt (store, "SELECT count(*), sum(email = ?2) FROM contact_emails WHERE contact_id = ?1", error);
  gboolean row;
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, contact);
  bind_text (s, 2, address);
  if (!step_row (store, s, &row, error))
    return FALSE;
  int total = sqlite3_column_int (s, 0), mine = sqlite3_column_int (s, 1);
  sqlite3_reset (s);
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
  return change (store, "DELETE FROM contact_emails WHERE contact_id = ?1 AND email = ?3 -- ?2", contact, 0, address,
                 NULL, error)
         && change (store,
                    "UPDATE contact_emails SET is_primary = 1 WHERE contact_id = ?1 AND ?2 IS NULL AND ?3 IS NULL"
                    " AND NOT EXISTS (SELECT 1 FROM contact_emails WHERE contact_id = ?1 AND is_primary = 1)"
                    " AND rowid = (SELECT min(rowid) FROM contact_emails WHERE contact_id = ?1)",
                    contact, 0, NULL, NULL, error);
}

gboolean
portero_store_contact_update (PorteroStore *store, gint64 contact, int main, int auto_tickets, const char *name,
                              gint64 customer, GError **error)
{
  sqlite3_stmt *s = stmt (store,
    "UPDATE contacts SET main = coalesce(?2, main), auto_tickets = coalesce(?3, auto_tickets),"
    " name = coalesce(?4, name), customer_id = coalesce(?5, customer_id) WHERE id = ?1", error);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, contact);
  if (main < 0)
    sqlite3_bind_null (s, 2);
  else
    sqlite3_bind_int (s, 2, main);
  if (auto_tickets < 0)
    sqlite3_bind_null (s, 3);
  else
    sqlite3_bind_int (s, 3, auto_tickets);
  bind_text (s, 4, name);
  bind_id (s, 5, customer);
  return run (store, s, error);
}

gboolean
portero_store_contact_merge (PorteroStore *store, gint64 from, gint64 into, GError **error)
{
  static const char *const moves[] = {
    "UPDATE contact_emails SET contact_id = ?2, is_primary = 0 WHERE contact_id = ?1 AND ?3 IS NULL",
    "UPDATE tickets SET contact_id = ?2 WHERE contact_id = ?1 AND ?3 IS NULL",
    "UPDATE messages SET contact_id = ?2 WHERE contact_id = ?1 AND ?3 IS NULL",
    "UPDATE outbox SET contact_id = ?2 WHERE contact_id = ?1 AND ?3 IS NULL",
    "DELETE FROM reset_tokens WHERE contact_id = ?1 AND ?2 IS NOT NULL AND ?3 IS NULL",
    "DELETE FROM contacts WHERE id = ?1 AND ?2 IS NOT NULL AND ?3 IS NULL",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (moves); i++)
    if (!change (store, moves[i], from, into, NULL, NULL, error))
      return FALSE;
  return TRUE;
}

gboolean
portero_store_contact_delete (PorteroStore *store, gint64 contact, gboolean erase, GError **error)
{
  if (erase)
    {
      /* Data-protection erasure: the raw bytes, text and attachment names of
       * their messages go; a placeholder keeps the threads readable. */
      if (!change (store,
                   "DELETE FROM attachments WHERE message_id IN (SELECT id FROM messages WHERE contact_id = ?1"
                   " OR from_addr IN (SELECT email FROM contact_emails WHERE contact_id = ?1)) AND ?2 IS NULL AND ?3 IS NULL",
                   contact, 0, NULL, NULL, error)
          || !change (store,
                      "UPDATE messages SET raw = NULL, body = ?3, subject = ?3, from_name = '', from_addr = '',"
                      " envelope_sender = NULL WHERE (contact_id = ?1"
                      " OR from_addr IN (SELECT email FROM contact_emails WHERE contact_id = ?1)) AND ?2 IS NULL",
                      contact, 0, "(erased)", NULL, error)
          || !change (store,
                      "UPDATE tickets SET requester = ?3 WHERE (contact_id = ?1"
                      " OR requester IN (SELECT email FROM contact_emails WHERE contact_id = ?1)) AND ?2 IS NULL",
                      contact, 0, "(erased)", NULL, error)
          || !change (store, "DELETE FROM outbox WHERE contact_id = ?1 AND ?2 IS NULL AND ?3 IS NULL",
                      contact, 0, NULL, NULL, error))
        return FALSE;
    }
  return change (store, "DELETE FROM contacts WHERE id = ?1 AND ?2 IS NULL AND ?3 IS NULL", contact, 0, NULL, NULL, error);
}

gboolean
portero_store_outbox_queued_for (PorteroStore *store, gint64 contact, int *count, GError **error)
{
  gint64 n = 0;
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, contact);
  if (!lookup_id (store, "SELECT count(*) FROM outbox WHERE status = 'queued' AND contact_id = CAST(? AS INTEGER)",
                  id, &n, error))
    return FALSE;
  *count = (int) n;
  return TRUE;
}

char *
portero_store_message_json (PorteroStore *store, gint64 id, GError **error)
{
  sqlite3_stmt *s = stmt (store,
    "SELECT json_object('id', m.id, 'kind', m.kind, 'ticket', m.ticket_id, 'from', m.from_addr, 'name', m.from_name,"
    " 'date', m.date, 'subject', m.subject, 'body', m.body, 'message_id', m.message_id,"
    " 'envelope_sender', m.envelope_sender, 'envelope_recipient', m.envelope_recipient,"
    " 'original_recipient', m.original_recipient, 'queue_id', m.queue_id, 'received', m.received,"
    " 'recipients', json((SELECT json_group_array(r.recipient) FROM"
    "    (SELECT recipient FROM message_recipients WHERE message_id = m.id ORDER BY received, rowid) r)),"
    " 'reason', m.unfiled_reason, 'size', m.raw_size,"
    " 'attachments', json((SELECT json_group_array(json_object('name', a.name, 'type', a.type, 'size', a.size))"
    "    FROM (SELECT * FROM attachments WHERE message_id = m.id ORDER BY id) a)),"
    " 'auto', " JSON_BOOL ("m.auto") ", 'spam', " JSON_BOOL ("m.spam") ", 'id_reused', " JSON_BOOL ("m.id_reused") ")"
    " FROM messages m WHERE m.id = ?", error);
  if (s == NULL)
    return NULL;
  return query_json_one (store, s, "message", id, error);
}

gboolean
portero_store_message_envelope (PorteroStore *store, gint64 id, char **sender, char **recipient, char **original,
                                char **queue_id, GError **error)
{
  sqlite3_stmt *s = stmt (store,
    "SELECT envelope_sender, envelope_recipient, original_recipient, queue_id FROM messages WHERE id = ?", error);
  gboolean row;
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, id);
  if (!step_row (store, s, &row, error))
    return FALSE;
  if (!row)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, "no message %" G_GINT64_FORMAT, id);
      return FALSE;
    }
  *sender = g_strdup ((const char *) sqlite3_column_text (s, 0));
  *recipient = g_strdup ((const char *) sqlite3_column_text (s, 1));
  *original = g_strdup ((const char *) sqlite3_column_text (s, 2));
  *queue_id = g_strdup ((const char *) sqlite3_column_text (s, 3));
  sqlite3_reset (s);
  return TRUE;
}

gboolean
portero_store_message_delete (PorteroStore *store, gint64 id, GError **error)
{
  return change (store, "DELETE FROM messages WHERE id = ?1 AND ?2 IS NULL AND ?3 IS NULL", id, 0, NULL, NULL, error);
}

gboolean
portero_store_reset_tokens_expire (PorteroStore *store, int *removed, GError **error)
{
  return change (store,
                 "DELETE FROM reset_tokens WHERE expires <= strftime('%Y-%m-%dT%H:%M:%SZ','now')"
                 " AND ?1 IS NULL AND ?2 IS NULL AND ?3 IS NULL", 0, 0, NULL, removed, error);
}

gboolean
portero_store_backup (PorteroStore *store, const char *path, GError **error)
{
  sqlite3 *dest = NULL;
  int rc = sqlite3_open_v2 (path, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc == SQLITE_OK)
    {
      /* The online backup API: a consistent copy while mail arrives. */
      sqlite3_backup *b = sqlite3_backup_init (dest, "main", store->db, "main");
      if (b == NULL)
        rc = sqlite3_errcode (dest);
      else
        {
          do
            {
              rc = sqlite3_backup_step (b, 256);
              if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
                sqlite3_sleep (50);
            }
          while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
          sqlite3_backup_finish (b);
          if (rc == SQLITE_DONE)
            rc = SQLITE_OK;
        }
    }
  if (rc != SQLITE_OK)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL, "backup to %s: %s", path,
                   dest ? sqlite3_errmsg (dest) : sqlite3_errstr (rc));
      sqlite3_close (dest);
      return FALSE;
    }
  sqlite3_close (dest);
  return TRUE;
}

/* ---- section: customers and contacts (technician's commands) ---- */

gboolean
portero_store_contact_erase_titles (PorteroStore *store, gint64 contact, GError **error)
{
  return change (store,
                 "UPDATE tickets SET title = ?3 WHERE (contact_id = ?1"
                 " OR requester IN (SELECT email FROM contact_emails WHERE contact_id = ?1)) AND ?2 IS NULL",
                 contact, 0, "(erased)", NULL, error);
}

/* ---- section: import ---- */

/* ---- section: messages, tickets, templates, resets ---- */

char *
portero_store_messages_json (PorteroStore *store, GError **error)
{
  /* Inbound rows are those with a content hash: notes and copies of sent
   * mail that portero wrote itself have none. */
  sqlite3_stmt *s = stmt (store,
    "SELECT json_group_array(json_object('id', id, 'kind', kind, 'ticket', ticket_id, 'from', from_addr,"
    " 'date', date, 'subject', subject, 'reason', unfiled_reason,"
    " 'auto', " JSON_BOOL ("auto") ", 'spam', " JSON_BOOL ("spam") ", 'size', raw_size))"
    " FROM (SELECT * FROM messages WHERE content_hash <> '' ORDER BY id)", error);
  return s ? query_json (store, s, error) : NULL;
}


/* ---- section: mail held back, per contact ---- */

gboolean
portero_store_contact_held_mail (PorteroStore *store, gint64 contact, guint max, GPtrArray *rows, GError **error)
{
  /* Held rows are never sent: `held` names the limit that stopped them. */
  sqlite3_stmt *s = stmt (store,
    "SELECT created, kind, subject, held FROM outbox WHERE contact_id = ? AND held IS NOT NULL"
    " ORDER BY id DESC LIMIT ?", error);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, contact);
  sqlite3_bind_int64 (s, 2, max);
  int rc;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      char **row = g_new0 (char *, 5);
      for (int i = 0; i < 4; i++)
        row[i] = g_strdup ((const char *) sqlite3_column_text (s, i));
      g_ptr_array_add (rows, row);
    }
  sqlite3_reset (s);
  return rc == SQLITE_DONE ? TRUE : fail (store, rc, error);
}

/* ---- section: knowledge base ---- */

gboolean
portero_store_kb_stamps (PorteroStore *store, GHashTable *stamps, GError **error)
{
  sqlite3_stmt *s = stmt (store, "SELECT file, stamp FROM kb_articles", error);
  if (s == NULL)
    return FALSE;
  int rc;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    g_hash_table_insert (stamps, g_strdup ((const char *) sqlite3_column_text (s, 0)),
                         g_strdup ((const char *) sqlite3_column_text (s, 1)));
  sqlite3_reset (s);
  return rc == SQLITE_DONE ? TRUE : fail (store, rc, error);
}

gboolean
portero_store_kb_remove (PorteroStore *store, const char *file, GError **error)
{
  sqlite3_stmt *s = stmt (store, "DELETE FROM kb_search WHERE rowid = (SELECT id FROM kb_articles WHERE file = ?1)",
                          error);
  if (s == NULL)
    return FALSE;
  bind_text (s, 1, file);
  if (!run (store, s, error))
    return FALSE;
  s = stmt (store, "DELETE FROM kb_articles WHERE file = ?1", error);
  if (s == NULL)
    return FALSE;
  bind_text (s, 1, file);
  return run (store, s, error);
}

gboolean
portero_store_kb_put (PorteroStore *store, const PorteroKbRow *r, GError **error)
{
  if (!portero_store_kb_remove (store, r->file, error))
    return FALSE;
  sqlite3_stmt *s = stmt (store,
    "INSERT INTO kb_articles(file, name, lang, title, keywords, visibility, customer, html, text, stamp)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", error);
  if (s == NULL)
    return FALSE;
  const char *v[] = { r->file, r->name, r->lang, r->title, r->keywords ? r->keywords : "", r->visibility,
                      r->customer, r->html, r->text, r->stamp };
  for (int i = 0; i < (int) G_N_ELEMENTS (v); i++)
    bind_text (s, i + 1, v[i]);
  if (!run (store, s, error))
    return FALSE;
  gint64 id = sqlite3_last_insert_rowid (store->db);
  s = stmt (store, "INSERT INTO kb_search(rowid, title, keywords, text) VALUES (?1, ?2, ?3, ?4)", error);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, id);
  bind_text (s, 2, r->title);
  bind_text (s, 3, r->keywords ? r->keywords : "");
  bind_text (s, 4, r->text);
  return run (store, s, error);
}

gboolean
portero_store_kb_optimize (PorteroStore *store, GError **error)
{
  /* One segment instead of one an insert: a delivery's search then reads
   * one b-tree per term, not dozens. */
  return exec (store, "INSERT INTO kb_search(kb_search) VALUES ('optimize')", error);
}

/* Who may read an article: ?A all (technicians), ?C any real customer's
 * contact, ?N the name of the reader's customer. Internal ones only for all. */
#define KB_VISIBLE(a, all, customers, name) \
  "(" all " OR " a ".visibility = 'public' OR (" a ".visibility = 'customers' AND " customers ")" \
  " OR (" a ".visibility = 'customer' AND " a ".customer = " name " COLLATE NOCASE))"

char *
portero_store_kb_json (PorteroStore *store, const PorteroKbAudience *audience, const char *name, GError **error)
{
  /* One statement for a listing (?4 NULL) and for one article's versions. */
  sqlite3_stmt *s = stmt (store,
    "SELECT json_group_array(json_object('name', name, 'lang', lang, 'title', title, 'keywords', keywords,"
    " 'visibility', visibility, 'customer', customer, 'file', file, 'text', text, 'html', html))"
    " FROM (SELECT * FROM kb_articles a WHERE (?4 IS NULL OR a.name = ?4)"
    " AND " KB_VISIBLE ("a", "?1", "?2", "?3") " ORDER BY a.name, a.lang)", error);
  if (s == NULL)
    return NULL;
  sqlite3_bind_int (s, 1, audience->all);
  sqlite3_bind_int (s, 2, audience->customers);
  bind_text (s, 3, audience->customer);
  bind_text (s, 4, name);
  return query_json (store, s, error);
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

gboolean
portero_store_kb_search (PorteroStore *store, const char *const *terms, const PorteroKbAudience *audience, int limit,
                         GPtrArray *hits, GError **error)
{
  /* Each term a prefix, any of them: "impresora"* OR "offline"*. Terms are
   * quoted, so that nothing in them is FTS5 syntax. Title and keywords
   * weigh more than the article's text. */
  g_autoptr (GString) query = g_string_new (NULL);
  for (const char *const *t = terms; t && *t; t++)
    {
      if (query->len)
        g_string_append (query, " OR ");
      g_string_append_c (query, '"');
      for (const char *c = *t; *c; c++)
        {
          if (*c == '"')
            g_string_append_c (query, '"');
          g_string_append_c (query, *c);
        }
      g_string_append (query, "\"*");
    }
  if (query->len == 0)
    return TRUE;
  sqlite3_stmt *s = stmt (store,
    "SELECT a.name, a.lang, a.title, a.visibility, a.text, a.html, -bm25(kb_search, 8.0, 5.0, 1.0) AS score"
    " FROM kb_search JOIN kb_articles a ON a.id = kb_search.rowid"
    " WHERE kb_search MATCH ?4 AND " KB_VISIBLE ("a", "?1", "?2", "?3")
    " ORDER BY score DESC, a.name LIMIT ?5", error);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int (s, 1, audience->all);
  sqlite3_bind_int (s, 2, audience->customers);
  bind_text (s, 3, audience->customer);
  bind_text (s, 4, query->str);
  sqlite3_bind_int (s, 5, limit);
  int rc;
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      PorteroKbHit *h = g_new0 (PorteroKbHit, 1);
      h->name = g_strdup ((const char *) sqlite3_column_text (s, 0));
      h->lang = g_strdup ((const char *) sqlite3_column_text (s, 1));
      h->title = g_strdup ((const char *) sqlite3_column_text (s, 2));
      h->visibility = g_strdup ((const char *) sqlite3_column_text (s, 3));
      h->text = g_strdup ((const char *) sqlite3_column_text (s, 4));
      h->html = g_strdup ((const char *) sqlite3_column_text (s, 5));
      h->score = sqlite3_column_double (s, 6);
      g_ptr_array_add (hits, h);
    }
  sqlite3_reset (s);
  return rc == SQLITE_DONE ? TRUE : fail (store, rc, error);
}
