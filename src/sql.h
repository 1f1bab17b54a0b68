/* sql - one small interface over the database engines the store runs on
 *
 * The store writes each statement once; a driver (sql-sqlite.c,
 * sql-pgsql.c) runs it. Statements use positional parameters, ?N (or ? for
 * the next one); the PostgreSQL driver rewrites them to $N. Where the two
 * dialects differ, the difference is one named entry of PorteroSqlDialect,
 * never a test of the engine in the store.
 *
 * Errors are PORTERO_ERROR_TEMPFAIL when a retry or an administrator can fix
 * them (server down, lock or statement timeout, disk full, deadline) and
 * PORTERO_ERROR_INVALID for a broken constraint. portero_sql_retry tells
 * whether the failed transaction is worth running again at once
 * (serialization failure, deadlock); portero_store_transaction does. */
#pragma once
#include <glib.h>

typedef struct _PorteroSql PorteroSql;
typedef struct _PorteroSqlStmt PorteroSqlStmt;

typedef enum {
  PORTERO_SQL_READ,
  PORTERO_SQL_WRITE,
  PORTERO_SQL_CREATE,   /* a new, empty database (SQLite: refuse an existing file) */
} PorteroSqlMode;

/* What differs between the engines, as text the store puts into SQL. */
/* A search index for a substring of 3 characters or more, each engine its
 * own way (SQLite: an FTS5 trigram table the store writes; PostgreSQL:
 * pg_trgm indexes the engine keeps). */
typedef struct {
  const char *create;     /* the migration's DDL, built for the rows there are */
  const char *indexed;    /* a count: more than 0 when it is there (PostgreSQL may lack pg_trgm) */
  /* The numbers of the rows whose text may hold the search, each ?
   * binding the same value: LIKE's pattern when BY_LIKE, else an FTS5
   * phrase (NULL: the engine serves the listing's LIKE itself). */
  const char *candidates;
  gboolean by_like;
  /* Where the store keeps the index (NULL: the engine does): drop and add
   * row ?1's entry. */
  const char *forget;
  const char *learn;
  /* After an erasure (NULL: nothing to do): rewrite the index without the
   * entries it dropped, which FTS5 keeps in older segments until they
   * merge (with secure_delete, so that they leave the file too). */
  const char *purge;
} PorteroSqlSearch;

typedef struct {
  const char *name;          /* "sqlite", "postgresql" */
  const char *begin;         /* a write transaction that locks before any work */
  /* Fragments of the migrations' DDL, put in for @NAME@ (see portero_sql_ddl). */
  const char *id;            /* @ID@: an integer key the database assigns */
  const char *serial_id;     /* @SERIAL@: the same, never reused */
  const char *blob;          /* @BLOB@ */
  const char *now;           /* @NOW@: the current UTC time as ISO 8601 text */
  const char *nocase;        /* @NOCASE@: case-insensitive text comparison */
  const char *row_order;     /* @ROWID@: the order rows of a table were added in */
  const char *skip_locked;   /* @SKIP_LOCKED@: claim the rows a query returns, pass over claimed ones */
  const char *binary;        /* @BINARY@: text ordered byte by byte (a range of words by prefix) */
  /* @TITLE_INDEX@ and @CONTACT_INDEX@: the search indexes of ticket
   * titles and of contacts' names and addresses. */
  PorteroSqlSearch titles, contacts;
} PorteroSqlDialect;

/* Whether TARGET names a PostgreSQL database (postgresql:// or postgres://). */
gboolean portero_sql_is_pgsql (const char *target);
/* Refuse a PostgreSQL URI carrying a password (PORTERO_ERROR_CONFIG): the
 * password belongs in ~/.pgpass or a passfile=, not in portero.conf. */
gboolean portero_sql_check_target (const char *target, GError **error);

/* Open TARGET (a file path or a PostgreSQL URI). BUSY_TIMEOUT in seconds:
 * how long to wait for a lock (SQLite) or a connection and a statement
 * (PostgreSQL). libpq is loaded only here, only for a URI. */
PorteroSql *portero_sql_open (const char *target, PorteroSqlMode mode, int busy_timeout, GError **error);
void portero_sql_close (PorteroSql *db);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PorteroSql, portero_sql_close)

const PorteroSqlDialect *portero_sql_dialect (PorteroSql *db);
/* What the target is called in messages: the path, or the URI. */
const char *portero_sql_target (PorteroSql *db);
/* "SQLite 3.40.1", "PostgreSQL 15.5" */
char *portero_sql_server_version (PorteroSql *db);

/* After DEADLINE (g_get_monotonic_time () microseconds) statements fail
 * with PORTERO_ERROR_TEMPFAIL. 0 turns it off. */
void portero_sql_set_deadline (PorteroSql *db, gint64 deadline);

/* Several statements without parameters (migrations, pragmas). */
gboolean portero_sql_exec (PorteroSql *db, const char *sql, GError **error);
/* SQL with each @NAME@ replaced by the dialect's fragment. Prepared
 * statements get the same replacement. */
char *portero_sql_ddl (PorteroSql *db, const char *sql);

/* The schema version (0: an empty database). */
gboolean portero_sql_get_version (PorteroSql *db, int *version, GError **error);
/* Within the transaction of a migration. */
gboolean portero_sql_set_version (PorteroSql *db, int version, GError **error);

gboolean portero_sql_begin (PorteroSql *db, GError **error);
gboolean portero_sql_commit (PorteroSql *db, GError **error);
void portero_sql_rollback (PorteroSql *db);
gboolean portero_sql_in_transaction (PorteroSql *db);
/* After a failure: whether running the whole transaction again may succeed
 * (serialization failure, deadlock). */
gboolean portero_sql_retry (PorteroSql *db);

/* The statement for SQL, a string literal (cached by its address), with no
 * parameter bound. It stays valid until the next prepare of the same SQL. */
PorteroSqlStmt *portero_sql_prepare (PorteroSql *db, const char *sql, GError **error);
/* Parameters count from 1. A NULL text binds NULL. */
void portero_sql_bind_text (PorteroSqlStmt *s, int i, const char *v);
void portero_sql_bind_int64 (PorteroSqlStmt *s, int i, gint64 v);
/* Text and blobs are not copied: the driver keeps the caller's pointer
 * (SQLite: SQLITE_STATIC; PostgreSQL: the parameter array), so DATA must
 * stay valid and unchanged until the statement has been stepped. */
void portero_sql_bind_blob (PorteroSqlStmt *s, int i, gconstpointer data, gsize len);
void portero_sql_bind_null (PorteroSqlStmt *s, int i);
/* An id: 0 binds NULL, an integer NULL (a server must know the type of a
 * parameter whose only use is "?N IS NULL"). */
void portero_sql_bind_id (PorteroSqlStmt *s, int i, gint64 v);
/* Next row: TRUE with *ROW FALSE at the end. */
gboolean portero_sql_step (PorteroSqlStmt *s, gboolean *row, GError **error);
/* Rows changed by the statement just run. */
gint64 portero_sql_changes (PorteroSqlStmt *s);
int portero_sql_column_count (PorteroSqlStmt *s);
gboolean portero_sql_column_null (PorteroSqlStmt *s, int i);
/* Columns count from 0; text is valid until the next step. */
gint64 portero_sql_column_int64 (PorteroSqlStmt *s, int i);
const char *portero_sql_column_text (PorteroSqlStmt *s, int i);
GBytes *portero_sql_column_blob (PorteroSqlStmt *s, int i);
/* Done with the rows (also done by the next prepare and by the end). */
void portero_sql_reset (PorteroSqlStmt *s);

/* Engine-specific upkeep, no-ops where the engine does it itself. */
gboolean portero_sql_maintain (PorteroSql *db, GError **error);     /* optimize, WAL checkpoint */
gboolean portero_sql_checkpoint (PorteroSql *db, GError **error);
gboolean portero_sql_secure_delete (PorteroSql *db, GError **error);
/* A consistent copy into the file PATH; PORTERO_ERROR_INVALID where the
 * engine has its own tool (pg_dump). */
gboolean portero_sql_backup (PorteroSql *db, const char *path, GError **error);
/* Keep transactions of other processes that call this with the same KEY
 * waiting until ours ends (PostgreSQL: pg_advisory_xact_lock; SQLite's write
 * transaction serialises every writer already). */
gboolean portero_sql_lock (PorteroSql *db, const char *key, GError **error);
