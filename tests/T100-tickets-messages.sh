#!/usr/bin/env bash
# portero message list/show/reprocess, ticket reply/status, template
# list/render, contact reset-password/request-reset, auth --reset-code,
# backup and maintain: the database and the mail written to the Maildir.
. "$(dirname "$0")/test-lib.sh"

S=$TMP/state
new_state "$S"
C=$S/portero.conf
# Rules and templates of this state's own, so that a test can add to them.
cp -r "$PORTERO_SRCDIR/filters" "$S/filters"
cp -r "$PORTERO_SRCDIR/templates" "$S/templates"
sed -i "s|^rules=.*|rules=$S/filters|; s|^templates=.*|templates=$S/templates|" "$C"
printf '[portal]\naddress=https://portal.helpdesk.example\n' >> "$C"

p() { portero --config "$C" "$@"; }
py() { /usr/bin/python3 -c "$@"; }
jq_py() { py "import json,sys; d=json.load(sys.stdin); print($1)"; }
# The Maildir portero writes to, oldest first.
sent() { ls "$S/sent/new" | sort; }
sent_count() { sent | wc -l; }
last_sent() { echo "$S/sent/new/$(sent | tail -1)"; }
wait_sent() { wait_mail "$S/sent" "$1"; }
# header FILE NAME: a header of a sent mail, decoded.
header() {
  py 'import email, email.header, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
v = m.get(sys.argv[2])
print("" if v is None else str(email.header.make_header(email.header.decode_header(v))))' "$1" "$2"
}
# body FILE: the text (part) of a sent mail, transfer encoding undone, LF line ends.
body() {
  py 'import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
p = next(x for x in m.walk() if x.get_content_type() == "text/plain")
sys.stdout.write(p.get_payload(decode=True).decode().replace("\r\n", "\n"))' "$1"
}
password_in() { body "$1" | sed -n 's/^ *\(Password\|New password\): *\([^ ]*\)$/\2/p' | head -1; }
code_in() { body "$1" | sed -n 's/.*[?&]code=\([0-9a-f]\{32\}\).*/\1/p' | head -1; }
contact_of() { echo "(select contact_id from contact_emails where email='$1')"; }
now_ms() { date +%s%3N; }

# ---------------------------------------------------------------- messages

begin "unfiled mail is listed by message list --unfiled"
mail "Ann Smith <ann@acme.example>" "Printer broken" > "$TMP/m1"
expect_code 0 deliver_to "$S" < "$TMP/m1"
expect_eq "$(sent_count)" "1" "the welcome mail"
P0=$(password_in "$(last_sent)")
check [ -n "$P0" ]
sql "$S" "update contacts set auto_tickets=0 where id=$(contact_of ann@acme.example)"
mail "ann@acme.example" "Scanner jammed" > "$TMP/m2"
MID2=$(sed -n 's/^Message-ID: <\(.*\)>\r$/\1/p' "$TMP/m2")
expect_code 0 deliver_to "$S" < "$TMP/m2"
U=$(sql "$S" "select id from messages where message_id='$MID2'")
expect_eq "$(sql "$S" "select ticket_id is null, unfiled_reason from messages where id=$U")" \
  "1|automatic ticket creation is off for this contact"
p message list --unfiled --json > "$TMP/u.json"
expect_eq "$(jq_py '[(m["id"], m["from"], m["subject"], m["reason"]) for m in d]' < "$TMP/u.json")" \
  "[($U, 'ann@acme.example', 'Scanner jammed', 'automatic ticket creation is off for this contact')]"
expect_code 0 p message list --unfiled
check grep -q "Scanner jammed" "$TMP/last.out"
if grep -q "Printer broken" "$TMP/last.out"; then fail "filed mail listed as unfiled"; fi

begin "message list shows all inbound mail, filed and unfiled, not portero's own copies, newest first"
p message list --json > "$TMP/all.json"
expect_eq "$(jq_py '[(m["kind"], m["ticket"], m["subject"]) for m in d]' < "$TMP/all.json")" \
  "[('mail', None, 'Scanner jammed'), ('mail', 1, 'Printer broken')]"
expect_code 0 p message list
check grep -q "Printer broken" "$TMP/last.out"
check grep -q "automatic ticket creation is off" "$TMP/last.out"

begin "message show: fields, text, --json and --raw exactly as received"
expect_code 0 p message show "$U"
check grep -q "^Subject: *Scanner jammed" "$TMP/last.out"
check grep -q "^Why no ticket: *automatic ticket creation is off" "$TMP/last.out"
check grep -q "^Envelope recipient: *support@helpdesk.example" "$TMP/last.out"
check grep -q "^this is a test.$" "$TMP/last.out"
expect_eq "$(p message show "$U" --json | jq_py '(d["id"], d["ticket"], d["subject"], d["message_id"])')" \
  "($U, None, 'Scanner jammed', '$MID2')"
p message show "$U" --raw > "$TMP/raw"
check cmp -s "$TMP/raw" "$TMP/m2"

begin "message show: unknown or bad ids and conflicting options are user errors"
expect_code 1 p message show 999
check grep -q "no message 999" "$TMP/last.err"
expect_code 1 p message show abc
expect_code 1 p message show "$U" --json --raw
expect_code 1 p message show
# portero's copy of a mail keeps its bytes when the mail had an HTML part
# (the welcome mail), and has none when it was text only (as made here).
R=$(sql "$S" "select id from messages where kind='auto' limit 1")
expect_code 0 p message show "$R" --raw
check grep -qi "^Content-Type: multipart/alternative" "$TMP/last.out"
sql "$S" "update messages set raw=NULL where id=$R"
expect_code 1 p message show "$R" --raw
check grep -q "no stored bytes" "$TMP/last.err"

begin "message reprocess while the cause remains: still unfiled, still one copy"
expect_code 0 p message reprocess "$U"
check grep -q "still no ticket" "$TMP/last.out"
expect_eq "$(sql "$S" "select count(*), count(*) - count(ticket_id) from messages where message_id='$MID2'")" "1|1"
U=$(sql "$S" "select id from messages where message_id='$MID2'")

begin "message reprocess after the cause is fixed: a ticket, and exactly one messages row"
sql "$S" "update contacts set auto_tickets=1"
expect_code 0 p message reprocess "$U"
check grep -q "new ticket 2" "$TMP/last.out"
expect_eq "$(sql "$S" "select count(*) from messages where message_id='$MID2'")" "1"
expect_eq "$(sql "$S" "select t.id, t.title, t.requester from messages m join tickets t on t.id = m.ticket_id where m.message_id='$MID2'")" \
  "2|Scanner jammed|ann@acme.example"
expect_eq "$(p message list --unfiled --json | jq_py 'len(d)')" "0"
p message show "$(sql "$S" "select id from messages where message_id='$MID2'")" --raw > "$TMP/raw2"
check cmp -s "$TMP/raw2" "$TMP/m2"
expect_eq "$(sent_count)" "1" "no mail: the contact is not new"

begin "message reprocess: filed mail, unknown and bad ids are user errors, nothing changes"
before=$(sql "$S" "select count(*) from messages")
expect_code 1 p message reprocess "$(sql "$S" "select id from messages where message_id='$MID2'")"
check grep -q "only mail that made no ticket" "$TMP/last.err"
expect_code 1 p message reprocess 999
check grep -q "no message 999" "$TMP/last.err"
expect_code 1 p message reprocess x1
expect_eq "$(sql "$S" "select count(*) from messages")" "$before"

# ---------------------------------------------------------------- tickets

begin "ticket reply --template quick-portal-credentials mails the requester a new password"
expect_code 0 portero --config "$C" auth ann@acme.example <<< "$P0"
n=$(sent_count)
expect_code 0 p ticket reply 1 --template quick-portal-credentials
check grep -q "1 mail(s) sent" "$TMP/last.out"
expect_eq "$(sent_count)" "$((n + 1))"
R=$(last_sent)
expect_eq "$(header "$R" Subject)" "Portal credentials [#1]"
expect_eq "$(header "$R" To)" "Ann Smith <ann@acme.example>"
expect_eq "$(header "$R" Auto-Submitted)" "" "a person's reply is not auto-submitted"
check grep -q "^Username: ann@acme.example$" <(body "$R")
check grep -q "^URL: https://portal.helpdesk.example$" <(body "$R")
P1=$(password_in "$R")
check [ "${#P1}" -ge 14 ]
RMID=$(header "$R" Message-ID | tr -d '<>')
expect_eq "$(sql "$S" "select kind, ticket_id from messages where message_id='$RMID'")" "reply|1"
expect_eq "$(sql "$S" "select kind, status, automatic, credential, body is null from outbox where message_id='$RMID'")" \
  "reply|sent|0|1|1"
expect_eq "$(p ticket show 1 --json | jq_py 'd["messages"]')" "2"

begin "the technician's new password works at once and the previous one no longer does"
expect_code 0 portero --config "$C" auth ann@acme.example <<< "$P1"
expect_code 1 portero --config "$C" auth ann@acme.example <<< "$P0"
expect_eq "$(sql "$S" "select pending_hash is null from contacts where id=$(contact_of ann@acme.example)")" "1"
p ticket show 1 --json > "$TMP/t1.json"
if grep -q "$P1" "$TMP/t1.json"; then fail "the password is in the thread"; fi
portero --config "$C" maintain > /dev/null
if cat "$S"/portero.db* | grep -aq "$P1"; then fail "the password is in the database files"; fi

begin "the customer's answer to the reply returns to the same ticket"
tickets=$(sql "$S" "select count(*) from tickets")
mail "ann@acme.example" "Re: Portal credentials" "In-Reply-To: <$RMID>" "References: <$RMID>" > "$TMP/ans"
expect_code 0 deliver_to "$S" < "$TMP/ans"
AMID=$(sed -n 's/^Message-ID: <\(.*\)>\r$/\1/p' "$TMP/ans")
expect_eq "$(sql "$S" "select ticket_id from messages where message_id='$AMID'")" "1"
expect_eq "$(sql "$S" "select count(*) from tickets")" "$tickets"
expect_eq "$(p ticket show 1 --json | jq_py 'd["messages"]')" "3"

begin "ticket reply --body-file with --status: threaded subject, snippets, new status"
printf 'Hello {[Contact First Name]},\n\nthe printer on ticket {[Ticket ID]} is fixed.\n\nSupport\n' > "$TMP/reply.txt"
n=$(sent_count)
expect_code 0 p ticket reply "#1" --body-file "$TMP/reply.txt" --status resolved
check grep -q "open -> resolved" "$TMP/last.out"
expect_eq "$(sent_count)" "$((n + 1))"
R=$(last_sent)
expect_eq "$(header "$R" Subject)" "Re: Printer broken [#1]"
check grep -q "^Hello Ann,$" <(body "$R")
check grep -q "^the printer on ticket 1 is fixed.$" <(body "$R")
expect_eq "$(sql "$S" "select status from tickets where id=1")" "resolved"
expect_eq "$(p ticket show 1 --json | jq_py 'd["messages"]')" "4"

begin "a ticket title is data: snippets in it are never expanded in a reply"
expect_code 0 deliver_to "$S" < <(mail "ann@acme.example" "{[Portal Password]} {[Portal Username]}")
T=$(sql "$S" "select max(id) from tickets")
hash=$(sql "$S" "select password_hash from contacts where id=$(contact_of ann@acme.example)")
expect_code 0 p ticket reply "$T" --body-file "$TMP/reply.txt"
expect_eq "$(header "$(last_sent)" Subject)" "Re: {[Portal Password]} {[Portal Username]} [#$T]"
expect_eq "$(sql "$S" "select password_hash from contacts where id=$(contact_of ann@acme.example)")" "$hash"

begin "ticket reply: bad requests are user errors and change nothing"
outbox=$(sql "$S" "select count(*) from outbox")
msgs=$(sql "$S" "select count(*) from messages")
expect_code 1 p ticket reply 2
check grep -q "exactly one of --template NAME or --body-file F" "$TMP/last.err"
expect_code 1 p ticket reply 2 --template quick-portal-credentials --body-file "$TMP/reply.txt"
expect_code 1 p ticket reply 999 --template quick-portal-credentials
check grep -q "no ticket 999" "$TMP/last.err"
expect_code 1 p ticket reply 2 --template no-such-template --status closed
check grep -q 'no template "no-such-template"' "$TMP/last.err"
expect_code 1 p ticket reply 2 --template quick-portal-credentials --status finished
check grep -q 'unknown status "finished"' "$TMP/last.err"
expect_code 1 p ticket reply 2 --body-file "$TMP/does-not-exist"
: > "$TMP/empty.txt"
expect_code 1 p ticket reply 2 --body-file "$TMP/empty.txt"
printf 'Hello {[No Such Snippet]}\n' > "$TMP/bad.txt"
expect_code 1 p ticket reply 2 --body-file "$TMP/bad.txt" --status closed
check grep -q "unknown snippet" "$TMP/last.err"
expect_code 1 p ticket reply abc --template quick-portal-credentials
expect_eq "$(sql "$S" "select status from tickets where id=2")" "open"
expect_eq "$(sql "$S" "select count(*) from outbox")" "$outbox"
expect_eq "$(sql "$S" "select count(*) from messages")" "$msgs"

begin "ticket reply to a ticket without a contact goes to the requester, never with credentials"
expect_code 0 deliver_to "$S" < <(mail "bob@else.example" "Need access")
B=$(sql "$S" "select max(id) from tickets")
sql "$S" "update tickets set contact_id=NULL where id=$B"
outbox=$(sql "$S" "select count(*) from outbox")
expect_code 1 p ticket reply "$B" --template quick-portal-credentials
check grep -q "no reply sent" "$TMP/last.err"
expect_eq "$(sql "$S" "select count(*) from outbox")" "$outbox"
expect_code 0 p ticket reply "$B" --body-file "$TMP/reply.txt" --status closed
expect_eq "$(sql "$S" "select recipient from outbox order by id desc limit 1")" "bob@else.example"
expect_eq "$(sql "$S" "select status from tickets where id=$B")" "closed"
expect_eq "$(sql "$S" "select count(*) from outbox")" "$((outbox + 1))"

begin "ticket status fires a status-changed rule"
cat > "$S/templates/ticket-resolved.en.tmpl" <<'TMPL'
Subject: Ticket {[Ticket ID]} is {[Ticket Status]}

Hello {[Contact First Name]},

your ticket "{[Ticket Title]}" is now {[Ticket Status]}.
TMPL
cat > "$S/filters/50-resolved.rule" <<'RULE'
[Rule]
Name=Tell the contact a ticket is resolved
Trigger=status-changed
Active=true

[Condition status]
Property=status
Operator=equals
Value=resolved

[Action mail]
Type=email-contact
Template=ticket-resolved
RULE
n=$(sent_count)
expect_code 0 p ticket status 2 resolved
check grep -q "ticket 2: open -> resolved" "$TMP/last.out"
check grep -q "50-resolved.rule (Tell the contact a ticket is resolved): fired" "$TMP/last.out"
expect_eq "$(sql "$S" "select status from tickets where id=2")" "resolved"
expect_eq "$(sent_count)" "$((n + 1))"
R=$(last_sent)
expect_eq "$(header "$R" Subject)" "Ticket 2 is resolved [#2]"
expect_eq "$(header "$R" Auto-Submitted)" "auto-generated"
check grep -q '^your ticket "Scanner jammed" is now resolved.$' <(body "$R")
expect_eq "$(sql "$S" "select kind, automatic from outbox where message_id='$(header "$R" Message-ID | tr -d '<>')'")" "rule|1"

begin "ticket status: the same status fires nothing; another status not matching fires no mail"
n=$(sent_count)
expect_code 0 p ticket status 2 resolved
check grep -q "already" "$TMP/last.out"
expect_code 0 p ticket status 2 Pending
expect_eq "$(sql "$S" "select status from tickets where id=2")" "pending"
check grep -q "50-resolved.rule.*not fired" "$TMP/last.out"
expect_eq "$(sent_count)" "$n"

begin "ticket status: unknown status or ticket are user errors"
expect_code 1 p ticket status 2 done
check grep -q 'unknown status "done"' "$TMP/last.err"
expect_code 1 p ticket status 999 open
check grep -q "no ticket 999" "$TMP/last.err"
expect_code 1 p ticket status 2
expect_eq "$(sql "$S" "select status from tickets where id=2")" "pending"

# ---------------------------------------------------------------- templates

begin "template list: every template with its language, subject and snippets; problems shown"
printf 'Subject: Broken\n\nHello {[No Such Snippet]}\n' > "$S/templates/broken.tmpl"
expect_code 0 p template list --json
jq_py '[(t["name"], t["lang"], t["ok"]) for t in d]' < "$TMP/last.out" > "$TMP/tl"
check grep -q "('quick-portal-credentials', 'en', True)" "$TMP/tl"
check grep -q "('quick-portal-credentials', 'es', True)" "$TMP/tl"
check grep -q "('broken', None, False)" "$TMP/tl"
expect_eq "$(jq_py '[(t["subject"], t["snippets"], t["credential"]) for t in d if t["name"] == "quick-portal-credentials" and t["lang"] == "en"][0]' < "$TMP/last.out")" \
  "('Portal credentials', ['Portal Address', 'Portal Username', 'Portal Password', 'Contact First Name'], True)"
expect_code 0 p template list
check grep -q "^password-reset  *en  *Reset your portal password" "$TMP/last.out"
check grep -q '^problem: .*broken.tmpl:3: unknown snippet "{\[No Such Snippet\]}"' "$TMP/last.out"
rm "$S/templates/broken.tmpl"

begin "template render: a preview with placeholders that issues nothing"
snap() { sql "$S" "select (select group_concat(coalesce(password_hash,'') || coalesce(pending_hash,'')) from contacts), (select count(*) from outbox), (select count(*) from reset_tokens), (select count(*) from messages)"; }
before=$(snap)
n=$(sent_count)
expect_code 0 p template render quick-portal-credentials --contact ann@acme.example
check grep -q "^To: ann@acme.example$" "$TMP/last.out"
check grep -q "^Subject: Portal credentials$" "$TMP/last.out"
check grep -q "^Username: ann@acme.example$" "$TMP/last.out"
check grep -q "^Password: (new password)$" "$TMP/last.out"
check grep -q "^Hello Ann,$" "$TMP/last.out"
expect_code 0 p template render password-reset --contact ann@acme.example
check grep -q "(one-time link)" "$TMP/last.out"
expect_code 0 p template render ticket-resolved --ticket 2
check grep -q "^Subject: Ticket 2 is pending \[#2\]$" "$TMP/last.out"
check grep -q "^To: ann@acme.example$" "$TMP/last.out"
expect_code 0 p template render welcome
check grep -q "Username: *(Portal Username)" "$TMP/last.out"
expect_eq "$(snap)" "$before"
expect_eq "$(sent_count)" "$n"

begin "template render: unknown template, contact or ticket are user errors"
expect_code 1 p template render no-such-template
expect_code 1 p template render welcome --contact nobody@acme.example
check grep -q "no contact with the address nobody@acme.example" "$TMP/last.err"
expect_code 1 p template render welcome --ticket 999
check grep -q "no ticket 999" "$TMP/last.err"

# ---------------------------------------------------------------- resets

begin "contact reset-password --print: the password alone on the last line, current at once"
n=$(sent_count)
expect_code 0 p contact reset-password ann@acme.example --print
P2=$(tail -1 "$TMP/last.out")
check [ "${#P2}" -eq 16 ]
check grep -q "^[2-9a-zA-Z]*$" <(tail -1 "$TMP/last.out")
expect_code 0 portero --config "$C" auth ann@acme.example <<< "$P2"
expect_code 1 portero --config "$C" auth ann@acme.example <<< "$P1"
expect_eq "$(sent_count)" "$n"
if cat "$S"/portero.db* | grep -aq "$P2"; then fail "the password is in the database files"; fi

begin "contact reset-password: exactly one of --send and --print; unknown contacts are user errors"
expect_code 1 p contact reset-password ann@acme.example
check grep -q "exactly one of --send TEMPLATE or --print" "$TMP/last.err"
expect_code 1 p contact reset-password ann@acme.example --print --send quick-portal-credentials
expect_code 1 p contact reset-password nobody@acme.example --print
check grep -q "no contact with the address nobody@acme.example" "$TMP/last.err"
expect_code 1 p contact reset-password "not an address" --print
expect_code 0 portero --config "$C" auth ann@acme.example <<< "$P2"

begin "contact reset-password --send: mailed at once, the old password replaced"
n=$(sent_count)
expect_code 0 p contact reset-password ann@acme.example --send quick-portal-credentials
check grep -q "1 mail(s) sent" "$TMP/last.out"
expect_eq "$(sent_count)" "$((n + 1))"
R=$(last_sent)
expect_eq "$(header "$R" To)" "Ann Smith <ann@acme.example>"
P3=$(password_in "$R")
check [ -n "$P3" ]
expect_code 0 portero --config "$C" auth ann@acme.example <<< "$P3"
expect_code 1 portero --config "$C" auth ann@acme.example <<< "$P2"
expect_eq "$(sql "$S" "select kind, automatic, credential, status from outbox where message_id='$(header "$R" Message-ID | tr -d '<>')'")" \
  "reset|0|1|sent"

begin "contact reset-password --send: a template without credentials or an unknown one is refused"
n=$(sent_count)
expect_code 1 p contact reset-password ann@acme.example --send my-tickets
check grep -q "resets nothing" "$TMP/last.err"
expect_code 1 p contact reset-password ann@acme.example --send no-such-template
expect_eq "$(sent_count)" "$n"
expect_code 0 portero --config "$C" auth ann@acme.example <<< "$P3"

begin "contact request-reset answers the same for a known and an unknown address"
n=$(sent_count)
t0=$(now_ms)
expect_code 0 p contact request-reset ann@acme.example
t1=$(now_ms)
cp "$TMP/last.out" "$TMP/known.out"
wait_sent $((n + 1))
expect_eq "$(sent_count)" "$((n + 1))" "a mail for the known address"
RR=$(last_sent)
expect_code 0 p contact request-reset nobody@acme.example
t2=$(now_ms)
check cmp -s "$TMP/last.out" "$TMP/known.out"
expect_eq "$(wc -l < "$TMP/last.out")" "1"
expect_eq "$(sent_count)" "$((n + 1))" "no mail for the unknown address"
check [ $((t2 - t1)) -ge 500 ]
check [ $((t1 - t0)) -ge 500 ]

begin "the reset mail carries a one-time link to the contact's own address"
expect_eq "$(header "$RR" To)" "Ann Smith <ann@acme.example>"
expect_eq "$(header "$RR" Subject)" "Reset your portal password"
expect_eq "$(header "$RR" Auto-Submitted)" "auto-generated"
check grep -q "https://portal.helpdesk.example/set-password?user=ann%40acme.example&code=[0-9a-f]\{32\}" <(body "$RR")
CODE=$(code_in "$RR")
check [ ${#CODE} -eq 32 ]
expect_eq "$(sql "$S" "select count(*) from reset_tokens where contact_id=$(contact_of ann@acme.example)")" "1"
if cat "$S"/portero.db* | grep -aq "$CODE"; then fail "the code is in the database files"; fi

begin "auth --reset-code: too short a password is refused and keeps the code"
expect_code 1 portero --config "$C" auth --reset-code "$CODE" ann@acme.example <<< "short"
check grep -q "at least 12 characters" "$TMP/last.err"
# eleven characters are not enough either
expect_code 1 portero --config "$C" auth --reset-code "$CODE" ann@acme.example <<< "elevenchars"
check grep -q "at least 12 characters" "$TMP/last.err"
expect_eq "$(sql "$S" "select count(*) from reset_tokens where contact_id=$(contact_of ann@acme.example)")" "1"

begin "auth --reset-code: a password in [portal] breached-passwords is refused; a list that cannot be read sets none"
BREACHED="Summer2026!Summer"
# Pwned Passwords' format, made as portero.conf(5) says, CRLF, one line either side
{ printf '%s\n' "$BREACHED" "iloveyou-forever" "letmein-letmein"; } | while IFS= read -r w; do
  printf '%s' "$w" | sha1sum | cut -c1-40 | tr a-f A-F | sed 's/$/:42/'
done | LC_ALL=C sort | sed 's/$/\r/' > "$S/pwned.txt"
printf '[portal]\nbreached-passwords=pwned.txt\n' >> "$C"
expect_code 0 portero --config "$C" check
check grep -q "^$S/pwned.txt: ok" "$TMP/last.out"
expect_code 1 portero --config "$C" auth --reset-code "$CODE" ann@acme.example <<< "$BREACHED"
check grep -q "appeared in a data breach" "$TMP/last.err"
check [ "$(grep -c "$BREACHED" "$TMP/last.err")" = 0 ]
# fail closed: no list, no password; portero check says what to fix
sed -i 's/^breached-passwords=pwned.txt$/breached-passwords=missing.txt/' "$C"
expect_code 1 portero --config "$C" auth --reset-code "$CODE" ann@acme.example <<< "chosen by Ann 2026"
check grep -q "breached-passwords.*administrator" "$TMP/last.err"
expect_code 0 portero --config "$C" check
check grep -q "warning: \[portal\] breached-passwords: .*missing.txt" "$TMP/last.out"
expect_eq "$(sql "$S" "select count(*) from reset_tokens where contact_id=$(contact_of ann@acme.example)")" "1"
# the list stays set for the next test: its password is not in it
sed -i 's/^breached-passwords=missing.txt$/breached-passwords=pwned.txt/' "$C"

begin "auth --reset-code sets the new password once; the code is then spent"
NEWP="chosen by Ann 2026"
expect_code 1 portero --config "$C" auth --reset-code "$CODE" nobody@acme.example <<< "$NEWP"
check grep -q "invalid or expired code" "$TMP/last.err"
expect_code 1 portero --config "$C" auth --reset-code "0123456789abcdef0123456789abcdef" ann@acme.example <<< "$NEWP"
check grep -q "invalid or expired code" "$TMP/last.err"
n=$(sent_count)
expect_code 0 portero --config "$C" auth --reset-code "$CODE" ann@acme.example <<< "$NEWP"
# the contact hears of the change, without the password
expect_eq "$(sent_count)" "$((n + 1))" "a notice of the change"
expect_eq "$(header "$(last_sent)" Subject)" "Your portal password was changed"
expect_eq "$(header "$(last_sent)" To)" "Ann Smith <ann@acme.example>"
check [ "$(grep -c "$NEWP" "$(last_sent)")" = 0 ]
expect_code 0 portero --config "$C" auth ann@acme.example <<< "$NEWP"
expect_code 1 portero --config "$C" auth ann@acme.example <<< "$P3"
expect_code 1 portero --config "$C" auth --reset-code "$CODE" ann@acme.example <<< "another password 1"
check grep -q "invalid or expired code" "$TMP/last.err"
expect_code 0 portero --config "$C" auth ann@acme.example <<< "$NEWP"
expect_eq "$(sql "$S" "select count(*) from reset_tokens where contact_id=$(contact_of ann@acme.example)")" "0"
sed -i '/^breached-passwords=/d' "$C"

begin "auth --reset-code: an expired code fails"
n=$(sent_count)
expect_code 0 p contact request-reset ANN@acme.example
wait_sent $((n + 1))
CODE2=$(code_in "$(last_sent)")
check [ -n "$CODE2" ]
check [ "$CODE2" != "$CODE" ]
sql "$S" "update reset_tokens set expires='2000-01-01T00:00:00Z' where contact_id=$(contact_of ann@acme.example)"
expect_code 1 portero --config "$C" auth --reset-code "$CODE2" ann@acme.example <<< "yet another password"
check grep -q "invalid or expired code" "$TMP/last.err"
expect_code 0 portero --config "$C" auth ann@acme.example <<< "$NEWP"

begin "request-reset: not an address is a user error"
expect_code 1 p contact request-reset "not an address"

# ---------------------------------------------------------------- maintain, backup

begin "maintain expires reset codes and says so; a second run is idempotent"
expect_eq "$(sql "$S" "select count(*) from reset_tokens where contact_id=$(contact_of ann@acme.example)")" "1"
expect_code 0 p maintain
check grep -q "^1 expired reset codes removed" "$TMP/last.out"
check grep -q "checkpointed" "$TMP/last.out"
expect_eq "$(sql "$S" "select count(*) from reset_tokens where contact_id=$(contact_of ann@acme.example)")" "0"
expect_code 0 p maintain
check grep -q "^0 sent, 0 deferred, 0 failed" "$TMP/last.out"
check grep -q "^0 expired reset codes removed" "$TMP/last.out"

begin "a technician's reset voids a one-time code still out"
n=$(sent_count)
expect_code 0 p contact request-reset ann@acme.example
wait_sent $((n + 1))
CODE3=$(code_in "$(last_sent)")
check [ -n "$CODE3" ]
expect_code 0 p contact reset-password ann@acme.example --print
expect_code 1 portero --config "$C" auth --reset-code "$CODE3" ann@acme.example <<< "a password from the link"

# PostgreSQL's backup is pg_dump (T180 checks what portero backup says there).
begin "backup: a copy that sqlite3 opens, with the same tickets, mode 0600"
if sqlite_only "portero backup"; then :; else
expect_code 0 p backup "$TMP/copy.db"
check grep -q "backup written to $TMP/copy.db" "$TMP/last.out"
expect_eq "$(sqlite3 "$TMP/copy.db" "pragma integrity_check")" "ok"
expect_eq "$(sqlite3 "$TMP/copy.db" "select group_concat(id || ':' || title || ':' || status, ',') from tickets")" \
  "$(sql "$S" "select group_concat(id || ':' || title || ':' || status, ',') from tickets")"
expect_eq "$(stat -c %a "$TMP/copy.db")" "600"
expect_eq "$(ls "$TMP" | grep -c 'copy.db.')" "0" "no temporary file left"
fi

begin "backup: an existing file is refused unless --force; a bad path is a user error"
if sqlite_only "portero backup"; then :; else
expect_code 1 p backup "$TMP/copy.db"
check grep -q "exists already" "$TMP/last.err"
expect_code 0 p backup "$TMP/copy.db" --force
expect_eq "$(sqlite3 "$TMP/copy.db" "pragma integrity_check")" "ok"
expect_code 1 p backup "$TMP/no-such-dir/copy.db"
expect_code 1 p backup "$TMP"
fi

begin "backup while the database is in use: a write lock held, mail arriving"
if sqlite_only "portero backup"; then :; else
lock_db "$S"
expect_code 0 p backup "$TMP/locked.db"
unlock_db
expect_eq "$(sqlite3 "$TMP/locked.db" "select count(*) from tickets")" "$(sql "$S" "select count(*) from tickets")"
before=$(sql "$S" "select count(*) from tickets")
( for i in 1 2 3 4 5 6; do mail "carol$i@else.example" "Busy $i" | deliver_to "$S"; done ) &
busy=$!
for i in 1 2 3; do
  expect_code 0 p backup "$TMP/busy$i.db"
  expect_eq "$(sqlite3 "$TMP/busy$i.db" "pragma integrity_check")" "ok"
  got=$(sqlite3 "$TMP/busy$i.db" "select count(*) from tickets")
  check [ "$got" -ge "$before" ] && check [ "$got" -le $((before + 6)) ]
  expect_eq "$(sqlite3 "$TMP/busy$i.db" "select count(*) from tickets t where not exists (select 1 from messages m where m.ticket_id = t.id)")" "0"
done
wait $busy
expect_eq "$(sql "$S" "select count(*) from tickets")" "$((before + 6))"
fi

# ---------------------------------------------------------------- IT mode

begin "IT mode: user errors use its words"
I=$TMP/it
new_state "$I"
sed -i 's|^\[portero\]$|[portero]\nmode=it|' "$I/portero.conf"
expect_code 1 portero --config "$I/portero.conf" user reset-password nobody@acme.example --print
check grep -q "no user with the address nobody@acme.example" "$TMP/last.err"
expect_code 0 portero --config "$I/portero.conf" user request-reset nobody@acme.example
check grep -q "belongs to a user" "$TMP/last.out"

test_done
