#!/usr/bin/env bash
# fetch-sqlite.sh [DESTDIR]
#
# Fetches the pinned SQLite amalgamation (3.53.2) for walsafe. The only
# upstream we can reach is the npm registry, so we take the amalgamation that
# better-sqlite3 vendors under deps/sqlite3/. Every byte is checked against
# pinned sha256 sums *before* anything lands in DESTDIR; a mismatch aborts.
#
# Default DESTDIR: <repo>/.deps/sqlite-3.53.2. Idempotent: if DESTDIR already
# holds the three files with the pinned sums, nothing is downloaded.
set -euo pipefail

readonly SQLITE_VERSION=3.53.2
readonly NPM_PKG=better-sqlite3@12.11.1
readonly TARBALL=better-sqlite3-12.11.1.tgz
readonly TARBALL_SHA256=ebf0ed75a7a59dbcb3b24bbd014ef49d9f15bc328e4adcbf516f2a8fadfa2835
# Pinned per-file sums (sqlite3ext.h was computed from the verified tarball).
declare -A FILE_SHA256=(
  [sqlite3.c]=60d2f39a3726cd6b9021da6f4e868608d66fbb6528a9f513dc8ffcc640493422
  [sqlite3.h]=9e69a1353a4288450b0d5239ede11fc7f1f4c8e5eb07491fc8317eacb5b7de7e
  [sqlite3ext.h]=ac9645e5c9ff0cf176efdd6e75cb5e98f46295d38e02db5c4d208826a39ab4be
)
readonly FILES=(sqlite3.c sqlite3.h sqlite3ext.h)

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
destdir="${1:-$repo_root/.deps/sqlite-$SQLITE_VERSION}"

die() { echo "fetch-sqlite: ERROR: $*" >&2; exit 1; }
log() { echo "fetch-sqlite: $*" >&2; }

# check_sum FILE EXPECTED -> 0 if FILE exists and matches.
check_sum() {
  [[ -f "$1" ]] || return 1
  local got
  got="$(sha256sum "$1" | cut -d' ' -f1)"
  [[ "$got" == "$2" ]]
}

# Fast path: everything already in place and verified.
all_ok=1
for f in "${FILES[@]}"; do
  check_sum "$destdir/$f" "${FILE_SHA256[$f]}" || { all_ok=0; break; }
done
if (( all_ok )); then
  log "up to date: $destdir (SQLite $SQLITE_VERSION, checksums OK)"
  exit 0
fi

command -v npm >/dev/null || die "npm not found (run scripts/install-deps.sh)"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

log "npm pack $NPM_PKG"
# Private npm cache so we neither depend on nor pollute ~/.npm.
(cd "$tmp" && npm pack --silent --ignore-scripts --cache "$tmp/npm-cache" "$NPM_PKG" >/dev/null) \
  || die "npm pack $NPM_PKG failed"
[[ -f "$tmp/$TARBALL" ]] || die "npm pack did not produce $TARBALL"

# 1) Verify the whole tarball before we even list it.
check_sum "$tmp/$TARBALL" "$TARBALL_SHA256" \
  || die "tarball sha256 mismatch: got $(sha256sum "$tmp/$TARBALL" | cut -d' ' -f1), want $TARBALL_SHA256"

# 2) Extract only the three members into the temp dir and verify each.
mkdir "$tmp/x"
members=()
for f in "${FILES[@]}"; do members+=("package/deps/sqlite3/$f"); done
tar -xzf "$tmp/$TARBALL" -C "$tmp/x" --no-same-owner "${members[@]}"
for f in "${FILES[@]}"; do
  src="$tmp/x/package/deps/sqlite3/$f"
  check_sum "$src" "${FILE_SHA256[$f]}" \
    || die "$f sha256 mismatch: got $(sha256sum "$src" | cut -d' ' -f1), want ${FILE_SHA256[$f]}"
done
grep -q "^#define SQLITE_VERSION *\"$SQLITE_VERSION\"" "$tmp/x/package/deps/sqlite3/sqlite3.h" \
  || die "sqlite3.h does not declare version $SQLITE_VERSION"

# 3) Only now touch DESTDIR. Copy to a temp name + rename so an interrupted
#    run never leaves a half-written file with the final name.
mkdir -p "$destdir"
for f in "${FILES[@]}"; do
  install -m 0644 "$tmp/x/package/deps/sqlite3/$f" "$destdir/.$f.tmp"
  mv -f "$destdir/.$f.tmp" "$destdir/$f"
done
log "installed SQLite $SQLITE_VERSION amalgamation into $destdir"
