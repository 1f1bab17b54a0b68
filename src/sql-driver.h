/* sql-driver - what a database driver gives sql.c (not for the store) */
#pragma once
#include "sql.h"

typedef struct {
  const PorteroSqlDialect *dialect;
  void (*close) (PorteroSql *db);
  char *(*server_version) (PorteroSql *db);
  void (*set_deadline) (PorteroSql *db, gint64 deadline);
  gboolean (*exec) (PorteroSql *db, const char *sql, GError **error);
  gboolean (*get_version) (PorteroSql *db, int *version, GError **error);
  gboolean (*set_version) (PorteroSql *db, int version, GError **error);
  gboolean (*begin) (PorteroSql *db, GError **error);
  gboolean (*commit) (PorteroSql *db, GError **error);
  void (*rollback) (PorteroSql *db);
  gboolean (*in_transaction) (PorteroSql *db);
  gboolean (*retry) (PorteroSql *db);
  PorteroSqlStmt *(*prepare) (PorteroSql *db, const char *sql, GError **error);
  void (*bind) (PorteroSqlStmt *s, int i, int type, gconstpointer data, gsize len, gint64 v);
  gboolean (*step) (PorteroSqlStmt *s, gboolean *row, GError **error);
  gint64 (*changes) (PorteroSqlStmt *s);
  int (*column_count) (PorteroSqlStmt *s);
  gboolean (*column_null) (PorteroSqlStmt *s, int i);
  gint64 (*column_int64) (PorteroSqlStmt *s, int i);
  const char *(*column_text) (PorteroSqlStmt *s, int i);
  GBytes *(*column_blob) (PorteroSqlStmt *s, int i);
  void (*reset) (PorteroSqlStmt *s);
  gboolean (*maintain) (PorteroSql *db, GError **error);
  gboolean (*checkpoint) (PorteroSql *db, GError **error);
  gboolean (*secure_delete) (PorteroSql *db, GError **error);
  gboolean (*backup) (PorteroSql *db, const char *path, GError **error);
  gboolean (*lock) (PorteroSql *db, const char *key, GError **error);
} PorteroSqlOps;

/* The head of every driver's connection and statement. */
struct _PorteroSql {
  const PorteroSqlOps *ops;
  char *target;
};
struct _PorteroSqlStmt {
  PorteroSql *db;
};

/* What bind gets: a text or blob whose DATA is NULL is a NULL of that type. */
enum { SQL_NULL, SQL_INT, SQL_INT_NULL, SQL_TEXT, SQL_BLOB };

PorteroSql *portero_sql_sqlite_open (const char *path, PorteroSqlMode mode, int busy_timeout, GError **error);
PorteroSql *portero_sql_pgsql_open (const char *uri, PorteroSqlMode mode, int busy_timeout, GError **error);
