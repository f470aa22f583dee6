#!/usr/bin/env bash
# install-deps.sh
#
# Installs every Debian 12 package walsafe's build, tests, cross-build and
# tooling need. Non-interactive (works without a TTY, e.g. in CI). If all
# packages are already installed (checked with dpkg-query) apt is not run at
# all, so re-runs take milliseconds.
set -euo pipefail

log() { echo "install-deps: $*" >&2; }

readonly PACKAGES=(
  # native build + unit tests
  build-essential cmake pkg-config check libsqlite3-dev sqlite3
  # Windows cross-build, run under Wine (wine64 only: no i386 multiarch)
  gcc-mingw-w64-x86-64 wine wine64 libwine
  # analysis / tooling (scripts/run-lint.sh: clang-format, cppcheck)
  valgrind clang shellcheck clang-format cppcheck
  # clang's sanitizer and libFuzzer runtimes (TSan variant, scripts/run-fuzz.sh):
  # only recommended by clang, and apt runs with --no-install-recommends
  libclang-rt-14-dev
  # python tests, npm (SQLite amalgamation source), plots
  python3 python3-pytest nodejs npm gnuplot-nox
  # the Python wheels, built offline (scripts/build-packages.sh), and their venv tests
  python3-setuptools python3-wheel python3-pip python3-build python3-venv
  # dpkg-source for scripts/build-check-mingw.sh; misc
  dpkg-dev git ca-certificates
  # SQLite's TCL test harness (testfixture) for scripts/run-sqlite-tcl.sh
  tcl-dev
)

is_installed() {
  local status
  status="$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null || true)"
  [[ "$status" == ii* ]]
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  case "$pkg" in
    npm)
      # NodeSource's nodejs bundles npm and *conflicts* with Debian's npm
      # package; installing it would fail. Any working npm will do.
      if command -v npm >/dev/null 2>&1; then continue; fi ;;
  esac
  is_installed "$pkg" || missing+=("$pkg")
done

if (( ${#missing[@]} == 0 )); then
  log "all ${#PACKAGES[@]} packages already installed; nothing to do"
  exit 0
fi

log "missing: ${missing[*]}"
sudo=()
if (( EUID != 0 )); then
  command -v sudo >/dev/null || { log "ERROR: need root (or sudo) to install packages"; exit 1; }
  sudo=(sudo)
fi

# No prompts, keep existing config files, wait for a concurrent apt/dpkg.
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" -q update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" -q install -y \
  --no-install-recommends "${missing[@]}"
log "installed: ${missing[*]}"
