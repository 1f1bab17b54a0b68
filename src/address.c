/* address - e-mail address and domain normalisation */
#include "address.h"
#include <string.h>

char *
portero_domain_normalise (const char *domain)
{
  if (domain == NULL)
    return NULL;
  g_autofree char *trimmed = g_strstrip (g_strdup (domain));
  gsize len = strlen (trimmed);
  while (len > 0 && trimmed[len - 1] == '.')
    trimmed[--len] = '\0';
  if (len == 0 || trimmed[0] == '.' || strstr (trimmed, "..") != NULL)
    return NULL;
  if (!g_utf8_validate (trimmed, -1, NULL))
    return NULL;
  /* Domain literals such as [127.0.0.1] are kept as written. */
  if (trimmed[0] == '[')
    return trimmed[len - 1] == ']' ? g_ascii_strdown (trimmed, -1) : NULL;
  g_autofree char *folded = g_utf8_casefold (trimmed, -1);
  g_autofree char *ascii = g_hostname_to_ascii (folded);
  if (ascii == NULL)
    return NULL;
  for (const char *p = ascii; *p; p++)
    if (!(g_ascii_isalnum (*p) || *p == '-' || *p == '.' || *p == '_'))
      return NULL;
  return g_ascii_strdown (ascii, -1);
}

char *
portero_address_normalise (const char *address)
{
  if (address == NULL)
    return NULL;
  g_autofree char *s = g_strstrip (g_strdup (address));
  gsize len = strlen (s);
  if (len >= 2 && s[0] == '<' && s[len - 1] == '>')
    {
      s[len - 1] = '\0';
      memmove (s, s + 1, len - 1);
    }
  if (!g_utf8_validate (s, -1, NULL))
    return NULL;
  const char *at = strrchr (s, '@');
  if (at == NULL || at == s || at[1] == '\0')
    return NULL;
  for (const char *p = s; p < at; p++)
    if ((guchar) *p <= ' ' || *p == 0x7f || *p == '<' || *p == '>' || *p == ',')
      return NULL;
  g_autofree char *local = g_strndup (s, at - s);
  g_autofree char *domain = portero_domain_normalise (at + 1);
  if (domain == NULL)
    return NULL;
  /* Local parts are case-sensitive in RFC 5321 but no mail system in use
   * treats them so; a helpdesk that did would split one person in two. */
  g_autofree char *nfc = g_utf8_normalize (local, -1, G_NORMALIZE_NFC);
  if (nfc == NULL)
    return NULL;
  g_autofree char *lower = g_utf8_strdown (nfc, -1);
  return g_strconcat (lower, "@", domain, NULL);
}

const char *
portero_address_domain (const char *address)
{
  const char *at = strrchr (address, '@');
  return at ? at + 1 : "";
}

char *
portero_address_strip_extension (const char *address)
{
  const char *at = strrchr (address, '@');
  const char *plus = strchr (address, '+');
  if (at == NULL || plus == NULL || plus > at || plus == address)
    return g_strdup (address);
  return g_strdup_printf ("%.*s%s", (int) (plus - address), address, at);
}

gboolean
portero_address_is_robot (const char *address)
{
  static const char *const exact[] = {
    "mailer-daemon", "postmaster", "noreply", "no-reply", "no_reply",
    "donotreply", "do-not-reply", "do_not_reply", "bounce", "bounces",
    "nobody", "root", "daemon", "listserv", "majordomo", NULL,
  };
  const char *at = strrchr (address, '@');
  g_autofree char *local = at ? g_strndup (address, at - address) : g_strdup (address);
  for (const char *const *e = exact; *e; e++)
    if (g_ascii_strcasecmp (local, *e) == 0)
      return TRUE;
  return g_str_has_prefix (local, "owner-") || g_str_has_suffix (local, "-request")
         || g_str_has_prefix (local, "bounce-") || g_str_has_suffix (local, "-bounces");
}
