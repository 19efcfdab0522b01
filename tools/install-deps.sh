#!/usr/bin/env bash
# Installs, from Debian 12's packages, whatever qlab's build, tests, benchmarks and reports use and
# this machine lacks. Runs apt-get as root, or through sudo.
#   bash tools/install-deps.sh         everything (build, tests, benchmarks, scripts, charts)
#   bash tools/install-deps.sh build   only what building qlab and qlab-bench needs, plus curl for
#                                      tools/fetch-data.sh (the Dockerfile's build stage)
set -euo pipefail

build_packages=(
  # toolchain
  cmake g++ make pkgconf
  # libraries (found with find_package)
  libhwy-dev libeigen3-dev libboost-test-dev libcli11-dev nlohmann-json3-dev libfmt-dev
  libbenchmark-dev libssl-dev libutfcpp-dev
  # benchmark peers; dnnl's CMake config requires OpenCL (only recommended by libdnnl-dev, so a
  # fresh machine installing without recommends lacks it)
  libopenblas-dev libdnnl-dev ocl-icd-opencl-dev opencl-c-headers
  # tools/fetch-data.sh
  curl ca-certificates
)
script_packages=(
  # checkouts, charts, whole-process timing
  git gnuplot-nox hyperfine
  # cpack -G DEB (tools/deb-test.sh): dpkg-shlibdeps, and file, which CPack uses to find the ELF
  # files to hand it
  dpkg-dev file
)

case "${1:-all}" in
  all) packages=("${build_packages[@]}" "${script_packages[@]}") ;;
  build) packages=("${build_packages[@]}") ;;
  *) echo "usage: bash tools/install-deps.sh [all|build]" >&2; exit 2 ;;
esac
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
