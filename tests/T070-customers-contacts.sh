#!/usr/bin/env bash
# portero customer show | rename | domain add | remove | list, and
# portero contact add | list --search | show | email add | remove | set |
# merge | delete: the database, the mail sent, the errors, IT mode's words.
. "$(dirname "$0")/test-lib.sh"

S=$TMP/state
new_state "$S"
C=$S/portero.conf
p() { portero --config "$C" "$@"; }
jq_py() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# mails_to DIR ADDRESS: how many mails in DIR's Maildir are addressed to ADDRESS.
mails_to() { grep -lis "^To:.*<\?$2>\?\s*$" "$1"/sent/new/* 2>/dev/null | wc -l; }
# one_line: the last command's stderr is one line.
one_line() { [ "$(wc -l < "$TMP/last.err")" -eq 1 ]; }
not() { ! "$@"; }

p customer add "Acme" >/dev/null
p customer domain add "Acme" acme.example >/dev/null

begin "customer show prints the fields; --json the documented object"
expect_code 0 p customer show acme
check grep -q "^Customer: *Acme$" "$TMP/last.out"
check grep -q "^Domains: *acme.example$" "$TMP/last.out"
check grep -q "^Main contacts:" "$TMP/last.out"
p customer show Acme --json > "$TMP/cs.json"
expect_eq "$(jq_py '(d["name"], d["domains"], d["contacts"], d["tickets"], d["default"])' < "$TMP/cs.json")" \
  "('Acme', ['acme.example'], 0, 0, False)"

begin "customer show: an unknown customer exits 1 with one line"
expect_code 1 p customer show Nobody
check grep -q 'no customer named "Nobody"' "$TMP/last.err"
check one_line

begin "customer rename renames; unknown, taken and empty names exit 1"
p customer add "Beta Old" >/dev/null
expect_code 0 p customer rename "Beta Old" "Beta"
check grep -q 'renamed to "Beta"' "$TMP/last.out"
expect_eq "$(sql "$S" "select count(*) from customers where name='Beta'")|$(sql "$S" "select count(*) from customers where name='Beta Old'")" "1|0"
expect_code 1 p customer rename "Nobody" "X"
check grep -q 'no customer named "Nobody"' "$TMP/last.err"
expect_code 1 p customer rename "Beta" "acme"
check grep -q "exists already" "$TMP/last.err"
expect_code 1 p customer rename "Beta" "  "
expect_code 1 p customer rename "Beta"
expect_eq "$(sql "$S" "select name from customers order by id")" "$(printf 'Unassigned\nAcme\nBeta')"

begin "customer domain add refuses free-mail domains unless --force"
for d in gmail.com Outlook.COM hotmail.es yahoo.co.uk yahoo.es live.com.mx gmx.de web.de; do
  expect_code 1 p customer domain add Beta "$d"
  check grep -q "free-mail" "$TMP/last.err"
  check one_line
done
expect_eq "$(sql "$S" "select count(*) from domains")" "1"
expect_code 0 p customer domain add Beta gmail.com --force
expect_eq "$(sql "$S" "select d.domain, c.name from domains d join customers c on c.id = d.customer_id where domain='gmail.com'")" \
  "gmail.com|Beta"
p customer domain remove gmail.com >/dev/null
# an ordinary domain that merely starts like a provider's name is not refused
expect_code 0 p customer domain add Beta live-events.example

begin "customer domain add --apply-existing moves the default customer's contacts and their tickets"
for f in "Carol <carol@beta.example>" "Dan <dan@Beta.Example>" "Eve <eve@other.example>"; do
  mail "$f" "Hello from $f" | deliver_to "$S"
done
expect_eq "$(sql "$S" "select count(*) from contacts c join customers u on u.id = c.customer_id where u.is_default = 1")" "3"
expect_code 0 p customer domain add Beta BETA.example --apply-existing
check grep -q "^2 contacts of beta.example moved to customer \"Beta\"" "$TMP/last.out"
expect_eq "$(sql "$S" "select e.email, u.name from contacts c join contact_emails e on e.contact_id = c.id join customers u on u.id = c.customer_id order by e.email")" \
  "$(printf 'carol@beta.example|Beta\ndan@beta.example|Beta\neve@other.example|Unassigned')"
expect_eq "$(sql "$S" "select t.requester, u.name from tickets t join customers u on u.id = t.customer_id order by t.id")" \
  "$(printf 'carol@beta.example|Beta\ndan@beta.example|Beta\neve@other.example|Unassigned')"

begin "customer domain add: taken, unknown customer and bad domain exit 1, nothing changed"
expect_code 1 p customer domain add Acme beta.example
check grep -q 'belongs to "Beta"' "$TMP/last.err"
expect_code 1 p customer domain add Nobody new.example --apply-existing
expect_code 1 p customer domain add Acme "no domain"
expect_eq "$(sql "$S" "select count(*) from domains where domain in ('new.example')")" "0"

begin "customer domain list: all, one customer's, --json"
expect_code 0 p customer domain list
check grep -q "^DOMAIN *CUSTOMER" "$TMP/last.out"
check grep -q "^beta.example *Beta" "$TMP/last.out"
expect_eq "$(p customer domain list --json | jq_py '[(x["domain"], x["customer"]) for x in d]')" \
  "[('acme.example', 'Acme'), ('beta.example', 'Beta'), ('live-events.example', 'Beta')]"
expect_eq "$(p customer domain list Acme --json | jq_py '[x["domain"] for x in d]')" "['acme.example']"
expect_code 1 p customer domain list Nobody
check grep -q 'no customer named "Nobody"' "$TMP/last.err"

begin "customer domain remove: removes (normalised), its contacts stay; unknown or bad exits 1"
expect_code 0 p customer domain remove LIVE-events.Example.
expect_eq "$(sql "$S" "select count(*) from domains where domain='live-events.example'")" "0"
expect_code 1 p customer domain remove live-events.example
check grep -q "belongs to no customer" "$TMP/last.err"
check one_line
expect_code 1 p customer domain remove "not a domain"
expect_code 0 p customer domain remove beta.example
expect_eq "$(sql "$S" "select count(*) from contacts where customer_id=(select id from customers where name='Beta')")" "2"
p customer domain add Beta beta.example >/dev/null

begin "contact add: files under the domain's customer, source manual, welcome mail lands in the Maildir"
expect_code 0 p contact add "Fay@ACME.example" --name " Fay Fox "
check grep -q "^Contact fay@acme.example added to customer \"Acme\"" "$TMP/last.out"
check grep -q "1 mail(s) sent" "$TMP/last.out"
expect_eq "$(sql "$S" "select c.name, u.name, c.source, c.main, c.password_hash is not null from contacts c join contact_emails e on e.contact_id = c.id join customers u on u.id = c.customer_id where e.email='fay@acme.example'")" \
  "Fay Fox|Acme|manual|0|1"
expect_eq "$(mails_to "$S" fay@acme.example)" "1"
expect_eq "$(sql "$S" "select kind, status from outbox where recipient='fay@acme.example'")" "welcome|sent"
f=$(grep -lis "^To:.*fay@acme.example" "$S"/sent/new/*)
check grep -q "^Subject: Welcome" "$f"
check grep -q "fay@acme.example" "$f"

begin "contact add: the default customer without a mapped domain; --customer and --main"
expect_code 0 p contact add gus@nowhere.example --no-welcome
check grep -q 'to customer "Unassigned"' "$TMP/last.out"
expect_code 0 p contact add hal@nowhere.example --customer acme --main --no-welcome
check grep -q 'to customer "Acme" as a main contact' "$TMP/last.out"
expect_eq "$(sql "$S" "select u.name, c.main from contacts c join contact_emails e on e.contact_id = c.id join customers u on u.id = c.customer_id where e.email in ('gus@nowhere.example','hal@nowhere.example') order by e.email")" \
  "$(printf 'Unassigned|0\nAcme|1')"

begin "contact add --no-welcome sends nothing"
check grep -q "No welcome mail (--no-welcome)" "$TMP/last.out"
expect_eq "$(mails_to "$S" gus@nowhere.example)$(mails_to "$S" hal@nowhere.example)" "00"
expect_eq "$(sql "$S" "select count(*) from outbox where recipient like '%@nowhere.example'")" "0"

begin "contact add: existing contact, bad address, unknown customer exit 1, nothing added"
n=$(sql "$S" "select count(*) from contacts")
expect_code 1 p contact add FAY@acme.example
check grep -q "contact fay@acme.example exists already" "$TMP/last.err"
check one_line
expect_code 1 p contact add "not an address"
expect_code 1 p contact add ivy@acme.example --customer Nobody
check grep -q 'no customer named "Nobody"' "$TMP/last.err"
expect_code 1 p contact add
expect_eq "$(sql "$S" "select count(*) from contacts")" "$n"
expect_eq "$(mails_to "$S" ivy@acme.example)" "0"

begin "contact add sends no welcome mail when welcome-email=false"
W=$TMP/nowelcome
new_state "$W"
sed -i 's/^\[mail\]$/[mail]\nwelcome-email=false/' "$W/portero.conf"
expect_code 0 portero --config "$W/portero.conf" contact add jo@acme.example
check grep -q "No welcome mail" "$TMP/last.out"
expect_eq "$(sql "$W" "select count(*) from contacts")|$(sql "$W" "select count(*) from outbox")" "1|0"
expect_eq "$(mails_to "$W" jo@acme.example)" "0"

begin "contact list --search matches names and addresses"
expect_eq "$(p contact list --search fox --json | jq_py '[c["email"] for c in d]')" "['fay@acme.example']"
expect_eq "$(p contact list --search NOWHERE --json | jq_py '[c["email"] for c in d]')" "['gus@nowhere.example', 'hal@nowhere.example']"
expect_eq "$(p contact list --search nowhere --customer Acme --json | jq_py '[c["email"] for c in d]')" "['hal@nowhere.example']"
expect_eq "$(p contact list --search zzz --json | jq_py 'd')" "[]"
expect_code 0 p contact list --search carol
check grep -q "^carol@beta.example" "$TMP/last.out"

begin "contact show: fields in text, one object in JSON; unknown exits 1"
expect_code 0 p contact show FAY@acme.example
check grep -q "^Contact: *fay@acme.example$" "$TMP/last.out"
check grep -q "^Name: *Fay Fox$" "$TMP/last.out"
check grep -q "^Customer: *Acme$" "$TMP/last.out"
check grep -q "^Source: *manual$" "$TMP/last.out"
expect_eq "$(p contact show hal@nowhere.example --json | jq_py '(d["email"], d["emails"], d["customer"], d["main"], d["source"], d["auto_tickets"])')" \
  "('hal@nowhere.example', ['hal@nowhere.example'], 'Acme', True, 'manual', True)"
expect_code 1 p contact show nobody@acme.example
check grep -q "no contact with the address nobody@acme.example" "$TMP/last.err"
check one_line
expect_code 1 p contact show "bad address"

begin "contact email add gives another address; its mail then finds the contact"
expect_code 0 p contact email add fay@acme.example Fay.Fox@Home.example
expect_eq "$(sql "$S" "select e.email, e.is_primary from contact_emails e where contact_id=(select contact_id from contact_emails where email='fay@acme.example') order by e.email")" \
  "$(printf 'fay.fox@home.example|0\nfay@acme.example|1')"
mail "fay.fox@home.example" "From home" | deliver_to "$S"
expect_eq "$(sql "$S" "select u.name from tickets t join customers u on u.id = t.customer_id where title='From home'")" "Acme"
expect_code 0 p contact email add fay@acme.example fay.fox@home.example
check grep -q "already" "$TMP/last.out"

begin "contact email add: another contact's address, unknown contact, bad address exit 1"
expect_code 1 p contact email add fay@acme.example carol@beta.example
check grep -q "belongs to another contact already (carol@beta.example)" "$TMP/last.err"
expect_code 1 p contact email add nobody@acme.example new@acme.example
expect_code 1 p contact email add fay@acme.example "bad address"
expect_eq "$(sql "$S" "select count(*) from contact_emails where email in ('new@acme.example')")" "0"

begin "contact email remove: takes an address; the primary passes on; errors exit 1"
expect_code 0 p contact email remove fay.fox@home.example fay@acme.example
expect_eq "$(sql "$S" "select email, is_primary from contact_emails where email like 'fay%'")" "fay.fox@home.example|1"
expect_code 1 p contact email remove fay.fox@home.example fay.fox@home.example
check grep -q "only address" "$TMP/last.err"
expect_code 1 p contact email remove fay.fox@home.example carol@beta.example
check grep -q "is not an address of contact fay.fox@home.example" "$TMP/last.err"
expect_code 1 p contact email remove nobody@acme.example x@acme.example
expect_eq "$(sql "$S" "select count(*) from contact_emails where email like 'fay%'")" "1"
p contact email add fay.fox@home.example fay@acme.example >/dev/null

begin "contact set changes main, auto-tickets, name and customer"
expect_code 0 p contact set gus@nowhere.example --main yes --auto-tickets no --name "Gus G" --customer Beta
expect_eq "$(sql "$S" "select c.main, c.auto_tickets, c.name, u.name from contacts c join contact_emails e on e.contact_id = c.id join customers u on u.id = c.customer_id where e.email='gus@nowhere.example'")" \
  "1|0|Gus G|Beta"
expect_code 0 p contact set gus@nowhere.example --main no
expect_eq "$(sql "$S" "select c.main, c.auto_tickets, c.name from contacts c join contact_emails e on e.contact_id = c.id where e.email='gus@nowhere.example'")" \
  "0|0|Gus G"

begin "contact set: bad yes/no, unknown customer or contact, nothing to set exit 1, nothing changed"
expect_code 1 p contact set gus@nowhere.example --main maybe
check grep -q -- "--main takes yes or no" "$TMP/last.err"
check one_line
expect_code 1 p contact set gus@nowhere.example --auto-tickets 2
expect_code 1 p contact set gus@nowhere.example --name "Changed" --customer Nobody
check grep -q 'no customer named "Nobody"' "$TMP/last.err"
expect_code 1 p contact set nobody@acme.example --main yes
expect_code 1 p contact set gus@nowhere.example
expect_eq "$(sql "$S" "select c.main, c.auto_tickets, c.name from contacts c join contact_emails e on e.contact_id = c.id where e.email='gus@nowhere.example'")" \
  "0|0|Gus G"

begin "contact merge moves addresses, tickets and history; FROM is gone"
mail "Dan <dan@beta.example>" "Dan again" | deliver_to "$S"
from_id=$(sql "$S" "select contact_id from contact_emails where email='dan@beta.example'")
into_id=$(sql "$S" "select contact_id from contact_emails where email='carol@beta.example'")
expect_eq "$(sql "$S" "select count(*) from tickets where contact_id=$from_id")" "2"
expect_code 0 p contact merge Dan@Beta.example carol@beta.example
check grep -q "merged into carol@beta.example" "$TMP/last.out"
expect_eq "$(sql "$S" "select count(*) from contacts where id=$from_id")" "0"
expect_eq "$(sql "$S" "select email, is_primary from contact_emails where contact_id=$into_id order by email")" \
  "$(printf 'carol@beta.example|1\ndan@beta.example|0')"
expect_eq "$(sql "$S" "select count(*) from tickets where contact_id=$into_id")" "3"
expect_eq "$(sql "$S" "select count(*) from messages where contact_id=$from_id")" "0"
mail "dan@beta.example" "Dan after the merge" | deliver_to "$S"
expect_eq "$(sql "$S" "select contact_id from tickets where title='Dan after the merge'")" "$into_id"

begin "contact merge: the same contact, unknown ones exit 1"
expect_code 1 p contact merge carol@beta.example dan@beta.example
check grep -q "same contact" "$TMP/last.err"
expect_code 1 p contact merge nobody@beta.example carol@beta.example
check grep -q "no contact with the address nobody@beta.example" "$TMP/last.err"
expect_code 1 p contact merge carol@beta.example nobody@beta.example
expect_code 1 p contact merge carol@beta.example
expect_eq "$(sql "$S" "select count(*) from contacts where id=$into_id")" "1"

begin "contact delete: the contact goes, tickets stay without one"
eve_id=$(sql "$S" "select contact_id from contact_emails where email='eve@other.example'")
expect_code 0 p contact delete eve@other.example
expect_eq "$(sql "$S" "select count(*) from contacts where id=$eve_id")|$(sql "$S" "select count(*) from contact_emails where email='eve@other.example'")" "0|0"
expect_eq "$(sql "$S" "select contact_id is null, requester from tickets where title like 'Hello from Eve%'")" "1|eve@other.example"
expect_eq "$(sql "$S" "select raw is not null from messages where subject like 'Hello from Eve%'")" "1"
expect_code 1 p contact delete eve@other.example
check grep -q "no contact with the address eve@other.example" "$TMP/last.err"

begin "contact delete --erase leaves placeholders and no raw bytes"
marker="Secret-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
mail "Kim <kim@other.example>" "$marker" | deliver_to "$S"
kim_id=$(sql "$S" "select contact_id from contact_emails where email='kim@other.example'")
msgs=$(sql "$S" "select id from messages where contact_id=$kim_id" | paste -sd, -)
check [ -n "$msgs" ]
expect_code 0 p contact delete kim@other.example --erase
check grep -q "erased" "$TMP/last.out"
expect_eq "$(sql "$S" "select count(*) from contacts where id=$kim_id")" "0"
expect_eq "$(sql "$S" "select distinct raw is null, subject, body, from_addr from messages where id in ($msgs)")" "1|(erased)|(erased)|"
expect_eq "$(sql "$S" "select count(*) from messages where id in ($msgs) and (subject like '%$marker%' or body like '%Hello,%')")" "0"
expect_eq "$(sql "$S" "select count(*) from attachments where message_id in ($msgs)")" "0"
expect_eq "$(sql "$S" "select title, requester, contact_id is null from tickets where id in (select ticket_id from messages where id in ($msgs))")" \
  "(erased)|(erased)|1"
expect_eq "$(sql "$S" "select count(*) from outbox where recipient='kim@other.example'")" "0"
check [ "$(cat "$S"/portero.db* | grep -ac "$marker")" -eq 0 ]

begin "contact delete refuses while the outbox holds mail for them, unless --force"
Q=$TMP/queued
new_state "$Q"
sed -i 's/^transport=maildir$/transport=smtp\nhost=127.0.0.1\nport=1\nsend-budget=2/' "$Q/portero.conf"
QC=$Q/portero.conf
expect_code 0 portero --config "$QC" contact add lee@acme.example
check grep -q "queued for portero maintain" "$TMP/last.out"
expect_eq "$(sql "$Q" "select kind, status from outbox")" "welcome|queued"
expect_code 1 portero --config "$QC" contact delete lee@acme.example
check grep -q "the outbox still holds 1 mail(s) for contact lee@acme.example" "$TMP/last.err"
check one_line
expect_code 1 portero --config "$QC" contact delete lee@acme.example --erase
expect_eq "$(sql "$Q" "select count(*) from contacts")|$(sql "$Q" "select count(*) from outbox")" "1|1"
expect_code 0 portero --config "$QC" contact delete lee@acme.example --force
expect_eq "$(sql "$Q" "select count(*) from contacts")|$(sql "$Q" "select status from outbox")" "0|queued"
portero --config "$QC" contact add mo@acme.example >/dev/null 2>&1
expect_code 0 portero --config "$QC" contact delete mo@acme.example --force --erase
expect_eq "$(sql "$Q" "select count(*) from contacts")|$(sql "$Q" "select count(*) from outbox where recipient='mo@acme.example'")" "0|0"

begin "--json output of the new show and list commands is JSON alone"
for cmd in "customer show Acme" "customer domain list" "contact show fay@acme.example" "contact list --search a"; do
  p $cmd --json | /usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)' || fail "$cmd --json is not JSON"
done

begin "IT mode: site and user commands speak of sites and users"
sed -i 's/^\[portero\]$/[portero]\nmode=it/' "$C"
expect_code 0 p site show Acme
check grep -q "^Site: *Acme$" "$TMP/last.out"
check grep -q "^Users:" "$TMP/last.out"
check grep -q "^Main users:" "$TMP/last.out"
check not grep -qi "customer\|contact" "$TMP/last.out"
expect_code 0 p user add nia@acme.example --main --no-welcome
check grep -q '^User nia@acme.example added to site "Acme" as a main user' "$TMP/last.out"
check not grep -qi "customer\|contact" "$TMP/last.out"
expect_code 0 p user show nia@acme.example
check grep -q "^User: *nia@acme.example$" "$TMP/last.out"
check grep -q "^Site: *Acme$" "$TMP/last.out"
check grep -q "^Main user: *yes$" "$TMP/last.out"
expect_code 1 p user show nobody@acme.example
check grep -q "no user with the address" "$TMP/last.err"
expect_code 1 p site rename Nobody X
check grep -q 'no site named "Nobody"' "$TMP/last.err"
expect_code 1 p site domain add Acme gmail.com
check grep -q "under one site" "$TMP/last.err"
expect_code 0 p site domain list
check grep -q "^DOMAIN *SITE" "$TMP/last.out"
expect_code 1 p user add oz@acme.example --site Nobody
check grep -q "no site named" "$TMP/last.err"
expect_code 1 p user add nia@acme.example
check grep -q "user nia@acme.example exists already" "$TMP/last.err"
expect_code 0 p user set nia@acme.example --site Beta
check grep -q "^Site: *Beta$" "$TMP/last.out"
expect_code 1 p user merge nia@acme.example nia@acme.example
check grep -q "same user" "$TMP/last.err"
p contact show nia@acme.example --json > "$TMP/it.json"
expect_eq "$(jq_py 'sorted(d.keys())' < "$TMP/it.json")" \
  "['auto_tickets', 'created', 'customer', 'email', 'emails', 'held_mail', 'id', 'main', 'name', 'password', 'pending_password', 'source', 'tickets']"

test_done
