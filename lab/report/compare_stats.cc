// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
// Statistics of `qlab compare`; see the header for what each function computes and why.
#include "qlab/report/compare_stats.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/math/distributions/normal.hpp>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace qlab::report {

namespace {

void CheckSample(std::span<const double> values, std::string_view name, std::string_view side) {
  const std::string where =
      name.empty() ? std::string(side) : std::string(name) + " " + std::string(side);
  if (values.empty()) throw std::invalid_argument(where + ": no repetitions");
  for (const double v : values) {
    if (!std::isfinite(v) || !(v > 0)) {
      throw std::invalid_argument(where + ": items_per_second must be finite and positive");
    }
  }
}

// "NAME: the FIGURE is VALUE (...)": what is computed must be a finite, positive ratio (and a
// p-value in [0, 1]) before anything is printed; finite positive inputs can still overflow it
// (1e300 against 1e-300).
void RequireFinite(std::string_view name, std::string_view figure, double value, bool ratio) {
  const bool ok =
      ratio ? std::isfinite(value) && value > 0 : std::isfinite(value) && value >= 0 && value <= 1;
  if (ok) return;
  std::string message =
      fmt::format("{}{}the {} is {}", name, name.empty() ? "" : ": ", figure, value);
  message += ratio ? ", not a finite positive number: the rates compared are too far apart for a "
                     "double"
                   : ", not a probability";
  throw std::invalid_argument(message);
}

void RequireFiniteFigures(const BenchmarkComparison& c) {
  RequireFinite(c.name, "median of BASE", c.median_base, true);
  RequireFinite(c.name, "median of NEW", c.median_new, true);
  RequireFinite(c.name, "ratio NEW/BASE", c.ratio, true);
  RequireFinite(c.name, "interval's low end", c.ci.low, true);
  RequireFinite(c.name, "interval's high end", c.ci.high, true);
  RequireFinite(c.name, "p-value", c.p_value, false);
  RequireFinite(c.name, "adjusted p-value", c.p_adjusted, false);
}

// Median of `values`, reordering them.
double MedianInPlace(std::span<double> values) {
  const size_t n = values.size();
  const auto mid = values.begin() + static_cast<std::ptrdiff_t>(n / 2);
  std::nth_element(values.begin(), mid, values.end());
  if (n % 2 == 1) return *mid;
  // Even count: the lower middle is the largest of the lower half.
  const double lower = *std::max_element(values.begin(), mid);
  return (lower + *mid) / 2;  // as numpy.median; rates are far from overflowing
}

// P(U >= u) under H0 for samples of m and n without ties: counts of the arrangements by U from
// c(k, j, u) = c(k - 1, j, u - j) + c(k, j - 1, u) (the largest pooled value is from the first
// sample and beats all j of the second, or it is from the second). Additions only, so the tail is
// accurate down to 1 / C(m + n, m) even where C exceeds 2^53.
double ExactUpperTail(size_t m, size_t n, size_t u) {
  if (m > n) std::swap(m, n);  // the distribution is symmetric in (m, n); the inner loop is m
  const size_t max_u = m * n;
  if (u > max_u) return 0;
  // counts[k][v]: arrangements of k first-sample values and j second-sample values with U = v.
  std::vector<std::vector<double>> counts(m + 1, std::vector<double>(max_u + 1, 0.0));
  for (auto& c : counts) c[0] = 1;  // j = 0: U is 0 in one way
  for (size_t j = 1; j <= n; ++j) {
    for (size_t k = 1; k <= m; ++k) {
      // counts[k-1] already holds j; counts[k] still holds j - 1. Degree of (k, j) is k j.
      const std::vector<double>& shorter = counts[k - 1];
      std::vector<double>& c = counts[k];
      for (size_t v = k * j; v >= j; --v) c[v] += shorter[v - j];
    }
  }
  const std::vector<double>& c = counts[m];
  double tail = 0;
  for (size_t v = max_u; v >= u; --v) {  // small terms first
    tail += c[v];
    if (v == 0) break;
  }
  const double total = std::accumulate(c.begin(), c.end(), 0.0);
  return tail / total;
}

double NormalUpperTail(double z) {
  if (std::isinf(z)) return z > 0 ? 0.0 : 1.0;
  return boost::math::cdf(boost::math::complement(boost::math::normal_distribution<double>(), z));
}

// Replicates in draw order, and the interval from a sorted copy.
std::vector<double> Replicates(std::span<const double> base, std::span<const double> next,
                               int resamples, std::uint64_t seed) {
  std::mt19937_64 engine(seed);
  std::vector<double> b(base.size());
  std::vector<double> x(next.size());
  std::vector<double> out(static_cast<size_t>(resamples));
  for (double& r : out) {
    for (double& v : b) v = base[UniformIndex(engine, base.size())];
    for (double& v : x) v = next[UniformIndex(engine, next.size())];
    r = MedianInPlace(x) / MedianInPlace(b);
  }
  return out;
}

BenchmarkComparison CompareOne(const BenchmarkSamples& samples, const CompareSettings& settings,
                               std::vector<double>* replicates) {
  CheckSample(samples.base, samples.name, "BASE");
  CheckSample(samples.next, samples.name, "NEW");
  BenchmarkComparison out;
  out.name = samples.name;
  out.n_base = samples.base.size();
  out.n_new = samples.next.size();
  out.median_base = Median(samples.base);
  out.median_new = Median(samples.next);
  out.ratio = out.median_new / out.median_base;
  *replicates = Replicates(samples.base, samples.next, settings.resamples,
                           StreamSeed(settings.seed, samples.name));
  std::vector<double> sorted = *replicates;
  out.ci = PercentileInterval(sorted, settings.confidence);
  const MannWhitneyResult u = MannWhitneyU(samples.next, samples.base);
  out.u1 = u.u1;
  out.p_value = u.p_value;
  out.p_adjusted = u.p_value;
  out.exact = u.exact;
  out.alpha_reachable = CanReachAlpha(out.n_base, out.n_new, settings.alpha);
  out.verdict = DecideVerdict(out.p_adjusted, out.ci, settings.alpha, settings.threshold);
  RequireFiniteFigures(out);
  return out;
}

}  // namespace

std::uint64_t UniformIndex(std::mt19937_64& engine, std::uint64_t n) {
  if (n == 0) throw std::invalid_argument("UniformIndex: empty range");
  // Accept x below the largest multiple of n that fits in 2^64; 2^64 mod n = (2^64 - n) mod n.
  const std::uint64_t reject_below_wrap = (0 - n) % n;  // 2^64 mod n
  const std::uint64_t limit = 0 - reject_below_wrap;    // 2^64 - (2^64 mod n); 0 means 2^64
  for (;;) {
    const std::uint64_t x = engine();
    if (limit == 0 || x < limit) return x % n;
  }
}

double UniformUnit(std::mt19937_64& engine) {
  return static_cast<double>(engine() >> 11) * 0x1.0p-53;
}

std::uint64_t StreamSeed(std::uint64_t seed, std::string_view name) {
  std::uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a 64
  for (const char c : name) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  std::uint64_t z = seed ^ h;  // SplitMix64's finalizer
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t GeomeanStreamSeed(std::uint64_t seed) {
  // No benchmark name contains a newline, so this stream is no benchmark's.
  return StreamSeed(seed, "\ngeomean");
}

double Median(std::span<const double> values) {
  if (values.empty()) throw std::invalid_argument("Median: no values");
  std::vector<double> copy(values.begin(), values.end());
  return MedianInPlace(copy);
}

MannWhitneyResult MannWhitneyU(std::span<const double> x, std::span<const double> y) {
  if (x.empty() || y.empty()) throw std::invalid_argument("MannWhitneyU: empty sample");
  const size_t n1 = x.size();
  const size_t n2 = y.size();
  const size_t n = n1 + n2;
  // Pool, remembering which sample each value came from, and give mid-ranks to tied runs.
  std::vector<std::pair<double, bool>> pooled;  // (value, from x)
  pooled.reserve(n);
  for (const double v : x) pooled.emplace_back(v, true);
  for (const double v : y) pooled.emplace_back(v, false);
  for (const auto& p : pooled) {
    if (std::isnan(p.first)) throw std::invalid_argument("MannWhitneyU: NaN in a sample");
  }
  std::sort(pooled.begin(), pooled.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  double rank_sum_x = 0;
  double tie_term = 0;  // sum over tied runs of t^3 - t
  bool ties = false;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j + 1 < n && pooled[j + 1].first == pooled[i].first) ++j;
    const double t = static_cast<double>(j - i + 1);
    const double mid_rank = static_cast<double>(i + j + 2) / 2;  // ranks are 1-based
    for (size_t k = i; k <= j; ++k) {
      if (pooled[k].second) rank_sum_x += mid_rank;
    }
    if (t > 1) {
      ties = true;
      tie_term += t * t * t - t;
    }
    i = j + 1;
  }
  const double dn1 = static_cast<double>(n1);
  const double dn2 = static_cast<double>(n2);
  const double dn = static_cast<double>(n);
  MannWhitneyResult out;
  out.u1 = rank_sum_x - dn1 * (dn1 + 1) / 2;
  const double u = std::max(out.u1, dn1 * dn2 - out.u1);
  out.exact = std::min(n1, n2) <= 8 && !ties;
  double p = 0;
  if (out.exact) {
    // Without ties U1 is an integer.
    p = 2 * ExactUpperTail(n1, n2, static_cast<size_t>(std::llround(u)));
  } else {
    const double variance = dn1 * dn2 / 12 * ((dn + 1) - tie_term / (dn * (dn - 1)));
    const double numerator = u - dn1 * dn2 / 2 - 0.5;  // continuity correction
    // All values equal: variance 0 and numerator -0.5, so z = -inf and p = 1 (as scipy).
    const double z =
        variance > 0 ? numerator / std::sqrt(variance) : -std::numeric_limits<double>::infinity();
    p = 2 * NormalUpperTail(z);
  }
  out.p_value = std::clamp(p, 0.0, 1.0);
  return out;
}

double MinimumAttainablePValue(std::size_t n1, std::size_t n2) {
  if (n1 == 0 || n2 == 0) return 1;
  if (std::min(n1, n2) <= 8) {
    // 2 / C(n1 + n2, m), C built as a running product of ratios (exact enough, no overflow).
    const size_t m = std::min(n1, n2);
    const size_t total = n1 + n2;
    double c = 1;
    for (size_t i = 1; i <= m; ++i) {
      c = c * static_cast<double>(total - m + i) / static_cast<double>(i);
    }
    return std::min(1.0, 2 / c);
  }
  const double dn1 = static_cast<double>(n1);
  const double dn2 = static_cast<double>(n2);
  const double sigma = std::sqrt(dn1 * dn2 * (dn1 + dn2 + 1) / 12);
  const double z = (dn1 * dn2 / 2 - 0.5) / sigma;
  return std::min(1.0, 2 * NormalUpperTail(z));
}

bool CanReachAlpha(std::size_t n1, std::size_t n2, double alpha) {
  return MinimumAttainablePValue(n1, n2) < alpha;
}

std::vector<double> HolmAdjust(std::span<const double> p_values) {
  const size_t m = p_values.size();
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return p_values[a] < p_values[b]; });
  std::vector<double> adjusted(m);
  double running = 0;
  for (size_t rank = 0; rank < m; ++rank) {
    const double scaled = static_cast<double>(m - rank) * p_values[order[rank]];
    running = std::max(running, std::min(1.0, scaled));
    adjusted[order[rank]] = running;
  }
  return adjusted;
}

std::string_view VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kFaster:
      return "faster";
    case Verdict::kSlower:
      return "slower";
    case Verdict::kNoChange:
      break;
  }
  return "no change";
}

void ValidateSettings(const CompareSettings& settings) {
  if (!(settings.alpha > 0 && settings.alpha < 1)) {
    throw std::invalid_argument("alpha must lie strictly between 0 and 1");
  }
  if (!(settings.threshold >= 0 && settings.threshold < 1)) {
    throw std::invalid_argument("threshold must be at least 0 and below 1 (a fraction)");
  }
  if (!(settings.confidence > 0 && settings.confidence < 1)) {
    throw std::invalid_argument("confidence must lie strictly between 0 and 1");
  }
  if (settings.resamples < 1) throw std::invalid_argument("resamples must be at least 1");
}

Verdict DecideVerdict(double p_value, Interval ci, double alpha, double threshold) {
  if (!(p_value < alpha)) return Verdict::kNoChange;
  if (ci.low > 1 + threshold) return Verdict::kFaster;
  if (ci.high < 1 - threshold) return Verdict::kSlower;
  return Verdict::kNoChange;
}

std::vector<double> BootstrapMedianRatios(std::span<const double> base,
                                          std::span<const double> next, int resamples,
                                          std::uint64_t seed) {
  CheckSample(base, "", "BASE");
  CheckSample(next, "", "NEW");
  if (resamples < 1) throw std::invalid_argument("resamples must be at least 1");
  return Replicates(base, next, resamples, seed);
}

Interval PercentileInterval(std::vector<double>& replicates, double confidence) {
  if (replicates.empty()) throw std::invalid_argument("PercentileInterval: no replicates");
  std::sort(replicates.begin(), replicates.end());
  const auto quantile = [&](double q) {
    const double h = (static_cast<double>(replicates.size()) - 1) * q;
    const auto lo = static_cast<size_t>(std::floor(h));
    const size_t hi = std::min(lo + 1, replicates.size() - 1);
    return replicates[lo] + (h - static_cast<double>(lo)) * (replicates[hi] - replicates[lo]);
  };
  return {quantile((1 - confidence) / 2), quantile((1 + confidence) / 2)};
}

BenchmarkComparison CompareBenchmark(const BenchmarkSamples& samples,
                                     const CompareSettings& settings) {
  ValidateSettings(settings);
  std::vector<double> replicates;
  return CompareOne(samples, settings, &replicates);
}

SuiteComparison CompareSuite(std::span<const BenchmarkSamples> suite,
                             const CompareSettings& settings) {
  ValidateSettings(settings);
  SuiteComparison out;
  out.benchmarks.reserve(suite.size());
  // Repetitions aligned across benchmarks (every BASE side of one length, every NEW side of one
  // length) are resampled jointly for the geometric mean; see the header.
  const bool joint =
      !suite.empty() && std::all_of(suite.begin(), suite.end(), [&](const BenchmarkSamples& b) {
        return b.base.size() == suite.front().base.size() &&
               b.next.size() == suite.front().next.size();
      });
  std::vector<double> log_sum(static_cast<size_t>(settings.resamples), 0.0);
  double log_ratio_sum = 0;
  std::vector<double> replicates;
  for (const BenchmarkSamples& samples : suite) {
    out.benchmarks.push_back(CompareOne(samples, settings, &replicates));
    log_ratio_sum += std::log(out.benchmarks.back().ratio);
    if (!joint) {
      for (size_t r = 0; r < replicates.size(); ++r) log_sum[r] += std::log(replicates[r]);
    }
  }
  if (joint) {
    std::mt19937_64 engine(GeomeanStreamSeed(settings.seed));
    const size_t n_base = suite.front().base.size();
    const size_t n_new = suite.front().next.size();
    std::vector<size_t> base_index(n_base);
    std::vector<size_t> new_index(n_new);
    std::vector<double> b(n_base);
    std::vector<double> x(n_new);
    for (double& sum : log_sum) {
      for (size_t& i : base_index) i = UniformIndex(engine, n_base);
      for (size_t& i : new_index) i = UniformIndex(engine, n_new);
      for (const BenchmarkSamples& samples : suite) {
        for (size_t i = 0; i < n_base; ++i) b[i] = samples.base[base_index[i]];
        for (size_t i = 0; i < n_new; ++i) x[i] = samples.next[new_index[i]];
        sum += std::log(MedianInPlace(x) / MedianInPlace(b));
      }
    }
  }
  if (settings.holm) {
    std::vector<double> p(out.benchmarks.size());
    for (size_t i = 0; i < p.size(); ++i) p[i] = out.benchmarks[i].p_value;
    const std::vector<double> adjusted = HolmAdjust(p);
    for (size_t i = 0; i < p.size(); ++i) {
      BenchmarkComparison& b = out.benchmarks[i];
      b.p_adjusted = adjusted[i];
      // Holm multiplies the smallest p by m: nothing can be rejected unless p < alpha / m.
      b.alpha_reachable =
          CanReachAlpha(b.n_base, b.n_new, settings.alpha / static_cast<double>(p.size()));
      b.verdict = DecideVerdict(b.p_adjusted, b.ci, settings.alpha, settings.threshold);
      RequireFiniteFigures(b);
    }
  }
  for (const BenchmarkComparison& b : out.benchmarks) {
    if (b.verdict == Verdict::kFaster) ++out.faster;
    if (b.verdict == Verdict::kSlower) ++out.slower;
    if (b.verdict == Verdict::kNoChange) ++out.no_change;
  }
  if (!suite.empty()) {
    const double k = static_cast<double>(suite.size());
    GeomeanResult g;
    g.joint = joint;
    g.ratio = std::exp(log_ratio_sum / k);
    for (double& v : log_sum) v = std::exp(v / k);
    g.ci = PercentileInterval(log_sum, settings.confidence);
    RequireFinite("geomean", "ratio", g.ratio, true);
    RequireFinite("geomean", "interval's low end", g.ci.low, true);
    RequireFinite("geomean", "interval's high end", g.ci.high, true);
    out.geomean = g;
  }
  return out;
}

}  // namespace qlab::report
