#!/usr/bin/env bash
# run-python-package-tests.sh
#
# Tests the walsafe Python package as a user gets it:
#  1. scripts/build-packages.sh builds both wheels into dist/ (with their
#     guards: tag = architecture, glibc <= 2.17, DLL imports/exports);
#  2. builds load_walsafe.exe (python/tests/wine/load_walsafe.c, mingw,
#     against the SQLite amalgamation) for the Wine test;
#  3. creates a fresh venv (/usr/bin/python3 -m venv --system-site-packages,
#     for Debian's pytest) and `pip install --no-index` the manylinux wheel;
#  4. runs python/tests with that venv's python: API, pytest plugin (inner
#     pytest processes), the WALSAFE_AUTOLOAD .pth hook, pip's platform
#     checks on both wheels, and the Windows wheel's DLL under Wine.
# Last line: "python-package: N passed, N failed"; exit 1 on any failure.
#
# Environment: PYTHON (default /usr/bin/python3), WALSAFE_JOBS (default 2),
# KEEP_WORK=1 keeps the scratch directory (venv, logs).
set -uo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${PYTHON:-/usr/bin/python3}"
jobs="${WALSAFE_JOBS:-2}"
dist="$repo_root/dist"
work="$(mktemp -d "${TMPDIR:-/tmp}/walsafe-pypkg.XXXXXX")"
cleanup() { if [[ "${KEEP_WORK:-0}" == 1 ]]; then echo "kept $work" >&2; else rm -rf "$work"; fi; }
trap cleanup EXIT

log() { echo "python-package: $*" >&2; }
setup_failed() {
  log "ERROR: $*"
  echo "python-package: 0 passed, 1 failed"
  exit 1
}

WALSAFE_DIST="$dist" PYTHON="$python" WALSAFE_JOBS="$jobs" "$repo_root/scripts/build-packages.sh" \
  || setup_failed "scripts/build-packages.sh failed"

# The Wine helper: the amalgamation built by mingw in build-pkg-win, linked static.
wine_loader="$work/load_walsafe.exe"
if cmake --build "$repo_root/build-pkg-win" --target walsafe_sqlite3 -j "$jobs" >"$work/mingw-sqlite.log" 2>&1 \
  && x86_64-w64-mingw32-gcc -O1 -Wall -Werror -I "$repo_root/.deps/sqlite-3.53.2" \
       "$repo_root/python/tests/wine/load_walsafe.c" "$repo_root/build-pkg-win/libwalsafe_sqlite3.a" \
       -static -o "$wine_loader" >>"$work/mingw-sqlite.log" 2>&1; then
  export WALSAFE_WINE_LOADER="$wine_loader"
else
  cat "$work/mingw-sqlite.log" >&2
  setup_failed "could not build load_walsafe.exe"
fi

"$python" -m venv --system-site-packages "$work/venv" || setup_failed "venv"
"$work/venv/bin/python" -m pip install --disable-pip-version-check --no-index --no-deps \
  "$dist"/walsafe-*manylinux*.whl >"$work/pip.log" 2>&1 || { cat "$work/pip.log" >&2; setup_failed "pip install"; }

log "running python/tests in $work/venv"
cd "$repo_root/python/tests" || setup_failed "no python/tests"
WALSAFE_DIST="$dist" "$work/venv/bin/python" -m pytest -p no:cacheprovider -rs -q \
  --junitxml="$work/junit.xml" . ; rc=$?

read -r passed failed < <("$python" - "$work/junit.xml" <<'PY'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print(0, 1); sys.exit()
suites = [root] if root.tag == "testsuite" else list(root)
total = sum(int(s.get("tests", 0)) for s in suites)
bad = sum(int(s.get("failures", 0)) + int(s.get("errors", 0)) for s in suites)
skipped = sum(int(s.get("skipped", 0)) for s in suites)
print(total - bad - skipped, bad)
PY
)
if (( rc != 0 && failed == 0 )); then failed=1; fi
echo "python-package: $passed passed, $failed failed"
(( failed == 0 && rc == 0 ))
