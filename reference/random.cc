// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/reference/random.h"

#include <cmath>
#include <numeric>
#include <utility>

namespace qlab::reference {
namespace {

// MT19937 constants (Matsumoto & Nishimura, 1998).
constexpr int kShift = 397;
constexpr uint32_t kMatrixA = 0x9908b0dfU;
constexpr uint32_t kUpperMask = 0x80000000U;
constexpr uint32_t kLowerMask = 0x7fffffffU;

}  // namespace

LegacyRandomState::LegacyRandomState(uint32_t seed) {
  state_[0] = seed;
  for (int i = 1; i < kStateSize; ++i) {
    const uint32_t prev = state_[i - 1];
    state_[i] = 1812433253U * (prev ^ (prev >> 30)) + static_cast<uint32_t>(i);
  }
  position_ = kStateSize;
}

void LegacyRandomState::Twist() {
  for (int i = 0; i < kStateSize; ++i) {
    const uint32_t y = (state_[i] & kUpperMask) | (state_[(i + 1) % kStateSize] & kLowerMask);
    state_[i] = state_[(i + kShift) % kStateSize] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
  }
  position_ = 0;
}

uint32_t LegacyRandomState::NextU32() {
  if (position_ >= kStateSize) Twist();
  uint32_t y = state_[position_++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  y ^= y >> 18;
  return y;
}

uint64_t LegacyRandomState::NextU64() {
  const uint64_t high = NextU32();
  return (high << 32) | NextU32();
}

uint64_t LegacyRandomState::RandomInterval(uint64_t max) {
  if (max == 0) return 0;
  uint64_t mask = max;
  mask |= mask >> 1;
  mask |= mask >> 2;
  mask |= mask >> 4;
  mask |= mask >> 8;
  mask |= mask >> 16;
  mask |= mask >> 32;
  uint64_t value;
  // numpy draws 32 bits while they suffice; the choice changes the stream, so it is kept.
  if (max <= 0xffffffffULL) {
    while ((value = (NextU32() & mask)) > max) {
    }
  } else {
    while ((value = (NextU64() & mask)) > max) {
    }
  }
  return value;
}

std::vector<int64_t> LegacyRandomState::Permutation(int64_t n) {
  std::vector<int64_t> values(static_cast<size_t>(n > 0 ? n : 0));
  std::iota(values.begin(), values.end(), int64_t{0});
  for (int64_t i = n - 1; i >= 1; --i) {
    const auto j = static_cast<int64_t>(RandomInterval(static_cast<uint64_t>(i)));
    std::swap(values[static_cast<size_t>(i)], values[static_cast<size_t>(j)]);
  }
  return values;
}

int64_t TestCount(int64_t n, double test_size) {
  // The same double product and ceil as Python's math.ceil(test_size * n_samples): 0.2 · 20640
  // must give 4128, and any "correction" of the rounding would stop matching scikit-learn.
  return static_cast<int64_t>(std::ceil(test_size * static_cast<double>(n)));
}

TrainTestIndices TrainTestSplit(int64_t n, double test_size, uint32_t seed) {
  const int64_t n_test = TestCount(n, test_size);
  std::vector<int64_t> permutation = LegacyRandomState(seed).Permutation(n);
  TrainTestIndices out;
  out.test.assign(permutation.begin(), permutation.begin() + n_test);
  out.train.assign(permutation.begin() + n_test, permutation.end());
  return out;
}

}  // namespace qlab::reference
