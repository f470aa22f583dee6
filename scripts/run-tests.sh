#!/usr/bin/env bash
# Runs every walsafe test, in every build it must pass in:
#   system       the Linux suites, clients and consumer against Debian's SQLite 3.40.1
#   amalgamation the Linux suites against the pinned SQLite 3.53.2
#   asan         the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   tsan         the same under ThreadSanitizer (clang)
#   valgrind     the Linux suites under valgrind memcheck
#   windows      the Windows suite, cross-built with mingw-w64, run under Wine
# Usage: scripts/run-tests.sh [variant...]   (default: all of them)
# Installs what it needs first (scripts/install-deps.sh skips what is there).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/install-deps.sh
amalgamation="$root/.deps/sqlite-3.53.2"
scripts/fetch-sqlite.sh "$amalgamation"

variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(system amalgamation asan tsan valgrind windows)

passed=0
failed=0
failed_variants=()

# run_variant NAME CTEST_ARGS -- CMAKE_ARGS...
run_variant() {
  local name=$1 ctest_args=$2
  shift 3
  local dir="$root/build-ci/$name" log
  echo "=== $name: configure and build"
  cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DWALSAFE_BUILD_BENCH=OFF "$@" >"$dir.configure.log" 2>&1 ||
    { cat "$dir.configure.log"; failed=$((failed + 1)); failed_variants+=("$name(configure)"); return; }
  if ! cmake --build "$dir" -j2 >"$dir.build.log" 2>&1; then
    tail -50 "$dir.build.log"
    failed=$((failed + 1))
    failed_variants+=("$name(build)")
    return
  fi
  echo "=== $name: test"
  log="$dir.ctest.log"
  # shellcheck disable=SC2086 # ctest_args is a list of words
  ctest --test-dir "$dir" --output-on-failure -j2 $ctest_args 2>&1 | tee "$log" || true
  local p f
  p=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* +Passed' "$log" || true)
  f=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* \*\*\*|\(Failed\)|\(Timeout\)|Not Run' "$log" || true)
  passed=$((passed + p))
  failed=$((failed + f))
  [ "$f" -eq 0 ] && [ "$p" -gt 0 ] || failed_variants+=("$name")
}

mkdir -p "$root/build-ci"
for v in "${variants[@]}"; do
  case "$v" in
    system) run_variant system "" -- -DWALSAFE_BUILD_BENCH=ON ;;
    amalgamation) run_variant amalgamation "-L linux" -- -DWALSAFE_SQLITE_AMALGAMATION="$amalgamation" ;;
    asan) run_variant asan "-L linux" -- -DWALSAFE_SQLITE_AMALGAMATION="$amalgamation" \
      -DWALSAFE_SANITIZE=address,undefined ;;
    tsan) run_variant tsan "-L linux" -- -DCMAKE_C_COMPILER=clang -DWALSAFE_SQLITE_AMALGAMATION="$amalgamation" \
      -DWALSAFE_SANITIZE=thread ;;
    valgrind) run_variant valgrind "-L linux" -- -DWALSAFE_VALGRIND=ON ;;
    windows)
      scripts/build-check-mingw.sh "$root/.deps/mingw-check"
      # Cross-built with mingw-w64, run by ctest under Wine (scripts/wine-run.sh).
      run_variant windows "-L windows" -- --toolchain "$root/cmake/mingw-w64-x86_64.cmake" \
        -DWALSAFE_SQLITE_AMALGAMATION="$amalgamation" -DMINGW_CHECK_PREFIX="$root/.deps/mingw-check"
      ;;
    *) echo "unknown variant $v" >&2; exit 2 ;;
  esac
done

echo
if [ ${#failed_variants[@]} -gt 0 ]; then echo "failing variants: ${failed_variants[*]}"; fi
echo "walsafe: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ ${#failed_variants[@]} -eq 0 ]
