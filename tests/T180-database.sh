#!/usr/bin/env bash
# T180-database: the database= forms, what check and backup say of each
# backend, and exactly once when deliveries and senders run at the same
# moment (on PostgreSQL, as on two hosts). Runs on both backends.
. "$(dirname "$0")/test-lib.sh"

S=$TMP/state
new_state "$S" "[mail]" "new-contacts-per-domain-hour=2"

begin "a PostgreSQL URI with a password in it is refused, by check and by delivery"
for uri in "postgresql://helpdesk:secret@db.example/portero" "postgres:///portero?host=/run/x&password=secret"; do
  sed -e '/^key-file=/d' -e "s|^database=.*|database=${uri//&/\\&}\nkey-file=$S/portero.key|" "$S/portero.conf" > "$S/pw.conf"
  expect_code 1 portero --config "$S/pw.conf" check
  check grep -q "pgpass" "$TMP/last.err"
  expect_code 75 deliver --config "$S/pw.conf" --recipient support@helpdesk.example < <(mail "a@pw.example" "pw")
  check grep -q "password" "$TMP/last.err"
done
# a user name, a passfile= and other parameters are fine
sed -e '/^key-file=/d' \
  -e "s|^database=.*|database=postgresql://helpdesk@/portero?host=/nonexistent\&passfile=/etc/portero/pgpass\nkey-file=$S/portero.key|" \
  "$S/portero.conf" > "$S/nopw.conf"
expect_code 75 portero --config "$S/nopw.conf" check
check grep -q "/nonexistent" "$TMP/last.err"

begin "check names the backend, its version and the schema version"
expect_code 0 portero --config "$S/portero.conf" check
if on_pgsql; then
  check grep -Eq "ok \(postgresql, PostgreSQL [0-9]+\.[0-9]+, schema [0-9]+\)" "$TMP/last.out"
else
  check grep -Eq "ok \(sqlite, SQLite 3\.[0-9.]+, schema [0-9]+\)" "$TMP/last.out"
fi

begin "backup on PostgreSQL says to use pg_dump and writes nothing"
if on_pgsql; then
  expect_code 1 portero --config "$S/portero.conf" backup "$TMP/copy.db"
  check grep -q "pg_dump" "$TMP/last.err"
  check [ ! -e "$TMP/copy.db" ]
  check [ -z "$(ls "$TMP" | grep copy)" ]
else
  expect_code 0 portero --config "$S/portero.conf" backup "$TMP/copy.db"
fi

# all_at_once DIR N INPUT CMD...: N runs of CMD < INPUT held behind the
# database's write lock, released together; exit statuses in $TMP/rc.*.
all_at_once() {
  local dir=$1 n=$2 input=$3 i; shift 3
  rm -f "$TMP"/rc.*
  lock_db "$dir"
  for i in $(seq "$n"); do ( "$@" <"$input" >"$TMP/out.$i" 2>&1; echo $? > "$TMP/rc.$i" ) & done
  sleep 1
  unlock_db
  wait
}

begin "the same message delivered twice at the same moment: one message, one ticket, one welcome mail"
mail "twice@new.example" "at once" > "$TMP/m2"
all_at_once "$S" 2 "$TMP/m2" deliver_to "$S"
expect_eq "$(cat "$TMP"/rc.* | sort | tr '\n' ' ')" "0 0 " "$(cat "$TMP"/out.*)"
expect_eq "$(sql "$S" "select count(*) from messages where from_addr='twice@new.example'")" "1"
expect_eq "$(sql "$S" "select count(*) from tickets where requester='twice@new.example'")" "1"
expect_eq "$(sql "$S" "select count(*) from outbox where recipient='twice@new.example' and kind='welcome'")" "1"
expect_eq "$(grep -l "To: twice@new.example" "$S"/sent/new/* 2>/dev/null | wc -l)" "1"

begin "new senders of one new domain at the same moment still respect the per-domain cap"
for i in 1 2 3 4; do mail "u$i@burst.example" "burst $i" > "$TMP/b$i"; done
lock_db "$S"
for i in 1 2 3 4; do ( deliver_to "$S" < "$TMP/b$i" > /dev/null 2>&1; echo $? > "$TMP/rc.b$i" ) & done
sleep 1
unlock_db
wait
expect_eq "$(cat "$TMP"/rc.b* | tr -d '\n')" "0000"
expect_eq "$(sql "$S" "select count(*) from contacts where domain='burst.example'")" "2"
expect_eq "$(sql "$S" "select count(*) from tickets where requester like '%@burst.example'")" "4"

begin "two senders flushing one outbox at the same moment send each mail once"
sed -e 's/^transport=maildir$/transport=smtp\nhost=127.0.0.1\nport=9\ntimeout=2/' "$S/portero.conf" > "$S/down.conf"
expect_code 0 deliver --config "$S/down.conf" --recipient support@helpdesk.example < <(mail "queued@new.example" "queued")
expect_eq "$(sql "$S" "select status from outbox where recipient='queued@new.example'")" "queued"
all_at_once "$S" 2 /dev/null portero --config "$S/portero.conf" outbox flush
expect_eq "$(cat "$TMP"/rc.* | tr -d '\n')" "00" "$(cat "$TMP"/out.*)"
expect_eq "$(sql "$S" "select status from outbox where recipient='queued@new.example'")" "sent"
expect_eq "$(grep -l "To: queued@new.example" "$S"/sent/new/* 2>/dev/null | wc -l)" "1"

# deadlock STATE TAG INPUT SQL CMD...: another session locks the messages
# table; CMD (stdin from INPUT) runs, and once it waits for that lock the
# other session runs SQL, which asks for a lock CMD holds: each waits for the
# other. The other session's own deadlock check comes much later, so the
# server ends CMD's transaction, not the other's. Checks that CMD still ends
# with 0 (its transaction ran again), that the other session got its lock,
# and that the server counted one deadlock.
deadlock() {
  local st=$1 tag=$2 input=$3 second=$4; shift 4
  local before other pid i
  local count="select deadlocks from pg_stat_database where datname = current_database()"
  local waiting="select count(*) from pg_stat_activity where datname = current_database()
                 and application_name = 'portero' and wait_event_type = 'Lock'"
  before=$(sql "$st" "$count")
  rm -f "$TMP/$tag-go"
  ( printf "SET deadlock_timeout = '60s';\nBEGIN;\nLOCK TABLE messages IN SHARE MODE;\n\\\\echo locked\n"
    i=0; while [ ! -e "$TMP/$tag-go" ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i + 1)); done
    printf "%s\n\\\\echo got\nCOMMIT;\n" "$second" ) \
    | psql -X -q -t -v ON_ERROR_STOP=1 -h "$PGHOST" -d "$(cat "$st/.pgdb")" > "$TMP/$tag-other" 2>&1 &
  other=$!
  i=0; while ! grep -q locked "$TMP/$tag-other" && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
  ( "$@" < "$input" > "$TMP/$tag-out" 2>&1; echo $? > "$TMP/$tag-rc" ) &
  pid=$!
  i=0; while [ "$(sql "$st" "$waiting")" != 1 ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i + 1)); done
  touch "$TMP/$tag-go"
  wait "$pid"; wait "$other"
  expect_eq "$(cat "$TMP/$tag-rc")" "0" "$(cat "$TMP/$tag-out")"
  check grep -q got "$TMP/$tag-other"
  # the server counts the deadlock in its statistics a little later
  i=0; while [ "$(sql "$st" "$count")" = "$before" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  expect_eq "$(( $(sql "$st" "$count") - before ))" "1"
}

begin "a deadlock with another session: the delivery's transaction runs again, the message is stored once"
if ! on_pgsql; then
  skip "PostgreSQL only: SQLite admits one writer at a time, which cannot deadlock"
else
  D=$TMP/deadlock
  new_state "$D"
  # room to wait for the other session once the deadlock is broken
  sed -i 's/^busy-timeout=.*/busy-timeout=10/' "$D/portero.conf"
  mail "dora@dead.example" "Deadlocked" > "$TMP/dl.eml"
  # the delivery holds the lock on the sender's address when it waits
  deadlock "$D" dl "$TMP/dl.eml" "SELECT pg_advisory_xact_lock(hashtextextended('address:dora@dead.example', 0));" \
    deliver_to "$D"
  expect_eq "$(sql "$D" "select count(*) from messages where from_addr='dora@dead.example'")" "1"
  expect_eq "$(sql "$D" "select count(*) from tickets where requester='dora@dead.example'")" "1"
  expect_eq "$(sql "$D" "select count(*) from contact_emails where email='dora@dead.example'")" "1"
  expect_eq "$(sql "$D" "select count(*) from outbox where recipient='dora@dead.example' and kind='welcome'")" "1"
fi

begin "a deadlock with another session: a command's own transaction runs again, the reply is stored once"
if ! on_pgsql; then
  skip "PostgreSQL only: SQLite admits one writer at a time, which cannot deadlock"
else
  C=$TMP/cli-deadlock
  new_state "$C"
  sed -i 's/^busy-timeout=.*/busy-timeout=10/' "$C/portero.conf"
  expect_code 0 deliver_to "$C" < <(mail "carl@dead.example" "Needs an answer")
  ticket=$(sql "$C" "select id from tickets where requester='carl@dead.example'")
  printf 'We are on it.\n' > "$TMP/answer.txt"
  # the reply has queued its mail in the outbox when it waits
  deadlock "$C" cl /dev/null "LOCK TABLE outbox IN SHARE MODE;" \
    portero --config "$C/portero.conf" ticket reply "$ticket" --body-file "$TMP/answer.txt"
  expect_eq "$(sql "$C" "select count(*) from outbox where recipient='carl@dead.example' and kind <> 'welcome'")" "1"
  expect_eq "$(sql "$C" "select count(*) from messages where ticket_id=$ticket and body like '%We are on it.%'")" "1"
fi

test_done
