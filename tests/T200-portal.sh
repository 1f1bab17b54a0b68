#!/usr/bin/env bash
# The customer portal (portero-portal), run as CGI with raw requests: the
# security headers, sign-in and its throttling, sessions voided by a
# password change, CSRF and Origin refusal, another customer's objects as
# 404, a one-time link whose code leaves the address, tickets opened and
# answered through intake, script rendered inert, attachments as downloads.
# The web server's part (lighttpd) and a real browser: T201-portal-browser.sh.
. "$(dirname "$0")/test-lib.sh"

PORTAL_BIN=$PORTERO_BUILDDIR/portero-portal
S=$TMP/state
new_state "$S" "[portal]" "address=http://127.0.0.1:8080/portal"
C=$S/portero.conf
p() { portero --config "$C" "$@"; }
# As root (CI), the web server's user runs the CGI and owns the state.
if [ "$(id -u)" -eq 0 ]; then
  chown -R nobody:nogroup "$S"
  as_web() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
else
  as_web() { "$@"; }
fi

# cgi METHOD PATH [BODY]: one request, as a web server makes it; COOKIE,
# ORIGIN, CLIENT, LANGH, SITE, UA set the matching variables. The answer (CGI
# headers, a blank line, the page) goes to $TMP/resp, the page alone to
# $TMP/body.
COOKIE="" ORIGIN="http://127.0.0.1:8080" CLIENT=192.0.2.1 LANGH="" SITE="" UA=""
cgi() {
  local method=$1 path=$2 body=${3:-} q=""
  case $path in *\?*) q=${path#*\?}; path=${path%%\?*} ;; esac
  printf '%s' "$body" > "$TMP/req"
  local rc=0
  as_web env -i PATH=/usr/bin:/bin PORTERO_CONFIG="$C" PORTERO_LOCALEDIR="$PORTERO_BUILDDIR/po/locale" \
    ${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} ${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
    ${LSAN_OPTIONS:+LSAN_OPTIONS="$LSAN_OPTIONS"} \
    REQUEST_METHOD="$method" PATH_INFO="$path" QUERY_STRING="$q" SCRIPT_NAME=/portal \
    CONTENT_LENGTH="$(wc -c < "$TMP/req")" HTTP_COOKIE="$COOKIE" ${ORIGIN:+HTTP_ORIGIN="$ORIGIN"} \
    ${SITE:+HTTP_SEC_FETCH_SITE="$SITE"} ${UA:+HTTP_USER_AGENT="$UA"} REMOTE_ADDR="$CLIENT" HTTP_ACCEPT_LANGUAGE="$LANGH" \
    $PORTERO_WRAPPER "$PORTAL_BIN" < "$TMP/req" > "$TMP/resp" 2>"$TMP/cgi.err" || rc=$?
  # the program always answers and exits 0: anything else is a crash (or a sanitizer's report)
  [ "$rc" -eq 0 ] || fail "portero-portal $method $path: exit $rc: $(head -c 600 "$TMP/cgi.err")"
  sed -n '/^\r$/q;p' "$TMP/resp" | tr -d '\r' > "$TMP/head"
  sed '1,/^\r$/d' "$TMP/resp" > "$TMP/body"
}
status() { sed -n 's/^Status: \([0-9]*\).*/\1/p' "$TMP/head"; }
header() { sed -n "s/^$1: //p" "$TMP/head" | head -1; }
cookie_of() { sed -n "s/^Set-Cookie: $1=\([^;]*\).*/\1/p" "$TMP/head" | tail -1; }
csrf_of() { sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' "$TMP/body" | head -1; }
urlenc() { /usr/bin/python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
# signin ADDRESS PASSWORD: a fresh visitor signs in; SESSION is its cookie.
signin() {
  COOKIE=""
  cgi GET /sign-in
  local pre; pre=$(cookie_of portero-csrf)
  COOKIE="portero-csrf=$pre"
  cgi POST /sign-in "csrf=$pre&address=$(urlenc "$1")&password=$(urlenc "$2")"
  SESSION=$(cookie_of portero)
  COOKIE="portero=$SESSION"
}
# unwrapped CMD...: CMD without $PORTERO_WRAPPER. For the repeats of one
# request (the throttling subtests' wrong passwords): valgrind sees the first
# and the answers that differ; the ones between run the same code.
unwrapped() { local PORTERO_WRAPPER=""; "$@"; }
# csrf of the signed-in page at PATH
page_csrf() { cgi GET "$1"; csrf_of; }
# mail_find REGEX FILE: the first group of REGEX in the text of mail FILE.
mail_find() {
  /usr/bin/python3 -c 'import email, re, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[2], "rb"), policy=policy.default)
f = re.search(sys.argv[1], m.get_body(preferencelist=("plain",)).get_content())
print(f.group(1) if f else "")' "$1" "$2"
}
# reset_link: the one-time link of the reset mail in $S/sent, waiting for it
# (60 s at most). Chosen by content: another mail, such as the notice of a
# password change that the portal sends after answering, may land beside it.
reset_link() {
  /usr/bin/python3 -c 'import email, glob, re, sys, time
from email import policy
for _ in range(600):
    for path in sorted(glob.glob(sys.argv[1] + "/new/*")):
        m = email.message_from_binary_file(open(path, "rb"), policy=policy.default)
        f = re.search(r"(http://127.0.0.1:8080/portal/set-password\?\S+)", m.get_body(preferencelist=("plain",)).get_content())
        if f:
            print(f.group(1))
            sys.exit(0)
    time.sleep(0.1)' "$S/sent"
}
password_of() { p contact reset-password "$1" --print | tail -1; }

expect_code 0 p customer add "Acme Corporation"
expect_code 0 p customer domain add "Acme Corporation" acme.example
expect_code 0 p customer add "Globex"
expect_code 0 p contact add ann@acme.example --name "Ann Smith" --customer "Acme Corporation" --main --no-welcome
expect_code 0 p contact add carl@acme.example --name "Carl Jones" --customer "Acme Corporation" --no-welcome
expect_code 0 p contact add bob@globex.example --name "Bob Stone" --customer "Globex" --no-welcome
ANN=$(password_of ann@acme.example)
CARL=$(password_of carl@acme.example)
BOB=$(password_of bob@globex.example)
expect_code 0 deliver_to "$S" < <(mail "Ann Smith <ann@acme.example>" "The printer on the second floor is jammed")
expect_code 0 deliver_to "$S" < <(mail "Bob Stone <bob@globex.example>" "Globex VPN secret plans")
expect_code 0 deliver_to "$S" < <(mail "Carl Jones <carl@acme.example>" "Carl's monitor flickers")

begin "the portal refuses to run as root"
if [ "$(id -u)" -eq 0 ]; then
  env -i REQUEST_METHOD=GET PATH_INFO=/sign-in PORTERO_CONFIG="$C" "$PORTAL_BIN" > "$TMP/root.out" 2>/dev/null
  check grep -q "^Status: 500" "$TMP/root.out"
  check grep -q "refuses to run as root" "$TMP/root.out"
else
  skip "not root here"
fi

begin "every page carries the security headers; private pages are not cached"
cgi GET /sign-in
expect_eq "$(status)" 200
csp=$(header Content-Security-Policy)
check grep -q "default-src 'none'" <<< "$csp"
check grep -q "frame-ancestors 'none'" <<< "$csp"
expect_eq "$(header X-Content-Type-Options)" nosniff
expect_eq "$(header Referrer-Policy)" no-referrer
expect_eq "$(header Cache-Control)" no-store
check grep -q '<html lang="en">' "$TMP/body"
check grep -q '<label>Mail address<input name="address" type="email"' "$TMP/body"
check test "$(grep -c '<script' "$TMP/body")" = 0

begin "plain http on localhost: the cookie is HttpOnly, SameSite=Lax, not Secure, no __Host- prefix"
signin ann@acme.example "$ANN"
expect_eq "$(status)" 303
expect_eq "$(header Location)" /portal/tickets
check grep -q '^Set-Cookie: portero=[0-9a-f]\{64\}; Path=/; HttpOnly; SameSite=Lax$' "$TMP/head"
# only a hash of the token is stored
check test "$(sql "$S" "select count(*) from portal_sessions where token_hash = '$SESSION'")" = 0
check test "$(sql "$S" "select count(*) from portal_sessions")" -ge 1

begin "over https: __Host-portero, Secure, and HSTS"
sed -i 's|^address=http://127.0.0.1:8080/portal|address=https://portal.acme.example|' "$C"
ORIGIN=https://portal.acme.example
cgi GET /sign-in
check grep -q '^Set-Cookie: __Host-portero-csrf=[0-9a-f]\{64\}; Path=/; HttpOnly; SameSite=Lax; Secure$' "$TMP/head"
check grep -q '^Strict-Transport-Security:' "$TMP/head"
sed -i 's|^address=https://portal.acme.example|address=http://127.0.0.1:8080/portal|' "$C"
ORIGIN=http://127.0.0.1:8080

begin "signed out, private pages lead to the sign-in page"
COOKIE=""
cgi GET /tickets
expect_eq "$(status)" 303
expect_eq "$(header Location)" /portal/sign-in

begin "my tickets, with status; one ticket's thread without internal notes"
signin ann@acme.example "$ANN"
cgi GET /tickets
expect_eq "$(status)" 200
check grep -q "The printer on the second floor is jammed" "$TMP/body"
check grep -q '<span class="status">open</span>' "$TMP/body"
check test "$(grep -c "Carl's monitor\|Carl&#39;s monitor" "$TMP/body")" = 0
sql "$S" "insert into messages(ticket_id, kind, date, body) values (1, 'note', '2026-11-24T10:00:00Z', 'INTERNAL-ONLY remark')"
cgi GET /ticket/1
expect_eq "$(status)" 200
check grep -q "this is a test" "$TMP/body"
check test "$(grep -c INTERNAL-ONLY "$TMP/body")" = 0

begin "another customer's ticket, message attachment or a colleague's ticket is 404, as one that does not exist"
cgi GET /ticket/999
expect_eq "$(status)" 404
cp "$TMP/body" "$TMP/none.html"
cgi GET /ticket/2
expect_eq "$(status)" 404
check cmp -s "$TMP/body" "$TMP/none.html"
check test "$(grep -c "Globex" "$TMP/body")" = 0
cgi GET /attachment/2/1
expect_eq "$(status)" 404
signin carl@acme.example "$CARL"
cgi GET /ticket/1
expect_eq "$(status)" 404
cgi GET /company
expect_eq "$(status)" 404

begin "a main contact sees the company's tickets, never another company's"
signin ann@acme.example "$ANN"
cgi GET /company
expect_eq "$(status)" 200
check grep -q "Carl&#39;s monitor flickers" "$TMP/body"
check grep -q "carl@acme.example" "$TMP/body"
check test "$(grep -c "Globex VPN" "$TMP/body")" = 0
cgi GET /ticket/3
expect_eq "$(status)" 200

begin "a POST without the CSRF token, with a stale one, or from another origin is refused; a GET changes nothing"
signin ann@acme.example "$ANN"
token=$(page_csrf /new)
n=$(sql "$S" "select count(*) from tickets")
cgi POST /new "title=forged&text=forged"
expect_eq "$(status)" 403
cgi POST /new "csrf=$(printf '%064d' 0)&title=forged&text=forged"
expect_eq "$(status)" 403
ORIGIN=https://evil.example cgi POST /new "csrf=$token&title=forged&text=forged"
expect_eq "$(status)" 403
ORIGIN="" cgi POST /new "csrf=$token&title=forged&text=forged"
expect_eq "$(status)" 403
ORIGIN=null SITE=cross-site cgi POST /new "csrf=$token&title=forged&text=forged"
expect_eq "$(status)" 403
cgi GET "/new?title=forged&text=forged"
expect_eq "$(status)" 200
expect_eq "$(sql "$S" "select count(*) from tickets")" "$n"
# a stale token: the one of a session that ended
old=$SESSION
cgi POST /sign-out "csrf=$token"
expect_eq "$(status)" 303
COOKIE="portero=$old"
cgi POST /new "csrf=$token&title=forged&text=forged"
expect_eq "$(status)" 403
expect_eq "$(sql "$S" "select count(*) from tickets")" "$n"

begin "a new ticket and a reply go through intake (source=portal); script in a title renders inert"
signin ann@acme.example "$ANN"
token=$(page_csrf /new)
# Origin null with Sec-Fetch-Site same-origin: a browser under no-referrer
ORIGIN=null SITE=same-origin cgi POST /new "csrf=$token&title=$(urlenc '<script>alert(1)</script><img src=x onerror=alert(2)>')&text=$(urlenc 'Body <b>bold</b> & <script>alert(3)</script>')"
expect_eq "$(status)" 303
t=$(header Location); t=${t##*/}
expect_eq "$(sql "$S" "select source from tickets where id = $t")" portal
expect_eq "$(sql "$S" "select from_addr from messages where ticket_id = $t")" ann@acme.example
cgi GET "/ticket/$t"
expect_eq "$(status)" 200
check test "$(grep -c '<script\|<img\|<b>' "$TMP/body")" = 0
check grep -q '&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;' "$TMP/body"
check grep -q 'Body &lt;b&gt;bold&lt;/b&gt; &amp; &lt;script&gt;' "$TMP/body"
token=$(csrf_of)
cgi POST "/ticket/$t" "csrf=$token&text=$(urlenc 'Any news on this?')"
expect_eq "$(status)" 303
expect_eq "$(sql "$S" "select count(*) from messages where ticket_id = $t and kind = 'mail'")" 2
cgi GET "/ticket/$t"
check grep -q "Any news on this?" "$TMP/body"
# a title from mail, too
expect_code 0 deliver_to "$S" < <(mail "Ann Smith <ann@acme.example>" '<script>alert("mail")</script>')
cgi GET /tickets
check test "$(grep -c '<script' "$TMP/body")" = 0
check grep -q '&lt;script&gt;alert(&quot;mail&quot;)' "$TMP/body"

begin "[Credenciales del Portal] opened in the portal mails the credentials; the pending password works once signed in"
rm -rf "$S/sent"
token=$(page_csrf /new)
cgi POST /new "csrf=$token&title=$(urlenc '[Credenciales del Portal]')&text=$(urlenc 'Please send me my password')"
expect_eq "$(status)" 303
check test "$(ls "$S/sent/new" 2>/dev/null | wc -l)" = 1
mailfile=$(ls "$S"/sent/new/* 2>/dev/null | head -1)
check grep -qi "^To: .*ann@acme.example" "$mailfile"
NEWPW=$(mail_find '(?i)password: *(\S+)' "$mailfile")
check test -n "$NEWPW"
# the copy on the ticket shows no password
t=$(header Location); t=${t##*/}
cgi GET "/ticket/$t"
check test "$(grep -c -- "$NEWPW" "$TMP/body")" = 0
signin ann@acme.example "$NEWPW"
expect_eq "$(status)" 303
signin ann@acme.example "$ANN"
expect_eq "$(status)" 200
ANN=$NEWPW

begin "a password change voids every session, the one that made it goes on in a new one"
signin ann@acme.example "$ANN"
A=$SESSION
signin ann@acme.example "$ANN"
B=$SESSION
COOKIE="portero=$A"
token=$(page_csrf /password)
cgi POST /password "csrf=$token&current=$(urlenc "$ANN")&password=correct-horse-battery&password2=correct-horse-battery"
expect_eq "$(status)" 303
A2=$(cookie_of portero)
check test -n "$A2" -a "$A2" != "$A"
COOKIE="portero=$B"
cgi GET /tickets
expect_eq "$(status)" 303
COOKIE="portero=$A"
cgi GET /tickets
expect_eq "$(status)" 303
COOKIE="portero=$A2"
cgi GET /tickets
expect_eq "$(status)" 200
ANN=correct-horse-battery

begin "a contact's sessions: when and where each was opened, this one marked; sign out everywhere else (POST, CSRF)"
CLIENT=198.51.100.21 UA="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" signin ann@acme.example "$ANN"
OTHER=$SESSION
CLIENT=198.51.100.31 UA="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0" signin bob@globex.example "$BOB"
BOBS=$SESSION
CLIENT=198.51.100.22 UA="Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36" \
  signin ann@acme.example "$ANN"
MINE=$SESSION
cgi GET /sessions
expect_eq "$(status)" 200
expect_eq "$(header Cache-Control)" no-store
check grep -q '198.51.100.21' "$TMP/body"
check grep -q 'Firefox, Linux' "$TMP/body"
check grep -q '198.51.100.22' "$TMP/body"
check grep -q 'Chrome, Windows' "$TMP/body"
check test "$(grep -c '198.51.100.31' "$TMP/body")" = 0
# "this session" on the row of the one that asks, and on no other
check grep -q 'Chrome, Windows <strong class="this">(this session)</strong>' "$TMP/body"
expect_eq "$(grep -o '(this session)' "$TMP/body" | wc -l)" 1
token=$(csrf_of)
n=$(sql "$S" "select count(*) from portal_sessions")
cgi POST /sessions "csrf=$(printf '%064d' 0)"
expect_eq "$(status)" 403
cgi GET "/sessions?csrf=$token"
expect_eq "$(sql "$S" "select count(*) from portal_sessions")" "$n"
cgi POST /sessions "csrf=$token"
expect_eq "$(status)" 303
expect_eq "$(header Location)" "/portal/sessions?done=1"
expect_eq "$(sql "$S" "select count(*) from portal_sessions where contact_id = (select contact_id from contact_emails where email = 'ann@acme.example')")" 1
cgi GET /sessions
expect_eq "$(status)" 200
check test "$(grep -c '198.51.100.21\|Sign out everywhere else' "$TMP/body")" = 0
COOKIE="portero=$OTHER"
cgi GET /tickets
expect_eq "$(status)" 303
COOKIE="portero=$BOBS"
cgi GET /tickets
expect_eq "$(status)" 200
COOKIE="portero=$MINE"
cgi GET /tickets
expect_eq "$(status)" 200

begin "a chosen password has at least 12 characters"
signin ann@acme.example "$ANN"
token=$(page_csrf /password)
cgi POST /password "csrf=$token&current=$(urlenc "$ANN")&password=elevenchars&password2=elevenchars"
expect_eq "$(status)" 200
check grep -q "at least 12 characters" "$TMP/body"
signin ann@acme.example elevenchars
check test -z "$SESSION"

begin "a technician's reset voids the portal sessions too"
signin carl@acme.example "$CARL"
CARL=$(password_of carl@acme.example)
cgi GET /tickets
expect_eq "$(status)" 303

begin "the one-time link: the code leaves the address at once; the link works once"
rm -rf "$S/sent"
expect_code 0 p contact request-reset carl@acme.example
link=$(reset_link)
check test -n "$link"
COOKIE=""
cgi GET "${link#http://127.0.0.1:8080/portal}"
expect_eq "$(status)" 303
expect_eq "$(header Location)" /portal/set-password
reset=$(cookie_of portero-reset)
check test -n "$reset"
COOKIE="portero-reset=$reset"
cgi GET /set-password
pre=$(cookie_of portero-csrf)
COOKIE="portero-reset=$reset; portero-csrf=$pre"
cgi POST /set-password "csrf=$pre&password=chosen-by-carl&password2=chosen-by-carl"
expect_eq "$(status)" 303
expect_eq "$(header Location)" "/portal/sign-in?done=1"
signin carl@acme.example chosen-by-carl
expect_eq "$(status)" 303
COOKIE="portero-reset=$reset; portero-csrf=$pre"
cgi POST /set-password "csrf=$pre&password=another-one-x&password2=another-one-x"
expect_eq "$(status)" 200
check grep -q "invalid or has expired" "$TMP/body"

begin "a password change, in the portal or with a one-time link, mails the contact a notice through SMTP, no secret in it"
SINK_DIR=$TMP/inbox
mkdir -p "$SINK_DIR"
rm -f "$TMP/port"
/usr/bin/python3 "$TESTS_DIR/smtp-sink.py" --dir "$SINK_DIR" --port-file "$TMP/port" --lifetime 300 &
sink=$!
at_exit "kill $sink 2>/dev/null"
for i in $(seq 1 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
sed -i "s/^transport=maildir$/transport=smtp\nhost=127.0.0.1\nport=$(cat "$TMP/port")\nstarttls=never\ntimeout=5/" "$C"
# wait_inbox N: the sink holds N mails (60 s at most: the portal sends after it answers, slowly under valgrind)
wait_inbox() { for i in $(seq 1 600); do [ "$(ls "$SINK_DIR"/*.eml 2>/dev/null | wc -l)" -ge "$1" ] && break; sleep 0.1; done; }
notices=$(sql "$S" "select count(*) from outbox where kind = 'password-change' and status = 'sent'")
signin carl@acme.example chosen-by-carl
token=$(page_csrf /password)
cgi POST /password "csrf=$token&current=chosen-by-carl&password=carl-second-choice&password2=carl-second-choice"
expect_eq "$(status)" 303
wait_inbox 1
expect_eq "$(ls "$SINK_DIR"/*.eml 2>/dev/null | wc -l)" 1
notice=$(ls "$SINK_DIR"/*.eml | head -1)
check grep -qi "^To: .*carl@acme.example" "$notice"
check grep -q "^Subject: Your portal password was changed" "$notice"
check grep -q "^Auto-Submitted: auto-generated" "$notice"
check grep -q "has just been changed" <<< "$(mail_find '(?s)(.*)' "$notice")"
check test "$(grep -c "carl-second-choice\|chosen-by-carl\|set-password" "$notice")" = 0
# the link: a reset mail, then the notice once the new password is set
expect_code 0 p contact request-reset carl@acme.example
wait_inbox 2
link=$(mail_find '(http://127.0.0.1:8080/portal/set-password\?\S+)' "$(ls -t "$SINK_DIR"/*.eml | head -1)")
check test -n "$link"
COOKIE=""
cgi GET "${link#http://127.0.0.1:8080/portal}"
reset=$(cookie_of portero-reset)
COOKIE="portero-reset=$reset"
cgi GET /set-password
pre=$(cookie_of portero-csrf)
COOKIE="portero-reset=$reset; portero-csrf=$pre"
cgi POST /set-password "csrf=$pre&password=chosen-by-carl&password2=chosen-by-carl"
expect_eq "$(status)" 303
wait_inbox 3
expect_eq "$(ls "$SINK_DIR"/*.eml 2>/dev/null | wc -l)" 3
notice=$(ls -t "$SINK_DIR"/*.eml | head -1)
check grep -q "^Subject: Your portal password was changed" "$notice"
check test "$(grep -c "chosen-by-carl\|set-password" "$notice")" = 0
expect_eq "$(sql "$S" "select count(*) from outbox where kind = 'password-change' and status = 'sent'")" $((notices + 2))
kill "$sink" 2>/dev/null; wait "$sink" 2>/dev/null
sed -i -e '/^host=127.0.0.1$/d' -e '/^port=[0-9]*$/d' -e '/^starttls=never$/d' -e '/^timeout=5$/d' \
  -e 's/^transport=smtp$/transport=maildir/' "$C"

begin "forgot password: the same answer for every address, no sooner than the minimum; a link only for a contact"
rm -rf "$S/sent"
COOKIE=""
cgi GET /forgot
pre=$(cookie_of portero-csrf)
COOKIE="portero-csrf=$pre"
t0=$(date +%s%N)
cgi POST /forgot "csrf=$pre&address=carl%40acme.example"
t1=$(date +%s%N)
expect_eq "$(status)" 200
sed 's/[0-9a-f]\{64\}/TOKEN/g' "$TMP/body" > "$TMP/known.html"
wait_mail "$S/sent" 1
expect_eq "$(ls "$S/sent/new" 2>/dev/null | wc -l)" 1
check grep -qi "^To: .*carl@acme.example" "$(ls -d "$S"/sent/new/* | head -1)"
cgi POST /forgot "csrf=$pre&address=nobody%40acme.example"
t2=$(date +%s%N)
expect_eq "$(status)" 200
sed 's/[0-9a-f]\{64\}/TOKEN/g' "$TMP/body" > "$TMP/unknown.html"
check cmp -s "$TMP/known.html" "$TMP/unknown.html"
check grep -q "one-time link" "$TMP/body"
check test $(((t1 - t0) / 1000000)) -ge 500
check test $(((t2 - t1) / 1000000)) -ge 500
sleep 0.5
expect_eq "$(ls "$S/sent/new" 2>/dev/null | wc -l)" 1
expect_eq "$(sql "$S" "select count(*) from outbox where recipient like '%nobody%'")" 0

begin "an attachment of one's own ticket downloads, name sanitised; another's is 404"
{
  printf 'From: Ann Smith <ann@acme.example>\r\nTo: support@helpdesk.example\r\nSubject: Screenshot of the error\r\n'
  printf 'Message-ID: <att@test.example>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0100\r\nMIME-Version: 1.0\r\n'
  printf 'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n'
  printf -- '--b\r\nContent-Type: text/html\r\nContent-Disposition: attachment; filename="../../etc/<evil>.html"\r\n\r\n'
  printf '<script>alert(1)</script>\r\n--b--\r\n'
} | deliver_to "$S"
m=$(sql "$S" "select id from messages where message_id = 'att@test.example'")
t=$(sql "$S" "select ticket_id from messages where id = $m")
signin ann@acme.example "$ANN"
cgi GET "/ticket/$t"
check grep -q "href=\"/portal/attachment/$m/1\"" "$TMP/body"
cgi GET "/attachment/$m/1"
expect_eq "$(status)" 200
expect_eq "$(header Content-Type)" application/octet-stream
check grep -q '^Content-Disposition: attachment; filename="' "$TMP/head"
check test "$(header Content-Disposition | grep -c '/')" = 0
check grep -q '<script>alert(1)</script>' "$TMP/body"
cgi GET "/attachment/$m/2"
expect_eq "$(status)" 404
signin bob@globex.example "$BOB"
cgi GET "/attachment/$m/1"
expect_eq "$(status)" 404

begin "knowledge base: each reader sees what the article's visibility allows, nothing else is found"
mkdir -p "$S/kb"
art() { printf 'Title: %s\nKeywords: printer\nVisibility: %s\n\nThe printer article for %s, with <b>markup</b>.\n' "$2" "$3" "$2" > "$S/kb/$1.en.md"; }
art open "Printer for everyone" public
art mine "Printer for customers" customers
art staff "Printer internals" internal
art globex "Printer at Globex" "customer Globex"
sed -i 's|^\[portero\]$|[portero]\nkb=kb|' "$C"
[ "$(id -u)" -eq 0 ] && chown -R nobody:nogroup "$S/kb"
if on_pgsql && ! p kb sync >/dev/null 2>&1; then
  skip "portero kb sync does not index on PostgreSQL yet"
else
expect_code 0 p kb sync
COOKIE=""
cgi GET /kb
check grep -q "Printer for everyone" "$TMP/body"
check test "$(grep -c "Printer for customers\|Printer internals\|Printer at Globex" "$TMP/body")" = 0
cgi GET /kb/mine
expect_eq "$(status)" 404
signin ann@acme.example "$ANN"
cgi GET /kb
check grep -q "Printer for customers" "$TMP/body"
check test "$(grep -c "Printer internals\|Printer at Globex" "$TMP/body")" = 0
cgi GET /kb/globex
expect_eq "$(status)" 404
cgi GET /kb/staff
expect_eq "$(status)" 404
cgi GET /kb/mine
expect_eq "$(status)" 200
check grep -q "The printer article for Printer for customers" "$TMP/body"
check test "$(grep -c '<b>markup' "$TMP/body")" = 0
signin bob@globex.example "$BOB"
cgi GET "/kb?q=printer"
check grep -q "Printer at Globex" "$TMP/body"
check test "$(grep -c "Printer internals" "$TMP/body")" = 0
fi

begin "20 wrong passwords from one client are throttled: then even the right one is refused"
CLIENT=198.51.100.7
signin user1@acme.example wrong-password
for i in $(seq 2 20); do unwrapped signin "user$i@acme.example" wrong-password; done
expect_eq "$(status)" 200
signin carl@acme.example chosen-by-carl
expect_eq "$(status)" 429
check test -z "$SESSION"
CLIENT=198.51.100.8
signin carl@acme.example chosen-by-carl
expect_eq "$(status)" 303

begin "per contact: auth-failures-per-hour wrong passwords, from anywhere, refuse the right one with the same answer"
CLIENT=203.0.113.1 signin bob@globex.example wrong-password
for i in $(seq 2 10); do CLIENT=203.0.113.$i unwrapped signin bob@globex.example wrong-password; done
cp "$TMP/body" "$TMP/wrong.html"
CLIENT=203.0.113.99 signin bob@globex.example "$BOB"
expect_eq "$(status)" 200
check test -z "$SESSION"
sed 's/[0-9a-f]\{64\}/TOKEN/g' "$TMP/body" > "$TMP/a.html"
sed 's/[0-9a-f]\{64\}/TOKEN/g' "$TMP/wrong.html" > "$TMP/b.html"
check cmp -s "$TMP/a.html" "$TMP/b.html"

begin "Spanish from Accept-Language, IT wording from [portero] mode"
LANGH="es-ES,es;q=0.9,en;q=0.8"
COOKIE=""
cgi GET /sign-in
check grep -q '<html lang="es">' "$TMP/body"
check grep -q 'Portal de Clientes' "$TMP/body"
check grep -q 'Iniciar sesión' "$TMP/body"
LANGH=""
sed -i 's/^language=en/language=en\nmode=it/' "$C"
cgi GET /sign-in
check grep -q 'Service Portal' "$TMP/body"
sed -i '/^mode=it/d' "$C"

begin "dates in the reader's language, in [portal] timezone"
sql "$S" "update tickets set updated = '2026-11-24T10:05:00Z' where id = 1"
sed -i 's|^\[portal\]$|[portal]\ntimezone=Europe/Madrid|' "$C"
signin ann@acme.example "$ANN"
cgi GET /tickets
check grep -q '<time datetime="2026-11-24T10:05:00Z">24 November 2026, 11:05 CET</time>' "$TMP/body"
check test "$(grep -c '>2026-11-24T10:05:00Z<' "$TMP/body")" = 0
LANGH="es"
cgi GET /tickets
check grep -q '<time datetime="2026-11-24T10:05:00Z">24 de noviembre de 2026, 11:05 CET</time>' "$TMP/body"
LANGH=""
sed -i 's|^timezone=Europe/Madrid$|timezone=America/New_York|' "$C"
cgi GET /tickets
check grep -q '>24 November 2026, 05:05 EST</time>' "$TMP/body"
sed -i '/^timezone=/d' "$C"

begin "[portal] breached-passwords: a listed password is refused at /password and /set-password, another is taken; a list that cannot be read sets none"
CLIENT=192.0.2.77
expect_code 0 p contact add dora@acme.example --name "Dora Diaz" --customer "Acme Corporation" --no-welcome
DORA=$(password_of dora@acme.example)
BREACHED="Summer2026!Summer"
# made as portero.conf(5) says: lower case, LF, no counts
for w in "$BREACHED" "iloveyou-forever" "letmein-letmein"; do printf '%s' "$w" | sha1sum | cut -c1-40; done \
  | LC_ALL=C sort > "$S/pwned.txt"
sed -i -e 's|^\[portal\]$|[portal]\nbreached-passwords=pwned.txt|' -e 's|^\[portero\]$|[portero]\nlog=stderr|' "$C"
signin dora@acme.example "$DORA"
token=$(page_csrf /password)
cgi POST /password "csrf=$token&current=$(urlenc "$DORA")&password=$(urlenc "$BREACHED")&password2=$(urlenc "$BREACHED")"
expect_eq "$(status)" 200
check grep -q "This password has appeared in a data breach; choose another." "$TMP/body"
LANGH=es cgi POST /password "csrf=$token&current=$(urlenc "$DORA")&password=$(urlenc "$BREACHED")&password2=$(urlenc "$BREACHED")"
check grep -q "Esta contraseña ha aparecido en una filtración de datos; elija otra." "$TMP/body"
# never logged, nor its hash
check test "$(grep -ci "$BREACHED\|$(printf '%s' "$BREACHED" | sha1sum | cut -c1-40)" "$TMP/cgi.err")" = 0
# fail closed: the page shows an error, the log says what to fix, nothing changes
sed -i 's/^breached-passwords=pwned.txt$/breached-passwords=missing.txt/' "$C"
cgi POST /password "csrf=$token&current=$(urlenc "$DORA")&password=dora-fine-choice&password2=dora-fine-choice"
expect_eq "$(status)" 500
check grep -q "Please try again later" "$TMP/body"
check grep -q "breached-passwords.*missing.txt.*administrator" "$TMP/cgi.err"
sed -i 's/^breached-passwords=missing.txt$/breached-passwords=pwned.txt/' "$C"
signin dora@acme.example "$BREACHED"
check test -z "$SESSION"
signin dora@acme.example dora-fine-choice
check test -z "$SESSION"
signin dora@acme.example "$DORA"
token=$(page_csrf /password)
cgi POST /password "csrf=$token&current=$(urlenc "$DORA")&password=dora-fine-choice&password2=dora-fine-choice"
expect_eq "$(status)" 303
DORA=dora-fine-choice
# the one-time link
rm -rf "$S/sent"
expect_code 0 p contact request-reset dora@acme.example
link=$(reset_link)
check test -n "$link"
COOKIE=""
cgi GET "${link#http://127.0.0.1:8080/portal}"
reset=$(cookie_of portero-reset)
COOKIE="portero-reset=$reset"
cgi GET /set-password
pre=$(cookie_of portero-csrf)
COOKIE="portero-reset=$reset; portero-csrf=$pre"
cgi POST /set-password "csrf=$pre&password=$(urlenc "$BREACHED")&password2=$(urlenc "$BREACHED")"
expect_eq "$(status)" 200
check grep -q "This password has appeared in a data breach; choose another." "$TMP/body"
cgi POST /set-password "csrf=$pre&password=dora-second-choice&password2=dora-second-choice"
expect_eq "$(status)" 303
expect_eq "$(header Location)" "/portal/sign-in?done=1"
signin dora@acme.example dora-second-choice
expect_eq "$(status)" 303
sed -i -e '/^breached-passwords=/d' -e '/^log=stderr$/d' "$C"

begin "portero maintain removes expired sessions and failed sign-ins older than the hour; live ones stay"
CLIENT=192.0.2.90
signin dora@acme.example dora-second-choice
check test -n "$SESSION"
dora_id=$(sql "$S" "select contact_id from contact_emails where email = 'dora@acme.example'")
ago() { date -u -d "$1" +%Y-%m-%dT%H:%M:%SZ; }
# unused past the idle limit; past the absolute one though used a minute ago; both
sql "$S" "insert into portal_sessions(token_hash, contact_id, csrf, created, last_seen, client, agent) values
  ('$(printf '1%.0s' $(seq 64))', $dora_id, 'x', '$(ago '-2 hours')', '$(ago '-40 minutes')', '198.51.100.50', 'idle'),
  ('$(printf '2%.0s' $(seq 64))', $dora_id, 'x', '$(ago '-13 hours')', '$(ago '-1 minute')', '198.51.100.50', 'old'),
  ('$(printf '3%.0s' $(seq 64))', $dora_id, 'x', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', '198.51.100.50', 'both')"
sql "$S" "insert into portal_failures(client, at) values ('198.51.100.51', '$(ago '-61 minutes')'), ('198.51.100.51', '$(ago '-59 minutes')')"
live=$(sql "$S" "select count(*) from portal_sessions where client <> '198.51.100.50'")
expect_code 0 p maintain
check grep -q "^3 expired portal sessions and 1 old failed sign-ins removed" "$TMP/last.out"
expect_eq "$(sql "$S" "select count(*) from portal_sessions where client = '198.51.100.50'")" 0
expect_eq "$(sql "$S" "select count(*) from portal_sessions")" "$live"
expect_eq "$(sql "$S" "select count(*) from portal_failures where client = '198.51.100.51'")" 1
cgi GET /tickets
expect_eq "$(status)" 200
expect_code 0 p maintain
check grep -q "^0 expired portal sessions and 0 old failed sign-ins removed" "$TMP/last.out"

begin "a request too large is refused"
body=$(head -c 300000 /dev/zero | tr '\0' a)
cgi POST /sign-in "$body"
expect_eq "$(status)" 413

test_done
