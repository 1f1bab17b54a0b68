/* mail - one inbound message parsed with gmime: identity, subject, text,
 * attachments, threading headers, auto-generated and spam marks */
#pragma once
#include <glib.h>

typedef struct {
  char *name;     /* decoded file name, "" when none */
  char *type;     /* "type/subtype" */
  gint64 size;    /* decoded bytes */
} PorteroAttachment;

typedef struct {
  GBytes *raw;               /* exactly the bytes read */
  char *content_hash;        /* SHA-256 hex of raw without trace headers */
  char *message_id;          /* without <>, NULL when absent */
  char *from_addr;           /* normalised identity address, NULL when none usable */
  char *from_name;           /* display name, "" when none */
  const char *identity_source; /* "from", "sender", "envelope" or NULL */
  char *subject;             /* decoded UTF-8, white space collapsed, trimmed */
  char *date;                /* ISO 8601 UTC (the Date header, else now) */
  char *body;                /* readable text, UTF-8 */
  GPtrArray *attachments;    /* of PorteroAttachment */
  GPtrArray *references;     /* message ids (no <>), In-Reply-To first, then References newest first */
  char *report_of;           /* a delivery report: the Message-ID of the message it reports on */
  gboolean is_report;        /* multipart/report or message/delivery-status */
  gboolean auto_generated;
  char *auto_reason;         /* why auto_generated, NULL otherwise */
  gboolean spam;
  gboolean loop;             /* carries portero's own loop header */
  gboolean oversize;         /* larger than max-message-size */
  gboolean parts_capped;     /* more MIME parts or nesting than portero reads: the rest is unread */
  gsize header_end;
  GPtrArray *auth_results;   /* values of every Authentication-Results header */          /* offset in raw of the blank line after the header */
} PorteroMail;

#define PORTERO_LOOP_HEADER "X-Portero-Loop"

typedef struct {
  const char *envelope_sender;    /* NULL when unknown; "" or MAILER-DAEMON for the null sender */
  char *const *spam_headers;      /* header names; a value starting with "yes" marks spam */
  char *const *support_addresses; /* mail from these is never a person's */
  gint64 max_size;                /* above this, attachments are listed but not decoded */
} PorteroMailOptions;

/* Start and stop gmime for the process. */
void portero_mail_init (void);
void portero_mail_shutdown (void);

/* Parse RAW (which the result keeps a reference to). Fails with
 * PORTERO_ERROR_DATA only for input that is no message: empty, or not
 * beginning with a header field. Anything else parses, however broken. */
PorteroMail *portero_mail_parse (GBytes *raw, const PorteroMailOptions *options, GError **error);

void portero_mail_free (PorteroMail *mail);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PorteroMail, portero_mail_free)

/* The [#N] tag in SUBJECT (anywhere), or 0. */
gint64 portero_mail_subject_tag (const char *subject);
