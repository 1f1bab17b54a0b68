/* intake - one inbound message, from raw bytes to stored contact, ticket and message */
#pragma once
#include "config.h"
#include "keys.h"
#include "mail.h"
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
} PorteroIntakeResult;

void portero_intake_result_clear (PorteroIntakeResult *result);

/* Parse RAW without touching the database. */
PorteroMail *portero_intake_parse (const PorteroConfig *config, GBytes *raw,
                                   const PorteroEnvelope *envelope, GError **error);

/* Store MAIL in one transaction: contact, ticket, message. Either all of it
 * is committed or nothing is. PORTERO_ERROR_NOUSER for a recipient that is
 * no support address. */
gboolean portero_intake_store (PorteroStore *store, const PorteroConfig *config, const PorteroKeys *keys,
                               const PorteroMail *mail, const PorteroEnvelope *envelope,
                               PorteroIntakeResult *result, GError **error);

/* Both steps, as portero-deliver runs them. */
gboolean portero_intake_run (PorteroStore *store, const PorteroConfig *config, const PorteroKeys *keys,
                             GBytes *raw, const PorteroEnvelope *envelope, PorteroIntakeResult *result,
                             GError **error);

const char *portero_outcome_name (PorteroOutcome outcome);
