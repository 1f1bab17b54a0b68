/* redact - a password portero issued, quoted back in a customer's mail
 *
 * Only hashes of passwords are stored, so a quoted one is found by trying
 * the words of the text that look like one (portero's alphabet, the
 * configured length) against the contact's current and pending hashes. */
#include "redact.h"
#include "credentials.h"
#include <sodium.h>
#include <string.h>

/* At most this many candidate words a message: each costs argon2id twice. */
#define MAX_CANDIDATES 4

static gboolean
in_alphabet (char c)
{
  return c != '\0' && strchr (PORTERO_PASSWORD_ALPHABET, c) != NULL;
}

/* Words of exactly LEN alphabet characters in TEXT, without repeats. */
static void
candidates (const char *text, int len, GPtrArray *out)
{
  const char *p = text ? text : "";
  while (*p && out->len < MAX_CANDIDATES)
    {
      if (!in_alphabet (*p))
        {
          p++;
          continue;
        }
      const char *start = p;
      while (in_alphabet (*p))
        p++;
      if (p - start == len)
        {
          g_autofree char *word = g_strndup (start, len);
          gboolean seen = FALSE;
          for (guint i = 0; i < out->len && !seen; i++)
            seen = strcmp (g_ptr_array_index (out, i), word) == 0;
          if (!seen)
            g_ptr_array_add (out, g_steal_pointer (&word));
        }
    }
}

/* Every occurrence of WORD in DATA (LEN bytes) becomes asterisks. */
static void
mask (char *data, gsize len, const char *word)
{
  gsize n = strlen (word);
  for (gsize i = 0; n > 0 && i + n <= len; i++)
    if (data[i] == word[0] && memcmp (data + i, word, n) == 0)
      {
        memset (data + i, '*', n);
        i += n - 1;
      }
}

static void
clear_word (gpointer data)
{
  char *word = data;
  sodium_memzero (word, strlen (word));
  g_free (word);
}

gboolean
portero_redact_issued_passwords (PorteroStore *store, const PorteroConfig *config, PorteroMail *mail, int *masked,
                                 GError **error)
{
  *masked = 0;
  if (mail->from_addr == NULL)
    return TRUE;
  g_autoptr (GPtrArray) words = g_ptr_array_new_with_free_func (clear_word);
  candidates (mail->subject, config->password_length, words);
  candidates (mail->body, config->password_length, words);
  if (words->len == 0)
    return TRUE;
  PorteroContactRef ref = { 0 };
  if (!portero_store_contact_find (store, mail->from_addr, &ref, error))
    return FALSE;
  if (ref.id == 0)
    return TRUE;
  PorteroContactInfo info = { 0 };
  if (!portero_store_contact_info (store, ref.id, &info, error))
    return FALSE;
  gsize raw_len = 0;
  const char *raw = g_bytes_get_data (mail->raw, &raw_len);
  char *copy = NULL;
  for (guint i = 0; i < words->len; i++)
    {
      const char *word = g_ptr_array_index (words, i);
      gboolean live = (info.password_hash && portero_password_verify (info.password_hash, word, 0, 0))
                      || (info.pending_hash && portero_password_verify (info.pending_hash, word, 0, 0));
      if (!live)
        continue;
      (*masked)++;
      if (copy == NULL)
        copy = g_memdup2 (raw, raw_len);
      mask (copy, raw_len, word);
      mask (mail->body, strlen (mail->body), word);
      if (mail->subject)
        mask (mail->subject, strlen (mail->subject), word);
    }
  portero_contact_info_clear (&info);
  if (copy != NULL)
    {
      g_bytes_unref (mail->raw);
      mail->raw = g_bytes_new_take (copy, raw_len);
    }
  return TRUE;
}
