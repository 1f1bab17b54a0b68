/* charset - text in a declared (or wrongly declared) charset made UTF-8,
 * and raw header values made safe for gmime's RFC 2047 decoder
 *
 * A customer's words are never deleted: bytes that fit no reading become
 * U+FFFD, so the technician sees that something was there. */
#include "charset.h"
#include <gmime/gmime.h>
#include <iconv.h>
#include <errno.h>
#include <string.h>

static gboolean
charset_is (const char *charset, const char *const *names)
{
  for (; *names; names++)
    if (g_ascii_strcasecmp (charset, *names) == 0)
      return TRUE;
  return FALSE;
}

/* Charsets whose text is 7-bit: ASCII bytes in them still need converting. */
static gboolean
seven_bit_encoding (const char *charset)
{
  return g_ascii_strncasecmp (charset, "iso-2022", 8) == 0 || g_ascii_strncasecmp (charset, "utf-7", 5) == 0
         || g_ascii_strncasecmp (charset, "hz", 2) == 0;
}

/* DATA converted from CHARSET with iconv, a U+FFFD for every byte that does
 * not convert; NULL when iconv does not know CHARSET. */
static char *
convert_lossy (const char *data, gsize len, const char *charset, gsize *out_len)
{
  iconv_t cd = g_mime_iconv_open ("UTF-8", charset);
  if (cd == (iconv_t) -1)
    return NULL;
  GString *out = g_string_sized_new (len + len / 2 + 16);
  char buf[4096];
  char *in = (char *) data;
  size_t inleft = len;
  while (inleft > 0)
    {
      char *o = buf;
      size_t oleft = sizeof buf;
      size_t r = iconv (cd, &in, &inleft, &o, &oleft);
      g_string_append_len (out, buf, o - buf);
      if (r == (size_t) -1 && errno != E2BIG)
        {
          /* EILSEQ or a sequence cut short at the end: one byte that
           * fits nothing, shown, and the reading goes on after it. */
          g_string_append (out, "\xef\xbf\xbd");
          in++;
          inleft--;
          iconv (cd, NULL, NULL, NULL, NULL);
        }
    }
  char *o = buf;
  size_t oleft = sizeof buf;
  iconv (cd, NULL, NULL, &o, &oleft);
  g_string_append_len (out, buf, o - buf);
  g_mime_iconv_close (cd);
  *out_len = out->len;
  return g_string_free (out, FALSE);
}

/* TEXT of LEN bytes, which holds no invalid UTF-8 but NULs: each NUL a U+FFFD. */
static char *
replace_nul (char *text, gsize len)
{
  if (memchr (text, '\0', len) == NULL)
    return text;
  GString *out = g_string_sized_new (len + 16);
  for (gsize i = 0; i < len; i++)
    if (text[i] == '\0')
      g_string_append (out, "\xef\xbf\xbd");
    else
      g_string_append_c (out, text[i]);
  g_free (text);
  return g_string_free (out, FALSE);
}

char *
portero_charset_decode (const char *data, gsize len, const char *charset)
{
  static const char *const utf8[] = { "utf-8", "utf8", NULL };
  static const char *const western[] = {
    "us-ascii", "ascii", "ansi_x3.4-1968", "iso-8859-1", "iso8859-1", "latin1", "iso_8859-1", "windows-1252", "cp1252", NULL,
  };
  if (len == 0)
    return g_strdup ("");
  gboolean declared_utf8 = charset != NULL && charset_is (charset, utf8);
  if (g_utf8_validate_len (data, len, NULL))
    {
      /* 8-bit text that is valid UTF-8 is UTF-8, whatever the label says:
       * in another charset that is next to impossible by chance. Only
       * 7-bit encodings (ISO-2022-JP) need their ASCII bytes converted. */
      if (charset == NULL || declared_utf8 || !seven_bit_encoding (charset))
        return g_strndup (data, len);
      gboolean ascii = TRUE;
      for (gsize i = 0; i < len && ascii; i++)
        ascii = (guchar) data[i] < 0x80;
      if (!ascii)
        return g_strndup (data, len);
    }
  if (declared_utf8)
    return g_utf8_make_valid (data, len);
  char *text = NULL;
  gsize n = 0;
  if (charset != NULL && !charset_is (charset, western))
    text = convert_lossy (data, len, charset, &n);
  /* Undeclared, us-ascii or Latin-1 with 8-bit bytes, or a charset iconv
   * does not know: Windows' Western code page, as browsers read it. */
  if (text == NULL)
    text = convert_lossy (data, len, "windows-1252", &n);
  if (text == NULL)
    return g_utf8_make_valid (data, len);
  return replace_nul (text, n);
}

/* GMime issue 133 (present in gmime 3.2.13, Debian 12's): the decoder joins
 * the base64 text of neighbouring encoded words of one charset and decodes
 * it as one, so `=' padding ends everything after it, and a word without
 * its padding loses its last bytes. Each base64 word is rewritten here as
 * a Q word with the same bytes, which joins safely. tests/test-mail checks
 * that gmime still has the fault, so the workaround goes when gmime is fixed. */
static gboolean
b_word_at (const char *p, const char **charset_end, const char **payload, const char **end)
{
  /* p points at "=?": charset, "?B?", payload, "?=" */
  const char *c = p + 2;
  while (*c && *c != '?' && !g_ascii_isspace (*c))
    c++;
  if (*c != '?' || c == p + 2 || (c[1] != 'B' && c[1] != 'b') || c[2] != '?')
    return FALSE;
  const char *e = strstr (c + 3, "?=");
  if (e == NULL)
    return FALSE;
  for (const char *q = c + 3; q < e; q++)
    if (!g_ascii_isalnum (*q) && *q != '+' && *q != '/' && *q != '=')
      return FALSE;
  *charset_end = c;
  *payload = c + 3;
  *end = e + 2;
  return TRUE;
}

static gboolean
needs_b_repair (const char *raw)
{
  const char *cs, *payload, *end;
  for (const char *p = strstr (raw, "=?"); p; p = strstr (p + 2, "=?"))
    if (b_word_at (p, &cs, &payload, &end))
      {
        gsize n = end - 2 - payload;
        if (n % 4 != 0 || memchr (payload, '=', n) != NULL)
          return TRUE;
      }
  return FALSE;
}

static char *
b_words_as_q (const char *raw)
{
  GString *out = g_string_sized_new (strlen (raw) * 2);
  const char *p = raw;
  const char *s;
  while ((s = strstr (p, "=?")) != NULL)
    {
      const char *cs, *payload, *end;
      if (!b_word_at (s, &cs, &payload, &end))
        {
          g_string_append_len (out, p, s + 2 - p);
          p = s + 2;
          continue;
        }
      g_string_append_len (out, p, s - p);
      /* The padding again as it should be, so that the last bytes of an
       * unpadded word are decoded too. */
      GString *b64 = g_string_new (NULL);
      for (const char *q = payload; q < end - 2; q++)
        if (*q != '=')
          g_string_append_c (b64, *q);
      while (b64->len % 4 != 0)
        g_string_append_c (b64, '=');
      gsize n = 0;
      g_autofree guchar *bytes = g_base64_decode (b64->str, &n);
      g_string_free (b64, TRUE);
      g_string_append_len (out, s, cs - s);
      g_string_append (out, "?Q?");
      for (gsize i = 0; i < n; i++)
        {
          if (g_ascii_isalnum (bytes[i]))
            g_string_append_c (out, bytes[i]);
          else
            g_string_append_printf (out, "=%02X", bytes[i]);
        }
      g_string_append (out, "?=");
      p = end;
    }
  g_string_append (out, p);
  return g_string_free (out, FALSE);
}

/* RAW has 8-bit bytes, is no valid UTF-8, but holds some UTF-8 characters:
 * UTF-8 with a few bad bytes, which gmime would read as Windows-1252 whole. */
static gboolean
almost_utf8 (const char *raw)
{
  const char *p = raw;
  gboolean eight_bit = FALSE;
  for (const char *q = raw; *q && !eight_bit; q++)
    eight_bit = (guchar) *q >= 0x80;
  if (!eight_bit || g_utf8_validate (raw, -1, NULL))
    return FALSE;
  while (*p)
    {
      const char *bad = NULL;
      g_utf8_validate (p, -1, &bad);
      for (const char *q = p; q < bad; q++)
        if ((guchar) *q >= 0x80)
          return TRUE; /* a valid multi-byte character before a bad byte */
      if (*bad == '\0')
        break;
      p = bad + 1;
    }
  return FALSE;
}

char *
portero_charset_header_repair (const char *raw)
{
  if (raw == NULL)
    return NULL;
  g_autofree char *valid = almost_utf8 (raw) ? g_utf8_make_valid (raw, -1) : NULL;
  const char *text = valid ? valid : raw;
  if (needs_b_repair (text))
    return b_words_as_q (text);
  return g_steal_pointer (&valid);
}
