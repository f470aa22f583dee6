#!/usr/bin/env bash
# fetch-debian-source.sh PACKAGE[=VERSION] DESTDIR
#
# Fetches a Debian source package through apt with a *private* configuration
# under <repo>/.deps/apt/ (own sources.list with deb-src lines derived from
# the machine's deb lines, own state/cache/lists), so /etc/apt and
# /var/lib/apt are never modified, and unpacks it (Debian patches applied)
# into DESTDIR. apt verifies the .dsc against the signed Release file;
# dpkg-source then verifies the tarballs against the .dsc checksums.
#
# DESTDIR is replaced only once the unpack succeeded; DESTDIR/.debian-dsc
# then names the .dsc it came from. If DESTDIR/.debian-dsc already exists,
# nothing is done (no network), so re-runs are instant.
#
# Used by scripts/build-check-mingw.sh (check) and scripts/run-sqlite-tcl.sh
# (sqlite3).
set -euo pipefail

[[ $# -eq 2 ]] || { echo "usage: $0 PACKAGE[=VERSION] DESTDIR" >&2; exit 2; }
src_spec=$1
destdir=$2
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
aptdir="$repo_root/.deps/apt"

log() { echo "fetch-debian-source: $*" >&2; }
die() { echo "fetch-debian-source: ERROR: $*" >&2; exit 1; }

if [[ -f "$destdir/.debian-dsc" ]]; then
  log "up to date: $destdir ($(cat "$destdir/.debian-dsc"))"
  exit 0
fi

for tool in apt-get dpkg-source; do
  command -v "$tool" >/dev/null || die "$tool not found (run scripts/install-deps.sh; dpkg-source is in dpkg-dev)"
done

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

srcdir="$aptdir/src"
log "apt-get source --download-only $src_spec"
(cd "$srcdir" && DEBIAN_FRONTEND=noninteractive apt-get -q "${apt_opts[@]}" \
    source --download-only "$src_spec" >&2)

# Pick the .dsc that apt just selected (the candidate version). Lines are
# "'URI' FILENAME SIZE HASH"; the URI has '+' escaped as %2b, FILENAME not.
dsc_name="$(apt-get "${apt_opts[@]}" source --print-uris "$src_spec" 2>/dev/null \
  | awk '$2 ~ /\.dsc$/ { print $2; exit }')"
dsc="$srcdir/$dsc_name"
[[ -n "$dsc_name" && -f "$dsc" ]] || die "apt did not download a .dsc for $src_spec"
log "source package: $dsc_name"

# --- 3. unpack (dpkg-source verifies every file against the .dsc sums) -----
# Into a staging dir first, so an interrupted run never leaves DESTDIR
# looking complete.
stage="$destdir.unpack"
rm -rf "$stage"
mkdir -p "$(dirname "$destdir")"
dpkg-source --no-copy -x "$dsc" "$stage" >&2 \
  || die "dpkg-source -x failed (checksum mismatch or corrupt download)"
echo "$dsc_name" >"$stage/.debian-dsc"
rm -rf "$destdir"
mv "$stage" "$destdir"
log "unpacked $dsc_name into $destdir"
