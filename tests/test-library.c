/* test-library - shared libraries opened on first use */
#include "../src/error.h"
#include "../src/library.h"
#include <string.h>

typedef int (*Checker) (void);

static void
test_open (void)
{
  /* libxml2's version check, by the soname configure found */
  Checker check = NULL;
  static const char *const names[] = { "xmlCheckVersion" };
  gpointer *const slots[] = { (gpointer *) &check };
  GModule *module = NULL;
  g_autoptr (GError) error = NULL;
  g_assert_true (portero_library_open (LIBXML2_SONAME, names, slots, 1, &module, &error));
  g_assert_no_error (error);
  g_assert_nonnull (module);
  g_assert_nonnull (check);
  g_module_close (module);
}

static void
test_missing_library (void)
{
  static const char *const names[] = { "anything" };
  gpointer found = NULL;
  gpointer *const slots[] = { &found };
  GModule *module = NULL;
  g_autoptr (GError) error = NULL;
  g_assert_false (portero_library_open ("libportero-no-such-library.so.0", names, slots, 1, &module, &error));
  g_assert_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL);
  g_assert_true (g_str_has_prefix (error->message, "cannot load libportero-no-such-library.so.0: "));
  g_assert_null (module);
}

static void
test_missing_function (void)
{
  static const char *const names[] = { "xmlCheckVersion", "portero_no_such_function" };
  gpointer first = NULL, second = NULL;
  gpointer *const slots[] = { &first, &second };
  GModule *module = NULL;
  g_autoptr (GError) error = NULL;
  g_assert_false (portero_library_open (LIBXML2_SONAME, names, slots, 2, &module, &error));
  g_assert_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL);
  g_assert_nonnull (strstr (error->message, "portero_no_such_function"));
  g_assert_null (module); /* nothing stays open */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/library/open", test_open);
  g_test_add_func ("/library/missing-library", test_missing_library);
  g_test_add_func ("/library/missing-function", test_missing_function);
  return g_test_run ();
}
