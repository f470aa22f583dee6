#!/usr/bin/env bash
# run-fuzz.sh [SECONDS_PER_TARGET]
#
# Builds walsafe's libFuzzer targets (fuzz/*.c, clang with ASan + UBSan)
# against the pinned SQLite 3.53.2 amalgamation and the sources in vfs/, runs
# each one for SECONDS_PER_TARGET (default 45) on a copy of its committed
# seed corpus, and prints per target the runs executed, the coverage and any
# finding (crash, leak, timeout, out-of-memory). Last line:
#   fuzz: N passed, N failed
# Exit status non-zero on any finding or build failure.
#
# Environment:
#   FUZZ_TARGETS="fuzz_uri ..."  only these targets (default: every fuzz/fuzz_*.c)
#   FUZZ_TIMEOUT=S               per-input timeout in seconds (default 60: an input
#                                takes milliseconds, but a loaded CI disk can stall)
#   FUZZ_TMP=DIR                 where the scratch directories go (default /dev/shm
#                                when writable, so no disk stalls; else $TMPDIR or /tmp)
#   FUZZ_RSS_MB=N                memory limit in MB (default 2048)
#   FUZZ_ARGS="..."              extra libFuzzer flags for every target
#   FUZZ_CFLAGS="..."            extra compiler flags for the targets and vfs/
#                                (e.g. -DFZ_LENIENT_FOREIGN, see docs/fuzzing.md)
#   FUZZ_CORPUS_OUT=DIR          keep each target's grown corpus in DIR/<target>
#                                (default: a temporary copy, thrown away)
#   CLANG=clang-NN               the compiler (default: clang)
# Build output: build-fuzz/ (binaries, logs/, artifacts/<target>/ for findings).
# docs/fuzzing.md says how to run longer and how to reproduce a finding.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
secs=${1:-45}
case "$secs" in '' | *[!0-9]*) echo "usage: $0 [seconds-per-target]" >&2; exit 2 ;; esac
timeout_s=${FUZZ_TIMEOUT:-60}
rss_mb=${FUZZ_RSS_MB:-2048}
cc=${CLANG:-clang}
amal="$root/.deps/sqlite-3.53.2"
build="$root/build-fuzz"

if [ -n "${FUZZ_TARGETS:-}" ]; then
  read -r -a targets <<<"$FUZZ_TARGETS"
else
  targets=()
  for f in "$root"/fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
fi

command -v "$cc" >/dev/null || { echo "run-fuzz: $cc not found (scripts/install-deps.sh)" >&2; exit 2; }
"$root/scripts/fetch-sqlite.sh" "$amal" || exit 2
mkdir -p "$build/logs" "$build/artifacts"
# libFuzzer and the sanitizer runtimes are a separate package on Debian
# (libclang-rt-14-dev, only recommended by clang).
probe="$build/probe"
printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { return (int)(d && n) * 0; }\n' >"$probe.c"
if ! "$cc" -fsanitize=fuzzer,address,undefined "$probe.c" -o "$probe" 2>"$build/logs/probe.log"; then
  cat "$build/logs/probe.log" >&2
  echo "run-fuzz: $cc cannot build a libFuzzer target (Debian: apt-get install libclang-rt-14-dev)" >&2
  echo "fuzz: 0 passed, ${#targets[@]} failed"
  exit 1
fi

san=("-fsanitize=address,undefined" -fno-sanitize-recover=all -fno-omit-frame-pointer)
# SQLITE_NO_SYNC: no fsync, so the runs measure walsafe, not the disk.
# SQLITE_DEBUG: SQLite's own assert()s check how walsafe calls it.
sqlite_defs=(-DSQLITE_THREADSAFE=1 -DSQLITE_NO_SYNC=1 -DSQLITE_DEBUG=1)

# SQLite is compiled once and reused while its source and flags stay the
# same: with ASan (its UBSan build would take 2.5 times as long, ~9 min on a
# loaded 2-core machine, and UBSan is for walsafe's code) and without
# coverage (the fuzzer steers by walsafe's and the target's edges).
sqlite_obj="$build/sqlite3.o"
sqlite_cmd=("$cc" -c -g -O1 -w -fsanitize=address -fno-omit-frame-pointer "${sqlite_defs[@]}" -I"$amal"
  "$amal/sqlite3.c" -o "$sqlite_obj")
if [ ! -f "$sqlite_obj" ] || [ "$amal/sqlite3.c" -nt "$sqlite_obj" ] ||
  [ "$(cat "$build/sqlite3.cmd" 2>/dev/null)" != "${sqlite_cmd[*]}" ]; then
  echo "run-fuzz: compiling SQLite 3.53.2 with ASan (once; 2-4 min)"
  if ! "${sqlite_cmd[@]}" 2>"$build/logs/sqlite3.build.log"; then
    cat "$build/logs/sqlite3.build.log" >&2
    echo "fuzz: 0 passed, ${#targets[@]} failed"
    exit 1
  fi
  echo "${sqlite_cmd[*]}" >"$build/sqlite3.cmd"
fi

tmp_base=${FUZZ_TMP:-}
if [ -z "$tmp_base" ]; then
  tmp_base=${TMPDIR:-/tmp}
  [ -d /dev/shm ] && [ -w /dev/shm ] && tmp_base=/dev/shm
fi
work=$(mktemp -d "$tmp_base/walsafe-fuzz-run.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
for t in "${targets[@]}"; do
  src="$root/fuzz/$t.c"
  bin="$build/$t"
  log="$build/logs/$t.log"
  # shellcheck disable=SC2086 # FUZZ_CFLAGS is a list of flags
  if ! "$cc" -g -O1 -Wall -Wextra "${san[@]}" -fsanitize=fuzzer "${sqlite_defs[@]}" ${FUZZ_CFLAGS:-} \
    -I"$root/include" -I"$root/vfs" -I"$amal" "$src" "$root"/vfs/*.c "$sqlite_obj" \
    -lpthread -ldl -lm -o "$bin" 2>"$build/logs/$t.build.log"; then
    cat "$build/logs/$t.build.log" >&2
    echo "$t: FAIL (build, see above)"
    failed=$((failed + 1))
    continue
  fi

  corpus="$work/$t/corpus"
  if [ -n "${FUZZ_CORPUS_OUT:-}" ]; then corpus="$FUZZ_CORPUS_OUT/$t"; fi
  mkdir -p "$corpus" "$work/$t/tmp"
  cp -n "$root/fuzz/corpus/$t"/* "$corpus"/ 2>/dev/null || true
  artifacts="$build/artifacts/$t"
  rm -rf "$artifacts"
  mkdir -p "$artifacts"
  dict=()
  [ -f "$root/fuzz/$t.dict" ] && dict=(-dict="$root/fuzz/$t.dict")
  start=$SECONDS
  # shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
  TMPDIR="$work/$t/tmp" ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" \
    UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
    "$bin" -max_total_time="$secs" -timeout="$timeout_s" -rss_limit_mb="$rss_mb" -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "${dict[@]}" ${FUZZ_ARGS:-} "$corpus" >"$log" 2>&1
  rc=$?
  elapsed=$((SECONDS - start))

  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -aE '^#[0-9]+.*cov: ' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$last")
  findings=()
  for a in "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*; do
    [ -e "$a" ] && findings+=("$a")
  done
  summary="execs=${execs:-?} (${rate:-?}/s) cov=${cov:-?} ft=${ft:-?} corpus=${corp:-?} time=${elapsed}s findings=${#findings[@]}"
  if [ "$rc" -eq 0 ] && [ ${#findings[@]} -eq 0 ] && [ -n "$execs" ]; then
    echo "$t: PASS $summary"
    passed=$((passed + 1))
  else
    echo "$t: FAIL $summary exit=$rc"
    grep -aE 'FINDING|Assertion|ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error|SUMMARY' "$log" |
      head -20 | sed 's/^/  /'
    grep -aE '^ +#[0-9]+ 0x' "$log" | head -25 | sed 's/^/  /'
    for a in "${findings[@]}"; do
      echo "  artifact: $a"
      echo "  reproduce: $bin $a"
    done
    echo "  full log: $log"
    failed=$((failed + 1))
  fi
done

echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
