/* html - readable text from an HTML body
 *
 * gmime turns text into HTML but not back; libxml2's HTML parser recovers
 * from the broken markup that mail clients send. */
#include "html.h"
#include "library.h"
#include <libxml/HTMLparser.h>
#include <string.h>

/* libxml2 brings ICU and libstdc++: loading them costs portero-deliver more
 * than the rest of a delivery, and only HTML-only mail needs them. So the
 * library is opened on first use, not linked. The prototypes come from its
 * headers; LIBXML2_SONAME from configure. */
static struct
{
  __typeof__ (htmlReadMemory) *read_memory;
  __typeof__ (xmlDocGetRootElement) *root;
  __typeof__ (xmlFreeDoc) *free_doc;
} xml;

static gboolean
load_libxml2 (GError **error)
{
  static GModule *module;
  static const char *const names[] = { "htmlReadMemory", "xmlDocGetRootElement", "xmlFreeDoc" };
  gpointer *const slots[] = { (gpointer *) &xml.read_memory, (gpointer *) &xml.root, (gpointer *) &xml.free_doc };
  return module != NULL || portero_library_open (LIBXML2_SONAME, names, slots, G_N_ELEMENTS (names), &module, error);
}
static gboolean
is_block (const char *name)
{
  static const char *const blocks[] = {
    "p", "div", "br", "li", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "hr", "ul", "ol", "dl", "dt", "dd", "section", "article",
    "header", "footer", "title", "address", NULL,
  };
  for (const char *const *b = blocks; *b; b++)
    if (g_ascii_strcasecmp (name, *b) == 0)
      return TRUE;
  return FALSE;
}

static void
newline (GString *out)
{
  if (out->len > 0 && out->str[out->len - 1] != '\n')
    g_string_append_c (out, '\n');
}

static void
walk (xmlNode *node, GString *out)
{
  for (; node != NULL; node = node->next)
    {
      if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE)
        {
          const char *text = (const char *) node->content;
          if (text == NULL)
            continue;
          /* Collapse runs of white space as a browser would. */
          for (const char *p = text; *p; p++)
            {
              if (g_ascii_isspace (*p))
                {
                  if (out->len > 0 && out->str[out->len - 1] != ' ' && out->str[out->len - 1] != '\n')
                    g_string_append_c (out, ' ');
                }
              else
                g_string_append_c (out, *p);
            }
        }
      else if (node->type == XML_ELEMENT_NODE)
        {
          const char *name = (const char *) node->name;
          if (g_ascii_strcasecmp (name, "script") == 0 || g_ascii_strcasecmp (name, "style") == 0
              || g_ascii_strcasecmp (name, "head") == 0)
            continue;
          gboolean block = is_block (name);
          if (block)
            newline (out);
          walk (node->children, out);
          if (block)
            newline (out);
        }
    }
}

char *
portero_html_to_text (const char *html, gssize len, GError **error)
{
  if (len < 0)
    len = strlen (html);
  if (len == 0)
    return g_strdup ("");
  if (!load_libxml2 (error))
    return NULL;
  htmlDocPtr doc = xml.read_memory (html, (int) MIN (len, G_MAXINT), NULL, "UTF-8",
                                   HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING
                                   | HTML_PARSE_NONET);
  if (doc == NULL)
    return g_strdup ("");
  GString *out = g_string_new (NULL);
  xmlNode *root = xml.root (doc);
  if (root != NULL)
    walk (root, out);
  xml.free_doc (doc);
  /* Trim spaces at line ends and keep at most one blank line. */
  g_auto (GStrv) lines = g_strsplit (out->str, "\n", -1);
  g_string_truncate (out, 0);
  int blanks = 0;
  for (char **l = lines; *l; l++)
    {
      g_strstrip (*l);
      if (**l == '\0')
        {
          if (out->len > 0 && ++blanks == 1)
            g_string_append_c (out, '\n');
          continue;
        }
      blanks = 0;
      g_string_append (out, *l);
      g_string_append_c (out, '\n');
    }
  while (out->len > 0 && out->str[out->len - 1] == '\n')
    g_string_truncate (out, out->len - 1);
  return g_string_free (out, FALSE);
}
