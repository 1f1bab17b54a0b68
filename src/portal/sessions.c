/* sessions - the contact's own sessions (ASVS 3.3.4): where and when each
 * was opened and last used, and "sign out everywhere else" */
#include "portal.h"
#include "../log.h"
#include <string.h>

gboolean
page_sessions (PorteroPortal *p, const char *arg, GError **error)
{
  (void) arg;
  p->private_page = TRUE;
  if (strcmp (p->method, "POST") == 0)
    {
      /* The CSRF token and Origin were checked before any page runs. */
      gint64 ended = 0;
      if (!portero_store_portal_sessions_end_others (p->store, p->contact, p->session_hash, &ended, error))
        return FALSE;
      portero_log_info ("portal: <%s> ended %" G_GINT64_FORMAT " other session(s) from %s", p->me.email, ended,
                        p->client);
      page_redirect (p, "/sessions?done=1");
      return TRUE;
    }
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  if (!portero_store_portal_sessions (p->store, p->contact, p->session_hash, PORTERO_PORTAL_SESSION_IDLE,
                                      PORTERO_PORTAL_SESSION_ABSOLUTE, rows, error))
    return FALSE;
  page_begin (p, T (p, N_("Your sessions")));
  if (portal_param (p, "done"))
    page_notice (p, "ok", T (p, N_("Every other session is signed out.")));
  page_html (p, "<table><thead><tr><th class=\"when\">");
  page_text (p, T (p, N_("Signed in")));
  page_html (p, "</th><th class=\"when\">");
  page_text (p, T (p, N_("Last used")));
  page_html (p, "</th><th>");
  page_text (p, T (p, N_("Network address")));
  page_html (p, "</th><th>");
  page_text (p, T (p, N_("Browser")));
  page_html (p, "</th></tr></thead><tbody>");
  guint others = 0;
  for (guint i = 0; i < rows->len; i++)
    {
      char **r = g_ptr_array_index (rows, i);
      gboolean this = strcmp (r[4], "1") == 0;
      others += !this;
      page_html (p, "<tr><td class=\"when\">");
      page_date (p, r[0]);
      page_html (p, "</td><td class=\"when\">");
      page_date (p, r[1]);
      page_html (p, "</td><td>");
      page_text (p, r[2]);
      page_html (p, "</td><td>");
      page_text (p, *r[3] ? r[3] : T (p, N_("unknown")));
      if (this)
        {
          page_html (p, " <strong class=\"this\">");
          page_text (p, T (p, N_("(this session)")));
          page_html (p, "</strong>");
        }
      page_html (p, "</td></tr>");
    }
  page_html (p, "</tbody></table>");
  if (others > 0)
    {
      page_form (p, "/sessions");
      page_html (p, "<button type=\"submit\">");
      page_text (p, T (p, N_("Sign out everywhere else")));
      page_html (p, "</button></form>");
    }
  page_end (p);
  return TRUE;
}
