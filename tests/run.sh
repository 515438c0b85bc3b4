#!/usr/bin/env bash
# The whole test suite: the release build's tests, then the threaded tests under
# ThreadSanitizer. Run from anywhere; builds into build/ and build-tsan/ at the top level.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

echo "== release build: all tests"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPFT_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure

echo "== ThreadSanitizer build: threaded tests"
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPFT_SANITIZE=thread \
  -DPFT_BUILD_BENCH=OFF >/dev/null
cmake --build build-tsan -j"$jobs"
TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/tsan.supp" \
  ctest --test-dir build-tsan --output-on-failure -R 'test_(e2e|lifecycle|shrink)$'
