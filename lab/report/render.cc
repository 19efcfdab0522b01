// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// report.json, and report.md and report.html from one list of sections (BuildDocument) with two
// emitters (EmitMarkdown, EmitHtml).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <variant>

#include "internal.h"
#include "qlab/io/input_error.h"
#include "qlab/io/result_keys.h"
#include "qlab/report/report.h"

namespace qlab::report {

namespace keys = io::keys;

using io::InputError;
namespace detail {

namespace {
int SchemeRank(const std::string& model) {
  static const std::vector<std::string> order = {"float", "seed", "w8", "w8a8"};
  auto it = std::find(order.begin(), order.end(), model);
  return it == order.end() ? static_cast<int>(order.size()) : static_cast<int>(it - order.begin());
}
}  // namespace

std::vector<const AccuracyResult*> OrderedAccuracy(const std::vector<AccuracyResult>& results) {
  std::vector<const AccuracyResult*> out;
  out.reserve(results.size());
  for (const auto& r : results) out.push_back(&r);
  std::stable_sort(out.begin(), out.end(), [](const AccuracyResult* a, const AccuracyResult* b) {
    const int ra = SchemeRank(a->model), rb = SchemeRank(b->model);
    if (ra != rb) return ra < rb;
    if (a->model != b->model) return a->model < b->model;
    if (a->bits.value_or(0) != b->bits.value_or(0)) {
      return a->bits.value_or(0) > b->bits.value_or(0);
    }
    return a->calibration < b->calibration;
  });
  return out;
}

std::vector<const AccuracyResult*> ComparisonResults(const std::vector<AccuracyResult>& results) {
  std::map<std::string, int> widest;  // scheme → the bit width its row shows
  for (const auto& r : results) {
    if (r.model == "float") continue;
    int& w = widest[r.model];
    const int bits = r.bits.value_or(0);
    if (w != 8 && (bits == 8 || bits > w)) w = bits;
  }
  std::vector<const AccuracyResult*> out;
  for (const AccuracyResult* r : OrderedAccuracy(results)) {
    if (r->model == "float" || r->bits.value_or(0) == widest[r->model]) out.push_back(r);
  }
  return out;
}

std::vector<std::string> SweepSchemes(const std::vector<AccuracyResult>& results) {
  std::map<std::string, std::set<int>> bits;
  for (const auto& r : results) {
    if (r.model != "float" && r.bits) bits[r.model].insert(*r.bits);
  }
  std::vector<std::string> out;
  for (const AccuracyResult* r : OrderedAccuracy(results)) {
    if (r->model != "float" && bits[r->model].size() > 1 &&
        std::find(out.begin(), out.end(), r->model) == out.end()) {
      out.push_back(r->model);
    }
  }
  return out;
}

std::string FormatJsonValue(const nlohmann::json& value) {
  if (value.is_null()) return "—";
  // Six significant digits read at a glance; report.json keeps every digit.
  if (value.is_number_float()) return fmt::format("{:.6g}", value.get<double>());
  if (value.is_number()) return value.dump();
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  if (value.is_object()) {
    std::string out;
    for (const auto& [k, v] : value.items()) {
      out += (out.empty() ? "" : ", ") + k + ": " + FormatJsonValue(v);
    }
    return out;
  }
  std::string out;
  for (const auto& v : value) out += (out.empty() ? "" : ", ") + FormatJsonValue(v);
  return out;
}

std::string Cell(const nlohmann::json& object, const std::string& key) {
  if (!object.is_object() || !object.contains(key)) return "—";
  return FormatJsonValue(object[key]);
}

namespace {
std::string ThreeDigits(double x) {
  const double a = std::fabs(x);
  if (a >= 100) return fmt::format("{:.0f}", x);
  if (a >= 10) return fmt::format("{:.1f}", x);
  if (a >= 1) return fmt::format("{:.2f}", x);
  return fmt::format("{:.3g}", x);
}
}  // namespace

std::string FormatRate(std::optional<double> per_second, double unit) {
  return per_second ? ThreeDigits(*per_second / unit) : "—";
}

std::string FormatRatio(std::optional<double> ratio) {
  return ratio ? ThreeDigits(*ratio) + "×" : "—";
}

std::string FormatPercent(std::optional<double> fraction) {
  return fraction ? fmt::format("{:.0f}%", *fraction * 100) : "—";
}

std::string FormatBytes(double bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (bytes >= 1024 && u < 4) {
    bytes /= 1024;
    ++u;
  }
  return (bytes == std::floor(bytes) ? fmt::format("{:.0f}", bytes) : ThreeDigits(bytes)) + " " +
         units[u];
}

std::string HtmlEscape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace detail

namespace {

using json = nlohmann::json;
using namespace detail;

json OptionalJson(const std::optional<double>& v) { return v ? json(*v) : json(nullptr); }

json RowJson(const BenchRow& r) {
  json j;
  j["name"] = r.name;
  j["kernel"] = r.kernel;
  j["variant"] = r.variant;
  j["size"] = r.size;
  j["statistic"] = r.statistic;
  j["repetitions"] = r.repetitions;
  j["real_time_ns"] = r.real_time_ns;
  j["cpu_time_ns"] = r.cpu_time_ns;
  j["bytes_per_second"] = OptionalJson(r.bytes_per_second);
  j["items_per_second"] = OptionalJson(r.items_per_second);
  j["best_bytes_per_second"] = OptionalJson(r.best_bytes_per_second);
  j["best_items_per_second"] = OptionalJson(r.best_items_per_second);
  j["cv"] = OptionalJson(r.cv);
  for (const auto& [key, value] :
       {std::pair<const char*, const std::optional<double>&>{"bytes_read", r.bytes_read},
        {"bytes_written", r.bytes_written},
        {"macs", r.macs},
        {"working_set_counter", r.working_set_counter}}) {
    if (value) j[key] = *value;
  }
  if (r.kernel != "membw" && r.kernel != "clock" && r.kernel.rfind("peak_", 0) != 0) {
    j["working_set_bytes"] = OptionalJson(r.working_set_bytes);
    j["level"] = r.level ? json(*r.level) : json(nullptr);
    j["speedup_vs_ref"] = OptionalJson(r.speedup_vs_ref);
    j["speedup_vs_f32"] = OptionalJson(r.speedup_vs_f32);
    j["macs_per_second"] = OptionalJson(r.macs_per_second);
    j["macs_per_byte"] = OptionalJson(r.macs_per_byte);
    j["roof_bytes_per_second"] = OptionalJson(r.roof_bytes_per_second);
    j["roof_probe_bytes"] = r.roof_probe_bytes ? json(*r.roof_probe_bytes) : json(nullptr);
    j["roof_probe"] = r.roof_probe.empty() ? json(nullptr) : json(r.roof_probe);
    j["roof_peak_macs_per_second"] = OptionalJson(r.roof_peak_macs_per_second);
    j["roof_peak_probe"] = r.roof_peak_probe.empty() ? json(nullptr) : json(r.roof_peak_probe);
    j["roof_attainable"] = OptionalJson(r.roof_attainable);
    j["roof_bound"] = r.roof_bound.empty() ? json(nullptr) : json(r.roof_bound);
    j["roof_fraction"] = OptionalJson(r.roof_fraction);
    if (!r.roof_invalid.empty()) j["roof_invalid"] = r.roof_invalid;
  }
  return j;
}

// A table rendered both as Markdown and as HTML. In HTML, `groups` (label, columns spanned) gives a
// header row above `header`.
struct Table {
  std::vector<std::pair<std::string, int>> groups;
  std::vector<std::string> header;
  std::vector<bool> numeric;
  std::vector<std::vector<std::string>> rows;
};

std::string MarkdownCell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string ToMarkdown(const Table& t) {
  // Appending piece by piece (not " " + cell + " |") also keeps GCC 12's -Wrestrict false
  // positive on temporary-string concatenation away.
  auto add_cell = [](std::string& line, const std::string& text) {
    line += ' ';
    line += MarkdownCell(text);
    line += " |";
  };
  std::string out = "|";
  for (const auto& h : t.header) add_cell(out, h);
  out += "\n|";
  for (size_t i = 0; i < t.header.size(); ++i) {
    out += (i < t.numeric.size() && t.numeric[i]) ? "---:|" : "---|";
  }
  out += "\n";
  for (const auto& row : t.rows) {
    out += "|";
    for (const auto& c : row) add_cell(out, c);
    out += "\n";
  }
  return out;
}

std::string ToHtml(const Table& t) {
  std::string out = "<div class=\"scroll\"><table>\n<thead>\n";
  if (!t.groups.empty()) {
    out += "<tr>";
    for (const auto& [label, span] : t.groups) {
      out += fmt::format("<th colspan=\"{}\"{}>{}</th>", span,
                         label.empty() ? "" : " class=\"grp\"", HtmlEscape(label));
    }
    out += "</tr>\n";
  }
  out += "<tr>";
  for (size_t i = 0; i < t.header.size(); ++i) {
    const bool num = i < t.numeric.size() && t.numeric[i];
    out += std::string(num ? "<th class=\"num\">" : "<th>") + HtmlEscape(t.header[i]) + "</th>";
  }
  out += "</tr>\n</thead>\n<tbody>\n";
  for (const auto& row : t.rows) {
    out += "<tr>";
    for (size_t i = 0; i < row.size(); ++i) {
      const bool num = i < t.numeric.size() && t.numeric[i];
      out += std::string(num ? "<td class=\"num\">" : "<td>") + HtmlEscape(row[i]) + "</td>";
    }
    out += "</tr>\n";
  }
  out += "</tbody>\n</table></div>\n";
  return out;
}

Table AccuracyTable(const ReportInputs& in) {
  Table t;
  t.header = {"model",        "bits",          "calibration", "test R²",   "test MSE",
              "ΔR²",          "|Δ| p99",       "|Δ| max",     "SQNR (dB)", "clipped rows",
              "weight bytes", "feature bytes", "memory ratio"};
  t.numeric = {false, true, false, true, true, true, true, true, true, true, true, true, true};
  // The w8a8 outlier policy: rows scored in f64 and max |Δ| of the integer path alone.
  t.header.insert(t.header.end(), {"outliers", "fallback rows", "|Δ| max w/o fallback"});
  t.numeric.insert(t.numeric.end(), {false, true, true});
  for (const AccuracyResult* r : ComparisonResults(in.accuracy)) {
    const json& v = r->values;
    t.rows.push_back({r->model, r->bits ? std::to_string(*r->bits) : "—",
                      r->calibration.empty() ? "—" : r->calibration, Cell(v, keys::kTestR2.name),
                      Cell(v, keys::kTestMse.name), Cell(v, keys::kDeltaR2.name),
                      Cell(v, keys::kP99AbsDelta.name), Cell(v, keys::kMaxAbsDelta.name),
                      Cell(v, keys::kSqnrDb.name), Cell(v, keys::kClippedRows.name),
                      Cell(v, keys::kWeightBytes.name), Cell(v, keys::kFeatureBytes.name),
                      Cell(v, keys::kMemoryRatio.name)});
    t.rows.back().insert(t.rows.back().end(),
                         {Cell(v, keys::kOutliers.name), Cell(v, keys::kFallbackRows.name),
                          Cell(v, keys::kIntegerMaxAbsDelta.name)});
  }
  return t;
}

// Scheme × bits: SQNR and ΔR² for every bit width run.
Table SweepTable(const ReportInputs& in) {
  Table t;
  t.header = {"scheme", "calibration", "bits", "SQNR (dB)", "ΔR²", "|Δ| p99", "clipped rows"};
  t.numeric = {false, false, true, true, true, true, true};
  // max |Δ| with and without the outlier fallback, its rows, and the feature bytes as stored
  // (w8a8 at bits <= 4: two codes a byte).
  t.header.insert(t.header.end(),
                  {"|Δ| max", "|Δ| max w/o fallback", "fallback rows", "feature bytes"});
  t.numeric.insert(t.numeric.end(), {true, true, true, true});
  const auto schemes = SweepSchemes(in.accuracy);
  std::vector<const AccuracyResult*> rows;
  for (const AccuracyResult* r : OrderedAccuracy(in.accuracy)) {
    if (std::find(schemes.begin(), schemes.end(), r->model) != schemes.end()) rows.push_back(r);
  }
  std::stable_sort(rows.begin(), rows.end(), [](const AccuracyResult* a, const AccuracyResult* b) {
    if (a->model != b->model) return SchemeRank(a->model) < SchemeRank(b->model);
    if (a->calibration != b->calibration) return a->calibration < b->calibration;
    return a->bits.value_or(0) < b->bits.value_or(0);
  });
  for (const AccuracyResult* r : rows) {
    t.rows.push_back({r->model, r->calibration.empty() ? "—" : r->calibration,
                      std::to_string(r->bits.value_or(0)), Cell(r->values, keys::kSqnrDb.name),
                      Cell(r->values, keys::kDeltaR2.name),
                      Cell(r->values, keys::kP99AbsDelta.name),
                      Cell(r->values, keys::kClippedRows.name)});
    t.rows.back().insert(
        t.rows.back().end(),
        {Cell(r->values, keys::kMaxAbsDelta.name), Cell(r->values, keys::kIntegerMaxAbsDelta.name),
         Cell(r->values, keys::kFallbackRows.name), Cell(r->values, keys::kFeatureBytes.name)});
  }
  return t;
}

constexpr int kThroughputColumns = 6;

std::string FormatCv(std::optional<double> cv) {
  return cv && std::isfinite(*cv * 100) ? fmt::format("{:.1f}%", *cv * 100) : "—";
}

// One row per (kernel, size, variant) seen in any group; one column group per bench file.
Table ThroughputTable(const ReportInputs& in) {
  Table t;
  t.groups.push_back({"", 3});
  t.header = {"kernel", "size", "variant"};
  t.numeric = {false, true, false};
  const bool several = in.bench.size() > 1;
  std::vector<BenchRow> keys;
  std::set<std::string> seen;
  for (const auto& g : in.bench) {
    t.groups.push_back({g.label, kThroughputColumns});
    const std::string suffix = several ? " [" + g.label + "]" : "";
    for (const char* h : {"GB/s", "G items/s", "CV", "× ref", "× f32", "% roof"}) {
      t.header.push_back(h + suffix);
      t.numeric.push_back(true);
    }
    for (const auto& r : g.rows) {
      if (seen.insert(r.name).second) keys.push_back(r);
    }
  }
  std::stable_sort(keys.begin(), keys.end(), BenchRowLess);
  for (const auto& key : keys) {
    std::vector<std::string> row = {key.kernel, std::to_string(key.size), key.variant};
    for (const auto& g : in.bench) {
      auto it = std::find_if(g.rows.begin(), g.rows.end(),
                             [&](const BenchRow& r) { return r.name == key.name; });
      if (it == g.rows.end()) {
        for (int i = 0; i < kThroughputColumns; ++i) row.push_back("—");
        continue;
      }
      row.push_back(FormatRate(it->bytes_per_second, 1e9));
      row.push_back(FormatRate(it->items_per_second, 1e9));
      row.push_back(FormatCv(it->cv));
      row.push_back(FormatRatio(it->speedup_vs_ref));
      row.push_back(FormatRatio(it->speedup_vs_f32));
      row.push_back(it->roof_invalid.empty() ? FormatPercent(it->roof_fraction)
                                             : "no roof: " + it->roof_invalid);
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

// The probes of every group: what each level and instruction delivers (best repetition, the
// figure the roof uses), per cycle where the run measured the clock, and their noise.
Table RoofTable(const ReportInputs& in) {
  Table t;
  t.header = {"group",     "probe",         "working set", "level",
              "best GB/s", "best G MACs/s", "per cycle",   "CV"};
  t.numeric = {false, false, true, false, true, true, true, true};
  for (const auto& g : in.bench) {
    std::optional<double> hz;
    for (const auto& p : g.roof) {
      if (p.kernel == "clock" && p.best_items_per_second) hz = p.best_items_per_second;
    }
    for (const auto& p : g.roof) {
      const bool membw = p.kernel == "membw";
      std::string ws = "—", level = "—", per_cycle = "—";
      if (membw) {
        const double bytes = p.working_set_counter.value_or(static_cast<double>(p.size));
        ws = FormatBytes(bytes);
        if (g.l1d && g.l2 && g.l3) {
          level = bytes <= static_cast<double>(g.l1d->bytes)  ? "L1"
                  : bytes <= static_cast<double>(g.l2->bytes) ? "L2"
                  : bytes <= static_cast<double>(g.l3->bytes) ? "L3"
                                                              : "DRAM";
        }
        if (hz && p.best_bytes_per_second) {
          per_cycle = fmt::format("{:.1f} B", *p.best_bytes_per_second / *hz);
        }
      } else if (p.kernel == "clock") {
        per_cycle = p.best_items_per_second
                        ? fmt::format("{:.3g} GHz", *p.best_items_per_second / 1e9)
                        : "—";
      } else if (hz && p.best_items_per_second) {
        per_cycle = fmt::format("{:.1f} MACs", *p.best_items_per_second / *hz);
      }
      t.rows.push_back(
          {g.label, p.name, ws, level, membw ? FormatRate(p.best_bytes_per_second, 1e9) : "—",
           membw || p.kernel == "clock" ? "—" : FormatRate(p.best_items_per_second, 1e9), per_cycle,
           FormatCv(p.cv)});
    }
  }
  return t;
}

// Where each group's cache sizes came from (qlab-bench's context).
std::string CacheText(const BenchGroup& g) {
  if (!g.l1d || !g.l2 || !g.l3) {
    return g.label + ": the bench JSON records no cache sizes, so no row has a memory level.";
  }
  auto one = [](const char* name, const CacheLevel& c) {
    return std::string(name) + " " + FormatBytes(static_cast<double>(c.bytes)) + " (" + c.source +
           ")";
  };
  return g.label + ": caches " + one("L1d", *g.l1d) + ", " + one("L2", *g.l2) + ", " +
         one("L3", *g.l3) + "; a working set above L3 is DRAM.";
}

Table MachineTable(const ReportInputs& in) {
  const MachineInfo& m = in.machine;
  Table t;
  t.header = {"", "value"};
  auto join = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
    return out.empty() ? std::string("—") : out;
  };
  t.rows = {{"CPU model", m.cpu_model},
            {"SIMD flags", join(m.simd_flags)},
            {"Highway target used", m.hwy_target},
            {"Highway targets supported", join(m.hwy_supported)},
            {"compiler", m.compiler},
            {"compiler flags", m.cxx_flags.empty() ? "(none)" : m.cxx_flags},
            {"build type", m.build_type},
            {"date (UTC)", m.date},
            {"git commit", m.git_commit},
            {"host", m.host_name},
            {"logical CPUs", std::to_string(m.num_cpus)},
            {"qlab version", m.qlab_version}};
  if (!m.openblas_coretype.empty()) t.rows.push_back({"OPENBLAS_CORETYPE", m.openblas_coretype});
  return t;
}

Table BenchContextTable(const ReportInputs& in) {
  Table t;
  t.header = {"group",      "file",          "host", "CPU model", "Highway target",
              "CPUs × MHz", "library build", "date", "statistic"};
  for (const auto& g : in.bench) {
    const json& c = g.context;
    std::string cpus = Cell(c, "num_cpus") + " × " + Cell(c, "mhz_per_cpu");
    std::string statistic = "—";
    if (!g.rows.empty()) statistic = g.rows.front().statistic;
    t.rows.push_back({g.label, g.source, g.host_name.empty() ? "—" : g.host_name,
                      g.cpu_model.empty() ? "unknown" : g.cpu_model,
                      g.hwy_target.empty() ? "unknown" : g.hwy_target, cpus,
                      Cell(c, "library_build_type"), Cell(c, "date"), statistic});
  }
  return t;
}

std::vector<std::string> Notes(const ReportInputs& in, const ChartSet& charts) {
  std::vector<std::string> notes;
  if (in.accuracy.empty()) notes.push_back("No accuracy results were given.");
  if (in.bench.empty()) notes.push_back("No benchmark results were given.");
  for (const auto& g : in.bench) {
    if (g.roof.empty()) {
      notes.push_back(g.label + ": no probes (membw, peak_*), so no roof.");
    }
    for (const auto& name : g.unparsed) {
      notes.push_back(g.label + ": benchmark \"" + name +
                      "\" is not named <kernel>/<variant>/<size>; left out.");
    }
    for (const auto& name : g.errors) {
      notes.push_back(g.label + ": benchmark \"" + name + "\" reported an error; left out.");
    }
  }
  if (!charts.note.empty()) notes.push_back(charts.note);
  return notes;
}

const char* kThroughputExplanation =
    "GB/s counts every byte read and written; G items/s counts multiply-adds (elements for "
    "quantize). CV: coefficient of variation of items/s over the repetitions. × ref: items/s over "
    "the scalar `ref` variant of the same kernel and size. × f32: items/s over the f32 kernel of "
    "the same variant and size (dot_f32 for dot_i8/dot_u8i8, gemv_f32 for gemv_u8i8). % roof: "
    "measured multiply-adds/s ÷ attainable, where attainable = min(the peak of the kernel "
    "family's instruction on its target (peak_fma_f32, peak_dpbusd_u8i8 or peak_madd_i16), the "
    "bandwidth of the memory level its working set lives in (the fastest membw/read probe there; "
    "membw/copy too for a kernel that writes) ÷ its bytes per multiply-add); kernels that count "
    "no multiply-adds (quantize) against the bandwidth alone. Probes count at their best "
    "repetition, kernels at their median. Above 105% a probe or the byte accounting is wrong: "
    "the cell then says why instead of a number. Figures are medians over repetitions when the "
    "run had them; rounded to 3 digits here, exact in report.json.";

}  // namespace

nlohmann::json BuildReportJson(const ReportInputs& in) {
  json j;
  j["format"] = "qlab-report";
  j["version"] = 1;
  j["name"] = in.name.empty() ? DefaultReportName(in.machine) : in.name;
  j["machine"] = in.machine.ToJson();
  j["accuracy"] = json::object();
  j["accuracy_sources"] = json::object();
  for (const AccuracyResult* r : OrderedAccuracy(in.accuracy)) {
    const std::string id = r->Id();
    if (j["accuracy"].contains(id)) {
      throw InputError(r->source, "accuracy result \"" + id + "\" given twice (also in " +
                                      j["accuracy_sources"][id].get<std::string>() + ")");
    }
    j["accuracy"][id] = r->values;
    j["accuracy_sources"][id] = r->source;
  }
  j["comparison"] = json::array();
  for (const AccuracyResult* r : ComparisonResults(in.accuracy)) j["comparison"].push_back(r->Id());
  j["sweep_schemes"] = SweepSchemes(in.accuracy);
  j["bench"] = json::array();
  for (const auto& g : in.bench) {
    json gj;
    gj["label"] = g.label;
    gj["source"] = g.source;
    gj["host_name"] = g.host_name;
    gj["cpu_model"] = g.cpu_model;
    gj["hwy_target"] = g.hwy_target;
    gj["context"] = g.context;
    // The cache sizes the memory levels come from, and the source of each (bench/caches.cc).
    gj["caches"] = json::object();
    for (const auto& [key, level] :
         {std::pair<const char*, const std::optional<CacheLevel>&>{"l1d", g.l1d},
          {"l2", g.l2},
          {"l3", g.l3}}) {
      gj["caches"][key] =
          level ? json{{"bytes", level->bytes}, {"source", level->source}} : json(nullptr);
    }
    gj["roof_fraction_limit"] = kRoofFractionLimit;
    gj["rows"] = json::array();
    for (const auto& r : g.rows) gj["rows"].push_back(RowJson(r));
    gj["roof"] = json::array();
    for (const auto& r : g.roof) gj["roof"].push_back(RowJson(r));
    gj["unparsed"] = g.unparsed;
    gj["errors"] = g.errors;
    j["bench"].push_back(std::move(gj));
  }
  return j;
}

namespace {

// ---- the report as one list of sections -------------------------------------------------------
// The prose, the tables and the charts are chosen once, here; the two emitters below only say how
// a heading, a paragraph, a table, a figure and a list look in Markdown and in HTML.

// A paragraph's role: body text, the lead under the title, or small print under a table.
enum class Style { kBody, kLead, kSmall };

struct Paragraph {
  std::string text;  // plain text; Markdown shows `code` spans, HTML shows them as typed
  Style style = Style::kBody;
};

struct Figure {
  const ChartFile* chart;
  int index;  // among the report's charts: the prefix of its SVG ids in the HTML
};

struct NoteList {
  std::vector<std::string> items;
};

using Block = std::variant<Paragraph, Table, Figure, NoteList>;

struct Section {
  int level = 2;  // 2: a section; 3: a subsection of the section before it
  std::string title;
  std::string anchor;  // HTML id and navigation entry ("" for neither)
  std::string nav;     // the navigation link's text
  std::vector<Block> blocks;
};

struct Document {
  std::string title;
  std::string lead;
  std::vector<Section> sections;
};

const char* kAccuracyExplanation =
    "ΔR² = quantized test R² − float test R². |Δ| = |quantized − float prediction| over the "
    "test split. SQNR = 20·log10(‖y_float‖ / ‖y_float − y_quant‖). Memory ratio: the float "
    "form's bytes over the quantized form's. Figures rounded to 6 significant digits; "
    "report.json has every digit.";

Document BuildDocument(const ReportInputs& in, const ChartSet& charts) {
  const std::string name = in.name.empty() ? DefaultReportName(in.machine) : in.name;
  Document doc;
  doc.title = "qlab report " + name;
  doc.lead = "Written " + in.machine.date + " on " + in.machine.host_name + " (" +
             in.machine.cpu_model + ", Highway target " + in.machine.hwy_target + ", commit " +
             in.machine.git_commit.substr(0, 12) + ").";

  Section accuracy{
      2, "Accuracy: float model vs quantized (test split)", "accuracy", "Accuracy", {}};
  Section sweep_section{3, "Accuracy vs bits", "", "", {}};
  if (in.accuracy.empty()) {
    accuracy.blocks.emplace_back(Paragraph{"No accuracy results."});
  } else {
    accuracy.blocks.emplace_back(AccuracyTable(in));
    accuracy.blocks.emplace_back(Paragraph{kAccuracyExplanation, Style::kSmall});
    Table sweep = SweepTable(in);
    if (!sweep.rows.empty()) sweep_section.blocks.emplace_back(std::move(sweep));
  }
  doc.sections.push_back(std::move(accuracy));
  if (!sweep_section.blocks.empty()) doc.sections.push_back(std::move(sweep_section));

  Section throughput{2, "Throughput", "throughput", "Throughput", {}};
  if (in.bench.empty()) {
    throughput.blocks.emplace_back(Paragraph{"No benchmark results."});
    doc.sections.push_back(std::move(throughput));
  } else {
    throughput.blocks.emplace_back(Paragraph{kThroughputExplanation, Style::kSmall});
    throughput.blocks.emplace_back(ThroughputTable(in));
    doc.sections.push_back(std::move(throughput));
    Section roof{3, "Roofs (probes)", "", "", {}};
    for (const auto& g : in.bench) roof.blocks.emplace_back(Paragraph{CacheText(g), Style::kSmall});
    roof.blocks.emplace_back(RoofTable(in));
    doc.sections.push_back(std::move(roof));
    doc.sections.push_back({3, "Benchmark runs", "", "", {BenchContextTable(in)}});
  }

  Section chart_section{2, "Charts", "charts", "Charts", {}};
  if (charts.charts.empty()) {
    chart_section.blocks.emplace_back(Paragraph{charts.note.empty() ? "No charts." : charts.note});
  }
  for (size_t i = 0; i < charts.charts.size(); ++i) {
    chart_section.blocks.emplace_back(Figure{&charts.charts[i], static_cast<int>(i)});
  }
  doc.sections.push_back(std::move(chart_section));

  doc.sections.push_back({2, "Machine", "machine", "Machine", {MachineTable(in)}});
  auto notes = Notes(in, charts);
  if (!notes.empty()) doc.sections.push_back({2, "Notes", "", "", {NoteList{std::move(notes)}}});
  return doc;
}

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

// ---- Markdown ---------------------------------------------------------------------------------

std::string EmitMarkdown(const Document& doc) {
  std::string md = "# " + doc.title + "\n\n" + doc.lead + "\n\n";
  for (const Section& s : doc.sections) {
    md += std::string(static_cast<size_t>(s.level), '#') + " " + s.title + "\n\n";
    for (const Block& block : s.blocks) {
      std::visit(Overloaded{
                     [&](const Paragraph& p) { md += p.text + "\n\n"; },
                     [&](const Table& t) { md += ToMarkdown(t) + "\n"; },
                     [&](const Figure& f) {
                       const ChartFile& c = *f.chart;
                       md += std::string(static_cast<size_t>(s.level) + 1, '#') + " " + c.title +
                             "\n\n![" + c.title + "](charts/" + c.stem + ".svg)\n\n" + c.caption +
                             " ([PNG](charts/" + c.stem + ".png))\n\n";
                     },
                     [&](const NoteList& l) {
                       for (const auto& item : l.items) md += "- " + item + "\n";
                       md += "\n";
                     },
                 },
                 block);
    }
  }
  return md;
}

// ---- HTML -------------------------------------------------------------------------------------

// gnuplot's SVG names its defs (point symbols, clip paths) with fixed ids; several charts inline
// in one page would share them, so each chart's ids get a prefix.
std::string PrefixSvgIds(std::string svg, const std::string& prefix) {
  auto replace_all = [&](const std::string& from, const std::string& to) {
    size_t pos = 0;
    while ((pos = svg.find(from, pos)) != std::string::npos) {
      svg.replace(pos, from.size(), to);
      pos += to.size();
    }
  };
  replace_all("id=\"", "id=\"" + prefix);
  replace_all("id='", "id='" + prefix);
  replace_all("href=\"#", "href=\"#" + prefix);
  replace_all("href='#", "href='#" + prefix);
  replace_all("url(#", "url(#" + prefix);
  // The XML prolog and doctype are not allowed inside an HTML document.
  const size_t svg_start = svg.find("<svg");
  return svg_start == std::string::npos ? svg : svg.substr(svg_start);
}

const char* kCss = R"css(
:root { --fg:#1d2430; --muted:#5b6575; --line:#d8dde6; --head:#eef2f8; --accent:#2a5db0; }
* { box-sizing: border-box; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: var(--fg); margin: 0 auto; max-width: 1200px; padding: 24px 32px 64px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 16px; margin: 24px 0 8px; }
p.lead, p.small { color: var(--muted); }
p.small { font-size: 13px; }
.scroll { overflow-x: auto; margin: 8px 0 16px; }
table { border-collapse: collapse; font-size: 12.5px; }
th, td { border: 1px solid var(--line); padding: 3px 6px; white-space: nowrap; }
thead th { background: var(--head); font-weight: 600; }
th.grp { text-align: center; color: var(--accent); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #fafbfd; }
figure { margin: 16px 0 28px; }
figure svg { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: 13px; margin-top: 4px; }
nav a { margin-right: 14px; color: var(--accent); text-decoration: none; }
ul.notes li { color: var(--muted); }
)css";

std::string EmitHtml(const Document& doc) {
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  h += "<title>" + HtmlEscape(doc.title) + "</title>\n<style>" + kCss + "</style>\n";
  h += "</head>\n<body>\n";
  h += "<h1>" + HtmlEscape(doc.title) + "</h1>\n";
  h += "<p class=\"lead\">" + HtmlEscape(doc.lead) + "</p>\n";
  h += "<nav>";
  for (const Section& s : doc.sections) {
    if (!s.anchor.empty()) h += "<a href=\"#" + s.anchor + "\">" + HtmlEscape(s.nav) + "</a>";
  }
  h += "</nav>\n";
  for (const Section& s : doc.sections) {
    // fmt, not "h" + std::to_string(...): GCC 12 warns falsely (-Wrestrict) on that concatenation.
    h += fmt::format("<h{0}{1}>{2}</h{0}>\n", s.level,
                     s.anchor.empty() ? "" : " id=\"" + s.anchor + "\"", HtmlEscape(s.title));
    for (const Block& block : s.blocks) {
      std::visit(Overloaded{
                     [&](const Paragraph& p) {
                       const char* open = p.style == Style::kLead    ? "<p class=\"lead\">"
                                          : p.style == Style::kSmall ? "<p class=\"small\">"
                                                                     : "<p>";
                       h += open + HtmlEscape(p.text) + "</p>\n";
                     },
                     [&](const Table& t) { h += ToHtml(t); },
                     [&](const Figure& f) {
                       const ChartFile& c = *f.chart;
                       h += "<figure>\n" +
                            PrefixSvgIds(c.svg, "c" + std::to_string(f.index) + "_") +
                            "\n<figcaption><b>" + HtmlEscape(c.title) + ".</b> " +
                            HtmlEscape(c.caption) + "</figcaption>\n</figure>\n";
                     },
                     [&](const NoteList& l) {
                       h += "<ul class=\"notes\">\n";
                       for (const auto& item : l.items) h += "<li>" + HtmlEscape(item) + "</li>\n";
                       h += "</ul>\n";
                     },
                 },
                 block);
    }
  }
  h += "</body>\n</html>\n";
  return h;
}

}  // namespace

std::string RenderMarkdown(const ReportInputs& in, const ChartSet& charts) {
  return EmitMarkdown(BuildDocument(in, charts));
}

std::string RenderHtml(const ReportInputs& in, const ChartSet& charts) {
  return EmitHtml(BuildDocument(in, charts));
}

}  // namespace qlab::report
