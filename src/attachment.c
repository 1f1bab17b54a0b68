/* attachment - one attachment of a stored message: its content and a safe file name */
#include "attachment.h"
#include "error.h"
#include "gmime-compat.h"
#include <string.h>

typedef struct {
  guint wanted;          /* 1-based */
  guint seen;
  GMimeObject *found;    /* a reference, once seen == wanted */
} Find;

/* find_part - count the parts that mail.c lists as attachments, in its order:
 * every message/rfc822 part, and every leaf that is not text or that is
 * marked as an attachment or named. */
static void
find_part (GMimeObject *parent, GMimeObject *part, gpointer user_data)
{
  Find *f = user_data;
  if (f->found != NULL)
    return;
  gboolean counts = FALSE;
  if (GMIME_IS_MESSAGE_PART (part))
    counts = TRUE;
  else if (GMIME_IS_PART (part))
    {
      GMimeContentType *ct = g_mime_object_get_content_type (part);
      GMimeContentDisposition *disp = g_mime_object_get_content_disposition (part);
      gboolean attachment = (disp && g_mime_content_disposition_is_attachment (disp))
                            || g_mime_part_get_filename (GMIME_PART (part)) != NULL;
      gboolean is_text = ct && g_mime_content_type_is_type (ct, "text", "*");
      counts = !is_text || attachment;
    }
  if (counts && ++f->seen == f->wanted)
    f->found = g_object_ref (part);
}

/* The decoded bytes of PART (a leaf or a message/rfc822 part). */
static GBytes *
part_bytes (GMimeObject *part)
{
  g_autoptr (GMimeStream) out = g_mime_stream_mem_new ();
  if (GMIME_IS_MESSAGE_PART (part))
    {
      GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (part));
      if (inner != NULL)
        g_mime_object_write_to_stream (GMIME_OBJECT (inner), NULL, out);
    }
  else
    {
      GMimeDataWrapper *content = g_mime_part_get_content (GMIME_PART (part));
      if (content != NULL)
        g_mime_data_wrapper_write_to_stream (content, out);
    }
  GByteArray *array = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (out));
  return g_bytes_new (array->data, array->len);
}

GBytes *
portero_attachment_content (GBytes *raw, guint n, char **type, GError **error)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (raw, &len);
  gsize skip = 0;
  /* An mbox "From " line before the header, as portero_mail_parse skips it. */
  if (len > 5 && memcmp (data, "From ", 5) == 0)
    {
      const char *nl = memchr (data, '\n', len);
      skip = nl ? (gsize) (nl - data) + 1 : len;
    }
  g_autoptr (GMimeStream) stream = g_mime_stream_mem_new_with_buffer (data + skip, len - skip);
  g_autoptr (GMimeParser) parser = g_mime_parser_new_with_stream (stream);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  g_autoptr (GMimeMessage) msg = g_mime_parser_construct_message (parser, NULL);
  if (msg == NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_DATA, "the stored message cannot be parsed");
      return NULL;
    }
  Find f = { n, 0, NULL };
  GMimeObject *body = g_mime_message_get_mime_part (msg);
  if (body != NULL)
    {
      find_part (NULL, body, &f);
      if (GMIME_IS_MULTIPART (body))
        g_mime_multipart_foreach (GMIME_MULTIPART (body), find_part, &f);
    }
  if (f.found == NULL)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_NOT_FOUND, "the message has %u attachment(s)", f.seen);
      return NULL;
    }
  if (type != NULL)
    {
      GMimeContentType *ct = g_mime_object_get_content_type (f.found);
      *type = ct ? g_mime_content_type_get_mime_type (ct) : g_strdup ("application/octet-stream");
    }
  GBytes *bytes = part_bytes (f.found);
  g_object_unref (f.found);
  return bytes;
}

char *
portero_attachment_file_name (const char *name, const char *fallback)
{
  /* The last component whichever separator the sender's system uses. */
  const char *base = name ? name : "";
  for (const char *p = base; *p; p++)
    if (*p == '/' || *p == '\\')
      base = p + 1;
  g_autofree char *valid = g_utf8_make_valid (base, -1);
  GString *out = g_string_new (NULL);
  for (const char *p = valid; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      /* No control or format characters (a terminal escape, a bidi
       * override that disguises the extension), no ':' (Windows streams). */
      if (g_unichar_iscntrl (c) || g_unichar_type (c) == G_UNICODE_FORMAT || c == ':')
        c = '_';
      if (out->len + 6 > 200)
        break;
      g_string_append_unichar (out, c);
    }
  /* No hidden file, no "." or "..", no name that a shell reads as an option. */
  gsize lead = 0;
  while (lead < out->len && (out->str[lead] == '.' || out->str[lead] == '-' || g_ascii_isspace (out->str[lead])))
    lead++;
  g_string_erase (out, 0, lead);
  while (out->len > 0 && g_ascii_isspace (out->str[out->len - 1]))
    g_string_truncate (out, out->len - 1);
  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return g_strdup (fallback);
    }
  return g_string_free (out, FALSE);
}
