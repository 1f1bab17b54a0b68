#!/usr/bin/env bash
# portero run as root with arguments a technician chose (sudo): it gains them
# nothing beyond the delivery user's and the technicians' rights.
. "$(dirname "$0")/test-lib.sh"

DUSER=portero-test          # the delivery user, as in T090
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
[ "$(id -u)" -eq 0 ] || skip_all "needs root (runs portero as root, as sudo does)"
if ! getent passwd "$DUSER" >/dev/null; then
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$DUSER" \
    || skip_all "cannot create the user $DUSER"
fi
runuser -u "$DUSER" -- test -x "$PORTERO_BIN" \
  || skip_all "$DUSER cannot run $PORTERO_BIN (a folder on its path is not searchable)"
DGROUP=$(id -gn "$DUSER")

# absent TEXT FILE: FILE does not contain TEXT.
absent() { ! grep -q -- "$1" "$2"; }
# usql DIR QUERY: as the delivery user, so that no root-owned -wal/-shm appear.
usql() { if on_pgsql; then sql "$@"; else runuser -u "$DUSER" -- sqlite3 -batch -noheader "$1/portero.db" "$2"; fi; }

# A file only root may read, and the first line it must never show.
SECRET=$TMP/secret
printf 'TOPSECRET-first-line\nsecond=line\n' > "$SECRET"
chmod 600 "$SECRET"

# The state, owned by the delivery user as portero init --owner makes it.
S=$TMP/state
new_state "$S"
"$PORTERO_BIN" --config "$S/portero.conf" init --owner "$DUSER:$DGROUP" >/dev/null

begin "a technician's own configuration is read, and acted on, with the technician's rights only"
TECH=$TMP/tech
ROOTDIR=$TMP/profile.d        # stands in for /etc/profile.d
mkdir -p "$TECH" "$ROOTDIR"
touch "$ROOTDIR/keep.sh"
printf '[portero]\ndatabase=%s/evil.sh\nkey-file=%s/evil.key\n' "$ROOTDIR" "$ROOTDIR" > "$TECH/portero.conf"
chown -R "$DUSER" "$TECH"
expect_code 1 portero --config "$TECH/portero.conf" init --owner "$DUSER"
PORTERO_CONFIG=$TECH/portero.conf portero init --owner "$DUSER" >/dev/null 2>&1
expect_eq "$(find "$ROOTDIR" -user "$DUSER" | wc -l)" "0"
expect_eq "$(stat -c %U:%a "$ROOTDIR")" "root:755"
check [ ! -e "$ROOTDIR/evil.sh" ]

begin "a root-owned configuration that others can write is refused as root"
mkdir -p "$TMP/open"
chmod 777 "$TMP/open"
cp "$S/portero.conf" "$TMP/open/portero.conf"
sed -i "s|^database=portero\.db$|database=$S/portero.db|; s|^rules=.*|rules=$PORTERO_SRCDIR/filters|" "$TMP/open/portero.conf"
expect_code 1 portero --config "$TMP/open/portero.conf" ticket list
check grep -q "not trusted" "$TMP/last.err"

begin "a root-only file named as the configuration is never quoted"
expect_code 1 portero ticket list --config "$SECRET"
check absent TOPSECRET "$TMP/last.err"
PORTERO_CONFIG=$SECRET portero check >/dev/null 2>"$TMP/last.err"
check absent TOPSECRET "$TMP/last.err"

begin "a key file pointing at a root-only file is never read or quoted"
sed "/^key-file=/d; s|^\[portero\]|[portero]\nkey-file=$SECRET|; s|^database=portero\.db$|database=$S/portero.db|" "$S/portero.conf" > "$TMP/keyconf"
expect_code 1 portero --config "$TMP/keyconf" maintain
check absent TOPSECRET "$TMP/last.err"
# Even a key file that can be read but is not one is not quoted.
R=$TMP/rootstate
new_state "$R"
cp "$SECRET" "$R/other.key"
cp "$R/portero.conf" "$R/portero.conf.orig"
sed -i '/^key-file=/d; s|^\[portero\]$|[portero]\nkey-file=other.key|' "$R/portero.conf"
expect_code 1 portero --config "$R/portero.conf" check
check absent TOPSECRET "$TMP/last.err"
mv "$R/portero.conf.orig" "$R/portero.conf"

begin "a key file swapped for a symbolic link is refused, not followed"
cp "$R/portero.key" "$TMP/elsewhere.key"
mv "$R/portero.key" "$R/portero.key.orig"
ln -s "$TMP/elsewhere.key" "$R/portero.key"
expect_code 1 portero --config "$R/portero.conf" check
check grep -q "symbolic link" "$TMP/last.err"
rm "$R/portero.key"
mv "$R/portero.key.orig" "$R/portero.key"
expect_code 0 portero --config "$R/portero.conf" check

begin "ticket reply --body-file cannot mail a file only root can read"
mail "jane@customer.example" "Printer" > "$TMP/m1"
chmod 644 "$TMP/m1"
expect_code 0 deliver_to "$S" < "$TMP/m1"
ticket=$(usql "$S" "select max(id) from tickets")
sent_before=$(find "$S/sent" -type f 2>/dev/null | wc -l)
expect_code 1 portero --config "$S/portero.conf" ticket reply "$ticket" --body-file "$SECRET"
check absent TOPSECRET "$TMP/last.err"
expect_eq "$(find "$S/sent" -type f 2>/dev/null | wc -l)" "$sent_before"
expect_eq "$(usql "$S" "select count(*) from messages where body like '%TOPSECRET%'")" "0"

begin "root leaves no root-owned file in the state folder (backup, a new maildir) and deliveries go on"
rm -rf "$S/sent"
expect_code 0 portero --config "$S/portero.conf" contact add new.one@customer.example
# (PostgreSQL: backup is pg_dump's, T180)
on_pgsql || expect_code 0 portero --config "$S/portero.conf" backup "$S/copy.db"
expect_eq "$(find "$S" -user root ! -name portero.conf ! -name .pgdb | wc -l)" "0"
mail "later@customer.example" "After root" > "$TMP/m2"
chmod 644 "$TMP/m2"
expect_code 0 runuser -u "$DUSER" -- "$DELIVER_BIN" --config "$S/portero.conf" --recipient support@helpdesk.example < "$TMP/m2"

begin "init --owner refuses a folder that holds other files, and changes nothing"
V=$TMP/varlib
mkdir -p "$V" && touch "$V/dpkg-status"
chmod 755 "$V"
printf '[portero]\ndatabase=%s/portero.db\n' "$V" > "$TMP/varlib.conf"
expect_code 1 portero --config "$TMP/varlib.conf" init --owner "$DUSER"
expect_eq "$(stat -c %U:%G:%a "$V")" "root:root:755"
check [ ! -e "$V/portero.db" ]

begin "init changes no mode through a symbolic link someone put in the state folder"
if sqlite_only "the database file and its -shm as links"; then :; else
printf 'victim\n' > "$TMP/victim"
chmod 644 "$TMP/victim"
runuser -u "$DUSER" -- rm -f "$S/portero.db-shm"
runuser -u "$DUSER" -- ln -s "$TMP/victim" "$S/portero.db-shm"
portero --config "$S/portero.conf" init >/dev/null 2>&1
expect_eq "$(stat -c %U:%a "$TMP/victim")" "root:644"
runuser -u "$DUSER" -- rm -f "$S/portero.db-shm"
# The database itself swapped for a link to another database
R2=$TMP/rootstate2
new_state "$R2"
sql "$R2" "pragma wal_checkpoint(truncate)" >/dev/null
cp "$R2/portero.db" "$TMP/victim.db"
chmod 644 "$TMP/victim.db"
chown -R "$DUSER:$DGROUP" "$R2"
chmod 2770 "$R2"
rm -f "$R2/portero.db" "$R2/portero.db-wal" "$R2/portero.db-shm"
runuser -u "$DUSER" -- ln -s "$TMP/victim.db" "$R2/portero.db"
cp "$R2/portero.conf" "$TMP/r2.conf"
sed -i "s|^database=.*|database=$R2/portero.db|" "$TMP/r2.conf"
portero --config "$TMP/r2.conf" init --owner "$DUSER:$DGROUP" >/dev/null 2>&1
expect_eq "$(stat -c %U:%a "$TMP/victim.db")" "root:644"
fi

test_done
