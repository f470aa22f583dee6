#!/usr/bin/env bash
# Builds tests/extra_init/app.c with the compile line README.md documents for
# SQLITE_EXTRA_INIT, against the SQLite amalgamation in $1, and runs it.
set -euo pipefail
sqlite_dir=$1
work=$2
root=$(cd "$(dirname "$0")/../.." && pwd)
[ -f "$sqlite_dir/sqlite3.c" ] || { echo "no sqlite3.c in $sqlite_dir: run scripts/fetch-sqlite.sh" >&2; exit 1; }
mkdir -p "$work"
cd "$root"
# The line below is the one in README.md ("Compiled into your own SQLite").
cc -O1 -DSQLITE_EXTRA_INIT=walsafe_extra_init -Iinclude -I"$sqlite_dir" tests/extra_init/app.c "$sqlite_dir/sqlite3.c" vfs/*.c -lpthread -ldl -lm -o "$work/app"
"$work/app"
