#!/usr/bin/env bash
# The whole test suite: the release build's tests (with the best SIMD kernel, then with the
# scalar reference kernel), all of them again under ASan+UBSan, then the end-to-end (threaded)
# tests against a ThreadSanitizer build of pftally. Run from anywhere; builds into build/ and build-tsan/ at the top level.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

echo "== release build: all tests"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPFT_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
ctest --test-dir build --output-on-failure

echo "== release build: all tests again with the scalar scan kernel (the SIMD reference)"
PFT_FORCE_SCAN=scalar ctest --test-dir build --output-on-failure

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

echo "== libFuzzer targets (clang): each for ${PFT_FUZZ_SECONDS:-60} s from its seeds"
# Builds into build-fuzz/ (clang, ASan+UBSan, coverage). PFT_FUZZ_SECONDS sets the time per
# target. The seeds in tests/fuzz/seeds/ are only read: new inputs go to a scratch corpus. A
# crash, a failed check, a leak or an out-of-memory stops the script; the input that did it is
# left in build-fuzz/ (see tests/fuzz/README.md to reproduce it).
fuzz_seconds=${PFT_FUZZ_SECONDS:-60}
if ! command -v clang >/dev/null; then
  echo "  skipped: clang is not installed (apt install clang libclang-rt-14-dev)"
  exit 0
fi
CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPFT_BUILD_FUZZ=ON \
  -DPFT_BUILD_TESTS=OFF -DPFT_BUILD_TOOLS=OFF -DPFT_BUILD_BENCH=OFF -DPFT_WERROR=ON >/dev/null
cmake --build build-fuzz -j"$jobs"
fuzz_scratch=$(mktemp -d)
trap 'rm -rf "$fuzz_scratch"' EXIT
for spec in fuzz_parse_line:4096 fuzz_pipeline:8192 fuzz_input:16384; do
  target=${spec%%:*}
  max_len=${spec##*:}
  mkdir -p "$fuzz_scratch/$target"
  rm -f build-fuzz/"$target"-crash-* build-fuzz/"$target"-leak-* build-fuzz/"$target"-oom-* \
    build-fuzz/"$target"-timeout-*
  if ! build-fuzz/tests/fuzz/"$target" -max_total_time="$fuzz_seconds" -max_len="$max_len" \
      -timeout=30 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="build-fuzz/$target-" "$fuzz_scratch/$target" tests/fuzz/seeds/"$target" \
      >build-fuzz/"$target".log 2>&1; then
    tail -n 40 build-fuzz/"$target".log
    echo "FUZZ FINDING: $target failed; its input: $(ls build-fuzz/"$target"-* 2>/dev/null | grep -v '\.log$' | head -n 1)"
    # A finding is printed for the developers (make it a regression test, see
    # tests/fuzz/README.md); PFT_FUZZ_STRICT=1 makes it fail the run.
    [ "${PFT_FUZZ_STRICT:-0}" = 1 ] && exit 1
  fi
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb)' build-fuzz/"$target".log |
    sed "s/^/  $target: /" || true
done
