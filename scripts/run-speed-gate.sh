#!/usr/bin/env bash
# The speed gate (docs/benchmarks.md, "The speed gate"): counts the
# instructions of fixed workloads under callgrind, through the parent VFS
# ("unix") and through walsafe in the same run, and fails when walsafe costs
# more than its bound over the parent:
#   steady-wal     figure 1's steady work (scale 2), WAL mode          +1%
#   steady-delete  the same in DELETE (rollback journal) mode          +1%
#   churn          500 x (open, insert one row, close), WAL            +3%
# Churn has its own bound: walsafe does real work per open and close (the
# registry entry, the last-close cleanup), about 2.2% of the parent's
# cycle; the bound is that plus under one point.
# Instruction counts do not move with the machine's load: the same build
# counts the same on every run.
#
# Usage: scripts/run-speed-gate.sh [BUILD_DIR]
#   BUILD_DIR (default <repo>/build-ci/speed-gate): walsafe_bench is
#   configured there (Release, system SQLite) and built.
# Prints one line per workload, then "speed-gate: N passed, N failed"; exits
# non-zero when one fails. Needs cmake, a C compiler and valgrind. About 40
# seconds on 2 cores, plus the first build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath -m "${1:-$root/build-ci/speed-gate}")

# name, measured function, bench command (VFS is inserted after it), scale,
# bound (percent of extra instructions allowed over the parent).
workloads=(
  "steady-wal bench_steady_workload instr-steady:WAL 2 1"
  "steady-delete bench_steady_workload instr-steady:DELETE 2 1"
  "churn bench_churn_loop instr-churn 0.25 3"
)

command -v valgrind >/dev/null || { echo "speed-gate: valgrind is not installed"; echo "speed-gate: 0 passed, 1 failed"; exit 1; }

echo "speed-gate: building walsafe_bench in $build"
mkdir -p "$build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DWALSAFE_SQLITE_AMALGAMATION= \
  -DWALSAFE_BUILD_TESTS=OFF -DWALSAFE_BUILD_BENCH=ON >"$build.configure.log" 2>&1 ||
  { cat "$build.configure.log"; echo "speed-gate: 0 passed, 1 failed"; exit 1; }
cmake --build "$build" -j2 --target walsafe_bench >"$build.build.log" 2>&1 ||
  { tail -50 "$build.build.log"; echo "speed-gate: 0 passed, 1 failed"; exit 1; }
bench="$build/bench/walsafe_bench"
echo "speed-gate: $("$bench" info)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The databases go under /tmp whatever TMPDIR says: walsafe's work per open
# grows with the length of the path (its registry key, the side-file names),
# so the counts, churn's above all, depend on where the files are.
export TMPDIR=/tmp

# count FUNCTION SCALE COMMAND VFS [ARGS...]: instructions in FUNCTION
# (inclusive), or nothing when the run failed (its log is printed).
count() {
  local fn=$1 scale=$2 cmd=$3 vfs=$4 out="$work/callgrind.out" log="$work/run.log"
  shift 4
  rm -f "$out"
  if ! valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect="$fn" \
    "$bench" --scale "$scale" "$cmd" "$vfs" "$@" >"$log" 2>&1; then
    tail -20 "$log" >&2
    return 0
  fi
  awk '/^summary:/ {print $2}' "$out"
}

passed=0
failed=0
for w in "${workloads[@]}"; do
  read -r name fn cmd scale bound <<<"$w"
  IFS=: read -r -a args <<<"$cmd"
  p=$(count "$fn" "$scale" "${args[0]}" unix "${args[@]:1}")
  s=$(count "$fn" "$scale" "${args[0]}" walsafe "${args[@]:1}")
  if [[ -z "$p" || -z "$s" ]]; then
    printf '%-14s parent %s  walsafe %s  bound +%s%%  FAIL (run failed)\n' "$name" "${p:-?}" "${s:-?}" "$bound"
    failed=$((failed + 1))
    continue
  fi
  if awk -v p="$p" -v s="$s" -v b="$bound" -v n="$name" 'BEGIN {
      extra = (s / p - 1) * 100; ok = extra <= b
      printf "%-14s parent %11.0f  walsafe %11.0f  ratio %.4f (%+.2f%%)  bound +%.2f%%  %s\n",
        n, p, s, s / p, extra, b, ok ? "ok" : "FAIL"
      exit !ok }'; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
  fi
done
echo "speed-gate: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
