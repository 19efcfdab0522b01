// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Comparison reports: accuracy results of `qlab train --json` / `qlab quantize --json` and one or
// more qlab-bench (Google Benchmark) JSON files, merged into report.md, report.html
// (self-contained) and report.json, with gnuplot charts when gnuplot is installed. The layout of
// report.json is documented in reports/README.md.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace qlab::report {

// ---- accuracy -----------------------------------------------------------------------------------

// One object printed by `qlab train --json` (model "float") or `qlab quantize --json` (model = its
// scheme). `values` keeps the object as printed, so report.json reuses its key names.
// clang-tidy 14 takes the implicit move, through nlohmann::json's noexcept one, as throwing.
struct AccuracyResult {  // NOLINT(bugprone-exception-escape)
  std::string source;    // the file (or "qlab run") it came from
  std::string model;     // "float" or the quantization scheme ("seed", "w8", "w8a8", ...)
  std::optional<int> bits;
  std::string calibration;  // "" for the float model
  nlohmann::json values;

  // "float", or "<scheme>/<bits>/<calibration>" (e.g. "w8a8/8/percentile:99.99").
  std::string Id() const;
};

// Validates one object (throws InputError naming `source`).
AccuracyResult MakeAccuracyResult(nlohmann::json values, const std::string& source);

// A file holding one object, an array of objects, or one object per line (JSON Lines, e.g. a
// `for bits in 2 3 ... 8; do qlab quantize --json ...; done` sweep). Errors name file:line:col.
std::vector<AccuracyResult> LoadAccuracyFile(const std::string& path);

// Appends `result` to `results`. A result with the same Id() already there is merged: the numbers
// both hold must agree (the pipeline is deterministic), keys only one has are kept; a disagreement
// is an InputError naming both sources.
void AddAccuracyResult(std::vector<AccuracyResult>& results, AccuracyResult result);

// ---- benchmarks ---------------------------------------------------------------------------------

struct BenchRow {
  std::string name;       // "<kernel>/<variant>/<size>" (run_name of Google Benchmark)
  std::string kernel;     // dot_f32, dot_u8i8, ..., membw, peak_fma_f32, clock
  std::string variant;    // ref, auto, hwy, hwy:AVX2, eigen, ..., read/copy (membw)
  uint64_t size = 0;      // elements (dot, quantize), rows (gemv), bytes (membw), chains (peak_*)
  std::string statistic;  // "median" (aggregate), "mean", "single", "median of N" (computed here)
  int repetitions = 1;
  double real_time_ns = 0;
  double cpu_time_ns = 0;
  std::optional<double> bytes_per_second;
  std::optional<double> items_per_second;
  // The fastest repetition (when the file kept repetitions; else the reported figure): what a
  // probe reports as its roof, since noise on a shared machine only ever slows a repetition.
  std::optional<double> best_bytes_per_second;
  std::optional<double> best_items_per_second;
  // Coefficient of variation over the repetitions (stddev / mean of items/s, else of CPU time;
  // Google Benchmark's cv aggregate when only aggregates were kept). Absent with one repetition.
  std::optional<double> cv;
  // qlab-bench's per-call counters (bench/README.md), when the file has them.
  std::optional<double> bytes_read;
  std::optional<double> bytes_written;
  std::optional<double> macs;
  std::optional<double> working_set_counter;  // "working_set_bytes": distinct bytes touched
  // Derived in the same run (group):
  std::optional<double> working_set_bytes;  // the counter, else bytes_per_second × cpu_time
  std::optional<double> speedup_vs_ref;     // items/s over <kernel>/ref/<size>
  std::optional<double> speedup_vs_f32;     // items/s over the f32 kernel, same variant and size
  // The roof (DeriveBenchMetrics): attainable = min(compute peak of the kernel family's
  // instruction, bandwidth of the level the working set lives in ÷ bytes per MAC).
  std::optional<int> level;                         // 1-3 = the cache holding it, 4 = DRAM
  std::optional<double> macs_per_second;            // macs ÷ CPU time per iteration
  std::optional<double> macs_per_byte;              // macs ÷ (bytes read + written): the intensity
  std::optional<double> roof_bytes_per_second;      // the level's bandwidth (best probe repetition)
  std::optional<uint64_t> roof_probe_bytes;         // that probe's working set
  std::string roof_probe;                           // its name ("membw/read/524288")
  std::optional<double> roof_peak_macs_per_second;  // the compute peak (best repetition)
  std::string roof_peak_probe;                      // its name ("peak_dpbusd_u8i8/hwy/16")
  std::optional<double> roof_attainable;            // MACs/s (bytes/s for kernels without MACs)
  std::string roof_bound;               // "compute" or "memory": which term is the minimum
  std::optional<double> roof_fraction;  // measured ÷ attainable; null when invalid or unknown
  std::string roof_invalid;             // why roof_fraction is null ("" when it is a number)
};

// The cache sizes qlab-bench decided and where each came from (its context keys
// qlab_cache_{l1d,l2,l3}_{bytes,source}).
struct CacheLevel {
  uint64_t bytes = 0;
  std::string source;  // sysfs, cpuid, sweep, default
};

// Above this, a roof fraction says the probe (or the byte accounting) is wrong, not the kernel.
inline constexpr double kRoofFractionLimit = 1.05;

// One qlab-bench JSON file: a column group of the report (one machine or target).
// clang-tidy 14 takes the implicit move, through nlohmann::json's noexcept one, as throwing.
struct BenchGroup {   // NOLINT(bugprone-exception-escape)
  std::string label;  // unique among the groups of a report
  std::string source;
  nlohmann::json context;  // Google Benchmark's context object, as read
  std::string host_name;
  std::string cpu_model;       // context "qlab_cpu_model" if present, else "" (see AdoptMachine)
  std::string hwy_target;      // context "qlab_hwy_target" if present
  std::vector<BenchRow> rows;  // kernels (probes excluded), sorted
  // The probes: membw/read|copy/<bytes>, peak_<instruction>/<variant>/<chains>, clock/*; by
  // kernel, then size.
  std::vector<BenchRow> roof;
  std::optional<CacheLevel> l1d, l2, l3;  // from the context; absent when it does not say
  std::vector<std::string> unparsed;      // names not of the form <kernel>/<variant>/<size>
  std::vector<std::string> errors;        // benchmarks that reported error_occurred
};

BenchGroup LoadBenchFile(const std::string& path);

// Computes the derived fields of every row of `group`.
void DeriveBenchMetrics(BenchGroup& group);

// ---- machine ------------------------------------------------------------------------------------

struct MachineInfo {
  std::string cpu_model;
  std::vector<std::string> simd_flags;
  std::string hwy_target;                  // the target the kernels dispatch to
  std::vector<std::string> hwy_supported;  // compiled in and supported here, best first
  std::string compiler;                    // "GNU 12.2.0"
  std::string cxx_flags;                   // CMAKE_CXX_FLAGS + the build type's flags
  std::string build_type;
  std::string git_commit;  // at configure time, or "unknown"
  std::string date;        // UTC, ISO 8601
  std::string host_name;
  std::string openblas_coretype;  // "" when OPENBLAS_CORETYPE is unset
  std::string qlab_version;
  unsigned num_cpus = 0;

  nlohmann::json ToJson() const;
};

MachineInfo DetectMachine();

// ---- the report ---------------------------------------------------------------------------------

struct ReportInputs {
  std::string name;  // "" → DefaultReportName
  MachineInfo machine;
  std::vector<AccuracyResult> accuracy;
  std::vector<BenchGroup> bench;
  bool charts = true;  // false: skip gnuplot
};

// Makes the labels of `groups` unique and fills a group's cpu_model/hwy_target from `machine` when
// the group's context does not name them and it ran on this host.
void PrepareBenchGroups(std::vector<BenchGroup>& groups, const MachineInfo& machine);

// "<yyyymmdd>T<hhmmss>Z-<host>" from machine.date and machine.host_name (as `qlab run` names).
std::string DefaultReportName(const MachineInfo& machine);

// The documented report.json.
nlohmann::json BuildReportJson(const ReportInputs& inputs);

struct ChartFile {
  std::string title;
  std::string stem;  // charts/<stem>.svg and .png
  std::string caption;
  std::string svg;  // the SVG text, for inlining in the HTML
};

struct ChartSet {
  std::vector<ChartFile> charts;
  std::string note;  // why there are none, when there are none
};

std::string RenderMarkdown(const ReportInputs& inputs, const ChartSet& charts);
std::string RenderHtml(const ReportInputs& inputs, const ChartSet& charts);

// Draws the charts with gnuplot into `charts_dir` (SVG and PNG). gnuplot is $QLAB_GNUPLOT, else
// `gnuplot` on PATH; when it is missing or fails, returns no charts and the reason in `note`.
ChartSet DrawCharts(const ReportInputs& inputs, const std::string& charts_dir);

struct ReportOutput {
  std::string dir;          // the folder written
  std::string charts_note;  // non-empty when the report has no charts, saying why
};

// Writes report.md, report.html, report.json and charts/ into `out_dir` (created if needed; other
// files there are left alone). Each file is written to a temporary file and renamed; charts/ is
// drawn in a temporary folder and renamed into place, replacing an older charts/ whole.
ReportOutput WriteReport(const ReportInputs& inputs, const std::string& out_dir);

// What WriteReport checks first, for a command to check before it writes anything else (`qlab
// run`): `out_dir` is a folder or can be created; report.json, report.md and report.html are
// regular files or absent; and charts/ is absent or a folder qlab wrote — a real folder (not a
// link) holding only regular files named *.svg, *.png or *.gp. charts/ is replaced whole, so
// anything else there (a user's own files, a FIFO, a link, a file named charts) is InputError
// naming it, never removed.
void CheckReportFolder(const std::string& out_dir);

// ---- running qlab-bench -------------------------------------------------------------------------

struct BenchRunOptions {
  bool quick = true;
  std::string out_file;       // JSON written here (through a temporary file)
  std::string bench_program;  // "" → FindBenchProgram()
  bool progress = true;       // "[k/N] name" lines on stderr
  std::vector<std::string> extra_args;
};

// qlab-bench next to the running executable, then in ../bench/ beside it (the build tree), then on
// PATH. Throws InputError when there is none.
std::string FindBenchProgram();

// The benchmark filter and flags of the quick (CI-sized) subset.
std::string QuickBenchFilter();
std::vector<std::string> QuickBenchArgs();

// Runs qlab-bench and returns its JSON output read as LoadBenchFile reads it (which it must pass
// before it is published): `source` is the path written. The file is parsed once, here; callers
// that report on the run use this group rather than reading the file again.
BenchGroup RunAndLoadBench(const BenchRunOptions& options);

// RunAndLoadBench, returning only the path of the JSON written.
std::string RunBench(const BenchRunOptions& options);

}  // namespace qlab::report
