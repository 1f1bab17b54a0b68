/* kb - knowledge-base articles: the list, a search, one article; each as
 * its visibility allows the reader (signed out: public ones only). An
 * article's HTML is libcmark's rendering of the administrator's file, with
 * raw HTML dropped (kb.h); the page's CSP allows no script in any case. */
#include "portal.h"
#include "../kb.h"
#include <string.h>

static PorteroKbAudience
audience_of (PorteroPortal *p)
{
  PorteroKbAudience a = { 0 };
  if (p->contact != 0 && !p->me.default_customer)
    {
      a.customers = TRUE;
      a.customer = p->me.customer;
    }
  return a;
}

/* Of the language versions of one article in ROWS from index I on, the one
 * to show: the reader's language, else one without a language, else the
 * first. *NEXT: the index after this article's versions. */
static char **
pick_version (PorteroPortal *p, GPtrArray *rows, guint i, guint *next)
{
  char **first = g_ptr_array_index (rows, i);
  char **best = first;
  int best_rank = 0;
  guint j = i;
  for (; j < rows->len; j++)
    {
      char **a = g_ptr_array_index (rows, j);
      if (strcmp (a[0], first[0]) != 0)
        break;
      int rank = strcmp (a[1], p->lang) == 0 ? 2 : *a[1] == '\0' ? 1 : 0;
      if (rank > best_rank)
        {
          best = a;
          best_rank = rank;
        }
    }
  *next = j;
  return best;
}

static void
search_form (PorteroPortal *p, const char *q)
{
  page_html (p, "<form method=\"get\" action=\"");
  g_autofree char *action = g_strconcat (p->script, "/kb", NULL);
  page_attr (p, action);
  page_html (p, "\" role=\"search\"><label>");
  page_text (p, T (p, N_("Search the articles")));
  page_html (p, "<input type=\"search\" name=\"q\" value=\"");
  page_attr (p, q ? q : "");
  page_html (p, "\"></label><button type=\"submit\">");
  page_text (p, T (p, N_("Search")));
  page_html (p, "</button></form>");
}

static void
article_link (PorteroPortal *p, const char *name, const char *title)
{
  g_autofree char *path = g_strconcat ("/kb/", name, NULL);
  page_html (p, "<li>");
  page_link (p, path, title);
  page_html (p, "</li>");
}

gboolean
page_kb (PorteroPortal *p, const char *arg, GError **error)
{
  PorteroKbAudience audience = audience_of (p);
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  if (arg != NULL)
    {
      if (!g_utf8_validate (arg, -1, NULL))
        {
          page_not_found (p);
          return TRUE;
        }
      if (!portero_store_portal_articles (p->store, &audience, arg, rows, error))
        return FALSE;
      if (rows->len == 0)
        {
          page_not_found (p);
          return TRUE;
        }
      guint next = 0;
      char **a = pick_version (p, rows, 0, &next);
      page_begin (p, a[2]);
      page_html (p, "<article>");
      /* libcmark's HTML of the administrator's article (no raw HTML). */
      page_html (p, a[3]);
      page_html (p, "</article><p>");
      page_link (p, "/kb", T (p, N_("All articles")));
      page_html (p, "</p>");
      page_end (p);
      return TRUE;
    }
  const char *q = portal_param (p, "q");
  page_begin (p, T (p, N_("Articles")));
  search_form (p, q);
  page_html (p, "<ul>");
  if (q != NULL && *q != '\0')
    {
      g_autoptr (GPtrArray) hits = g_ptr_array_new_with_free_func ((GDestroyNotify) portero_kb_hit_free);
      if (!portero_kb_search (p->store, q, "", &audience, 20, PORTERO_KB_ANY, hits, error))
        return FALSE;
      for (guint i = 0; i < hits->len; i++)
        {
          PorteroKbHit *h = g_ptr_array_index (hits, i);
          article_link (p, h->name, h->title);
        }
      if (hits->len == 0)
        page_notice (p, "muted", T (p, N_("No article matches.")));
    }
  else
    {
      if (!portero_store_portal_articles (p->store, &audience, NULL, rows, error))
        return FALSE;
      for (guint i = 0, next = 0; i < rows->len; i = next)
        {
          char **a = pick_version (p, rows, i, &next);
          article_link (p, a[0], a[2]);
        }
    }
  page_html (p, "</ul>");
  page_end (p);
  return TRUE;
}
