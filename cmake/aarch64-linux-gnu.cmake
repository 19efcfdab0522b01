# Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#
# Cross build for 64-bit Arm Linux with Debian 12's g++-aarch64-linux-gnu against the arm64
# multiarch packages (libhwy-dev:arm64, ...: `bash tools/install-deps.sh aarch64`). The compiled
# libraries and their CMake configs live in /usr/lib/aarch64-linux-gnu, which CMake searches
# through CMAKE_LIBRARY_ARCHITECTURE; header-only libraries (Eigen, CLI11, nlohmann_json) come
# from the host's /usr/share. ctest and try_run go through qemu-user; the CPU model it emulates
# is chosen per test with QEMU_CPU (tests/CMakeLists.txt), as `-cpu` here would override it.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# No `-L /usr/aarch64-linux-gnu`: with it, qemu-user 7.2's emulated fork() never returns in the
# child (measured here: a fork-and-_exit program hangs on every CPU model; the tests that run
# qlab fork). The arm64 loader and libc that multiarch installs (libc6:arm64, in
# /lib/ld-linux-aarch64.so.1 and /lib/aarch64-linux-gnu) serve instead, with no path remapping.
find_program(QLAB_QEMU_AARCH64 qemu-aarch64 REQUIRED)
set(CMAKE_CROSSCOMPILING_EMULATOR ${QLAB_QEMU_AARCH64})

# Programs (qemu, bash, python) are the host's; libraries and headers are searched for in the
# host's standard prefixes, where multiarch keeps the arm64 ones apart by their triplet folder.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)

# pkg-config (which FindOpenSSL asks first) must answer for arm64, not the host: without this it
# hands back /usr/lib/x86_64-linux-gnu/libcrypto.so and the link fails.
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig")
