/* test-markup - values made safe for HTML, and where a snippet stands */
#include "../src/markup.h"
#include "../src/template.h"
#include <string.h>

static void
test_escape_text (void)
{
  GString *out = g_string_new (NULL);
  portero_markup_append_text (out, "<script>alert('x')</script> \"a\" & b\nline 2\x01", TRUE);
  g_assert_cmpstr (out->str, ==,
                   "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &quot;a&quot; &amp; b<br>\nline 2");
  g_string_truncate (out, 0);
  /* U+202E (right-to-left override) and U+2067 (isolate) are dropped; other text stays. */
  portero_markup_append_text (out, "abc\xe2\x80\xae" "def\xe2\x81\xa7ñ", FALSE);
  g_assert_cmpstr (out->str, ==, "abcdefñ");
  g_string_truncate (out, 0);
  /* Bytes that are not UTF-8 become U+FFFD, one each, and never end the value early. */
  portero_markup_append_text (out, "a\xff\xfe" "b", FALSE);
  g_assert_cmpstr (out->str, ==, "a\xef\xbf\xbd\xef\xbf\xbd" "b");
  g_string_free (out, TRUE);
}

static void
test_escape_attr (void)
{
  GString *out = g_string_new (NULL);
  portero_markup_append_attr (out, "x\" onload=\"go()\nnext\t'");
  g_assert_cmpstr (out->str, ==, "x&quot; onload=&quot;go() next &#39;");
  g_string_free (out, TRUE);
}

static void
test_url (void)
{
  g_assert_true (portero_markup_url_ok ("https://portal.example.com"));
  g_assert_true (portero_markup_url_ok ("http://portal.example.com/set-password?user=a%40b&code=00"));
  g_assert_true (portero_markup_url_ok ("HTTPS://portal.example.com"));
  g_assert_false (portero_markup_url_ok (NULL));
  g_assert_false (portero_markup_url_ok ("javascript:alert(1)"));
  g_assert_false (portero_markup_url_ok ("JavaScript:alert(1)//https://x"));
  g_assert_false (portero_markup_url_ok ("data:text/html,<b>"));
  g_assert_false (portero_markup_url_ok ("https://"));
  g_assert_false (portero_markup_url_ok ("https:///path"));
  g_assert_false (portero_markup_url_ok ("//portal.example.com"));
  g_assert_false (portero_markup_url_ok ("https://a.example/\" onclick=\"x"));
  g_assert_false (portero_markup_url_ok ("https://a.example/ b"));
  g_assert_false (portero_markup_url_ok ("(one-time link)"));
}

/* The context after feeding TEXT. */
static PorteroMarkupContext
context_after (const char *text)
{
  PorteroMarkupLexer lx;
  portero_markup_lexer_init (&lx);
  portero_markup_lexer_feed (&lx, text, strlen (text));
  return portero_markup_lexer_context (&lx);
}

static void
test_context (void)
{
  g_assert_cmpint (context_after ("<p>Hello "), ==, PORTERO_MARKUP_TEXT);
  g_assert_cmpint (context_after ("<title>"), ==, PORTERO_MARKUP_TEXT);
  g_assert_cmpint (context_after ("<p title=\""), ==, PORTERO_MARKUP_ATTR);
  g_assert_cmpint (context_after ("<p title='x "), ==, PORTERO_MARKUP_ATTR);
  g_assert_cmpint (context_after ("<a href=\""), ==, PORTERO_MARKUP_URL_START);
  g_assert_cmpint (context_after ("<a class=\"b\" HREF = '"), ==, PORTERO_MARKUP_URL_START);
  g_assert_cmpint (context_after ("<a href=\"https://x/?u="), ==, PORTERO_MARKUP_URL_PART);
  g_assert_cmpint (context_after ("<img src=\""), ==, PORTERO_MARKUP_URL_START);
  g_assert_cmpint (context_after ("<p title=\"a\">x</p>"), ==, PORTERO_MARKUP_TEXT);
  g_assert_cmpint (context_after ("<p "), ==, PORTERO_MARKUP_NONE);
  g_assert_cmpint (context_after ("<p title="), ==, PORTERO_MARKUP_NONE);
  g_assert_cmpint (context_after ("<p style=\""), ==, PORTERO_MARKUP_NONE);
  g_assert_cmpint (context_after ("<p onclick=\""), ==, PORTERO_MARKUP_NONE);
  g_assert_cmpint (context_after ("<!-- "), ==, PORTERO_MARKUP_NONE);
  g_assert_cmpint (context_after ("<!-- a -- b --> "), ==, PORTERO_MARKUP_TEXT);
  g_assert_cmpint (context_after ("<style>p { color: red }"), ==, PORTERO_MARKUP_NONE);
  g_assert_cmpint (context_after ("<style>p{}</STYLE"), ==, PORTERO_MARKUP_NONE);
  g_assert_cmpint (context_after ("<style>p{}</style> "), ==, PORTERO_MARKUP_TEXT);
  g_assert_cmpint (context_after ("<script>if (a < b) x = '</p>'"), ==, PORTERO_MARKUP_NONE);
  g_assert_cmpint (context_after ("<!DOCTYPE html><p>"), ==, PORTERO_MARKUP_TEXT);
  g_assert_cmpint (context_after ("a < b and "), ==, PORTERO_MARKUP_TEXT);
}

static void
test_expand_html (void)
{
  const char *values[PORTERO_SNIPPET_COUNT] = { 0 };
  values[PORTERO_SNIPPET_CONTACT_NAME] = "<b onmouseover=\"x\">Eve</b> {[Portal Password]}";
  values[PORTERO_SNIPPET_PORTAL_ADDRESS] = "https://portal.example.com";
  values[PORTERO_SNIPPET_PORTAL_PASSWORD_LINK] = "javascript:alert(1)";
  values[PORTERO_SNIPPET_MY_TICKETS] = "#1 a\n#2 <b>";
  values[PORTERO_SNIPPET_PORTAL_PASSWORD] = "secret";
  g_autofree char *html = portero_template_expand_html (
    "<p title=\"{[Contact Name]}\">{[Contact Name]}</p>"
    "<a href=\"{[Portal Address]}\">{[Portal Address]}</a>"
    "<a href=\"{[Portal Password Link]}\">set</a>"
    "<a href=\"{[Contact Name]}\">no</a>"
    "<a href=\"https://x.example/?n={[Contact Name]}\">q</a>"
    "<p class={[Contact Name]}>{[My Tickets]}</p><!-- {[Portal Password]} -->",
    values, NULL);
  g_assert_cmpstr (html, ==,
                   "<p title=\"&lt;b onmouseover=&quot;x&quot;&gt;Eve&lt;/b&gt; {[Portal Password]}\">"
                   "&lt;b onmouseover=&quot;x&quot;&gt;Eve&lt;/b&gt; {[Portal Password]}</p>"
                   "<a href=\"https://portal.example.com\">https://portal.example.com</a>"
                   "<a href=\"\">set</a>"
                   "<a href=\"\">no</a>"
                   "<a href=\"https://x.example/?n=%3Cb%20onmouseover%3D%22x%22%3EEve%3C%2Fb%3E%20%7B%5BPortal%20Password%5D%7D\">q</a>"
                   "<p class=>#1 a<br>\n#2 &lt;b&gt;</p><!--  -->");
  /* A trusted rendering stands in element text only. */
  const char *trusted[PORTERO_SNIPPET_COUNT] = { 0 };
  trusted[PORTERO_SNIPPET_MY_TICKETS] = "<ul><li>#1 a</li></ul>";
  g_autofree char *with = portero_template_expand_html ("<div>{[My Tickets]}</div><p title=\"{[My Tickets]}\">", values, trusted);
  g_assert_cmpstr (with, ==, "<div><ul><li>#1 a</li></ul></div><p title=\"#1 a #2 &lt;b&gt;\">");
}

/* A greeting whose name is unknown: "Hello," not "Hello ,"; a name, or
 * anything but punctuation after the snippet, leaves the space alone. */
static void
test_empty_greeting (void)
{
  const char *values[PORTERO_SNIPPET_COUNT] = { 0 };
  g_autofree char *text = portero_template_expand ("Hello {[Contact First Name]},\nHola  {[Contact First Name]}:\n"
                                                   "Id {[Contact First Name]} end", values, FALSE);
  g_assert_cmpstr (text, ==, "Hello,\nHola:\nId  end");
  g_autofree char *html = portero_template_expand_html ("<p>Hello {[Contact First Name]},</p><p>a {[Contact First Name]}b</p>",
                                                        values, NULL);
  g_assert_cmpstr (html, ==, "<p>Hello,</p><p>a b</p>");
  values[PORTERO_SNIPPET_CONTACT_FIRST_NAME] = "Ana";
  g_autofree char *named = portero_template_expand ("Hola {[Contact First Name]}:", values, FALSE);
  g_assert_cmpstr (named, ==, "Hola Ana:");
  g_autofree char *named_html = portero_template_expand_html ("<p>Hello {[Contact First Name]},</p>", values, NULL);
  g_assert_cmpstr (named_html, ==, "<p>Hello Ana,</p>");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/markup/escape-text", test_escape_text);
  g_test_add_func ("/markup/escape-attr", test_escape_attr);
  g_test_add_func ("/markup/url", test_url);
  g_test_add_func ("/markup/context", test_context);
  g_test_add_func ("/markup/expand-html", test_expand_html);
  g_test_add_func ("/markup/empty-greeting", test_empty_greeting);
  return g_test_run ();
}
