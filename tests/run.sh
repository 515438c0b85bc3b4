#!/usr/bin/env bash
# The whole test suite: the release build's tests, all of them again under ASan+UBSan, then
# the end-to-end (threaded) tests against a ThreadSanitizer build of pftally. Run from anywhere; builds into build/ and build-tsan/ at the top level.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

echo "== release build: all tests"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPFT_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure

echo "== AddressSanitizer + UndefinedBehaviorSanitizer build: all tests"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPFT_SANITIZE=address,undefined \
  -DPFT_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS="detect_leaks=1:abort_on_error=1" UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1" \
  ctest --test-dir build-asan --output-on-failure

echo "== ThreadSanitizer build: the end-to-end tests against a TSan-built pftally"
# Criterion cannot start under TSan (its arena clashes with TSan's shadow memory), and the
# threads live in the pftally executable: the release build's e2e tests run it instead.
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPFT_SANITIZE=thread \
  -DPFT_BUILD_TESTS=OFF -DPFT_BUILD_TOOLS=OFF -DPFT_BUILD_BENCH=OFF >/dev/null
cmake --build build-tsan -j"$jobs" --target pftally
PFT_TEST_PFTALLY="$PWD/build-tsan/pftally" \
  TSAN_OPTIONS="halt_on_error=1 exitcode=66 suppressions=$PWD/tests/tsan.supp" \
  build/tests/test_e2e
