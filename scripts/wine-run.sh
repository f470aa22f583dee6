#!/usr/bin/env bash
# wine-run.sh PROGRAM.exe [ARGS...]
#
# Runs a Windows program under 64-bit Wine, headless and non-interactive, and
# exits with the program's exit code. Used as CMAKE_CROSSCOMPILING_EMULATOR
# (cmake/mingw-w64-x86_64.cmake) so `ctest` runs the .exe tests.
#
# Environment knobs (all optional):
#   WINEPREFIX        default <repo>/.deps/wineprefix (created on first use)
#   WINEDEBUG         default -all (Wine's fixme/err chatter would pollute logs)
#   WINEDLLOVERRIDES  default "mscoree,mshtml=" (never offer Mono/Gecko installs)
#   WINE_RUN_PERSIST  seconds the shared wineserver lingers after the last
#                     client exits (default 60)
set -euo pipefail

die() { echo "wine-run: ERROR: $*" >&2; exit 125; }

(( $# >= 1 )) || die "usage: $0 PROGRAM.exe [ARGS...]"

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# Debian 12 ships the 64-bit loader outside PATH (/usr/lib/wine/wine64), and
# /usr/bin/wine prefers wine32 and nags when only wine64 exists. Use the real
# binaries directly; the Debian /usr/bin/wineserver wrapper forces -p0, which
# we do not want either.
find_bin() { # NAME FALLBACK
  local p
  if p="$(command -v "$1" 2>/dev/null)"; then echo "$p"; return 0; fi
  [[ -x "$2" ]] && { echo "$2"; return 0; }
  return 1
}
wine64="${WINE64:-$(find_bin wine64 /usr/lib/wine/wine64)}" \
  || die "wine64 not found (apt-get install wine64; see scripts/install-deps.sh)"
wineserver="${WINESERVER:-$(find_bin wineserver64 /usr/lib/wine/wineserver64)}" \
  || die "wineserver64 not found"

export WINEPREFIX="${WINEPREFIX:-$repo_root/.deps/wineprefix}"
export WINEARCH=win64
export WINELOADER="$wine64"       # what wine uses to spawn child processes
export WINESERVER="$wineserver"   # what wine auto-starts if no server runs
export WINEDEBUG="${WINEDEBUG:--all}"
export WINEDLLOVERRIDES="${WINEDLLOVERRIDES:-mscoree,mshtml=}"
# Headless: no X/Wayland. Console programs don't need a display driver, and
# this guarantees no window (e.g. a crash dialog) can block a CI run.
unset DISPLAY WAYLAND_DISPLAY
persist="${WINE_RUN_PERSIST:-60}"

# The lock lives next to (not inside) the prefix: wine insists on creating a
# missing prefix itself, and concurrent ctest -j jobs must not both do it.
mkdir -p "$(dirname "$WINEPREFIX")"
lockfile="$WINEPREFIX.lock"
stamp="$WINEPREFIX/.wine-run-ready"

# detached CMD...: run CMD with stdio on /dev/null, in its own session, and
# with every other inherited fd closed. Wine's long-lived processes (the
# wineserver and the services.exe/winedevice/plugplay/rpcss "system"
# processes that the first client of a fresh server spawns) inherit the
# Unix fds of whoever started them and live until the server shuts down.
# If that were a test exe run by ctest, they would hold ctest's output pipe
# (ctest then waits for them, i.e. the whole WINE_RUN_PERSIST) and our lock
# fd (stalling every other wine-run.sh).
detached() {
  (
    for fd in /proc/"$BASHPID"/fd/*; do
      fd="${fd##*/}"
      if (( fd > 2 )); then eval "exec $fd>&-"; fi
    done
    exec setsid -w "$@" </dev/null >/dev/null 2>&1
  )
}

exec 9>"$lockfile"
flock 9
if [[ ! -f "$stamp" ]]; then
  # First use: build the prefix silently, then wait for wineboot's children
  # (and that server) to finish so the prefix is complete before we mark it.
  echo "wine-run: creating WINEPREFIX $WINEPREFIX (first run, ~10-20 s)" >&2
  detached "$wine64" wineboot --init || die "wineboot --init failed for $WINEPREFIX"
  detached "$wineserver" -w || true
  touch "$stamp"
fi
# A persistent server (exits $persist s after its last client). If one
# already runs for this prefix the new one exits at once. Then a no-op
# Windows program, detached, so the system processes are (already) up with
# harmless fds, and so the server's idle timer restarts: it cannot expire
# between here and our program connecting (the shutdown race).
detached "$wineserver" -p"$persist" || true
detached "$wine64" cmd.exe /c exit 0 || true
flock -u 9
exec 9>&-

# Exit code: wine64 returns the Windows process' exit code (mod 256). Not exec,
# so the shell's exit status is exactly the program's.
rc=0
"$wine64" "$@" || rc=$?
exit "$rc"
