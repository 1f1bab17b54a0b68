/* keys - the installation's secrets
 *
 * The key file is a GKeyFile with one group [keys] holding base64 values, so
 * that an administrator can read what it is without being able to use it. */
#include "keys.h"
#include "error.h"
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static gboolean
read_key (GKeyFile *kf, const char *path, const char *name, unsigned char *out, gsize len,
          GError **error)
{
  g_autofree char *b64 = g_key_file_get_string (kf, "keys", name, NULL);
  if (b64 == NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG, "%s: [keys] %s: missing", path, name);
      return FALSE;
    }
  gsize got = 0;
  g_autofree guchar *raw = g_base64_decode (g_strstrip (b64), &got);
  if (got != len)
    {
      if (raw != NULL)
        sodium_memzero (raw, got);
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG,
                   "%s: [keys] %s: not %" G_GSIZE_FORMAT " bytes of base64", path, name, len);
      return FALSE;
    }
  memcpy (out, raw, len);
  sodium_memzero (raw, got);
  return TRUE;
}

PorteroKeys *
portero_keys_load (const char *path, GError **error)
{
  /* O_NOFOLLOW: a key file swapped for a symbolic link to another file is
   * refused, not read with the caller's rights. */
  int fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG, "key file %s: %s", path,
                   saved == ELOOP ? "is a symbolic link" : g_strerror (saved));
      return NULL;
    }
  struct stat st;
  g_autoptr (GString) text = g_string_new (NULL);
  gboolean ok = fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && st.st_size < 65536;
  char buf[4096];
  ssize_t n;
  while (ok && (n = read (fd, buf, sizeof buf)) != 0)
    {
      if (n < 0 && errno == EINTR)
        continue;
      ok = n > 0 && text->len < 65536;
      if (ok)
        g_string_append_len (text, buf, n);
    }
  sodium_memzero (buf, sizeof buf);
  close (fd);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  /* GKeyFile's parse errors quote a line: never print one. */
  ok = ok && g_key_file_load_from_data (kf, text->str, text->len, G_KEY_FILE_NONE, NULL);
  sodium_memzero (text->str, text->len);
  if (!ok)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG, "key file %s: not a portero key file", path);
      return NULL;
    }
  g_autoptr (PorteroKeys) keys = g_new0 (PorteroKeys, 1);
  if (!read_key (kf, path, "secretbox", keys->secretbox, sizeof keys->secretbox, error)
      || !read_key (kf, path, "hmac", keys->hmac, sizeof keys->hmac, error))
    return NULL;
  return g_steal_pointer (&keys);
}

gboolean
portero_keys_create (const char *path, GError **error)
{
  PorteroKeys keys;
  crypto_secretbox_keygen (keys.secretbox);
  crypto_auth_hmacsha256_keygen (keys.hmac);
  g_autofree char *sb = g_base64_encode (keys.secretbox, sizeof keys.secretbox);
  g_autofree char *hm = g_base64_encode (keys.hmac, sizeof keys.hmac);
  sodium_memzero (&keys, sizeof keys);
  g_autofree char *text = g_strdup_printf (
      "# portero installation secrets: the outbox encryption key and the\n"
      "# Message-ID signing key. Keep it readable by the delivery user only.\n"
      "[keys]\nsecretbox=%s\nhmac=%s\n", sb, hm);
  int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, PORTERO_ERROR, saved == EEXIST ? PORTERO_ERROR_INVALID : PORTERO_ERROR_TEMPFAIL,
                   "cannot create key file %s: %s", path, g_strerror (saved));
      sodium_memzero (text, strlen (text));
      return FALSE;
    }
  gsize len = strlen (text);
  gboolean ok = write (fd, text, len) == (ssize_t) len && fsync (fd) == 0;
  int saved = errno;
  sodium_memzero (text, len);
  if (close (fd) != 0 && ok)
    {
      ok = FALSE;
      saved = errno;
    }
  if (!ok)
    {
      unlink (path);
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL,
                   "cannot write key file %s: %s", path, g_strerror (saved));
    }
  return ok;
}

void
portero_keys_free (PorteroKeys *keys)
{
  if (keys == NULL)
    return;
  sodium_memzero (keys, sizeof *keys);
  g_free (keys);
}
