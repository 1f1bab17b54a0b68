/* test-rules - how rule values and properties are folded for comparison */
#include "../src/rules.h"
#include <glib/gstdio.h>
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

/* The fold of TEXT in one piece, as portero_rules_fold did before it
 * normalised long text piece by piece: the reference for the pieces. */
static char *
fold_whole (const char *text)
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

/* Long text is normalised in pieces; where they join changes nothing, for
 * decomposed accents, Hangul jamo, kana with voicing marks, Indic vowel
 * signs and runs of marks out of canonical order, each at every offset
 * around the piece sizes. */
static void
test_fold_long (void)
{
  static const char *const units[] = {
    "Cafe\xcc\x81 ",                          /* e + combining acute */
    "\xc3\xbf",                               /* U+00FF, as the long subjects */
    "\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8",       /* Hangul L V T jamo: one syllable */
    "\xe3\x81\x8b\xe3\x82\x99",                /* ka + voicing mark: ga */
    "\xe0\xa7\x87\xe0\xa6\xbe",                /* Bengali e + aa: o, no boundary at all */
    "a\xcc\x81\xcc\x96\xcc\x81\xcc\x96",          /* marks out of canonical order */
    "Se\xc3\xb1or \xc3\x81RBOL\t",
  };
  for (gsize u = 0; u < G_N_ELEMENTS (units); u++)
    for (gsize lead = 0; lead < 8; lead++)
      {
        GString *text = g_string_new (NULL);
        for (gsize i = 0; i < lead; i++)
          g_string_append_c (text, 'x');
        while (text->len < 3 * 4096)
          g_string_append (text, units[u]);
        g_autofree char *want = fold_whole (text->str);
        g_autofree char *got = portero_rules_fold (text->str);
        if (strcmp (got, want) != 0)
          g_error ("unit %" G_GSIZE_FORMAT " after %" G_GSIZE_FORMAT " x: the pieces fold otherwise", u, lead);
        g_string_free (text, TRUE);
      }
}

/* A bare [Condition] group has no name to report it by: the rule is refused
 * with FILE:LINE, as every other mistake. (Its name used to be read from
 * past the end of the group's name.) */
static void
test_condition_without_name (void)
{
  const char *srcdir = g_getenv ("PORTERO_SRCDIR");
  if (srcdir == NULL)
    {
      g_test_skip ("PORTERO_SRCDIR is not set");
      return;
    }
  g_autofree char *dir = g_dir_make_tmp ("portero-rules-XXXXXX", NULL);
  g_assert_nonnull (dir);
  g_autofree char *from = g_build_filename (srcdir, "tests", "robustness", "rules-condition-without-name.rule", NULL);
  g_autofree char *to = g_build_filename (dir, "10-no-name.rule", NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  g_assert_true (g_file_get_contents (from, &text, &len, NULL));
  g_assert_true (g_file_set_contents (to, text, (gssize) len, NULL));

  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (PorteroRuleSet) rules = portero_rules_load (dir, problems);
  g_assert_cmpuint (portero_rules_count (rules), ==, 0);
  g_assert_cmpuint (problems->len, ==, 1);
  g_autofree char *want = g_strdup_printf ("%s:5: [Condition] has no name: [Condition NAME]", to);
  g_assert_cmpstr (g_ptr_array_index (problems, 0), ==, want);
  g_unlink (to);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rules/fold/examples", test_fold_examples);
  g_test_add_func ("/rules/fold/ascii", test_fold_ascii);
  g_test_add_func ("/rules/fold/long", test_fold_long);
  g_test_add_func ("/rules/load/condition-without-name", test_condition_without_name);
  return g_test_run ();
}
