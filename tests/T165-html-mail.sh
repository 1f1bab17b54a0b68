#!/usr/bin/env bash
# HTML mail: every shipped template pair sent with hostile values, parsed
# back (tests/html-mail-check.py); portero check on HTML templates; template
# render --html; the logo; the copy kept on the ticket.
. "$(dirname "$0")/test-lib.sh"

S=$TMP/state
new_state "$S" "[portal]" "address=https://portal.helpdesk.example"
C=$S/portero.conf
cp -r "$PORTERO_SRCDIR/templates" "$S/templates"
sed -i "s|^templates=.*|templates=$S/templates|" "$C"
p() { portero --config "$C" "$@"; }
sent() { ls "$S/sent/new" | sort; }
last_sent() { echo "$S/sent/new/$(sent | tail -1)"; }
RLO=$'\xe2\x80\xae'
# The first name is the name's first word: the hostile part is in it.
NAME="Eve<script>alert('x')</script>\"&amp;{[Contraseña]}${RLO}evil Smith"
FIRST="Eve<script>alert('x')</script>\"&amp;{[Contraseña]}${RLO}evil"
CUSTOMER="Acme <b>bold</b> & \"Sons\" {[Portal Password Link]}"
TITLE="<img src=x onerror=alert(1)> {[Portal Password]} 'q' ${RLO}txet"

# values LANG: the values the mails of this test expand to, as JSON.
values() {
  /usr/bin/python3 - "$1" "$NAME" "$FIRST" "$CUSTOMER" "$TITLE" <<'PY'
import json, sys
lang, name, first, customer, title = sys.argv[1:]
es = lang == "es"
none = ("No encontramos ningún artículo para su consulta. Responda a este correo y un técnico le contestará."
        if es else "No article matches your question. Reply to this mail and a technician will answer.")
print(json.dumps({
    "Portal Address": "https://portal.helpdesk.example",
    "Portal Username": "eve@acme.example",
    "Contact Name": name, "Contact First Name": first,
    "Customer Name": customer, "Ticket ID": "1", "Ticket Title": title,
    "Ticket Status": "abierto" if es else "open",
    "Support Address": "support@helpdesk.example",
    "Portal Name": "Portal del Cliente" if es else "Customer Portal",
    "Customer Word": "cliente" if es else "customer",
    "Contact Word": "contacto" if es else "contact",
    # no article matches the ticket: none suggested, a sentence when asked
    "Suggested Articles": "", "Suggested Articles (html)": "",
    "Matching Articles": none, "Matching Articles (html)": "<p>%s</p>\n" % none,
}))
PY
}

begin "portero check accepts the shipped HTML templates"
expect_code 0 p check

begin "every shipped template pair, es and en, with hostile values: two alternatives, values inert, the text as the .tmpl says"
expect_code 0 p customer add "$CUSTOMER"
expect_code 0 p contact add eve@acme.example --name "$NAME" --customer "$CUSTOMER" --main --no-welcome
expect_code 0 deliver_to "$S" < <(mail "eve@acme.example" "$TITLE")
expect_eq "$(sql "$S" "select title from tickets where id=1")" "$TITLE"
n=0
for lang in en es; do
  sed -i "s/^language=.*/language=$lang/" "$C"
  values "$lang" > "$TMP/values.$lang.json"
  for t in "$PORTERO_SRCDIR"/templates/*."$lang".html; do
    name=$(basename "$t" ".$lang.html")
    expect_code 0 p ticket reply 1 --template "$name"
    n=$((n + 1))
    expect_eq "$(sent | wc -l)" "$n" "$name.$lang: one mail"
    if ! /usr/bin/python3 "$PORTERO_SRCDIR/tests/html-mail-check.py" "$(last_sent)" \
        "$S/templates/$name.$lang.tmpl" "$S/templates/$name.$lang.html" "$TMP/values.$lang.json" > "$TMP/check.out" 2>&1; then
      fail "$name.$lang: $(cat "$TMP/check.out")"
    fi
  done
done
expect_eq "$n" "18"

begin "the copy on the ticket is the text part, the password masked; its raw copy has the HTML, masked too"
expect_eq "$(sql "$S" "select count(*) from messages where kind='reply' and body like '%<td%'")" "0"
expect_eq "$(sql "$S" "select count(*) from messages where kind='reply' and body like '%********%'")" "6"
W=$(sql "$S" "select max(id) from messages where kind='reply'")
expect_code 0 p message show "$W" --raw
PW=$(/usr/bin/python3 -c 'import email, sys, re
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
print(re.search(r"Contraseña: +(\S+)", m.get_body(preferencelist=("plain",)).get_content()).group(1))' "$(last_sent)")
check [ ${#PW} -ge 14 ]
/usr/bin/python3 - "$TMP/last.out" "$PW" > "$TMP/raw.out" <<'PY'
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
plain, html = (m.get_body(preferencelist=(k,)).get_content() for k in ("plain", "html"))
print(m.get_content_type(), "********" in plain, "********" in html, sys.argv[2] in plain + html, 'href=""' in html)
PY
expect_eq "$(cat "$TMP/raw.out")" "multipart/alternative True True False True"

begin "a hostile value in a link's address is no link; a value later in an address is percent-encoded"
cat > "$S/templates/links.tmpl" <<'T'
Subject: Links

{[Portal Address]}
T
cat > "$S/templates/links.html" <<'T'
<p><a href="{[Portal Address]}">portal</a> <a href="https://example.com/?who={[Contact Name]}">who</a>
<span title="{[Ticket Title]}">{[Ticket Title]}</span></p>
T
sed -i "s|^address=.*|address=javascript:alert(1)//https://x|" "$C"
expect_code 0 p ticket reply 1 --template links
H=$(/usr/bin/python3 -c 'import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
print(m.get_body(preferencelist=("html",)).get_content())' "$(last_sent)")
check grep -q '<a href="">portal</a>' <<< "$H"
check grep -qF 'href="https://example.com/?who=Eve%3Cscript%3Ealert%28%27x%27%29%3C%2Fscript%3E%22%26amp%3B%7B%5BContrase%C3%B1a%5D%7D%E2%80%AEevil%20Smith"' <<< "$H"
check grep -qF 'title="&lt;img src=x onerror=alert(1)&gt; {[Portal Password]} &#39;q&#39; txet"' <<< "$H"
sed -i "s|^address=.*|address=https://portal.helpdesk.example|" "$C"

begin "template render --html prints the HTML part; a template without one is a user error"
sed -i "s/^language=.*/language=en/" "$C"
expect_code 0 p template render welcome --html --contact eve@acme.example
check grep -q '^<!DOCTYPE html>' "$TMP/last.out"
check grep -qF 'Eve&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;amp;{[Contraseña]}evil,' "$TMP/last.out"
check grep -qF '<a href="https://portal.helpdesk.example" style="color:#1f5f8b;">https://portal.helpdesk.example</a>' "$TMP/last.out"
rm "$S/templates/links.html"
expect_code 1 p template render links --html
check grep -q "has no HTML version" "$TMP/last.err"
expect_code 0 p template render links

begin "portero check names FILE:LINE for what an HTML template must not do"
mkdir -p "$TMP/bad"
printf 'Subject: Hi\n\nHello {[Contact Name]}\n' > "$TMP/bad/hi.tmpl"
cat > "$TMP/bad/hi.html" <<'T'
Subject: Hello

<html><body>
<p onclick="go()">Hi {[Contact Name]}</p>
<script>alert(1)</script>
<img src="https://tracker.example/p.gif" alt="">
<a href="{[Contact Name]}">x</a>
<div style="background:url(http://x.example/y.png)">{[Nope]}</div>
<p title={[Contact Name]}>q</p>
<p>{[Portal Password]}</p>
<blink>x</p>
</body></html>
T
printf '<p>alone</p>\n' > "$TMP/bad/alone.html"
sed -e "s|^templates=.*|templates=$TMP/bad|" -e "s|^welcome-template=.*||" "$C" > "$S/bad.conf"
printf '[mail]\nwelcome-email=false\n' >> "$S/bad.conf"
expect_code 1 portero --config "$S/bad.conf" check
for want in \
  "hi.html:1: Subject: differs from the one in" \
  "hi.html:4: onclick=: no event handlers" \
  "hi.html:5: <script>" \
  "hi.html:6: src=\"https://tracker.example/p.gif\": an external resource" \
  "hi.html:7: \"{[Contact Name]}\" starts a link or image address" \
  "hi.html:8: style= loads an external resource" \
  "hi.html:8: unknown snippet \"{[Nope]}\"" \
  "hi.html:9: \"{[Contact Name]}\" stands inside a tag" \
  "hi.html:3: \"{[Portal Password]}\" is not in" \
  "hi.html:11: HTML: Tag blink invalid" \
  "alone.html:0: no $TMP/bad/alone.tmpl beside it"; do
  check grep -qF "$want" "$TMP/last.err"
done

begin "a delivery that uses a broken HTML template sends nothing and notes why"
cp "$TMP/bad/hi.tmpl" "$S/templates/welcome.en.tmpl"
cp "$TMP/bad/hi.html" "$S/templates/welcome.en.html"
before=$(sent | wc -l)
expect_code 0 deliver_to "$S" < <(mail "Bob <bob@acme.example>" "Hello")
expect_eq "$(sent | wc -l)" "$before"
check [ "$(sql "$S" "select count(*) from messages where kind='note' and body like '%welcome.en.html%'")" -ge 1 ]
cp "$PORTERO_SRCDIR/templates/welcome.en.tmpl" "$PORTERO_SRCDIR/templates/welcome.en.html" "$S/templates/"

begin "[mail] logo: the HTML and its image in multipart/related, shown as cid:logo"
# A 1x1 PNG.
printf '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82' > "$S/logo.png"
sed -i 's|^\[mail\]$|[mail]\nlogo=logo.png|' "$C"
sed -i 's|<td style="background-color:#1f5f8b; color:#ffffff; padding:18px 24px; font-size:20px; font-weight:bold; border-radius:6px 6px 0 0;">|&<img src="cid:logo" alt="" height="32"> |' "$S/templates/welcome.en.html"
expect_code 0 p check
expect_code 0 p ticket reply 1 --template welcome
/usr/bin/python3 - "$(last_sent)" "$S/logo.png" > "$TMP/logo.out" <<'PY'
import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
plain, related = m.iter_parts()
html, image = related.iter_parts()
print(m.get_content_type(), plain.get_content_type(), related.get_content_type(), related.get_param("type"),
      html.get_content_type(), image.get_content_type(), image["Content-ID"],
      image.get_content() == open(sys.argv[2], "rb").read(), 'src="cid:logo"' in html.get_content())
PY
expect_eq "$(cat "$TMP/logo.out")" "multipart/alternative text/plain multipart/related text/html text/html image/png <logo> True True"
printf 'not an image\n' > "$S/logo.png"
before=$(sent | wc -l)
expect_code 1 p ticket reply 1 --template welcome
check grep -q "is not a PNG, JPEG or GIF image" "$TMP/last.err"
expect_eq "$(sent | wc -l)" "$before"

test_done
