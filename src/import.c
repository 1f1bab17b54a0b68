/* import - the contact import file formats: CSV and Azure AD / Entra ID exports */
#include "import.h"
#include "address.h"
#include "error.h"
#include "i18n.h"
#include <json-glib/json-glib.h>
#include <string.h>

/* ---- CSV ---- */

static const char *
skip_bom (const char *data, gsize *len)
{
  if (*len >= 3 && memcmp (data, "\xEF\xBB\xBF", 3) == 0)
    {
      *len -= 3;
      return data + 3;
    }
  return data;
}

/* Which of , ; TAB the first line holds most of outside quotes. */
static char
sniff_delimiter (const char *p, const char *end)
{
  int comma = 0, semicolon = 0, tab = 0;
  gboolean quoted = FALSE;
  for (; p < end; p++)
    {
      if (*p == '"')
        quoted = !quoted;
      else if (quoted)
        continue;
      else if (*p == '\n' || *p == '\r')
        break;
      else if (*p == ',')
        comma++;
      else if (*p == ';')
        semicolon++;
      else if (*p == '\t')
        tab++;
    }
  if (semicolon > comma && semicolon >= tab)
    return ';';
  if (tab > comma && tab > semicolon)
    return '\t';
  return ',';
}

void
portero_csv_init (PorteroCsv *csv, const char *data, gsize len)
{
  data = skip_bom (data, &len);
  csv->p = data;
  csv->end = data + len;
  csv->line = 1;
  /* Excel's hint line: "sep=;" */
  if (len >= 5 && g_ascii_strncasecmp (data, "sep=", 4) == 0
      && (len == 5 || data[5] == '\n' || data[5] == '\r'))
    {
      csv->delimiter = data[4];
      csv->p = data + 5;
      if (csv->p < csv->end && *csv->p == '\r')
        csv->p++;
      if (csv->p < csv->end && *csv->p == '\n')
        csv->p++;
      csv->line = 2;
      return;
    }
  csv->delimiter = sniff_delimiter (csv->p, csv->end);
}

/* At a line end: step over it (CRLF, LF or CR) and count it. */
static void
take_newline (PorteroCsv *csv)
{
  if (*csv->p == '\r' && csv->p + 1 < csv->end && csv->p[1] == '\n')
    csv->p++;
  csv->p++;
  csv->line++;
}

PorteroCsvResult
portero_csv_next (PorteroCsv *csv, GPtrArray *fields, guint *line, GError **error)
{
  g_ptr_array_set_size (fields, 0);
  if (csv->p >= csv->end)
    return PORTERO_CSV_END;
  *line = csv->line;
  GString *field = g_string_new (NULL);
  for (;;)
    {
      if (csv->p < csv->end && *csv->p == '"')
        {
          guint opened = csv->line;
          csv->p++;
          for (;;)
            {
              if (csv->p >= csv->end)
                {
                  g_string_free (field, TRUE);
                  g_ptr_array_set_size (fields, 0);
                  g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                               _("a quoted field opened on line %u is never closed"), opened);
                  return PORTERO_CSV_ERROR;
                }
              char c = *csv->p;
              if (c == '"')
                {
                  if (csv->p + 1 < csv->end && csv->p[1] == '"')
                    {
                      g_string_append_c (field, '"');
                      csv->p += 2;
                      continue;
                    }
                  csv->p++;
                  break;
                }
              if (c == '\r' || c == '\n')
                {
                  take_newline (csv);
                  g_string_append_c (field, '\n');
                  continue;
                }
              g_string_append_c (field, c);
              csv->p++;
            }
        }
      /* Unquoted text, or what follows a closing quote: up to the delimiter. */
      while (csv->p < csv->end && *csv->p != csv->delimiter && *csv->p != '\r' && *csv->p != '\n')
        g_string_append_c (field, *csv->p++);
      g_ptr_array_add (fields, g_string_free (field, FALSE));
      if (csv->p < csv->end && *csv->p == csv->delimiter)
        {
          csv->p++;
          field = g_string_new (NULL);
          continue;
        }
      if (csv->p < csv->end)
        take_newline (csv);
      return PORTERO_CSV_RECORD;
    }
}

/* ---- formats ---- */

/* A header as a key: case folded, accents, spaces and - _ . dropped. */
static char *
header_key (const char *header)
{
  /* glib's UTF-8 functions step over the end of text that is not UTF-8. */
  g_autofree char *valid = g_utf8_make_valid (header, -1);
  g_autofree char *folded = g_utf8_casefold (valid, -1);
  g_autofree char *nfd = g_utf8_normalize (folded, -1, G_NORMALIZE_NFD);
  GString *key = g_string_new (NULL);
  for (const char *p = nfd ? nfd : ""; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_ismark (c) || g_unichar_isspace (c) || c == '-' || c == '_' || c == '.')
        continue;
      g_string_append_unichar (key, c);
    }
  return g_string_free (key, FALSE);
}

/* The first of KEYS (in order of preference) among HEADERS, or -1. */
static int
find_column (GPtrArray *headers, const char *const *keys)
{
  for (; *keys; keys++)
    for (guint i = 0; i < headers->len; i++)
      if (strcmp (g_ptr_array_index (headers, i), *keys) == 0)
        return (int) i;
  return -1;
}

static gboolean
is_blank (const char *s)
{
  for (; *s; s++)
    if (!g_ascii_isspace (*s))
      return FALSE;
  return TRUE;
}

/* The first non-blank record: the header's keys, or NULL. */
static GPtrArray *
read_header (PorteroCsv *csv, GError **error)
{
  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  guint line = 0;
  for (;;)
    {
      PorteroCsvResult r = portero_csv_next (csv, fields, &line, error);
      if (r == PORTERO_CSV_ERROR)
        return NULL;
      if (r == PORTERO_CSV_END)
        {
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("the file is empty: no header row"));
          return NULL;
        }
      gboolean blank = TRUE;
      for (guint i = 0; i < fields->len && blank; i++)
        blank = is_blank (g_ptr_array_index (fields, i));
      if (!blank)
        break;
    }
  GPtrArray *keys = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < fields->len; i++)
    g_ptr_array_add (keys, header_key (g_ptr_array_index (fields, i)));
  return keys;
}

static const char *
first_non_space (const char *data, gsize len)
{
  data = skip_bom (data, &len);
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isspace (data[i]))
      return data + i;
  return NULL;
}

static const char *const upn_keys[] = { "userprincipalname", NULL };

PorteroImportFormat
portero_import_detect (const char *data, gsize len)
{
  const char *first = first_non_space (data, len);
  if (first != NULL && (*first == '{' || *first == '['))
    return PORTERO_IMPORT_AZURE_JSON;
  PorteroCsv csv;
  portero_csv_init (&csv, data, len);
  g_autoptr (GPtrArray) header = read_header (&csv, NULL);
  if (header != NULL && find_column (header, upn_keys) >= 0)
    return PORTERO_IMPORT_AZURE_CSV;
  return PORTERO_IMPORT_CSV;
}

gboolean
portero_import_format_parse (const char *name, PorteroImportFormat *format)
{
  if (name == NULL)
    *format = PORTERO_IMPORT_AUTO;
  else if (g_ascii_strcasecmp (name, "csv") == 0)
    *format = PORTERO_IMPORT_CSV;
  else if (g_ascii_strcasecmp (name, "azure-ad") == 0 || g_ascii_strcasecmp (name, "azure") == 0
           || g_ascii_strcasecmp (name, "entra") == 0 || g_ascii_strcasecmp (name, "entra-id") == 0)
    *format = PORTERO_IMPORT_AZURE_CSV;   /* JSON or CSV: told apart by the content */
  else
    return FALSE;
  return TRUE;
}

const char *
portero_import_source (PorteroImportFormat format)
{
  return format == PORTERO_IMPORT_CSV ? "csv" : "azure-ad";
}

/* ---- rows ---- */

void
portero_import_row_free (PorteroImportRow *row)
{
  if (row == NULL)
    return;
  g_free (row->email);
  g_ptr_array_unref (row->others);
  g_free (row->name);
  g_free (row->customer);
  g_free (row->invalid);
  g_free (row->skip);
  g_free (row);
}

void
portero_import_free (PorteroImport *import)
{
  if (import == NULL)
    return;
  g_ptr_array_unref (import->rows);
  g_free (import->warning);
  g_free (import);
}

/* yes/no in English and Spanish (and Spanish Excel's VERDADERO/FALSO):
 * 1, 0, or -1 when VALUE is none of them. */
static int
parse_yes_no (const char *value)
{
  static const char *const yes[] = { "yes", "y", "true", "1", "sí", "si", "s", "verdadero", NULL };
  static const char *const no[] = { "no", "n", "false", "0", "falso", NULL };
  g_autofree char *v = g_utf8_casefold (value, -1);
  g_strstrip (v);
  if (g_strv_contains (yes, v))
    return 1;
  if (g_strv_contains (no, v))
    return 0;
  return -1;
}

/* Trimmed, control characters (a line break in a quoted name) as spaces. */
static char *
clean_text (const char *s)
{
  char *out = g_strdup (s ? s : "");
  for (char *p = out; *p; p++)
    if ((guchar) *p < ' ' || *p == 0x7f)
      *p = ' ';
  return g_strstrip (out);
}

static gboolean
given (const char *s)
{
  return s != NULL && !is_blank (s);
}

/* What one user or record says, as text (NULL: absent). */
typedef struct {
  const char *mail;
  const char *upn;
  const char *name;
  const char *first;
  const char *last;
  const char *customer;
  const char *main;
  const char *enabled;
  const char *user_type;
  const char *const *proxies;   /* Graph proxyAddresses, "SMTP:a@b" */
} Fields;

static void
add_other (PorteroImportRow *row, const char *address)
{
  g_autofree char *norm = portero_address_normalise (address);
  if (norm == NULL || g_strcmp0 (norm, row->email) == 0 || strstr (norm, "#ext#") != NULL)
    return;
  for (guint i = 0; i < row->others->len; i++)
    if (strcmp (g_ptr_array_index (row->others, i), norm) == 0)
      return;
  g_ptr_array_add (row->others, g_steal_pointer (&norm));
}

static PorteroImportRow *
make_row (guint line, gboolean azure, const Fields *f)
{
  PorteroImportRow *row = g_new0 (PorteroImportRow, 1);
  row->line = line;
  row->main = -1;
  row->others = g_ptr_array_new_with_free_func (g_free);
  row->name = clean_text (f->name);
  if (*row->name == '\0' && (given (f->first) || given (f->last)))
    {
      g_autofree char *first = clean_text (f->first), *last = clean_text (f->last);
      g_free (row->name);
      row->name = g_strstrip (g_strjoin (" ", first, last, NULL));
    }
  if (given (f->customer))
    row->customer = clean_text (f->customer);

  if (azure)
    {
      /* A disabled account (a leaver, a shared or room mailbox) and a guest
       * (someone of another organisation) are no contacts of this one. */
      if (given (f->enabled) && parse_yes_no (f->enabled) == 0)
        {
          row->skip = g_strdup (_("account disabled"));
          return row;
        }
      g_autofree char *user_type = clean_text (f->user_type);
      if (g_ascii_strcasecmp (user_type, "guest") == 0)
        {
          row->skip = g_strdup (_("guest account"));
          return row;
        }
    }
  const char *address = f->mail;
  if (azure && !given (address))
    address = f->upn;
  if (!given (address))
    {
      row->invalid = g_strdup (azure ? _("no mail and no userPrincipalName") : _("no e-mail address"));
      return row;
    }
  row->email = portero_address_normalise (address);
  if (row->email == NULL)
    {
      g_autofree char *shown = clean_text (address);
      row->invalid = g_strdup_printf (_("\"%s\" is not an e-mail address"), shown);
      return row;
    }
  if (azure)
    {
      if (given (f->upn))
        add_other (row, f->upn);
      for (const char *const *p = f->proxies; p && *p; p++)
        if (g_ascii_strncasecmp (*p, "smtp:", 5) == 0)
          add_other (row, *p + 5);
    }
  if (given (f->main))
    {
      row->main = parse_yes_no (f->main);
      if (row->main < 0)
        {
          g_autofree char *shown = clean_text (f->main);
          row->invalid = g_strdup_printf (_("%s: main is \"%s\", not yes or no"), row->email, shown);
          g_clear_pointer (&row->email, g_free);
        }
    }
  return row;
}

/* ---- CSV files ---- */

static const char *const email_keys[] = {
  "email", "mail", "correo", "correoelectronico", "emailaddress", "direcciondecorreo",
  "direcciondecorreoelectronico", NULL,
};
static const char *const mail_keys[] = { "mail", "email", NULL };
static const char *const name_keys[] = {
  "name", "displayname", "fullname", "nombrecompleto", "nombreyapellidos", NULL,
};
static const char *const nombre_keys[] = { "nombre", NULL };
static const char *const first_keys[] = { "firstname", "givenname", NULL };
static const char *const last_keys[] = { "lastname", "surname", "apellidos", "apellido", NULL };
static const char *const customer_keys[] = { "customer", "cliente", "site", "sitio", NULL };
static const char *const main_keys[] = {
  "main", "principal", "maincontact", "mainuser", "contactoprincipal", "usuarioprincipal", NULL,
};
static const char *const enabled_keys[] = { "accountenabled", NULL };
static const char *const user_type_keys[] = { "usertype", NULL };

static const char *
field_at (GPtrArray *fields, int column)
{
  return column >= 0 && (guint) column < fields->len ? g_ptr_array_index (fields, column) : NULL;
}

static gboolean
parse_csv (PorteroImport *import, const char *data, gsize len, GError **error)
{
  gboolean azure = import->format == PORTERO_IMPORT_AZURE_CSV;
  PorteroCsv csv;
  portero_csv_init (&csv, data, len);
  g_autoptr (GPtrArray) header = read_header (&csv, error);
  if (header == NULL)
    return FALSE;

  int c_mail = find_column (header, azure ? mail_keys : email_keys);
  int c_upn = azure ? find_column (header, upn_keys) : -1;
  int c_name = find_column (header, name_keys);
  int c_first = find_column (header, first_keys);
  int c_last = find_column (header, last_keys);
  /* "nombre" is the whole name, unless "apellidos" stands beside it. */
  int c_nombre = find_column (header, nombre_keys);
  if (c_nombre >= 0 && c_last >= 0 && c_first < 0)
    c_first = c_nombre;
  else if (c_nombre >= 0 && c_name < 0)
    c_name = c_nombre;
  int c_customer = find_column (header, customer_keys);
  int c_main = find_column (header, main_keys);
  int c_enabled = azure ? find_column (header, enabled_keys) : -1;
  int c_user_type = azure ? find_column (header, user_type_keys) : -1;
  if (c_mail < 0 && c_upn < 0)
    {
      if (azure)
        g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                     _("the header has neither a mail nor a userPrincipalName column"));
      else
        g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                     _("the header has no email column (the columns are name, email, customer, main)"));
      return FALSE;
    }

  g_autoptr (GPtrArray) fields = g_ptr_array_new_with_free_func (g_free);
  guint line = 0;
  PorteroCsvResult r;
  while ((r = portero_csv_next (&csv, fields, &line, error)) == PORTERO_CSV_RECORD)
    {
      gboolean blank = TRUE;
      for (guint i = 0; i < fields->len && blank; i++)
        blank = is_blank (g_ptr_array_index (fields, i));
      if (blank)
        continue;   /* empty lines and Excel's ",,,," */
      gboolean extra = FALSE;
      for (guint i = header->len; i < fields->len && !extra; i++)
        extra = !is_blank (g_ptr_array_index (fields, i));
      if (extra)
        {
          PorteroImportRow *row = g_new0 (PorteroImportRow, 1);
          row->line = line;
          row->main = -1;
          row->others = g_ptr_array_new_with_free_func (g_free);
          row->name = g_strdup ("");
          row->invalid = g_strdup_printf (_("%u fields where the header has %u (a field with a comma needs quotes)"),
                                          fields->len, header->len);
          g_ptr_array_add (import->rows, row);
          continue;
        }
      Fields f = {
        .mail = field_at (fields, c_mail),
        .upn = field_at (fields, c_upn),
        .name = field_at (fields, c_name),
        .first = field_at (fields, c_first),
        .last = field_at (fields, c_last),
        .customer = field_at (fields, c_customer),
        .main = field_at (fields, c_main),
        .enabled = field_at (fields, c_enabled),
        .user_type = field_at (fields, c_user_type),
      };
      g_ptr_array_add (import->rows, make_row (line, azure, &f));
    }
  return r == PORTERO_CSV_END;
}

/* ---- Graph JSON ---- */

static const char *
member_string (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  if (n == NULL || JSON_NODE_TYPE (n) != JSON_NODE_VALUE || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

static gboolean
parse_json (PorteroImport *import, const char *data, gsize len, GError **error)
{
  data = skip_bom (data, &len);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  if (!json_parser_load_from_data (parser, data, (gssize) len, &local))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("not JSON: %s"), local->message);
      return FALSE;
    }
  JsonNode *root = json_parser_get_root (parser);
  JsonArray *users = NULL;
  if (root != NULL && JSON_NODE_HOLDS_ARRAY (root))
    users = json_node_get_array (root);
  else if (root != NULL && JSON_NODE_HOLDS_OBJECT (root))
    {
      JsonObject *o = json_node_get_object (root);
      JsonNode *value = json_object_get_member (o, "value");
      if (value != NULL && JSON_NODE_HOLDS_ARRAY (value))
        users = json_node_get_array (value);
      if (json_object_has_member (o, "@odata.nextLink"))
        import->warning = g_strdup (_("this is one page of the Graph results (it has @odata.nextLink): "
                                      "the users of the next pages are not in it"));
    }
  if (users == NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                   _("JSON without users: expected Microsoft Graph's {\"value\": [...]} or an array"));
      return FALSE;
    }
  for (guint i = 0; i < json_array_get_length (users); i++)
    {
      JsonNode *n = json_array_get_element (users, i);
      if (!JSON_NODE_HOLDS_OBJECT (n))
        {
          Fields none = { 0 };
          PorteroImportRow *row = make_row (i, TRUE, &none);
          g_free (row->invalid);
          row->invalid = g_strdup (_("not a user object"));
          g_ptr_array_add (import->rows, row);
          continue;
        }
      JsonObject *o = json_node_get_object (n);
      const char *enabled = NULL;
      JsonNode *e = json_object_get_member (o, "accountEnabled");
      if (e != NULL && JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_BOOLEAN)
        enabled = json_node_get_boolean (e) ? "true" : "false";
      else
        enabled = member_string (o, "accountEnabled");
      g_autoptr (GPtrArray) proxies = g_ptr_array_new ();
      JsonNode *pa = json_object_get_member (o, "proxyAddresses");
      if (pa != NULL && JSON_NODE_HOLDS_ARRAY (pa))
        {
          JsonArray *a = json_node_get_array (pa);
          for (guint k = 0; k < json_array_get_length (a); k++)
            {
              JsonNode *s = json_array_get_element (a, k);
              if (JSON_NODE_HOLDS_VALUE (s) && json_node_get_value_type (s) == G_TYPE_STRING)
                g_ptr_array_add (proxies, (gpointer) json_node_get_string (s));
            }
        }
      g_ptr_array_add (proxies, NULL);
      Fields f = {
        .mail = member_string (o, "mail"),
        .upn = member_string (o, "userPrincipalName"),
        .name = member_string (o, "displayName"),
        .first = member_string (o, "givenName"),
        .last = member_string (o, "surname"),
        .enabled = enabled,
        .user_type = member_string (o, "userType"),
        .proxies = (const char *const *) proxies->pdata,
      };
      g_ptr_array_add (import->rows, make_row (i, TRUE, &f));
    }
  return TRUE;
}

PorteroImport *
portero_import_parse (const char *data, gsize len, PorteroImportFormat format, GError **error)
{
  if (len >= 2 && (((guchar) data[0] == 0xFF && (guchar) data[1] == 0xFE)
                   || ((guchar) data[0] == 0xFE && (guchar) data[1] == 0xFF)))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("UTF-16 text: save it as CSV UTF-8"));
      return NULL;
    }
  if (memchr (data, '\0', len) != NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                   _("not a text file (it holds NUL bytes; save it as CSV UTF-8)"));
      return NULL;
    }
  if (first_non_space (data, len) == NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("the file is empty"));
      return NULL;
    }

  g_autoptr (PorteroImport) import = g_new0 (PorteroImport, 1);
  import->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) portero_import_row_free);
  const char *first = first_non_space (data, len);
  gboolean json = (*first == '{' || *first == '[') && format != PORTERO_IMPORT_CSV;

  /* Excel's plain "CSV" is written in the Windows code page: converted
   * before anything reads it as text, the detection of the format too. */
  g_autofree char *converted = NULL;
  if (!json && format != PORTERO_IMPORT_AZURE_JSON && !g_utf8_validate_len (data, len, NULL))
    {
      gsize out = 0;
      converted = g_convert (data, (gssize) len, "UTF-8", "WINDOWS-1252", NULL, &out, NULL);
      if (converted == NULL)
        {
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                       _("not UTF-8 text (save it as CSV UTF-8)"));
          return NULL;
        }
      data = converted;
      len = out;
      import->warning = g_strdup (_("not UTF-8: read as Windows-1252 (save it as \"CSV UTF-8\" to be sure)"));
    }
  if (json)
    format = PORTERO_IMPORT_AZURE_JSON;
  else if (format == PORTERO_IMPORT_AUTO)
    format = portero_import_detect (data, len);
  import->format = format;
  if (format == PORTERO_IMPORT_AZURE_JSON)
    return parse_json (import, data, len, error) ? g_steal_pointer (&import) : NULL;
  return parse_csv (import, data, len, error) ? g_steal_pointer (&import) : NULL;
}
