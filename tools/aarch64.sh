#!/usr/bin/env bash
# Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#
# The aarch64 step: installs the cross toolchain, arm64 libraries and qemu-user, cross-builds the
# whole project (presets `aarch64`, build/aarch64) and runs ctest under emulation: the kernel
# suites once per emulated CPU model, the rest on max,sve=off (tests/CMakeLists.txt). Prints how
# long each part took. No speed is measured under emulation. The cross-architecture test needs
# the native qlab (QLAB_NATIVE_QLAB, else build/release's, built here if needed).
#   bash tools/aarch64.sh [ctest arguments...]     e.g. -L kernels
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="${QLAB_JOBS:-$(nproc)}"
start=$(date +%s)
bash tools/install-deps.sh aarch64
# The cross-architecture test (tests/cross/predict.sh) compares with the native qlab of this
# checkout: QLAB_NATIVE_QLAB if given (built elsewhere from the same commit), else build/release's,
# brought up to date here (the qlab target only; a no-op after tools/dev.sh test).
native="${QLAB_NATIVE_QLAB:-}"
if [ -z "$native" ]; then
  bash tools/install-deps.sh build
  cmake --preset release >/dev/null
  cmake --build --preset release --target qlab -j"$jobs"
  native="$PWD/build/release/tools/qlab"
fi
native_built=$(date +%s)
cmake --preset aarch64 -DQLAB_NATIVE_QLAB="$native" >/dev/null
configured=$(date +%s)
cmake --build --preset aarch64 -j"$jobs"
built=$(date +%s)
export QLAB_DATA_DIR="${QLAB_DATA_DIR:-$PWD/data}"
bash tools/fetch-data.sh "$QLAB_DATA_DIR"
status=0
ctest --preset aarch64 -j"$jobs" "$@" || status=$?
done=$(date +%s)
printf 'aarch64: install+native qlab %d s, configure %d s, build %d s, ctest %d s, total %d s\n' \
  $((native_built - start)) $((configured - native_built)) $((built - configured)) \
  $((done - built)) $((done - start))
exit "$status"
