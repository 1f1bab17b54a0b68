#!/usr/bin/env bash
# HTML mail in a real browser: every shipped HTML mail, as sent, rendered by
# headless Chromium at a phone width and a desktop width; each render must
# succeed and not be blank. PORTERO_DOCS_PNG=DIR also keeps the welcome and
# credentials mails at the phone width there (docs/ holds them).
. "$(dirname "$0")/test-lib.sh"

PY=/usr/bin/python3
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
case "${PORTERO_PASS:-}" in
  sanitizers|valgrind) skip_all "the browser renders in the normal pass only (it runs no portero code)" ;;
esac
[ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] \
  || skip_all "Debian packages chromium and chromium-driver not installed (tools/dev deps installs them)"
$PY -c 'import selenium, PIL' 2>/dev/null \
  || skip_all "Debian packages python3-selenium and python3-pil not installed (tools/dev deps installs them)"

S=$TMP/state
new_state "$S" "[portal]" "address=https://portal.helpdesk.example"
C=$S/portero.conf
p() { portero --config "$C" "$@"; }
sent() { ls "$S/sent/new" | sort; }
last_sent() { echo "$S/sent/new/$(sent | tail -1)"; }

begin "every shipped HTML mail, es and en, renders non-blank at 390 and 1200 px"
expect_code 0 p customer add "Acme Corporation"
expect_code 0 p contact add ann@acme.example --name "Ann Smith" --customer "Acme Corporation" --main --no-welcome
expect_code 0 deliver_to "$S" < <(mail "Ann Smith <ann@acme.example>" "The printer on the second floor is jammed")
expect_code 0 deliver_to "$S" < <(mail "Ann Smith <ann@acme.example>" "VPN refuses my password since this morning")
mkdir -p "$TMP/html" "$TMP/png"
# every shipped one: NAME.en.html and NAME.es.html
shipped=$(ls "$PORTERO_SRCDIR"/templates/*.html | wc -l)
for lang in en es; do
  sed -i "s/^language=.*/language=$lang/" "$C"
  for t in "$PORTERO_SRCDIR"/templates/*."$lang".html; do
    name=$(basename "$t" .html)
    expect_code 0 p ticket reply 1 --template "${name%.*}"
    $PY -c 'import email, sys
from email import policy
m = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=policy.default)
open(sys.argv[2], "w", encoding="utf-8").write(m.get_body(preferencelist=("html",)).get_content())' \
      "$(last_sent)" "$TMP/html/$name.html"
  done
done
expect_eq "$(ls "$TMP/html" | wc -l)" "$shipped"
if ! timeout 120 $PY "$PORTERO_SRCDIR/tests/html-browser.py" "$TMP/png" 390,1200 "$TMP"/html/*.html > "$TMP/browser.out" 2>&1; then
  fail "$(tail -20 "$TMP/browser.out")"
fi
expect_eq "$(ls "$TMP/png" | wc -l)" "$((shipped * 2))"
if [ -n "${PORTERO_DOCS_PNG:-}" ]; then
  cp "$TMP/png/welcome.en-390.png" "$PORTERO_DOCS_PNG/html-mail-welcome.png"
  cp "$TMP/png/portal-credentials.en-390.png" "$PORTERO_DOCS_PNG/html-mail-credentials.png"
fi

test_done
