// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The regression gate: metrics taken from a report.json compared with a committed baseline under
// per-metric tolerances stored in the baseline file (layout in reports/README.md).
//
// Accuracy metrics use absolute tolerances (the pipeline is deterministic, so they are tight).
// Speed metrics are only ratios measured within one run (hwy vs ref, u8i8 vs f32, fraction of the
// memory roof), with wide relative tolerances, compared only when the CPU model and Highway target
// match the baseline's.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace qlab::report {

struct CheckMetric {
  std::string id;         // "accuracy/float/test_r2", "speed/dot_u8i8/hwy/4096/speedup_vs_f32"
  std::string kind;       // "accuracy" or "speed"
  std::string direction;  // "higher" (is better), "lower" (is better) or "equal"
  double value = 0;
  double tolerance = 0;   // accuracy: absolute; speed: relative (0.4: may fall by 40%)
  std::string cpu_model;  // speed only: where it was measured
  std::string hwy_target;
  // The report holds the metric's key with null (a roof fraction that is invalid or could not be
  // computed): `value` means nothing, `null_reason` says why. Against a baseline that had a
  // number this is a regression, not "not measured"; a baseline never stores it.
  bool is_null = false;
  std::string null_reason;
};

// Reads a report.json (as BuildReportJson writes it): its metrics, with default tolerances;
// errors name file:line:col. A gated value outside its key's range (io::ValueRange: an R² above
// 1, a negative MSE, MAE or roof fraction, a fractional row count) is bad input naming the key.
std::vector<CheckMetric> LoadReportMetrics(const std::string& path);

// Reads a baseline file; errors name file:line:col. Each metric must be one the gate takes from a
// report (a gated accuracy key, or speedup_vs_ref, speedup_vs_f32, roof_fraction) with a value in
// its key's range and a finite tolerance.
std::vector<CheckMetric> LoadBaseline(const std::string& path);

nlohmann::json BaselineJson(const std::vector<CheckMetric>& metrics);

struct CheckRow {
  std::string metric;
  std::string baseline;
  std::string current;
  std::string tolerance;
  std::string verdict;  // "ok", "REGRESSION", "improved", "skipped: different machine", ...
  bool regression = false;
  // A baseline metric the report holds as measured on the baseline's machine (a number, or a
  // null roof fraction): judged, not skipped or missing.
  bool compared = false;
};

struct CheckOutcome {
  std::vector<CheckRow> rows;
  int regressions = 0;
  int skipped = 0;
  int baseline_metrics = 0;      // rows of the baseline's metrics (the rest are new)
  int compared = 0;              // of those, judged (CheckRow::compared)
  int other_machine = 0;         // of the skipped, measured on another CPU or Highway target
  int accuracy_in_baseline = 0;  // the baseline's accuracy metrics
  int accuracy_found = 0;        // of those, in the report
};

CheckOutcome CompareWithBaseline(const std::vector<CheckMetric>& baseline,
                                 const std::vector<CheckMetric>& current);

// A gate that compares nothing must not pass. Throws io::InputError naming `source` (the report)
// when the baseline has accuracy metrics and the report holds none of them, or when no baseline
// metric at all could be judged (a speed-only baseline against a report made with --no-bench, or
// measured on another machine). A report that lacks only some of the baseline's accuracy metrics
// is judged: each one missing is a regression.
void RequireComparison(const CheckOutcome& outcome, const std::string& source);

// A speed regression must reproduce in a second, independent run before it counts: a shared
// machine can slow one stretch of a run (another tenant's memory traffic, a host page-in) far past
// any margin, and such a stretch does not recur at the same metric in the next run, while a
// slower kernel does. `confirm` is that run's outcome against the same baseline. A speed row of
// `first` that regressed stays a regression only if it regressed in `confirm` too (its verdict
// then quotes both values), or if `confirm` could not judge it (the metric absent there, or
// measured on another machine: a run that did not measure it cannot excuse it); otherwise its
// verdict says it did not reproduce. Accuracy rows are deterministic and judged on `first` alone.
CheckOutcome ConfirmSpeedRegressions(CheckOutcome first, const CheckOutcome& confirm);

// Plain-text table (metric, baseline, current, tolerance, verdict) and a summary line.
std::string FormatCheckTable(const CheckOutcome& outcome);

// A new baseline from `current`, keeping the tolerances (and directions) of metrics `old` already
// had, so edited tolerances survive an update; `changes` lists what differs from `old`. A metric
// of `old` that `current` lacks or holds as null (a report made with --no-bench, a roof fraction
// now invalid, a scheme left out) is kept as it was, listed as "kept": an update must not
// quietly stop gating what the report did not measure. With `drop_unmeasured` those are removed
// instead, on purpose, listed as "removed".
std::vector<CheckMetric> UpdatedBaseline(const std::vector<CheckMetric>& old,
                                         const std::vector<CheckMetric>& current,
                                         bool drop_unmeasured, std::vector<std::string>* changes);

}  // namespace qlab::report
