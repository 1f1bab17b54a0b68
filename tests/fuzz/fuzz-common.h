/* fuzz-common - what the libFuzzer harnesses share: where the shipped rules
 * and templates are, and a scratch folder for the files they write */
#pragma once
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The source tree (for filters/ and templates/): $PORTERO_SRCDIR, else the
 * one the harness was built from. */
static inline const char *
fuzz_srcdir (void)
{
  const char *dir = g_getenv ("PORTERO_SRCDIR");
  return dir != NULL && *dir != '\0' ? dir : PORTERO_FUZZ_SRCDIR;
}

/* A private folder, in memory when /dev/shm is there: the harnesses write a
 * file or a transaction per input. Removed at exit. */
static char *fuzz_scratch_dir;

static void
fuzz_remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  if (dir != NULL)
    {
      const char *name;
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          fuzz_remove_tree (child);
        }
      g_dir_close (dir);
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

static void
fuzz_scratch_remove (void)
{
  if (fuzz_scratch_dir != NULL)
    fuzz_remove_tree (fuzz_scratch_dir);
}

static inline const char *
fuzz_scratch (void)
{
  if (fuzz_scratch_dir != NULL)
    return fuzz_scratch_dir;
  const char *base = g_file_test ("/dev/shm", G_FILE_TEST_IS_DIR) && g_access ("/dev/shm", W_OK) == 0
                       ? "/dev/shm" : g_get_tmp_dir ();
  g_autofree char *tmpl = g_build_filename (base, "portero-fuzz-XXXXXX", NULL);
  fuzz_scratch_dir = g_mkdtemp (g_steal_pointer (&tmpl));
  if (fuzz_scratch_dir == NULL)
    g_error ("cannot make a scratch folder in %s", base);
  atexit (fuzz_scratch_remove);
  return fuzz_scratch_dir;
}
