/* tickets - my tickets, the company's tickets, one ticket's thread with a
 * reply form, a new ticket, and an attachment of one's own ticket. Another
 * customer's ticket is "not found", as one that does not exist. */
#include "portal.h"
#include "../attachment.h"
#include "../template.h"
#include <string.h>

/* The largest title and text a form may give. */
#define MAX_TITLE 200
#define MAX_TEXT (100 * 1024)

/* Whether the signed-in contact may read TICKET: its own, or its company's
 * for a main contact of a real customer (never of the default one). */
static gboolean
may_read (PorteroPortal *p, gint64 ticket, PorteroTicketInfo *info, gboolean *ok, GError **error)
{
  *ok = FALSE;
  if (ticket <= 0)
    return TRUE;
  if (!portero_store_ticket_info (p->store, ticket, info, error))
    return FALSE;
  *ok = info->id != 0
        && (info->contact_id == p->contact
            || (p->me.main && !p->me.default_customer && info->customer_id == p->me.customer_id));
  return TRUE;
}

static gint64
number (const char *arg)
{
  guint64 v = 0;
  return arg && g_ascii_string_to_unsigned (arg, 10, 1, G_MAXINT64, &v, NULL) ? (gint64) v : 0;
}

static void
ticket_table (PorteroPortal *p, GPtrArray *rows, gboolean requester)
{
  if (rows->len == 0)
    {
      page_notice (p, "muted", T (p, N_("There are no tickets yet.")));
      return;
    }
  page_html (p, "<table><thead><tr><th>#</th><th>");
  page_text (p, T (p, N_("Title")));
  page_html (p, "</th><th>");
  page_text (p, T (p, N_("Status")));
  if (requester)
    {
      page_html (p, "</th><th>");
      page_text (p, portal_word (p, "Contact"));
    }
  page_html (p, "</th><th class=\"when\">");
  page_text (p, T (p, N_("Updated")));
  page_html (p, "</th></tr></thead><tbody>");
  for (guint i = 0; i < rows->len; i++)
    {
      char **r = g_ptr_array_index (rows, i);
      g_autofree char *path = g_strconcat ("/ticket/", r[0], NULL);
      page_html (p, "<tr><td>");
      page_text (p, r[0]);
      page_html (p, "</td><td>");
      page_link (p, path, r[1]);
      page_html (p, "</td><td><span class=\"status\">");
      page_text (p, portero_template_status_word (r[2], p->lang));
      page_html (p, "</span></td>");
      if (requester)
        {
          page_html (p, "<td>");
          page_text (p, r[4]);
          page_html (p, "</td>");
        }
      page_html (p, "<td class=\"when\">");
      page_date (p, r[3]);
      page_html (p, "</td></tr>");
    }
  page_html (p, "</tbody></table>");
}

gboolean
page_tickets (PorteroPortal *p, const char *arg, GError **error)
{
  (void) arg;
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  if (!portero_store_portal_tickets (p->store, p->contact, 0, rows, error))
    return FALSE;
  page_begin (p, T (p, N_("My tickets")));
  page_html (p, "<p>");
  page_link (p, "/new", T (p, N_("Open a new ticket")));
  page_html (p, "</p>");
  ticket_table (p, rows, FALSE);
  page_end (p);
  return TRUE;
}

gboolean
page_company (PorteroPortal *p, const char *arg, GError **error)
{
  (void) arg;
  if (!p->me.main || p->me.default_customer)
    {
      page_not_found (p);
      return TRUE;
    }
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  if (!portero_store_portal_tickets (p->store, p->contact, p->me.customer_id, rows, error))
    return FALSE;
  g_autofree char *title = g_strdup_printf (T (p, N_("Tickets of %s")), p->me.customer);
  page_begin (p, title);
  ticket_table (p, rows, TRUE);
  page_end (p);
  return TRUE;
}

/* A form's text field, trimmed, valid UTF-8 and at most MAX bytes; NULL when
 * empty. */
static char *
form_text (PorteroPortal *p, const char *name, gsize max)
{
  const char *v = g_hash_table_lookup (p->form, name);
  if (v == NULL || !g_utf8_validate (v, -1, NULL) || strlen (v) > max)
    return NULL;
  char *s = g_strstrip (g_strdup (v));
  if (*s == '\0')
    g_clear_pointer (&s, g_free);
  return s;
}

static void
thread_message (PorteroPortal *p, char **m)
{
  gboolean ours = strcmp (m[1], "mail") != 0;
  page_html (p, "<article class=\"");
  page_attr (p, m[1]);
  page_html (p, "\"><h2>");
  page_text (p, ours ? T (p, N_("Support")) : (*m[3] ? m[3] : m[2]));
  page_html (p, " <span class=\"muted\">");
  page_date (p, m[4]);
  page_html (p, "</span></h2><div>");
  page_lines (p, m[5]);
  page_html (p, "</div>");
  return;
}

static gboolean
thread_attachments (PorteroPortal *p, const char *message, GError **error)
{
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  if (!portero_store_portal_attachments (p->store, number (message), rows, error))
    return FALSE;
  page_html (p, "<ul>");
  for (guint i = 0; i < rows->len; i++)
    {
      char **a = g_ptr_array_index (rows, i);
      g_autofree char *path = g_strdup_printf ("/attachment/%s/%u", message, i + 1);
      g_autofree char *name = portero_attachment_file_name (a[0], T (p, N_("attachment")));
      page_html (p, "<li>");
      page_link (p, path, name);
      page_html (p, " <span class=\"muted\">");
      page_text (p, a[1]);
      page_html (p, "</span></li>");
    }
  page_html (p, "</ul>");
  return TRUE;
}

gboolean
page_ticket (PorteroPortal *p, const char *arg, GError **error)
{
  gint64 id = number (arg);
  PorteroTicketInfo info = { 0 };
  gboolean ok = FALSE;
  if (!may_read (p, id, &info, &ok, error))
    return FALSE;
  g_autofree char *title = g_strdup (info.title);
  g_autofree char *status = g_strdup (info.status);
  portero_ticket_info_clear (&info);
  if (!ok)
    {
      page_not_found (p);
      return TRUE;
    }
  g_autofree char *path = g_strdup_printf ("/ticket/%" G_GINT64_FORMAT, id);
  if (strcmp (p->method, "POST") == 0)
    {
      g_autofree char *text = form_text (p, "text", MAX_TEXT);
      if (text != NULL)
        {
          gint64 ticket = 0;
          if (!portal_submit (p, id, NULL, text, &ticket, error))
            return FALSE;
        }
      page_redirect (p, path);
      return TRUE;
    }
  g_autoptr (GPtrArray) thread = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  if (!portero_store_portal_thread (p->store, id, thread, error))
    return FALSE;
  g_autofree char *heading = g_strdup_printf ("[#%" G_GINT64_FORMAT "] %s", id, title);
  page_begin (p, heading);
  page_html (p, "<p>");
  page_text (p, T (p, N_("Status")));
  page_html (p, ": <span class=\"status\">");
  page_text (p, portero_template_status_word (status, p->lang));
  page_html (p, "</span></p>");
  for (guint i = 0; i < thread->len; i++)
    {
      char **m = g_ptr_array_index (thread, i);
      thread_message (p, m);
      if (strcmp (m[6], "0") != 0 && !thread_attachments (p, m[0], error))
        return FALSE;
      page_html (p, "</article>");
    }
  page_html (p, "<h2>");
  page_text (p, T (p, N_("Reply")));
  page_html (p, "</h2>");
  page_form (p, path);
  page_field (p, T (p, N_("Your message")), "text", "textarea", NULL);
  page_html (p, "<button type=\"submit\">");
  page_text (p, T (p, N_("Send")));
  page_html (p, "</button></form>");
  page_end (p);
  return TRUE;
}

gboolean
page_new_ticket (PorteroPortal *p, const char *arg, GError **error)
{
  (void) arg;
  const char *notice = NULL;
  if (strcmp (p->method, "POST") == 0)
    {
      g_autofree char *title = form_text (p, "title", MAX_TITLE);
      g_autofree char *text = form_text (p, "text", MAX_TEXT);
      if (title != NULL && text != NULL)
        {
          gint64 ticket = 0;
          if (!portal_submit (p, 0, title, text, &ticket, error))
            return FALSE;
          if (ticket != 0)
            {
              g_autofree char *path = g_strdup_printf ("/ticket/%" G_GINT64_FORMAT, ticket);
              page_redirect (p, path);
              return TRUE;
            }
          notice = T (p, N_("Your message was received; a technician will file it."));
        }
      else
        notice = T (p, N_("Give a title and a message."));
    }
  page_begin (p, T (p, N_("New ticket")));
  if (notice)
    page_notice (p, "error", notice);
  page_form (p, "/new");
  page_field (p, T (p, N_("Title")), "title", "text", "off");
  page_field (p, T (p, N_("Your message")), "text", "textarea", NULL);
  page_html (p, "<button type=\"submit\">");
  page_text (p, T (p, N_("Open the ticket")));
  page_html (p, "</button></form>");
  page_end (p);
  return TRUE;
}

/* "filename*" of RFC 6266: UTF-8, percent-encoded. */
static char *
disposition (const char *name)
{
  g_autofree char *ascii = g_str_to_ascii (name, "C");
  for (char *c = ascii; *c; c++)
    if (*c == '"' || *c == '\\' || *c == '%' || (unsigned char) *c < 0x20 || *c == 0x7f)
      *c = '_';
  g_autofree char *escaped = g_uri_escape_string (name, NULL, FALSE);
  return g_strdup_printf ("attachment; filename=\"%s\"; filename*=UTF-8''%s", ascii, escaped);
}

gboolean
page_attachment (PorteroPortal *p, const char *arg, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (arg, "/", 3);
  gint64 message = number (parts[0]);
  gint64 n = parts[0] && parts[1] && !parts[2] ? number (parts[1]) : 0;
  gint64 ticket = 0;
  if (message == 0 || n == 0 || n > G_MAXUINT)
    {
      page_not_found (p);
      return TRUE;
    }
  if (!portero_store_portal_message_ticket (p->store, message, &ticket, error))
    return FALSE;
  PorteroTicketInfo info = { 0 };
  gboolean ok = FALSE;
  if (!may_read (p, ticket, &info, &ok, error))
    return FALSE;
  portero_ticket_info_clear (&info);
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
  if (ok && !portero_store_portal_attachments (p->store, message, rows, error))
    return FALSE;
  if (!ok || n > rows->len)
    {
      page_not_found (p);
      return TRUE;
    }
  g_autoptr (GError) local = NULL;
  g_autoptr (GBytes) raw = portero_store_message_raw (p->store, message, &local);
  GBytes *content = raw ? portero_attachment_content (raw, (guint) n, NULL, &local) : NULL;
  if (content == NULL)
    {
      if (!g_error_matches (local, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND)
          && !g_error_matches (local, PORTERO_ERROR, PORTERO_ERROR_DATA))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      page_not_found (p);
      return TRUE;
    }
  char **a = g_ptr_array_index (rows, n - 1);
  g_autofree char *name = portero_attachment_file_name (a[0], "attachment");
  g_autofree char *header = disposition (name);
  /* Never rendered here: a download, whatever it claims to be. */
  p->type = "application/octet-stream";
  p->file = content;
  p->private_page = TRUE;
  g_string_append_printf (p->headers, "Content-Disposition: %s\r\n", header);
  return TRUE;
}
