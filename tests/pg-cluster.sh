#!/usr/bin/env bash
# tests/pg-cluster.sh - a private PostgreSQL cluster for the tests.
#
#   tests/pg-cluster.sh start DIR   initdb into DIR (if needed) and start it;
#                                   prints the socket folder (= DIR) on stdout
#   tests/pg-cluster.sh stop DIR    stop it (fast shutdown)
#   tests/pg-cluster.sh kill DIR    kill the server at once (SIGKILL), as a crash
#   tests/pg-cluster.sh status DIR  exit 0 when it accepts connections
#
# The cluster listens on its Unix socket in DIR only (no TCP port), trusts
# local connections (the folder is private to the test run) and has one
# superuser named after the user who started it. PostgreSQL refuses to run
# as root: as root, the server runs as the `postgres` system user (or
# `nobody`) and root connects as the superuser `root`.
# Exit status 77 (automake's SKIP) when PostgreSQL's server is not installed.
set -euo pipefail

cmd=${1:?usage: pg-cluster.sh start|stop|kill|status DIR}
dir=${2:?usage: pg-cluster.sh start|stop|kill|status DIR}

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
  echo "pg-cluster: PostgreSQL's server is not installed (initdb not found)" >&2
  exit 77
fi

me=$(id -un)
# as_server CMD...: run CMD as the server's user.
if [ "$(id -u)" -eq 0 ]; then
  server_user=postgres
  id "$server_user" >/dev/null 2>&1 || server_user=nobody
  as_server() { runuser -u "$server_user" -- "$@"; }
else
  server_user=$me
  as_server() { "$@"; }
fi

case "$cmd" in
start)
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [ "$(id -u)" -eq 0 ] && chown "$server_user" "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_server "$bindir/initdb" -D "$dir/data" -U "$me" --auth=trust \
      --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    # A small cluster for tests: no TCP, socket in DIR, fsync kept on (the
    # tests check durability), enough connections for 2 hosts x 8 deliveries.
    cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir'
max_connections = 100
shared_buffers = 32MB
log_min_messages = warning
CONF
  fi
  as_server "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null \
    || { tail -20 "$dir/server.log" >&2; exit 1; }
  echo "$dir"
  ;;
stop)
  [ -f "$dir/data/postmaster.pid" ] || exit 0
  as_server "$bindir/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null
  ;;
kill)
  [ -f "$dir/data/postmaster.pid" ] || exit 0
  pid=$(head -1 "$dir/data/postmaster.pid")
  kids=$(pgrep -P "$pid" || true)
  kill -KILL "$pid" $kids 2>/dev/null || true
  # Wait until they are gone (or zombies a reaper has not collected yet),
  # then clear the stale lock file, so that `start` works as after a crash.
  alive() { local p s; for p in "$@"; do
      s=$(ps -o stat= -p "$p" 2>/dev/null || true)
      [ -n "$s" ] && [ "${s#Z}" = "$s" ] && return 0
    done; return 1; }
  i=0; while alive "$pid" $kids && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  rm -f "$dir/data/postmaster.pid" "$dir"/.s.PGSQL.*
  ;;
status)
  "$bindir/pg_isready" -q -h "$dir"
  ;;
*)
  echo "pg-cluster: unknown command $cmd" >&2
  exit 64
  ;;
esac
