// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/reference/random.h"

#include <cmath>
#include <numeric>
#include <utility>

namespace qlab::reference {

LegacyRandomState::LegacyRandomState(uint32_t seed) : engine_(seed) {}

// std::mt19937::result_type is uint_fast32_t (64 bits wide on x86-64 glibc), but every value it
// returns is below 2^32 by [rand.eng.mers].
uint32_t LegacyRandomState::NextU32() { return static_cast<uint32_t>(engine_()); }

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
