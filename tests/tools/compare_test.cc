// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// `qlab compare` run as a program, on a real qlab-bench run with 10 repetitions
// (tests/fixtures/compare/dot_f32.json) and on files fabricated from it: a file against itself is
// "no change" everywhere with geomean exactly 1; every items_per_second scaled by 0.8 is "slower"
// everywhere with geomean 0.8 (exit 1 only with --fail-on-regression); a file without repetitions,
// bad JSON and a bad option are exit 2 with one line on stderr and nothing on stdout.
#define BOOST_TEST_MODULE compare
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "common/run_qlab.h"
#include "common/temp_dir.h"
#include "qlab/io/atomic_file.h"

using json = nlohmann::json;
using qlab::io::ReadFileBytes;
using qlab::testing::RunQlab;
using qlab::testing::RunResult;
using qlab::testing::TempDir;

namespace {

const std::string kFixture = std::string(QLAB_TEST_DATA_DIR) + "/compare/dot_f32.json";

json Fixture() { return json::parse(ReadFileBytes(kFixture)); }

// Every iteration row's throughput scaled by `factor` and its times by 1 / factor; aggregates
// dropped (compare ignores them).
json Scaled(json doc, double factor) {
  json rows = json::array();
  for (auto& b : doc["benchmarks"]) {
    if (b.value("run_type", "iteration") != "iteration") continue;
    for (const char* key : {"items_per_second", "bytes_per_second"}) {
      if (b.contains(key)) b[key] = b[key].get<double>() * factor;
    }
    for (const char* key : {"real_time", "cpu_time"}) b[key] = b[key].get<double>() / factor;
    rows.push_back(b);
  }
  doc["benchmarks"] = rows;
  return doc;
}

json WithoutBenchmark(json doc, const std::string& name) {
  json rows = json::array();
  for (auto& b : doc["benchmarks"]) {
    if (b["run_name"] != name) rows.push_back(b);
  }
  doc["benchmarks"] = rows;
  return doc;
}

json RenamedBenchmark(json doc, const std::string& from, const std::string& to) {
  for (auto& b : doc["benchmarks"]) {
    if (b["run_name"] == from) {
      b["run_name"] = to;
      b["name"] = to;
    }
  }
  return doc;
}

std::string Write(const TempDir& dir, const std::string& name, const json& doc) {
  return dir.Write(name, doc.dump(2));
}

json Parse(const RunResult& r) {
  BOOST_TEST_INFO("stdout: " << r.out << "\nstderr: " << r.err);
  return json::parse(r.out);
}

void ExpectBadInput(const RunResult& r) {
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.out.empty());
  BOOST_TEST(!r.err.empty());
  BOOST_TEST(r.err.find('\n') == r.err.size() - 1, "exactly one line on stderr: " << r.err);
}

}  // namespace

BOOST_AUTO_TEST_CASE(file_against_itself_is_no_change_with_geomean_exactly_one) {
  for (const bool fail_on_regression : {false, true}) {
    std::vector<std::string> args = {"compare", kFixture, kFixture, "--json"};
    if (fail_on_regression) args.push_back("--fail-on-regression");
    const RunResult r = RunQlab(args);
    BOOST_TEST(r.exit_code == 0, r.err);
    const json j = Parse(r);
    BOOST_TEST(j["benchmarks"].size() == 2u);
    for (const auto& b : j["benchmarks"]) {
      BOOST_TEST(b["verdict"] == "no change");
      BOOST_TEST(b["ratio"].get<double>() == 1.0);
      BOOST_TEST(b["p_value"].get<double>() == 1.0);
      BOOST_TEST(b["ci_low"].get<double>() <= 1.0);
      BOOST_TEST(b["ci_high"].get<double>() >= 1.0);
    }
    BOOST_TEST(j["geomean"]["ratio"].get<double>() == 1.0);  // exactly: exp(mean(log 1))
    BOOST_TEST(j["no_change"] == 2);
    BOOST_TEST(j["slower"] == 0);
    BOOST_TEST(j["faster"] == 0);
    BOOST_TEST(j["only_in_base"].empty());
    BOOST_TEST(j["only_in_new"].empty());
    BOOST_TEST(j["settings"]["alpha"].get<double>() == 0.05);
    BOOST_TEST(j["settings"]["threshold"].get<double>() == 0.03);
    BOOST_TEST(j["settings"]["resamples"] == 10000);
    BOOST_TEST(j["settings"]["repetitions"]["base"]["min"] == 10);
    BOOST_TEST(j["settings"]["repetitions"]["new"]["max"] == 10);
  }
}

BOOST_AUTO_TEST_CASE(throughput_scaled_by_0_8_is_slower_everywhere) {
  TempDir dir;
  const std::string slow = Write(dir, "slow.json", Scaled(Fixture(), 0.8));
  const RunResult plain = RunQlab({"compare", kFixture, slow, "--json"});
  BOOST_TEST(plain.exit_code == 0, plain.err);
  const json j = Parse(plain);
  BOOST_TEST(j["benchmarks"].size() == 2u);
  for (const auto& b : j["benchmarks"]) {
    BOOST_TEST(b["verdict"] == "slower");
    BOOST_TEST(b["ratio"].get<double>() == 0.8, boost::test_tools::tolerance(1e-12));
    BOOST_TEST(b["ci_high"].get<double>() < 0.97);
    BOOST_TEST(b["p_value"].get<double>() < 0.05);
  }
  BOOST_TEST(j["geomean"]["ratio"].get<double>() == 0.8, boost::test_tools::tolerance(1e-12));
  BOOST_TEST(j["geomean"]["ci_low"].get<double>() <= 0.8 + 1e-12);
  BOOST_TEST(j["geomean"]["ci_high"].get<double>() >= 0.8 - 1e-12);
  BOOST_TEST(j["slower"] == 2);

  const RunResult gate = RunQlab({"compare", kFixture, slow, "--fail-on-regression"});
  BOOST_TEST(gate.exit_code == 1, gate.err);
  BOOST_TEST(gate.out.find("slower") != std::string::npos);

  // The other way round it is faster, and faster is no regression.
  const RunResult reverse = RunQlab({"compare", slow, kFixture, "--json", "--fail-on-regression"});
  BOOST_TEST(reverse.exit_code == 0, reverse.err);
  BOOST_TEST(Parse(reverse)["faster"] == 2);
}

BOOST_AUTO_TEST_CASE(threshold_above_the_change_makes_it_no_change) {
  TempDir dir;
  const std::string slow = Write(dir, "slow.json", Scaled(Fixture(), 0.8));
  const RunResult r =
      RunQlab({"compare", kFixture, slow, "--json", "--threshold", "30", "--fail-on-regression"});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(Parse(r)["no_change"] == 2);
}

BOOST_AUTO_TEST_CASE(benchmarks_in_one_file_only_are_listed) {
  TempDir dir;
  const std::string base = Write(dir, "base.json", WithoutBenchmark(Fixture(), "dot_f32/hwy/4096"));
  const std::string next =
      Write(dir, "new.json", RenamedBenchmark(Fixture(), "dot_f32/hwy/256", "dot_f32/hwy/512"));
  const RunResult r = RunQlab({"compare", base, next, "--json"});
  BOOST_TEST(r.exit_code == 0, r.err);
  const json j = Parse(r);
  BOOST_TEST(j["benchmarks"].empty());
  BOOST_TEST(j["only_in_base"] == json::array({"dot_f32/hwy/256"}));
  BOOST_TEST(j["only_in_new"] == json::array({"dot_f32/hwy/512", "dot_f32/hwy/4096"}));

  const RunResult text = RunQlab({"compare", kFixture, next});
  BOOST_TEST(text.exit_code == 0, text.err);
  BOOST_TEST(text.out.find("only in BASE: dot_f32/hwy/256") != std::string::npos, text.out);
  BOOST_TEST(text.out.find("only in NEW: dot_f32/hwy/512") != std::string::npos, text.out);
}

BOOST_AUTO_TEST_CASE(filter_selects_benchmarks) {
  const RunResult r = RunQlab({"compare", kFixture, kFixture, "--json", "--filter", "/4096$"});
  BOOST_TEST(r.exit_code == 0, r.err);
  const json j = Parse(r);
  BOOST_TEST(j["benchmarks"].size() == 1u);
  BOOST_TEST(j["benchmarks"][0]["name"] == "dot_f32/hwy/4096");
}

BOOST_AUTO_TEST_CASE(machine_differences_are_warnings_at_the_top) {
  TempDir dir;
  json other = Fixture();
  other["context"]["qlab_target_dispatched"] = "AVX2";
  other["context"]["qlab_cpu_model"] = "Some Other CPU";
  const std::string next = Write(dir, "new.json", other);
  const RunResult r = RunQlab({"compare", kFixture, next});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.rfind("warning: ", 0) == 0u, r.out);
  BOOST_TEST(r.out.find("dispatched Highway target differs") != std::string::npos, r.out);
  BOOST_TEST(r.out.find("CPU model") != std::string::npos, r.out);
  const RunResult same = RunQlab({"compare", kFixture, kFixture});
  BOOST_TEST(same.out.find("warning") == std::string::npos, same.out);
}

BOOST_AUTO_TEST_CASE(too_few_repetitions_to_reach_alpha_is_a_warning) {
  TempDir dir;
  json doc = Fixture();
  json rows = json::array();
  for (auto& b : doc["benchmarks"]) {
    // dot_f32/hwy/256 keeps 2 repetitions (smallest attainable p 2/C(4,2) = 1/3), 4096 keeps 10.
    if (b.value("run_type", "") != "iteration") continue;
    if (b["run_name"] == "dot_f32/hwy/256" && b["repetition_index"].get<int>() >= 2) continue;
    rows.push_back(b);
  }
  doc["benchmarks"] = rows;
  const std::string few = Write(dir, "few.json", doc);
  const RunResult r = RunQlab({"compare", few, few, "--json"});
  BOOST_TEST(r.exit_code == 0, r.err);
  const json j = Parse(r);
  BOOST_TEST(j["warnings"].size() == 1u);
  BOOST_TEST(j["warnings"][0].get<std::string>().find("dot_f32/hwy/256: 2 BASE and 2 NEW") == 0u);
}

BOOST_AUTO_TEST_CASE(out_writes_compare_md_and_json) {
  TempDir dir;
  const std::string out = dir.File("cmp");
  const RunResult r = RunQlab({"compare", kFixture, kFixture, "--out", out, "--json"});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(json::parse(ReadFileBytes(out + "/compare.json")) == json::parse(r.out));
  const std::string md = ReadFileBytes(out + "/compare.md");
  BOOST_TEST(md.find("| dot_f32/hwy/4096 | 1 |") != std::string::npos, md);
}

BOOST_AUTO_TEST_CASE(file_without_repetitions_is_refused) {
  TempDir dir;
  json doc = Fixture();
  json rows = json::array();
  for (auto& b : doc["benchmarks"]) {
    if (b.value("run_type", "") == "iteration" && b["repetition_index"] == 0) {
      b.erase("repetitions");
      b.erase("repetition_index");
      rows.push_back(b);
    }
  }
  doc["benchmarks"] = rows;
  const std::string single = Write(dir, "single.json", doc);
  for (const auto& args : {std::vector<std::string>{"compare", single, kFixture},
                           std::vector<std::string>{"compare", kFixture, single, "--json"}}) {
    const RunResult r = RunQlab(args);
    ExpectBadInput(r);
    BOOST_TEST(r.err.find(single + ": no repetitions") == 0u, r.err);
  }

  // Aggregates only (--benchmark_report_aggregates_only): no repetitions either.
  json aggregates = Fixture();
  rows = json::array();
  for (auto& b : aggregates["benchmarks"]) {
    if (b.value("run_type", "") == "aggregate") rows.push_back(b);
  }
  aggregates["benchmarks"] = rows;
  const std::string agg = Write(dir, "aggregates.json", aggregates);
  const RunResult r = RunQlab({"compare", kFixture, agg});
  ExpectBadInput(r);
  BOOST_TEST(std::regex_search(r.err, std::regex("^" + agg + ":[0-9]+:[0-9]+: .*aggregates only")),
             r.err);
}

BOOST_AUTO_TEST_CASE(bad_json_is_exit_2_with_file_line_col) {
  TempDir dir;
  const std::string bad =
      dir.Write("bad.json", "{\n  \"benchmarks\": [\n    {\"name\": }\n  ]\n}\n");
  const RunResult r = RunQlab({"compare", kFixture, bad, "--json", "--fail-on-regression"});
  ExpectBadInput(r);
  BOOST_TEST(r.err.rfind(bad + ":3:", 0) == 0u, r.err);

  // A valid document with a wrong value: the position of that value.
  json doc = Fixture();
  doc["benchmarks"][3]["items_per_second"] = "fast";
  const std::string wrong = Write(dir, "wrong.json", doc);
  const RunResult w = RunQlab({"compare", wrong, kFixture});
  ExpectBadInput(w);
  BOOST_TEST(
      std::regex_search(w.err, std::regex("^" + wrong + ":[0-9]+:[0-9]+: .*items_per_second")),
      w.err);

  const RunResult missing = RunQlab({"compare", kFixture, dir.File("absent.json")});
  ExpectBadInput(missing);

  const RunResult regex = RunQlab({"compare", kFixture, kFixture, "--filter", "("});
  ExpectBadInput(regex);
  const RunResult alpha = RunQlab({"compare", kFixture, kFixture, "--alpha", "2"});
  ExpectBadInput(alpha);
}

// Figures no measurement can have: each is refused at its JSON pointer (FILE:LINE:COL, the
// message naming the pointer), with nothing on stdout and nothing written, never an infinite
// ratio, a [-nan, -nan] interval or JSON nulls under "no change".
BOOST_AUTO_TEST_CASE(absurd_throughputs_and_timings_are_bad_input_at_their_pointer) {
  TempDir dir;
  const json fixture = Fixture();
  size_t row = 0;
  while (fixture["benchmarks"][row].value("run_type", "") != "iteration") ++row;
  const std::string at = "/benchmarks/" + std::to_string(row) + "/";
  struct Case {
    const char* key;
    json value;
  };
  const Case cases[] = {
      {"items_per_second", 1e-320},  // subnormal: the ratio of medians was inf
      {"items_per_second", 5e-324},
      {"items_per_second", 0.0},
      {"items_per_second", 1e-10},  // below one item in 31 years
      {"items_per_second", 1e300},  // its ratio to a real rate leaves the double range
      {"real_time", 1e-320},
      {"real_time", 0.0},
      {"real_time", 1e-4},  // 0.1 ps per iteration
      {"real_time", 1e300},
      {"cpu_time", 1e-320},
      {"cpu_time", 0.0},
  };
  for (const Case& c : cases) {
    json doc = fixture;
    doc["benchmarks"][row][c.key] = c.value;
    const std::string bad = Write(dir, "bad.json", doc);
    const std::string out = dir.File("out");
    for (const bool bad_is_new : {true, false}) {
      const RunResult r = RunQlab({"compare", bad_is_new ? kFixture : bad,
                                   bad_is_new ? bad : kFixture, "--json", "--out", out});
      BOOST_TEST_CONTEXT(c.key << " = " << c.value.dump()
                               << (bad_is_new ? " in NEW" : " in BASE")) {
        ExpectBadInput(r);
        BOOST_TEST(std::regex_search(
                       r.err, std::regex("^" + bad + ":[0-9]+:[0-9]+: " + at + c.key + ": ")),
                   r.err);
        BOOST_TEST(r.err.find("not a measurement") != std::string::npos, r.err);
        BOOST_TEST(!std::filesystem::exists(out));
      }
    }
  }
  // A time in seconds is converted first: 2e-13 s is 0.2 ps, refused; 1e-9 s is 1 ns, fine.
  json doc = fixture;
  doc["benchmarks"][row]["time_unit"] = "s";
  doc["benchmarks"][row]["real_time"] = 2e-13;
  ExpectBadInput(RunQlab({"compare", kFixture, Write(dir, "s.json", doc)}));
  doc["benchmarks"][row]["real_time"] = 1e-9;
  doc["benchmarks"][row]["cpu_time"] = 1e-9;
  const RunResult fine = RunQlab({"compare", kFixture, Write(dir, "s.json", doc), "--json"});
  BOOST_TEST(fine.exit_code == 0, fine.err);
}

// At the bounds every figure printed is finite: the most extreme rates a file may hold, one side
// at the floor and the other at the ceiling, give a ratio of 1e40 and finite intervals.
BOOST_AUTO_TEST_CASE(rates_at_the_bounds_give_finite_figures) {
  TempDir dir;
  json low = Fixture(), high = Fixture();
  for (json* doc : {&low, &high}) {
    json rows = json::array();
    for (auto& b : (*doc)["benchmarks"]) {
      if (b.value("run_type", "") != "iteration") continue;
      b["items_per_second"] = doc == &low ? 1e-9 : 1e31;
      rows.push_back(b);
    }
    (*doc)["benchmarks"] = rows;
  }
  const std::string base = Write(dir, "low.json", low), next = Write(dir, "high.json", high);
  for (const auto& [a, b] : {std::pair{base, next}, std::pair{next, base}}) {
    const RunResult r = RunQlab({"compare", a, b, "--json"});
    BOOST_TEST(r.exit_code == 0, r.err);
    const json j = Parse(r);
    for (const auto& c : j["benchmarks"]) {
      for (const char* key : {"ratio", "ci_low", "ci_high", "p_value", "median_base"}) {
        BOOST_TEST(c[key].is_number(), key << " is " << c[key].dump());
      }
    }
    BOOST_TEST(j["geomean"]["ratio"].is_number());
    BOOST_TEST(j["geomean"]["ci_low"].is_number());
    BOOST_TEST(j["geomean"]["ci_high"].is_number());
    const RunResult text = RunQlab({"compare", a, b});
    BOOST_TEST(text.exit_code == 0, text.err);
    BOOST_TEST(text.out.find("inf") == std::string::npos, text.out);
    BOOST_TEST(text.out.find("nan") == std::string::npos, text.out);
  }
}

// --fail-on-regression is a gate, and a gate that cannot fail passes everything (hostile pass:
// each case below exited 0). Nothing compared, or too few repetitions for the U test to ever
// reach alpha, is bad input before anything is printed; a benchmark of BASE that NEW no longer
// measures is a regression, as a slower one is.
BOOST_AUTO_TEST_CASE(a_gate_that_could_not_fail_is_refused_and_a_dropped_benchmark_fails_it) {
  TempDir dir;
  const std::string renamed =
      Write(dir, "renamed.json",
            RenamedBenchmark(RenamedBenchmark(Fixture(), "dot_f32/hwy/256", "dot_f32/hwy/512"),
                             "dot_f32/hwy/4096", "dot_f32/hwy/8192"));
  const RunResult disjoint = RunQlab({"compare", kFixture, renamed, "--fail-on-regression"});
  ExpectBadInput(disjoint);
  BOOST_TEST(disjoint.err.find("nothing to compare") != std::string::npos, disjoint.err);
  // Without the gate it stays a listing (exit 0).
  BOOST_TEST(RunQlab({"compare", kFixture, renamed}).exit_code == 0);
  const RunResult filtered =
      RunQlab({"compare", kFixture, kFixture, "--fail-on-regression", "--filter", "^nothing$"});
  ExpectBadInput(filtered);
  BOOST_TEST(filtered.err.find("matches --filter") != std::string::npos, filtered.err);

  // A dropped benchmark: exit 1, named on stdout (the table and the JSON).
  const std::string dropped =
      Write(dir, "dropped.json", WithoutBenchmark(Fixture(), "dot_f32/hwy/4096"));
  const RunResult text = RunQlab({"compare", kFixture, dropped, "--fail-on-regression"});
  BOOST_TEST(text.exit_code == 1, text.out << text.err);
  BOOST_TEST(text.out.find("REGRESSION: dropped: dot_f32/hwy/4096") != std::string::npos, text.out);
  const RunResult as_json =
      RunQlab({"compare", kFixture, dropped, "--fail-on-regression", "--json"});
  BOOST_TEST(as_json.exit_code == 1, as_json.err);
  BOOST_TEST(Parse(as_json)["regressions"] == json::array({"dropped: dot_f32/hwy/4096"}));
  // A benchmark only NEW has is no regression.
  BOOST_TEST(RunQlab({"compare", dropped, kFixture, "--fail-on-regression"}).exit_code == 0);

  // Three repetitions a side, 1000 times slower: the U test cannot reach p < 0.05 (its smallest
  // p is 0.1), so the verdict could only be "no change".
  json few = Fixture();
  json rows = json::array();
  for (auto& b : few["benchmarks"]) {
    if (b.value("run_type", "") == "iteration" && b["repetition_index"].get<int>() < 3) {
      rows.push_back(b);
    }
  }
  few["benchmarks"] = rows;
  const std::string three = Write(dir, "three.json", few);
  const std::string three_slow = Write(dir, "three_slow.json", Scaled(few, 0.001));
  const RunResult unjudgeable =
      RunQlab({"compare", three, three_slow, "--fail-on-regression", "--json"});
  ExpectBadInput(unjudgeable);
  BOOST_TEST(unjudgeable.err.find("too few repetitions") != std::string::npos, unjudgeable.err);
  BOOST_TEST(unjudgeable.err.find("at least 4 repetitions") != std::string::npos, unjudgeable.err);
  BOOST_TEST(!std::filesystem::exists(dir.File("out")));
  ExpectBadInput(
      RunQlab({"compare", three, three_slow, "--fail-on-regression", "--out", dir.File("out")}));
  BOOST_TEST(!std::filesystem::exists(dir.File("out")));
}

// Google Benchmark counts iterations in an int64 from 1: -5 or 1.5 iterations is not its file.
BOOST_AUTO_TEST_CASE(impossible_iteration_counts_are_bad_input) {
  TempDir dir;
  for (const json& iterations : {json(-5), json(1.5), json(0), json(1e19)}) {
    json doc = Fixture();
    doc["benchmarks"][2]["iterations"] = iterations;
    const std::string bad = Write(dir, "iterations.json", doc);
    const RunResult r = RunQlab({"compare", bad, kFixture});
    BOOST_TEST_CONTEXT("iterations " << iterations.dump()) {
      ExpectBadInput(r);
      BOOST_TEST(r.err.find(": \"iterations\" must be") != std::string::npos, r.err);
      const RunResult rep =
          RunQlab({"report", "--no-charts", "--bench", bad, "--out", dir.File("rep")});
      ExpectBadInput(rep);
      BOOST_TEST(!std::filesystem::exists(dir.File("rep")));
    }
  }
}

// Each repetition counts once. A file holding a repetition twice (two runs' arrays concatenated:
// hostile pass, a 2x slowdown in the copied half read as noise), an aggregate twice, more rows
// than "repetitions", an aggregate row without run_type counted as a sample, or an iteration row
// carrying an aggregate_name: bad input at the row, in compare and in the report alike.
BOOST_AUTO_TEST_CASE(duplicated_or_ambiguous_repetitions_are_bad_input) {
  TempDir dir;
  const json fixture = Fixture();
  const auto first_row = [&](const std::string& type) {
    size_t i = 0;
    while (fixture["benchmarks"][i].value("run_type", "") != type) ++i;
    return i;
  };
  const size_t iteration = first_row("iteration");
  const size_t aggregate = first_row("aggregate");
  struct Case {
    std::string what;
    json doc;
    std::string message;
  };
  std::vector<Case> cases;
  {
    json doc = fixture;
    json copy = doc["benchmarks"][iteration];
    copy["items_per_second"] = copy["items_per_second"].get<double>() / 2;
    doc["benchmarks"].push_back(copy);
    cases.push_back({"a repetition twice", doc, "twice"});
  }
  {
    json doc = fixture;
    doc["benchmarks"].push_back(doc["benchmarks"][aggregate]);
    cases.push_back({"an aggregate twice", doc, "aggregate twice"});
  }
  {
    json doc = fixture;
    doc["benchmarks"][iteration]["repetition_index"] =
        doc["benchmarks"][iteration]["repetitions"].get<int>();
    cases.push_back({"an index past repetitions", doc, "below \"repetitions\""});
  }
  {
    json doc = fixture;
    doc["benchmarks"][iteration].erase("repetition_index");
    cases.push_back({"a repetition without its index", doc, "not each with"});
  }
  {
    json doc = fixture;
    doc["benchmarks"][iteration]["aggregate_name"] = "mean";
    cases.push_back({"an iteration row with an aggregate_name", doc, "neither"});
  }
  {
    // Without run_type, a row with an aggregate_name is the aggregate it names: the mean row
    // twice is then "the mean aggregate twice", not an eleventh sample.
    json doc = fixture;
    json mean = doc["benchmarks"][aggregate];
    mean.erase("run_type");
    doc["benchmarks"].push_back(mean);
    cases.push_back({"an aggregate without run_type", doc, "aggregate twice"});
  }
  for (const Case& c : cases) {
    BOOST_TEST_CONTEXT(c.what) {
      const std::string bad = Write(dir, "dup.json", c.doc);
      const RunResult r = RunQlab({"compare", bad, kFixture});
      ExpectBadInput(r);
      BOOST_TEST(r.err.find(c.message) != std::string::npos, r.err);
      BOOST_TEST(r.err.rfind(bad + ":", 0) == 0, r.err);
      const RunResult rep =
          RunQlab({"report", "--no-charts", "--bench", bad, "--out", dir.File("rep")});
      ExpectBadInput(rep);
      BOOST_TEST(!std::filesystem::exists(dir.File("rep")));
    }
  }
}

// The report reads a bench file as compare does: a figure that is no measurement (a zero time, a
// subnormal rate whose reciprocal overflows, 10^40 items/s) is bad input there too, in a
// repetition or an aggregate (hostile pass: the report printed them).
BOOST_AUTO_TEST_CASE(report_applies_compares_measurement_bounds) {
  TempDir dir;
  struct Edit {
    std::string key;
    json value;
    bool aggregate;
  };
  for (const Edit& e : {Edit{"real_time", 0, false}, Edit{"items_per_second", 1e-320, false},
                        Edit{"items_per_second", 1e40, true}, Edit{"cpu_time", 1e30, true}}) {
    json doc = Fixture();
    bool edited = false;
    for (auto& b : doc["benchmarks"]) {
      const bool is_aggregate = b.value("run_type", "") == "aggregate";
      if (edited || is_aggregate != e.aggregate) continue;
      if (is_aggregate && b["aggregate_name"] != "median") continue;
      b[e.key] = e.value;
      edited = true;
    }
    BOOST_REQUIRE(edited);
    const std::string bad = Write(dir, "bounds.json", doc);
    const RunResult rep =
        RunQlab({"report", "--no-charts", "--bench", bad, "--out", dir.File("rep")});
    BOOST_TEST_CONTEXT(e.key << " " << e.value.dump() << (e.aggregate ? " (aggregate)" : "")) {
      ExpectBadInput(rep);
      BOOST_TEST(rep.err.find("not a measurement") != std::string::npos, rep.err);
      BOOST_TEST(!std::filesystem::exists(dir.File("rep")));
    }
  }
}
