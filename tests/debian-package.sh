#!/usr/bin/env bash
# The Debian package, as tests/run-all runs it after the normal pass: the
# release tarball (make dist) is built with dpkg-buildpackage -b (nocheck:
# the suite has just run), checked with lintian, installed with apt on this
# machine, checked with `portero check`, fed one message through the
# installed /usr/bin/portero-deliver as the user portero, and purged; the
# machine is left as it was (the user portero, which Debian leaves on purge,
# is removed here when this test made it). Needs root; skips loudly otherwise,
# and when a portero package or its folders are already on this machine.
. "$(dirname "$0")/test-lib.sh"

skip_all() { echo "1..0 # SKIP $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip_all "needs root (apt install and purge on this machine)"
for t in dpkg-buildpackage dh lintian apt-get; do
  command -v "$t" >/dev/null || skip_all "$t is not installed (tools/dev deps installs it)"
done
/usr/bin/python3 -c 'import aiosmtpd' 2>/dev/null || skip_all "python3-aiosmtpd is not installed"
if dpkg-query -W -f='${Status}' portero 2>/dev/null | grep -q 'installed\|config-files'; then
  skip_all "a portero package is installed here already: not touching it"
fi
for d in /etc/portero /var/lib/portero /var/backups/portero; do
  [ ! -e "$d" ] || skip_all "$d exists already: not touching it"
done

had_user=0
getent passwd portero >/dev/null && had_user=1
# waits for a dpkg lock another apt holds, rather than failing at once
apt_q() { DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300 "$@"; }
cleanup_package() {
  if dpkg-query -W -f='${Status}' portero 2>/dev/null | grep -q 'installed\|config-files'; then
    apt_q purge portero >/dev/null 2>&1
  fi
  if [ $had_user -eq 0 ] && getent passwd portero >/dev/null; then
    userdel portero 2>/dev/null
    getent group portero >/dev/null && groupdel portero 2>/dev/null
  fi
  return 0
}
at_exit cleanup_package
lacks() { ! grep -q "$@"; }
# The Postfix configuration, before: the package must leave it alone.
postfix_sums() { find /etc/postfix -type f -exec md5sum {} + 2>/dev/null | sort; }
postfix_sums > "$TMP/postfix.before"

begin "dpkg-buildpackage -us -uc -b builds portero_*.deb from the release tarball"
start=$SECONDS
make -s -C "$PORTERO_BUILDDIR" dist >"$TMP/dist.log" 2>&1 || fail "make dist: $(tail -3 "$TMP/dist.log" | tr '\n' ' ')"
mkdir "$TMP/src"
tar -xzf "$PORTERO_BUILDDIR"/portero-*.tar.gz -C "$TMP/src"
rm -f "$PORTERO_BUILDDIR"/portero-*.tar.gz
(cd "$TMP"/src/portero-* && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
  >"$TMP/build.log" 2>&1 || fail "dpkg-buildpackage: $(tail -5 "$TMP/build.log" | tr '\n' ' ')"
DEB=$(ls "$TMP"/src/portero_*_*.deb 2>/dev/null | head -1)
check [ -n "$DEB" ]
echo "# built in $((SECONDS - start)) s"

begin "lintian finds no errors"
if lintian --fail-on error "$TMP"/src/portero_*.changes >"$TMP/lintian.out" 2>&1; then :; else
  fail "lintian: $(grep -E '^E:' "$TMP/lintian.out" | head -5 | tr '\n' ' ')"
fi
grep -E '^[EW]:' "$TMP/lintian.out" | sed 's/^/# /'

begin "apt installs it: the user portero, /var/lib/portero initialised, /etc/portero"
apt_q install --no-install-recommends "$DEB" >"$TMP/install.log" 2>&1 || fail "apt install: $(tail -5 "$TMP/install.log" | tr '\n' ' ')"
check getent passwd portero >/dev/null
expect_eq "$(stat -c '%a %U %G' /var/lib/portero 2>&1)" "2770 portero portero"
expect_eq "$(stat -c '%a %U %G' /var/lib/portero/portero.db 2>&1)" "660 portero portero"
expect_eq "$(stat -c '%a %U %G' /var/lib/portero/portero.key 2>&1)" "640 portero portero"
expect_eq "$(stat -c '%a %U %G' /var/backups/portero 2>&1)" "2770 portero portero"
check [ -x /usr/bin/portero-deliver ]

begin "the configuration, rules, templates and cron file are conffiles"
dpkg-query -W -f='${Conffiles}\n' portero | awk 'NF { print $1 }' > "$TMP/conffiles"
for f in /etc/portero/portero.conf /etc/portero/filters/10-portal-credentials.rule \
         /etc/portero/templates/welcome.es.tmpl /etc/cron.d/portero; do
  check grep -qx "$f" "$TMP/conffiles"
done
check grep -qx '#transport=smtp' /etc/portero/portero.conf
check grep -qx '#database=/var/lib/portero/portero.db' /etc/portero/portero.conf

begin "portero maintain: a systemd timer, enabled, and a cron.d line that yields to systemd"
check [ -f /lib/systemd/system/portero-maintain.timer ]
check grep -q '^ExecStart=/usr/bin/portero --config /etc/portero/portero.conf maintain$' /lib/systemd/system/portero-maintain.service
check grep -q '^User=portero$' /lib/systemd/system/portero-maintain.service
check [ -L /etc/systemd/system/timers.target.wants/portero-maintain.timer ]
check grep -q '^\*/5 .* portero  \[ ! -d /run/systemd/system \] && .*/usr/bin/portero --config /etc/portero/portero.conf maintain' /etc/cron.d/portero
# The cron line's command, run as cron would (by sh, as portero) on this machine.
cmd=$(sed -n 's/^\*\/5 \* \* \* \*  portero  //p' /etc/cron.d/portero)
rc=0
runuser -u portero -- sh -c "$cmd" >/dev/null 2>&1 || rc=$?
if [ -d /run/systemd/system ]; then expect_eq "$rc" "1" "the cron line under systemd"; else expect_eq "$rc" "0" "the cron line without systemd"; fi

begin "portero check accepts the installed configuration (its built-in path)"
expect_code 0 /usr/bin/portero check
check grep -q '^/etc/portero/portero.conf: ok' "$TMP/last.out"
check grep -q '^/var/lib/portero/portero.db: ok' "$TMP/last.out"
check grep -q '^/etc/portero/filters: 6 rules ok' "$TMP/last.out"

begin "the installed portero-deliver, as portero, stores a message and sends the welcome mail"
mkdir -p "$TMP/sink"
/usr/bin/python3 "$TESTS_DIR/smtp-sink.py" --dir "$TMP/sink" --port-file "$TMP/port" --lifetime 120 &
at_exit "kill $! 2>/dev/null"
i=0
while [ ! -s "$TMP/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
# The installed configuration, pointed at the test's SMTP server.
sed "s/^#port=25\$/port=$(cat "$TMP/port")/" /etc/portero/portero.conf > "$TMP/portero.conf"
chmod 644 "$TMP/portero.conf"
printf 'From: Ana <ana@acme.example>\r\nTo: soporte@example.com\r\nSubject: Package test\r\nMessage-ID: <pkg1@acme.example>\r\n\r\nHello.\r\n' > "$TMP/m1"
rc=0
runuser -u portero -- /usr/bin/portero-deliver --config "$TMP/portero.conf" --sender ana@acme.example \
  --recipient soporte@example.com --queue-id PKG1 < "$TMP/m1" 2>"$TMP/deliver.err" || rc=$?
expect_eq "$rc" "0" "portero-deliver: $(head -c 300 "$TMP/deliver.err")"
expect_eq "$(/usr/bin/portero ticket list --json | /usr/bin/python3 -c 'import json,sys; print(";".join(t["title"] + "|" + t["requester"] for t in json.load(sys.stdin)))')" \
  "Package test|ana@acme.example"
expect_eq "$(ls "$TMP"/sink/*.eml 2>/dev/null | wc -l)" "1" "welcome mails received"
expect_eq "$(find /var/lib/portero ! -user portero | wc -l)" "0" "files in the state folder not owned by portero"

begin "the Postfix configuration is untouched"
postfix_sums > "$TMP/postfix.after"
check cmp -s "$TMP/postfix.before" "$TMP/postfix.after"

begin "apt purge removes it all"
apt_q purge portero >"$TMP/purge.log" 2>&1 || fail "apt purge: $(tail -5 "$TMP/purge.log" | tr '\n' ' ')"
check lacks 'ok installed\|config-files' <(dpkg-query -W -f='${Status}' portero 2>/dev/null)
for p in /etc/portero /var/lib/portero /var/backups/portero /etc/cron.d/portero /usr/bin/portero \
         /lib/systemd/system/portero-maintain.timer /etc/systemd/system/timers.target.wants/portero-maintain.timer; do
  check [ ! -e "$p" ]
done

test_done
