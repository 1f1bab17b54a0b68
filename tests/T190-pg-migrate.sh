#!/usr/bin/env bash
# portero migrate-to: an SQLite helpdesk built by delivering mail (the public
# corpus when it is there, attachments, queued sealed mail, passwords, reset
# codes) moves into an empty PostgreSQL database; every table comes along,
# ids are kept, and the portero commands show the same helpdesk on both.
. "$(dirname "$0")/test-lib.sh"
. "$TESTS_DIR/pg-lib.sh"
pg_start

S=$TMP/sqlite
P=$TMP/pgsql
# The SQLite helpdesk. Mail goes to a port nobody listens on, so that the
# welcome and reset mails stay queued (sealed) for the move.
new_state "$S" "[smtp]" "transport=smtp" "host=127.0.0.1" "port=1" "starttls=never" "timeout=2" "send-budget=2"
# Its twin for mail that should not welcome anybody (the corpus): the same
# database, welcome mail off.
sed 's/^\[mail\]$/[mail]\nwelcome-email=false/' "$S/portero.conf" > "$S/quiet.conf"
ps() { portero --config "$S/portero.conf" "$@"; }
pp() { portero --config "$P/portero.conf" "$@"; }

begin "an SQLite helpdesk built by delivering mail"
ps customer add "Acme Industrial" >/dev/null
ps customer domain add "Acme Industrial" acme.example >/dev/null
for who in ann bob carol; do
  expect_code 0 deliver_to "$S" --sender "$who@acme.example" < <(mail "$who@acme.example" "Printer of $who")
done
expect_code 0 deliver_to "$S" < <(mail "ann@acme.example" "Re: Printer of ann [#1]")
expect_code 0 deliver_to "$S" --recipient soporte@helpdesk.example < <(mail "dora@else.example" "Otra cosa")
printf 'From: Eve <eve@acme.example>\r\nTo: support@helpdesk.example\r\nSubject: Two files\r\nMessage-ID: <att-1@acme.example>\r\nDate: Tue, 24 Nov 2026 11:00:00 +0100\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--x\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename="informe a\xc3\xb1o.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\nSGVsbG8gd29ybGQ=\r\n--x\r\nContent-Type: image/png\r\nContent-Disposition: attachment; filename=dot.png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--x--\r\n' > "$TMP/att.eml"
expect_code 0 deliver_to "$S" < "$TMP/att.eml"
expect_code 0 ps contact add frank@acme.example --name "Frank Núñez"
expect_code 0 ps contact reset-password bob@acme.example --print
tail -1 "$TMP/last.out" > "$TMP/bob.pw"
expect_code 0 ps contact request-reset carol@acme.example
printf 'wrong\n' | ps auth carol@acme.example >/dev/null 2>&1
ps ticket status 2 closed >/dev/null
# A knowledge base: a few of the demo's articles, public, a customer's, internal.
mkdir -p "$S/kb"
cp "$PORTERO_SRCDIR"/demo/kb/{password-reset,printer-offline,acme-erp,vpn}.*.md "$S/kb/"
sed -i "s|^\[portero\]\$|[portero]\nkb=$S/kb|" "$S/portero.conf"
expect_code 0 ps kb sync
# The portal's rows as portero-portal writes them (T200 proves how): a
# session, stored as its token's hash, and a failed sign-in of a client.
sql "$S" "insert into portal_sessions(token_hash, contact_id, csrf, created, last_seen)
  select '$(printf 'session' | sha256sum | cut -c1-64)', id, '$(printf 'csrf' | sha256sum | cut -c1-64)',
  '2026-12-01T10:00:00Z', '2026-12-01T10:05:00Z' from contacts order by id limit 1;
  insert into portal_failures(client, at) values ('192.0.2.7', '2026-12-01T10:00:00Z')"
if [ -d "$SHARED_CORPUS" ]; then
  ls "$SHARED_CORPUS"/*.eml | xargs -P "$(nproc)" -I{} sh -c \
    '"$0" --config "$1" --recipient support@helpdesk.example --queue-id "$(basename "$2")" < "$2" >/dev/null 2>&1; true' \
    "$DELIVER_BIN" "$S/quiet.conf" {}
  echo "# corpus: $(sql "$S" "select count(*) from messages where queue_id like '%.eml'") messages stored"
else
  echo "# no corpus at $SHARED_CORPUS: the move is tested on the generated mail only"
fi
# Every table of the schema holds rows, so that a table the move forgot
# shows below (a new table needs rows here too).
tables=$(sql "$S" "select name from pragma_table_list where schema='main' and type='table' and name not like 'sqlite_%' order by name")
for t in $tables; do
  n=$(sql "$S" "select count(*) from \"$t\"")
  [ "$n" -gt 0 ] || fail "table $t is empty in the SQLite helpdesk: give it rows in this test"
done
check [ "$(sql "$S" "select count(*) from outbox where status='queued' and sealed=1 and body is not null")" -gt 0 ]
echo "# tables: $(echo $tables)"

begin "migrate-to copies every table into an empty PostgreSQL database, verified"
pg_createdb helpdesk
URI=$(pg_uri helpdesk)
expect_code 0 ps migrate-to "$URI"
cp "$TMP/last.out" "$TMP/migrate.out"; cp "$TMP/last.err" "$TMP/migrate.err"
sed 's/^/# /' "$TMP/migrate.out"
check grep -q "^raw messages: [0-9]*, SHA-256 [0-9a-f]\{64\}, the same in both databases" "$TMP/migrate.out"
# Not a terminal: no progress line.
check [ ! -s "$TMP/migrate.err" ]
for t in $tables; do
  a=$(sql "$S" "select count(*) from \"$t\"")
  b=$(pg_sql helpdesk "select count(*) from \"$t\"" 2>&1)
  expect_eq "$b" "$a" "rows of $t"
  check grep -q "^$t: $a rows\?$" "$TMP/migrate.out"
done
for t in customers contacts tickets messages attachments outbox reset_tokens; do
  expect_eq "$(pg_sql helpdesk "select coalesce(string_agg(id::text, ',' order by id), '') from $t")" \
    "$(sql "$S" "select coalesce(group_concat(id, ','), '') from (select id from $t order by id)")" "ids of $t"
done
expect_eq "$(pg_sql helpdesk "select string_agg(md5(raw), ',' order by id) from messages where raw is not null")" \
  "$(/usr/bin/python3 -c 'import sqlite3, hashlib, sys
rows = sqlite3.connect(sys.argv[1]).execute("select raw from messages where raw is not null order by id")
print(",".join(hashlib.md5(r[0]).hexdigest() for r in rows))' "$S/portero.db")" \
  "raw bytes of every message"

begin "the portero commands show the same helpdesk on PostgreSQL"
mkdir -p "$P"
sed -e "s|^database=.*|database=$URI|" -e "s|^\[portero\]$|[portero]\nkey-file=$S/portero.key|" \
  -e 's/^transport=smtp$/transport=maildir\nmaildir=sent/' "$S/portero.conf" > "$P/portero.conf"
for cmd in "customer list --json" "contact list --json" "ticket list --json" "message list --json" \
           "message list --unfiled --json" "outbox list --json" "customer domain list --json" \
           "kb list --json" "kb show printer-offline --json"; do
  ps $cmd > "$TMP/a.json" 2>&1
  pp $cmd > "$TMP/b.json" 2>&1
  check cmp -s "$TMP/a.json" "$TMP/b.json"
  cmp -s "$TMP/a.json" "$TMP/b.json" || fail "$cmd differs: $(diff "$TMP/a.json" "$TMP/b.json" | head -5)"
done
for id in $(sql "$S" "select id from tickets order by id"); do
  ps ticket show "$id" --json > "$TMP/a.json" 2>&1
  pp ticket show "$id" --json > "$TMP/b.json" 2>&1
  cmp -s "$TMP/a.json" "$TMP/b.json" || fail "ticket show $id differs: $(diff "$TMP/a.json" "$TMP/b.json" | head -5)"
done
for id in $(sql "$S" "select id from messages order by id"); do
  ps message show "$id" --raw > "$TMP/a.eml" 2>&1
  pp message show "$id" --raw > "$TMP/b.eml" 2>&1
  cmp -s "$TMP/a.eml" "$TMP/b.eml" || { fail "message show $id --raw differs"; break; }
done
for who in ann bob carol eve frank; do
  ps contact show "$who@acme.example" --json > "$TMP/a.json" 2>&1
  pp contact show "$who@acme.example" --json > "$TMP/b.json" 2>&1
  cmp -s "$TMP/a.json" "$TMP/b.json" || fail "contact show $who differs: $(diff "$TMP/a.json" "$TMP/b.json" | head -5)"
done
# The knowledge base's index came along: the same articles found, same scores.
for q in "contraseña olvidada" "PRINTER offline" "impresora sin conexión" "vpn acme erp"; do
  ps kb search --json "$q" > "$TMP/a.json" 2>&1
  pp kb search --json "$q" > "$TMP/b.json" 2>&1
  check grep -q '"name"' "$TMP/b.json"
  cmp -s "$TMP/a.json" "$TMP/b.json" || fail "kb search $q differs: $(diff "$TMP/a.json" "$TMP/b.json" | head -5)"
done
expect_code 0 pp kb sync
check grep -q "0 indexed, 0 removed, [1-9][0-9]* unchanged" "$TMP/last.out"
# The password hash came along: bob's password works there.
expect_code 0 pp auth bob@acme.example < "$TMP/bob.pw"

begin "after the move: sealed mail opens and is sent, deliveries continue the numbering"
expect_code 0 pp outbox flush
queued=$(sql "$S" "select count(*) from outbox where status='queued'")
check grep -q "^$queued sent" "$TMP/last.out"
expect_eq "$(ls "$P/sent/new" 2>/dev/null | wc -l)" "$queued" "every queued mail sent from PostgreSQL"
check grep -lq "^To: .*carol@acme.example" "$P"/sent/new/*
last=$(sql "$S" "select max(id) from tickets")
expect_code 0 deliver_to "$P" < <(mail "gina@acme.example" "After the move")
expect_eq "$(pg_sql helpdesk "select max(id) from tickets")" "$((last + 1))" "the next ticket number"
expect_eq "$(pg_sql helpdesk "select count(*) from messages where from_addr='gina@acme.example'")" "1"
expect_code 0 pp contact add hugo@acme.example --no-welcome
expect_eq "$(pg_sql helpdesk "select count(*) from contacts")" "$(( $(sql "$S" "select count(*) from contacts") + 2 ))"

begin "migrate-to refuses a database that is not empty, and changes nothing"
before=$(pg_sql helpdesk "select count(*) from messages")
expect_code 1 ps migrate-to "$URI"
check grep -qi "not empty" "$TMP/last.err"
expect_eq "$(pg_sql helpdesk "select count(*) from messages")" "$before"

begin "on a terminal, migrate-to shows its progress on stderr"
if ! command -v script >/dev/null; then
  skip "script(1) is not installed"
else
  pg_createdb tty
  script -qec "'$PORTERO_BIN' --config '$S/portero.conf' migrate-to '$(pg_uri tty)' 2>&1 >/dev/null" /dev/null > "$TMP/tty.out" || true
  check grep -q $'\r' "$TMP/tty.out"
  check grep -q "messages" "$TMP/tty.out"
  expect_eq "$(pg_sql tty "select count(*) from messages")" "$(sql "$S" "select count(*) from messages")"
fi

test_done
