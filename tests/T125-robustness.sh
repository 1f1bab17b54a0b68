#!/usr/bin/env bash
# Hostile and unlucky deliveries: no message holds the write lock for long,
# a broken rule file is refused by name, and a lack of file descriptors or of
# address space is "try again later" (75), never a lost mail or a signal.
# The inputs in tests/robustness/ are the minimised ones of a fuzzing run.
. "$(dirname "$0")/test-lib.sh"

IN=$TESTS_DIR/robustness

# stored S SUBJECT: how many tickets S has with that title.
stored() { sql "$1" "select count(*) from tickets where title='$2'"; }

# alongside S MESSAGE: deliver MESSAGE in the background and ordinary mail
# one after another until it is done; every exit status, the background
# one first, goes to $TMP/codes.
alongside() {
  local s=$1 message=$2 i=0 rc=0
  deliver_to "$s" < "$message" > "$TMP/big.out" 2> "$TMP/big.err" &
  local pid=$!
  : > "$TMP/ordinary"
  while :; do
    i=$((i + 1))
    rc=0
    deliver_to "$s" < <(mail "ann@plain.example" "ordinary $i") 2>> "$TMP/ordinary.err" || rc=$?
    echo "$rc" >> "$TMP/ordinary"
    kill -0 "$pid" 2>/dev/null || break
  done
  rc=0
  wait "$pid" || rc=$?
  { echo "$rc"; cat "$TMP/ordinary"; } > "$TMP/codes"
  _ordinary=$i
}

# The old code folded this 256 KB accented subject for the rules inside the
# write transaction, for seconds: longer than the busy-timeout of 1 s here,
# so that an ordinary delivery meanwhile failed with "database is locked".
S=$TMP/lock
new_state "$S"
sed -i 's/^busy-timeout=.*/busy-timeout=1/' "$S/portero.conf"

begin "a 256 KB accented auto-submitted subject is stored while ordinary mail goes on"
alongside "$S" "$IN/subject-nfc-quadratic-256k-auto.eml"
expect_eq "$(sort -u "$TMP/codes" | tr '\n' ' ')" "0 " "exit statuses; $(head -c 300 "$TMP/ordinary.err" "$TMP/big.err")"
expect_eq "$(sql "$S" "select count(*) from tickets where length(title) = 262144")" "1"
expect_eq "$(sql "$S" "select count(*) from tickets where title like 'ordinary %'")" "$_ordinary"

begin "the same subject from a new sender, whose welcome mail issues a password"
grep -av '^Auto-Submitted:' "$IN/subject-nfc-quadratic-256k-auto.eml" \
  | sed 's/^Message-ID: <nfc-/Message-ID: <new-nfc-/; s/someone@evil.example/other@evil.example/' > "$TMP/new-sender.eml"
alongside "$S" "$TMP/new-sender.eml"
expect_eq "$(sort -u "$TMP/codes" | tr '\n' ' ')" "0 " "exit statuses; $(head -c 300 "$TMP/ordinary.err" "$TMP/big.err")"
expect_eq "$(sql "$S" "select count(*) from outbox where recipient='other@evil.example' and kind='welcome'")" "1"

R=$TMP/rules-state
new_state "$R"
mkdir -p "$R/rules"
cp "$IN/rules-condition-without-name.rule" "$PORTERO_SRCDIR/filters/"*.rule "$R/rules/"
sed -i "s|^rules=.*|rules=$R/rules|" "$R/portero.conf"

begin "a [Condition] without a name: portero check names FILE:LINE"
expect_code 1 portero --config "$R/portero.conf" check
check grep -q "^$R/rules/rules-condition-without-name.rule:5: \[Condition\] has no name" "$TMP/last.err"

begin "a [Condition] without a name: the rule is skipped, deliveries go on"
expect_code 0 deliver_to "$R" < <(mail "bo@plain.example" "printer jammed")
check grep -q "rule skipped: .*rules-condition-without-name.rule:5: \[Condition\] has no name" "$TMP/last.err"
expect_eq "$(stored "$R" "printer jammed")" "1"

# ulimit: only the program itself, not valgrind or a sanitizer's runtime.
if [ -n "$PORTERO_WRAPPER" ] || [ "${PORTERO_PASS:-}" = sanitizers ]; then
  begin "too few file descriptors: 75, or the mail stored with its welcome mail"
  skip "ulimit limits the wrapper or the sanitizer runtime too"
  begin "too little address space: 75, or the mail stored"
  skip "ulimit limits the wrapper or the sanitizer runtime too"
  test_done
  exit
fi

# limited_delivery S CONFIG LIMIT-OPTION VALUE FROM: deliver a message from
# FROM under "ulimit LIMIT-OPTION VALUE"; 0 must mean stored with the welcome
# mail, and 75 nothing stored. The exit status is added to $codes. Each
# FROM has a domain of its own: new contacts per domain and hour are limited.
codes=""
limited_delivery() {
  local s=$1 config=$2 option=$3 value=$4 from=$5 rc=0
  mail "$from" "limited $from" > "$TMP/limited.eml"
  # The redirections first: after the ulimit the shell may not manage them.
  # A limit of descriptors counts from those already open (the test
  # harness may pass some on); the substitution's pipe is one of them.
  ( limit=$value
    [ "$option" != -n ] || limit=$(( $(ls /proc/$BASHPID/fd | wc -l) - 1 + value ))
    ulimit "$option" "$limit" && exec "$DELIVER_BIN" --config "$config" --recipient support@helpdesk.example ) \
    < "$TMP/limited.eml" > /dev/null 2> "$TMP/limited.err" || rc=$?
  # Below some limit the dynamic loader cannot open the shared libraries
  # and portero-deliver never starts (how many descriptors that leaves
  # depends on what the caller passed on): not portero's to answer for, so
  # that limit is noted and not counted.
  if [ "$rc" = 127 ] && grep -q "error while loading shared libraries" "$TMP/limited.err"; then
    codes="$codes loader"
    return
  fi
  local tickets welcome
  tickets=$(stored "$s" "limited $from")
  welcome=$(sql "$s" "select count(*) from outbox where recipient='$from' and kind='welcome'")
  case "$rc" in
    0) [ "$tickets$welcome" = 11 ] || fail "ulimit $option $value: exit 0 with $tickets ticket(s), $welcome welcome mail(s): $(head -c 300 "$TMP/limited.err")" ;;
    75) [ "$tickets$welcome" = 00 ] || fail "ulimit $option $value: exit 75 but $tickets ticket(s) stored" ;;
    *) fail "ulimit $option $value: exit $rc: $(head -c 300 "$TMP/limited.err")" ;;
  esac
  codes="$codes $rc"
}

# N descriptors beyond those open (none: PostgreSQL needs only its socket, which
# one more descriptor already allows). With the shipped rules a lack of them
# hits the rules folder first; without rules, the welcome template is the
# first file read.
begin "too few file descriptors: 75, or the mail stored with its welcome mail"
F=$TMP/fd
new_state "$F"
sed "s|^rules=.*|rules=$F/no-rules|" "$F/portero.conf" > "$F/no-rules.conf"
codes=""
for n in 0 1 2 3 4 5 6 7 8 9 10 12 16 24; do
  limited_delivery "$F" "$F/portero.conf" -n "$n" "fd@n$n.example"
  limited_delivery "$F" "$F/no-rules.conf" -n "$n" "fd@n$n-norules.example"
done
case "$codes" in *" 0"*) ;; *) fail "no delivery succeeded at any limit: $codes" ;; esac
case "$codes" in *" 75"*) ;; *) fail "no limit was low enough to matter: $codes" ;; esac

begin "too little address space: 75, or the mail stored"
V=$TMP/as
new_state "$V"
codes=""
# From 9 MB: below about 8 MB the dynamic loader itself cannot map the
# static portero-deliver (exit 127 before main), whatever portero does.
for kb in 9000 12000 16000 24000 32000 48000 64000 96000 128000 256000; do
  limited_delivery "$V" "$V/portero.conf" -v "$kb" "as@v$kb.example"
done
case "$codes" in *" 0"*) ;; *) fail "no delivery succeeded at any limit: $codes" ;; esac
case "$codes" in *" 75"*) ;; *) fail "no limit was low enough to matter: $codes" ;; esac

test_done
