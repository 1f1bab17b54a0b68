#!/usr/bin/env bash
# Every message of the shared public corpus goes through portero-deliver:
# exit 0 (or 65 for input that is no message), raw bytes stored exactly,
# no crash. Under the valgrind and sanitizer passes, also no memory error.
. "$(dirname "$0")/test-lib.sh"

if [ ! -d "$SHARED_CORPUS" ]; then
  begin "the public corpus goes through portero-deliver"
  skip "no corpus at $SHARED_CORPUS (it lives in ../shared/ beside the checkout)"
  test_done
  exit
fi

S=$TMP/state
# Intake is what the corpus tests; welcome mail (argon2id for each new
# sender) is covered by T050, and would make the valgrind pass crawl.
new_state "$S" "[mail]" "welcome-email=false"
# Deliveries run in parallel, as Postfix runs them; under valgrind a
# transaction takes long, so the lock wait must be generous.
sed -i 's/^busy-timeout=.*/busy-timeout=120/' "$S/portero.conf"
mkdir -p "$TMP/out" "$TMP/rc"

one() {
  local f=$1 name rc=0
  name=$(basename "$f")
  deliver_to "$S" --queue-id "$name" < "$f" >"$TMP/rc/$name.err" 2>&1 || rc=$?
  echo "$rc" > "$TMP/rc/$name"
}
export -f one deliver_to deliver
export S TMP PORTERO_WRAPPER DELIVER_BIN
ls "$SHARED_CORPUS"/*.eml | xargs -P "$(nproc)" -I{} bash -c 'one "$1"' _ {}

# What was stored under each queue id, read in one query rather than two
# a message (on PostgreSQL each query is a connection): the count of rows
# in $TMP/counts, the raw bytes of each in $TMP/out/NAME.
sql "$S" "select queue_id, count(*) from messages where queue_id is not null group by queue_id" > "$TMP/counts"
sql "$S" "select queue_id, $(if on_pgsql; then echo "encode(raw, 'hex')"; else echo "hex(raw)"; fi)
          from messages where queue_id is not null and raw is not null" \
  | python3 -c '
import os, sys
out = sys.argv[1]
for line in sys.stdin.read().split("\n"):
    if "|" in line:
        name, data = line.split("|", 1)
        with open(os.path.join(out, os.path.basename(name)), "wb") as f:
            f.write(bytes.fromhex(data))
' "$TMP/out"

for f in "$SHARED_CORPUS"/*.eml; do
  name=$(basename "$f")
  begin "corpus $name is stored intact"
  rc=$(cat "$TMP/rc/$name")
  cp "$TMP/rc/$name.err" "$TMP/err"
  case $rc in
    0)
      n=$(awk -F'|' -v n="$name" '$1 == n { print $2 }' "$TMP/counts")
      if [ "$n" = 1 ]; then
        cmp -s "$f" "$TMP/out/$name" || fail "stored bytes differ from the input"
      else
        # Not stored under its own name: only a duplicate (the same
        # Message-ID and content but for trace headers) may do that.
        mid=$(grep -i -m1 '^Message-ID:' "$f" | sed 's/^[^<]*<\([^>]*\)>.*/\1/' | tr -d '\r')
        found=$(sql "$S" "select count(*) from messages where message_id='${mid//\'/\'\'}' and message_id <> ''")
        [ "$found" -ge 1 ] || fail "exit 0 but not stored (Message-ID <$mid>)"
      fi
      ;;
    65)
      # Deliberate: no header at all. Say so in the log.
      echo "# $name: 65 ($(head -c 200 "$TMP/err"))"
      ;;
    *)
      fail "exit $rc: $(head -c 400 "$TMP/err")"
      ;;
  esac
done

begin "every corpus delivery was stored once"
files=$(ls "$SHARED_CORPUS"/*.eml | wc -l)
rows=$(sql "$S" "select count(*) from messages where queue_id is not null")
check [ "$rows" -ge $((files - 5)) ]
check [ "$rows" -le "$files" ]

test_done
