/* test-breached - the look-up in the offline list of breached passwords */
#include "../src/breached.h"
#include "../src/error.h"
#include <glib/gstdio.h>
#include <sodium.h>
#include <string.h>

enum { CRLF = 1, LOWER = 2, NO_COUNT = 4, SOME_COUNT = 8, NO_FINAL_END = 16 };

#define PASSWORDS 1001

typedef struct {
  char *dir;
  char *file;
  /* the SHA-1 (upper case) of "pw-N", sorted, with the password for each */
  char *hash[PASSWORDS];
  char *password[PASSWORDS];
} Fixture;

static int
by_hash (gconstpointer a, gconstpointer b, gpointer user_data)
{
  char **hash = user_data;
  return strcmp (hash[*(const int *) a], hash[*(const int *) b]);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  (void) data;
  f->dir = g_dir_make_tmp ("test-breached-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->file = g_build_filename (f->dir, "pwned.txt", NULL);
  char *hash[PASSWORDS], *password[PASSWORDS];
  int order[PASSWORDS];
  for (int i = 0; i < PASSWORDS; i++)
    {
      password[i] = g_strdup_printf ("pw-%d", i);
      g_autofree char *lower = g_compute_checksum_for_string (G_CHECKSUM_SHA1, password[i], -1);
      hash[i] = g_ascii_strup (lower, -1);
      order[i] = i;
    }
  g_qsort_with_data (order, PASSWORDS, sizeof order[0], by_hash, hash);
  for (int i = 0; i < PASSWORDS; i++)
    {
      f->hash[i] = hash[order[i]];
      f->password[i] = password[order[i]];
    }
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  (void) data;
  g_unlink (f->file);
  g_rmdir (f->dir);
  g_free (f->file);
  g_free (f->dir);
  for (int i = 0; i < PASSWORDS; i++)
    {
      g_free (f->hash[i]);
      g_free (f->password[i]);
    }
}

static void
write_file (Fixture *f, const char *text, gssize len)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (g_file_set_contents (f->file, text, len, &error));
}

/* The list of the hashes from FIRST to LAST (indexes into f->hash) but
 * every tenth, written as FLAGS say. */
static void
write_list (Fixture *f, int first, int last, int flags)
{
  g_autoptr (GString) text = g_string_new (NULL);
  for (int i = first; i <= last; i++)
    {
      if (i % 10 == 5)
        continue;
      g_autofree char *hex = flags & LOWER ? g_ascii_strdown (f->hash[i], -1) : g_strdup (f->hash[i]);
      g_string_append (text, hex);
      if (!(flags & NO_COUNT) && (!(flags & SOME_COUNT) || i % 3 == 0))
        g_string_append_printf (text, ":%d", i * 37 + 1);
      g_string_append (text, flags & CRLF ? "\r\n" : "\n");
    }
  if (flags & NO_FINAL_END)
    g_string_truncate (text, text->len - (flags & CRLF ? 2 : 1));
  write_file (f, text->str, text->len);
}

static gboolean
found (Fixture *f, const char *password)
{
  g_autoptr (GError) error = NULL;
  gboolean hit = TRUE;
  g_assert_true (portero_breached_check (f->file, password, &hit, &error));
  g_assert_no_error (error);
  return hit;
}

/* Written with FLAGS, from index 1 to PASSWORDS - 2: the first and last
 * lines, every one between, and none of the absent ones (before the first,
 * after the last, every tenth) are told right. */
static void
check_list (Fixture *f, int flags)
{
  write_list (f, 1, PASSWORDS - 2, flags);
  g_assert_true (found (f, f->password[1]));
  g_assert_true (found (f, f->password[PASSWORDS - 2]));
  g_assert_true (found (f, f->password[PASSWORDS / 2]));
  for (int i = 1; i <= PASSWORDS - 2; i++)
    g_assert_true (found (f, f->password[i]) == (i % 10 != 5));
  g_assert_false (found (f, f->password[0]));
  g_assert_false (found (f, f->password[PASSWORDS - 1]));
  g_autoptr (GError) error = NULL;
  g_assert_true (portero_breached_verify (f->file, &error));
}

static void
test_formats (Fixture *f, gconstpointer data)
{
  (void) data;
  static const int variants[] = {
    0, CRLF, LOWER, NO_COUNT, SOME_COUNT, NO_FINAL_END, CRLF | NO_FINAL_END,
    LOWER | NO_COUNT | NO_FINAL_END, CRLF | LOWER | SOME_COUNT,
  };
  for (gsize i = 0; i < G_N_ELEMENTS (variants); i++)
    check_list (f, variants[i]);
}

/* One line, two lines: the search's smallest cases. */
static void
test_short (Fixture *f, gconstpointer data)
{
  (void) data;
  for (int flags = 0; flags <= (CRLF | NO_FINAL_END | NO_COUNT); flags++)
    {
      write_list (f, 1, 1, flags);
      g_assert_true (found (f, f->password[1]));
      g_assert_false (found (f, f->password[0]));
      g_assert_false (found (f, f->password[2]));
      write_list (f, 1, 2, flags);
      g_assert_true (found (f, f->password[1]));
      g_assert_true (found (f, f->password[2]));
      g_assert_false (found (f, f->password[0]));
      g_assert_false (found (f, f->password[3]));
    }
}

static void
assert_refused (Fixture *f, int code)
{
  g_autoptr (GError) error = NULL;
  gboolean hit = TRUE;
  g_assert_false (portero_breached_check (f->file, f->password[1], &hit, &error));
  g_assert_error (error, PORTERO_ERROR, code);
  g_assert_false (hit);
  g_assert_nonnull (strstr (error->message, "breached-passwords"));
  g_assert_nonnull (strstr (error->message, "administrator"));
  g_clear_error (&error);
  g_assert_false (portero_breached_verify (f->file, &error));
  g_assert_error (error, PORTERO_ERROR, code);
}

static void
test_missing (Fixture *f, gconstpointer data)
{
  (void) data;
  assert_refused (f, PORTERO_ERROR_CONFIG);
  g_autofree char *saved = f->file;
  f->file = g_strdup (f->dir);
  assert_refused (f, PORTERO_ERROR_CONFIG);
  g_free (f->file);
  f->file = g_steal_pointer (&saved);
}

static void
test_empty (Fixture *f, gconstpointer data)
{
  (void) data;
  write_file (f, "", 0);
  assert_refused (f, PORTERO_ERROR_CONFIG);
}

/* Files that are no list, each with its one line where the search looks. */
static void
test_malformed (Fixture *f, gconstpointer data)
{
  (void) data;
  static const char *bad[] = {
    "password123\n",
    "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD\n",          /* 39 digits */
    "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8A\n",        /* 41 */
    "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FDG:3\n",       /* not hex */
    "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:\n",        /* no count after ':' */
    "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:3x\n",
    "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8 \n",
    "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8:123456789012345678901\n", /* 21-digit count */
    "5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8\r\r\n",
    "\n",
    " 5BAA61E4C9B93F3F0682250B6CF8331B7EE68FD8\n",
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      write_file (f, bad[i], -1);
      assert_refused (f, PORTERO_ERROR_CONFIG);
    }
  /* A large file with no line ends is not walked through to find one. */
  g_autofree char *blob = g_malloc (1 << 20);
  memset (blob, 'A', 1 << 20);
  write_file (f, blob, 1 << 20);
  assert_refused (f, PORTERO_ERROR_CONFIG);
}

/* What portero check looks at: the first and last lines, in order. */
static void
test_verify (Fixture *f, gconstpointer data)
{
  (void) data;
  g_autoptr (GError) error = NULL;
  g_autofree char *unsorted = g_strdup_printf ("%s\n%s\n%s\n", f->hash[9], f->hash[5], f->hash[1]);
  write_file (f, unsorted, -1);
  g_assert_false (portero_breached_verify (f->file, &error));
  g_assert_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG);
  g_clear_error (&error);
  g_autofree char *bad_last = g_strdup_printf ("%s\n%s\nnot a hash\n", f->hash[1], f->hash[5]);
  write_file (f, bad_last, -1);
  g_assert_false (portero_breached_verify (f->file, &error));
  g_assert_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG);
  g_clear_error (&error);
  g_autofree char *good = g_strdup_printf ("%s:1\r\n%s:2\r\n%s:3", f->hash[1], f->hash[5], f->hash[9]);
  write_file (f, good, -1);
  g_assert_true (portero_breached_verify (f->file, &error));
  g_assert_no_error (error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (sodium_init () < 0)
    return 1;
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/breached/formats", test_formats);
  ADD ("/breached/short", test_short);
  ADD ("/breached/missing", test_missing);
  ADD ("/breached/empty", test_empty);
  ADD ("/breached/malformed", test_malformed);
  ADD ("/breached/verify", test_verify);
  return g_test_run ();
}
