/* test-config - loading and validating portero.conf */
#include "../src/config.h"
#include "../src/error.h"
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static char *
write_conf (const char *text)
{
  g_autoptr (GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("portero-XXXXXX.conf", &path, &error);
  g_assert_no_error (error);
  close (fd);
  g_assert_true (g_file_set_contents (path, text, -1, &error));
  return path;
}

static void
test_defaults (void)
{
  g_autofree char *path = write_conf ("");
  g_autoptr (GError) error = NULL;
  g_autoptr (PorteroConfig) c = portero_config_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (c->mode, ==, PORTERO_MODE_MSP);
  g_assert_cmpstr (c->language, ==, "es");
  g_assert_cmpstr (c->default_customer, ==, "Unassigned");
  g_assert_true (c->auto_create_contacts);
  g_assert_cmpint (c->busy_timeout, ==, 30);
  g_assert_cmpint (c->max_message_size, ==, 52428800);
  g_assert_cmpuint (g_strv_length (c->spam_headers), ==, 2);
  g_assert_cmpuint (g_strv_length (c->support_addresses), ==, 0);
  g_autofree char *dir = g_path_get_dirname (c->database);
  g_autofree char *key = g_build_filename (dir, "portero.key", NULL);
  g_assert_cmpstr (c->key_file, ==, key);
  g_unlink (path);
}

static void
test_values (void)
{
  g_autofree char *path = write_conf (
      "[portero]\n# a comment\ndatabase=state/p.db\nmode=IT\nlanguage=en\n"
      "[mail]\nsupport-addresses=Soporte@Example.COM; help@example.com ;\n"
      "auto-create-contacts=false\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (PorteroConfig) c = portero_config_load (path, &error);
  g_assert_no_error (error);
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *db = g_build_filename (dir, "state/p.db", NULL);
  g_assert_cmpstr (c->database, ==, db);
  g_assert_cmpint (c->mode, ==, PORTERO_MODE_IT);
  g_assert_false (c->auto_create_contacts);
  g_assert_cmpuint (g_strv_length (c->support_addresses), ==, 2);
  g_assert_cmpstr (c->support_addresses[0], ==, "soporte@example.com");
  g_assert_true (portero_config_is_support_address (c, "soporte+x@example.com"));
  g_assert_false (portero_config_is_support_address (c, "sales@example.com"));
  g_assert_cmpstr (portero_config_word (c, "customer"), ==, "site");
  g_assert_cmpstr (portero_config_word (c, "Contact"), ==, "User");
  g_unlink (path);
}

static void
test_errors (void)
{
  static const char *const bad[][2] = {
    { "[portero]\nnope=1\n", "[portero] nope: unknown key" },
    { "[nope]\nx=1\n", "[nope]: unknown group" },
    { "[portero]\nbusy-timeout=-1\n", "[portero] busy-timeout:" },
    { "[portero]\nmode=both\n", "[portero] mode:" },
    { "[mail]\nwelcome-email=perhaps\n", "[mail] welcome-email:" },
    { "[smtp]\nport=70000\n", "[smtp] port:" },
    { "[credentials]\npassword-length=8\n", "[credentials] password-length:" },
    { "[portero]\ndefault-customer=\n", "default-customer" },
    { "not a key file", "" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *path = write_conf (bad[i][0]);
      g_autoptr (GError) error = NULL;
      g_autoptr (PorteroConfig) c = portero_config_load (path, &error);
      g_assert_null (c);
      g_assert_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG);
      g_assert_nonnull (strstr (error->message, path));
      g_assert_nonnull (strstr (error->message, bad[i][1]));
      g_unlink (path);
    }
  g_autoptr (GError) error = NULL;
  g_assert_null (portero_config_load ("/nonexistent/portero.conf", &error));
  g_assert_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG);
}

static void
test_locate (void)
{
  g_autofree char *a = portero_config_locate ("/etc/x.conf");
  g_assert_cmpstr (a, ==, "/etc/x.conf");
  g_setenv ("PORTERO_CONFIG", "/srv/p.conf", TRUE);
  g_autofree char *b = portero_config_locate (NULL);
  g_assert_cmpstr (b, ==, "/srv/p.conf");
  g_unsetenv ("PORTERO_CONFIG");
  g_autofree char *c = portero_config_locate (NULL);
  g_assert_cmpstr (c, ==, portero_config_default_path ());
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/defaults", test_defaults);
  g_test_add_func ("/config/values", test_values);
  g_test_add_func ("/config/errors", test_errors);
  g_test_add_func ("/config/locate", test_locate);
  return g_test_run ();
}
