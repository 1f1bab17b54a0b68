#!/usr/bin/env bash
# End to end through a real Postfix: SMTP on 127.0.0.1, the README's pipe(8)
# entry in master.cf, portero-deliver as an unprivileged user; then a
# read-only state makes Postfix defer (not bounce) and a flush delivers once.
#
# The Postfix instance is private: its own config directory, queue, data
# directory and log file, all under $TMP, listening on 127.0.0.1 only and
# relaying nowhere. /etc/postfix and any system MTA are left alone.
. "$(dirname "$0")/test-lib.sh"

PFSRC=$TESTS_DIR/postfix
PY=/usr/bin/python3
DOMAIN=helpdesk.example
DUSER=portero-test          # master.cf's user=
DEADLINE=20                 # seconds to wait for any one delivery attempt

skip_all() { echo "1..0 # SKIP $*"; exit 0; }
case "${PORTERO_PASS:-}" in
  sanitizers|valgrind) skip_all "Postfix end to end runs in the normal pass only" ;;
esac
[ "$(id -u)" -eq 0 ] || skip_all "needs root (a private Postfix instance and user=$DUSER)"
[ -x /usr/sbin/postfix ] || skip_all "Debian package postfix not installed (tools/dev deps installs it)"
[ -x $PY ] || skip_all "needs $PY"
getent group postdrop >/dev/null && getent passwd postfix >/dev/null \
  || skip_all "the postfix package's user postfix / group postdrop are missing"
if ! getent passwd "$DUSER" >/dev/null; then
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$DUSER" \
    || skip_all "cannot create the delivery user $DUSER"
fi
runuser -u "$DUSER" -- test -x "$DELIVER_BIN" \
  || skip_all "$DUSER cannot run $DELIVER_BIN (a directory on its path is not searchable)"

PF=$TMP/postfix          # config_directory
SPOOL=$TMP/spool         # queue_directory
DATA=$TMP/data           # data_directory
LOG=$TMP/maillog         # maillog_file
S=$TMP/state

pf() { /usr/sbin/postfix -c "$PF" "$@"; }
pq() { /usr/sbin/postqueue -c "$PF" "$@"; }

# The master's pid while it runs.
master_pid() {
  local pid
  pid=$(tr -dc 0-9 2>/dev/null < "$SPOOL/pid/master.pid") || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}
stop_postfix() {
  master_pid >/dev/null || return 0
  pf stop >/dev/null 2>&1 || true
  local i
  for i in $(seq 1 50); do master_pid >/dev/null || return 0; sleep 0.2; done
  pf abort >/dev/null 2>&1 || true
}
at_exit stop_postfix

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds.
wait_for() {
  local end=$((SECONDS + $1)); shift
  until "$@"; do
    [ $SECONDS -lt $end ] || return 1
    sleep 0.3
  done
}
queue_empty() { pq -p 2>/dev/null | grep -q '^Mail queue is empty'; }
in_queue() { pq -p 2>/dev/null | grep -q "^$1[*!]\{0,1\} "; }
log_has() { grep -q -- "$1" "$LOG" 2>/dev/null; }
# log_for QID: the log lines of one queue file.
log_for() { grep -F " $1: " "$LOG" 2>/dev/null || true; }
# Postfix's attempts at QID through the portero transport, one line each.
attempts() { log_for "$1" | grep 'relay=portero, .*status=' || true; }
# attempted QID N: more than N attempts logged.
attempted() { [ "$(attempts "$1" | grep -c .)" -gt "$2" ]; }
# last_status QID: sent, deferred or bounced, of the latest attempt.
last_status() { attempts "$1" | tail -n 1 | sed -n 's/.* status=\([a-z]*\).*/\1/p'; }
# oneline TEXT...: for a diagnostic that stays one TAP line.
oneline() { printf '%s' "$*" | tr '\n' ' ' | head -c 600; }
show_log() { echo "# --- $LOG (last lines)"; tail -n 25 "$LOG" 2>/dev/null | sed 's/^/# /'; }
port_open() { $PY -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1" 2>/dev/null; }

# submit SUBJECT MESSAGE-ID: over SMTP; the queue id on stdout.
submit() { $PY "$PFSRC/submit.py" "$PORT" "jane.roe@example.org" "support@$DOMAIN" "$1" "<$2>"; }

# --- the state, owned by the delivery user as `portero init --owner` makes it
new_state "$S"
"$PORTERO_BIN" --config "$S/portero.conf" init --owner "$DUSER" >/dev/null
if on_pgsql; then
  # The database is the test cluster's, reached through its socket folder.
  runuser -u "$DUSER" -- test -r "$S/portero.conf" -a -x "$PGHOST" \
    || skip_all "$DUSER cannot reach the state in $S or the socket in $PGHOST (TMPDIR=${TMPDIR:-} not searchable?)"
else
  runuser -u "$DUSER" -- test -r "$S/portero.conf" -a -w "$S/portero.db" \
    || skip_all "$DUSER cannot reach the state in $S (TMPDIR=${TMPDIR:-} not searchable?)"
fi

# --- the private Postfix instance
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Postfix makes the queue's subdirectories itself (postfix check); the data
# directory must be the mail owner's.
mkdir -p "$PF" "$SPOOL"
install -d -o postfix -m 0700 "$DATA"
fill() {
  sed -e "s|@ADDR@|127.0.0.1|g" -e "s|@PORT@|$PORT|g" -e "s|@DOMAIN@|$DOMAIN|g" \
      -e "s|@USER@|$DUSER|g" -e "s|@DELIVER@|$DELIVER_BIN|g" -e "s|@CONFIG@|$S/portero.conf|g" \
      -e "s|@SPOOL@|$SPOOL|g" -e "s|@DATA@|$DATA|g" -e "s|@CONF@|$PF|g" -e "s|@LOG@|$LOG|g" -e "s|@LOGDIR@|$TMP|g" "$1"
}
fill "$PFSRC/main.cf.in" > "$PF/main.cf"
fill "$PFSRC/master.cf.in" > "$PF/master.cf"
fill "$PFSRC/transport.in" > "$PF/transport"

begin "a private Postfix instance starts, listening on 127.0.0.1 only"
started=0
if ! /usr/sbin/postmap -c "$PF" "hash:$PF/transport" 2>"$TMP/pf.err"; then
  fail "postmap: $(oneline "$(cat "$TMP/pf.err")")"
elif ! pf check >"$TMP/pf.out" 2>&1; then
  fail "postfix check: $(oneline "$(cat "$TMP/pf.out")")"
elif ! pf start >"$TMP/pf.out" 2>&1; then
  fail "postfix start: $(oneline "$(cat "$TMP/pf.out")")"; show_log
elif ! wait_for 15 port_open "$PORT"; then
  fail "nothing listens on 127.0.0.1:$PORT"; show_log
else
  started=1
  check test "$(/usr/sbin/postconf -c "$PF" -h inet_interfaces)" = 127.0.0.1
  check test "$(/usr/sbin/postconf -c "$PF" -h default_transport)" != smtp
fi

need_postfix() {
  [ $started -eq 1 ] && return 0
  skip "the Postfix instance did not start (see the first subtest)"
  return 1
}

# --- 1: a message goes all the way through

ID1="first.$$.$RANDOM@client.test.example"
begin "Postfix accepts mail for the support address over SMTP"
qid1=""
if need_postfix; then
  qid1=$(submit "Printer on fire" "$ID1" 2>"$TMP/submit.err") || fail "submit: $(oneline "$(cat "$TMP/submit.err")")"
  check test -n "$qid1"
fi

begin "Postfix pipes it to portero-deliver and the queue drains"
if need_postfix && [ -n "$qid1" ]; then
  wait_for $DEADLINE attempted "$qid1" 0 || { fail "no delivery attempt within ${DEADLINE}s"; show_log; }
  expect_eq "$(last_status "$qid1")" sent "$(oneline "$(attempts "$qid1")")"
  wait_for 10 queue_empty || fail "queue not empty: $(oneline "$(pq -p 2>&1 | head -5)")"
fi

begin "the mail is a ticket titled by its subject"
if need_postfix; then
  expect_eq "$(sql "$S" "select id, title, requester, status from tickets")" \
    "1|Printer on fire|jane.roe@example.org|open"
  check grep -q '"title" *: *"Printer on fire"' <("$PORTERO_BIN" --config "$S/portero.conf" ticket list --json)
fi

begin "the sender is auto-created as a contact of the default customer"
if need_postfix; then
  expect_eq "$(sql "$S" "select e.email, cu.name, c.source from contacts c join contact_emails e on e.contact_id=c.id join customers cu on cu.id=c.customer_id")" \
    "jane.roe@example.org|Unassigned|email"
fi

begin "the envelope from pipe(8) is stored: sender, recipient, queue id"
if need_postfix; then
  expect_eq "$(sql "$S" "select envelope_sender, envelope_recipient, original_recipient, queue_id from messages where message_id='$ID1'")" \
    "jane.roe@example.org|support@$DOMAIN|support@$DOMAIN|$qid1"
  # flags=DO: the Delivered-To and X-Original-To pipe(8) prepends reach the stored raw message.
  as_text="cast(raw as text)"
  on_pgsql && as_text="convert_from(raw, 'UTF8')"
  raw=$(sql "$S" "select $as_text from messages where message_id='$ID1'")
  check grep -qi "^Delivered-To: support@$DOMAIN" <<<"$raw"
  check grep -qi "^X-Original-To: support@$DOMAIN" <<<"$raw"
fi

# --- 2: the state is unwritable: Postfix must keep the mail, not bounce it.
# The database and whatever -wal/-shm files exist go 0440 (a read-only
# `portero` command leaves them behind), and the directory 0550 so that no
# new ones can be made: the state directory alone is not enough when the
# -wal/-shm files are there, and a 0440 database alone makes SQLite leave
# 0440 -wal/-shm files that keep failing after the database is 0660 again.
# On PostgreSQL another session holds the tables' write lock instead
# (test-lib's lock_db): every write waits out busy-timeout and fails, which
# portero-deliver must also answer with 75; reading stays possible.
if on_pgsql; then
  lock_state() { lock_db "$S"; }
  unlock_state() { [ -z "${_locker:-}" ] || unlock_db; }
else
  lock_state() { chmod 0440 "$S"/portero.db*; chmod 0550 "$S"; }
  unlock_state() { chmod 2770 "$S"; chmod 0660 "$S"/portero.db*; }
fi

ID2="second.$$.$RANDOM@client.test.example"
begin "with the state read-only, portero-deliver's exit 75 makes Postfix defer"
qid2=""
if need_postfix; then
  lock_state
  qid2=$(submit "Second try" "$ID2" 2>"$TMP/submit.err") || fail "submit: $(oneline "$(cat "$TMP/submit.err")")"
  if [ -n "$qid2" ]; then
    wait_for $DEADLINE attempted "$qid2" 0 || { fail "no delivery attempt within ${DEADLINE}s"; show_log; }
    expect_eq "$(last_status "$qid2")" deferred "$(oneline "$(attempts "$qid2")")"
    # "temporary failure" is how pipe(8) reports exit 75 (EX_TEMPFAIL) alone,
    # and it passes portero-deliver's one line of stderr into the log.
    check grep -q "dsn=4.3.0, status=deferred (temporary failure. Command output: portero-deliver: .*(will be retried)" <(attempts "$qid2")
  else
    fail "no queue id"
  fi
fi

begin "the deferred mail stays in the Postfix queue and is not bounced"
if need_postfix && [ -n "$qid2" ]; then
  check in_queue "$qid2"
  check test -n "$(find "$SPOOL/deferred" "$SPOOL/active" -name "$qid2" -print -quit 2>/dev/null)"
  if log_has 'status=bounced'; then fail "a bounce: $(oneline "$(grep 'status=bounced' "$LOG" | head -2)")"; fi
  if log_for "$qid2" | grep -q 'sender non-delivery notification'; then fail "a non-delivery notification was made"; fi
  expect_eq "$(sql "$S" "select count(*) from messages where message_id='$ID2'")" "0"
fi

# --- 3: the administrator fixes it and flushes the queue
begin "after the state is writable again a flush delivers the deferred mail"
unlock_state
if need_postfix && [ -n "$qid2" ]; then
  before=$(attempts "$qid2" | grep -c .)
  pq -f 2>"$TMP/flush.err" || fail "postqueue -f: $(oneline "$(cat "$TMP/flush.err")")"
  wait_for $DEADLINE attempted "$qid2" "$before" || { fail "no new attempt within ${DEADLINE}s of the flush"; show_log; }
  expect_eq "$(last_status "$qid2")" sent "$(oneline "$(attempts "$qid2" | tail -n 1)")"
  wait_for 10 queue_empty || fail "queue not empty: $(oneline "$(pq -p 2>&1 | head -5)")"
fi

begin "the retried mail is stored exactly once, as the second ticket"
if need_postfix && [ -n "$qid2" ]; then
  expect_eq "$(sql "$S" "select count(*) from messages where message_id='$ID2'")" "1"
  expect_eq "$(sql "$S" "select count(*) from tickets")" "2"
  expect_eq "$(sql "$S" "select title from tickets where id=2")" "Second try"
  expect_eq "$(sql "$S" "select count(*) from contacts")" "1"
  expect_eq "$(sql "$S" "select count(*) from messages where kind='mail'")" "2"
fi

begin "nothing was bounced or sent anywhere but to portero"
if need_postfix; then
  if log_has 'status=bounced'; then fail "$(oneline "$(grep 'status=bounced' "$LOG" | head -2)")"; fi
  if grep 'relay=' "$LOG" | grep -v 'relay=portero,' | grep -q .; then
    fail "other relays: $(oneline "$(grep 'relay=' "$LOG" | grep -v 'relay=portero,' | head -2)")"
  fi
fi

begin "the private Postfix instance stops"
if need_postfix; then
  stop_postfix
  if master_pid >/dev/null; then fail "master still running"; fi
fi

test_done
