/* attachment - one attachment of a stored message: its content, and a file
 * name for it that comes from the mail but can never be a path */
#pragma once
#include <glib.h>

/* The decoded content of the Nth attachment (1-based, in the order of the
 * message's attachment list) of the message RAW, with its MIME type in
 * *TYPE (may be NULL). NULL with PORTERO_ERROR_NOT_FOUND when RAW has fewer
 * attachments, PORTERO_ERROR_DATA when gmime cannot read it. */
GBytes *portero_attachment_content (GBytes *raw, guint n, char **type, GError **error);

/* NAME (from the mail) as a file name in the current folder: its last path
 * component, without control characters, leading dots or white space,
 * at most 200 bytes; FALLBACK when nothing is left. Newly allocated. */
char *portero_attachment_file_name (const char *name, const char *fallback);
