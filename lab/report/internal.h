// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Helpers shared by the report's source files (not part of the library's API).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "qlab/report/report.h"

namespace qlab::report::detail {

// Orders rows by kernel (f32 first), size, then variant (ref, auto, hwy, hwy:*, peers).
bool BenchRowLess(const BenchRow& a, const BenchRow& b);

// Accuracy results in table order: float first, then seed, w8, w8a8, others; then bits,
// calibration.
std::vector<const AccuracyResult*> OrderedAccuracy(const std::vector<AccuracyResult>& results);

// The results of the comparison table: the float model and every scheme at 8 bits (or, for a
// scheme never run at 8 bits, at its highest).
std::vector<const AccuracyResult*> ComparisonResults(const std::vector<AccuracyResult>& results);

// Schemes with more than one bit width: the accuracy-vs-bits sweep.
std::vector<std::string> SweepSchemes(const std::vector<AccuracyResult>& results);

// Cell text for a JSON value: shortest round-trip for numbers, "—" for absent.
std::string Cell(const nlohmann::json& object, const std::string& key);
std::string FormatJsonValue(const nlohmann::json& value);
// Throughput for display (3 significant digits); exact values are in report.json.
std::string FormatRate(std::optional<double> per_second, double unit);
std::string FormatRatio(std::optional<double> ratio);
std::string FormatPercent(std::optional<double> fraction);
std::string FormatBytes(double bytes);

std::string HtmlEscape(const std::string& text);

}  // namespace qlab::report::detail
