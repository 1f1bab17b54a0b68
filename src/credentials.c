/* credentials - portal passwords and one-time codes */
#include "credentials.h"
#include "error.h"
#include <sodium.h>
#include <string.h>

char *
portero_password_new (int length)
{
  static const char alphabet[] = PORTERO_PASSWORD_ALPHABET;
  char *out = g_malloc (length + 1);
  for (int i = 0; i < length; i++)
    out[i] = alphabet[randombytes_uniform (sizeof alphabet - 1)];
  out[length] = '\0';
  return out;
}

char *
portero_password_hash (const char *password, gint64 opslimit, gint64 memlimit, GError **error)
{
  char *hash = g_malloc (crypto_pwhash_STRBYTES);
  if (crypto_pwhash_str (hash, password, strlen (password), (unsigned long long) opslimit,
                         (size_t) memlimit) != 0)
    {
      g_free (hash);
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL,
                   "not enough memory to hash a password (argon2-memlimit %" G_GINT64_FORMAT ")", memlimit);
      return NULL;
    }
  return hash;
}

/* A hash of a password nobody has, made once, so that checking an unknown
 * user costs what checking a known one does. */
static const char *
dummy_hash (gint64 opslimit, gint64 memlimit)
{
  static char *hash;
  if (g_once_init_enter (&hash))
    {
      char *h = g_malloc (crypto_pwhash_STRBYTES);
      unsigned char rnd[16];
      randombytes_buf (rnd, sizeof rnd);
      if (crypto_pwhash_str (h, (const char *) rnd, sizeof rnd, (unsigned long long) opslimit, (size_t) memlimit) != 0)
        h[0] = '\0';
      g_once_init_leave (&hash, h);
    }
  return hash;
}

gboolean
portero_password_verify (const char *hash, const char *password, gint64 opslimit, gint64 memlimit)
{
  if (password == NULL)
    password = "";
  if (hash == NULL || *hash == '\0')
    {
      const char *dummy = dummy_hash (opslimit, memlimit);
      /* The result is always "no"; only the time spent matters. */
      if (*dummy != '\0' && crypto_pwhash_str_verify (dummy, password, strlen (password)) == 0)
        return FALSE;
      return FALSE;
    }
  return crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
}

gboolean
portero_password_needs_rehash (const char *hash, gint64 opslimit, gint64 memlimit)
{
  return crypto_pwhash_str_needs_rehash (hash, (unsigned long long) opslimit, (size_t) memlimit) != 0;
}

char *
portero_token_hash (const char *token)
{
  g_autofree char *clean = g_strstrip (g_ascii_strdown (token, -1));
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, clean, -1);
}

char *
portero_token_new (char **hash)
{
  unsigned char rnd[16];
  char hex[sizeof rnd * 2 + 1];
  randombytes_buf (rnd, sizeof rnd);
  sodium_bin2hex (hex, sizeof hex, rnd, sizeof rnd);
  sodium_memzero (rnd, sizeof rnd);
  if (hash != NULL)
    *hash = portero_token_hash (hex);
  return g_strdup (hex);
}
