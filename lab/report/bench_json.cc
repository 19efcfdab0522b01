// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "bench_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>

#include "qlab/io/input_error.h"
#include "qlab/report/compare.h"

namespace qlab::report::detail {

namespace {

using json = nlohmann::json;
using Pointer = json::json_pointer;

double NanosecondsPerUnit(const std::string& unit) {
  if (unit == "ns") return 1.0;
  if (unit == "us") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  return 0.0;
}

}  // namespace

Pointer BenchJson::At(size_t index, const std::string& key) {
  Pointer at("/benchmarks/" + std::to_string(index));
  return key.empty() ? at : at / key;
}

void BenchJson::Fail(const Pointer& pointer, const std::string& message) const {
  throw doc_.ErrorAt(pointer, message);
}

namespace {

// Text that reports print as one line or one table cell (a host name, a CPU model, a benchmark
// name): a control character (a newline in an edited host_name) would break report.md's lines.
bool HasControlCharacter(const std::string& text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

}  // namespace

BenchJson BenchJson::Load(const std::string& path) {
  BenchJson file(io::JsonDocument::Load(path));
  const json& root = file.doc_.value();
  if (!root.is_object()) {
    file.Fail(Pointer(), "not a Google Benchmark JSON file (expected an object)");
  }
  if (!root.contains("benchmarks") || !root["benchmarks"].is_array()) {
    file.Fail(Pointer(), "not a Google Benchmark JSON file (no \"benchmarks\" array)");
  }
  if (root.contains("context")) {
    if (!root["context"].is_object()) {
      file.Fail(Pointer("/context"), "\"context\" must be an object");
    }
    file.context_ = root["context"];
    for (const auto& [key, value] : file.context_.items()) {
      if (value.is_string() && HasControlCharacter(value.get<std::string>())) {
        file.Fail(Pointer("/context") / key, "\"" + io::Printable(key) +
                                                 "\" holds a control character (a report prints it "
                                                 "on one line)");
      }
    }
  }

  std::map<std::string, size_t> run_of;  // run_name → index in runs_
  const json& benchmarks = root["benchmarks"];
  for (size_t i = 0; i < benchmarks.size(); ++i) {
    const Pointer at = At(i);
    const json& b = benchmarks[i];
    if (!b.is_object()) file.Fail(at, "benchmark entry must be an object");
    auto need_string = [&](const char* key) {
      if (!b.contains(key) || !b[key].is_string()) {
        file.Fail(b.contains(key) ? at / key : at,
                  std::string("benchmark entry needs a string \"") + key + "\"");
      }
      std::string text = b[key].get<std::string>();
      if (HasControlCharacter(text)) {
        file.Fail(at / key, std::string("\"") + key + "\" holds a control character");
      }
      return text;
    };
    auto number = [&](const char* key, bool required) -> std::optional<double> {
      if (!b.contains(key)) {
        if (required) file.Fail(at, std::string("benchmark entry needs a number \"") + key + "\"");
        return std::nullopt;
      }
      if (!b[key].is_number()) {
        file.Fail(at / key, std::string("\"") + key + "\" must be a number");
      }
      const double x = b[key].get<double>();
      if (!std::isfinite(x) || x < 0) {
        file.Fail(at / key, std::string("\"") + key + "\" must be finite and non-negative");
      }
      return x;
    };
    const std::string name = need_string("name");
    if (b.contains("error_occurred") && b["error_occurred"].is_boolean() &&
        b["error_occurred"].get<bool>()) {
      file.errors_.push_back(name);
      continue;
    }
    const std::string run_name = b.contains("run_name") ? need_string("run_name") : name;
    // Only aggregates carry an aggregate_name: a row without run_type that has one is an
    // aggregate (counting it as a repetition would pool a mean with the samples it summarises),
    // and a row that says "iteration" and has one contradicts itself.
    const std::string run_type = b.contains("run_type")         ? need_string("run_type")
                                 : b.contains("aggregate_name") ? "aggregate"
                                                                : "iteration";
    if (run_type != "iteration" && run_type != "aggregate") {
      file.Fail(at / "run_type", "\"run_type\" must be \"iteration\" or \"aggregate\"");
    }
    if (run_type == "iteration" && b.contains("aggregate_name")) {
      file.Fail(at / "aggregate_name",
                "an \"iteration\" row has an \"aggregate_name\": it is neither a repetition "
                "nor an aggregate");
    }
    BenchEntry entry;
    entry.index = i;
    BenchRow& row = entry.row;
    row.name = run_name;
    const std::string unit = b.contains("time_unit") ? need_string("time_unit") : "ns";
    const double scale = NanosecondsPerUnit(unit);
    if (scale == 0.0) file.Fail(at / "time_unit", "unknown \"time_unit\" \"" + unit + "\"");
    row.real_time_ns = *number("real_time", true) * scale;
    row.cpu_time_ns = *number("cpu_time", true) * scale;
    row.bytes_per_second = number("bytes_per_second", false);
    row.items_per_second = number("items_per_second", false);
    row.bytes_read = number("bytes_read", false);
    row.bytes_written = number("bytes_written", false);
    row.macs = number("macs", false);
    row.working_set_counter = number("working_set_bytes", false);
    // Google Benchmark counts iterations in an int64: a whole number from 1 (an iteration row ran
    // at least once; an aggregate summarises at least one) to 2^63 - 1. Anything else is not one
    // of its files (-5 or 1.5 iterations, hostile pass: both were read as measurements).
    if (b.contains("iterations")) {
      const double iterations = *number("iterations", true);
      if (iterations < 1 || iterations >= 9223372036854775808.0 ||
          iterations != std::floor(iterations)) {
        file.Fail(at / "iterations", "\"iterations\" must be a whole number from 1 to 2^63 - 1");
      }
    }
    if (b.contains("repetitions")) {
      const double reps = *number("repetitions", true);
      if (reps < 1 || reps > 1e9 || reps != std::floor(reps)) {
        file.Fail(at / "repetitions", "\"repetitions\" must be a whole number from 1 to 10^9");
      }
      row.repetitions = static_cast<int>(reps);
    }

    const auto [it, inserted] = run_of.try_emplace(run_name, file.runs_.size());
    if (inserted) file.runs_.push_back(BenchRun{run_name, i, {}, {}});
    BenchRun& run = file.runs_[it->second];
    if (run_type == "aggregate") {
      const std::string aggregate = need_string("aggregate_name");
      row.statistic = aggregate;
      // The cv aggregate's times are fractions, not times: kept unscaled.
      if (aggregate == "cv") row.cv = row.cpu_time_ns / scale;
      if (!run.aggregates.emplace(aggregate, std::move(entry)).second) {
        file.Fail(at, "benchmark \"" + run_name + "\" has its \"" + aggregate +
                          "\" aggregate twice (two runs in one file?)");
      }
    } else {
      row.statistic = "single";
      // Each repetition once: a file holding the same repetition twice (two runs' arrays
      // concatenated, a row copied) would pool duplicates, and a statistic over them counts
      // each twice — a 2× slowdown in half the samples reads as noise.
      std::optional<double> index;
      if (b.contains("repetition_index")) {
        index = *number("repetition_index", true);
        if (*index != std::floor(*index) || *index >= 1e9 ||
            (b.contains("repetitions") && *index >= row.repetitions)) {
          file.Fail(at / "repetition_index",
                    "\"repetition_index\" must be a whole number below \"repetitions\"");
        }
      }
      for (const BenchEntry& seen : run.iterations) {
        if (!index || !seen.repetition_index) {
          file.Fail(at, "benchmark \"" + run_name +
                            "\" has several repetitions, not each with its \"repetition_index\"");
        }
        if (*seen.repetition_index == *index) {
          file.Fail(at / "repetition_index",
                    fmt::format("benchmark \"{}\" has repetition {} twice (two runs in one file?)",
                                run_name, *index));
        }
      }
      if (b.contains("repetitions") &&
          run.iterations.size() >= static_cast<size_t>(row.repetitions)) {
        file.Fail(at, fmt::format("benchmark \"{}\" has more repetition rows than its "
                                  "\"repetitions\" ({})",
                                  run_name, row.repetitions));
      }
      entry.repetition_index = index;
      run.iterations.push_back(std::move(entry));
    }
  }
  return file;
}

namespace {

void RequireWithin(const BenchJson& file, size_t index, const std::string& key, double value,
                   const char* unit, double low, double high, const char* why) {
  if (value >= low && value <= high) return;
  const nlohmann::json::json_pointer at = BenchJson::At(index, key);
  file.Fail(at, fmt::format("{}: \"{}\" is {} {}, outside [{:g}, {:g}] {}: not a measurement ({})",
                            at.to_string(), key, value, unit, low, high, unit, why));
}

}  // namespace

void RequireMeasured(const BenchJson& file, const BenchEntry& entry) {
  static constexpr const char* kRateWhy =
      "below one item in 31 years, or more than 2^63 items per picosecond";
  static constexpr const char* kTimeWhy = "below 1 ps or above 10^9 s per iteration";
  const BenchRow& row = entry.row;
  if (row.items_per_second) {
    RequireWithin(file, entry.index, "items_per_second", *row.items_per_second, "items/s",
                  kMinItemsPerSecond, kMaxItemsPerSecond, kRateWhy);
  }
  if (row.bytes_per_second) {
    RequireWithin(file, entry.index, "bytes_per_second", *row.bytes_per_second, "bytes/s",
                  kMinItemsPerSecond, kMaxItemsPerSecond, kRateWhy);
  }
  RequireWithin(file, entry.index, "real_time", row.real_time_ns, "ns", kMinIterationNs,
                kMaxIterationNs, kTimeWhy);
  RequireWithin(file, entry.index, "cpu_time", row.cpu_time_ns, "ns", kMinIterationNs,
                kMaxIterationNs, kTimeWhy);
}

}  // namespace qlab::report::detail
