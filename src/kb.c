/* kb - the knowledge base: articles, their index, suggestions by mail */
#include "kb.h"
#include "error.h"
#include "library.h"
#include <cmark.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

/* ---- rendering: libcmark, opened on first use ----
 *
 * Only `portero kb sync` (and check) render; a delivery reads renderings
 * from the index. Like libxml2 in html.c, the library is opened when first
 * needed, by the soname configure found, so that nothing else loads it. */
static struct
{
  __typeof__ (cmark_markdown_to_html) *to_html;
  __typeof__ (cmark_parse_document) *parse;
  __typeof__ (cmark_node_free) *node_free;
  __typeof__ (cmark_iter_new) *iter_new;
  __typeof__ (cmark_iter_next) *iter_next;
  __typeof__ (cmark_iter_get_node) *iter_node;
  __typeof__ (cmark_iter_free) *iter_free;
  __typeof__ (cmark_node_get_type) *type;
  __typeof__ (cmark_node_get_literal) *literal;
  __typeof__ (cmark_node_get_url) *url;
  __typeof__ (cmark_node_get_list_type) *list_type;
  __typeof__ (cmark_node_get_list_start) *list_start;
  __typeof__ (cmark_node_get_list_tight) *list_tight;
  __typeof__ (cmark_node_parent) *parent;
} cm;

static gboolean
load_cmark (GError **error)
{
  static GModule *module;
  static const char *const names[] = {
    "cmark_markdown_to_html", "cmark_parse_document", "cmark_node_free", "cmark_iter_new", "cmark_iter_next",
    "cmark_iter_get_node", "cmark_iter_free", "cmark_node_get_type", "cmark_node_get_literal",
    "cmark_node_get_url", "cmark_node_get_list_type", "cmark_node_get_list_start", "cmark_node_get_list_tight",
    "cmark_node_parent",
  };
  gpointer *const slots[] = {
    (gpointer *) &cm.to_html, (gpointer *) &cm.parse, (gpointer *) &cm.node_free, (gpointer *) &cm.iter_new,
    (gpointer *) &cm.iter_next, (gpointer *) &cm.iter_node, (gpointer *) &cm.iter_free, (gpointer *) &cm.type,
    (gpointer *) &cm.literal, (gpointer *) &cm.url, (gpointer *) &cm.list_type, (gpointer *) &cm.list_start,
    (gpointer *) &cm.list_tight, (gpointer *) &cm.parent,
  };
  G_STATIC_ASSERT (G_N_ELEMENTS (names) == G_N_ELEMENTS (slots));
  return module != NULL || portero_library_open (LIBCMARK_SONAME, names, slots, G_N_ELEMENTS (names), &module, error);
}

/* Plain text as a mail reader wants it: paragraphs apart, list items
 * marked and indented, code indented, a link's address after its text. */
typedef struct {
  GString *out;
  GString *indent;
  gboolean bol;              /* at the beginning of a line */
  int numbers[16];           /* the next number of each open ordered list */
  gsize before[16];          /* the indent outside each open list */
  int depth;
} Text;

static void
put (Text *t, const char *s)
{
  for (; s && *s; s++)
    {
      if (*s == '\n')
        {
          g_string_append_c (t->out, '\n');
          t->bol = TRUE;
          continue;
        }
      if (t->bol)
        g_string_append (t->out, t->indent->str);
      t->bol = FALSE;
      g_string_append_c (t->out, *s);
    }
}

static void
end_line (Text *t)
{
  if (t->out->len > 0 && !t->bol)
    put (t, "\n");
}

static void
blank_line (Text *t)
{
  end_line (t);
  if (t->out->len > 1 && !g_str_has_suffix (t->out->str, "\n\n"))
    put (t, "\n");
}

static char *
render_text (cmark_node *doc)
{
  Text t = { g_string_new (NULL), g_string_new (NULL), TRUE, { 0 }, { 0 }, 0 };
  cmark_iter *it = cm.iter_new (doc);
  cmark_event_type ev;
  while ((ev = cm.iter_next (it)) != CMARK_EVENT_DONE)
    {
      cmark_node *n = cm.iter_node (it);
      gboolean enter = ev == CMARK_EVENT_ENTER;
      switch (cm.type (n))
        {
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE:
          put (&t, cm.literal (n));
          break;
        case CMARK_NODE_SOFTBREAK:
        case CMARK_NODE_LINEBREAK:
          put (&t, "\n");
          break;
        case CMARK_NODE_CODE_BLOCK:
          {
            blank_line (&t);
            gsize before = t.indent->len;
            g_string_append (t.indent, "    ");
            put (&t, cm.literal (n));
            g_string_truncate (t.indent, before);
            blank_line (&t);
            break;
          }
        case CMARK_NODE_THEMATIC_BREAK:
          blank_line (&t);
          put (&t, "----\n\n");
          break;
        case CMARK_NODE_HEADING:
        case CMARK_NODE_PARAGRAPH:
          {
            cmark_node *p = cm.parent (n);
            gboolean tight = p && cm.type (p) == CMARK_NODE_ITEM && cm.list_tight (cm.parent (p));
            if (!enter)
              {
                if (tight)
                  end_line (&t);
                else
                  blank_line (&t);
              }
            break;
          }
        case CMARK_NODE_LIST:
          if (enter)
            {
              if (t.depth < (int) G_N_ELEMENTS (t.numbers))
                {
                  t.numbers[t.depth] = cm.list_start (n);
                  t.before[t.depth] = t.indent->len;
                }
              t.depth++;
              end_line (&t);
            }
          else
            {
              t.depth--;
              blank_line (&t);
            }
          break;
        case CMARK_NODE_ITEM:
          if (enter)
            {
              end_line (&t);
              cmark_node *list = cm.parent (n);
              g_autofree char *marker = NULL;
              if (cm.list_type (list) == CMARK_ORDERED_LIST && t.depth - 1 < (int) G_N_ELEMENTS (t.numbers))
                marker = g_strdup_printf ("%d. ", t.numbers[t.depth - 1]++);
              else
                marker = g_strdup ("- ");
              put (&t, marker);
              g_string_append_printf (t.indent, "%*s", (int) strlen (marker), "");
            }
          else
            {
              end_line (&t);
              if (t.depth - 1 < (int) G_N_ELEMENTS (t.before))
                g_string_truncate (t.indent, t.before[t.depth - 1]);
            }
          break;
        case CMARK_NODE_LINK:
        case CMARK_NODE_IMAGE:
          if (!enter && cm.url (n) && *cm.url (n))
            {
              put (&t, " <");
              put (&t, cm.url (n));
              put (&t, ">");
            }
          break;
        default:
          /* Raw HTML is not text; emphasis and quotes need no marks. */
          break;
        }
    }
  cm.iter_free (it);
  g_string_free (t.indent, TRUE);
  while (t.out->len > 0 && t.out->str[t.out->len - 1] == '\n')
    g_string_truncate (t.out, t.out->len - 1);
  return g_string_free (t.out, FALSE);
}

gboolean
portero_kb_render (const char *markdown, char **html, char **text, GError **error)
{
  if (!load_cmark (error))
    return FALSE;
  gsize len = strlen (markdown);
  /* Without CMARK_OPT_UNSAFE, raw HTML and javascript: links are dropped. */
  char *h = cm.to_html (markdown, len, CMARK_OPT_DEFAULT);
  cmark_node *doc = cm.parse (markdown, len, CMARK_OPT_DEFAULT);
  if (h == NULL || doc == NULL)
    {
      free (h);
      if (doc)
        cm.node_free (doc);
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL, "libcmark: out of memory");
      return FALSE;
    }
  *html = g_strdup (h);
  free (h);
  *text = render_text (doc);
  cm.node_free (doc);
  return TRUE;
}

/* ---- articles ---- */

void
portero_article_free (PorteroArticle *a)
{
  if (a == NULL)
    return;
  g_free (a->path);
  g_free (a->file);
  g_free (a->name);
  g_free (a->lang);
  g_free (a->title);
  g_free (a->keywords);
  g_free (a->visibility);
  g_free (a->customer);
  g_free (a->markdown);
  g_free (a);
}

/* NAME is a link's path segment: letters, digits, "-" and "_". */
static gboolean
plain_name (const char *name)
{
  if (*name == '\0')
    return FALSE;
  for (const char *c = name; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '-' && *c != '_')
      return FALSE;
  return TRUE;
}

#define PROBLEM(...) g_ptr_array_add (problems, g_strdup_printf (__VA_ARGS__))

PorteroArticle *
portero_article_load (const char *path, GPtrArray *problems)
{
  guint before = problems->len;
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  if (!g_file_get_contents (path, &text, NULL, &error))
    {
      PROBLEM ("%s:0: %s", path, error->message);
      return NULL;
    }
  if (!g_utf8_validate (text, -1, NULL))
    {
      PROBLEM ("%s:1: not UTF-8", path);
      return NULL;
    }
  g_autoptr (PorteroArticle) a = g_new0 (PorteroArticle, 1);
  a->path = g_strdup (path);
  a->file = g_path_get_basename (path);
  g_autofree char *base = g_strdup (a->file);
  if (g_str_has_suffix (base, ".md"))
    base[strlen (base) - 3] = '\0';
  const char *dot = strrchr (base, '.');
  if (dot != NULL && (strcmp (dot, ".es") == 0 || strcmp (dot, ".en") == 0))
    {
      a->lang = g_strdup (dot + 1);
      a->name = g_strndup (base, dot - base);
    }
  else
    a->name = g_strdup (base);
  if (!plain_name (a->name))
    PROBLEM ("%s:0: the name \"%s\" may hold only letters, digits, \"-\" and \"_\" (NAME[.es|.en].md)", path, a->name);

  /* The header block: "Name: value" lines up to the first blank line. */
  int line = 1;
  const char *p = text;
  while (*p)
    {
      const char *nl = strchr (p, '\n');
      g_autofree char *l = nl ? g_strndup (p, nl - p) : g_strdup (p);
      g_strchomp (l);
      p = nl ? nl + 1 : p + strlen (p);
      if (*l == '\0')
        break;
      const char *colon = strchr (l, ':');
      g_autofree char *key = colon ? g_strstrip (g_strndup (l, colon - l)) : NULL;
      g_autofree char *value = colon ? g_strstrip (g_strdup (colon + 1)) : NULL;
      if (colon == NULL)
        PROBLEM ("%s:%d: expected \"Title: ...\" or a blank line before the article", path, line);
      else if (g_ascii_strcasecmp (key, "Title") == 0)
        {
          g_free (a->title);
          a->title = g_steal_pointer (&value);
        }
      else if (g_ascii_strcasecmp (key, "Keywords") == 0)
        {
          g_free (a->keywords);
          a->keywords = g_steal_pointer (&value);
        }
      else if (g_ascii_strcasecmp (key, "Visibility") == 0)
        {
          g_clear_pointer (&a->visibility, g_free);
          g_clear_pointer (&a->customer, g_free);
          if (g_ascii_strncasecmp (value, "customer ", 9) == 0 && *g_strstrip (value + 9))
            {
              a->visibility = g_strdup ("customer");
              a->customer = g_strdup (value + 9);
            }
          else if (g_ascii_strcasecmp (value, "public") == 0 || g_ascii_strcasecmp (value, "customers") == 0
                   || g_ascii_strcasecmp (value, "internal") == 0)
            a->visibility = g_ascii_strdown (value, -1);
          else
            PROBLEM ("%s:%d: Visibility: expected public, customers, internal or customer NAME, not \"%s\"", path,
                     line, value);
        }
      else
        PROBLEM ("%s:%d: unknown header \"%s\" (Title, Keywords, Visibility)", path, line, key);
      line++;
    }
  if (a->title == NULL || *a->title == '\0')
    PROBLEM ("%s:1: no Title: line", path);
  if (a->visibility == NULL && problems->len == before)
    PROBLEM ("%s:1: no Visibility: line (public, customers, internal or customer NAME)", path);
  a->body_line = line + 1;
  a->markdown = g_strdup (p);
  g_autofree char *stripped = g_strstrip (g_strdup (p));
  if (*stripped == '\0' && problems->len == before)
    PROBLEM ("%s:%d: the article is empty", path, a->body_line);
  if (problems->len > before)
    return NULL;
  if (a->keywords == NULL)
    a->keywords = g_strdup ("");
  return g_steal_pointer (&a);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* The *.md files of DIR, sorted; none when DIR does not exist. NULL when
 * it cannot be read: an index emptied by a passing error would be wrong. */
static GPtrArray *
list_dir (const char *dir, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GDir) d = g_dir_open (dir, 0, &local);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  if (d == NULL)
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return names;
      g_ptr_array_unref (names);
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL, "knowledge base: %s", local->message);
      return NULL;
    }
  const char *n;
  while ((n = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (n, ".md") && n[0] != '.')
      g_ptr_array_add (names, g_strdup (n));
  g_ptr_array_sort (names, compare_names);
  return names;
}

void
portero_kb_check_dir (const char *dir, GPtrArray *problems)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) names = list_dir (dir, &error);
  if (names == NULL)
    g_ptr_array_add (problems, g_strdup_printf ("%s:0: %s", dir, error->message));
  for (guint i = 0; names && i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);
      portero_article_free (portero_article_load (path, problems));
    }
}

static char *fold (const char *text);

/* Add each word of TEXT, folded as a search's terms are, to WORDS (word ->
 * count); the number of words. */
static gint64
count_words (const char *text, GHashTable *words)
{
  g_autofree char *folded = fold (text ? text : "");
  g_auto (GStrv) split = g_strsplit (folded, " ", -1);
  gint64 n = 0;
  for (char **w = split; *w; w++)
    {
      if (**w == '\0')
        continue;
      guint count = GPOINTER_TO_UINT (g_hash_table_lookup (words, *w));
      if (count == 0)
        g_hash_table_insert (words, g_strdup (*w), GUINT_TO_POINTER (1));
      else
        g_hash_table_insert (words, g_strdup (*w), GUINT_TO_POINTER (count + 1));
      n++;
    }
  return n;
}

gboolean
portero_kb_sync (PorteroStore *store, const char *dir, PorteroKbSyncStats *stats, GPtrArray *problems,
                 GError **error)
{
  memset (stats, 0, sizeof *stats);
  g_autoptr (GPtrArray) names = list_dir (dir, error);
  if (names == NULL)
    return FALSE;
  g_autoptr (GHashTable) stamps = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  if (!portero_store_begin (store, error))
    return FALSE;
  if (!portero_store_kb_stamps (store, stamps, error))
    goto fail;
  for (guint i = 0; i < names->len; i++)
    {
      const char *file = g_ptr_array_index (names, i);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      GStatBuf st;
      if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
        continue;
      /* Modification time to the nanosecond, size and inode: an edit, a
       * copy over it or a rename into place all change it. */
      g_autofree char *stamp = g_strdup_printf ("%lld.%09ld:%lld:%llu", (long long) st.st_mtim.tv_sec,
                                                (long) st.st_mtim.tv_nsec, (long long) st.st_size,
                                                (unsigned long long) st.st_ino);
      const char *old = g_hash_table_lookup (stamps, file);
      if (old != NULL && strcmp (old, stamp) == 0)
        {
          stats->unchanged++;
          g_hash_table_remove (stamps, file);
          continue;
        }
      g_autoptr (PorteroArticle) a = portero_article_load (path, problems);
      if (a == NULL)
        continue;   /* left in `stamps`: a broken file leaves the index */
      g_hash_table_remove (stamps, file);
      g_autofree char *html = NULL, *text = NULL;
      if (!portero_kb_render (a->markdown, &html, &text, error))
        goto fail;
      PorteroKbRow row = {
        .file = a->file, .name = a->name, .lang = a->lang, .title = a->title, .keywords = a->keywords,
        .visibility = a->visibility, .customer = a->customer, .html = html, .text = text, .stamp = stamp,
      };
      const char *fields[3] = { a->title, a->keywords, text };
      for (int f = 0; f < 3; f++)
        {
          row.words[f] = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
          row.tokens += count_words (fields[f], row.words[f]);
        }
      gboolean put = portero_store_kb_put (store, &row, error);
      for (int f = 0; f < 3; f++)
        g_hash_table_unref (row.words[f]);
      if (!put)
        goto fail;
      stats->indexed++;
    }
  GHashTableIter it;
  gpointer file;
  g_hash_table_iter_init (&it, stamps);
  while (g_hash_table_iter_next (&it, &file, NULL))
    {
      if (!portero_store_kb_remove (store, file, error))
        goto fail;
      stats->removed++;
    }
  return portero_store_commit (store, error);
fail:
  portero_store_rollback (store);
  return FALSE;
}

/* ---- search ---- */

/* Words that say nothing about the question, Spanish and English (folded,
 * without accents). Shorter words than three letters are dropped anyway. */
static const char *const stopwords[] = {
  "the", "and", "for", "you", "your", "with", "this", "that", "have", "has", "not", "but", "are", "was", "were",
  "can", "cannot", "could", "would", "should", "will", "please", "hello", "dear", "thanks", "thank", "regards",
  "best", "from", "what", "when", "how", "why", "where", "which", "who", "there", "their", "they", "them", "our",
  "any", "all", "some", "get", "got", "just", "also", "about", "into", "out", "does", "did", "doesn", "don",
  "isn", "again", "since", "yesterday", "today", "morning", "need", "help", "hi", "team", "support", "issue",
  "problem", "question", "after", "before", "still", "now", "one", "more", "very", "its", "it's", "been", "being",
  "que", "los", "las", "del", "por", "para", "con", "una", "uno", "unos", "unas", "como", "pero", "mas", "muy",
  "hola", "gracias", "saludos", "buenos", "buenas", "dias", "tardes", "noches", "favor", "esta", "este", "esto",
  "estoy", "estan", "tengo", "tiene", "puedo", "puede", "desde", "cuando", "ayuda", "ayudar", "sin", "sobre",
  "todo", "todos", "hay", "fue", "ser", "era", "son", "nos", "mis", "sus", "les", "mucho", "problema", "consulta",
  "ayer", "hoy", "manana", "ahora", "otra", "otro", "vez", "cual", "quien", "donde", "porque", "pues", "algo",
  "nada", "enviar", "envien", "pueden", "send", "soporte", "equipo", "estimados", "estimado", "cordial", "atentamente", "bien", "tambien", "ya",
  "me", "mi", "le", "lo", "se", "el", "la", "en", "de", "un", "no", "si", "al", "es", "y", "o", "a",
  NULL,
};

static gboolean
is_stopword (const char *w)
{
  static GHashTable *set;
  if (g_once_init_enter (&set))
    {
      GHashTable *s = g_hash_table_new (g_str_hash, g_str_equal);
      for (const char *const *p = stopwords; *p; p++)
        g_hash_table_add (s, (gpointer) *p);
      g_once_init_leave (&set, s);
    }
  return g_hash_table_contains (set, w);
}

/* TEXT folded, accents taken off (NFD without the marks), anything but
 * letters and digits a space: the index's words and a search's terms. */
static char *
fold (const char *text)
{
  g_autofree char *valid = g_utf8_make_valid (text, -1);
  g_autofree char *nfd = g_utf8_normalize (valid, -1, G_NORMALIZE_NFD);
  g_autofree char *lower = g_utf8_casefold (nfd ? nfd : "", -1);
  GString *out = g_string_sized_new (strlen (lower));
  for (const char *p = lower; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      GUnicodeType type = g_unichar_type (c);
      if (type == G_UNICODE_NON_SPACING_MARK || type == G_UNICODE_SPACING_MARK || type == G_UNICODE_ENCLOSING_MARK)
        continue;
      g_string_append_unichar (out, g_unichar_isalnum (c) ? c : ' ');
    }
  return g_string_free (out, FALSE);
}

/* A word's stem, matched as a prefix: plurals off, long words cut, so that
 * impresora and impresoras, printer and printing meet. */
static char *
stem (const char *word)
{
  glong len = g_utf8_strlen (word, -1);
  g_autofree char *w = g_strdup (word);
  if (len >= 5 && g_str_has_suffix (w, "s") && !g_str_has_suffix (w, "ss"))
    {
      w[strlen (w) - 1] = '\0';
      len--;
    }
  glong keep = len <= 5 ? len : MAX (5, len - 3);
  return g_utf8_substring (w, 0, keep);
}

#define MAX_TERMS 16
#define BODY_CHARS 1500

static void
add_terms (GPtrArray *terms, GHashTable *seen, const char *text)
{
  g_autofree char *folded = fold (text);
  g_auto (GStrv) words = g_strsplit (folded, " ", -1);
  for (char **w = words; *w && terms->len < MAX_TERMS; w++)
    {
      if (g_utf8_strlen (*w, -1) < 3 || is_stopword (*w))
        continue;
      gboolean digits = TRUE;
      for (const char *c = *w; *c && digits; c++)
        digits = g_ascii_isdigit (*c);
      if (digits)
        continue;
      char *s = stem (*w);
      if (g_hash_table_contains (seen, s))
        {
          g_free (s);
          continue;
        }
      g_hash_table_add (seen, s);
      g_ptr_array_add (terms, g_strdup (s));
    }
}

char **
portero_kb_terms (const char *title, const char *body)
{
  GPtrArray *terms = g_ptr_array_new ();
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *t = title ? title : "";
  while (g_ascii_isspace (*t))
    t++;
  /* "[KB] printer offline": the tag asks, it is not the question. */
  if (*t == '[' && strchr (t, ']') != NULL)
    t = strchr (t, ']') + 1;
  add_terms (terms, seen, t);
  if (body != NULL)
    {
      /* The request, not the quoted thread or the signature under "-- ". */
      GString *own = g_string_new (NULL);
      g_auto (GStrv) lines = g_strsplit (body, "\n", -1);
      for (char **l = lines; *l && own->len < BODY_CHARS; l++)
        {
          if (strcmp (*l, "-- ") == 0 || strcmp (*l, "--") == 0)
            break;
          if (**l == '>')
            continue;
          g_string_append (own, *l);
          g_string_append_c (own, '\n');
        }
      if (own->len > BODY_CHARS)
        {
          /* Cut at a character, not inside one. */
          const char *end = g_utf8_find_prev_char (own->str, own->str + BODY_CHARS);
          g_string_truncate (own, end ? (gsize) (end - own->str) : 0);
        }
      add_terms (terms, seen, own->str);
      g_string_free (own, TRUE);
    }
  g_ptr_array_add (terms, NULL);
  return (char **) g_ptr_array_free (terms, FALSE);
}

/* What a mail suggests: an article scoring at least RELEVANT_SCORE, and at
 * least RELEVANT_SHARE of the best one's score. bm25 scores grow with the
 * weight of the matched words (title x8, keywords x5, text x1) and with
 * how rare they are in the knowledge base; one common word in an article's
 * text stays below, the question's words in a title or keywords pass.
 * Measured on the sample knowledge base with tests/kb-requests.tsv (see
 * tests/T170-kb.sh): the expected article scores 7 to 30, unrelated mail
 * below 7. A knowledge base of a handful of articles scores lower (every
 * word is common there, bm25 gives such words no weight) and suggests
 * nothing unasked; asked ([KB]), it answers with what matched. */
#define RELEVANT_SCORE 7.0
#define RELEVANT_SHARE 0.4

gboolean
portero_kb_search (PorteroStore *store, const char *title, const char *body, const PorteroKbAudience *audience,
                   int limit, PorteroKbRelevance relevance, GPtrArray *hits, GError **error)
{
  g_auto (GStrv) terms = portero_kb_terms (title, body);
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) portero_kb_hit_free);
  /* Room for both language versions of each. */
  if (!portero_store_kb_search (store, (const char *const *) terms, audience, limit * 2 + 2, found, error))
    return FALSE;
  g_autoptr (GHashTable) names = g_hash_table_new (g_str_hash, g_str_equal);
  double best = 0;
  for (guint i = 0; i < found->len && (int) hits->len < limit; i++)
    {
      PorteroKbHit *h = g_ptr_array_index (found, i);
      if (g_hash_table_contains (names, h->name)
          || (relevance == PORTERO_KB_SUGGESTED && h->score < RELEVANT_SCORE)
          || (relevance != PORTERO_KB_ANY && hits->len > 0 && h->score < best * RELEVANT_SHARE))
        continue;
      if (hits->len == 0)
        best = h->score;
      g_hash_table_add (names, h->name);
      g_ptr_array_add (hits, g_ptr_array_steal_index (found, i));
      i--;
    }
  return TRUE;
}

void
portero_kb_rendering_clear (PorteroKbRendering *r)
{
  g_clear_pointer (&r->text, g_free);
  g_clear_pointer (&r->html, g_free);
  r->count = 0;
}

/* The first paragraph of TEXT, at most about MAX characters, cut at a word. */
static char *
extract (const char *text, glong max)
{
  const char *end = strstr (text, "\n\n");
  g_autofree char *para = end ? g_strndup (text, end - text) : g_strdup (text);
  g_strdelimit (para, "\n", ' ');
  if (g_utf8_strlen (para, -1) <= max)
    return g_steal_pointer (&para);
  g_autofree char *cut = g_utf8_substring (para, 0, max);
  char *space = strrchr (cut, ' ');
  if (space != NULL && space > cut)
    *space = '\0';
  return g_strconcat (cut, " …", NULL);
}

#define SUGGESTED 3

gboolean
portero_kb_snippet (PorteroStore *store, const char *title, const char *body, const PorteroKbAudience *audience,
                    const char *portal, const char *lang, gboolean full, PorteroKbRendering *out, GError **error)
{
  memset (out, 0, sizeof *out);
  g_autoptr (GPtrArray) hits = g_ptr_array_new_with_free_func ((GDestroyNotify) portero_kb_hit_free);
  if (!portero_kb_search (store, title, body, audience, SUGGESTED, full ? PORTERO_KB_ASKED : PORTERO_KB_SUGGESTED,
                          hits, error))
    return FALSE;
  GString *text = g_string_new (NULL), *html = g_string_new (NULL);
  gboolean es = g_strcmp0 (lang, "es") == 0;
  if (hits->len == 0 && full)
    {
      const char *none = es ? "No encontramos ningún artículo para su consulta. Responda a este correo y un técnico le contestará."
                            : "No article matches your question. Reply to this mail and a technician will answer.";
      g_string_append (text, none);
      g_string_append_printf (html, "<p>%s</p>\n", none);
    }
  if (!full && hits->len > 0)
    {
      /* The lead-in belongs to the list: a mail without suggestions has neither. */
      const char *intro = es ? "Mientras tanto, estos artículos pueden ayudarle:" : "Meanwhile, these articles may help:";
      g_string_append_printf (text, "%s\n\n", intro);
      g_string_append_printf (html, "<p>%s</p>\n<ul>\n", intro);
    }
  for (guint i = 0; i < hits->len; i++)
    {
      PorteroKbHit *h = g_ptr_array_index (hits, i);
      g_autofree char *title_html = g_markup_escape_text (h->title, -1);
      if (full)
        {
          if (i > 0)
            g_string_append (text, "\n\n");
          g_string_append_printf (text, "%s\n", h->title);
          for (glong k = g_utf8_strlen (h->title, -1); k > 0; k--)
            g_string_append_c (text, '=');
          g_string_append_printf (text, "\n\n%s", h->text);
          g_string_append_printf (html, "<h2>%s</h2>\n%s", title_html, h->html);
          continue;
        }
      g_autofree char *name = g_uri_escape_string (h->name, NULL, FALSE);
      g_autofree char *link = g_strdup_printf ("%s/kb/%s%s%s", portal ? portal : "", name, h->lang ? "?lang=" : "",
                                               h->lang ? h->lang : "");
      g_autofree char *summary = extract (h->text, 160);
      g_autofree char *link_html = g_markup_escape_text (link, -1);
      g_autofree char *summary_html = g_markup_escape_text (summary, -1);
      if (i > 0)
        g_string_append_c (text, '\n');
      g_string_append_printf (text, "- %s\n  %s\n  %s\n", h->title, link, summary);
      g_string_append_printf (html, "<li><a href=\"%s\">%s</a><br>%s</li>\n", link_html, title_html, summary_html);
    }
  if (!full && hits->len > 0)
    g_string_append (html, "</ul>\n");
  out->count = hits->len;
  out->text = g_string_free (text, FALSE);
  out->html = g_string_free (html, FALSE);
  return TRUE;
}
