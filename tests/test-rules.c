/* test-rules - how rule values and properties are folded for comparison */
#include "../src/rules.h"
#include <string.h>

static void
test_fold_examples (void)
{
  static const struct { const char *text, *folded; } cases[] = {
    { "  Credenciales\tdel   PORTAL \r\n", "credenciales del portal" },
    { "ÁRBOL  Ñandú", "árbol ñandú" },
    { "Cafe\xcc\x81 con LECHE", "café con leche" }, /* e + combining acute: NFC */
    { "Stra\xc3\x9f" "e", "strasse" },             /* ß case-folds to ss */
    { "a\vb", "a\vb" },                             /* \v is no space to Unicode */
    { "", "" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *f = portero_rules_fold (cases[i].text);
      g_assert_cmpstr (f, ==, cases[i].folded);
    }
  g_autofree char *null = portero_rules_fold (NULL);
  g_assert_cmpstr (null, ==, "");
}

/* Every ASCII character, between letters and at the end, folds as it does
 * in text that is not all ASCII: ASCII text takes a shorter path, and
 * a leading "é" sends the same text down the general one. */
static void
test_fold_ascii (void)
{
  for (int c = 1; c < 0x80; c++)
    {
      char text[] = { 'X', (char) c, 'y', ' ', (char) c, '\0' };
      g_autofree char *general = g_strconcat ("\xc3\xa9", text, NULL);
      g_autofree char *short_way = portero_rules_fold (text);
      g_autofree char *want = g_strconcat ("\xc3\xa9", short_way, NULL);
      g_autofree char *got = portero_rules_fold (general);
      g_assert_cmpstr (got, ==, want);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rules/fold/examples", test_fold_examples);
  g_test_add_func ("/rules/fold/ascii", test_fold_ascii);
  return g_test_run ();
}
