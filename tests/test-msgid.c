/* test-msgid - signed Message-IDs */
#include "../src/msgid.h"
#include <string.h>

static PorteroKeys *
keys_new (unsigned char fill)
{
  PorteroKeys *keys = g_new0 (PorteroKeys, 1);
  memset (keys->hmac, fill, sizeof keys->hmac);
  return keys;
}

static void
test_roundtrip (void)
{
  g_autoptr (PorteroKeys) keys = keys_new (7);
  g_autofree char *id = portero_msgid_new (keys, 42, "helpdesk.example");
  gint64 ticket = 0;
  g_assert_true (g_str_has_prefix (id, "portero.42."));
  g_assert_true (g_str_has_suffix (id, "@helpdesk.example"));
  g_assert_true (portero_msgid_verify (keys, id, &ticket));
  g_assert_cmpint (ticket, ==, 42);
  g_autofree char *bracketed = g_strdup_printf ("<%s>", id);
  g_assert_true (portero_msgid_verify (keys, bracketed, NULL));
}

static void
test_forgery (void)
{
  g_autoptr (PorteroKeys) keys = keys_new (7);
  g_autoptr (PorteroKeys) other = keys_new (8);
  g_autofree char *id = portero_msgid_new (keys, 42, "helpdesk.example");
  gint64 ticket = 0;
  /* another installation's key */
  g_assert_false (portero_msgid_verify (other, id, &ticket));
  /* the ticket number changed */
  g_autofree char *changed = g_strdup (id);
  changed[strlen ("portero.")] = '5';
  g_assert_false (portero_msgid_verify (keys, changed, &ticket));
  g_assert_false (portero_msgid_verify (keys, "portero.42.00.00@x", &ticket));
  g_assert_false (portero_msgid_verify (keys, "CAF=abc@mail.gmail.com", &ticket));
  g_assert_false (portero_msgid_verify (keys, "portero.@", &ticket));
  g_assert_false (portero_msgid_verify (keys, NULL, &ticket));
  g_assert_cmpint (ticket, ==, 0);
}

static void
test_unique (void)
{
  g_autoptr (PorteroKeys) keys = keys_new (1);
  g_autofree char *a = portero_msgid_new (keys, 1, "h.example");
  g_autofree char *b = portero_msgid_new (keys, 1, "h.example");
  g_assert_cmpstr (a, !=, b);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (sodium_init () < 0)
    return 1;
  g_test_add_func ("/msgid/roundtrip", test_roundtrip);
  g_test_add_func ("/msgid/forgery", test_forgery);
  g_test_add_func ("/msgid/unique", test_unique);
  return g_test_run ();
}
