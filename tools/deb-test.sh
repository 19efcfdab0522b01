#!/usr/bin/env bash
# Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#
# The Debian package on a fresh machine: makes the .deb with `cpack -G DEB` (its Depends from
# dpkg-shlibdeps), installs it with apt in a fresh bookworm container (rootful podman, set up by
# tools/podman.sh), and runs `qlab run` there as an unprivileged user on the California Housing
# data mounted read-only, checking the exit code and the test R². Prints how long the container
# part took (CI's budget for it is 3 minutes).
#
#   bash tools/deb-test.sh            package build/release (building qlab and qlab-bench first
#                                     when needed), then test that .deb
#   bash tools/deb-test.sh FILE.deb   test that .deb
#
# Environment: QLAB_BUILD_DIR (default build/release), QLAB_JOBS (default nproc),
# QLAB_CONTAINER_ROOT (tools/podman.sh), QLAB_CONTAINER_EXPECT (as tools/container.sh),
# QLAB_DATA_DIR / QLAB_DATA_MIRROR (as tools/fetch-data.sh).
# Exit codes: 0 installed, ran and checked (or "SKIPPED: reason" where podman cannot run);
# 1 packaging, installing, the run or the check failed; 2 usage error.
set -euo pipefail
cd "$(dirname "$0")/.."
source_dir=$PWD
expect="${QLAB_CONTAINER_EXPECT-0.575787706032}"
readonly BUDGET_SECONDS=180

log() { echo "deb-test: $*" >&2; }
skip() {
  echo "SKIPPED: $*"
  exit 0
}
fail() {
  echo "deb-test: FAILED: $*" >&2
  exit 1
}

case $# in
  0) deb="" ;;
  1) deb=$(realpath "$1") && [ -f "$deb" ] || { echo "deb-test: no such file: $1" >&2; exit 2; } ;;
  *) echo "usage: bash tools/deb-test.sh [FILE.deb]" >&2; exit 2 ;;
esac

# --- The package -------------------------------------------------------------------------------
if [ -z "$deb" ]; then
  build="${QLAB_BUILD_DIR:-build/release}"
  bash tools/install-deps.sh
  [ -f "$build/CMakeCache.txt" ] || cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
  cmake --build "$build" --target qlab qlab-bench -j "${QLAB_JOBS:-$(nproc)}"
  rm -rf "$build/package"
  (cd "$build" && cpack -G DEB -B "$PWD/package" >package.log 2>&1) || {
    tail -n 30 "$build/package.log" >&2
    fail "cpack -G DEB (whole log: $build/package.log)"
  }
  deb=$(ls "$PWD/$build"/package/qlab_*.deb)
fi
log "$deb"
dpkg-deb --field "$deb" Package Version Architecture Depends Recommends >&2

# --- podman, and the base image ----------------------------------------------------------------
# shellcheck source=tools/podman.sh
source tools/podman.sh

data_dir=""
if [ -n "${QLAB_DATA_DIR:-}" ] && [ -f "$QLAB_DATA_DIR/cal_housing.data" ]; then
  data_dir=$(cd "$QLAB_DATA_DIR" && pwd)
else
  if [ -z "${QLAB_DATA_MIRROR:-}" ] && [ -f "$source_dir/../shared/data/cal_housing.data" ]; then
    export QLAB_DATA_MIRROR="$source_dir/../shared/data"
  fi
  data_dir="$source_dir/build/container/data"
  bash tools/fetch-data.sh "$data_dir"
fi

# --- Install and run in a fresh container ------------------------------------------------------
# apt resolves the package's Depends (and installs the Recommends, gnuplot-nox, as apt does by
# default) from the Debian mirror; nothing from the build machine enters the container but the
# .deb and the data.
script='set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq /pkg/qlab.deb >/tmp/apt.log 2>&1 || { tail -n 30 /tmp/apt.log; exit 1; }
command -v qlab qlab-bench
useradd --create-home --shell /bin/sh qlab
cd /home/qlab
su qlab -c "QLAB_DATA_DIR=/data qlab run"'
start=$(date +%s)
set +e
output=$(podman_ run --rm --pull=never --network host "${ulimits[@]}" \
  -v "$deb:/pkg/qlab.deb:ro" -v "$data_dir:/data:ro" "$BASE_IMAGE" bash -c "$script" 2>&1)
code=$?
set -e
seconds=$(($(date +%s) - start))
printf '%s\n' "$output"
log "fresh bookworm container: install and qlab run took $seconds s (budget $BUDGET_SECONDS s)"
[ "$code" -eq 0 ] || fail "installing the package or qlab run exited with $code"
if [ -n "$expect" ]; then
  grep -qF -- "$expect" <<<"$output" || fail "the output lacks \"$expect\""
fi
[ "$seconds" -le "$BUDGET_SECONDS" ] || fail "took $seconds s, over the $BUDGET_SECONDS s budget"
log "OK: installed $(basename "$deb") in a fresh bookworm container, qlab run checked ($seconds s)"
