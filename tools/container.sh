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
#                          debootstrapped base image is kept there between runs
#   QLAB_CONTAINER_TAG     image tag (default localhost/qlab:dev)
#   QLAB_CONTAINER_EXPECT  text the default command's output must contain (default: the test R² of
#                          ../shared/data/README.md's table, to 12 digits)
#   QLAB_DATA_DIR / QLAB_DATA_MIRROR   where cal_housing.data is found (as tools/fetch-data.sh)
#
# Why the flags: on these machines crun rejects the hybrid cgroup set-up (so --runtime runc), there
# is no bridge networking (--network host), podman's default nproc ulimit can exceed what the kernel
# allows (explicit --ulimit within the hard limits and kernel.pid_max), and no registry is reachable
# (--pull=never, with a base image debootstrapped from the host's own Debian mirror and tagged
# docker.io/library/debian:bookworm-slim).
#
# Exit codes: 0 built, ran and checked (or printed "SKIPPED: reason" where podman cannot run);
# 1 the build, the run or the check failed; 2 usage error.
set -euo pipefail
cd "$(dirname "$0")/.."
source_dir=$PWD

readonly BASE_IMAGE=docker.io/library/debian:bookworm-slim
tag="${QLAB_CONTAINER_TAG:-localhost/qlab:dev}"
root="${QLAB_CONTAINER_ROOT:-/var/tmp/qlab-podman}"
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

# --- Can rootful podman run here? ---------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || skip "tools/container.sh needs root (rootful podman with runc); run it as root"

need=()
command -v podman >/dev/null || need+=(podman)
command -v runc >/dev/null || need+=(runc)
command -v debootstrap >/dev/null || need+=(debootstrap)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]} (Debian packages)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need[@]}" >/dev/null
fi

in_container=""
[ -e /run/.containerenv ] && in_container=/run/.containerenv
[ -e /.dockerenv ] && in_container=/.dockerenv

mkdir -p "$root"/{conf,tmp,libpod-tmp,networks,volumes}
nofile=$(ulimit -Hn)
nproc=$(ulimit -Hu)
pid_max=$(cat /proc/sys/kernel/pid_max)
[ "$nofile" = unlimited ] && nofile=1048576
if [ "$nproc" = unlimited ] || [ "$nproc" -gt "$pid_max" ]; then nproc=$pid_max; fi

# A private storage root and configuration, so this never touches (or waits on) another podman user.
cat >"$root/conf/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$root/storage"
runroot = "$root/runroot"
CONF
cat >"$root/conf/containers.conf" <<CONF
[containers]
netns = "host"
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
tmp_dir = "$root/libpod-tmp"
volume_path = "$root/volumes"
events_logger = "file"
[network]
network_config_dir = "$root/networks"
CONF
export CONTAINERS_STORAGE_CONF="$root/conf/storage.conf"
export CONTAINERS_CONF="$root/conf/containers.conf"
export TMPDIR="$root/tmp"  # podman build's layer scratch space

podman_() { podman --runtime runc --cgroup-manager cgroupfs "$@"; }
ulimits=(--ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc")

if ! probe=$(podman_ info --format '{{.Store.GraphDriverName}}' 2>&1); then
  skip "podman cannot start here${in_container:+ (inside a container: $in_container)}: $(echo "$probe" | tail -n 1)"
fi

# --- Base image: debootstrap from the host's Debian mirror when the tag is missing ---------------
host_mirror() {
  local m=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    m=$(awk '$1 == "URIs:" { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m=$(awk '$1 == "deb" && $2 !~ /^\[/ { print $2; exit } $1 == "deb" { print $3; exit }' \
      /etc/apt/sources.list)
  fi
  echo "${m:-http://deb.debian.org/debian}"
}

if ! podman_ image exists "$BASE_IMAGE"; then
  mirror=$(host_mirror)
  rootfs="$root/rootfs.$$"
  log "no $BASE_IMAGE here: debootstrap --variant=minbase bookworm from $mirror (a few minutes)"
  rm -rf "$rootfs"
  if ! debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$root/debootstrap.log" 2>&1; then
    rm -rf "$rootfs"
    fail "debootstrap failed; see $root/debootstrap.log"
  fi
  # Apt inside the image uses the same mirror (deb822 sources, as Debian's own images do).
  rm -f "$rootfs/etc/apt/sources.list"
  cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<SOURCES
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: ${mirror%/debian}/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
  tar -C "$rootfs" -c . | podman_ import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' - "$BASE_IMAGE" >/dev/null
  rm -rf "$rootfs"
  log "imported $BASE_IMAGE"
fi

# A container that cannot even run `true` means this host cannot run podman containers at all
# (typically nested inside another container without the privileges): skip, saying why.
if ! probe=$(podman_ run --rm --pull=never --network host "${ulimits[@]}" "$BASE_IMAGE" true 2>&1); then
  skip "podman cannot run a container here${in_container:+ (inside a container: $in_container)}: $(echo "$probe" | tail -n 1)"
fi

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
