// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// `qlab check` run as a program: it must pass an unchanged report, fail (exit 1) a metric nudged
// past its tolerance, pass one nudged inside it, and reject bad input with exit 2.
#define BOOST_TEST_MODULE check
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "qlab/io/atomic_file.h"
#include "qlab/io/json_document.h"
#include "qlab/report/gate.h"
#include "qlab/report/report.h"

namespace fs = std::filesystem;
using json = nlohmann::json;
using namespace qlab::report;
using qlab::io::JsonDocument;
using qlab::io::PositionOfOffset;
using qlab::io::ReadFileBytes;

namespace {

const std::string kQlab = QLAB_TEST_QLAB;  // or its emulator wrapper (tests/CMakeLists.txt)
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

// A report made from several bench files names each group's speed metrics "ID@LABEL". Against a
// baseline of one group, each of them is judged as ID: merging a slow run with itself or with a
// fast one passed (the baseline's metric "skipped: not measured", the groups' "new").
BOOST_AUTO_TEST_CASE(every_bench_group_of_a_merged_report_is_judged) {
  Fixture f;
  const std::string bench = kData + "bench_zen5.json";
  json slow_bench = f.Load(bench);
  for (auto& row : slow_bench["benchmarks"]) {
    if (row.value("run_name", "") == "dot_u8i8/hwy/4096") {
      row["items_per_second"] = row["items_per_second"].get<double>() / 50;
      if (row.contains("bytes_per_second")) {
        row["bytes_per_second"] = row["bytes_per_second"].get<double>() / 50;
      }
      row["real_time"] = row["real_time"].get<double>() * 50;
      row["cpu_time"] = row["cpu_time"].get<double>() * 50;
    }
  }
  const std::string slow = (f.dir / "slow_bench.json").string();
  f.Save(slow, slow_bench);
  const std::string accuracy = " --accuracy " + kData + "train.json --accuracy " + kData +
                               "quantize_8bit.json --accuracy " + kData + "quantize_sweep.jsonl";
  for (const auto& [name, files] : std::vector<std::pair<std::string, std::string>>{
           {"slow_twice", " --bench " + slow + " --bench " + slow},
           {"fast_and_slow", " --bench " + bench + " --bench " + slow}}) {
    const std::string out = (f.dir / name).string();
    const Result r = f.Run("report --no-charts --out " + out + accuracy + files);
    BOOST_REQUIRE_MESSAGE(r.code == 0, r.err);
    const Result c = f.Run("check --baseline " + f.baseline + " --current " + out + "/report.json");
    BOOST_TEST(c.code == 1, name << ": " << c.out << c.err);
    BOOST_TEST(c.out.find("speed/dot_u8i8/hwy/4096/speedup_vs_f32@") != std::string::npos, c.out);
    BOOST_TEST(c.out.find("REGRESSION") != std::string::npos, c.out);
    BOOST_TEST(c.out.find("new (not in baseline)") == std::string::npos, c.out);
  }
  // Two copies of the unchanged file: every group within its band.
  const std::string out = (f.dir / "same_twice").string();
  BOOST_REQUIRE(f.Run("report --no-charts --out " + out + accuracy + " --bench " + bench +
                      " --bench " + bench)
                    .code == 0);
  const Result c = f.Run("check --baseline " + f.baseline + " --current " + out + "/report.json");
  BOOST_TEST(c.code == 0, c.out << c.err);
  BOOST_TEST(c.out.find("skipped: not measured") == std::string::npos, c.out);
}

BOOST_AUTO_TEST_CASE(a_speed_regression_counts_only_if_the_confirming_run_reproduces_it) {
  Fixture f;
  const auto with_ratio = [&](const std::string& name, double factor) {
    json j = f.Load(f.report);
    for (auto& row : j["bench"][0]["rows"]) {
      if (row["name"] == "dot_u8i8/hwy/4096") {
        row["speedup_vs_f32"] = row["speedup_vs_f32"].get<double>() * factor;
      }
    }
    const std::string path = (f.dir / name).string();
    f.Save(path, j);
    return path;
  };
  const std::string slow = with_ratio("slow.json", 0.5);
  const std::string slow_again = with_ratio("slow_again.json", 0.4);
  const std::string steady = with_ratio("steady.json", 0.9);
  const std::string metric = "speed/dot_u8i8/hwy/4096/speedup_vs_f32";

  const Result transient =
      f.Run("check --baseline " + f.baseline + " --current " + slow + " --confirm " + steady);
  BOOST_TEST(transient.code == 0, transient.out);
  BOOST_TEST(transient.out.find("ok: did not reproduce") != std::string::npos, transient.out);
  BOOST_TEST(transient.out.find("0 regression(s)") != std::string::npos, transient.out);

  const Result reproduced =
      f.Run("check --baseline " + f.baseline + " --current " + slow + " --confirm " + slow_again);
  BOOST_TEST(reproduced.code == 1, reproduced.out);
  BOOST_TEST(reproduced.out.find("REGRESSION, reproduced (") != std::string::npos, reproduced.out);
  BOOST_TEST(reproduced.out.find(metric) != std::string::npos);

  // Accuracy is deterministic: a confirming run cannot excuse it.
  const double tol = f.Tolerance("accuracy/float/test_r2");
  const std::string worse = f.Nudged("float", "test_r2", -2 * tol);
  const Result accuracy =
      f.Run("check --baseline " + f.baseline + " --current " + worse + " --confirm " + f.report);
  BOOST_TEST(accuracy.code == 1, accuracy.out);

  // --confirm with --update is refused as a usage error.
  const Result both = f.Run("check --update --baseline " + f.baseline + " --current " + slow +
                            " --confirm " + steady);
  BOOST_TEST(both.code == 2, both.err);
  BOOST_TEST(both.out.empty());
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

  // --update never writes a null into the baseline: the number it had is kept and listed, so the
  // next run is still judged against it; --drop-unmeasured removes it on purpose.
  const double before =
      f.Load(baseline)["metrics"]["speed/dot_u8i8/hwy/67108864/roof_fraction"]["value"];
  const Result again = f.Run("check --update --baseline " + baseline + " --current " + nulled);
  BOOST_TEST(again.code == 0, again.err);
  BOOST_TEST(again.out.find("kept speed/dot_u8i8/hwy/67108864/roof_fraction") != std::string::npos,
             again.out);
  BOOST_TEST(again.out.find("null in the report: no membw/read probe") != std::string::npos,
             again.out);
  BOOST_TEST(f.Load(baseline)["metrics"]["speed/dot_u8i8/hwy/67108864/roof_fraction"]["value"]
                 .get<double>() == before);
  BOOST_TEST(f.Run("check --baseline " + baseline + " --current " + nulled).code == 1);
  const Result dropped =
      f.Run("check --update --drop-unmeasured --baseline " + baseline + " --current " + nulled);
  BOOST_TEST(dropped.code == 0, dropped.err);
  BOOST_TEST(dropped.out.find("removed speed/dot_u8i8/hwy/67108864/roof_fraction (null in the "
                              "report") != std::string::npos,
             dropped.out);
  BOOST_TEST(!f.Load(baseline)["metrics"].contains("speed/dot_u8i8/hwy/67108864/roof_fraction"));
}

BOOST_AUTO_TEST_CASE(update_keeps_what_the_report_did_not_measure) {
  // A report made with --no-bench, and one without a scheme's entry: an update from it must not
  // quietly stop gating the speed metrics or that scheme.
  Fixture f;
  const json full = f.Load(f.baseline)["metrics"];
  json j = f.Load(f.report);
  j.erase("bench");
  std::string erased_scheme;
  for (auto it = j["accuracy"].begin(); it != j["accuracy"].end(); ++it) {
    if (it.key() != "float") {
      erased_scheme = it.key();
      break;
    }
  }
  BOOST_REQUIRE(!erased_scheme.empty());
  j["accuracy"].erase(erased_scheme);
  const std::string partial = (f.dir / "partial.json").string();
  f.Save(partial, j);
  const Result u = f.Run("check --update --baseline " + f.baseline + " --current " + partial);
  BOOST_REQUIRE_MESSAGE(u.code == 0, u.err);
  BOOST_TEST(f.Load(f.baseline)["metrics"] == full);  // nothing measured changed, nothing lost
  size_t speed = 0, scheme = 0;
  for (const auto& [id, m] : full.items()) {
    if (id.rfind("speed/", 0) == 0) ++speed;
    if (id.rfind("accuracy/" + erased_scheme + "/", 0) == 0) ++scheme;
  }
  BOOST_TEST(speed > 0u);
  BOOST_TEST(scheme > 0u);
  size_t kept = 0;
  for (size_t at = u.out.find("  kept "); at != std::string::npos;
       at = u.out.find("  kept ", at + 1)) {
    ++kept;
  }
  BOOST_TEST(kept == speed + scheme, u.out);
  BOOST_TEST(u.out.find("absent from the report") != std::string::npos, u.out);
  BOOST_TEST(f.Run("check --baseline " + f.baseline + " --current " + f.report).code == 0);

  const Result dropped =
      f.Run("check --update --drop-unmeasured --baseline " + f.baseline + " --current " + partial);
  BOOST_REQUIRE_MESSAGE(dropped.code == 0, dropped.err);
  BOOST_TEST(f.Load(f.baseline)["metrics"].size() == full.size() - speed - scheme);
  // --drop-unmeasured means nothing without --update.
  BOOST_TEST(
      f.Run("check --drop-unmeasured --baseline " + f.baseline + " --current " + f.report).code ==
      2);
}

BOOST_AUTO_TEST_CASE(bad_input_exits_2_with_one_line_and_no_stdout) {
  Fixture f;
  // The direction belongs to the key: a baseline that flips it would pass every drop of an R² (or
  // of a speedup) as "improved".
  for (const auto& [id, flipped] :
       std::vector<std::pair<std::string, std::string>>{{"accuracy/float/test_r2", "lower"},
                                                        {"accuracy/float/test_mse", "higher"},
                                                        {"accuracy/float/test_r2", "equal"}}) {
    json b = f.Load(f.baseline);
    if (!b["metrics"].contains(id)) continue;
    b["metrics"][id]["direction"] = flipped;
    const std::string path = (f.dir / "flipped.json").string();
    f.Save(path, b);
    const Result r = f.Run("check --baseline " + path + " --current " + f.report);
    BOOST_TEST(r.code == 2, id << " " << flipped << ": " << r.out << r.err);
    BOOST_TEST(r.out.empty());
    BOOST_TEST(r.err.find("only tolerances may be edited") != std::string::npos, r.err);
  }
  {
    json b = f.Load(f.baseline);
    int flipped_speed = 0;
    for (auto& [id, entry] : b["metrics"].items()) {
      if (id.rfind("speed/", 0) == 0) {
        entry["direction"] = "lower";
        ++flipped_speed;
      }
    }
    BOOST_TEST(flipped_speed > 0);
    const std::string path = (f.dir / "flipped_speed.json").string();
    f.Save(path, b);
    const Result r = f.Run("check --baseline " + path + " --current " + f.report);
    BOOST_TEST(r.code == 2, r.out << r.err);
    BOOST_TEST(r.err.find("is gated \"higher\"") != std::string::npos, r.err);
  }

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

// ---- the gate's own inputs (issue 12, class 10) ------------------------------------------------

namespace {

CheckMetric Accuracy(const std::string& id, double value, double tolerance,
                     const std::string& direction) {
  CheckMetric m;
  m.id = id;
  m.kind = "accuracy";
  m.direction = direction;
  m.value = value;
  m.tolerance = tolerance;
  return m;
}

bool Regressed(const CheckMetric& baseline, double current) {
  CheckMetric now = baseline;
  now.value = current;
  return CompareWithBaseline({baseline}, {now}).regressions > 0;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_value_exactly_at_baseline_plus_or_minus_the_tolerance_passes) {
  // Representable edges: 1 ± 0.25.
  BOOST_TEST(!Regressed(Accuracy("accuracy/a/x", 1.0, 0.25, "lower"), 1.25));
  BOOST_TEST(!Regressed(Accuracy("accuracy/a/x", 1.0, 0.25, "higher"), 0.75));
  BOOST_TEST(!Regressed(Accuracy("accuracy/a/x", 1.0, 0.25, "equal"), 1.25));
  BOOST_TEST(!Regressed(Accuracy("accuracy/a/x", 1.0, 0.25, "equal"), 0.75));
  // Decimal edges the doubles round inwards: 0.7 + 0.1 is 0.7999999999999999 < 0.8, and
  // 0.3 - 0.2 is 0.09999999999999998 < 0.1.
  BOOST_TEST(!Regressed(Accuracy("accuracy/a/x", 0.7, 0.1, "lower"), 0.8));
  BOOST_TEST(!Regressed(Accuracy("accuracy/a/x", 0.7, 0.1, "equal"), 0.8));
  BOOST_TEST(!Regressed(Accuracy("accuracy/a/x", 0.3, 0.2, "higher"), 0.1));
  // Speed: a relative tolerance; 2 falling by 40% is 1.2.
  CheckMetric speed = Accuracy("speed/k/hwy/64/speedup_vs_ref", 2.0, 0.4, "higher");
  speed.kind = "speed";
  BOOST_TEST(!Regressed(speed, 1.2));
  // Just past the edge is a regression, however small the excess that is not rounding.
  BOOST_TEST(Regressed(Accuracy("accuracy/a/x", 1.0, 0.25, "lower"), 1.2500001));
  BOOST_TEST(Regressed(Accuracy("accuracy/a/x", 0.7, 0.1, "lower"), 0.8000001));
  BOOST_TEST(Regressed(Accuracy("accuracy/a/x", 1.0, 0.25, "higher"), 0.7499999));
  BOOST_TEST(Regressed(speed, 1.1999999));
  // A zero tolerance is exact equality: the next double is a change.
  BOOST_TEST(!Regressed(Accuracy("accuracy/a/x", 0.7, 0.0, "equal"), 0.7));
  BOOST_TEST(Regressed(Accuracy("accuracy/a/x", 0.7, 0.0, "equal"), std::nextafter(0.7, 1.0)));
}

// The lower edge (baseline − tolerance) of a higher-is-better metric where the subtraction
// rounds upwards, against the metric: 0.8 − 0.1 is 0.7000000000000001 > 0.7, and a speedup of 1.1
// falling by 10% is 1.1 − 0.11000000000000001 = 0.9900000000000001 > 0.99. A value at the decimal
// edge is inside the band, one just beyond it is a regression; likewise the lower edge of an
// equal-metric and the upper edge of a lower-is-better one.
BOOST_AUTO_TEST_CASE(decimal_edges_rounded_against_the_metric_pass_for_both_directions) {
  BOOST_TEST(!Regressed(Accuracy("accuracy/a/r2", 0.8, 0.1, "higher"), 0.7));
  BOOST_TEST(Regressed(Accuracy("accuracy/a/r2", 0.8, 0.1, "higher"), 0.6999999));
  BOOST_TEST(!Regressed(Accuracy("accuracy/a/r2", 0.8, 0.1, "equal"), 0.7));
  BOOST_TEST(Regressed(Accuracy("accuracy/a/r2", 0.8, 0.1, "equal"), 0.6999999));
  CheckMetric speed = Accuracy("speed/k/hwy/64/speedup_vs_ref", 1.1, 0.1, "higher");
  speed.kind = "speed";
  BOOST_TEST(!Regressed(speed, 0.99));
  BOOST_TEST(Regressed(speed, 0.9899999));
  // Lower is better: the upper edge where the sum rounds against it, 2.3 + 0.05 is
  // 2.3499999999999996 < 2.35.
  BOOST_TEST(!Regressed(Accuracy("accuracy/a/mse", 2.3, 0.05, "lower"), 2.35));
  BOOST_TEST(Regressed(Accuracy("accuracy/a/mse", 2.3, 0.05, "lower"), 2.3500001));
  // Beyond the band on the good side is an improvement, never a regression.
  BOOST_TEST(!Regressed(Accuracy("accuracy/a/r2", 0.8, 0.1, "higher"), 0.95));
  BOOST_TEST(!Regressed(Accuracy("accuracy/a/mse", 1.1, 0.2, "lower"), 0.5));
}

BOOST_AUTO_TEST_CASE(a_baseline_without_metrics_is_bad_input) {
  Fixture f;
  std::ofstream(f.baseline)
      << "{\"format\": \"qlab-baseline\", \"version\": 1,\n \"metrics\": {}}\n";
  const Result r = f.Run("check --baseline " + f.baseline + " --current " + f.report);
  BOOST_TEST(r.code == 2, r.out << r.err);
  BOOST_TEST(r.out.empty());
  BOOST_TEST(r.err.rfind(f.baseline + ":2:", 0) == 0, r.err);
  BOOST_TEST(r.err.find("no metrics") != std::string::npos, r.err);
  BOOST_TEST(std::count(r.err.begin(), r.err.end(), '\n') == 1);
}

BOOST_AUTO_TEST_CASE(a_metric_of_the_wrong_type_is_bad_input_and_null_is_not_measured) {
  Fixture f;
  for (const json& wrong :
       {json("0.57"), json::object({{"v", 0.57}}), json::array({0.57}), json(true)}) {
    json j = f.Load(f.report);
    j["accuracy"]["float"]["test_r2"] = wrong;
    const std::string path = (f.dir / "wrong.json").string();
    f.Save(path, j);
    const Result r = f.Run("check --baseline " + f.baseline + " --current " + path);
    BOOST_TEST(r.code == 2, wrong.dump() << ": " << r.out << r.err);
    BOOST_TEST(r.out.empty());
    // FILE:LINE:COL of the value itself.
    const std::string text = ReadFileBytes(path);
    const size_t key = text.find("\"test_r2\"", text.find("\"float\""));
    BOOST_REQUIRE(key != std::string::npos);
    const auto position = PositionOfOffset(text, text.find_first_not_of(": ", key + 9));
    BOOST_TEST(r.err.rfind(path + ":" + std::to_string(position.line) + ":" +
                               std::to_string(position.column) + ": \"test_r2\" must be a number",
                           0) == 0,
               r.err);
  }
  // A bench ratio of the wrong type, too.
  json j = f.Load(f.report);
  for (auto& row : j["bench"][0]["rows"]) {
    if (row["name"] == "dot_u8i8/hwy/4096") row["speedup_vs_f32"] = "fast";
  }
  const std::string bench_path = (f.dir / "wrong_bench.json").string();
  f.Save(bench_path, j);
  const Result bench = f.Run("check --baseline " + f.baseline + " --current " + bench_path);
  BOOST_TEST(bench.code == 2, bench.out << bench.err);
  BOOST_TEST(bench.err.find("\"speedup_vs_f32\" must be a number") != std::string::npos, bench.err);

  // null: not measured, so the gate finds the metric missing (a regression, not bad input).
  json n = f.Load(f.report);
  n["accuracy"]["float"]["test_r2"] = nullptr;
  const std::string null_path = (f.dir / "null.json").string();
  f.Save(null_path, n);
  const Result null_result = f.Run("check --baseline " + f.baseline + " --current " + null_path);
  BOOST_TEST(null_result.code == 1, null_result.out << null_result.err);
  BOOST_TEST(null_result.out.find("REGRESSION: missing") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(duplicate_bench_entries_must_agree) {
  Fixture f;
  json j = f.Load(f.report);
  json& rows = j["bench"][0]["rows"];
  json copy;
  for (const auto& row : rows) {
    if (row["name"] == "dot_u8i8/hwy/4096") copy = row;
  }
  BOOST_REQUIRE(copy.is_object());
  rows.push_back(copy);  // the same values twice: nothing contradicts
  const std::string same = (f.dir / "same.json").string();
  f.Save(same, j);
  const Result agree = f.Run("check --baseline " + f.baseline + " --current " + same);
  BOOST_TEST(agree.code == 0, agree.out << agree.err);

  rows.back()["speedup_vs_f32"] = copy["speedup_vs_f32"].get<double>() * 3;  // would pass alone
  const std::string conflicting = (f.dir / "conflicting.json").string();
  f.Save(conflicting, j);
  const Result r = f.Run("check --baseline " + f.baseline + " --current " + conflicting);
  BOOST_TEST(r.code == 2, r.out << r.err);
  BOOST_TEST(r.out.empty());
  BOOST_TEST(
      r.err.find("duplicate entry for speed/dot_u8i8/hwy/4096/speedup_vs_f32") != std::string::npos,
      r.err);
  BOOST_TEST(r.err.rfind(conflicting + ":", 0) == 0, r.err);
}

BOOST_AUTO_TEST_CASE(report_name_must_be_one_plain_folder_name) {
  Fixture f;
  // Run from DIR/a/b/cwd, so that a build where the check is broken writes inside DIR.
  const fs::path cwd = f.dir / "a" / "b" / "cwd";
  fs::create_directories(cwd);
  for (const std::string name : {"../../x", "..", ".", "a/b", "/qlab-x"}) {
    const std::string err = (f.dir / "stderr").string();
    const int status =
        std::system(("cd '" + cwd.string() + "' && '" + kQlab + "' report --no-charts --name '" +
                     name + "' --accuracy " + kData + "train.json >/dev/null 2>" + err)
                        .c_str());
    const std::string text = ReadFileBytes(err);
    BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 2), name << ": " << text);
    BOOST_TEST(text.find("not one plain folder name") != std::string::npos, text);
  }
  BOOST_TEST(!fs::exists(f.dir / "a" / "x"));
  BOOST_TEST(fs::is_empty(cwd));
}

BOOST_AUTO_TEST_CASE(bench_checks_its_output_before_running) {
  Fixture f;
  const std::string file = (f.dir / "plain").string();
  std::ofstream(file) << "x";
  struct Case {
    std::string out;
    std::string message;
  };
  for (const Case& c : {Case{file + "/bench.json", "is not a folder"},
                        Case{f.dir.string(), "is a folder, not a regular file"},
                        Case{"/dev/null", "is a character device, not a regular file"}}) {
    const Result r = f.Run("bench --quiet --out " + c.out);
    BOOST_TEST(r.code == 2, c.out << ": " << r.out << r.err);
    BOOST_TEST(r.out.empty());
    BOOST_TEST(r.err.find(c.message) != std::string::npos, r.err);
    BOOST_TEST(std::count(r.err.begin(), r.err.end(), '\n') == 1, r.err);
  }
}

namespace {

bool OneLine(const Result& r) { return std::count(r.err.begin(), r.err.end(), '\n') == 1; }

}  // namespace

// A gate that compares nothing must not pass: a baseline of speed metrics only, against a report
// made without benchmarks (every metric was "skipped: not measured" or "new", exit 0), or against
// one measured on another machine; and a baseline with accuracy metrics against a report holding
// none of them. Bad input, exit 2, saying what was missing.
BOOST_AUTO_TEST_CASE(a_check_that_compares_nothing_is_bad_input) {
  Fixture f;
  json speed_only = f.Load(f.baseline);
  json accuracy_only = speed_only;
  for (auto it = speed_only["metrics"].begin(); it != speed_only["metrics"].end();) {
    it = it.key().rfind("accuracy/", 0) == 0 ? speed_only["metrics"].erase(it) : std::next(it);
  }
  for (auto it = accuracy_only["metrics"].begin(); it != accuracy_only["metrics"].end();) {
    it = it.key().rfind("speed/", 0) == 0 ? accuracy_only["metrics"].erase(it) : std::next(it);
  }
  BOOST_REQUIRE(!speed_only["metrics"].empty());
  BOOST_REQUIRE(!accuracy_only["metrics"].empty());
  const std::string speed_baseline = (f.dir / "speed_only.json").string();
  f.Save(speed_baseline, speed_only);

  // The same accuracy results, no --bench: what `qlab run --no-bench` reports.
  const Result made = f.Run("report --no-charts --name nb --out " + (f.dir / "nb").string() +
                            " --accuracy " + kData + "train.json --accuracy " + kData +
                            "quantize_8bit.json --accuracy " + kData + "quantize_sweep.jsonl");
  BOOST_REQUIRE_MESSAGE(made.code == 0, made.err);
  const std::string no_bench = (f.dir / "nb" / "report.json").string();

  const Result r = f.Run("check --baseline " + speed_baseline + " --current " + no_bench);
  BOOST_TEST(r.code == 2, r.out << r.err);
  BOOST_TEST(r.out.empty());
  BOOST_TEST(OneLine(r), r.err);
  BOOST_TEST(r.err.rfind(no_bench + ": nothing to compare: none of the baseline's " +
                             std::to_string(speed_only["metrics"].size()) + " metrics",
                         0) == 0,
             r.err);
  BOOST_TEST(r.err.find("not measured") != std::string::npos, r.err);

  // The speed-only baseline taken on another CPU: every metric skipped, nothing compared.
  json other = speed_only;
  for (auto& [id, entry] : other["metrics"].items()) entry["cpu_model"] = "Some Other CPU";
  const std::string other_baseline = (f.dir / "other_cpu.json").string();
  f.Save(other_baseline, other);
  const Result elsewhere = f.Run("check --baseline " + other_baseline + " --current " + f.report);
  BOOST_TEST(elsewhere.code == 2, elsewhere.out << elsewhere.err);
  BOOST_TEST(elsewhere.out.empty());
  BOOST_TEST(elsewhere.err.find("nothing to compare") != std::string::npos, elsewhere.err);
  BOOST_TEST(elsewhere.err.find("measured on another CPU") != std::string::npos, elsewhere.err);

  // A report with benchmarks but no accuracy results against a baseline with accuracy metrics.
  json bench_only = f.Load(f.report);
  bench_only.erase("accuracy");
  const std::string bench_report = (f.dir / "bench_only.json").string();
  f.Save(bench_report, bench_only);
  const Result no_accuracy = f.Run("check --baseline " + f.baseline + " --current " + bench_report);
  BOOST_TEST(no_accuracy.code == 2, no_accuracy.out << no_accuracy.err);
  BOOST_TEST(no_accuracy.out.empty());
  BOOST_TEST(OneLine(no_accuracy), no_accuracy.err);
  BOOST_TEST(no_accuracy.err.find("holds none of the baseline's") != std::string::npos,
             no_accuracy.err);

  // Still fine: the full baseline against the report without benchmarks (accuracy is compared,
  // speed skipped), and the speed-only baseline against the report that has them.
  const Result accuracy = f.Run("check --baseline " + f.baseline + " --current " + no_bench);
  BOOST_TEST(accuracy.code == 0, accuracy.out << accuracy.err);
  BOOST_TEST(accuracy.out.find("skipped: not measured") != std::string::npos);
  const Result speed = f.Run("check --baseline " + speed_baseline + " --current " + f.report);
  BOOST_TEST(speed.code == 0, speed.out << speed.err);
}

// A confirming run that did not measure a metric cannot excuse its regression.
BOOST_AUTO_TEST_CASE(a_confirming_run_without_the_metric_does_not_excuse_it) {
  Fixture f;
  json j = f.Load(f.report);
  for (auto& row : j["bench"][0]["rows"]) {
    if (row["name"] == "dot_u8i8/hwy/4096") {
      row["speedup_vs_f32"] = row["speedup_vs_f32"].get<double>() * 0.5;
    }
  }
  const std::string slow = (f.dir / "slow.json").string();
  f.Save(slow, j);
  json no_bench = f.Load(f.report);
  no_bench.erase("bench");
  const std::string confirm = (f.dir / "no_bench.json").string();
  f.Save(confirm, no_bench);
  const Result r =
      f.Run("check --baseline " + f.baseline + " --current " + slow + " --confirm " + confirm);
  BOOST_TEST(r.code == 1, r.out << r.err);
  BOOST_TEST(r.out.find("not measured in the confirming run") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("did not reproduce") == std::string::npos, r.out);
}

// Values outside a metric's mathematical range are not results: bad input (exit 2) at the value,
// naming the key, in the report and in the baseline; never "improved" or compared.
BOOST_AUTO_TEST_CASE(impossible_metric_values_are_bad_input_naming_the_key) {
  Fixture f;
  struct Case {
    const char* key;
    json value;
  };
  const Case accuracy[] = {
      {"test_mse", -1},       {"test_r2", 7},  {"train_r2", 1.0000001}, {"test_mae", -0.5},
      {"train_mse", -1e-300}, {"n_test", 2.5}, {"n_train", 0},
  };
  for (const Case& c : accuracy) {
    BOOST_TEST_CONTEXT(c.key << " = " << c.value.dump()) {
      json j = f.Load(f.report);
      j["accuracy"]["float"][c.key] = c.value;
      const std::string path = (f.dir / "impossible.json").string();
      f.Save(path, j);
      const Result r = f.Run("check --baseline " + f.baseline + " --current " + path);
      BOOST_TEST(r.code == 2, r.out << r.err);
      BOOST_TEST(r.out.empty());
      BOOST_TEST(OneLine(r), r.err);
      BOOST_TEST(r.err.rfind(path + ":", 0) == 0, r.err);
      BOOST_TEST(r.err.find("\"" + std::string(c.key) + "\" is ") != std::string::npos, r.err);
      BOOST_TEST(r.err.find("impossible") != std::string::npos, r.err);

      // The same value in the baseline.
      json b = f.Load(f.baseline);
      const std::string id = std::string("accuracy/float/") + c.key;
      BOOST_REQUIRE(b["metrics"].contains(id) || std::string(c.key) == "test_mae");
      if (!b["metrics"].contains(id)) continue;
      b["metrics"][id]["value"] = c.value;
      const std::string baseline = (f.dir / "impossible_baseline.json").string();
      f.Save(baseline, b);
      const Result rb = f.Run("check --baseline " + baseline + " --current " + f.report);
      BOOST_TEST(rb.code == 2, rb.out << rb.err);
      BOOST_TEST(rb.out.empty());
      BOOST_TEST(OneLine(rb), rb.err);
      BOOST_TEST(rb.err.rfind(baseline + ":", 0) == 0, rb.err);
      BOOST_TEST(rb.err.find(id + " is ") != std::string::npos, rb.err);
    }
  }
  // Speed: a speed-up of 0 or below, a roof fraction below 0 (or above the 1.05 a report nulls).
  json j = f.Load(f.report);
  for (auto& row : j["bench"][0]["rows"]) {
    if (row["name"] == "dot_u8i8/hwy/67108864") {
      row["level"] = 4;
      row["roof_fraction"] = 0.9;
      row.erase("roof_invalid");
    }
  }
  const std::string numbered = (f.dir / "numbered.json").string();
  f.Save(numbered, j);
  const std::string roof_baseline = (f.dir / "roof_baseline.json").string();
  BOOST_REQUIRE(
      f.Run("check --update --baseline " + roof_baseline + " --current " + numbered).code == 0);
  const std::string roof_id = "speed/dot_u8i8/hwy/67108864/roof_fraction";
  BOOST_REQUIRE(f.Load(roof_baseline)["metrics"].contains(roof_id));
  const Case speed[] = {{"roof_fraction", -0.25},
                        {"roof_fraction", 1.5},
                        {"speedup_vs_f32", 0},
                        {"speedup_vs_f32", -3}};
  for (const Case& c : speed) {
    BOOST_TEST_CONTEXT(c.key << " = " << c.value.dump()) {
      json bad = j;
      for (auto& row : bad["bench"][0]["rows"]) {
        if (row["name"] == (std::string(c.key) == "roof_fraction" ? "dot_u8i8/hwy/67108864"
                                                                  : "dot_u8i8/hwy/4096")) {
          row[c.key] = c.value;
        }
      }
      const std::string path = (f.dir / "impossible_speed.json").string();
      f.Save(path, bad);
      const Result r = f.Run("check --baseline " + roof_baseline + " --current " + path);
      BOOST_TEST(r.code == 2, r.out << r.err);
      BOOST_TEST(r.out.empty());
      BOOST_TEST(r.err.rfind(path + ":", 0) == 0, r.err);
      BOOST_TEST(r.err.find("\"" + std::string(c.key) + "\" is ") != std::string::npos, r.err);
    }
  }
  json b = f.Load(roof_baseline);
  b["metrics"][roof_id]["value"] = -0.5;
  f.Save(roof_baseline, b);
  const Result rb = f.Run("check --baseline " + roof_baseline + " --current " + numbered);
  BOOST_TEST(rb.code == 2, rb.out << rb.err);
  BOOST_TEST(rb.err.find(roof_id + " is -0.5") != std::string::npos, rb.err);

  // A baseline metric the gate has no such key for would be "not measured" (or missing) forever.
  for (const std::string id :
       {"accuracy/float/test_rr2", "speed/dot_u8i8/hwy/4096/speedup", "accuracy/float/intercept"}) {
    json typo = f.Load(f.baseline);
    typo["metrics"][id] = {{"value", 1},
                           {"tolerance", 0.1},
                           {"direction", "higher"},
                           {"cpu_model", "x"},
                           {"hwy_target", "y"}};
    const std::string path = (f.dir / "typo.json").string();
    f.Save(path, typo);
    const Result r = f.Run("check --baseline " + path + " --current " + f.report);
    BOOST_TEST(r.code == 2, id << ": " << r.out << r.err);
    BOOST_TEST(r.err.find("the gate has no") != std::string::npos, r.err);
  }

  // `qlab report` refuses an impossible accuracy result too, before anything is written.
  const std::string train = (f.dir / "train_r2_7.json").string();
  json t = json::parse(ReadFileBytes(kData + "train.json"));
  t["test_r2"] = 7;
  f.Save(train, t);
  const Result rep = f.Run("report --no-charts --name bad --out " + (f.dir / "bad").string() +
                           " --accuracy " + train);
  BOOST_TEST(rep.code == 2, rep.out << rep.err);
  BOOST_TEST(rep.err.find("\"test_r2\" is 7") != std::string::npos, rep.err);
  BOOST_TEST(!fs::exists(f.dir / "bad"));
}
