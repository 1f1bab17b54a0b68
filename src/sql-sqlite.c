/* sql-sqlite - the SQLite driver: a file, WAL, a busy handler bounded by the deadline */
#include "sql-driver.h"
#include "error.h"
#include <errno.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
  PorteroSql head;
  sqlite3 *db;
  GHashTable *stmts;    /* SQL text (static, by address) -> Stmt */
  gint64 busy_timeout;  /* microseconds */
  gint64 busy_since;    /* when the current wait for the lock began */
  gint64 deadline;
  gboolean deadline_hit;
  int wal_frames;       /* frames in the WAL after our last commit */
} Db;

typedef struct {
  PorteroSqlStmt head;
  sqlite3_stmt *s;
} Stmt;

/* The WAL is left in place at close (see sqlite_open). A process that opens
 * it first rebuilds its index by reading all of it, and that rebuild forgets
 * what was already checkpointed, so SQLite's own auto-checkpoint would copy
 * the whole log again at every commit and the log would never restart. A
 * writer therefore empties the log itself when it closes and the log has
 * grown past this many pages (1 MB): a few ms every ten or so deliveries,
 * instead of a cost that grows with the log. */
#define WAL_TRUNCATE_FRAMES 256

static const PorteroSqlDialect dialect = {
  .name = "sqlite",
  .begin = "BEGIN IMMEDIATE",
  .id = "INTEGER PRIMARY KEY",
  .serial_id = "INTEGER PRIMARY KEY AUTOINCREMENT",
  .blob = "BLOB",
  .now = "(strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
  .nocase = "COLLATE NOCASE",
  .row_order = "rowid",
  /* a write transaction locks the whole database already */
  .skip_locked = "",
  /* BINARY, text's default collation, is memcmp already */
  .binary = "",
  /* FTS5's trigram tokenizer (case folded); a table with its own copy of
   * the title, so that an entry is dropped by its number alone. Triggers
   * cannot write a virtual table under trusted_schema=OFF: the store does.
   * The purge: about 5 s at 1 000 000 tickets (a 107 MB index), once an
   * erasure of a contact with tickets. */
  .titles = {
    .create = "CREATE VIRTUAL TABLE tickets_title USING fts5(title, tokenize='trigram', columnsize=0);"
              "INSERT INTO tickets_title(rowid, title) SELECT id, title FROM tickets;",
    .indexed = "SELECT count(*) FROM sqlite_schema WHERE name = 'tickets_title'",
    .candidates = "SELECT rowid FROM tickets_title WHERE tickets_title MATCH ?",
    .forget = "DELETE FROM tickets_title WHERE rowid = ?1",
    .learn = "INSERT INTO tickets_title(rowid, title) SELECT id, title FROM tickets WHERE id = ?1",
    .purge = "INSERT INTO tickets_title(tickets_title) VALUES ('optimize')",
  },
  /* The same for contacts: the name, and the addresses joined by spaces
   * (a text that spans two of them is a candidate LIKE then refuses). The
   * purge: 0.7 s at 115 000 contacts, once an erasure. */
  .contacts = {
    .create = "CREATE VIRTUAL TABLE contacts_search USING fts5(name, emails, tokenize='trigram', columnsize=0);"
              "INSERT INTO contacts_search(rowid, name, emails) SELECT c.id, c.name,"
              " (SELECT group_concat(email, ' ') FROM contact_emails WHERE contact_id = c.id) FROM contacts c;",
    .indexed = "SELECT count(*) FROM sqlite_schema WHERE name = 'contacts_search'",
    .candidates = "SELECT rowid FROM contacts_search WHERE contacts_search MATCH ?",
    .forget = "DELETE FROM contacts_search WHERE rowid = ?1",
    .learn = "INSERT INTO contacts_search(rowid, name, emails) SELECT id, name,"
             " (SELECT group_concat(email, ' ') FROM contact_emails WHERE contact_id = ?1) FROM contacts WHERE id = ?1",
    .purge = "INSERT INTO contacts_search(contacts_search) VALUES ('optimize')",
  },
};

/* Map a failed sqlite call to a GError that names the database. */
static gboolean
fail (Db *d, int rc, GError **error)
{
  int code = PORTERO_ERROR_TEMPFAIL;
  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    code = PORTERO_ERROR_INVALID;
  if (((rc & 0xff) == SQLITE_INTERRUPT || (rc & 0xff) == SQLITE_BUSY) && d->deadline_hit)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL, "deadline passed while writing %s",
                   d->head.target);
      return FALSE;
    }
  const char *what = d->db ? sqlite3_errmsg (d->db) : sqlite3_errstr (rc);
  g_set_error (error, PORTERO_ERROR, code, "database %s: %s", d->head.target, what);
  return FALSE;
}

static int
progress (void *data)
{
  Db *d = data;
  if (d->deadline > 0 && g_get_monotonic_time () > d->deadline)
    {
      d->deadline_hit = TRUE;
      return 1;
    }
  return 0;
}

/* Wait for the lock with short sleeps, but never past the busy timeout nor
 * the delivery's deadline: sqlite's own handler knows only the former. */
static int
busy_wait (void *data, int count)
{
  Db *d = data;
  gint64 now = g_get_monotonic_time ();
  if (count == 0)
    d->busy_since = now;
  if (now - d->busy_since >= d->busy_timeout)
    return 0;
  if (d->deadline > 0 && now >= d->deadline)
    {
      d->deadline_hit = TRUE;
      return 0;
    }
  /* A delivery holds the lock for a few ms: poll often (1, 2 ... 5 ms) so
   * that a waiter does not sleep through the moments it is free. */
  g_usleep (MIN (count + 1, 5) * 1000);
  return 1;
}

static void
set_deadline (PorteroSql *db, gint64 deadline)
{
  Db *d = (Db *) db;
  d->deadline = deadline;
  sqlite3_progress_handler (d->db, deadline > 0 ? 1000 : 0, deadline > 0 ? progress : NULL, d);
}

static gboolean
exec (PorteroSql *db, const char *sql, GError **error)
{
  Db *d = (Db *) db;
  int rc = sqlite3_exec (d->db, sql, NULL, NULL, NULL);
  return rc == SQLITE_OK ? TRUE : fail (d, rc, error);
}

static PorteroSqlStmt *
prepare (PorteroSql *db, const char *sql, GError **error)
{
  Db *d = (Db *) db;
  Stmt *st = g_hash_table_lookup (d->stmts, sql);
  if (st != NULL)
    {
      sqlite3_reset (st->s);
      sqlite3_clear_bindings (st->s);
      return &st->head;
    }
  sqlite3_stmt *s = NULL;
  g_autofree char *text = strchr (sql, '@') ? portero_sql_ddl (db, sql) : NULL;
  int rc = sqlite3_prepare_v3 (d->db, text ? text : sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
  if (rc != SQLITE_OK)
    {
      fail (d, rc, error);
      return NULL;
    }
  st = g_new0 (Stmt, 1);
  st->head.db = db;
  st->s = s;
  g_hash_table_insert (d->stmts, (gpointer) sql, st);
  return &st->head;
}

static void
stmt_free (gpointer p)
{
  Stmt *st = p;
  sqlite3_finalize (st->s);
  g_free (st);
}

static void
bind (PorteroSqlStmt *s, int i, int type, gconstpointer data, gsize len, gint64 v)
{
  sqlite3_stmt *q = ((Stmt *) s)->s;
  switch (type)
    {
    case SQL_NULL: case SQL_INT_NULL: sqlite3_bind_null (q, i); break;
    case SQL_INT: sqlite3_bind_int64 (q, i, v); break;
    case SQL_TEXT:
      if (data == NULL)
        sqlite3_bind_null (q, i);
      else
        sqlite3_bind_text64 (q, i, data, len, SQLITE_STATIC, SQLITE_UTF8);
      break;
    default: sqlite3_bind_blob64 (q, i, data, len, SQLITE_STATIC); break;
    }
}

static gboolean
step (PorteroSqlStmt *s, gboolean *row, GError **error)
{
  sqlite3_stmt *q = ((Stmt *) s)->s;
  int rc = sqlite3_step (q);
  *row = rc == SQLITE_ROW;
  if (rc == SQLITE_ROW)
    return TRUE;
  sqlite3_reset (q);
  return rc == SQLITE_DONE ? TRUE : fail ((Db *) s->db, rc, error);
}

static gint64 changes (PorteroSqlStmt *s) { return sqlite3_changes (((Db *) s->db)->db); }
static int column_count (PorteroSqlStmt *s) { return sqlite3_column_count (((Stmt *) s)->s); }
static gboolean column_null (PorteroSqlStmt *s, int i) { return sqlite3_column_type (((Stmt *) s)->s, i) == SQLITE_NULL; }
static gint64 column_int64 (PorteroSqlStmt *s, int i) { return sqlite3_column_int64 (((Stmt *) s)->s, i); }
static const char *column_text (PorteroSqlStmt *s, int i) { return (const char *) sqlite3_column_text (((Stmt *) s)->s, i); }
static void reset (PorteroSqlStmt *s) { sqlite3_reset (((Stmt *) s)->s); }

static GBytes *
column_blob (PorteroSqlStmt *s, int i)
{
  sqlite3_stmt *q = ((Stmt *) s)->s;
  if (sqlite3_column_type (q, i) == SQLITE_NULL)
    return NULL;
  const void *data = sqlite3_column_blob (q, i);
  return g_bytes_new (data, sqlite3_column_bytes (q, i));
}

static gboolean
get_version (PorteroSql *db, int *version, GError **error)
{
  gboolean row;
  PorteroSqlStmt *s = prepare (db, "PRAGMA user_version", error);
  if (s == NULL || !step (s, &row, error))
    return FALSE;
  *version = row ? (int) column_int64 (s, 0) : 0;
  reset (s);
  return TRUE;
}

static gboolean
set_version (PorteroSql *db, int version, GError **error)
{
  g_autofree char *sql = g_strdup_printf ("PRAGMA user_version=%d", version);
  return exec (db, sql, error);
}

static gboolean
begin (PorteroSql *db, GError **error)
{
  /* BEGIN IMMEDIATE: the lock is taken (or the busy timeout spent) before
   * any work, never half-way through it. */
  return exec (db, dialect.begin, error);
}

static void
rollback (PorteroSql *db)
{
  Db *d = (Db *) db;
  if (!sqlite3_get_autocommit (d->db))
    {
      /* A rollback must run even past the deadline. */
      sqlite3_progress_handler (d->db, 0, NULL, NULL);
      sqlite3_exec (d->db, "ROLLBACK", NULL, NULL, NULL);
      set_deadline (db, d->deadline);
    }
}

static gboolean
commit (PorteroSql *db, GError **error)
{
  if (!exec (db, "COMMIT", error))
    {
      rollback (db);
      return FALSE;
    }
  return TRUE;
}

static gboolean in_transaction (PorteroSql *db) { return !sqlite3_get_autocommit (((Db *) db)->db); }
/* The write lock is taken first (BEGIN IMMEDIATE): nothing to run again. */
static gboolean retry (PorteroSql *db) { return FALSE; }

static char *
server_version (PorteroSql *db)
{
  return g_strdup_printf ("SQLite %s", sqlite3_libversion ());
}

static gboolean
maintain (PorteroSql *db, GError **error)
{
  return exec (db, "PRAGMA secure_delete=ON; PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);", error);
}

static gboolean checkpoint (PorteroSql *db, GError **error) { return exec (db, "PRAGMA wal_checkpoint(TRUNCATE);", error); }
static gboolean secure_delete (PorteroSql *db, GError **error) { return exec (db, "PRAGMA secure_delete=ON", error); }
/* One writer at a time already. */
static gboolean lock (PorteroSql *db, const char *key, GError **error) { return TRUE; }

static gboolean
backup (PorteroSql *db, const char *path, GError **error)
{
  Db *d = (Db *) db;
  sqlite3 *dest = NULL;
  int rc = sqlite3_open_v2 (path, &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
  if (rc == SQLITE_OK)
    {
      /* The online backup API: a consistent copy while mail arrives. */
      sqlite3_backup *b = sqlite3_backup_init (dest, "main", d->db, "main");
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

/* Replaces SQLite's auto-checkpoint hook: only remember the log's length. */
static int
wal_committed (void *data, sqlite3 *db, const char *name, int frames)
{
  Db *d = data;
  d->wal_frames = frames;
  return SQLITE_OK;
}

static void
db_close (PorteroSql *db)
{
  Db *d = (Db *) db;
  if (d->db != NULL && d->wal_frames >= WAL_TRUNCATE_FRAMES)
    {
      /* After our commit, which is durable already: never wait for another
       * process here; if one holds the log, a later close empties it. */
      sqlite3_busy_handler (d->db, NULL, NULL);
      sqlite3_wal_checkpoint_v2 (d->db, "main", SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
    }
  g_hash_table_unref (d->stmts);
  sqlite3_close (d->db);
  g_free (d->head.target);
  g_free (d);
}

static const PorteroSqlOps ops = {
  .dialect = &dialect,
  .close = db_close,
  .server_version = server_version,
  .set_deadline = set_deadline,
  .exec = exec,
  .get_version = get_version,
  .set_version = set_version,
  .begin = begin,
  .commit = commit,
  .rollback = rollback,
  .in_transaction = in_transaction,
  .retry = retry,
  .prepare = prepare,
  .bind = bind,
  .step = step,
  .changes = changes,
  .column_count = column_count,
  .column_null = column_null,
  .column_int64 = column_int64,
  .column_text = column_text,
  .column_blob = column_blob,
  .reset = reset,
  .maintain = maintain,
  .checkpoint = checkpoint,
  .secure_delete = secure_delete,
  .backup = backup,
  .lock = lock,
};

PorteroSql *
portero_sql_sqlite_open (const char *path, PorteroSqlMode mode, int busy_timeout, GError **error)
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
  if (mode == PORTERO_SQL_CREATE && g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "database %s exists already", path);
      return NULL;
    }
  int flags = mode == PORTERO_SQL_READ ? SQLITE_OPEN_READONLY
            : mode == PORTERO_SQL_WRITE ? SQLITE_OPEN_READWRITE
            : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  Db *d = g_new0 (Db, 1);
  g_autoptr (PorteroSql) db = &d->head;
  d->head.ops = &ops;
  d->head.target = g_strdup (path);
  d->stmts = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, stmt_free);

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
  int rc = sqlite3_open_v2 (path, &d->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      fail (d, rc, error);
      return NULL;
    }
  /* sqlite falls back to read-only silently; a writer must fail before it
   * reads, or the -wal and -shm it makes inherit the read-only mode. */
  if ((flags & SQLITE_OPEN_READWRITE) && sqlite3_db_readonly (d->db, "main") == 1)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL,
                   "database %s is read-only for uid %u (check its owner and mode, and its folder's)",
                   path, (unsigned) geteuid ());
      return NULL;
    }
  sqlite3_extended_result_codes (d->db, 1);
  d->busy_timeout = (gint64) busy_timeout * G_USEC_PER_SEC;
  sqlite3_busy_handler (d->db, busy_wait, d);
  if (flags & SQLITE_OPEN_READWRITE)
    {
      /* One process per message: closing must not checkpoint and delete
       * the WAL each time (four extra fsyncs); db_close empties it once it
       * is long (see WAL_TRUNCATE_FRAMES), as portero maintain does. */
      int one = 1;
      sqlite3_db_config (d->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
      sqlite3_file_control (d->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
      sqlite3_wal_hook (d->db, wal_committed, d);
    }
  /* FULL: NORMAL in WAL mode may lose a commit we already answered 0 for. */
  /* trusted_schema=OFF: a schema someone with write access to the file
   * altered cannot make portero run functions with side effects. */
  sqlite3_db_config (d->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
  if (!exec (db, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL; PRAGMA trusted_schema=OFF;", error))
    return NULL;
  /* WAL is a property of the file: set once at creation, kept by every later open. */
  if (mode == PORTERO_SQL_CREATE && !exec (db, "PRAGMA journal_mode=WAL", error))
    return NULL;
  return g_steal_pointer (&db);
}
