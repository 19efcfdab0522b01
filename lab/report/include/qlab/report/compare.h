// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
// `qlab compare BASE.json NEW.json`: reading the individual repetitions of two Google Benchmark
// JSON files, comparing every benchmark both hold (compare_stats.h) and rendering the result as
// text, Markdown and JSON.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "qlab/report/compare_stats.h"

namespace qlab::report {

struct BenchRepetitionSet {
  std::string name;             // run_name
  std::vector<double> samples;  // items_per_second of each iteration row, in file order
};

struct BenchRepetitionsFile {  // NOLINT(bugprone-exception-escape)
  std::string source;
  nlohmann::json context = nlohmann::json::object();
  std::vector<BenchRepetitionSet> benchmarks;  // in order of first appearance
  std::vector<std::string> errors;             // benchmarks with error_occurred (skipped)
};

// What a repetition's figures must be to count as a measurement. A time per iteration (real_time,
// cpu_time) from 1 ps (below one clock cycle of any CPU) to 10^9 s (31 years); items_per_second
// from 10^-9 (one item in 31 years) to 10^31 (more than the 2^63 items Google Benchmark can count,
// per picosecond). Zero, subnormal (1e-320) and absurd figures fall outside, and inside these
// bounds every ratio of rates (at most 10^40 either way), its logarithm, the bootstrap interval
// and the geometric mean are finite doubles.
inline constexpr double kMinIterationNs = 1e-3;
inline constexpr double kMaxIterationNs = 1e18;
inline constexpr double kMinItemsPerSecond = 1e-9;
inline constexpr double kMaxItemsPerSecond = 1e31;

// Reads the iteration rows (run_type "iteration"; aggregates are ignored) of every benchmark.
// Throws io::InputError (FILE:LINE:COL where a value is at fault, the message starting with its
// JSON pointer) on bad JSON, a row without items_per_second, an items_per_second, real_time or
// cpu_time outside the bounds above, a benchmark with aggregates but no iteration rows, or a file
// in which no benchmark has two or more repetitions.
BenchRepetitionsFile LoadBenchRepetitions(const std::string& path);

// Context keys whose difference means the two files were not measured alike, compared when
// both files have them: CPU model, Highway target, host, CPU count and clock, qlab commit.
std::vector<std::string> MachineWarnings(const nlohmann::json& base, const nlohmann::json& next);

struct CompareResult {  // NOLINT(bugprone-exception-escape)
  std::string base_source;
  std::string new_source;
  CompareSettings settings;
  std::string filter;  // "" when all
  SuiteComparison suite;
  std::vector<std::string> only_in_base;
  std::vector<std::string> only_in_new;
  std::vector<std::string> warnings;  // machine differences, unreachable alpha, errored rows
};

// Compares the benchmarks both files hold whose name matches `filter` (ECMAScript regex, searched;
// "" matches all), in BASE's order. Throws io::InputError on an invalid filter or settings, or
// when a figure computed (a median, ratio, interval end or p-value) is not finite: nothing
// non-finite is ever printed or written.
CompareResult CompareBenchFiles(const BenchRepetitionsFile& base, const BenchRepetitionsFile& next,
                                const CompareSettings& settings, const std::string& filter);

// For `--fail-on-regression`, a gate: throws io::InputError unless the comparison could find a
// regression at all. Nothing compared (no benchmark in both files, or none --filter selects), or
// a benchmark whose repetitions cannot reach p < alpha (its verdict could only be "no change",
// however much slower it is), would pass any candidate.
void RequireGateable(const CompareResult& result);
// What the gate fails on: each "slower" benchmark, and each benchmark of BASE (selected by
// --filter) that NEW no longer measures. One line each ("slower: NAME", "dropped: NAME").
std::vector<std::string> GateRegressions(const CompareResult& result);

// Exactly one object: benchmarks, geomean, counts, only_in_base, only_in_new, warnings, settings.
nlohmann::json CompareJson(const CompareResult& result);
// The table for a terminal (warnings first).
std::string FormatCompareText(const CompareResult& result);
// compare.md.
std::string CompareMarkdown(const CompareResult& result);

}  // namespace qlab::report
