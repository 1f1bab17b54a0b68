# bench/bench-lib.sh - sourced by run-bench.sh and profile.sh.
# Expects: srcdir, cache, portero (the built portero), gen (bench-gen).

say() { printf '%s\n' "$*" >&2; }

# write_config DIR: the configuration of a benchmark state. Rules and the
# welcome mail are off: the three cases measure intake.
# >>> The rule and credential cases come later: they will point rules= at
# >>> the shipped filters/ and turn welcome-email on (see docs/performance.md).
write_config() {
  mkdir -p "$1/filters" "$1/sent"
  cat > "$1/portero.conf" <<CONF
# written by bench/bench-lib.sh
[portero]
database=portero.db
language=es
# empty: no rules (the rule cases come later)
rules=filters
templates=$srcdir/templates
[mail]
support-addresses=soporte@helpdesk.example;help@helpdesk.example
from=Soporte <soporte@helpdesk.example>
welcome-email=false
[smtp]
transport=maildir
maildir=sent
CONF
}

# cached_state SCALE: the directory of the pre-filled state of SCALE
# tickets, made once (by portero init and bench-gen prefill), keyed by the
# model and the schema version so that a change of either makes a new one.
cached_state() {
  local scale=$1 key dir t0
  key=$("$gen" version | tr ' ' '-')
  dir=$cache/state-$scale-$key
  if [ ! -f "$dir/bench.info" ]; then
    rm -rf "$dir.tmp"
    mkdir -p "$dir.tmp"
    write_config "$dir.tmp"
    "$portero" --config "$dir.tmp/portero.conf" init >/dev/null
    say "pre-filling $scale tickets into $dir (once; cached)"
    t0=$SECONDS
    "$gen" prefill "$dir.tmp" "$scale" >&2
    say "pre-fill of $scale tickets took $((SECONDS - t0)) s, $(du -sh "$dir.tmp" | cut -f1)"
    mv "$dir.tmp" "$dir"
  fi
  echo "$dir"
}
