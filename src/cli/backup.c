/* backup - portero backup FILE [--force]: sqlite's online backup
 *
 * The copy is written to a new file beside FILE (mode 0600: it holds
 * password hashes and sealed mail) and only then given FILE's name, so that
 * FILE is either the whole copy or not there at all. */
#include "cli.h"
#include <inttypes.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <unistd.h>

/* Remove the temporary copy and what sqlite may have left beside it. */
static void
remove_partial (const char *tmp)
{
  static const char *const suffixes[] = { "", "-journal", "-wal", "-shm" };
  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *p = g_strconcat (tmp, suffixes[i], NULL);
      g_unlink (p);
    }
}

/* Flush the directory entry of PATH to disk (best effort). */
static void
sync_dir (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  int fd = open (dir, O_RDONLY | O_DIRECTORY);
  if (fd >= 0)
    {
      fsync (fd);
      close (fd);
    }
}

gboolean
portero_cmd_backup (PorteroCli *cli, int argc, char **argv, GError **error)
{
  gboolean force = FALSE;
  GOptionEntry entries[] = {
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, N_("Replace FILE if it exists"), NULL },
    { NULL },
  };
  if (!portero_cli_parse (cli, &argc, &argv, entries, NULL, 1, 1, error))
    return FALSE;
  const char *path = argv[1];
  /* A server's database is copied with the server's own tool. */
  if (portero_store_is_server (cli->config->database))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                   _("the database is on a PostgreSQL server: portero backup copies SQLite databases only; "
                     "use pg_dump (see portero(8))"));
      return FALSE;
    }
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("%s is a folder: name the backup file"), path);
      return FALSE;
    }
  if (!force && g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("%s exists already (--force replaces it)"), path);
      return FALSE;
    }
  g_autofree char *tmp = g_strconcat (path, ".XXXXXX", NULL);
  int fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("cannot write %s: %s"), path, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  /* sqlite takes the empty file for an empty database. */
  if (!portero_store_backup (cli->store, tmp, error))
    {
      remove_partial (tmp);
      return FALSE;
    }
  int rc = 0;
  if (force)
    rc = g_rename (tmp, path);
  else
    {
      /* link(2) refuses a FILE that appeared meanwhile; rename(2) would not. */
      rc = link (tmp, path);
      if (rc != 0 && errno != EEXIST && !g_file_test (path, G_FILE_TEST_EXISTS))
        rc = g_rename (tmp, path);
    }
  int saved = errno;
  remove_partial (tmp);
  if (rc != 0)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("cannot write %s: %s"), path,
                   saved == EEXIST ? _("it exists already (--force replaces it)") : g_strerror (saved));
      return FALSE;
    }
  sync_dir (path);
  GStatBuf st;
  if (g_stat (path, &st) == 0)
    printf (_("backup written to %s (%" PRId64 " bytes)\n"), path, (gint64) st.st_size);
  else
    printf (_("backup written to %s\n"), path);
  return TRUE;
}
