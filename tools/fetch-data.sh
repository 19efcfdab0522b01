#!/usr/bin/env bash
# Puts cal_housing.data into the data directory (first argument, else $QLAB_DATA_DIR, else ./data).
# With QLAB_DATA_MIRROR naming a folder that holds cal_housing.data, copies it from there (offline);
# otherwise downloads scikit-learn's archive and verifies its sha256 before unpacking.
set -euo pipefail

readonly URL="https://ndownloader.figshare.com/files/5976036"
readonly ARCHIVE_SHA256="aaa5c9a6afe2225cc2aed2723682ae403280c4a3695a2ddda4ffb5d8215ea681"
readonly FILE_SHA256="d3d8a1a722ae78f91134862727d27a70b1415e7d512a89140406248687f4b902"

dir="${1:-${QLAB_DATA_DIR:-data}}"
target="$dir/cal_housing.data"
mkdir -p "$dir"

if [ -f "$target" ] && echo "$FILE_SHA256  $target" | sha256sum -c --quiet - 2>/dev/null; then
  exit 0
fi

tmp=$(mktemp -d "$dir/.fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

if [ -n "${QLAB_DATA_MIRROR:-}" ]; then
  if [ ! -f "$QLAB_DATA_MIRROR/cal_housing.data" ]; then
    echo "fetch-data: $QLAB_DATA_MIRROR/cal_housing.data: no such file (QLAB_DATA_MIRROR)" >&2
    exit 2
  fi
  cp "$QLAB_DATA_MIRROR/cal_housing.data" "$tmp/cal_housing.data"
else
  command -v curl >/dev/null || { echo "fetch-data: curl is missing (run tools/install-deps.sh)" >&2; exit 2; }
  echo "fetch-data: downloading $URL" >&2
  curl -fsSL --retry 3 -o "$tmp/cal_housing.tgz" "$URL"
  if ! echo "$ARCHIVE_SHA256  $tmp/cal_housing.tgz" | sha256sum -c --quiet -; then
    echo "fetch-data: $URL: sha256 mismatch, refusing the archive" >&2
    exit 2
  fi
  tar -xzf "$tmp/cal_housing.tgz" -C "$tmp" CaliforniaHousing/cal_housing.data
  mv "$tmp/CaliforniaHousing/cal_housing.data" "$tmp/cal_housing.data"
fi

if ! echo "$FILE_SHA256  $tmp/cal_housing.data" | sha256sum -c --quiet -; then
  echo "fetch-data: cal_housing.data: sha256 differs from the documented $FILE_SHA256" >&2
  exit 2
fi
mv -f "$tmp/cal_housing.data" "$target"
echo "fetch-data: $target" >&2
