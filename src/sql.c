/* sql - one small interface over the database engines the store runs on */
#include "sql-driver.h"
#include "error.h"
#include <string.h>

gboolean
portero_sql_is_pgsql (const char *target)
{
  return g_str_has_prefix (target, "postgresql://") || g_str_has_prefix (target, "postgres://");
}

gboolean
portero_sql_check_target (const char *target, GError **error)
{
  if (!portero_sql_is_pgsql (target))
    return TRUE;
  /* userinfo is what comes before the first @ of the authority; a password
   * is after a colon in it. */
  const char *auth = strstr (target, "://") + 3;
  const char *end = auth + strcspn (auth, "/?#");
  const char *at = g_strstr_len (auth, end - auth, "@");
  gboolean password = at != NULL && memchr (auth, ':', at - auth) != NULL;
  /* and the password= parameter */
  const char *query = strchr (target, '?');
  for (const char *p = query; p != NULL && !password; p = strchr (p + 1, '&'))
    if (g_str_has_prefix (p + 1, "password="))
      password = TRUE;
  if (password)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG,
                   "the URI carries a password: keep it in ~/.pgpass or in a file named by passfile= "
                   "instead, so that portero.conf holds no secret");
      return FALSE;
    }
  return TRUE;
}

PorteroSql *
portero_sql_open (const char *target, PorteroSqlMode mode, int busy_timeout, GError **error)
{
  if (!portero_sql_check_target (target, error))
    return NULL;
  if (portero_sql_is_pgsql (target))
    return portero_sql_pgsql_open (target, mode, busy_timeout, error);
  return portero_sql_sqlite_open (target, mode, busy_timeout, error);
}

void
portero_sql_close (PorteroSql *db)
{
  if (db != NULL)
    db->ops->close (db);
}

const PorteroSqlDialect *portero_sql_dialect (PorteroSql *db) { return db->ops->dialect; }
const char *portero_sql_target (PorteroSql *db) { return db->target; }
char *portero_sql_server_version (PorteroSql *db) { return db->ops->server_version (db); }
void portero_sql_set_deadline (PorteroSql *db, gint64 deadline) { db->ops->set_deadline (db, deadline); }
gboolean portero_sql_exec (PorteroSql *db, const char *sql, GError **error) { return db->ops->exec (db, sql, error); }
gboolean portero_sql_get_version (PorteroSql *db, int *version, GError **error) { return db->ops->get_version (db, version, error); }
gboolean portero_sql_set_version (PorteroSql *db, int version, GError **error) { return db->ops->set_version (db, version, error); }
gboolean portero_sql_begin (PorteroSql *db, GError **error) { return db->ops->begin (db, error); }
gboolean portero_sql_commit (PorteroSql *db, GError **error) { return db->ops->commit (db, error); }
void portero_sql_rollback (PorteroSql *db) { db->ops->rollback (db); }
gboolean portero_sql_in_transaction (PorteroSql *db) { return db->ops->in_transaction (db); }
gboolean portero_sql_retry (PorteroSql *db) { return db->ops->retry (db); }
gboolean portero_sql_maintain (PorteroSql *db, GError **error) { return db->ops->maintain (db, error); }
gboolean portero_sql_checkpoint (PorteroSql *db, GError **error) { return db->ops->checkpoint (db, error); }
gboolean portero_sql_secure_delete (PorteroSql *db, GError **error) { return db->ops->secure_delete (db, error); }
gboolean portero_sql_backup (PorteroSql *db, const char *path, GError **error) { return db->ops->backup (db, path, error); }
gboolean portero_sql_lock (PorteroSql *db, const char *key, GError **error) { return db->ops->lock (db, key, error); }

PorteroSqlStmt *
portero_sql_prepare (PorteroSql *db, const char *sql, GError **error)
{
  return db->ops->prepare (db, sql, error);
}

void
portero_sql_bind_text (PorteroSqlStmt *s, int i, const char *v)
{
  s->db->ops->bind (s, i, SQL_TEXT, v, v ? strlen (v) : 0, 0);
}

void portero_sql_bind_int64 (PorteroSqlStmt *s, int i, gint64 v) { s->db->ops->bind (s, i, SQL_INT, NULL, 0, v); }
void portero_sql_bind_null (PorteroSqlStmt *s, int i) { s->db->ops->bind (s, i, SQL_NULL, NULL, 0, 0); }
void portero_sql_bind_id (PorteroSqlStmt *s, int i, gint64 v) { s->db->ops->bind (s, i, v ? SQL_INT : SQL_INT_NULL, NULL, 0, v); }

void
portero_sql_bind_blob (PorteroSqlStmt *s, int i, gconstpointer data, gsize len)
{
  s->db->ops->bind (s, i, SQL_BLOB, data ? data : "", len, 0);
}

gboolean portero_sql_step (PorteroSqlStmt *s, gboolean *row, GError **error) { return s->db->ops->step (s, row, error); }
gint64 portero_sql_changes (PorteroSqlStmt *s) { return s->db->ops->changes (s); }
int portero_sql_column_count (PorteroSqlStmt *s) { return s->db->ops->column_count (s); }
gboolean portero_sql_column_null (PorteroSqlStmt *s, int i) { return s->db->ops->column_null (s, i); }
gint64 portero_sql_column_int64 (PorteroSqlStmt *s, int i) { return s->db->ops->column_int64 (s, i); }
const char *portero_sql_column_text (PorteroSqlStmt *s, int i) { return s->db->ops->column_text (s, i); }
GBytes *portero_sql_column_blob (PorteroSqlStmt *s, int i) { return s->db->ops->column_blob (s, i); }
void portero_sql_reset (PorteroSqlStmt *s) { s->db->ops->reset (s); }

char *
portero_sql_ddl (PorteroSql *db, const char *sql)
{
  const PorteroSqlDialect *d = db->ops->dialect;
  const struct { const char *token, *text; } words[] = {
    { "@ID@", d->id }, { "@SERIAL@", d->serial_id }, { "@BLOB@", d->blob },
    { "@NOW@", d->now }, { "@NOCASE@", d->nocase }, { "@ROWID@", d->row_order },
    { "@SKIP_LOCKED@", d->skip_locked }, { "@BINARY@", d->binary }, { "@TITLE_INDEX@", d->titles.create },
    { "@CONTACT_INDEX@", d->contacts.create },
  };
  char *out = g_strdup (sql);
  for (gsize i = 0; i < G_N_ELEMENTS (words); i++)
    {
      g_auto (GStrv) parts = g_strsplit (out, words[i].token, -1);
      g_free (out);
      out = g_strjoinv (words[i].text, parts);
    }
  return out;
}
