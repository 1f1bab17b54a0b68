/* outbox - queued outgoing mail: sealing credentials at rest, sending, retries */
#pragma once
#include "config.h"
#include "keys.h"
#include "store.h"

/* Queue ROW (its body the plain message) inside the caller's transaction;
 * a body holding a credential is sealed with the installation's key. */
gboolean portero_outbox_queue (PorteroStore *store, const PorteroKeys *keys, const PorteroOutboxRow *row,
                               gint64 *id, GError **error);

/* The plain message of a stored ROW (unsealed when sealed). */
GBytes *portero_outbox_open (const PorteroKeys *keys, const PorteroOutboxRow *row, GError **error);

typedef struct {
  int sent;
  int deferred;
  int failed;
  int wiped;      /* sealed (credential) bodies wiped as their rows left the queue */
} PorteroOutboxTally;

/* Send the mail of IDS (each in its own short transaction) until DEADLINE
 * (monotonic microseconds; 0: no limit but the per-step timeout). Each
 * result is recorded: sent (body wiped), queued again with exponential
 * backoff, or failed after max-attempts or a permanent refusal. Fails only
 * when the database does. */
gboolean portero_outbox_send (PorteroStore *store, const PorteroConfig *config, const PorteroKeys *keys,
                              GArray *ids, gint64 deadline, PorteroOutboxTally *tally, GError **error);
