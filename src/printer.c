/* printer - JSON for scripts, tables for people */
#include "printer.h"
#include "i18n.h"
#include <stdio.h>
#include <string.h>

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

/* A cell on one line: control characters from mail never reach the terminal. */
static char *
cell (JsonObject *object, const char *field)
{
  g_autofree char *text = portero_print_value (object, field);
  for (char *p = text; *p; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
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
      else
        fputc (*p, stdout);
    }
  fputc ('\n', stdout);
}
