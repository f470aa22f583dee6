#!/usr/bin/env bash
# temp-name-race.sh: shows why scripts/run-sqlite-tcl.sh gives every test
# process its own SQLITE_TMPDIR. Runs walbak.test with the stock testfixture
# (A) and the walsafe one (B) at the same moment, with temp-name-race.c
# preloaded to force the interleaving in which both pick the same temp-file
# name: first with one shared temp directory (B fails walbak-2.5 with "disk
# I/O error", whichever build is B), then with one directory each (both
# pass). Exit 0 when both happen. Needs the testfixtures of a previous
# scripts/run-sqlite-tcl.sh run; run as root (tests run as nobody).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
deps="$root/.deps/sqlite-tcl"
[[ -x $deps/build/testfixture-walsafe ]] || { echo "run scripts/run-sqlite-tcl.sh first" >&2; exit 2; }
w=$(mktemp -d /tmp/walsafe-temp-race.XXXXXX)
trap 'rm -rf "$w"' EXIT
gcc -shared -fPIC -O2 -o "$w/race.so" "$root/tests/sqlite-tcl/temp-name-race.c" -ldl
cp "$deps/build/testfixture-stock" "$deps/build/testfixture-walsafe" "$w/"
cp -r "$deps/src/test" "$w/test"
chmod -R a+rX "$w"

# run SHARED|OWN: prints the failed cases of A and of B
run() {
  local v tf
  rm -rf "$w/run" && mkdir -p "$w/run/A" "$w/run/B" "$w/run/A.tmp" "$w/run/B.tmp" "$w/run/shared.tmp"
  chmod -R 0777 "$w/run"
  for v in A B; do
    if [[ $v == A ]]; then tf=stock; else tf=walsafe; fi
    local tmp="$w/run/shared.tmp"
    [[ $1 == OWN ]] && tmp="$w/run/$v.tmp"
    (cd "$w/run/$v" && runuser -u nobody -- env SQLITE_TMPDIR="$tmp" WB_DIR="$w/run" WB_ROLE=$v \
      LD_PRELOAD="$w/race.so" "$w/testfixture-$tf" "$w/test/walbak.test" >out.log 2>&1 </dev/null) &
  done
  wait || true
  for v in A B; do
    echo "$v: $(grep -h '^!Failures' "$w/run/$v/out.log" || grep -h 'errors out of' "$w/run/$v/out.log")"
  done
}
shared=$(run SHARED)
own=$(run OWN)
echo "one shared temp directory:"; echo "$shared"
echo "a temp directory each:"; echo "$own"
if grep -q '^B: !Failures.*walbak-2.5' <<<"$shared" && ! grep -q Failures <<<"$own"; then
  echo "temp-name-race: reproduced with a shared temp directory, gone with one each"
else
  echo "temp-name-race: NOT as expected"; exit 1
fi
