/* msgid - portero's own Message-IDs
 *
 * References headers are written by whoever sends the mail, so a ticket
 * number in them proves nothing. Ours carry a MAC over the ticket number and
 * a random part (as osTicket does), so only mail that really answers
 * portero's mail can use one to join a ticket. */
#include "msgid.h"
#include <string.h>

#define MAC_BYTES 10

static void
mac_hex (const PorteroKeys *keys, const char *payload, char out[MAC_BYTES * 2 + 1])
{
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256 (mac, (const unsigned char *) payload, strlen (payload), keys->hmac);
  sodium_bin2hex (out, MAC_BYTES * 2 + 1, mac, MAC_BYTES);
}

char *
portero_msgid_new (const PorteroKeys *keys, gint64 ticket, const char *host)
{
  unsigned char rnd[8];
  char rnd_hex[sizeof rnd * 2 + 1];
  char mac[MAC_BYTES * 2 + 1];
  randombytes_buf (rnd, sizeof rnd);
  sodium_bin2hex (rnd_hex, sizeof rnd_hex, rnd, sizeof rnd);
  g_autofree char *payload = g_strdup_printf ("portero.%" G_GINT64_FORMAT ".%s", ticket, rnd_hex);
  mac_hex (keys, payload, mac);
  return g_strdup_printf ("%s.%s@%s", payload, mac, host && *host ? host : "portero.invalid");
}

gboolean
portero_msgid_verify (const PorteroKeys *keys, const char *id, gint64 *ticket)
{
  if (id == NULL)
    return FALSE;
  while (*id == '<' || *id == ' ')
    id++;
  if (!g_str_has_prefix (id, "portero."))
    return FALSE;
  const char *at = strchr (id, '@');
  if (at == NULL)
    return FALSE;
  g_autofree char *local = g_strndup (id, at - id);
  /* portero . TICKET . RANDOM . MAC */
  g_auto (GStrv) parts = g_strsplit (local, ".", -1);
  if (g_strv_length (parts) != 4 || strlen (parts[3]) != MAC_BYTES * 2)
    return FALSE;
  guint64 n = 0;
  if (!g_ascii_string_to_unsigned (parts[1], 10, 1, G_MAXINT64, &n, NULL))
    return FALSE;
  g_autofree char *payload = g_strdup_printf ("portero.%s.%s", parts[1], parts[2]);
  char want[MAC_BYTES * 2 + 1];
  mac_hex (keys, payload, want);
  g_autofree char *got = g_ascii_strdown (parts[3], -1);
  if (sodium_memcmp (want, got, MAC_BYTES * 2) != 0)
    return FALSE;
  if (ticket)
    *ticket = (gint64) n;
  return TRUE;
}
