#!/usr/bin/env bash
# Runs every walsafe test, in every build it must pass in:
#   lint         clang-format and cppcheck over every C file (first, so a
#                failure shows in seconds; scripts/run-lint.sh)
#   system       the Linux suites, clients and consumer against Debian's SQLite 3.40.1
#   amalgamation the Linux suites against the pinned SQLite 3.53.2
#   asan         the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   tsan         the same under ThreadSanitizer (clang)
#   valgrind     the Linux suites under valgrind memcheck
#   windows      the Windows suite, cross-built with mingw-w64, run under Wine
#   fuzz         the libFuzzer targets of fuzz/, a bounded time each
#                (scripts/run-fuzz.sh; longer: docs/fuzzing.md)
#   sqlite-tcl   SQLite's own TCL tests, stock and with walsafe compiled in
#                (scripts/run-sqlite-tcl.sh; wider: docs/sqlite-tests.md)
#   python-package  the Python wheels (Linux, Windows) built offline, installed
#                in a fresh venv: API, pytest plugin, start-up hook, guards,
#                the Windows wheel's DLL under Wine
#                (scripts/run-python-package-tests.sh; docs/python.md)
#   npm          the npm packages packed and installed offline, with
#                better-sqlite3 (node 20) and node:sqlite (node 22)
#                (scripts/run-npm-tests.sh; docs/node.md)
#   node-wine    the official Windows node.exe 22 under Wine loading the
#                walsafe-win32-x64 package, against a plain-VFS control
#                (scripts/run-node-wine-tests.sh)
#   mutation     the mutation check of the safety-critical code
#                (scripts/mutation-check.sh; docs/mutation.md)
#   speed-gate   instructions through walsafe against the parent under
#                callgrind, steady work (WAL, DELETE) and connection churn
#                (scripts/run-speed-gate.sh; docs/benchmarks.md)
# The system variant also runs the one-minute crash soak (ctest label
# "soak"; the long one: scripts/run-soak.sh, docs/soak.md).
# Usage: scripts/run-tests.sh [variant...]   (default: all of them)
# Installs what it needs first (scripts/install-deps.sh skips what is there).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

scripts/install-deps.sh
amalgamation="$root/.deps/sqlite-3.53.2"
scripts/fetch-sqlite.sh "$amalgamation"

variants=("$@")
[ ${#variants[@]} -gt 0 ] || variants=(lint system amalgamation asan tsan valgrind windows python-package npm node-wine fuzz sqlite-tcl mutation speed-gate)

passed=0
failed=0
failed_variants=()

# run_variant NAME: configure, build and test with the CMake presets NAME
# (CMakePresets.json: the cache variables, build-ci/NAME, and the test
# preset's ctest label filter: none for system, "linux" or "windows").
run_variant() {
  local name=$1
  local dir="$root/build-ci/$name" log
  echo "=== $name: configure and build"
  cmake --preset "$name" >"$dir.configure.log" 2>&1 ||
    { cat "$dir.configure.log"; failed=$((failed + 1)); failed_variants+=("$name(configure)"); return; }
  if ! cmake --build --preset "$name" >"$dir.build.log" 2>&1; then
    tail -50 "$dir.build.log"
    failed=$((failed + 1))
    failed_variants+=("$name(build)")
    return
  fi
  echo "=== $name: test"
  log="$dir.ctest.log"
  ctest --preset "$name" 2>&1 | tee "$log" || true
  local p f
  p=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* +Passed' "$log" || true)
  f=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* \*\*\*|\(Failed\)|\(Timeout\)|Not Run' "$log" || true)
  passed=$((passed + p))
  failed=$((failed + f))
  [ "$f" -eq 0 ] && [ "$p" -gt 0 ] || failed_variants+=("$name")
}

# run_script NAME COMMAND...: a check whose last summary line is
# "NAME: N passed, N failed".
run_script() {
  local name=$1 log="$root/build-ci/$1.log" line p f rc=0
  shift
  echo "=== $name"
  "$@" >"$log" 2>&1 || rc=$?
  tail -150 "$log"
  line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed" "$log" | tail -1 || true)
  p=$(echo "$line" | sed -nE 's/.*: ([0-9]+) passed.*/\1/p')
  f=$(echo "$line" | sed -nE 's/.* ([0-9]+) failed.*/\1/p')
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  if [ "$rc" -ne 0 ] || [ -z "$line" ] || [ "${f:-1}" -ne 0 ]; then
    failed_variants+=("$name")
    [ -n "$line" ] && [ "${f:-0}" -gt 0 ] || failed=$((failed + 1))
  fi
}

mkdir -p "$root/build-ci"
for v in "${variants[@]}"; do
  case "$v" in
    system | amalgamation | asan | tsan | valgrind) run_variant "$v" ;;
    windows)
      scripts/build-check-mingw.sh "$root/.deps/mingw-check"
      # Cross-built with mingw-w64, run by ctest under Wine (scripts/wine-run.sh).
      run_variant windows
      ;;
    lint) run_script lint scripts/run-lint.sh ;;
    fuzz) run_script fuzz scripts/run-fuzz.sh ;;
    sqlite-tcl) run_script sqlite-tcl scripts/run-sqlite-tcl.sh ;;
    mutation) run_script mutation scripts/mutation-check.sh ;;
    speed-gate) run_script speed-gate scripts/run-speed-gate.sh ;;
    python-package) run_script python-package scripts/run-python-package-tests.sh ;;
    npm) run_script npm scripts/run-npm-tests.sh ;;
    node-wine) run_script node-wine scripts/run-node-wine-tests.sh ;;
    *) echo "unknown variant $v" >&2; exit 2 ;;
  esac
done

echo
if [ ${#failed_variants[@]} -gt 0 ]; then echo "failing variants: ${failed_variants[*]}"; fi
echo "walsafe: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ ${#failed_variants[@]} -eq 0 ]
