#!/usr/bin/env bash
# test_preload_sqlite3_shell.sh PRELOAD
# The unmodified sqlite3 shell (/usr/bin/sqlite3) under LD_PRELOAD=PRELOAD
# (libwalsafe_preload.so): no .load, yet walsafe is its VFS, the SQL
# functions are there, its own sqlite3_config() calls still work, and the
# read-only last closer leaves nothing. WALSAFE_DISABLE=1 turns it off.
# Exit 77 (ctest: skipped) only without the shell.
set -uo pipefail
preload=$1
here=$(cd "$(dirname "$0")" && pwd)
shell=/usr/bin/sqlite3
[ -x "$shell" ] || { echo "SKIP: $shell is not installed (Debian: apt-get install sqlite3)"; exit 77; }
# shellcheck source=SCRIPTDIR/assert.sh
. "$here/assert.sh"
work=$(mktemp -d /tmp/walsafe-preload-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
unset WALSAFE_DISABLE WALSAFE_RETRY_MS
echo "$shell $($shell -version | cut -d' ' -f1) under LD_PRELOAD=$preload, in $work"

# 1. walsafe is the default VFS, with its pragma and SQL functions.
out=$(LD_PRELOAD=$preload WALSAFE_RETRY_MS=250 $shell -bail status.db 2>"$work/stderr" <<SQL
CREATE TABLE t(x);
.vfsname
SELECT walsafe_handle_count('status.db');
PRAGMA walsafe_status;
SQL
)
expect_eq "the unmodified shell's VFS is walsafe (.vfsname)" "walsafe/unix" "$(sed -n 1p <<<"$out")"
expect_eq "walsafe_handle_count answers in the unmodified shell" "1" "$(sed -n 2p <<<"$out")"
expect_contains "PRAGMA walsafe_status answers, naming the database" "database=$work/status.db" "$out"
expect_contains "WALSAFE_RETRY_MS=250 set the retry budget" "retry_ms=250" "$out"
# Registering at the first open, not in a constructor, leaves the shell's
# own sqlite3_config() calls (log, threading) working.
expect_not_contains "the shell's sqlite3_config() calls were not refused" \
  "attempt to configure SQLite after initialization" "$(cat "$work/stderr")"
expect_eq "nothing on stderr" "" "$(cat "$work/stderr")"

# 2. The read-only last closer leaves nothing under the preload.
mkdir on off
(cd on && LD_PRELOAD=$preload $shell -bail <"$here/read_only_last_closer.sql" >/dev/null 2>&1)
expect_eq "under LD_PRELOAD the read-only last closer leaves only the database" "db" "$(files_left on/app.db)"
expect_eq "and the writer's second row is in it" "2" "$($shell -readonly on/app.db 'SELECT count(*) FROM t')"

# 3. WALSAFE_DISABLE=1: the shell is on its usual VFS, and the problem shows.
out=$(cd off && LD_PRELOAD=$preload WALSAFE_DISABLE=1 $shell -bail app.db 'SELECT 1' '.vfsname' 2>&1 | tail -n 1)
expect_eq "WALSAFE_DISABLE=1 leaves the shell on the unix VFS" "unix" "$out"
(cd off && rm -f app.db && LD_PRELOAD=$preload WALSAFE_DISABLE=1 $shell -bail <"$here/read_only_last_closer.sql" >/dev/null 2>&1)
expect_eq "WALSAFE_DISABLE=1: the read-only last closer leaves -wal and -shm" "db -wal -shm" "$(files_left off/app.db)"

finish
