#!/usr/bin/env bash
# portero init and portero check: the state folder, its modes and owners,
# and a configuration that names what is wrong.
. "$(dirname "$0")/test-lib.sh"

# db_lines NAME FOLDER: set DB_LINES to the [portero] lines of a database
# kept in FOLDER (relative to the configuration), and DB_NAME to what
# portero calls it: SQLite's file, or on PostgreSQL a new database with its
# key file in FOLDER. pg_mark DIR NAME puts the name of that database where
# sql() finds it, once init has made DIR.
db_lines() {
  if on_pgsql; then
    new_database "$TMP/pg-$1"
    DB_NAME=$(printf '%s\n' "$_database" | head -1 | sed 's/^database=//')
    DB_LINES="database=$DB_NAME
key-file=$2/portero.key"
  else
    DB_NAME=$2/portero.db
    DB_LINES="database=$2/portero.db"
  fi
}
pg_mark() { if on_pgsql; then cp "$TMP/pg-$2/.pgdb" "$1/"; fi; }
# schema_version DIR: the schema version DIR's database records.
schema_version() {
  if on_pgsql; then sql "$1" "select max(version) from portero_schema"; else sql "$1" "pragma user_version"; fi
}

S=$TMP/state
mkdir -p "$S"
db_lines s var
S_DB=$DB_NAME
cat > "$S/portero.conf" <<CONF
[portero]
$DB_LINES
rules=$PORTERO_SRCDIR/filters
templates=$PORTERO_SRCDIR/templates
CONF

begin "init creates the state folder, the database with the default customer, and the key file"
expect_code 0 portero --config "$S/portero.conf" init
pg_mark "$S/var" s
check [ -d "$S/var" ]
on_pgsql || check [ -f "$S/var/portero.db" ]
check [ -f "$S/var/portero.key" ]
expect_eq "$(sql "$S/var" "select name, is_default from customers")" "Unassigned|1"
on_pgsql || expect_eq "$(sql "$S/var" "pragma journal_mode")" "wal"
expect_eq "$(schema_version "$S/var")" "10"

begin "database 0660, key file 0640, state folder 2770"
on_pgsql || expect_eq "$(stat -c %a "$S/var/portero.db")" "660"
expect_eq "$(stat -c %a "$S/var/portero.key")" "640"
expect_eq "$(stat -c %a "$S/var")" "2770"

begin "init a second time keeps the database and the key"
sql "$S/var" "insert into customers(name) values ('Keep me')"
keybefore=$(sha256sum < "$S/var/portero.key")
expect_code 0 portero --config "$S/portero.conf" init
expect_eq "$(sql "$S/var" "select count(*) from customers where name='Keep me'")" "1"
expect_eq "$(sha256sum < "$S/var/portero.key")" "$keybefore"

begin "init --owner gives the state to the delivery user and the technicians' group"
if [ "$(id -u)" -ne 0 ]; then
  skip "needs root to change owners"
else
  O=$TMP/owned
  mkdir -p "$O"
  db_lines o state
  printf '[portero]\n%s\n' "$DB_LINES" > "$O/portero.conf"
  expect_code 0 portero --config "$O/portero.conf" init --owner nobody:nogroup
  pg_mark "$O/state" o
  on_pgsql && chown nobody:nogroup "$O/state/.pgdb"
  if on_pgsql; then
    expect_eq "$(stat -c %U:%G "$O/state" "$O/state/portero.key" | sort -u)" "nobody:nogroup"
  else
    expect_eq "$(stat -c %U:%G "$O/state" "$O/state/portero.db" "$O/state/portero.key" | sort -u)" "nobody:nogroup"
  fi
  # root running a command later leaves no root-owned file behind
  expect_code 0 portero --config "$O/portero.conf" customer add "Acme"
  expect_eq "$(find "$O/state" -user root | wc -l)" "0"
  # the delivery user can deliver
  mail "a@b.example" "as nobody" > "$TMP/m"
  chmod 644 "$TMP/m"
  expect_code 0 setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$DELIVER_BIN" --config "$O/portero.conf" < "$TMP/m"
  expect_eq "$(sql "$O/state" "select count(*) from tickets")" "1"
fi

begin "a read-only database gives 75, and delivery works again once it is fixed"
if sqlite_only "a database file without write permission"; then :
elif [ "$(id -u)" -ne 0 ]; then
  skip "needs root to deliver as another user"
else
  chmod 0440 "$O/state/portero.db"
  rm -f "$O/state/portero.db-wal" "$O/state/portero.db-shm"
  mail "ro@b.example" "read-only" > "$TMP/ro"
  chmod 644 "$TMP/ro"
  expect_code 75 setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$DELIVER_BIN" --config "$O/portero.conf" < "$TMP/ro"
  check grep -q "read-only" "$TMP/last.err"
  # nothing left behind that would keep it failing after the fix
  check [ ! -e "$O/state/portero.db-shm" ]
  chmod 0660 "$O/state/portero.db"
  expect_code 0 setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$DELIVER_BIN" --config "$O/portero.conf" < "$TMP/ro"
fi

begin "init creates missing parent folders that the delivery user can pass through"
P=$TMP/deep
mkdir -p "$P"
printf '[portero]\ndatabase=%s/a/b/state/portero.db\n' "$P" > "$P/portero.conf"
expect_code 0 portero --config "$P/portero.conf" init
expect_eq "$(stat -c %a "$P/a" "$P/a/b" | sort -u)" "755"

begin "init --owner with an unknown user is a user error"
expect_code 1 portero --config "$S/portero.conf" init --owner no-such-user-here
check grep -q "no-such-user-here" "$TMP/last.err"

begin "check validates the configuration, key file and database"
expect_code 0 portero --config "$S/portero.conf" check
if on_pgsql; then
  check grep -qF "$S_DB: ok (postgresql, PostgreSQL " "$TMP/last.out"
else
  check grep -q "portero.db: ok" "$TMP/last.out"
fi

begin "check --show lists every setting with its default"
expect_code 0 portero --config "$S/portero.conf" check --show
check grep -q "^mail.auto-create-contacts = true$" "$TMP/last.out"
check grep -q "^smtp.starttls = if-available$" "$TMP/last.out"
if on_pgsql; then
  check grep -qxF "portero.database = $S_DB" "$TMP/last.out"
else
  check grep -q "^portero.database = $S/var/portero.db$" "$TMP/last.out"
fi

begin "an unknown key is an error naming file, group and key"
printf '[portero]\ndatabase=var/portero.db\n[mail]\nauto-create-contact=true\n' > "$TMP/bad.conf"
expect_code 1 portero --config "$TMP/bad.conf" check
check grep -q "bad.conf: \[mail\] auto-create-contact: unknown key" "$TMP/last.err"

begin "an unknown group is an error"
printf '[smpt]\nhost=x\n' > "$TMP/bad.conf"
expect_code 1 portero --config "$TMP/bad.conf" check
check grep -q "\[smpt\]: unknown group" "$TMP/last.err"

begin "bad values are errors naming the key"
for bad in "mode=msq" "language=fr" "busy-timeout=0" "deadline=ten"; do
  printf '[portero]\n%s\n' "$bad" > "$TMP/bad.conf"
  expect_code 1 portero --config "$TMP/bad.conf" check
  check grep -q "\[portero\] ${bad%%=*}:" "$TMP/last.err"
done
printf '[mail]\nsupport-addresses=ok@example.com;not an address\n' > "$TMP/bad.conf"
expect_code 1 portero --config "$TMP/bad.conf" check
check grep -q "support-addresses: \"not an address\" is not a mail address" "$TMP/last.err"
printf '[credentials]\nargon2-memlimit=1024\n' > "$TMP/bad.conf"
expect_code 1 portero --config "$TMP/bad.conf" check
printf '[mail]\nwelcome-email=maybe\n' > "$TMP/bad.conf"
expect_code 1 portero --config "$TMP/bad.conf" check

begin "values may carry white space around them"
if on_pgsql; then ws_db="$S_DB   \nkey-file= var/portero.key "; else ws_db='var/portero.db   '; fi
printf "[portero]\ndatabase=$ws_db\nbusy-timeout= 30 \ntemplates= %s \n[mail]\nwelcome-email=true \n" "$PORTERO_SRCDIR/templates" > "$TMP/ws.conf"
cp -r "$S/var" "$TMP/var"
expect_code 0 portero --config "$TMP/ws.conf" check --show
if on_pgsql; then
  check grep -qxF "portero.database = $S_DB" "$TMP/last.out"
else
  check grep -q "^portero.database = $TMP/var/portero.db$" "$TMP/last.out"
fi

begin "a missing configuration file is reported"
expect_code 1 portero --config "$TMP/none.conf" check
check grep -q "none.conf" "$TMP/last.err"

begin "a database newer than this program is refused clearly"
cp -r "$S" "$TMP/newer"
if on_pgsql; then
  sql "$TMP/newer/var" "update portero_schema set version = 99"
else
  sql "$TMP/newer/var" "pragma user_version=99"
fi
expect_code 1 portero --config "$TMP/newer/portero.conf" ticket list
check grep -q "newer than this portero" "$TMP/last.err"
mail "x@y.example" "newer" | expect_code 75 deliver --config "$TMP/newer/portero.conf"

begin "a database without schema is an uninitialised one"
mkdir -p "$TMP/empty/var"
printf '[portero]\ndatabase=var/portero.db\n' > "$TMP/empty/portero.conf"
sqlite3 "$TMP/empty/var/portero.db" "create table x(y)"
cp "$S/var/portero.key" "$TMP/empty/var/"
mail "x@y.example" "uninit" | expect_code 75 deliver --config "$TMP/empty/portero.conf"
check grep -q "portero init" "$TMP/last.err"

test_done
