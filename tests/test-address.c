/* test-address - address and domain normalisation */
#include "../src/address.h"

typedef struct {
  const char *in;
  const char *want; /* NULL: refused */
} Case;

static void
test_normalise (void)
{
  static const Case cases[] = {
    { "Jane.Roe@Example.ORG", "jane.roe@example.org" },
    { "  <Bob@ACME.example.>  ", "bob@acme.example" },
    { "ÁNGEL@Bücher.Example", "ángel@xn--bcher-kva.example" },
    { "user+tag@example.com", "user+tag@example.com" },
    { "no-at-sign", NULL },
    { "@example.com", NULL },
    { "user@", NULL },
    { "two words@example.com", NULL },
    { "user@exa mple.com", NULL },
    { "user@example..com", NULL },
    { "user@[192.0.2.1]", "user@[192.0.2.1]" },
    { "", NULL },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *got = portero_address_normalise (cases[i].in);
      g_assert_cmpstr (got, ==, cases[i].want);
    }
  g_assert_null (portero_address_normalise (NULL));
  g_assert_null (portero_address_normalise ("bad\xff@example.com"));
}

static void
test_domain (void)
{
  g_autofree char *a = portero_domain_normalise (" ACME.Example. ");
  g_autofree char *b = portero_domain_normalise ("münchen.DE");
  g_autofree char *c = portero_domain_normalise ("-");
  g_assert_cmpstr (a, ==, "acme.example");
  g_assert_cmpstr (b, ==, "xn--mnchen-3ya.de");
  g_assert_null (portero_domain_normalise (""));
  g_assert_null (portero_domain_normalise ("a b.example"));
  g_assert_cmpstr (portero_address_domain ("x@acme.example"), ==, "acme.example");
  (void) c;
}

static void
test_extension (void)
{
  g_autofree char *a = portero_address_strip_extension ("support+billing@example.com");
  g_autofree char *b = portero_address_strip_extension ("support@example.com");
  g_autofree char *c = portero_address_strip_extension ("+x@example.com");
  g_assert_cmpstr (a, ==, "support@example.com");
  g_assert_cmpstr (b, ==, "support@example.com");
  g_assert_cmpstr (c, ==, "+x@example.com");
}

static void
test_robot (void)
{
  g_assert_true (portero_address_is_robot ("MAILER-DAEMON@mx.example"));
  g_assert_true (portero_address_is_robot ("owner-list@example.com"));
  g_assert_true (portero_address_is_robot ("list-request@example.com"));
  g_assert_true (portero_address_is_robot ("noreply@example.com"));
  g_assert_false (portero_address_is_robot ("jane@example.com"));
  g_assert_false (portero_address_is_robot ("requester@example.com"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/address/normalise", test_normalise);
  g_test_add_func ("/address/domain", test_domain);
  g_test_add_func ("/address/strip-extension", test_extension);
  g_test_add_func ("/address/robot", test_robot);
  return g_test_run ();
}
