#!/usr/bin/env bash
# Mail that a sender can make costly or ambiguous: one message to two
# support addresses at once, obsolete "From :", thousands of References,
# thousands of MIME parts. Inputs from the robustness findings are in
# tests/robustness/.
. "$(dirname "$0")/test-lib.sh"

S=$TMP/state
new_state "$S" "[mail]" "welcome-email=false"
sed -i 's/^busy-timeout=.*/busy-timeout=120/' "$S/portero.conf"
R=$TESTS_DIR/robustness

begin "one message to two support addresses, delivered at once, is one ticket with both recipients"
for i in 1 2 3 4 5; do
  mail "pat$i@example.org" "two addresses $i" > "$TMP/two$i"
  deliver --config "$S/portero.conf" --recipient support@helpdesk.example --queue-id "A$i" < "$TMP/two$i" > "$TMP/two$i.a" 2>&1 &
  pa=$!
  deliver --config "$S/portero.conf" --recipient soporte@helpdesk.example --queue-id "B$i" < "$TMP/two$i" > "$TMP/two$i.b" 2>&1 &
  pb=$!
  wait $pa || fail "delivery $i to support@ exited $?: $(cat "$TMP/two$i.a")"
  wait $pb || fail "delivery $i to soporte@ exited $?: $(cat "$TMP/two$i.b")"
  expect_eq "$(sql "$S" "select count(*) from tickets where title='two addresses $i'")" 1
  expect_eq "$(sql "$S" "select count(*) from messages where subject='two addresses $i'")" 1
  expect_eq "$(sql "$S" "select r.recipient from message_recipients r
      join messages m on m.id = r.message_id where m.subject='two addresses $i' order by r.recipient" | paste -sd ' ')" \
    "soporte@helpdesk.example support@helpdesk.example"
done
# The recipients are shown with the message.
id=$(sql "$S" "select id from messages where subject='two addresses 1'")
portero --config "$S/portero.conf" message show "$id" --json > "$TMP/show.json" 2>&1
expect_eq "$(python3 -c 'import json, sys; print(" ".join(sorted(json.load(open(sys.argv[1]))["recipients"])))' "$TMP/show.json")" \
  "soporte@helpdesk.example support@helpdesk.example"

begin "a retry to a recorded recipient changes nothing"
before=$(sql "$S" "select count(*) from message_recipients")
expect_code 0 deliver --config "$S/portero.conf" --recipient soporte@helpdesk.example < "$TMP/two1"
expect_eq "$(sql "$S" "select count(*) from message_recipients")" "$before"

begin "a database of schema 2 gets the recipients of its stored messages on upgrade"
if ! sqlite_only "an SQLite schema rewound by hand"; then
S3=$TMP/old
new_state "$S3" "[mail]" "welcome-email=false"
expect_code 0 deliver_to "$S3" < <(mail "old@example.org" "before the upgrade")
# Back to schema 2 as an older portero left it: no recipients table.
sql "$S3" "drop table message_recipients; drop table tickets_title; drop table contacts_search; drop table portal_sessions; drop table portal_failures; drop table kb_terms; drop table kb_articles; alter table outbox drop column claimed; drop index tickets_updated; drop index tickets_status_updated; drop index tickets_customer_updated; drop index tickets_contact_updated; drop index tickets_requester_updated; drop index contacts_name_order; drop index customers_name_order; create index tickets_customer on tickets(customer_id); create index tickets_contact on tickets(contact_id); create index tickets_requester on tickets(requester); create index tickets_status on tickets(status); pragma user_version=2"
expect_code 0 deliver --config "$S3/portero.conf" --recipient soporte@helpdesk.example < <(mail "new@example.org" "after")
expect_eq "$(sql "$S3" "pragma user_version")" 10
expect_eq "$(sql "$S3" "select r.recipient from message_recipients r join messages m on m.id = r.message_id
  where m.subject='before the upgrade'")" "support@helpdesk.example"
fi

begin "\"From :\" as the first header is the author, not an mbox line (unfolded and folded)"
expect_code 0 deliver_to "$S" --sender bounce-123@mailer.example < "$R/obs-from-header-dropped.eml"
expect_code 0 deliver_to "$S" --sender bounce-123@mailer.example < "$R/obs-from-header-folded-exit65.eml"
expect_eq "$(sql "$S" "select count(*) from messages where from_addr='jane@acme.example'")" 2

begin "400 000 References ids are read within the deadline, each once"
# Square time in the number of ids would take minutes here; linear takes a second.
S2=$TMP/refs
new_state "$S2" "[mail]" "welcome-email=false"
sed -i 's/^\[portero\]/[portero]\ndeadline=120/' "$S2/portero.conf"
python3 "$R/references-quadratic-dedup.py" 400000 > "$TMP/refs.eml"
expect_code 0 deliver_to "$S2" < "$TMP/refs.eml"
expect_eq "$(sql "$S2" "select count(*) from messages where subject='refs'")" 1

begin "a message of 110 000 MIME parts is stored whole, read up to the cap, with a note, in bounded memory"
python3 "$R/memory-many-mime-parts.py" rfc822 110000 > "$TMP/parts.eml"
size=$(stat -c %s "$TMP/parts.eml")
if [ -z "$PORTERO_WRAPPER" ] && [ "${PORTERO_PASS:-}" != sanitizers ]; then
  # Maximum resident set size in KB, from the kernel's accounting of the child.
  expect_code 0 /usr/bin/time -f '%M' -o "$TMP/rss" "$DELIVER_BIN" --config "$S/portero.conf" \
    --recipient support@helpdesk.example < "$TMP/parts.eml"
  rss=$(tail -1 "$TMP/rss")
  limit=$(( (20 * 1024 * 1024 + 2 * size) / 1024 ))
  echo "# max RSS ${rss} KB for a ${size}-byte message (limit ${limit} KB)"
  [ "$rss" -le "$limit" ] || fail "max RSS ${rss} KB is over 20 MB + 2x the message (${limit} KB)"
else
  expect_code 0 deliver_to "$S" < "$TMP/parts.eml"
fi
mid=$(sql "$S" "select id from messages where subject='parts' and kind='mail'")
raw_of "$S" "id=$mid" "$TMP/parts.out"
check cmp -s "$TMP/parts.eml" "$TMP/parts.out"
n=$(sql "$S" "select count(*) from attachments where message_id=$mid")
[ "$n" -gt 100 ] && [ "$n" -le 1000 ] || fail "$n attachments read"
check test "$(sql "$S" "select count(*) from messages where kind='note' and body like '%more MIME parts%'
  and ticket_id=(select ticket_id from messages where id=$mid)")" = 1

test_done
