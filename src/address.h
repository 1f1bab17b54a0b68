/* address - e-mail address and domain normalisation */
#pragma once
#include <glib.h>

/* Normalise DOMAIN: trimmed, no trailing dot, IDNA ASCII form, lowercase.
 * Returns NULL when it cannot be a mail domain. */
char *portero_domain_normalise (const char *domain);

/* Normalise ADDRESS ("Local@Domain"): trimmed, optional <> removed, the local
 * part NFC and lowercased, the domain as portero_domain_normalise. Returns NULL
 * when it is no usable address (no @, empty part, white space, control chars). */
char *portero_address_normalise (const char *address);

/* The domain of a normalised address (a pointer into it). */
const char *portero_address_domain (const char *address);

/* ADDRESS without a +extension on its local part (support+x@ -> support@). */
char *portero_address_strip_extension (const char *address);

/* TRUE for local parts that never read mail: mailer-daemon, postmaster,
 * owner-*, *-request, noreply and the like. */
gboolean portero_address_is_robot (const char *address);
