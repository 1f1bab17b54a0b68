#!/usr/bin/env bash
# What the technician reads is what the sender wrote: the public corpus
# compared field by field with Python's email package (policy=default),
# deliberate differences listed with their reasons in tests/mail-diff.known;
# and a generated set (fixed seed) in six languages read back exactly.
. "$(dirname "$0")/test-lib.sh"

begin "the public corpus reads as Python's email package reads it, but for the listed differences"
if [ ! -d "$SHARED_CORPUS" ]; then
  skip "no corpus at $SHARED_CORPUS (it lives in ../shared/ beside the checkout)"
else
  S=$TMP/corpus
  new_state "$S" "[mail]" "welcome-email=false"
  sed -i 's/^busy-timeout=.*/busy-timeout=120/' "$S/portero.conf"
  # 65 (no header) is the only other status a corpus message may have.
  one() {
    local rc=0
    deliver_to "$S" --queue-id "$(basename "$1")" < "$1" > /dev/null 2>&1 || rc=$?
    case $rc in 0|65) ;; *) echo "$(basename "$1"): exit $rc" >> "$S/bad" ;; esac
  }
  export -f one deliver_to deliver
  export S PORTERO_WRAPPER DELIVER_BIN
  ls "$SHARED_CORPUS"/*.eml | xargs -P "$(nproc)" -I{} bash -c 'one "$1"' _ {}
  [ ! -s "$S/bad" ] || fail "$(cat "$S/bad")"
  python3 "$TESTS_DIR/mail-diff.py" "$(readable_db "$S")" "$SHARED_CORPUS" "$TESTS_DIR/mail-diff.known" > "$TMP/diff" 2>&1 \
    || fail "$(cat "$TMP/diff")"
  echo "# $(tail -1 "$TMP/diff")"
fi

begin "generated mail in six languages reads back exactly: subjects, tags, names, text after images, attachment names, repaired charsets"
G=$TMP/gen
python3 "$TESTS_DIR/mail-gen.py" "$G" 120
S=$TMP/gen-state
new_state "$S" "[mail]" "welcome-email=false"
for f in "$G"/*.eml; do
  deliver_to "$S" --queue-id "$(basename "$f")" < "$f" > "$TMP/err" 2>&1 || fail "$(basename "$f"): exit $?: $(cat "$TMP/err")"
done
python3 - "$(readable_db "$S")" "$G/expected.json" > "$TMP/gen.out" 2>&1 <<'PY' || fail "$(head -c 3000 "$TMP/gen.out")"
import json, re, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
bad = 0
for name, want in sorted(json.load(open(sys.argv[2], encoding='utf-8')).items()):
    mid, subject, from_name, body = db.execute(
        "SELECT id, subject, from_name, body FROM messages WHERE queue_id = ? AND kind = 'mail'", (name,)).fetchone()
    atts = sorted([n, s] for n, s in db.execute("SELECT name, size FROM attachments WHERE message_id = ?", (mid,)))
    got = {'subject': subject, 'from_name': from_name, 'body': body.strip(), 'attachments': atts}
    exp = dict(want, body=want['body'].strip())
    tag = re.search(r'\[#(\d+)\]', subject)
    got['tag'] = int(tag.group(1)) if tag else 0
    for k in got:
        if got[k] != exp[k]:
            bad += 1
            print('%s %s: got %r, want %r' % (name, k, got[k], exp[k]))
print('%d differences' % bad)
sys.exit(1 if bad else 0)
PY
echo "# $(tail -1 "$TMP/gen.out")"

test_done
