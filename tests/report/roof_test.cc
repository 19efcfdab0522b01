// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The roof rule on fabricated qlab-bench JSON: roof_fraction = measured ÷ min(compute peak of the
// kernel family's instruction, bandwidth of the working set's memory level ÷ bytes per MAC);
// above 1.05 it is null with the reason; a missing probe gives null with the reason; probes count
// at their best repetition, kernels at their median; the CV column.
#define BOOST_TEST_MODULE report_roof
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/temp_dir.h"
#include "qlab/io/atomic_file.h"
#include "qlab/report/report.h"

using json = nlohmann::json;
using namespace qlab::report;
using qlab::testing::TempDir;

namespace {

// Caches: L1d 48 KiB, L2 1 MiB, L3 32 MiB (as qlab-bench records them), VNNI.
json Context() {
  return {{"host_name", "fab"},
          {"qlab_cpu_model", "Fabricated CPU"},
          {"qlab_hwy_target", "AVX3_DL"},
          {"qlab_cache_l1d_bytes", "49152"},
          {"qlab_cache_l1d_source", "cpuid"},
          {"qlab_cache_l2_bytes", "1048576"},
          {"qlab_cache_l2_source", "cpuid"},
          {"qlab_cache_l3_bytes", "33554432"},
          {"qlab_cache_l3_source", "default"},
          {"qlab_int8_instruction", "vpdpbusd"}};
}

// One repetition of a kernel: `macs` and `bytes` per call at `macs_per_second`.
json Kernel(const std::string& name, double macs, double bytes_read, double bytes_written,
            double macs_per_second) {
  const double seconds = macs / macs_per_second;
  json b = {{"name", name},
            {"run_name", name},
            {"run_type", "iteration"},
            {"time_unit", "ns"},
            {"real_time", seconds * 1e9},
            {"cpu_time", seconds * 1e9},
            {"bytes_per_second", (bytes_read + bytes_written) / seconds},
            {"items_per_second", macs_per_second},
            {"bytes_read", bytes_read},
            {"working_set_bytes", bytes_read + bytes_written},
            {"macs", macs}};
  if (bytes_written > 0) b["bytes_written"] = bytes_written;
  return b;
}

// One repetition of membw/read/<bytes> at `bytes_per_second`.
json Read(uint64_t bytes, double bytes_per_second) {
  const std::string name = "membw/read/" + std::to_string(bytes);
  const double seconds = static_cast<double>(bytes) / bytes_per_second;
  return {{"name", name},
          {"run_name", name},
          {"run_type", "iteration"},
          {"time_unit", "ns"},
          {"real_time", seconds * 1e9},
          {"cpu_time", seconds * 1e9},
          {"bytes_per_second", bytes_per_second},
          {"items_per_second", bytes_per_second / 8},
          {"bytes_read", static_cast<double>(bytes)},
          {"working_set_bytes", static_cast<double>(bytes)}};
}

json Peak(const std::string& kernel, double macs_per_second) {
  const std::string name = kernel + "/hwy/16";
  return {{"name", name},
          {"run_name", name},
          {"run_type", "iteration"},
          {"time_unit", "ns"},
          {"real_time", 1e4},
          {"cpu_time", 1e4},
          {"items_per_second", macs_per_second},
          {"macs", macs_per_second * 1e-5}};
}

// Numbered as Google Benchmark numbers them: each run's repetitions 0, 1, 2, ...
json Numbered(json benchmarks) {
  std::map<std::string, int> next;
  for (json& b : benchmarks) b["repetition_index"] = next[b["run_name"].get<std::string>()]++;
  return benchmarks;
}

BenchGroup Load(const TempDir& dir, const json& benchmarks) {
  const json file = {{"context", Context()}, {"benchmarks", Numbered(benchmarks)}};
  return LoadBenchFile(dir.Write("bench.json", file.dump()));
}

const BenchRow& Row(const BenchGroup& g, const std::string& name) {
  for (const auto& r : g.rows) {
    if (r.name == name) return r;
  }
  BOOST_FAIL("no row " + name);
  return g.rows.front();
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

json Fabricated() {
  json b = json::array();
  // Probes: the L1 read probe's repetitions 300, 400, 350 GB/s (its best, 400, is the roof); L2
  // 200; DRAM 25; no L3 probe. Peaks: FMA 100 G MACs/s, vpdpbusd 400 (best of 300, 400).
  for (double bw : {300e9, 400e9, 350e9}) b.push_back(Read(24576, bw));
  b.push_back(Read(524288, 200e9));
  b.push_back(Read(268435456, 25e9));
  b.push_back(Peak("peak_fma_f32", 100e9));
  b.push_back(Peak("peak_dpbusd_u8i8", 300e9));
  b.push_back(Peak("peak_dpbusd_u8i8", 400e9));
  // dot_f32 at 2048 (16 KiB: L1): min(100, 400 / 8 = 50) = 50; median of 30, 40, 45 = 40 → 0.8.
  for (double r : {30e9, 45e9, 40e9}) b.push_back(Kernel("dot_f32/hwy/2048", 2048, 16384, 0, r));
  // dot_u8i8 at 8192 (16 KiB: L1): min(400, 400 / 2 = 200) = 200; 250 measured → 1.25: invalid.
  b.push_back(Kernel("dot_u8i8/hwy/8192", 8192, 16384, 0, 250e9));
  // dot_u8i8 at 4096 in L1 against a compute-bound roof: bytes per MAC 0.5 (as if it reused
  // its inputs) → memory 800, compute 400 → 400; 360 measured → 0.9, bound by compute.
  b.push_back(Kernel("dot_u8i8/hwy/4096", 8192, 4096, 0, 360e9));
  // dot_f32 at 1 Mi elements (8 MiB: L3): no L3 probe in the run → null with the reason.
  b.push_back(Kernel("dot_f32/hwy/1048576", 1048576, 8388608, 0, 2e9));
  // gemv_f32 at 10M rows (DRAM, writes y): 25 GB/s ÷ 4.5 B/MAC; at 5 G MACs/s → 0.9.
  b.push_back(Kernel("gemv_f32/hwy/10000000", 8e7, 3.2e8, 4e7, 5e9));
  return b;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_fraction_within_the_roof_is_measured_over_the_attainable) {
  TempDir dir;
  const BenchGroup g = Load(dir, Fabricated());
  BOOST_REQUIRE(g.l1d && g.l2 && g.l3);
  BOOST_TEST(g.l3->source == "default");
  const BenchRow& f32 = Row(g, "dot_f32/hwy/2048");
  BOOST_TEST(*f32.level == 1);
  BOOST_TEST(f32.roof_probe == "membw/read/24576");
  BOOST_TEST(*f32.roof_bytes_per_second == 400e9);  // the best repetition, not the median
  BOOST_TEST(f32.roof_peak_probe == "peak_fma_f32/hwy/16");
  BOOST_TEST(f32.roof_bound == "memory");
  BOOST_TEST(*f32.roof_attainable == 50e9, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(*f32.roof_fraction == 0.8, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(f32.roof_invalid.empty());
  BOOST_TEST(*f32.macs_per_byte == 0.125);
  // CV of 30, 45, 40 G/s: sample sd 7.637626 over mean 38.333.
  BOOST_TEST(*f32.cv == std::sqrt(175.0 / 3) / (115.0 / 3), boost::test_tools::tolerance(1e-9));

  const BenchRow& bound = Row(g, "dot_u8i8/hwy/4096");
  BOOST_TEST(bound.roof_bound == "compute");
  BOOST_TEST(bound.roof_peak_probe == "peak_dpbusd_u8i8/hwy/16");
  BOOST_TEST(*bound.roof_peak_macs_per_second == 400e9);  // best of the two peak repetitions
  BOOST_TEST(*bound.roof_fraction == 0.9, boost::test_tools::tolerance(1e-12));

  const BenchRow& gemv = Row(g, "gemv_f32/hwy/10000000");
  BOOST_TEST(*gemv.level == 4);
  BOOST_TEST(gemv.roof_probe == "membw/read/268435456");
  BOOST_TEST(*gemv.roof_fraction == 5e9 / (25e9 / 4.5), boost::test_tools::tolerance(1e-12));
}

BOOST_AUTO_TEST_CASE(a_fraction_above_1_05_is_null_with_the_probe_and_figures) {
  TempDir dir;
  const BenchGroup g = Load(dir, Fabricated());
  const BenchRow& r = Row(g, "dot_u8i8/hwy/8192");
  BOOST_TEST(!r.roof_fraction.has_value());
  BOOST_TEST_MESSAGE(r.roof_invalid);
  BOOST_TEST(Has(r.roof_invalid, "1.25×"), r.roof_invalid);
  BOOST_TEST(Has(r.roof_invalid, "membw/read/24576"), r.roof_invalid);
  BOOST_TEST(Has(r.roof_invalid, "peak_dpbusd_u8i8/hwy/16"), r.roof_invalid);
  BOOST_TEST(Has(r.roof_invalid, "400 GB/s"), r.roof_invalid);
  BOOST_TEST(Has(r.roof_invalid, "250 G MACs/s"), r.roof_invalid);

  // report.json: null and the reason; Markdown and HTML print the reason, not a percentage.
  ReportInputs in;
  in.machine = DetectMachine();
  in.name = "roof";
  in.bench.push_back(g);
  PrepareBenchGroups(in.bench, in.machine);
  const json j = BuildReportJson(in);
  bool seen = false;
  for (const auto& row : j["bench"][0]["rows"]) {
    if (row["name"] != "dot_u8i8/hwy/8192") continue;
    seen = true;
    BOOST_TEST(row["roof_fraction"].is_null());
    BOOST_TEST(row["roof_invalid"].get<std::string>() == r.roof_invalid);
  }
  BOOST_TEST(seen);
  BOOST_TEST(j["bench"][0]["caches"]["l3"]["source"] == "default");
  const std::string md = RenderMarkdown(in, ChartSet{});
  BOOST_TEST(Has(md, "no roof: " + r.roof_invalid));
  BOOST_TEST(Has(md, "| 80% |"));  // the valid row keeps its number
  const std::string html = RenderHtml(in, ChartSet{});
  BOOST_TEST(Has(html, "no roof: measured 250 G MACs/s is 1.25×"));
}

BOOST_AUTO_TEST_CASE(a_missing_probe_gives_null_with_the_reason) {
  TempDir dir;
  const BenchGroup g = Load(dir, Fabricated());
  const BenchRow& l3 = Row(g, "dot_f32/hwy/1048576");
  BOOST_TEST(*l3.level == 3);
  BOOST_TEST(!l3.roof_fraction.has_value());
  BOOST_TEST(Has(l3.roof_invalid, "no membw/read probe with its working set in L3"),
             l3.roof_invalid);

  // Without the FMA peak the f32 rows have no compute roof: null, naming the probe looked for.
  json b = json::array();
  for (const auto& e : Fabricated()) {
    if (e["name"] != "peak_fma_f32/hwy/16") b.push_back(e);
  }
  TempDir other;
  const BenchGroup h = Load(other, b);
  const BenchRow& f32 = Row(h, "dot_f32/hwy/2048");
  BOOST_TEST(!f32.roof_fraction.has_value());
  BOOST_TEST(Has(f32.roof_invalid, "peak_fma_f32"), f32.roof_invalid);

  // Without cache sizes in the context, no row has a level.
  json file = {{"context", {{"host_name", "fab"}}}, {"benchmarks", Numbered(Fabricated())}};
  TempDir third;
  const BenchGroup k = LoadBenchFile(third.Write("bench.json", file.dump()));
  BOOST_TEST(!Row(k, "dot_f32/hwy/2048").roof_fraction.has_value());
  BOOST_TEST(Has(Row(k, "dot_f32/hwy/2048").roof_invalid, "no cache sizes"));
}

BOOST_AUTO_TEST_CASE(the_report_draws_a_roofline_chart) {
  TempDir dir;
  ReportInputs in;
  in.machine = DetectMachine();
  in.name = "roof";
  in.bench.push_back(Load(dir, Fabricated()));
  PrepareBenchGroups(in.bench, in.machine);
  const ReportOutput out = WriteReport(in, dir.File("r"));
  if (!out.charts_note.empty()) {
    BOOST_TEST_MESSAGE("charts skipped: " << out.charts_note);
    return;
  }
  const std::string md = qlab::io::ReadFileBytes(out.dir + "/report.md");
  BOOST_TEST(Has(md, "](charts/roofline.svg)"));
  const std::string svg = qlab::io::ReadFileBytes(out.dir + "/charts/roofline.svg");
  // The compute roofs and one bandwidth roof per measured level are in its key.
  for (const char* title : {"peak_fma_f32 100 G MACs/s", "peak_dpbusd_u8i8 400 G MACs/s",
                            "L1 400 GB/s", "L2 200 GB/s", "DRAM 25 GB/s", "dot_f32 hwy"}) {
    BOOST_TEST(Has(svg, title), title);
  }
  BOOST_TEST(!Has(svg, "L3 "));  // no L3 probe: no L3 roof
  const std::string png = qlab::io::ReadFileBytes(out.dir + "/charts/roofline.png");
  BOOST_TEST(png.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
}

// The throughput chart's lines: a line never joins two neighbouring sizes more than one memory
// level apart (nothing was measured between them), and joins the neighbours that are not. Read
// from the gnuplot script itself (its inline data blocks: an empty line is a break), which a
// recording wrapper around the real gnuplot keeps.
BOOST_AUTO_TEST_CASE(a_chart_line_breaks_where_it_would_skip_a_memory_level) {
  TempDir dir;
  const std::string saved = dir.File("throughput_dot_f32.gp");
  const std::string wrapper = dir.Write("gnuplot-recorder",
                                        "#!/bin/sh\n"
                                        "case \"$1\" in *throughput_dot_f32.gp) cp \"$1\" '" +
                                            saved + "' ;; esac\nexec gnuplot \"$@\"\n");
  BOOST_REQUIRE(::chmod(wrapper.c_str(), 0755) == 0);
  json b = json::array();
  b.push_back(Read(24576, 400e9));
  // hwy: L1 (16 KiB), L3 (2 MiB), DRAM (256 MiB): a break between L1 and L3 only.
  // auto: L1, L2 (512 KiB), L3, DRAM: one unbroken line.
  for (const double n : {2048.0, 262144.0, 33554432.0}) {
    b.push_back(Kernel("dot_f32/hwy/" + std::to_string(static_cast<long>(n)), n, 8 * n, 0, 4e9));
  }
  for (const double n : {2048.0, 65536.0, 262144.0, 33554432.0}) {
    b.push_back(Kernel("dot_f32/auto/" + std::to_string(static_cast<long>(n)), n, 8 * n, 0, 2e9));
  }
  ReportInputs in;
  in.machine = DetectMachine();
  in.name = "lines";
  in.bench.push_back(Load(dir, b));
  PrepareBenchGroups(in.bench, in.machine);
  BOOST_REQUIRE(::setenv("QLAB_GNUPLOT", wrapper.c_str(), 1) == 0);
  const ReportOutput out = WriteReport(in, dir.File("r"));
  ::unsetenv("QLAB_GNUPLOT");
  BOOST_REQUIRE_MESSAGE(out.charts_note.empty(), out.charts_note);  // gnuplot is a dependency
  const std::string script = qlab::io::ReadFileBytes(saved);
  // The data blocks in series order: auto ($d0), hwy ($d1), then the roof.
  auto block = [&](const std::string& id) {
    const size_t begin = script.find(id + " << EOD\n");
    BOOST_REQUIRE(begin != std::string::npos);
    const size_t data = begin + id.size() + 8;
    return script.substr(data, script.find("EOD\n", data) - data);
  };
  const std::string auto_lines = block("$d0");
  const std::string hwy_lines = block("$d1");
  BOOST_TEST(auto_lines.find("\n\n") == std::string::npos, auto_lines);
  BOOST_TEST(std::count(auto_lines.begin(), auto_lines.end(), '\n') == 4, auto_lines);
  // hwy: 16384 B, break, 2 MiB, 256 MiB (no break between L3 and DRAM: neighbouring levels).
  BOOST_TEST(hwy_lines.rfind("16384 ", 0) == 0, hwy_lines);
  BOOST_TEST(hwy_lines.find("\n\n2097152 ") != std::string::npos, hwy_lines);
  BOOST_TEST(hwy_lines.find("\n268435456 ") != std::string::npos, hwy_lines);
  BOOST_TEST(hwy_lines.find("\n\n268435456 ") == std::string::npos, hwy_lines);
}
