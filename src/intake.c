/* intake - one inbound message, from raw bytes to stored contact, ticket and message
 *
 * Parsing happens before the write transaction; every lookup that a
 * concurrent delivery could change (the contact, the duplicate, the ticket)
 * happens inside it, after BEGIN IMMEDIATE has taken the lock. */
#include "intake.h"
#include "address.h"
#include "error.h"
#include "i18n.h"
#include "msgid.h"
#include <string.h>


void
portero_intake_result_clear (PorteroIntakeResult *result)
{
  g_free (result->sender);
  if (result->queued)
    g_array_unref (result->queued);
  if (result->report)
    g_ptr_array_unref (result->report);
  memset (result, 0, sizeof *result);
}

const char *
portero_outcome_name (PorteroOutcome outcome)
{
  switch (outcome)
    {
    case PORTERO_OUTCOME_NEW_TICKET: return "new-ticket";
    case PORTERO_OUTCOME_FOLLOW_UP: return "follow-up";
    case PORTERO_OUTCOME_NOTE: return "note";
    case PORTERO_OUTCOME_UNFILED: return "unfiled";
    case PORTERO_OUTCOME_DUPLICATE: return "duplicate";
    }
  return "?";
}

PorteroMail *
portero_intake_parse (const PorteroConfig *config, GBytes *raw, const PorteroEnvelope *envelope,
                      GError **error)
{
  PorteroMailOptions options = {
    .envelope_sender = envelope ? envelope->sender : NULL,
    .spam_headers = config->spam_headers,
    .support_addresses = config->support_addresses,
    .max_size = config->max_message_size,
  };
  return portero_mail_parse (raw, &options, error);
}

/* Whether the sender may add to TICKET: its requester, the same contact by
 * another address, or a contact of the same (real, not default) customer. */
static gboolean
may_join (const PorteroMail *mail, const PorteroContactRef *contact, const PorteroTicketRef *ticket,
          gint64 default_customer)
{
  if (ticket->id == 0 || mail->from_addr == NULL)
    return FALSE;
  if (g_strcmp0 (ticket->requester, mail->from_addr) == 0)
    return TRUE;
  if (contact->id == 0)
    return FALSE;
  if (ticket->contact_id == contact->id)
    return TRUE;
  return contact->customer_id == ticket->customer_id && ticket->customer_id != default_customer;
}

/* A ticket that our own signed Message-ID names, among the references and
 * (for a delivery report) the reported message. */
static gint64
signed_ticket (const PorteroKeys *keys, const PorteroMail *mail)
{
  gint64 ticket = 0;
  if (keys == NULL)
    return 0;
  if (mail->report_of != NULL && portero_msgid_verify (keys, mail->report_of, &ticket))
    return ticket;
  for (guint i = 0; i < mail->references->len; i++)
    if (portero_msgid_verify (keys, g_ptr_array_index (mail->references, i), &ticket))
      return ticket;
  return 0;
}

/* Find the ticket this message belongs to, or 0. */
static gboolean
match_ticket (PorteroStore *store, const PorteroKeys *keys, const PorteroMail *mail,
              const PorteroContactRef *contact, gint64 default_customer, gint64 *ticket,
              const char **how, GError **error)
{
  PorteroTicketRef ref = { 0 };
  *ticket = 0;
  gint64 signed_id = signed_ticket (keys, mail);
  if (signed_id != 0)
    {
      if (!portero_store_ticket_get (store, signed_id, &ref, error))
        return FALSE;
      *ticket = ref.id;
      portero_ticket_ref_clear (&ref);
      if (*ticket != 0)
        {
          *how = "signed message-id";
          return TRUE;
        }
    }
  /* A reference to a message stored on a ticket: the customer's own earlier
   * mail, or a technician's reply sent by another program. */
  for (guint i = 0; i < mail->references->len; i++)
    {
      gint64 candidate = 0;
      if (!portero_store_ticket_for_message_id (store, g_ptr_array_index (mail->references, i), &candidate, error))
        return FALSE;
      if (candidate == 0)
        continue;
      if (!portero_store_ticket_get (store, candidate, &ref, error))
        return FALSE;
      gboolean ok = may_join (mail, contact, &ref, default_customer);
      portero_ticket_ref_clear (&ref);
      if (ok)
        {
          *ticket = candidate;
          *how = "references";
          return TRUE;
        }
    }
  gint64 tag = portero_mail_subject_tag (mail->subject);
  if (tag != 0)
    {
      if (!portero_store_ticket_get (store, tag, &ref, error))
        return FALSE;
      gboolean ok = may_join (mail, contact, &ref, default_customer);
      portero_ticket_ref_clear (&ref);
      if (ok)
        {
          *ticket = tag;
          *how = "subject tag";
        }
    }
  return TRUE;
}

/* The customer that owns the sender's domain, else the default one. */
static gboolean
customer_for (PorteroStore *store, const char *address, gint64 default_customer, gint64 *customer,
              GError **error)
{
  *customer = 0;
  if (address != NULL && !portero_store_customer_for_domain (store, portero_address_domain (address), customer, error))
    return FALSE;
  if (*customer == 0)
    *customer = default_customer;
  return TRUE;
}

static char *
ticket_title (const PorteroConfig *config, const PorteroMail *mail)
{
  if (mail->subject != NULL && *mail->subject != '\0')
    return g_strdup (mail->subject);
  return g_strdup (portero_i18n_in (config->language, N_ ("(no subject)")));
}

gboolean
portero_intake_check_recipient (const PorteroConfig *config, const PorteroEnvelope *envelope, GError **error)
{
  if (envelope == NULL || envelope->recipient == NULL || *envelope->recipient == '\0')
    return TRUE;
  g_autofree char *recipient = portero_address_normalise (envelope->recipient);
  if (portero_config_is_support_address (config, recipient))
    return TRUE;
  g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOUSER,
               "%s is not a support address of this helpdesk", envelope->recipient);
  return FALSE;
}

gboolean
portero_intake_sender_known (PorteroStore *store, const PorteroMail *mail, gboolean *known, GError **error)
{
  PorteroContactRef contact = { 0 };
  *known = FALSE;
  if (mail->from_addr == NULL)
    return TRUE;
  if (!portero_store_contact_find (store, mail->from_addr, &contact, error))
    return FALSE;
  *known = contact.id != 0;
  return TRUE;
}

/* One message on its way into the store, inside the write transaction. */
typedef struct {
  PorteroStore *store;
  const PorteroConfig *config;
  const PorteroKeys *keys;
  const PorteroMail *mail;
  const PorteroEnvelope *envelope;
  const PorteroIntakeOptions *options;
  PorteroIntakeResult *result;
  const char *recipient;       /* normalised envelope recipient, or NULL */
  gint64 default_customer;
  PorteroContactRef contact;   /* the sender's, id 0 when none */
  PorteroMessageRow row;       /* what is stored */
  gboolean recipient_added;    /* a duplicate came to a recipient not yet recorded */
} Intake;

/* Our own mail come back, or a report on it: a note on the ticket that sent
 * it, never a ticket or a contact of its own. *FILED: it was one. */
static gboolean
file_as_note (Intake *in, gboolean *filed, GError **error)
{
  const PorteroMail *mail = in->mail;
  *filed = FALSE;
  if (!mail->loop && !(mail->is_report && mail->report_of != NULL))
    return TRUE;
  gint64 ticket = signed_ticket (in->keys, mail);
  PorteroTicketRef ref = { 0 };
  if (ticket != 0 && !portero_store_ticket_get (in->store, ticket, &ref, error))
    return FALSE;
  ticket = ref.id;
  portero_ticket_ref_clear (&ref);
  if (ticket == 0 && !mail->loop)
    return TRUE;
  in->row.kind = "note";
  in->row.ticket_id = ticket;
  in->row.unfiled_reason = ticket == 0 ? "portero loop header" : NULL;
  if (mail->report_of != NULL && !portero_store_outbox_bounced (in->store, mail->report_of, error))
    return FALSE;
  in->result->outcome = ticket ? PORTERO_OUTCOME_NOTE : PORTERO_OUTCOME_UNFILED;
  in->result->unfiled_reason = in->row.unfiled_reason;
  in->result->matched_by = ticket ? "signed message-id" : NULL;
  *filed = TRUE;
  return TRUE;
}

/* A new sender becomes a contact before matching, so that a colleague from
 * a customer's domain may answer on a ticket of that customer. */
static gboolean
create_contact (Intake *in, GError **error)
{
  const PorteroMail *mail = in->mail;
  if (in->contact.id != 0 || mail->from_addr == NULL || !in->config->auto_create_contacts
      || mail->auto_generated || mail->spam)
    return TRUE;
  int recent = 0;
  const char *domain = portero_address_domain (mail->from_addr);
  if (!portero_store_contacts_created_last_hour (in->store, domain, &recent, error))
    return FALSE;
  if (recent >= in->config->new_contacts_per_domain_hour)
    return TRUE;
  gint64 customer = 0;
  if (!customer_for (in->store, mail->from_addr, in->default_customer, &customer, error)
      || !portero_store_contact_add (in->store, mail->from_addr, mail->from_name, customer, "email",
                                     &in->contact.id, error))
    return FALSE;
  in->contact.customer_id = customer;
  in->contact.auto_tickets = TRUE;
  in->result->contact_created = TRUE;
  return TRUE;
}

/* A follow-up on the ticket it matched, a new ticket, or unfiled. */
static gboolean
file_on_ticket (Intake *in, GError **error)
{
  const PorteroMail *mail = in->mail;
  PorteroIntakeResult *result = in->result;
  const char *how = NULL;
  gint64 ticket = 0;
  if (in->options && in->options->ticket != 0)
    {
      ticket = in->options->ticket;
      how = "portal";
    }
  else if (!(in->options && in->options->as_new)
      && !match_ticket (in->store, in->keys, mail, &in->contact, in->default_customer, &ticket, &how, error))
    return FALSE;

  in->row.contact_id = in->contact.id;
  if (ticket != 0)
    {
      in->row.ticket_id = ticket;
      result->outcome = PORTERO_OUTCOME_FOLLOW_UP;
      result->matched_by = how;
      /* An answer to portero's own signed mail: the sender reads what is sent to it. */
      if (g_strcmp0 (how, "signed message-id") == 0 && in->contact.id != 0 && !mail->auto_generated
          && !portero_store_contact_mark_heard (in->store, in->contact.id, error))
        return FALSE;
      if (!portero_store_ticket_touch (in->store, ticket, !mail->auto_generated, error))
        return FALSE;
    }
  else if (mail->from_addr == NULL)
    {
      in->row.unfiled_reason = "no sender address";
      result->outcome = PORTERO_OUTCOME_UNFILED;
    }
  else if (in->contact.id != 0 && !in->contact.auto_tickets)
    {
      in->row.unfiled_reason = "automatic ticket creation is off for this contact";
      result->outcome = PORTERO_OUTCOME_UNFILED;
    }
  else
    {
      gint64 customer = in->contact.customer_id;
      if (customer == 0 && !customer_for (in->store, mail->from_addr, in->default_customer, &customer, error))
        return FALSE;
      g_autofree char *title = ticket_title (in->config, mail);
      if (!portero_store_ticket_add (in->store, title, customer, in->contact.id, mail->from_addr,
                                     in->options && in->options->source ? in->options->source : "email", &ticket,
                                     error))
        return FALSE;
      in->row.ticket_id = ticket;
      result->outcome = PORTERO_OUTCOME_NEW_TICKET;
    }
  result->unfiled_reason = in->row.unfiled_reason;
  return TRUE;
}

/* Over max-message-size: a note says what was kept and what dropped. */
static gboolean
add_oversize_note (Intake *in, GError **error)
{
  const PorteroMail *mail = in->mail;
  /* In the helpdesk's language; %llu and casts: xgettext reads no glib macro. */
  g_autofree char *text = g_strdup_printf (
      portero_i18n_in (in->config->language,
                       N_ ("This message of %llu bytes is larger than max-message-size (%lld bytes): "
                           "its header and text were kept, its attachments were dropped.")),
      (unsigned long long) g_bytes_get_size (mail->raw), (long long) in->config->max_message_size);
  PorteroMessageRow note = {
    .ticket_id = in->row.ticket_id, .contact_id = in->row.contact_id, .kind = "note",
    .from_addr = "", .subject = mail->subject, .date = mail->date, .body = text,
    .unfiled_reason = in->row.unfiled_reason,
  };
  return portero_store_message_add (in->store, &note, NULL, error);
}

/* More MIME parts or nesting than portero reads (see portero-deliver(8)): a
 * note says so, in the helpdesk's language. */
static gboolean
add_capped_note (Intake *in, GError **error)
{
  PorteroMessageRow note = {
    .ticket_id = in->row.ticket_id, .contact_id = in->row.contact_id, .kind = "note",
    .from_addr = "", .subject = in->mail->subject, .date = in->mail->date,
    .body = portero_i18n_in (in->config->language,
                             N_ ("This message has more MIME parts (over 1000) or deeper nesting (over 32 levels) "
                                 "than portero reads: the first parts were read; the rest is kept, unread, in the "
                                 "stored message.")),
    .unfiled_reason = in->row.unfiled_reason,
  };
  return portero_store_message_add (in->store, &note, NULL, error);
}

/* The welcome mail and the rules, for a contact created and for a new
 * ticket or a requester's reply. */
static gboolean
run_automation (Intake *in, GError **error)
{
  const PorteroMail *mail = in->mail;
  const PorteroEnvelope *envelope = in->envelope;
  PorteroIntakeResult *result = in->result;
  PorteroEvent events[2];
  guint n = 0;
  PorteroEvent base = {
    .ticket = in->row.ticket_id, .contact = in->row.contact_id, .mail = mail,
    .destination = envelope && envelope->original_recipient && *envelope->original_recipient
                   ? envelope->original_recipient : in->recipient,
    .may_mail = !mail->auto_generated && !mail->spam && !mail->loop,
    .authenticated = in->options->authenticated || portero_automation_authenticated (in->config, mail),
  };
  if (result->contact_created)
    {
      events[n] = base;
      events[n++].trigger = PORTERO_TRIGGER_CONTACT_CREATED;
    }
  /* An autoresponder's answer is no requester responding. */
  if (result->outcome == PORTERO_OUTCOME_NEW_TICKET
      || (result->outcome == PORTERO_OUTCOME_FOLLOW_UP && !mail->auto_generated))
    {
      events[n] = base;
      events[n++].trigger = result->outcome == PORTERO_OUTCOME_NEW_TICKET ? PORTERO_TRIGGER_TICKET_CREATED
                                                                            : PORTERO_TRIGGER_REQUESTER_RESPONDED;
    }
  return portero_automation_run (in->store, in->config, in->keys, in->options->rules, events, n,
                                 in->options->password, in->options->dry_run, result->queued, result->report,
                                 error);
}

/* Everything between BEGIN IMMEDIATE and the commit, in order. */
static gboolean
store_steps (Intake *in, gboolean *duplicate, GError **error)
{
  const PorteroMail *mail = in->mail;
  const PorteroIntakeOptions *options = in->options;
  /* Reprocessing: the stored copy makes way, in the same transaction. */
  if (options != NULL && options->replaces != 0 && !portero_store_message_delete (in->store, options->replaces, error))
    return FALSE;
  gboolean id_seen = FALSE;
  gint64 existing = 0;
  if (!portero_store_message_seen (in->store, mail->message_id, mail->content_hash, &existing, &id_seen, error))
    return FALSE;
  if (existing != 0)
    {
      /* An MTA retry, or the copy for another support address of one
       * request: stored once, with every recipient it came to. */
      *duplicate = TRUE;
      in->result->message = existing;
      const PorteroEnvelope *envelope = in->envelope;
      return portero_store_message_recipient_add (in->store, existing, in->recipient,
                                                  envelope ? envelope->original_recipient : NULL,
                                                  envelope ? envelope->queue_id : NULL, &in->recipient_added,
                                                  error);
    }
  if (!portero_store_customer_default (in->store, &in->default_customer, error))
    return FALSE;
  if (mail->from_addr != NULL && !portero_store_contact_find (in->store, mail->from_addr, &in->contact, error))
    return FALSE;
  in->row.id_reused = id_seen;

  gboolean note = FALSE;
  if (!file_as_note (in, &note, error))
    return FALSE;
  if (!note && !(create_contact (in, error) && file_on_ticket (in, error)))
    return FALSE;
  if (!portero_store_message_add (in->store, &in->row, &in->result->message, error))
    return FALSE;
  if (mail->parts_capped && !add_capped_note (in, error))
    return FALSE;
  if (mail->oversize && !add_oversize_note (in, error))
    return FALSE;
  in->result->ticket = in->row.ticket_id;
  in->result->contact = in->row.contact_id;
  if (options != NULL && options->rules != NULL && g_strcmp0 (in->row.kind, "mail") == 0)
    return run_automation (in, error);
  return TRUE;
}

/* One run of the delivery's transaction (portero_store_transaction may run
 * it again): from the state before the first, with an empty result. A
 * prepared password an attempt took is gone with its rollback; the next
 * attempt makes one inside (automation.c), as when none was prepared. */
typedef struct {
  Intake start;
  Intake *in;
} Attempt;

static gboolean
store_attempt (PorteroStore *store, gpointer data, gboolean *commit, GError **error)
{
  Attempt *a = data;
  Intake *in = a->in;
  PorteroIntakeResult *result = in->result;
  (void) store;
  *in = a->start;
  result->outcome = 0;
  result->message = result->ticket = result->contact = 0;
  result->contact_created = FALSE;
  result->matched_by = result->unfiled_reason = NULL;
  g_array_set_size (result->queued, 0);
  g_ptr_array_set_size (result->report, 0);

  gboolean duplicate = FALSE;
  if (!store_steps (in, &duplicate, error))
    return FALSE;
  gboolean dry_run = in->options != NULL && in->options->dry_run;
  if (duplicate)
    {
      result->outcome = PORTERO_OUTCOME_DUPLICATE;
      *commit = in->recipient_added && !dry_run;
      return TRUE;
    }
  *commit = !dry_run;
  return TRUE;
}

gboolean
portero_intake_store (PorteroStore *store, const PorteroConfig *config, const PorteroKeys *keys,
                      const PorteroMail *mail, const PorteroEnvelope *envelope,
                      const PorteroIntakeOptions *options, PorteroIntakeResult *result, GError **error)
{
  memset (result, 0, sizeof *result);
  result->sender = g_strdup (mail->from_addr ? mail->from_addr : "");
  result->queued = g_array_new (FALSE, FALSE, sizeof (gint64));
  result->report = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *recipient = envelope && envelope->recipient ? portero_address_normalise (envelope->recipient) : NULL;
  if (!portero_intake_check_recipient (config, envelope, error))
    return FALSE;

  Intake in = {
    .store = store, .config = config, .keys = keys, .mail = mail, .envelope = envelope,
    .options = options, .result = result, .recipient = recipient,
  };
  in.row = (PorteroMessageRow) {
    .kind = "mail",
    .message_id = mail->message_id,
    .envelope_sender = envelope ? envelope->sender : NULL,
    .envelope_recipient = recipient,
    .original_recipient = envelope ? envelope->original_recipient : NULL,
    .queue_id = envelope ? envelope->queue_id : NULL,
    .from_addr = mail->from_addr,
    .from_name = mail->from_name,
    .subject = mail->subject,
    .date = mail->date,
    .body = mail->body,
    .auto_generated = mail->auto_generated,
    .auto_reason = mail->auto_reason,
    .spam = mail->spam,
    .content_hash = mail->content_hash,
    .raw = mail->raw,
    .raw_size = g_bytes_get_size (mail->raw),
    .attachments = mail->attachments,
  };
  /* Over max-message-size: keep the header and the text, not the attachments. */
  g_autoptr (GBytes) header_only = NULL;
  if (mail->oversize)
    in.row.raw = header_only = g_bytes_new_from_bytes (mail->raw, 0, mail->header_end);

  Attempt attempt = { .start = in, .in = &in };
  return portero_store_transaction (store, store_attempt, &attempt, error);
}

gboolean
portero_intake_run (PorteroStore *store, const PorteroConfig *config, const PorteroKeys *keys, GBytes *raw,
                    const PorteroEnvelope *envelope, PorteroIntakeResult *result, GError **error)
{
  g_autoptr (PorteroMail) mail = portero_intake_parse (config, raw, envelope, error);
  if (mail == NULL)
    return FALSE;
  return portero_intake_store (store, config, keys, mail, envelope, NULL, result, error);
}
