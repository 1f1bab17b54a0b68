/* session - who is signed in: a random 256-bit token in a cookie, kept in
 * the database only as its SHA-256; a CSRF token for every form */
#include "portal.h"
#include "../credentials.h"
#include <sodium.h>
#include <string.h>

/* 32 random bytes as 64 hex characters. */
static char *
random_hex (void)
{
  unsigned char bytes[32];
  char hex[sizeof bytes * 2 + 1];
  randombytes_buf (bytes, sizeof bytes);
  sodium_bin2hex (hex, sizeof hex, bytes, sizeof bytes);
  sodium_memzero (bytes, sizeof bytes);
  return g_strdup (hex);
}

static void
set_cookie (PorteroPortal *p, const char *name, const char *value, gboolean remove)
{
  /* No Domain and Path=/: what the __Host- prefix asks for. Lax: a link
   * from elsewhere still finds the customer signed in, a form from
   * elsewhere does not. */
  g_string_append_printf (p->headers, "Set-Cookie: %s=%s; Path=/; HttpOnly; SameSite=Lax%s%s\r\n", name, value,
                          p->https ? "; Secure" : "", remove ? "; Max-Age=0" : "");
}

static const char *
csrf_cookie_name (PorteroPortal *p)
{
  return p->https ? "__Host-portero-csrf" : "portero-csrf";
}

/* Whether TOKEN is 64 hex characters, as this program makes them. */
static gboolean
token_ok (const char *token)
{
  if (token == NULL || strlen (token) != 64)
    return FALSE;
  for (const char *c = token; *c; c++)
    if (!g_ascii_isxdigit (*c))
      return FALSE;
  return TRUE;
}

gboolean
session_load (PorteroPortal *p, GError **error)
{
  if (token_ok (p->cookie))
    {
      g_autofree char *hash = portero_token_hash (p->cookie);
      gint64 contact = 0;
      if (!portero_store_portal_session_get (p->store, hash, PORTERO_PORTAL_SESSION_IDLE,
                                             PORTERO_PORTAL_SESSION_ABSOLUTE, &contact, &p->csrf, error))
        return FALSE;
      if (contact != 0)
        p->session_hash = g_steal_pointer (&hash);
      if (contact != 0 && !portero_store_contact_info (p->store, contact, &p->me, error))
        return FALSE;
      p->contact = p->me.id;
    }
  if (p->contact != 0)
    return TRUE;
  g_clear_pointer (&p->csrf, g_free);
  /* Signed out: the forms (sign in, forgot, set a password) carry the token
   * of a cookie of their own, so that no other site can post them either. */
  const char *header = g_getenv ("HTTP_COOKIE");
  g_auto (GStrv) crumbs = g_strsplit (header ? header : "", ";", 64);
  const char *name = csrf_cookie_name (p);
  for (char **c = crumbs; *c && p->csrf == NULL; c++)
    {
      char *crumb = g_strstrip (*c);
      if (g_str_has_prefix (crumb, name) && crumb[strlen (name)] == '=' && token_ok (crumb + strlen (name) + 1))
        p->csrf = g_strdup (crumb + strlen (name) + 1);
    }
  if (p->csrf == NULL)
    {
      p->csrf = random_hex ();
      set_cookie (p, name, p->csrf, FALSE);
    }
  return TRUE;
}

/* What a person recognises of a User-Agent: "Firefox, Linux". Only this
 * is kept, not the whole header. */
static char *
agent_summary (const char *ua)
{
  static const struct { const char *mark, *name; } browsers[] = {
    { "Edg/", "Edge" }, { "OPR/", "Opera" }, { "Firefox/", "Firefox" }, { "Chromium/", "Chromium" },
    { "Chrome/", "Chrome" }, { "Safari/", "Safari" }, { "curl/", "curl" },
  };
  static const struct { const char *mark, *name; } systems[] = {
    { "Android", "Android" }, { "iPhone", "iOS" }, { "iPad", "iPadOS" }, { "Windows", "Windows" },
    { "Mac OS X", "macOS" }, { "CrOS", "ChromeOS" }, { "Linux", "Linux" },
  };
  const char *browser = NULL, *system = NULL;
  for (gsize i = 0; ua != NULL && i < G_N_ELEMENTS (browsers) && browser == NULL; i++)
    if (strstr (ua, browsers[i].mark) != NULL)
      browser = browsers[i].name;
  for (gsize i = 0; ua != NULL && i < G_N_ELEMENTS (systems) && system == NULL; i++)
    if (strstr (ua, systems[i].mark) != NULL)
      system = systems[i].name;
  if (browser && system)
    return g_strconcat (browser, ", ", system, NULL);
  return g_strdup (browser ? browser : system ? system : "");
}

gboolean
session_start (PorteroPortal *p, gint64 contact, GError **error)
{
  /* A new token at every sign-in: one fixed before it is worth nothing. */
  if (token_ok (p->cookie))
    {
      g_autofree char *old = portero_token_hash (p->cookie);
      if (!portero_store_portal_session_delete (p->store, old, error))
        return FALSE;
    }
  g_autofree char *token = random_hex ();
  g_autofree char *hash = portero_token_hash (token);
  g_autofree char *csrf = random_hex ();
  g_autofree char *agent = agent_summary (g_getenv ("HTTP_USER_AGENT"));
  if (!portero_store_portal_session_add (p->store, hash, contact, csrf, p->client, agent, PORTERO_PORTAL_SESSION_IDLE,
                                         PORTERO_PORTAL_SESSION_ABSOLUTE, error))
    return FALSE;
  g_free (p->session_hash);
  p->session_hash = g_steal_pointer (&hash);
  set_cookie (p, p->cookie_name, token, FALSE);
  sodium_memzero (token, strlen (token));
  g_free (p->csrf);
  p->csrf = g_steal_pointer (&csrf);
  return TRUE;
}

gboolean
session_end (PorteroPortal *p, GError **error)
{
  if (token_ok (p->cookie))
    {
      g_autofree char *hash = portero_token_hash (p->cookie);
      if (!portero_store_portal_session_delete (p->store, hash, error))
        return FALSE;
    }
  set_cookie (p, p->cookie_name, "", TRUE);
  p->contact = 0;
  return TRUE;
}

/* scheme://host[:port] of the configured portal address. */
static char *
portal_origin (const char *address)
{
  const char *host = strstr (address, "://");
  if (host == NULL)
    return g_strdup (address);
  const char *end = strchr (host + 3, '/');
  return end ? g_strndup (address, end - address) : g_strdup (address);
}

gboolean
session_post_ok (PorteroPortal *p)
{
  const char *sent = g_hash_table_lookup (p->form, "csrf");
  if (p->csrf == NULL || sent == NULL || strlen (sent) != strlen (p->csrf)
      || sodium_memcmp (sent, p->csrf, strlen (sent)) != 0)
    return FALSE;
  /* The Origin of a form of this portal is its own; under Referrer-Policy
   * no-referrer browsers send "null" instead, and then Sec-Fetch-Site must
   * say that the form came from this site. */
  g_autofree char *origin = portal_origin (p->config->portal_address);
  const char *site = g_getenv ("HTTP_SEC_FETCH_SITE");
  if (p->origin != NULL && g_ascii_strcasecmp (p->origin, origin) == 0)
    return site == NULL || strcmp (site, "same-origin") == 0;
  return p->origin != NULL && strcmp (p->origin, "null") == 0 && site != NULL && strcmp (site, "same-origin") == 0;
}
