/* breached - the offline list of breached passwords: a binary search by byte
 * offsets over the mapped file, O(log n) lines read */
#include "breached.h"
#include "error.h"
#include "i18n.h"
#include <sodium.h>
#include <string.h>

#define HEX_LEN 40
/* 40 hex digits, ':', a count of up to 20 digits (any 64-bit number), CR */
#define COUNT_MAX 20
#define LINE_MAX_LEN (HEX_LEN + 1 + COUNT_MAX + 1)

typedef struct {
  const char *path;
  const char *data;
  gsize len;
} List;

static gboolean
malformed (const List *list, gsize offset, GError **error)
{
  g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG,
               _("[portal] breached-passwords: %s is not a list of SHA-1 hashes sorted by hash (at byte %lu); "
                 "no password can be set until an administrator fixes the setting"),
               list->path, (unsigned long) offset);
  return FALSE;
}

/* Map PATH into *LIST; *MAPPED keeps it. An empty file is no list: it
 * would refuse nothing, which is most likely a download cut short. */
static gboolean
list_open (const char *path, GMappedFile **mapped, List *list, GError **error)
{
  g_autoptr (GError) local = NULL;
  list->path = path;
  *mapped = g_mapped_file_new (path, FALSE, &local);
  if (*mapped == NULL)
    {
      g_set_error (error, PORTERO_ERROR,
                   portero_error_is_transient_file (local) ? PORTERO_ERROR_TEMPFAIL : PORTERO_ERROR_CONFIG,
                   _("[portal] breached-passwords: %s; no password can be set until an administrator fixes the "
                     "setting"),
                   local->message);
      return FALSE;
    }
  list->data = g_mapped_file_get_contents (*mapped);
  list->len = g_mapped_file_get_length (*mapped);
  if (list->len == 0 || list->data == NULL)
    return malformed (list, 0, error);
  return TRUE;
}

/* Whether the line that starts at START is HEX[:COUNT] with its end (LF,
 * CRLF, or the file's end); *END: where the next line starts. */
static gboolean
line_at (const List *list, gsize start, gsize *end)
{
  const char *d = list->data;
  gsize n = list->len, i = start;
  for (; i < n && i - start < HEX_LEN; i++)
    if (!g_ascii_isxdigit (d[i]))
      return FALSE;
  if (i - start < HEX_LEN)
    return FALSE;
  if (i < n && d[i] == ':')
    {
      gsize digits = ++i;
      while (i < n && g_ascii_isdigit (d[i]) && i - digits < COUNT_MAX)
        i++;
      if (i == digits)
        return FALSE;
    }
  if (i < n && d[i] == '\r')
    i++;
  if (i < n && d[i] != '\n')
    return FALSE;
  *end = i < n ? i + 1 : n;
  return TRUE;
}

/* The start of the line that holds byte AT, no further back than FLOOR (a
 * line's start). FALSE when that line is longer than any in the format:
 * a file without line ends is never walked through. */
static gboolean
line_start (const List *list, gsize floor, gsize at, gsize *start)
{
  gsize s = at;
  while (s > floor && list->data[s - 1] != '\n')
    {
      s--;
      if (at - s > LINE_MAX_LEN)
        return FALSE;
    }
  *start = s;
  return TRUE;
}

static gboolean
search (const List *list, const char *hex, gboolean *found, GError **error)
{
  /* Lines that start in [lo, hi) are still candidates; both are line starts. */
  gsize lo = 0, hi = list->len;
  *found = FALSE;
  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2, start = 0, end = 0;
      if (!line_start (list, lo, mid, &start) || !line_at (list, start, &end))
        return malformed (list, mid, error);
      int cmp = g_ascii_strncasecmp (list->data + start, hex, HEX_LEN);
      if (cmp == 0)
        {
          *found = TRUE;
          break;
        }
      if (cmp < 0)
        lo = end;
      else
        hi = start;
    }
  return TRUE;
}

gboolean
portero_breached_check (const char *path, const char *password, gboolean *found, GError **error)
{
  *found = FALSE;
  g_autoptr (GMappedFile) mapped = NULL;
  List list;
  if (!list_open (path, &mapped, &list, error))
    return FALSE;
  g_autofree char *hex = g_compute_checksum_for_string (G_CHECKSUM_SHA1, password, -1);
  gboolean ok = search (&list, hex, found, error);
  /* The hash of a password is as good as the password against the list. */
  sodium_memzero (hex, strlen (hex));
  return ok;
}

gboolean
portero_breached_verify (const char *path, GError **error)
{
  g_autoptr (GMappedFile) mapped = NULL;
  List list;
  if (!list_open (path, &mapped, &list, error))
    return FALSE;
  gsize end = 0, last = list.len, start = 0;
  if (!line_at (&list, 0, &end))
    return malformed (&list, 0, error);
  /* The last line: back over the file's final line end, if any. */
  if (last > 0 && list.data[last - 1] == '\n')
    last--;
  if (last > 0 && list.data[last - 1] == '\r')
    last--;
  if (last == 0 || !line_start (&list, 0, last - 1, &start) || !line_at (&list, start, &end))
    return malformed (&list, last, error);
  if (g_ascii_strncasecmp (list.data, list.data + start, HEX_LEN) > 0)
    return malformed (&list, start, error);
  return TRUE;
}
