/* fuzz-html - portero_html_to_text on any text/html part's body, as
 * mail.c hands it over (converted to UTF-8) */
#include "../../src/html.h"
#include <glib.h>

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree char *html = g_utf8_make_valid ((const char *) data, size);
  g_autoptr (GError) error = NULL;
  g_autofree char *text = portero_html_to_text (html, -1, &error);
  if (text == NULL)
    g_error ("html_to_text: %s", error->message);
  if (!g_utf8_validate (text, -1, NULL))
    g_error ("html_to_text returned text that is not UTF-8");
  return 0;
}
