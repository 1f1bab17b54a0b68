/* markup - values made safe for HTML, and HTML templates checked
 *
 * Anything a customer wrote reaches HTML only through these: escaped for the
 * context it lands in (element text or a quoted attribute value), links only
 * to http(s) addresses. Rendering needs no parser; libxml2 is opened only to
 * check a template (portero check). */
#pragma once
#include <glib.h>

/* Append S as element text: & < > " ' escaped, bidirectional override and
 * isolate controls dropped (a name cannot turn the text around it), other
 * controls but line ends dropped; with LINES, each line end becomes <br>. */
void portero_markup_append_text (GString *out, const char *s, gboolean lines);

/* Append S for a quoted attribute value: as text, and line ends as spaces. */
void portero_markup_append_attr (GString *out, const char *s);

/* S escaped as element text (no <br>). */
char *portero_markup_escape (const char *s);

/* Whether URL is an absolute http:// or https:// address with a host and no
 * white space, controls or quotes: the only addresses a value may link to. */
gboolean portero_markup_url_ok (const char *url);

/* Check the HTML template body TEXT of PATH (its first line is FIRST_LINE)
 * with libxml2's HTML parser: it parses, has no script, event handler,
 * javascript: address or external resource (images only as cid:). Each
 * problem is "PATH:LINE: message" appended to PROBLEMS. FALSE only when
 * libxml2 cannot be loaded. */
gboolean portero_markup_check (const char *path, const char *text, int first_line, GPtrArray *problems,
                               GError **error);

/* Where in an HTML template a snippet stands. */
typedef enum {
  PORTERO_MARKUP_TEXT,        /* element text */
  PORTERO_MARKUP_ATTR,        /* a quoted attribute value */
  PORTERO_MARKUP_URL_START,   /* the start of a quoted link or resource address */
  PORTERO_MARKUP_URL_PART,    /* later in such an address */
  PORTERO_MARKUP_NONE,        /* anywhere else: a tag, a comment, a style or script, an unquoted value, an event handler or style attribute */
} PorteroMarkupContext;

/* A small tokenizer that follows an HTML template's own text, written by an
 * administrator, far enough to tell a snippet's context. Values are never
 * fed to it: escaped, they cannot change the context. */
typedef struct {
  int state;
  char quote;
  gboolean closing;
  char tag[16];
  char attr[24];
  gsize tag_len, attr_len, value_len, dashes, raw_match;
} PorteroMarkupLexer;

void portero_markup_lexer_init (PorteroMarkupLexer *lx);
void portero_markup_lexer_feed (PorteroMarkupLexer *lx, const char *s, gsize len);
PorteroMarkupContext portero_markup_lexer_context (const PorteroMarkupLexer *lx);
