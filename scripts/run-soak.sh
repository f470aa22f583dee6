#!/usr/bin/env bash
# The crash soak, for as long as you like (docs/soak.md): builds walsafe_soak
# if needed (in build-soak/), runs it through walsafe and then the very same
# workload on the plain unix VFS (the control), prints both and the figures
# side by side. Exit status: the walsafe run's (0: nothing lost, every
# integrity check passed).
# Usage: scripts/run-soak.sh [seconds] [walsafe_soak options...]
#   seconds defaults to 1800 (30 min per run, about an hour in all);
#   options go to both runs, e.g. --faults all --open-any-mode --workers 6.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
seconds=${1:-1800}
[ $# -gt 0 ] && shift
build=${SOAK_BUILD_DIR:-$root/build-soak}

"$root/scripts/install-deps.sh" >/dev/null
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DWALSAFE_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$build" -j2 --target walsafe_soak >/dev/null
soak="$build/tests/soak/walsafe_soak"

# Both runs get the same seed (the schedule still differs: it follows time).
args=("$@")
case " $* " in *" --seed "*) ;; *) args+=(--seed "$(date +%s)") ;; esac

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0
echo "=== walsafe run (${seconds} s)"
"$soak" --mode walsafe --seconds "$seconds" "${args[@]}" | tee "$out/walsafe" || status=$?
echo
echo "=== control run: the same workload on the plain unix VFS (${seconds} s)"
"$soak" --mode control --seconds "$seconds" "${args[@]}" | tee "$out/control" || true
echo
echo "=== side by side"
awk '
  FNR == 1 { run++ }
  /^soak-figures / {
    for (i = 2; i <= NF; i++) { split($i, kv, "="); v[run, kv[1]] = kv[2]; if (run == 1) keys[++n] = kv[1] }
  }
  END {
    printf "%-24s %12s %12s\n", "", "walsafe", "control"
    for (i = 2; i <= n; i++) printf "%-24s %12s %12s\n", keys[i], v[1, keys[i]], v[2, keys[i]]
  }' "$out/walsafe" "$out/control"
grep -E "^soak: [0-9]+ passed" "$out/walsafe" || true
exit "$status"
