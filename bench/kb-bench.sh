#!/bin/bash
# bench/kb-bench.sh - what `make bench-kb` runs (and `make bench` after its
# own runs): the cost of {[Suggested Articles]} in a delivery.
#
# One state with 1 000 knowledge-base articles (the 22 of demo/kb and
# generated ones of about 250 words), one without; a rule on every new
# ticket mails the requester an acknowledgment, with and without the
# snippet. Messages are realistic requests (tests/kb-requests.tsv) from a
# known contact, piped through the built portero-deliver one process a
# message, the three runs taking turns. Prints the median wall time of a
# delivery in each and the targets with PASS or MISS:
#   the snippet adds at most 2 ms a delivery with 1 000 articles;
#   a delivery whose mail uses no snippet costs the same with 1 000 articles
#   as with none (within 0.5 ms: it reads no article).
# Both are judged on the median CPU time (user + system) of a delivery.
# Timing never fails the run; a failed delivery does (exit 1).
#
# Settings: BENCH_KB_N messages a run (300), BENCH_KB_ARTICLES (1000).
set -euo pipefail
export LC_ALL=C.UTF-8
unset PORTERO_CONFIG SENDER RECIPIENT ORIGINAL_RECIPIENT QUEUE_ID
builddir=${BENCH_BUILDDIR:?set BENCH_BUILDDIR (make bench-kb does)}
srcdir=$(cd "${BENCH_SRCDIR:?set BENCH_SRCDIR (make bench-kb does)}" && pwd)
n=${BENCH_KB_N:-300}
articles=${BENCH_KB_ARTICLES:-1000}
cache=${BENCH_CACHE:-$srcdir/bench/cache}
work=$cache/kb-work
drive=$builddir/bench/bench-drive
rm -rf "$work"
mkdir -p "$work/bin" "$work/rules" "$work/templates"
cp "$builddir/portero" "$builddir/portero-deliver" "$work/bin/"
P=$work/bin/portero D=$work/bin/portero-deliver

cat > "$work/rules/10-ack.rule" <<'RULE'
[Rule]
Name=Acknowledgment
Trigger=ticket-created
Active=true

[Action mail]
Type=email-contact
Template=ack
RULE
mkdir -p "$work/templates/plain" "$work/templates/kb"
printf 'Subject: We received your request\n\nHello {[Contact First Name]},\n\nwe received your request {[Ticket ID]}.\n' \
  > "$work/templates/plain/ack.tmpl"
printf 'Subject: We received your request\n\nHello {[Contact First Name]},\n\nwe received your request {[Ticket ID]}.\n\n{[Suggested Articles]}\n' \
  > "$work/templates/kb/ack.tmpl"

# The articles: the sample ones and generated ones of made-up words.
mkdir -p "$work/kb"
cp "$srcdir"/demo/kb/*.md "$work/kb/"
python3 - "$work/kb" "$articles" <<'PY'
import os, random, sys
out, total = sys.argv[1], int(sys.argv[2])
have = len([f for f in os.listdir(out) if f.endswith(".md")])
rnd = random.Random(17)
syll = ["ka", "lo", "mi", "ter", "san", "dro", "vel", "pun", "res", "tio", "gam", "bor", "nel", "quis", "ul", "fen"]
vocab = ["".join(rnd.choice(syll) for _ in range(rnd.randint(2, 4))) for _ in range(6000)]
for i in range(total - have):
    words = lambda k: " ".join(rnd.choice(vocab) for _ in range(k))
    body = "\n\n".join(words(rnd.randint(30, 70)) for _ in range(4))
    with open(os.path.join(out, "gen-%04d.%s.md" % (i, rnd.choice(["es", "en"]))), "w") as f:
        f.write("Title: %s\nKeywords: %s\nVisibility: %s\n\n%s\n" % (words(5), ", ".join(words(1) for _ in range(6)),
                rnd.choice(["public", "customers"]), body))
PY

# state DIR TEMPLATES KB: a configuration and a database
state() {
  mkdir -p "$1"
  cat > "$1/portero.conf" <<CONF
[portero]
database=portero.db
language=en
rules=$work/rules
templates=$2
kb=$3
log=stderr
[mail]
support-addresses=support@helpdesk.example
from=Support <support@helpdesk.example>
auto-mail-per-day=1000000
[smtp]
transport=maildir
maildir=sent
CONF
}
state "$work/none" "$work/templates/plain" "$work/empty-kb"
"$P" --config "$work/none/portero.conf" init >/dev/null
"$P" --config "$work/none/portero.conf" customer add Acme >/dev/null
"$P" --config "$work/none/portero.conf" customer domain add Acme acme.example >/dev/null
"$P" --config "$work/none/portero.conf" contact add ana@acme.example --name Ana --no-welcome >/dev/null 2>&1
cp -a "$work/none" "$work/plain"
cp "$work/none/portero.key" "$work/plain/" 2>/dev/null || true
sed -i "s|^kb=.*|kb=$work/kb|" "$work/plain/portero.conf"
"$P" --config "$work/plain/portero.conf" kb sync
# A checkpoint, so that no run starts with the sync's log to copy back.
"$P" --config "$work/plain/portero.conf" maintain >/dev/null
"$P" --config "$work/none/portero.conf" maintain >/dev/null
cp -a "$work/plain" "$work/kb-state"
sed -i "s|^templates=.*|templates=$work/templates/kb|" "$work/kb-state/portero.conf"

# The messages: requests of the test set, one a file, each a new ticket.
mkdir -p "$work/msgs"
python3 - "$srcdir/tests/kb-requests.tsv" "$work/msgs" "$n" <<'PY'
import sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1], encoding="utf-8") if l.strip() and not l.startswith("#")]
out, n = sys.argv[2], int(sys.argv[3])
with open(out + "/list.tsv", "w") as lst:
    for i in range(n):
        want, subject, body = rows[i % len(rows)]
        p = "%s/m%04d.eml" % (out, i)
        with open(p, "w", encoding="utf-8") as f:
            f.write("From: Ana <ana@acme.example>\nTo: support@helpdesk.example\nSubject: %s\n"
                    "Date: Tue, 24 Nov 2026 10:00:00 +0100\nMessage-ID: <kb-bench-%d@acme.example>\n"
                    "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n%s\n"
                    % (subject, i, body))
        lst.write("%s\tana@acme.example\tsupport@helpdesk.example\tKB%d\n" % (p, i))
PY

# Turns of 25 messages, each state in turn, on the same messages.
split -l 25 -d -a 4 "$work/msgs/list.tsv" "$work/msgs/turn-"
trouble=0
for s in none plain kb-state; do : > "$work/$s.tsv"; done
for part in "$work"/msgs/turn-*; do
  for s in none plain kb-state; do
    "$drive" -j 1 -e "$work/$s.err" -o "$work/turn.tsv" "$part" -- \
      "$D" --config "$work/$s/portero.conf" --sender %s --recipient %r --queue-id %q >/dev/null || trouble=1
    cat "$work/turn.tsv" >> "$work/$s.tsv"
  done
done
median() { sort -t$'\t' -k${2:-2},${2:-2}g "$1" | awk -F'\t' -v c="${2:-2}" '{ w[NR] = $c } END { print w[int((NR + 1) / 2)] }'; }
m_none=$(median "$work/none.tsv")
m_plain=$(median "$work/plain.tsv")
m_kb=$(median "$work/kb-state.tsv")
c_none=$(median "$work/none.tsv" 3) c_plain=$(median "$work/plain.tsv" 3) c_kb=$(median "$work/kb-state.tsv" 3)
sent=$(grep -l "these articles may help" "$work"/kb-state/sent/new/* 2>/dev/null | wc -l)
{
  echo "knowledge-base suggestions, $(date -u +%Y-%m-%dT%H:%MZ): $n deliveries a run, median wall ms a delivery"
  echo "(and median CPU ms, user + system: the wall time is mostly fsync and other work on the machine)"
  printf '  no articles, no snippet               %7.2f ms  cpu %6.2f ms\n' "$m_none" "$c_none"
  printf '  %d articles, no snippet             %7.2f ms  cpu %6.2f ms\n' "$articles" "$m_plain" "$c_plain"
  printf '  %d articles, {[Suggested Articles]} %7.2f ms  cpu %6.2f ms  (%d of %d mails suggested articles)\n' "$articles" "$m_kb" "$c_kb" "$sent" "$n"
  # Judged on CPU time: the wall time of a delivery is mostly waiting for
  # fsync and for the other work on the machine, which the snippet does not
  # change and which swings by more than the 2 ms measured.
  awk -v a="$c_none" -v b="$c_plain" -v c="$c_kb" -v n="$articles" -v wb="$m_plain" -v wc="$m_kb" 'BEGIN {
    printf "targets (median CPU ms a delivery):\n"
    printf "  the snippet adds <= 2 ms a delivery with %d articles: %s (%+.2f ms; wall %+.2f ms)\n", n, (c - b <= 2 ? "PASS" : "MISS"), c - b, wc - wb
    d = b - a; if (d < 0) d = -d
    printf "  no snippet, no cost: %d articles against none within 0.5 ms: %s (%+.2f ms)\n", n, (d <= 0.5 ? "PASS" : "MISS"), b - a }'
} | tee "$cache/kb-report.txt"
if [ $trouble -ne 0 ]; then
  echo "kb-bench: FAILED: a delivery failed (see $work/*.err)" >&2
  exit 1
fi
[ -n "${BENCH_KB_KEEP:-}" ] || rm -rf "$work"
