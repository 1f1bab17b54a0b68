#!/usr/bin/env bash
# Two MX hosts, one PostgreSQL database: each host (its own configuration,
# state folder and processes; the same database URI and the same key file)
# is handed the same messages, 8 deliveries at a time, and some deliveries
# are killed with SIGKILL and brought again as the MTA would. Every message
# is stored once, every new contact welcomed once; then both hosts' `portero
# maintain` flush the one outbox at the same moment and no mail goes out
# twice.
. "$(dirname "$0")/test-lib.sh"
. "$TESTS_DIR/pg-lib.sh"
if ! /usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null; then
  echo "1..0 # SKIP python3-aiosmtpd is not installed"
  exit 0
fi
pg_start

# 500 messages (CI runs them all); the sanitizer pass, where a delivery costs
# about ten times as much, 100. PORTERO_TWO_HOSTS_N overrides both.
N=${PORTERO_TWO_HOSTS_N:-500}
[ "${PORTERO_PASS:-}" = sanitizers ] && N=${PORTERO_TWO_HOSTS_N:-100}
JOBS=8

pg_createdb helpdesk
URI=$(pg_uri helpdesk)
# host CONF-DIR PORT: a host's configuration. Mail goes to PORT on
# 127.0.0.1 (port 1 refuses: everything stays queued).
host() {
  mkdir -p "$1"
  cat > "$1/portero.conf" <<CONF
[portero]
database=$URI
key-file=$1/portero.key
language=en
busy-timeout=30
rules=$PORTERO_SRCDIR/filters
templates=$PORTERO_SRCDIR/templates
[mail]
support-addresses=support@helpdesk.example
from=Support <support@helpdesk.example>
[credentials]
argon2-memlimit=19922944
[smtp]
host=127.0.0.1
port=$2
starttls=never
timeout=5
send-budget=5
CONF
}
A=$TMP/host-a
B=$TMP/host-b
host "$A" 1
host "$B" 1

begin "two hosts share the database and the key file"
expect_code 0 portero --config "$A/portero.conf" init
# The second host gets a copy of the first one's key file, as an
# administrator copies it (portero.conf(5): the same key file on every host).
cp -p "$A/portero.key" "$B/portero.key"
expect_code 0 portero --config "$B/portero.conf" check
expect_code 0 portero --config "$A/portero.conf" customer add Acme
expect_code 0 portero --config "$B/portero.conf" customer domain add Acme d0.example

# N messages from 75 senders of three domains, new to the helpdesk: the
# first mail of each makes a contact (at most new-contacts-per-domain-hour,
# 20, a domain) and a welcome mail.
mkdir -p "$TMP/mail"
for i in $(seq "$N"); do
  s=$((i % 75))
  mail "u$s@d$((s % 3)).example" "Request $i" > "$TMP/mail/$i.eml"
done

# How long one delivery takes here: kills are spread over 0 to 1.5 times
# that, before, during and after the transaction.
t0=$(date +%s%N)
deliver --config "$A/portero.conf" --recipient support@helpdesk.example < "$TMP/mail/1.eml" >/dev/null 2>&1
span_us=$(( ($(date +%s%N) - t0) / 1000 * 3 / 2 ))
[ "$span_us" -gt 1000 ] || span_us=1000

# one CONF FILE: a delivery as a host's MTA makes it: one delivery in four
# is killed at a random moment; then again while the status is 75 (or a
# signal), at most 30 times. Writes what it saw to $TMP/log.
cat > "$TMP/one.sh" <<'SH'
conf=$1 f=$2
$PORTERO_WRAPPER "$DELIVER_BIN" --config "$conf" --recipient support@helpdesk.example < "$f" >/dev/null 2>>"$TMP/deliver.err" &
pid=$!
if [ $((RANDOM % 4)) -eq 0 ]; then
  sleep "$(printf '0.%06d' $(( (RANDOM * 32768 + RANDOM) % span_us )))"
  kill -KILL "$pid" 2>/dev/null
fi
rc=0; wait "$pid" || rc=$?
[ "$rc" = 137 ] && echo "killed $f" >> "$TMP/log"
tries=0
while [ "$rc" != 0 ] && [ $tries -lt 30 ]; do
  case $rc in 75|137) ;; *) echo "bad $f $rc" >> "$TMP/log"; exit 0 ;; esac
  tries=$((tries + 1))
  rc=0
  $PORTERO_WRAPPER "$DELIVER_BIN" --config "$conf" --recipient support@helpdesk.example < "$f" >/dev/null 2>>"$TMP/deliver.err" || rc=$?
done
[ "$rc" = 0 ] || echo "bad $f gave up at $rc" >> "$TMP/log"
echo "done $f" >> "$TMP/log"
SH
export TMP DELIVER_BIN PORTERO_WRAPPER span_us

begin "$N messages, each delivered by both hosts $JOBS at a time with random SIGKILLs: stored once"
: > "$TMP/log"
t0=$(date +%s%N)
for h in "$A" "$B"; do
  ls "$TMP/mail"/*.eml | sort -V | xargs -P "$JOBS" -I{} bash "$TMP/one.sh" "$h/portero.conf" {} &
done
wait
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
killed=$(grep -c '^killed' "$TMP/log")
echo "# $((2 * N)) deliveries in ${ms} ms on 2 hosts x $JOBS; $killed killed by SIGKILL (kills spread over ${span_us}us)"
expect_eq "$(grep '^bad' "$TMP/log" | head -5)" "" "unexpected exit statuses"
expect_eq "$(grep -c '^done' "$TMP/log")" "$((2 * N))" "every delivery ended with exit 0"
check [ "$killed" -gt 0 ]
expect_eq "$(pg_sql helpdesk "select count(*) from messages where kind='mail'")" "$N" "each message stored exactly once"
expect_eq "$(pg_sql helpdesk "select count(distinct message_id) from messages where kind='mail'")" "$N"
expect_eq "$(pg_sql helpdesk "select count(*) from tickets")" "$N" "one ticket a message"
expect_eq "$(pg_sql helpdesk "select count(*) from tickets t where not exists (select 1 from messages m where m.ticket_id = t.id)")" "0" \
  "tickets without their message (half-written)"
expect_eq "$(pg_sql helpdesk "select count(*) from messages m where kind='mail' and not exists (select 1 from message_recipients r where r.message_id = m.id)")" "0"

begin "every new contact is welcomed once, within the per-domain cap"
contacts=$(pg_sql helpdesk "select count(*) from contacts where source='email'")
echo "# $contacts contacts auto-created"
check [ "$contacts" -gt 0 ]
expect_eq "$(pg_sql helpdesk "select count(*) from contact_emails group by email having count(*) > 1")" "" "an address on two contacts"
expect_eq "$(pg_sql helpdesk "select domain from contacts where source='email' group by domain having count(*) > 20")" "" \
  "a domain over new-contacts-per-domain-hour (20)"
expect_eq "$(pg_sql helpdesk "select count(*) from outbox where kind='welcome'")" "$contacts" "one welcome mail a contact"
expect_eq "$(pg_sql helpdesk "select contact_id from outbox where kind='welcome' group by contact_id having count(*) > 1")" "" \
  "a contact welcomed twice"

begin "both hosts' portero maintain flush the one outbox at once: no mail sent twice"
mkdir -p "$TMP/inbox"
rm -f "$TMP/port"
/usr/bin/python3 "$TESTS_DIR/smtp-sink.py" --dir "$TMP/inbox" --port-file "$TMP/port" --lifetime 600 &
SINK=$!
at_exit "kill $SINK 2>/dev/null"
i=0; while [ ! -s "$TMP/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(cat "$TMP/port")
host "$A" "$PORT"
host "$B" "$PORT"
queued=$(pg_sql helpdesk "select count(*) from outbox where status='queued'")
check [ "$queued" -gt 0 ]
# What the refused attempts postponed is due now.
pg_sql helpdesk "update outbox set next_attempt = '2000-01-01T00:00:00Z' where status='queued'" >/dev/null
loop() { local k; for k in 1 2 3 4 5; do portero --config "$1/portero.conf" maintain >>"$TMP/maintain.out" 2>&1 || echo "maintain $1 exit $?" >> "$TMP/maintain.bad"; done; }
# Two loops a host; wait for them only (the sink runs on).
loops=
for h in "$A" "$B" "$A" "$B"; do loop "$h" & loops="$loops $!"; done
# shellcheck disable=SC2086
wait $loops
expect_eq "$(cat "$TMP/maintain.bad" 2>/dev/null)" ""
received=$(ls "$TMP/inbox" | grep -c '\.eml$')
echo "# $queued queued mails; $received received"
expect_eq "$received" "$queued" "each queued mail received once"
expect_eq "$(grep -h -i '^Message-ID:' "$TMP/inbox"/*.eml | sort | uniq -d | head -3)" "" "a Message-ID received twice"
expect_eq "$(pg_sql helpdesk "select count(*) from outbox where status <> 'sent'")" "0"
expect_eq "$(grep -h '^To:' "$TMP/inbox"/*.eml | sort -u | wc -l)" "$contacts" "each contact got its welcome mail"

test_done
