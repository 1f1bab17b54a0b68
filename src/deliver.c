/* NAME
 *	portero-deliver - turn one piped support e-mail into a ticket
 * SUMMARY
 *	portero-deliver [--config FILE] [--sender ADDR] [--recipient ADDR]
 *		[--original-recipient ADDR] [--queue-id ID] < message
 * DESCRIPTION
 *	Reads one message on standard input to its end, parses it, finds or
 *	creates the sender as a contact, files it under a customer by domain,
 *	joins it to its ticket or opens one, and stores it all in one SQLite
 *	transaction. Postfix's pipe(8) or procmail run it once per message.
 * DIAGNOSTICS
 *	Exit status per sysexits.h as Postfix reads it: 0 stored (duplicates
 *	too), 65 empty or header-less input, 67 recipient not a support
 *	address, 75 anything a retry or an administrator can fix (database,
 *	configuration, key file, deadline). No other status. One line on
 *	stderr says why; the same line goes to the log ([portero] log=,
 *	syslog by default) with the queue id.
 * SECURITY
 *	Runs as the unprivileged user of master.cf's user=; refuses nothing
 *	itself but never writes outside the database.
 */
#include "config.h"
#include "privilege.h"
#include "redact.h"
#include "error.h"
#include "i18n.h"
#include "intake.h"
#include "keys.h"
#include "log.h"
#include "mail.h"
#include "outbox.h"
#include "rules.h"
#include "store.h"
#include <errno.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

/* The address space portero-deliver needs free at start-up, and per byte of
 * message once it is read, beside argon2-memlimit (see portero-deliver(8)).
 * With less, glib's first failed allocation aborts the program: a signal,
 * where Postfix expects an exit status. */
#define MIN_ADDRESS_SPACE (32 * 1024 * 1024)
#define ADDRESS_SPACE_PER_BYTE 4

/* Whether BYTES of address space can be mapped now (ulimit -v,
 * RLIMIT_AS). Nothing is touched, so nothing is committed. */
static gboolean
address_space_free (gsize bytes)
{
  void *p = mmap (NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return FALSE;
  munmap (p, bytes);
  return TRUE;
}

/* Before glib's constructors, which allocate (priority 101 runs before the
 * unprioritised ones where glib is linked in statically): past them an
 * allocation failure can only abort. No glib here, and no syslog yet. */
__attribute__ ((constructor (101))) static void
check_address_space (void)
{
  static const char msg[] = "portero-deliver: less than 32 MB of address space is free (ulimit -v); "
                            "try again later\n";
  if (address_space_free (MIN_ADDRESS_SPACE))
    return;
  ssize_t ignored = write (STDERR_FILENO, msg, sizeof msg - 1);
  (void) ignored;
  _exit (EX_TEMPFAIL);
}

/* The deadline's last resort, for a read or a call that never returns. The
 * transaction is not committed, so SQLite discards it; Postfix retries. */
static void
on_alarm (int sig)
{
  static const char msg[] = "portero-deliver: deadline passed, try again later\n";
  ssize_t ignored = write (STDERR_FILENO, msg, sizeof msg - 1);
  (void) ignored;
  _exit (EX_TEMPFAIL);
}

/* Read all of FD; NULL with errno's message on failure. Straight into the
 * array (no bounce buffer), sized at once when FD is a file. */
static GBytes *
read_all (int fd, GError **error)
{
  struct stat st;
  gsize room = 64 * 1024;
  if (fstat (fd, &st) == 0 && S_ISREG (st.st_mode) && st.st_size > 0)
    room = (gsize) st.st_size + 1; /* + 1: the read that sees the end */
  g_autoptr (GByteArray) buf = g_byte_array_sized_new (room);
  for (;;)
    {
      guint len = buf->len;
      if (buf->len == room)
        room *= 2;
      g_byte_array_set_size (buf, room);
      ssize_t n = read (fd, buf->data + len, room - len);
      g_byte_array_set_size (buf, len + MAX (n, 0));
      if (n == 0)
        break;
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          int saved = errno;
          g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL, "cannot read the message: %s",
                       g_strerror (saved));
          return NULL;
        }
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&buf));
}

/* The only place that turns an error into an exit status. */
static int
exit_status (const GError *error)
{
  if (error == NULL)
    return EX_OK;
  if (error->domain == PORTERO_ERROR && error->code == PORTERO_ERROR_DATA)
    return EX_DATAERR;
  if (error->domain == PORTERO_ERROR && error->code == PORTERO_ERROR_NOUSER)
    return EX_NOUSER;
  /* Everything else, a bad argument included, is the administrator's to
   * fix: Postfix keeps the mail queued instead of bouncing it. */
  return EX_TEMPFAIL;
}

/* An envelope value from its option or, failing that, the environment, as
 * UTF-8. The options are taken as bytes (G_OPTION_ARG_FILENAME): pipe(8)
 * runs us without a locale, in which glib's string options would refuse
 * any non-ASCII byte, and an SMTPUTF8 address arrives as UTF-8. A value
 * that is not UTF-8 is kept readable with replacement characters. */
static char *
envelope_value (const char *option, const char *variable)
{
  const char *value = option != NULL ? option : g_getenv (variable);
  if (value == NULL)
    return NULL;
  return g_utf8_make_valid (value, -1);
}

static gboolean
deliver (int argc, char **argv, GError **error)
{
  g_autofree char *config_opt = NULL, *sender = NULL, *recipient = NULL, *original = NULL, *queue_id = NULL;
  GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_opt, "Configuration file", "FILE" },
    { "sender", 'f', 0, G_OPTION_ARG_FILENAME, &sender, "Envelope sender (Postfix ${sender})", "ADDR" },
    { "recipient", 'r', 0, G_OPTION_ARG_FILENAME, &recipient, "Envelope recipient (${recipient})", "ADDR" },
    { "original-recipient", 'o', 0, G_OPTION_ARG_FILENAME, &original, "Original recipient (${original_recipient})", "ADDR" },
    { "queue-id", 'q', 0, G_OPTION_ARG_FILENAME, &queue_id, "Postfix queue id (${queue_id})", "ID" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("< message");
  g_option_context_set_summary (ctx, "Turn one support e-mail read on standard input into a ticket.");
  g_option_context_add_main_entries (ctx, entries, NULL);
  g_autoptr (GError) local = NULL;
  if (!g_option_context_parse (ctx, &argc, &argv, &local))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG, "%s", local->message);
      return FALSE;
    }
  if (argc > 1)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG, "unexpected argument \"%s\"", argv[1]);
      return FALSE;
    }
  /* local(8) and procmail pass the envelope in the environment. */
  g_autofree char *env_sender = envelope_value (sender, "SENDER");
  g_autofree char *env_recipient = envelope_value (recipient, "RECIPIENT");
  g_autofree char *env_original = envelope_value (original, "ORIGINAL_RECIPIENT");
  g_autofree char *env_queue_id = envelope_value (queue_id, "QUEUE_ID");
  PorteroEnvelope envelope = {
    .sender = env_sender,
    .recipient = env_recipient,
    .original_recipient = env_original,
    .queue_id = env_queue_id,
  };
  portero_log_set_queue_id (envelope.queue_id);

  g_autofree char *config_path = portero_config_locate (config_opt);
  g_autoptr (PorteroConfig) config = portero_privilege_load_config (config_path, error);
  if (config == NULL || !portero_privilege_drop_to_state (config, error))
    return FALSE;
  portero_log_set_target (config->log);
  gint64 started = g_get_monotonic_time ();
  alarm (config->deadline + 5);

  /* Read to the end before acting: stopping early and exiting 0 would count
   * as delivered. */
  g_autoptr (GBytes) raw = read_all (STDIN_FILENO, error);
  if (raw == NULL)
    return FALSE;
  gsize size = g_bytes_get_size (raw);
  if (!address_space_free (MIN_ADDRESS_SPACE + ADDRESS_SPACE_PER_BYTE * size))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL,
                   "not enough address space free (ulimit -v) for a message of %" G_GSIZE_FORMAT " bytes", size);
      return FALSE;
    }
  g_autoptr (PorteroKeys) keys = portero_keys_load (config->key_file, error);
  if (keys == NULL)
    return FALSE;

  g_autoptr (PorteroMail) mail = portero_intake_parse (config, raw, &envelope, error);
  if (mail == NULL)
    return FALSE;
  g_autoptr (PorteroStore) store = portero_store_open (config->database, PORTERO_STORE_WRITE,
                                                        config->busy_timeout, error);
  if (store == NULL)
    return FALSE;
  portero_store_set_deadline (store, started + (gint64) config->deadline * G_USEC_PER_SEC);

  /* A broken rule never stops intake: it is skipped, and said so loudly. */
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (PorteroRuleSet) rules = portero_rules_read (config->rules, problems, error);
  if (rules == NULL)
    return FALSE;
  for (guint i = 0; i < problems->len; i++)
    portero_log_warn ("rule skipped: %s", (const char *) g_ptr_array_index (problems, i));

  /* A live password quoted back (a reply to the welcome mail) is not kept in
   * clear; argon2id, so before the write lock. */
  int masked = 0;
  if (!portero_redact_issued_passwords (store, config, mail, &masked, error))
    return FALSE;
  if (masked > 0)
    portero_log_info ("a password portero issued, quoted in the message, is masked in what is stored");

  /* argon2id before the write lock, when a credential mail is likely. */
  gboolean known = FALSE;
  PorteroPreparedPassword password = { 0 };
  if (!portero_intake_check_recipient (config, &envelope, error)
      || !portero_intake_sender_known (store, mail, &known, error)
      || !portero_automation_prepare (config, rules, mail, known, &password, error))
    return FALSE;

  PorteroIntakeOptions options = { .rules = rules, .password = &password };
  PorteroIntakeResult result = { 0 };
  gboolean ok = portero_intake_store (store, config, keys, mail, &envelope, &options, &result, error);
  portero_prepared_password_clear (&password);
  if (ok)
    portero_log_info ("from=<%s> to=<%s> message-id=<%s> outcome=%s ticket=%" G_GINT64_FORMAT
                      " message=%" G_GINT64_FORMAT "%s%s%s%s",
                      result.sender, envelope.recipient ? envelope.recipient : "",
                      mail->message_id ? mail->message_id : "", portero_outcome_name (result.outcome),
                      result.ticket, result.message, result.contact_created ? " contact=created" : "",
                      result.matched_by ? " matched-by=" : "", result.matched_by ? result.matched_by : "",
                      mail->auto_generated ? " auto" : "");
  for (guint i = 0; ok && i < result.report->len; i++)
    portero_log_info ("%s", (const char *) g_ptr_array_index (result.report, i));

  /* The mail is stored: from here on nothing changes the exit status. What
   * cannot be sent within the budget stays queued for portero maintain. */
  if (ok && result.queued->len > 0 && config->smtp_send_budget > 0)
    {
      /* Committed: a late alarm would only cause a retry that finds a duplicate. */
      alarm (config->smtp_send_budget + 10);
      gint64 budget = g_get_monotonic_time () + (gint64) config->smtp_send_budget * G_USEC_PER_SEC;
      gint64 deadline = started + (gint64) config->deadline * G_USEC_PER_SEC;
      PorteroOutboxTally tally;
      g_autoptr (GError) send_error = NULL;
      if (!portero_outbox_send (store, config, keys, result.queued, MIN (budget, deadline), &tally, &send_error))
        portero_log_warn ("outbox: %s; the mail stays queued", send_error->message);
    }
  /* A delivery report wiped a bounced mail's body: out of the -wal too. */
  if (ok && mail->report_of != NULL)
    {
      g_autoptr (GError) local = NULL;
      if (!portero_store_checkpoint (store, &local))
        portero_log_warn ("checkpoint: %s (portero maintain finishes it)", local->message);
    }
  portero_intake_result_clear (&result);
  return ok;
}

int
main (int argc, char **argv)
{
  /* No setlocale(): portero-deliver speaks English whatever LANG says. Its
   * one stderr line becomes the text of a bounce (DSN) read by mail systems
   * and by people anywhere, the same line goes to syslog where
   * administrators search it, pipe(8) passes no environment anyway, and a
   * message must parse the same under any caller's locale. The catalogues
   * serve only the mail and notes in the configured [portero] language. */
  portero_privilege_no_core ();
  signal (SIGALRM, on_alarm);
  signal (SIGPIPE, SIG_IGN);
  /* A default deadline until the configuration names one. */
  alarm (300);
  portero_log_open ("portero-deliver");
  portero_i18n_bind ();
  if (sodium_init () < 0)
    {
      portero_log_error ("cannot initialise libsodium; try again later");
      return EX_TEMPFAIL;
    }
  portero_mail_init ();

  g_autoptr (GError) error = NULL;
  deliver (argc, argv, &error);
  int status = exit_status (error);
  if (error != NULL)
    portero_log_error ("%s%s", error->message,
                       status == EX_TEMPFAIL ? " (will be retried)" : "");

  portero_mail_shutdown ();
  portero_log_close ();
  return status;
}
