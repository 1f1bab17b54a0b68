/* markup - values made safe for HTML, and HTML templates checked */
#include "markup.h"
#include "library.h"
#include <libxml/HTMLparser.h>
#include <string.h>

/* U+202A..U+202E (embeddings, overrides) and U+2066..U+2069 (isolates). */
static gboolean
is_bidi_control (gunichar c)
{
  return (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

static void
append_escaped (GString *out, const char *s, gboolean lines, gboolean attr)
{
  if (s == NULL)
    return;
  const char *p = s;
  while (*p)
    {
      gunichar c = g_utf8_get_char_validated (p, -1);
      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          /* Not UTF-8: one replacement character a byte. */
          g_string_append (out, "\xef\xbf\xbd");
          p++;
          continue;
        }
      const char *next = g_utf8_next_char (p);
      switch (c)
        {
        case '&': g_string_append (out, "&amp;"); break;
        case '<': g_string_append (out, "&lt;"); break;
        case '>': g_string_append (out, "&gt;"); break;
        case '"': g_string_append (out, "&quot;"); break;
        case '\'': g_string_append (out, "&#39;"); break;
        case '\n':
          g_string_append (out, attr ? " " : lines ? "<br>\n" : "\n");
          break;
        case '\t': g_string_append_c (out, attr ? ' ' : '\t'); break;
        default:
          if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || is_bidi_control (c))
            break;
          g_string_append_len (out, p, next - p);
        }
      p = next;
    }
}

void
portero_markup_append_text (GString *out, const char *s, gboolean lines)
{
  append_escaped (out, s, lines, FALSE);
}

void
portero_markup_append_attr (GString *out, const char *s)
{
  append_escaped (out, s, FALSE, TRUE);
}

char *
portero_markup_escape (const char *s)
{
  GString *out = g_string_new (NULL);
  append_escaped (out, s, FALSE, FALSE);
  return g_string_free (out, FALSE);
}

gboolean
portero_markup_url_ok (const char *url)
{
  if (url == NULL)
    return FALSE;
  const char *rest = g_ascii_strncasecmp (url, "https://", 8) == 0 ? url + 8
                     : g_ascii_strncasecmp (url, "http://", 7) == 0 ? url + 7 : NULL;
  if (rest == NULL || *rest == '\0' || *rest == '/' || *rest == '?' || *rest == '#')
    return FALSE;
  for (const guchar *p = (const guchar *) url; *p; p++)
    if (*p <= 0x20 || *p == 0x7f || *p == '"' || *p == '\'' || *p == '<' || *p == '>' || *p == '\\' || *p == '`')
      return FALSE;
  return g_utf8_validate (url, -1, NULL);
}

/* The tokenizer's states. */
enum { DATA, LT, BANG, BANG_DASH, COMMENT, DECL, TAG_OPEN, TAG, ATTR_NAME, AFTER_ATTR_NAME, BEFORE_VALUE,
       VALUE_QUOTED, VALUE_UNQUOTED, RAWTEXT };

void
portero_markup_lexer_init (PorteroMarkupLexer *lx)
{
  memset (lx, 0, sizeof *lx);
  lx->state = DATA;
}

static void
end_tag (PorteroMarkupLexer *lx)
{
  /* A style or script element's content is not text: no value may go there. */
  if (!lx->closing && (strcmp (lx->tag, "style") == 0 || strcmp (lx->tag, "script") == 0))
    {
      lx->state = RAWTEXT;
      lx->raw_match = 0;
    }
  else
    lx->state = DATA;
}

static void
start_attr (PorteroMarkupLexer *lx, char c)
{
  lx->state = ATTR_NAME;
  lx->attr_len = 0;
  lx->attr[0] = '\0';
  if (lx->attr_len + 1 < sizeof lx->attr)
    {
      lx->attr[lx->attr_len++] = g_ascii_tolower (c);
      lx->attr[lx->attr_len] = '\0';
    }
}

void
portero_markup_lexer_feed (PorteroMarkupLexer *lx, const char *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    {
      char c = s[i];
      gboolean space = g_ascii_isspace (c);
      switch (lx->state)
        {
        case DATA:
          if (c == '<')
            lx->state = LT;
          break;
        case LT:
          if (g_ascii_isalpha (c) || c == '/')
            {
              lx->state = TAG_OPEN;
              lx->closing = c == '/';
              lx->tag_len = 0;
              lx->tag[0] = '\0';
              if (c != '/')
                {
                  lx->tag[lx->tag_len++] = g_ascii_tolower (c);
                  lx->tag[lx->tag_len] = '\0';
                }
            }
          else if (c == '!')
            lx->state = BANG;
          else if (c == '?')
            lx->state = DECL;
          else
            lx->state = c == '<' ? LT : DATA;
          break;
        case BANG:
          lx->state = c == '-' ? BANG_DASH : c == '>' ? DATA : DECL;
          break;
        case BANG_DASH:
          lx->state = c == '-' ? COMMENT : c == '>' ? DATA : DECL;
          lx->dashes = 0;
          break;
        case COMMENT:
          if (c == '>' && lx->dashes >= 2)
            lx->state = DATA;
          lx->dashes = c == '-' ? lx->dashes + 1 : 0;
          break;
        case DECL:
          if (c == '>')
            lx->state = DATA;
          break;
        case TAG_OPEN:
          if (c == '>')
            end_tag (lx);
          else if (space || c == '/')
            lx->state = TAG;
          else if (lx->tag_len + 1 < sizeof lx->tag)
            {
              lx->tag[lx->tag_len++] = g_ascii_tolower (c);
              lx->tag[lx->tag_len] = '\0';
            }
          break;
        case TAG:
          if (c == '>')
            end_tag (lx);
          else if (!space && c != '/')
            start_attr (lx, c);
          break;
        case ATTR_NAME:
          if (c == '=')
            lx->state = BEFORE_VALUE;
          else if (space)
            lx->state = AFTER_ATTR_NAME;
          else if (c == '>')
            end_tag (lx);
          else if (c == '/')
            lx->state = TAG;
          else if (lx->attr_len + 1 < sizeof lx->attr)
            {
              lx->attr[lx->attr_len++] = g_ascii_tolower (c);
              lx->attr[lx->attr_len] = '\0';
            }
          break;
        case AFTER_ATTR_NAME:
          if (c == '=')
            lx->state = BEFORE_VALUE;
          else if (c == '>')
            end_tag (lx);
          else if (!space && c != '/')
            start_attr (lx, c);
          break;
        case BEFORE_VALUE:
          if (c == '"' || c == '\'')
            {
              lx->state = VALUE_QUOTED;
              lx->quote = c;
              lx->value_len = 0;
            }
          else if (c == '>')
            end_tag (lx);
          else if (!space)
            lx->state = VALUE_UNQUOTED;
          break;
        case VALUE_QUOTED:
          if (c == lx->quote)
            lx->state = TAG;
          else if (!space || lx->value_len > 0)
            lx->value_len++;
          break;
        case VALUE_UNQUOTED:
          if (c == '>')
            end_tag (lx);
          else if (space)
            lx->state = TAG;
          break;
        case RAWTEXT:
          {
            /* Until "</" and the element's own name. */
            gsize n = strlen (lx->tag);
            char want = lx->raw_match == 0 ? '<' : lx->raw_match == 1 ? '/' : lx->tag[lx->raw_match - 2];
            if (g_ascii_tolower (c) == want)
              {
                if (++lx->raw_match == n + 2)
                  {
                    lx->state = TAG;
                    lx->closing = TRUE;
                  }
              }
            else
              lx->raw_match = c == '<' ? 1 : 0;
          }
          break;
        }
    }
}

/* Attributes whose value is an address the client follows or loads. */
static gboolean
is_url_attr (const char *name)
{
  static const char *const names[] = { "href", "src", "action", "formaction", "background", "cite", "poster",
                                       "longdesc", "usemap", "xlink:href", "data", "codebase", "srcset", NULL };
  for (const char *const *n = names; *n; n++)
    if (strcmp (name, *n) == 0)
      return TRUE;
  return FALSE;
}

PorteroMarkupContext
portero_markup_lexer_context (const PorteroMarkupLexer *lx)
{
  if (lx->state == DATA)
    return PORTERO_MARKUP_TEXT;
  if (lx->state != VALUE_QUOTED)
    return PORTERO_MARKUP_NONE;
  if (strcmp (lx->attr, "style") == 0 || g_str_has_prefix (lx->attr, "on"))
    return PORTERO_MARKUP_NONE;
  if (is_url_attr (lx->attr))
    return lx->value_len == 0 ? PORTERO_MARKUP_URL_START : PORTERO_MARKUP_URL_PART;
  return PORTERO_MARKUP_ATTR;
}

/* libxml2 brings ICU and libstdc++; only `portero check` needs it for HTML
 * templates, so it is opened then, as src/html.c does. */
static struct
{
  __typeof__ (htmlReadMemory) *read_memory;
  __typeof__ (xmlDocGetRootElement) *root;
  __typeof__ (xmlFreeDoc) *free_doc;
  __typeof__ (xmlSetStructuredErrorFunc) *set_errors;
} xml;

static gboolean
load_libxml2 (GError **error)
{
  static GModule *module;
  static const char *const names[] = { "htmlReadMemory", "xmlDocGetRootElement", "xmlFreeDoc",
                                       "xmlSetStructuredErrorFunc" };
  gpointer *const slots[] = { (gpointer *) &xml.read_memory, (gpointer *) &xml.root, (gpointer *) &xml.free_doc,
                              (gpointer *) &xml.set_errors };
  return module != NULL || portero_library_open (LIBXML2_SONAME, names, slots, G_N_ELEMENTS (names), &module, error);
}

typedef struct {
  const char *path;
  int first_line;
  GPtrArray *problems;
} Check;

static void
add_problem (Check *c, int line, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
add_problem (Check *c, int line, const char *format, ...)
{
  va_list ap;
  va_start (ap, format);
  g_autofree char *text = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_ptr_array_add (c->problems, g_strdup_printf ("%s:%d: %s", c->path, c->first_line + MAX (line, 1) - 1, text));
}

static void
on_parse_error (void *data, xmlErrorPtr e)
{
  Check *c = data;
  if (e == NULL || e->level < XML_ERR_ERROR)
    return;
  g_autofree char *message = g_strstrip (g_strdup (e->message ? e->message : "parse error"));
  add_problem (c, e->line, "HTML: %s", message);
}

/* The text of an attribute or element: its text children together. */
static char *
text_of (xmlNode *children)
{
  GString *out = g_string_new (NULL);
  for (xmlNode *n = children; n != NULL; n = n->next)
    if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE)
      g_string_append (out, (const char *) n->content);
  return g_string_free (out, FALSE);
}

/* CSS that loads something: url() of anything but cid:, @import, expression(). */
static gboolean
css_loads (const char *css)
{
  g_autofree char *lower = g_ascii_strdown (css, -1);
  if (strstr (lower, "@import") != NULL || strstr (lower, "expression(") != NULL)
    return TRUE;
  for (const char *p = strstr (lower, "url("); p != NULL; p = strstr (p + 4, "url("))
    {
      const char *v = p + 4;
      while (*v == ' ' || *v == '"' || *v == '\'')
        v++;
      if (!g_str_has_prefix (v, "cid:"))
        return TRUE;
    }
  return FALSE;
}

static void
walk (Check *c, xmlNode *node)
{
  static const char *const banned[] = { "script", "iframe", "frame", "frameset", "object", "embed", "applet",
                                        "link", "base", "form", "input", "button", "textarea", "select",
                                        "audio", "video", "source", "track", "noscript", NULL };
  for (; node != NULL; node = node->next)
    {
      if (node->type != XML_ELEMENT_NODE)
        continue;
      const char *name = (const char *) node->name;
      int line = node->line;
      gboolean bad = FALSE;
      for (const char *const *b = banned; *b && !bad; b++)
        if (g_ascii_strcasecmp (name, *b) == 0)
          bad = TRUE;
      if (g_ascii_strcasecmp (name, "script") == 0)
        add_problem (c, line, "<script>: mail must not carry programs");
      else if (bad)
        add_problem (c, line, "<%s>: not allowed in mail (it runs, loads or sends something)", name);
      if (g_ascii_strcasecmp (name, "style") == 0)
        {
          g_autofree char *css = text_of (node->children);
          if (css_loads (css))
            add_problem (c, line, "<style> loads an external resource (url(), @import)");
        }
      for (xmlAttr *a = node->properties; a != NULL; a = a->next)
        {
          const char *an = (const char *) a->name;
          g_autofree char *value = text_of (a->children);
          g_autofree char *v = g_strstrip (g_ascii_strdown (value, -1));
          if (g_ascii_strncasecmp (an, "on", 2) == 0)
            add_problem (c, line, "%s=: no event handlers (JavaScript) in mail", an);
          else if (g_ascii_strcasecmp (an, "style") == 0 && css_loads (value))
            add_problem (c, line, "style= loads an external resource (url(), @import)");
          else if (g_str_has_prefix (v, "javascript:") || g_str_has_prefix (v, "vbscript:"))
            add_problem (c, line, "%s=\"%s\": no JavaScript in mail", an, value);
          else if ((g_ascii_strcasecmp (an, "src") == 0 || g_ascii_strcasecmp (an, "background") == 0
                    || g_ascii_strcasecmp (an, "poster") == 0 || g_ascii_strcasecmp (an, "srcset") == 0
                    || g_ascii_strcasecmp (an, "lowsrc") == 0 || g_ascii_strcasecmp (an, "dynsrc") == 0)
                   && !g_str_has_prefix (v, "cid:"))
            add_problem (c, line, "%s=\"%s\": an external resource (a remote image tracks its reader; use cid:logo)", an,
                         value);
        }
      walk (c, node->children);
    }
}

gboolean
portero_markup_check (const char *path, const char *text, int first_line, GPtrArray *problems, GError **error)
{
  if (!load_libxml2 (error))
    return FALSE;
  Check c = { .path = path, .first_line = first_line, .problems = problems };
  xml.set_errors (&c, on_parse_error);
  htmlDocPtr doc = xml.read_memory (text, (int) MIN (strlen (text), G_MAXINT), path, "UTF-8",
                                   HTML_PARSE_NOWARNING | HTML_PARSE_NONET | HTML_PARSE_NOBLANKS);
  xml.set_errors (NULL, NULL);
  if (doc == NULL)
    {
      add_problem (&c, 1, "HTML: libxml2 cannot parse it");
      return TRUE;
    }
  xmlNode *root = xml.root (doc);
  if (root != NULL)
    walk (&c, root);
  xml.free_doc (doc);
  return TRUE;
}
