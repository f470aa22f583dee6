#!/usr/bin/env bash
# bench/run.sh [BUILD_DIR]
#
# Runs every walsafe benchmark (figures 1-5 of issue 4) and prints one
# Markdown table: figure, parent (the plain "unix" VFS), walsafe, ratio,
# goal, result. Configures and builds Release first when needed:
#   BUILD_DIR            (default <repo>/build-bench)   system SQLite
#   BUILD_DIR-sqlite3.53                                pinned SQLite 3.53.2
# The pinned amalgamation is looked for in .deps/sqlite-3.53.2, then fetched
# with scripts/fetch-sqlite.sh (checksummed); without it those rows are
# skipped with a note. Needs cmake, a C compiler, valgrind (figure 5) and
# gnuplot (the plot). Takes about 5 minutes on 2 cores.
#
# Leaves in BUILD_DIR: bench-results.md (machine, table, teardown-hold table),
# teardown_hold_linux.dat and teardown_hold_linux.png (the plot).
# Env: TMPDIR   where the databases go (default /tmp; the file system matters)
#      BENCH_LIBRARY   how to name the library state (default: git HEAD)
#      BENCH_QUICK=1   few short rounds: checks that everything runs, no numbers
# Figure 6 (Windows, under Wine) is bench/run-windows.sh; run the two one
# after the other, not together (2 cores).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(realpath -m "${1:-$repo/build-bench}")"
build_amalg="$build-sqlite3.53"
results="$build/bench-results.md"

log() { echo "bench: $*" >&2; }

configure_and_build() { # DIR [cmake args...]
  local dir="$1"; shift
  if [[ ! -f "$dir/CMakeCache.txt" ]]; then
    cmake -S "$repo" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DWALSAFE_BUILD_TESTS=OFF "$@" >/dev/null
  fi
  cmake --build "$dir" -j"$(nproc)" --target walsafe_bench >/dev/null
}

amalg=""
for d in "$repo/.deps/sqlite-3.53.2" /tmp/bsq/package/deps/sqlite3; do
  [[ -f "$d/sqlite3.c" ]] && { amalg="$d"; break; }
done
if [[ -z "$amalg" ]] && "$repo/scripts/fetch-sqlite.sh" >/dev/null 2>&1; then
  amalg="$repo/.deps/sqlite-3.53.2"
fi

log "building $build"
configure_and_build "$build"
bench_sys="$build/bench/walsafe_bench"
bench_amalg=""
if [[ -n "$amalg" ]]; then
  log "building $build_amalg against $amalg"
  configure_and_build "$build_amalg" -DWALSAFE_SQLITE_AMALGAMATION="$amalg"
  bench_amalg="$build_amalg/bench/walsafe_bench"
fi

# Sizes for the documented run; BENCH_QUICK only checks that all of it works.
if [[ "${BENCH_QUICK:-0}" == 1 ]]; then
  steady=(--warmup 1 --rounds 3 --scale 0.5); churn=(--warmup 1 --rounds 3 --scale 0.2)
  teardown=(--warmup 1 --rounds 3); scale=(--warmup 0 --rounds 1 --scale 0.2)
  threads=(--warmup 1 --rounds 3 --scale 0.2); holds=(--rounds 1); instr_scale=0.2
else
  steady=(--warmup 2 --rounds 41 --scale 2); churn=(--warmup 2 --rounds 31 --scale 0.25)
  teardown=(--warmup 2 --rounds 15); scale=(--warmup 1 --rounds 7)
  threads=(--warmup 1 --rounds 9); holds=(--rounds 5); instr_scale=2
fi

sqlite_label() { "$1" info | sed -E 's/^SQLite ([^ ]+).*/SQLite \1/'; }

# Figure 5: instructions in the measured function under callgrind.
instructions() { # BENCH FUNCTION ARGS...
  local bench="$1" fn="$2" out; shift 2
  out="$(mktemp)"
  valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect="$fn" \
    "$bench" --scale "$instr_scale" "$@" >/dev/null 2>&1
  awk '/^summary:/ {print $2}' "$out"
  rm -f "$out"
}
instr_row() { # LABEL GOAL_PERCENT BENCH FUNCTION COMMAND [ARGS...]  (VFS is inserted)
  local label="$1" goal="$2" bench="$3" fn="$4" cmd="$5"; shift 5
  local p w
  p="$(instructions "$bench" "$fn" "$cmd" unix "$@")"
  w="$(instructions "$bench" "$fn" "$cmd" walsafe "$@")"
  awk -v l="$label" -v p="$p" -v w="$w" -v g="$goal" 'BEGIN {
    r = w / p; extra = (r - 1) * 100;
    if (g == "") { goal = "—"; met = "info" } else { goal = "≤ +" g "%"; met = (extra <= g) ? "met" : "**NOT met**" }
    printf "| %s | %.0f instr | %.0f instr (%+.2f%%) | %.4f | %s | %s |\n", l, p, w, extra, r, goal, met }'
}

# Each figure writes its rows to its own file; the table is put together in
# figure order afterwards. The run order differs on purpose: figure 4a
# creates and deletes 10,000 files, and ext4 makes new files slowly for tens
# of seconds after a mass delete (it skips recently freed inodes), which
# would slow whatever ran next; so 4a runs last and 4b (whose 1-thread
# reference it would distort) first.
rows="$(mktemp -d)"
trap 'rm -rf "$rows"' EXIT

run_figures() {
  local sys_label; sys_label="$(sqlite_label "$bench_sys")"
  log "figure 4b: churn on 1, 2, 4 threads"
  "$bench_sys" "${threads[@]}" threads > "$rows/4b"
  log "figure 1: steady work ($sys_label)"
  "$bench_sys" "${steady[@]}" steady "$sys_label" > "$rows/1"
  if [[ -n "$bench_amalg" ]]; then
    log "figure 1: steady work ($(sqlite_label "$bench_amalg"))"
    "$bench_amalg" "${steady[@]}" steady "$(sqlite_label "$bench_amalg")" >> "$rows/1"
  fi
  log "figure 2: connection churn"
  "$bench_sys" "${churn[@]}" churn > "$rows/2"
  log "figure 3: teardown"
  "$bench_sys" "${teardown[@]}" teardown > "$rows/3"
  : > "$rows/5"
  if command -v valgrind >/dev/null; then
    for b in "$bench_sys" $bench_amalg; do
      local lbl; lbl="$(sqlite_label "$b")"
      for mode in WAL DELETE; do
        log "figure 5: instructions, steady $mode ($lbl)"
        instr_row "5 instructions, steady work, $mode, $lbl" 1 "$b" bench_steady_workload instr-steady "$mode" >> "$rows/5"
      done
      log "figure 5: instructions, churn ($lbl)"
      instr_row "5 instructions, churn (open, insert, close), $lbl" "" "$b" bench_churn_loop instr-churn >> "$rows/5"
    done
  else
    echo "| 5 instructions | valgrind not installed | | | ≤ +1% | not run |" > "$rows/5"
  fi
  log "teardown with the -wal held 0, 250, 1000, 3000 ms (plot data)"
  "$bench_sys" "${holds[@]}" holds "$build/teardown_hold_linux.dat"
  log "figure 4a: open+close with 1, 100, 10,000 other databases open"
  "$bench_sys" "${scale[@]}" scale > "$rows/4a"
}

report() {
  echo "### walsafe benchmarks, $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  echo "- machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), Linux $(uname -r), $(awk '/MemTotal/ {printf "%.0f GB RAM", $2/1048576}' /proc/meminfo)"
  echo "- temp dir file system: $(df -T "${TMPDIR:-/tmp}" | awk 'NR==2 {print $2}') (${TMPDIR:-/tmp})"
  echo "- system SQLite: $("$bench_sys" info)"
  if [[ -n "$bench_amalg" ]]; then echo "- pinned SQLite: $("$bench_amalg" info)"
  else echo "- pinned SQLite 3.53.2: not available (scripts/fetch-sqlite.sh failed); its rows are skipped"; fi
  echo "- library: ${BENCH_LIBRARY:-$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')$( [[ -n "$(git -C "$repo" status --porcelain -- vfs include 2>/dev/null)" ]] && echo ' + uncommitted changes in vfs/ or include/')}"
  echo "- load average before the run: $load_before"
  echo "- parent VFS: unix; A and B alternate within every round (ABBA)"
  echo "- ratio = median over rounds of each round's walsafe/parent pair, ± half its interquartile range;"
  echo "  judged on the process CPU clock for single-thread work (1, 2, 4a), with the wall clock beside it,"
  echo "  and on the wall clock where waiting is the point (3, 4b)"
  echo
  echo "| figure | parent (unix) | walsafe | ratio | goal | result |"
  echo "|---|---|---|---|---|---|"
  cat "$rows/1" "$rows/2" "$rows/3" "$rows/4a" "$rows/4b" "$rows/5"
  echo
  echo "Ratios: throughput walsafe/parent (1, 2, 4b); speed-up of walsafe (3); walsafe's cost with N others open over its cost with 1 (4a); instructions walsafe/parent (5)."
  echo
  echo "Teardown and close with the -wal held by an injected EBUSY (median of ${holds[1]}; files left of 4 after a"
  echo "teardown, side files left after a close):"
  echo
  echo "| hold | teardown: plain close + unlink | seed's pattern | walsafe_delete_database | close: plain | close: walsafe |"
  echo "|---|---|---|---|---|---|"
  grep -v '^#' "$build/teardown_hold_linux.dat" |
    awk 'function wal(n, b) { return b > 0 ? sprintf("-wal left, %d B", b) : b == 0 ? "-wal left, empty" : n " left" }
      {printf "| %d ms | %.1f ms, %d left | %.1f ms, %d left | %.1f ms, %d left | %.1f ms, %s | %.1f ms, %s |\n",
        $1, $2, $3, $4, $5, $6, $7, $8, wal($9, $10), $11, wal($12, $13)}'
}

load_before="$(cut -d' ' -f1-3 /proc/loadavg)"
run_figures
report | tee "$results"
if command -v gnuplot >/dev/null; then
  "$repo/bench/plot_teardown.sh" "$build/teardown_hold_linux.dat" "$build/teardown_hold_linux.png" \
    "Linux (unix VFS, system SQLite): unlink() of the -wal fails with EBUSY for the hold time"
  log "plot: $build/teardown_hold_linux.png"
fi
log "table: $results"
