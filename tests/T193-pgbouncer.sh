#!/usr/bin/env bash
# T193-pgbouncer: portero through PgBouncer in transaction pooling, in front
# of the PostgreSQL pass's cluster: many clients share a few server
# connections, and one client's statements may each run on another. Mail is
# delivered through it (8 at a time), a message delivered twice at once is
# stored once, two senders flushing one outbox send each mail once, `portero
# check` works, and what one session sets never reaches another's work.
# Runs in run-all's PostgreSQL pass only; CI (root) must never skip it.
. "$(dirname "$0")/test-lib.sh"

if ! on_pgsql; then
  echo "# SKIP: *** PgBouncer is tested in the PostgreSQL pass only (PORTERO_TEST_BACKEND=pgsql) ***" >&2
  echo "1..0 # SKIP not the PostgreSQL pass: PgBouncer in front of its cluster is not tested here"
  exit 0
fi
pgbouncer=$(command -v pgbouncer || true)
[ -z "$pgbouncer" ] && [ -x /usr/sbin/pgbouncer ] && pgbouncer=/usr/sbin/pgbouncer
if [ -z "$pgbouncer" ]; then
  if [ "$(id -u)" -eq 0 ]; then
    begin "PgBouncer is installed"
    fail "pgbouncer not found (tools/dev deps installs it; as root this must not be skipped)"
    test_done
    exit 1
  fi
  echo "# SKIP: *** pgbouncer is not installed: T193 did not run ***" >&2
  echo "1..0 # SKIP pgbouncer is not installed"
  exit 0
fi

S=$TMP/state
new_state "$S"
sed -i 's/^busy-timeout=.*/busy-timeout=10/' "$S/portero.conf"
db=$(cat "$S/.pgdb")

# PgBouncer on a Unix socket in its own folder, no TCP. It refuses to run as
# root: as root it runs as the cluster's server user, which owns the folder.
B=$TMP/pgb
mkdir -p "$B"
me=$(id -un)
cat > "$B/pgbouncer.ini" <<INI
[databases]
$db = host=$PGHOST dbname=$db user=$me
; one server connection: every client's every transaction on the same one
one = host=$PGHOST dbname=$db user=$me pool_size=1
[pgbouncer]
listen_addr =
listen_port = 6432
unix_socket_dir = $B
auth_type = trust
auth_file = $B/users.txt
pool_mode = transaction
default_pool_size = 3
max_client_conn = 100
logfile = $B/pgbouncer.log
pidfile = $B/pgbouncer.pid
INI
printf '"%s" ""\n' "$me" > "$B/users.txt"
if [ "$(id -u)" -eq 0 ]; then
  runner=postgres
  id "$runner" >/dev/null 2>&1 || runner=nobody
  chown -R "$runner" "$B"
  runuser -u "$runner" -- "$pgbouncer" -d "$B/pgbouncer.ini" 2>"$TMP/pgb.err"
else
  "$pgbouncer" -d "$B/pgbouncer.ini" 2>"$TMP/pgb.err"
fi
at_exit "[ -f '$B/pgbouncer.pid' ] && kill \$(cat '$B/pgbouncer.pid') 2>/dev/null"
i=0; while [ ! -S "$B/.s.PGSQL.6432" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done

# through DB-ALIAS: S's configuration with the database reached through PgBouncer
through() {
  sed -e "s|^database=.*|database=postgresql://$me@/$1?host=$B\&port=6432|" "$S/portero.conf" > "$S/$1.conf"
}
through "$db"
through one
P=$S/$db.conf

begin "PgBouncer starts in transaction pooling, and portero check reaches the database through it"
check [ -S "$B/.s.PGSQL.6432" ]
expect_code 0 portero --config "$P" check
check grep -Eq "ok \(postgresql, PostgreSQL [0-9]+\.[0-9]+, schema [0-9]+\)" "$TMP/last.out"

begin "a delivery through PgBouncer stores its message and its ticket"
expect_code 0 deliver --config "$P" --recipient support@helpdesk.example < <(mail "first@pool.example" "Through the pooler")
expect_eq "$(sql "$S" "select count(*) from messages where from_addr='first@pool.example'")" "1"
expect_eq "$(sql "$S" "select count(*) from tickets where requester='first@pool.example'")" "1"

begin "24 deliveries, 8 at a time, over 3 server connections: every one stored once"
for i in $(seq 24); do mail "u$i@d$i.many.example" "Many $i" > "$TMP/many.$i"; done
rm -f "$TMP"/rc.many.*
for i in $(seq 24); do
  ( deliver --config "$P" --recipient support@helpdesk.example < "$TMP/many.$i" > "$TMP/out.many.$i" 2>&1
    echo $? > "$TMP/rc.many.$i" ) &
  [ $((i % 8)) -eq 0 ] && wait
done
wait
expect_eq "$(cat "$TMP"/rc.many.* | sort | uniq -c | tr -s ' ')" " 24 0" "$(cat "$TMP"/out.many.* | head -5)"
expect_eq "$(sql "$S" "select count(*) from messages where from_addr like '%.many.example'")" "24"
expect_eq "$(sql "$S" "select count(distinct ticket_id) from messages where from_addr like '%.many.example'")" "24"
expect_eq "$(sql "$S" "select count(*) from outbox where recipient like '%.many.example' and kind='welcome'")" "24"

begin "the same message delivered twice at the same moment through PgBouncer: one message, one ticket, one welcome mail"
mail "twice@pool.example" "At once" > "$TMP/twice"
rm -f "$TMP"/rc.tw.*
lock_db "$S"
for i in 1 2; do ( deliver --config "$P" --recipient support@helpdesk.example < "$TMP/twice" > "$TMP/out.tw.$i" 2>&1; echo $? > "$TMP/rc.tw.$i" ) & done
sleep 1
unlock_db
wait
expect_eq "$(cat "$TMP"/rc.tw.* | tr -d '\n')" "00" "$(cat "$TMP"/out.tw.*)"
expect_eq "$(sql "$S" "select count(*) from messages where from_addr='twice@pool.example'")" "1"
expect_eq "$(sql "$S" "select count(*) from tickets where requester='twice@pool.example'")" "1"
expect_eq "$(sql "$S" "select count(*) from outbox where recipient='twice@pool.example' and kind='welcome'")" "1"

begin "two senders flushing one outbox through PgBouncer at the same moment send each mail once"
# delivered while the mail server is down: the welcome mails stay queued
sed -e 's/^transport=maildir$/transport=smtp\nhost=127.0.0.1\nport=9\ntimeout=2/' "$P" > "$S/down.conf"
for i in 1 2 3 4 5; do
  expect_code 0 deliver --config "$S/down.conf" --recipient support@helpdesk.example < <(mail "q$i@queue$i.example" "Queued $i")
done
expect_eq "$(sql "$S" "select count(*) from outbox where recipient like 'q%@queue%' and status='queued'")" "5"
rm -f "$TMP"/rc.fl.*
lock_db "$S"
for i in 1 2; do ( portero --config "$P" outbox flush > "$TMP/out.fl.$i" 2>&1; echo $? > "$TMP/rc.fl.$i" ) & done
sleep 1
unlock_db
wait
expect_eq "$(cat "$TMP"/rc.fl.* | tr -d '\n')" "00" "$(cat "$TMP"/out.fl.*)"
expect_eq "$(sql "$S" "select count(*) from outbox where recipient like 'q%@queue%' and status='sent'")" "5"
for i in 1 2 3 4 5; do
  expect_eq "$(grep -l "To: q$i@queue$i.example" "$S"/sent/new/* 2>/dev/null | wc -l)" "1" "q$i"
done

begin "on one shared server connection, a reader's session settings never make a delivery read-only"
for i in 1 2 3; do
  expect_code 0 portero --config "$S/one.conf" ticket list
  expect_code 0 deliver --config "$S/one.conf" --recipient support@helpdesk.example < <(mail "one$i@shared.example" "Shared $i")
done
expect_eq "$(sql "$S" "select count(*) from messages where from_addr like 'one%@shared.example'")" "3"

test_done
