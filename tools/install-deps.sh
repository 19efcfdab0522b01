#!/usr/bin/env bash
# Installs, from Debian 12's packages, whatever qlab's build, tests, benchmarks and reports use and
# this machine lacks. Runs apt-get as root, or through sudo.
#   bash tools/install-deps.sh         everything (build, tests, benchmarks, scripts, charts)
#   bash tools/install-deps.sh build   only what building qlab and qlab-bench needs, plus curl for
#                                      tools/fetch-data.sh (the Dockerfile's build stage)
#   bash tools/install-deps.sh aarch64 the cross build for 64-bit Arm (the `aarch64` presets):
#                                      Debian's cross compiler, the arm64 libraries (multiarch),
#                                      the header-only libraries from the host, qemu-user to run
#                                      the tests
#   bash tools/install-deps.sh measure only the peers tools/score-bench.sh measures qlab score
#                                      against (Debian's python3 with pandas and scikit-learn)
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
  # checkouts, charts, whole-process timing (hyperfine; /usr/bin/time -v for peak memory); jq
  # merges tools/ab-bench.sh's rounds
  git gnuplot-nox hyperfine time jq
  # tests/tools/data_flow_test.cc: which files `qlab run` opens
  strace
  # GNU parallel: tests/tools/score_test.cc spreads `qlab score` over it as README shows
  parallel
  # cpack -G DEB (tools/deb-test.sh): dpkg-shlibdeps, and file, which CPack uses to find the ELF
  # files to hand it
  dpkg-dev file
)
measure_packages=(
  # tools/score-bench.sh: pandas.read_csv + LinearRegression.predict, and .npy inputs
  python3-numpy python3-pandas python3-sklearn
)

aarch64_packages=(
  # toolchain and emulator (qemu-aarch64 runs the binaries)
  cmake make pkgconf g++-aarch64-linux-gnu qemu-user
  # header-only libraries: the host's CMake configs serve the cross build too
  libeigen3-dev libcli11-dev nlohmann-json3-dev
  # compiled libraries, for arm64 (multiarch; the CMake configs land in /usr/lib/aarch64-linux-gnu);
  # libc6:arm64's loader runs the binaries under qemu (cmake/aarch64-linux-gnu.cmake: why not -L)
  libc6:arm64 libhwy-dev:arm64 libboost-test-dev:arm64 libfmt-dev:arm64 libbenchmark-dev:arm64
  libssl-dev:arm64
  # host programs the suite runs beside the emulated binaries (charts in the report tests, the
  # strace of data_flow_test, GNU parallel in score_test): a fresh machine failed those three
  gnuplot-nox strace parallel
  # header-only (UTF-8 validation), but Debian puts its CMake config in the architecture's folder
  # (/usr/lib/<triplet>/cmake/utf8cpp), so the cross build needs the arm64 package (Multi-Arch:
  # same, installs beside the host's)
  libutfcpp-dev:arm64
)

case "${1:-all}" in
  all) packages=("${build_packages[@]}" "${script_packages[@]}" "${measure_packages[@]}") ;;
  build) packages=("${build_packages[@]}") ;;
  aarch64) packages=("${aarch64_packages[@]}") ;;
  measure) packages=("${measure_packages[@]}") ;;
  *) echo "usage: bash tools/install-deps.sh [all|build|aarch64|measure]" >&2; exit 2 ;;
esac
if [ -n "${QLAB_EXTRA_PACKAGES:-}" ]; then
  read -r -a extra <<<"$QLAB_EXTRA_PACKAGES"
  packages+=("${extra[@]}")
fi

# A package named without an architecture is the host's: with arm64 added, dpkg-query reports
# libhwy-dev installed when only libhwy-dev:arm64 is (tools/aarch64.sh on a fresh machine then
# skipped the host's and the native configure could not find hwy). So the host's architecture, or
# "all", must be among the installed instances.
native_arch=$(dpkg --print-architecture)
installed() {
  case "$1" in
    *:*) dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null | grep -q "install ok installed" ;;
    *) dpkg-query -W -f='${Architecture} ${Status}\n' "$1" 2>/dev/null |
         grep -Eq "^($native_arch|all) install ok installed" ;;
  esac
}
missing=()
for p in "${packages[@]}"; do
  installed "$p" || missing+=("$p")
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
if [ "${1:-all}" = aarch64 ] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
  "${as_root[@]}" dpkg --add-architecture arm64
fi
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -o DPkg::Lock::Timeout=900 -y -qq --no-install-recommends "${missing[@]}" >/dev/null
