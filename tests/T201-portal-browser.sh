#!/usr/bin/env bash
# The customer portal behind a real web server and in a real browser:
# lighttpd (mod_cgi) on 127.0.0.1 runs portero-portal as an unprivileged
# user; raw HTTP checks what the server passes on, then headless Chromium
# plays the seed's story (tests/portal-browser.py) with the mail going to a
# loopback SMTP server (tests/smtp-sink.py). PORTERO_DOCS_PNG=DIR keeps the
# screenshots there (docs/ holds them).
. "$(dirname "$0")/test-lib.sh"

PY=/usr/bin/python3
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
case "${PORTERO_PASS:-}" in
  sanitizers|valgrind) skip_all "the web server runs the normal build only (T200-portal runs the portal in every pass)" ;;
esac
[ -x /usr/sbin/lighttpd ] || skip_all "Debian package lighttpd not installed (tools/dev deps installs it)"
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] \
  || skip_all "Debian packages chromium and chromium-driver not installed (tools/dev deps installs them)"
$PY -c 'import selenium, PIL, aiosmtpd' 2>/dev/null \
  || skip_all "Debian packages python3-selenium, python3-pil and python3-aiosmtpd not installed (tools/dev deps)"

free_port() { $PY -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
SINK=$TMP/sink
mkdir -p "$SINK"
$PY "$TESTS_DIR/smtp-sink.py" --dir "$SINK" --port-file "$TMP/port" --lifetime 300 &
at_exit "kill $! 2>/dev/null"
for i in $(seq 1 100); do [ -s "$TMP/port" ] && break; sleep 0.1; done
SMTP_PORT=$(cat "$TMP/port")
WEB_PORT=$(free_port)
BASE=http://127.0.0.1:$WEB_PORT/portal

S=$TMP/state
new_state "$S" "[portal]" "address=$BASE"
C=$S/portero.conf
sed -i "s/^transport=maildir/host=127.0.0.1\nport=$SMTP_PORT\nstarttls=never\ntimeout=5\nsend-budget=10/; /^maildir=sent/d" "$C"
p() { portero --config "$C" "$@"; }
received() { ls "$SINK"/*.eml 2>/dev/null | wc -l; }
mail_find() {
  $PY -c 'import email, re, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[2], "rb"), policy=policy.default)
f = re.search(sys.argv[1], m.get_body(preferencelist=("plain",)).get_content())
print(f.group(1) if f else "")' "$1" "$2"
}

expect_code 0 p customer add "Acme Corporation"
expect_code 0 p customer domain add "Acme Corporation" acme.example
expect_code 0 p contact add carl@acme.example --name "Carl Jones" --customer "Acme Corporation" --no-welcome
CARL=$(p contact reset-password carl@acme.example --print | tail -1)
expect_code 0 deliver_to "$S" < <(mail "Carl Jones <carl@acme.example>" "Carl's monitor flickers")

begin "a new customer's mail arrives through portero-deliver and the welcome mail carries a one-time link"
expect_code 0 deliver_to "$S" < <(mail "Ann Smith <ann@acme.example>" "The printer on the second floor is jammed")
for i in $(seq 1 50); do [ "$(received)" -ge 1 ] && break; sleep 0.1; done
welcome=$(ls "$SINK"/*.eml | head -1)
LINK=$(mail_find "($BASE/set-password\\?\\S+)" "$welcome")
check test -n "$LINK"
expect_code 0 p contact set ann@acme.example --main=yes
{
  printf 'From: Ann Smith <ann@acme.example>\r\nTo: support@helpdesk.example\r\n'
  printf 'Subject: <script>alert(1)</script><img src=x onerror=alert(2)>\r\n'
  printf 'Message-ID: <xss@test.example>\r\nDate: Tue, 24 Nov 2026 10:00:00 +0100\r\n\r\n'
  printf '<b>bold</b> <script>alert(3)</script>\r\n'
} | deliver_to "$S"

# lighttpd: the program mapped at /portal, run as the web server's user.
if [ "$(id -u)" -eq 0 ]; then
  chown -R nobody:nogroup "$S" "$SINK"
  user='server.username = "nobody"
server.groupname = "nogroup"'
else
  user=""
fi
mkdir -p "$TMP/www"
cat > "$TMP/lighttpd.conf" <<CONF
server.modules = ("mod_alias", "mod_cgi", "mod_setenv")
server.bind = "127.0.0.1"
server.port = $WEB_PORT
server.document-root = "$TMP/www"
server.errorlog = "$TMP/lighttpd.err"
$user
alias.url = ("/portal" => "$PORTERO_BUILDDIR/portero-portal")
\$HTTP["url"] =~ "^/portal" { cgi.assign = ("" => "") }
setenv.add-environment = ("PORTERO_CONFIG" => "$C", "PORTERO_LOCALEDIR" => "$PORTERO_BUILDDIR/po/locale")
CONF
touch "$TMP/lighttpd.err"
[ "$(id -u)" -eq 0 ] && chown nobody "$TMP/lighttpd.err"
/usr/sbin/lighttpd -D -f "$TMP/lighttpd.conf" &
LIGHTTPD=$!
at_exit "kill $LIGHTTPD 2>/dev/null; wait $LIGHTTPD 2>/dev/null"
for i in $(seq 1 100); do curl -s -o /dev/null "$BASE/sign-in" && break; sleep 0.1; done

begin "through lighttpd: the security headers, the stylesheet, and 404 for what does not exist"
curl -s -D "$TMP/head" -o "$TMP/body" "$BASE/sign-in"
check grep -q "^HTTP/1.1 200" "$TMP/head"
check grep -qi "^Content-Security-Policy: default-src 'none'.*frame-ancestors 'none'" "$TMP/head"
check grep -qi "^X-Content-Type-Options: nosniff" "$TMP/head"
check grep -qi "^Referrer-Policy: no-referrer" "$TMP/head"
check grep -qi "^Set-Cookie: portero-csrf=" "$TMP/head"
curl -s -D "$TMP/head" -o "$TMP/css" "$BASE/style.css"
check grep -qi "^Content-Type: text/css" "$TMP/head"
curl -s -D "$TMP/head" -o /dev/null "$BASE/ticket/1"
check grep -q "^HTTP/1.1 303" "$TMP/head"
curl -s -D "$TMP/head" -o /dev/null "$BASE/no-such-page"
check grep -q "^HTTP/1.1 404" "$TMP/head"

begin "through lighttpd: a POST from another origin is refused"
curl -s -D "$TMP/head" -o /dev/null -H "Origin: https://evil.example" --data "address=a%40b.example&password=x" \
  "$BASE/sign-in"
check grep -q "^HTTP/1.1 403" "$TMP/head"

mkdir -p "$TMP/png"
$PY "$TESTS_DIR/portal-browser.py" "$BASE" "$SINK" "$TMP/png" "$LINK" "$CARL" > "$TMP/browser.out" 2>"$TMP/browser.err"
while IFS= read -r line; do
  case $line in
    PASS\ *) begin "browser: ${line#PASS }" ;;
    FAIL\ *) begin "browser: ${line#FAIL }"; fail "${line#FAIL }" ;;
  esac
done < "$TMP/browser.out"
begin "the browser's story ran to its end"
check test "$(grep -c '^PASS\|^FAIL' "$TMP/browser.out")" -ge 12
[ -s "$TMP/browser.err" ] && grep -v "^#[0-9]\|^Stacktrace\|^$" "$TMP/browser.err" | sed "s/^/# /" | tail -8

begin "screenshots of the sign-in, ticket list and ticket pages at 390 and 1200 px"
for n in sign-in tickets ticket; do
  for w in 390 1200; do check test -s "$TMP/png/portal-$n-$w.png"; done
done
if [ -n "${PORTERO_DOCS_PNG:-}" ]; then cp "$TMP"/png/portal-*.png "$PORTERO_DOCS_PNG"/; fi

begin "IT mode: the Service Portal's words"
sed -i 's/^language=en/language=en\nmode=it/' "$C"
curl -s -o "$TMP/body" "$BASE/sign-in"
check grep -q "Service Portal" "$TMP/body"
check test "$(grep -c "Customer Portal" "$TMP/body")" = 0

test_done
