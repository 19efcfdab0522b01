#!/usr/bin/env bash
# Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#
# Builds the project's Dockerfile with rootful podman and runs the image's default command on the
# California Housing data mounted read-only at /data, checking the exit code and the output.
#
#   bash tools/container.sh                  build, run the default command (qlab run), check it
#   bash tools/container.sh -- targets --json  replace the image's CMD (the arguments of its
#                                              `qlab` entrypoint) with these
#
# Environment:
#   QLAB_CONTAINER_ROOT    podman's private storage and config (default /var/tmp/qlab-podman); the
#                          debootstrapped base image is kept there between runs (tools/podman.sh)
#   QLAB_CONTAINER_TAG     image tag (default localhost/qlab:dev)
#   QLAB_CONTAINER_EXPECT  text the default command's output must contain (default: the test R² of
#                          ../shared/data/README.md's table, to 12 digits)
#   QLAB_DATA_DIR / QLAB_DATA_MIRROR   where cal_housing.data is found (as tools/fetch-data.sh)
#
# Why the flags podman runs with: tools/podman.sh.
#
# Exit codes: 0 built, ran and checked (or printed "SKIPPED: reason" where podman cannot run);
# 1 the build, the run or the check failed; 2 usage error.
set -euo pipefail
cd "$(dirname "$0")/.."
source_dir=$PWD

tag="${QLAB_CONTAINER_TAG:-localhost/qlab:dev}"
expect="${QLAB_CONTAINER_EXPECT-0.575787706032}"

command_override=()
if [ $# -gt 0 ]; then
  if [ "$1" != -- ] || [ $# -lt 2 ]; then
    echo "usage: bash tools/container.sh [-- ARG...]" >&2
    exit 2
  fi
  shift
  command_override=("$@")
fi

log() { echo "container: $*" >&2; }
skip() {
  echo "SKIPPED: $*"
  exit 0
}
fail() {
  echo "container: FAILED: $*" >&2
  exit 1
}

# --- podman, and the base image ---------------------------------------------------------------
# shellcheck source=tools/podman.sh
source tools/podman.sh

# --- Data, mounted read-only -------------------------------------------------------------------
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

# --- Build -------------------------------------------------------------------------------------
log "podman build -t $tag (compiles the project inside the image; slow on 2 cores)"
start=$(date +%s)
mkdir -p build/container
build_log="$source_dir/build/container/build.log"
if ! podman_ build --pull=never --network host "${ulimits[@]}" --layers -t "$tag" -f Dockerfile . \
  >"$build_log" 2>&1; then
  tail -n 40 "$build_log" >&2
  fail "podman build (whole log: $build_log)"
fi
log "built $tag in $(($(date +%s) - start)) s"
# Earlier builds leave untagged images behind; keep a day's worth as the layer cache.
podman_ image prune -f --filter until=24h >/dev/null 2>&1 || true

# --- Run ---------------------------------------------------------------------------------------
out_dir="$source_dir/build/container/out"
rm -rf "$out_dir"
mkdir -p "$out_dir"
# The image runs as an unprivileged user in its working directory; the reports it writes there land
# in build/container/out (a scratch folder, so world-writable is fine).
chmod 0777 "$out_dir"
workdir=$(podman_ image inspect --format '{{.Config.WorkingDir}}' "$tag")

run=(podman_ run --rm --pull=never --network host "${ulimits[@]}"
  -v "$data_dir:/data:ro" -v "$out_dir:${workdir:-/tmp}/reports" "$tag" "${command_override[@]}")
log "${run[*]}"
set +e
output=$("${run[@]}" 2>&1)
code=$?
set -e
printf '%s\n' "$output"
[ "$code" -eq 0 ] || fail "the image's command exited with $code"
if [ ${#command_override[@]} -eq 0 ] && [ -n "$expect" ]; then
  grep -qF -- "$expect" <<<"$output" || fail "the output lacks \"$expect\""
fi
log "OK: built in $(($(date +%s) - start)) s total, ran and checked"
