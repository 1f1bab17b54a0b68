/* compose - outgoing mail: a template and its values made into a complete MIME message */
#pragma once
#include "config.h"
#include "keys.h"
#include "template.h"

typedef struct {
  const char *to_addr;          /* the one recipient */
  const char *to_name;          /* may be NULL */
  gint64 ticket;                /* 0: mail about no ticket */
  const char *in_reply_to;      /* Message-ID (no <>) the mail answers, or NULL */
  const char *auto_submitted;   /* "auto-replied", "auto-generated", or NULL for a person's reply */
  const char *const *html_trusted; /* for an HTML template: safe HTML renderings of snippets (see
                                    * portero_template_expand_html), or NULL */
} PorteroComposeOptions;

typedef struct {
  GBytes *message;        /* the whole message, CRLF line ends */
  char *subject;          /* as sent, decoded */
  char *message_id;       /* without <> */
  char *redacted_body;    /* the body with secrets replaced, for the ticket's thread */
  GBytes *redacted_message; /* with an HTML part: the whole message with secrets replaced, for the
                             * ticket's raw copy; else NULL */
} PorteroComposed;

void portero_composed_clear (PorteroComposed *c);

/* Render T with VALUES (indexed by PorteroSnippet) into OUT. REDACTED holds
 * the same values with secrets replaced, for the copy kept on the ticket.
 * Every header is encoded by gmime; no value can add a header. When T has
 * an HTML body the message is multipart/alternative: the text first, the
 * HTML second, with the configured logo beside it (multipart/related) when
 * the HTML shows cid:logo. The copy kept on the ticket is the text. */
gboolean portero_compose (const PorteroConfig *config, const PorteroKeys *keys, const PorteroTemplate *t,
                          const char *const *values, const char *const *redacted,
                          const PorteroComposeOptions *options, PorteroComposed *out, GError **error);

/* The address of the configured From (without the display name). */
char *portero_compose_from_address (const PorteroConfig *config);

/* The domain of the configured From address (for Message-IDs and the loop header). */
char *portero_compose_host (const PorteroConfig *config);
