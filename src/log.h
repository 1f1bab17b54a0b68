/* log - one-line diagnostics to stderr and syslog (mail facility) */
#pragma once
#include <glib.h>

/* Start logging as PROGRAM; lines carry QUEUE_ID when it is set later. */
void portero_log_open (const char *program);
void portero_log_set_queue_id (const char *queue_id);
void portero_log_close (void);

/* syslog only (info), e.g. the outcome of a delivery. */
void portero_log_info (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* syslog (warning) and stderr. */
void portero_log_warn (const char *format, ...) G_GNUC_PRINTF (1, 2);
/* syslog (err) and stderr: the one line a failing program prints. */
void portero_log_error (const char *format, ...) G_GNUC_PRINTF (1, 2);
