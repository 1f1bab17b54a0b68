/* store-copy - a whole SQLite database copied into an empty PostgreSQL one
 * (portero migrate-to) */
#pragma once
#include <glib.h>

/* Called as rows are copied: TABLE, rows done, rows in all. */
typedef void (*PorteroCopyProgress) (const char *table, gint64 done, gint64 total, gpointer data);

typedef struct {
  GPtrArray *tables;   /* char *: every table copied, parents first */
  GArray *rows;        /* gint64: its rows, the same on both sides */
  gint64 messages;     /* raw messages in the digest */
  char *digest;        /* SHA-256 (hex) of the raw messages, the same on both sides */
} PorteroCopyReport;

void portero_copy_report_clear (PorteroCopyReport *report);

/* Copy every table of the SQLite database SOURCE into the PostgreSQL
 * database TARGET, which holds no portero schema yet (it is created, with
 * DEFAULT_CUSTOMER) or only what `portero init` puts there; anything else is
 * refused (PORTERO_ERROR_INVALID). Ids are kept and TARGET's sequences
 * advanced past them. One transaction on TARGET, committed only when the
 * rows of every table and the digest of the raw messages agree; SOURCE's
 * write lock is held throughout, so no delivery lands behind the copy. */
gboolean portero_store_copy (const char *source, const char *target, const char *default_customer,
                             int busy_timeout, PorteroCopyProgress progress, gpointer data,
                             PorteroCopyReport *report, GError **error);
