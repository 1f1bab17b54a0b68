#!/usr/bin/env bash
# docs/portal-credentials.es.md and .en.md: every ```sh block of each
# document runs, in order, in one shell started in a fresh empty folder (the
# documents make their state folder portero-demo/ there); then the outcomes
# the document promises are checked: contacts, customers, tickets, the mail in
# its Maildir, and portal logins. The documents name the installed rules and
# templates (/usr/local/etc/portero/); here they are the source tree's.
. "$(dirname "$0")/test-lib.sh"
unset LANGUAGE PORTERO_LOCALEDIR
# The documents make an SQLite helpdesk whatever the pass.
if on_pgsql; then echo "1..0 # SKIP the documents' helpdesk is an SQLite one: they run in the normal pass"; exit 0; fi

# portero and portero-deliver on PATH, through the wrapper when there is one.
BIN=$TMP/bin
mkdir -p "$BIN"
for p in portero portero-deliver; do
  printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$PORTERO_WRAPPER" "$PORTERO_BUILDDIR/$p" > "$BIN/$p"
  chmod +x "$BIN/$p"
done

# script DOC: DOC's sh blocks as a bash script whose line N is DOC's line N
# (prose and other blocks become empty lines), so that $LINENO names the
# document's line. A command that fails is written to $FAILED, and the run
# goes on, so that every failing command is reported.
script() {
  awk -v src="$PORTERO_SRCDIR/" '
    NR == 1 {
      print "set -o pipefail; PS4=\"+ line $LINENO: \"; set -x; trap '\''printf \"%s:%s: exit %s: %s\\n\" \"$DOC\" \"$LINENO\" \"$?\" \"$BASH_COMMAND\" >> \"$FAILED\"'\'' ERR"
      next
    }
    !inblock && /^```sh[ \t]*$/ { inblock = 1; print ""; next }
    inblock && /^```/ { inblock = 0; print ""; next }
    inblock {
      line = $0; out = ""
      while ((i = index(line, "/usr/local/etc/portero/")) > 0) {
        out = out substr(line, 1, i - 1) src
        line = substr(line, i + length("/usr/local/etc/portero/"))
      }
      print out line
      next
    }
    { print "" }
  ' "$1"
}

# run_doc LANG: run docs/portal-credentials.LANG.md in $TMP/LANG; sets S (its
# state folder) and OUT (the transcript: stdout, stderr and the command trace).
run_doc() {
  local doc=docs/portal-credentials.$1.md dir=$TMP/$1
  mkdir -p "$dir"
  script "$PORTERO_SRCDIR/$doc" > "$dir.sh"
  rm -f "$dir.failed"
  (cd "$dir" && unset PORTERO_CONFIG && PATH="$BIN:$PATH" DOC=$doc FAILED=$dir.failed bash "$dir.sh" > "$dir.out" 2>&1)
  S=$dir/portero-demo
  OUT=$dir.out
  begin "$doc: every command runs"
  check [ -s "$dir.sh" ]
  if [ -s "$dir.failed" ]; then
    local f
    while read -r f; do fail "command failed: $f"; done < "$dir.failed"
    grep -v '^+' "$OUT" | grep -E '^portero(-deliver)?: ' | head -20 | while read -r f; do echo "#   $f"; done
  fi
}

pyq() { /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
P() { "$PORTERO_BIN" --config "$S/portero.conf" "$@"; }

# mails DIR: "recipient|subject" of every mail in the Maildir DIR, sorted
mails() {
  /usr/bin/python3 - "$1" <<'PY'
import email, email.utils, os, sys
from email import policy
d = os.path.join(sys.argv[1], "new")
out = []
for f in os.listdir(d) if os.path.isdir(d) else []:
    with open(os.path.join(d, f), "rb") as fh:
        m = email.message_from_binary_file(fh, policy=policy.default)
    out.append("%s|%s" % (email.utils.parseaddr(str(m["To"]))[1], str(m["Subject"])))
print("\n".join(sorted(out)))
PY
}

# body DIR RECIPIENT SUBJECT-PREFIX: the decoded text of that mail
body() {
  /usr/bin/python3 - "$@" <<'PY'
import email, email.utils, os, sys
from email import policy
d, to, subject = os.path.join(sys.argv[1], "new"), sys.argv[2], sys.argv[3]
for f in sorted(os.listdir(d)):
    with open(os.path.join(d, f), "rb") as fh:
        m = email.message_from_binary_file(fh, policy=policy.default)
    if email.utils.parseaddr(str(m["To"]))[1] == to and str(m["Subject"]).startswith(subject):
        print(m.get_body(preferencelist=("plain",)).get_content())
PY
}

# password_in TEXT-LABEL: the password after LABEL in the mail text on stdin
password_in() { sed -n "s/^ *$1: *\([^ ]*\)\$/\1/p" | head -1; }

# transcript_has TEXT: a line of the documents' own output (not the trace)
transcript_has() { grep -v '^+' "$OUT" | grep -qxF "$1"; }

###########################################################################
run_doc es
M=$S/enviados

begin "es: the customers and their domains are those the document made"
expect_eq "$(P customer list --sort id --json | pyq '[(c["name"], c["domains"]) for c in d]')" \
  "[('Unassigned', []), ('Acme Industrial', ['acme.example']), ('Sede Central', ['central.example'])]"

begin "es: the contacts are where the document says, with the source it says"
expect_eq "$(P contact list --json | pyq 'sorted((c["email"], c["customer"], c["source"], c["main"]) for c in d)')" \
  "[('ana@acme.example', 'Acme Industrial', 'email', False), ('carlos@acme.example', 'Acme Industrial', 'email', False), ('eva@acme.example', 'Acme Industrial', 'manual', False), ('juan@acme.example', 'Acme Industrial', 'csv', False), ('luis@central.example', 'Sede Central', 'manual', True), ('marta@acme.example', 'Acme Industrial', 'csv', False), ('pedro@acme.example', 'Acme Industrial', 'manual', False)]"

begin "es: the tickets are numbered as the document says"
expect_eq "$(P ticket list --sort id --json | pyq '[(t["id"], t["title"], t["requester"], t["customer"], t["messages"]) for t in d]')" \
  "[(1, 'La impresora no imprime', 'ana@acme.example', 'Acme Industrial', 2), (2, 'Otra consulta', 'ana@acme.example', 'Acme Industrial', 1), (3, 'No puedo entrar en la VPN', 'carlos@acme.example', 'Acme Industrial', 1), (4, '[Credenciales del Portal]', 'ana@acme.example', 'Acme Industrial', 1)]"

begin "es: the Maildir holds exactly the mails the document promises"
expect_eq "$(mails "$M")" "ana@acme.example|Bienvenido/a al Portal del Cliente [#1]
ana@acme.example|Credenciales del portal [#1]
ana@acme.example|Restablecer su contraseña del portal
ana@acme.example|Se ha cambiado su contraseña del portal
ana@acme.example|Sus credenciales del Portal del Cliente [#4]
carlos@acme.example|Bienvenido/a al Portal del Cliente [#3]
eva@acme.example|Sus credenciales del Portal del Cliente
luis@central.example|Bienvenido/a al Portal de Servicio
pedro@acme.example|Bienvenido/a al Portal del Cliente"

begin "es: the welcome mail carries the portal address, the user name, a password and a one-time link"
W=$(body "$M" ana@acme.example "Bienvenido/a")
check grep -q "Dirección del portal: https://portal.example.com" <<< "$W"
check grep -q "Usuario: *ana@acme.example" <<< "$W"
check [ -n "$(password_in 'Contraseña' <<< "$W")" ]
check grep -q "https://portal.example.com/set-password?user=ana.*&code=[0-9a-f]\{32\}" <<< "$W"

begin "es: the quick-response reply carries the seed's three snippets"
R=$(body "$M" ana@acme.example "Credenciales del portal")
check grep -q "^URL: https://portal.example.com" <<< "$R"
check grep -q "^Nombre de Usuario: ana@acme.example" <<< "$R"
check [ -n "$(password_in 'Contraseña' <<< "$R")" ]

begin "es: rule test names the seed's rule and sends nothing"
check grep -q "10-portal-credentials.rule.*fired" "$OUT"

begin "es: the technician's printed password, the reset code and its single use work as promised"
check transcript_has "contraseña aceptada"
check transcript_has "contraseña cambiada"
check transcript_has "el código ya no vale"
expect_code 0 P auth ana@acme.example <<< "Una-clave-nueva-2026"
expect_code 1 P auth ana@acme.example <<< "$(password_in 'Contraseña' <<< "$W")"

begin "es: the password mailed by reset-password --send works at once"
E=$(password_in 'Contraseña nueva' < <(body "$M" eva@acme.example "Sus credenciales"))
check [ -n "$E" ]
expect_code 0 P auth eva@acme.example <<< "$E"

begin "es: imported contacts got no mail and no password"
expect_eq "$(P contact list --json | pyq 'sorted((c["email"], c["password"]) for c in d if c["source"] == "csv")')" \
  "[('juan@acme.example', False), ('marta@acme.example', False)]"

begin "es: IT mode speaks of sites and users"
check grep -q "^SITE" <(P site list)

###########################################################################
run_doc en
M=$S/sent

begin "en: the customers and their domains are those the document made"
expect_eq "$(P customer list --sort id --json | pyq '[(c["name"], c["domains"]) for c in d]')" \
  "[('Unassigned', []), ('Acme Industrial', ['acme.example']), ('Head Office', ['central.example'])]"

begin "en: the contacts are where the document says, with the source it says"
expect_eq "$(P contact list --json | pyq 'sorted((c["email"], c["customer"], c["source"], c["main"]) for c in d)')" \
  "[('ann@acme.example', 'Acme Industrial', 'email', False), ('carl@acme.example', 'Acme Industrial', 'email', False), ('eve@acme.example', 'Acme Industrial', 'manual', False), ('john@acme.example', 'Acme Industrial', 'csv', False), ('louis@central.example', 'Head Office', 'manual', True), ('mary@acme.example', 'Acme Industrial', 'csv', False), ('peter@acme.example', 'Acme Industrial', 'manual', False)]"

begin "en: the tickets are numbered as the document says"
expect_eq "$(P ticket list --sort id --json | pyq '[(t["id"], t["title"], t["requester"], t["customer"], t["messages"]) for t in d]')" \
  "[(1, 'The printer does not print', 'ann@acme.example', 'Acme Industrial', 2), (2, 'Another question', 'ann@acme.example', 'Acme Industrial', 1), (3, 'Cannot connect to the VPN', 'carl@acme.example', 'Acme Industrial', 1), (4, '[Credenciales del Portal]', 'ann@acme.example', 'Acme Industrial', 1)]"

begin "en: the Maildir holds exactly the mails the document promises"
expect_eq "$(mails "$M")" "ann@acme.example|Portal credentials [#1]
ann@acme.example|Reset your portal password
ann@acme.example|Welcome to the Customer Portal [#1]
ann@acme.example|Your Customer Portal credentials [#4]
ann@acme.example|Your portal password was changed
carl@acme.example|Welcome to the Customer Portal [#3]
eve@acme.example|Your Customer Portal credentials
louis@central.example|Welcome to the Service Portal
peter@acme.example|Welcome to the Customer Portal"

begin "en: the welcome mail carries the portal address, the user name, a password and a one-time link"
W=$(body "$M" ann@acme.example "Welcome")
check grep -q "Portal address: https://portal.example.com" <<< "$W"
check grep -q "Username: *ann@acme.example" <<< "$W"
check [ -n "$(password_in 'Password' <<< "$W")" ]
check grep -q "https://portal.example.com/set-password?user=ann.*&code=[0-9a-f]\{32\}" <<< "$W"

begin "en: the quick-response reply carries the seed's three snippets"
R=$(body "$M" ann@acme.example "Portal credentials")
check grep -q "^URL: https://portal.example.com" <<< "$R"
check grep -q "^Username: ann@acme.example" <<< "$R"
check [ -n "$(password_in 'Password' <<< "$R")" ]

begin "en: rule test names the seed's rule and sends nothing"
check grep -q "10-portal-credentials.rule.*fired" "$OUT"

begin "en: the technician's printed password, the reset code and its single use work as promised"
check transcript_has "password accepted"
check transcript_has "password changed"
check transcript_has "the code no longer works"
expect_code 0 P auth ann@acme.example <<< "A-new-password-2026"
expect_code 1 P auth ann@acme.example <<< "$(password_in 'Password' <<< "$W")"

begin "en: the password mailed by reset-password --send works at once"
E=$(password_in 'New password' < <(body "$M" eve@acme.example "Your Customer Portal"))
check [ -n "$E" ]
expect_code 0 P auth eve@acme.example <<< "$E"

begin "en: imported contacts got no mail and no password"
expect_eq "$(P contact list --json | pyq 'sorted((c["email"], c["password"]) for c in d if c["source"] == "csv")')" \
  "[('john@acme.example', False), ('mary@acme.example', False)]"

begin "en: IT mode speaks of sites and users"
check grep -q "^SITE" <(P site list)

# ---------------------------------------------------------------- both
begin "the documents' sed takes the reset code out of a mail with LF or CRLF line ends"
# The quoted-printable link as a mail carries it: "=" as =3D, a soft line
# break (=, then the line end) inside the code.
want=0123456789abcdef0123456789abcdef
printf 'Content-Transfer-Encoding: quoted-printable\n\nhttps://portal.example.com/set-password?user=3Dann&code=3D%s=\n%s\nBye\n' \
  "${want:0:20}" "${want:20}" > "$TMP/lf.eml"
sed 's/$/\r/' "$TMP/lf.eml" > "$TMP/crlf.eml"
for doc in en es; do
  cmd=$(grep -o "sed -z '[^']*'" "$PORTERO_SRCDIR/docs/portal-credentials.$doc.md" | head -1)
  check [ -n "$cmd" ]
  for f in lf crlf; do
    got=$(eval "$cmd" '"$TMP/$f.eml"' | grep -o 'code=[0-9a-f]*' | cut -d= -f2)
    expect_eq "$got" "$want" "$doc, $f"
  done
done

test_done
