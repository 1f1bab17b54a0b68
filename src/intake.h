/* intake - one inbound message, from raw bytes to stored contact, ticket and message */
#pragma once
#include "config.h"
#include "keys.h"
#include "automation.h"
#include "mail.h"
#include "rules.h"
#include "store.h"

typedef struct {
  const char *sender;             /* envelope sender; NULL unknown, "" null sender */
  const char *recipient;          /* envelope recipient after alias expansion */
  const char *original_recipient;
  const char *queue_id;
} PorteroEnvelope;

typedef enum {
  PORTERO_OUTCOME_NEW_TICKET,
  PORTERO_OUTCOME_FOLLOW_UP,      /* joined an existing ticket */
  PORTERO_OUTCOME_NOTE,           /* a report or loop stored as a note */
  PORTERO_OUTCOME_UNFILED,        /* stored, no ticket (reason in unfiled_reason) */
  PORTERO_OUTCOME_DUPLICATE,      /* stored already: nothing written */
} PorteroOutcome;

typedef struct {
  PorteroOutcome outcome;
  gint64 message;                 /* row id of the stored message */
  gint64 ticket;                  /* 0 when unfiled */
  gint64 contact;                 /* 0 when none */
  gboolean contact_created;
  const char *matched_by;         /* "signed message-id", "references", "subject tag" or NULL */
  const char *unfiled_reason;
  char *sender;                   /* the identity used, for logs */
  GArray *queued;                 /* outbox ids of the mail it queued */
  GPtrArray *report;              /* what the automation did and why, for people */
} PorteroIntakeResult;

/* What runs besides storing: NULL rules is none. */
typedef struct {
  const PorteroRuleSet *rules;
  PorteroPreparedPassword *password;  /* made before the transaction, or NULL */
  gboolean dry_run;                   /* roll back at the end: `portero rule test` */
  gboolean as_new;                    /* match no existing ticket */
  gint64 replaces;                    /* a stored message this one replaces (reprocess) */
  const char *source;                 /* a new ticket's source: NULL is "email" */
  gint64 ticket;                      /* a follow-up on this ticket, not matched (the portal's reply) */
  gboolean authenticated;             /* the sender proved who it is (a portal sign-in) */
} PorteroIntakeOptions;

void portero_intake_result_clear (PorteroIntakeResult *result);

/* Parse RAW without touching the database. */
PorteroMail *portero_intake_parse (const PorteroConfig *config, GBytes *raw,
                                   const PorteroEnvelope *envelope, GError **error);

/* Store MAIL in one transaction: contact, ticket, message. Either all of it
 * is committed or nothing is. PORTERO_ERROR_NOUSER for a recipient that is
 * no support address. */
gboolean portero_intake_store (PorteroStore *store, const PorteroConfig *config, const PorteroKeys *keys,
                               const PorteroMail *mail, const PorteroEnvelope *envelope,
                               const PorteroIntakeOptions *options, PorteroIntakeResult *result, GError **error);

/* PORTERO_ERROR_NOUSER when the envelope recipient is no support address. */
gboolean portero_intake_check_recipient (const PorteroConfig *config, const PorteroEnvelope *envelope, GError **error);

/* Whether MAIL's sender is a known contact (a read before the transaction). */
gboolean portero_intake_sender_known (PorteroStore *store, const PorteroMail *mail, gboolean *known, GError **error);

/* Both steps, as portero-deliver runs them. */
gboolean portero_intake_run (PorteroStore *store, const PorteroConfig *config, const PorteroKeys *keys,
                             GBytes *raw, const PorteroEnvelope *envelope, PorteroIntakeResult *result,
                             GError **error);

const char *portero_outcome_name (PorteroOutcome outcome);
