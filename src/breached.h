/* breached - the offline list of breached passwords ([portal]
 * breached-passwords=FILE, ASVS 2.1.7)
 *
 * FILE is Have I Been Pwned's "Pwned Passwords" SHA-1 list ordered by hash,
 * or one made alike: a line per password, 40 hex digits (either case), an
 * optional ":COUNT", LF or CRLF, sorted by hash. It is mapped and searched
 * by byte offsets, never read whole: the real list is some 40 GB. */
#pragma once
#include <glib.h>

/* *FOUND: whether the SHA-1 of PASSWORD is in the list at PATH. FALSE with
 * PORTERO_ERROR_CONFIG when PATH cannot be opened or what the search reads
 * of it is not in the format (an empty file included: it would refuse
 * nothing), PORTERO_ERROR_TEMPFAIL for a passing failure (no memory, I/O):
 * the caller then sets no password at all. */
gboolean portero_breached_check (const char *path, const char *password, gboolean *found, GError **error);

/* Whether PATH opens and its first and last lines are hashes in order:
 * what `portero check` can afford to look at. */
gboolean portero_breached_verify (const char *path, GError **error);
