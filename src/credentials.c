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

/* An argon2id hash string of a password nobody has, with the configured
 * limits: checking it costs what checking a real one does. It is written out
 * from random bytes, not computed, so that making it costs nothing: a check
 * against it must take no longer than one against a real hash. */
static const char *
dummy_hash (gint64 opslimit, gint64 memlimit)
{
  static char *hash;
  if (g_once_init_enter (&hash))
    {
      unsigned char salt[crypto_pwhash_SALTBYTES], out[32];
      char salt64[sodium_base64_ENCODED_LEN (sizeof salt, sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];
      char out64[sodium_base64_ENCODED_LEN (sizeof out, sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];
      randombytes_buf (salt, sizeof salt);
      randombytes_buf (out, sizeof out);
      sodium_bin2base64 (salt64, sizeof salt64, salt, sizeof salt, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
      sodium_bin2base64 (out64, sizeof out64, out, sizeof out, sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
      char *h = g_strdup_printf ("$argon2id$v=19$m=%" G_GINT64_FORMAT ",t=%" G_GINT64_FORMAT ",p=1$%s$%s",
                                 memlimit / 1024, opslimit, salt64, out64);
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
