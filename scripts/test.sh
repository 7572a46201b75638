#!/usr/bin/env bash
# The test command: installs the build dependencies, builds with AddressSanitizer + UBSan and runs
# every suite with CTest. Usage: scripts/test.sh [extra ctest args]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
BUILD_DIR=${CAPSTAN_TEST_BUILD_DIR:-build-asan}
# ccache keyed on paths relative to the checkout, so another clone of the same code hits the cache.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCAPSTAN_SANITIZE=ON >/dev/null
cmake --build "$BUILD_DIR" -j "$(nproc)"
# detect_leaks stays on; halt_on_error makes a sanitizer report fail the test that caused it.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(nproc)" "$@"
