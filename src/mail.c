/* mail - one inbound message parsed with gmime
 *
 * Parsing never fails on a message that has a header: broken mail is still
 * a customer's mail. Everything taken from the message is made valid UTF-8
 * here, so that no other module sees raw bytes. */
#include "mail.h"
#include "address.h"
#include "error.h"
#include "charset.h"
#include "html.h"
#include "gmime-compat.h"
#include <string.h>


static GMimeParserOptions *parser_options;

void
portero_mail_init (void)
{
  g_mime_init ();
  parser_options = g_mime_parser_options_new ();
  /* Undeclared 8-bit text is most often UTF-8, else Windows' Western code page. */
  static const char *fallback[] = { "UTF-8", "windows-1252", NULL };
  g_mime_parser_options_set_fallback_charsets (parser_options, fallback);
  g_mime_parser_options_set_rfc2047_compliance_mode (parser_options, GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_address_compliance_mode (parser_options, GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_parameter_compliance_mode (parser_options, GMIME_RFC_COMPLIANCE_LOOSE);
}

void
portero_mail_shutdown (void)
{
  g_clear_pointer (&parser_options, g_mime_parser_options_free);
  g_mime_shutdown ();
}

static void
attachment_free (gpointer p)
{
  PorteroAttachment *a = p;
  g_free (a->name);
  g_free (a->type);
  g_free (a);
}

void
portero_mail_free (PorteroMail *mail)
{
  if (mail == NULL)
    return;
  g_bytes_unref (mail->raw);
  g_free (mail->content_hash);
  g_free (mail->message_id);
  g_free (mail->from_addr);
  g_free (mail->from_name);
  g_free (mail->subject);
  g_free (mail->date);
  g_free (mail->body);
  g_ptr_array_unref (mail->attachments);
  g_ptr_array_unref (mail->references);
  g_ptr_array_unref (mail->auth_results);
  g_free (mail->report_of);
  g_free (mail->auto_reason);
  g_free (mail);
}

/* Text decoded as ISO-8859-1 that holds C1 controls (U+0080-U+009F) was
 * really Windows-1252, as browsers assume: map them to what they meant. */
static char *
fix_c1 (char *text)
{
  /* TEXT is valid UTF-8: there U+0080-U+009F are 0xC2 0x80-0x9F, and 0xC2
   * is only ever a lead byte, so a byte search finds them. */
  gboolean has_c1 = FALSE;
  for (const char *p = text; !has_c1 && (p = strchr (p, '\xc2')) != NULL; p++)
    has_c1 = (guchar) p[1] >= 0x80 && (guchar) p[1] <= 0x9f;
  if (!has_c1)
    return text;
  GString *out = g_string_sized_new (strlen (text));
  for (const char *p = text; *p; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      if (c >= 0x80 && c <= 0x9f)
        {
          char byte = (char) c;
          g_autofree char *mapped = g_convert (&byte, 1, "UTF-8", "WINDOWS-1252", NULL, NULL, NULL);
          if (mapped != NULL)
            {
              g_string_append (out, mapped);
              continue;
            }
        }
      g_string_append_unichar (out, c);
    }
  g_free (text);
  return g_string_free (out, FALSE);
}

/* TEXT with CRLF and lone CR made LF, in place: stored text has one kind
 * of line end whatever the sender's. */
static char *
unix_lines (char *text)
{
  char *w = text;
  for (const char *r = text; *r; r++)
    {
      if (*r == '\r')
        {
          *w++ = '\n';
          if (r[1] == '\n')
            r++;
        }
      else
        *w++ = *r;
    }
  *w = '\0';
  return text;
}

/* Valid UTF-8 with runs of white space (folding, tabs, newlines) made one space. */
static char *
clean_line (const char *s)
{
  if (s == NULL)
    return g_strdup ("");
  g_autofree char *valid = fix_c1 (g_utf8_make_valid (s, -1));
  GString *out = g_string_sized_new (strlen (valid));
  gboolean space = FALSE;
  for (const char *p = valid; *p; p++)
    {
      if (g_ascii_isspace (*p) || (guchar) *p < 0x20 || *p == 0x7f)
        space = TRUE;
      else
        {
          if (space && out->len > 0)
            g_string_append_c (out, ' ');
          space = FALSE;
          g_string_append_c (out, *p);
        }
    }
  return g_string_free (out, FALSE);
}

/* An mbox "From " separator, not the obsolete but legal "From :" header
 * field (RFC 5322 section 4.5 allows white space before the colon). */
static gboolean
is_mbox_from_line (const char *line, gsize n)
{
  if (n < 5 || memcmp (line, "From ", 5) != 0)
    return FALSE;
  gsize i = 4;
  while (i < n && (line[i] == ' ' || line[i] == '\t'))
    i++;
  return i < n && line[i] != ':';
}

/* Length of what comes before the header: blank lines and an mbox "From "
 * line, which some mail carries and which must not make it unreadable. */
static gsize
mbox_line_length (const char *data, gsize len)
{
  gsize pos = 0;
  while (pos < len)
    {
      const char *line = data + pos;
      const char *nl = memchr (line, '\n', len - pos);
      gsize n = nl ? (gsize) (nl - line) + 1 : len - pos;
      gboolean blank = TRUE;
      for (gsize i = 0; i < n && blank; i++)
        blank = g_ascii_isspace (line[i]);
      if (n > 0 && (blank || is_mbox_from_line (line, n)) && nl != NULL)
        pos += n;
      else
        return pos;
    }
  return pos;
}

/* TRUE when DATA begins with something shaped like a header field. */
static gboolean
starts_with_header (const char *data, gsize len)
{
  gsize i = 0;
  while (i < len && data[i] > ' ' && data[i] < 0x7f && data[i] != ':')
    i++;
  while (i < len && (data[i] == ' ' || data[i] == '\t'))
    i++;
  return i > 0 && i < len && data[i] == ':' && data[0] != ' ';
}

static gboolean
is_trace_header (const char *line, gsize len)
{
  static const char *const trace[] = {
    "Received", "Return-Path", "Delivered-To", "X-Original-To", "Authentication-Results", NULL,
  };
  for (const char *const *t = trace; *t; t++)
    {
      gsize n = strlen (*t);
      if (len > n && g_ascii_strncasecmp (line, *t, n) == 0
          && (line[n] == ':' || line[n] == ' ' || line[n] == '\t'))
        return TRUE;
    }
  return FALSE;
}

/* SHA-256 of the message without its trace headers, which differ between
 * two deliveries of one message (an MTA retry). */
static char *
content_hash (const char *data, gsize len, gsize *header_end)
{
  /* GChecksum rather than libsodium: the same digest, and on this project's
   * benchmark machine about a sixth less time a byte (both are portable C). */
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  gsize pos = mbox_line_length (data, len);
  gboolean skipping = FALSE;
  while (pos < len)
    {
      const char *line = data + pos;
      const char *nl = memchr (line, '\n', len - pos);
      gsize n = nl ? (gsize) (nl - line) + 1 : len - pos;
      if (n == 1 || (n == 2 && line[0] == '\r'))
        break; /* end of the header */
      if (line[0] == ' ' || line[0] == '\t')
        {
          if (!skipping)
            g_checksum_update (sum, (const guchar *) line, n);
        }
      else
        {
          skipping = is_trace_header (line, n);
          if (!skipping)
            g_checksum_update (sum, (const guchar *) line, n);
        }
      pos += n;
    }
  *header_end = pos;
  if (pos < len)
    g_checksum_update (sum, (const guchar *) data + pos, len - pos);
  return g_strdup (g_checksum_get_string (sum));
}

/* The first mailbox of LIST with a usable address. */
static gboolean
first_mailbox (InternetAddressList *list, char **addr, char **name)
{
  if (list == NULL)
    return FALSE;
  int n = internet_address_list_length (list);
  for (int i = 0; i < n; i++)
    {
      InternetAddress *ia = internet_address_list_get_address (list, i);
      if (INTERNET_ADDRESS_IS_GROUP (ia))
        {
          if (first_mailbox (internet_address_group_get_members (INTERNET_ADDRESS_GROUP (ia)), addr, name))
            return TRUE;
          continue;
        }
      char *norm = portero_address_normalise (internet_address_mailbox_get_addr (INTERNET_ADDRESS_MAILBOX (ia)));
      if (norm != NULL)
        {
          *addr = norm;
          *name = clean_line (internet_address_get_name (ia));
          return TRUE;
        }
    }
  return FALSE;
}

/* SEEN holds the ids kept so far (owned by mail->references): a set, so
 * that a header with many thousands of ids costs linear time, not square. */
/* The ids threading looks at, newest first: each is looked up inside the
 * write transaction, so a header of 400 000 ids must not mean as many
 * lookups (nor gmime's list of them all, some 100 MB). */
#define MAX_REFERENCES 1000

static void
add_references (PorteroMail *mail, GHashTable *seen, const char *value, gboolean newest_first)
{
  if (value == NULL || mail->references->len >= MAX_REFERENCES)
    return;
  /* Only the newest ids, at the end of the header, are parsed. */
  const char *start = value + strlen (value);
  guint left = MAX_REFERENCES - mail->references->len;
  while (start > value && left > 0)
    if (*--start == '<')
      left--;
  GMimeReferences *refs = g_mime_references_parse (parser_options, start);
  if (refs == NULL)
    return;
  int n = g_mime_references_length (refs);
  for (int k = 0; k < n; k++)
    {
      int i = newest_first ? n - 1 - k : k;
      const char *id = g_mime_references_get_message_id (refs, i);
      if (id == NULL || *id == '\0' || !g_utf8_validate (id, -1, NULL))
        continue;
      if (g_hash_table_contains (seen, id))
        continue;
      if (mail->references->len >= MAX_REFERENCES)
        break;
      char *copy = g_strdup (id);
      g_ptr_array_add (mail->references, copy);
      g_hash_table_add (seen, copy);
    }
  g_mime_references_free (refs);
}

/* The parts and the nesting portero reads of one message. gmime keeps
 * about 1-6 KB of objects for every part however small, so a message of
 * many tiny parts would cost a hundred times its size in memory; what lies
 * past the cap is kept in the stored message, unread, and a note says so. */
#define MAX_PARTS 1000
#define MAX_DEPTH 32

typedef struct {
  PorteroMail *mail;
  const PorteroMailOptions *options;
  GPtrArray *texts;    /* of GMimePart: the inline text parts, in order */
  gboolean has_plain;  /* a text/plain among them: then HTML parts are not read */
} Walk;

/* The text of PART made valid UTF-8, its transfer encoding undone and its
 * charset read as portero_charset_decode reads it. */
static char *
part_text (GMimePart *part)
{
  const char *charset = g_mime_object_get_content_type_parameter (GMIME_OBJECT (part), "charset");
  GMimeDataWrapper *content = g_mime_part_get_content (part);
  if (content == NULL)
    return g_strdup ("");
  g_autoptr (GMimeStream) mem = g_mime_stream_mem_new ();
  if (g_mime_data_wrapper_write_to_stream (content, mem) < 0)
    return g_strdup ("");
  GByteArray *bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
  return portero_charset_decode ((const char *) bytes->data, bytes->len, charset);
}

static gint64
wrapper_size (GMimeDataWrapper *content)
{
  if (content == NULL)
    return 0;
  /* base64, nearly every attachment: 3 bytes for every 4 characters of its
   * alphabet (padding and line breaks do not count), read off the encoded
   * text instead of decoding it, which costs five times as much. */
  GMimeStream *encoded = g_mime_data_wrapper_get_stream (content);
  if (encoded != NULL && g_mime_data_wrapper_get_encoding (content) == GMIME_CONTENT_ENCODING_BASE64)
    {
      static const guint8 alphabet[256] = {
        ['A' ... 'Z'] = 1, ['a' ... 'z'] = 1, ['0' ... '9'] = 1, ['+'] = 1, ['/'] = 1,
      };
      gint64 chars = 0;
      guchar buf[16384];
      gssize n;
      g_mime_stream_reset (encoded);
      while ((n = g_mime_stream_read (encoded, (char *) buf, sizeof buf)) > 0)
        for (gssize i = 0; i < n; i++)
          chars += alphabet[buf[i]];
      g_mime_stream_reset (encoded);
      return chars / 4 * 3 + (chars % 4 == 0 ? 0 : chars % 4 - 1);
    }
  g_autoptr (GMimeStream) null = g_mime_stream_null_new ();
  gint64 n = g_mime_data_wrapper_write_to_stream (content, null);
  return MAX (n, 0);
}

static void
add_attachment (PorteroMail *mail, const char *name, GMimeContentType *ct, gint64 size)
{
  PorteroAttachment *a = g_new0 (PorteroAttachment, 1);
  a->name = clean_line (name);
  g_autofree char *type = ct ? g_mime_content_type_get_mime_type (ct) : NULL;
  a->type = clean_line (type ? type : "application/octet-stream");
  g_autofree char *lower = g_ascii_strdown (a->type, -1);
  g_free (a->type);
  a->type = g_steal_pointer (&lower);
  a->size = size;
  g_ptr_array_add (mail->attachments, a);
}

/* Header NAME of OBJ decoded as text, the raw value repaired first when
 * gmime alone would misread it (see portero_charset_header_repair). */
static char *
header_text (GMimeObject *obj, const char *name)
{
  GMimeHeader *h = g_mime_header_list_get_header (g_mime_object_get_header_list (obj), name);
  if (h == NULL)
    return NULL;
  g_autofree char *fixed = portero_charset_header_repair (g_mime_header_get_raw_value (h));
  if (fixed != NULL)
    return g_mime_utils_header_decode_text (parser_options, fixed);
  return g_strdup (g_mime_header_get_value (h));
}

/* Parameter PARAM of header NAME of OBJ, from the repaired raw value; NULL
 * when the value needs no repair (gmime's reading is then right). */
static char *
repaired_parameter (GMimeObject *obj, const char *name, const char *param)
{
  GMimeHeader *h = g_mime_header_list_get_header (g_mime_object_get_header_list (obj), name);
  g_autofree char *fixed = h ? portero_charset_header_repair (g_mime_header_get_raw_value (h)) : NULL;
  if (fixed == NULL)
    return NULL;
  char *value = NULL;
  if (g_ascii_strcasecmp (name, "Content-Disposition") == 0)
    {
      GMimeContentDisposition *d = g_mime_content_disposition_parse (parser_options, fixed);
      value = g_strdup (g_mime_content_disposition_get_parameter (d, param));
      g_object_unref (d);
    }
  else
    {
      GMimeContentType *t = g_mime_content_type_parse (parser_options, fixed);
      value = g_strdup (g_mime_content_type_get_parameter (t, param));
      g_object_unref (t);
    }
  return value;
}

static char *
part_filename (GMimePart *part)
{
  GMimeObject *obj = GMIME_OBJECT (part);
  const char *name = g_mime_part_get_filename (part);
  if (name == NULL)
    return NULL;
  char *fixed = repaired_parameter (obj, "Content-Disposition", "filename");
  if (fixed == NULL)
    fixed = repaired_parameter (obj, "Content-Type", "name");
  return fixed ? fixed : g_strdup (name);
}

/* The address list in header NAME of OBJ read from its repaired raw value,
 * or NULL when it needs no repair. */
static InternetAddressList *
repaired_addresses (GMimeObject *obj, const char *name)
{
  GMimeHeader *h = g_mime_header_list_get_header (g_mime_object_get_header_list (obj), name);
  g_autofree char *fixed = h ? portero_charset_header_repair (g_mime_header_get_raw_value (h)) : NULL;
  return fixed ? internet_address_list_parse (parser_options, fixed) : NULL;
}

/* The Message-ID header in a text/rfc822-headers block. */
static char *
message_id_in_headers (const char *text)
{
  g_autofree char *wrapped = g_strconcat ("\n", text, NULL);
  const char *p = wrapped;
  while ((p = strchr (p, '\n')) != NULL)
    {
      p++;
      if (g_ascii_strncasecmp (p, "Message-ID:", 11) == 0)
        {
          const char *s = strchr (p, '<');
          const char *e = s ? strchr (s, '>') : NULL;
          if (s && e && e > s + 1)
            return g_strndup (s + 1, e - s - 1);
        }
    }
  return NULL;
}

/* The subtype of a text part, or NULL when PART is no text. A bare
 * "Content-Type: text" is text/plain (RFC 2045 section 5.2). */
static const char *
text_subtype (GMimeObject *part)
{
  GMimeContentType *ct = g_mime_object_get_content_type (part);
  if (ct != NULL && g_mime_content_type_is_type (ct, "text", "*"))
    return g_mime_content_type_get_media_subtype (ct);
  const char *raw = g_mime_object_get_header (part, "Content-Type");
  if (raw == NULL)
    return NULL;
  while (g_ascii_isspace (*raw))
    raw++;
  if (g_ascii_strncasecmp (raw, "text", 4) != 0)
    return NULL;
  raw += 4;
  while (g_ascii_isspace (*raw))
    raw++;
  return *raw == '\0' || *raw == ';' ? "plain" : NULL;
}

/* Whether PART holds text that a multipart/alternative would show: plain
 * (WANT_HTML false) or HTML. */
static gboolean
has_text (GMimeObject *part, gboolean want_html, int depth)
{
  if (depth > MAX_DEPTH)
    return FALSE;
  if (GMIME_IS_MULTIPART (part))
    {
      int n = g_mime_multipart_get_count (GMIME_MULTIPART (part));
      for (int i = 0; i < n; i++)
        if (has_text (g_mime_multipart_get_part (GMIME_MULTIPART (part), i), want_html, depth + 1))
          return TRUE;
      return FALSE;
    }
  const char *sub = GMIME_IS_PART (part) ? text_subtype (part) : NULL;
  return sub != NULL && g_ascii_strcasecmp (sub, want_html ? "html" : "plain") == 0;
}

static void walk (Walk *w, GMimeObject *part, gboolean body, int depth);

static void
walk_message_part (Walk *w, GMimeObject *part)
{
  GMimeContentType *ct = g_mime_object_get_content_type (part);
  GMimeMessage *inner = g_mime_message_part_get_message (GMIME_MESSAGE_PART (part));
  if (w->mail->is_report && w->mail->report_of == NULL && inner != NULL
      && g_mime_message_get_message_id (inner) != NULL)
    w->mail->report_of = g_utf8_make_valid (g_mime_message_get_message_id (inner), -1);
  gint64 size = 0;
  if (inner != NULL)
    {
      g_autoptr (GMimeStream) null = g_mime_stream_null_new ();
      size = MAX (g_mime_object_write_to_stream (GMIME_OBJECT (inner), NULL, null), 0);
    }
  g_autofree char *subject = inner ? header_text (GMIME_OBJECT (inner), "Subject") : NULL;
  g_autofree char *name = g_strconcat (subject && *subject ? subject : "message", ".eml", NULL);
  add_attachment (w->mail, name, ct, size);
}

/* Every inline text part belongs to the body, in order ("text, screenshot,
 * text" from a phone keeps both texts); of a multipart/alternative only the
 * plain version, else the HTML one. BODY is false inside an alternative
 * that is not shown. */
static void
walk (Walk *w, GMimeObject *part, gboolean body, int depth)
{
  if (depth > MAX_DEPTH)
    {
      w->mail->parts_capped = TRUE;
      return;
    }
  if (GMIME_IS_MESSAGE_PART (part))
    {
      walk_message_part (w, part);
      return;
    }
  if (GMIME_IS_MULTIPART (part))
    {
      GMimeMultipart *multi = GMIME_MULTIPART (part);
      GMimeContentType *ct = g_mime_object_get_content_type (part);
      int n = g_mime_multipart_get_count (multi);
      int shown = -1;
      if (ct != NULL && g_mime_content_type_is_type (ct, "multipart", "alternative"))
        {
          for (int i = 0; i < n && shown < 0; i++)
            if (has_text (g_mime_multipart_get_part (multi, i), FALSE, depth + 1))
              shown = i;
          for (int i = 0; i < n && shown < 0; i++)
            if (has_text (g_mime_multipart_get_part (multi, i), TRUE, depth + 1))
              shown = i;
        }
      for (int i = 0; i < n; i++)
        walk (w, g_mime_multipart_get_part (multi, i), body && (shown < 0 || shown == i), depth + 1);
      return;
    }
  if (!GMIME_IS_PART (part))
    return;

  GMimePart *leaf = GMIME_PART (part);
  GMimeContentType *ct = g_mime_object_get_content_type (part);
  GMimeContentDisposition *disp = g_mime_object_get_content_disposition (part);
  g_autofree char *filename = part_filename (leaf);
  gboolean attachment = (disp && g_mime_content_disposition_is_attachment (disp)) || filename != NULL;
  const char *sub = text_subtype (part);

  if (sub != NULL && !attachment)
    {
      if (g_ascii_strcasecmp (sub, "rfc822-headers") == 0)
        {
          g_autofree char *text = part_text (leaf);
          if (w->mail->is_report && w->mail->report_of == NULL)
            w->mail->report_of = message_id_in_headers (text);
        }
      else if (body && g_ascii_strcasecmp (sub, "calendar") != 0)
        {
          gboolean html = g_ascii_strcasecmp (sub, "html") == 0;
          w->has_plain |= !html;
          g_ptr_array_add (w->texts, g_object_ref (leaf));
        }
      return;
    }
  add_attachment (w->mail, filename ? filename : "", ct, wrapper_size (g_mime_part_get_content (leaf)));
}

/* The body: the plain text parts in order, or when there are none, the
 * HTML parts as text. Each part begins on a line of its own. */
static char *
body_text (Walk *w, GError **error)
{
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < w->texts->len; i++)
    {
      GMimePart *part = g_ptr_array_index (w->texts, i);
      gboolean html = g_ascii_strcasecmp (text_subtype (GMIME_OBJECT (part)), "html") == 0;
      if (html == w->has_plain)
        continue;
      g_autofree char *text = fix_c1 (part_text (part));
      if (html)
        {
          g_autofree char *plain = portero_html_to_text (text, -1, error);
          if (plain == NULL)
            {
              g_string_free (out, TRUE);
              return NULL;
            }
          g_free (text);
          text = g_steal_pointer (&plain);
        }
      if (out->len > 0 && out->str[out->len - 1] != '\n' && *text != '\0')
        g_string_append_c (out, '\n');
      g_string_append (out, text);
    }
  return unix_lines (g_string_free (out, FALSE));
}

static gboolean
header_says_yes (GMimeObject *obj, char *const *names)
{
  for (char *const *n = names; n && *n; n++)
    {
      const char *v = g_mime_object_get_header (obj, *n);
      if (v == NULL)
        continue;
      while (g_ascii_isspace (*v))
        v++;
      if (g_ascii_strncasecmp (v, "yes", 3) == 0)
        return TRUE;
    }
  return FALSE;
}

/* TRUE when header value V is WORD, ignoring case, white space and comments. */
static gboolean
value_is (const char *v, const char *word)
{
  while (g_ascii_isspace (*v))
    v++;
  gsize n = strlen (word);
  return g_ascii_strncasecmp (v, word, n) == 0 && (v[n] == '\0' || v[n] == ';' || v[n] == '(' || g_ascii_isspace (v[n]));
}

static gboolean
precedence_is_bulk (const char *value)
{
  static const char *const bulk[] = { "bulk", "junk", "list", "auto_reply", NULL };
  if (value == NULL)
    return FALSE;
  for (const char *const *b = bulk; *b; b++)
    if (value_is (value, *b))
      return TRUE;
  return FALSE;
}

/* Exchange's X-Auto-Response-Suppress: All, OOF or AutoReply in its list. */
static gboolean
suppresses_replies (const char *value)
{
  if (value == NULL)
    return FALSE;
  g_autofree char *lower = g_ascii_strdown (value, -1);
  return strstr (lower, "all") || strstr (lower, "oof") || strstr (lower, "autoreply");
}

/* RFC 3834 and the conventions of list servers and autoresponders. */
static void
detect_auto (PorteroMail *mail, GMimeMessage *msg, const PorteroMailOptions *options)
{
  GMimeObject *obj = GMIME_OBJECT (msg);
  const char *v;
  const char *reason = NULL;
  const char *env = options->envelope_sender;

  if ((v = g_mime_object_get_header (obj, PORTERO_LOOP_HEADER)) != NULL)
    {
      mail->loop = TRUE;
      reason = "portero loop header";
    }
  else if (env != NULL && (*env == '\0' || strcmp (env, "<>") == 0 || g_ascii_strcasecmp (env, "MAILER-DAEMON") == 0))
    reason = "null envelope sender";
  else if ((v = g_mime_object_get_header (obj, "Auto-Submitted")) != NULL && !value_is (v, "no"))
    reason = "Auto-Submitted";
  else if (precedence_is_bulk (g_mime_object_get_header (obj, "Precedence")))
    reason = "Precedence";
  else if (g_mime_object_get_header (obj, "List-Id") != NULL)
    reason = "List-Id";
  else if (g_mime_object_get_header (obj, "X-Loop") != NULL)
    reason = "X-Loop";
  else if (g_mime_object_get_header (obj, "X-Autoreply") != NULL
           || g_mime_object_get_header (obj, "X-Autorespond") != NULL)
    reason = "X-Autoreply";
  else if (suppresses_replies (g_mime_object_get_header (obj, "X-Auto-Response-Suppress")))
    reason = "X-Auto-Response-Suppress";
  else if (mail->is_report)
    reason = "delivery report";
  else if (mail->from_addr != NULL && portero_address_is_robot (mail->from_addr))
    reason = "robot sender address";
  else if (mail->from_addr != NULL && options->support_addresses != NULL)
    {
      g_autofree char *bare = portero_address_strip_extension (mail->from_addr);
      for (char *const *s = options->support_addresses; *s && reason == NULL; s++)
        {
          g_autofree char *support = portero_address_strip_extension (*s);
          if (strcmp (support, bare) == 0)
            reason = "sent from a support address";
        }
    }
  if (reason != NULL)
    {
      mail->auto_generated = TRUE;
      mail->auto_reason = g_strdup (reason);
    }
}

static gboolean
is_content_type (const char *line, gsize n)
{
  gsize i = 12;
  if (n < 13 || g_ascii_strncasecmp (line, "Content-Type", 12) != 0)
    return FALSE;
  while (i < n && (line[i] == ' ' || line[i] == '\t'))
    i++;
  return i < n && line[i] == ':';
}

/* A copy of the message for gmime when its header block would be misread,
 * else NULL: a second Content-Type field is renamed, since gmime takes the
 * last and most readers (Python's email, mail clients) the first; and a
 * line that is no header field ends the header, as if a blank line came
 * before it, so that it stays the first line of the body. */
static GByteArray *
header_fixed (const char *data, gsize len)
{
  gsize pos = 0, duplicate = G_MAXSIZE, body = G_MAXSIZE;
  gboolean content_type = FALSE;
  while (pos < len)
    {
      const char *line = data + pos;
      const char *nl = memchr (line, '\n', len - pos);
      gsize n = nl ? (gsize) (nl - line) + 1 : len - pos;
      if (line[0] == '\n' || (line[0] == '\r' && n == 2 && nl != NULL))
        break;
      if (line[0] != ' ' && line[0] != '\t')
        {
          /* An mbox "From " line among the fields (a second envelope
           * line) is no text: it is left to gmime, as before. */
          if (!starts_with_header (line, n) && !is_mbox_from_line (line, n))
            {
              body = pos;
              break;
            }
          if (is_content_type (line, n))
            {
              if (content_type && duplicate == G_MAXSIZE)
                duplicate = pos;
              content_type = TRUE;
            }
        }
      pos += n;
    }
  if (duplicate == G_MAXSIZE && body == G_MAXSIZE)
    return NULL;
  GByteArray *copy = g_byte_array_sized_new (len + 16);
  gsize from = 0;
  if (duplicate != G_MAXSIZE)
    {
      g_byte_array_append (copy, (const guint8 *) data, duplicate);
      g_byte_array_append (copy, (const guint8 *) "X-Second-", 9);
      from = duplicate;
    }
  if (body != G_MAXSIZE)
    {
      g_byte_array_append (copy, (const guint8 *) data + from, body - from);
      g_byte_array_append (copy, (const guint8 *) "\n", 1);
      from = body;
    }
  g_byte_array_append (copy, (const guint8 *) data + from, len - from);
  return copy;
}

/* How much of DATA gmime parses: all of it, unless it holds more than
 * MAX_PARTS part delimiters ("--" and a boundary) or Content-Type fields;
 * then what comes before the one past the cap. A line scan, cheap beside
 * the hash of every byte. */
static gsize
parse_limit (const char *data, gsize len, gboolean *capped)
{
  guint delimiters = 0, types = 0;
  const char *p = data, *end = data + len;
  while (p < end)
    {
      if (p[0] == '-' && end - p > 2 && p[1] == '-' && p[2] != ' ' && p[2] != '\r' && p[2] != '\n')
        {
          if (++delimiters > MAX_PARTS)
            break;
        }
      else if ((p[0] == 'C' || p[0] == 'c') && is_content_type (p, end - p))
        {
          if (++types > MAX_PARTS)
            break;
        }
      const char *nl = memchr (p, '\n', end - p);
      p = nl ? nl + 1 : end;
    }
  *capped = p < end;
  return p - data;
}

/* A GByteArray over bytes it does not own. */
typedef GByteArray PorteroByteView;
static void
byte_view_release (PorteroByteView *view)
{
  g_byte_array_free (view, FALSE);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PorteroByteView, byte_view_release)

PorteroMail *
portero_mail_parse (GBytes *raw, const PorteroMailOptions *options, GError **error)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (raw, &len);
  gsize skip = mbox_line_length (data, len);
  gboolean blank = TRUE;
  for (gsize i = 0; i < len && blank; i++)
    blank = g_ascii_isspace (data[i]);
  if (blank)
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_DATA, "empty message");
      return NULL;
    }
  if (!starts_with_header (data + skip, len - skip))
    {
      g_set_error (error, PORTERO_ERROR, PORTERO_ERROR_DATA, "input does not begin with a mail header");
      return NULL;
    }

  g_autoptr (PorteroMail) mail = g_new0 (PorteroMail, 1);
  mail->raw = g_bytes_ref (raw);
  mail->attachments = g_ptr_array_new_with_free_func (attachment_free);
  mail->references = g_ptr_array_new_with_free_func (g_free);
  mail->auth_results = g_ptr_array_new_with_free_func (g_free);
  mail->content_hash = content_hash (data, len, &mail->header_end);
  mail->oversize = options->max_size > 0 && (gint64) len > options->max_size;

  /* gmime reads the bytes in place: a stream over a borrowed array, which
   * is released (not freed) after the stream and the message, declared
   * later, are gone. A copy would double the memory of a large message. */
  g_autoptr (GByteArray) fixed = header_fixed (data + skip, len - skip);
  const char *input = fixed ? (const char *) fixed->data : data + skip;
  gsize input_len = fixed ? fixed->len : len - skip;
  input_len = parse_limit (input, input_len, &mail->parts_capped);
  g_autoptr (PorteroByteView) view = g_byte_array_new_take ((guint8 *) input, input_len);
  g_autoptr (GMimeStream) stream = g_mime_stream_mem_new_with_byte_array (view);
  g_mime_stream_mem_set_owner (GMIME_STREAM_MEM (stream), FALSE);
  g_autoptr (GMimeParser) parser = g_mime_parser_new_with_stream (stream);
  g_mime_parser_set_format (parser, GMIME_FORMAT_MESSAGE);
  g_autoptr (GMimeMessage) msg = g_mime_parser_construct_message (parser, parser_options);

  const char *env = options->envelope_sender;
  g_autofree char *env_norm = env ? portero_address_normalise (env) : NULL;
  if (msg == NULL)
    {
      /* gmime gave up: keep what we know so the bytes are still stored. */
      mail->subject = g_strdup ("");
      mail->body = g_strdup ("");
      mail->from_name = g_strdup ("");
      if (env_norm != NULL)
        {
          mail->from_addr = g_steal_pointer (&env_norm);
          mail->identity_source = "envelope";
        }
      g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
      mail->date = g_date_time_format_iso8601 (now);
      return g_steal_pointer (&mail);
    }

  char *addr = NULL, *name = NULL;
  g_autoptr (InternetAddressList) from = repaired_addresses (GMIME_OBJECT (msg), "From");
  g_autoptr (InternetAddressList) sender = repaired_addresses (GMIME_OBJECT (msg), "Sender");
  if (first_mailbox (from ? from : g_mime_message_get_from (msg), &addr, &name))
    mail->identity_source = "from";
  else if (first_mailbox (sender ? sender : g_mime_message_get_sender (msg), &addr, &name))
    mail->identity_source = "sender";
  else if (env_norm != NULL)
    {
      addr = g_steal_pointer (&env_norm);
      name = g_strdup ("");
      mail->identity_source = "envelope";
    }
  mail->from_addr = addr;
  mail->from_name = name ? name : g_strdup ("");

  g_autofree char *subject = header_text (GMIME_OBJECT (msg), "Subject");
  mail->subject = clean_line (subject);
  const char *mid = g_mime_message_get_message_id (msg);
  if (mid != NULL && *mid != '\0')
    mail->message_id = clean_line (mid);

  GDateTime *date = g_mime_message_get_date (msg);
  g_autoptr (GDateTime) utc = date ? g_date_time_to_utc (date) : g_date_time_new_now_utc ();
  mail->date = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");

  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  add_references (mail, seen, g_mime_object_get_header (GMIME_OBJECT (msg), "In-Reply-To"), TRUE);
  add_references (mail, seen, g_mime_object_get_header (GMIME_OBJECT (msg), "References"), TRUE);

  GMimeObject *body = g_mime_message_get_mime_part (msg);
  GMimeContentType *top = body ? g_mime_object_get_content_type (body) : NULL;
  mail->is_report = top && (g_mime_content_type_is_type (top, "multipart", "report")
                            || g_mime_content_type_is_type (top, "message", "delivery-status"));

  Walk w = { mail, options, g_ptr_array_new_with_free_func (g_object_unref), FALSE };
  if (body != NULL)
    walk (&w, body, TRUE, 0);
  mail->body = body_text (&w, error);
  g_ptr_array_unref (w.texts);
  if (mail->body == NULL)
    return NULL;

  mail->spam = header_says_yes (GMIME_OBJECT (msg), options->spam_headers);
  GMimeHeaderList *headers = g_mime_object_get_header_list (GMIME_OBJECT (msg));
  for (int i = 0; i < g_mime_header_list_get_count (headers); i++)
    {
      GMimeHeader *h = g_mime_header_list_get_header_at (headers, i);
      /* Only the results the receiving MTA added count: those above the
       * first Received header (RFC 8601 section 5). Below it, anyone's. */
      if (g_ascii_strcasecmp (g_mime_header_get_name (h), "Received") == 0)
        break;
      if (g_ascii_strcasecmp (g_mime_header_get_name (h), "Authentication-Results") == 0)
        g_ptr_array_add (mail->auth_results, clean_line (g_mime_header_get_value (h)));
    }
  detect_auto (mail, msg, options);
  return g_steal_pointer (&mail);
}

gint64
portero_mail_subject_tag (const char *subject)
{
  for (const char *p = subject ? strstr (subject, "[#") : NULL; p; p = strstr (p + 2, "[#"))
    {
      const char *d = p + 2;
      gint64 n = 0;
      while (g_ascii_isdigit (*d) && n < G_GINT64_CONSTANT (100000000000))
        n = n * 10 + (*d++ - '0');
      if (d > p + 2 && *d == ']' && n > 0)
        return n;
    }
  return 0;
}
