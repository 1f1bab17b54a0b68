/* test-mail - parsing one message: identity, subject, body, marks */
#include "../src/error.h"
#include "../src/mail.h"
#include "../src/gmime-compat.h"
#include <string.h>

static char *const spam_headers[] = { "X-Spam-Flag", "X-Spam-Status", NULL };
static char *const support[] = { "support@helpdesk.example", NULL };

static PorteroMail *
parse_env (const char *text, const char *envelope, GError **error)
{
  PorteroMailOptions options = { envelope, spam_headers, support, 1024 * 1024 };
  g_autoptr (GBytes) raw = g_bytes_new (text, strlen (text));
  return portero_mail_parse (raw, &options, error);
}

static PorteroMail *
parse (const char *text)
{
  g_autoptr (GError) error = NULL;
  PorteroMail *mail = parse_env (text, "sender@example.net", &error);
  g_assert_no_error (error);
  g_assert_nonnull (mail);
  return mail;
}

static void
test_identity (void)
{
  g_autoptr (PorteroMail) a = parse ("From: =?utf-8?q?Jos=C3=A9?= <Jose@Example.COM>\nSubject: x\n\nbody\n");
  g_assert_cmpstr (a->from_addr, ==, "jose@example.com");
  g_assert_cmpstr (a->from_name, ==, "José");
  g_assert_cmpstr (a->identity_source, ==, "from");

  g_autoptr (PorteroMail) b = parse ("From: undisclosed-recipients:;\nSender: s@example.org\nReply-To: evil@x.example\n\nx\n");
  g_assert_cmpstr (b->from_addr, ==, "s@example.org");
  g_assert_cmpstr (b->identity_source, ==, "sender");

  g_autoptr (PorteroMail) c = parse ("Reply-To: evil@x.example\nSubject: none\n\nx\n");
  g_assert_cmpstr (c->from_addr, ==, "sender@example.net");
  g_assert_cmpstr (c->identity_source, ==, "envelope");

  g_autoptr (GError) error = NULL;
  g_autoptr (PorteroMail) d = parse_env ("Subject: nobody\n\nx\n", "", &error);
  g_assert_null (d->from_addr);
  g_assert_true (d->auto_generated);

  /* A group's first member */
  g_autoptr (PorteroMail) e = parse ("From: Team: Ann <ann@example.com>, bob@example.com;\n\nx\n");
  g_assert_cmpstr (e->from_addr, ==, "ann@example.com");
}

static void
test_subject (void)
{
  g_autoptr (PorteroMail) a = parse ("From: a@b.example\nSubject: =?ISO-8859-1?Q?Caf=E9?=\n =?KOI8-R?B?8NLJ18XU?=  and\n\tmore\n\nx\n");
  g_assert_cmpstr (a->subject, ==, "CaféПривет and more");
  g_autoptr (PorteroMail) b = parse ("From: a@b.example\nSubject: =?iso-8859-1?q?en_dash_=96_here?=\n\nx\n");
  g_assert_cmpstr (b->subject, ==, "en dash – here");
  g_autoptr (PorteroMail) c = parse ("From: a@b.example\nSubject: raw \xc3\xb1 utf8 and \xf1 latin1\n\nx\n");
  g_assert_true (g_utf8_validate (c->subject, -1, NULL));
  g_autoptr (PorteroMail) d = parse ("From: a@b.example\n\nx\n");
  g_assert_cmpstr (d->subject, ==, "");
}

static void
test_body (void)
{
  g_autoptr (PorteroMail) a = parse (
      "From: a@b.example\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=b\n\n"
      "--b\nContent-Type: text/html\n\n<p>html</p>\n--b\nContent-Type: text/plain; charset=iso-8859-1\n"
      "Content-Transfer-Encoding: quoted-printable\n\nPlain =E9t=E9\n--b--\n");
  g_assert_cmpstr (g_strstrip (a->body), ==, "Plain été");

  g_autoptr (PorteroMail) b = parse (
      "From: a@b.example\nContent-Type: text/html; charset=utf-8\n\n"
      "<html><body><div>One</div><div>Two &amp; <i>three</i></div><script>x</script></body></html>\n");
  g_assert_cmpstr (b->body, ==, "One\nTwo & three");

  g_autoptr (PorteroMail) c = parse (
      "From: a@b.example\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"
      "--b\nContent-Type: text/plain\n\nsee file\n--b\nContent-Type: text/plain; name=notes.txt\n"
      "Content-Disposition: attachment; filename=notes.txt\n\nnot the body\n--b\n"
      "Content-Type: image/jpeg\nContent-Transfer-Encoding: base64\n\n/9j/4AAQ\n--b--\n");
  g_assert_cmpstr (g_strstrip (c->body), ==, "see file");
  g_assert_cmpuint (c->attachments->len, ==, 2);
  PorteroAttachment *t = g_ptr_array_index (c->attachments, 0);
  PorteroAttachment *j = g_ptr_array_index (c->attachments, 1);
  g_assert_cmpstr (t->name, ==, "notes.txt");
  g_assert_cmpstr (t->type, ==, "text/plain");
  g_assert_cmpstr (j->name, ==, "");
  g_assert_cmpstr (j->type, ==, "image/jpeg");
  g_assert_cmpint (j->size, ==, 6);

  /* Text is never deleted: what fits no reading is U+FFFD. */
  static const struct { const char *part; const char *body; } text[] = {
    { "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\nMa=C3=B1ana\n", "Mañana\n" },
    { "Content-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: base64\n\nw7FhbmTDug==\n", "ñandú" },
    { "Content-Type: text/plain; charset=utf-8\n\nlatin \xf1 here\n", "latin \xef\xbf\xbd here\n" },
    { "Content-Type: text/plain; charset=us-ascii\n\nutf8 \xc3\xb1 here\n", "utf8 \xc3\xb1 here\n" },
    { "Content-Type: text/plain; charset=us-ascii\n\nplain ascii\n", "plain ascii\n" },
    /* ISO-8859-1 with C1 controls was Windows-1252 */
    { "Content-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nen dash =96 here =E9\n", "en dash – here é\n" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (text); i++)
    {
      g_autofree char *raw = g_strconcat ("From: a@b.example\nMIME-Version: 1.0\n", text[i].part, NULL);
      g_autoptr (PorteroMail) m = parse (raw);
      g_assert_cmpstr (m->body, ==, text[i].body);
    }

  /* The HTML alternative is only read when there is no plain text. */
  g_autoptr (PorteroMail) h = parse (
      "From: a@b.example\nMIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=b\n\n"
      "--b\nContent-Type: text/html; charset=utf-8\n\n<p>first</p>\n--b\n"
      "Content-Type: text/html; charset=utf-8\n\n<p>second</p>\n--b--\n");
  g_assert_cmpstr (h->body, ==, "first");
}

/* A base64 part is sized from its text: padding and line breaks do not count. */
static void
test_base64_size (void)
{
  static const struct { const char *encoded; gint64 size; } cases[] = {
    { "SGVsbG8sIHdvcmxkIQ==", 13 },          /* "Hello, world!" */
    { "SGVs\r\nbG8s\r\nIHdv\r\ncmxk\r\n", 12 }, /* "Hello, world" in lines */
    { "SGVsbG8sIHdvcmxk IQ=\n", 13 },        /* a space inside, one = of two */
    { "QUI=", 2 },
    { "", 0 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *raw = g_strdup_printf (
          "From: a@b.example\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"
          "--b\nContent-Type: text/plain\n\nsee file\n--b\n"
          "Content-Type: application/octet-stream; name=x.bin\nContent-Transfer-Encoding: base64\n\n%s\n--b--\n",
          cases[i].encoded);
      g_autoptr (PorteroMail) m = parse (raw);
      g_assert_cmpuint (m->attachments->len, ==, 1);
      g_assert_cmpint (((PorteroAttachment *) g_ptr_array_index (m->attachments, 0))->size, ==, cases[i].size);
    }
}

static void
test_auto (void)
{
  static const struct { const char *headers; const char *envelope; const char *reason; } cases[] = {
    { "Auto-Submitted: auto-replied\n", "x@y.example", "Auto-Submitted" },
    { "Auto-Submitted: no\n", "x@y.example", NULL },
    { "Precedence: bulk\n", "x@y.example", "Precedence" },
    { "Precedence: LIST\n", "x@y.example", "Precedence" },
    { "List-Id: <a.b>\n", "x@y.example", "List-Id" },
    { "X-Loop: x\n", "x@y.example", "X-Loop" },
    { "X-Autoreply: yes\n", "x@y.example", "X-Autoreply" },
    { "X-Auto-Response-Suppress: All\n", "x@y.example", "X-Auto-Response-Suppress" },
    { "", "", "null envelope sender" },
    { "", "MAILER-DAEMON", "null envelope sender" },
    { "X-Portero-Loop: h\n", "x@y.example", "portero loop header" },
    { "", "x@y.example", NULL },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strdup_printf ("From: person@example.com\n%sSubject: s\n\nx\n", cases[i].headers);
      g_autoptr (GError) error = NULL;
      g_autoptr (PorteroMail) m = parse_env (text, cases[i].envelope, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (m->auto_reason, ==, cases[i].reason);
      g_assert_true (m->auto_generated == (cases[i].reason != NULL));
    }
  g_autoptr (PorteroMail) robot = parse ("From: MAILER-DAEMON@mx.example\n\nx\n");
  g_assert_cmpstr (robot->auto_reason, ==, "robot sender address");
  g_autoptr (PorteroMail) own = parse ("From: Support <support+x@helpdesk.example>\n\nx\n");
  g_assert_cmpstr (own->auto_reason, ==, "sent from a support address");
}

static void
test_spam (void)
{
  g_autoptr (PorteroMail) a = parse ("From: a@b.example\nX-Spam-Status: Yes, score=9\n\nx\n");
  g_autoptr (PorteroMail) b = parse ("From: a@b.example\nX-Spam-Status: No, score=0\n\nx\n");
  g_assert_true (a->spam);
  g_assert_false (b->spam);
}

/* GMime issue 133: gmime 3.2.13 cuts neighbouring base64 words short at
 * `=' padding and drops an unpadded word's last bytes. portero works around
 * it (src/charset.c); this fails once gmime is fixed, to say that the
 * workaround can go. */
static void
test_gmime_issue_133 (void)
{
  g_autoptr (GMimeParserOptions) options = g_mime_parser_options_new ();
  g_autofree char *padded = g_mime_utils_header_decode_text (options, "=?utf-8?b?0KHRh9GR0YI=?= =?utf-8?b?0KHRh9GR0YI=?=");
  g_autofree char *unpadded = g_mime_utils_header_decode_text (options, "=?utf-8?b?eHB0bw?=");
  if (strcmp (padded, "СчётСчёт") == 0 && strcmp (unpadded, "xpto") == 0)
    g_test_fail_printf ("gmime decodes base64 words right now (GMime issue 133 fixed): "
                        "remove the workaround in src/charset.c and this test");
  g_assert_cmpstr (padded, ==, "Счёт");
}

/* Encoded words as Python's email package writes long non-Latin text: a
 * base64 word per line, padded, the last one sometimes Q. */
static void
test_encoded_words (void)
{
  g_autoptr (PorteroMail) a = parse (
      "From: =?utf-8?b?0JjQstCw0L0g0J/QtdGC0YDQvtCy?= =?utf-8?b?0LjRhw==?= <ivan@example.ru>\n"
      "Subject: RE: =?utf-8?b?0KHRh9GR0YIg?=\n =?utf-8?b?4oSWNDIg0L7Qv9C70LDRh9C1?=\n =?utf-8?q?=D0=BD?= [#17]\n"
      "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"
      "--b\nContent-Type: text/plain; charset=utf-8\n\nhi\n--b\n"
      "Content-Type: application/pdf\nContent-Disposition: attachment;\n"
      " filename=\"=?utf-8?b?0J7RgtGH0ZHRgiDQt9CwINC80LA=?= =?utf-8?b?0YDRgi5wZGY=?=\"\n"
      "Content-Transfer-Encoding: base64\n\nJVBERg==\n--b--\n");
  g_assert_cmpstr (a->subject, ==, "RE: Счёт №42 оплачен [#17]");
  g_assert_cmpint (portero_mail_subject_tag (a->subject), ==, 17);
  g_assert_cmpstr (a->from_name, ==, "Иван Петрович");
  g_assert_cmpuint (a->attachments->len, ==, 1);
  g_assert_cmpstr (((PorteroAttachment *) g_ptr_array_index (a->attachments, 0))->name, ==, "Отчёт за март.pdf");

  g_autoptr (PorteroMail) b = parse ("From: =?utf-8?b?eHB0bw?= <x@example.com>\nSubject: =?utf-8?b?eHB0bw?=\n\nx\n");
  g_assert_cmpstr (b->subject, ==, "xpto");
  g_assert_cmpstr (b->from_name, ==, "xpto");

  /* Words of two charsets, and Q beside B */
  g_autoptr (PorteroMail) c = parse ("From: a@b.example\nSubject: =?iso-8859-1?b?Q2Fm6Q==?= =?utf-8?b?0KE=?= =?utf-8?q?=D1=87?=\n\nx\n");
  g_assert_cmpstr (c->subject, ==, "CaféСч");
}

/* Header bytes that are UTF-8 but for a few: only those are replaced. */
static void
test_almost_utf8_header (void)
{
  g_autoptr (PorteroMail) a = parse ("From: J\xc3\xa9r\xf4me <a@b.example>\nSubject: ma\xc3\xb1" "ana \xff ok\n\nx\n");
  g_assert_cmpstr (a->subject, ==, "ma\xc3\xb1" "ana \xef\xbf\xbd ok");
  g_assert_cmpstr (a->from_name, ==, "Jér\xef\xbf\xbdme");
  /* No UTF-8 at all: Windows-1252, as before */
  g_autoptr (PorteroMail) b = parse ("From: a@b.example\nSubject: caf\xe9 \x96 ok\n\nx\n");
  g_assert_cmpstr (b->subject, ==, "café – ok");
}

/* Every inline text part is the body, in order; attachments are not. */
static void
test_text_parts (void)
{
  g_autoptr (PorteroMail) a = parse (
      "From: a@b.example\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n"
      "--b\nContent-Type: text/plain; charset=us-ascii\n\nLook at this:\n"
      "--b\nContent-Type: image/png; name=shot.png\nContent-Disposition: inline; filename=shot.png\n"
      "Content-Transfer-Encoding: base64\n\niVBORw0KGgo=\n"
      "--b\nContent-Type: text/plain; charset=utf-8\n\nThe button does nothing.\n--b--\n");
  g_assert_cmpstr (a->body, ==, "Look at this:\nThe button does nothing.");
  g_assert_cmpuint (a->attachments->len, ==, 1);

  /* An alternative inside: its plain version only, then the text after it */
  g_autoptr (PorteroMail) b = parse (
      "From: a@b.example\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=m\n\n"
      "--m\nContent-Type: multipart/alternative; boundary=a\n\n"
      "--a\nContent-Type: text/plain\n\nfirst\n--a\nContent-Type: text/html\n\n<p>first</p>\n--a--\n"
      "--m\nContent-Type: image/gif\n\nGIF\n"
      "--m\nContent-Type: text/plain\n\nsecond\n--m--\n");
  g_assert_cmpstr (b->body, ==, "first\nsecond");
}

/* Content-Type quirks, NUL bytes and a header without its blank line */
static void
test_quirks (void)
{
  static const struct { const char *raw; const char *body; guint attachments; } cases[] = {
    /* a NUL byte does not end the body */
    { "From: a@b.example\nContent-Type: text/plain; charset=utf-8\n\nbefore \0 after\n", "before \xef\xbf\xbd after\n", 0 },
    /* no subtype: text/plain (RFC 2045) */
    { "From: a@b.example\nContent-Type: text\n\nplain text\n", "plain text\n", 0 },
    /* two Content-Type fields: the first counts */
    { "From: a@b.example\nContent-Type: multipart/alternative; boundary=x\nContent-Type: text/plain\n\n"
      "preamble\n--x\nContent-Type: text/plain\n\nthe text\n--x--\n", "the text", 0 },
    /* a header not followed by a blank line keeps the first body line */
    { "From: a@b.example\nSubject: s\nfirst line\nsecond line\n", "first line\nsecond line\n", 0 },
    /* charsets that lie: UTF-8 under ISO-2022-JP, Windows-1252 under us-ascii */
    { "From: a@b.example\nContent-Type: text/plain; charset=iso-2022-jp\n\n\xe6\x97\xa5\xe6\x9c\xac\n", "日本\n", 0 },
    { "From: a@b.example\nContent-Type: text/plain; charset=us-ascii\n\nEnvoy\xe9 par Bell Mobilit\xe9\n", "Envoyé par Bell Mobilité\n", 0 },
    { "From: a@b.example\nContent-Type: text/plain; charset=iso-2022-jp\n\n\x1b$BF|K\\\x1b(B\n", "日本\n", 0 },
    { "From: a@b.example\nContent-Type: text/plain; charset=koi8-r\n\n\xf0\xd2\xc9\xd7\xc5\xd4\n", "Привет\n", 0 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      gsize len = strlen (cases[i].raw);
      if (i == 0)
        len += 1 + strlen (cases[i].raw + len + 1);
      g_autoptr (GBytes) raw = g_bytes_new (cases[i].raw, len);
      PorteroMailOptions options = { "s@example.net", spam_headers, support, 1024 * 1024 };
      g_autoptr (GError) error = NULL;
      g_autoptr (PorteroMail) m = portero_mail_parse (raw, &options, &error);
      g_assert_no_error (error);
      g_assert_cmpstr (m->body, ==, cases[i].body);
      g_assert_cmpuint (m->attachments->len, ==, cases[i].attachments);
    }
}

/* The obsolete "From :" is a header field, not an mbox separator. */
static void
test_obs_from (void)
{
  g_autoptr (PorteroMail) a = parse ("From : Jane Roe <jane@acme.example>\nSubject: s\n\nx\n");
  g_assert_cmpstr (a->from_addr, ==, "jane@acme.example");
  g_autoptr (PorteroMail) b = parse ("From : Jane Roe\r\n <jane@acme.example>\r\nSubject: s\r\n\r\nx\r\n");
  g_assert_cmpstr (b->from_addr, ==, "jane@acme.example");
  g_autoptr (PorteroMail) c = parse ("From someone@example.com Mon Jan  1 00:00:00 2026\nFrom: c@d.example\n\nx\n");
  g_assert_cmpstr (c->from_addr, ==, "c@d.example");
  /* A second envelope line among the fields does not end the header */
  g_autoptr (PorteroMail) d = parse ("Return-Path: <x@y.example>\nFrom x@y.example Mon Jan  1 00:00:00 2026\n"
                                     "From: Real <real@y.example>\nSubject: kept\n\nbody\n");
  g_assert_cmpstr (d->from_addr, ==, "real@y.example");
  g_assert_cmpstr (d->subject, ==, "kept");
  g_assert_cmpstr (d->body, ==, "body\n");
}

static void
test_references (void)
{
  g_autoptr (PorteroMail) m = parse ("From: a@b.example\nMessage-ID: <me@x>\nIn-Reply-To: <c@x>\n"
                                     "References: <a@x> <b@x>\n <c@x>\n\nx\n");
  g_assert_cmpstr (m->message_id, ==, "me@x");
  g_assert_cmpuint (m->references->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (m->references, 0), ==, "c@x");
  g_assert_cmpstr (g_ptr_array_index (m->references, 1), ==, "b@x");
  g_assert_cmpstr (g_ptr_array_index (m->references, 2), ==, "a@x");
  /* Repeated ids are kept once, at their first place */
  g_autoptr (PorteroMail) r = parse ("From: a@b.example\nIn-Reply-To: <c@x>\nReferences: <a@x> <c@x> <b@x> <a@x>\n\nx\n");
  g_assert_cmpuint (r->references->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (r->references, 0), ==, "c@x");
  g_assert_cmpstr (g_ptr_array_index (r->references, 1), ==, "a@x");
  g_assert_cmpstr (g_ptr_array_index (r->references, 2), ==, "b@x");
  /* At most 1000 ids, the newest: each is looked up under the write lock */
  g_autoptr (GString) many = g_string_new ("From: a@b.example\nIn-Reply-To: <reply@x>\nReferences:");
  for (int i = 0; i < 1500; i++)
    g_string_append_printf (many, " <r%d@x>", i);
  g_string_append (many, "\n\nx\n");
  g_autoptr (PorteroMail) capped = parse (many->str);
  g_assert_cmpuint (capped->references->len, ==, 1000);
  g_assert_cmpstr (g_ptr_array_index (capped->references, 0), ==, "reply@x");
  g_assert_cmpstr (g_ptr_array_index (capped->references, 1), ==, "r1499@x");
  g_assert_cmpstr (g_ptr_array_index (capped->references, 999), ==, "r501@x");
  g_autoptr (PorteroMail) empty = parse ("From: a@b.example\nIn-Reply-To:\n\nx\n");
  g_assert_cmpuint (empty->references->len, ==, 0);
}

static void
test_report (void)
{
  g_autoptr (PorteroMail) m = parse (
      "From: MAILER-DAEMON@mx.example\nMIME-Version: 1.0\n"
      "Content-Type: multipart/report; report-type=delivery-status; boundary=r\n\n"
      "--r\nContent-Type: text/plain\n\nfailed\n--r\nContent-Type: message/delivery-status\n\nStatus: 5.0.0\n"
      "--r\nContent-Type: message/rfc822\n\nFrom: support@helpdesk.example\nMessage-ID: <orig@helpdesk.example>\n"
      "Subject: hi\n\nbody\n--r--\n");
  g_assert_true (m->is_report);
  g_assert_true (m->auto_generated);
  g_assert_cmpstr (m->report_of, ==, "orig@helpdesk.example");
  g_assert_cmpstr (g_strstrip (m->body), ==, "failed");
}

static void
test_hash (void)
{
  g_autoptr (PorteroMail) a = parse ("From: a@b.example\nSubject: s\n\nbody\n");
  g_autoptr (PorteroMail) b = parse ("Received: from x by y\n\tfor z\nReturn-Path: <a@b.example>\n"
                                     "From: a@b.example\nDelivered-To: s@h\nSubject: s\n\nbody\n");
  g_autoptr (PorteroMail) c = parse ("From: a@b.example\nSubject: s\n\nbody!\n");
  g_assert_cmpstr (a->content_hash, ==, b->content_hash);
  g_assert_cmpstr (a->content_hash, !=, c->content_hash);
  /* SHA-256 itself (sha256sum of the text), so that stored hashes still match after an upgrade. */
  g_assert_cmpstr (a->content_hash, ==, "6c8f51d7e1bb179f0a9794e6625d7845c25e69668fe936020d068d6e8896d61c");
}

static void
test_not_a_message (void)
{
  static const char *const inputs[] = { "", "\n\n  \r\n", "hello world\n", ": no name\n\nx\n" };
  for (gsize i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PorteroMail) m = parse_env (inputs[i], NULL, &error);
      g_assert_null (m);
      g_assert_error (error, PORTERO_ERROR, PORTERO_ERROR_DATA);
    }
  /* An mbox From line or leading blank lines do not make it unreadable. */
  g_autoptr (PorteroMail) mbox = parse ("From someone Tue Nov 24 10:00:00 2026\nFrom: a@b.example\nSubject: mbox\n\nx\n");
  g_assert_cmpstr (mbox->subject, ==, "mbox");
  g_autoptr (PorteroMail) blank = parse ("   \n\nFrom: a@b.example\nSubject: blank\n\nx\n");
  g_assert_cmpstr (blank->subject, ==, "blank");
}

static void
test_tag (void)
{
  g_assert_cmpint (portero_mail_subject_tag ("Re: [#123] hi"), ==, 123);
  g_assert_cmpint (portero_mail_subject_tag ("AW: hi [#7]"), ==, 7);
  g_assert_cmpint (portero_mail_subject_tag ("[#] [#x] [#12"), ==, 0);
  g_assert_cmpint (portero_mail_subject_tag ("[#0] [#5]"), ==, 5);
  g_assert_cmpint (portero_mail_subject_tag ("[#99999999999999999999]"), ==, 0);
  g_assert_cmpint (portero_mail_subject_tag (NULL), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  portero_mail_init ();
  g_test_add_func ("/mail/identity", test_identity);
  g_test_add_func ("/mail/subject", test_subject);
  g_test_add_func ("/mail/body", test_body);
  g_test_add_func ("/mail/base64-size", test_base64_size);
  g_test_add_func ("/mail/auto-generated", test_auto);
  g_test_add_func ("/mail/spam", test_spam);
  g_test_add_func ("/mail/references", test_references);
  g_test_add_func ("/mail/gmime-issue-133", test_gmime_issue_133);
  g_test_add_func ("/mail/encoded-words", test_encoded_words);
  g_test_add_func ("/mail/almost-utf8-header", test_almost_utf8_header);
  g_test_add_func ("/mail/text-parts", test_text_parts);
  g_test_add_func ("/mail/quirks", test_quirks);
  g_test_add_func ("/mail/obs-from", test_obs_from);
  g_test_add_func ("/mail/report", test_report);
  g_test_add_func ("/mail/content-hash", test_hash);
  g_test_add_func ("/mail/not-a-message", test_not_a_message);
  g_test_add_func ("/mail/subject-tag", test_tag);
  int rc = g_test_run ();
  portero_mail_shutdown ();
  return rc;
}
