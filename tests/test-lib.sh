# tests/test-lib.sh - sourced by tests/T*.sh; prints TAP.
#
# Each subtest: `begin "behaviour"`, then commands, then `check COND...` or
# the expect_* helpers; `skip "reason"` for what cannot run here. The
# programs run through $PORTERO_WRAPPER when set (valgrind), and the
# sanitizer pass runs the same scripts against its own build.
set -u

: "${PORTERO_BUILDDIR:=$(cd "$(dirname "$0")/.." && pwd)/_build}"
: "${PORTERO_SRCDIR:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${PORTERO_WRAPPER:=}"
export LC_ALL=C.UTF-8 G_SLICE=always-malloc
unset LANGUAGE PORTERO_CONFIG SENDER RECIPIENT ORIGINAL_RECIPIENT QUEUE_ID

PORTERO_BIN=$PORTERO_BUILDDIR/portero
DELIVER_BIN=$PORTERO_BUILDDIR/portero-deliver
TESTS_DIR=$PORTERO_SRCDIR/tests
SHARED_CORPUS=$PORTERO_SRCDIR/../shared/corpus/public

TMP=$(mktemp -d "${TMPDIR:-/tmp}/portero-test.XXXXXX")
chmod 755 "$TMP"
trap 'test_cleanup' EXIT
_cleanups=()
at_exit() { _cleanups+=("$*"); }
test_cleanup() {
  local c
  for c in "${_cleanups[@]+"${_cleanups[@]}"}"; do eval "$c" || true; done
  rm -rf "$TMP"
}

# wait_mail DIR N: wait for N files in the maildir DIR/new. request-reset
# sends after it answers, and under valgrind that takes seconds: wait up to
# 60 s, returning as soon as they are there.
wait_mail() {
  local i=0
  while [ "$(ls "$1/new" 2>/dev/null | wc -l)" -lt "$2" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
}

_n=0
_failed=0
_current=""
_current_failed=0
_open=0

_finish_subtest() {
  [ $_open -eq 1 ] || return 0
  _open=0
  if [ $_current_failed -eq 0 ]; then
    echo "ok $_n - $_current"
  else
    echo "not ok $_n - $_current"
    _failed=$((_failed + 1))
  fi
}

begin() {
  _finish_subtest
  _n=$((_n + 1))
  _current=$1
  _current_failed=0
  _open=1
}

# fail "why": mark the current subtest failed with a diagnostic.
fail() {
  echo "# $_current: $*" >&2
  echo "# $*"
  _current_failed=1
}

# skip "why": the current subtest cannot run here.
skip() {
  _open=0
  echo "ok $_n - $_current # SKIP $*"
}

check() {
  if ! "$@"; then fail "check failed: $*"; fi
}

expect_eq() {
  if [ "$1" != "$2" ]; then fail "expected [$2], got [$1]${3:+ ($3)}"; fi
}

# expect_code N command...
expect_code() {
  local want=$1; shift
  local got=0
  "$@" >"$TMP/last.out" 2>"$TMP/last.err" || got=$?
  if [ "$got" != "$want" ]; then
    fail "exit $got, expected $want: $* :: $(head -c 400 "$TMP/last.err")"
  fi
}

test_done() {
  _finish_subtest
  echo "1..$_n"
  [ $_failed -eq 0 ]
}

portero() { $PORTERO_WRAPPER "$PORTERO_BIN" "$@"; }
deliver() { $PORTERO_WRAPPER "$DELIVER_BIN" "$@"; }

# The backend the tests run against: sqlite (a file in each state folder), or
# pgsql with PORTERO_TEST_PGHOST the socket folder of a running cluster
# (tests/pg-cluster.sh): each state then gets a database of its own.
: "${PORTERO_TEST_BACKEND:=sqlite}"
: "${PORTERO_TEST_PGHOST:=}"
export PGHOST=$PORTERO_TEST_PGHOST
_pg_n=0

# on_pgsql: whether this pass runs against PostgreSQL.
on_pgsql() { [ "$PORTERO_TEST_BACKEND" = pgsql ]; }

# sqlite_only "what": skip the current subtest on PostgreSQL, visibly.
sqlite_only() {
  if on_pgsql; then skip "${1:-sqlite only}: sqlite only"; return 0; fi
  return 1
}

# new_database DIR: a fresh database for the state in DIR; sets _database
# to its [portero] lines.
new_database() {
  local dir=$1
  mkdir -p "$dir"
  if on_pgsql; then
    _pg_n=$((_pg_n + 1))
    local db
    db="t_$(basename "$TMP" | tr -c 'a-zA-Z0-9' _ | tr 'A-Z' 'a-z')_$_pg_n"
    createdb -h "$PGHOST" "$db"
    at_exit "dropdb -h '$PGHOST' --if-exists '$db' >/dev/null 2>&1"
    echo "$db" > "$dir/.pgdb"
    _database="database=postgresql://$(id -un)@/$db?host=$PGHOST
key-file=$dir/portero.key"
  else
    _database="database=portero.db"
  fi
}

# new_state DIR [extra config lines...]: a config and an initialised database.
new_state() {
  local dir=$1; shift
  mkdir -p "$dir"
  new_database "$dir"
  cat > "$dir/portero.conf" <<CONF
[portero]
$_database
language=en
busy-timeout=2
rules=$PORTERO_SRCDIR/filters
templates=$PORTERO_SRCDIR/templates
[mail]
support-addresses=support@helpdesk.example;soporte@helpdesk.example
from=Support <support@helpdesk.example>
[credentials]
# argon2id at OWASP's floor: production strength is not what tests measure
argon2-memlimit=19922944
[smtp]
transport=maildir
maildir=sent
CONF
  local line
  for line in "$@"; do printf '%s\n' "$line" >> "$dir/portero.conf"; done
  "$PORTERO_BIN" --config "$dir/portero.conf" init >/dev/null
}

# lock_db DIR: hold DIR's database write lock until unlock_db (at most 2 minutes).
lock_db() {
  rm -f "$TMP/locked"
  touch "$TMP/lock-flag"
  if on_pgsql; then
    # what BEGIN IMMEDIATE is on SQLite: no other writer until COMMIT
    ( printf 'BEGIN;\nLOCK TABLE customers, domains, contacts, contact_emails, tickets, messages, outbox IN EXCLUSIVE MODE;\n\\echo locked\n'
      i=0; while [ -e "$TMP/lock-flag" ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
      printf 'COMMIT;\n' ) | psql -X -q -h "$PGHOST" -d "$(cat "$1/.pgdb")" > "$TMP/locked" &
  else
  ( printf 'BEGIN IMMEDIATE;\nSELECT 1;\n.print locked\n'
    i=0; while [ -e "$TMP/lock-flag" ] && [ $i -lt 1200 ]; do sleep 0.1; i=$((i + 1)); done
    printf 'COMMIT;\n' ) | sqlite3 "$1/portero.db" > "$TMP/locked" &
  fi
  _locker=$!
  local i=0
  while ! grep -q locked "$TMP/locked" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
}
unlock_db() { rm -f "$TMP/lock-flag"; wait "$_locker"; }

# sql DIR QUERY: run QUERY on DIR's database (rows as a|b|c on both backends).
sql() {
  if on_pgsql; then
    # booleans print as 1 and 0, as SQLite's do
    psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PGHOST" -d "$(cat "$1/.pgdb")" -c "$2" \
      | awk 'BEGIN { FS = OFS = "|" } { for (i = 1; i <= NF; i++) if ($i == "t") $i = 1; else if ($i == "f") $i = 0; print }'
    return "${PIPESTATUS[0]}"
  else
    sqlite3 -batch -noheader "$1/portero.db" "$2"
  fi
}

# readable_db DIR: a path to an SQLite file Python's sqlite3 can read DIR's
# messages and attachments from (on PostgreSQL, a copy of those columns).
readable_db() {
  if ! on_pgsql; then echo "$1/portero.db"; return; fi
  local out=$1/readable.db
  rm -f "$out"
  sql "$1" "select json_build_object(
      'messages', (select coalesce(json_agg(json_build_array(id, queue_id, kind, subject, from_addr, from_name, body)), '[]') from messages),
      'attachments', (select coalesce(json_agg(json_build_array(message_id, name, size, type)), '[]') from attachments))" \
    > "$1/readable.json"
  python3 - "$out" "$1/readable.json" <<'PY'
import json, sqlite3, sys
rows = json.load(open(sys.argv[2], encoding="utf-8"))
db = sqlite3.connect(sys.argv[1])
db.execute("create table messages(id integer, queue_id text, kind text, subject text, from_addr text, from_name text, body text)")
db.execute("create table attachments(message_id integer, name text, size integer, type text)")
db.executemany("insert into messages values (?,?,?,?,?,?,?)", rows["messages"])
db.executemany("insert into attachments values (?,?,?,?)", rows["attachments"])
db.commit()
PY
  echo "$out"
}

# raw_of DIR WHERE FILE: the raw bytes of the message WHERE selects, into FILE.
raw_of() {
  if on_pgsql; then
    sql "$1" "select encode(raw, 'base64') from messages where $2" | base64 -d > "$3"
  else
    sql "$1" "select writefile('$3', raw) from messages where $2" >/dev/null
  fi
}

# mail FROM SUBJECT [HEADER...]: a small message on stdout.
mail() {
  local from=$1 subject=$2; shift 2
  printf 'From: %s\r\nTo: support@helpdesk.example\r\nSubject: %s\r\nDate: Tue, 24 Nov 2026 10:00:00 +0100\r\nMessage-ID: <%s@test.example>\r\n' \
    "$from" "$subject" "$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  local h
  for h in "$@"; do printf '%s\r\n' "$h"; done
  printf '\r\nHello,\r\nthis is a test.\r\n'
}

# deliver_to DIR [deliver args...] < message
deliver_to() {
  local dir=$1; shift
  deliver --config "$dir/portero.conf" --recipient support@helpdesk.example "$@"
}
