/* submit - a customer's message from the portal goes in as mail does: the
 * same intake, rules and automatic mail (source=portal), from the signed-in
 * contact's address, which the sign-in has proved */
#include "portal.h"
#include "../automation.h"
#include "../intake.h"
#include "../keys.h"
#include "../log.h"
#include "../outbox.h"
#include "../redact.h"
#include "../rules.h"
#include "../gmime-compat.h"
#include <string.h>

/* TEXT as a header value: controls (a line end would start a new header)
 * become spaces. */
static char *
header_value (const char *text)
{
  char *s = g_strdup (text);
  for (char *c = s; *c; c++)
    if ((unsigned char) *c < 0x20 || *c == 0x7f)
      *c = ' ';
  return s;
}

/* The message as a mail client would send it. */
static GBytes *
compose (PorteroPortal *p, const char *subject, const char *text, const char *to)
{
  g_autoptr (GMimeMessage) m = g_mime_message_new (TRUE);
  g_mime_message_add_mailbox (m, GMIME_ADDRESS_TYPE_FROM, p->me.name && *p->me.name ? p->me.name : NULL,
                              p->me.email);
  g_mime_message_add_mailbox (m, GMIME_ADDRESS_TYPE_TO, NULL, to ? to : p->me.email);
  g_autofree char *clean = header_value (subject);
  g_mime_message_set_subject (m, clean, "utf-8");
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_mime_message_set_date (m, now);
  const char *domain = strrchr (p->me.email, '@');
  g_autofree char *id = g_mime_utils_generate_message_id (domain ? domain + 1 : "portal.invalid");
  g_mime_message_set_message_id (m, id);
  g_mime_object_set_header (GMIME_OBJECT (m), "X-Portero-Source", "portal", NULL);
  GMimeTextPart *part = g_mime_text_part_new_with_subtype ("plain");
  g_mime_text_part_set_text (part, text);
  g_mime_message_set_mime_part (m, GMIME_OBJECT (part));
  g_object_unref (part);
  GMimeFormatOptions *options = g_mime_format_options_new ();
  g_mime_format_options_set_newline_format (options, GMIME_NEWLINE_FORMAT_DOS);
  char *raw = g_mime_object_to_string (GMIME_OBJECT (m), options);
  g_mime_format_options_free (options);
  return g_bytes_new_take (raw, strlen (raw));
}

gboolean
portal_submit (PorteroPortal *p, gint64 ticket, const char *title, const char *text, gint64 *out_ticket,
               GError **error)
{
  *out_ticket = 0;
  const PorteroConfig *config = p->config;
  const char *to = config->support_addresses[0];
  g_autofree char *subject = NULL;
  if (ticket != 0)
    {
      PorteroTicketInfo info = { 0 };
      if (!portero_store_ticket_info (p->store, ticket, &info, error))
        return FALSE;
      subject = g_strdup_printf ("Re: [#%" G_GINT64_FORMAT "] %s", ticket, info.title ? info.title : "");
      portero_ticket_info_clear (&info);
    }
  else
    subject = g_strdup (title);
  g_autoptr (GBytes) raw = compose (p, subject, text, to);
  g_autoptr (PorteroKeys) keys = portero_keys_load (config->key_file, error);
  if (keys == NULL)
    return FALSE;
  PorteroEnvelope envelope = { .sender = p->me.email, .recipient = to };
  g_autoptr (PorteroMail) mail = portero_intake_parse (config, raw, &envelope, error);
  if (mail == NULL)
    return FALSE;
  /* As portero-deliver: rules, a quoted live password masked, a password
   * made before the write lock when a credential mail is likely. */
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (PorteroRuleSet) rules = portero_rules_read (config->rules, problems, error);
  if (rules == NULL)
    return FALSE;
  for (guint i = 0; i < problems->len; i++)
    portero_log_warn ("rule skipped: %s", (const char *) g_ptr_array_index (problems, i));
  int masked = 0;
  gboolean known = FALSE;
  PorteroPreparedPassword password = { 0 };
  if (!portero_redact_issued_passwords (p->store, config, mail, &masked, error)
      || !portero_intake_sender_known (p->store, mail, &known, error)
      || !portero_automation_prepare (config, rules, mail, known, &password, error))
    return FALSE;
  PorteroIntakeOptions options = {
    .rules = rules, .password = &password, .source = "portal", .ticket = ticket, .as_new = ticket == 0,
    .authenticated = TRUE,
  };
  PorteroIntakeResult result = { 0 };
  gboolean ok = portero_intake_store (p->store, config, keys, mail, &envelope, &options, &result, error);
  portero_prepared_password_clear (&password);
  if (ok)
    {
      *out_ticket = result.ticket;
      portero_log_info ("portal: from=<%s> outcome=%s ticket=%" G_GINT64_FORMAT " message=%" G_GINT64_FORMAT,
                        p->me.email, portero_outcome_name (result.outcome), result.ticket, result.message);
      for (guint i = 0; i < result.report->len; i++)
        portero_log_info ("%s", (const char *) g_ptr_array_index (result.report, i));
    }
  /* Committed: what cannot be sent within the budget stays queued for
   * portero maintain. */
  if (ok && result.queued->len > 0 && config->smtp_send_budget > 0)
    {
      gint64 budget = g_get_monotonic_time () + (gint64) config->smtp_send_budget * G_USEC_PER_SEC;
      PorteroOutboxTally tally;
      g_autoptr (GError) send_error = NULL;
      if (!portero_outbox_send (p->store, config, keys, result.queued, budget, &tally, &send_error))
        portero_log_warn ("outbox: %s; the mail stays queued", send_error->message);
    }
  portero_intake_result_clear (&result);
  return ok;
}
