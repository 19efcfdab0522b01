// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE kernels_targets
#include <boost/test/unit_test.hpp>

#include <algorithm>
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
