#!/usr/bin/env bash
# The mutation check (docs/mutation.md): plants each bug listed in
# tests/mutation/mutants.txt, one at a time, in a scratch copy of the repo,
# builds the Linux suites (system SQLite, Debug) and runs them (ctest -L
# linux). A mutant is caught when some test fails, missed when every test
# passes, and an error when its snippet is not found exactly once in its
# file (the list must not rot silently) or it does not compile.
#
# Usage: scripts/mutation-check.sh [-k] [-s] [MUTANT_ID...]   (default: all)
#   -k  keep the scratch directory (its path is printed)
#   -s  stop each mutant's run at its first failing suite (faster; names
#       fewer of the tests that catch it)
# Environment: WALSAFE_MUTANTS (the list; default tests/mutation/mutants.txt),
#   WALSAFE_MUTATION_DIR (the scratch directory; default a new one in /tmp).
# Exit status 0 only when every mutant applied, built and was caught.
# /work/main's own files are never modified: only the copy is.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
keep=0
stop=()
while [ $# -gt 0 ]; do
  case "$1" in
    -k) keep=1 ;;
    -s) stop=(--stop-on-failure) ;;
    -*) echo "usage: $0 [-k] [-s] [MUTANT_ID...]" >&2; exit 2 ;;
    *) break ;;
  esac
  shift
done
list=${WALSAFE_MUTANTS:-$root/tests/mutation/mutants.txt}
work=${WALSAFE_MUTATION_DIR:-$(mktemp -d /tmp/walsafe-mutation.XXXXXX)}
src=$work/src
build=$work/build
pristine=$work/pristine
mkdir -p "$work"
cleanup() { if [ "$keep" -eq 0 ]; then rm -rf "$work"; else echo "scratch directory kept: $work"; fi; }
trap cleanup EXIT

# The mutants file, read and applied by this helper (format: docs/mutation.md).
mutants_py=$(
  cat <<'EOF'
import sys

def parse(path):
    mutants, cur, block, buf = [], None, None, []
    def flush():
        nonlocal block, buf
        if block == "original":
            cur["hunks"].append(["\n".join(buf), None])
        elif block == "replacement":
            cur["hunks"][-1][1] = "\n".join(buf)
        block, buf = None, []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f.read().split("\n"), 1):
            if block in ("original", "replacement") and not line.startswith("--- "):
                buf.append(line)
                continue
            if line.startswith("=== "):
                if block is not None:
                    sys.exit("%s:%d: mutant %s has no '--- end'" % (path, n, cur["id"]))
                cur = {"id": line[4:].strip(), "file": None, "bug": "", "hunks": [], "line": n}
                if any(m["id"] == cur["id"] for m in mutants):
                    sys.exit("%s:%d: duplicate mutant id %s" % (path, n, cur["id"]))
                mutants.append(cur)
                block = "head"
            elif line in ("--- original", "--- replacement", "--- end"):
                if cur is None or block is None:
                    sys.exit("%s:%d: %s outside a mutant" % (path, n, line))
                want = {"--- original": ("head", "replacement"), "--- replacement": ("original",),
                        "--- end": ("replacement",)}[line]
                if block not in want:
                    sys.exit("%s:%d: %s after %s" % (path, n, line, block))
                flush()
                block = None if line == "--- end" else line[4:]
            elif block == "head" and line.startswith("file:"):
                cur["file"] = line[5:].strip()
            elif block == "head" and line.startswith("bug:"):
                cur["bug"] = line[4:].strip()
            elif block == "head" and line.startswith("  "):
                cur["bug"] += " " + line.strip()
            elif line.strip() == "" or line.startswith("#"):
                continue
            else:
                sys.exit("%s:%d: unexpected line: %s" % (path, n, line))
    if block is not None:
        sys.exit("%s: the last mutant has no '--- end'" % path)
    for m in mutants:
        if not m["file"] or not m["hunks"] or not m["bug"]:
            sys.exit("%s:%d: mutant %s needs file:, bug: and at least one hunk" % (path, m["line"], m["id"]))
    return mutants

cmd, path = sys.argv[1], sys.argv[2]
mutants = parse(path)
if cmd == "list":
    for m in mutants:
        print("%s\t%s\t%s" % (m["id"], m["file"], m["bug"]))
elif cmd == "apply":
    mid, srcdir = sys.argv[3], sys.argv[4]
    m = next((m for m in mutants if m["id"] == mid), None)
    if m is None:
        sys.exit("no mutant %s" % mid)
    target = srcdir + "/" + m["file"]
    with open(target, encoding="utf-8") as f:
        text = f.read()
    for i, (old, new) in enumerate(m["hunks"], 1):
        count = text.count(old)
        if count != 1:
            print("hunk %d of %s found %d times in %s (want exactly 1)" % (i, mid, count, m["file"]))
            sys.exit(3)
        text = text.replace(old, new)
    with open(target, "w", encoding="utf-8") as f:
        f.write(text)
EOF
)
mutants() { python3 -c "$mutants_py" "$@"; }

listing=$(mutants list "$list")
ids=("$@")
if [ ${#ids[@]} -eq 0 ]; then
  mapfile -t ids < <(cut -f1 <<<"$listing")
fi

echo "=== scratch copy in $work"
# The working tree as it is (tracked and untracked files, not ignored ones).
rm -rf "$src" "$pristine"
mkdir -p "$src" "$pristine"
(cd "$root" && git ls-files -z --cached --others --exclude-standard | tar --null --ignore-failed-read -T - -cf -) |
  tar -C "$src" -xf -
cp -r "$src/vfs" "$pristine/vfs"
suites=$(sed -n '/^set(WALSAFE_TEST_SUITES/,/)/p' "$src/tests/CMakeLists.txt" | tr -d '()' |
  sed 's/set//; s/WALSAFE_TEST_SUITES//' | tr -s ' \n' ' ')
# shellcheck disable=SC2206 # a list of target names
targets=($suites)

build_suites() { cmake --build "$build" -j2 --target "${targets[@]}" >"$1" 2>&1; }
run_suites() { ctest --test-dir "$build" -L linux -j2 --timeout 300 --output-on-failure "${stop[@]}" >"$1" 2>&1; }

t0=$(date +%s)
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DWALSAFE_BUILD_BENCH=OFF >"$work/configure.log" 2>&1 ||
  { cat "$work/configure.log"; exit 2; }
build_suites "$work/build.log" || { tail -40 "$work/build.log"; exit 2; }
if ! run_suites "$work/baseline.log"; then
  grep -E ':[FE]:' "$work/baseline.log" || tail -40 "$work/baseline.log"
  echo "mutation: the suites fail without any mutant; nothing to check" >&2
  exit 2
fi
echo "=== baseline: built and passed in $(($(date +%s) - t0)) s"

passed=0
failed=0
problems=()
start=$(date +%s)
for id in "${ids[@]}"; do
  line=$(awk -F'\t' -v id="$id" '$1 == id' <<<"$listing")
  if [ -z "$line" ]; then
    echo "mutation: no mutant $id in $list" >&2
    exit 2
  fi
  # Every vfs/ file back as it was (a new mtime, so make rebuilds it).
  for f in "$pristine"/vfs/*; do
    cmp -s "$f" "$src/vfs/${f##*/}" || cp "$f" "$src/vfs/${f##*/}"
  done
  m0=$(date +%s)
  log="$work/$id.log"
  blog="$work/$id.build.log"
  if ! out=$(mutants apply "$list" "$id" "$src" 2>&1); then
    result="DID NOT APPLY ($out)"
    failed=$((failed + 1))
    problems+=("$id")
  elif ! build_suites "$blog"; then
    result="DID NOT BUILD (see the compiler error below)"
    grep -m5 -E 'error' "$blog" || true
    failed=$((failed + 1))
    problems+=("$id")
  elif run_suites "$log"; then
    result="MISSED"
    failed=$((failed + 1))
    problems+=("$id")
  else
    # The failing Check tests (file:line:F/E:tcase:name:...), or the suite.
    by=$(grep -oE '^[^: ]+\.c:[0-9]+:[FE]:[^:]*:[^:]+:' "$log" | cut -d: -f5 | sort -u | tr '\n' ' ' || true)
    [ -n "$by" ] || by=$(grep -oE 'Test +#[0-9]+: [a-z_]+ .*(Failed|Timeout|Exception)' "$log" |
      awk '{print $3 "(" $NF ")"}' | tr '\n' ' ' || true)
    # shellcheck disable=SC2086 # a list of names
    set -- $by
    if [ $# -gt 3 ]; then by="$1 $2 $3 (+$(($# - 3)) more)"; fi
    result="caught by: ${by:-a failing suite (see $log)}"
    passed=$((passed + 1))
  fi
  printf '%-48s %3ds  %s\n' "$id" $(($(date +%s) - m0)) "$result"
done
total=$(($(date +%s) - start))
n=${#ids[@]}
echo
echo "mutation: $n mutant(s) in ${total} s (about $((total / (n > 0 ? n : 1))) s each), plus the baseline build and run"
if [ ${#problems[@]} -gt 0 ]; then
  echo "mutation: not caught or not applied: ${problems[*]}"
  keep=1
fi
echo "mutation: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
