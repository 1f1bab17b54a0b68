#!/usr/bin/env bash
# The README's "Setting up a helpdesk" block, run literally and in order after
# ./configure --prefix=$TMP/prefix && make && make install: it must give a
# helpdesk that `portero check` accepts and that delivers mail.
#
# What is substituted in the block, and nothing else:
#   /usr/local/          -> the scratch prefix $TMP/prefix/
#   sudo CMD             -> CMD (as root), or CMD as this user
#   sudoedit FILE        -> the administrator's edit, made by sed: the support
#                           addresses, from, the portal address, and the port
#                           of the test's SMTP server (tests/smtp-sink.py)
#   the user portero and the group helpdesk -> as root a throwaway user and
#                           group, made by the block's own useradd/groupadd and
#                           deleted at the end; as another user, that user and
#                           its group (useradd and groupadd are then skipped)
# Then the installed example must hold every key at its default, the docs
# must be installed, and the delivery user's portero-deliver must store a
# ticket and send the welcome mail.
. "$(dirname "$0")/test-lib.sh"

lacks() { ! grep -q "$@"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
case "${PORTERO_PASS:-}" in
  sanitizers|valgrind) skip_all "the setup from the README runs in the normal pass only" ;;
esac
# The README's setup is an SQLite one whatever the pass.
on_pgsql && skip_all "the README's setup uses SQLite: it runs in the normal pass"
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || skip_all "python3-aiosmtpd is not installed"

PREFIX=$TMP/prefix
CONF=$PREFIX/etc/portero/portero.conf
STATE=$PREFIX/var/lib/portero

begin "configure --prefix, make, make install"
(cd "$TMP" && mkdir build && cd build \
  && "$PORTERO_SRCDIR/configure" -q --prefix="$PREFIX" \
  && make -s -j"$(nproc)" \
  && make -s install) >"$TMP/build.log" 2>&1 || fail "build: $(tail -5 "$TMP/build.log" | tr '\n' ' ')"
check [ -x "$PREFIX/bin/portero" ]
check [ -x "$PREFIX/bin/portero-deliver" ]
# the folder the default kb= names, empty, beside filters and templates
check [ -d "$PREFIX/etc/portero/kb" ]
check [ -d "$PREFIX/etc/portero/filters" ]

begin "make install installs every docs/*.md and the production example"
for f in "$PORTERO_SRCDIR"/docs/*.md; do
  check cmp -s "$f" "$PREFIX/share/doc/portero/$(basename "$f")"
done
check [ -f "$PREFIX/share/doc/portero/examples/portero.conf" ]
check lacks '^transport=maildir' "$PREFIX/share/doc/portero/examples/portero.conf"

# The block, as it stands in the README.
awk '/^## Setting up a helpdesk/ { on = 1; next }
     on && /^## / { exit }
     on && !inblock && /^```sh[ \t]*$/ { inblock = 1; next }
     on && inblock && /^```/ { exit }
     on && inblock { print }' "$PORTERO_SRCDIR/README.md" > "$TMP/block.sh"
begin "the README has the setup block"
check [ -s "$TMP/block.sh" ]
check grep -q 'portero init --owner' "$TMP/block.sh"

if [ "$(id -u)" -eq 0 ]; then
  U=portero-t160 G=helpdesk-t160
  for name in "$U" "$G"; do
    if getent passwd "$name" >/dev/null || getent group "$name" >/dev/null; then
      skip_all "a user or group $name is left from an earlier run: remove it (userdel $name; groupdel $name)"
    fi
  done
  at_exit "userdel $U 2>/dev/null; groupdel $G 2>/dev/null"
  as_user() { runuser -u "$U" -- "$@"; }
else
  U=$(id -un) G=$(id -gn)
  as_user() { "$@"; }
fi

# Start the SMTP server the edited configuration points at.
mkdir -p "$TMP/sink"
/usr/bin/python3 "$TESTS_DIR/smtp-sink.py" --dir "$TMP/sink" --port-file "$TMP/port" --lifetime 300 &
SINK=$!
at_exit "kill $SINK 2>/dev/null"
i=0
while [ ! -s "$TMP/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
PORT=$(cat "$TMP/port")

cat > "$TMP/edit" <<EOF
#!/bin/sh
sed -i -e 's|^#support-addresses=.*|support-addresses=soporte@example.com;help@example.com|' \\
  -e 's|^#from=.*|from=Soporte <soporte@example.com>|' \\
  -e 's|^#address=.*|address=https://portal.example.com|' \\
  -e 's|^#port=25\$|port=$PORT|' "\$1"
EOF
chmod +x "$TMP/edit"

{
  echo "set -o pipefail"
  echo "trap 'printf \"%s: exit %s\\n\" \"\$BASH_COMMAND\" \"\$?\" >> \"$TMP/failed\"' ERR"
  if [ "$(id -u)" -eq 0 ]; then
    echo 'sudo() { "$@"; }'
  else
    echo 'sudo() { case "$1" in useradd|groupadd) return 0 ;; esac; "$@"; }'
  fi
  echo "sudoedit() { \"$TMP/edit\" \"\$@\"; }"
  sed -e "s|/usr/local/|$PREFIX/|g" \
      -e "s|--owner portero:helpdesk|--owner $U:$G|g" \
      -e "s|-o portero -g helpdesk|-o $U -g $G|g" \
      -e "s|^\(sudo useradd .*\) portero\$|\1 $U|" \
      -e "s|^\(sudo groupadd .*\) helpdesk\( .*\)\{0,1\}\$|\1 $G\2|" \
      "$TMP/block.sh"
} > "$TMP/setup.sh"

begin "every command of the block runs (portero check included)"
(cd "$TMP" && PATH="$PREFIX/bin:$PATH" bash "$TMP/setup.sh" > "$TMP/setup.out" 2>&1)
if [ -s "$TMP/failed" ]; then
  while read -r f; do fail "command failed: $f"; done < "$TMP/failed"
  sed 's/^/#   /' "$TMP/setup.out" | tail -n 15
fi
check grep -q "^$CONF: ok" "$TMP/setup.out"
check grep -q "^$PREFIX/etc/portero/filters: 6 rules ok" "$TMP/setup.out"
check lacks 'does not exist' "$TMP/setup.out"

begin "the state and the backup folder belong to the delivery user and the technicians"
expect_eq "$(stat -c '%a %U %G' "$STATE")" "2770 $U $G"
expect_eq "$(stat -c '%a %U %G' "$STATE/portero.db")" "660 $U $G"
expect_eq "$(stat -c '%a %U %G' "$STATE/portero.key")" "640 $U $G"
expect_eq "$(stat -c '%a %U %G' "$PREFIX/var/backups/portero")" "2770 $U $G"
if [ "$(id -u)" -eq 0 ]; then
  expect_eq "$(getent passwd "$U" | cut -d: -f6)" "$STATE" "the delivery user's home is the state folder"
fi

begin "the example holds every key at its installed default"
grep -E '^#[a-z0-9-]+=' "$PREFIX/share/doc/portero/examples/portero.conf" | sed 's/^#//' > "$TMP/keys"
sed -E 's/^#([a-z0-9-]+=)/\1/' "$PREFIX/share/doc/portero/examples/portero.conf" > "$TMP/uncommented.conf"
printf '[portero]\n' > "$TMP/empty.conf"
PORTERO_BIN=$PREFIX/bin/portero
portero --config "$TMP/empty.conf" check --show 2>/dev/null | grep -E '^[a-z]+\.[a-z0-9-]+ = ' > "$TMP/defaults"
portero --config "$TMP/uncommented.conf" check --show 2>/dev/null | grep -E '^[a-z]+\.[a-z0-9-]+ = ' > "$TMP/example"
check [ -s "$TMP/defaults" ]
check diff -u "$TMP/defaults" "$TMP/example"
expect_eq "$(grep -c . "$TMP/keys")" "$(grep -c . "$TMP/defaults")" "keys in the example"
check grep -qx "rules=$PREFIX/etc/portero/filters" "$TMP/keys"
check grep -qx "database=$STATE/portero.db" "$TMP/keys"
check grep -qx "transport=smtp" "$TMP/keys"

begin "the delivery user's portero-deliver stores the mail under the customer and sends the welcome"
printf 'From: Ana <ana@acme.example>\r\nTo: soporte@example.com\r\nSubject: VPN down\r\nMessage-ID: <setup1@acme.example>\r\n\r\nHello.\r\n' > "$TMP/m1"
chmod 644 "$TMP/m1"
rc=0
as_user "$PREFIX/bin/portero-deliver" --config "$CONF" --sender ana@acme.example \
  --recipient soporte@example.com --queue-id SETUP1 < "$TMP/m1" 2>"$TMP/deliver.err" || rc=$?
expect_eq "$rc" "0" "portero-deliver: $(head -c 300 "$TMP/deliver.err")"
PORTERO_BIN=$PREFIX/bin/portero
expect_eq "$(portero --config "$CONF" ticket list --json | /usr/bin/python3 -c 'import json,sys; print(";".join("%s|%s|%s" % (t["title"], t["customer"], t["requester"]) for t in json.load(sys.stdin)))')" \
  "VPN down|Acme Industrial|ana@acme.example"
check grep -q 'ana@acme.example' "$TMP"/sink/*.env
expect_eq "$(ls "$TMP"/sink/*.eml 2>/dev/null | wc -l)" "1" "mails received by the SMTP server"

begin "a mail to an address that is no support address is refused (67)"
rc=0
as_user "$PREFIX/bin/portero-deliver" --config "$CONF" --sender ana@acme.example \
  --recipient sales@example.com --queue-id SETUP2 < "$TMP/m1" 2>/dev/null || rc=$?
expect_eq "$rc" "67"

test_done
