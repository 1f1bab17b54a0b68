/* printer - JSON for scripts, tables for people */
#include "printer.h"
#include "i18n.h"
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void
portero_print_json (JsonNode *node)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_pretty (gen, TRUE);
  json_generator_set_root (gen, node);
  g_autofree char *text = json_generator_to_data (gen, NULL);
  fputs (text, stdout);
  fputc ('\n', stdout);
}

static char *
node_text (JsonNode *node)
{
  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return g_strdup ("");
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *a = json_node_get_array (node);
      GString *s = g_string_new (NULL);
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          g_autofree char *item = node_text (json_array_get_element (a, i));
          if (i > 0)
            g_string_append (s, ", ");
          g_string_append (s, item);
        }
      return g_string_free (s, FALSE);
    }
  if (JSON_NODE_HOLDS_OBJECT (node))
    return g_strdup ("{…}");
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? _("yes") : _("no"));
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      return g_strdup_printf ("%g", json_node_get_double (node));
    default:
      return g_strdup (json_node_get_string (node));
    }
}

char *
portero_print_value (JsonObject *object, const char *field)
{
  return node_text (json_object_get_member (object, field));
}

/* U+0080..U+009F, in UTF-8 C2 80..C2 9F: the C1 controls, CSI and OSC among
 * them, which terminals obey like ESC [ and ESC ]. */
static gboolean
is_c1 (const char *p)
{
  return (guchar) p[0] == 0xc2 && (guchar) p[1] >= 0x80 && (guchar) p[1] <= 0x9f;
}

/* A cell on one line: control characters from mail never reach the terminal. */
static char *
cell (JsonObject *object, const char *field)
{
  g_autofree char *text = portero_print_value (object, field);
  for (char *p = text; *p; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
    else if (is_c1 (p))
      {
        /* Two bytes become two spaces: the string keeps its length. */
        p[0] = p[1] = ' ';
        p++;
      }
  return g_steal_pointer (&text);
}

static void
pad (const char *text, glong width, gboolean last)
{
  fputs (text, stdout);
  if (!last)
    for (glong n = g_utf8_strlen (text, -1); n < width + 2; n++)
      fputc (' ', stdout);
}

void
portero_print_table (JsonArray *rows, const PorteroColumn *columns)
{
  guint ncol = 0;
  while (columns[ncol].header != NULL)
    ncol++;
  guint nrow = json_array_get_length (rows);
  g_autofree glong *width = g_new0 (glong, ncol);
  g_autoptr (GPtrArray) cells = g_ptr_array_new_with_free_func (g_free);
  for (guint c = 0; c < ncol; c++)
    width[c] = g_utf8_strlen (columns[c].header, -1);
  for (guint r = 0; r < nrow; r++)
    for (guint c = 0; c < ncol; c++)
      {
        char *text = cell (json_array_get_object_element (rows, r), columns[c].field);
        width[c] = MAX (width[c], g_utf8_strlen (text, -1));
        g_ptr_array_add (cells, text);
      }
  for (guint c = 0; c < ncol; c++)
    pad (columns[c].header, width[c], c + 1 == ncol);
  fputc ('\n', stdout);
  for (guint r = 0; r < nrow; r++)
    {
      for (guint c = 0; c < ncol; c++)
        pad (g_ptr_array_index (cells, r * ncol + c), width[c], c + 1 == ncol);
      fputc ('\n', stdout);
    }
}

void
portero_print_fields (JsonObject *object, const PorteroColumn *columns)
{
  glong width = 0;
  for (const PorteroColumn *c = columns; c->header; c++)
    width = MAX (width, g_utf8_strlen (c->header, -1));
  for (const PorteroColumn *c = columns; c->header; c++)
    {
      g_autofree char *text = cell (object, c->field);
      g_autofree char *label = g_strconcat (c->header, ":", NULL);
      pad (label, width, FALSE);
      fputs (text, stdout);
      fputc ('\n', stdout);
    }
}

void
portero_print_text (const char *text)
{
  for (const char *p = text ? text : ""; *p; p++)
    {
      if (((guchar) *p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
        fputs ("\xef\xbf\xbd", stdout);
      else if (is_c1 (p))
        {
          fputs ("\xef\xbf\xbd", stdout);
          p++;
        }
      else
        fputc (*p, stdout);
    }
  fputc ('\n', stdout);
}

gboolean
portero_print_bytes (const char *data, gsize len)
{
  if (!isatty (STDOUT_FILENO))
    return fwrite (data, 1, len, stdout) == len && fflush (stdout) == 0;
  /* On a terminal the bytes of a message are shown, not obeyed: C0 and C1
   * controls (but line ends and tabs), DEL and bytes that are not UTF-8
   * appear as \xNN, so that no escape sequence reaches the terminal. */
  g_autoptr (GString) out = g_string_sized_new (len + 64);
  for (gsize i = 0; i < len;)
    {
      guchar c = data[i];
      if (c == '\n' || c == '\t' || (c == '\r' && i + 1 < len && data[i + 1] == '\n')
          || (c >= 0x20 && c < 0x7f))
        {
          g_string_append_c (out, c);
          i++;
          continue;
        }
      if (c >= 0x80)
        {
          gunichar u = g_utf8_get_char_validated (data + i, len - i);
          if (u != (gunichar) -1 && u != (gunichar) -2 && !(u >= 0x80 && u <= 0x9f))
            {
              const char *next = g_utf8_next_char (data + i);
              g_string_append_len (out, data + i, next - (data + i));
              i = next - data;
              continue;
            }
        }
      g_string_append_printf (out, "\\x%02x", c);
      i++;
    }
  return fwrite (out->str, 1, out->len, stdout) == out->len && fflush (stdout) == 0;
}
