/* page - the portal's page frame, and the only ways text reaches a page:
 * every value through markup.h's escaping, markup only from literals */
#include "portal.h"
#include "../log.h"
#include "../markup.h"
#include <string.h>

void
page_text (PorteroPortal *p, const char *s)
{
  portero_markup_append_text (p->body, s ? s : "", FALSE);
}

void
page_lines (PorteroPortal *p, const char *s)
{
  portero_markup_append_text (p->body, s ? s : "", TRUE);
}

void
page_attr (PorteroPortal *p, const char *s)
{
  portero_markup_append_attr (p->body, s ? s : "");
}

void
page_html (PorteroPortal *p, const char *html)
{
  g_string_append (p->body, html);
}

static void
page_href (PorteroPortal *p, const char *path)
{
  g_autofree char *url = g_strconcat (p->script, path, NULL);
  page_attr (p, url);
}

/* For xgettext: the months, as page_date shows them. */
static const char *const months[] = {
  N_("January"), N_("February"), N_("March"), N_("April"), N_("May"), N_("June"), N_("July"),
  N_("August"), N_("September"), N_("October"), N_("November"), N_("December"),
};

void
page_date (PorteroPortal *p, const char *iso)
{
  if (p->tz == NULL)
    {
      const char *name = p->config->portal_timezone;
      if (name == NULL || *name == '\0')
        p->tz = g_time_zone_new_local ();
      else
        {
          /* g_time_zone_new gives UTC for a name it does not know. */
          p->tz = g_time_zone_new (name);
          if (strcmp (g_time_zone_get_identifier (p->tz), name) != 0)
            portero_log_warn ("[portal] timezone=%s: no such time zone; dates are shown in UTC", name);
        }
    }
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr (GDateTime) at = iso ? g_date_time_new_from_iso8601 (iso, utc) : NULL;
  g_autoptr (GDateTime) local = at ? g_date_time_to_timezone (at, p->tz) : NULL;
  if (local == NULL)
    {
      page_text (p, iso ? iso : "");
      return;
    }
  g_autofree char *clock = g_date_time_format (local, "%H:%M");
  /* "4 December 2026, 09:15 CET"; the reader's language orders the parts. */
  g_autofree char *shown = g_strdup_printf (T (p, N_("%d %s %d, %s %s")), g_date_time_get_day_of_month (local),
                                            T (p, months[g_date_time_get_month (local) - 1]),
                                            g_date_time_get_year (local), clock,
                                            g_date_time_get_timezone_abbreviation (local));
  page_html (p, "<time datetime=\"");
  page_attr (p, iso);
  page_html (p, "\">");
  page_text (p, shown);
  page_html (p, "</time>");
}

void
page_link (PorteroPortal *p, const char *path, const char *label)
{
  page_html (p, "<a href=\"");
  page_href (p, path);
  page_html (p, "\">");
  page_text (p, label);
  page_html (p, "</a>");
}

void
page_form (PorteroPortal *p, const char *path)
{
  page_html (p, "<form method=\"post\" action=\"");
  page_href (p, path);
  page_html (p, "\"><input type=\"hidden\" name=\"csrf\" value=\"");
  page_attr (p, p->csrf);
  page_html (p, "\">");
}

void
page_field (PorteroPortal *p, const char *label, const char *name, const char *type, const char *autocomplete)
{
  page_html (p, "<label>");
  page_text (p, label);
  if (strcmp (type, "textarea") == 0)
    {
      page_html (p, "<textarea name=\"");
      page_attr (p, name);
      page_html (p, "\" rows=\"8\" required></textarea></label>");
      return;
    }
  page_html (p, "<input name=\"");
  page_attr (p, name);
  page_html (p, "\" type=\"");
  page_attr (p, type);
  if (autocomplete)
    {
      page_html (p, "\" autocomplete=\"");
      page_attr (p, autocomplete);
    }
  page_html (p, "\" required></label>");
}

void
page_notice (PorteroPortal *p, const char *cls, const char *text)
{
  page_html (p, "<p class=\"");
  page_attr (p, cls);
  page_html (p, "\" role=\"status\">");
  page_text (p, text);
  page_html (p, "</p>");
}

const char *
portal_param (PorteroPortal *p, const char *name)
{
  const char *v = strcmp (p->method, "POST") == 0 ? g_hash_table_lookup (p->form, name) : NULL;
  if (v == NULL)
    v = g_hash_table_lookup (p->query, name);
  return v != NULL && g_utf8_validate (v, -1, NULL) ? v : NULL;
}

void
page_begin (PorteroPortal *p, const char *title)
{
  const char *portal = p->config && p->config->mode == PORTERO_MODE_IT ? N_("Service Portal") : N_("Customer Portal");
  page_html (p, "<!DOCTYPE html>\n<html lang=\"");
  page_attr (p, p->lang);
  page_html (p, "\"><head><meta charset=\"utf-8\">"
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>");
  page_text (p, title);
  page_html (p, " - ");
  page_text (p, T (p, portal));
  page_html (p, "</title><link rel=\"stylesheet\" href=\"");
  page_href (p, "/style.css");
  page_html (p, "\"></head><body><header><strong>");
  page_text (p, T (p, portal));
  page_html (p, "</strong>");
  page_html (p, "<nav>");
  if (p->contact != 0)
    {
      page_link (p, "/tickets", T (p, N_("My tickets")));
      if (p->me.main && !p->me.default_customer)
        {
          page_html (p, " ");
          page_link (p, "/company", T (p, N_("Company tickets")));
        }
      page_html (p, " ");
      page_link (p, "/new", T (p, N_("New ticket")));
      page_html (p, " ");
      page_link (p, "/kb", T (p, N_("Articles")));
      page_html (p, " ");
      page_link (p, "/password", T (p, N_("Password")));
      page_html (p, " ");
      page_link (p, "/sessions", T (p, N_("Sessions")));
      page_html (p, " ");
      page_form (p, "/sign-out");
      page_html (p, "<button type=\"submit\" class=\"link\">");
      page_text (p, T (p, N_("Sign out")));
      page_html (p, "</button></form>");
    }
  else
    {
      page_link (p, "/sign-in", T (p, N_("Sign in")));
      page_html (p, " ");
      page_link (p, "/kb", T (p, N_("Articles")));
    }
  page_html (p, "</nav></header><main><h1>");
  page_text (p, title);
  page_html (p, "</h1>");
}

void
page_end (PorteroPortal *p)
{
  page_html (p, "</main></body></html>\n");
}

void
page_redirect (PorteroPortal *p, const char *path)
{
  g_autofree char *url = g_strconcat (p->script, path, NULL);
  /* Only paths of this program: nothing a request sends becomes a host. */
  g_assert (path[0] == '/');
  p->status = 303;
  g_string_append_printf (p->headers, "Location: %s\r\n", url);
}

void
page_not_found (PorteroPortal *p)
{
  /* The same whether the object does not exist or is someone else's. */
  g_string_truncate (p->body, 0);
  p->status = 404;
  page_begin (p, T (p, N_("Not found")));
  page_notice (p, "error", T (p, N_("There is nothing here.")));
  page_end (p);
}

static const char style[] =
  ":root{--fg:#1d2430;--muted:#5b6675;--line:#d5dbe3;--bg:#f6f8fa;--accent:#1f5fae;--err:#a11d2b;--ok:#1d6b35}\n"
  "*{box-sizing:border-box}\n"
  "body{margin:0;font:16px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--fg);background:var(--bg)}\n"
  "header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;justify-content:space-between;"
  "padding:.75rem 1rem;background:#fff;border-bottom:1px solid var(--line)}\n"
  "nav{display:flex;flex-wrap:wrap;gap:.25rem .9rem;align-items:center}\n"
  "nav form{display:inline;margin:0;padding:0;border:0;background:none}\n"
  "main{max-width:52rem;margin:0 auto;padding:1rem}\n"
  "h1{font-size:1.5rem;margin:.5rem 0 1rem}\n"
  "a{color:var(--accent)}\n"
  "form{display:grid;gap:.8rem;max-width:32rem;background:#fff;padding:1rem;border:1px solid var(--line);border-radius:6px}\n"
  "label{display:grid;gap:.25rem;font-weight:600}\n"
  "input,textarea{font:inherit;padding:.5rem;border:1px solid var(--line);border-radius:4px;width:100%}\n"
  "button{font:inherit;padding:.55rem 1rem;border:0;border-radius:4px;background:var(--accent);color:#fff;cursor:pointer}\n"
  "button.link{background:none;color:var(--accent);padding:0;text-decoration:underline}\n"
  "table{width:100%;border-collapse:collapse;background:#fff}\n"
  "th,td{text-align:left;padding:.5rem;border-bottom:1px solid var(--line);vertical-align:top}\n"
  ".status{display:inline-block;padding:0 .5rem;border-radius:1rem;background:#e6edf7;font-size:.9rem}\n"
  ".error{color:var(--err)}.ok{color:var(--ok)}.muted{color:var(--muted)}\n"
  "article{background:#fff;border:1px solid var(--line);border-radius:6px;padding:.75rem 1rem;margin:0 0 1rem;overflow-wrap:anywhere}\n"
  "article.reply,article.auto{border-left:4px solid var(--accent)}\n"
  "article h2{font-size:1rem;margin:0 0 .5rem}\n"
  "@media (max-width:40rem){th.when,td.when{display:none}main{padding:.5rem}}\n";

gboolean
page_style (PorteroPortal *p, GError **error)
{
  (void) error;
  p->type = "text/css; charset=utf-8";
  g_string_append (p->body, style);
  return TRUE;
}
