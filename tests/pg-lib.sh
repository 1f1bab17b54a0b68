# tests/pg-lib.sh - sourced after test-lib.sh by the tests that need a
# PostgreSQL server of their own (T190 and up).
#
# pg_start: start a private cluster in $TMP/pg (tests/pg-cluster.sh), stopped
# when the test exits; sets PG (its socket folder). Where PostgreSQL's server
# is not installed the whole test is skipped, loudly, except as root: CI runs
# as root with the server installed and must never skip.
# pg_uri DB: the libpq URI of database DB in that cluster.
# pg_sql DB QUERY: run QUERY there, unaligned, no headers.
# pg_createdb DB: a new, empty database.

pg_start() {
  # run-all's PostgreSQL pass runs every test against a shared cluster;
  # these tests bring their own and run in the plain pass.
  if [ "${PORTERO_TEST_BACKEND:-sqlite}" = pgsql ]; then
    echo "1..0 # SKIP the PostgreSQL pass: this test starts its own cluster and runs in the plain pass"
    exit 0
  fi
  PG=$TMP/pg
  local rc=0
  "$TESTS_DIR/pg-cluster.sh" start "$PG" >"$TMP/pg-start.out" 2>"$TMP/pg-start.err" || rc=$?
  if [ "$rc" -eq 77 ] && [ "$(id -u)" -ne 0 ]; then
    echo "# SKIP: $(cat "$TMP/pg-start.err")" >&2
    echo "1..0 # SKIP PostgreSQL's server is not installed: these tests did not run"
    exit 0
  fi
  if [ "$rc" -ne 0 ]; then
    begin "a private PostgreSQL cluster starts"
    fail "tests/pg-cluster.sh start exited $rc (as root this must not be skipped): $(head -c 600 "$TMP/pg-start.err")"
    test_done
    exit 1
  fi
  at_exit "'$TESTS_DIR/pg-cluster.sh' stop '$PG' >/dev/null 2>&1"
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
}

pg_uri() { printf 'postgresql:///%s?host=%s' "$1" "$PG"; }
pg_sql() { "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG" -d "$1" -c "$2"; }
pg_createdb() { pg_sql postgres "CREATE DATABASE \"$1\"" >/dev/null; }
