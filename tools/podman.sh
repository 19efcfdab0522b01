# Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#
# Sourced by tools/container.sh and tools/deb-test.sh: makes rootful podman usable on these
# machines, or skips. The caller defines log, skip (prints "SKIPPED: reason", exits 0) and fail,
# and may set QLAB_CONTAINER_ROOT (podman's private storage and config, default
# /var/tmp/qlab-podman; the debootstrapped base image is kept there between runs). Afterwards:
#   podman_ ...        podman with the flags below;  "${ulimits[@]}"  the --ulimit flags for run
#   BASE_IMAGE         docker.io/library/debian:bookworm-slim, present and able to run `true`
#   source_dir         the checkout (the current directory when sourced)
#
# Why the flags: on these machines crun rejects the hybrid cgroup set-up (so --runtime runc), there
# is no bridge networking (--network host), podman's default nproc ulimit can exceed what the kernel
# allows (explicit --ulimit within the hard limits and kernel.pid_max), and no registry is reachable
# (--pull=never, with a base image debootstrapped from the host's own Debian mirror and tagged
# docker.io/library/debian:bookworm-slim).
# shellcheck shell=bash

readonly BASE_IMAGE=docker.io/library/debian:bookworm-slim
root="${QLAB_CONTAINER_ROOT:-/var/tmp/qlab-podman}"
source_dir=${source_dir:-$PWD}

# --- Can rootful podman run here? ---------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || skip "$(basename "$0") needs root (rootful podman with runc); run it as root"

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
