#!/usr/bin/env bash
# [portero] log=syslog|stderr|FILE: where portero-deliver's and portero's log
# lines go, and portero check's warning when nothing listens on /dev/log.
. "$(dirname "$0")/test-lib.sh"

S=$TMP/state
new_state "$S"
sed -i 's/^\[mail\]$/[mail]\nwelcome-email=false/' "$S/portero.conf"
lacks() { ! grep -q "$@"; }
set_log() {
  sed -i '/^log=/d' "$S/portero.conf"
  [ -z "$1" ] || sed -i "s|^\[portero\]\$|[portero]\nlog=$1|" "$S/portero.conf"
}

begin "the default is syslog"
expect_code 0 portero --config "$S/portero.conf" check --show
check grep -qx 'portero.log = syslog' "$TMP/last.out"

begin "portero check warns when no syslog daemon listens on /dev/log, and only then"
expect_code 0 portero --config "$S/portero.conf" check
# The same question asked another way: can a datagram socket connect there?
if /usr/bin/python3 -c 'import socket; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.connect("/dev/log")' 2>/dev/null \
   || /usr/bin/python3 -c 'import socket; s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.connect("/dev/log")' 2>/dev/null; then
  check lacks 'syslog' "$TMP/last.out"
else
  check grep -q "^$S/portero.conf: warning: \[portero\] log=syslog, but no syslog daemon listens on /dev/log" "$TMP/last.out"
fi

begin "log=stderr: the delivery's outcome, with its queue id, on standard error"
set_log stderr
expect_code 0 portero --config "$S/portero.conf" check
check lacks 'syslog' "$TMP/last.out"
expect_code 0 deliver_to "$S" --sender ann@example.org --queue-id QSTDERR < <(mail "ann@example.org" "Printer")
check grep -q '^portero-deliver: QSTDERR: from=<ann@example.org> to=<support@helpdesk.example> .*outcome=new-ticket ticket=1 ' "$TMP/last.err"

begin "log=FILE (relative to the configuration): timestamped lines appended, one each"
set_log logs/portero.log
mkdir -p "$S/logs"
expect_code 0 portero --config "$S/portero.conf" check --show
check grep -qx "portero.log = $S/logs/portero.log" "$TMP/last.out"
expect_code 0 deliver_to "$S" --sender ann@example.org --queue-id QFILE1 < <(mail "ann@example.org" "Scanner")
check [ ! -s "$TMP/last.err" ]
expect_code 0 deliver_to "$S" --sender bob@example.org --queue-id QFILE2 < <(mail "bob@example.org" "Fax")
check grep -qE '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z portero-deliver\[[0-9]+\]: info: QFILE1: from=<ann@example.org> .*outcome=new-ticket ticket=2 ' "$S/logs/portero.log"
check grep -q ' QFILE2: from=<bob@example.org> .*outcome=new-ticket ticket=3 ' "$S/logs/portero.log"
expect_eq "$(grep -c 'QFILE1: from=' "$S/logs/portero.log")" "1"

begin "log=FILE: a warning goes to the file and still to standard error"
printf '[Rule]\nName=broken\nTrigger=nonsense\n' > "$TMP/99-broken.rule"
mkdir -p "$TMP/rules" && cp "$PORTERO_SRCDIR"/filters/*.rule "$TMP/99-broken.rule" "$TMP/rules/"
sed -i "s|^rules=.*|rules=$TMP/rules|" "$S/portero.conf"
expect_code 0 deliver_to "$S" --sender ann@example.org --queue-id QWARN < <(mail "ann@example.org" "Copier")
check grep -q '^portero-deliver: rule skipped: .*99-broken.rule' "$TMP/last.err"
check grep -q ' portero-deliver\[[0-9]*\]: warning: QWARN: rule skipped: .*99-broken.rule' "$S/logs/portero.log"
sed -i "s|^rules=.*|rules=$PORTERO_SRCDIR/filters|" "$S/portero.conf"

begin "log=FILE: portero's own log lines (request-reset) go there too"
expect_code 0 portero --config "$S/portero.conf" contact request-reset nobody@example.org
check grep -q 'request-reset: no contact <nobody@example.org>' "$S/logs/portero.log"

begin "a log file that cannot be opened never stops a delivery"
set_log "$TMP/no-such-folder/portero.log"
expect_code 0 deliver_to "$S" --sender ann@example.org --queue-id QNOFILE < <(mail "ann@example.org" "Monitor")
check grep -q "^portero-deliver: log file $TMP/no-such-folder/portero.log: .*; logging to syslog" "$TMP/last.err"
expect_eq "$(sql "$S" "select count(*) from messages where queue_id='QNOFILE'")" "1"

begin "an empty log= is a configuration error that names the key"
sed -i '/^log=/d' "$S/portero.conf"
sed -i 's|^\[portero\]$|[portero]\nlog=|' "$S/portero.conf"
expect_code 1 portero --config "$S/portero.conf" check
check grep -q '\[portero\] log: must be syslog, stderr or a file name' "$TMP/last.err"
expect_code 75 deliver_to "$S" < <(mail "ann@example.org" "x")

test_done
