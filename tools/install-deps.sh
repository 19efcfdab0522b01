#!/usr/bin/env bash
# Installs, from Debian 12's packages, whatever qlab's build, tests, benchmarks and reports use and
# this machine lacks. Runs apt-get as root, or through sudo.
set -euo pipefail

packages=(
  # build
  cmake g++ make pkgconf
  # libraries (found with find_package)
  libhwy-dev libeigen3-dev libboost-test-dev libcli11-dev nlohmann-json3-dev libfmt-dev
  libbenchmark-dev
  # benchmark peers
  libopenblas-dev libdnnl-dev
  # scripts: data fetch, charts, timing
  curl ca-certificates git gnuplot-nox hyperfine
)
if [ -n "${QLAB_EXTRA_PACKAGES:-}" ]; then
  read -r -a extra <<<"$QLAB_EXTRA_PACKAGES"
  packages+=("${extra[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null; then
  as_root=(sudo)
else
  echo "install-deps: missing packages (${missing[*]}) and neither root nor sudo to install them" >&2
  exit 2
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
