#!/usr/bin/env bash
# test_sqlite3_shell.sh EXTENSION
# The sqlite3 shell (/usr/bin/sqlite3, the system libsqlite3) with the
# walsafe extension: .load, .open with ?vfs=walsafe and with a plain path,
# PRAGMA walsafe_status and the SQL functions from a script, and the
# read-only last closer. Exit 77 (ctest: skipped) only without the shell.
set -uo pipefail
extension=$1
here=$(cd "$(dirname "$0")" && pwd)
shell=/usr/bin/sqlite3
[ -x "$shell" ] || { echo "SKIP: $shell is not installed (Debian: apt-get install sqlite3)"; exit 77; }
# shellcheck source=SCRIPTDIR/assert.sh
. "$here/assert.sh"
work=$(mktemp -d /tmp/walsafe-shell-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
echo "$shell $($shell -version | cut -d' ' -f1), extension $extension, in $work"

# 1. .load, then a URI that names the VFS.
out=$($shell -bail :memory: 2>&1 <<SQL
.load $extension
.open 'file:uri.db?vfs=walsafe'
CREATE TABLE t(x);
SELECT walsafe_handle_count('uri.db');
PRAGMA walsafe_status;
SQL
)
expect_eq "uri: walsafe_handle_count is 1 with the database open" "1" "$(sed -n 1p <<<"$out")"
expect_eq "uri: PRAGMA walsafe_status names walsafe over unix" "vfs=walsafe/unix" "$(sed -n 2p <<<"$out")"
expect_eq "uri: PRAGMA walsafe_status names the database" "database=$work/uri.db" "$(sed -n 3p <<<"$out")"

# 2. .load, then a plain path: walsafe is the default VFS.
out=$($shell -bail :memory: 2>&1 <<SQL
.load $extension
.open default.db
CREATE TABLE t(x);
.vfsname
PRAGMA walsafe_status;
SQL
)
expect_eq ".open with a plain path goes through walsafe (.vfsname)" "walsafe/unix" "$(sed -n 1p <<<"$out")"
expect_contains ".open with a plain path: walsafe_status counts its handle" "handles=1 main=1" "$out"

# 3. The SQL functions from a script: delete refused while a connection is
# open, with the path and the handles; done once it is closed.
out=$($shell :memory: 2>&1 <<SQL
.load $extension
.open del.db
PRAGMA journal_mode=WAL;
CREATE TABLE t(x);
INSERT INTO t VALUES (1);
.connection 1
SELECT walsafe_delete_database('del.db', 100);
.connection 0
.open :memory:
.connection 1
SELECT walsafe_delete_database('del.db');
SQL
)
expect_contains "walsafe_delete_database with a connection open is refused, naming the database and its handles" \
  "nothing deleted: $work/del.db: 2 handle(s) open in this process (main=1 wal=1 journal=0 shm=1)" "$out"
expect_eq "walsafe_delete_database after the close returns 1 (last line)" "1" "$(tail -n 1 <<<"$out")"
expect_eq "walsafe_delete_database removed the database and its side files" "" "$(files_left del.db)"

# 4. The read-only last closer, without walsafe and with it.
mkdir plain walsafe
(cd plain && $shell -bail <"$here/read_only_last_closer.sql" >/dev/null 2>&1)
expect_eq "without walsafe the read-only last closer leaves -wal and -shm" "db -wal -shm" "$(files_left plain/app.db)"
(cd walsafe && { echo ".load $extension"; cat "$here/read_only_last_closer.sql"; } | $shell -bail >/dev/null 2>&1)
expect_eq "with .load walsafe the read-only last closer leaves only the database" "db" "$(files_left walsafe/app.db)"
expect_eq "and the writer's second row is in it" "2" "$($shell -readonly walsafe/app.db 'SELECT count(*) FROM t')"

finish
