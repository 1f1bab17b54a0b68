#!/usr/bin/env bash
# The technician's listings: newest first, --sort, one screen on a terminal
# with what is left, keyset cursors (--after, --before), ticket filters.
. "$(dirname "$0")/test-lib.sh"

S=$TMP/state
new_state "$S"
C=$S/portero.conf
p() { portero --config "$C" "$@"; }
py() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
ids() { py '[r["id"] for r in d]'; }

# Three tickets by mail (now), then 117 made earlier: their last activity
# is spread over October in an order that is not their numbers', three
# tickets a minute.
for m in "Ann <ann@acme.example>|Broken laptop" "Ben <ben@else.example>|Need access" "Ann <ann@acme.example>|100% CPU on the server"; do
  mail "${m%%|*}" "${m#*|}" | deliver_to "$S" >/dev/null || true
done
p customer add "Acme" >/dev/null
p customer add "zeta works" >/dev/null
p customer add "Beta" >/dev/null
values=""
for i in $(seq 1 117); do
  minute=$(( (i * 37) % 39 ))  # three tickets a minute: ties the order breaks by number
  status=open; [ $((i % 3)) -eq 0 ] && status=closed
  title="Printer $i"; [ $((i % 10)) -eq 0 ] && title="VPN down $i"
  values="$values${values:+,}('$title', '$status', 1, 'old$((i % 5))@else.example', '2026-10-01T$(printf '%02d:%02d' $((minute / 60)) $((minute % 60))):00Z')"
done
sql "$S" "INSERT INTO tickets(title, status, customer_id, requester, updated) VALUES $values"
# SQLite's title index is written by the store beside each ticket: rows
# written by hand are indexed by hand (PostgreSQL's index keeps itself).
on_pgsql || sql "$S" "DELETE FROM tickets_title; INSERT INTO tickets_title(rowid, title) SELECT id, title FROM tickets"
# What each order must give, from the rows themselves.
rows() { sql "$S" "SELECT id, updated, status, title FROM tickets" > "$TMP/rows"; }
expect_order() {  # ORDER [FILTER-PYTHON]: the ids the store's rows give in ORDER
  /usr/bin/python3 - "$TMP/rows" "$1" "${2:-True}" <<'PY'
import sys
rows = [l.rstrip("\n").split("|", 3) for l in open(sys.argv[1])]
rows = [(int(i), u, s, t) for i, u, s, t in rows]
rows = [r for r in rows if eval(sys.argv[3], {}, {"id": r[0], "updated": r[1], "status": r[2], "title": r[3]})]
key = {"recent": lambda r: (r[1], r[0]), "oldest": lambda r: (r[1], r[0]), "newest": lambda r: r[0], "id": lambda r: r[0]}
rev = sys.argv[2] in ("recent", "newest")
print([r[0] for r in sorted(rows, key=key[sys.argv[2]], reverse=rev)])
PY
}
rows

begin "ticket list: most recent activity first, by default and with --json"
expect_eq "$(p ticket list --json | ids)" "$(expect_order recent)"
expect_eq "$(p ticket list --json --limit 3 | ids)" "[3, 2, 1]"

begin "a reply moves its ticket to the top"
sleep 1.1  # the last activity is kept to the second
mid=$(sql "$S" "SELECT message_id FROM messages WHERE ticket_id = 1")
mail "ann@acme.example" "Re: Broken laptop" "In-Reply-To: <$mid>" "References: <$mid>" | deliver_to "$S" >/dev/null
expect_eq "$(p ticket list --json --limit 3 | ids)" "[1, 3, 2]"
rows

begin "ticket list --sort: oldest, newest, id"
for order in oldest newest id; do
  expect_eq "$(p ticket list --sort $order --json | ids)" "$(expect_order $order)" "--sort $order"
done
expect_code 1 p ticket list --sort name
check grep -q "unknown order \"name\" (recent|oldest|newest|id)" "$TMP/last.err"

begin "on a terminal: one screen, and how many more there are and how to see them"
if ! command -v script >/dev/null; then skip "script (util-linux) is not installed"; else
  on_tty() { script -qec "$PORTERO_BIN --config $C $*" /dev/null | tr -d '\r'; }
  # the table's rows: a ticket number first (the paging line is not one)
  rows_of() { grep -E '^[0-9]+ ' "$@" | grep -v ' of [0-9]'; }
  on_tty ticket list > "$TMP/tty"
  expect_eq "$(rows_of "$TMP/tty" | wc -l)" "50" "rows on the first screen"
  expect_eq "$(tail -1 "$TMP/tty")" "50 of 120; --limit 0 for all, --page 2 for more"
  on_tty ticket list --page 2 > "$TMP/tty2"
  expect_eq "$(tail -1 "$TMP/tty2")" "51-100 of 120; --limit 0 for all, --page 3 for more"
  expect_eq "$(rows_of -h "$TMP/tty" "$TMP/tty2" | awk '{ print $1 }' | tr '\n' ' ')" \
    "$(expect_order recent | tr -d '[],' | cut -d' ' -f1-100) "
  on_tty ticket list --page 3 > "$TMP/tty3"
  expect_eq "$(tail -1 "$TMP/tty3")" "101-120 of 120"
  on_tty ticket list --limit 30 --status open > "$TMP/tty4"
  expect_eq "$(tail -1 "$TMP/tty4")" "30 of 81; --limit 0 for all, --limit 30 --page 2 for more"
  on_tty ticket list --limit 0 > "$TMP/tty5"
  expect_eq "$(rows_of "$TMP/tty5" | wc -l)" "120" "--limit 0"
  if grep -q " of " "$TMP/tty5"; then fail "--limit 0 printed a paging line"; fi
  on_tty customer list > "$TMP/tty6"
  if grep -q " of " "$TMP/tty6"; then fail "a listing that fits printed a paging line"; fi
fi

begin "piped, a listing prints every row and no paging line"
p ticket list > "$TMP/pipe"
expect_eq "$(grep -c '^[0-9]' "$TMP/pipe")" "120"
if grep -q "for more" "$TMP/pipe"; then fail "a paging line in a pipe"; fi

begin "--after and --before walk the whole listing by cursor, in the order"
for order in recent oldest newest id; do
  walked=() last=""
  for _ in $(seq 1 30); do
    page=$(p ticket list --sort $order --json --limit 7 ${last:+--after $last} | ids | tr -d '[],')
    [ -n "$page" ] || break
    walked+=($page)
    last=${walked[${#walked[@]}-1]}
  done
  expect_eq "[$(echo "${walked[*]}" | sed 's/ /, /g')]" "$(expect_order $order)" "walk --sort $order"
done
# the page before the third one is the second one
second=$(p ticket list --json --limit 7 --page 2 | ids)
third_first=$(p ticket list --json --limit 7 --page 3 | py 'd[0]["id"]')
expect_eq "$(p ticket list --json --limit 7 --before "$third_first" | ids)" "$second"
expect_code 1 p ticket list --after 999999
check grep -q "no ticket 999999" "$TMP/last.err"
expect_code 1 p ticket list --after 3 --page 2
expect_code 1 p ticket list --limit 0 --page 2

begin "ticket list --since, --search and --status combine"
expect_eq "$(p ticket list --since 2026-10-01T00:20:00Z --status closed --json | ids)" \
  "$(expect_order recent 'updated >= "2026-10-01T00:20:00Z" and status == "closed"')"
expect_eq "$(p ticket list --since 2026-11-30 --json | ids)" "[1, 3, 2]"
expect_eq "$(p ticket list --search vpn --json | ids)" "$(expect_order recent '"vpn" in title.lower()')"
expect_eq "$(p ticket list --search 'VPN DOWN 1' --status open --json | ids)" \
  "$(expect_order recent '"vpn down 1" in title.lower() and status == "open"')"
expect_eq "$(p ticket list --search '100%' --json | ids)" "[3]"
expect_eq "$(p ticket list --search '0%' --json | ids)" "[3]"
expect_eq "$(p ticket list --contact ann@acme.example --search laptop --json | ids)" "[1]"
expect_code 1 p ticket list --since yesterday

begin "contact and customer list: by name, --sort newest and id, and cursors"
for n in carol dave erin; do p contact add "$n@acme.example" --name "${n^}" --no-welcome >/dev/null; done
expect_eq "$(p contact list --json | py '[c["name"] for c in d]')" "['Ann', 'Ben', 'Carol', 'Dave', 'Erin']"
expect_eq "$(p contact list --sort newest --json | py '[c["name"] for c in d]')" "['Erin', 'Dave', 'Carol', 'Ben', 'Ann']"
ben=$(p contact list --json | py '[c["id"] for c in d if c["name"] == "Ben"][0]')
expect_eq "$(p contact list --json --limit 2 --after "$ben" | py '[c["name"] for c in d]')" "['Carol', 'Dave']"
expect_eq "$(p contact list --json --before "$ben" | py '[c["name"] for c in d]')" "['Ann']"
expect_eq "$(p customer list --json | py '[c["name"] for c in d]')" "['Acme', 'Beta', 'Unassigned', 'zeta works']"
expect_eq "$(p customer list --sort id --json | py '[c["name"] for c in d]')" "['Unassigned', 'Acme', 'zeta works', 'Beta']"
acme=$(p customer list --json | py 'd[0]["id"]')
expect_eq "$(p customer list --json --after "$acme" --limit 2 | py '[c["name"] for c in d]')" "['Beta', 'Unassigned']"

begin "message list: by arrival, newest first; --sort id the oldest first; cursors"
all=$(sql "$S" "SELECT id FROM messages WHERE content_hash <> '' ORDER BY id DESC" | tr '\n' ' ')
expect_eq "$(p message list --json | ids | tr -d '[],') " "$all"
expect_eq "$(p message list --sort id --json | ids | tr -d '[],')" "$(echo $all | tr ' ' '\n' | sort -n | tr '\n' ' ' | sed 's/ $//')"
newest=$(echo $all | cut -d' ' -f1)
expect_eq "$(p message list --json --after "$newest" --limit 1 | ids | tr -d '[]')" "$(echo $all | cut -d' ' -f2)"

begin "--search reads the title index: substrings, any case, with filters and cursors"
# the index is there and holds every title
if on_pgsql; then
  expect_eq "$(sql "$S" "SELECT count(*) FROM pg_indexes WHERE indexname = 'tickets_title_trgm'")" "1" "pg_trgm index"
else
  expect_eq "$(sql "$S" "SELECT count(*) FROM tickets_title")" "120" "titles in the index"
  expect_eq "$(sql "$S" "SELECT count(*) FROM tickets_title WHERE tickets_title MATCH '\"pn dow\"'")" "11" "index lookup"
fi
p check > "$TMP/check" 2>&1 || true
if grep -q "no index" "$TMP/check"; then fail "check: the titles have no index"; fi
expect_eq "$(p ticket list --search 'pn DoW' --json | ids)" "$(expect_order recent '"pn dow" in title.lower()')"
expect_eq "$(p ticket list --search 'nothing holds this' --json | ids)" "[]"
# short text reads the titles, as before
expect_eq "$(p ticket list --search 'n ' --json | ids)" "$(expect_order recent '"n " in title.lower()')"
expect_eq "$(p ticket list --search 'N' --status closed --json | ids)" \
  "$(expect_order recent '"n" in title.lower() and status == "closed"')"
# a page at a time by cursor, with another filter
walked=() last=""
for _ in $(seq 1 10); do
  page=$(p ticket list --search 'vpn down' --status open --json --limit 3 ${last:+--after $last} | ids | tr -d '[],')
  [ -n "$page" ] || break
  walked+=($page)
  last=${walked[${#walked[@]}-1]}
done
expect_eq "[$(echo "${walked[*]}" | sed 's/ /, /g')]" \
  "$(expect_order recent '"vpn down" in title.lower() and status == "open"')" "walk --search"
# a new ticket is found at once; accents are kept (any case, not any accent)
mail "Nusta <nusta@else.example>" "=?UTF-8?Q?=C3=91AND=C3=9A_sin_conexi=C3=B3n?=" | deliver_to "$S" >/dev/null
nandu=$(sql "$S" "SELECT id FROM tickets WHERE title LIKE '%conexi%'")
expect_eq "$(p ticket list --search 'sin conexión' --json | ids)" "[$nandu]"
expect_eq "$(p ticket list --search 'SIN CONEXIÓN' --json | ids)" "[$nandu]"
expect_eq "$(p ticket list --search 'sin conexion' --json | ids)" "[]"
# a title that changes is found by its new text only, and the index forgets the old one
expect_eq "$(p ticket list --search 'laptop' --json | ids)" "[1]"
p contact delete ann@acme.example --erase --force >/dev/null
expect_eq "$(p ticket list --search 'laptop' --json | ids)" "[]"
expect_eq "$(p ticket list --search '(erased)' --json | ids)" "[1, 3]"
if ! on_pgsql; then
  expect_eq "$(sql "$S" "SELECT count(*) FROM tickets_title WHERE tickets_title MATCH '\"laptop\"'")" "0" "old title in the index"
  expect_eq "$(sql "$S" "SELECT count(*) FROM tickets_title WHERE tickets_title MATCH '\"(erased)\"'")" "2" "new title in the index"
  # nor in the file: the index is rewritten without the erased titles,
  # which it would otherwise keep in an older segment
  mail "Vkz <vkz@else.example>" "Qvbkwj fjxmrt" | deliver_to "$S" >/dev/null
  check grep -aq 'qvb' "$S/portero.db" "$S/portero.db-wal"
  p contact delete vkz@else.example --erase --force >/dev/null
  sql "$S" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
  expect_eq "$(grep -aci 'qvb\|xmr' "$S/portero.db")" "0" "the erased title's trigrams in the file"
fi
rows

begin "PostgreSQL without pg_trgm: the search reads the titles, and check says so"
if ! on_pgsql; then skip "PostgreSQL only"; else
  sql "$S" "DROP EXTENSION pg_trgm CASCADE" >/dev/null
  expect_eq "$(p ticket list --search 'pn DoW' --json | ids)" "$(expect_order recent '"pn dow" in title.lower()')"
  p check > "$TMP/check" 2>&1 || true
  check grep -q "ticket titles have no index" "$TMP/check"
  check grep -q "contacts' names and addresses have no index" "$TMP/check"
  expect_eq "$(p contact list --search 'CAROL' --json | py '[c["name"] for c in d]')" "['Carol']" "contact search"
  sql "$S" "CREATE EXTENSION pg_trgm; CREATE INDEX tickets_title_trgm ON tickets USING gin (lower(title) gin_trgm_ops)" >/dev/null
fi

begin "contact list --search reads the contact index: names and every address, any case, with filters and cursors"
S5=$TMP/contacts
new_state "$S5"
q() { portero --config "$S5/portero.conf" "$@"; }
names() { py '[c["name"] for c in d]'; }
# What the search must give: LIKE over every contact, as it always did.
like() {  # TEXT [CUSTOMER]: the names of the contacts holding TEXT, in name order
  local t=${1//\'/\'\'}
  sql "$S5" "SELECT c.name FROM contacts c WHERE (lower(c.name) LIKE '%' || lower('$t') || '%'
    OR EXISTS (SELECT 1 FROM contact_emails e WHERE e.contact_id = c.id AND e.email LIKE '%' || lower('$t') || '%'))
    ${2:+AND c.customer_id = (SELECT id FROM customers WHERE name = '$2')} ORDER BY lower(c.name), c.id" \
    | /usr/bin/python3 -c 'import sys; print([l.rstrip("\n") for l in sys.stdin])'
}
part() { /usr/bin/python3 -c "import ast,sys; print(ast.literal_eval(sys.stdin.read())[$1])"; }
in_index() {  # TEXT: how many contacts the index finds for TEXT (SQLite's table)
  sql "$S5" "SELECT count(*) FROM contacts_search WHERE contacts_search MATCH '\"$1\"'"
}
if on_pgsql; then
  expect_eq "$(sql "$S5" "SELECT count(*) FROM pg_indexes WHERE indexname IN ('contacts_name_trgm', 'contact_emails_email_trgm')")" "2" "pg_trgm indexes"
else
  expect_eq "$(sql "$S5" "SELECT count(*) FROM sqlite_schema WHERE name = 'contacts_search'")" "1" "contact index"
fi
q check > "$TMP/check5" 2>&1 || true
if grep -q "no index" "$TMP/check5"; then fail "check: the contacts have no index"; fi
q customer add Acme >/dev/null
q customer add Beta >/dev/null
add() { q contact add "$1" --name "$2" --customer "$3" --no-welcome >/dev/null; }
add maria.gonzalez@acme.example "María González" Acme
add jgonzalez@beta.example "Juan Pérez" Beta
add ana@acme.example "Ana GONZALEZ" Acme
add pedro@beta.example "Pedro Ruiz" Beta
add luis@acme.example "Luis Soto" Acme
q contact email add pedro@beta.example p.Gonzalez@else.example >/dev/null
expect_eq "$(q contact list --search gonzalez --json | names)" "['Ana GONZALEZ', 'Juan Pérez', 'María González', 'Pedro Ruiz']"
expect_eq "$(q contact list --search gonzalez --json | names)" "$(like gonzalez)" "as LIKE finds"
expect_eq "$(q contact list --search 'ONZÁL' --json | names)" "['María González']"
expect_eq "$(q contact list --search 'p.gonz' --json | names)" "['Pedro Ruiz']"
expect_eq "$(q contact list --search 'nobody at all' --json | names)" "[]"
if ! on_pgsql; then
  expect_eq "$(in_index gonzalez)" "4" "index lookup"
fi
# with --customer, and a page at a time by cursor
expect_eq "$(q contact list --search gonzalez --customer Acme --json | names)" "$(like gonzalez Acme)"
expect_eq "$(q contact list --search gonzalez --customer Beta --json | names)" "['Juan Pérez', 'Pedro Ruiz']"
walked=() last=""
for _ in $(seq 1 6); do
  page=$(q contact list --search GONZ --json --limit 1 ${last:+--after $last} | ids | tr -d '[],')
  [ -n "$page" ] || break
  walked+=($page)
  last=${walked[${#walked[@]}-1]}
done
expect_eq "[$(echo "${walked[*]}" | sed 's/ /, /g')]" "$(q contact list --search gonz --json | ids)" "walk --search"
expect_eq "${#walked[@]}" "4" "pages walked"
expect_eq "$(q contact list --search gonz --json --before "$last" --limit 2 | ids)" "[${walked[1]}, ${walked[2]}]" "--before"
first=$(q contact list --search gonz --customer Acme --json --limit 1 | py 'd[0]["id"]')
expect_eq "$(q contact list --search gonz --customer Acme --json --after "$first" | names)" "$(like gonz Acme | part 1:)" \
  "--customer --after"
# 2 characters: no trigram; the search reads the contacts, with the same answer
expect_eq "$(q contact list --search 'Ez' --json | names)" "$(like ez)" "2 characters"
expect_eq "$(q contact list --search 'o.' --customer Acme --json | names)" "$(like o. Acme)" "2 characters, --customer"
# a contact added, renamed, given or losing an address is found (or not) at once
add carmen@acme.example "Carmen Gonzalo" Acme
expect_eq "$(q contact list --search gonzalo --json | names)" "['Carmen Gonzalo']"
q contact set luis@acme.example --name "Luis Gonzalvo" >/dev/null
expect_eq "$(q contact list --search gonzalvo --json | names)" "['Luis Gonzalvo']"
expect_eq "$(q contact list --search soto --json | names)" "[]"
q contact email remove pedro@beta.example p.gonzalez@else.example >/dev/null
expect_eq "$(q contact list --search 'p.gonzalez' --json | names)" "[]"
expect_eq "$(q contact list --search gonzalez --json | names)" "['Ana GONZALEZ', 'Juan Pérez', 'María González']"
# merged: the addresses are found under the contact that keeps them
q contact merge jgonzalez@beta.example pedro@beta.example >/dev/null
expect_eq "$(q contact list --search jgonzalez --json | names)" "['Pedro Ruiz']"
expect_eq "$(q contact list --search 'juan p' --json | names)" "[]"
# erased: neither name nor address is findable, in the index either
q contact delete maria.gonzalez@acme.example --erase --force >/dev/null
expect_eq "$(q contact list --search 'maría' --json | names)" "[]"
expect_eq "$(q contact list --search 'maria.gonz' --json | names)" "[]"
if ! on_pgsql; then
  expect_eq "$(in_index maría)$(in_index maria.gonz)" "00" "erased contact in the index"
  expect_eq "$(sql "$S5" "SELECT count(*) FROM contacts_search")" "$(sql "$S5" "SELECT count(*) FROM contacts")" "index rows"
  # nor in the file: the index is rewritten without the erased entries,
  # which it would otherwise keep in an older segment
  add jqwxzkv@beta.example "Jqwxzkv Brmflt" Beta
  check grep -aq 'qwx' "$S5/portero.db" "$S5/portero.db-wal"
  q contact delete jqwxzkv@beta.example --erase --force >/dev/null
  sql "$S5" "PRAGMA wal_checkpoint(TRUNCATE)" >/dev/null
  expect_eq "$(grep -ac 'qwx\|rmf' "$S5/portero.db")" "0" "the erased contact's trigrams in the file"
fi

begin "contact list --search a text many contacts hold reads them in order, with the same answer"
# 2 100 contacts written by hand (indexed by hand on SQLite, as the titles)
sql "$S5" "INSERT INTO contacts(id, customer_id, name, source)
  SELECT 5000 + n, (SELECT id FROM customers WHERE name = 'Acme'), 'Common ' || (2100 - n), 'csv' FROM
  (SELECT a.x * 100 + b.x AS n FROM (WITH RECURSIVE r(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM r WHERE x < 20) SELECT x FROM r) a,
   (WITH RECURSIVE r(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM r WHERE x < 99) SELECT x FROM r) b) s;
  INSERT INTO contact_emails(email, contact_id, is_primary) SELECT 'c' || id || '@acme.example', id, 1 FROM contacts WHERE id >= 5000" >/dev/null
on_pgsql || sql "$S5" "INSERT INTO contacts_search(rowid, name, emails) SELECT id, name, 'c' || id || '@acme.example' FROM contacts WHERE id >= 5000"
expect_eq "$(sql "$S5" "SELECT count(*) FROM contacts WHERE name LIKE 'Common %'")" "2100"
expect_eq "$(q contact list --search ommon --limit 5 --json | names)" "$(like ommon | part :5)"
tenth=$(q contact list --search ommon --limit 10 --json | py 'd[9]["id"]')
expect_eq "$(q contact list --search ommon --limit 3 --after "$tenth" --json | names)" "$(like ommon | part 10:13)"
expect_eq "$(q contact list --search 'common 20' --customer Acme --json | names)" "$(like 'common 20' Acme)"

begin "a database of schema 9 gets the contact index on upgrade"
if on_pgsql; then
  sql "$S5" "DROP INDEX contacts_name_trgm; DROP INDEX contact_emails_email_trgm; UPDATE portero_schema SET version = 9" >/dev/null
else
  sql "$S5" "DROP TABLE contacts_search; PRAGMA user_version = 9"
fi
expect_code 75 q contact list --search gonzalez
check grep -q "needs an upgrade" "$TMP/last.err"
q customer add Gamma >/dev/null
if on_pgsql; then
  expect_eq "$(sql "$S5" "SELECT count(*) FROM pg_indexes WHERE indexname IN ('contacts_name_trgm', 'contact_emails_email_trgm')")" "2" "pg_trgm indexes"
else
  expect_eq "$(sql "$S5" "SELECT count(*) FROM contacts_search")" "$(sql "$S5" "SELECT count(*) FROM contacts")" "index rows"
  expect_eq "$(in_index gonzalez)" "2" "index lookup"
fi
expect_eq "$(q contact list --search gonzalez --json | names)" "['Ana GONZALEZ', 'Pedro Ruiz']"
expect_eq "$(q contact list --search 'common 20' --json | names)" "$(like 'common 20')"

begin "contact and customer list: every row's addresses and domains, over many rows"
# 250 contacts (every other one with a second address that sorts before its
# first) and 230 customers with 0-2 domains: more rows than the store
# fills lists for at once.
S4=$TMP/many
new_state "$S4"
C4=$S4/portero.conf
/usr/bin/python3 > "$TMP/many.sql" <<'PY'
cu = ",".join("(%d, 'Firm %03d')" % (1000 + i, i) for i in range(230))
do = ",".join("('d%d-%s.example', %d)" % (i, x, 1000 + i) for i in range(230) for x in "ba"[: i % 3])
co = ",".join("(%d, 1000, 'Person %03d', 'manual')" % (1000 + i, i) for i in range(250))
em = ",".join("('p%03d@x.example', %d, 1)" % (i, 1000 + i) for i in range(250))
em2 = ",".join("('a%03d@x.example', %d, 0)" % (i, 1000 + i) for i in range(0, 250, 2))
print("INSERT INTO customers(id, name) VALUES %s; INSERT INTO domains(domain, customer_id) VALUES %s;"
      " INSERT INTO contacts(id, customer_id, name, source) VALUES %s;"
      " INSERT INTO contact_emails(email, contact_id, is_primary) VALUES %s, %s;" % (cu, do, co, em, em2))
PY
sql "$S4" "$(cat "$TMP/many.sql")" >/dev/null
got=$(portero --config "$C4" contact list --json --limit 0 | py '[(c["name"], c["emails"]) for c in d]')
want=$(/usr/bin/python3 -c 'print([("Person %03d" % i, ["p%03d@x.example" % i] + (["a%03d@x.example" % i] if i % 2 == 0 else [])) for i in range(250)])')
expect_eq "$got" "$want" "contact list"
got=$(portero --config "$C4" contact list --json --sort newest --limit 120 --after 1200 | py '[c["emails"] for c in d]')
want=$(/usr/bin/python3 -c 'print([["p%03d@x.example" % i] + (["a%03d@x.example" % i] if i % 2 == 0 else []) for i in range(199, 79, -1)])')
expect_eq "$got" "$want" "contact list --after"
got=$(portero --config "$C4" customer list --json --limit 0 | py '[(c["name"], c["domains"]) for c in d if c["name"] != "Unassigned"]')
want=$(/usr/bin/python3 -c 'print([("Firm %03d" % i, ["d%d-%s.example" % (i, x) for x in "ab"[2 - i % 3:]] if i % 3 else []) for i in range(230)])')
expect_eq "$got" "$want" "customer list"

test_done
