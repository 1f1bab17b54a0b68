/* privilege - running as root with arguments a technician chose */
#pragma once
#include "config.h"
#include <sys/types.h>

/* No core dumps: the process may hold passwords and keys. */
void portero_privilege_no_core (void);

/* TRUE when PATH (open as FD) may be read with root's rights: root owns it and
 * every folder above it, and nobody else can write any of them (a sticky
 * folder counts as safe for what root owns in it). Else WHO and GROUP are
 * the owner and group of what controls it (the file or a folder above it,
 * writable by nobody else), or WHO is 0 with WHY set when anyone could. */
gboolean portero_privilege_trusted (const char *path, int fd, uid_t *who, gid_t *group, char **why);

/* Load the configuration PATH. Not root: as portero_config_load. Root: a
 * trusted file is read as root; a file another user controls is read, and
 * all that follows done, as that user (root is given up for good); a file
 * that several could change is refused. Errors about a file only root can read never
 * quote it. */
PorteroConfig *portero_privilege_load_config (const char *path, GError **error);

/* The owner of the state: of DATABASE when it is a file, else of its folder. */
gboolean portero_privilege_owner_of (const char *database, uid_t *uid, gid_t *gid);

/* As root, become the state's owner for good (nothing when root owns it), so
 * that nothing a command opens or creates goes beyond that user's rights. */
gboolean portero_privilege_drop_to_state (const PorteroConfig *config, GError **error);
