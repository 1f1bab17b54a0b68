/* charset - text in a declared (or wrongly declared) charset made UTF-8,
 * and raw header values made safe for gmime's RFC 2047 decoder */
#pragma once
#include <glib.h>

/* DATA (LEN bytes, NULs included) as valid UTF-8, never NULL. What can be
 * repaired is: UTF-8 declared as something else or not declared, and
 * Windows-1252 declared as us-ascii or Latin-1. What cannot shows as
 * U+FFFD; nothing is deleted, and a NUL byte is U+FFFD too. */
char *portero_charset_decode (const char *data, gsize len, const char *charset);

/* RAW, a header value as it came, rewritten so that gmime decodes it as its
 * sender meant, or NULL when it needs nothing: base64 encoded words that
 * gmime would cut short, and bytes that are almost UTF-8. */
char *portero_charset_header_repair (const char *raw);
