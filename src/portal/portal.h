/* portal - portero-portal, the customer portal: one CGI request
 *
 * main.c reads the request and picks a page from its table; each page is a
 * function in a file of its own. Everything a customer or a mail wrote
 * reaches the page through page_text/page_attr (markup.h's escaping). */
#pragma once
#include "../config.h"
#include "../error.h"
#include "../i18n.h"
#include "../store.h"

/* Failed sign-ins from one client address within the hour before it is
 * refused (per contact: [credentials] auth-failures-per-hour). */
#define PORTAL_CLIENT_FAILURES_PER_HOUR 20
/* The largest form a POST may send. */
#define PORTAL_MAX_BODY (256 * 1024)

typedef struct {
  PorteroConfig *config;
  PorteroStore *store;

  /* the request */
  const char *method;        /* GET, POST, HEAD */
  const char *path;          /* PATH_INFO, "/" when empty */
  const char *script;        /* SCRIPT_NAME: links start with it */
  const char *origin;        /* HTTP_ORIGIN, may be NULL */
  const char *client;        /* REMOTE_ADDR */
  GHashTable *query;         /* decoded QUERY_STRING */
  GHashTable *form;          /* decoded POST body (application/x-www-form-urlencoded) */
  char *cookie;              /* the session cookie's token, or NULL */
  const char *lang;          /* "es" or "en" */
  gboolean https;            /* Secure cookie and the __Host- prefix */
  const char *cookie_name;

  /* the session */
  gint64 contact;            /* 0: nobody signed in */
  char *csrf;
  char *session_hash;        /* the session's token as stored (SHA-256 hex), or NULL */
  PorteroContactInfo me;
  GTimeZone *tz;             /* [portal] timezone, made at the first date shown */

  /* the response */
  int status;
  GString *headers;          /* extra header lines, each ending in \r\n */
  GString *body;
  const char *type;          /* Content-Type; NULL: text/html */
  GBytes *file;              /* a download instead of BODY */
  gboolean private_page;     /* no-store */
} PorteroPortal;

/* A message in the request's language. */
#define T(p, msgid) portero_i18n_in ((p)->lang, msgid)
/* A word in the configured mode (customer/site, contact/user), in the request's language. */
const char *portal_word (PorteroPortal *p, const char *msp_word);

/* page.c: the page's frame and the only ways text reaches it */
void page_begin (PorteroPortal *p, const char *title);
void page_end (PorteroPortal *p);
void page_text (PorteroPortal *p, const char *s);
void page_lines (PorteroPortal *p, const char *s);
void page_attr (PorteroPortal *p, const char *s);
/* Raw markup: only literals of this program, never a value. */
void page_html (PorteroPortal *p, const char *html);
/* A link to PATH under the program (PATH starts with /), escaped. */
void page_link (PorteroPortal *p, const char *path, const char *label);
/* <form method=post action=PATH> with the CSRF token. */
void page_form (PorteroPortal *p, const char *path);
/* <label>LABEL<input name=NAME type=TYPE ...></label> */
void page_field (PorteroPortal *p, const char *label, const char *name, const char *type, const char *autocomplete);
void page_notice (PorteroPortal *p, const char *cls, const char *text);
/* A stored time (ISO 8601 UTC), as the reader reads dates. */
void page_date (PorteroPortal *p, const char *iso);
/* 303 See Other to PATH under the program. */
void page_redirect (PorteroPortal *p, const char *path);
void page_not_found (PorteroPortal *p);
/* A form's value or a query's, or NULL. */
const char *portal_param (PorteroPortal *p, const char *name);
/* The stylesheet. */
gboolean page_style (PorteroPortal *p, GError **error);

/* session.c */
/* The session the cookie names, if any: p->contact, p->csrf, p->me. */
gboolean session_load (PorteroPortal *p, GError **error);
/* A new session for CONTACT, in place of any the cookie named. */
gboolean session_start (PorteroPortal *p, gint64 contact, GError **error);
gboolean session_end (PorteroPortal *p, GError **error);
/* Whether a POST carries the session's CSRF token (or, signed out, the
 * pre-session token of its cookie) and an Origin of this portal. */
gboolean session_post_ok (PorteroPortal *p);

/* submit.c: a customer's message into intake, as mail is (source=portal).
 * TICKET 0: a new ticket titled TITLE. *OUT_TICKET the ticket it went to. */
gboolean portal_submit (PorteroPortal *p, gint64 ticket, const char *title, const char *text, gint64 *out_ticket,
                        GError **error);

/* Pages: each answers one path. */
typedef gboolean (*PortalPage) (PorteroPortal *p, const char *arg, GError **error);
gboolean page_signin (PorteroPortal *p, const char *arg, GError **error);
gboolean page_signout (PorteroPortal *p, const char *arg, GError **error);
gboolean page_set_password (PorteroPortal *p, const char *arg, GError **error);
gboolean page_change_password (PorteroPortal *p, const char *arg, GError **error);
gboolean page_forgot (PorteroPortal *p, const char *arg, GError **error);
gboolean page_tickets (PorteroPortal *p, const char *arg, GError **error);
gboolean page_company (PorteroPortal *p, const char *arg, GError **error);
gboolean page_ticket (PorteroPortal *p, const char *arg, GError **error);
gboolean page_new_ticket (PorteroPortal *p, const char *arg, GError **error);
gboolean page_attachment (PorteroPortal *p, const char *arg, GError **error);
gboolean page_kb (PorteroPortal *p, const char *arg, GError **error);
gboolean page_sessions (PorteroPortal *p, const char *arg, GError **error);
