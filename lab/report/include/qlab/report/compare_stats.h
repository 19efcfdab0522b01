// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
// The statistics of `qlab compare`: two samples of one benchmark's repetitions (items_per_second,
// BASE and NEW) give the ratio of medians NEW / BASE, its percentile-bootstrap confidence interval,
// the two-sided Mann-Whitney U p-value and a verdict; a suite gives the geometric mean of the
// ratios with its own bootstrap interval.
//
// Everything here is reproducible bit for bit across platforms and standard libraries: the only
// random source is std::mt19937_64 (whose output sequence the standard specifies), mapped to
// indices and unit doubles by the functions below, never by std::*_distribution (whose output is
// implementation-defined).
//
// The U test follows scipy.stats.mannwhitneyu(x, y, alternative="two-sided", method="auto",
// use_continuity=True) of SciPy 1.10:
//   - U1 = R1 - n1 (n1 + 1) / 2 with mid-ranks for ties (R1: the rank sum of x); U = max(U1, U2);
//   - exact null distribution when min(n1, n2) <= 8 and the pooled sample has no ties:
//     p = 2 P(U' >= U), clipped to 1;
//   - otherwise the normal approximation with the tie correction
//     sigma = sqrt(n1 n2 / 12 ((n + 1) - sum(t^3 - t) / (n (n - 1)))) and the continuity
//     correction z = (U - n1 n2 / 2 - 0.5) / sigma, p = 2 (1 - Phi(z)), clipped to 1.
//     Note that at n = 10 per side (both sides > 8) scipy, and so this, is asymptotic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace qlab::report {

// ---- Portable randomness ------------------------------------------------------------------------

// Uniform integer in [0, n), n >= 1: rejection sampling on the full 64-bit output (no modulo bias),
// then the remainder. Depends only on the engine's specified output sequence.
std::uint64_t UniformIndex(std::mt19937_64& engine, std::uint64_t n);

// Uniform double in [0, 1) with 53 random bits: (x >> 11) * 2^-53.
double UniformUnit(std::mt19937_64& engine);

// A seed for one benchmark's stream, from the run's seed and the benchmark's name (FNV-1a of the
// name, mixed with the seed by SplitMix64's finalizer): each benchmark's interval depends on its
// own data and name only, not on which other benchmarks are compared or in which order, and streams
// of different benchmarks are unrelated.
std::uint64_t StreamSeed(std::uint64_t seed, std::string_view name);

// ---- Descriptive -------------------------------------------------------------------------------

// Median (mean of the two middle values for an even count). Throws std::invalid_argument if empty.
double Median(std::span<const double> values);

// ---- Mann-Whitney U ----------------------------------------------------------------------------

struct MannWhitneyResult {
  double u1 = 0;       // U of the first sample (scipy's `statistic`)
  double p_value = 1;  // two-sided
  bool exact = false;  // exact null distribution (true) or normal approximation (false)
};

// Two-sided Mann-Whitney U test of x against y, scipy's method="auto" (see the file comment).
// Throws std::invalid_argument if either sample is empty or holds a NaN.
MannWhitneyResult MannWhitneyU(std::span<const double> x, std::span<const double> y);

// The smallest two-sided p-value the test above can give for samples of n1 and n2 without ties
// (one sample entirely above the other): 2 / C(n1 + n2, n1) where the exact distribution is used
// (min(n1, n2) <= 8), else the normal approximation at U = n1 n2. Ties within the samples can only
// make the asymptotic p smaller; they are not assumed. 1 if either n is 0.
double MinimumAttainablePValue(std::size_t n1, std::size_t n2);

// Whether samples of n1 and n2 can reach p < alpha at all.
bool CanReachAlpha(std::size_t n1, std::size_t n2, double alpha);

// Holm's step-down adjustment of a family of p-values (same order as given): sorted ascending,
// p_(i) * (m - i + 1), made monotone, clipped to 1. Rejecting where adjusted < alpha controls the
// family-wise error rate at alpha.
std::vector<double> HolmAdjust(std::span<const double> p_values);

// ---- Comparison --------------------------------------------------------------------------------

enum class Verdict { kNoChange, kFaster, kSlower };

// "no change", "faster", "slower".
std::string_view VerdictName(Verdict verdict);

// The defaults, and why (measured on this machine, see bench/README): a suite makes many
// comparisons, and the guard against false verdicts is the threshold, not a family-wise
// correction. A verdict needs p < alpha AND the whole 95% interval beyond 1 +- 3%. Same-build
// pairs through tools/ab-bench.sh (10 pairs, quick subset: 22 benchmarks, 10 rounds, load 3-21):
// the U test alone was significant in 5 of 220 comparisons (nominal 5%), the farthest any
// interval lay beyond 1 was 1.9% (p = 0.06), so every threshold >= 1% gave 100% "no change".
// 3% leaves margin and keeps the power the issue asks for (a 10% shift at 3% CV, n = 10: >= 98%
// detected; a 5% threshold detects 80%). Holm's correction stays optional: over the full suite
// (246 benchmarks) its first rejection needs p < 0.05 / 246 = 2.0e-4, barely below the smallest
// p that n = 10 per side can reach (1.8e-4).
struct CompareSettings {
  double alpha = 0.05;       // significance level of the U test (per benchmark, or family-wise
                             // with holm)
  double threshold = 0.03;   // fraction: "faster" needs ci_low > 1 + threshold, "slower"
                             // ci_high < 1 - threshold
  double confidence = 0.95;  // of the bootstrap interval
  int resamples = 10000;     // bootstrap resamples
  std::uint64_t seed = 0x716c6162;  // "qlab"
  bool holm = false;  // adjust the suite's p-values with Holm's method before the verdict
};

// Throws std::invalid_argument (saying which) unless 0 < alpha < 1, 0 <= threshold < 1,
// 0 < confidence < 1 and resamples >= 1.
void ValidateSettings(const CompareSettings& settings);

struct Interval {
  double low = 0;
  double high = 0;
};

struct BenchmarkComparison {
  std::string name;
  std::size_t n_base = 0;
  std::size_t n_new = 0;
  double median_base = 0;
  double median_new = 0;
  double ratio = 1;             // median_new / median_base; below 1 is slower
  Interval ci;                  // percentile bootstrap interval of ratio
  double u1 = 0;                // U of NEW (first sample) against BASE
  double p_value = 1;           // two-sided, unadjusted
  double p_adjusted = 1;        // Holm-adjusted over the suite if settings.holm, else p_value
  bool exact = false;           // the U test used its exact distribution
  bool alpha_reachable = true;  // MinimumAttainablePValue(n_base, n_new) < alpha (alpha / m
                                // with Holm over m benchmarks: the first rejection needs it)
  Verdict verdict = Verdict::kNoChange;
};

struct BenchmarkSamples {
  std::string name;
  std::vector<double> base;  // items_per_second of each BASE repetition
  std::vector<double> next;  // items_per_second of each NEW repetition
};

struct GeomeanResult {
  double ratio = 1;  // exp(mean(log ratio_i)) over the compared benchmarks
  Interval ci;       // percentile bootstrap: every resample resamples both sides of every benchmark
  bool joint = false;  // repetitions were resampled jointly across benchmarks (see CompareSuite)
};

struct SuiteComparison {
  std::vector<BenchmarkComparison> benchmarks;  // in the order given
  std::optional<GeomeanResult> geomean;         // absent when no benchmark was given
  std::size_t faster = 0;
  std::size_t slower = 0;
  std::size_t no_change = 0;
};

// Verdict from a p-value and an interval: faster/slower only when p < alpha and the whole interval
// lies beyond 1 ± threshold; else no change.
Verdict DecideVerdict(double p_value, Interval ci, double alpha, double threshold);

// Percentile-bootstrap replicates of median(next) / median(base): `resamples` times, n_base indices
// into base and n_new into next (independently, with replacement) from one std::mt19937_64 seeded
// with `seed`. Returned in draw order.
std::vector<double> BootstrapMedianRatios(std::span<const double> base,
                                          std::span<const double> next, int resamples,
                                          std::uint64_t seed);

// The (1 - confidence) / 2 and (1 + confidence) / 2 quantiles of the replicates, linear
// interpolation between order statistics (numpy's default, Hyndman-Fan type 7). Sorts in place.
Interval PercentileInterval(std::vector<double>& replicates, double confidence);

// One benchmark (no Holm: p_adjusted = p_value). Values must be finite and > 0; throws
// std::invalid_argument naming the benchmark otherwise, when a side is empty, or when a figure
// computed is not finite (a median or ratio that overflows: 1e300 against 1e-300), so every field
// returned is a finite number.
BenchmarkComparison CompareBenchmark(const BenchmarkSamples& samples,
                                     const CompareSettings& settings);

// Every benchmark, then the geometric mean of the ratios with its bootstrap interval (throwing as
// CompareBenchmark does, and when the geometric mean or its interval is not finite). Each
// geomean replicate resamples both sides of every benchmark and takes exp(mean_i log ratio_i).
//   - When every BASE side has the same length and every NEW side too (tools/ab-bench.sh's files:
//     repetition k of every benchmark comes from round k), one set of repetition indices per side
//     is drawn per resample and used for every benchmark (stream GeomeanStreamSeed), so a round
//     that was slow for all benchmarks stays one round. Measured here under load, benchmarks of
//     one round drift together: a same-build pair of the quick subset had geomean 0.962 with
//     [0.940, 0.993] from independent resampling (excluding 1), [0.925, 1.008] from joint.
//     For benchmarks whose repetitions are unrelated this is still a valid bootstrap of each
//     benchmark (the pairing is arbitrary).
//   - Otherwise each benchmark's own replicate r (its StreamSeed stream) is used, independent
//     across benchmarks.
SuiteComparison CompareSuite(std::span<const BenchmarkSamples> suite,
                             const CompareSettings& settings);

// The stream of CompareSuite's joint geomean resampling.
std::uint64_t GeomeanStreamSeed(std::uint64_t seed);

}  // namespace qlab::report
