#!/usr/bin/env bash
# portero customer/contact/ticket commands, text and JSON, MSP and IT mode.
. "$(dirname "$0")/test-lib.sh"

S=$TMP/state
new_state "$S"
C=$S/portero.conf
jq_py() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

begin "customer add, domain add and customer list --json (by name)"
expect_code 0 portero --config "$C" customer add "Acme Industrial"
expect_code 0 portero customer domain add "Acme Industrial" "ACME.Example." --config "$C"
expect_code 0 portero --config "$C" customer domain add "Acme Industrial" bücher.example
portero --config "$C" customer list --json > "$TMP/c.json"
expect_eq "$(jq_py '[(c["name"], c["domains"]) for c in d]' < "$TMP/c.json")" \
  "[('Acme Industrial', ['acme.example', 'xn--bcher-kva.example']), ('Unassigned', [])]"

begin "a customer that exists already is a user error"
expect_code 1 portero --config "$C" customer add "acme industrial"
check grep -q "exists already" "$TMP/last.err"

begin "a domain belongs to at most one customer"
portero --config "$C" customer add "Other" >/dev/null
expect_code 1 portero --config "$C" customer domain add "Other" acme.example
check grep -q "belongs to \"Acme Industrial\"" "$TMP/last.err"

begin "an unknown customer and a bad domain are user errors"
expect_code 1 portero --config "$C" customer domain add "Nobody" nobody.example
check grep -q "no customer named \"Nobody\"" "$TMP/last.err"
expect_code 1 portero --config "$C" customer domain add "Other" "not a domain"

for m in "Ann <ann@acme.example>|Broken laptop" "Ben <ben@else.example>|Need access" "ann@acme.example|Second issue"; do
  mail "${m%%|*}" "${m#*|}" | deliver_to "$S" || true
done

begin "contact list --json has the documented fields"
portero --config "$C" contact list --json > "$TMP/ct.json"
expect_eq "$(jq_py 'sorted(d[0].keys())' < "$TMP/ct.json")" \
  "['auto_tickets', 'created', 'customer', 'email', 'emails', 'id', 'main', 'name', 'password', 'pending_password', 'source', 'tickets']"
expect_eq "$(jq_py '[(c["email"], c["emails"], c["name"], c["customer"], c["main"], c["source"], c["auto_tickets"]) for c in d]' < "$TMP/ct.json")" \
  "[('ann@acme.example', ['ann@acme.example'], 'Ann', 'Acme Industrial', False, 'email', True), ('ben@else.example', ['ben@else.example'], 'Ben', 'Unassigned', False, 'email', True)]"

begin "contact list --customer narrows the list"
expect_eq "$(portero --config "$C" contact list --customer Unassigned --json | jq_py '[c["email"] for c in d]')" "['ben@else.example']"

begin "ticket list --json has the documented fields and counts messages"
portero --config "$C" ticket list --sort id --json > "$TMP/t.json"
expect_eq "$(jq_py '[(t["id"], t["title"], t["status"], t["priority"], t["customer"], t["requester"], t["messages"]) for t in d]' < "$TMP/t.json")" \
  "[(1, 'Broken laptop', 'open', 'normal', 'Acme Industrial', 'ann@acme.example', 1), (2, 'Need access', 'open', 'normal', 'Unassigned', 'ben@else.example', 1), (3, 'Second issue', 'open', 'normal', 'Acme Industrial', 'ann@acme.example', 1)]"

begin "ticket list filters: --customer, --contact, --status, --limit (most recent first)"
expect_eq "$(portero --config "$C" ticket list --customer "Acme Industrial" --json | jq_py '[t["id"] for t in d]')" "[3, 1]"
expect_eq "$(portero --config "$C" ticket list --contact ben@else.example --json | jq_py '[t["id"] for t in d]')" "[2]"
sql "$S" "update tickets set status='closed' where id=2"
expect_eq "$(portero --config "$C" ticket list --status open --json | jq_py '[t["id"] for t in d]')" "[3, 1]"
expect_eq "$(portero --config "$C" ticket list --limit 1 --json | jq_py '[t["id"] for t in d]')" "[3]"

begin "--contact takes the address in any case; an unknown --customer is a user error"
expect_eq "$(portero --config "$C" ticket list --contact BEN@Else.Example --json | jq_py '[t["id"] for t in d]')" "[2]"
expect_code 1 portero --config "$C" ticket list --customer "Nobody"
check grep -q 'no customer named "Nobody"' "$TMP/last.err"
expect_code 1 portero --config "$C" contact list --customer "Nobody"

begin "ticket show --json adds the thread"
mail "ann@acme.example" "Re: [#1] more" | deliver_to "$S"
portero --config "$C" ticket show 1 --json > "$TMP/t1.json"
expect_eq "$(jq_py '(d["id"], d["messages"], [(m["from"], m["subject"], m["auto"], m["attachments"]) for m in d["thread"] if m["kind"] == "mail"])' < "$TMP/t1.json")" \
  "(1, 2, [('ann@acme.example', 'Broken laptop', False, []), ('ann@acme.example', 'Re: [#1] more', False, [])])"
check grep -q '"date" : "2026-11-24T09:00:00Z"' "$TMP/t1.json"

begin "ticket show in text names the fields and prints the bodies"
expect_code 0 portero --config "$C" ticket show 1
check grep -q "^Title: *Broken laptop" "$TMP/last.out"
check grep -q "this is a test" "$TMP/last.out"

begin "an unknown ticket is a user error"
expect_code 1 portero --config "$C" ticket show 999
check grep -q "no ticket 999" "$TMP/last.err"
expect_code 1 portero --config "$C" ticket show abc

begin "--json output is JSON alone on stdout"
for cmd in "customer list" "contact list" "ticket list" "ticket show 1"; do
  portero --config "$C" $cmd --json | /usr/bin/python3 -c 'import json,sys; json.load(sys.stdin)' || fail "$cmd --json is not JSON"
done

begin "IT mode speaks of sites and users and accepts both nouns"
sed -i 's/^\[portero\]$/[portero]\nmode=it/' "$C"
expect_code 0 portero --config "$C" site list
check grep -q "^SITE *USERS" "$TMP/last.out"
expect_code 0 portero --config "$C" user list
check grep -q "SITE" "$TMP/last.out"
expect_code 0 portero --config "$C" customer add "Branch"
check grep -q "^Site \"Branch\" added" "$TMP/last.out"
expect_code 1 portero --config "$C" site domain add "Nowhere" x.example
check grep -q "no site named" "$TMP/last.err"

begin "unknown commands and bad arguments exit 1 with one line"
expect_code 1 portero --config "$C" frobnicate
expect_code 1 portero --config "$C" customer add
expect_code 1 portero --config "$C" ticket list --limit -3
expect_code 1 portero --config "$C" ticket list --bogus

begin "help lists the commands"
expect_code 0 portero --help
check grep -q "customer domain add" "$TMP/last.out"

begin "a command's --help needs no configuration"
expect_code 0 portero --config "$TMP/no-such.conf" ticket list --help
check grep -q -- "--status" "$TMP/last.out"

test_done
