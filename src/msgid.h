/* msgid - portero's own Message-IDs, which carry a ticket and an HMAC */
#pragma once
#include "keys.h"

/* A new Message-ID (without <>) for mail about TICKET, signed with KEYS:
 * portero.TICKET.RANDOM.MAC@HOST. */
char *portero_msgid_new (const PorteroKeys *keys, gint64 ticket, const char *host);

/* When ID (with or without <>) is one of ours with a valid MAC, return TRUE
 * and set *TICKET. A forged or altered ID returns FALSE. */
gboolean portero_msgid_verify (const PorteroKeys *keys, const char *id, gint64 *ticket);
