#!/bin/bash
# bench/profile.sh - what `make bench-profile` runs; docs/performance.md explains it.
#
# Where a delivery's time goes, on the pre-filled states of BENCH_PROFILE_SCALE:
#   1. start-up: what loading and initialising the libraries costs, linked as
#      portero-deliver is (static archives) and shared
#   2. callgrind: instructions of one delivery a path, by stage
#   3. system calls and page faults of one delivery, portero-deliver and maildrop
#   4. perf (when it works here): CPU samples by shared object
#   5. what-if: the same deliveries through a portero-deliver relinked with the
#      shared libraries (configure --disable-static-deliver), alternated
# Writes the report to stdout and to $BENCH_CACHE/last-profile.txt.
set -euo pipefail
export LC_ALL=C.UTF-8 G_SLICE=always-malloc
unset PORTERO_CONFIG SENDER RECIPIENT ORIGINAL_RECIPIENT QUEUE_ID

builddir=${BENCH_BUILDDIR:?set BENCH_BUILDDIR (make bench-profile does)}
srcdir=$(cd "${BENCH_SRCDIR:?set BENCH_SRCDIR (make bench-profile does)}" && pwd)
scales=${BENCH_PROFILE_SCALE:-0 100000}
cache=${BENCH_CACHE:-$srcdir/bench/cache}
portero=$builddir/portero
gen=$builddir/bench/bench-gen
drive=$builddir/bench/bench-drive
maildrop=$(command -v maildrop || true)
# shellcheck source=bench/bench-lib.sh
. "$srcdir/bench/bench-lib.sh"

command -v valgrind >/dev/null || { say "profile: valgrind is needed (apt-get install valgrind)"; exit 1; }
command -v sqlite3 >/dev/null || { say "profile: sqlite3 is needed (apt-get install sqlite3)"; exit 1; }
mkdir -p "$cache"
work=$cache/profile
rm -rf "$work"
mkdir -p "$work"
report=$cache/last-profile.txt
# A private copy: a rebuild while this runs cannot change what is measured.
cp "$builddir/portero-deliver" "$work/portero-deliver"
deliver=$work/portero-deliver
first=${scales%% *}
last=${scales##* }

fresh() { # fresh NAME SCALE: a scratch copy of the pre-filled state
  rm -rf "$work/$1"
  cp -a "$(cached_state "$2")" "$work/$1"
  write_config "$work/$1"
}
deliver_args() { echo "--config $1/portero.conf --sender %s --recipient %r --queue-id %q"; }
kv() { printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# Inclusive instructions (millions) of the stages of a delivery, from a callgrind file.
stages() {
  callgrind_annotate --inclusive=yes --threshold=100 "$1" 2>/dev/null | awk '
    /PROGRAM TOTALS/ { gsub(",", "", $1); total = $1 }
    / \[/ && /^ *[0-9,]+ \(/ {
      line = $0; sub(/\([^)]*\)/, "", line); split(line, w, " ")
      n = w[1]; gsub(",", "", n); f = w[2]; sub(/^.*:/, "", f)
      q = index(f, sprintf("%c", 39)); if (q) f = substr(f, 1, q - 1)
      sub(/\..*$/, "", f)
      if (!(f in ir) || ir[f] < n + 0) ir[f] = n + 0 }
    END {
      split("_dl_start:dynamic linking (ld.so)|_dl_init:library constructors|main:main()|" \
            "portero_mail_init:g_mime_init|g_option_context_parse:option parsing|" \
            "portero_config_load:configuration (GKeyFile)|portero_keys_load:key file|read_all:reading stdin|" \
            "portero_mail_parse:parsing the mail (gmime), all|g_checksum_update:  SHA-256 (GChecksum)|" \
            "part_text:  body text (transfer encoding, charset)|" \
            "wrapper_size:  sizing attachments|" \
            "portero_store_open:opening the database|sqlite3InitOne:  schema parse|" \
            "portero_rules_load:loading rules|portero_intake_store:the transaction (intake_store)|" \
            "portero_store_ticket_for_message_id:  References lookups|portero_store_message_add:  message insert|" \
            "portero_store_commit:  commit|sqlite3_prepare_v3:preparing statements|" \
            "portero_store_close:closing the database (checkpoint at 1 MB of log)|portero_mail_shutdown:gmime shutdown", rows, "|")
      printf "    %-44s %9.2f M  100%%\n", "total", total / 1e6
      # the stages under 1% are left out, but for the first three
      for (i = 1; i in rows; i++) { split(rows[i], p, ":"); if (!(p[1] in ir)) continue
        if (i > 3 && ir[p[1]] < total / 100) continue
        printf "    %-44s %9.2f M %5.1f%%\n", p[2], ir[p[1]] / 1e6, 100 * ir[p[1]] / total }
    }'
}

{
echo "portero profile, $(date -u +%Y-%m-%dT%H:%MZ), $(git -C "$srcdir" describe --always --dirty 2>/dev/null || echo 'no git')"
echo "machine: $(nproc) cores, $(uname -sr); states: $scales tickets"
echo

# ---- 1. start-up ------------------------------------------------------------
echo "1. start-up: one process a message pays this every time"
fresh s0 "$first"
"$gen" mail "$work/s0" new-ticket 40 101 "$work/m-nt" >/dev/null
for i in $(seq 40); do echo "/dev/null"; done > "$work/null.tsv"
helpout=$("$drive" "$work/null.tsv" -- "$deliver" --help)
# shellcheck disable=SC2046
fullout=$("$drive" "$work/m-nt/list.tsv" -- "$deliver" $(deliver_args "$work/s0"))
trueout=$("$drive" "$work/null.tsv" -- /bin/true)
printf '  %-52s wall %6.1f ms  cpu %6.1f ms\n' "/bin/true (process creation)" "$(kv mean_ms "$trueout")" "$(kv cpu_ms "$trueout")"
printf '  %-52s wall %6.1f ms  cpu %6.1f ms\n' "portero-deliver --help (libraries, sodium, gmime)" "$(kv mean_ms "$helpout")" "$(kv cpu_ms "$helpout")"
printf '  %-52s wall %6.1f ms  cpu %6.1f ms\n' "portero-deliver, a whole new-ticket delivery" "$(kv mean_ms "$fullout")" "$(kv cpu_ms "$fullout")"
if [ -n "$maildrop" ]; then
  mkdir -p "$work/Maildir/tmp" "$work/Maildir/new" "$work/Maildir/cur"
  printf 'to "%s/Maildir/"\n' "$work" > "$work/mailfilter"; chmod 600 "$work/mailfilter"
  mdout=$("$drive" "$work/m-nt/list.tsv" -- "$maildrop" -f %s "$work/mailfilter")
  printf '  %-52s wall %6.1f ms  cpu %6.1f ms\n' "maildrop, the same messages into a Maildir" "$(kv mean_ms "$mdout")" "$(kv cpu_ms "$mdout")"
fi
echo "  shared objects loaded: $(ldd "$deliver" | wc -l);" \
     "$(LD_DEBUG=statistics "$deliver" --help 2>&1 >/dev/null | awk '/number of relocations:/ { r = $NF } /relative relocations:/ { q = $NF } END { printf "%s symbol and %s relative relocations", r, q }')"
if command -v cc >/dev/null && command -v pkg-config >/dev/null; then
  echo "  a main() that only initialises gmime, sqlite and libsodium (the cost of the libraries alone):"
  printf '%s\n' '#include <gmime/gmime.h>' '#include <sqlite3.h>' '#include <sodium.h>' \
    'int main (void) { g_mime_init (); return sqlite3_initialize () + sodium_init (); }' > "$work/init.c"
  echo 'int main (void) { return 0; }' > "$work/empty.c"
  shared="glib-2.0 gmime-3.0 sqlite3 libsodium"
  # shellcheck disable=SC2046,SC2086
  for spec in "an empty main(), libc only:empty:" \
              "linked as portero-deliver (static archives):init:${BENCH_DELIVER_LIBS:-}" \
              "the same libraries shared:init:$(pkg-config --libs $shared)" \
              "shared, with libxml2 and libesmtp (as it was):init:$(pkg-config --libs $shared libxml-2.0 libesmtp-1.0 json-glib-1.0)"; do
    name=${spec%%:*}; rest=${spec#*:}; src=${rest%%:*}; libs=${rest#*:}
    extra=
    [ "$src" = init ] && [ -n "${BENCH_DELIVER_LIBS:-}" ] && [ "$libs" = "$BENCH_DELIVER_LIBS" ] && extra=$srcdir/src/gmime-gio.c
    [ "$src" = init ] && [ -z "$libs" ] && continue
    cc -O2 -o "$work/startup" $(pkg-config --cflags $shared) "$work/$src.c" $extra -Wl,--no-as-needed $libs 2>"$work/cc.err" \
      || { echo "    $name: does not link here ($(head -1 "$work/cc.err"))"; continue; }
    o=$("$drive" "$work/null.tsv" -- "$work/startup")
    ir=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$work/startup" 2>&1 | awk '/refs:/ { print $NF }')
    faults=$( { /usr/bin/time -f %R "$work/startup"; } 2>&1 >/dev/null | tail -1)
    printf '    %-50s %2d objects  wall %5.1f ms  cpu %5.1f ms  %4s page faults  %12s instructions\n' "$name" \
      "$(ldd "$work/startup" | grep -c '=>\|ld-linux')" "$(kv mean_ms "$o")" "$(kv cpu_ms "$o")" "$faults" "$ir"
  done
fi
echo

# ---- 2. callgrind -----------------------------------------------------------
echo "2. instructions of one delivery (callgrind; inclusive, by stage; stages under 1% left out)"
for scale in $scales; do
  fresh "cg$scale" "$scale"
  "$gen" mail "$work/cg$scale" reply 3 202 "$work/cg$scale-reply" >/dev/null
  "$gen" mail "$work/cg$scale" new-ticket 1 203 "$work/cg$scale-nt" >/dev/null
  runs="$work/cg$scale-nt/list.tsv:1"
  for i in 1 2 3; do runs="$runs $work/cg$scale-reply/list.tsv:$i"; done
  [ "$scale" = "$first" ] && { "$gen" mail "$work/cg$scale" new-ticket 1 204 "$work/cg$scale-big" 20m >/dev/null; runs="$runs $work/cg$scale-big/list.tsv:1"; }
  for r in $runs; do
    list=${r%:*}; line=${r##*:}
    IFS=$'\t' read -r path sender rcpt qid variant _ < <(sed -n "${line}p" "$list")
    size=$(stat -c %s "$path")
    out=$work/callgrind.$scale.$variant.$size
    valgrind --tool=callgrind --callgrind-out-file="$out" "$deliver" --config "$work/cg$scale/portero.conf" \
      --sender "$sender" --recipient "$rcpt" --queue-id "$qid" < "$path" >/dev/null 2>&1 || echo "  (exit $? under valgrind)"
    echo "  scale $scale, $variant, $size bytes:"
    stages "$out"
  done
done
echo

# ---- 3. system calls ---------------------------------------------------------
if command -v strace >/dev/null; then
  echo "3. system calls (strace -f -c) and page faults (a second run, untraced) of one new-ticket delivery"
  "$gen" mail "$work/s0" new-ticket 1 301 "$work/m-st" >/dev/null
  IFS=$'\t' read -r path sender rcpt qid _ < "$work/m-st/list.tsv"
  strace -f -c -o "$work/strace.portero" "$deliver" --config "$work/s0/portero.conf" --sender "$sender" \
    --recipient "$rcpt" --queue-id "$qid" < "$path" >/dev/null 2>&1 || true
  [ -z "$maildrop" ] || strace -f -c -o "$work/strace.maildrop" "$maildrop" -f "$sender" "$work/mailfilter" < "$path" >/dev/null 2>&1 || true
  for who in portero maildrop; do
    [ -f "$work/strace.$who" ] || continue
    if [ $who = portero ]; then
      faults=$( { /usr/bin/time -f %R "$deliver" --config "$work/s0/portero.conf" --sender "$sender" \
                  --recipient "$rcpt" --queue-id "$qid-2" < "$path" >/dev/null; } 2>&1 | tail -1)
    else
      faults=$( { /usr/bin/time -f %R "$maildrop" -f "$sender" "$work/mailfilter" < "$path"; } 2>&1 | tail -1)
    fi
    echo "  $who: $faults page faults"
    awk -v who="$who" '$NF ~ /^(fsync|fdatasync|openat|mmap|unlink|pwrite64|write|read|total)$/ { calls[$NF] = $4 }
      END { printf "  %-9s %5d calls; fsync+fdatasync %d, openat %d, mmap %d, unlink %d, pwrite64 %d, write %d, read %d\n",
        who, calls["total"], calls["fsync"] + calls["fdatasync"], calls["openat"], calls["mmap"], calls["unlink"],
        calls["pwrite64"], calls["write"], calls["read"] }' "$work/strace.$who"
  done
  echo
fi

# ---- 4. perf ----------------------------------------------------------------
if command -v perf >/dev/null && perf stat -e task-clock true >/dev/null 2>&1; then
  echo "4. CPU samples by shared object, 40 new-ticket deliveries (perf record -e cpu-clock)"
  # shellcheck disable=SC2046
  if perf record -q -e cpu-clock -F 4000 -o "$work/perf.data" -- "$drive" "$work/m-nt/list.tsv" -- \
       "$deliver" $(deliver_args "$work/s0") >/dev/null 2>&1; then
    perf report -i "$work/perf.data" --no-children --sort dso -g none -q 2>/dev/null | head -12 | sed 's/^/  /'
  else
    echo "  perf record failed here"
  fi
  echo
else
  echo "4. perf: not usable here (perf stat -e task-clock fails)"
  echo
fi

# ---- 5. what-if -------------------------------------------------------------
echo "5. what-if: portero-deliver linked with the shared libraries (configure --disable-static-deliver)"
if [ -f "$builddir/src/deliver.o" ] && command -v pkg-config >/dev/null; then
  # shellcheck disable=SC2046
  if cc -o "$work/portero-deliver-shared" "$builddir/src/deliver.o" "$builddir/libportero.a" \
       $(pkg-config --libs glib-2.0 gio-2.0 gmodule-2.0 gmime-3.0 sqlite3 libsodium) 2>"$work/cc.err"; then
    fresh w0 "$first"
    for round in 1 2; do
      for bin in "$deliver" "$work/portero-deliver-shared"; do
        "$gen" mail "$work/w0" new-ticket 60 "5$round${#bin}" "$work/w-m" >/dev/null
        sync
        # shellcheck disable=SC2046
        o=$("$drive" "$work/w-m/list.tsv" -- "$bin" $(deliver_args "$work/w0"))
        printf '  new-ticket, scale %-8s %-34s %6.1f msg/s  median %6.1f ms  cpu %6.1f ms\n' "$first" \
          "$([ "$bin" = "$deliver" ] && echo 'as built (static archives)' || echo 'shared libraries')" \
          "$(kv rate "$o")" "$(kv median_ms "$o")" "$(kv cpu_ms "$o")"
        rm -rf "$work/w-m"
      done
    done
  else
    echo "  cannot relink here: $(head -1 "$work/cc.err")"
  fi
else
  echo "  needs the build's src/deliver.o and pkg-config"
fi
} | tee "$report"
rm -rf "$work"
