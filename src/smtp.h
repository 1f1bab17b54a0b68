/* smtp - hand one finished message to the mail system: SMTP through libesmtp, or a Maildir */
#pragma once
#include <glib.h>
#include "config.h"

typedef enum { PORTERO_SEND_OK, PORTERO_SEND_TEMPORARY, PORTERO_SEND_PERMANENT } PorteroSendStatus;

/* Send MESSAGE (a complete RFC 5322 message; LF or CRLF line ends: it goes out with CRLF) from
 * ENVELOPE_FROM ("" for the null sender) to the NULL-terminated RECIPIENTS, per CONFIG's [smtp]
 * (transport smtp or maildir). Gives up at DEADLINE (g_get_monotonic_time() microseconds; 0 = only
 * the per-step timeout). Returns the status; on anything but OK sets ERROR with a one-line reason
 * naming the server and the SMTP reply when there is one. Never blocks past the deadline.
 *
 * SMTP: all or nothing. When any recipient is refused the transaction is abandoned before DATA,
 * so a retry never duplicates the message for the recipients that were accepted; the status is
 * then that of the worst refusal (5xx PERMANENT, else TEMPORARY). A failed AUTH (when auth-user
 * is set) is TEMPORARY whatever the server then said to MAIL or RCPT. starttls=if-available is
 * opportunistic (the certificate is not checked); starttls=required checks it against the
 * system's CAs and the host name (a name: libesmtp matches no IP address). TLS is 1.2 only
 * (see smtp.c). The relay sees one extra connection, opened and closed at once, before the
 * session: the probe that keeps libesmtp's untimed connect() from hanging. The caller provides Date, From, Message-ID and no Bcc:
 * libesmtp adds the first three when missing and drops Return-Path, Original-Recipient and
 * repeated Date/From/Sender/To/Cc/Reply-To/Message-ID headers.
 * Maildir: one file in new/ holding the message with LF line ends; recipients are not recorded.
 * ERROR is PORTERO_ERROR_TEMPFAIL for TEMPORARY and PORTERO_ERROR_INVALID for PERMANENT. */
PorteroSendStatus portero_smtp_send (const PorteroConfig *config, const char *envelope_from,
                                     const char *const *recipients, GBytes *message,
                                     gint64 deadline, GError **error);
