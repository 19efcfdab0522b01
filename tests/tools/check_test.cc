// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// `qlab check` run as a program: it must pass an unchanged report, fail (exit 1) a metric nudged
// past its tolerance, pass one nudged inside it, and reject bad input with exit 2.
#define BOOST_TEST_MODULE check
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "qlab/io/atomic_file.h"
#include "qlab/report/report.h"
#include "qlab/report/gate.h"
#include "qlab/io/json_document.h"

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace qlab::report;
using qlab::io::JsonDocument;
using qlab::io::PositionOfOffset;
using qlab::io::ReadFileBytes;

namespace {

const std::string kQlab = std::string(QLAB_BINARY_DIR) + "/tools/qlab";
const std::string kData = std::string(QLAB_TEST_DATA_DIR) + "/report/";

struct Result {
  int code = -1;
  std::string out;
  std::string err;
};

// A report.json from the fixtures and a baseline made from it by `qlab check --update`.
struct Fixture {
  fs::path dir;
  std::string report;
  std::string baseline;

  Fixture() {
    static int counter = 0;
    dir = fs::temp_directory_path() /
          ("qlab_check_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const Result r =
        Run("report --no-charts --name fixture --out " + (dir / "rep").string() + " --accuracy " +
            kData + "train.json --accuracy " + kData + "quantize_8bit.json --accuracy " + kData +
            "quantize_sweep.jsonl" + " --bench " + kData + "bench_zen5.json");
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    report = (dir / "rep" / "report.json").string();
    baseline = (dir / "baseline.json").string();
    const Result u = Run("check --update --baseline " + baseline + " --current " + report);
    BOOST_REQUIRE_MESSAGE(u.code == 0, u.err);
  }
  ~Fixture() { fs::remove_all(dir); }

  Result Run(const std::string& args) const {
    const std::string out = (dir / "stdout").string(), err = (dir / "stderr").string();
    const int status = std::system((kQlab + " " + args + " >" + out + " 2>" + err).c_str());
    Result r;
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = ReadFileBytes(out);
    r.err = ReadFileBytes(err);
    return r;
  }

  json Load(const std::string& path) const { return json::parse(ReadFileBytes(path)); }
  void Save(const std::string& path, const json& j) const { std::ofstream(path) << j.dump(2); }

  // A copy of the report with one accuracy value changed.
  std::string Nudged(const std::string& id, const std::string& key, double delta) const {
    json j = Load(report);
    j["accuracy"][id][key] = j["accuracy"][id][key].get<double>() + delta;
    std::string path = (dir / "nudged.json").string();
    Save(path, j);
    return path;
  }
  double Tolerance(const std::string& metric) const {
    return Load(baseline)["metrics"][metric]["tolerance"].get<double>();
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(an_unchanged_report_passes) {
  Fixture f;
  const Result r = f.Run("check --baseline " + f.baseline + " --current " + f.report);
  BOOST_TEST(r.code == 0, r.out << r.err);
  BOOST_TEST(r.out.find("0 regression(s)") != std::string::npos);
  BOOST_TEST(r.out.find("metric") ==
             0u);  // the header: metric, baseline, current, tolerance, verdict
  BOOST_TEST(r.out.find("accuracy/float/test_r2") != std::string::npos);
  BOOST_TEST(r.err.empty());
}

BOOST_AUTO_TEST_CASE(r2_nudged_past_its_tolerance_fails_and_inside_passes) {
  Fixture f;
  const double tol = f.Tolerance("accuracy/float/test_r2");
  BOOST_TEST(tol > 0.0);
  BOOST_TEST(tol < 0.05 / 100);  // far below a 0.05 change in R²
  const Result past = f.Run("check --baseline " + f.baseline + " --current " +
                            f.Nudged("float", "test_r2", -1.5 * tol));
  BOOST_TEST(past.code == 1, past.out);
  BOOST_TEST(past.out.find("REGRESSION") != std::string::npos);
  BOOST_TEST(past.out.find("1 regression(s)") != std::string::npos);

  const Result inside = f.Run("check --baseline " + f.baseline + " --current " +
                              f.Nudged("float", "test_r2", -0.5 * tol));
  BOOST_TEST(inside.code == 0, inside.out);
}

BOOST_AUTO_TEST_CASE(lower_is_better_metrics_fail_upwards_only) {
  Fixture f;
  const std::string id = "w8a8/8/percentile:99.99";
  const double tol = f.Tolerance("accuracy/" + id + "/p99_abs_delta");
  const Result worse = f.Run("check --baseline " + f.baseline + " --current " +
                             f.Nudged(id, "p99_abs_delta", 2 * tol));
  BOOST_TEST(worse.code == 1, worse.out);
  const Result better = f.Run("check --baseline " + f.baseline + " --current " +
                              f.Nudged(id, "p99_abs_delta", -2 * tol));
  BOOST_TEST(better.code == 0, better.out);
  BOOST_TEST(better.out.find("improved") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_missing_accuracy_metric_fails) {
  Fixture f;
  json j = f.Load(f.report);
  j["accuracy"].erase("w8/8/minmax");
  const std::string path = (f.dir / "missing.json").string();
  f.Save(path, j);
  const Result r = f.Run("check --baseline " + f.baseline + " --current " + path);
  BOOST_TEST(r.code == 1, r.out);
  BOOST_TEST(r.out.find("REGRESSION: missing") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(speed_is_compared_only_on_the_same_machine) {
  Fixture f;
  // Halve a within-run ratio: past the 40% margin.
  json j = f.Load(f.report);
  for (auto& row : j["bench"][0]["rows"]) {
    if (row["name"] == "dot_u8i8/hwy/4096") {
      row["speedup_vs_f32"] = row["speedup_vs_f32"].get<double>() * 0.5;
    }
  }
  const std::string slow = (f.dir / "slow.json").string();
  f.Save(slow, j);
  const Result same = f.Run("check --baseline " + f.baseline + " --current " + slow);
  BOOST_TEST(same.code == 1, same.out);
  BOOST_TEST(same.out.find("speed/dot_u8i8/hwy/4096/speedup_vs_f32") != std::string::npos);

  // The same slow report against a baseline taken on another CPU: skipped, not failed.
  json b = f.Load(f.baseline);
  for (auto& [id, entry] : b["metrics"].items()) {
    if (id.rfind("speed/", 0) == 0) entry["cpu_model"] = "Some Other CPU";
  }
  f.Save(f.baseline, b);
  const Result other = f.Run("check --baseline " + f.baseline + " --current " + slow);
  BOOST_TEST(other.code == 0, other.out);
  BOOST_TEST(other.out.find("skipped: different machine") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_roof_fraction_null_now_is_a_regression_not_unmeasured) {
  Fixture f;
  // A DRAM row (level 4) whose roof fraction was a number when the baseline was taken.
  json j = f.Load(f.report);
  bool found = false;
  for (auto& row : j["bench"][0]["rows"]) {
    if (row["name"] == "dot_u8i8/hwy/67108864") {
      row["level"] = 4;
      row["roof_fraction"] = 0.9;
      row.erase("roof_invalid");
      found = true;
    }
  }
  BOOST_REQUIRE(found);
  const std::string numbered = (f.dir / "numbered.json").string();
  f.Save(numbered, j);
  const std::string baseline = (f.dir / "roof_baseline.json").string();
  const Result u = f.Run("check --update --baseline " + baseline + " --current " + numbered);
  BOOST_REQUIRE_MESSAGE(u.code == 0, u.err);
  BOOST_TEST(f.Load(baseline)["metrics"].contains("speed/dot_u8i8/hwy/67108864/roof_fraction"));
  const Result same = f.Run("check --baseline " + baseline + " --current " + numbered);
  BOOST_TEST(same.code == 0, same.out);

  // Now null, with its reason: exit 1, the reason printed.
  for (auto& row : j["bench"][0]["rows"]) {
    if (row["name"] == "dot_u8i8/hwy/67108864") {
      row["roof_fraction"] = nullptr;
      row["roof_invalid"] = "no membw/read probe with its working set in DRAM in this run";
    }
  }
  const std::string nulled = (f.dir / "nulled.json").string();
  f.Save(nulled, j);
  const Result now = f.Run("check --baseline " + baseline + " --current " + nulled);
  BOOST_TEST(now.code == 1, now.out);
  BOOST_TEST(now.out.find("REGRESSION: null now (no membw/read probe with its working set in "
                          "DRAM in this run)") != std::string::npos,
             now.out);
  BOOST_TEST(now.out.find("skipped: not measured") == std::string::npos, now.out);

  // --update does not write a null into the baseline, and says so.
  const Result again = f.Run("check --update --baseline " + baseline + " --current " + nulled);
  BOOST_TEST(again.code == 0, again.err);
  BOOST_TEST((again.out + again.err).find("not written (null") != std::string::npos,
             again.out << again.err);
  BOOST_TEST(!f.Load(baseline)["metrics"].contains("speed/dot_u8i8/hwy/67108864/roof_fraction"));
}

BOOST_AUTO_TEST_CASE(bad_input_exits_2_with_one_line_and_no_stdout) {
  Fixture f;
  std::ofstream(f.baseline) << "{\"format\": \"qlab-baseline\", \"version\": 1,\n \"metrics\": {";
  const Result truncated = f.Run("check --baseline " + f.baseline + " --current " + f.report);
  BOOST_TEST(truncated.code == 2);
  BOOST_TEST(truncated.out.empty());
  BOOST_TEST(truncated.err.rfind(f.baseline + ":2:", 0) == 0, truncated.err);
  BOOST_TEST(std::count(truncated.err.begin(), truncated.err.end(), '\n') == 1);

  std::ofstream(f.baseline)
      << R"({"format": "qlab-baseline", "version": 1, "metrics": {"accuracy/float/test_r2": )"
      << R"({"value": 0.5, "tolerance": -1, "direction": "higher"}}})";
  const Result negative = f.Run("check --baseline " + f.baseline + " --current " + f.report);
  BOOST_TEST(negative.code == 2);
  BOOST_TEST(negative.err.find("tolerance must be >= 0") != std::string::npos, negative.err);

  const Result missing = f.Run("check --baseline /nonexistent/b.json --current " + f.report);
  BOOST_TEST(missing.code == 2);
  BOOST_TEST(missing.out.empty());

  const Result not_report =
      f.Run("check --baseline " + f.baseline + " --current " + kData + "train.json");
  BOOST_TEST(not_report.code == 2);
  BOOST_TEST(not_report.err.find("not a qlab report.json") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(update_keeps_edited_tolerances_and_lists_changes) {
  Fixture f;
  json b = f.Load(f.baseline);
  b["metrics"]["accuracy/float/test_r2"]["tolerance"] = 0.001;
  f.Save(f.baseline, b);
  const std::string nudged = f.Nudged("float", "test_r2", 0.01);
  const Result u = f.Run("check --update --baseline " + f.baseline + " --current " + nudged);
  BOOST_TEST(u.code == 0, u.err);
  BOOST_TEST(u.out.find("changed accuracy/float/test_r2") != std::string::npos, u.out);
  const json after = f.Load(f.baseline);
  BOOST_TEST(after["metrics"]["accuracy/float/test_r2"]["tolerance"].get<double>() == 0.001);
}

BOOST_AUTO_TEST_CASE(table_columns_line_up_by_display_width) {
  // "—" and "±" take one column but several bytes; CJK ideographs take two columns each.
  qlab::report::CheckOutcome outcome;
  outcome.rows.push_back({"r2", "—", "0.5", "± 1e-12", "new (not in baseline)", false});
  outcome.rows.push_back({"指標", "0.25", "0.5", "± 0.1", "ok", false});
  BOOST_TEST(qlab::report::FormatCheckTable(outcome) ==
             "metric  baseline  current  tolerance  verdict\n"
             "r2      —         0.5      ± 1e-12    new (not in baseline)\n"
             "指標    0.25      0.5      ± 0.1      ok\n"
             "2 metrics: 0 regression(s), 0 skipped\n");
}
