#!/usr/bin/env bash
# Rules, templates and credential mail, sent through libesmtp to a real SMTP
# server on 127.0.0.1.
. "$(dirname "$0")/test-lib.sh"

if ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
  begin "automation with a real SMTP server"
  skip "python3-aiosmtpd is not installed"
  test_done
  exit
fi

# start_sink DIR: an SMTP server storing what it receives in DIR; sets PORT.
start_sink() {
  mkdir -p "$1"
  rm -f "$TMP/port"
  /usr/bin/python3 "$TESTS_DIR/smtp-sink.py" --dir "$1" --port-file "$TMP/port" --lifetime 300 ${2:+--port "$2"} &
  SINK=$!
  at_exit "kill $SINK 2>/dev/null"
  local i=0
  while [ ! -s "$TMP/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  PORT=$(cat "$TMP/port")
}
stop_sink() { kill "$SINK" 2>/dev/null; wait "$SINK" 2>/dev/null; }
received() { ls "$1"/*.eml 2>/dev/null | wc -l; }
# decoded FILE: the text (part) of a received message, transfer encoding undone
decoded() {
  /usr/bin/python3 -c 'import email, sys; m = email.message_from_binary_file(open(sys.argv[1], "rb")); p = next(x for x in m.walk() if x.get_content_type() == "text/plain"); print(p.get_payload(decode=True).decode())' "$1"
}
# password_in FILE: the password line of a received credential mail
password_in() { sed -n 's/^ *\(Password\|New password\): *\([^ ]*\)\r$/\2/p' "$1" | head -1; }

INBOX=$TMP/inbox
start_sink "$INBOX"
S=$TMP/state
mkdir -p "$S"
new_database "$S"
cat > "$S/portero.conf" <<CONF
[portero]
$_database
language=en
busy-timeout=5
rules=$PORTERO_SRCDIR/filters
templates=$PORTERO_SRCDIR/templates
[mail]
support-addresses=support@helpdesk.example
from=Support <support@helpdesk.example>
[portal]
address=https://portal.helpdesk.example
[credentials]
# argon2id at OWASP's floor keeps the tests quick
argon2-memlimit=19922944
[smtp]
host=127.0.0.1
port=$PORT
starttls=never
timeout=5
send-budget=10
CONF
portero --config "$S/portero.conf" init >/dev/null
portero --config "$S/portero.conf" customer add "Acme" >/dev/null
portero --config "$S/portero.conf" customer domain add "Acme" acme.example >/dev/null

begin "portero check accepts the shipped rules and templates"
expect_code 0 portero --config "$S/portero.conf" check
check grep -q "6 rules ok" "$TMP/last.out"

begin "a new sender gets the welcome mail with the portal credentials"
mail "Ann Smith <ann@acme.example>" "Printer broken" > "$TMP/m1"
expect_code 0 deliver_to "$S" < "$TMP/m1"
expect_eq "$(received "$INBOX")" "1"
W=$INBOX/0001.eml
check grep -q "^Subject: Welcome to the Customer Portal \[#1\]" "$W"
# A new address gets no display name: the sender wrote it (portero(8), SECURITY)
check grep -q "^To: ann@acme.example" "$W"
check grep -q "^From: Support <support@helpdesk.example>" "$W"
check grep -q "^Auto-Submitted: auto-replied" "$W"
check grep -q "^X-Portero-Loop: helpdesk.example" "$W"
check grep -q "^In-Reply-To: <" "$W"
check grep -qi "^Content-Type: text/plain; charset=utf-8" "$W"
check grep -q "^Content-Transfer-Encoding: quoted-printable" "$W"
check grep -q "Username: *ann@acme.example" "$W"
check grep -q "https://portal.helpdesk.example/set-password?user=ann%40acme.example&code=[0-9a-f]\{32\}" <(decoded "$W")
expect_eq "$(sed -n 1p "$INBOX/0001.env")" "support@helpdesk.example"
expect_eq "$(sed -n 2p "$INBOX/0001.env")" "ann@acme.example"
P1=$(password_in "$W")
check [ "${#P1}" -ge 14 ]
expect_eq "$(sql "$S" "select status, body is null from outbox")" "sent|1"

begin "the welcome password passes portero auth; a wrong one or an unknown user does not"
expect_code 0 portero --config "$S/portero.conf" auth ann@acme.example <<< "$P1"
expect_code 1 portero --config "$S/portero.conf" auth ann@acme.example <<< "wrong-password"
expect_code 1 portero --config "$S/portero.conf" auth nobody@acme.example <<< "$P1"

begin "a [Credenciales del Portal] ticket from a known contact mails new credentials"
expect_code 0 deliver_to "$S" < <(mail "ann@acme.example" "[credenciales del portal]  ")
expect_eq "$(received "$INBOX")" "2"
C=$INBOX/0002.eml
check grep -q "^Subject: Your Customer Portal credentials \[#2\]" "$C"
P2=$(password_in "$C")
check [ -n "$P2" ]
check [ "$P1" != "$P2" ]

begin "the previous password works until the new one is used once"
expect_code 0 portero --config "$S/portero.conf" auth ann@acme.example <<< "$P1"
expect_code 0 portero --config "$S/portero.conf" auth ann@acme.example <<< "$P2"
expect_code 1 portero --config "$S/portero.conf" auth ann@acme.example <<< "$P1"
expect_code 0 portero --config "$S/portero.conf" auth ann@acme.example <<< "$P2"

begin "the database holds no plaintext password"
portero --config "$S/portero.conf" maintain >/dev/null
for p in "$P1" "$P2"; do
  if cat "$S"/portero.db* | grep -aq "$p"; then fail "a password is in the database files"; fi
done
expect_eq "$(sql "$S" "select count(*) from contacts where password_hash like '\$argon2id\$%'")" "1"

begin "the thread shows the sent mail without the password, and does not count it"
portero --config "$S/portero.conf" ticket show 2 --json > "$TMP/t2.json"
check grep -q '"kind" : "auto"' "$TMP/t2.json"
if grep -q "$P2" "$TMP/t2.json"; then fail "the password is in the thread"; fi
check grep -q '"messages" : 1' "$TMP/t2.json"

begin "a reply-prefixed title does not equal the rule's title"
expect_code 0 deliver_to "$S" < <(mail "ann@acme.example" "RE: [Credenciales del Portal]")
expect_eq "$(received "$INBOX")" "2"

begin "auto-generated mail with the title triggers nothing"
expect_code 0 deliver_to "$S" < <(mail "ann@acme.example" "[Credenciales del Portal]" "Auto-Submitted: auto-replied")
expect_eq "$(received "$INBOX")" "2"

begin "a new sender asking for credentials gets one mail, not two"
expect_code 0 deliver_to "$S" < <(mail "bob@acme.example" "[Credenciales del Portal]")
expect_eq "$(received "$INBOX")" "3"
check grep -q "^Subject: Welcome" "$INBOX/0003.eml"
check grep -q "another mail for this message already carries them" <(sql "$S" "select body from messages where kind='note'")

begin "credential mail is rate-limited per contact, and the ticket says why"
# ann has had 2 credential mails this hour; the limit is 3
expect_code 0 deliver_to "$S" < <(mail "ann@acme.example" "[Portal Credentials]")
expect_code 0 deliver_to "$S" < <(mail "ann@acme.example" "[Portal Credentials]")
expect_eq "$(received "$INBOX")" "4"
check grep -q "limit of 3 an hour" <(sql "$S" "select body from messages where kind='note'")

begin "with the SMTP server down, mail stays queued and delivery still exits 0"
stop_sink
expect_code 0 deliver_to "$S" < <(mail "carol@else.example" "Hello")
expect_eq "$(sql "$S" "select status, attempts from outbox where recipient='carol@else.example'")" "queued|1"
expect_code 0 portero --config "$S/portero.conf" outbox list
check grep -q "queued.*carol@else.example" "$TMP/last.out"

begin "outbox flush delivers it once the server is back, exactly once"
start_sink "$INBOX" "$PORT"
expect_code 0 portero --config "$S/portero.conf" outbox flush
check grep -q "^1 sent" "$TMP/last.out"
expect_eq "$(grep -l "^To: .*carol@else.example" "$INBOX"/*.eml | wc -l)" "1"
expect_code 0 portero --config "$S/portero.conf" outbox flush
check grep -q "^0 sent" "$TMP/last.out"
expect_eq "$(grep -l "^To: .*carol@else.example" "$INBOX"/*.eml | wc -l)" "1"

begin "a permanent refusal marks the mail failed; outbox retry tries once more"
stop_sink
/usr/bin/python3 "$TESTS_DIR/smtp-sink.py" --dir "$TMP/refuse" --port "$PORT" --fail-rcpt 550 --lifetime 60 &
refuser=$!
at_exit "kill $refuser 2>/dev/null"
sleep 1
expect_code 0 deliver_to "$S" < <(mail "dave@else.example" "Hello")
expect_eq "$(sql "$S" "select status from outbox where recipient='dave@else.example'")" "failed"
# A failed credential mail keeps no sealed body: nothing to retry.
expect_eq "$(sql "$S" "select count(*) from outbox where recipient='dave@else.example' and body is null")" "1"
expect_code 0 deliver_to "$S" < <(mail "dave@else.example" "[My Tickets]")
kill $refuser; wait $refuser 2>/dev/null
start_sink "$INBOX" "$PORT"
welcome=$(sql "$S" "select id from outbox where recipient='dave@else.example' and kind='welcome'")
expect_code 1 portero --config "$S/portero.conf" outbox retry "$welcome"
id=$(sql "$S" "select id from outbox where recipient='dave@else.example' and kind='rule'")
expect_eq "$(sql "$S" "select status from outbox where id=$id")" "failed"
expect_code 0 portero --config "$S/portero.conf" outbox retry "$id"
expect_eq "$(sql "$S" "select status from outbox where id=$id")" "sent"

begin "the digest: a contact gets their own open tickets"
n=$(received "$INBOX")
expect_code 0 deliver_to "$S" < <(mail "ann@acme.example" "[My Tickets]")
expect_eq "$(received "$INBOX")" "$((n + 1))"
D=$(ls "$INBOX"/*.eml | tail -1)
check grep -q "\[#1\] Printer broken" "$D"
if grep -q "bob@acme" "$D"; then fail "another contact's ticket is listed"; fi
expect_eq "$(sql "$S" "select status from tickets where title='[My Tickets]' and requester='ann@acme.example'")" "closed"

begin "company tickets: restricted for an ordinary contact, listed for a main contact"
# bob has shown he reads portero's mail (a portal sign-in, say): his mail may quote tickets
sql "$S" "update contacts set heard=1 where id=(select contact_id from contact_emails where email='bob@acme.example')"
expect_code 0 deliver_to "$S" < <(mail "bob@acme.example" "[Company Tickets]")
D=$(ls "$INBOX"/*.eml | tail -1)
check grep -q "restricted to main contacts" "$D"
if grep -q "Printer broken" "$D"; then fail "an ordinary contact saw another contact's ticket"; fi
sql "$S" "update contacts set main=1, heard=1 where id=(select contact_id from contact_emails where email='bob@acme.example')"
expect_code 0 deliver_to "$S" < <(mail "bob@acme.example" "[Tickets de la Empresa]")
D=$(ls "$INBOX"/*.eml | tail -1)
check grep -q "\[#1\] Printer broken" "$D"
if grep -q "\] Hello (" "$D"; then fail "a main contact saw another customer's ticket"; fi

begin "a main contact of the default customer sees no one else's tickets"
sql "$S" "update contacts set main=1, heard=1 where id=(select contact_id from contact_emails where email='carol@else.example')"
expect_code 0 deliver_to "$S" < <(mail "carol@else.example" "[Company Tickets]")
D=$(ls "$INBOX"/*.eml | tail -1)
check grep -q "restricted to main contacts" "$D"

begin "automatic mail to one recipient is capped per day"
sed -i 's/^\[mail\]$/[mail]\nauto-mail-per-day=1/' "$S/portero.conf"
n=$(received "$INBOX")
expect_code 0 deliver_to "$S" < <(mail "erin@else.example" "one")
expect_code 0 deliver_to "$S" < <(mail "erin@else.example" "[My Tickets]")
expect_eq "$(received "$INBOX")" "$((n + 1))"
check grep -q "automatic mails today" <(sql "$S" "select body from messages where kind='note'")
sed -i '/^auto-mail-per-day=1$/d' "$S/portero.conf"

begin "trust-authserv-id: credential rules need DMARC pass from our own MTA"
sed -i 's/^\[mail\]$/[mail]\ntrust-authserv-id=mx.helpdesk.example/' "$S/portero.conf"
n=$(received "$INBOX")
expect_code 0 deliver_to "$S" < <(mail "dave@else.example" "[Portal Credentials]" "Authentication-Results: evil.example; dmarc=pass")
expect_eq "$(received "$INBOX")" "$n"
expect_code 0 deliver_to "$S" < <(mail "dave@else.example" "[Portal Credentials]" "Authentication-Results: mx.helpdesk.example; dmarc=fail (not dmarc=pass) header.from=else.example")
expect_eq "$(received "$INBOX")" "$n"
expect_code 0 deliver_to "$S" < <(mail "dave@else.example" "[Portal Credentials]" "Authentication-Results: mx.helpdesk.example; spf=pass; dmarc=pass header.from=else.example")
expect_eq "$(received "$INBOX")" "$((n + 1))"
sed -i '/^trust-authserv-id=/d' "$S/portero.conf"

begin "a contact named like a snippet is data, and a CR/LF in it adds no header"
printf 'From: "{[Portal Password]} Bcc: x@evil.example" <frank@else.example>\r\nSubject: hi\r\nMessage-ID: <snip@t>\r\n\r\nx\r\n' > "$TMP/snip"
n=$(received "$INBOX")
expect_code 0 deliver_to "$S" < "$TMP/snip"
# Mail to an address never heard from carries no name at all; once heard
# from, the name is shown, as data.
sql "$S" "update contacts set heard=1 where id=(select contact_id from contact_emails where email='frank@else.example')"
expect_code 0 deliver_to "$S" < <(mail "frank@else.example" "[My Tickets]")
D=$(ls "$INBOX"/*.eml | tail -1)
check grep -q "{\[Portal Password\]}" "$D"
if grep -qi "^Bcc:" "$D"; then fail "a header was injected"; fi
expect_eq "$(sed -n '2,$p' "${D%.eml}.env")" "frank@else.example"

begin "rule test shows which rule fired and why, and writes and sends nothing"
mail "dave@else.example" "[Portal Credentials]" > "$TMP/rt"
before=$(sql "$S" "select (select count(*) from tickets) || '/' || (select count(*) from outbox) || '/' || (select count(*) from messages)")
n=$(received "$INBOX")
expect_code 0 portero --config "$S/portero.conf" rule test "$TMP/rt"
check grep -q "11-portal-credentials-en.rule (Portal credentials): fired; mail with template portal-credentials" "$TMP/last.out"
check grep -q "10-portal-credentials.rule (Credenciales del Portal): not fired: condition \"title\" failed" "$TMP/last.out"
check grep -q "mail rule to <dave@else.example>: Your Customer Portal credentials" "$TMP/last.out"
check grep -q "New password: *\*\*\*\*\*\*\*\*" "$TMP/last.out"
expect_eq "$(sql "$S" "select (select count(*) from tickets) || '/' || (select count(*) from outbox) || '/' || (select count(*) from messages)")" "$before"
expect_eq "$(received "$INBOX")" "$n"

test_done
