# shellcheck shell=bash
# assert.sh: tiny assertions for the client tests written in bash.
# Each prints "ok   what" or "FAIL what" with the evidence; finish prints
# the tally and exits non-zero if anything failed.
checks_failed=0
checks_passed=0

pass() { echo "ok   $1"; checks_passed=$((checks_passed + 1)); }
fail() { echo "FAIL $1"; shift; printf '     %s\n' "$@"; checks_failed=$((checks_failed + 1)); }

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "expected: $2" "actual:   $3"; fi
}

# expect_contains WHAT NEEDLE HAYSTACK
expect_contains() {
  case "$3" in *"$2"*) pass "$1" ;; *) fail "$1" "expected to contain: $2" "actual: $3" ;; esac
}

# expect_not_contains WHAT NEEDLE HAYSTACK
expect_not_contains() {
  case "$3" in *"$2"*) fail "$1" "expected not to contain: $2" "actual: $3" ;; *) pass "$1" ;; esac
}

# files_left DB: which of DB, DB-wal, DB-shm, DB-journal exist, e.g. "db -wal -shm"
files_left() {
  local out="" s
  [ -e "$1" ] && out="db"
  for s in -wal -shm -journal; do [ -e "$1$s" ] && out="$out $s"; done
  echo "${out# }"
}

finish() {
  echo "$checks_passed passed, $checks_failed failed"
  [ "$checks_failed" -eq 0 ]
}
