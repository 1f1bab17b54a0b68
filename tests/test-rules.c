/* test-rules - how rule values and properties are folded for comparison */
#include "../src/rules.h"
#include <string.h>

/* Folding as the rules define it: NFC, case-folded, runs of white space
 * (g_unichar_isspace) made one space, none at the ends. */
static char *
reference_fold (const char *text)
{
  g_autofree char *nfc = g_utf8_normalize (text, -1, G_NORMALIZE_NFC);
  g_autofree char *folded = g_utf8_casefold (nfc, -1);
  GString *out = g_string_new (NULL);
  gboolean space = FALSE;
  for (const char *p = folded; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (g_unichar_isspace (c))
        space = TRUE;
      else
        {
          if (space && out->len > 0)
            g_string_append_c (out, ' ');
          space = FALSE;
          g_string_append_unichar (out, c);
        }
    }
  return g_string_free (out, FALSE);
}

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

/* Every ASCII character, alone and between letters, folds as the general
 * (Unicode) way does: ASCII text takes a shorter path. */
static void
test_fold_ascii (void)
{
  for (int c = 1; c < 0x80; c++)
    {
      char text[] = { 'X', (char) c, 'y', ' ', (char) c, '\0' };
      g_autofree char *want = reference_fold (text);
      g_autofree char *got = portero_rules_fold (text);
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
