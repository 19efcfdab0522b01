#!/usr/bin/env bash
# Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#
# The install, as a user sees it: `cmake --install BUILD --prefix P` into a fresh temporary prefix,
# the files the package promises, the installed qlab runs, then tests/install/consumer configured,
# built and run against P with find_package(qlab CONFIG REQUIRED) (and nothing else on its search
# path), and the version file refusing the next major version.
#   consumer_test.sh BUILD_DIR CONSUMER_SOURCE_DIR VERSION [CMAKE]
set -euo pipefail
build=$1 consumer=$2 version=$3 cmake=${4:-cmake}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/qlab-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
fail() {
  echo "FAILED: $*" >&2
  exit 1
}

start=$(date +%s)
"$cmake" --install "$build" --prefix "$prefix" >"$tmp/install.log" || {
  cat "$tmp/install.log"
  fail "cmake --install $build --prefix $prefix"
}
for file in bin/qlab bin/qlab-bench include/qlab/kernels.h include/qlab/version.h; do
  [ -e "$prefix/$file" ] || fail "the install lacks $file"
done
config=$(cd "$prefix" && find lib* -path '*/cmake/qlab/qlabConfig.cmake' | head -n 1)
[ -n "$config" ] || fail "the install lacks LIBDIR/cmake/qlab/qlabConfig.cmake"
for file in qlabConfigVersion.cmake qlabTargets.cmake; do
  [ -e "$prefix/$(dirname "$config")/$file" ] || fail "the install lacks $(dirname "$config")/$file"
done
grep -qF "\"$version\"" "$prefix/include/qlab/version.h" || fail "include/qlab/version.h lacks \"$version\""
installed_version=$("$prefix/bin/qlab" --version)
grep -qF "$version" <<<"$installed_version" || fail "installed qlab --version: $installed_version"

# Only the prefix: no package registry, no build tree, no system-wide qlab.
isolate=(-DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
  -DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF -DCMAKE_BUILD_TYPE=Release)
"$cmake" -S "$consumer" -B "$tmp/consumer" "${isolate[@]}" >"$tmp/configure.log" 2>&1 || {
  cat "$tmp/configure.log"
  fail "configuring the consumer against $prefix"
}
found=$(grep '^qlab_DIR:' "$tmp/consumer/CMakeCache.txt" | cut -d= -f2-)
[ "$found" = "$prefix/$(dirname "$config")" ] || fail "find_package(qlab) found $found, not the prefix"
"$cmake" --build "$tmp/consumer" >"$tmp/build.log" 2>&1 || {
  cat "$tmp/build.log"
  fail "building the consumer"
}
"$tmp/consumer/qlab_consumer" || fail "the consumer's checks"

# SameMajorVersion: asking for the next major version must fail to configure.
next_major=$((${version%%.*} + 1)).0
if "$cmake" -S "$consumer" -B "$tmp/consumer-next" "${isolate[@]}" \
  -DQLAB_REQUIRE_VERSION="$next_major" >"$tmp/next.log" 2>&1; then
  fail "find_package(qlab $next_major) accepted version $version"
fi
grep -q "requested version \"$next_major\"" "$tmp/next.log" || { cat "$tmp/next.log"; fail "unexpected error for $next_major"; }
echo "ok: installed, consumer built and ran, $next_major refused ($(($(date +%s) - start)) s)"
