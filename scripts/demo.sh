#!/usr/bin/env bash
# Installs the dependencies, builds walsafe and runs the demo: the plain VFS
# leaving -wal/-shm behind, and walsafe cleaning up.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$root/build" -j2 --target walsafe_demo walsafe_ext >/dev/null
exec "$root/build/walsafe_demo"
