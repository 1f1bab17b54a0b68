/* compose - outgoing mail made into a complete MIME message with gmime */
#include "compose.h"
#include "address.h"
#include "error.h"
#include "mail.h"
#include "msgid.h"
#include "gmime-compat.h"
#include <sodium.h>
#include <string.h>

void
portero_composed_clear (PorteroComposed *c)
{
  g_clear_pointer (&c->message, g_bytes_unref);
  g_clear_pointer (&c->subject, g_free);
  g_clear_pointer (&c->message_id, g_free);
  g_clear_pointer (&c->redacted_body, g_free);
  g_clear_pointer (&c->redacted_message, g_bytes_unref);
}

char *
portero_compose_from_address (const PorteroConfig *config)
{
  InternetAddressList *list = internet_address_list_parse (NULL, config->from);
  char *address = NULL;
  if (list != NULL && internet_address_list_length (list) > 0)
    {
      InternetAddress *ia = internet_address_list_get_address (list, 0);
      if (INTERNET_ADDRESS_IS_MAILBOX (ia))
        address = portero_address_normalise (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia)));
    }
  if (list != NULL)
    g_object_unref (list);
  return address ? address : g_strdup ("");
}

char *
portero_compose_host (const PorteroConfig *config)
{
  g_autofree char *address = portero_compose_from_address (config);
  return *address ? g_strdup (portero_address_domain (address)) : g_strdup ("portero.invalid");
}

/* A UTF-8 text part of SUBTYPE holding TEXT, in ENCODING (DEFAULT: the one
 * gmime finds best for its lines). */
static GMimeObject *
text_part (const char *subtype, const char *text, GMimeContentEncoding encoding)
{
  /* UTF-8 always: g_mime_text_part_set_text would pick Latin-1 when it fits. */
  GMimeTextPart *part = g_mime_text_part_new_with_subtype (subtype);
  g_autoptr (GMimeStream) content = g_mime_stream_mem_new_with_buffer (text, strlen (text));
  GMimeDataWrapper *wrapper = g_mime_data_wrapper_new_with_stream (content, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content (GMIME_PART (part), wrapper);
  g_object_unref (wrapper);
  g_mime_object_set_content_type_parameter (GMIME_OBJECT (part), "charset", "utf-8");
  if (encoding == GMIME_CONTENT_ENCODING_DEFAULT)
    encoding = g_mime_part_get_best_content_encoding (GMIME_PART (part), GMIME_ENCODING_CONSTRAINT_7BIT);
  g_mime_part_set_content_encoding (GMIME_PART (part), encoding);
  return GMIME_OBJECT (part);
}

/* The HTML part, and the logo it shows as cid:logo beside it when one is
 * configured. */
static GMimeObject *
html_part (const PorteroConfig *config, const char *html, GError **error)
{
  GMimeObject *part = text_part ("html", html, GMIME_CONTENT_ENCODING_DEFAULT);
  if (config->logo == NULL || *config->logo == '\0' || strstr (html, "cid:logo") == NULL)
    return part;
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (config->logo, &data, &len, &local))
    {
      g_object_unref (part);
      g_set_error (error, PORTERO_ERROR, portero_error_is_transient_file (local) ? PORTERO_ERROR_TEMPFAIL
                                                                                    : PORTERO_ERROR_CONFIG,
                   "%s: [mail] logo: %s", config->path, local->message);
      return NULL;
    }
  /* By its first bytes: PNG, JPEG or GIF, what every mail client shows. */
  const char *mime = len >= 8 && memcmp (data, "\x89PNG\r\n\x1a\n", 8) == 0 ? "image/png"
                     : len >= 3 && memcmp (data, "\xff\xd8\xff", 3) == 0 ? "image/jpeg"
                     : len >= 6 && (memcmp (data, "GIF87a", 6) == 0 || memcmp (data, "GIF89a", 6) == 0) ? "image/gif"
                     : NULL;
  if (mime == NULL)
    {
      g_object_unref (part);
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG, "%s: [mail] logo: %s is not a PNG, JPEG or GIF image",
                   config->path, config->logo);
      return NULL;
    }
  GMimePart *image = g_mime_part_new_with_type ("image", mime + strlen ("image/"));
  g_autoptr (GMimeStream) stream = g_mime_stream_mem_new_with_buffer (data, len);
  GMimeDataWrapper *wrapper = g_mime_data_wrapper_new_with_stream (stream, GMIME_CONTENT_ENCODING_DEFAULT);
  g_mime_part_set_content (image, wrapper);
  g_object_unref (wrapper);
  g_mime_part_set_content_encoding (image, GMIME_CONTENT_ENCODING_BASE64);
  g_mime_part_set_content_id (image, "logo");
  g_mime_object_set_disposition (GMIME_OBJECT (image), GMIME_DISPOSITION_INLINE);
  g_autofree char *base = g_path_get_basename (config->logo);
  g_mime_part_set_filename (image, base);
  /* RFC 2387: the HTML first, as the root; the image it refers to after. */
  GMimeMultipart *related = g_mime_multipart_new_with_subtype ("related");
  g_mime_object_set_content_type_parameter (GMIME_OBJECT (related), "type", "text/html");
  g_mime_multipart_add (related, part);
  g_object_unref (part);
  g_mime_multipart_add (related, GMIME_OBJECT (image));
  g_object_unref (image);
  return GMIME_OBJECT (related);
}

/* M with BODY as its text, and T's HTML expanded with VALUES beside it when
 * T has one, as CRLF text; the HTML is wiped after use. */
static GBytes *
serialize (const PorteroConfig *config, GMimeMessage *m, const PorteroTemplate *t, const char *body,
           const char *const *values, const char *const *trusted, GError **error)
{
  GMimeObject *part = text_part ("plain", body, GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
  if (t->html != NULL)
    {
      /* RFC 2046: the alternatives in increasing order of preference. */
      g_autofree char *html = portero_template_expand_html (t->html, values, trusted);
      GMimeObject *rich = html_part (config, html, error);
      sodium_memzero (html, strlen (html));
      if (rich == NULL)
        {
          g_object_unref (part);
          return NULL;
        }
      GMimeMultipart *alternative = g_mime_multipart_new_with_subtype ("alternative");
      g_mime_multipart_add (alternative, part);
      g_object_unref (part);
      g_mime_multipart_add (alternative, rich);
      g_object_unref (rich);
      part = GMIME_OBJECT (alternative);
    }
  g_mime_message_set_mime_part (m, part);
  g_object_unref (part);
  GMimeFormatOptions *fo = g_mime_format_options_new ();
  g_mime_format_options_set_newline_format (fo, GMIME_NEWLINE_FORMAT_DOS);
  char *text = g_mime_object_to_string (GMIME_OBJECT (m), fo);
  g_mime_format_options_free (fo);
  return g_bytes_new_with_free_func (text, strlen (text), g_free, text);
}

/* A display name from a message, made safe for a header: one line. */
static char *
one_line (const char *s)
{
  char *out = g_strdup (s ? s : "");
  for (char *p = out; *p; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  return g_strstrip (out);
}

gboolean
portero_compose (const PorteroConfig *config, const PorteroKeys *keys, const PorteroTemplate *t,
                 const char *const *values, const char *const *redacted, const PorteroComposeOptions *o,
                 PorteroComposed *out, GError **error)
{
  memset (out, 0, sizeof *out);
  g_autofree char *subject = portero_template_expand (t->subject, values, TRUE);
  /* Every mail about a ticket carries its tag, so that any reply finds it. */
  if (o->ticket > 0)
    {
      g_autofree char *tag = g_strdup_printf ("[#%" G_GINT64_FORMAT "]", o->ticket);
      if (strstr (subject, tag) == NULL)
        {
          char *tagged = g_strconcat (subject, " ", tag, NULL);
          g_free (subject);
          subject = tagged;
        }
    }
  g_autofree char *body = portero_template_expand (t->body, values, FALSE);

  g_autoptr (GMimeMessage) m = g_mime_message_new (TRUE);
  InternetAddressList *from = internet_address_list_parse (NULL, config->from);
  if (from == NULL || internet_address_list_length (from) == 0)
    {
      if (from)
        g_object_unref (from);
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_CONFIG, "%s: [mail] from: \"%s\" is not an address",
                   config->path, config->from);
      return FALSE;
    }
  internet_address_list_append (g_mime_message_get_from (m), from);
  g_object_unref (from);
  g_autofree char *to_name = one_line (o->to_name);
  InternetAddress *to = internet_address_mailbox_new (to_name, o->to_addr);
  internet_address_list_add (g_mime_message_get_to (m), to);
  g_object_unref (to);
  g_mime_message_set_subject (m, subject, "utf-8");
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_mime_message_set_date (m, now);
  g_autofree char *host = portero_compose_host (config);
  out->message_id = portero_msgid_new (keys, o->ticket, host);
  g_mime_message_set_message_id (m, out->message_id);
  GMimeObject *obj = GMIME_OBJECT (m);
  if (o->in_reply_to != NULL && *o->in_reply_to != '\0')
    {
      g_autofree char *ref = g_strdup_printf ("<%s>", o->in_reply_to);
      g_mime_object_set_header (obj, "In-Reply-To", ref, NULL);
      g_mime_object_set_header (obj, "References", ref, NULL);
    }
  if (o->auto_submitted != NULL)
    {
      /* RFC 3834: no autoresponder answers this, and none of ours answers back. */
      g_mime_object_set_header (obj, "Auto-Submitted", o->auto_submitted, NULL);
      g_mime_object_set_header (obj, "X-Auto-Response-Suppress", "All", NULL);
    }
  g_mime_object_set_header (obj, PORTERO_LOOP_HEADER, host, NULL);

  out->message = serialize (config, m, t, body, values, o->html_trusted, error);
  /* The plaintext body lives on only inside the message. */
  sodium_memzero (body, strlen (body));
  if (out->message == NULL)
    {
      g_clear_pointer (&out->message_id, g_free);
      return FALSE;
    }
  out->subject = g_steal_pointer (&subject);
  out->redacted_body = portero_template_expand (t->body, redacted ? redacted : values, FALSE);
  if (t->html != NULL)
    {
      /* The copy on the ticket: the same message, secrets replaced, so that
       * the HTML that was sent can be seen (portero message show --raw). */
      out->redacted_message = serialize (config, m, t, out->redacted_body, redacted ? redacted : values,
                                         o->html_trusted, error);
      if (out->redacted_message == NULL)
        {
          portero_composed_clear (out);
          return FALSE;
        }
    }
  return TRUE;
}
