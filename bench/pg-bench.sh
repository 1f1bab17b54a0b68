# bench/pg-bench.sh - sourced by run-bench.sh after the SQLite runs:
# PostgreSQL beside SQLite, in the same run (docs/performance.md).
#
# A private cluster (tests/pg-cluster.sh: Unix socket only, fsync on). For
# each scale of BENCH_PG_SCALE the cached pre-filled SQLite state is copied
# and moved into PostgreSQL with `portero migrate-to` (timed); then the same
# reply and new-ticket messages go through portero-deliver into both, the
# two taking turns as portero-deliver and maildrop do. On the first scale,
# the same through PgBouncer (transaction pooling) when it is installed, and two
# "hosts" (two configurations, one database, one key file) of 8 concurrent
# deliveries each. Writes $work/pg-report.txt for the report.
#
# Settings: BENCH_PG (no: skip it), BENCH_PG_SCALE ("0 100000"; the full
# target is "0 1000000"), BENCH_PG_CASES ("reply new-ticket"), BENCH_PG_JOBS
# ("1 8"); BENCH_N and BENCH_TURN as for SQLite.

pg_scales=${BENCH_PG_SCALE-0 100000}
pg_cases=${BENCH_PG_CASES:-reply new-ticket}
pg_jobs=${BENCH_PG_JOBS:-1 8}
pg_report=$work/pg-report.txt
pg_results=$cache/pg-results.tsv
pg_dir=$work/pg
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
: > "$pg_results"
: > "$pg_report"

pg_sql() { "$pg_bin/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$pg_dir" -d "$1" -c "$2"; }

# pg_record SCALE CASE JOBS AGENT DRIVE-OUTPUT
pg_record() {
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" \
    "$(kv n "$5")" "$(kv failed "$5")" "$(kv rate "$5")" "$(kv median_ms "$5")" "$(kv p99_ms "$5")" "$(kv cpu_ms "$5")" \
    >> "$pg_results"
}

# pg_run SCALE CASE JOBS AGENT:CONF...: the same messages through
# portero-deliver with each configuration, taking turns of $turn messages.
pg_run() {
  local scale=$1 kase=$2 jobs=$3; shift 3
  local msgs a agent conf part out k failed=0
  seed=$((seed + 1))
  msgs=$work/pg-msgs-$seed
  "$gen" mail "$work/pgstate" "$kase" "$count" "$seed" "$msgs" 0 0 >/dev/null
  split -l "$turn" -d -a 4 "$msgs/list.tsv" "$msgs/turn-"
  for a in "$@"; do : > "$msgs/${a%%:*}.tsv"; : > "$msgs/${a%%:*}.runs"; done
  for part in "$msgs"/turn-*; do
    for a in "$@"; do
      agent=${a%%:*} conf=${a#*:}
      out=$("$drive" -j "$jobs" -e "$work/pg-$agent.err" -o "$msgs/turn.tsv" "$part" -- \
            "$deliver" --config "$conf" --sender %s --recipient %r --queue-id %q) || failed=1
      cat "$msgs/turn.tsv" >> "$msgs/$agent.tsv"
      echo "$out" >> "$msgs/$agent.runs"
    done
  done
  for a in "$@"; do
    agent=${a%%:*}
    out=$(summarise "$msgs/$agent.tsv" "$msgs/$agent.runs")
    pg_record "$scale" "$kase" "$jobs" "$agent" "$out"
  done
  if [ $failed -ne 0 ]; then
    say "run-bench: PostgreSQL: a delivery failed (scale $scale $kase jobs $jobs): $(sort "$work"/pg-*.err | uniq -c | sort -rn | head -2 | tr -s ' ' | tr '\n' ';')"
    echo "  PostgreSQL scale $scale $kase jobs $jobs: a delivery failed" >> "$work/failures.txt"
    trouble=1
  fi
  rm -rf "$msgs"
  say "  PostgreSQL scale $scale $kase jobs $jobs: $(tail -n $# "$pg_results" | awk -F'\t' '{ printf "%s %.1f msg/s  ", $4, $7 }')"
}

# pg_hosts SCALE: two hosts, 8 deliveries at a time each, new tickets into
# one database; the throughput of both together.
pg_hosts() {
  local scale=$1 msgs t0 ms n_all failed_all=0 h out
  seed=$((seed + 1))
  msgs=$work/pg-msgs-$seed
  "$gen" mail "$work/pgstate" new-ticket "$((2 * count))" "$seed" "$msgs" 0 0 >/dev/null
  head -n "$count" "$msgs/list.tsv" > "$msgs/a.tsv"
  tail -n +"$((count + 1))" "$msgs/list.tsv" > "$msgs/b.tsv"
  t0=$(date +%s%N)
  for h in a b; do
    "$drive" -j 8 -e "$work/pg-hosts.err" "$msgs/$h.tsv" -- \
      "$deliver" --config "$work/pgstate/host-$h.conf" --sender %s --recipient %r --queue-id %q > "$msgs/$h.out" &
  done
  wait || true
  ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  n_all=0
  for h in a b; do
    out=$(cat "$msgs/$h.out")
    n_all=$((n_all + $(kv n "$out")))
    failed_all=$((failed_all + $(kv failed "$out")))
  done
  printf '%s\thosts\t2x8\tpgsql\t%s\t%s\t%s\t\t\t\n' "$scale" "$n_all" "$failed_all" \
    "$(awk -v n="$n_all" -v ms="$ms" 'BEGIN { printf "%.2f", (ms > 0 ? n * 1000 / ms : 0) }')" >> "$pg_results"
  if [ "$failed_all" -ne 0 ]; then
    echo "  PostgreSQL 2 hosts x 8: $failed_all of $n_all deliveries failed" >> "$work/failures.txt"
    trouble=1
  fi
  rm -rf "$msgs"
  say "  PostgreSQL 2 hosts x 8: $n_all messages in $ms ms, $failed_all failed"
}

# pgbouncer_start DB: PgBouncer in front of DB, on a Unix socket in
# $work/pgb, port 6432, transaction pooling (the mode that shares a server
# connection most, tests/T193); PgBouncer refuses to run as root.
pgbouncer_start() {
  local user
  user=$(id -un)
  rm -rf "$work/pgb"; mkdir -p "$work/pgb"
  cat > "$work/pgb/pgbouncer.ini" <<INI
[databases]
$1 = host=$pg_dir dbname=$1 user=$user
[pgbouncer]
listen_addr =
listen_port = 6432
unix_socket_dir = $work/pgb
auth_type = trust
auth_file = $work/pgb/users.txt
pool_mode = transaction
max_client_conn = 200
default_pool_size = 20
logfile = $work/pgb/pgbouncer.log
pidfile = $work/pgb/pgbouncer.pid
INI
  printf '"%s" ""\n' "$user" > "$work/pgb/users.txt"
  if [ "$(id -u)" -eq 0 ]; then
    chown -R postgres "$work/pgb" 2>/dev/null || chown -R nobody "$work/pgb"
    runuser -u "$(stat -c %U "$work/pgb")" -- pgbouncer -d "$work/pgb/pgbouncer.ini"
  else
    pgbouncer -d "$work/pgb/pgbouncer.ini"
  fi
  local i=0
  while [ ! -S "$work/pgb/.s.PGSQL.6432" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
  [ -S "$work/pgb/.s.PGSQL.6432" ]
}
pgbouncer_stop() { [ -f "$work/pgb/pgbouncer.pid" ] && kill "$(cat "$work/pgb/pgbouncer.pid")" 2>/dev/null; rm -rf "$work/pgb"; }

# pg_conf NAME URI: a configuration of the state beside portero.conf, with
# database= the URI and the state's own key file.
pg_conf() {
  local uri=${2//&/\\&}
  sed -e "s|^database=.*|database=$uri\nkey-file=portero.key|" -e "s|^maildir=.*|maildir=sent-$1|" \
    "$work/pgstate/portero.conf" > "$work/pgstate/$1.conf"
}

if [ "${BENCH_PG:-yes}" = no ] || [ -z "$pg_scales" ]; then
  echo "PostgreSQL: not measured (BENCH_PG=no or BENCH_PG_SCALE empty)" > "$pg_report"
elif ! "$srcdir/tests/pg-cluster.sh" start "$pg_dir" > /dev/null 2> "$work/pg.err"; then
  say "run-bench: PostgreSQL not measured: $(head -c 300 "$work/pg.err")"
  echo "PostgreSQL: not measured ($(head -1 "$work/pg.err"))" > "$pg_report"
else
  pg_version=$("$pg_bin/postgres" --version | awk '{ print $3 }')
  pg_first=${pg_scales%% *}
  pg_migrated=""
  for scale in $pg_scales; do
    state=$(cached_state "$scale")
    say "PostgreSQL, scale $scale: copying the pre-filled state and moving it into PostgreSQL"
    rm -rf "$work/pgstate"
    cp -a "$state" "$work/pgstate"
    write_config "$work/pgstate"
    # One database for the direct connections and, on the first scale, a
    # second one for PgBouncer's: each gets every message once.
    dbs=bench_$scale
    [ "$scale" = "$pg_first" ] && command -v pgbouncer >/dev/null && dbs="$dbs bench_${scale}_pgb"
    moved=yes
    for db in $dbs; do
      pg_sql postgres "DROP DATABASE IF EXISTS $db" >/dev/null
      pg_sql postgres "CREATE DATABASE $db" >/dev/null
      t0=$SECONDS
      if ! "$portero" --config "$work/pgstate/portero.conf" migrate-to "postgresql:///$db?host=$pg_dir" \
           > "$work/pg-migrate.out" 2>&1; then
        say "run-bench: portero migrate-to failed: $(tail -n 3 "$work/pg-migrate.out")"
        echo "  PostgreSQL scale $scale: portero migrate-to failed" >> "$work/failures.txt"
        trouble=1 moved=no
        break
      fi
    done
    [ $moved = yes ] || continue
    pg_migrated="$pg_migrated scale $scale: $((SECONDS - t0)) s;"
    uri="postgresql:///bench_$scale?host=$pg_dir"
    pg_conf pgsql "$uri"
    agents="sqlite:$work/pgstate/portero.conf pgsql:$work/pgstate/pgsql.conf"
    if [ "$dbs" != "bench_$scale" ] && pgbouncer_start "bench_${scale}_pgb"; then
      pg_conf pgbouncer "postgresql:///bench_${scale}_pgb?host=$work/pgb&port=6432"
      agents="$agents pgbouncer:$work/pgstate/pgbouncer.conf"
    fi
    # Warm-up, not measured.
    seed=$((seed + 1))
    "$gen" mail "$work/pgstate" new-ticket 5 "$seed" "$work/pg-warm" 0 >/dev/null
    for a in $agents; do
      "$drive" -e "$work/pg-warm.err" "$work/pg-warm/list.tsv" -- "$deliver" --config "${a#*:}" \
        --sender %s --recipient %r --queue-id %q >/dev/null || true
    done
    rm -rf "$work/pg-warm"
    for kase in $pg_cases; do
      for jobs in $pg_jobs; do
        # shellcheck disable=SC2086
        pg_run "$scale" "$kase" "$jobs" $agents
      done
    done
    pgbouncer_stop
    if [ "$scale" = "$pg_first" ]; then
      pg_conf host-a "$uri"
      pg_conf host-b "$uri"
      pg_hosts "$scale"
    fi
    for db in $dbs; do pg_sql postgres "DROP DATABASE $db" >/dev/null || true; done
    rm -rf "$work/pgstate"
  done
  "$srcdir/tests/pg-cluster.sh" stop "$pg_dir" >/dev/null 2>&1 || true

  {
    echo "PostgreSQL $pg_version on a Unix socket, beside SQLite in the same run (the same messages, taking turns;"
    echo "pgbouncer: the same database through PgBouncer, transaction pooling). migrate-to took:$pg_migrated"
    printf '%-8s %-10s %4s | %-27s | %-27s | %-27s | %-11s | %-11s\n' "" "" "" "SQLite" "PostgreSQL" "PgBouncer" "2x direct" "2x PgBouncer"
    printf '%-8s %-10s %4s | %7s %6s %6s %5s | %7s %6s %6s %5s | %7s %6s %6s %5s | %5s %-5s | %5s %-5s\n' scale case jobs \
      msg/s med p99 fail msg/s med p99 fail msg/s med p99 fail ratio tgt ratio tgt
    awk -F'\t' '
      $2 == "hosts" { next }
      { k = $1 SUBSEP $2 SUBSEP $3; if (!(k in seen)) { order[++n] = k; seen[k] = 1 }; row[k, $4] = $0 }
      function cell(r,   f) { if (r == "") return sprintf("%27s", "n/a"); split(r, f, "\t")
        return sprintf("%7.1f %6.1f %6.1f %5d", f[7], f[8], f[9], f[6]) }
      # the ratio of the SQLite rate to that of row R, and its verdict (a failed delivery proves nothing)
      function verdict(s, r,   p, ratio) { if (r == "") return sprintf("%5s %-5s", "", "n/a"); split(r, p, "\t")
        ratio = (p[7] > 0) ? s[7] / p[7] : 0
        return sprintf("%5.2f %-5s", ratio, (p[6] > 0 || s[6] > 0) ? "MISS" : (ratio == 0 ? "n/a" : (ratio <= 2 ? "PASS" : "MISS"))) }
      END { for (i = 1; i <= n; i++) { k = order[i]; split(k, f, SUBSEP)
          split(row[k, "sqlite"], s, "\t")
          printf "%-8s %-10s %4s | %s | %s | %s | %s | %s\n", f[1], f[2], f[3], cell(row[k, "sqlite"]),
            cell(row[k, "pgsql"]), cell(row[k, "pgbouncer"]), verdict(s, row[k, "pgsql"]), verdict(s, row[k, "pgbouncer"]) } }' "$pg_results"
    echo "targets (PostgreSQL):"
    awk -F'\t' -v first="$pg_first" '
      $2 == "hosts" { printf "  2 hosts x 8 concurrent deliveries, one database: %.1f msg/s, %d of %d failed: %s\n", $7, $6, $5, $6 == 0 ? "PASS" : "MISS"; next }
      { rate[$1, $2, $3, $4] = $7; fails[$1, $2, $3, $4] = $6; scales[$1] = 1; kj[$2 SUBSEP $3] = 1 }
      END {
        for (a = 1; a <= 2; a++) { agent = a == 1 ? "pgsql" : "pgbouncer"; all = 0; ok = 0; worst = 0
          for (k in rate) { split(k, f, SUBSEP); if (f[4] != agent) continue
            s = rate[f[1], f[2], f[3], "sqlite"]; if (s == "" || rate[k] <= 0) continue
            r = s / rate[k]; all++; if (r <= 2 && fails[k] == 0) ok++; if (r > worst) worst = r }
          if (all) printf "  reply and new-ticket on PostgreSQL at most 2x SQLite a message, %s: %s (%d of %d runs; worst %.2fx)\n",
            a == 1 ? "a direct connection" : "through PgBouncer", ok == all ? "PASS" : "MISS", ok, all, worst }
        max = first; for (x in scales) if (x + 0 > max + 0) max = x
        if (max == first) { print "  flat within 20% over database size (PostgreSQL): not measured (one scale only)"; exit }
        fall = 0; fok = 0; fw = 0; line = ""
        for (q in kj) { split(q, f, SUBSEP)
          a = rate[first, f[1], f[2], "pgsql"]; b = rate[max, f[1], f[2], "pgsql"]
          sa = rate[first, f[1], f[2], "sqlite"]; sb = rate[max, f[1], f[2], "sqlite"]
          if (a == "" || b == "" || b <= 0) continue
          g = a / b; gn = (sa > 0 && sb > 0) ? g / (sa / sb) : g
          fall++; if (gn <= 1.2) fok++; if (gn > fw) fw = gn
          line = line sprintf("    %-10s jobs %s: %7.1f -> %7.1f msg/s: cost x%.2f, against SQLite beside it x%.2f\n", f[1], f[2], a, b, g, gn) }
        printf "  flat within 20%% from %s to %s tickets (PostgreSQL, against SQLite run beside it): %s (%d of %d; worst x%.2f)\n%s", first, max, fok == fall ? "PASS" : "MISS", fok, fall, fw, line
      }' "$pg_results"
  } > "$pg_report"
fi
