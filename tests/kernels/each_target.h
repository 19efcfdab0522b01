// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Test helpers for qlab::kernels: run a check once per Highway target this CPU supports and the
// build contains, and fill exact-size buffers (so AddressSanitizer sees any read past the end).
#pragma once

#include <hwy/targets.h>
#include <boost/test/unit_test.hpp>
#if defined(__aarch64__)
#include <sys/auxv.h>
#endif

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "qlab/kernels.h"

namespace qlab::test {

// Forces each supported target in turn (hwy::SetSupportedTargetsForTest, the mechanism behind
// qlab::kernels::ForceTarget), runs body(name) and restores normal dispatch.
template <class Body>
void ForEachTarget(const Body& body) {
  hwy::SetSupportedTargetsForTest(0);
  const std::vector<int64_t> targets = hwy::SupportedAndGeneratedTargets();
  BOOST_TEST_REQUIRE(!targets.empty());
  for (const int64_t target : targets) {
    const std::string name = hwy::TargetName(target);
    BOOST_TEST_MESSAGE("  running on " << name);
    hwy::SetSupportedTargetsForTest(target);
    BOOST_TEST_CONTEXT("target " << name) { body(name); }
  }
  hwy::SetSupportedTargetsForTest(0);
}

// The target whose code ran the last kernel call must be the one forced, through Highway's code
// (float kernels, quantization: no hand-written path).
inline void ExpectRanOn(const std::string& target) {
  const kernels::KernelTrace trace = kernels::LastKernelTrace();
  BOOST_TEST(trace.target == target);
  BOOST_TEST(trace.path == target);
}

// The CPU's integer dot-product features, as the tests expect them. Under emulation ctest sets
// QLAB_TEST_ARM_FEATURES per CPU model (tests/CMakeLists.txt: what the model implements, e.g.
// "dotprod,i8mm" or "none"), so a kernel whose detection or dispatch lost a path fails; on a real
// Arm machine, unset, they come from the HWCAPs. Either way they must agree with the HWCAPs.
struct ArmFeatureSet {
  bool dotprod = false;
  bool i8mm = false;
  bool sve = false;
  bool sve_i8mm = false;
};

inline ArmFeatureSet ExpectedArmFeatures() {
  ArmFeatureSet f;
#if defined(__aarch64__)
  const unsigned long hwcap = getauxval(AT_HWCAP);    // NOLINT(google-runtime-int)
  const unsigned long hwcap2 = getauxval(AT_HWCAP2);  // NOLINT(google-runtime-int)
  ArmFeatureSet cpu;
  cpu.dotprod = (hwcap & HWCAP_ASIMDDP) != 0;
  cpu.i8mm = (hwcap2 & HWCAP2_I8MM) != 0;
  cpu.sve = (hwcap & HWCAP_SVE) != 0;
  cpu.sve_i8mm = (hwcap2 & HWCAP2_SVEI8MM) != 0;
  f = cpu;
  if (const char* env = std::getenv("QLAB_TEST_ARM_FEATURES")) {
    const std::string list = std::string(",") + env + ",";
    const auto has = [&](const char* name) {
      return list.find(std::string(",") + name + ",") != std::string::npos;
    };
    f.dotprod = has("dotprod");
    f.i8mm = has("i8mm");
    f.sve = has("sve");
    f.sve_i8mm = has("sve_i8mm");
    if (f.dotprod != cpu.dotprod || f.i8mm != cpu.i8mm || f.sve != cpu.sve ||
        f.sve_i8mm != cpu.sve_i8mm) {
      BOOST_ERROR("QLAB_TEST_ARM_FEATURES=" << env << " disagrees with the HWCAPs: dotprod "
                                            << cpu.dotprod << " i8mm " << cpu.i8mm << " sve "
                                            << cpu.sve << " sve_i8mm " << cpu.sve_i8mm);
    }
  }
#endif
  return f;
}

enum class IntKernel { kDotI8, kDotU8I8, kGemvU8I8 };

// The path (KernelTrace::path) an integer kernel must take on `target` of this CPU; k only for
// gemv, whose dot-product blocks cover k ∈ {4, 8, 16, 32, 64}.
inline std::string ExpectedIntPath(const std::string& target, IntKernel kernel, size_t k = 0) {
  const bool block_k = k >= 4 && k <= 64 && (k & (k - 1)) == 0;
  if (kernel == IntKernel::kGemvU8I8 && !block_k) {
    return target;
  }
#if defined(__aarch64__)
  static const ArmFeatureSet f = ExpectedArmFeatures();
  const bool u8i8 = kernel != IntKernel::kDotI8;
  if (target == "NEON") {
    if (u8i8 && f.dotprod && f.i8mm) return "NEON+i8mm";
    return f.dotprod ? "NEON+dotprod" : "NEON";
  }
  if (target.rfind("SVE", 0) == 0) {
    return u8i8 && f.sve_i8mm ? "SVE+i8mm" : "SVE+dotprod";
  }
  return target;
#else
  (void)kernel;
  return target == "AVX3_DL" ? "AVX3_DL+avx512vnni" : target;
#endif
}

// The forced target ran the last call, through the path it must take for this kernel.
inline void ExpectRanOn(const std::string& target, IntKernel kernel, size_t k = 0) {
  const kernels::KernelTrace trace = kernels::LastKernelTrace();
  BOOST_TEST(trace.target == target);
  BOOST_TEST(trace.path == ExpectedIntPath(target, kernel, k));
}

inline std::mt19937_64& Rng() {
  static std::mt19937_64 rng(20260127);
  return rng;
}

// An exact-size vector: `offset` leading elements (so the data starts at every alignment) and n
// random elements in [lo, hi] after them, ending exactly at the end of the allocation.
template <typename T>
std::vector<T> RandomInts(size_t offset, size_t n, int lo, int hi) {
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<T> v(offset + n);
  for (T& x : v) x = static_cast<T>(dist(Rng()));
  return v;
}

inline std::vector<float> RandomFloats(size_t offset, size_t n, float lo, float hi) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(offset + n);
  for (float& x : v) x = dist(Rng());
  return v;
}

}  // namespace qlab::test
