// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The one reader of Google Benchmark's JSON (what qlab-bench writes) in qlab: the report's
// LoadBenchFile (inputs.cc) and `qlab compare`'s LoadBenchRepetitions (compare.cc) both start
// here, so a bench file is accepted or refused by the same rules, with the same FILE:LINE:COL, by
// every command that reads one. What each caller then needs (a summary row per benchmark; the
// repetitions of one figure) is its own business. Not part of the library's API.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "qlab/io/json_document.h"
#include "qlab/report/report.h"

namespace qlab::report::detail {

// One element of "benchmarks": its position in the array (for errors) and its figures as a
// BenchRow (name = run_name; times in ns; statistic = the aggregate's name, or "single").
struct BenchEntry {
  size_t index = 0;
  BenchRow row;
  std::optional<double> repetition_index;  // iteration rows: Google Benchmark's, when present
};

// Every entry of one run_name.
struct BenchRun {
  std::string name;
  size_t first_index = 0;
  std::vector<BenchEntry> iterations;            // run_type "iteration", in file order
  std::map<std::string, BenchEntry> aggregates;  // run_type "aggregate", by aggregate_name
};

class BenchJson {  // NOLINT(bugprone-exception-escape)
 public:
  // Reads and checks the file: an object with a "benchmarks" array (and, if present, an object
  // "context"); each entry an object with a string name (run_name, run_type "iteration" or
  // "aggregate", aggregate_name and time_unit ns/us/ms/s strings when present), numbers
  // real_time and cpu_time, finite and non-negative optional counters (bytes_per_second,
  // items_per_second, bytes_read, bytes_written, macs, working_set_bytes) and a whole
  // repetitions from 1 to 10^9. Entries with error_occurred true are listed in errors(), not read.
  // Throws io::InputError at FILE:LINE:COL of the value at fault.
  static BenchJson Load(const std::string& path);

  const std::string& source() const { return doc_.file(); }
  const nlohmann::json& context() const { return context_; }   // {} when the file has none
  const std::vector<BenchRun>& runs() const { return runs_; }  // in order of first appearance
  const std::vector<std::string>& errors() const { return errors_; }

  // An InputError at `pointer` ("/benchmarks/3/items_per_second", "/context/host_name") of this
  // file, for what a caller refuses after reading.
  [[noreturn]] void Fail(const nlohmann::json::json_pointer& pointer,
                         const std::string& message) const;
  // The pointer of entry `index`, or of its `key`.
  static nlohmann::json::json_pointer At(size_t index, const std::string& key = "");

 private:
  explicit BenchJson(io::JsonDocument doc) : doc_(std::move(doc)) {}

  io::JsonDocument doc_;
  nlohmann::json context_ = nlohmann::json::object();
  std::vector<BenchRun> runs_;
  std::vector<std::string> errors_;
};

// A measured row (a repetition, or a mean, median, min or max aggregate) must hold measurements:
// real_time and cpu_time from 1 ps to 10^9 s per iteration, items_per_second and
// bytes_per_second (when present) from 10^-9 to 10^31 (compare.h says why these bounds). Throws
// io::InputError at the value's position otherwise: the report and compare read one file alike.
void RequireMeasured(const BenchJson& file, const BenchEntry& entry);

}  // namespace qlab::report::detail
