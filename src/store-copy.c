/* store-copy - a whole SQLite database copied into an empty PostgreSQL one
 *
 * The tables and their columns are read from the SQLite schema itself, so
 * that a table a later migration adds is copied without a change here;
 * parents are copied before the tables that reference them. Everything is
 * written in one transaction on the target and checked there before the
 * commit: the rows of every table, and a digest of the raw messages
 * computed the same way from both databases. */
#include "store-copy.h"
#include "error.h"
#include "i18n.h"
#include "sql.h"
#include "store.h"
#include <inttypes.h>
#include <string.h>

/* Rows between two progress reports. */
#define PROGRESS_EVERY 200
/* Rows are written many to a statement, one round trip for them all: at
 * most this many parameters, and no more than this many bytes held. */
#define BATCH_PARAMS 4000
#define BATCH_BYTES (8 * 1024 * 1024)

typedef enum { COPY_TEXT, COPY_INT, COPY_BLOB } CopyKind;

typedef struct {
  char *name;
  GPtrArray *columns;    /* char * */
  GArray *kinds;         /* CopyKind, from the target's column types */
  GPtrArray *parents;    /* char *: the tables it references */
  /* Statements are cached by the address of their text: these stay alive
   * until both databases are closed. */
  char *count_sql;
  char *select_sql;
  char *insert_sql;
  GPtrArray *batch_sql;  /* char *: the INSERT of N + 1 rows, made when first needed */
  int batch;             /* rows a statement at most */
  char *clear_sql;
  GPtrArray *setval_sql; /* char *: one per sequence */
  gint64 rows;
} CopyTable;

static void
copy_table_free (gpointer p)
{
  CopyTable *t = p;
  g_free (t->name);
  g_ptr_array_unref (t->columns);
  g_array_unref (t->kinds);
  g_ptr_array_unref (t->parents);
  g_free (t->count_sql);
  g_free (t->select_sql);
  g_free (t->insert_sql);
  g_clear_pointer (&t->batch_sql, g_ptr_array_unref);
  g_free (t->clear_sql);
  g_ptr_array_unref (t->setval_sql);
  g_free (t);
}

void
portero_copy_report_clear (PorteroCopyReport *report)
{
  g_clear_pointer (&report->tables, g_ptr_array_unref);
  g_clear_pointer (&report->rows, g_array_unref);
  g_clear_pointer (&report->digest, g_free);
  report->messages = 0;
}

/* NAME as an SQL identifier, quoted. */
static char *
quote_ident (const char *name)
{
  g_autoptr (GString) s = g_string_new ("\"");
  for (const char *p = name; *p; p++)
    {
      if (*p == '"')
        g_string_append_c (s, '"');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* The tables of SOURCE with their columns and the tables they reference
 * (SQLite's own catalogue: virtual tables and their shadow tables, which
 * hold derived data, are left out). */
static GPtrArray *
source_tables (PorteroSql *src, GError **error)
{
  g_autoptr (GPtrArray) tables = g_ptr_array_new_with_free_func (copy_table_free);
  PorteroSqlStmt *s = portero_sql_prepare (src,
    "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table'"
    " AND name NOT LIKE 'sqlite%' ORDER BY name", error);
  if (s == NULL)
    return NULL;
  gboolean row, stepped;
  while ((stepped = portero_sql_step (s, &row, error)) && row)
    {
      CopyTable *t = g_new0 (CopyTable, 1);
      t->name = g_strdup (portero_sql_column_text (s, 0));
      t->columns = g_ptr_array_new_with_free_func (g_free);
      t->kinds = g_array_new (FALSE, TRUE, sizeof (CopyKind));
      t->parents = g_ptr_array_new_with_free_func (g_free);
      t->setval_sql = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (tables, t);
    }
  if (!stepped)
    return NULL;
  portero_sql_reset (s);
  for (guint i = 0; i < tables->len; i++)
    {
      CopyTable *t = tables->pdata[i];
      s = portero_sql_prepare (src, "SELECT name FROM pragma_table_info(?1) ORDER BY cid", error);
      if (s == NULL)
        return NULL;
      portero_sql_bind_text (s, 1, t->name);
      while ((stepped = portero_sql_step (s, &row, error)) && row)
        g_ptr_array_add (t->columns, g_strdup (portero_sql_column_text (s, 0)));
      if (!stepped)
        return NULL;
      s = portero_sql_prepare (src, "SELECT DISTINCT \"table\" FROM pragma_foreign_key_list(?1)", error);
      if (s == NULL)
        return NULL;
      portero_sql_bind_text (s, 1, t->name);
      while ((stepped = portero_sql_step (s, &row, error)) && row)
        if (strcmp (portero_sql_column_text (s, 0), t->name) != 0)
          g_ptr_array_add (t->parents, g_strdup (portero_sql_column_text (s, 0)));
      if (!stepped)
        return NULL;
    }
  return g_steal_pointer (&tables);
}

static gboolean
has_name (GPtrArray *names, const char *name)
{
  for (guint i = 0; i < names->len; i++)
    if (strcmp (names->pdata[i], name) == 0)
      return TRUE;
  return FALSE;
}

/* TABLES in an order where every table comes after those it references. */
static GPtrArray *
parents_first (GPtrArray *tables, GError **error)
{
  g_autoptr (GPtrArray) order = g_ptr_array_new_with_free_func (copy_table_free);
  g_autoptr (GPtrArray) done = g_ptr_array_new ();
  while (tables->len > 0)
    {
      gboolean moved = FALSE;
      for (guint i = 0; i < tables->len; i++)
        {
          CopyTable *t = tables->pdata[i];
          gboolean ready = TRUE;
          for (guint j = 0; j < t->parents->len && ready; j++)
            ready = has_name (done, t->parents->pdata[j]);
          if (!ready)
            continue;
          g_ptr_array_add (done, t->name);
          g_ptr_array_add (order, g_ptr_array_steal_index (tables, i));
          moved = TRUE;
          break;
        }
      if (!moved)
        {
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                       _("the tables of the database reference each other in a cycle (%s): cannot order the copy"),
                       ((CopyTable *) tables->pdata[0])->name);
          return NULL;
        }
    }
  return g_steal_pointer (&order);
}

/* Each column's kind from TARGET's type of it; a column TARGET lacks is an
 * error (the two schemas differ). */
static gboolean
target_kinds (PorteroSql *dst, CopyTable *t, GError **error)
{
  for (guint i = 0; i < t->columns->len; i++)
    {
      const char *column = t->columns->pdata[i];
      PorteroSqlStmt *s = portero_sql_prepare (dst,
        "SELECT data_type FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = ?1 AND column_name = ?2", error);
      if (s == NULL)
        return FALSE;
      portero_sql_bind_text (s, 1, t->name);
      portero_sql_bind_text (s, 2, column);
      gboolean row;
      if (!portero_sql_step (s, &row, error))
        return FALSE;
      if (!row)
        {
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                       _("%s: the target database has no column %s.%s (not the same schema)"),
                       portero_sql_target (dst), t->name, column);
          return FALSE;
        }
      const char *type = portero_sql_column_text (s, 0);
      CopyKind kind = COPY_TEXT;
      if (strcmp (type, "bytea") == 0)
        kind = COPY_BLOB;
      else if (strcmp (type, "integer") == 0 || strcmp (type, "bigint") == 0 || strcmp (type, "smallint") == 0)
        kind = COPY_INT;
      g_array_append_val (t->kinds, kind);
      portero_sql_reset (s);
    }
  return TRUE;
}

/* The statements of table T. */
static void
table_sql (CopyTable *t)
{
  g_autofree char *name = quote_ident (t->name);
  g_autoptr (GString) columns = g_string_new (NULL);
  g_autoptr (GString) params = g_string_new (NULL);
  for (guint i = 0; i < t->columns->len; i++)
    {
      g_autofree char *c = quote_ident (t->columns->pdata[i]);
      g_string_append_printf (columns, "%s%s", i ? ", " : "", c);
      g_string_append_printf (params, "%s?%u", i ? ", " : "", i + 1);
    }
  t->count_sql = g_strdup_printf ("SELECT count(*) FROM %s", name);
  t->select_sql = g_strdup_printf ("SELECT %s FROM %s ORDER BY rowid", columns->str, name);
  /* The ids are the source's: OVERRIDING SYSTEM VALUE lets them into
   * identity columns too. */
  t->insert_sql = g_strdup_printf ("INSERT INTO %s (%s) OVERRIDING SYSTEM VALUE VALUES (%s)", name,
                                   columns->str, params->str);
  t->batch = MAX (1, BATCH_PARAMS / (int) MAX (t->columns->len, 1));
  t->batch_sql = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_set_size (t->batch_sql, t->batch);
  t->clear_sql = g_strdup_printf ("DELETE FROM %s", name);
}

static gboolean
count_rows (PorteroSql *db, const char *sql, gint64 *rows, GError **error)
{
  PorteroSqlStmt *s = portero_sql_prepare (db, sql, error);
  gboolean row = FALSE;
  if (s == NULL || !portero_sql_step (s, &row, error))
    return FALSE;
  *rows = row ? portero_sql_column_int64 (s, 0) : 0;
  portero_sql_reset (s);
  return TRUE;
}

/* Whether TARGET holds nothing but what `portero init` creates: no rows
 * anywhere but the default customer. Then those go, inside the copy's
 * transaction, to make room for the source's. */
static gboolean
target_clear (PorteroSql *dst, GPtrArray *tables, GError **error)
{
  for (guint i = 0; i < tables->len; i++)
    {
      CopyTable *t = tables->pdata[i];
      gint64 rows = 0;
      if (!count_rows (dst, t->count_sql, &rows, error))
        return FALSE;
      gint64 allowed = 0;
      if (strcmp (t->name, "customers") == 0
          && !count_rows (dst, "SELECT count(*) FROM customers WHERE is_default = 1", &allowed, error))
        return FALSE;
      if (rows > allowed)
        {
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                       _("%s is not empty (table %s holds %" PRId64 " rows): migrate-to copies only into "
                         "an empty database, or one that only portero init has made"),
                       portero_sql_target (dst), t->name, rows);
          return FALSE;
        }
    }
  for (guint i = tables->len; i-- > 0;)
    {
      CopyTable *t = tables->pdata[i];
      PorteroSqlStmt *s = portero_sql_prepare (dst, t->clear_sql, error);
      gboolean row;
      if (s == NULL || !portero_sql_step (s, &row, error))
        return FALSE;
    }
  return TRUE;
}

/* The INSERT of ROWS rows of T, ?1 ... ?(ROWS x columns). */
static const char *
batch_sql (CopyTable *t, int rows)
{
  char **slot = (char **) &t->batch_sql->pdata[rows - 1];
  if (*slot != NULL)
    return *slot;
  g_autofree char *name = quote_ident (t->name);
  g_autoptr (GString) sql = g_string_new (NULL);
  g_string_printf (sql, "INSERT INTO %s (", name);
  for (guint i = 0; i < t->columns->len; i++)
    {
      g_autofree char *c = quote_ident (t->columns->pdata[i]);
      g_string_append_printf (sql, "%s%s", i ? ", " : "", c);
    }
  g_string_append (sql, ") OVERRIDING SYSTEM VALUE VALUES ");
  guint n = 0;
  for (int r = 0; r < rows; r++)
    {
      g_string_append (sql, r ? ", (" : "(");
      for (guint i = 0; i < t->columns->len; i++)
        g_string_append_printf (sql, "%s?%u", i ? ", " : "", ++n);
      g_string_append_c (sql, ')');
    }
  *slot = g_string_free (g_steal_pointer (&sql), FALSE);
  return *slot;
}

/* A value read from the source, held until its batch is written. */
typedef struct {
  CopyKind kind;
  gboolean null;
  gint64 number;
  char *text;
  GBytes *blob;
} CopyValue;

static void
copy_value_clear (gpointer p)
{
  CopyValue *v = p;
  g_free (v->text);
  if (v->blob)
    g_bytes_unref (v->blob);
}

/* Write the rows held in VALUES in one statement, and let them go. */
static gboolean
flush_rows (PorteroSql *dst, CopyTable *t, GArray *values, GError **error)
{
  guint ncols = t->columns->len;
  if (values->len == 0)
    return TRUE;
  int rows = (int) (values->len / ncols);
  PorteroSqlStmt *out = portero_sql_prepare (dst, batch_sql (t, rows), error);
  if (out == NULL)
    return FALSE;
  for (guint i = 0; i < values->len; i++)
    {
      CopyValue *v = &g_array_index (values, CopyValue, i);
      int p = (int) i + 1;
      if (v->null)
        portero_sql_bind_null (out, p);
      else if (v->kind == COPY_INT)
        portero_sql_bind_int64 (out, p, v->number);
      else if (v->kind == COPY_BLOB)
        {
          gsize len = 0;
          gconstpointer data = v->blob ? g_bytes_get_data (v->blob, &len) : "";
          portero_sql_bind_blob (out, p, data ? data : "", len);
        }
      else
        portero_sql_bind_text (out, p, v->text);
    }
  gboolean ignored;
  gboolean written = portero_sql_step (out, &ignored, error);
  portero_sql_reset (out);
  g_array_set_size (values, 0);
  if (!written)
    g_prefix_error (error, _("copying table %s: "), t->name);
  return written;
}

static gboolean
copy_rows (PorteroSql *src, PorteroSql *dst, CopyTable *t, PorteroCopyProgress progress, gpointer data,
           GError **error)
{
  if (!count_rows (src, t->count_sql, &t->rows, error))
    return FALSE;
  PorteroSqlStmt *in = portero_sql_prepare (src, t->select_sql, error);
  if (in == NULL)
    return FALSE;
  gint64 done = 0;
  gsize held = 0;
  guint ncols = t->columns->len;
  g_autoptr (GArray) values = g_array_sized_new (FALSE, TRUE, sizeof (CopyValue), ncols * (guint) t->batch);
  g_array_set_clear_func (values, copy_value_clear);
  gboolean row, stepped;
  while ((stepped = portero_sql_step (in, &row, error)) && row)
    {
      for (guint i = 0; i < ncols; i++)
        {
          int c = (int) i;
          CopyValue v = { .kind = g_array_index (t->kinds, CopyKind, i) };
          v.null = portero_sql_column_null (in, c);
          if (!v.null && v.kind == COPY_INT)
            v.number = portero_sql_column_int64 (in, c);
          else if (!v.null && v.kind == COPY_BLOB)
            {
              v.blob = portero_sql_column_blob (in, c);
              held += v.blob ? g_bytes_get_size (v.blob) : 0;
            }
          else if (!v.null)
            {
              v.text = g_strdup (portero_sql_column_text (in, c));
              held += strlen (v.text);
            }
          g_array_append_val (values, v);
        }
      done++;
      if ((int) (values->len / ncols) >= t->batch || held >= BATCH_BYTES)
        {
          if (!flush_rows (dst, t, values, error))
            return FALSE;
          held = 0;
        }
      if (progress != NULL && done % PROGRESS_EVERY == 0)
        progress (t->name, done, t->rows, data);
    }
  if (!stepped || !flush_rows (dst, t, values, error))
    return FALSE;
  if (progress != NULL)
    progress (t->name, done, t->rows, data);
  return TRUE;
}

/* Move every sequence of T's columns past the ids copied into them. */
static gboolean
advance_sequences (PorteroSql *dst, CopyTable *t, GError **error)
{
  g_autofree char *name = quote_ident (t->name);
  for (guint i = 0; i < t->columns->len; i++)
    {
      if (g_array_index (t->kinds, CopyKind, i) != COPY_INT)
        continue;
      PorteroSqlStmt *s = portero_sql_prepare (dst, "SELECT pg_get_serial_sequence(?1, ?2)", error);
      if (s == NULL)
        return FALSE;
      portero_sql_bind_text (s, 1, name);
      portero_sql_bind_text (s, 2, t->columns->pdata[i]);
      gboolean row;
      if (!portero_sql_step (s, &row, error))
        return FALSE;
      if (!row || portero_sql_column_null (s, 0))
        {
          portero_sql_reset (s);
          continue;
        }
      g_autofree char *sequence = g_strdup (portero_sql_column_text (s, 0));
      portero_sql_reset (s);
      g_autofree char *column = quote_ident (t->columns->pdata[i]);
      char *sql = g_strdup_printf ("SELECT setval(?1::regclass, max(%s)) FROM %s HAVING max(%s) IS NOT NULL",
                                   column, name, column);
      g_ptr_array_add (t->setval_sql, sql);
      s = portero_sql_prepare (dst, sql, error);
      if (s == NULL)
        return FALSE;
      portero_sql_bind_text (s, 1, sequence);
      if (!portero_sql_step (s, &row, error))
        return FALSE;
      portero_sql_reset (s);
    }
  return TRUE;
}

/* Raw messages read a batch at a time: a driver may hold a whole result in
 * memory, and the messages of a large helpdesk do not fit. */
#define DIGEST_BATCH 256

/* The SHA-256 of every raw message in id order (id, length, bytes), read
 * from DB: the same statements and the same arithmetic on both sides. */
static gboolean
raw_digest (PorteroSql *db, char **digest, gint64 *count, GError **error)
{
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  gint64 n = 0, last = G_MININT64;
  for (;;)
    {
      PorteroSqlStmt *s = portero_sql_prepare (db,
        "SELECT id, raw FROM messages WHERE raw IS NOT NULL AND id > ?1 ORDER BY id LIMIT ?2", error);
      if (s == NULL)
        return FALSE;
      portero_sql_bind_int64 (s, 1, last);
      portero_sql_bind_int64 (s, 2, DIGEST_BATCH);
      gint64 in_batch = 0;
      gboolean row, stepped;
      while ((stepped = portero_sql_step (s, &row, error)) && row)
        {
          g_autoptr (GBytes) raw = portero_sql_column_blob (s, 1);
          gsize len = 0;
          const guchar *p = raw ? g_bytes_get_data (raw, &len) : NULL;
          last = portero_sql_column_int64 (s, 0);
          guint64 head[2] = { GUINT64_TO_LE ((guint64) last), GUINT64_TO_LE ((guint64) len) };
          g_checksum_update (sum, (const guchar *) head, sizeof head);
          if (len > 0)
            g_checksum_update (sum, p, len);
          in_batch++;
        }
      if (!stepped)
        return FALSE;
      n += in_batch;
      if (in_batch < DIGEST_BATCH)
        break;
    }
  *digest = g_strdup (g_checksum_get_string (sum));
  *count = n;
  return TRUE;
}

gboolean
portero_store_copy (const char *source, const char *target, const char *default_customer, int busy_timeout,
                    PorteroCopyProgress progress, gpointer data, PorteroCopyReport *report, GError **error)
{
  if (portero_sql_is_pgsql (source))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                   _("the configured database is PostgreSQL already: migrate-to copies an SQLite database"));
      return FALSE;
    }
  if (!portero_sql_is_pgsql (target))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                   _("%s is no PostgreSQL URI (postgresql://...)"), target);
      return FALSE;
    }
  if (!portero_sql_check_target (target, error))
    return FALSE;

  /* The source's write lock, held to the end: deliveries meanwhile wait,
   * then exit 75, and the MTA brings them again to the new database. */
  g_autoptr (PorteroSql) src = portero_sql_open (source, PORTERO_SQL_WRITE, busy_timeout, error);
  if (src == NULL || !portero_sql_begin (src, error))
    return FALSE;
  int version = 0;
  if (!portero_sql_get_version (src, &version, error))
    return FALSE;
  if (version != portero_store_schema_version ())
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_SCHEMA,
                   _("%s has schema version %d, this portero %d: run portero init first"), source, version,
                   portero_store_schema_version ());
      return FALSE;
    }

  /* An empty target gets the schema first (and its default customer, which
   * the copy replaces). */
  {
    g_autoptr (PorteroSql) probe = portero_sql_open (target, PORTERO_SQL_WRITE, busy_timeout, error);
    int target_version = 0;
    if (probe == NULL || !portero_sql_get_version (probe, &target_version, error))
      return FALSE;
    if (target_version != 0 && target_version != version)
      {
        g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                     _("%s is not empty (schema version %d)"), target, target_version);
        return FALSE;
      }
    portero_sql_close (g_steal_pointer (&probe));
    if (target_version == 0 && !portero_store_create (target, default_customer, error))
      return FALSE;
  }

  g_autoptr (PorteroSql) dst = portero_sql_open (target, PORTERO_SQL_WRITE, busy_timeout, error);
  if (dst == NULL)
    return FALSE;
  g_autoptr (GPtrArray) found = source_tables (src, error);
  if (found == NULL)
    return FALSE;
  g_autoptr (GPtrArray) tables = parents_first (found, error);
  if (tables == NULL)
    return FALSE;
  for (guint i = 0; i < tables->len; i++)
    {
      if (!target_kinds (dst, tables->pdata[i], error))
        return FALSE;
      table_sql (tables->pdata[i]);
    }

  if (!portero_sql_begin (dst, error))
    return FALSE;
  gboolean ok = target_clear (dst, tables, error);
  for (guint i = 0; ok && i < tables->len; i++)
    ok = copy_rows (src, dst, tables->pdata[i], progress, data, error)
      && advance_sequences (dst, tables->pdata[i], error);
  /* The check, inside the transaction: the rows of every table ... */
  for (guint i = 0; ok && i < tables->len; i++)
    {
      CopyTable *t = tables->pdata[i];
      gint64 rows = 0;
      ok = count_rows (dst, t->count_sql, &rows, error);
      if (ok && rows != t->rows)
        {
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL,
                       _("table %s: %" PRId64 " rows in %s, %" PRId64 " copied; nothing was changed"),
                       t->name, t->rows, source, rows);
          ok = FALSE;
        }
    }
  /* ... and the raw messages, byte for byte. */
  g_autofree char *src_digest = NULL, *dst_digest = NULL;
  gint64 src_count = 0, dst_count = 0;
  ok = ok && raw_digest (src, &src_digest, &src_count, error) && raw_digest (dst, &dst_digest, &dst_count, error);
  if (ok && (src_count != dst_count || strcmp (src_digest, dst_digest) != 0))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL,
                   _("the raw messages differ after the copy (SHA-256 %s in %s, %s copied); nothing was changed"),
                   src_digest, source, dst_digest);
      ok = FALSE;
    }
  if (!ok || !portero_sql_commit (dst, error))
    {
      portero_sql_rollback (dst);
      portero_sql_rollback (src);
      return FALSE;
    }
  portero_sql_rollback (src);
  /* The planner's statistics: without them, until autovacuum comes round,
   * PostgreSQL plans the first deliveries as if the tables were empty. The
   * copy is committed already: a failure here leaves that to autovacuum. */
  {
    g_autoptr (GError) ignored = NULL;
    portero_sql_exec (dst, "ANALYZE", &ignored);
  }

  report->tables = g_ptr_array_new_with_free_func (g_free);
  report->rows = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < tables->len; i++)
    {
      CopyTable *t = tables->pdata[i];
      g_ptr_array_add (report->tables, g_strdup (t->name));
      g_array_append_val (report->rows, t->rows);
    }
  report->messages = src_count;
  report->digest = g_steal_pointer (&src_digest);
  /* The databases close before the tables' statement texts go. */
  portero_sql_close (g_steal_pointer (&dst));
  portero_sql_close (g_steal_pointer (&src));
  return TRUE;
}
