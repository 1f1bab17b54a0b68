#!/usr/bin/env bash
# Every command a technician runs, in Spanish: with LANGUAGE=es (and LANG,
# as a person sets it) no word of portero's English messages may show up in
# what the command prints, beyond the data the test itself put in.
. "$(dirname "$0")/test-lib.sh"
unset LANGUAGE LANG LC_MESSAGES
export PORTERO_LOCALEDIR=$PORTERO_BUILDDIR/po/locale

S=$TMP/state
new_state "$S"
sed -i 's/^language=en$/language=es/' "$S/portero.conf"
C=$S/portero.conf
es() { LC_ALL=C.UTF-8 LANG=es_ES.UTF-8 LANGUAGE=es "$@"; }
P() { es "$PORTERO_BIN" --config "$C" "$@"; }
absent() { ! grep -q -- "$1" "$2"; }

# What the test puts in: these words may show up in any language.
{
  mail "Ann <ann@acme.example>" "[Credenciales del Portal]"
  mail "Bob <bob@acme.example>" "Printer broken"
  cat "$PORTERO_SRCDIR"/filters/*.rule "$PORTERO_SRCDIR"/templates/*.tmpl "$C"
  ls "$PORTERO_SRCDIR"/filters "$PORTERO_SRCDIR"/templates
  echo "$TMP" "$S"
  # the commands' own words: their names, arguments and options
  "$PORTERO_BIN" --help | grep '^  [a-z]'
  # the configuration's keys, which limits are named by
  "$PORTERO_BIN" --config "$C" check --show 2>/dev/null | sed -n 's/ = .*//p'
} > "$TMP/data.txt"
mail "Ann <ann@acme.example>" "[Credenciales del Portal]" | deliver_to "$S"
mail "Bob <bob@acme.example>" "Printer broken" | deliver_to "$S"
mail "Bob <bob@acme.example>" "Printer broken" > "$TMP/test.eml"
mail "Ann <ann@acme.example>" "[Credenciales del Portal]" > "$TMP/credentials.eml"
mail "Ann <ann@acme.example>" "[Estado de mis Tickets]" > "$TMP/my-tickets.eml"
printf 'Lo miramos.\n' > "$TMP/reply.txt"

# english_words: words of portero's English messages that their Spanish
# translations do not use, less the data's words and the names of things
# (commands, options, keys) that are the same in both languages.
/usr/bin/python3 - "$PORTERO_SRCDIR/po/es.po" "$TMP/data.txt" > "$TMP/english" <<'PY'
import re, sys
po = open(sys.argv[1], encoding="utf-8").read()
def words(text):
    return set(w.lower() for w in re.findall(r"[A-Za-zÁÉÍÓÚÑáéíóúñü]{4,}", text))
ids, strs = set(), set()
for entry in po.split("\n\n"):
    if entry.lstrip().startswith("#~"):
        continue
    mid = "".join(re.findall(r'^msgid(?:_plural)? "(.*)"|^"(.*)"', entry, re.M) and
                  [a or b for a, b in re.findall(r'^(?:msgid(?:_plural)? )?"(.*)"()', entry.split("msgstr")[0], re.M)])
    mstr = " ".join(re.findall(r'"(.*)"', "msgstr".join(entry.split("msgstr")[1:])))
    # only messages whose translation differs carry English words
    if mid and mstr and mid != mstr:
        ids |= words(re.sub(r"%[a-z0-9<>]+|--[a-z-]+|\{\[[^]]*\]\}|portero [a-z -]+", " ", mid))
        strs |= words(mstr)
data = words(open(sys.argv[2], encoding="utf-8").read())
same = {"ticket", "tickets", "email", "portero", "json", "spam", "normal", "manual", "maildir", "smtp",
        "html", "csv", "azure", "ignoreflow", "checkpoint", "auto"}
for w in sorted(ids - strs - data - same):
    print(w)
PY
check [ "$(wc -l < "$TMP/english")" -gt 100 ]

# And English that the catalogue may not know about at all (text never marked
# for translation has no msgid to derive words from): phrases, case-sensitive,
# that no Spanish output may hold.
cat > "$TMP/english-phrases" <<'EOF2'
\bheld\b
held back
\bnote: 
portero note
 equals «
 contains «
\btitle «
Contact First Name
Company Tickets
Portal Password Link
 -> (open|pending|on-hold|resolved|closed)\b
\b(open|pending|on-hold|resolved|closed) -> 
set (open|pending|on-hold|resolved|closed|low|normal|high|urgent)\b
no open tickets
new password
one-time link
shown in the portal
not sent
no message [0-9]
no outbox mail
no template
EOF2

# spanish CMD...: run portero CMD in Spanish (any exit status); then no line of
# its output may hold an English word.
spanish() {
  P "$@" > "$TMP/es.out" 2>&1 || true
  local found
  found=$(/usr/bin/python3 - "$TMP/english" "$TMP/es.out" <<'PY'
import re, sys
english = set(open(sys.argv[1]).read().split())
for line in open(sys.argv[2], encoding="utf-8", errors="replace"):
    hits = [w for w in re.findall(r"[A-Za-zÁÉÍÓÚÑáéíóúñü]{4,}", line) if w.lower() in english]
    if hits:
        print("%s :: %s" % (",".join(hits), line.rstrip()))
PY
)
  [ -z "$found" ] || fail "portero $*: English: $(head -3 <<< "$found")"
  found=$(grep -E -f "$TMP/english-phrases" "$TMP/es.out")
  [ -z "$found" ] || fail "portero $*: English phrase: $(head -3 <<< "$found")"
}

begin "customer commands in Spanish"
spanish customer add "Acme"
spanish customer domain add Acme acme.example --apply-existing
spanish customer list
spanish customer show Acme
spanish customer domain list
spanish customer rename Acme "Acme SA"
spanish customer add ""
spanish customer show Nadie

begin "contact commands in Spanish"
spanish contact add carl@acme.example --name "Carl"
spanish contact list
spanish contact show ann@acme.example
spanish contact set ann@acme.example --main yes
spanish contact show nobody@acme.example
spanish contact reset-password ann@acme.example --print
spanish contact reset-password ann@acme.example --send quick-portal-credentials --ticket 1
spanish contact request-reset ann@acme.example
# beyond per-contact-hour: held back, and shown with the contact
for i in 1 2 3; do P contact request-reset ann@acme.example > /dev/null 2>&1; done
spanish contact show ann@acme.example

begin "ticket commands in Spanish"
spanish ticket list
spanish ticket list --status bogus
spanish ticket show 1
spanish ticket show 99
spanish ticket reply 2 --body-file "$TMP/reply.txt"
spanish ticket status 2 pending
spanish ticket status 2 bogus
spanish ticket status 2 resolved
spanish ticket contact 2 carl@acme.example
spanish ticket

begin "message, rule, template and outbox commands in Spanish"
spanish message list
spanish message show 1
spanish message attachment save 1 1
spanish message show 99
spanish message attachment save 99 1
spanish outbox retry 99
spanish rule list
spanish rule test "$TMP/test.eml"
spanish rule test "$TMP/credentials.eml"
spanish rule test "$TMP/my-tickets.eml"
spanish template list
spanish template render welcome --contact ann@acme.example
spanish template render company-tickets --contact ann@acme.example
spanish template render portal-credentials
spanish template render no-such-template
spanish ticket reply 2 --template no-such-template
spanish outbox list
spanish outbox flush
spanish maintain
spanish check

begin "help and usage errors in Spanish"
spanish --help
spanish ticket
spanish frobnicate
spanish ticket reply

begin "notes and mail in the helpdesk's language, from the catalogue, whatever the reader's"
# Delivered above: Ann's welcome mail carried her credentials, so the rule's
# second credential mail left a note, in Spanish (portero-deliver sets no locale).
check grep -q "Nota de portero|No se envió un segundo correo con credenciales" <<< "$(sql "$S" "select subject, body from messages where kind = 'note'")"
# Uninstalled and without the catalogue, the same note is the English msgid:
# the Spanish comes from po/es.po, not from the code.
S2=$TMP/no-catalogue
new_state "$S2"
sed -i 's/^language=en$/language=es/' "$S2/portero.conf"
mail "Ann <ann@acme.example>" "[Credenciales del Portal]" | env -u PORTERO_LOCALEDIR "$DELIVER_BIN" --config "$S2/portero.conf" --recipient support@helpdesk.example
check grep -q "portero note|No second credential mail" <<< "$(sql "$S2" "select subject, body from messages where kind = 'note'")"
# A ticket's title for mail without a subject likewise.
printf 'From: nos@acme.example\r\nTo: support@helpdesk.example\r\nMessage-ID: <nos@test.example>\r\n\r\nhola\r\n' > "$TMP/nosubject.eml"
deliver_to "$S" < "$TMP/nosubject.eml"
expect_eq "$(sql "$S" "select title from tickets where requester = 'nos@acme.example'")" "(sin asunto)"
env -u PORTERO_LOCALEDIR "$DELIVER_BIN" --config "$S2/portero.conf" --recipient support@helpdesk.example < "$TMP/nosubject.eml"
expect_eq "$(sql "$S2" "select title from tickets where requester = 'nos@acme.example'")" "(no subject)"
# A template only in English speaks English, in a Spanish helpdesk too.
mkdir -p "$TMP/tpl"
cp "$PORTERO_SRCDIR"/templates/*.tmpl "$TMP/tpl/"
rm "$TMP/tpl/quick-portal-credentials.es.tmpl"
sed -i "s|^templates=.*|templates=$TMP/tpl|" "$S2/portero.conf"
es "$PORTERO_BIN" --config "$S2/portero.conf" template render quick-portal-credentials --contact ann@acme.example > "$TMP/en.out" 2>&1
check grep -q "(new password)" "$TMP/en.out"
check absent "contraseña nueva" "$TMP/en.out"
# and the Spanish one in Spanish, for a reader in English.
LANGUAGE=en "$PORTERO_BIN" --config "$S2/portero.conf" template render portal-credentials --contact ann@acme.example > "$TMP/es.out" 2>&1
check grep -q "(contraseña nueva)" "$TMP/es.out"
check grep -q "(enlace de un solo uso)" "$TMP/es.out"

test_done
