#!/usr/bin/env bash
# run-sqlite-tcl.sh [--long] [--jobs N] [--timeout SECONDS] [FILE.test...]
#
# Runs SQLite's own TCL test suite against walsafe: builds SQLite's
# `testfixture` from Debian 12's sqlite3 source package (3.40.1) twice, stock
# and with walsafe compiled in as the default VFS
# (-DSQLITE_EXTRA_INIT=walsafe_extra_init), runs the chosen test files with
# both as an unprivileged user, and fails when a test case fails only with
# walsafe and is not listed in tests/sqlite-tcl/expected-differences.txt.
# A test file that crashes or times out with walsafe only counts as failed.
# Cases that fail with both builds are stock failures: reported, not failed.
#
#   (default)  the CI list below (WAL, journal, locking, pager, URI, shared
#              cache, mmap, plus mutex1, memsubsys1/2, syscall, mmap2): ~7 min
#   --long     the CI list plus ioerr, crash, sysfault, oserror, unixexcl,
#              quota, multiplex, thread, attach, backup, misc, e_wal*,
#              savepoint, hook and walcrash3: about 22 min on 2 cores
#   FILE...    just these test files (e.g. walro2.test mutex1)
#   --jobs N   test processes in parallel (default 2)
#   --timeout  seconds per test file and build (default 600, --long: 3600)
#
# The source package, the SQLite build and both testfixtures are cached under
# <repo>/.deps/sqlite-tcl/ (a change in vfs/ recompiles only vfs/ and
# relinks); the log of every test file of the last run is kept in
# <repo>/.deps/sqlite-tcl/logs/{stock,walsafe}/. As root, the tests run as
# $SQLITE_TCL_USER (default nobody) through runuser: as root SQLite's
# permission tests do not hold. Last line: "sqlite-tcl: N passed, N failed"
# (test files). See docs/sqlite-tests.md.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
deps="$root/.deps/sqlite-tcl"
src="$deps/src"
build="$deps/build"
logs="$deps/logs"
expected_file="$root/tests/sqlite-tcl/expected-differences.txt"
mkfile="$root/tests/sqlite-tcl/testfixture.mk"
sqlite_version=3.40.1
run_user="${SQLITE_TCL_USER:-nobody}"

log() { echo "sqlite-tcl: $*" >&2; }
die() { echo "sqlite-tcl: ERROR: $*" >&2; echo "sqlite-tcl: 0 passed, 1 failed"; exit 1; }

# The CI list, slowest first so that the two workers end together.
ci_files=(
  walthread pagerfault2 pagerfault walslow shared_err walprotocol walsetlk
  walfault walvfs walcrash2 walcrash mmap4 wal3 walfault2 walcrash4 pager2
  wal pager1 wal5 lock sharedA walro2 wal64k mmapfault wal9 walrofault wal2
  wal4 mmap1 mmap2 mmapwarm mmap3 syscall
  journal1 journal2 journal3 jrnlmode jrnlmode2 jrnlmode3
  lock2 lock3 lock4 lock5 lock6 lock7 exclusive exclusive2 nolock superlock
  busy busy2 pager3 pager4 pagerfault3 pageropt
  uri uri2 openv2 symlink symlink2 rdonly filectrl sync sync2 delete_db
  fallocate tempdb tempdb2
  shared shared2 shared3 shared4 shared6 shared7 shared8 shared9 sharedB
  sharedlock
  wal6 wal7 wal8 walbak walbig walblock walcksum walhook walmode walnoshm
  waloverwrite walpersist walprotocol2 walro walshared
  mutex1 memsubsys1 memsubsys2
)
# Added by --long.
long_files=(
  walcrash3
  crash crash2 crash3 crash4 crash5 crash6 crash7 crash8 crashM
  ioerr ioerr2 ioerr3 ioerr4 ioerr5 ioerr6 sysfault oserror unixexcl
  quota quota2 quota-glob multiplex multiplex2 multiplex3 multiplex4
  thread001 thread002 thread003 thread004 thread005 thread1 thread2
  attach attach2 attach3 attach4 attachmalloc
  backup backup2 backup4 backup5 backup_ioerr backup_malloc
  misc1 misc2 misc3 misc4 misc5 misc6 misc7 misc8
  e_wal e_walauto e_walckpt e_walhook
  savepoint savepoint2 savepoint4 savepoint5 savepoint6 savepoint7
  savepointfault hook hook2
)

mode=ci
jobs=2
timeout_s=
files=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --long) mode=long ;;
    --jobs) jobs=${2:?}; shift ;;
    --jobs=*) jobs=${1#*=} ;;
    --timeout) timeout_s=${2:?}; shift ;;
    --timeout=*) timeout_s=${1#*=} ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) files+=("${1%.test}") ;;
  esac
  shift
done
[[ $jobs =~ ^[1-9][0-9]*$ ]] || die "--jobs needs a positive number"
if [[ -z $timeout_s ]]; then
  if [[ $mode == long ]]; then timeout_s=3600; else timeout_s=600; fi
fi
[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || die "--timeout needs a positive number of seconds"
if [[ ${#files[@]} -eq 0 ]]; then
  files=("${ci_files[@]}")
  if [[ $mode == long ]]; then files+=("${long_files[@]}"); fi
fi

t_start=$SECONDS
for tool in gcc make tclsh timeout; do
  command -v "$tool" >/dev/null || die "$tool not found: run scripts/install-deps.sh"
done

# --- 1. source: Debian's sqlite3 source package, through a private apt config
mkdir -p "$deps"
"$root/scripts/fetch-debian-source.sh" sqlite3 "$src" >"$deps/fetch.log" 2>&1 ||
  { cat "$deps/fetch.log" >&2 || true; die "could not fetch Debian's sqlite3 source package"; }
got_version=$(cat "$src/VERSION")
[[ $got_version == "$sqlite_version" ]] ||
  die "Debian's sqlite3 source is $got_version, expected $sqlite_version (rm -rf $src to refetch)"

# syscall.test and mmap2.test skip themselves unless the default VFS is named
# "unix". walsafe forwards xSetSystemCall & co. to unix, so lift that gate
# (idempotent; the stock build is unaffected: its default VFS is unix).
sed -i 's/\[test_syscall defaultvfs\] != "unix"/[test_syscall defaultvfs] ni {unix walsafe}/' \
  "$src/test/syscall.test" "$src/test/mmap2.test"
for t in syscall mmap2; do
  grep -q 'defaultvfs\] ni {unix walsafe}' "$src/test/$t.test" ||
    die "could not lift the default-VFS gate of $t.test (its text changed?)"
done

# --- 2. build: configure once, then both testfixtures (tests/sqlite-tcl/testfixture.mk)
configure_args=(--disable-shared --enable-threadsafe "CFLAGS=-O2")
stamp="$(cat "$src/.debian-dsc") ${configure_args[*]}"
if [[ ! -f $build/Makefile || "$(cat "$build/.stamp" 2>/dev/null)" != "$stamp" ]]; then
  log "configuring SQLite $sqlite_version ($(cat "$src/.debian-dsc")) in $build"
  rm -rf "$build"
  mkdir -p "$build"
  (cd "$build" && "$src/configure" "${configure_args[@]}") >"$deps/configure.log" 2>&1 ||
    { tail -30 "$deps/configure.log" >&2 || true; die "configure failed (log: $deps/configure.log)"; }
  grep -q '^LIBTCL = .*-ltcl' "$build/Makefile" ||
    die "configure found no Tcl: install tcl-dev (scripts/install-deps.sh)"
  echo "$stamp" >"$build/.stamp"
fi
log "building testfixture-stock and testfixture-walsafe (log: $deps/build.log)"
if ! timeout "$timeout_s" make -C "$build" -j2 -f "$mkfile" WALSAFE_ROOT="$root" \
  testfixture-stock testfixture-walsafe >"$deps/build.log" 2>&1; then
  grep -E 'error|Error' "$deps/build.log" | head -30 >&2 || true
  die "build failed (log: $deps/build.log)"
fi
t_built=$SECONDS

# --- 3. run every file with both builds, $jobs at a time --------------------
runner=()
if [[ $EUID -eq 0 ]]; then
  command -v runuser >/dev/null || die "runuser not found (util-linux)"
  id -u "$run_user" >/dev/null 2>&1 || die "user $run_user does not exist (set SQLITE_TCL_USER)"
  runner=(runuser -u "$run_user" --)
  log "running the tests as $run_user"
else
  log "running the tests as $(id -un)"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/walsafe-sqlite-tcl.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"

# The test user must be able to read the test scripts and run the
# testfixtures; when the checkout is not reachable for it, use copies.
tf_dir=$build
test_dir=$src/test
if ! "${runner[@]}" test -x "$build/testfixture-walsafe" -a -r "$src/test/tester.tcl" 2>/dev/null; then
  log "$run_user cannot read $deps: running from copies in $work"
  mkdir -p "$work/bin"
  cp "$build/testfixture-stock" "$build/testfixture-walsafe" "$work/bin/"
  cp -r "$src/test" "$work/test"
  chmod -R a+rX "$work/bin" "$work/test"
  tf_dir=$work/bin
  test_dir=$work/test
fi
declare -A seen_file=()
uniq_files=()
for f in "${files[@]}"; do
  [[ -f $test_dir/$f.test ]] || die "no such test file: $f.test"
  [[ -n ${seen_file[$f]:-} ]] || uniq_files+=("$f")
  seen_file[$f]=1
done
files=("${uniq_files[@]}")

rm -rf "$logs"
mkdir -p "$logs/stock" "$logs/walsafe" "$work/res" "$work/stock" "$work/walsafe" "$work/tmp"
chmod 0755 "$work/stock" "$work/walsafe" "$work/tmp"

# run_one VARIANT FILE: runs one test file in its own directory and writes
# "rc seconds tests errors" and the failed case names to $work/res/.
#
# Each test process gets its own temporary directory (SQLITE_TMPDIR): in a
# testfixture SQLite's PRNG is seeded with zeros (os_unix.c, SQLITE_TEST), so
# the stock and walsafe runs of one file, which run side by side, pick the
# same temp-file names in a shared /var/tmp. When one creates a name the
# other has just found free, the other's O_EXCL open fails and SQLite falls
# back to a read-only open of the first one's file: its next statement-
# journal write is a "disk I/O error" (walbak-2.5, once in three full runs;
# tests/sqlite-tcl/temp-name-race.sh forces it).
run_one() {
  local variant=$1 f=$2 dir="$work/$1/$2" tmp="$work/tmp/$1/$2" out t0 rc summary
  mkdir -p "$dir" "$tmp"
  if [[ ${#runner[@]} -gt 0 ]]; then chown "$run_user" "$dir" "$tmp"; fi
  out="$logs/$variant/$f.log"
  t0=$SECONDS
  rc=0
  # timeout inside runuser: it signals the test's whole process group
  # (crash tests and multi-client tests start child testfixtures).
  (cd "$dir" && ulimit -c 0 && exec "${runner[@]}" env SQLITE_TMPDIR="$tmp" timeout -k 10 "$timeout_s" \
    "$tf_dir/testfixture-$variant" "$test_dir/$f.test") >"$out" 2>&1 </dev/null || rc=$?
  summary=$(sed -n 's/^\([0-9][0-9]*\) errors out of \([0-9][0-9]*\) tests.*/\2 \1/p' "$out" | tail -n1)
  echo "$rc $((SECONDS - t0)) ${summary:-- -}" >"$work/res/$variant.$f"
  { grep '^!Failures on these tests:' "$out" || true; } | sed 's/^!Failures on these tests://' |
    tr ' ' '\n' | sed '/^$/d' | sort -u >"$work/res/$variant.$f.failed"
  rm -rf "$dir" "$tmp"
}

# On an interrupt, stop the running tests: each job's child is runuser (or
# timeout), which passes the signal on to the test's process group.
stop_jobs() {
  local p
  for p in $(jobs -p); do pkill -TERM -P "$p" 2>/dev/null || true; done
  wait || true
}
trap 'stop_jobs; exit 130' INT TERM

log "running ${#files[@]} test files x 2 builds, $jobs at a time, timeout ${timeout_s}s each"
queue=()
for f in "${files[@]}"; do queue+=("stock $f" "walsafe $f"); done
running=0
for job in "${queue[@]}"; do
  while [[ $running -ge $jobs ]]; do
    wait -n || true
    running=$((running - 1))
  done
  # shellcheck disable=SC2086 # job is "VARIANT FILE"
  run_one $job &
  running=$((running + 1))
done
wait || true
t_ran=$SECONDS

# --- 4. compare -------------------------------------------------------------
# expected-differences.txt: "FILE CASE REASON...", '#' comments; CASE may be
# a glob pattern.
exp_file=()
exp_case=()
exp_reason=()
exp_hit=()
if [[ -f $expected_file ]]; then
  while read -r ef ec er; do
    [[ -z $ef || $ef == \#* ]] && continue
    exp_file+=("${ef%.test}")
    exp_case+=("$ec")
    exp_reason+=("$er")
    exp_hit+=(0)
  done <"$expected_file"
fi

# describe RC SECONDS TESTS: "crash (signal N)", "timeout ..." or "" for a
# normal end (a file whose tests fail exits 1 and has a summary line).
describe() {
  local rc=$1 sec=$2 tests=$3
  if [[ $rc -eq 124 ]] || [[ $rc -eq 137 && $sec -ge $timeout_s ]]; then echo "timeout after ${timeout_s}s"
  elif [[ $rc -gt 128 ]]; then echo "crash (signal $((rc - 128)))"
  elif [[ $tests == - ]]; then echo "died without a summary (exit $rc)"
  fi
}

passed=0
failed=0
stock_notes=()
exp_seen=()
unexpected=()
rows=()
for f in "${files[@]}"; do
  read -r s_rc s_sec s_tests s_err <"$work/res/stock.$f"
  read -r w_rc w_sec w_tests w_err <"$work/res/walsafe.$f"
  s_dead=$(describe "$s_rc" "$s_sec" "$s_tests")
  w_dead=$(describe "$w_rc" "$w_sec" "$w_tests")
  bad=0
  note=()
  if [[ -n $w_dead ]]; then
    if [[ -n $s_dead ]]; then
      stock_notes+=("$f.test: stock: $s_dead, walsafe: $w_dead")
      note+=("both died")
    else
      bad=1
      unexpected+=("$f.test: walsafe: $w_dead (stock ran to the end)")
      note+=("walsafe: $w_dead")
    fi
  elif [[ -n $s_dead ]]; then
    stock_notes+=("$f.test: stock: $s_dead")
    note+=("stock: $s_dead")
  fi
  while read -r c; do
    [[ -z $c ]] && continue
    if grep -qxF -- "$c" "$work/res/stock.$f.failed"; then
      stock_notes+=("$f.test: $c fails with both builds")
      continue
    fi
    matched=
    for i in "${!exp_file[@]}"; do
      # shellcheck disable=SC2053 # the case name in the list may be a glob
      if [[ ${exp_file[$i]} == "$f" && $c == ${exp_case[$i]} ]]; then matched=$i; break; fi
    done
    if [[ -n $matched ]]; then
      exp_hit[matched]=1
      exp_seen+=("$f.test $c: ${exp_reason[$matched]}")
      note+=("expected: $c")
    else
      bad=1
      unexpected+=("$f.test: $c fails only with walsafe")
      note+=("UNEXPECTED: $c")
    fi
  done <"$work/res/walsafe.$f.failed"
  while read -r c; do
    [[ -z $c ]] && continue
    grep -qxF -- "$c" "$work/res/walsafe.$f.failed" ||
      stock_notes+=("$f.test: $c fails only with stock")
  done <"$work/res/stock.$f.failed"
  if [[ $s_tests != - && $w_tests != - && $s_tests != "$w_tests" ]]; then
    note+=("test counts differ")
  fi
  if [[ $bad -eq 0 ]]; then passed=$((passed + 1)); else
    failed=$((failed + 1))
  fi
  status=ok
  [[ $bad -eq 0 ]] || status=FAIL
  s_col="$s_tests/$s_err"
  w_col="$w_tests/$w_err"
  [[ -z $s_dead ]] || s_col="$s_col!"
  [[ -z $w_dead ]] || w_col="$w_col!"
  notes=$(IFS=';'; echo "${note[*]}")
  rows+=("$(printf '%-18s %14s %5s %14s %5s  %-4s %s' "$f.test" "$s_col" "${s_sec}s" "$w_col" "${w_sec}s" \
    "$status" "${notes//;/; }")")
done

# --- 5. report --------------------------------------------------------------
echo
echo "SQLite $sqlite_version TCL tests ($(cat "$src/.debian-dsc")), stock vs walsafe as the default VFS"
echo "(tests/errors per file; '!' = the file died before or after its summary; logs: $logs)"
printf '%-18s %14s %5s %14s %5s  %-4s %s\n' "file" "stock t/e" "time" "walsafe t/e" "time" "" "notes"
printf '%s\n' "${rows[@]}"
echo
for t in stock walsafe; do
  leaks=$({ grep -l '^Unfreed memory' "$logs/$t"/*.log 2>/dev/null || true; } | wc -l)
  [[ $leaks -eq 0 ]] || echo "$t: $leaks file(s) ended with 'Unfreed memory' (not counted; see the logs)"
done
if [[ ${#exp_seen[@]} -gt 0 ]]; then
  echo "Expected differences seen (${#exp_seen[@]}), from ${expected_file#"$root"/}:"
  printf '  %s\n' "${exp_seen[@]}"
fi
for i in "${!exp_file[@]}"; do
  in_run=0
  for f in "${files[@]}"; do [[ $f == "${exp_file[$i]}" ]] && in_run=1; done
  if [[ ${exp_hit[$i]} -eq 0 && $in_run -eq 1 ]]; then
    echo "  listed but not seen (remove it from the list?): ${exp_file[$i]}.test ${exp_case[$i]}"
  fi
done
if [[ ${#stock_notes[@]} -gt 0 ]]; then
  echo "Stock failures (not counted against walsafe):"
  printf '  %s\n' "${stock_notes[@]}"
fi
if [[ ${#unexpected[@]} -gt 0 ]]; then
  echo "UNEXPECTED walsafe-only failures:"
  printf '  %s\n' "${unexpected[@]}"
fi
echo "time: build $((t_built - t_start))s, tests $((t_ran - t_built))s, total $((SECONDS - t_start))s"
echo "sqlite-tcl: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
