#!/usr/bin/env bash
# Smaller defences: the reset code off the command line, request-reset not
# waiting for the relay, credential bodies wiped when they leave the queue,
# escape sequences from mail shown and not obeyed, a live password quoted
# back masked, no core dumps, an untrusted schema, failed sign-ins capped.
. "$(dirname "$0")/test-lib.sh"

S=$TMP/state
new_state "$S" "[portal]" "address=https://portal.helpdesk.example"
C=$S/portero.conf
p() { portero --config "$C" "$@"; }
absent() { ! grep -q -- "$1" "$2"; }
set_conf() { sed -i "s|^\[$1\]\$|[$1]\n$2|" "$C"; }
last_sent() { echo "$S/sent/new/$(ls -t "$S/sent/new" | head -1)"; }
# body FILE: the text (part) of a mail, transfer encoding undone
body() {
  /usr/bin/python3 -c 'import email, sys
m = email.message_from_binary_file(open(sys.argv[1], "rb"))
p = next(x for x in m.walk() if x.get_content_type() == "text/plain")
sys.stdout.write(p.get_payload(decode=True).decode().replace("\r\n", "\n"))' "$1"
}
now_ms() { date +%s%3N; }
# on_tty COMMAND...: run COMMAND with stdout on a pseudo-terminal; output in $TMP/tty.out
on_tty() { script -qec "$(printf '%q ' "$@")" /dev/null > "$TMP/tty.out" 2>&1; }

begin "a new contact's welcome mail: the password, for the tests below"
mail "Ann Smith <ann@acme.example>" "Printer broken" > "$TMP/m1"
expect_code 0 deliver_to "$S" < "$TMP/m1"
PASS=$(body "$(last_sent)" | sed -n 's/^ *Password: *\([^ ]*\)$/\1/p' | head -1)
check [ -n "$PASS" ]

begin "a password quoted back in a reply is masked in the stored text and raw copy, and still works"
{ printf 'From: Ann Smith <ann@acme.example>\r\nTo: support@helpdesk.example\r\nSubject: Re: Welcome\r\n'
  printf 'Message-ID: <quoted.1@acme.example>\r\n\r\nThanks!\r\n\r\n> Username: ann@acme.example\r\n> Password: %s\r\n' "$PASS"; } > "$TMP/quoted"
expect_code 0 deliver_to "$S" < "$TMP/quoted"
id=$(sql "$S" "select id from messages where message_id='quoted.1@acme.example'")
expect_code 0 p message show "$id" --raw
check absent "$PASS" "$TMP/last.out"
check grep -q "> Password: \*\{${#PASS}\}" "$TMP/last.out"
expect_code 0 p message show "$id" --json
check absent "$PASS" "$TMP/last.out"
if cat "$S"/portero.db* | grep -aq "$PASS"; then fail "the password is in the database files"; fi
expect_code 0 p auth ann@acme.example <<< "$PASS"

begin "auth --reset-code - reads the code from standard input, not the command line"
expect_code 0 p contact request-reset ann@acme.example
wait_mail "$S/sent" 2
CODE=$(body "$(last_sent)" | sed -n 's/.*[?&]code=\([0-9a-f]\{32\}\).*/\1/p' | head -1)
check [ -n "$CODE" ]
printf '%s\n' "$CODE" | expect_code 1 p auth --reset-code - ann@acme.example
check grep -q "the code on the first line" "$TMP/last.err"
printf '%s\r\n%s\r\n' "$CODE" "a password I chose" | expect_code 0 p auth --reset-code - ann@acme.example
expect_code 0 p auth ann@acme.example <<< "a password I chose"

begin "failed sign-ins are capped per contact and hour, the right password included"
set_conf credentials "auth-failures-per-hour=3"
for i in 1 2 3; do expect_code 1 p auth ann@acme.example <<< "wrong $i"; done
expect_code 1 p auth ann@acme.example <<< "a password I chose"
check grep -q "authentication failed" "$TMP/last.err"
sql "$S" "delete from auth_failures"
expect_code 0 p auth ann@acme.example <<< "a password I chose"
sed -i '/^auth-failures-per-hour=/d' "$C"

begin "no core dumps from a process that holds passwords"
mkfifo "$TMP/fifo"
( exec $PORTERO_WRAPPER "$PORTERO_BIN" --config "$C" auth ann@acme.example < "$TMP/fifo" > /dev/null 2>&1 ) &
pid=$!
exec 7> "$TMP/fifo"
i=0; while ! grep -q "^Max core file size" "/proc/$pid/limits" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.3
expect_eq "$(awk '/^Max core file size/ { print $5 "/" $6 }' "/proc/$pid/limits")" "0/0"
exec 7>&-
wait $pid

begin "message show --raw on a terminal shows escape sequences instead of sending them"
if ! command -v script >/dev/null; then
  skip "script(1) from util-linux is not installed"
else
  printf 'From: mallory@evil.example\r\nTo: support@helpdesk.example\r\nSubject: title \302\235 0;pwned\a here \033]0;x\a\r\nMessage-ID: <esc.1@evil.example>\r\n\r\nhello \033[2J\033]0;owned\a \302\233 31m\r\n' > "$TMP/esc"
  expect_code 0 deliver_to "$S" < "$TMP/esc"
  id=$(sql "$S" "select id from messages where message_id='esc.1@evil.example'")
  on_tty "$PORTERO_BIN" --config "$C" message show "$id" --raw
  check absent $'\033' "$TMP/tty.out"
  check absent $'\302\233' "$TMP/tty.out"
  check grep -qF '\x1b[2J' "$TMP/tty.out"
  # piped, the bytes are the message's, exactly
  p message show "$id" --raw > "$TMP/piped"
  check cmp -s "$TMP/piped" "$TMP/esc"
  t=$(sql "$S" "select ticket_id from messages where id=$id")
  on_tty "$PORTERO_BIN" --config "$C" ticket show "$t"
  check absent $'\302\235' "$TMP/tty.out"
  check absent $'\033' "$TMP/tty.out"
fi

begin "contact request-reset answers without waiting for a slow relay"
# A relay that accepts the connection and never says a word.
/usr/bin/python3 -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True); time.sleep(60)' > "$TMP/slowport" &
slow=$!
at_exit "kill $slow 2>/dev/null"
i=0; while [ ! -s "$TMP/slowport" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
cp "$C" "$TMP/slow.conf"
sed -i "s|^transport=maildir|transport=smtp\nhost=127.0.0.1\nport=$(cat "$TMP/slowport")\nstarttls=never\ntimeout=4|; s|^database=portero\.db$|database=$S/portero.db|" "$TMP/slow.conf"
t0=$(now_ms)
expect_code 0 portero --config "$TMP/slow.conf" contact request-reset ann@acme.example
t1=$(now_ms)
check [ $((t1 - t0)) -lt 3000 ]
expect_eq "$(sql "$S" "select count(*) from outbox where kind='reset' and status='queued'")" "1"

begin "a credential mail that fails for good keeps no sealed body"
sed -i "s|^port=.*|port=1|; s|^\[smtp\]$|[smtp]\nmax-attempts=1|" "$TMP/slow.conf"
expect_code 0 portero --config "$TMP/slow.conf" contact add bea@acme.example
row=$(sql "$S" "select id from outbox where recipient='bea@acme.example'")
expect_eq "$(sql "$S" "select status || '/' || coalesce(cast(length(body) as text), 'wiped') from outbox where id=$row")" "failed/wiped"

begin "outbox flush wipes a sent credential body from the database and its -wal at once"
sed -i "s|^send-budget=.*||; s|^\[smtp\]$|[smtp]\nsend-budget=0|" "$C"
expect_code 0 p contact add cid@acme.example
row=$(sql "$S" "select id from outbox where recipient='cid@acme.example'")
if on_pgsql; then
  # the row's state below is the check; the server's files are its own
  expect_eq "$(sql "$S" "select status || '/' || length(body) from outbox where id=$row")" "queued/$(sql "$S" "select length(body) from outbox where id=$row")"
  expect_code 0 p outbox flush
else
sql "$S" "select hex(substr(body, 40, 48)) from outbox where id=$row" > "$TMP/sealed.hex"
check [ -s "$TMP/sealed.hex" ]
expect_code 0 p outbox flush
# Searched before anything else opens the database (sqlite3 would checkpoint on closing).
found=$(/usr/bin/python3 -c 'import sys, glob
needle = bytes.fromhex(open(sys.argv[1]).read().strip())
print(sum(open(f, "rb").read().count(needle) for f in glob.glob(sys.argv[2] + "/portero.db*")))' "$TMP/sealed.hex" "$S")
expect_eq "$found" "0"
fi
expect_eq "$(sql "$S" "select status || '/' || coalesce(cast(length(body) as text), 'wiped') from outbox where id=$row")" "sent/wiped"

begin "a schema changed behind portero's back runs no unsafe function"
if sqlite_only "SQLite's trusted_schema"; then :; else
sql "$S" "create table spy(x); create trigger spy after insert on messages begin insert into spy values (json('1')); end;"
mail "eve@acme.example" "after the trigger" | deliver_to "$S" > /dev/null 2>&1
expect_eq "$(sql "$S" "select count(*) from spy")" "0"
sql "$S" "drop trigger spy"
fi

test_done
