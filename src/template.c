/* template - templates/NAME[.LANG].tmpl: loading, checking, snippet expansion */
#include "template.h"
#include "error.h"
#include "markup.h"
#include <string.h>

/* Each snippet's names: English, Spanish, and IT mode's words. */
static const char *const snippet_names[PORTERO_SNIPPET_COUNT][4] = {
  [PORTERO_SNIPPET_PORTAL_ADDRESS] = { "Portal Address", "Dirección del Portal", NULL },
  [PORTERO_SNIPPET_PORTAL_USERNAME] = { "Portal Username", "Nombre de Usuario del Portal", "Nombre de Usuario", NULL },
  [PORTERO_SNIPPET_PORTAL_PASSWORD] = { "Portal Password", "Contraseña del Portal", "Contraseña", NULL },
  [PORTERO_SNIPPET_PORTAL_PASSWORD_LINK] = { "Portal Password Link", "Enlace de Contraseña del Portal", NULL },
  [PORTERO_SNIPPET_CONTACT_NAME] = { "Contact Name", "Nombre del Contacto", "User Name", "Nombre del Usuario" },
  [PORTERO_SNIPPET_CONTACT_FIRST_NAME] = { "Contact First Name", "Nombre de Pila del Contacto", "User First Name", "Nombre de Pila del Usuario" },
  [PORTERO_SNIPPET_CUSTOMER_NAME] = { "Customer Name", "Nombre del Cliente", "Site Name", "Nombre del Sitio" },
  [PORTERO_SNIPPET_TICKET_ID] = { "Ticket ID", "ID del Ticket", "Número de Ticket", NULL },
  [PORTERO_SNIPPET_TICKET_TITLE] = { "Ticket Title", "Título del Ticket", NULL },
  [PORTERO_SNIPPET_TICKET_STATUS] = { "Ticket Status", "Estado del Ticket", NULL },
  [PORTERO_SNIPPET_SUPPORT_ADDRESS] = { "Support Address", "Dirección de Soporte", NULL },
  [PORTERO_SNIPPET_MY_TICKETS] = { "My Tickets", "Mis Tickets", NULL },
  [PORTERO_SNIPPET_COMPANY_TICKETS] = { "Company Tickets", "Tickets de la Empresa", NULL },
  [PORTERO_SNIPPET_PORTAL_NAME] = { "Portal Name", "Nombre del Portal", NULL },
  [PORTERO_SNIPPET_CUSTOMER_WORD] = { "Customer Word", "Palabra de Cliente", "Site Word", "Palabra de Sitio" },
  [PORTERO_SNIPPET_CONTACT_WORD] = { "Contact Word", "Palabra de Contacto", "User Word", "Palabra de Usuario" },
  [PORTERO_SNIPPET_SUGGESTED_ARTICLES] = { "Suggested Articles", "Artículos Sugeridos", NULL },
  [PORTERO_SNIPPET_MATCHING_ARTICLES] = { "Matching Articles", "Artículos Encontrados", NULL },
};

/* What the mode-dependent snippets say: [snippet][spanish][it]. Mail is in
 * the template's language, not the technician's, hence no gettext here. */
static const char *const mode_values[3][2][2] = {
  { { "Customer Portal", "Service Portal" }, { "Portal del Cliente", "Portal de Servicio" } },
  { { "customer", "site" }, { "cliente", "sitio" } },
  { { "contact", "user" }, { "contacto", "usuario" } },
};

/* Names compare after case folding and collapsing white space. */
static char *
fold (const char *s)
{
  g_autofree char *nfc = g_utf8_normalize (s, -1, G_NORMALIZE_NFC);
  g_autofree char *folded = g_utf8_casefold (nfc ? nfc : "", -1);
  g_auto (GStrv) words = g_strsplit_set (g_strstrip (folded), " \t", -1);
  GString *out = g_string_new (NULL);
  for (char **w = words; *w; w++)
    if (**w)
      {
        if (out->len)
          g_string_append_c (out, ' ');
        g_string_append (out, *w);
      }
  return g_string_free (out, FALSE);
}

void
portero_template_mode_values (const PorteroTemplate *t, const char *lang, gboolean it, const char **values)
{
  const char *l = t != NULL && t->lang != NULL ? t->lang : lang;
  int es = g_strcmp0 (l, "es") == 0;
  values[PORTERO_SNIPPET_PORTAL_NAME] = mode_values[0][es][it != FALSE];
  values[PORTERO_SNIPPET_CUSTOMER_WORD] = mode_values[1][es][it != FALSE];
  values[PORTERO_SNIPPET_CONTACT_WORD] = mode_values[2][es][it != FALSE];
}

const char *
portero_template_status_word (const char *status, const char *lang)
{
  static const char *const words[][2] = {
    { "open", "abierto" }, { "pending", "pendiente" }, { "on-hold", "en espera" },
    { "resolved", "resuelto" }, { "closed", "cerrado" },
  };
  if (g_strcmp0 (lang, "es") == 0)
    for (gsize i = 0; i < G_N_ELEMENTS (words); i++)
      if (g_strcmp0 (status, words[i][0]) == 0)
        return words[i][1];
  return status;
}

int
portero_snippet_lookup (const char *name)
{
  g_autofree char *want = fold (name);
  for (int i = 0; i < PORTERO_SNIPPET_COUNT; i++)
    for (int k = 0; k < 4 && snippet_names[i][k]; k++)
      {
        g_autofree char *have = fold (snippet_names[i][k]);
        if (strcmp (want, have) == 0)
          return i;
      }
  return -1;
}

const char *
portero_snippet_name (PorteroSnippet snippet)
{
  return snippet_names[snippet][0];
}

void
portero_template_free (PorteroTemplate *t)
{
  if (t == NULL)
    return;
  g_free (t->name);
  g_free (t->lang);
  g_free (t->path);
  g_free (t->subject);
  g_free (t->body);
  g_free (t->html_path);
  g_free (t->html);
  g_free (t);
}

/* Record the snippets of TEXT (starting at LINE) in T; unknown ones and
 * unclosed {[ are problems. */
static void
scan_snippets_in (PorteroTemplate *t, const char *path, const char *text, int line, GPtrArray *problems)
{
  for (const char *p = text; *p; p++)
    {
      if (*p == '\n')
        line++;
      if (p[0] != '{' || p[1] != '[')
        continue;
      const char *end = strstr (p + 2, "]}");
      const char *nl = strchr (p + 2, '\n');
      if (end == NULL || (nl != NULL && nl < end))
        {
          g_ptr_array_add (problems, g_strdup_printf ("%s:%d: unclosed snippet \"{[\"", path, line));
          continue;
        }
      g_autofree char *name = g_strndup (p + 2, end - p - 2);
      int s = portero_snippet_lookup (name);
      if (s < 0)
        g_ptr_array_add (problems, g_strdup_printf ("%s:%d: unknown snippet \"{[%s]}\"", path, line, name));
      else
        t->uses |= G_GUINT64_CONSTANT (1) << s;
      p = end + 1;
    }
}

static void
scan_snippets (PorteroTemplate *t, const char *text, int line, GPtrArray *problems)
{
  scan_snippets_in (t, t->path, text, line, problems);
}

/* A snippet of an HTML body, where it stands. */
typedef void (*SnippetFunc) (int snippet, PorteroMarkupContext context, int line, gpointer data);

/* "Hello {[Contact First Name]}," with no name known reads "Hello," and
 * not "Hello ,": when a snippet came out empty (OUT did not grow past
 * BEFORE) and punctuation follows it, the spaces before it go too. */
static void
drop_space_before_punctuation (GString *out, gsize before, const char *next)
{
  if (out == NULL || out->len != before || *next == '\0' || strchr (",:;.!?", *next) == NULL)
    return;
  while (out->len > 0 && out->str[out->len - 1] == ' ')
    g_string_truncate (out, out->len - 1);
}

/* Go through the HTML body HTML: its own text is appended to OUT (when not
 * NULL), each known snippet handed to FUNC with its context and line. */
static void
walk_html (const char *html, int line, GString *out, SnippetFunc func, gpointer data)
{
  PorteroMarkupLexer lx;
  portero_markup_lexer_init (&lx);
  const char *p = html;
  while (*p)
    {
      const char *open = strstr (p, "{[");
      const char *close = open ? strstr (open + 2, "]}") : NULL;
      if (open == NULL || close == NULL)
        {
          if (out)
            g_string_append (out, p);
          break;
        }
      portero_markup_lexer_feed (&lx, p, open - p);
      for (const char *q = p; q < open; q++)
        line += *q == '\n';
      if (out)
        g_string_append_len (out, p, open - p);
      g_autofree char *name = g_strndup (open + 2, close - open - 2);
      int s = portero_snippet_lookup (name);
      gsize before = out ? out->len : 0;
      if (s >= 0)
        func (s, portero_markup_lexer_context (&lx), line, data);
      drop_space_before_punctuation (out, before, close + 2);
      /* Whatever it became, the attribute value is no longer empty. */
      portero_markup_lexer_feed (&lx, "x", 1);
      p = close + 2;
    }
}

static gboolean
is_url_snippet (int s)
{
  return s == PORTERO_SNIPPET_PORTAL_ADDRESS || s == PORTERO_SNIPPET_PORTAL_PASSWORD_LINK;
}

typedef struct {
  const char *path;
  GPtrArray *problems;
} PlaceCheck;

static void
check_place (int s, PorteroMarkupContext context, int line, gpointer data)
{
  PlaceCheck *c = data;
  if (context == PORTERO_MARKUP_NONE)
    g_ptr_array_add (c->problems,
                     g_strdup_printf ("%s:%d: \"{[%s]}\" stands inside a tag, a comment, a style or script, an unquoted "
                                      "or a style= or on...= attribute: put it in text or a quoted attribute value",
                                      c->path, line, portero_snippet_name (s)));
  else if (context == PORTERO_MARKUP_URL_START && !is_url_snippet (s))
    g_ptr_array_add (c->problems,
                     g_strdup_printf ("%s:%d: \"{[%s]}\" starts a link or image address: only {[Portal Address]} and "
                                      "{[Portal Password Link]} may", c->path, line, portero_snippet_name (s)));
}

/* Read NAME[.LANG].html beside T's .tmpl into T, when there is one. Its
 * header block is optional; a Subject: there must be the .tmpl's (which is
 * the one sent). Problems and transient errors as for the .tmpl. */
static void
load_html (PorteroTemplate *t, GPtrArray *problems, GError **transient)
{
  g_autofree char *stem = g_strndup (t->path, strlen (t->path) - strlen (".tmpl"));
  g_autofree char *path = g_strconcat (stem, ".html", NULL);
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  if (!g_file_get_contents (path, &text, NULL, &error))
    {
      if (g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return;
      if (transient != NULL && portero_error_is_transient_file (error))
        g_set_error (transient, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL, "%s", error->message);
      else
        g_ptr_array_add (problems, g_strdup_printf ("%s:0: %s", path, error->message));
      return;
    }
  if (!g_utf8_validate (text, -1, NULL))
    {
      g_ptr_array_add (problems, g_strdup_printf ("%s:1: not UTF-8", path));
      return;
    }
  int line = 1;
  const char *p = text;
  if (g_ascii_strncasecmp (p, "Subject:", 8) == 0)
    while (*p)
      {
        const char *nl = strchr (p, '\n');
        g_autofree char *l = nl ? g_strndup (p, nl - p) : g_strdup (p);
        g_strchomp (l);
        p = nl ? nl + 1 : p + strlen (p);
        line++;
        if (*l == '\0')
          break;
        if (g_ascii_strncasecmp (l, "Subject:", 8) != 0)
          g_ptr_array_add (problems, g_strdup_printf ("%s:%d: unknown header (only Subject, as in %s)", path, line - 1, t->path));
        else if (g_strcmp0 (g_strstrip (l + 8), t->subject) != 0)
          g_ptr_array_add (problems, g_strdup_printf ("%s:%d: Subject: differs from the one in %s (that one is sent): "
                                                      "write it in the .tmpl only", path, line - 1, t->path));
      }
  t->html_path = g_steal_pointer (&path);
  t->html_line = line;
  t->html = g_strdup (p);
  /* What a mail carries (a password, a link, a ticket list) is the .tmpl's
   * to say: the HTML may show only what the text shows too. */
  guint64 text_uses = t->uses;
  t->uses = 0;
  scan_snippets_in (t, t->html_path, t->html, t->html_line, problems);
  static const PorteroSnippet carried[] = { PORTERO_SNIPPET_PORTAL_PASSWORD, PORTERO_SNIPPET_PORTAL_PASSWORD_LINK,
                                            PORTERO_SNIPPET_MY_TICKETS, PORTERO_SNIPPET_COMPANY_TICKETS };
  for (gsize i = 0; i < G_N_ELEMENTS (carried); i++)
    {
      guint64 bit = G_GUINT64_CONSTANT (1) << carried[i];
      if ((t->uses & bit) && !(text_uses & bit))
        g_ptr_array_add (problems, g_strdup_printf ("%s:%d: \"{[%s]}\" is not in %s: the text part says what a mail "
                                                    "carries, the HTML may only show it too", t->html_path,
                                                    t->html_line, portero_snippet_name (carried[i]), t->path));
    }
  t->uses = text_uses;
  PlaceCheck c = { t->html_path, problems };
  walk_html (t->html, t->html_line, NULL, check_place, &c);
}

/* As portero_template_load; with TRANSIENT set, a read that failed for the
 * moment's reason (see portero_error_is_transient_file) is that error
 * instead of a problem. */
static PorteroTemplate *
load_template (const char *path, GPtrArray *problems, GError **transient)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  if (!g_file_get_contents (path, &text, NULL, &error))
    {
      if (transient != NULL && portero_error_is_transient_file (error))
        g_set_error (transient, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL, "%s", error->message);
      else
        g_ptr_array_add (problems, g_strdup_printf ("%s:0: %s", path, error->message));
      return NULL;
    }
  if (!g_utf8_validate (text, -1, NULL))
    {
      g_ptr_array_add (problems, g_strdup_printf ("%s:1: not UTF-8", path));
      return NULL;
    }
  g_autoptr (PorteroTemplate) t = g_new0 (PorteroTemplate, 1);
  t->path = g_strdup (path);
  g_autofree char *base = g_path_get_basename (path);
  if (g_str_has_suffix (base, ".tmpl"))
    base[strlen (base) - 5] = '\0';
  const char *dot = strrchr (base, '.');
  if (dot != NULL && (strcmp (dot, ".es") == 0 || strcmp (dot, ".en") == 0))
    {
      t->lang = g_strdup (dot + 1);
      t->name = g_strndup (base, dot - base);
    }
  else
    t->name = g_strdup (base);

  /* The header block: "Name: value" lines up to the first blank line. */
  guint before = problems->len;
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
      if (colon == NULL)
        g_ptr_array_add (problems, g_strdup_printf ("%s:%d: expected \"Subject: ...\" or a blank line before the body", path, line));
      else if (g_ascii_strncasecmp (l, "Subject", colon - l) == 0 && colon - l == 7)
        {
          g_free (t->subject);
          t->subject = g_strstrip (g_strdup (colon + 1));
          scan_snippets (t, t->subject, line, problems);
          /* A subject is logged, listed and kept on the ticket: never a secret. */
          if (t->uses & ((G_GUINT64_CONSTANT (1) << PORTERO_SNIPPET_PORTAL_PASSWORD)
                         | (G_GUINT64_CONSTANT (1) << PORTERO_SNIPPET_PORTAL_PASSWORD_LINK)))
            g_ptr_array_add (problems, g_strdup_printf ("%s:%d: a password or password link in Subject: would be logged and kept in the clear",
                                                        path, line));
        }
      else
        {
          g_autofree char *name = g_strndup (l, colon - l);
          g_ptr_array_add (problems, g_strdup_printf ("%s:%d: unknown header \"%s\" (only Subject)", path, line, name));
        }
      line++;
    }
  if (t->subject == NULL || *t->subject == '\0')
    g_ptr_array_add (problems, g_strdup_printf ("%s:1: no Subject: line", path));
  t->body_line = line + 1;
  t->body = g_strdup (p);
  scan_snippets (t, t->body, t->body_line, problems);
  if (g_str_has_suffix (path, ".tmpl"))
    {
      load_html (t, problems, transient);
      if (transient != NULL && *transient != NULL)
        return NULL;
    }
  if (problems->len > before)
    return NULL;
  return g_steal_pointer (&t);
}

PorteroTemplate *
portero_template_load (const char *path, GPtrArray *problems)
{
  return load_template (path, problems, NULL);
}

PorteroTemplate *
portero_template_new_from_text (const char *name, const char *subject, const char *body, GPtrArray *problems)
{
  g_autoptr (PorteroTemplate) t = g_new0 (PorteroTemplate, 1);
  t->name = g_strdup (name);
  t->path = g_strdup (name);
  t->subject = g_strdup (subject);
  t->body = g_utf8_make_valid (body, -1);
  t->body_line = 1;
  guint before = problems->len;
  scan_snippets (t, t->subject, 1, problems);
  scan_snippets (t, t->body, 1, problems);
  return problems->len > before ? NULL : g_steal_pointer (&t);
}

PorteroTemplate *
portero_template_find (const char *dir, const char *name, const char *lang, GError **error)
{
  const char *other = g_strcmp0 (lang, "es") == 0 ? "en" : "es";
  g_autofree char *a = g_strdup_printf ("%s.%s.tmpl", name, lang);
  g_autofree char *b = g_strdup_printf ("%s.tmpl", name);
  g_autofree char *c = g_strdup_printf ("%s.%s.tmpl", name, other);
  const char *candidates[] = { a, b, c };
  if (strchr (name, '/') != NULL || *name == '.' || *name == '\0')
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG, "template name \"%s\" is not a plain name", name);
      return NULL;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (candidates); i++)
    {
      g_autofree char *path = g_build_filename (dir, candidates[i], NULL);
      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        continue;
      g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (GError) transient = NULL;
      PorteroTemplate *t = load_template (path, problems, &transient);
      if (transient != NULL)
        g_propagate_error (error, g_steal_pointer (&transient));
      else if (t == NULL)
        {
          g_ptr_array_add (problems, NULL);
          g_autofree char *all = g_strjoinv ("; ", (char **) problems->pdata);
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG, "%s", all);
        }
      return t;
    }
  g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, "no template \"%s\" in %s", name, dir);
  return NULL;
}

/* g_ptr_array_sort passes pointers to the elements. */
static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

void
portero_template_check_dir (const char *dir, GPtrArray *problems)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *n;
  while ((n = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (n, ".tmpl"))
      g_ptr_array_add (names, g_strdup (n));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (names, i), NULL);
      portero_template_free (portero_template_load (path, problems));
    }
}

gboolean
portero_template_uses (const PorteroTemplate *t, PorteroSnippet snippet)
{
  return (t->uses & (G_GUINT64_CONSTANT (1) << snippet)) != 0;
}

static void
append_value (GString *out, const char *value, gboolean one_line)
{
  for (const char *v = value ? value : ""; *v; v++)
    {
      if (one_line && ((guchar) *v < 0x20 || *v == 0x7f))
        g_string_append_c (out, ' ');
      else
        g_string_append_c (out, *v);
    }
}

char *
portero_template_expand (const char *text, const char *const *values, gboolean one_line)
{
  GString *out = g_string_sized_new (strlen (text) + 256);
  const char *p = text;
  while (*p)
    {
      const char *open = strstr (p, "{[");
      const char *close = open ? strstr (open + 2, "]}") : NULL;
      if (open == NULL || close == NULL)
        {
          g_string_append (out, p);
          break;
        }
      g_string_append_len (out, p, open - p);
      g_autofree char *name = g_strndup (open + 2, close - open - 2);
      int s = portero_snippet_lookup (name);
      gsize before = out->len;
      if (s >= 0)
        append_value (out, values[s], one_line);
      drop_space_before_punctuation (out, before, close + 2);
      /* An unknown snippet is caught by the check; never sent raw. */
      p = close + 2;
    }
  return g_string_free (out, FALSE);
}

typedef struct {
  GString *out;
  const char *const *values;
  const char *const *trusted;
} Render;

static void
render_value (int s, PorteroMarkupContext context, int line G_GNUC_UNUSED, gpointer data)
{
  Render *r = data;
  const char *v = r->values[s] ? r->values[s] : "";
  switch (context)
    {
    case PORTERO_MARKUP_TEXT:
      if (r->trusted != NULL && r->trusted[s] != NULL)
        g_string_append (r->out, r->trusted[s]);
      else
        portero_markup_append_text (r->out, v, TRUE);
      break;
    case PORTERO_MARKUP_ATTR:
      portero_markup_append_attr (r->out, v);
      break;
    case PORTERO_MARKUP_URL_START:
      /* A link to anything else (javascript:, a name) is no link at all. */
      if (is_url_snippet (s) && portero_markup_url_ok (v))
        portero_markup_append_attr (r->out, v);
      break;
    case PORTERO_MARKUP_URL_PART:
      {
        g_autofree char *escaped = g_uri_escape_string (v, NULL, FALSE);
        portero_markup_append_attr (r->out, escaped);
      }
      break;
    case PORTERO_MARKUP_NONE:
      break;
    }
}

char *
portero_template_expand_html (const char *html, const char *const *values, const char *const *trusted)
{
  Render r = { g_string_sized_new (strlen (html) + 512), values, trusted };
  walk_html (html, 1, r.out, render_value, &r);
  return g_string_free (r.out, FALSE);
}

gboolean
portero_template_check_html_dir (const char *dir, GPtrArray *problems, GError **error)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return TRUE;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *n;
  while ((n = g_dir_read_name (d)) != NULL)
    if (g_str_has_suffix (n, ".html"))
      g_ptr_array_add (names, g_strdup (n));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *stem = g_strndup (path, strlen (path) - strlen (".html"));
      g_autofree char *tmpl = g_strconcat (stem, ".tmpl", NULL);
      if (!g_file_test (tmpl, G_FILE_TEST_IS_REGULAR))
        {
          g_ptr_array_add (problems, g_strdup_printf ("%s:0: no %s beside it: the text part comes from the .tmpl, "
                                                      "and is never made from the HTML", path, tmpl));
          continue;
        }
      /* Loading the pair checks the snippets (portero_template_check_dir);
       * the parser checks the rest, of the body after any header block. */
      g_autofree char *text = NULL;
      if (!g_file_get_contents (path, &text, NULL, NULL) || !g_utf8_validate (text, -1, NULL))
        continue;
      const char *body = text;
      int line = 1;
      if (g_ascii_strncasecmp (body, "Subject:", 8) == 0)
        for (const char *nl; (nl = strchr (body, '\n')) != NULL;)
          {
            gboolean blank = nl == body || (nl == body + 1 && *body == '\r');
            body = nl + 1;
            line++;
            if (blank)
              break;
          }
      if (!portero_markup_check (path, body, line, problems, error))
        return FALSE;
    }
  return TRUE;
}
