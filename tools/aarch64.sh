#!/usr/bin/env bash
# Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#
# The aarch64 step: installs the cross toolchain, arm64 libraries and qemu-user, cross-builds the
# whole project (presets `aarch64`, build/aarch64) and runs ctest under emulation: the kernel
# suites once per emulated CPU model, the rest on max,sve=off (tests/CMakeLists.txt). Prints how
# long each part took. No speed is measured under emulation.
#   bash tools/aarch64.sh [ctest arguments...]     e.g. -L kernels
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${QLAB_JOBS:-$(nproc)}"
start=$(date +%s)
bash tools/install-deps.sh aarch64
cmake --preset aarch64 >/dev/null
configured=$(date +%s)
cmake --build --preset aarch64 -j"$jobs"
built=$(date +%s)
export QLAB_DATA_DIR="${QLAB_DATA_DIR:-$PWD/data}"
bash tools/fetch-data.sh "$QLAB_DATA_DIR"
status=0
ctest --preset aarch64 -j"$jobs" "$@" || status=$?
done=$(date +%s)
printf 'aarch64: install+configure %d s, build %d s, ctest %d s, total %d s\n' \
  $((configured - start)) $((built - configured)) $((done - built)) $((done - start))
exit "$status"
