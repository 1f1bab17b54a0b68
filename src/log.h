/* log - one-line diagnostics to stderr and to syslog, standard error or a file */
#pragma once
#include <glib.h>

/* Start logging as PROGRAM (to syslog, mail facility, until
 * portero_log_set_target says otherwise); lines carry QUEUE_ID when it is
 * set later. */
void portero_log_open (const char *program);
void portero_log_set_queue_id (const char *queue_id);
void portero_log_close (void);

/* Where log lines go from now on: "syslog", "stderr", or the absolute path of
 * a file to append to. A file that cannot be opened leaves the lines going
 * to syslog, and says so once on stderr: logging never stops a delivery. */
void portero_log_set_target (const char *target);

/* Whether a syslog daemon listens on the socket syslog(3) writes to; when
 * it does not, syslog(3) drops every line without a word. */
gboolean portero_log_syslog_reachable (void);

/* The log only (info), e.g. the outcome of a delivery. */
void portero_log_info (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* The log (warning) and stderr. */
void portero_log_warn (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* The log (err) and stderr: the one line a failing program prints. */
void portero_log_error (const char *format, ...) G_GNUC_PRINTF (1, 2);
