#!/usr/bin/env bash
# build-check-mingw.sh [PREFIX]
#
# Cross-builds the Check unit-test framework as a static library for Windows
# x86_64 (mingw-w64), from Debian's own source package, and installs it into
# PREFIX (default <repo>/.deps/mingw-check): lib/libcheck.a, include/check.h.
#
# The source comes through apt with a *private* configuration under
# <repo>/.deps/apt/ (own sources.list with deb-src lines derived from the
# machine's deb lines, own state/cache/lists), so /etc/apt and /var/lib/apt
# are never modified. apt verifies the .dsc against the signed Release file;
# dpkg-source then verifies the tarballs against the .dsc checksums.
#
# Consumers link with:  -static  <PREFIX>/lib/libcheck.a  -lpthread  (winpthreads)
#
# Env: CHECK_SRC_VERSION=<debian version> to pin a specific source version.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
prefix="${1:-$repo_root/.deps/mingw-check}"
aptdir="$repo_root/.deps/apt"
workdir="$repo_root/.deps/build-check-mingw"
toolchain="$repo_root/cmake/mingw-w64-x86_64.cmake"

log() { echo "build-check-mingw: $*" >&2; }
die() { echo "build-check-mingw: ERROR: $*" >&2; exit 1; }

if [[ -f "$prefix/lib/libcheck.a" && -f "$prefix/include/check.h" ]]; then
  log "up to date: $prefix (lib/libcheck.a and include/check.h present)"
  exit 0
fi

for tool in apt-get dpkg-source cmake x86_64-w64-mingw32-gcc; do
  command -v "$tool" >/dev/null || die "$tool not found (run scripts/install-deps.sh; dpkg-source is in dpkg-dev)"
done
[[ -f "$toolchain" ]] || die "missing toolchain file $toolchain"

# --- 1. private apt configuration -------------------------------------------
# _apt (apt's download sandbox user) must be able to write the partial dirs
# and read the path leading to them, hence 0755 directories.
mkdir -p "$aptdir"/{state/lists/partial,cache/archives/partial,src}
chmod 0755 "$repo_root/.deps" "$aptdir"
# apt-get source downloads into the cwd as _apt; let it write there so the
# download stays sandboxed (else apt warns and downloads as root).
if [[ $EUID -eq 0 ]] && id -u _apt >/dev/null 2>&1; then
  chown _apt:root "$aptdir/src"
fi

# Derive deb-src lines from the machine's *enabled* Debian sources: deb822
# *.sources stanzas (Debian 12 default: debian.sources) and one-line *.list
# files. Only suites of this release (bookworm, bookworm-updates,
# bookworm-security, ...) are kept, so third-party repos are skipped.
# shellcheck source=/dev/null
codename="$(. /etc/os-release && echo "${VERSION_CODENAME:-}")"
[[ -n "$codename" ]] || die "cannot determine the Debian codename from /etc/os-release"

derive_sources() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f "$f" ]] || continue
    # "deb [opts] URI SUITE COMP..." -> "deb-src [opts] URI SUITE COMP..."
    awk -v cn="$codename" '
      /^[[:space:]]*deb[[:space:]]/ {
        sub(/^[[:space:]]*deb[[:space:]]+/, "")
        opts = ""
        if ($0 ~ /^\[/) { opts = substr($0, 1, index($0, "]")) " "; $0 = substr($0, index($0, "]") + 1) }
        n = split($0, a, /[[:space:]]+/); i = (a[1] == "") ? 2 : 1
        uri = a[i]; suite = a[i + 1]; comps = ""
        for (j = i + 2; j <= n; j++) comps = comps " " a[j]
        if (suite ~ ("^" cn "([-/]|$)")) print "deb-src " opts uri " " suite comps
      }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f "$f" ]] || continue
    # deb822: blank-line separated stanzas; comment lines start with '#'.
    awk -v cn="$codename" '
      function flush(   nu, ns, u, s, opts, i, j, uris, suites) {
        if (types ~ /(^|[[:space:]])deb([[:space:]]|$)/ && tolower(enabled) != "no") {
          opts = (signed != "") ? "[signed-by=" signed "] " : ""
          nu = split(uri, uris, /[[:space:]]+/); ns = split(suite, suites, /[[:space:]]+/)
          for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++)
            if (uris[i] != "" && suites[j] ~ ("^" cn "([-/]|$)"))
              print "deb-src " opts uris[i] " " suites[j] " " comps
        }
        types = uri = suite = comps = signed = enabled = ""
      }
      /^[[:space:]]*#/ { next }
      /^[[:space:]]*$/ { flush(); next }
      {
        key = tolower($1); sub(/:$/, "", key); val = $0; sub(/^[^:]*:[[:space:]]*/, "", val)
        if (key == "types") types = val; else if (key == "uris") uri = val
        else if (key == "suites") suite = val; else if (key == "components") comps = val
        else if (key == "signed-by") signed = val; else if (key == "enabled") enabled = val
      }
      END { flush() }' "$f"
  done
}

new_list="$(derive_sources | sort -u)"
[[ -n "$new_list" ]] || die "found no enabled '$codename' deb sources in /etc/apt to derive deb-src from"
sources_list="$aptdir/sources.list"
# Rewrite only on change, so re-runs keep apt's cached lists valid.
if [[ ! -f "$sources_list" ]] || [[ "$(cat "$sources_list")" != "$new_list" ]]; then
  printf '%s\n' "$new_list" >"$sources_list"
fi
log "private sources: $sources_list"
sed 's/^/  /' "$sources_list" >&2

apt_opts=(
  -o "Dir::Etc::SourceList=$sources_list"
  -o "Dir::Etc::SourceParts=/dev/null"
  -o "Dir::State=$aptdir/state"
  -o "Dir::State::status=/var/lib/dpkg/status"
  -o "Dir::Cache=$aptdir/cache"
  -o "APT::Get::List-Cleanup=true"
)

# --- 2. fetch + verify the source package ------------------------------------
# apt-get update checks InRelease signatures against the system keyring;
# apt-get source then checks the .dsc/.tar hashes against the signed Sources.
log "apt-get update (private lists)"
DEBIAN_FRONTEND=noninteractive apt-get -q "${apt_opts[@]}" update >&2

src_spec="check${CHECK_SRC_VERSION:+=$CHECK_SRC_VERSION}"
srcdir="$aptdir/src"
log "apt-get source --download-only $src_spec"
(cd "$srcdir" && DEBIAN_FRONTEND=noninteractive apt-get -q "${apt_opts[@]}" \
    source --download-only "$src_spec" >&2)

# Pick the .dsc that apt just selected (the candidate version).
version="$(apt-get "${apt_opts[@]}" source --print-uris "$src_spec" 2>/dev/null \
  | awk -F"'" '/\.dsc'"'"'/ { n = split($2, p, "/"); print p[n] }' | head -n1)"
dsc="$srcdir/$version"
[[ -n "$version" && -f "$dsc" ]] || die "apt did not download a .dsc for $src_spec"
log "source package: $(basename "$dsc")"

# --- 3. unpack (dpkg-source verifies every file against the .dsc sums) -----
rm -rf "$workdir"
mkdir -p "$workdir"
dpkg-source -x "$dsc" "$workdir/src" >&2 \
  || die "dpkg-source -x failed (checksum mismatch or corrupt download)"

# --- 4. cross-build with CMake (static only, no Check self-tests) -----------
# BUILD_TESTING=OFF (CHECK_ENABLE_TESTS is its deprecated alias): Check's own
# suite needs fork() and POSIX timers. Check's CMake always defines both a
# static (check) and a shared (checkShared) target and its install() rule
# covers both, so we build only the `check` target and install by hand.
cmake -S "$workdir/src" -B "$workdir/build" -Wno-dev \
  -DCMAKE_TOOLCHAIN_FILE="$toolchain" \
  -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_INSTALL_PREFIX="$prefix" \
  -DBUILD_SHARED_LIBS=OFF \
  -DBUILD_TESTING=OFF \
  -DCHECK_ENABLE_TESTS=OFF \
  -DCHECK_ENABLE_TIMEOUT_TESTS=OFF \
  -DENABLE_MEMORY_LEAKING_TESTS=OFF \
  -DCHECK_ENABLE_GCOV=OFF >&2
cmake --build "$workdir/build" --target check -j "$(nproc)" >&2

# --- 5. install (staged, then moved into PREFIX) ------------------------------
# Staging + rename means an interrupted run never leaves PREFIX looking
# complete to the skip test at the top.
stage="$workdir/stage"
rm -rf "$stage"
mkdir -p "$stage"/{lib/pkgconfig,lib/cmake/check,include}
install -m 0644 "$workdir/build/src/libcheck.a" "$stage/lib/"
install -m 0644 "$workdir/build/src/check.h" "$workdir/build/check_stdint.h" "$stage/include/"
ver="$(awk -F'[()]' '/^check /{ print $2; exit }' "$workdir/src/debian/changelog")"
upver="${ver%%-*}"
# Debian's patched check.pc.in says -lcheck_pic; write a correct one for the
# static mingw lib (consumers should still link with -static).
cat >"$stage/lib/pkgconfig/check.pc" <<PC
prefix=$prefix
libdir=\${prefix}/lib
includedir=\${prefix}/include

Name: Check
Description: Unit test framework for C (static, x86_64-w64-mingw32, Debian $ver)
Version: $upver
Libs: -L\${libdir} -lcheck -lpthread
Cflags: -I\${includedir}
PC
# Tiny CMake package so find_package(check CONFIG) yields Check::check.
cat >"$stage/lib/cmake/check/check-config.cmake" <<'CFG'
# Generated by scripts/build-check-mingw.sh: static Check for mingw-w64.
get_filename_component(_check_prefix "${CMAKE_CURRENT_LIST_DIR}/../../.." ABSOLUTE)
if(NOT TARGET Check::check)
  add_library(Check::check STATIC IMPORTED)
  set_target_properties(Check::check PROPERTIES
    IMPORTED_LOCATION "${_check_prefix}/lib/libcheck.a"
    INTERFACE_INCLUDE_DIRECTORIES "${_check_prefix}/include"
    INTERFACE_LINK_LIBRARIES "pthread")
endif()
set(check_FOUND TRUE)
CFG
printf 'set(PACKAGE_VERSION "%s")\nif(PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION)\n  set(PACKAGE_VERSION_COMPATIBLE FALSE)\nelse()\n  set(PACKAGE_VERSION_COMPATIBLE TRUE)\nendif()\n' \
  "$upver" >"$stage/lib/cmake/check/check-config-version.cmake"
echo "$ver" >"$stage/DEBIAN_SOURCE_VERSION"

mkdir -p "$(dirname "$prefix")"
rm -rf "$prefix.old"
if [[ -e "$prefix" ]]; then mv "$prefix" "$prefix.old"; fi
mv "$stage" "$prefix"
rm -rf "$prefix.old"
log "installed Check $ver (static, mingw-w64) into $prefix"
