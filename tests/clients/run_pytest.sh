#!/usr/bin/env bash
# run_pytest.sh PYTHON TEST_DIR
# Runs the Python client tests with PYTHON's own pytest and sqlite3 module.
# Exit 77 (ctest: skipped) only when PYTHON is not installed, its sqlite3
# module cannot load extensions, or it has no pytest: each says which.
set -euo pipefail
python=$1
tests=$2
[ -x "$python" ] || { echo "SKIP: $python is not installed (Debian: apt-get install python3)"; exit 77; }
if ! "$python" -c 'import sqlite3, sys; sys.exit(0 if hasattr(sqlite3.Connection, "enable_load_extension") else 1)'; then
  echo "SKIP: the sqlite3 module of $python ($("$python" -VV | head -n 1)) was built without loadable-extension" \
    "support (no Connection.enable_load_extension; CPython needs --enable-loadable-sqlite-extensions)." \
    "Use Debian's /usr/bin/python3, or the LD_PRELOAD library."
  exit 77
fi
"$python" -c 'import pytest' 2>/dev/null ||
  { echo "SKIP: $python has no pytest (Debian: apt-get install python3-pytest)"; exit 77; }
echo "$python: $("$python" -VV | head -n 1), SQLite $("$python" -c 'import sqlite3; print(sqlite3.sqlite_version)'), pytest $("$python" -m pytest --version 2>&1 | cut -d' ' -f2)"
exec "$python" -m pytest -v "$tests"
