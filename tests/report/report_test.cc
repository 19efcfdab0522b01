// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE report
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "common/input_error.h"
#include "common/temp_dir.h"
#include "qlab/io/atomic_file.h"
#include "qlab/io/input_error.h"
#include "qlab/io/json_document.h"
#include "qlab/report/report.h"

namespace fs = std::filesystem;
using qlab::io::InputError;
using qlab::testing::ErrorOf;
using qlab::testing::TempDir;
using namespace qlab::report;
using qlab::io::JsonDocument;
using qlab::io::PositionOfOffset;
using qlab::io::ReadFileBytes;

namespace {

const std::string kData = std::string(QLAB_TEST_DATA_DIR) + "/report/";

std::string Slurp(const fs::path& p) { return ReadFileBytes(p.string()); }

const BenchRow& Row(const BenchGroup& g, const std::string& name) {
  for (const auto& r : g.rows) {
    if (r.name == name) return r;
  }
  BOOST_FAIL("no row " + name);
  return g.rows.front();
}

ReportInputs FixtureInputs() {
  ReportInputs in;
  in.machine = DetectMachine();
  in.name = "fixture";
  for (const char* f : {"train.json", "quantize_8bit.json", "quantize_sweep.jsonl"}) {
    for (auto& r : LoadAccuracyFile(kData + f)) AddAccuracyResult(in.accuracy, std::move(r));
  }
  in.bench.push_back(LoadBenchFile(kData + "bench_zen5.json"));
  in.bench.push_back(LoadBenchFile(kData + "bench_laptop.json"));
  PrepareBenchGroups(in.bench, in.machine);
  return in;
}

}  // namespace

BOOST_AUTO_TEST_CASE(byte_offsets_become_lines_and_columns) {
  const std::string text = "ab\ncd\n\nxyz";
  BOOST_TEST(PositionOfOffset(text, 0).line == 1u);
  BOOST_TEST(PositionOfOffset(text, 0).column == 1u);
  BOOST_TEST(PositionOfOffset(text, 4).line == 2u);
  BOOST_TEST(PositionOfOffset(text, 4).column == 2u);
  BOOST_TEST(PositionOfOffset(text, 9).line == 4u);
  BOOST_TEST(PositionOfOffset(text, 9).column == 3u);
}

BOOST_AUTO_TEST_CASE(diagnostics_stay_on_one_line) {
  const InputError e("in\nput.json", 2, 3, "bad \"x\ry\" \x7f caf\xc3\xa9");
  BOOST_TEST(e.Format() == "in\\x0aput.json:2:3: bad \"x\\x0dy\" \\x7f caf\xc3\xa9");
  BOOST_TEST(InputError("tab\there").Format() == "qlab: tab\\x09here");
}

BOOST_AUTO_TEST_CASE(syntax_errors_name_file_line_and_column) {
  TempDir dir;
  const std::string path = dir.Write("bad.json", "{\n  \"scheme\": \"w8\",\n  \"bits\": 8,,\n}\n");
  const std::string message = ErrorOf([&] { LoadAccuracyFile(path); });
  BOOST_TEST_MESSAGE(message);
  BOOST_TEST(message.rfind(path + ":3:13: not valid JSON", 0) == 0, message);
}

BOOST_AUTO_TEST_CASE(validation_errors_point_at_the_offending_value) {
  TempDir dir;
  const std::string path =
      dir.Write("q.json",
                "[{\"scheme\":\"w8\",\"bits\":8,\"test_r2\":0.5},\n"
                " {\"scheme\":\"w8a8\",\"bits\":8,\n  \"test_r2\": \"high\"}]\n");
  const std::string message = ErrorOf([&] { LoadAccuracyFile(path); });
  BOOST_TEST(message == path + ":3:14: \"test_r2\" must be a number, not string", message);

  const std::string dup = dir.Write("d.json", "{\"scheme\":\"w8\",\"bits\":8,\"bits\":7}");
  BOOST_TEST(ErrorOf([&] { LoadAccuracyFile(dup); }) == dup + ":1:25: duplicate key \"bits\"");

  // A key spelled with JSON escapes decodes to control characters; the message shows them escaped
  // so that it stays one line (a fuzzer found "n_trai\nn" printed across two lines).
  const std::string nl = dir.Write("nl.json", "{\"a\\nb\":1,\"a\\nb\":2}");
  BOOST_TEST(ErrorOf([&] { LoadAccuracyFile(nl); }) == nl + ":1:11: duplicate key \"a\\x0ab\"");

  const std::string bits = dir.Write("b.json", "{\"scheme\":\"w8\", \"bits\": 0, \"test_r2\": 1}");
  BOOST_TEST(ErrorOf([&] { LoadAccuracyFile(bits); }) ==
             bits + ":1:25: \"bits\" must be an integer from 1 to 32");

  const std::string neither = dir.Write("n.json", "{\"r2\": 1}");
  BOOST_TEST(ErrorOf([&] { LoadAccuracyFile(neither); }).rfind(neither + ":1:1: neither", 0) == 0);
}

BOOST_AUTO_TEST_CASE(json_lines_are_accepted_and_errors_keep_their_line) {
  TempDir dir;
  const std::string good =
      dir.Write("s.jsonl",
                "{\"scheme\":\"w8\",\"bits\":2,\"test_r2\":0.1}\n\n{\"scheme\":\"w8\",\"bits\":3,"
                "\"test_r2\":0.2}\n");
  const auto results = LoadAccuracyFile(good);
  BOOST_TEST(results.size() == 2u);
  BOOST_TEST(results[1].Id() == "w8/3/default");
  const std::string bad =
      dir.Write("t.jsonl",
                "{\"scheme\":\"w8\",\"bits\":2,\"test_r2\":0.1}\n{\"scheme\":\"w8\",\"bits\":\"3\","
                "\"test_r2\":0.2}\n");
  BOOST_TEST(ErrorOf([&] { LoadAccuracyFile(bad); }) ==
             bad + ":2:23: \"bits\" must be an integer, not string");
}

// `qlab run` writes quantize.json as the scheme comparison: its rows are the accuracy results
// (the float row left to train.json), and an error points into the array.
BOOST_AUTO_TEST_CASE(the_scheme_comparison_of_a_run_is_read_as_its_rows) {
  TempDir dir;
  const std::string good =
      dir.Write("quantize.json",
                "{\"schemes\":[{\"scheme\":\"float\",\"bits\":64,\"test_r2\":0.5},"
                "{\"scheme\":\"w8\",\"bits\":8,\"test_r2\":0.4},"
                "{\"scheme\":\"w8a8\",\"bits\":8,\"calibration\":\"minmax\",\"test_r2\":0.3}]}\n");
  const auto results = LoadAccuracyFile(good);
  BOOST_REQUIRE(results.size() == 2u);
  BOOST_TEST(results[0].Id() == "w8/8/default");
  BOOST_TEST(results[1].Id() == "w8a8/8/minmax");
  const std::string bad =
      dir.Write("bad.json", "{\"schemes\":[{\"scheme\":\"w8\",\"bits\":\"8\",\"test_r2\":0.4}]}\n");
  BOOST_TEST(ErrorOf([&] { LoadAccuracyFile(bad); }) ==
             bad + ":1:35: \"bits\" must be an integer, not string");
  const std::string only_float = dir.Write(
      "float.json", "{\"schemes\":[{\"scheme\":\"float\",\"bits\":64,\"test_r2\":0.5}]}\n");
  BOOST_TEST(ErrorOf([&] { LoadAccuracyFile(only_float); }).find("no quantization rows") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(unreadable_and_empty_inputs_are_input_errors) {
  BOOST_TEST(ErrorOf([] { LoadBenchFile("/nonexistent/x.json"); }) ==
             "/nonexistent/x.json: no such file");
  TempDir dir;
  const std::string empty = dir.Write("e.json", "");
  BOOST_TEST(ErrorOf([&] { LoadBenchFile(empty); }).rfind(empty + ":1:1: not valid JSON", 0) == 0);
  const std::string no_benchmarks = dir.Write("nb.json", "{\"context\": {}}");
  BOOST_TEST(ErrorOf([&] { LoadBenchFile(no_benchmarks); }) ==
             no_benchmarks + ":1:1: not a Google Benchmark JSON file (no \"benchmarks\" array)");
  const std::string bad_time =
      dir.Write("bt.json",
                "{\"benchmarks\": [{\"name\": \"dot_f32/ref/16\", \"real_time\": \"fast\", "
                "\"cpu_time\": 1}]}");
  BOOST_TEST(ErrorOf([&] { LoadBenchFile(bad_time); }) ==
             bad_time + ":1:57: \"real_time\" must be a number");
}

BOOST_AUTO_TEST_CASE(bench_rows_prefer_the_median_aggregate) {
  const BenchGroup g = LoadBenchFile(kData + "bench_zen5.json");
  // The fixture has 3 repetitions and mean/median/stddev/cv aggregates per benchmark.
  const JsonDocument doc = JsonDocument::Load(kData + "bench_zen5.json");
  double median_items = 0;
  for (const auto& b : doc.value()["benchmarks"]) {
    if (b["name"] == "dot_u8i8/hwy/4096_median") median_items = b["items_per_second"].get<double>();
  }
  BOOST_REQUIRE(median_items > 0);
  const BenchRow& r = Row(g, "dot_u8i8/hwy/4096");
  BOOST_TEST(r.statistic == "median");
  BOOST_TEST(*r.items_per_second == median_items);
  BOOST_TEST(r.kernel == "dot_u8i8");
  BOOST_TEST(r.variant == "hwy");
  BOOST_TEST(r.size == 4096u);
  const BenchRow& t = Row(g, "dot_f32/hwy:AVX3_DL/4096");
  BOOST_TEST(t.variant == "hwy:AVX3_DL");
  BOOST_TEST(g.roof.size() == 4u);
  BOOST_TEST(g.cpu_model == "AMD EPYC 9B45 (fixture)");
}

BOOST_AUTO_TEST_CASE(repetitions_without_aggregates_use_their_median) {
  TempDir dir;
  std::string rows;
  const double items[] = {3e9, 1e9, 2e9};
  int repetition = 0;
  for (double i : items) {
    rows += std::string(rows.empty() ? "" : ",") +
            "{\"name\":\"dot_f32/hwy/1000\",\"run_name\":\"dot_f32/hwy/1000\",\"run_type\":"
            "\"iteration\",\"repetition_index\":" +
            std::to_string(repetition++) +
            ",\"real_time\":1,\"cpu_time\":1,\"time_unit\":\"us\",\"items_per_second\":" +
            std::to_string(i) + "}";
  }
  const std::string path = dir.Write("r.json", "{\"benchmarks\":[" + rows + "]}");
  const BenchGroup g = LoadBenchFile(path);
  BOOST_TEST(*Row(g, "dot_f32/hwy/1000").items_per_second == 2e9);
  BOOST_TEST(Row(g, "dot_f32/hwy/1000").statistic == "median of 3");
  BOOST_TEST(Row(g, "dot_f32/hwy/1000").cpu_time_ns == 1000.0);
}

BOOST_AUTO_TEST_CASE(derived_ratios_match_the_raw_counters) {
  const BenchGroup g = LoadBenchFile(kData + "bench_zen5.json");
  const BenchRow& u8 = Row(g, "dot_u8i8/hwy/4096");
  const BenchRow& ref = Row(g, "dot_u8i8/ref/4096");
  const BenchRow& f32 = Row(g, "dot_f32/hwy/4096");
  BOOST_TEST(*u8.speedup_vs_ref == *u8.items_per_second / *ref.items_per_second);
  BOOST_TEST(*u8.speedup_vs_f32 == *u8.items_per_second / *f32.items_per_second);
  BOOST_TEST(!ref.speedup_vs_ref.has_value());
  BOOST_TEST(!f32.speedup_vs_f32.has_value());
  // 64 Mi elements of u8 and i8 = 128 MiB per iteration. This fixture predates the cache sizes
  // in the context (and the compute probes): no level, so no roof, and the row says why
  // (the rule itself: roof_test.cc).
  const BenchRow& big = Row(g, "dot_u8i8/hwy/67108864");
  BOOST_TEST(*big.working_set_bytes == *big.bytes_per_second * big.cpu_time_ns * 1e-9);
  BOOST_TEST(!big.roof_fraction.has_value());
  BOOST_TEST(big.roof_invalid.find("no cache sizes") != std::string::npos, big.roof_invalid);
}

BOOST_AUTO_TEST_CASE(conflicting_duplicate_accuracy_results_are_rejected) {
  std::vector<AccuracyResult> results;
  AddAccuracyResult(
      results, MakeAccuracyResult({{"scheme", "w8"}, {"bits", 8}, {"test_r2", 0.5}}, "a.json"));
  AddAccuracyResult(
      results, MakeAccuracyResult(
                   {{"scheme", "w8"}, {"bits", 8}, {"test_r2", 0.5}, {"sqnr_db", 50.0}}, "b.json"));
  BOOST_TEST(results.size() == 1u);
  BOOST_TEST(results[0].values["sqnr_db"].get<double>() == 50.0);
  const std::string message = ErrorOf([&] {
    AddAccuracyResult(
        results, MakeAccuracyResult({{"scheme", "w8"}, {"bits", 8}, {"test_r2", 0.4}}, "c.json"));
  });
  BOOST_TEST(message.rfind("c.json: accuracy result \"w8/8/default\" has test_r2 0.4", 0) == 0,
             message);
}

BOOST_AUTO_TEST_CASE(report_files_agree_with_their_inputs) {
  TempDir dir;
  ReportInputs in = FixtureInputs();
  in.charts = false;
  const ReportOutput out = WriteReport(in, dir.File("r"));
  BOOST_TEST(fs::exists(dir.File("r/report.md")));
  BOOST_TEST(fs::exists(dir.File("r/report.html")));
  // No temporary file or folder is left behind.
  for (const auto& entry : fs::directory_iterator(dir.File("r"))) {
    BOOST_TEST(entry.path().filename().string().find(".tmp") == std::string::npos);
  }

  const JsonDocument report = JsonDocument::Load(out.dir + "/report.json");
  const auto& j = report.value();
  BOOST_TEST(j["format"] == "qlab-report");
  BOOST_TEST(j["accuracy"]["float"]["test_r2"].get<double>() == 0.5757877060324508);
  BOOST_TEST(j["accuracy"]["w8a8/8/percentile:99.99"]["sqnr_db"].get<double>() == 26.61);
  BOOST_TEST(j["accuracy"]["w8a8/3/percentile:99.99"]["bits"].get<int>() == 3);
  BOOST_TEST(j["comparison"].size() == 4u);
  BOOST_TEST(j["bench"].size() == 2u);
  BOOST_TEST(j["machine"]["cpu_model"] == in.machine.cpu_model);

  const std::string md = Slurp(out.dir + "/report.md");
  // Accuracy row of the float model, at six significant digits.
  BOOST_TEST(md.find("| float | — | — | 0.575788 | 0.555892 |") != std::string::npos);
  BOOST_TEST(md.find("| w8a8 | 8 | percentile:99.99 | 0.575121 | 0.556766 | -0.0006671 | 0.0441 |"
                     " 0.3121 | 26.61 | 17 |") != std::string::npos);
  // Throughput row: the GB/s and G items/s of the median aggregate, and its ratios.
  const BenchRow& u8 = Row(in.bench[0], "dot_u8i8/hwy/4096");
  char gbs[32], gis[32];
  std::snprintf(gbs, sizeof gbs, "%.0f", *u8.bytes_per_second / 1e9);
  std::snprintf(gis, sizeof gis, "%.0f", *u8.items_per_second / 1e9);
  const std::string row_start =
      std::string("| dot_u8i8 | 4096 | hwy | ") + gbs + " | " + gis + " | ";
  BOOST_TEST(md.find(row_start) != std::string::npos, row_start);
  BOOST_TEST(md.find("| CPU model | " + in.machine.cpu_model + " |") != std::string::npos);
  BOOST_TEST(md.find("| git commit | ") != std::string::npos);
  BOOST_TEST(md.find("| Highway target used | " + in.machine.hwy_target + " |") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(html_is_self_contained_and_inlines_the_charts) {
  TempDir dir;
  ReportInputs in = FixtureInputs();
  const ReportOutput out = WriteReport(in, dir.File("r"));
  const std::string html = Slurp(out.dir + "/report.html");
  BOOST_TEST(html.find("<!DOCTYPE html>") == 0u);
  // No fetch from anywhere: no external scripts, stylesheets, images or imports.
  for (const char* bad :
       {"<script", "<link", "src=\"http", "href=\"http", "@import", "url(http", "<img"}) {
    BOOST_TEST(html.find(bad) == std::string::npos, bad);
  }
  if (!out.charts_note.empty()) {
    BOOST_TEST_MESSAGE("charts skipped: " << out.charts_note);
    BOOST_TEST(out.charts_note.find("gnuplot") != std::string::npos);
    return;
  }
  BOOST_TEST(html.find("<svg") != std::string::npos);
  for (const char* stem :
       {"accuracy_sqnr", "accuracy_delta_r2", "throughput_dot_u8i8_zen5-lab_AVX3_DL",
        "throughput_gemv_f32_old-laptop"}) {
    const fs::path svg = fs::path(out.dir) / "charts" / (std::string(stem) + ".svg");
    const fs::path png = fs::path(out.dir) / "charts" / (std::string(stem) + ".png");
    BOOST_TEST(fs::exists(svg), stem);
    BOOST_REQUIRE(fs::exists(png));
    const std::string png_bytes = Slurp(png);
    BOOST_TEST(png_bytes.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  }
  // Each inlined chart's ids carry their own prefix, so point symbols do not collide.
  BOOST_TEST(html.find("id=\"c0_") != std::string::npos);
  BOOST_TEST(html.find("id=\"c1_") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(missing_gnuplot_gives_a_report_without_charts) {
  TempDir dir;
  ::setenv("QLAB_GNUPLOT", "/nonexistent/gnuplot", 1);
  ReportInputs in = FixtureInputs();
  const ReportOutput out = WriteReport(in, dir.File("r"));
  ::unsetenv("QLAB_GNUPLOT");
  BOOST_TEST(out.charts_note.find("gnuplot not found") != std::string::npos);
  BOOST_TEST(!fs::exists(fs::path(out.dir) / "charts"));
  BOOST_TEST(Slurp(out.dir + "/report.md").find("without charts") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(rewriting_a_report_keeps_other_files_and_replaces_charts_whole) {
  TempDir dir;
  ReportInputs in = FixtureInputs();
  const std::string target = dir.File("r");
  fs::create_directories(target);
  std::ofstream(target + "/model.json") << "{}";
  const ReportOutput first = WriteReport(in, target);
  if (first.charts_note.empty()) std::ofstream(target + "/charts/stale.svg") << "<svg/>";
  in.name = "second";
  in.charts = false;
  WriteReport(in, target);
  BOOST_TEST(fs::exists(target + "/model.json"));  // `qlab run` keeps its model beside the report
  BOOST_TEST(!fs::exists(target + "/charts"));     // no stale charts beside new tables
  BOOST_TEST(Slurp(target + "/report.md").find("# qlab report second") == 0u);
  for (const auto& entry : fs::directory_iterator(target)) {
    BOOST_TEST(entry.path().filename().string()[0] != '.', entry.path());
  }
}

// What `qlab run` hands the report: the objects train and quantize --json print, as one source.
BOOST_AUTO_TEST_CASE(run_report_takes_the_printed_json_objects) {
  TempDir dir;
  const JsonDocument train = JsonDocument::Load(kData + "train.json");
  const JsonDocument quant = JsonDocument::Load(kData + "quantize_8bit.json");
  std::vector<nlohmann::json> objects = {train.value()};
  for (const auto& q : quant.value()) objects.push_back(q);
  const auto write = [](const std::vector<nlohmann::json>& printed, const std::string& out_dir) {
    ReportInputs in;
    in.machine = DetectMachine();
    in.charts = false;
    for (const auto& object : printed) {
      AddAccuracyResult(in.accuracy, MakeAccuracyResult(object, "qlab run"));
    }
    return WriteReport(in, out_dir);
  };
  const ReportOutput out = write(objects, dir.File("run"));
  const JsonDocument report = JsonDocument::Load(out.dir + "/report.json");
  BOOST_TEST(report.value()["comparison"].size() == 4u);
  BOOST_TEST(report.value()["bench"].empty());
  BOOST_TEST(report.value()["accuracy_sources"]["float"] == "qlab run");
  BOOST_CHECK_THROW(write({nlohmann::json{{"bits", 8}}}, dir.File("x")), qlab::io::InputError);
}

BOOST_AUTO_TEST_CASE(machine_info_is_filled) {
  const MachineInfo m = DetectMachine();
  BOOST_TEST(!m.cpu_model.empty());
  BOOST_TEST(!m.hwy_target.empty());
  BOOST_TEST(!m.compiler.empty());
  BOOST_TEST(!m.build_type.empty());
  BOOST_TEST(std::regex_match(m.git_commit, std::regex("unknown|[0-9a-f]{40}")), m.git_commit);
  BOOST_TEST(std::regex_match(m.date, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  BOOST_TEST(std::regex_match(DefaultReportName(m), std::regex(R"(\d{8}T\d{6}Z-[A-Za-z0-9_.-]+)")));
}

// The outlier fallback and the packed bytes in the tables (issue 16): the comparison table shows
// the policy, the fallback rows and max |Δ| without the fallback; the sweep table max |Δ| with and
// without it, the fallback rows and the feature bytes as stored.
BOOST_AUTO_TEST_CASE(tables_show_the_fallback_and_the_packed_bytes) {
  ReportInputs in;
  in.machine = DetectMachine();
  in.name = "fallback";
  for (const int bits : {4, 8}) {
    AddAccuracyResult(in.accuracy,
                      MakeAccuracyResult({{"scheme", "w8a8"},
                                          {"bits", bits},
                                          {"calibration", "percentile:99.99"},
                                          {"test_r2", 0.5},
                                          {"outliers", "float"},
                                          {"max_abs_delta", bits == 8 ? 0.0625 : 0.75},
                                          {"integer_max_abs_delta", bits == 8 ? 6.5 : 7.25},
                                          {"fallback_rows", bits == 8 ? 4 : 44},
                                          {"feature_bytes", bits == 8 ? 33024 : 16512}},
                                         "q.json"));
  }
  const std::string md = RenderMarkdown(in, ChartSet{{}, "charts were not drawn"});
  // MarkdownCell escapes the bars of "|Δ|".
  BOOST_TEST(md.find("| memory ratio | outliers | fallback rows | \\|Δ\\| max w/o fallback |") !=
                 std::string::npos,
             md);
  BOOST_TEST(md.find("| float | 4 | 6.5 |") != std::string::npos, md);
  BOOST_TEST(md.find("| clipped rows | \\|Δ\\| max | \\|Δ\\| max w/o fallback | fallback rows | "
                     "feature bytes |") != std::string::npos,
             md);
  BOOST_TEST(md.find("| 0.75 | 7.25 | 44 | 16512 |") != std::string::npos, md);
  BOOST_TEST(md.find("| 0.0625 | 6.5 | 4 | 33024 |") != std::string::npos, md);
}
