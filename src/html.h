/* html - readable text from an HTML body (libxml2's forgiving parser) */
#pragma once
#include <glib.h>

/* Text of HTML (UTF-8, LEN bytes or -1): scripts and styles dropped, block
 * elements on lines of their own, white space collapsed. NULL only when
 * libxml2 cannot be loaded (PORTERO_ERROR_TEMPFAIL). */
char *portero_html_to_text (const char *html, gssize len, GError **error);
