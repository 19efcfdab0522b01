// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Test helpers for qlab::kernels: run a check once per Highway target this CPU supports and the
// build contains, and fill exact-size buffers (so AddressSanitizer sees any read past the end).
#pragma once

#include <hwy/targets.h>
#include <boost/test/unit_test.hpp>

#include <cstddef>
#include <cstdint>
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

// The target whose code ran the last kernel call must be the one forced.
inline void ExpectRanOn(const std::string& target) {
  BOOST_TEST(kernels::LastKernelTrace().target == target);
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
