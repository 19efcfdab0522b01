// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Reading and validating the report's inputs: accuracy JSON and Google Benchmark JSON.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>

#include "bench_json.h"
#include "internal.h"
#include "qlab/io/input_error.h"
#include "qlab/io/json_document.h"
#include "qlab/io/result_keys.h"
#include "qlab/report/report.h"

namespace qlab::report {

using io::InputError;
using io::JsonDocument;
namespace keys = io::keys;
namespace {

using json = nlohmann::json;
using Pointer = json::json_pointer;

// Whether `value` has the JSON type the result-key table gives its key.
bool HasType(const json& value, io::ResultType type) {
  switch (type) {
    case io::ResultType::kString:
      return value.is_string();
    case io::ResultType::kInteger:
      return value.is_number_integer();
    case io::ResultType::kNumber:
      return value.is_number();
    case io::ResultType::kBoolean:
      return value.is_boolean();
    case io::ResultType::kArray:
    case io::ResultType::kObject:
      break;  // not checked (see ValidateAccuracy)
  }
  return true;
}

// Validation against a document (positions known) or a bare object (`doc` null).
struct Validator {
  const JsonDocument* doc;
  std::string source;

  [[noreturn]] void Fail(const Pointer& at, const std::string& message) const {
    if (doc != nullptr) throw doc->ErrorAt(at, message);
    throw InputError(source, message + (at.empty() ? "" : " (at " + at.to_string() + ")"));
  }
};

AccuracyResult ValidateAccuracy(json values, const Validator& v, const Pointer& at) {
  if (!values.is_object()) v.Fail(at, "expected a JSON object of train/quantize --json results");
  // A key the table knows with a scalar type must have that type: the report computes, gates and
  // charts with the numbers and names results by the strings. Arrays and objects (coef,
  // zero_range, clipped_per_feature) are only displayed, so they pass as they are (an older
  // quantize printed zero_range as a boolean), as do keys the table does not know (train --json
  // prints the model's provenance too).
  for (const auto& [key, value] : values.items()) {
    const io::ResultKey* known = io::FindResultKey(key);
    if (known == nullptr || known->type == io::ResultType::kArray ||
        known->type == io::ResultType::kObject) {
      continue;
    }
    if (!HasType(value, known->type)) {
      const char* article = known->type == io::ResultType::kInteger ? "an " : "a ";
      v.Fail(at / key, "\"" + key + "\" must be " + article + io::ResultTypeName(known->type) +
                           ", not " + std::string(value.type_name()));
    }
    // A number outside what its key can be (an R² of 7, a negative MSE) is a broken result, not
    // one to report, chart or gate. (bits has its own message below.)
    if (value.is_number() && key != keys::kBits.name &&
        !io::InRange(known->range, value.get<double>())) {
      v.Fail(at / key, fmt::format("\"{}\" is {}: impossible, it must be {}", key,
                                   value.get<double>(), known->range.text));
    }
  }
  AccuracyResult result;
  result.source = v.source;
  auto quoted = [](const io::ResultKey& key) { return "\"" + std::string(key.name) + "\""; };
  const char* scheme = keys::kScheme.name;
  const char* bits_key = keys::kBits.name;
  const char* calibration = keys::kCalibration.name;
  const char* test_r2 = keys::kTestR2.name;
  if (values.contains(scheme)) {
    if (values[scheme].get<std::string>().empty()) {
      v.Fail(at / scheme, quoted(keys::kScheme) + " must be a non-empty string");
    }
    result.model = values[scheme].get<std::string>();
    if (!values.contains(bits_key)) {
      v.Fail(at, "quantization result without " + quoted(keys::kBits));
    }
    const json& bits = values[bits_key];
    if (bits.get<int64_t>() < 1 || bits.get<int64_t>() > 32) {
      v.Fail(at / bits_key, quoted(keys::kBits) + " must be an integer from 1 to 32");
    }
    result.bits = bits.get<int>();
    if (values.contains(calibration)) result.calibration = values[calibration].get<std::string>();
  } else if (values.contains(test_r2) &&
             (values.contains(keys::kCoef.name) || values.contains(keys::kSolver.name) ||
              values.contains(keys::kTrainR2.name))) {
    result.model = "float";
  } else {
    v.Fail(at, "neither a quantize result (no " + quoted(keys::kScheme) +
                   ") nor a train result (no " + quoted(keys::kTestR2) + " with " +
                   quoted(keys::kCoef) + "/" + quoted(keys::kSolver) + ")");
  }
  if (!values.contains(test_r2)) v.Fail(at, "result without " + quoted(keys::kTestR2));
  result.values = std::move(values);
  return result;
}

// "dot_f32/hwy:AVX2/4096" → kernel, variant, size. The variant may hold ':' but never '/'.
bool SplitBenchName(const std::string& name, BenchRow& row) {
  const size_t first = name.find('/');
  const size_t last = name.rfind('/');
  if (first == std::string::npos || first == last || first == 0) return false;
  const std::string size = name.substr(last + 1);
  if (size.empty() || size.size() > 19 ||
      !std::all_of(size.begin(), size.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  row.kernel = name.substr(0, first);
  row.variant = name.substr(first + 1, last - first - 1);
  if (row.variant.empty() || row.variant.find('/') != std::string::npos) return false;
  row.size = std::stoull(size);
  return true;
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Coefficient of variation (sample standard deviation over the mean); absent below two values.
std::optional<double> CoefficientOfVariation(const std::vector<double>& v) {
  if (v.size() < 2) return std::nullopt;
  // The CV does not depend on the unit: computed on v / max(v), so that rates near the top of the
  // double range (1e308 items/s in an edited file) neither overflow the sum nor the squares.
  double largest = 0;
  for (double x : v) largest = std::max(largest, std::fabs(x));
  if (!(largest > 0) || !std::isfinite(largest)) return std::nullopt;
  double mean = 0;
  for (double x : v) mean += x / largest;
  mean /= static_cast<double>(v.size());
  if (!(mean > 0)) return std::nullopt;
  double ss = 0;
  for (double x : v) ss += (x / largest - mean) * (x / largest - mean);
  const double cv = std::sqrt(ss / static_cast<double>(v.size() - 1)) / mean;
  if (!std::isfinite(cv)) return std::nullopt;
  return cv;
}

// One row per run_name: Google Benchmark's median aggregate when the file has it, else the median
// of the repetitions, else the one run or the mean.
BenchRow Summarize(const detail::BenchRun& run) {
  BenchRow row;
  bool from_iterations = false;
  const auto median = run.aggregates.find("median");
  const auto mean = run.aggregates.find("mean");
  const auto cv = run.aggregates.find("cv");
  if (median != run.aggregates.end()) {
    row = median->second.row;
  } else if (run.iterations.size() == 1) {
    row = run.iterations.front().row;
    row.statistic = "single";
  } else if (run.iterations.empty()) {
    if (mean != run.aggregates.end()) {
      row = mean->second.row;
    } else {
      row.name = run.name;
      return row;  // only stddev/cv: no usable figure; rejected by the caller
    }
  } else {
    from_iterations = true;
    row = run.iterations.front().row;
  }
  row.best_bytes_per_second = row.bytes_per_second;
  row.best_items_per_second = row.items_per_second;
  if (run.iterations.size() > 1) {
    std::vector<double> real, cpu, bytes, items;
    for (const auto& entry : run.iterations) {
      const BenchRow& r = entry.row;
      real.push_back(r.real_time_ns);
      cpu.push_back(r.cpu_time_ns);
      if (r.bytes_per_second) bytes.push_back(*r.bytes_per_second);
      if (r.items_per_second) items.push_back(*r.items_per_second);
    }
    const size_t n = run.iterations.size();
    if (from_iterations) {
      row.real_time_ns = Median(real);
      row.cpu_time_ns = Median(cpu);
      row.bytes_per_second =
          bytes.size() == n ? std::optional<double>(Median(bytes)) : std::nullopt;
      row.items_per_second =
          items.size() == n ? std::optional<double>(Median(items)) : std::nullopt;
      row.repetitions = static_cast<int>(n);
      row.statistic = "median of " + std::to_string(n);
    }
    if (bytes.size() == n) {
      row.best_bytes_per_second = *std::max_element(bytes.begin(), bytes.end());
    }
    if (items.size() == n) {
      row.best_items_per_second = *std::max_element(items.begin(), items.end());
    }
    row.cv = CoefficientOfVariation(items.size() == n ? items : cpu);
  } else if (cv != run.aggregates.end()) {
    row.cv = cv->second.row.cv;  // Google Benchmark's cv of the CPU time, kept raw when read
  }
  return row;
}

// "12345" (a context value is a string) → its number; absent when it is not a positive integer.
std::optional<uint64_t> ContextBytes(const json& context, const std::string& key) {
  if (!context.contains(key) || !context[key].is_string()) return std::nullopt;
  const std::string text = context[key].get<std::string>();
  if (text.empty() || text.size() > 19 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  const uint64_t value = std::stoull(text);
  if (value == 0) return std::nullopt;
  return value;
}

std::optional<CacheLevel> ContextCache(const json& context, const std::string& name) {
  const auto bytes = ContextBytes(context, "qlab_cache_" + name + "_bytes");
  if (!bytes) return std::nullopt;
  CacheLevel level;
  level.bytes = *bytes;
  const std::string source_key = "qlab_cache_" + name + "_source";
  level.source = context.contains(source_key) && context[source_key].is_string()
                     ? context[source_key].get<std::string>()
                     : "unknown";
  return level;
}

bool IsProbe(const std::string& kernel) {
  return kernel == "membw" || kernel == "clock" || kernel.rfind("peak_", 0) == 0;
}

// Bytes per iteration: qlab-bench's counters, else (older files) bytes/s × CPU time.
std::optional<double> BytesPerIteration(const BenchRow& r) {
  if (r.bytes_read || r.bytes_written) {
    return r.bytes_read.value_or(0) + r.bytes_written.value_or(0);
  }
  if (r.bytes_per_second && r.cpu_time_ns > 0) return *r.bytes_per_second * r.cpu_time_ns * 1e-9;
  return std::nullopt;
}

// The level (1-3 = the cache holding it, 4 = DRAM) of a working set, as bench/caches.cc decides.
std::optional<int> LevelOf(const BenchGroup& g, double working_set) {
  if (!g.l1d || !g.l2 || !g.l3) return std::nullopt;
  if (working_set <= static_cast<double>(g.l1d->bytes)) return 1;
  if (working_set <= static_cast<double>(g.l2->bytes)) return 2;
  if (working_set <= static_cast<double>(g.l3->bytes)) return 3;
  return 4;
}

std::string LevelName(int level) { return level == 4 ? "DRAM" : "L" + std::to_string(level); }

std::string G(double x) { return fmt::format("{:.3g}", x / 1e9); }

// The probe named `kernel`/`variant`/* with the highest best repetition (nullptr: none).
const BenchRow* PeakProbe(const BenchGroup& g, const std::string& kernel,
                          const std::string& variant) {
  const BenchRow* best = nullptr;
  for (const auto& p : g.roof) {
    if (p.kernel != kernel || p.variant != variant || !p.best_items_per_second ||
        *p.best_items_per_second <= 0) {
      continue;
    }
    if (best == nullptr || *p.best_items_per_second > *best->best_items_per_second) best = &p;
  }
  return best;
}

// The compute probe of the kernel family's instruction on the row's target: f32 FMA for *_f32;
// for the int8 kernels the instruction qlab-bench names (vpdpbusd on VNNI, else the int16 pair
// multiply-add). hwy:<TARGET> rows take that target's probe where the run has one (the full
// suite), every other variant the dispatched target's. `wanted` says what was looked for.
const BenchRow* ComputePeak(const BenchGroup& g, const BenchRow& row, std::string& wanted) {
  const bool f32 =
      row.kernel.size() > 4 && row.kernel.compare(row.kernel.size() - 4, 4, "_f32") == 0;
  const bool int8 = row.kernel.find("i8") != std::string::npos;
  if (!f32 && !int8) {
    wanted = "a compute probe for " + row.kernel;
    return nullptr;
  }
  if (row.variant.rfind("hwy:", 0) == 0) {
    if (f32) {
      if (const BenchRow* p = PeakProbe(g, "peak_fma_f32", row.variant)) return p;
    } else {
      if (const BenchRow* p = PeakProbe(g, "peak_dpbusd_u8i8", row.variant)) return p;
      if (const BenchRow* p = PeakProbe(g, "peak_madd_i16", row.variant)) return p;
    }
  }
  std::string kernel = "peak_fma_f32";
  if (int8) {
    std::string instruction;
    if (g.context.contains("qlab_int8_instruction") &&
        g.context["qlab_int8_instruction"].is_string()) {
      instruction = g.context["qlab_int8_instruction"].get<std::string>();
    }
    kernel = instruction == "vpdpbusd" ? "peak_dpbusd_u8i8" : "peak_madd_i16";
  }
  wanted = kernel + "/hwy/*";
  return PeakProbe(g, kernel, "hwy");
}

// The bandwidth of memory level `level`: the best repetition of the fastest membw/read probe
// whose working set lives there (and of membw/copy for a kernel that writes).
const BenchRow* LevelBandwidth(const BenchGroup& g, int level, bool writes) {
  const BenchRow* best = nullptr;
  for (const auto& p : g.roof) {
    if (p.kernel != "membw" || (p.variant != "read" && !(writes && p.variant == "copy")) ||
        !p.best_bytes_per_second || *p.best_bytes_per_second <= 0) {
      continue;
    }
    const auto probe_level = LevelOf(g, p.working_set_counter && *p.working_set_counter > 0
                                            ? *p.working_set_counter
                                            : static_cast<double>(p.size));
    if (probe_level != level) continue;
    if (best == nullptr || *p.best_bytes_per_second > *best->best_bytes_per_second) best = &p;
  }
  return best;
}

// roof_fraction = measured ÷ min(compute peak, level bandwidth ÷ bytes per MAC); kernels that
// count no multiply-adds (quantize) against the bandwidth alone. A fraction above
// kRoofFractionLimit is not reported: the reason is.
void DeriveRoof(const BenchGroup& g, BenchRow& row) {
  row.level.reset();
  row.macs_per_second.reset();
  row.macs_per_byte.reset();
  row.working_set_bytes.reset();
  row.roof_bytes_per_second.reset();
  row.roof_probe_bytes.reset();
  row.roof_probe.clear();
  row.roof_peak_macs_per_second.reset();
  row.roof_peak_probe.clear();
  row.roof_attainable.reset();
  row.roof_bound.clear();
  row.roof_fraction.reset();
  row.roof_invalid.clear();
  const std::optional<double> bytes = BytesPerIteration(row);
  row.working_set_bytes =
      row.working_set_counter && *row.working_set_counter > 0 ? row.working_set_counter : bytes;
  const bool has_macs = row.macs && *row.macs > 0 && row.cpu_time_ns > 0;
  if (has_macs) {
    row.macs_per_second = *row.macs / (row.cpu_time_ns * 1e-9);
    if (bytes && *bytes > 0) row.macs_per_byte = *row.macs / *bytes;
  }
  if (!row.working_set_bytes || !bytes || *bytes <= 0) {
    if (has_macs) row.roof_invalid = "no bytes counted, so no memory level";
    return;
  }
  row.level = LevelOf(g, *row.working_set_bytes);
  if (!row.level) {
    row.roof_invalid =
        "the bench JSON records no cache sizes (context qlab_cache_{l1d,l2,l3}_bytes), so the "
        "memory level of this working set is unknown";
    return;
  }
  const std::string level = LevelName(*row.level);
  const bool writes = row.bytes_written && *row.bytes_written > 0;
  const BenchRow* bw = LevelBandwidth(g, *row.level, writes);
  if (bw == nullptr) {
    row.roof_invalid = "no membw/read" + std::string(writes ? " or membw/copy" : "") +
                       " probe with its working set in " + level + " in this run";
    return;
  }
  row.roof_bytes_per_second = bw->best_bytes_per_second;
  row.roof_probe_bytes = bw->size;
  row.roof_probe = bw->name;
  const double bandwidth = *bw->best_bytes_per_second;
  const std::string bw_text = bw->name + " (" + level + ") " + G(bandwidth) + " GB/s";
  double measured = 0;
  std::string terms, unit;
  if (has_macs) {
    std::string wanted;
    const BenchRow* peak = ComputePeak(g, row, wanted);
    if (peak == nullptr) {
      row.roof_invalid = "no " + wanted + " compute probe in this run";
      return;
    }
    row.roof_peak_macs_per_second = peak->best_items_per_second;
    row.roof_peak_probe = peak->name;
    const double bytes_per_mac = *bytes / *row.macs;
    const double memory = bandwidth / bytes_per_mac;
    const double compute = *peak->best_items_per_second;
    row.roof_attainable = std::min(memory, compute);
    row.roof_bound = compute <= memory ? "compute" : "memory";
    measured = *row.macs_per_second;
    unit = " G MACs/s";
    terms = "min(" + peak->name + " " + G(compute) + " G MACs/s, " + bw_text + " ÷ " +
            fmt::format("{:.3g}", bytes_per_mac) + " B/MAC)";
  } else {
    if (!row.bytes_per_second) return;
    row.roof_attainable = bandwidth;
    row.roof_bound = "memory";
    measured = *row.bytes_per_second;
    unit = " GB/s";
    terms = bw_text + " (no multiply-adds counted: memory alone)";
  }
  const double fraction = measured / *row.roof_attainable;
  if (!(fraction <= kRoofFractionLimit)) {
    row.roof_invalid = fmt::format(
        "measured {}{} is {:.2f}× the attainable {}{} = {}: above {}, so a probe or the byte "
        "accounting is wrong",
        G(measured), unit, fraction, G(*row.roof_attainable), unit, terms, kRoofFractionLimit);
    return;
  }
  row.roof_fraction = fraction;
}

}  // namespace

std::string AccuracyResult::Id() const {
  if (model == "float") return "float";
  return model + "/" + (bits ? std::to_string(*bits) : "?") + "/" +
         (calibration.empty() ? "default" : calibration);
}

AccuracyResult MakeAccuracyResult(nlohmann::json values, const std::string& source) {
  return ValidateAccuracy(std::move(values), Validator{nullptr, source}, Pointer());
}

std::vector<AccuracyResult> LoadAccuracyFile(const std::string& path) {
  const JsonDocument doc = JsonDocument::Load(path, /*allow_json_lines=*/true);
  const Validator v{&doc, path};
  std::vector<AccuracyResult> results;
  // `qlab run`'s quantize.json (the scheme comparison, {"schemes": [...]}) is read as its rows.
  // Its "float" row restates the float model at 64 bits: the report's float result is the train
  // result's (train.json), which has the solver and coefficients, so that row is left out.
  const json& top = doc.value();
  if (top.is_object() && top.size() == 1 && top.contains("schemes") && top["schemes"].is_array()) {
    const json& rows = top["schemes"];
    for (size_t i = 0; i < rows.size(); ++i) {
      const Pointer at("/schemes/" + std::to_string(i));
      if (rows[i].is_object() && rows[i].contains(keys::kScheme.name) &&
          rows[i][keys::kScheme.name] == "float") {
        continue;
      }
      results.push_back(ValidateAccuracy(rows[i], v, at));
    }
    if (results.empty()) v.Fail(Pointer("/schemes"), "no quantization rows");
    return results;
  }
  if (doc.value().is_array()) {
    if (doc.value().empty()) v.Fail(Pointer(), "empty array: no accuracy results");
    for (size_t i = 0; i < doc.value().size(); ++i) {
      results.push_back(ValidateAccuracy(doc.value()[i], v, Pointer("/" + std::to_string(i))));
    }
  } else {
    results.push_back(ValidateAccuracy(doc.value(), v, Pointer()));
  }
  return results;
}

void AddAccuracyResult(std::vector<AccuracyResult>& results, AccuracyResult result) {
  for (auto& existing : results) {
    if (existing.Id() != result.Id()) continue;
    for (const auto& [key, value] : result.values.items()) {
      if (!existing.values.contains(key)) {
        existing.values[key] = value;
      } else if (value.is_number() && existing.values[key] != value) {
        throw InputError(result.source, "accuracy result \"" + result.Id() + "\" has " + key + " " +
                                            value.dump() + " but " + existing.source + " has " +
                                            existing.values[key].dump());
      }
    }
    return;
  }
  results.push_back(std::move(result));
}

BenchGroup LoadBenchFile(const std::string& path) {
  const detail::BenchJson file = detail::BenchJson::Load(path);
  BenchGroup group;
  group.source = path;
  group.context = file.context();
  auto text = [&](const char* key) -> std::string {
    if (!group.context.contains(key)) return "";
    if (!group.context[key].is_string()) {
      file.Fail(Pointer("/context") / key, std::string("\"") + key + "\" must be a string");
    }
    return group.context[key].get<std::string>();
  };
  group.host_name = text("host_name");
  group.cpu_model = text("qlab_cpu_model");
  group.hwy_target = text("qlab_hwy_target");
  group.errors = file.errors();

  for (const detail::BenchRun& run : file.runs()) {
    // compare's bounds: a zero, subnormal or absurd time or rate is no measurement to report.
    for (const detail::BenchEntry& entry : run.iterations) detail::RequireMeasured(file, entry);
    for (const char* statistic : {"mean", "median", "min", "max"}) {
      if (const auto it = run.aggregates.find(statistic); it != run.aggregates.end()) {
        detail::RequireMeasured(file, it->second);
      }
    }
    BenchRow row = Summarize(run);
    if (row.statistic.empty()) {
      file.Fail(detail::BenchJson::At(run.first_index),
                "benchmark \"" + run.name + "\" has neither iteration rows nor a median/mean");
    }
    row.name = run.name;
    if (!SplitBenchName(run.name, row)) {
      group.unparsed.push_back(run.name);
      continue;
    }
    if (IsProbe(row.kernel)) {
      group.roof.push_back(row);
    } else {
      group.rows.push_back(row);
    }
  }
  std::sort(group.rows.begin(), group.rows.end(), detail::BenchRowLess);
  std::sort(group.roof.begin(), group.roof.end(), [](const BenchRow& a, const BenchRow& b) {
    if (a.kernel != b.kernel) return a.kernel < b.kernel;
    if (a.variant != b.variant) return a.variant < b.variant;
    return a.size < b.size;
  });
  group.l1d = ContextCache(group.context, "l1d");
  group.l2 = ContextCache(group.context, "l2");
  group.l3 = ContextCache(group.context, "l3");
  if (group.rows.empty() && group.roof.empty()) {
    file.Fail(Pointer("/benchmarks"), "no benchmark named <kernel>/<variant>/<size> in this file");
  }
  DeriveBenchMetrics(group);
  return group;
}

void DeriveBenchMetrics(BenchGroup& group) {
  std::map<std::string, const BenchRow*> by_name;
  for (const auto& row : group.rows) by_name[row.name] = &row;
  auto items_of = [&](const std::string& name) -> std::optional<double> {
    auto it = by_name.find(name);
    if (it == by_name.end() || !it->second->items_per_second ||
        *it->second->items_per_second <= 0) {
      return std::nullopt;
    }
    return it->second->items_per_second;
  };
  // The f32 counterpart of an integer kernel: dot_u8i8 → dot_f32, gemv_u8i8 → gemv_f32.
  auto f32_kernel = [](const std::string& kernel) -> std::string {
    const size_t underscore = kernel.find('_');
    if (underscore == std::string::npos) return "";
    const std::string family = kernel.substr(0, underscore);
    if ((family != "dot" && family != "gemv") || kernel == family + "_f32") return "";
    return family + "_f32";
  };
  for (auto& row : group.rows) {
    row.speedup_vs_ref.reset();
    row.speedup_vs_f32.reset();
    if (row.items_per_second && row.variant != "ref") {
      const auto ref = items_of(row.kernel + "/ref/" + std::to_string(row.size));
      if (ref) row.speedup_vs_ref = *row.items_per_second / *ref;
    }
    if (row.items_per_second) {
      const std::string f32 = f32_kernel(row.kernel);
      if (!f32.empty()) {
        const auto base = items_of(f32 + "/" + row.variant + "/" + std::to_string(row.size));
        if (base) row.speedup_vs_f32 = *row.items_per_second / *base;
      }
    }
    DeriveRoof(group, row);
  }
}

namespace detail {

bool BenchRowLess(const BenchRow& a, const BenchRow& b) {
  static const std::vector<std::string> kernel_order = {"dot_f32",  "dot_i8",    "dot_u8i8",
                                                        "gemv_f32", "gemv_u8i8", "quantize_u8"};
  static const std::vector<std::string> variant_order = {"ref", "auto", "hwy"};
  auto rank = [](const std::vector<std::string>& order, const std::string& s) {
    auto it = std::find(order.begin(), order.end(), s);
    if (it != order.end()) return static_cast<int>(it - order.begin());
    if (s.rfind("hwy:", 0) == 0) return static_cast<int>(order.size());
    return static_cast<int>(order.size()) + 1;
  };
  const int ka = rank(kernel_order, a.kernel), kb = rank(kernel_order, b.kernel);
  if (ka != kb) return ka < kb;
  if (a.kernel != b.kernel) return a.kernel < b.kernel;
  if (a.size != b.size) return a.size < b.size;
  const int va = rank(variant_order, a.variant), vb = rank(variant_order, b.variant);
  if (va != vb) return va < vb;
  return a.variant < b.variant;
}

}  // namespace detail
}  // namespace qlab::report
