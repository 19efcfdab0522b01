#!/usr/bin/env bash
# Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#
# Prints, one per line, the Debian packages that own the shared libraries the given executables
# load (as ldd resolves them). The Dockerfile's runtime stage installs exactly these, so it holds
# what qlab and qlab-bench need and nothing else. Fails if a library belongs to no package.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: runtime-packages.sh EXECUTABLE..." >&2; exit 2; }

owner() {
  # Debian 12 is merged-/usr: dpkg may record a library under /lib or under /usr/lib, and ldd may
  # print either, so try the path, its resolved target, and both spellings of each.
  local path=$1 candidate real
  real=$(readlink -f "$path")
  for candidate in "$path" "$real" "/usr${path#/usr}" "${path#/usr}" "/usr${real#/usr}" "${real#/usr}"; do
    if dpkg-query -S "$candidate" >/dev/null 2>&1; then
      dpkg-query -S "$candidate" | head -n 1 | cut -d: -f1
      return 0
    fi
  done
  echo "runtime-packages: $path belongs to no Debian package" >&2
  return 1
}

libraries=$(for exe in "$@"; do ldd "$exe"; done | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u)
for lib in $libraries; do owner "$lib"; done | sort -u
