#!/usr/bin/env bash
# A technician's first day: help that names arguments and values, working a
# ticket (threading, a requester without a contact, attachments), listings.
. "$(dirname "$0")/test-lib.sh"

S=$TMP/state
new_state "$S"
C=$S/portero.conf
jq_py() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

# ---------------------------------------------------------------- help
begin "a command's --help names its positional arguments"
expect_code 0 portero customer add --help
check grep -q "portero customer add \[OPTION.*\] NAME$" "$TMP/last.out"
expect_code 0 portero contact reset-password --help
check grep -q "portero contact reset-password \[OPTION.*\] EMAIL$" "$TMP/last.out"
check grep -q "a technician's password reset" "$TMP/last.out"

begin "--status in --help lists the valid statuses"
expect_code 0 portero ticket list --help
check grep -q -- "--status=open|pending|on-hold|resolved|closed" "$TMP/last.out"
expect_code 0 portero ticket reply --help
check grep -q -- "--status=open|pending|on-hold|resolved|closed" "$TMP/last.out"

begin "a noun alone lists its commands"
expect_code 0 portero ticket
check grep -q "ticket show ID" "$TMP/last.out"
check grep -q "ticket reply ID" "$TMP/last.out"
check [ "$(grep -c "^  customer" "$TMP/last.out")" -eq 0 ]
check [ ! -s "$TMP/last.err" ]
for noun in customer contact message template rule outbox site user; do
  expect_code 0 portero "$noun"
  check grep -q "^  $(case $noun in site) echo customer;; user) echo contact;; *) echo $noun;; esac) " "$TMP/last.out"
done
expect_code 0 portero customer domain
check grep -q "customer domain remove DOMAIN" "$TMP/last.out"
check [ "$(grep -c "^  customer add" "$TMP/last.out")" -eq 0 ]

begin "an unknown verb is still an error"
expect_code 1 portero ticket frobnicate
check grep -q 'unknown command "ticket frobnicate"' "$TMP/last.err"

# ---------------------------------------------------------------- tickets
mail "Ann <ann@acme.example>" "Printer on fire" | deliver_to "$S"

begin "ticket list --status refuses an unknown status as ticket status does"
expect_code 1 portero --config "$C" ticket status 1 bogus
check grep -q 'unknown status "bogus"' "$TMP/last.err"
expect_code 1 portero --config "$C" ticket list --status bogus
check grep -q 'unknown status "bogus"' "$TMP/last.err"
check [ ! -s "$TMP/last.out" ]
expect_code 0 portero --config "$C" ticket list --status OPEN --json
expect_eq "$(jq_py 'len(d)' < "$TMP/last.out")" 1

begin "ticket show numbers the thread 1..N and says what the count holds"
mail "Ann <ann@acme.example>" "Re: [#1] Printer on fire" | deliver_to "$S"
expect_code 0 portero --config "$C" ticket show 1
n=$(portero --config "$C" ticket show 1 --json | jq_py 'len(d["thread"])')
counted=$(portero --config "$C" ticket show 1 --json | jq_py 'd["messages"]')
check [ "$n" -gt "$counted" ]
check grep -q "^Messages (mail and replies): *$counted$" "$TMP/last.out"
check grep -q "^Thread entries: *$n$" "$TMP/last.out"
expect_eq "$(grep -o -- "^--- [0-9]* of [0-9]*" "$TMP/last.out" | awk '{print $2}' | tr '\n' ' ')" "$(seq -s ' ' 1 "$n") "
expect_eq "$(grep -c -- "^--- [0-9]* of $n ---$" "$TMP/last.out")" "$counted"
check grep -q -- "^--- [0-9]* of $n (auto: not counted) ---$" "$TMP/last.out"

# the newest queued mail, as the maildir transport wrote it
last_sent() {
  grep -l -F "<$(sql "$S" "select message_id from outbox order by id desc limit 1")>" "$S"/sent/new/* | head -1
}
header() { grep -i -m1 "^$1:" "$2" | tr -d '\r'; }
printf 'We are on it.\n' > "$TMP/reply.txt"

begin "ticket reply answers the ticket's newest mail from the customer (In-Reply-To, References)"
mid=$(sql "$S" "select message_id from messages where ticket_id=1 and kind='mail' order by id desc limit 1")
check [ -n "$mid" ]
expect_code 0 portero --config "$C" ticket reply 1 --body-file "$TMP/reply.txt"
f=$(last_sent)
expect_eq "$(header In-Reply-To "$f")" "In-Reply-To: <$mid>"
expect_eq "$(header References "$f")" "References: <$mid>"

begin "reset-password --send --ticket answers that ticket's newest mail too"
expect_code 0 portero --config "$C" contact reset-password ann@acme.example --send quick-portal-credentials --ticket 1
f=$(last_sent)
expect_eq "$(header In-Reply-To "$f")" "In-Reply-To: <$mid>"
expect_eq "$(header References "$f")" "References: <$mid>"
check grep -q "^Subject:.*\[#1\]" "$f"
expect_code 1 portero --config "$C" contact reset-password ann@acme.example --print --ticket 1
expect_code 1 portero --config "$C" contact reset-password ann@acme.example --send quick-portal-credentials --ticket 99
check grep -q "no ticket 99" "$TMP/last.err"

begin "a ticket without a contact is answered at the requester's address"
mail "Cid <cid@other.example>" "No contact here" | deliver_to "$S"
T=$(sql "$S" "select max(id) from tickets")
sql "$S" "update tickets set contact_id=NULL where id=$T"
expect_code 0 portero --config "$C" ticket reply "$T" --body-file "$TMP/reply.txt"
f=$(last_sent)
check grep -q "^To: .*cid@other.example" "$f"
check grep -q "^In-Reply-To: <" "$f"

begin "ticket contact sets a ticket's contact and files it under the contact's customer"
expect_code 0 portero --config "$C" customer add "Other Ltd"
expect_code 0 portero --config "$C" contact add cid2@other.example --customer "Other Ltd" --no-welcome
expect_code 0 portero --config "$C" ticket contact "#$T" CID2@other.example
check grep -q "cid2@other.example" "$TMP/last.out"
expect_eq "$(sql "$S" "select c.name from tickets t join customers c on c.id=t.customer_id where t.id=$T")" "Other Ltd"
expect_eq "$(sql "$S" "select e.email from tickets t join contact_emails e on e.contact_id=t.contact_id where t.id=$T")" \
  "cid2@other.example"
expect_code 0 portero --config "$C" ticket reply "$T" --body-file "$TMP/reply.txt"
check grep -q "^To: .*cid2@other.example" "$(last_sent)"

begin "ticket contact: unknown tickets and contacts are user errors"
expect_code 1 portero --config "$C" ticket contact 999 cid2@other.example
check grep -q "no ticket 999" "$TMP/last.err"
expect_code 1 portero --config "$C" ticket contact "$T" nobody@other.example
check grep -q "no contact with the address nobody@other.example" "$TMP/last.err"
expect_code 1 portero --config "$C" ticket contact "$T" "not an address"

# ---------------------------------------------------------------- rules
begin "rule list --json: one array with each rule's file, name, trigger, active and ignore_flow"
expect_code 0 portero --config "$C" rule list --json
expect_eq "$(jq_py '[(r["file"], r["trigger"], r["active"], r["ignore_flow"]) for r in d][:2]' < "$TMP/last.out")" \
  "[('10-portal-credentials.rule', 'ticket-created', True, True), ('11-portal-credentials-en.rule', 'ticket-created', True, True)]"
expect_eq "$(jq_py 'sorted(d[0].keys())' < "$TMP/last.out")" \
  "['active', 'description', 'file', 'ignore_flow', 'name', 'trigger']"

begin "rule list columns line up, 11-portal-credentials-en.rule included"
expect_code 0 portero --config "$C" rule list
check grep -q "^11-portal-credentials-en.rule " "$TMP/last.out"
# every column starts at the same offset on every line as in the header
for h in TRIGGER ACTIVE NAME; do
  col=$(head -1 "$TMP/last.out" | awk -v h=$h '{print index($0, h)}')
  while IFS= read -r line; do
    check [ "${line:$((col - 2)):1}" = " " ] && check [ "${line:$((col - 1)):1}" != " " ]
  done < <(tail -n +2 "$TMP/last.out")
done

# ---------------------------------------------------------------- attachments
# attach_mail: a message with a text body and three attachments: a name that
# is a path with an escape sequence, binary bytes, and a hidden-file name.
printf 'PDF\x00\x01\x02\xff binary' > "$TMP/binary.bin"
attach_mail() {
  printf 'From: Ann <ann@acme.example>\r\nTo: support@helpdesk.example\r\nSubject: Files\r\n'
  printf 'Message-ID: <files-%s@test.example>\r\nMIME-Version: 1.0\r\n' "$1"
  printf 'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
  printf -- '--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nSee attached.\r\n'
  printf -- '--b1\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename="../../x/evil\033[31m.txt"\r\n\r\nfirst file\r\n'
  printf -- '--b1\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n'
  printf 'Content-Disposition: attachment; filename="report.pdf"\r\n\r\n%s\r\n' "$(base64 -w0 < "$TMP/binary.bin")"
  printf -- '--b1\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename="..bashrc"\r\n\r\nx\r\n'
  printf -- '--b1--\r\n'
}
attach_mail 1 | deliver_to "$S"
M=$(sql "$S" "select id from messages where message_id='files-1@test.example'")
W=$TMP/work
mkdir -p "$W"

begin "message attachment save writes the decoded bytes under a cleaned name, here"
(cd "$W" && expect_code 0 portero --config "$C" message attachment save "$M" 2)
check cmp "$W/report.pdf" "$TMP/binary.bin"
expect_eq "$(stat -c %a "$W/report.pdf")" "600"

begin "a file name from the mail is never a path: last component, no control characters, no leading dot"
(cd "$W" && expect_code 0 portero --config "$C" message attachment save "$M" 1)
f=$(ls "$W" | grep '^evil.*\.txt$')
check [ -n "$f" ]
check [ "$(printf '%s' "$f" | tr -d '\033' | wc -c)" -eq "$(printf '%s' "$f" | wc -c)" ]
expect_eq "$(tr -d '\r' < "$W/$f")" "first file"
check [ ! -e "$TMP/x" ]
(cd "$W" && expect_code 0 portero --config "$C" message attachment save "$M" 3)
check [ -f "$W/bashrc" ]
check [ ! -e "$W/..bashrc" ]

begin "an existing file is refused without --force, replaced with it; a symbolic link is never followed"
echo keep > "$W/mine.pdf"
(cd "$W" && expect_code 1 portero --config "$C" message attachment save "$M" 2 mine.pdf)
check grep -q "exists already" "$TMP/last.err"
expect_eq "$(cat "$W/mine.pdf")" "keep"
(cd "$W" && expect_code 0 portero --config "$C" message attachment save "$M" 2 mine.pdf --force)
check cmp "$W/mine.pdf" "$TMP/binary.bin"
echo target > "$TMP/target"
ln -s "$TMP/target" "$W/link.pdf"
(cd "$W" && expect_code 1 portero --config "$C" message attachment save "$M" 2 link.pdf --force)
expect_eq "$(cat "$TMP/target")" "target"

begin "FILE - writes the attachment to standard output"
expect_code 0 portero --config "$C" message attachment save "$M" 2 -
check cmp "$TMP/last.out" "$TMP/binary.bin"

begin "message attachment save: a number past the last attachment or a bad one is a user error"
expect_code 1 portero --config "$C" message attachment save "$M" 4
check grep -q "has 3 attachments" "$TMP/last.err"
expect_code 1 portero --config "$C" message attachment save "$M" 0
expect_code 1 portero --config "$C" message attachment save 9999 1
expect_code 1 portero --config "$C" message attachment save "$M"

# ---------------------------------------------------------------- IT mode
begin "the shipped templates name the portal as the mode does, in their language, unedited"
for mode in msp it; do
  for lang in en es; do
    new_state "$TMP/$mode-$lang" "[portero]" "mode=$mode" "language=$lang"
    sed -i "s/^language=en$/language=$lang/" "$TMP/$mode-$lang/portero.conf"
    for t in welcome portal-credentials password-reset password-changed; do
      expect_code 0 portero --config "$TMP/$mode-$lang/portero.conf" template render "$t"
      case $mode-$lang in
        msp-en) want="Customer Portal" ;; it-en) want="Service Portal" ;;
        msp-es) want="Portal del Cliente" ;; it-es) want="Portal de Servicio" ;;
      esac
      check grep -q "$want" "$TMP/last.out"
      check [ "$(grep -c -E "Customer Portal|Service Portal|Portal del Cliente|Portal de Servicio" "$TMP/last.out")" -eq \
        "$(grep -c "$want" "$TMP/last.out")" ]
    done
  done
done

begin "the customer and contact word snippets follow the mode, in either name"
mkdir -p "$TMP/words"
printf 'Subject: {[Portal Name]}\n\n{[Customer Word]} {[Contact Word]} {[Site Word]} {[Palabra de Usuario]}\n' \
  > "$TMP/words/words.en.tmpl"
printf 'Subject: {[Nombre del Portal]}\n\n{[Palabra de Cliente]} {[Palabra de Contacto]}\n' > "$TMP/words/words.es.tmpl"
for mode in msp it; do
  sed -i "s|^templates=.*|templates=$TMP/words|" "$TMP/$mode-en/portero.conf" "$TMP/$mode-es/portero.conf"
done
expect_code 0 portero --config "$TMP/it-en/portero.conf" template render words
check grep -q "^site user site user$" "$TMP/last.out"
expect_code 0 portero --config "$TMP/msp-en/portero.conf" template render words
check grep -q "^customer contact customer contact$" "$TMP/last.out"
expect_code 0 portero --config "$TMP/it-es/portero.conf" template render words
check grep -q "^sitio usuario$" "$TMP/last.out"
check grep -q "Portal de Servicio" "$TMP/last.out"

begin "a Spanish digest mail says the ticket statuses in Spanish"
D=$TMP/digest
new_state "$D"
sed -i 's/^language=en$/language=es/' "$D/portero.conf"
mail "Ann <ann@acme.example>" "La impresora no imprime" | deliver_to "$D"
# Ticket lists go only to a contact heard from (portero(8), SECURITY).
sql "$D" "update contacts set heard=1 where id=(select contact_id from contact_emails where email='ann@acme.example')"
mail "Ann <ann@acme.example>" "[Estado de mis Tickets]" | deliver_to "$D"
f=$(grep -l "^Subject: Estado de sus tickets" "$D"/sent/new/* | head -1)
check [ -n "$f" ]
check grep -q "La impresora no imprime (abierto, " "$f"
check [ "$(grep -c "(open, " "$f")" -eq 0 ]

test_done
