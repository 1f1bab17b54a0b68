#!/usr/bin/env bash
# Messages in Spanish and English through gettext: the locale decides the
# language, the configured mode the words; po/es.po translates every message.
. "$(dirname "$0")/test-lib.sh"
unset LANGUAGE LANG LC_MESSAGES
export PORTERO_LOCALEDIR=$PORTERO_BUILDDIR/po/locale

# es COMMAND...: run with Spanish asked for the way a test can on any machine
# (C.UTF-8 exists everywhere; gettext honours LANGUAGE in any locale but C).
es() { LC_ALL=C.UTF-8 LANGUAGE=es "$@"; }

begin "the build made the Spanish catalogue"
check [ -s "$PORTERO_BUILDDIR/po/locale/es/LC_MESSAGES/portero.mo" ]

begin "an error is in English without a Spanish locale"
expect_code 1 portero frobnicate
expect_eq "$(cat "$TMP/last.err")" 'portero: unknown command "frobnicate" (see portero --help)'

begin "the same error is in Spanish with LANGUAGE=es"
expect_code 1 es portero frobnicate
expect_eq "$(cat "$TMP/last.err")" 'portero: orden desconocida «frobnicate» (vea portero --help)'

begin "LANG=es_ES.UTF-8 alone is enough, whether or not that locale is installed"
expect_code 1 env -u LC_ALL LANG=es_ES.UTF-8 "$PORTERO_BIN" frobnicate
check grep -q "orden desconocida" "$TMP/last.err"

begin "LANGUAGE=en wins over a Spanish LANG"
expect_code 1 env -u LC_ALL LANG=es_ES.UTF-8 LANGUAGE=en "$PORTERO_BIN" frobnicate
check grep -q "unknown command" "$TMP/last.err"

begin "portero --help: the command summaries in Spanish"
expect_code 0 es portero --help
check grep -q "^uso: portero" "$TMP/last.out"
check grep -q "^      añadir un cliente$" "$TMP/last.out"
expect_code 0 portero --help
check grep -q "^      add a customer$" "$TMP/last.out"

begin "a command's --help: its options in Spanish"
expect_code 0 es portero check --help
check grep -q "Mostrar cada ajuste con su valor" "$TMP/last.out"

S=$TMP/state
new_state "$S"
begin "Spanish output in MSP mode: cliente"
expect_code 0 es portero --config "$S/portero.conf" customer add "Acme"
check grep -q "^Cliente «Acme»" "$TMP/last.out"
expect_code 0 es portero --config "$S/portero.conf" customer list
check grep -q "^CLIENTE " "$TMP/last.out"

begin "Spanish output in IT mode: sitio, whichever noun the command used"
sed -i 's/^\[portero\]$/[portero]\nmode=it/' "$S/portero.conf"
expect_code 0 es portero --config "$S/portero.conf" customer add "Sede"
check grep -q "^Sitio «Sede»" "$TMP/last.out"
expect_code 1 es portero --config "$S/portero.conf" site domain add "Nadie" nadie.example
check grep -q "ningún sitio llamado «Nadie»" "$TMP/last.err"

begin "English output in IT mode: site"
expect_code 0 portero --config "$S/portero.conf" site add "Branch"
check grep -q '^Site "Branch"' "$TMP/last.out"

begin "JSON stays English in Spanish"
expect_code 0 es portero --config "$S/portero.conf" customer list --json
check grep -q '"name" : "Sede"' "$TMP/last.out"

begin "portero-deliver speaks English whatever the locale (its line becomes a bounce's text)"
expect_code 67 es deliver --config "$S/portero.conf" --recipient nobody@elsewhere.example < <(mail "a@b.example" "x")
check grep -q "support address" "$TMP/last.err"

# Every message of the sources, extracted now, against po/es.po.
begin "every source file with messages is in po/POTFILES"
cd "$PORTERO_SRCDIR"
for f in $(grep -l -E '\b(N?_|C_|NC_|ngettext) ?\(' src/*.c src/cli/*.c); do
  grep -qxF "$f" po/POTFILES || fail "$f has messages but is not in po/POTFILES (make update-po adds it)"
done

begin "no message is cut short by a macro inside _() (use %lld and a cast, not G_GINT64_FORMAT)"
xgettext --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 \
  --keyword=ngettext:1,2 --keyword=g_dngettext:2,3 --msgid-bugs-address=test \
  --directory="$PORTERO_SRCDIR" --files-from="$PORTERO_SRCDIR/po/POTFILES" -o "$TMP/now.pot" 2> "$TMP/xgettext.err"
check [ -s "$TMP/now.pot" ]
# A msgid ending in a lone % was cut at a macro: at run time gettext looks up
# the whole string, which the catalogue never has.
while read -r line; do fail "$line"; done < <(/usr/bin/python3 - "$TMP/now.pot" <<'PY'
import re, sys
entries = open(sys.argv[1], encoding="utf-8").read().split("\n\n")
for e in entries:
    refs = " ".join(l[3:] for l in e.splitlines() if l.startswith("#: "))
    m = re.search(r'^msgid ((?:".*"\n?)+)', e, re.M)
    if not m:
        continue
    msgid = "".join(re.findall(r'"(.*)"', m.group(1)))
    if re.search(r'(?<!%)(%%)*%$', msgid):
        print("%s: message cut short at a macro: \"%s\"" % (refs, msgid))
PY
)

begin "po/es.po translates every message (make update-po, then translate what it lists)"
msgmerge --quiet --no-fuzzy-matching -o "$TMP/now.po" "$PORTERO_SRCDIR/po/es.po" "$TMP/now.pot"
msgattrib --untranslated --no-obsolete --no-wrap "$TMP/now.po" 2>/dev/null \
  | awk '/^msgid / { n++; if (n > 1) { if ($0 == "msgid \"\"") { getline; print "msgid " $0 } else print } }' \
  | grep -v -E '(^|[^%])(%%)*%"$' > "$TMP/missing" || true
while read -r line; do fail "untranslated: $line"; done < <(head -20 "$TMP/missing")
[ "$(wc -l < "$TMP/missing")" -le 20 ] || fail "... and $(($(wc -l < "$TMP/missing") - 20)) more"

test_done
