#!/usr/bin/env bash
# run_node_tests.sh EXTENSION CACHE_DIR
# Installs better-sqlite3@12 into CACHE_DIR (once; it builds from source,
# since its prebuilt-binary download cannot be reached) and runs
# better_sqlite3.test.cjs with node's test runner. Exit 77 (ctest: skipped)
# only when node or npm is not installed.
set -euo pipefail
extension=$1
cache=$2
here=$(cd "$(dirname "$0")" && pwd)

command -v node >/dev/null || { echo "SKIP: node is not installed (Debian: apt-get install nodejs npm)"; exit 77; }
command -v npm >/dev/null || { echo "SKIP: npm is not installed (Debian: apt-get install npm)"; exit 77; }

addon="$cache/node_modules/better-sqlite3/build/Release/better_sqlite3.node"
if [ ! -f "$addon" ]; then
  mkdir -p "$cache"
  [ -f "$cache/package.json" ] || echo '{ "private": true }' >"$cache/package.json"
  # node-gyp needs the headers of the running node; point it at the ones
  # installed beside it (Debian's and NodeSource's nodejs ship them in
  # <prefix>/include/node), so it never tries to download them.
  prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
  if [ -f "$prefix/include/node/node.h" ]; then export npm_config_nodedir="$prefix"; fi
  echo "installing better-sqlite3@12 into $cache (node $(node --version), nodedir ${npm_config_nodedir:-default})"
  if ! (cd "$cache" && npm install --no-audit --no-fund --loglevel=error better-sqlite3@12 >install.log 2>&1); then
    tail -40 "$cache/install.log"
    echo "FAIL: npm install better-sqlite3@12 failed (log: $cache/install.log)"
    exit 1
  fi
  [ -f "$addon" ] || { tail -40 "$cache/install.log"; echo "FAIL: no $addon after npm install"; exit 1; }
fi

export WALSAFE_EXTENSION="$extension" WALSAFE_NODE_MODULES="$cache/node_modules"
echo "node $(node --version), better-sqlite3 $(node -p "require('$cache/node_modules/better-sqlite3/package.json').version"), SQLite $(node -p "new (require('$cache/node_modules/better-sqlite3'))(':memory:').prepare('select sqlite_version()').pluck().get()")"
cd "$here"
exec node --test better_sqlite3.test.cjs
