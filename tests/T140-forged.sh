#!/usr/bin/env bash
# Forged mail and anonymous requests: they cannot block a contact's genuine
# credentials, void a code already mailed, pass the Authentication-Results
# gate, or make portero mail strangers text the sender wrote. Mail a limit
# holds back leaves a trace on the ticket, in the log and in outbox list.
. "$(dirname "$0")/test-lib.sh"

S=$TMP/state
new_state "$S" "[portal]" "address=https://portal.helpdesk.example"
C=$S/portero.conf
p() { portero --config "$C" "$@"; }
sent() { ls "$S/sent/new" 2>/dev/null | sort; }
sent_count() { sent | wc -l; }
last_sent() { echo "$S/sent/new/$(ls -t "$S/sent/new" | head -1)"; }
wait_sent() { wait_mail "$S/sent" "$1"; }
# code_in FILE: the one-time code in a reset mail (its text part decoded)
code_in() {
  /usr/bin/python3 -c 'import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
p = next(x for x in m.walk() if x.get_content_type() == "text/plain")
sys.stdout.write(p.get_payload(decode=True).decode())' "$1" | sed -n 's/.*[?&]code=\([0-9a-f]\{32\}\).*/\1/p' | head -1
}
contact_of() { sql "$S" "select contact_id from contact_emails where email='$1'"; }
absent() { ! grep -q -- "$1" "$2"; }
set_conf() { sed -i "s|^\[$1\]\$|[$1]\n$2|" "$C"; }

p contact add ann@acme.example --name "Ann Smith" --no-welcome >/dev/null

begin "anonymous reset requests use up their own allowance only, and the held one is named in outbox list"
n=$(sent_count)
for i in 1 2 3; do expect_code 0 p contact request-reset ann@acme.example; done
wait_sent $((n + 3))
expect_eq "$(sent_count)" "$((n + 3))"
expect_code 0 p contact request-reset ann@acme.example
sleep 1
expect_eq "$(sent_count)" "$((n + 3))" "the 4th anonymous request within the hour is held"
expect_code 0 p outbox list
check grep -q "held.*per-contact-hour" "$TMP/last.out"
expect_code 0 p outbox list --json
check grep -q "\"held\"" "$TMP/last.out"
check grep -q 'per-contact-hour=3' "$TMP/last.out"
# No ticket carries a note for it: the contact shows it, when, what and which limit.
expect_code 0 p contact show ann@acme.example
check grep -q "^Mail held back by a limit" "$TMP/last.out"
check grep -Eq "^  [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z  reset  password-reset .*per-contact-hour=3" "$TMP/last.out"
expect_code 0 p contact show ann@acme.example --json
check grep -q '"limit" : "\[credentials\] per-contact-hour=3 (open)"' "$TMP/last.out"
p contact add held-none@acme.example --no-welcome >/dev/null
expect_code 0 p contact show held-none@acme.example
check absent "held back" "$TMP/last.out"

begin "a requester the portal names has its own allowance"
n=$(sent_count)
expect_code 0 p contact request-reset ann@acme.example --requester 192.0.2.7
wait_sent $((n + 1))
expect_eq "$(sent_count)" "$((n + 1))"

begin "a DMARC-verified request still gets credentials after forged ones used up the open allowance"
set_conf mail "trust-authserv-id=mx.helpdesk.example"
n=$(sent_count)
for i in 1 2 3; do
  mail "ann@acme.example" "[Portal Credentials]" > "$TMP/forged"
  expect_code 0 deliver_to "$S" < "$TMP/forged"
done
expect_eq "$(sent_count)" "$n" "forged requests get nothing"
{ printf 'Authentication-Results: mx.helpdesk.example; spf=pass; dmarc=pass header.from=acme.example\r\n'
  printf 'Received: from mail.acme.example by mx.helpdesk.example; Tue, 24 Nov 2026 10:00:00 +0100\r\n'
  mail "ann@acme.example" "[Portal Credentials]"; } > "$TMP/genuine"
expect_code 0 deliver_to "$S" < "$TMP/genuine"
expect_eq "$(sent_count)" "$((n + 1))" "the genuine request is answered"
check grep -q "Your Customer Portal credentials" "$(last_sent)"

begin "an Authentication-Results header below a Received header counts for nothing"
p contact add dan@acme.example --no-welcome >/dev/null
n=$(sent_count)
{ printf 'Authentication-Results: mx.helpdesk.example; spf=fail; dmarc=fail header.from=acme.example\r\n'
  printf 'Received: from evil.example by mx.helpdesk.example; Tue, 24 Nov 2026 10:00:00 +0100\r\n'
  mail "dan@acme.example" "[Portal Credentials]" \
    "Authentication-Results: mx.helpdesk.example; dmarc=pass header.from=acme.example"; } > "$TMP/below"
expect_code 0 deliver_to "$S" < "$TMP/below"
{ printf 'Received: from evil.example by mx.helpdesk.example; Tue, 24 Nov 2026 10:00:00 +0100\r\n'
  mail "dan@acme.example" "[Portal Credentials]" \
    "Authentication-Results: mx.helpdesk.example; dmarc=pass header.from=acme.example"; } > "$TMP/below2"
expect_code 0 deliver_to "$S" < "$TMP/below2"
expect_eq "$(sent_count)" "$n"
# The same request with the results on top is answered: the gate, not a limit, held the others.
{ printf 'Authentication-Results: mx.helpdesk.example; dmarc=pass header.from=acme.example\r\n'
  printf 'Received: from mail.acme.example by mx.helpdesk.example; Tue, 24 Nov 2026 10:00:00 +0100\r\n'
  mail "dan@acme.example" "[Portal Credentials]"; } > "$TMP/top"
expect_code 0 deliver_to "$S" < "$TMP/top"
expect_eq "$(sent_count)" "$((n + 1))"
sed -i '/^trust-authserv-id=/d' "$C"

begin "a new reset request never voids a code already mailed; using one voids the others"
sql "$S" "delete from outbox"
n=$(sent_count)
expect_code 0 p contact request-reset ann@acme.example
wait_sent $((n + 1))
CODE1=$(code_in "$(last_sent)")
expect_code 0 p contact request-reset ann@acme.example
wait_sent $((n + 2))
CODE2=$(code_in "$(last_sent)")
check [ -n "$CODE1" ] && check [ "$CODE1" != "$CODE2" ]
printf '%s\n%s\n' "$CODE1" "the first code still works" | expect_code 0 p auth --reset-code - ann@acme.example
expect_code 0 p auth ann@acme.example <<< "the first code still works"
printf '%s\n' "another new password" | expect_code 1 p auth --reset-code "$CODE2" ann@acme.example
check grep -q "invalid or expired code" "$TMP/last.err"

begin "the new-address cap: automatic mail to addresses never heard from is capped in all, and held visibly"
set_conf mail "new-address-mail-per-hour=2"
n=$(sent_count)
for d in one two three; do
  mail "someone@$d.example" "Hello from $d" > "$TMP/new-$d"
  expect_code 0 deliver_to "$S" < "$TMP/new-$d"
done
cp "$TMP/last.err" "$TMP/deliver-three.err"
expect_eq "$(sent_count)" "$((n + 2))" "two welcome mails, the third held"
expect_code 0 p outbox list
check grep -q "held.*new-address-mail-per-hour" "$TMP/last.out"
check grep -q "new-address-mail-per-hour" <(sql "$S" "select body from messages where kind='note'")
check grep -q "held back.*new-address-mail-per-hour" "$TMP/deliver-three.err"
sed -i '/^new-address-mail-per-hour=/d' "$C"

begin "automatic mail to an address never heard from carries no text the sender wrote"
mail '"BUY CHEAP WATCHES at http://spam.example" <victim@third.example>' "BUY CHEAP WATCHES at http://spam.example" > "$TMP/w1"
expect_code 0 deliver_to "$S" < "$TMP/w1"
check absent WATCHES "$(last_sent)"
n=$(sent_count)
mail "victim@third.example" "[My Tickets]" > "$TMP/w2"
expect_code 0 deliver_to "$S" < "$TMP/w2"
expect_eq "$(sent_count)" "$((n + 1))"
check grep -q "The status of your tickets" "$(last_sent)"
if grep -q "WATCHES" "$(last_sent)"; then fail "the sender's text reached a stranger"; fi
# Once the address has shown it reads portero's mail (a portal sign-in), its lists are shown.
sql "$S" "update contacts set heard=1 where id=$(contact_of victim@third.example)"
mail "victim@third.example" "[My Tickets]" > "$TMP/w3"
expect_code 0 deliver_to "$S" < "$TMP/w3"
check grep -q "WATCHES" "$(last_sent)"

test_done
