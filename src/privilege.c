/* privilege - running as root with arguments a technician chose
 *
 * Technicians run portero through sudo. Whatever the arguments and the
 * environment, root must not lend them more than the delivery user and the
 * technicians' group already have. So, as root:
 *  - a configuration is trusted with root's rights only when root owns it and
 *    the folders above it and nobody else can write any of them (sshd's
 *    StrictModes); otherwise it is read, and everything after it done, with
 *    its owner's rights;
 *  - every command but `init` then becomes the state's owner before it opens
 *    the database or any file named on its command line.
 * Every process also refuses core dumps: they would hold passwords. */
#include "privilege.h"
#include "error.h"
#include "i18n.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

void
portero_privilege_no_core (void)
{
  struct rlimit none = { 0, 0 };
  setrlimit (RLIMIT_CORE, &none);
  prctl (PR_SET_DUMPABLE, 0, 0, 0, 0);
}

/* Nobody but root can change ST's content or replace the entry. */
static gboolean
safe_stat (const struct stat *st, gboolean is_leaf)
{
  if (st->st_uid != 0)
    return FALSE;
  if ((st->st_mode & (S_IWGRP | S_IWOTH)) == 0)
    return TRUE;
  /* A sticky folder such as /tmp: others may add entries but cannot
   * replace or rename what root owns inside it. */
  return !is_leaf && S_ISDIR (st->st_mode) && (st->st_mode & S_ISVTX);
}

/* Whoever controls ST: root when nobody else can change it; else its owner
 * and group, when nobody beyond them can (a state folder is 2770). */
static gboolean
controller (const struct stat *st, gboolean is_leaf, uid_t *who, gid_t *group)
{
  *who = 0;
  if (safe_stat (st, is_leaf))
    return TRUE;
  if ((st->st_mode & S_IWOTH) != 0 && !(S_ISDIR (st->st_mode) && (st->st_mode & S_ISVTX)))
    return FALSE;
  /* root's, but a group can write it: nobody to hand it to. */
  if (st->st_uid == 0)
    return FALSE;
  *who = st->st_uid;
  *group = st->st_gid;
  return TRUE;
}

gboolean
portero_privilege_trusted (const char *path, int fd, uid_t *who, gid_t *group, char **why)
{
  struct stat st;
  *who = 0;
  if (fstat (fd, &st) != 0 || !controller (&st, TRUE, who, group))
    {
      *why = g_strdup_printf (_("others can write %s"), path);
      return FALSE;
    }
  if (*who != 0)
    return FALSE;
  g_autofree char *real = realpath (path, NULL);
  struct stat named;
  if (real == NULL || stat (real, &named) != 0)
    {
      *why = g_strdup_printf ("%s: %s", path, g_strerror (errno));
      return FALSE;
    }
  /* The folders checked must be those of the file opened. */
  if (named.st_dev != st.st_dev || named.st_ino != st.st_ino)
    {
      *why = g_strdup_printf (_("others can write %s"), path);
      return FALSE;
    }
  g_autofree char *dir = g_path_get_dirname (real);
  for (;;)
    {
      if (lstat (dir, &st) != 0 || !controller (&st, FALSE, who, group))
        {
          *why = g_strdup_printf (_("others can write %s"), dir);
          return FALSE;
        }
      if (*who != 0)
        return FALSE;
      if (strcmp (dir, "/") == 0)
        return TRUE;
      char *up = g_path_get_dirname (dir);
      g_free (dir);
      dir = up;
    }
}

/* Give up root for good: UID with GID as its only group. */
static gboolean
become (uid_t uid, gid_t gid, GError **error)
{
  gboolean ok = setgroups (1, &gid) == 0 && setgid (gid) == 0;
  ok = ok && setuid (uid) == 0;
  /* Paranoia: root must not be recoverable. */
  if (ok && uid != 0 && setuid (0) == 0)
    ok = FALSE;
  if (!ok)
    {
      int saved = errno;
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL, _("cannot change to user %u: %s"),
                   (unsigned) uid, g_strerror (saved));
      return FALSE;
    }
  /* Changing ids makes the process dumpable again on some kernels. */
  portero_privilege_no_core ();
  return TRUE;
}

PorteroConfig *
portero_privilege_load_config (const char *path, GError **error)
{
  if (geteuid () != 0)
    return portero_config_load (path, error);
  int fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0 && errno == ELOOP)
    {
      /* A symbolic link: judged by what it points at, opened afresh. */
      fd = open (path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    }
  if (fd < 0)
    return portero_config_load (path, error);
  struct stat st;
  g_autofree char *why = NULL;
  uid_t who = 0;
  gid_t group = 0;
  gboolean trusted = portero_privilege_trusted (path, fd, &who, &group, &why);
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG, _("%s: not a regular file"), path);
      return NULL;
    }
  close (fd);
  if (!trusted)
    {
      if (who == 0)
        {
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG,
                       _("%s: not trusted as root: %s"), path, why);
          return NULL;
        }
      /* A file another user controls (owns it, or a folder above it): what
       * it says is done with that user's rights only. */
      if (!become (who, group, error))
        return NULL;
      return portero_config_load (path, error);
    }
  g_autoptr (GError) local = NULL;
  PorteroConfig *config = portero_config_load (path, &local);
  if (config != NULL)
    return config;
  /* A root-only file named as the configuration: say what is wrong but not
   * what it holds. */
  if ((st.st_mode & S_IROTH) == 0 && local->domain == PORTERO_ERROR && local->code == PORTERO_ERROR_CONFIG)
    g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG,
                 _("%s: not a valid configuration (run portero check as its owner for details)"), path);
  else
    g_propagate_error (error, g_steal_pointer (&local));
  return NULL;
}

gboolean
portero_privilege_owner_of (const char *database, uid_t *uid, gid_t *gid)
{
  struct stat st;
  g_autofree char *dir = g_path_get_dirname (database);
  if (lstat (database, &st) != 0 || !S_ISREG (st.st_mode))
    if (stat (dir, &st) != 0)
      return FALSE;
  *uid = st.st_uid;
  *gid = st.st_gid;
  return TRUE;
}

gboolean
portero_privilege_drop_to_state (const PorteroConfig *config, GError **error)
{
  if (geteuid () != 0)
    return TRUE;
  uid_t uid;
  gid_t gid;
  /* No state yet: the database cannot be opened, so the command stops
   * there, before it reads anything else. */
  if (!portero_privilege_owner_of (config->database, &uid, &gid))
    return TRUE;
  if (uid == 0)
    return TRUE;
  return become (uid, gid, error);
}
