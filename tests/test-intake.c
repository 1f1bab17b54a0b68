/* test-intake - domain mapping and ticket matching against a real SQLite file */
#include "../src/error.h"
#include "../src/intake.h"
#include "../src/msgid.h"
#include <glib/gstdio.h>
#include <string.h>

typedef struct {
  char *dir;
  PorteroConfig *config;
  PorteroKeys *keys;
  PorteroStore *store;
  gint64 acme;
} Fixture;

static void
setup (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  f->dir = g_dir_make_tmp ("portero-intake-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *conf = g_build_filename (f->dir, "portero.conf", NULL);
  g_assert_true (g_file_set_contents (conf,
      "[portero]\ndatabase=portero.db\nlanguage=en\n"
      "[mail]\nsupport-addresses=support@helpdesk.example\n", -1, &error));
  f->config = portero_config_load (conf, &error);
  g_assert_no_error (error);
  g_assert_true (portero_store_create (f->config->database, "Unassigned", &error));
  f->store = portero_store_open (f->config->database, PORTERO_STORE_WRITE, 5, &error);
  g_assert_no_error (error);
  f->keys = g_new0 (PorteroKeys, 1);
  crypto_auth_hmacsha256_keygen (f->keys->hmac);
  g_assert_true (portero_store_begin (f->store, &error));
  g_assert_true (portero_store_customer_add (f->store, "Acme", &f->acme, &error));
  g_assert_true (portero_store_domain_add (f->store, f->acme, "acme.example", &error));
  g_assert_true (portero_store_commit (f->store, &error));
}

static void
teardown (Fixture *f, gconstpointer data)
{
  portero_store_close (f->store);
  portero_keys_free (f->keys);
  g_autofree char *wal = g_strconcat (f->config->database, "-wal", NULL);
  g_autofree char *shm = g_strconcat (f->config->database, "-shm", NULL);
  g_autofree char *conf = g_build_filename (f->dir, "portero.conf", NULL);
  g_unlink (f->config->database);
  g_unlink (wal);
  g_unlink (shm);
  g_unlink (conf);
  g_rmdir (f->dir);
  portero_config_free (f->config);
  g_free (f->dir);
}

/* Deliver a message FROM with SUBJECT and extra HEADERS; return the result. */
static PorteroIntakeResult
deliver_id (Fixture *f, const char *mid, const char *from, const char *subject, const char *headers)
{
  static int n;
  g_autofree char *auto_id = g_strdup_printf ("m%d@test", ++n);
  g_autofree char *text = g_strdup_printf ("From: %s\nSubject: %s\nMessage-ID: <%s>\n%s\nbody\n",
                                           from, subject, mid ? mid : auto_id, headers ? headers : "");
  g_autoptr (GBytes) raw = g_bytes_new (text, strlen (text));
  PorteroEnvelope env = { "x@y", "support@helpdesk.example", NULL, "Q" };
  PorteroIntakeResult result = { 0 };
  g_autoptr (GError) error = NULL;
  g_assert_true (portero_intake_run (f->store, f->config, f->keys, raw, &env, &result, &error));
  g_assert_no_error (error);
  g_free (result.sender);
  result.sender = NULL;
  return result;
}

static PorteroIntakeResult
deliver (Fixture *f, const char *from, const char *subject, const char *headers)
{
  return deliver_id (f, NULL, from, subject, headers);
}

static void
test_domain_mapping (Fixture *f, gconstpointer data)
{
  PorteroIntakeResult a = deliver (f, "ann@ACME.example", "one", NULL);
  PorteroIntakeResult b = deliver (f, "bob@other.example", "two", NULL);
  PorteroIntakeResult c = deliver (f, "carl@sub.acme.example", "three", NULL);
  g_assert_true (a.contact_created && b.contact_created && c.contact_created);
  PorteroContactRef ref;
  g_autoptr (GError) error = NULL;
  gint64 unassigned = 0;
  g_assert_true (portero_store_customer_default (f->store, &unassigned, &error));
  g_assert_true (portero_store_contact_find (f->store, "ann@acme.example", &ref, &error));
  g_assert_cmpint (ref.customer_id, ==, f->acme);
  g_assert_true (portero_store_contact_find (f->store, "bob@other.example", &ref, &error));
  g_assert_cmpint (ref.customer_id, ==, unassigned);
  g_assert_true (portero_store_contact_find (f->store, "carl@sub.acme.example", &ref, &error));
  g_assert_cmpint (ref.customer_id, ==, unassigned);
}

static void
test_match_tag (Fixture *f, gconstpointer data)
{
  PorteroIntakeResult first = deliver (f, "ann@acme.example", "Printer", NULL);
  g_assert_cmpint (first.outcome, ==, PORTERO_OUTCOME_NEW_TICKET);
  g_autofree char *tag = g_strdup_printf ("Re: [#%" G_GINT64_FORMAT "] Printer", first.ticket);

  PorteroIntakeResult own = deliver (f, "ann@acme.example", tag, NULL);
  g_assert_cmpint (own.outcome, ==, PORTERO_OUTCOME_FOLLOW_UP);
  g_assert_cmpint (own.ticket, ==, first.ticket);
  g_assert_cmpstr (own.matched_by, ==, "subject tag");

  PorteroIntakeResult colleague = deliver (f, "dana@acme.example", tag, NULL);
  g_assert_cmpint (colleague.ticket, ==, first.ticket);

  PorteroIntakeResult stranger = deliver (f, "eve@evil.example", tag, NULL);
  g_assert_cmpint (stranger.outcome, ==, PORTERO_OUTCOME_NEW_TICKET);
  g_assert_cmpint (stranger.ticket, !=, first.ticket);

  /* Both in the default customer: still strangers to each other. */
  PorteroIntakeResult u1 = deliver (f, "u1@free.example", "mine", NULL);
  g_autofree char *tag2 = g_strdup_printf ("[#%" G_GINT64_FORMAT "]", u1.ticket);
  PorteroIntakeResult u2 = deliver (f, "u2@free.example", tag2, NULL);
  g_assert_cmpint (u2.ticket, !=, u1.ticket);

  /* A tag of a ticket that does not exist opens a new one. */
  PorteroIntakeResult none = deliver (f, "ann@acme.example", "[#9999]", NULL);
  g_assert_cmpint (none.outcome, ==, PORTERO_OUTCOME_NEW_TICKET);
}

static void
test_match_signed (Fixture *f, gconstpointer data)
{
  PorteroIntakeResult first = deliver (f, "ann@acme.example", "Printer", NULL);
  g_autofree char *id = portero_msgid_new (f->keys, first.ticket, "helpdesk.example");
  g_autofree char *refs = g_strdup_printf ("In-Reply-To: <%s>\n", id);
  PorteroIntakeResult reply = deliver (f, "anyone@else.example", "Re: whatever", refs);
  g_assert_cmpint (reply.outcome, ==, PORTERO_OUTCOME_FOLLOW_UP);
  g_assert_cmpint (reply.ticket, ==, first.ticket);
  g_assert_cmpstr (reply.matched_by, ==, "signed message-id");

  /* Signed by another installation: nothing. */
  PorteroKeys other = { 0 };
  g_autofree char *foreign = portero_msgid_new (&other, first.ticket, "helpdesk.example");
  g_autofree char *refs2 = g_strdup_printf ("References: <%s>\n", foreign);
  PorteroIntakeResult forged = deliver (f, "anyone@else.example", "Re: whatever", refs2);
  g_assert_cmpint (forged.outcome, ==, PORTERO_OUTCOME_NEW_TICKET);
}

static void
test_match_references (Fixture *f, gconstpointer data)
{
  PorteroIntakeResult first = deliver_id (f, "first@acme.example", "ann@acme.example", "Printer", NULL);
  g_autoptr (GError) error = NULL;
  gint64 t = 0;
  const char *ref = "References: <unrelated@x> <first@acme.example>\n";
  g_assert_true (portero_store_ticket_for_message_id (f->store, "first@acme.example", &t, &error));
  g_assert_cmpint (t, ==, first.ticket);
  g_assert_true (portero_store_ticket_for_message_id (f->store, "no-such-id", &t, &error));
  g_assert_cmpint (t, ==, 0);
  PorteroIntakeResult own = deliver (f, "ann@acme.example", "Re: Printer", ref);
  g_assert_cmpint (own.ticket, ==, first.ticket);
  g_assert_cmpstr (own.matched_by, ==, "references");
  PorteroIntakeResult other = deliver (f, "mallory@evil.example", "Re: Printer", ref);
  g_assert_cmpint (other.ticket, !=, first.ticket);
}

static void
test_duplicate (Fixture *f, gconstpointer data)
{
  const char *text = "From: ann@acme.example\nSubject: once\nMessage-ID: <dup@test>\n\nbody\n";
  g_autoptr (GBytes) raw = g_bytes_new_static (text, strlen (text));
  PorteroEnvelope env = { "x@y", "support@helpdesk.example", NULL, "Q" };
  PorteroIntakeResult r1 = { 0 }, r2 = { 0 };
  g_autoptr (GError) error = NULL;
  g_assert_true (portero_intake_run (f->store, f->config, f->keys, raw, &env, &r1, &error));
  g_assert_true (portero_intake_run (f->store, f->config, f->keys, raw, &env, &r2, &error));
  g_assert_cmpint (r1.outcome, ==, PORTERO_OUTCOME_NEW_TICKET);
  g_assert_cmpint (r2.outcome, ==, PORTERO_OUTCOME_DUPLICATE);
  portero_intake_result_clear (&r1);
  portero_intake_result_clear (&r2);
}

static void
test_nouser (Fixture *f, gconstpointer data)
{
  const char *text = "From: ann@acme.example\nSubject: x\n\nbody\n";
  g_autoptr (GBytes) raw = g_bytes_new_static (text, strlen (text));
  PorteroEnvelope env = { "x@y", "sales@helpdesk.example", NULL, NULL };
  PorteroIntakeResult r = { 0 };
  g_autoptr (GError) error = NULL;
  g_assert_false (portero_intake_run (f->store, f->config, f->keys, raw, &env, &r, &error));
  g_assert_error (error, PORTERO_ERROR, PORTERO_ERROR_NOUSER);
  portero_intake_result_clear (&r);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (sodium_init () < 0)
    return 1;
  portero_mail_init ();
  g_test_add ("/intake/domain-mapping", Fixture, NULL, setup, test_domain_mapping, teardown);
  g_test_add ("/intake/match-subject-tag", Fixture, NULL, setup, test_match_tag, teardown);
  g_test_add ("/intake/match-signed-message-id", Fixture, NULL, setup, test_match_signed, teardown);
  g_test_add ("/intake/match-references", Fixture, NULL, setup, test_match_references, teardown);
  g_test_add ("/intake/duplicate", Fixture, NULL, setup, test_duplicate, teardown);
  g_test_add ("/intake/recipient-not-support", Fixture, NULL, setup, test_nouser, teardown);
  int rc = g_test_run ();
  portero_mail_shutdown ();
  return rc;
}
