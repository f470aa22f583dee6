#!/usr/bin/env bash
# run-lint.sh
#
# The static checks of every C file of the project (git ls-files '*.c' '*.h':
# vfs/, include/, tests/, bench/, fuzz/, demo/, preload/, python/; nothing
# vendored is committed, and VENDORED below would name it):
#  1. format: `clang-format --dry-run -Werror` with the repo's .clang-format,
#     one check per file; a failing file is listed with its number of
#     deviations (fix: clang-format -i FILE).
#  2. cppcheck, one check per configuration, each with the defines of a real
#     build (so only that configuration is analysed, which keeps it fast):
#       linux            every file but the Windows-only ones, the unix VFS
#       linux-extension  vfs/ as the loadable extension (-DWALSAFE_EXTENSION)
#       windows          vfs/, bench/ and the Windows-only files, mingw's
#                        defines, the win32 VFS
#     --enable=warning,style,performance,portability; a finding fails the
#     configuration. scripts/lint/cppcheck-suppressions.txt holds the
#     accepted findings, each with its reason; scripts/lint/cppcheck-walsafe.cfg
#     tells cppcheck what it cannot see (functions that never return).
# Last line: "lint: N passed, N failed"; exit 1 on any failure.
# Environment: WALSAFE_JOBS (default 2). Logs in build-lint/ (LINT_BUILD_DIR).
# About 15 s on 2 cores.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root" || exit 2
jobs=${WALSAFE_JOBS:-2}
build=${LINT_BUILD_DIR:-$root/build-lint}
# Paths (globs) of third-party code that keeps its own style; none today.
VENDORED=()
# Files only the Windows builds compile (they include <windows.h> unguarded).
WINDOWS_ONLY=('tests/windows/*' 'tests/npm/wine/*' 'python/tests/wine/*')
# What the Windows builds compile besides those.
WINDOWS_ALSO=('vfs/*' 'bench/*')

passed=0
failed=0
start=$(date +%s)

for tool in clang-format cppcheck; do
  command -v "$tool" >/dev/null || {
    echo "run-lint: $tool not found (scripts/install-deps.sh)" >&2
    echo "lint: 0 passed, 1 failed"
    exit 1
  }
done

matches() { # matches PATH GLOB...
  local p=$1 g
  shift
  for g in "$@"; do
    # shellcheck disable=SC2053 # $g is a glob on purpose
    [[ $p == $g ]] && return 0
  done
  return 1
}

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t all < <(git ls-files '*.c' '*.h')
else
  mapfile -t all < <(find . \( -name .deps -o -name 'build*' -o -name node_modules -o -name dist -o -name .git \) -prune \
    -o \( -name '*.c' -o -name '*.h' \) -type f -print | sed 's|^\./||' | sort)
fi
files=()
for f in "${all[@]}"; do
  [ -f "$f" ] || continue # deleted in the work tree, not yet committed
  [ ${#VENDORED[@]} -gt 0 ] && matches "$f" "${VENDORED[@]}" && continue
  files+=("$f")
done

# ---- 1. format ------------------------------------------------------------
fmt_pass=0
fmt_fail=0
for f in "${files[@]}"; do
  if out=$(clang-format --dry-run -Werror "$f" 2>&1); then
    fmt_pass=$((fmt_pass + 1))
  else
    n=$(grep -c 'error: code should be clang-formatted' <<<"$out")
    echo "format: $f: $n deviations (clang-format -i $f)"
    fmt_fail=$((fmt_fail + 1))
  fi
done
echo "format ($(clang-format --version | sed -nE 's/.*version ([0-9.]+).*/\1/p')): ${#files[@]} files," \
  "$fmt_pass passed, $fmt_fail failed"
passed=$((passed + fmt_pass))
failed=$((failed + fmt_fail))

# ---- 2. cppcheck ------------------------------------------------------------
# Only these headers from outside the project: check.h for the test macros
# (START_TEST opens a function) and SQLite's own. Not /usr/include as a
# whole: cppcheck would analyse libc's headers too, slowly and for nothing.
inc="$build/include"
mkdir -p "$inc"
for h in check.h check_stdint.h sqlite3.h sqlite3ext.h; do
  [ -f "/usr/include/$h" ] || { echo "run-lint: /usr/include/$h missing (scripts/install-deps.sh)" >&2; exit 2; }
  ln -sf "/usr/include/$h" "$inc/$h"
done

linux_files=()
windows_files=()
vfs_files=()
for f in "${files[@]}"; do
  [[ $f == *.c ]] || continue
  if matches "$f" "${WINDOWS_ONLY[@]}"; then
    windows_files+=("$f")
    continue
  fi
  linux_files+=("$f")
  matches "$f" "${WINDOWS_ALSO[@]}" && windows_files+=("$f")
  [[ $f == vfs/* ]] && vfs_files+=("$f")
done

common=(--std=c11 "--enable=warning,style,performance,portability" --inline-suppr --error-exitcode=1 -j "$jobs"
  --library=scripts/lint/cppcheck-walsafe.cfg --suppressions-list=scripts/lint/cppcheck-suppressions.txt
  --template='{file}:{line}:{column}: {severity}: {message} [{id}]' -q
  -I include -I vfs -I tests -I tests/windows -I fuzz -I bench -I "$inc")
linux=(--platform=unix64 --library=posix -D__linux__ -D__unix__ -D__x86_64__ -U_WIN32)
windows=(--platform=win64 --library=windows -D_WIN32 -D_WIN64 -D__MINGW32__ -D__MINGW64__ -D__x86_64__
  -DWIN32_LEAN_AND_MEAN -D_WIN32_WINNT=0x0601 -U__linux__ -U__unix__)

# run_cppcheck NAME OPTION... -- FILE...
run_cppcheck() {
  local name=$1 opts=() log t0 rc=0 n
  shift
  while [ "$1" != -- ]; do opts+=("$1"); shift; done
  shift
  log="$build/cppcheck-$name.log"
  t0=$(date +%s)
  cppcheck "${common[@]}" "${opts[@]}" "$@" >"$log" 2>&1 || rc=$?
  n=$(grep -cE '^[^ ]+:[0-9]+:[0-9]+: [a-z]+: ' "$log")
  if [ "$rc" -eq 0 ] && [ "$n" -eq 0 ]; then
    echo "cppcheck $name: $# files, no findings ($(($(date +%s) - t0)) s)"
    passed=$((passed + 1))
  else
    cat "$log"
    echo "cppcheck $name: $# files, $n findings, exit $rc ($(($(date +%s) - t0)) s)"
    failed=$((failed + 1))
  fi
}

echo "cppcheck $(cppcheck --version | sed 's/^Cppcheck //')"
run_cppcheck linux "${linux[@]}" -- "${linux_files[@]}"
run_cppcheck linux-extension "${linux[@]}" -DWALSAFE_EXTENSION=1 -- "${vfs_files[@]}"
run_cppcheck windows "${windows[@]}" -- "${windows_files[@]}"

echo "run-lint: $(($(date +%s) - start)) s"
echo "lint: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
