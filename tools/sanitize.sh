#!/usr/bin/env bash
# Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#
# The whole test suite under AddressSanitizer and UndefinedBehaviorSanitizer (the asan-ubsan
# preset): installs what is missing, fetches the data, builds, runs ctest. Any sanitizer report
# fails the test that triggered it (-fno-sanitize-recover=all, abort_on_error=1).
#   bash tools/sanitize.sh            the asan-ubsan preset
#   bash tools/sanitize.sh fuzz       the fuzz preset: each libFuzzer target for QLAB_FUZZ_SECONDS
#                                     (default 60) under ctest -L fuzz
# Environment: QLAB_DATA_DIR (default ./data), QLAB_DATA_MIRROR (as tools/fetch-data.sh),
# QLAB_JOBS (default nproc), QLAB_FUZZ_SECONDS.
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-asan-ubsan}"
jobs="${QLAB_JOBS:-$(nproc)}"
export QLAB_DATA_DIR="${QLAB_DATA_DIR:-$PWD/data}"

case "$mode" in
  asan-ubsan)
    bash tools/install-deps.sh
    bash tools/fetch-data.sh "$QLAB_DATA_DIR"
    cmake --preset asan-ubsan >/dev/null
    cmake --build --preset asan-ubsan -j "$jobs"
    ctest --preset asan-ubsan -j "$jobs"
    ;;
  fuzz)
    QLAB_EXTRA_PACKAGES="clang-14 libclang-rt-14-dev ${QLAB_EXTRA_PACKAGES:-}" bash tools/install-deps.sh
    cmake --preset fuzz -DQLAB_FUZZ_SECONDS="${QLAB_FUZZ_SECONDS:-60}" >/dev/null
    cmake --build --preset fuzz -j "$jobs"
    # One fuzzer per core; each is bounded by -max_total_time.
    ctest --preset fuzz -j "$jobs"
    ;;
  *)
    echo "usage: bash tools/sanitize.sh [asan-ubsan|fuzz]" >&2
    exit 2
    ;;
esac
