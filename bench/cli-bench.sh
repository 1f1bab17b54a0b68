#!/bin/bash
# bench/cli-bench.sh - what `make bench-cli` runs (and `make bench` after its
# own runs): the technician's listings at each scale, on SQLite and on
# PostgreSQL (docs/performance.md).
#
# For each scale, the pre-filled state of run-bench.sh (bench-gen prefill,
# cached) and, on PostgreSQL, the same state moved there by `portero
# migrate-to`. Each listing is timed as a script sees it, the whole process:
#   page   a page of 50 (--json --limit 50), the median of BENCH_CLI_RUNS runs,
#          wall and CPU (user + system) time;
#   walk   every row, by cursor: --json --limit 1000 --after the last ID, until
#          a page comes back empty (portero's wall and CPU seconds summed, rows,
#          the slowest page).
# Target: every ticket list page of 50 under 100 ms at the largest scale.
# Timing never fails the run; a listing that fails does (exit 1).
#
# Settings: BENCH_CLI_SCALE ("0 100000 1000000"), BENCH_CLI_PG_SCALE
# ("0 100000"; empty: no PostgreSQL), BENCH_CLI_RUNS (5),
# BENCH_CLI_WALK_SCALE (the scales walked: "0 100000 1000000").
set -euo pipefail
export LC_ALL=C.UTF-8 G_SLICE=always-malloc
unset PORTERO_CONFIG
builddir=${BENCH_BUILDDIR:?set BENCH_BUILDDIR (make bench-cli does)}
srcdir=$(cd "${BENCH_SRCDIR:?set BENCH_SRCDIR (make bench-cli does)}" && pwd)
scales=${BENCH_CLI_SCALE-0 100000 1000000}
pg_scales=${BENCH_CLI_PG_SCALE-0 100000}
runs=${BENCH_CLI_RUNS:-5}
walk_scales=${BENCH_CLI_WALK_SCALE-0 100000 1000000}
cache=${BENCH_CACHE:-$srcdir/bench/cache}
work=$cache/cli-work
portero=$builddir/portero
gen=$builddir/bench/bench-gen
report=$cache/cli-report.txt
rm -rf "$work"
mkdir -p "$work/bin"
cp "$portero" "$work/bin/"
P=$work/bin/portero
# shellcheck source=bench/bench-lib.sh
. "$srcdir/bench/bench-lib.sh"

failed=0
results=$work/results.tsv
: > "$results"

# run OUT ARGS...: portero ARGS into OUT; sets wall_ms and cpu_ms (user +
# system): on a shared machine the CPU time is the steadier figure.
run() {
  local out=$1; shift
  local TIMEFORMAT='%R %U %S' t
  { time "$P" "$@" > "$out" 2> "$work/run.err"; } 2> "$work/time" || {
    say "cli-bench: portero $* failed: $(head -1 "$work/run.err")"
    return 1
  }
  # (command substitutions, not < <(...): a process substitution's child is
  # reaped later, and its CPU time would count in the next run's)
  t=$(tail -1 "$work/time")
  wall_ms=$(awk -v t="$t" 'BEGIN { split(t, a, " "); printf "%d", a[1] * 1000 }')
  cpu_ms=$(awk -v t="$t" 'BEGIN { split(t, a, " "); printf "%d", (a[2] + a[3]) * 1000 }')
}

median() { sort -n | sed -n "$(( (runs + 1) / 2 ))p"; }

# page CONF BACKEND SCALE NAME ARGS...: a page of 50, the median of RUNS.
page() {
  local conf=$1 backend=$2 scale=$3 name=$4; shift 4
  local walls=() cpus=() i rows
  for i in $(seq 1 "$runs"); do
    run "$work/page.json" --config "$conf" "$@" --json --limit 50 || { failed=1; return; }
    walls+=("$wall_ms") cpus+=("$cpu_ms")
  done
  rows=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$work/page.json")
  printf '%s\t%s\t%s\tpage\t%s\t%s\t%s\n' "$backend" "$scale" "$name" \
    "$(printf '%s\n' "${walls[@]}" | median)" "$(printf '%s\n' "${cpus[@]}" | median)" "$rows" >> "$results"
}

# walk CONF BACKEND SCALE NAME ARGS...: every row by cursor, 1 000 a page;
# the sums of portero's wall and CPU times, and the slowest page.
walk_all() {
  local conf=$1 backend=$2 scale=$3 name=$4; shift 4
  local last="" rows=0 pages=0 n wall=0 cpu=0 slowest=0
  while :; do
    run "$work/walk.json" --config "$conf" "$@" --json --limit 1000 ${last:+--after "$last"} || { failed=1; return; }
    wall=$((wall + wall_ms)) cpu=$((cpu + cpu_ms))
    [ "$wall_ms" -le "$slowest" ] || slowest=$wall_ms
    read -r n last <<< "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d), d[-1]["id"] if d else "")' "$work/walk.json")"
    [ "$n" -gt 0 ] || break
    rows=$((rows + n)) pages=$((pages + 1))
  done
  printf '%s\t%s\t%s\twalk\t%s\t%s\t%s\t%s\t%s\n' "$backend" "$scale" "$name" "$wall" "$cpu" "$rows" "$pages" \
    "$slowest" >> "$results"
}

# measure CONF BACKEND SCALE: every listing.
measure() {
  local conf=$1 backend=$2 scale=$3 customer contact since
  # A customer and a requester with tickets: those of the latest ticket.
  read -r customer contact <<< "$("$P" --config "$conf" ticket list --json --limit 1 \
    | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[0]["customer"].replace(" ", "\x1f"), d[0]["requester"]) if d else print("Unassigned nobody@example.com")')"
  customer=${customer//$'\x1f'/ }
  since=$(date -u -d '1 day ago' +%Y-%m-%d)
  say "cli-bench: $backend, $scale tickets: pages of 50"
  page "$conf" "$backend" "$scale" "ticket list" ticket list
  page "$conf" "$backend" "$scale" "ticket list --status open" ticket list --status open
  page "$conf" "$backend" "$scale" "ticket list --status closed" ticket list --status closed
  page "$conf" "$backend" "$scale" "ticket list --customer C" ticket list --customer "$customer"
  page "$conf" "$backend" "$scale" "ticket list --contact E" ticket list --contact "$contact"
  page "$conf" "$backend" "$scale" "ticket list --since yesterday" ticket list --since "$since"
  page "$conf" "$backend" "$scale" "ticket list --search vpn" ticket list --search vpn
  page "$conf" "$backend" "$scale" "ticket list --search (no match)" ticket list --search zqxj
  page "$conf" "$backend" "$scale" "ticket list --status open --customer C --search a" \
    ticket list --status open --customer "$customer" --search a
  page "$conf" "$backend" "$scale" "ticket list --sort oldest" ticket list --sort oldest
  page "$conf" "$backend" "$scale" "contact list" contact list
  page "$conf" "$backend" "$scale" "contact list --search gonzalez" contact list --search gonzalez
  page "$conf" "$backend" "$scale" "customer list" customer list
  page "$conf" "$backend" "$scale" "message list" message list
  page "$conf" "$backend" "$scale" "message list --unfiled" message list --unfiled
  case " $walk_scales " in *" $scale "*) ;; *) return 0 ;; esac
  say "cli-bench: $backend, $scale tickets: full walks by cursor"
  walk_all "$conf" "$backend" "$scale" "ticket list" ticket list
  walk_all "$conf" "$backend" "$scale" "contact list" contact list
  walk_all "$conf" "$backend" "$scale" "customer list" customer list
  walk_all "$conf" "$backend" "$scale" "message list" message list
}

for scale in $scales; do
  state=$(cached_state "$scale")
  measure "$state/portero.conf" sqlite "$scale"
done

pg_dir=$work/pg
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
pg_note=""
if [ -z "$pg_scales" ]; then
  pg_note="PostgreSQL: not measured (BENCH_CLI_PG_SCALE empty)"
elif ! "$srcdir/tests/pg-cluster.sh" start "$pg_dir" > /dev/null 2> "$work/pg.err"; then
  pg_note="PostgreSQL: not measured ($(head -1 "$work/pg.err"))"
else
  for scale in $pg_scales; do
    state=$(cached_state "$scale")
    db=cli_$scale
    "$pg_bin/psql" -X -q -h "$pg_dir" -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
    say "cli-bench: moving the $scale-ticket state into PostgreSQL (portero migrate-to)"
    if ! "$P" --config "$state/portero.conf" migrate-to "postgresql:///$db?host=$pg_dir" > "$work/migrate.out" 2>&1; then
      say "cli-bench: migrate-to failed: $(tail -n 2 "$work/migrate.out")"
      failed=1
      continue
    fi
    sed -e "s|^database=.*|database=postgresql:///$db?host=$pg_dir\nkey-file=$state/portero.key|" \
      "$state/portero.conf" > "$work/pg-$scale.conf"
    measure "$work/pg-$scale.conf" postgresql "$scale"
  done
  "$srcdir/tests/pg-cluster.sh" stop "$pg_dir" >/dev/null 2>&1 || true
fi

python3 - "$results" "$runs" "$pg_note" > "$report" <<'PY'
import collections, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
scales = sorted({int(r[1]) for r in rows})
backends = [b for b in ("sqlite", "postgresql") if any(r[0] == b for r in rows)]
pages, walks = collections.OrderedDict(), collections.OrderedDict()
for r in rows:
    v = [int(x) for x in r[4:]]
    (pages if r[3] == "page" else walks).setdefault(r[2], {})[(r[0], int(r[1]))] = v
def cols(table):
    return [(b, s) for b in backends for s in scales if any((b, s) in v for v in table.values())]
name = lambda b, s: "%s %s" % ("SQLite" if b == "sqlite" else "PostgreSQL", "{:,}".format(s).replace(",", " "))
def table(t, fmt):
    c = cols(t)
    print("| listing | " + " | ".join(name(*x) for x in c) + " |")
    print("|---|" + "---:|" * len(c))
    for k, v in t.items():
        print("| `%s` | " % k + " | ".join(fmt(v[x]) if x in v else "" for x in c) + " |")
    print()
print("A page of 50 (--json --limit 50), the whole `portero` process, median of %s runs: wall ms / CPU ms" % sys.argv[2])
print()
table(pages, lambda v: "%d / %d" % (v[0], v[1]))
print("Every row by cursor (--json --limit 1000 --after ID until empty): rows; portero's wall s / CPU s; slowest page ms")
print()
table(walks, lambda v: "%d; %.1f / %.1f; %d" % (v[2], v[0] / 1000, v[1] / 1000, v[4]))
top = max(scales, default=0)
for b in backends:
    ps = [(v[(b, top)], k) for k, v in pages.items() if k.startswith("ticket list") and (b, top) in v]
    if ps:
        wall, cpu = max(p[0][0] for p in ps), max(p[0][1] for p in ps)
        print("target: every ticket list page of 50 under 100 ms at %s tickets, %s: %s (slowest: wall %d ms, CPU %d ms)"
              % ("{:,}".format(top).replace(",", " "), b, "PASS" if wall < 100 else "MISS", wall, cpu))
if sys.argv[3]:
    print(sys.argv[3])
PY
cat "$report"
exit $failed
