/* mail - one inbound message parsed with gmime
 *
 * Parsing never fails on a message that has a header: broken mail is still
 * a customer's mail. Everything taken from the message is made valid UTF-8
 * here, so that no other module sees raw bytes. */
#include "mail.h"
#include "address.h"
#include "error.h"
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
      if (n > 0 && (blank || (n >= 5 && memcmp (line, "From ", 5) == 0)) && nl != NULL)
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

static void
add_references (PorteroMail *mail, const char *value, gboolean newest_first)
{
  if (value == NULL)
    return;
  GMimeReferences *refs = g_mime_references_parse (parser_options, value);
  if (refs == NULL)
    return;
  int n = g_mime_references_length (refs);
  for (int k = 0; k < n; k++)
    {
      int i = newest_first ? n - 1 - k : k;
      const char *id = g_mime_references_get_message_id (refs, i);
      if (id == NULL || *id == '\0' || !g_utf8_validate (id, -1, NULL))
        continue;
      gboolean seen = FALSE;
      for (guint j = 0; j < mail->references->len && !seen; j++)
        seen = strcmp (g_ptr_array_index (mail->references, j), id) == 0;
      if (!seen)
        g_ptr_array_add (mail->references, g_strdup (id));
    }
  g_mime_references_free (refs);
}

typedef struct {
  PorteroMail *mail;
  const PorteroMailOptions *options;
  char *plain;
  GMimeTextPart *html; /* the first HTML part: decoded only when there is no plain text */
} Walk;

/* The text of PART, as g_mime_text_part_get_text gives it, made valid UTF-8. That
 * function converts through iconv whenever a charset is declared, UTF-8 to
 * UTF-8 included, at about a hundred instructions a byte; text declared
 * UTF-8 (or ASCII) that is valid as such only needs its transfer encoding
 * undone. Anything else takes gmime's way, so the result is the same. */
static char *
part_text (GMimeTextPart *part)
{
  const char *charset = g_mime_object_get_content_type_parameter (GMIME_OBJECT (part), "charset");
  gboolean utf8 = charset != NULL && (g_ascii_strcasecmp (charset, "utf-8") == 0 || g_ascii_strcasecmp (charset, "utf8") == 0);
  gboolean ascii = charset != NULL && g_ascii_strcasecmp (charset, "us-ascii") == 0;
  GMimeDataWrapper *content = g_mime_part_get_content (GMIME_PART (part));
  if ((utf8 || ascii) && content != NULL)
    {
      g_autoptr (GMimeStream) mem = g_mime_stream_mem_new ();
      if (g_mime_data_wrapper_write_to_stream (content, mem) >= 0)
        {
          GByteArray *bytes = g_mime_stream_mem_get_byte_array (GMIME_STREAM_MEM (mem));
          const char *data = (const char *) bytes->data;
          gboolean plain = TRUE;
          if (ascii)
            for (guint i = 0; i < bytes->len && plain; i++)
              plain = (guchar) data[i] < 0x80 && data[i] != '\0';
          else
            plain = g_utf8_validate (data, bytes->len, NULL);
          if (plain)
            return g_strndup (data, bytes->len);
        }
    }
  g_autofree char *text = g_mime_text_part_get_text (part);
  return text ? g_utf8_make_valid (text, -1) : NULL;
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

static void
walk_part (GMimeObject *parent, GMimeObject *part, gpointer user_data)
{
  Walk *w = user_data;
  GMimeContentType *ct = g_mime_object_get_content_type (part);

  if (GMIME_IS_MESSAGE_PART (part))
    {
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
      const char *subject = inner ? g_mime_message_get_subject (inner) : NULL;
      g_autofree char *name = g_strconcat (subject && *subject ? subject : "message", ".eml", NULL);
      add_attachment (w->mail, name, ct, size);
      return;
    }
  if (!GMIME_IS_PART (part))
    return; /* multiparts: their children are visited by foreach */

  GMimePart *leaf = GMIME_PART (part);
  GMimeContentDisposition *disp = g_mime_object_get_content_disposition (part);
  const char *filename = g_mime_part_get_filename (leaf);
  gboolean attachment = (disp && g_mime_content_disposition_is_attachment (disp)) || filename != NULL;
  gboolean is_text = ct && g_mime_content_type_is_type (ct, "text", "*");

  if (is_text && !attachment && GMIME_IS_TEXT_PART (part))
    {
      if (g_mime_content_type_is_type (ct, "text", "rfc822-headers"))
        {
          g_autofree char *text = part_text (GMIME_TEXT_PART (part));
          if (w->mail->is_report && w->mail->report_of == NULL && text != NULL)
            w->mail->report_of = message_id_in_headers (text);
        }
      else if (g_mime_content_type_is_type (ct, "text", "html"))
        {
          if (w->html == NULL)
            w->html = g_object_ref (GMIME_TEXT_PART (part));
          return;
        }
      else if (w->plain == NULL && !g_mime_content_type_is_type (ct, "text", "calendar"))
        {
          w->plain = part_text (GMIME_TEXT_PART (part));
          return;
        }
    }
  if (!is_text || attachment)
    add_attachment (w->mail, filename ? filename : "", ct,
                    wrapper_size (g_mime_part_get_content (leaf)));
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
  g_autoptr (PorteroByteView) view = g_byte_array_new_take ((guint8 *) data + skip, len - skip);
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
  if (first_mailbox (g_mime_message_get_from (msg), &addr, &name))
    mail->identity_source = "from";
  else if (first_mailbox (g_mime_message_get_sender (msg), &addr, &name))
    mail->identity_source = "sender";
  else if (env_norm != NULL)
    {
      addr = g_steal_pointer (&env_norm);
      name = g_strdup ("");
      mail->identity_source = "envelope";
    }
  mail->from_addr = addr;
  mail->from_name = name ? name : g_strdup ("");

  mail->subject = clean_line (g_mime_message_get_subject (msg));
  const char *mid = g_mime_message_get_message_id (msg);
  if (mid != NULL && *mid != '\0')
    mail->message_id = clean_line (mid);

  GDateTime *date = g_mime_message_get_date (msg);
  g_autoptr (GDateTime) utc = date ? g_date_time_to_utc (date) : g_date_time_new_now_utc ();
  mail->date = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%SZ");

  add_references (mail, g_mime_object_get_header (GMIME_OBJECT (msg), "In-Reply-To"), TRUE);
  add_references (mail, g_mime_object_get_header (GMIME_OBJECT (msg), "References"), TRUE);

  GMimeObject *body = g_mime_message_get_mime_part (msg);
  GMimeContentType *top = body ? g_mime_object_get_content_type (body) : NULL;
  mail->is_report = top && (g_mime_content_type_is_type (top, "multipart", "report")
                            || g_mime_content_type_is_type (top, "message", "delivery-status"));

  Walk w = { mail, options, NULL, NULL };
  if (body != NULL)
    {
      walk_part (NULL, body, &w);
      if (GMIME_IS_MULTIPART (body))
        g_mime_multipart_foreach (GMIME_MULTIPART (body), walk_part, &w);
    }
  if (w.plain != NULL)
    mail->body = unix_lines (fix_c1 (g_steal_pointer (&w.plain)));
  else if (w.html != NULL)
    {
      g_autofree char *html = part_text (w.html);
      g_autofree char *valid = html ? fix_c1 (g_steal_pointer (&html)) : NULL;
      mail->body = valid ? portero_html_to_text (valid, -1, error) : g_strdup ("");
    }
  else
    mail->body = g_strdup ("");
  g_free (w.plain);
  g_clear_object (&w.html);
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
