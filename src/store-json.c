/* store-json - the technician's listings, as JSON built from rows
 *
 * One way for every engine: each listing is a statement and a table of
 * fields, one a column, turned into JSON here with json-glib (not with an
 * engine's own JSON functions, which differ). A separate module, so that
 * portero-deliver, which lists nothing, links no JSON library. */
#include "store-private.h"
#include "error.h"
#include <json-glib/json-glib.h>
#include <string.h>

typedef enum {
  F_INT,    /* a number, null when NULL */
  F_TEXT,
  F_BOOL,   /* a number, true when not 0 */
  F_LIST,   /* the column is a key bound as ?1 to SUB: an array of SUB's first column;
             * in a listing, BATCH (if set) fills it for many rows at once */
  F_ROWS,   /* the same, an array of objects of FIELDS */
} FieldKind;

typedef struct Field {
  const char *name;
  FieldKind kind;
  const char *sub;
  const struct Field *fields;
  /* F_LIST in a listing: the keys (column 0) and values (column 1) for the
   * keys IN (%s), ordered by key and then as SUB orders them: one statement
   * for BATCH_KEYS rows instead of one a row (a round trip each on a
   * server). */
  const char *batch;
} Field;

#define END { NULL, F_INT, NULL, NULL, NULL }
/* as many parameters as a statement may bind on every driver */
#define BATCH_KEYS 32

/* A list a listing's row waits for: FIELD's array in row ROW, for KEY. */
typedef struct {
  const Field *field;
  guint row;
  gint64 key;
} Pending;

static gboolean add_rows (PorteroStore *store, PorteroSqlStmt *s, const Field *fields, gboolean one,
                          JsonBuilder *b, gboolean *any, GArray *pending, GError **error);

/* The row S is on (row ROW of a listing), as an object of FIELDS; lists
 * with a batch statement are left empty and noted in PENDING (when not
 * NULL) for fill_lists. */
static gboolean
add_object (PorteroStore *store, PorteroSqlStmt *s, const Field *fields, JsonBuilder *b, GArray *pending,
            guint row, GError **error)
{
  json_builder_begin_object (b);
  for (int i = 0; fields[i].name != NULL; i++)
    {
      const Field *f = &fields[i];
      json_builder_set_member_name (b, f->name);
      if (f->kind != F_LIST && f->kind != F_ROWS && portero_sql_column_null (s, i))
        {
          json_builder_add_null_value (b);
          continue;
        }
      switch (f->kind)
        {
        case F_INT:
          json_builder_add_int_value (b, portero_sql_column_int64 (s, i));
          break;
        case F_TEXT:
          json_builder_add_string_value (b, portero_sql_column_text (s, i));
          break;
        case F_BOOL:
          json_builder_add_boolean_value (b, portero_sql_column_int64 (s, i) != 0);
          break;
        case F_LIST:
        case F_ROWS:
          {
            if (f->batch != NULL && pending != NULL)
              {
                Pending p = { f, row, portero_sql_column_int64 (s, i) };
                g_array_append_val (pending, p);
                json_builder_begin_array (b);
                json_builder_end_array (b);
                break;
              }
            PorteroSqlStmt *sub = portero_store_query (store, error, f->sub, "i", portero_sql_column_int64 (s, i));
            gboolean any;
            json_builder_begin_array (b);
            if (sub == NULL
                || !add_rows (store, sub, f->kind == F_LIST ? NULL : f->fields, FALSE, b, &any, NULL, error))
              return FALSE;
            json_builder_end_array (b);
            break;
          }
        }
    }
  json_builder_end_object (b);
  return TRUE;
}

/* Every row of S (the first only when ONE), as objects of FIELDS, or as the
 * text of the first column when FIELDS is NULL; PENDING as in add_object. */
static gboolean
add_rows (PorteroStore *store, PorteroSqlStmt *s, const Field *fields, gboolean one, JsonBuilder *b,
          gboolean *any, GArray *pending, GError **error)
{
  gboolean row;
  *any = FALSE;
  for (guint n = 0; portero_sql_step (s, &row, error); n++)
    {
      if (!row)
        return TRUE;
      *any = TRUE;
      if (fields == NULL)
        json_builder_add_string_value (b, portero_sql_column_text (s, 0));
      else if (!add_object (store, s, fields, b, pending, n, error))
        return FALSE;
      if (one)
        {
          portero_sql_reset (s);
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean fill_field (PorteroStore *store, JsonArray *rows, const Field *f, GArray *pending, GError **error);

/* Fill the lists PENDING names in the array ROOT: BATCH_KEYS keys a
 * statement. */
static gboolean
fill_lists (PorteroStore *store, JsonNode *root, GArray *pending, GError **error)
{
  JsonArray *rows = json_node_get_array (root);
  /* each field's lists in turn, in chunks of BATCH_KEYS */
  g_autoptr (GArray) mine = g_array_new (FALSE, FALSE, sizeof (Pending));
  for (guint from = 0; from < pending->len; from++)
    {
      const Field *f = g_array_index (pending, Pending, from).field;
      if (f == NULL)
        continue;
      g_array_set_size (mine, 0);
      for (guint i = from; i < pending->len; i++)
        if (g_array_index (pending, Pending, i).field == f)
          {
            g_array_append_val (mine, g_array_index (pending, Pending, i));
            g_array_index (pending, Pending, i).field = NULL;
          }
      if (!fill_field (store, rows, f, mine, error))
        return FALSE;
    }
  return TRUE;
}

/* Fill F's lists PENDING names in ROWS. */
static gboolean
fill_field (PorteroStore *store, JsonArray *rows, const Field *f, GArray *pending, GError **error)
{
  for (guint start = 0; start < pending->len; start += BATCH_KEYS)
    {
      guint n = MIN (BATCH_KEYS, pending->len - start);
      g_autoptr (GString) marks = g_string_new (NULL);
      for (guint i = 0; i < BATCH_KEYS; i++)
        g_string_append (marks, i ? ", ?" : "?");
      g_autofree char *sql = g_strdup_printf (f->batch, marks->str);
      PorteroSqlStmt *s = portero_sql_prepare (portero_store_db (store), g_intern_string (sql), error);
      if (s == NULL)
        return FALSE;
      /* the keys' arrays (a key may stand in more than one row) */
      g_autoptr (GHashTable) lists = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL,
                                                            (GDestroyNotify) g_ptr_array_unref);
      for (guint i = 0; i < BATCH_KEYS; i++)
        {
          if (i >= n)
            {
              portero_sql_bind_null (s, i + 1);
              continue;
            }
          Pending *p = &g_array_index (pending, Pending, start + i);
          portero_sql_bind_int64 (s, i + 1, p->key);
          JsonObject *o = json_array_get_object_element (rows, p->row);
          GPtrArray *arrays = g_hash_table_lookup (lists, &p->key);
          if (arrays == NULL)
            {
              arrays = g_ptr_array_new ();
              g_hash_table_insert (lists, &p->key, arrays);
            }
          g_ptr_array_add (arrays, json_object_get_array_member (o, f->name));
        }
      for (;;)
        {
          gboolean row;
          if (!portero_sql_step (s, &row, error))
            return FALSE;
          if (!row)
            break;
          gint64 key = portero_sql_column_int64 (s, 0);
          GPtrArray *arrays = g_hash_table_lookup (lists, &key);
          for (guint i = 0; arrays != NULL && i < arrays->len; i++)
            json_array_add_string_element (arrays->pdata[i], portero_sql_column_text (s, 1));
        }
    }
  return TRUE;
}

static char *
generate_node (JsonNode *root)
{
  g_autoptr (JsonGenerator) g = json_generator_new ();
  json_generator_set_root (g, root);
  return json_generator_to_data (g, NULL);
}

/* The rows of S as a JSON array. */
static char *
list_json (PorteroStore *store, PorteroSqlStmt *s, const Field *fields, GError **error)
{
  if (s == NULL)
    return NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GArray) pending = g_array_new (FALSE, FALSE, sizeof (Pending));
  gboolean any;
  json_builder_begin_array (b);
  if (!add_rows (store, s, fields, FALSE, b, &any, pending, error))
    return NULL;
  json_builder_end_array (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  if (!fill_lists (store, root, pending, error))
    return NULL;
  return generate_node (root);
}

/* The one row of S (WHAT number ID) as a JSON object. */
static char *
object_json (PorteroStore *store, PorteroSqlStmt *s, const Field *fields, const char *what, gint64 id,
             GError **error)
{
  if (s == NULL)
    return NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  gboolean any;
  if (!add_rows (store, s, fields, TRUE, b, &any, NULL, error))
    return NULL;
  if (!any)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, "no %s %" G_GINT64_FORMAT, what, id);
      return NULL;
    }
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  return generate_node (root);
}

/* ---- pages: one listing's order, filters and cursor ---- */

typedef struct {
  const char *name;
  const char *key;   /* ordered by this, then by the id; NULL: the id alone */
  gboolean desc;
} Order;

typedef struct {
  const char *what;          /* "ticket": for "no ticket 12" */
  const char *columns;
  const char *from;          /* the listed table (alias A) and its joins */
  const char *table;         /* the listed table alone, for a cursor's key and the count */
  const char *id;            /* "t.id" */
  const Order *orders;       /* the default first */
} Listing;

#define MAX_PARAMS 12

/* The conditions of a listing and the values they bind, in order. */
typedef struct {
  GString *where;
  int n;
  const char *text[MAX_PARAMS];
  gint64 num[MAX_PARAMS];
} Query;

static void
query_init (Query *q)
{
  memset (q, 0, sizeof *q);
  q->where = g_string_new (NULL);
}

static void
query_clear (Query *q)
{
  g_string_free (q->where, TRUE);
}

/* Add CONDITION, whose ? (NTEXT of them) each bind TEXT. */
static void
where_text (Query *q, const char *condition, int ntext, const char *text)
{
  g_string_append_printf (q->where, " AND (%s)", condition);
  for (int i = 0; i < ntext; i++)
    {
      g_assert (q->n < MAX_PARAMS);
      q->text[q->n++] = text;
    }
}

static void
where_num (Query *q, const char *condition, gint64 num)
{
  g_string_append_printf (q->where, " AND (%s)", condition);
  g_assert (q->n < MAX_PARAMS);
  q->text[q->n] = NULL;
  q->num[q->n++] = num;
}

/* SQL built for one combination of filters and order: statements are
 * cached by their text's address, so each text is interned (a listing has
 * a few dozen combinations at most). */
static PorteroSqlStmt *
prepare_query (PorteroStore *store, const Query *q, const char *sql, GError **error)
{
  PorteroSqlStmt *s = portero_sql_prepare (portero_store_db (store), g_intern_string (sql), error);
  if (s == NULL)
    return NULL;
  for (int i = 0; i < q->n; i++)
    if (q->text[i] != NULL)
      portero_sql_bind_text (s, i + 1, q->text[i]);
    else
      portero_sql_bind_int64 (s, i + 1, q->num[i]);
  return s;
}

static const Order *
find_order (const Listing *l, const char *sort, GError **error)
{
  for (const Order *o = l->orders; o->name != NULL; o++)
    if (sort == NULL || strcmp (sort, o->name) == 0)
      return o;
  g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "unknown order \"%s\"", sort);
  return NULL;
}

/* Reverse the rows of the array B holds (a page read backwards). */
static char *
generate_reversed (JsonNode *root)
{
  JsonArray *rows = json_node_get_array (root);
  g_autoptr (JsonArray) back = json_array_sized_new (json_array_get_length (rows));
  for (guint i = json_array_get_length (rows); i > 0; i--)
    json_array_add_element (back, json_node_copy (json_array_get_element (rows, i - 1)));
  g_autoptr (JsonNode) node = json_node_init_array (json_node_alloc (), back);
  g_autoptr (JsonGenerator) g = json_generator_new ();
  json_generator_set_root (g, node);
  return json_generator_to_data (g, NULL);
}

/* One page of listing L: the rows Q's conditions (after BASE, which may be
 * empty) let through, as a JSON array of FIELDS. */
static char *
page_json (PorteroStore *store, const Listing *l, const char *base, Query *q, PorteroPage *page,
           const Field *fields, GError **error)
{
  PorteroPage all = { 0 };
  if (page == NULL)
    page = &all;
  const Order *o = find_order (l, page->sort, error);
  if (o == NULL)
    return NULL;
  if (page->offset > 0 && page->limit <= 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "an offset needs a limit");
      return NULL;
    }
  if (page->count)
    {
      /* The table alone: the joins add columns, never rows. */
      g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM %s WHERE %s%s", l->table, base,
                                              q->where->str);
      PorteroSqlStmt *s = prepare_query (store, q, sql, error);
      gboolean row;
      if (s == NULL || !portero_sql_step (s, &row, error))
        return NULL;
      page->total = row ? portero_sql_column_int64 (s, 0) : 0;
      portero_sql_reset (s);
    }
  gint64 cursor = page->after ? page->after : page->before;
  /* Read backwards from a BEFORE cursor, and turn the page round after. */
  gboolean backwards = page->before != 0 && page->after == 0;
  gboolean desc = o->desc != backwards;
  g_autofree char *key = NULL;
  if (cursor != 0)
    {
      g_autofree char *sql = g_strdup_printf ("SELECT %s FROM %s WHERE %s = ?", o->key ? o->key : l->id, l->table,
                                              l->id);
      PorteroSqlStmt *s = portero_sql_prepare (portero_store_db (store), g_intern_string (sql), error);
      gboolean row;
      if (s == NULL)
        return NULL;
      portero_sql_bind_int64 (s, 1, cursor);
      if (!portero_sql_step (s, &row, error))
        return NULL;
      if (!row)
        {
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, "no %s %" G_GINT64_FORMAT, l->what, cursor);
          return NULL;
        }
      key = g_strdup (portero_sql_column_text (s, 0));
      portero_sql_reset (s);
      /* Keyset: (key, id) past the cursor's. Written as a range on the
       * key and a filter, which both engines read from an index on an
       * expression too (a row value they do not). */
      if (o->key != NULL)
        {
          const char *op = desc ? "<" : ">";
          g_autofree char *cond = g_strdup_printf ("%s %s= ? AND (%s %s ? OR %s %s ?)", o->key, op, o->key, op,
                                                   l->id, op);
          where_text (q, cond, 2, key);
          q->text[q->n] = NULL;
          q->num[q->n++] = cursor;
        }
      else
        {
          g_autofree char *cond = g_strdup_printf ("%s %s ?", l->id, desc ? "<" : ">");
          where_num (q, cond, cursor);
        }
    }
  const char *dir = desc ? "DESC" : "ASC";
  g_autofree char *order = o->key ? g_strdup_printf ("%s %s, %s %s", o->key, dir, l->id, dir)
                                  : g_strdup_printf ("%s %s", l->id, dir);
  /* LIMIT and OFFSET bind the last parameters, when they apply. */
  g_assert (q->n + 2 <= MAX_PARAMS);
  if (page->limit > 0)
    {
      q->text[q->n] = NULL;
      q->num[q->n++] = page->limit;
    }
  if (page->offset > 0)
    {
      q->text[q->n] = NULL;
      q->num[q->n++] = page->offset;
    }
  g_autofree char *sql = g_strdup_printf ("SELECT %s FROM %s WHERE %s%s ORDER BY %s%s%s", l->columns, l->from, base,
                                          q->where->str, order, page->limit > 0 ? " LIMIT ?" : "",
                                          page->offset > 0 ? " OFFSET ?" : "");
  PorteroSqlStmt *s = prepare_query (store, q, sql, error);
  if (s == NULL)
    return NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (GArray) pending = g_array_new (FALSE, FALSE, sizeof (Pending));
  gboolean any;
  json_builder_begin_array (b);
  if (!add_rows (store, s, fields, FALSE, b, &any, pending, error))
    return NULL;
  json_builder_end_array (b);
  g_autoptr (JsonNode) root = json_builder_get_root (b);
  if (!fill_lists (store, root, pending, error))
    return NULL;
  return backwards ? generate_reversed (root) : generate_node (root);
}

/* LIKE's pattern for "contains TEXT", any case: a % or _ in it is itself. */
static char *
contains_pattern (const char *text)
{
  g_autofree char *down = g_utf8_strdown (text, -1);
  GString *pattern = g_string_new ("%");
  for (const char *c = down; *c; c++)
    {
      if (*c == '%' || *c == '_' || *c == '\\')
        g_string_append_c (pattern, '\\');
      g_string_append_c (pattern, *c);
    }
  g_string_append_c (pattern, '%');
  return g_string_free (pattern, FALSE);
}

/* Up to this many rows holding a text (titles, or contacts' names and
 * addresses), a page is read from the search index (each of them looked
 * up, then sorted); past it, from the listing's order, where one row in
 * FEW_CANDIDATES / 50 or more holds the text and a page comes after reading
 * 50 / that share of the rows. At a million tickets either way reads a few
 * thousand rows at most. */
#define FEW_CANDIDATES 2000

/* How many ? a dialect's query of a search index has (each binds the same
 * value). */
static int
count_params (const char *candidates)
{
  int n = 0;
  for (const char *c = candidates; *c; c++)
    n += *c == '?';
  return n;
}

/* Whether fewer than FEW_CANDIDATES rows hold the text, by CANDIDATES (the
 * dialect's query of a search index) with VALUE for each of its ?. */
static gboolean
few_candidates (PorteroStore *store, const char *candidates, const char *value, gboolean *few, GError **error)
{
  g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM (%s LIMIT %d) c", candidates, FEW_CANDIDATES);
  PorteroSqlStmt *s = portero_sql_prepare (portero_store_db (store), g_intern_string (sql), error);
  gboolean row;
  if (s == NULL)
    return FALSE;
  for (int i = count_params (candidates); i > 0; i--)
    portero_sql_bind_text (s, i, value);
  if (!portero_sql_step (s, &row, error))
    return FALSE;
  *few = row && portero_sql_column_int64 (s, 0) < FEW_CANDIDATES;
  portero_sql_reset (s);
  return TRUE;
}

/* FTS5's query for the text TEXT (lowered as LIKE's pattern is): one
 * quoted string, whose trigrams must all be there, in order (titles and
 * contacts alike). */
static char *
search_phrase (const char *text)
{
  g_autofree char *down = g_utf8_strdown (text, -1);
  GString *phrase = g_string_new ("\"");
  for (const char *c = down; *c; c++)
    {
      if (*c == '"')
        g_string_append_c (phrase, '"');
      g_string_append_c (phrase, *c);
    }
  g_string_append_c (phrase, '"');
  return g_string_free (phrase, FALSE);
}

#define DOMAINS "SELECT domain FROM domains WHERE customer_id = ? ORDER BY domain", NULL, \
  "SELECT customer_id, domain FROM domains WHERE customer_id IN (%s) ORDER BY customer_id, domain"
#define EMAILS "SELECT email FROM contact_emails WHERE contact_id = ? ORDER BY is_primary DESC, email", NULL, \
  "SELECT contact_id, email FROM contact_emails WHERE contact_id IN (%s) ORDER BY contact_id, is_primary DESC, email"

static const Field attachment_fields[] = {
  { "name", F_TEXT }, { "type", F_TEXT }, { "size", F_INT }, END,
};
#define ATTACHMENTS "SELECT name, type, size FROM attachments WHERE message_id = ? ORDER BY id"

const char *const portero_store_customer_orders[] = { "name", "newest", "id", NULL };
static const Order customer_orders[] = {
  { "name", "lower(c.name)", FALSE }, { "newest", NULL, TRUE }, { "id", NULL, FALSE }, { NULL },
};

char *
portero_store_customers_page_json (PorteroStore *store, PorteroPage *page, GError **error)
{
  static const Field fields[] = {
    { "name", F_TEXT }, { "domains", F_LIST, DOMAINS }, { "contacts", F_INT }, { "default", F_BOOL },
    { "id", F_INT }, END,
  };
  static const Listing l = {
    "customer",
    "c.name, c.id, (SELECT count(*) FROM contacts WHERE customer_id = c.id), c.is_default, c.id",
    "customers c", "customers c", "c.id", customer_orders,
  };
  Query q;
  query_init (&q);
  char *json = page_json (store, &l, "1 = 1", &q, page, fields, error);
  query_clear (&q);
  return json;
}

char *
portero_store_customers_json (PorteroStore *store, GError **error)
{
  return portero_store_customers_page_json (store, NULL, error);
}

char *
portero_store_customer_json (PorteroStore *store, gint64 id, GError **error)
{
  static const Field fields[] = {
    { "name", F_TEXT }, { "domains", F_LIST, DOMAINS }, { "contacts", F_INT },
    { "main_contacts", F_LIST,
      "SELECT e.email FROM contacts k JOIN contact_emails e ON e.contact_id = k.id AND e.is_primary = 1"
      " WHERE k.customer_id = ? AND k.main = 1 ORDER BY e.email" },
    { "tickets", F_INT }, { "open_tickets", F_INT }, { "default", F_BOOL }, { "created", F_TEXT }, END,
  };
  return object_json (store, portero_store_query (store, error,
    "SELECT c.name, c.id, (SELECT count(*) FROM contacts WHERE customer_id = c.id), c.id,"
    " (SELECT count(*) FROM tickets WHERE customer_id = c.id),"
    " (SELECT count(*) FROM tickets WHERE customer_id = c.id AND status NOT IN ('closed','resolved')),"
    " c.is_default, c.created FROM customers c WHERE c.id = ?", "i", id), fields, "customer", id, error);
}

#define CONTACT_FIELDS \
  { "email", F_TEXT }, { "emails", F_LIST, EMAILS }, { "name", F_TEXT }, { "customer", F_TEXT }, \
  { "main", F_BOOL }, { "source", F_TEXT }, { "auto_tickets", F_BOOL }, { "created", F_TEXT }, \
  { "tickets", F_INT }, { "password", F_BOOL }, { "pending_password", F_BOOL }, { "id", F_INT }
#define CONTACT_COLUMNS \
  "(SELECT email FROM contact_emails WHERE contact_id = c.id ORDER BY is_primary DESC, email LIMIT 1)," \
  " c.id, c.name, cu.name, c.main, c.source, c.auto_tickets, c.created," \
  " (SELECT count(*) FROM tickets WHERE contact_id = c.id)," \
  " CASE WHEN c.password_hash IS NULL THEN 0 ELSE 1 END, CASE WHEN c.pending_hash IS NULL THEN 0 ELSE 1 END, c.id"

const char *const portero_store_contact_orders[] = { "name", "newest", "id", NULL };
static const Order contact_orders[] = {
  { "name", "lower(c.name)", FALSE }, { "newest", NULL, TRUE }, { "id", NULL, FALSE }, { NULL },
};

/* The condition "among the contacts the contact index finds for SEARCH"
 * (*NARROW, NULL when the index is missing, the text shorter than a
 * trigram or found in many contacts), and the value each of its ? binds:
 * *PHRASE, or LIKE when the index is queried by LIKE's pattern. */
static gboolean
contact_candidates (PorteroStore *store, const char *search, const char *like, char **phrase, char **narrow,
                    GError **error)
{
  const PorteroSqlSearch *idx = &portero_sql_dialect (portero_store_db (store))->contacts;
  gboolean indexed = FALSE, few = FALSE;
  if (g_utf8_strlen (search, -1) < 3)
    return TRUE;
  if (!portero_store_contact_indexed (store, &indexed, error))
    return FALSE;
  if (!indexed)
    return TRUE;
  if (!idx->by_like)
    *phrase = search_phrase (search);
  if (!few_candidates (store, idx->candidates, idx->by_like ? like : *phrase, &few, error))
    return FALSE;
  if (few)
    *narrow = g_strdup_printf ("c.id IN (%s)", idx->candidates);
  return TRUE;
}

char *
portero_store_contacts_page_json (PorteroStore *store, const char *customer, const char *search, PorteroPage *page,
                                  GError **error)
{
  static const Field fields[] = { CONTACT_FIELDS, END };
  static const Listing l = {
    "contact", CONTACT_COLUMNS, "contacts c JOIN customers cu ON cu.id = c.customer_id", "contacts c", "c.id",
    contact_orders,
  };
  Query q;
  query_init (&q);
  if (customer != NULL)
    where_text (&q, "c.customer_id = (SELECT id FROM customers WHERE name = ?)", 1, customer);
  g_autofree char *like = search ? contains_pattern (search) : NULL;
  g_autofree char *phrase = NULL, *narrow = NULL;
  if (like != NULL)
    {
      where_text (&q, "lower(c.name) LIKE ? ESCAPE '\\'"
                  " OR EXISTS (SELECT 1 FROM contact_emails e WHERE e.contact_id = c.id AND e.email LIKE ? ESCAPE '\\')",
                  2, like);
      /* As for ticket titles: the contact index narrows the search when it
       * finds few contacts; LIKE above keeps the answer exact. */
      if (!contact_candidates (store, search, like, &phrase, &narrow, error))
        {
          query_clear (&q);
          return NULL;
        }
      if (narrow != NULL)
        where_text (&q, narrow, count_params (narrow), phrase ? phrase : like);
    }
  char *json = page_json (store, &l, "1 = 1", &q, page, fields, error);
  query_clear (&q);
  return json;
}

char *
portero_store_contacts_json (PorteroStore *store, const char *customer, GError **error)
{
  return portero_store_contacts_page_json (store, customer, NULL, NULL, error);
}

char *
portero_store_contacts_search_json (PorteroStore *store, const char *customer, const char *search, gint64 id,
                                    GError **error)
{
  static const Field fields[] = { CONTACT_FIELDS, END };
  g_autofree char *like = search ? contains_pattern (search) : NULL;
  return list_json (store, portero_store_query (store, error,
    "SELECT " CONTACT_COLUMNS
    " FROM contacts c JOIN customers cu ON cu.id = c.customer_id"
    " WHERE (?1 IS NULL OR cu.name = ?1)"
    " AND (?2 IS NULL OR lower(c.name) LIKE ?2 ESCAPE '\\'"
    "      OR EXISTS (SELECT 1 FROM contact_emails e WHERE e.contact_id = c.id AND e.email LIKE ?2 ESCAPE '\\'))"
    " AND (?3 IS NULL OR c.id = ?3) ORDER BY c.id", "ttd", customer, like, id), fields, error);
}

#define TICKET_FIELDS \
  { "id", F_INT }, { "title", F_TEXT }, { "status", F_TEXT }, { "priority", F_TEXT }, \
  { "customer", F_TEXT }, { "requester", F_TEXT }, { "source", F_TEXT }, { "messages", F_INT }, \
  { "created", F_TEXT }, { "updated", F_TEXT }
#define TICKET_COLUMNS \
  "t.id, t.title, t.status, t.priority, cu.name, t.requester, t.source," \
  " (SELECT count(*) FROM messages m WHERE m.ticket_id = t.id AND m.kind IN ('mail','reply'))," \
  " t.created, t.updated"

/* Most recent activity first: a reply moves a ticket up. */
const char *const portero_store_ticket_orders[] = { "recent", "oldest", "newest", "id", NULL };
static const Order ticket_orders[] = {
  { "recent", "t.updated", TRUE }, { "oldest", "t.updated", FALSE }, { "newest", NULL, TRUE }, { "id", NULL, FALSE },
  { NULL },
};

char *
portero_store_tickets_json (PorteroStore *store, const PorteroTicketFilter *f, GError **error)
{
  static const Field fields[] = { TICKET_FIELDS, END };
  static const Listing l = {
    "ticket", TICKET_COLUMNS, "tickets t JOIN customers cu ON cu.id = t.customer_id", "tickets t", "t.id",
    ticket_orders,
  };
  static const PorteroTicketFilter none = { 0 };
  if (f == NULL)
    f = &none;
  PorteroPage limited = { .limit = f->limit };
  Query q;
  query_init (&q);
  /* Each filter is a condition of its own (not "? IS NULL OR ..."), so
   * that the engine picks the index that serves it. */
  if (f->status != NULL)
    where_text (&q, "t.status = ?", 1, f->status);
  if (f->customer != NULL)
    where_text (&q, "t.customer_id = (SELECT id FROM customers WHERE name = ?)", 1, f->customer);
  if (f->contact != NULL)
    where_text (&q, "t.requester = ? OR t.contact_id = (SELECT contact_id FROM contact_emails WHERE email = ?)", 2,
                f->contact);
  if (f->since != NULL)
    where_text (&q, "t.updated >= ?", 1, f->since);
  g_autofree char *like = f->search ? contains_pattern (f->search) : NULL;
  g_autofree char *phrase = NULL;
  if (like != NULL)
    {
      where_text (&q, "lower(t.title) LIKE ? ESCAPE '\\'", 1, like);
      /* The title index finds the candidates when few titles hold the
       * text (a trigram needs 3 characters; shorter text reads the titles
       * in the order, as does text many titles hold); LIKE above keeps the
       * answer what it always was. */
      const char *candidates = portero_sql_dialect (portero_store_db (store))->titles.candidates;
      gboolean few = FALSE;
      if (candidates != NULL && g_utf8_strlen (f->search, -1) >= 3)
        {
          phrase = search_phrase (f->search);
          if (!few_candidates (store, candidates, phrase, &few, error))
            {
              query_clear (&q);
              return NULL;
            }
        }
      g_autofree char *narrow = few ? g_strdup_printf ("t.id IN (%s)", candidates) : NULL;
      if (few)
        where_text (&q, narrow, 1, phrase);
    }
  char *json = page_json (store, &l, "1 = 1", &q, f->page ? f->page : &limited, fields, error);
  query_clear (&q);
  return json;
}

char *
portero_store_ticket_json (PorteroStore *store, gint64 id, GError **error)
{
  static const Field thread_fields[] = {
    { "id", F_INT }, { "kind", F_TEXT }, { "from", F_TEXT }, { "name", F_TEXT }, { "date", F_TEXT },
    { "subject", F_TEXT }, { "body", F_TEXT }, { "attachments", F_ROWS, ATTACHMENTS, attachment_fields },
    { "auto", F_BOOL }, { "spam", F_BOOL }, { "id_reused", F_BOOL }, END,
  };
  static const Field fields[] = {
    TICKET_FIELDS,
    { "thread", F_ROWS,
      "SELECT id, kind, from_addr, from_name, date, subject, body, id, auto, spam, id_reused"
      " FROM messages WHERE ticket_id = ? ORDER BY id", thread_fields },
    END,
  };
  return object_json (store, portero_store_query (store, error,
    "SELECT " TICKET_COLUMNS ", t.id FROM tickets t JOIN customers cu ON cu.id = t.customer_id WHERE t.id = ?",
    "i", id), fields, "ticket", id, error);
}

/* By arrival, the newest first. */
const char *const portero_store_message_orders[] = { "newest", "id", NULL };
static const Order message_orders[] = { { "newest", NULL, TRUE }, { "id", NULL, FALSE }, { NULL } };

char *
portero_store_unfiled_json (PorteroStore *store, GError **error)
{
  return portero_store_messages_page_json (store, TRUE, NULL, error);
}

char *
portero_store_domains_json (PorteroStore *store, gint64 customer, GError **error)
{
  static const Field fields[] = { { "domain", F_TEXT }, { "customer", F_TEXT }, END };
  return list_json (store, portero_store_query (store, error,
    "SELECT d.domain, c.name FROM domains d JOIN customers c ON c.id = d.customer_id"
    " WHERE ?1 IS NULL OR d.customer_id = ?1 ORDER BY d.domain", "d", customer), fields, error);
}

char *
portero_store_message_json (PorteroStore *store, gint64 id, GError **error)
{
  static const Field fields[] = {
    { "id", F_INT }, { "kind", F_TEXT }, { "ticket", F_INT }, { "from", F_TEXT }, { "name", F_TEXT },
    { "date", F_TEXT }, { "subject", F_TEXT }, { "body", F_TEXT }, { "message_id", F_TEXT },
    { "envelope_sender", F_TEXT }, { "envelope_recipient", F_TEXT }, { "original_recipient", F_TEXT },
    { "queue_id", F_TEXT }, { "received", F_TEXT },
    { "recipients", F_LIST, "SELECT recipient FROM message_recipients WHERE message_id = ? ORDER BY received, @ROWID@" },
    { "reason", F_TEXT }, { "size", F_INT }, { "attachments", F_ROWS, ATTACHMENTS, attachment_fields },
    { "auto", F_BOOL }, { "spam", F_BOOL }, { "id_reused", F_BOOL }, END,
  };
  return object_json (store, portero_store_query (store, error,
    "SELECT id, kind, ticket_id, from_addr, from_name, date, subject, body, message_id, envelope_sender,"
    " envelope_recipient, original_recipient, queue_id, received, id, unfiled_reason, raw_size, id,"
    " auto, spam, id_reused FROM messages WHERE id = ?", "i", id), fields, "message", id, error);
}

char *
portero_store_outbox_json (PorteroStore *store, GError **error)
{
  static const Field fields[] = {
    { "id", F_INT }, { "to", F_TEXT }, { "subject", F_TEXT }, { "status", F_TEXT }, { "held", F_TEXT },
    { "attempts", F_INT }, { "kind", F_TEXT }, { "ticket", F_INT }, { "created", F_TEXT },
    { "next_attempt", F_TEXT }, { "last_error", F_TEXT }, END,
  };
  return list_json (store, portero_store_query (store, error,
    "SELECT id, recipient, subject, CASE WHEN held IS NULL THEN status ELSE 'held' END, held, attempts, kind,"
    " ticket_id, created, next_attempt, last_error FROM outbox ORDER BY id", ""), fields, error);
}

char *
portero_store_messages_page_json (PorteroStore *store, gboolean unfiled, PorteroPage *page, GError **error)
{
  /* Inbound rows are those with a content hash: notes and copies of sent
   * mail that portero wrote itself have none. */
  static const Field fields[] = {
    { "id", F_INT }, { "kind", F_TEXT }, { "ticket", F_INT }, { "from", F_TEXT }, { "date", F_TEXT },
    { "subject", F_TEXT }, { "reason", F_TEXT }, { "auto", F_BOOL }, { "spam", F_BOOL }, { "size", F_INT }, END,
  };
  static const Field unfiled_fields[] = {
    { "id", F_INT }, { "from", F_TEXT }, { "date", F_TEXT }, { "subject", F_TEXT }, { "reason", F_TEXT }, END,
  };
  static const Listing inbound = {
    "message", "id, kind, ticket_id, from_addr, date, subject, unfiled_reason, auto, spam, raw_size",
    "messages", "messages", "id", message_orders,
  };
  static const Listing unfiled_listing = {
    "message", "id, from_addr, date, subject, unfiled_reason", "messages", "messages", "id", message_orders,
  };
  Query q;
  query_init (&q);
  char *json = unfiled ? page_json (store, &unfiled_listing, "ticket_id IS NULL", &q, page, unfiled_fields, error)
                       : page_json (store, &inbound, "content_hash <> ''", &q, page, fields, error);
  query_clear (&q);
  return json;
}

char *
portero_store_messages_json (PorteroStore *store, GError **error)
{
  return portero_store_messages_page_json (store, FALSE, NULL, error);
}

char *
portero_store_kb_json (PorteroStore *store, const PorteroKbAudience *audience, const char *name, GError **error)
{
  /* One statement for a listing (?4 NULL) and for one article's versions. */
  static const Field fields[] = {
    { "name", F_TEXT }, { "lang", F_TEXT }, { "title", F_TEXT }, { "keywords", F_TEXT },
    { "visibility", F_TEXT }, { "customer", F_TEXT }, { "file", F_TEXT }, { "text", F_TEXT }, { "html", F_TEXT }, END,
  };
  return list_json (store, portero_store_query (store, error,
    "SELECT a.name, a.lang, a.title, a.keywords, a.visibility, a.customer, a.file, a.text, a.html"
    " FROM kb_articles a WHERE (?4 IS NULL OR a.name = ?4) AND " PORTERO_STORE_KB_VISIBLE ("a", "?1", "?2", "?3")
    " ORDER BY a.name, a.lang", "nntt", (int) audience->all, (int) audience->customers, audience->customer, name),
    fields, error);
}
