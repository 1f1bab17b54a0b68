/* fuzz-intake - one message through portero_intake_parse and
 * portero_intake_store, as portero-deliver runs them, against a real SQLite
 * file with the shipped rules and templates; every transaction is rolled
 * back (dry run), so each input meets the same database */
#include "../../src/error.h"
#include "../../src/intake.h"
#include "fuzz-common.h"
#include <sodium.h>
#include <string.h>

static PorteroConfig *config;
static PorteroKeys keys;
static PorteroStore *store;
static PorteroRuleSet *rules;

/* Store one message for good: the tickets, contacts and message ids that
 * the fuzzed inputs can reply to or collide with. */
static void
seed (const char *text)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) raw = g_bytes_new (text, strlen (text));
  PorteroEnvelope env = { "ann@acme.example", "support@helpdesk.example", NULL, "SEED" };
  PorteroIntakeResult result = { 0 };
  if (!portero_intake_run (store, config, &keys, raw, &env, &result, &error))
    g_error ("seeding the database: %s", error->message);
  portero_intake_result_clear (&result);
}

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  g_autoptr (GError) error = NULL;
  if (sodium_init () < 0)
    g_error ("sodium_init failed");
  portero_mail_init ();
  const char *dir = fuzz_scratch ();
  g_autofree char *conf = g_build_filename (dir, "portero.conf", NULL);
  g_autofree char *text = g_strdup_printf (
      "[portero]\ndatabase=portero.db\nlanguage=en\nbusy-timeout=2\n"
      "rules=%s/filters\ntemplates=%s/templates\n"
      "[mail]\nsupport-addresses=support@helpdesk.example;soporte@helpdesk.example\n"
      "from=Support <support@helpdesk.example>\n"
      "[credentials]\nargon2-memlimit=19922944\n"
      "[smtp]\ntransport=maildir\nmaildir=sent\n",
      fuzz_srcdir (), fuzz_srcdir ());
  if (!g_file_set_contents (conf, text, -1, &error))
    g_error ("%s", error->message);
  config = portero_config_load (conf, &error);
  if (config == NULL)
    g_error ("%s", error->message);
  if (!portero_store_create (config->database, "Unassigned", &error))
    g_error ("%s", error->message);
  store = portero_store_open (config->database, PORTERO_STORE_WRITE, config->busy_timeout, &error);
  if (store == NULL)
    g_error ("%s", error->message);
  crypto_auth_hmacsha256_keygen (keys.hmac);
  crypto_secretbox_keygen (keys.secretbox);

  gint64 acme = 0;
  if (!portero_store_begin (store, &error)
      || !portero_store_customer_add (store, "Acme", &acme, &error)
      || !portero_store_domain_add (store, acme, "acme.example", &error)
      || !portero_store_commit (store, &error))
    g_error ("%s", error->message);
  seed ("From: Ann <ann@acme.example>\nSubject: Printer on fire\nMessage-ID: <seed1@acme.example>\n\nHelp.\n");
  seed ("From: Bob <bob@acme.example>\nSubject: VPN [#1]\nMessage-ID: <seed2@acme.example>\n"
        "In-Reply-To: <seed1@acme.example>\n\nStill broken.\n");
  seed ("From: Eva <eva@elsewhere.example>\nSubject: =?utf-8?q?Contrase=C3=B1a?=\n"
        "Message-ID: <seed3@elsewhere.example>\n\nNo puedo entrar.\n");

  /* Loaded once: a rule set per input would only measure GKeyFile. */
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  rules = portero_rules_load (config->rules, problems);
  return 0;
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) raw = g_bytes_new (data, size);
  PorteroEnvelope env = { "fuzz@acme.example", "support@helpdesk.example", NULL, "FUZZ" };
  g_autoptr (PorteroMail) mail = portero_intake_parse (config, raw, &env, &error);
  if (mail == NULL)
    return 0;
  gboolean known = FALSE;
  if (!portero_intake_sender_known (store, mail, &known, &error))
    g_error ("sender_known: %s", error->message);
  PorteroIntakeOptions options = { .rules = rules, .dry_run = TRUE };
  PorteroIntakeResult result = { 0 };
  if (!portero_intake_store (store, config, &keys, mail, &env, &options, &result, &error))
    {
      /* Only a transient failure of the store may end an intake; a message
       * that parsed must be storable. */
      if (!g_error_matches (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL))
        g_error ("intake_store: %s", error->message);
    }
  portero_intake_result_clear (&result);
  return 0;
}
