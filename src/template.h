/* template - templates/NAME[.LANG].tmpl: loading, checking, snippet expansion
 *
 * A template is a header block (at least Subject:), a blank line and a body.
 * Beside it, NAME[.LANG].html may hold the same mail in HTML: then the mail
 * has both (multipart/alternative); the text is never made from the HTML.
 * Snippets are written {[Name]} with English or Spanish names. Expansion is
 * one pass over the template's own text: values (names, titles, anything a
 * message supplied) are inserted as data and never expanded again. */
#pragma once
#include <glib.h>

typedef enum {
  PORTERO_SNIPPET_PORTAL_ADDRESS,
  PORTERO_SNIPPET_PORTAL_USERNAME,
  PORTERO_SNIPPET_PORTAL_PASSWORD,
  PORTERO_SNIPPET_PORTAL_PASSWORD_LINK,
  PORTERO_SNIPPET_CONTACT_NAME,
  PORTERO_SNIPPET_CONTACT_FIRST_NAME,
  PORTERO_SNIPPET_CUSTOMER_NAME,
  PORTERO_SNIPPET_TICKET_ID,
  PORTERO_SNIPPET_TICKET_TITLE,
  PORTERO_SNIPPET_TICKET_STATUS,
  PORTERO_SNIPPET_SUPPORT_ADDRESS,
  PORTERO_SNIPPET_MY_TICKETS,
  PORTERO_SNIPPET_COMPANY_TICKETS,
  PORTERO_SNIPPET_PORTAL_NAME,      /* Customer Portal / Service Portal, by mode and language */
  PORTERO_SNIPPET_CUSTOMER_WORD,    /* customer / site */
  PORTERO_SNIPPET_CONTACT_WORD,     /* contact / user */
  PORTERO_SNIPPET_SUGGESTED_ARTICLES, /* knowledge base: the best few, linked (kb.h) */
  PORTERO_SNIPPET_MATCHING_ARTICLES,  /* knowledge base: the matching articles in full */
  PORTERO_SNIPPET_COUNT
} PorteroSnippet;

typedef struct {
  char *name;       /* NAME */
  char *lang;       /* "es", "en" or NULL for NAME.tmpl */
  char *path;
  char *subject;    /* the Subject: value, snippets unexpanded */
  char *body;
  int body_line;    /* line number of the body's first line, for messages */
  guint64 uses;     /* bit (1 << snippet) for each snippet the text uses (the HTML may use no
                     * credential or ticket list the text does not) */
  char *html_path;  /* NAME[.LANG].html beside the .tmpl, or NULL */
  char *html;       /* its body (after its header block, when it has one) */
  int html_line;    /* line number of the HTML body's first line */
} PorteroTemplate;

/* Read and check PATH. Every problem is a "PATH:LINE: message" string
 * appended to PROBLEMS; NULL when the file cannot be used at all. */
PorteroTemplate *portero_template_load (const char *path, GPtrArray *problems);
void portero_template_free (PorteroTemplate *t);

/* A template from text typed by a technician (a reply's body file): NAME is
 * only for messages; problems as for a file. */
PorteroTemplate *portero_template_new_from_text (const char *name, const char *subject, const char *body,
                                                 GPtrArray *problems);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PorteroTemplate, portero_template_free)

/* Find NAME in DIR for LANG: NAME.LANG.tmpl, then NAME.tmpl, then NAME in
 * the other language. NULL with PORTERO_ERROR_NOT_FOUND (or the file's
 * problems as PORTERO_ERROR_CONFIG) when none is usable, and with
 * PORTERO_ERROR_TEMPFAIL when the file could not be read just now (too many
 * open files, an I/O error): that is no fault of the file. */
PorteroTemplate *portero_template_find (const char *dir, const char *name, const char *lang, GError **error);

/* Check every *.tmpl in DIR; problems appended as "FILE:LINE: message". */
void portero_template_check_dir (const char *dir, GPtrArray *problems);

/* Check every *.html in DIR beyond what loading its .tmpl checks: that a
 * .tmpl is beside it, and with libxml2's HTML parser that it parses and
 * runs, loads and tracks nothing (see portero_markup_check). FALSE only when
 * libxml2 cannot be loaded. */
gboolean portero_template_check_html_dir (const char *dir, GPtrArray *problems, GError **error);

/* Whether T uses SNIPPET. */
gboolean portero_template_uses (const PorteroTemplate *t, PorteroSnippet snippet);

/* Expand TEXT with VALUES (indexed by PorteroSnippet; NULL renders as "").
 * ONE_LINE: CR, LF and other controls in values become spaces (for headers). */
char *portero_template_expand (const char *text, const char *const *values, gboolean one_line);

/* Expand the HTML body HTML with VALUES, each escaped for where its snippet
 * stands: element text (line ends as <br>), a quoted attribute value, or a
 * link: {[Portal Address]} and {[Portal Password Link]} may start a link's
 * address, and do only when they are http(s) addresses; any other value in
 * an address is percent-encoded; a snippet anywhere else renders as nothing.
 * TRUSTED (may be NULL), indexed as VALUES: HTML that portero itself made
 * safe for a snippet (never anything a customer wrote unescaped); used
 * instead of the escaped value in element text only. */
char *portero_template_expand_html (const char *html, const char *const *values, const char *const *trusted);

/* Set VALUES' snippets that name things as the mode does (the portal's name,
 * the customer and contact words) in T's language, else LANG; IT: IT mode. */
void portero_template_mode_values (const PorteroTemplate *t, const char *lang, gboolean it, const char **values);

/* A ticket status as a mail in LANG ("es" or "en") says it. */
const char *portero_template_status_word (const char *status, const char *lang);

/* The snippet named NAME (either language, any case), or -1. */
int portero_snippet_lookup (const char *name);
/* The English name of SNIPPET. */
const char *portero_snippet_name (PorteroSnippet snippet);
