#!/usr/bin/env bash
# build-packages.sh
#
# Builds walsafe's distributable packages into dist/ from a clean clone,
# offline, with the CMake builds they need:
#   dist/walsafe-<version>-py3-none-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
#                                  (libwalsafe.so, build-pkg-linux/)
#   dist/walsafe-<version>-py3-none-win_amd64.whl  (walsafe.dll, mingw, build-pkg-win/)
# then runs the wheel guards (python/tools/check_wheels.py): tag = binary's
# architecture, libwalsafe.so needs glibc <= 2.17, walsafe.dll imports only
# KERNEL32/msvcrt and exports only sqlite3_walsafe_init. A failed guard
# fails the script and removes the wheels. Then `npm pack`s the npm packages
# (npm/), with the same two binaries, into
#   dist/walsafe-<version>.tgz            (plain JS, no binary, no scripts)
#   dist/walsafe-linux-x64-<version>.tgz  (libwalsafe.so, os linux, cpu x64)
#   dist/walsafe-win32-x64-<version>.tgz  (walsafe.dll, os win32, cpu x64)
# staged in build-pkg-npm/ so npm/ itself never holds a binary.
#
# Needs (scripts/install-deps.sh): cmake, gcc, gcc-mingw-w64-x86-64,
# python3-build, python3-setuptools, python3-wheel, npm (offline: npm pack); the SQLite 3.53.2
# amalgamation's headers for the mingw build (scripts/fetch-sqlite.sh,
# run here when .deps/sqlite-3.53.2 is missing).
#
# Environment: WALSAFE_DIST (default <repo>/dist), WALSAFE_JOBS (default 2),
# PYTHON (default /usr/bin/python3).
set -euo pipefail

log() { echo "build-packages: $*" >&2; }
die() { echo "build-packages: ERROR: $*" >&2; exit 1; }

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dist="${WALSAFE_DIST:-$repo_root/dist}"
jobs="${WALSAFE_JOBS:-2}"
python="${PYTHON:-/usr/bin/python3}"
sqlite_dir="$repo_root/.deps/sqlite-3.53.2"
build_linux="$repo_root/build-pkg-linux"
build_win="$repo_root/build-pkg-win"
stage_root="$repo_root/build-pkg-python"
npm_stage="$repo_root/build-pkg-npm"

"$python" -c 'import build, setuptools, wheel' 2>/dev/null \
  || die "$python lacks build/setuptools/wheel: apt-get install python3-build python3-setuptools python3-wheel (scripts/install-deps.sh)"
[[ -f "$sqlite_dir/sqlite3ext.h" ]] || "$repo_root/scripts/fetch-sqlite.sh" "$sqlite_dir"

# The Python package's version must be the C library's.
cmake_version="$(sed -n 's/^project(walsafe VERSION \([0-9.]*\).*/\1/p' "$repo_root/CMakeLists.txt")"
py_version="$(sed -n 's/^version = "\(.*\)"/\1/p' "$repo_root/python/pyproject.toml")"
[[ "$cmake_version" == "$py_version" ]] \
  || die "python/pyproject.toml version $py_version differs from CMakeLists.txt's $cmake_version"
grep -q "^__version__ = \"$py_version\"" "$repo_root/python/src/walsafe/__init__.py" \
  || die "walsafe.__version__ differs from python/pyproject.toml's $py_version"
# ...and so must the npm packages' (and walsafe's optionalDependencies).
command -v npm >/dev/null || die "npm not found: apt-get install npm (scripts/install-deps.sh)"
for pkg in walsafe walsafe-linux-x64 walsafe-win32-x64; do
  npm_version="$(sed -n 's/^  "version": "\(.*\)",$/\1/p' "$repo_root/npm/$pkg/package.json")"
  [[ "$npm_version" == "$cmake_version" ]] \
    || die "npm/$pkg/package.json version '$npm_version' differs from CMakeLists.txt's $cmake_version"
done
for dep in walsafe-linux-x64 walsafe-win32-x64; do
  grep -q "^    \"$dep\": \"$cmake_version\"" "$repo_root/npm/walsafe/package.json" \
    || die "npm/walsafe/package.json must depend on $dep $cmake_version exactly"
done

# ---- libwalsafe.so, glibc 2.17 compatible (see python/build-support/glibc217.c)
log "building libwalsafe.so in $build_linux"
mkdir -p "$build_linux"
cc -O2 -fPIC -Wall -Wextra -Werror -c "$repo_root/python/build-support/glibc217.c" -o "$build_linux/glibc217.o"
cmake -S "$repo_root" -B "$build_linux" -DCMAKE_BUILD_TYPE=Release \
  -DWALSAFE_BUILD_BENCH=OFF -DWALSAFE_BUILD_TESTS=OFF \
  "-DCMAKE_MODULE_LINKER_FLAGS=-Wl,--wrap=stat -Wl,--wrap=fstatat $build_linux/glibc217.o" >/dev/null
cmake --build "$build_linux" --target walsafe_ext -j "$jobs" >/dev/null

# ---- walsafe.dll, mingw-w64 (-static-libgcc is in CMakeLists.txt already)
log "building walsafe.dll in $build_win"
cmake -S "$repo_root" -B "$build_win" --toolchain "$repo_root/cmake/mingw-w64-x86_64.cmake" \
  -DCMAKE_BUILD_TYPE=Release -DWALSAFE_SQLITE_AMALGAMATION="$sqlite_dir" \
  -DWALSAFE_BUILD_TESTS=OFF -DWALSAFE_BUILD_BENCH=OFF >/dev/null
cmake --build "$build_win" --target walsafe_ext -j "$jobs" >/dev/null

# ---- the wheels: a staging copy of python/ per platform, binary inside
mkdir -p "$dist"
rm -f "$dist"/walsafe-*.whl
build_wheel() { # PLATFORM-TAG BINARY
  local platform="$1" binary="$2" stage="$stage_root/${1%%.*}"
  rm -rf "$stage"
  mkdir -p "$stage"
  cp -r "$repo_root/python/pyproject.toml" "$repo_root/python/setup.py" "$repo_root/python/README.md" \
    "$repo_root/python/walsafe-autoload.pth" "$repo_root/python/src" "$stage/"
  find "$stage/src" \( -name __pycache__ -o -name '*.so' -o -name '*.dll' \) -prune -exec rm -rf {} +
  cp "$binary" "$stage/src/walsafe/"
  log "wheel for $platform"
  (cd "$stage" && WALSAFE_WHEEL_PLATFORM="$platform" "$python" -m build --wheel --no-isolation \
     --outdir "$dist" . >"$stage/build.log" 2>&1) || { cat "$stage/build.log" >&2; die "wheel for $platform failed"; }
}
# manylinux_2_17 (PEP 600) plus its legacy alias manylinux2014, which pip
# 19.3-20.2 (e.g. Ubuntu 20.04's) understands, as auditwheel writes it.
build_wheel manylinux_2_17_x86_64.manylinux2014_x86_64 "$build_linux/libwalsafe.so"
build_wheel win_amd64 "$build_win/walsafe.dll"

log "guards"
if ! "$python" "$repo_root/python/tools/check_wheels.py" "$dist"/walsafe-*.whl; then
  rm -f "$dist"/walsafe-*.whl
  die "a wheel guard failed; wheels removed"
fi
ls -1 "$dist"/walsafe-*.whl

# ---- the npm packages: a staging copy of npm/<pkg>, binary inside
rm -f "$dist"/walsafe-*.tgz
rm -rf "$npm_stage"
mkdir -p "$npm_stage"
pack_npm() { # PACKAGE [BINARY]
  local pkg="$1" binary="${2:-}" stage="$npm_stage/$1" tgz
  cp -r "$repo_root/npm/$pkg" "$stage"
  rm -rf "$stage/node_modules"
  if [[ -n "$binary" ]]; then cp "$binary" "$stage/"; fi
  log "npm pack $pkg"
  tgz="$(cd "$stage" && npm pack --pack-destination "$dist" --loglevel=error --ignore-scripts 2>"$stage/pack.log" | tail -1)" \
    || { cat "$stage/pack.log" >&2; die "npm pack $pkg failed"; }
  [[ -f "$dist/$tgz" ]] || { cat "$stage/pack.log" >&2; die "npm pack $pkg made no tarball"; }
  if [[ -n "$binary" ]]; then
    grep -qx "package/$(basename "$binary")" <<<"$(tar -tzf "$dist/$tgz")" \
      || die "$tgz lacks $(basename "$binary")"
    cmp -s <(tar -xzOf "$dist/$tgz" "package/$(basename "$binary")") "$binary" \
      || die "$tgz's $(basename "$binary") is not the one the wheels carry"
  fi
  if grep -q '"scripts"' <<<"$(tar -xzOf "$dist/$tgz" package/package.json)"; then
    die "$tgz has scripts (the packages must have no install scripts)"
  fi
}
pack_npm walsafe
pack_npm walsafe-linux-x64 "$build_linux/libwalsafe.so"
pack_npm walsafe-win32-x64 "$build_win/walsafe.dll"
ls -1 "$dist"/walsafe-*.tgz
