// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
// The statistics of `qlab compare`: the U test against SciPy, the bootstrap's building blocks
// against numpy, and the verdicts' size and power on synthetic lognormal repetitions.
#define BOOST_TEST_MODULE report_compare_stats
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <numbers>
#include <random>
#include <stdexcept>
#include <vector>

#include "qlab/report/compare_stats.h"

namespace qr = qlab::report;
namespace tt = boost::test_tools;

namespace {

struct UCase {
  const char* name;
  std::vector<double> x;
  std::vector<double> y;
  double u1;
  double p;
  bool exact;
};

// Expected values: Debian 12's python3-scipy 1.10.1,
//   scipy.stats.mannwhitneyu(x, y, alternative="two-sided", method="auto")
// (statistic, pvalue printed with repr); `exact` is what method="auto" chose (min(n) <= 8, no
// ties).
const std::vector<UCase>& UCases() {
  static const std::vector<UCase> cases = {
      {"exact_4v3", {1.2, 3.4, 2.2, 5.1}, {0.5, 1.9, 0.7}, 11.0, 0.11428571428571428, true},
      {"exact_5v5_separated",
       {6.0, 7.0, 8.0, 9.0, 10.0},
       {1.0, 2.0, 3.0, 4.0, 5.0},
       25.0,
       0.007936507936507936,
       true},
      {"exact_6v7_mixed",
       {10.5, 11.25, 9.75, 12.0, 10.0, 13.5},
       {9.5, 10.25, 11.0, 8.75, 9.0, 12.5, 10.75},
       29.0,
       0.2948717948717949,
       true},
      {"exact_3v40",
       {5.5, 30.5, 41.5},
       {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
        21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40},
       75.0,
       0.5091969856575642,
       true},
      {"unequal_8v15",
       {3.1, 3.9, 2.7, 4.4, 3.6, 2.95, 4.05, 3.3},
       {2.5, 2.8, 3.0, 2.6, 3.2, 2.9, 3.45, 2.2, 3.7, 2.4, 2.1, 3.35, 2.75, 3.05, 2.3},
       97.0,
       0.01593264724237937,
       true},
      {"ties_5v6",
       {1.0, 2.0, 2.0, 3.0, 4.0},
       {2.0, 3.0, 3.0, 5.0, 6.0, 6.0},
       6.0,
       0.1130499788563229,
       false},
      {"ties_10v10",
       {21.5, 22.0, 22.0, 23.5, 24.0, 24.0, 25.0, 21.0, 22.5, 23.0},
       {22.0, 23.0, 23.0, 24.5, 25.0, 25.5, 26.0, 24.0, 23.5, 26.5},
       23.0,
       0.04402645020688712,
       false},
      {"n10v10",
       {24.31, 23.87, 25.02, 24.66, 23.95, 24.12, 24.88, 23.71, 24.45, 24.09},
       {22.93, 23.41, 22.57, 23.88, 23.02, 22.71, 23.65, 24.17, 22.84, 23.29},
       93.0,
       0.0013149446697132139,
       false},
      {"n10v10_shifted",
       {1.0, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.7, 1.8, 1.9},
       {2.0, 2.1, 2.2, 2.3, 2.4, 2.5, 2.6, 2.7, 2.8, 2.9},
       0.0,
       0.00018267179110955002,
       false},
      {"unequal_12v20",
       {5.25, 4.75, 5.5, 6.0, 4.5, 5.75, 6.25, 5.0, 6.5, 4.25, 5.125, 5.875},
       {4.0,    4.375, 4.625,  4.875,  5.0625, 5.3125, 3.75,   3.5,    4.125,  4.9375,
        5.4375, 3.875, 4.0625, 4.5625, 3.625,  4.8125, 5.1875, 3.9375, 4.3125, 4.6875},
       202.0,
       0.0015119336425284578,
       false},
      {"all_equal", {7, 7, 7, 7, 7}, {7, 7, 7, 7, 7}, 12.5, 1.0, false},
  };
  return cases;
}

// Lognormal repetitions with a given median and coefficient of variation, from the portable
// uniforms (Box-Muller), so the simulated rates are the same on every platform.
class Lognormal {
 public:
  Lognormal(double cv, std::uint64_t seed)
      : sigma_(std::sqrt(std::log1p(cv * cv))), engine_(seed) {}
  std::vector<double> Sample(size_t n, double median) {
    std::vector<double> out(n);
    for (double& v : out) v = median * std::exp(sigma_ * Normal());
    return out;
  }

 private:
  double Normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = 1.0 - qr::UniformUnit(engine_);  // (0, 1]: log is finite
    const double u2 = qr::UniformUnit(engine_);
    const double r = std::sqrt(-2 * std::log(u1));
    spare_ = r * std::sin(2 * std::numbers::pi * u2);
    has_spare_ = true;
    return r * std::cos(2 * std::numbers::pi * u2);
  }
  double sigma_;
  std::mt19937_64 engine_;
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace

BOOST_AUTO_TEST_CASE(mann_whitney_matches_scipy) {
  for (const UCase& c : UCases()) {
    BOOST_TEST_CONTEXT(c.name) {
      const qr::MannWhitneyResult r = qr::MannWhitneyU(c.x, c.y);
      BOOST_TEST(r.u1 == c.u1);
      BOOST_TEST(r.exact == c.exact);
      BOOST_TEST(r.p_value == c.p, tt::tolerance(1e-12));
      // Swapping the samples mirrors U and keeps the two-sided p.
      const qr::MannWhitneyResult s = qr::MannWhitneyU(c.y, c.x);
      BOOST_TEST(s.u1 == static_cast<double>(c.x.size() * c.y.size()) - c.u1);
      BOOST_TEST(s.p_value == c.p, tt::tolerance(1e-12));
    }
  }
}

BOOST_AUTO_TEST_CASE(minimum_attainable_p) {
  // scipy's p for one sample entirely above the other (method="auto").
  BOOST_TEST(qr::MinimumAttainablePValue(3, 3) == 0.1, tt::tolerance(1e-12));
  BOOST_TEST(qr::MinimumAttainablePValue(5, 5) == 0.007936507936507936, tt::tolerance(1e-12));
  BOOST_TEST(qr::MinimumAttainablePValue(8, 9) == 8.227067050596462e-05, tt::tolerance(1e-12));
  BOOST_TEST(qr::MinimumAttainablePValue(9, 9) == 0.00041229480206169127, tt::tolerance(1e-12));
  BOOST_TEST(qr::MinimumAttainablePValue(10, 10) == 0.00018267179110955002, tt::tolerance(1e-12));
  BOOST_TEST(qr::MinimumAttainablePValue(12, 20) == 3.2947942694307074e-06, tt::tolerance(1e-12));
  BOOST_TEST(qr::MinimumAttainablePValue(0, 5) == 1.0);
  BOOST_TEST(qr::MinimumAttainablePValue(1, 1) == 1.0);  // 2 / C(2, 1) = 1
  // Three repetitions per side (qlab bench's old default) cannot reach 0.05 (2 / 20); four can
  // (2 / 70 = 0.029) but not 0.01; five reach 0.01 (2 / 252 = 0.0079).
  BOOST_TEST(!qr::CanReachAlpha(3, 3, 0.05));
  BOOST_TEST(qr::CanReachAlpha(4, 4, 0.05));
  BOOST_TEST(!qr::CanReachAlpha(4, 4, 0.01));
  BOOST_TEST(qr::CanReachAlpha(5, 5, 0.01));
}

BOOST_AUTO_TEST_CASE(median_and_percentiles) {
  const std::vector<double> odd = {5, 1, 3};
  const std::vector<double> even = {4, 1, 3, 2};
  BOOST_TEST(qr::Median(odd) == 3.0);
  BOOST_TEST(qr::Median(even) == 2.5);
  BOOST_CHECK_THROW(qr::Median(std::vector<double>{}), std::invalid_argument);
  // numpy.quantile(values, [lo, hi]) (linear, its default).
  std::vector<double> a = {3.0, 1.0, 4.0, 1.5, 9.0, 2.5, 6.0};
  const qr::Interval ia = qr::PercentileInterval(a, 0.95);
  BOOST_TEST(ia.low == 1.075, tt::tolerance(1e-12));
  BOOST_TEST(ia.high == 8.55, tt::tolerance(1e-12));
  std::vector<double> b = {0.5, 0.25, 0.125, 1.0};
  const qr::Interval ib = qr::PercentileInterval(b, 0.90);
  BOOST_TEST(ib.low == 0.14375, tt::tolerance(1e-12));
  BOOST_TEST(ib.high == 0.925, tt::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(portable_random_numbers) {
  // The standard fixes std::mt19937_64's sequence: its 10000th output from the default seed.
  std::mt19937_64 standard;
  standard.discard(9999);
  BOOST_TEST(standard() == 9981545732273789042ULL);

  std::mt19937_64 engine(42);
  BOOST_TEST(qr::UniformIndex(engine, 1) == 0u);
  BOOST_CHECK_THROW(qr::UniformIndex(engine, 0), std::invalid_argument);
  // Counts over 10 cells: within 5 sigma of 10000 each (binomial sigma ~ 95).
  std::vector<int> counts(10, 0);
  for (int i = 0; i < 100000; ++i) ++counts[qr::UniformIndex(engine, 10)];
  for (const int c : counts) BOOST_TEST(std::abs(c - 10000) < 475);
  // A range just above 2^63 rejects almost half the outputs; every value still lands in range.
  const std::uint64_t big = (std::uint64_t{1} << 63) + 1;
  for (int i = 0; i < 1000; ++i) BOOST_TEST(qr::UniformIndex(engine, big) < big);
  for (int i = 0; i < 1000; ++i) {
    const double u = qr::UniformUnit(engine);
    BOOST_TEST((u >= 0.0 && u < 1.0));
  }
  // The mapping is specified: reject x >= 2^64 - (2^64 mod n), then x mod n. For n = 10 a
  // rejection has probability 6 / 2^64, so the draws are the raw outputs mod 10. Any other mapping
  // would change every interval qlab has printed.
  std::mt19937_64 pinned(1);
  std::mt19937_64 raw(1);
  for (int i = 0; i < 5; ++i) BOOST_TEST(qr::UniformIndex(pinned, 10) == raw() % 10);
}

BOOST_AUTO_TEST_CASE(bootstrap_matches_an_independent_implementation) {
  // Expected values: an independent Python implementation of what the header specifies
  // (mt19937_64 written from its definition and checked against the standard's 10000th output,
  // the rejection + modulo index mapping, FNV-1a + SplitMix64 stream seed, numpy.median and
  // numpy.quantile on 2000 replicates), run with Debian 12's python3-numpy.
  const std::vector<double> base = {24.31, 23.87, 25.02, 24.66, 23.95,
                                    24.12, 24.88, 23.71, 24.45, 24.09};
  const std::vector<double> next = {22.93, 23.41, 22.57, 23.88, 23.02, 22.71,
                                    23.65, 24.17, 22.84, 23.29, 23.5};
  const std::uint64_t seed = qr::StreamSeed(0x716c6162, "dot_f32/hwy/4096");
  BOOST_TEST(seed == 2852879495154231008ULL);
  std::vector<double> replicates = qr::BootstrapMedianRatios(base, next, 2000, seed);
  BOOST_REQUIRE(replicates.size() == 2000u);
  BOOST_TEST(replicates[0] == 0.9666803784450844, tt::tolerance(1e-15));
  BOOST_TEST(replicates[1] == 0.9447878038730944, tt::tolerance(1e-15));
  std::vector<double> copy = replicates;
  const qr::Interval ci95 = qr::PercentileInterval(copy, 0.95);
  BOOST_TEST(ci95.low == 0.9334955393349553, tt::tolerance(1e-15));
  BOOST_TEST(ci95.high == 0.9805140961857379, tt::tolerance(1e-15));
  const qr::Interval ci90 = qr::PercentileInterval(replicates, 0.90);
  BOOST_TEST(ci90.low == 0.9374872734677255, tt::tolerance(1e-15));
  BOOST_TEST(ci90.high == 0.9766673549452818, tt::tolerance(1e-15));
}

BOOST_AUTO_TEST_CASE(holm_step_down) {
  // By hand: sorted 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> monotone 0.06.
  const std::vector<double> p = {0.01, 0.04, 0.03, 0.005};
  const std::vector<double> adjusted = qr::HolmAdjust(p);
  const std::vector<double> expected = {0.03, 0.06, 0.06, 0.02};
  for (size_t i = 0; i < p.size(); ++i) {
    BOOST_TEST(adjusted[i] == expected[i], tt::tolerance(1e-12));
  }
  const std::vector<double> big = {0.5, 0.9};
  BOOST_TEST(qr::HolmAdjust(big)[0] == 1.0);  // clipped
}

BOOST_AUTO_TEST_CASE(verdict_rule) {
  const double alpha = 0.05;
  const double t = 0.03;
  BOOST_TEST(qr::VerdictName(qr::DecideVerdict(0.01, {0.90, 0.95}, alpha, t)) == "slower");
  BOOST_TEST(qr::VerdictName(qr::DecideVerdict(0.01, {1.05, 1.10}, alpha, t)) == "faster");
  // Interval reaching into the threshold band, or p not below alpha: no change.
  BOOST_TEST(qr::VerdictName(qr::DecideVerdict(0.01, {0.90, 0.98}, alpha, t)) == "no change");
  BOOST_TEST(qr::VerdictName(qr::DecideVerdict(0.01, {1.02, 1.10}, alpha, t)) == "no change");
  BOOST_TEST(qr::VerdictName(qr::DecideVerdict(0.05, {0.80, 0.85}, alpha, t)) == "no change");
}

BOOST_AUTO_TEST_CASE(run_against_itself_and_slowed) {
  Lognormal gen(0.03, 7);
  std::vector<qr::BenchmarkSamples> same;
  std::vector<qr::BenchmarkSamples> slowed;
  for (int i = 0; i < 6; ++i) {
    const std::string name = "bench/" + std::to_string(i);
    const std::vector<double> base = gen.Sample(10, 1e9 * (i + 1));
    std::vector<double> next = base;
    for (double& v : next) v *= 0.8;
    same.push_back({name, base, base});
    slowed.push_back({name, base, next});
  }
  const qr::CompareSettings settings;
  const qr::SuiteComparison s = qr::CompareSuite(same, settings);
  BOOST_TEST(s.no_change == same.size());
  BOOST_REQUIRE(s.geomean.has_value());
  BOOST_TEST(s.geomean->ratio == 1.0);  // exactly
  BOOST_TEST((s.geomean->ci.low <= 1.0 && s.geomean->ci.high >= 1.0));
  for (const auto& b : s.benchmarks) {
    BOOST_TEST(b.ratio == 1.0);
    BOOST_TEST(b.p_value == 1.0);
    BOOST_TEST((b.ci.low <= 1.0 && 1.0 <= b.ci.high));
  }
  const qr::SuiteComparison w = qr::CompareSuite(slowed, settings);
  BOOST_TEST(w.slower == slowed.size());
  BOOST_TEST(w.geomean->ratio == 0.8, tt::tolerance(1e-12));
  BOOST_TEST((w.geomean->ci.low <= 0.8 + 1e-12 && w.geomean->ci.high >= 0.8 - 1e-12));
  for (const auto& b : w.benchmarks) BOOST_TEST((b.ci.low <= b.ratio && b.ratio <= b.ci.high));

  // Reproducible, and independent of the order (each benchmark's stream comes from its name).
  std::vector<qr::BenchmarkSamples> reversed(slowed.rbegin(), slowed.rend());
  const qr::SuiteComparison r = qr::CompareSuite(reversed, settings);
  for (size_t i = 0; i < slowed.size(); ++i) {
    const auto& a = w.benchmarks[i];
    const auto& b = r.benchmarks[slowed.size() - 1 - i];
    BOOST_TEST(a.ci.low == b.ci.low);
    BOOST_TEST(a.ci.high == b.ci.high);
  }
  BOOST_TEST(r.geomean->ratio == w.geomean->ratio, tt::tolerance(1e-15));

  // Holm over the 6 benchmarks: the smallest p is multiplied by 6. At n = 10 per side the minimum
  // p (1.8e-4) still reaches 0.05 / 6 = 8.3e-3; at 4 per side (2 / 70 = 0.029) only 0.05 does.
  qr::CompareSettings holm = settings;
  holm.holm = true;
  const qr::SuiteComparison h = qr::CompareSuite(slowed, holm);
  for (const auto& b : h.benchmarks) {
    BOOST_TEST(b.p_adjusted == 6 * b.p_value, tt::tolerance(1e-12));  // all p equal here
    BOOST_TEST(b.alpha_reachable);
    BOOST_TEST(qr::VerdictName(b.verdict) == "slower");
  }
  std::vector<qr::BenchmarkSamples> four = slowed;
  for (auto& b : four) {
    b.base.resize(4);
    b.next.resize(4);
  }
  for (const auto& b : qr::CompareSuite(four, settings).benchmarks) BOOST_TEST(b.alpha_reachable);
  for (const auto& b : qr::CompareSuite(four, holm).benchmarks) {
    BOOST_TEST(!b.alpha_reachable);
    BOOST_TEST(qr::VerdictName(b.verdict) == "no change");
  }
}

BOOST_AUTO_TEST_CASE(geomean_keeps_rounds_together) {
  // Eight benchmarks that are scaled copies of one (a round slow for one is slow for all): joint
  // resampling makes every geomean replicate the ratio of that one benchmark's resampled medians,
  // so the interval is as wide as a single benchmark's. Eight unrelated benchmarks average their
  // noise: about 1 / sqrt(8) of the width.
  Lognormal gen(0.05, 11);
  const std::vector<double> base = gen.Sample(10, 1.0);
  const std::vector<double> next = gen.Sample(10, 1.0);
  std::vector<qr::BenchmarkSamples> copies;
  std::vector<qr::BenchmarkSamples> unrelated;
  for (int i = 0; i < 8; ++i) {
    std::vector<double> b = base;
    std::vector<double> x = next;
    for (double& v : b) v *= i + 1;
    for (double& v : x) v *= i + 1;
    copies.push_back({"copy/" + std::to_string(i), b, x});
    unrelated.push_back({"other/" + std::to_string(i), gen.Sample(10, 1.0), gen.Sample(10, 1.0)});
  }
  const qr::CompareSettings settings;
  const qr::SuiteComparison c = qr::CompareSuite(copies, settings);
  BOOST_TEST(c.geomean->joint);
  std::vector<double> single = qr::BootstrapMedianRatios(base, next, settings.resamples,
                                                         qr::GeomeanStreamSeed(settings.seed));
  const qr::Interval one = qr::PercentileInterval(single, settings.confidence);
  BOOST_TEST(c.geomean->ci.low == one.low, tt::tolerance(1e-12));
  BOOST_TEST(c.geomean->ci.high == one.high, tt::tolerance(1e-12));
  const qr::SuiteComparison u = qr::CompareSuite(unrelated, settings);
  const double width_unrelated = u.geomean->ci.high - u.geomean->ci.low;
  const double width_single = one.high - one.low;
  BOOST_TEST_MESSAGE("geomean interval width: 8 copies " << width_single << ", 8 unrelated "
                                                         << width_unrelated);
  BOOST_TEST(width_unrelated < 0.6 * width_single);
  // Unequal lengths: independent resampling (each benchmark's own stream).
  std::vector<qr::BenchmarkSamples> ragged = copies;
  ragged[3].next.pop_back();
  BOOST_TEST(!qr::CompareSuite(ragged, settings).geomean->joint);
}

BOOST_AUTO_TEST_CASE(bad_input_is_refused) {
  qr::CompareSettings settings;
  const qr::BenchmarkSamples empty{"x", {}, {1.0}};
  BOOST_CHECK_THROW(qr::CompareBenchmark(empty, settings), std::invalid_argument);
  const qr::BenchmarkSamples zero{"x", {1.0, 0.0}, {1.0}};
  BOOST_CHECK_THROW(qr::CompareBenchmark(zero, settings), std::invalid_argument);
  const qr::BenchmarkSamples nan{"x", {1.0}, {std::nan("")}};
  BOOST_CHECK_THROW(qr::CompareBenchmark(nan, settings), std::invalid_argument);
  // Finite positive values whose ratio overflows: refused, never an infinite ratio or a NaN
  // interval (a subnormal rate, 1e-320, made the ratio inf and the interval [-nan, -nan]).
  const qr::BenchmarkSamples tiny{"x", {1e-320, 2e-320, 1.5e-320}, {1e10, 1.1e10, 0.9e10}};
  BOOST_CHECK_THROW(qr::CompareBenchmark(tiny, settings), std::invalid_argument);
  const qr::BenchmarkSamples apart{"x", {1e300, 2e300}, {1e-300, 2e-300}};
  BOOST_CHECK_THROW(qr::CompareBenchmark(apart, settings), std::invalid_argument);
  const std::vector<qr::BenchmarkSamples> suite = {tiny};
  BOOST_CHECK_THROW(qr::CompareSuite(suite, settings), std::invalid_argument);
  settings.alpha = 0;
  const qr::BenchmarkSamples ok{"x", {1.0, 2.0}, {1.0, 2.0}};
  BOOST_CHECK_THROW(qr::CompareBenchmark(ok, settings), std::invalid_argument);
  settings = {};
  settings.resamples = 0;
  BOOST_CHECK_THROW(qr::CompareBenchmark(ok, settings), std::invalid_argument);
}

// Size and power of the default verdict: n = 10 per side, lognormal with a 3% coefficient of
// variation, 200 seeded trials per scenario.
BOOST_AUTO_TEST_CASE(size_and_power_on_lognormal_repetitions) {
  constexpr int kTrials = 200;
  constexpr size_t kN = 10;
  constexpr double kCv = 0.03;
  const qr::CompareSettings settings;  // the defaults `qlab compare` uses
  Lognormal gen(kCv, 20260101);
  int same_no_change = 0;
  int slower_detected = 0;
  int faster_detected = 0;
  for (int trial = 0; trial < kTrials; ++trial) {
    const std::string name = "trial/" + std::to_string(trial);
    const std::vector<double> base = gen.Sample(kN, 1e9);
    const std::vector<double> same = gen.Sample(kN, 1e9);
    const std::vector<double> slower = gen.Sample(kN, 0.9e9);
    const std::vector<double> faster = gen.Sample(kN, 1.1e9);
    const auto verdict = [&](const std::vector<double>& next) {
      return qr::CompareBenchmark({name, base, next}, settings).verdict;
    };
    same_no_change += verdict(same) == qr::Verdict::kNoChange;
    slower_detected += verdict(slower) == qr::Verdict::kSlower;
    faster_detected += verdict(faster) == qr::Verdict::kFaster;
  }
  const auto rate = [](int k) { return static_cast<double>(k) / kTrials; };
  BOOST_TEST_MESSAGE("lognormal n=" << kN << " per side, cv=" << kCv << ", " << kTrials
                                    << " trials, alpha=" << settings.alpha
                                    << " threshold=" << settings.threshold << ": identical -> "
                                    << "no change " << rate(same_no_change) << "; 10% slower -> "
                                    << "slower " << rate(slower_detected) << "; 10% faster -> "
                                    << "faster " << rate(faster_detected));
  BOOST_TEST(rate(same_no_change) >= 0.95);
  BOOST_TEST(rate(slower_detected) >= 0.95);
  BOOST_TEST(rate(faster_detected) >= 0.95);
}
