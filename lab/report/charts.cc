// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Charts drawn by gnuplot (run as a program): throughput vs working set per kernel with the memory
// roof, and accuracy vs bits per scheme. Each chart is one gnuplot script with its data inline
// (datablocks), drawn once to SVG and once to PNG (pngcairo).
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "internal.h"
#include "qlab/io/atomic_file.h"
#include "qlab/io/json_document.h"
#include "qlab/io/process.h"
#include "qlab/io/result_keys.h"
#include "qlab/io/stream.h"
#include "qlab/report/report.h"

namespace qlab::report {

namespace keys = io::keys;
namespace {

namespace fs = std::filesystem;
using namespace detail;
using io::FindOnPath;
using io::ReadFileBytes;
using io::RunProcess;
using io::WriteFileAtomically;

// A string literal for gnuplot (double-quoted: backslash and quote escaped).
std::string Quote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

std::string FileStem(std::string text) {
  for (char& c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) c = '_';
  }
  return text;
}

struct Series {
  std::string title;
  std::vector<std::pair<double, double>> points;
  std::string style;  // extra gnuplot style, e.g. for the roof
};

struct ChartSpec {
  std::string stem;
  std::string title;
  std::string caption;
  std::string settings;  // axes, labels
  std::vector<Series> series;
};

std::string Script(const ChartSpec& spec, const std::string& svg_path,
                   const std::string& png_path) {
  std::string s;
  for (size_t i = 0; i < spec.series.size(); ++i) {
    s += fmt::format("$d{} << EOD\n", i);
    for (const auto& [x, y] : spec.series[i].points) {
      // A NaN point is a break: gnuplot does not join points across an empty line.
      s += std::isnan(x) ? std::string("\n") : fmt::format("{} {}\n", x, y);
    }
    s += "EOD\n";
  }
  s += "set encoding utf8\n";
  s += "set terminal svg size 960,560 dynamic noenhanced font \"DejaVu Sans,13\" "
       "background rgb \"white\"\n";
  s += "set output " + Quote(svg_path) + "\n";
  s += "set title " + Quote(spec.title) + "\n";
  s += "set key outside right top vertical Left reverse samplen 2 spacing 1.1\n";
  s += "set grid xtics ytics mxtics mytics lc rgb \"#dddddd\" lw 1\n";
  s += "set border 3 lc rgb \"#555555\"\nset tics nomirror\n";
  s += "set style data linespoints\n";
  s += spec.settings;
  std::string plot = "plot ";
  for (size_t i = 0; i < spec.series.size(); ++i) {
    if (i > 0) plot += ", \\\n     ";
    plot += fmt::format("$d{} using 1:2 title {} {}", i, Quote(spec.series[i].title),
                        spec.series[i].style.empty() ? "lw 2 pt 7 ps 0.8" : spec.series[i].style);
  }
  s += plot + "\n";
  s += "set terminal pngcairo size 1280,750 noenhanced font \"DejaVu Sans,12\" "
       "background rgb \"white\"\n";
  s += "set output " + Quote(png_path) + "\nreplot\nunset output\n";
  return s;
}

// The memory level (1-3, 4 = DRAM; 0 unknown) of a working set by the group's cache sizes.
int LevelOfGroup(const BenchGroup& g, double ws) {
  if (!g.l1d || !g.l2 || !g.l3) return 0;
  if (ws <= static_cast<double>(g.l1d->bytes)) return 1;
  if (ws <= static_cast<double>(g.l2->bytes)) return 2;
  if (ws <= static_cast<double>(g.l3->bytes)) return 3;
  return 4;
}

// `points` sorted by x, with a break (a NaN point) wherever two neighbours lie more than one
// memory level apart: a line through levels nothing measured would invent the curve between.
// `levels` holds (x, level) for the same points; level 0 (unknown) never breaks.
std::vector<std::pair<double, double>> BreakLevelGaps(
    const std::vector<std::pair<double, double>>& points,
    const std::vector<std::pair<double, int>>& levels) {
  std::map<double, int> level_at(levels.begin(), levels.end());
  std::vector<std::pair<double, double>> out;
  int previous = 0;
  for (const auto& p : points) {
    const int level = level_at.count(p.first) != 0 ? level_at[p.first] : 0;
    if (!out.empty() && previous > 0 && level > 0 && std::abs(level - previous) > 1) {
      out.emplace_back(std::nan(""), std::nan(""));
    }
    out.push_back(p);
    previous = level;
  }
  return out;
}

// Log-log roofline per group: MACs per byte against G MACs/s; the compute peaks (dispatched
// target) as horizontal roofs, one bandwidth roof per memory level (its fastest read probe), and
// a point per kernel × size for the hwy variant and the peers (not ref, auto or forced targets).
std::vector<ChartSpec> RooflineCharts(const ReportInputs& in) {
  std::vector<ChartSpec> specs;
  const bool several = in.bench.size() > 1;
  static const std::set<std::string> kNotPeers = {"ref", "auto"};
  for (const auto& g : in.bench) {
    ChartSpec spec;
    spec.stem = "roofline" + (several ? "_" + FileStem(g.label) : "");
    spec.title = "Roofline (" + g.label + ")";
    std::vector<std::string> order;
    std::map<std::string, Series> points;
    double x_lo = 1e300, x_hi = 0, y_top = 0;
    for (const auto& r : g.rows) {
      if (!r.macs_per_byte || !r.macs_per_second || *r.macs_per_byte <= 0 ||
          kNotPeers.count(r.variant) != 0 || r.variant.rfind("hwy:", 0) == 0) {
        continue;
      }
      const std::string key = r.kernel + " " + r.variant;
      if (points.find(key) == points.end()) {
        order.push_back(key);
        points[key] = Series{key, {}, "with points pt 7 ps 1.1"};
      }
      points[key].points.emplace_back(*r.macs_per_byte, *r.macs_per_second / 1e9);
      x_lo = std::min(x_lo, *r.macs_per_byte);
      x_hi = std::max(x_hi, *r.macs_per_byte);
      y_top = std::max(y_top, *r.macs_per_second / 1e9);
    }
    if (order.empty()) continue;
    x_lo /= 4;
    x_hi *= 16;
    std::vector<Series> roofs;
    double peak_top = 0;
    for (const char* name : {"peak_fma_f32", "peak_madd_i16", "peak_dpbusd_u8i8"}) {
      const BenchRow* best = nullptr;
      for (const auto& p : g.roof) {
        if (p.kernel == name && p.variant == "hwy" && p.best_items_per_second &&
            (best == nullptr || *p.best_items_per_second > *best->best_items_per_second)) {
          best = &p;
        }
      }
      if (best == nullptr) continue;
      const double y = *best->best_items_per_second / 1e9;
      peak_top = std::max(peak_top, y);
      roofs.push_back(Series{std::string(name) + fmt::format(" {:.3g} G MACs/s", y),
                             {{x_lo, y}, {x_hi, y}},
                             "with lines lw 2"});
    }
    const char* level_names[] = {"", "L1", "L2", "L3", "DRAM"};
    for (int level = 1; level <= 4; ++level) {
      const BenchRow* best = nullptr;
      for (const auto& p : g.roof) {
        if (p.kernel != "membw" || p.variant != "read" || !p.best_bytes_per_second) continue;
        if (LevelOfGroup(g, p.working_set_counter.value_or(static_cast<double>(p.size))) != level) {
          continue;
        }
        if (best == nullptr || *p.best_bytes_per_second > *best->best_bytes_per_second) best = &p;
      }
      if (best == nullptr) continue;
      const double bw = *best->best_bytes_per_second / 1e9;  // GB/s = G MACs/s per MAC/byte
      // From the left edge up to where it meets the highest compute roof (or the right edge).
      const double x_end = peak_top > 0 ? std::min(x_hi, peak_top / bw) : x_hi;
      roofs.push_back(Series{fmt::format("{} {:.3g} GB/s ({})", level_names[level], bw, best->name),
                             {{x_lo, bw * x_lo}, {x_end, bw * x_end}},
                             "with lines lw 2 dt 2"});
    }
    for (auto& r : roofs) spec.series.push_back(std::move(r));
    for (const auto& key : order) spec.series.push_back(points[key]);
    spec.settings = fmt::format(
        "set logscale xy 2\nset xrange [{}:{}]\nset format x \"%g\"\nset format y \"%g\"\n"
        "set xlabel \"arithmetic intensity (multiply-adds per byte read and written)\"\n"
        "set ylabel \"G multiply-adds/s\"\n",
        x_lo, x_hi);
    spec.caption =
        "Log-log. Solid: the compute peaks of the dispatched target (best repetition of each "
        "peak_* probe). Dashed: one bandwidth roof per memory level (its fastest membw/read probe, "
        "best repetition). Points: each kernel × size of the hwy variant and the peers, at its "
        "median; a kernel's sizes share its intensity and differ in the level they run from.";
    specs.push_back(std::move(spec));
  }
  return specs;
}

std::vector<ChartSpec> ThroughputCharts(const ReportInputs& in) {
  std::vector<ChartSpec> specs;
  const bool several = in.bench.size() > 1;
  for (const auto& g : in.bench) {
    std::vector<std::string> kernels;
    for (const auto& r : g.rows) {
      if (std::find(kernels.begin(), kernels.end(), r.kernel) == kernels.end()) {
        kernels.push_back(r.kernel);
      }
    }
    for (const auto& kernel : kernels) {
      ChartSpec spec;
      spec.stem = "throughput_" + FileStem(kernel) + (several ? "_" + FileStem(g.label) : "");
      spec.title = kernel + ": throughput vs working set (" + g.label + ")";
      std::vector<std::string> variants;
      std::map<std::string, Series> by_variant;
      std::vector<BenchRow> rows;
      for (const auto& r : g.rows) {
        if (r.kernel == kernel) rows.push_back(r);
      }
      std::sort(rows.begin(), rows.end(), BenchRowLess);
      std::set<uint64_t> sizes;
      std::map<std::string, std::vector<std::pair<double, int>>> levels;  // per variant
      for (const auto& r : rows) {
        if (!r.bytes_per_second || !r.working_set_bytes || *r.bytes_per_second <= 0 ||
            *r.working_set_bytes <= 0) {
          continue;
        }
        if (by_variant.find(r.variant) == by_variant.end()) {
          variants.push_back(r.variant);
          by_variant[r.variant].title = r.variant;
        }
        by_variant[r.variant].points.emplace_back(*r.working_set_bytes, *r.bytes_per_second / 1e9);
        levels[r.variant].emplace_back(*r.working_set_bytes, r.level.value_or(0));
        sizes.insert(r.size);
      }
      for (auto& [variant, series] : by_variant) {
        std::sort(series.points.begin(), series.points.end());
        series.points = BreakLevelGaps(series.points, levels[variant]);
      }
      // Variants in table order (ref, auto, hwy, hwy:*, peers).
      for (const auto& v : variants) spec.series.push_back(by_variant[v]);
      if (spec.series.empty()) continue;
      Series roof{"memory roof (membw/read, best repetition)",
                  {},
                  "lw 3 dt 2 pt 5 ps 0.9 lc rgb \"#444444\""};
      std::vector<std::pair<double, int>> roof_levels;
      for (const auto& r : g.roof) {
        if (r.kernel == "membw" && r.variant == "read" && r.best_bytes_per_second &&
            *r.best_bytes_per_second > 0) {
          const double ws = r.working_set_counter.value_or(static_cast<double>(r.size));
          roof.points.emplace_back(ws, *r.best_bytes_per_second / 1e9);
          roof_levels.emplace_back(ws, LevelOfGroup(g, ws));
        }
      }
      std::sort(roof.points.begin(), roof.points.end());
      roof.points = BreakLevelGaps(roof.points, roof_levels);
      if (!roof.points.empty()) spec.series.push_back(roof);
      spec.settings =
          "set logscale xy 2\nset format x \"%.0b%B\"\nset format y \"%g\"\n"
          "set xlabel \"working set (bytes read and written per iteration)\"\n"
          "set ylabel \"GB/s\"\n";
      std::string size_list;
      for (uint64_t s : sizes) size_list += (size_list.empty() ? "" : ", ") + std::to_string(s);
      spec.caption = "Log-log; one line per variant, sizes " + size_list + " (" +
                     (kernel.rfind("gemv", 0) == 0 ? "rows of 8 features" : "elements") +
                     "). Dashed: the read bandwidth measured by membw/read at each working set. A "
                     "line is broken where two neighbouring sizes lie more than one memory level "
                     "apart.";
      specs.push_back(std::move(spec));
    }
  }
  return specs;
}

// max |Δ| vs bits, with the outlier fallback (the policy in effect: max_abs_delta) and without
// it (the integer path alone, dashed: integer_max_abs_delta), for the results that report both.
ChartSpec MaxDeltaChart(const std::vector<std::string>& order,
                        const std::map<std::string, std::vector<const AccuracyResult*>>& lines,
                        const std::string& xaxis) {
  ChartSpec max{
      "accuracy_max_abs_delta", "Accuracy vs bits: max |Δ| with and without fallback", "", "", {}};
  for (const auto& key : order) {
    Series with{key + ", with fallback", {}, ""};
    Series without{key + ", without", {}, "lw 2 pt 6 ps 0.8 dt 2"};
    for (const AccuracyResult* r : lines.at(key)) {
      const nlohmann::json& v = r->values;
      if (!v.contains(keys::kMaxAbsDelta.name) || !v.contains(keys::kIntegerMaxAbsDelta.name)) {
        continue;
      }
      const double bits = r->bits.value_or(0);
      const double w = v[keys::kMaxAbsDelta.name].get<double>();
      const double wo = v[keys::kIntegerMaxAbsDelta.name].get<double>();
      if (!(w > 0) || !(wo > 0)) continue;  // a log axis
      with.points.emplace_back(bits, w);
      without.points.emplace_back(bits, wo);
    }
    std::sort(with.points.begin(), with.points.end());
    std::sort(without.points.begin(), without.points.end());
    // Only where the fallback changes something: else the two lines coincide.
    if (with.points.size() > 1 && with.points != without.points) {
      max.series.push_back(with);
      max.series.push_back(without);
    }
  }
  max.settings = xaxis + "set ylabel \"max |Δ| (target units)\"\nset logscale y\n";
  max.caption =
      "Largest |quantized − float prediction| on the test split: solid with the w8a8 outlier "
      "policy in effect (float: rows beyond the codes scored in f64), dashed the integer path "
      "alone on every row (what clip gives).";
  return max;
}

std::vector<ChartSpec> AccuracyCharts(const ReportInputs& in) {
  const auto schemes = SweepSchemes(in.accuracy);
  if (schemes.empty()) return {};
  // One line per (scheme, calibration).
  std::map<std::string, std::vector<const AccuracyResult*>> lines;
  std::vector<std::string> order;
  for (const AccuracyResult* r : OrderedAccuracy(in.accuracy)) {
    if (std::find(schemes.begin(), schemes.end(), r->model) == schemes.end()) continue;
    const std::string key = r->model + (r->calibration.empty() ? "" : " (" + r->calibration + ")");
    if (lines.find(key) == lines.end()) order.push_back(key);
    lines[key].push_back(r);
  }
  ChartSpec sqnr{"accuracy_sqnr", "Accuracy vs bits: SQNR", "", "", {}};
  ChartSpec delta{"accuracy_delta_r2", "Accuracy vs bits: ΔR²", "", "", {}};
  for (const auto& key : order) {
    Series s{key, {}, ""};
    Series d{key, {}, ""};
    for (const AccuracyResult* r : lines[key]) {
      const double bits = r->bits.value_or(0);
      if (r->values.contains(keys::kSqnrDb.name)) {
        s.points.emplace_back(bits, r->values[keys::kSqnrDb.name].get<double>());
      }
      if (r->values.contains(keys::kDeltaR2.name)) {
        d.points.emplace_back(bits, r->values[keys::kDeltaR2.name].get<double>());
      }
    }
    std::sort(s.points.begin(), s.points.end());
    std::sort(d.points.begin(), d.points.end());
    if (s.points.size() > 1) sqnr.series.push_back(s);
    if (d.points.size() > 1) delta.series.push_back(d);
  }
  const std::string xaxis = "set xlabel \"bits\"\nset xrange [1.5:8.5]\nset xtics 1\n";
  sqnr.settings = xaxis + "set ylabel \"SQNR (dB)\"\nset yrange [0:*]\n";
  sqnr.caption =
      "SQNR = 20·log10(‖y_float‖ / ‖y_float − y_quant‖) on the test split, per scheme "
      "and calibration; higher is better.";
  // Signed and linear: clipping outliers can raise R² (ΔR² > 0), which a log scale would hide.
  delta.settings = xaxis + "set ylabel \"ΔR²\"\nset xzeroaxis lt -1 lc rgb \"#888888\"\n";
  delta.caption =
      "Quantized test R² − float test R², per scheme and calibration; 0 is no loss "
      "(above 0: the quantized model scores higher, e.g. when clipping tames outliers).";
  std::vector<ChartSpec> out;
  if (!sqnr.series.empty()) out.push_back(sqnr);
  if (!delta.series.empty()) out.push_back(delta);
  if (ChartSpec max = MaxDeltaChart(order, lines, xaxis); !max.series.empty()) {
    out.push_back(std::move(max));
  }
  return out;
}

std::string FirstLine(const std::string& text) {
  const size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return "";
  const size_t end = text.find('\n', start);
  return text.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

// gnuplot's SVG ends with its closing tag; a PNG ends with its IEND chunk (length 0, type, CRC).
bool IsWholeSvg(const std::string& path) {
  std::string text = ReadFileBytes(path);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  const std::string tag = "</svg>";
  return text.size() >= tag.size() && text.compare(text.size() - tag.size(), tag.size(), tag) == 0;
}

bool IsWholePng(const std::string& path) {
  static const std::string kIend("\0\0\0\0IEND\xae\x42\x60\x82", 12);
  const std::string bytes = ReadFileBytes(path);
  return bytes.size() >= kIend.size() &&
         bytes.compare(bytes.size() - kIend.size(), kIend.size(), kIend) == 0;
}

}  // namespace

ChartSet DrawCharts(const ReportInputs& in, const std::string& charts_dir) {
  ChartSet set;
  std::vector<ChartSpec> specs = AccuracyCharts(in);
  for (auto& s : ThroughputCharts(in)) specs.push_back(std::move(s));
  for (auto& s : RooflineCharts(in)) specs.push_back(std::move(s));
  if (specs.empty()) return set;
  const char* env = std::getenv("QLAB_GNUPLOT");
  const std::string wanted = env != nullptr && *env != '\0' ? env : "gnuplot";
  const std::string gnuplot = FindOnPath(wanted);
  if (gnuplot.empty()) {
    set.note = "gnuplot not found (" + wanted +
               "; install gnuplot-nox): the report was written without charts.";
    return set;
  }
  fs::create_directories(charts_dir);
  for (const auto& spec : specs) {
    const std::string svg = charts_dir + "/" + spec.stem + ".svg";
    const std::string png = charts_dir + "/" + spec.stem + ".png";
    const std::string script_path = charts_dir + "/" + spec.stem + ".gp";
    WriteFileAtomically(script_path, Script(spec, svg, png));
    std::string output;
    const int rc = RunProcess({gnuplot, script_path}, &output);
    std::error_code ignored;
    fs::remove(script_path, ignored);
    // A chart that cannot be written is a lost output (exit 4), not a missing tool: gnuplot dies
    // of SIGXFSZ past the file size limit and, on a full disk, leaves files cut short without
    // failing (it does not check its writes), so each file's last bytes are checked too.
    if (rc == 128 + SIGXFSZ)
      throw io::OutputError(svg, std::string("cannot write: ") + std::strerror(EFBIG));
    if (rc == 0 && fs::exists(svg) && fs::exists(png) && !(IsWholeSvg(svg) && IsWholePng(png))) {
      throw io::OutputError(svg, "cannot write: gnuplot left an incomplete chart (disk full?)");
    }
    if (rc != 0 || !fs::exists(svg) || !fs::exists(png)) {
      fs::remove(svg, ignored);
      fs::remove(png, ignored);
      set.note = "gnuplot (" + gnuplot + ") failed on chart " + spec.stem +
                 (rc < 0 ? ": could not start it" : ": " + FirstLine(output)) +
                 "; the report was written without charts.";
      set.charts.clear();
      fs::remove_all(charts_dir, ignored);
      return set;
    }
    set.charts.push_back({spec.title, spec.stem, spec.caption, ReadFileBytes(svg)});
  }
  return set;
}

}  // namespace qlab::report
