#!/usr/bin/env bash
# run_consumer_test.sh HOW BUILD_DIR WORK_DIR
# Installs the walsafe build in BUILD_DIR into WORK_DIR/prefix (cmake
# --install), then builds tests/consumer/project/consumer.c against it the
# way a downstream project would (HOW: find_package or pkg-config) and runs
# it. Exit 77 (ctest: skipped) only when pkg-config is not installed.
set -euo pipefail
how=$1
build=$2
work=$3
project=$(cd "$(dirname "$0")/project" && pwd)

rm -rf "$work"
mkdir -p "$work"
cmake --install "$build" --prefix "$work/prefix" >"$work/install.log"
echo "installed into $work/prefix:"
(cd "$work/prefix" && find . -type f | sort | sed 's/^/  /')

case "$how" in
  find_package)
    cmake -S "$project" -B "$work/build" -DCMAKE_PREFIX_PATH="$work/prefix" >"$work/configure.log" ||
      { cat "$work/configure.log"; exit 1; }
    cmake --build "$work/build" >"$work/build.log" || { cat "$work/build.log"; exit 1; }
    consumer="$work/build/consumer"
    ;;
  pkg-config)
    command -v pkg-config >/dev/null ||
      { echo "SKIP: pkg-config is not installed (Debian: apt-get install pkg-config)"; exit 77; }
    pc=$(find "$work/prefix" -name walsafe.pc | head -n 1)
    [ -n "$pc" ] || { echo "FAIL: no walsafe.pc installed"; exit 1; }
    export PKG_CONFIG_PATH
    PKG_CONFIG_PATH=$(dirname "$pc")
    echo "pkg-config --cflags --libs walsafe: $(pkg-config --cflags --libs walsafe)"
    # The compile line a Makefile would use:
    # shellcheck disable=SC2046 # pkg-config prints a list of words
    cc -std=c11 -o "$work/consumer" "$project/consumer.c" $(pkg-config --cflags --libs walsafe)
    consumer="$work/consumer"
    ;;
  *) echo "usage: run_consumer_test.sh find_package|pkg-config BUILD_DIR WORK_DIR" >&2; exit 2 ;;
esac

# set -e: a failing consumer stops here and leaves $work to look at.
"$consumer" "$work/consumer.db"
rm -rf "$work"
