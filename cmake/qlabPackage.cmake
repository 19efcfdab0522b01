# Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#
# qlab as an installable CMake package and a Debian package.
#   cmake --install BUILD --prefix P   bin/qlab, bin/qlab-bench, include/qlab/{kernels,version}.h,
#                                      LIBDIR/libqlab_kernels.a and LIBDIR/cmake/qlab/ (qlabConfig,
#                                      qlabConfigVersion with SameMajorVersion, qlabTargets)
#   cpack -G DEB (in BUILD)           qlab_VERSION_ARCH.deb, its Depends from dpkg-shlibdeps
# Included from the top-level CMakeLists.txt once every target exists. The kernels' own install
# rules sit in kernels/CMakeLists.txt.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Installing (make install, and cpack, which installs first) takes what is built and builds nothing,
# as cmake --install does: otherwise cpack would first build every test on one core. Build qlab and
# qlab-bench (or everything) before.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(QLAB_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/qlab)

install(TARGETS qlab RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT qlab)
if(TARGET qlab-bench)
  install(TARGETS qlab-bench RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT qlab)
endif()
install(FILES ${QLAB_GENERATED_INCLUDE_DIR}/qlab/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/qlab COMPONENT qlab)

install(EXPORT qlabTargets NAMESPACE qlab:: DESTINATION ${QLAB_CMAKE_INSTALL_DIR} COMPONENT qlab)
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/qlabConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/qlabConfig.cmake
                              INSTALL_DESTINATION ${QLAB_CMAKE_INSTALL_DIR})
# 0.x releases promise nothing across minors in semver terms; SameMajorVersion is what the package
# promises from 1.0 on, and within 0.x it accepts any 0.y ≥ the version asked for.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/qlabConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/qlabConfig.cmake ${PROJECT_BINARY_DIR}/qlabConfigVersion.cmake
        DESTINATION ${QLAB_CMAKE_INSTALL_DIR} COMPONENT qlab)

# --- Debian package ----------------------------------------------------------------------------
# One package, qlab: the two programs and the kernels' development files. Its Depends are what
# dpkg-shlibdeps finds the programs load (libc6, libstdc++6, libhwy1, libfmt9, libssl3,
# libbenchmark1, ...), never a hand-kept list; gnuplot-nox draws the report's charts, so it is a
# recommendation (qlab run works without it and says so).
set(CPACK_PACKAGE_NAME qlab)
set(CPACK_PACKAGE_VENDOR "The qlab Authors")
set(CPACK_PACKAGE_CONTACT "The qlab Authors <qlab@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS gnuplot-nox)
# Building against the kernels needs Highway's headers and CMake package as well.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS libhwy-dev)
# CPack puts CPACK_PACKAGE_DESCRIPTION_SUMMARY on the Description line; this is the extended text.
set(CPACK_PACKAGE_DESCRIPTION
    "qlab trains a float linear model on California Housing, quantizes it (weights and \
activations, calibrated), measures accuracy against bits and benchmarks its Highway kernels, \
which dispatch at run time to the best SIMD target (qlab-bench). The package includes the static \
qlab::kernels library, its header and CMake package (find_package(qlab)).")
include(CPack)
