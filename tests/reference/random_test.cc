// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// numpy's legacy RandomState stream and scikit-learn's train_test_split indices. The expected
// vectors were produced by numpy 1.24.2 and scikit-learn 1.2.1.
#define BOOST_TEST_MODULE reference_random
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <numeric>
#include <vector>

#include "qlab/reference/random.h"

using qlab::reference::LegacyRandomState;
using qlab::reference::TestCount;
using qlab::reference::TrainTestSplit;
using Indices = std::vector<int64_t>;

namespace {

Indices Head(const Indices& v, size_t count) { return Indices(v.data(), v.data() + count); }
Indices Tail(const Indices& v, size_t count) {
  return Indices(v.data() + (v.size() - count), v.data() + v.size());
}

// Σ (i + 1)·p[i]: differs for any two distinct permutations that differ by one transposition.
int64_t WeightedSum(const Indices& p) {
  int64_t sum = 0;
  for (size_t i = 0; i < p.size(); ++i) sum += static_cast<int64_t>(i + 1) * p[i];
  return sum;
}

bool IsPermutation(Indices p) {
  std::sort(p.begin(), p.end());
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] != static_cast<int64_t>(i)) return false;
  }
  return true;
}

}  // namespace

BOOST_AUTO_TEST_CASE(mt19937_matches_the_reference_output) {
  // init_genrand(5489), MT19937's default seed: the published first outputs.
  LegacyRandomState rng(5489);
  BOOST_TEST(rng.NextU32() == 3499211612U);
  BOOST_TEST(rng.NextU32() == 581869302U);
  BOOST_TEST(rng.NextU32() == 3890346734U);
  // The 10000th output for seed 5489: the value [rand.predef] requires of std::mt19937, and the
  // one the reference mt19937ar.c gives (fifteen twists in).
  for (int i = 4; i < 10000; ++i) rng.NextU32();
  BOOST_TEST(rng.NextU32() == 4123659995U);
}

BOOST_AUTO_TEST_CASE(next_u64_puts_the_first_draw_high) {
  LegacyRandomState a(7), b(7);
  const uint64_t high = a.NextU32();
  const uint64_t low = a.NextU32();
  BOOST_TEST(b.NextU64() == ((high << 32) | low));
}

BOOST_AUTO_TEST_CASE(random_interval_stays_in_range) {
  LegacyRandomState rng(1);
  BOOST_TEST(rng.RandomInterval(0) == 0U);
  for (uint64_t max : {1ULL, 2ULL, 3ULL, 1000ULL, 0xffffffffULL, 0x100000000ULL, ~0ULL}) {
    for (int i = 0; i < 200; ++i) BOOST_TEST(rng.RandomInterval(max) <= max);
  }
}

BOOST_AUTO_TEST_CASE(permutation_seed_42_matches_numpy) {
  const Indices p = LegacyRandomState(42).Permutation(20640);
  BOOST_TEST(Head(p, 12) == (Indices{20046, 3024, 15663, 20484, 9814, 13311, 7113, 7668, 18246,
                                     5723, 20069, 6835}),
             boost::test_tools::per_element());
  BOOST_TEST(Tail(p, 6) == (Indices{6265, 11284, 11964, 5390, 860, 15795}),
             boost::test_tools::per_element());
  BOOST_TEST(WeightedSum(p) == 2200229119749);
  BOOST_TEST(IsPermutation(p));
}

BOOST_AUTO_TEST_CASE(permutation_other_seeds_and_sizes_match_numpy) {
  BOOST_TEST(LegacyRandomState(0).Permutation(10) == (Indices{2, 8, 4, 9, 1, 6, 7, 3, 0, 5}),
             boost::test_tools::per_element());
  BOOST_TEST(LegacyRandomState(1).Permutation(1) == (Indices{0}), boost::test_tools::per_element());
  BOOST_TEST(LegacyRandomState(7).Permutation(2) == (Indices{0, 1}),
             boost::test_tools::per_element());
  BOOST_TEST(LegacyRandomState(3).Permutation(0).empty());

  const Indices p123 = LegacyRandomState(123).Permutation(100);
  BOOST_TEST(Head(p123, 10) == (Indices{8, 70, 82, 28, 63, 0, 5, 50, 81, 4}),
             boost::test_tools::per_element());
  BOOST_TEST(Tail(p123, 5) == (Indices{57, 83, 17, 92, 66}), boost::test_tools::per_element());

  const Indices p_max_seed = LegacyRandomState(4294967295U).Permutation(37);
  BOOST_TEST(Head(p_max_seed, 10) == (Indices{15, 2, 23, 20, 17, 31, 21, 24, 3, 30}),
             boost::test_tools::per_element());
  BOOST_TEST(Tail(p_max_seed, 5) == (Indices{0, 7, 12, 34, 35}), boost::test_tools::per_element());

  const Indices p2024 = LegacyRandomState(2024).Permutation(1000);
  BOOST_TEST(Head(p2024, 10) == (Indices{444, 898, 186, 584, 664, 457, 99, 941, 643, 276}),
             boost::test_tools::per_element());
  BOOST_TEST(Tail(p2024, 5) == (Indices{539, 640, 608, 506, 648}),
             boost::test_tools::per_element());

  const Indices big = LegacyRandomState(2024).Permutation(100000);
  BOOST_TEST(Head(big, 6) == (Indices{68160, 61798, 9762, 53080, 79356, 89802}),
             boost::test_tools::per_element());
  BOOST_TEST(WeightedSum(big) == 250117347274291);
}

BOOST_AUTO_TEST_CASE(test_count_is_the_ceiling_of_the_double_product) {
  BOOST_TEST(TestCount(20640, 0.2) == 4128);
  BOOST_TEST(TestCount(10, 0.3) == 3);
  BOOST_TEST(TestCount(7, 0.25) == 2);
  BOOST_TEST(TestCount(101, 0.33) == 34);
  BOOST_TEST(TestCount(100, 0.07) == 8);  // 0.07·100 = 7.000000000000001 in double
}

BOOST_AUTO_TEST_CASE(train_test_split_matches_scikit_learn) {
  struct Case {
    uint32_t seed;
    int64_t n;
    double test_size;
    size_t n_train, n_test;
    Indices test_head, train_head;
  };
  const Case cases[] = {
      {0, 10, 0.3, 7, 3, {2, 8, 4}, {9, 1, 6, 7, 3}},
      {3, 7, 0.25, 5, 2, {4, 6}, {5, 3, 1, 0, 2}},
      {42,
       20640,
       0.2,
       16512,
       4128,
       {20046, 3024, 15663, 20484, 9814},
       {14196, 8267, 17445, 14265, 2271}},
      {9, 101, 0.33, 67, 34, {75, 42, 46, 68, 3}, {64, 43, 29, 2, 38}},
  };
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT("seed " << c.seed << ", n " << c.n) {
      const auto split = TrainTestSplit(c.n, c.test_size, c.seed);
      BOOST_TEST(split.train.size() == c.n_train);
      BOOST_TEST(split.test.size() == c.n_test);
      BOOST_TEST(Head(split.test, c.test_head.size()) == c.test_head,
                 boost::test_tools::per_element());
      BOOST_TEST(Head(split.train, c.train_head.size()) == c.train_head,
                 boost::test_tools::per_element());
      Indices all = split.test;
      all.insert(all.end(), split.train.begin(), split.train.end());
      BOOST_TEST(IsPermutation(all));
    }
  }
}
