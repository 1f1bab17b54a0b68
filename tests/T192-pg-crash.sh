#!/usr/bin/env bash
# The PostgreSQL server is killed (SIGKILL, as a crash) in the middle of a
# stream of deliveries and started again: every delivery exits 0 or 75,
# never 0 for a message that is not stored, never another status; then the
# MTA's redeliveries of every 75 store each message exactly once.
. "$(dirname "$0")/test-lib.sh"
. "$TESTS_DIR/pg-lib.sh"
pg_start

N=${PORTERO_CRASH_N:-200}
[ "${PORTERO_PASS:-}" = sanitizers ] && N=${PORTERO_CRASH_N:-60}

pg_createdb helpdesk
URI=$(pg_uri helpdesk)
S=$TMP/host
mkdir -p "$S"
cat > "$S/portero.conf" <<CONF
[portero]
database=$URI
key-file=$S/portero.key
language=en
busy-timeout=5
rules=$PORTERO_SRCDIR/filters
templates=$PORTERO_SRCDIR/templates
[mail]
support-addresses=support@helpdesk.example
from=Support <support@helpdesk.example>
[credentials]
argon2-memlimit=19922944
[smtp]
transport=maildir
maildir=sent
CONF
portero --config "$S/portero.conf" init >/dev/null
portero --config "$S/portero.conf" customer add Acme >/dev/null
portero --config "$S/portero.conf" customer domain add Acme acme.example >/dev/null
mkdir -p "$TMP/mail" "$TMP/rc"
for i in $(seq "$N"); do
  mail "user$((i % 30))@acme.example" "Crash $i" > "$TMP/mail/$i.eml"
done
msgid() { sed -n 's/^Message-ID: <\(.*\)>\r$/\1/p' "$TMP/mail/$1.eml"; }

begin "the server killed during $N deliveries: each exits 0 or 75, and 0 only once stored"
cat > "$TMP/one.sh" <<'SH'
f=$1 rc=0
$PORTERO_WRAPPER "$DELIVER_BIN" --config "$S/portero.conf" --recipient support@helpdesk.example < "$f" >/dev/null 2>>"$TMP/deliver.err" || rc=$?
echo "$rc" > "$TMP/rc/$(basename "$f" .eml)"
SH
export TMP S DELIVER_BIN PORTERO_WRAPPER
ls "$TMP/mail"/*.eml | sort -V | xargs -P 4 -I{} bash "$TMP/one.sh" {} &
STREAM=$!
# A third of the stream in, the crash; the server is back a second later.
i=0; while [ "$(ls "$TMP/rc" | wc -l)" -lt $((N / 3)) ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i + 1)); done
"$TESTS_DIR/pg-cluster.sh" kill "$PG"
at_crash=$(ls "$TMP/rc" | wc -l)
sleep 1
"$TESTS_DIR/pg-cluster.sh" start "$PG" >/dev/null
wait "$STREAM"
ok=0 again=0 bad=
for i in $(seq "$N"); do
  rc=$(cat "$TMP/rc/$i" 2>/dev/null || echo none)
  case $rc in
    0) ok=$((ok + 1)) ;;
    75) again=$((again + 1)) ;;
    *) bad="$bad $i:$rc" ;;
  esac
done
echo "# server killed after $at_crash deliveries; $ok exited 0, $again exited 75"
expect_eq "$bad" "" "exit statuses other than 0 and 75 (message:status)"
check [ "$again" -gt 0 ]
check [ "$ok" -gt 0 ]
# Every 0 is a committed message: it is there after the crash.
missing=
for i in $(seq "$N"); do
  [ "$(cat "$TMP/rc/$i")" = 0 ] || continue
  [ "$(pg_sql helpdesk "select count(*) from messages where message_id = '$(msgid "$i")'")" = 1 ] || missing="$missing $i"
done
expect_eq "$missing" "" "messages that exited 0 but are not stored"
expect_eq "$(pg_sql helpdesk "select count(*) from tickets t where not exists (select 1 from messages m where m.ticket_id = t.id)")" "0" \
  "tickets without their message (half-written)"

begin "after the restart, the MTA's redeliveries store each message exactly once"
bad=
for i in $(seq "$N"); do
  rc=$(cat "$TMP/rc/$i")
  tries=0
  while [ "$rc" = 75 ] && [ $tries -lt 20 ]; do
    tries=$((tries + 1))
    rc=0
    deliver_to "$S" < "$TMP/mail/$i.eml" >/dev/null 2>>"$TMP/deliver.err" || rc=$?
    [ "$rc" = 75 ] && sleep 0.2
  done
  [ "$rc" = 0 ] || bad="$bad $i:$rc"
done
expect_eq "$bad" "" "redeliveries that did not end in 0"
expect_eq "$(pg_sql helpdesk "select count(*) from messages where kind='mail'")" "$N" "each message stored exactly once"
expect_eq "$(pg_sql helpdesk "select count(distinct message_id) from messages where kind='mail'")" "$N"
expect_eq "$(pg_sql helpdesk "select count(*) from tickets")" "$N"
# A late MTA retry of a stored message stores nothing.
expect_code 0 deliver_to "$S" < "$TMP/mail/1.eml"
expect_eq "$(pg_sql helpdesk "select count(*) from messages where kind='mail'")" "$N"

test_done
