/* automation - what portero does by itself after an event: the welcome mail,
 * the administrator's rules, and the credentials they hand out */
#pragma once
#include "config.h"
#include "keys.h"
#include "mail.h"
#include "rules.h"
#include "store.h"
#include "template.h"

typedef struct {
  PorteroTrigger trigger;
  gint64 ticket;               /* 0: none */
  gint64 contact;              /* 0: none */
  const PorteroMail *mail;     /* the message behind it, or NULL */
  const char *destination;     /* the support address it was sent to */
  gboolean may_mail;           /* FALSE for auto-generated or spam mail: no automatic mail at all */
  gboolean authenticated;      /* trust-authserv-id passed (or is not set) */
  const char *in_reply_to;     /* without MAIL: the Message-ID (no <>) a mail answers, or NULL */
} PorteroEvent;

/* A password made before the write transaction, since argon2id is slow. */
typedef struct {
  char *password;
  char *hash;
} PorteroPreparedPassword;

void portero_prepared_password_clear (PorteroPreparedPassword *p);

/* Before the transaction: when the welcome mail or a rule may issue a
 * password for MAIL's sender, make one now. A guess: an unused one costs only
 * time; a missing one is made later, inside the transaction. */
gboolean portero_automation_prepare (const PorteroConfig *config, const PorteroRuleSet *rules, const PorteroMail *mail,
                                     gboolean sender_known, PorteroPreparedPassword *out, GError **error);

/* Inside the caller's transaction: run EVENTS in order (contact-created
 * first), apply field changes, queue mail (ids appended to QUEUED), add notes
 * on the ticket. Lines for people (why each rule fired or not, what mail is
 * queued or held back and why) go to REPORT. DRY_RUN: placeholder
 * credentials, no argon2id; the caller rolls back. */
gboolean portero_automation_run (PorteroStore *store, const PorteroConfig *config, const PorteroKeys *keys,
                                 const PorteroRuleSet *rules, const PorteroEvent *events, guint n_events,
                                 PorteroPreparedPassword *password, gboolean dry_run, GArray *queued,
                                 GPtrArray *report, GError **error);

/* Mail template T about TICKET (0: none) to CONTACT's registered address
 * (CONTACT 0: to the ticket's requester, with no credentials), answering
 * the ticket's newest mail from outside (In-Reply-To, References),
 * in the caller's transaction. TECHNICIAN: a person's action (a reply, a
 * reset): no rate limits, a password replaces the current one at once, the
 * copy on the ticket is a counted reply. Otherwise as automatic mail. */
gboolean portero_automation_mail (PorteroStore *store, const PorteroConfig *config, const PorteroKeys *keys,
                                  const char *kind, const PorteroTemplate *t, gint64 contact, gint64 ticket,
                                  gboolean technician, gboolean dry_run, GArray *queued, GPtrArray *report,
                                  GError **error);

/* The text of the note a REPORT line carries (why mail was held back or not
 * sent), or NULL when the line is no note. */
const char *portero_automation_note_text (const char *line);

/* As portero_automation_mail, drawing on the rate ALLOWANCE named (NULL: by
 * how the request came). */
gboolean portero_automation_request (PorteroStore *store, const PorteroConfig *config, const PorteroKeys *keys,
                                     const char *kind, const PorteroTemplate *t, gint64 contact, gint64 ticket,
                                     gboolean technician, const char *allowance, gboolean dry_run, GArray *queued,
                                     GPtrArray *report, GError **error);

/* The least time a reset request answers in, whatever the address. */
#define PORTERO_REQUEST_RESET_MIN_USEC (G_USEC_PER_SEC * 3 / 4)

/* A reset link asked for ADDRESS (normalised; NULL or no contact's: nobody),
 * as the portal's forgot-password and `portero contact request-reset` ask
 * it: template T (password-reset) as automatic mail, the credential rate
 * limits drawing on ALLOWANCE, in a transaction of its own; the same kind of
 * work for nobody; and no return before STARTED (g_get_monotonic_time) plus
 * PORTERO_REQUEST_RESET_MIN_USEC, so that neither the answer nor its time
 * tells whether the address is a contact's. What can fail for everyone (T,
 * KEYS) is the caller's, before it. Lines for the log go to REPORT. */
gboolean portero_automation_request_reset (PorteroStore *store, const PorteroConfig *config,
                                           const PorteroKeys *keys, const PorteroTemplate *t, const char *address,
                                           const char *allowance, gint64 started, GArray *queued, GPtrArray *report,
                                           GError **error);

/* Inside the caller's transaction, when a person has just changed CONTACT's
 * password (the portal, a one-time code): queue the short notice of the
 * change (template password-changed) to the contact's registered address, as
 * automatic mail. A template that would carry a credential, or none at all,
 * is logged and sends nothing: the change stands. */
gboolean portero_automation_password_changed (PorteroStore *store, const PorteroConfig *config,
                                              const PorteroKeys *keys, gint64 contact, GArray *queued,
                                              GPtrArray *report, GError **error);

/* Whether MAIL passed DMARC at the configured authserv-id (TRUE when unset). */
gboolean portero_automation_authenticated (const PorteroConfig *config, const PorteroMail *mail);
