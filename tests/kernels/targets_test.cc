// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE kernels_targets
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "kernels/each_target.h"
#include "qlab/kernels.h"

namespace k = qlab::kernels;

namespace {

bool Contains(const std::vector<k::TargetInfo>& targets, const std::string& name) {
  return std::any_of(targets.begin(), targets.end(),
                     [&](const k::TargetInfo& t) { return t.name == name; });
}

int64_t DotOnce() {
  const std::vector<uint8_t> a(1000, 3);
  const std::vector<int8_t> b(1000, -2);
  return k::DotU8I8(a.data(), b.data(), a.size());
}

}  // namespace

BOOST_AUTO_TEST_CASE(supported_targets_are_compiled_and_include_the_fallback) {
  const auto compiled = k::CompiledTargets();
  const auto supported = k::SupportedTargets();
  std::string names;
  for (const auto& t : supported) {
    names += t.name + " ";
  }
  BOOST_TEST_MESSAGE("supported targets: " << names);
  BOOST_TEST(!supported.empty());
  for (const auto& t : supported) {
    BOOST_TEST(Contains(compiled, t.name));
  }
  // GCC 12's portable fallback is SCALAR (EMU128 with clang).
  BOOST_TEST((Contains(supported, "SCALAR") || Contains(supported, "EMU128")));
}

BOOST_AUTO_TEST_CASE(force_target_switches_the_code_that_runs) {
  for (const auto& t : k::SupportedTargets()) {
    BOOST_TEST_REQUIRE(k::ForceTarget(t.name));
    BOOST_TEST(k::ActiveTarget() == t.name);
    BOOST_TEST(DotOnce() == -6000);
    BOOST_TEST(k::LastKernelTrace().target == t.name);
  }
  // Case-insensitive; unknown names change nothing.
  const std::string best = k::SupportedTargets().front().name;
  std::string lower = best;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  BOOST_TEST(k::ForceTarget(lower));
  BOOST_TEST(k::ActiveTarget() == best);
  BOOST_TEST(!k::ForceTarget("NOT_A_TARGET"));
  BOOST_TEST(k::ActiveTarget() == best);
  BOOST_TEST(k::ForceTarget(""));
  BOOST_TEST(k::ActiveTarget() == best);
  DotOnce();
  BOOST_TEST(k::LastKernelTrace().target == best);
}

#if defined(__x86_64__) || defined(__i386__)
BOOST_AUTO_TEST_CASE(vnni_cpu_runs_the_avx3_dl_vnni_loops) {
  __builtin_cpu_init();
  const bool cpu_has_vnni = __builtin_cpu_supports("avx512vnni") &&
                            __builtin_cpu_supports("avx512vbmi2") &&
                            __builtin_cpu_supports("avx512bitalg");
  BOOST_TEST_MESSAGE("CPU has AVX-512 VNNI (and the rest of AVX3_DL): " << cpu_has_vnni);
  if (!cpu_has_vnni) {
    // Without VNNI no target may claim to have used it.
    for (const auto& t : k::SupportedTargets()) {
      BOOST_TEST_REQUIRE(k::ForceTarget(t.name));
      DotOnce();
      BOOST_TEST(!k::LastKernelTrace().vnni);
    }
    k::ForceTarget("");
    return;
  }
  BOOST_TEST_REQUIRE(Contains(k::SupportedTargets(), "AVX3_DL"));
  BOOST_TEST(k::ForceTarget(""));
  BOOST_TEST(k::ActiveTarget() == "AVX3_DL");  // the default dispatch picks it
  BOOST_TEST(DotOnce() == -6000);
  BOOST_TEST(k::LastKernelTrace().target == "AVX3_DL");
  BOOST_TEST(k::LastKernelTrace().vnni);
  constexpr size_t kRows = 48;  // three 16-row blocks
  const std::vector<uint8_t> x(kRows * 8, 7);
  const std::vector<int8_t> w(8, -3);
  std::vector<int32_t> acc(kRows);
  k::GemvU8I8Acc(x.data(), kRows, 8, w.data(), acc.data());
  BOOST_TEST(k::LastKernelTrace().vnni);
  for (int32_t a : acc) {
    BOOST_TEST(a == 8 * 7 * -3);
  }
  // AVX3 is the same CPU without VNNI: the widening loop runs instead.
  BOOST_TEST_REQUIRE(k::ForceTarget("AVX3"));
  BOOST_TEST(DotOnce() == -6000);
  BOOST_TEST(k::LastKernelTrace().target == "AVX3");
  BOOST_TEST(!k::LastKernelTrace().vnni);
  k::ForceTarget("");
}
#endif  // x86

#if defined(__aarch64__)
// Every target of this CPU runs the dot-product path its features call for (each_target.h:
// ExpectedIntPath, from the features ctest declares for the emulated CPU model), and the default
// dispatch is the best target. Prints the row of kernels/README.md's table for this CPU.
BOOST_AUTO_TEST_CASE(arm_cpu_runs_the_dot_product_paths) {
  using qlab::test::ExpectedIntPath;
  using qlab::test::IntKernel;
  const qlab::test::ArmFeatureSet f = qlab::test::ExpectedArmFeatures();
  const char* cpu = std::getenv("QEMU_CPU");
  BOOST_TEST_MESSAGE("CPU " << (cpu != nullptr ? cpu : "(native)") << ": dotprod " << f.dotprod
                            << " i8mm " << f.i8mm << " sve " << f.sve << " sve_i8mm "
                            << f.sve_i8mm);
  BOOST_TEST(Contains(k::SupportedTargets(), "NEON"));
  BOOST_TEST(f.sve ==
             (Contains(k::SupportedTargets(), "SVE") || Contains(k::SupportedTargets(), "SVE2")));
  const std::vector<int8_t> a8(100, -7), b8(100, 5);
  const std::vector<uint8_t> au(100, 200);
  const std::vector<uint8_t> x(20 * 8, 250);
  std::vector<int32_t> acc(20);
  const auto run = [&](const std::string& target) {
    BOOST_TEST(k::DotI8(a8.data(), b8.data(), a8.size()) == 100 * -7 * 5);
    const std::string i8 = k::LastKernelTrace().path;
    BOOST_TEST(i8 == ExpectedIntPath(target, IntKernel::kDotI8));
    BOOST_TEST(k::DotU8I8(au.data(), b8.data(), au.size()) == 100 * 200 * 5);
    const std::string u8 = k::LastKernelTrace().path;
    BOOST_TEST(u8 == ExpectedIntPath(target, IntKernel::kDotU8I8));
    k::GemvU8I8Acc(x.data(), 20, 8, b8.data(), acc.data());
    const std::string gemv = k::LastKernelTrace().path;
    BOOST_TEST(gemv == ExpectedIntPath(target, IntKernel::kGemvU8I8, 8));
    BOOST_TEST(acc[19] == 8 * 250 * 5);
    BOOST_TEST_MESSAGE("  " << target << ": DotI8 " << i8 << ", DotU8I8 " << u8
                            << ", GemvU8I8 (k = 8) " << gemv);
  };
  for (const auto& t : k::SupportedTargets()) {
    BOOST_TEST_REQUIRE(k::ForceTarget(t.name));
    BOOST_TEST_CONTEXT("target " << t.name) { run(t.name); }
  }
  BOOST_TEST(k::ForceTarget(""));
  const std::string best = k::SupportedTargets().front().name;
  BOOST_TEST_MESSAGE("default dispatch (" << best << "):");
  run(best);
  BOOST_TEST(k::LastKernelTrace().target == best);
  if (f.dotprod || f.sve) {
    // The default path of a CPU with dot-product instructions uses them.
    BOOST_TEST(k::LastKernelTrace().path.find('+') != std::string::npos);
  }
}
#endif  // __aarch64__
