/* test-attachment - file names for attachments, taken from the mail but never a path */
#include "../src/attachment.h"

typedef struct {
  const char *in;
  const char *want;
} Case;

static void
test_file_name (void)
{
  static const Case cases[] = {
    { "report.pdf", "report.pdf" },
    { "../../etc/passwd", "passwd" },
    { "/etc/cron.d/job", "job" },
    { "C:\\Users\\ann\\Desktop\\invoice.xlsx", "invoice.xlsx" },
    { "dir/", "fallback" },
    { "..", "fallback" },
    { ".", "fallback" },
    { "", "fallback" },
    { NULL, "fallback" },
    { ".bashrc", "bashrc" },
    { "-rf", "rf" },
    { "  spaced name.txt  ", "spaced name.txt" },
    { "evil\033[31m.txt", "evil_[31m.txt" },
    { "bill\342\200\256fdp.exe", "bill_fdp.exe" },   /* U+202E RIGHT-TO-LEFT OVERRIDE */
    { "a:b.txt", "a_b.txt" },
    { "año 2026.pdf", "año 2026.pdf" },
    { "bad\377utf8.txt", "bad\357\277\275utf8.txt" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = portero_attachment_file_name (cases[i].in, "fallback");
      g_assert_cmpstr (got, ==, cases[i].want);
    }
}

static void
test_file_name_length (void)
{
  g_autofree char *long_name = g_strnfill (500, 'x');
  g_autofree char *got = portero_attachment_file_name (long_name, "fallback");
  g_assert_cmpuint (strlen (got), <=, 200);
  g_assert_cmpuint (strlen (got), >, 150);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/attachment/file-name", test_file_name);
  g_test_add_func ("/attachment/file-name-length", test_file_name_length);
  return g_test_run ();
}
