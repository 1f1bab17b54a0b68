/* outbox - queued outgoing mail: sealing credentials at rest, sending, retries */
#include "outbox.h"
#include "compose.h"
#include "error.h"
#include "log.h"
#include "smtp.h"
#include <sodium.h>
#include <string.h>

gboolean
portero_outbox_queue (PorteroStore *store, const PorteroKeys *keys, const PorteroOutboxRow *row, gint64 *id,
                      GError **error)
{
  PorteroOutboxRow copy = *row;
  g_autoptr (GBytes) sealed = NULL;
  if (row->credential)
    {
      gsize len = 0;
      const guchar *plain = g_bytes_get_data (row->body, &len);
      gsize total = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
      guchar *box = g_malloc (total);
      randombytes_buf (box, crypto_secretbox_NONCEBYTES);
      crypto_secretbox_easy (box + crypto_secretbox_NONCEBYTES, plain, len, box, keys->secretbox);
      sealed = g_bytes_new_take (box, total);
      copy.body = sealed;
      copy.sealed = TRUE;
    }
  return portero_store_outbox_add (store, &copy, id, error);
}

GBytes *
portero_outbox_open (const PorteroKeys *keys, const PorteroOutboxRow *row, GError **error)
{
  if (row->body == NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_INVALID, "outbox mail %" G_GINT64_FORMAT " has no body (sent already)",
                   row->id);
      return NULL;
    }
  if (!row->sealed)
    return g_bytes_ref (row->body);
  gsize len = 0;
  const guchar *box = g_bytes_get_data (row->body, &len);
  if (len < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
    goto bad;
  gsize plain_len = len - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
  guchar *plain = g_malloc (plain_len + 1);
  if (crypto_secretbox_open_easy (plain, box + crypto_secretbox_NONCEBYTES, len - crypto_secretbox_NONCEBYTES, box,
                                  keys->secretbox) != 0)
    {
      g_free (plain);
      goto bad;
    }
  return g_bytes_new_take (plain, plain_len);
bad:
  /* Another key file than the one that sealed it: an administrator's fix. */
  g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_TEMPFAIL,
               "outbox mail %" G_GINT64_FORMAT " cannot be opened with this key file", row->id);
  return NULL;
}

/* Seconds until the next try after ATTEMPTS failed ones: 1, 2, 4 ... minutes, at most 6 hours. */
static int
backoff (int attempts)
{
  int minutes = 1 << MIN (attempts, 9);
  return MIN (minutes * 60, 6 * 3600);
}

/* Bounces come back to envelope-from, else to the From address. */
static char *
envelope_from (const PorteroConfig *config)
{
  if (config->smtp_envelope_from != NULL && *config->smtp_envelope_from != '\0')
    return g_strdup (config->smtp_envelope_from);
  return portero_compose_from_address (config);
}

/* A claim on a mail outlives any one attempt to send it. */
#define OUTBOX_LEASE_SECONDS 900

/* Try one mail; the outcome is recorded in its own transaction. */
static gboolean
send_one (PorteroStore *store, const PorteroConfig *config, const PorteroKeys *keys, gint64 id, gint64 deadline,
          PorteroOutboxTally *tally, GError **error)
{
  PorteroOutboxRow row = { 0 };
  if (!portero_store_outbox_get (store, id, &row, error))
    return FALSE;
  /* Claimed for longer than a send can take: another sender (another
   * host's maintain) passes it over meanwhile. */
  gboolean claimed = FALSE;
  if (g_strcmp0 (row.status, "queued") == 0
      && !portero_store_outbox_claim (store, id, OUTBOX_LEASE_SECONDS, &claimed, error))
    {
      portero_outbox_row_clear (&row);
      return FALSE;
    }
  if (!claimed)
    {
      portero_outbox_row_clear (&row);
      return TRUE;
    }
  g_autoptr (GError) local = NULL;
  g_autoptr (GBytes) message = portero_outbox_open (keys, &row, &local);
  PorteroSendStatus status = PORTERO_SEND_TEMPORARY;
  if (message != NULL)
    {
      g_autofree char *from = row.envelope_from && *row.envelope_from ? g_strdup (row.envelope_from)
                                                                       : envelope_from (config);
      const char *rcpt[] = { row.recipient, NULL };
      status = portero_smtp_send (config, from, rcpt, message, deadline, &local);
    }
  const char *new_status = "queued";
  int retry = backoff (row.attempts);
  if (status == PORTERO_SEND_OK)
    new_status = "sent";
  else if (status == PORTERO_SEND_PERMANENT || row.attempts + 1 >= config->smtp_max_attempts)
    new_status = "failed";
  if (status != PORTERO_SEND_OK)
    portero_log_warn ("outbox mail %" G_GINT64_FORMAT " to <%s>: %s (%s)", id, row.recipient,
                      local ? local->message : "not sent", new_status);
  else
    portero_log_info ("outbox mail %" G_GINT64_FORMAT " to <%s> sent", id, row.recipient);
  gboolean sealed = row.sealed;
  portero_outbox_row_clear (&row);
  gboolean ok = portero_store_begin (store, error)
                && portero_store_outbox_update (store, id, new_status, local ? local->message : NULL, retry, error)
                && portero_store_commit (store, error);
  if (!ok)
    return FALSE;
  if (sealed && g_strcmp0 (new_status, "queued") != 0)
    tally->wiped++;
  if (status == PORTERO_SEND_OK)
    tally->sent++;
  else if (g_strcmp0 (new_status, "failed") == 0)
    tally->failed++;
  else
    tally->deferred++;
  return TRUE;
}

gboolean
portero_outbox_send (PorteroStore *store, const PorteroConfig *config, const PorteroKeys *keys, GArray *ids,
                     gint64 deadline, PorteroOutboxTally *tally, GError **error)
{
  memset (tally, 0, sizeof *tally);
  /* A wiped body must be gone from the file too, not just unlinked. */
  if (!portero_store_secure_delete (store, error))
    return FALSE;
  for (guint i = 0; i < ids->len; i++)
    {
      if (deadline > 0 && g_get_monotonic_time () >= deadline)
        {
          tally->deferred += ids->len - i;
          break;
        }
      if (!send_one (store, config, keys, g_array_index (ids, gint64, i), deadline, tally, error))
        return FALSE;
    }
  /* Rows that left the queue had their bodies wiped: out of the -wal too,
   * whichever command sent them. */
  if (tally->wiped > 0)
    return portero_store_checkpoint (store, error);
  return TRUE;
}
