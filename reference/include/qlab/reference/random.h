// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// numpy's legacy random stream (numpy.random.RandomState): MT19937 seeded by init_genrand, the
// masked rejection sampling it uses for bounded integers, and the Fisher-Yates shuffle behind
// RandomState.permutation. Bit-for-bit the same sequence, so splits match scikit-learn's.
//
// The engine is std::mt19937: the standard fixes its parameters and tempering bit for bit
// ([rand.eng.mers], [rand.predef] even pins its 10000th output), and its seed(value) is
// init_genrand as the reference mt19937ar.c writes it ([rand.eng.mers], seed(value)). numpy's
// RandomState(int) seeds with that same init_genrand (mt19937_seed, not init_by_array, for an
// integer seed), so the engine is constructed from the seed directly.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace qlab::reference {

class LegacyRandomState {
 public:
  // RandomState(seed) for an integer seed in [0, 2^32).
  explicit LegacyRandomState(uint32_t seed);

  uint32_t NextU32();
  // Two 32-bit outputs, the first in the high half (numpy's mt19937 next_uint64).
  uint64_t NextU64();
  // A uniform integer in [0, max]: numpy's random_interval.
  uint64_t RandomInterval(uint64_t max);
  // RandomState.permutation(n): arange(n) shuffled from the last element down.
  std::vector<int64_t> Permutation(int64_t n);

 private:
  std::mt19937 engine_;
};

// train_test_split(..., test_size, random_state=seed) row indices for a float test_size in (0, 1):
// n_test = ceil(test_size · n) computed in double as scikit-learn does, the test rows are the first
// n_test entries of the permutation, the training rows the next n − n_test.
struct TrainTestIndices {
  std::vector<int64_t> train;
  std::vector<int64_t> test;
};
int64_t TestCount(int64_t n, double test_size);
TrainTestIndices TrainTestSplit(int64_t n, double test_size, uint32_t seed);

}  // namespace qlab::reference
