/* kb - the knowledge base: NAME[.LANG].md articles, their index, and the
 * articles a mail suggests or answers with
 *
 * An article is a header block (Title:, Keywords:, Visibility:), a blank
 * line and CommonMark text. `portero kb sync` renders it with libcmark (to
 * HTML, and to plain text by walking cmark's tree) and indexes it through
 * the store; a delivery only searches the index and never loads libcmark. */
#pragma once
#include "store.h"
#include <glib.h>

typedef struct {
  char *path;
  char *file;        /* base name: NAME[.LANG].md */
  char *name;
  char *lang;        /* "es", "en" or NULL */
  char *title;
  char *keywords;
  char *visibility;  /* public | customers | internal | customer */
  char *customer;    /* for "customer NAME" */
  char *markdown;    /* the article after the header block */
  int body_line;
} PorteroArticle;

/* Read and check PATH. Problems are "PATH:LINE: message" strings appended
 * to PROBLEMS; NULL when the file cannot be used. */
PorteroArticle *portero_article_load (const char *path, GPtrArray *problems);
void portero_article_free (PorteroArticle *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PorteroArticle, portero_article_free)

/* MARKDOWN (CommonMark) as HTML (raw HTML in it is dropped) and as plain
 * text; libcmark is opened on first use (PORTERO_ERROR_TEMPFAIL if missing). */
gboolean portero_kb_render (const char *markdown, char **html, char **text, GError **error);

/* Check every *.md in DIR; problems appended as "FILE:LINE: message". */
void portero_kb_check_dir (const char *dir, GPtrArray *problems);

typedef struct {
  guint indexed;    /* new or changed files indexed */
  guint removed;    /* files gone (or broken now) taken out of the index */
  guint unchanged;
} PorteroKbSyncStats;

/* Bring the index in line with DIR (a missing folder is empty) in one
 * transaction: changed files re-rendered, removed ones dropped. Files that
 * do not parse are left out, their problems appended to PROBLEMS. */
gboolean portero_kb_sync (PorteroStore *store, const char *dir, PorteroKbSyncStats *stats, GPtrArray *problems,
                          GError **error);

/* The search terms of a request: TITLE (without a leading "[...]" tag) and
 * the start of BODY (quoted lines skipped), folded, without accents and
 * common words, each cut to a stem that is matched as a prefix. */
char **portero_kb_terms (const char *title, const char *body);

/* Which matches a search keeps. */
typedef enum {
  PORTERO_KB_ANY,        /* every article with one of the words */
  PORTERO_KB_ASKED,      /* those near the best: a customer asked for articles */
  PORTERO_KB_SUGGESTED,  /* and above the threshold: unasked suggestions */
} PorteroKbRelevance;

/* Search for TITLE and BODY as AUDIENCE may read; at most LIMIT articles,
 * one version of each name, best first (PorteroKbHit *), kept as RELEVANCE
 * says. */
gboolean portero_kb_search (PorteroStore *store, const char *title, const char *body,
                            const PorteroKbAudience *audience, int limit, PorteroKbRelevance relevance,
                            GPtrArray *hits, GError **error);

/* What a snippet expands to, as text and as HTML (escaped). */
typedef struct {
  char *text;
  char *html;
  guint count;   /* articles in it */
} PorteroKbRendering;
void portero_kb_rendering_clear (PorteroKbRendering *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PorteroKbRendering, portero_kb_rendering_clear)

/* {[Suggested Articles]}: the best few relevant articles, title, link
 * (PORTAL/kb/NAME) and a short extract each; empty when none is good enough.
 * {[Matching Articles]} (FULL): the articles in full (near the best match,
 * with no threshold: the customer asked, and a knowledge base of a handful of
 * articles scores low), or a sentence in LANG saying none matched. */
gboolean portero_kb_snippet (PorteroStore *store, const char *title, const char *body,
                             const PorteroKbAudience *audience, const char *portal, const char *lang, gboolean full,
                             PorteroKbRendering *out, GError **error);
