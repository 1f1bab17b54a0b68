/* init - portero init: the state directory, database, default customer, key file */
#include "cli.h"
#include "../keys.h"
#include "../privilege.h"
#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* USER[:GROUP] as ids; the group defaults to the user's own. */
static gboolean
parse_owner (const char *spec, uid_t *uid, gid_t *gid, GError **error)
{
  g_auto (GStrv) parts = g_strsplit (spec, ":", 2);
  struct passwd *pw = getpwnam (parts[0]);
  if (pw == NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("--owner: no user \"%s\""), parts[0]);
      return FALSE;
    }
  *uid = pw->pw_uid;
  *gid = pw->pw_gid;
  if (parts[1] != NULL && *parts[1] != '\0')
    {
      struct group *gr = getgrnam (parts[1]);
      if (gr == NULL)
        {
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, _("--owner: no group \"%s\""), parts[1]);
          return FALSE;
        }
      *gid = gr->gr_gid;
    }
  return TRUE;
}

/* Give PATH (if it exists) to UID:GID with MODE, through a descriptor opened
 * without following a symbolic link: someone who can write the folder must
 * not be able to point a change at another file. */
static gboolean
settle (const char *path, uid_t uid, gid_t gid, gboolean chown_it, mode_t mode, GError **error)
{
  struct stat st;
  if (lstat (path, &st) != 0)
    return TRUE;
  int fd = open (path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
  const char *why = NULL;
  if (fd < 0)
    why = errno == ELOOP ? _("is a symbolic link") : g_strerror (errno);
  else if (fstat (fd, &st) != 0)
    why = g_strerror (errno);
  else if (!S_ISREG (st.st_mode) && !S_ISDIR (st.st_mode))
    why = _("is not a file or a folder");
  else if (S_ISREG (st.st_mode) && st.st_nlink != 1)
    why = _("has other hard links");
  else if ((chown_it && fchown (fd, uid, gid) != 0) || fchmod (fd, mode) != 0)
    why = g_strerror (errno);
  if (fd >= 0)
    close (fd);
  if (why != NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL, _("%s: %s; left unchanged"), path, why);
      return FALSE;
    }
  return TRUE;
}

/* DIR may change owner and mode only when it is empty or already holds the
 * database: never a folder such as /var/lib that merely contains it. */
static gboolean
portero_folder (const char *dir, const char *database)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return FALSE;
  struct stat st;
  if (g_dir_read_name (d) == NULL)
    return TRUE;
  return lstat (database, &st) == 0 && S_ISREG (st.st_mode);
}

gboolean
portero_cmd_init (PorteroCli *cli, int argc, char **argv, GError **error)
{
  g_autofree char *owner = NULL;
  GOptionEntry entries[] = {
    { "owner", 0, 0, G_OPTION_ARG_STRING, &owner,
      N_("Owner of the state (the delivery user of master.cf's user=), and the technicians' group"), "USER[:GROUP]" },
    { NULL },
  };
  if (!portero_cli_parse (cli, &argc, &argv, entries, NULL, 0, 0, error))
    return FALSE;

  if (g_file_test (cli->config_path, G_FILE_TEST_EXISTS))
    {
      cli->config = portero_privilege_load_config (cli->config_path, error);
      if (cli->config == NULL)
        return FALSE;
    }
  else
    {
      fprintf (stderr, _("portero: %s does not exist; using the built-in defaults\n"), cli->config_path);
      cli->config = portero_config_new_default (cli->config_path);
    }
  const PorteroConfig *config = cli->config;

  uid_t uid = getuid ();
  gid_t gid = getgid ();
  gboolean chown_it = FALSE;
  /* The state folder holds the database file, or only the key file when
   * the database is on a server. */
  gboolean server = portero_store_is_server (config->database);
  g_autofree char *dir = g_path_get_dirname (server ? config->key_file : config->database);
  if (owner != NULL)
    {
      if (!parse_owner (owner, &uid, &gid, error))
        return FALSE;
      chown_it = TRUE;
    }
  else if (geteuid () == 0)
    {
      /* root adopts the owner of an existing state directory, so that it
       * leaves nothing the delivery user cannot write. */
      struct stat st;
      if (stat (dir, &st) == 0 && st.st_uid != 0)
        {
          uid = st.st_uid;
          gid = st.st_gid;
          chown_it = TRUE;
        }
    }

  gboolean made_dir = !g_file_test (dir, G_FILE_TEST_IS_DIR);
  if (!made_dir && chown_it && !portero_folder (dir, server ? config->key_file : config->database))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID,
                   _("%s holds other files: name a database in a folder of its own (empty, or portero's)"), dir);
      return FALSE;
    }
  /* Parents the delivery user must be able to pass through: 0755. */
  g_autofree char *parent = g_path_get_dirname (dir);
  if (made_dir && (g_mkdir_with_parents (parent, 0755) != 0 || g_mkdir (dir, 0770) != 0))
    {
      int saved = errno;
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL, _("cannot create %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  /* setgid: the -wal and -shm files SQLite makes later keep the group. */
  if ((made_dir || chown_it) && !settle (dir, uid, gid, chown_it, 02770, error))
    return FALSE;

  struct stat st;
  gboolean made_key = FALSE;
  if (lstat (config->key_file, &st) != 0)
    {
      if (!portero_keys_create (config->key_file, error))
        return FALSE;
      made_key = TRUE;
    }
  else
    {
      g_autoptr (PorteroKeys) keys = portero_keys_load (config->key_file, error);
      if (keys == NULL)
        return FALSE;
    }

  gboolean made_db = FALSE;
  if (server)
    {
      if (!portero_store_init (config->database, config->default_customer, config->busy_timeout, &made_db, error))
        return FALSE;
    }
  else if (lstat (config->database, &st) != 0)
    {
      if (!portero_store_create (config->database, config->default_customer, error))
        return FALSE;
      made_db = TRUE;
    }
  else
    {
      /* An existing database is upgraded, never recreated. */
      g_autoptr (PorteroStore) store = portero_store_open (config->database, PORTERO_STORE_WRITE,
                                                            config->busy_timeout, error);
      if (store == NULL)
        return FALSE;
    }

  g_autofree char *wal = g_strconcat (config->database, "-wal", NULL);
  g_autofree char *shm = g_strconcat (config->database, "-shm", NULL);
  if ((!server && (!settle (config->database, uid, gid, chown_it, 0660, error)
                   || !settle (wal, uid, gid, chown_it, 0660, error)
                   || !settle (shm, uid, gid, chown_it, 0660, error)))
      || !settle (config->key_file, uid, gid, chown_it, 0640, error))
    return FALSE;

  printf (made_db ? _("database %s: created (schema %d)\n") : _("database %s: exists, up to date (schema %d)\n"),
          config->database, portero_store_schema_version ());
  printf (made_key ? _("key file %s: created\n") : _("key file %s: exists\n"), config->key_file);
  if (made_db)
    printf (_("default %s: %s\n"), portero_cli_word (cli, "customer"), config->default_customer);
  return TRUE;
}
