// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The result-key table (qlab/io/result_keys.h) against what the harness writes, what the report
// reader accepts and what the gate checks; and report.md and report.html built from the same
// sections.
#define BOOST_TEST_MODULE report_result_keys
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <algorithm>
#include <cfloat>
#include <filesystem>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "common/input_error.h"
#include "common/temp_dir.h"
#include "qlab/io/atomic_file.h"
#include "qlab/io/input_error.h"
#include "qlab/io/json_document.h"
#include "qlab/io/result_keys.h"
#include "qlab/report/gate.h"
#include "qlab/report/report.h"

using nlohmann::json;
using qlab::io::FindResultKey;
using qlab::io::GateDirection;
using qlab::io::kResultKeys;
using qlab::io::ResultKey;
using qlab::io::ResultType;
using qlab::testing::ErrorOf;
using qlab::testing::TempDir;
using namespace qlab::report;

namespace {

const std::string kFixtures = std::string(QLAB_TEST_DATA_DIR);

// The golden file pins what `qlab quantize --json` (the harness, plus the CLI's "out") and
// `qlab train --json` print on California; the golden test keeps it equal to what they print.
json Golden() {
  return qlab::io::JsonDocument::Load(kFixtures + "/golden/california.json").value();
}

std::set<std::string> KeysFrom(uint8_t producer) {
  std::set<std::string> out;
  for (const ResultKey& key : kResultKeys) {
    if ((key.producers & producer) != 0) out.insert(key.name);
  }
  return out;
}

bool HasType(const json& value, ResultType type) {
  switch (type) {
    case ResultType::kString:
      return value.is_string();
    case ResultType::kInteger:
      return value.is_number_integer();
    case ResultType::kNumber:
      return value.is_number();
    case ResultType::kBoolean:
      return value.is_boolean();
    case ResultType::kArray:
      return value.is_array();
    case ResultType::kObject:
      return value.is_object();
  }
  return false;
}

// A value of another JSON type than `type` (for an integer, a number with a fraction).
json WrongValue(ResultType type) {
  switch (type) {
    case ResultType::kString:
      return 1;
    case ResultType::kInteger:
      return 2.5;
    case ResultType::kNumber:
    case ResultType::kBoolean:
    case ResultType::kArray:
    case ResultType::kObject:
      return "x";
  }
  return nullptr;
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_key_the_harness_writes_is_in_the_table_with_its_type) {
  const json golden = Golden();
  const std::set<std::string> quantize_keys = KeysFrom(qlab::io::kFromQuantize);
  const std::set<std::string> cli_keys = KeysFrom(qlab::io::kFromCli);
  std::vector<json> harness_rows;
  for (const auto& [command, printed] : golden.items()) {
    if (command.rfind("quantize ", 0) == 0) harness_rows.push_back(printed);
  }
  for (const json& row : golden.at("run --no-bench").at("quantize").at("schemes")) {
    if (row.at("scheme") != "float") harness_rows.push_back(row);
  }
  BOOST_REQUIRE(harness_rows.size() >= 5u);
  for (const json& row : harness_rows) {
    std::set<std::string> written;
    for (const auto& [key, value] : row.items()) {
      written.insert(key);
      const ResultKey* known = FindResultKey(key);
      BOOST_TEST_REQUIRE(known != nullptr,
                         "the harness writes \"" << key << "\", not in the table");
      BOOST_TEST((known->producers & (qlab::io::kFromQuantize | qlab::io::kFromCli)) != 0, key);
      // The golden test masks the values that depend on where files are ("<...>" strings).
      const bool masked = value.is_string() && value.get<std::string>().rfind('<', 0) == 0;
      BOOST_TEST((masked || HasType(value, known->type)), key << " is " << value.type_name());
    }
    // ... and the table lists nothing the harness does not write (every key is present on
    // California: the files exist, so the sizes on disk are written too).
    for (const std::string& key : quantize_keys) BOOST_TEST(written.count(key) == 1u, key);
    for (const std::string& key : cli_keys) BOOST_TEST(written.count(key) == 1u, key);
  }

  const json& train = golden.at("train");
  for (const std::string& key : KeysFrom(qlab::io::kFromTrain)) {
    BOOST_TEST_REQUIRE(train.contains(key), "train --json lacks " << key);
    BOOST_TEST(HasType(train[key], FindResultKey(key)->type), key);
  }
}

BOOST_AUTO_TEST_CASE(the_reader_refuses_a_value_of_another_type_for_every_scalar_key) {
  int checked = 0;
  for (const ResultKey& key : kResultKeys) {
    json values = {{"scheme", "w8"}, {"bits", 8}, {"test_r2", 0.5}};
    values[key.name] = WrongValue(key.type);
    if (key.type == ResultType::kArray || key.type == ResultType::kObject) {
      // Only displayed, so not checked: an older quantize printed zero_range as a boolean.
      BOOST_CHECK_NO_THROW(MakeAccuracyResult(values, "r.json"));
      continue;
    }
    ++checked;
    const std::string message = ErrorOf([&] { MakeAccuracyResult(values, "r.json"); });
    const std::string article = key.type == ResultType::kInteger ? "an " : "a ";
    const std::string expected = "r.json: \"" + std::string(key.name) + "\" must be " + article +
                                 qlab::io::ResultTypeName(key.type);
    BOOST_TEST(message.rfind(expected, 0) == 0u, key.name << ": " << message);
  }
  BOOST_TEST(checked >= 40);
  // Keys the table does not know pass through as they are.
  const AccuracyResult r =
      MakeAccuracyResult({{"scheme", "w8"}, {"bits", 8}, {"test_r2", 0.5}, {"note", 3}}, "r.json");
  BOOST_TEST(r.values.at("note") == 3);
}

BOOST_AUTO_TEST_CASE(the_gate_checks_the_keys_the_table_gates_with_their_rules) {
  // 100 wherever the key's range allows it (an R² cannot be 100: 0.5 there).
  json values = json::object();
  for (const ResultKey& key : kResultKeys) {
    if (key.type == ResultType::kNumber || key.type == ResultType::kInteger) {
      values[key.name] = qlab::io::InRange(key.range, 100) ? 100.0 : 0.5;
    }
  }
  TempDir dir;
  const std::string path = dir.Write(
      "report.json",
      json{{"format", "qlab-report"}, {"version", 1}, {"accuracy", {{"w8/8/default", values}}}}
          .dump());
  std::set<std::string> gated;
  for (const CheckMetric& m : LoadReportMetrics(path)) {
    const std::string prefix = "accuracy/w8/8/default/";
    BOOST_TEST_REQUIRE(m.id.rfind(prefix, 0) == 0u, m.id);
    const std::string key = m.id.substr(prefix.size());
    gated.insert(key);
    const ResultKey* known = FindResultKey(key);
    BOOST_TEST_REQUIRE(known != nullptr, key);
    BOOST_TEST(m.direction == qlab::io::GateDirectionName(known->gate.direction), key);
    BOOST_TEST(m.tolerance ==
                   std::max(known->gate.absolute, known->gate.relative * values[key].get<double>()),
               key);
  }
  std::set<std::string> expected;
  for (const ResultKey& key : kResultKeys) {
    if (key.gate.direction != GateDirection::kNone) expected.insert(key.name);
  }
  BOOST_TEST(gated == expected, "the gate checks exactly the table's gated keys");
  // The keys `qlab check` has gated since the baseline began, and fallback_rows (issue 16).
  BOOST_TEST(expected.size() == 19u);
}

namespace {

// Values just outside `key`'s range (none for a range that is every finite number); JSON
// integers for an integer key (a fraction there is refused as the wrong type first).
std::vector<json> OutsideOf(const ResultKey& key) {
  const qlab::io::ValueRange& range = key.range;
  std::vector<json> out;
  if (key.type == ResultType::kInteger) {
    out.emplace_back(static_cast<int64_t>(range.min) - 1);
    return out;
  }
  if (range.min > -DBL_MAX) out.emplace_back(range.min_open ? range.min : range.min - 0.5);
  if (range.max < DBL_MAX) out.emplace_back(range.max + 0.5);
  return out;
}

}  // namespace

// Every number a result holds has a range, and a value outside it is bad input naming the key:
// in the report's reader, and in the gate for the keys it checks (report and baseline).
BOOST_AUTO_TEST_CASE(every_numeric_key_has_a_range_and_values_outside_it_are_refused) {
  int refused = 0;
  for (const ResultKey& key : kResultKeys) {
    const bool numeric = key.type == ResultType::kNumber || key.type == ResultType::kInteger;
    BOOST_TEST(key.range.checked == numeric, key.name);
    if (!numeric || std::string(key.name) == "bits") continue;  // bits: its own message
    for (const json& bad : OutsideOf(key)) {
      BOOST_TEST_CONTEXT(key.name << " = " << bad.dump()) {
        BOOST_TEST(!qlab::io::InRange(key.range, bad.get<double>()));
        json values = {{"scheme", "w8"}, {"bits", 8}, {"test_r2", 0.5}};
        values[key.name] = bad;
        const std::string message = ErrorOf([&] { MakeAccuracyResult(values, "r.json"); });
        BOOST_TEST(message.rfind("r.json: \"" + std::string(key.name) + "\" is ", 0) == 0u,
                   message);
        BOOST_TEST(message.find("impossible, it must be " + std::string(key.range.text)) !=
                       std::string::npos,
                   message);
        ++refused;
        if (key.gate.direction == GateDirection::kNone) continue;
        TempDir dir;
        const std::string report =
            dir.Write("report.json", json{{"format", "qlab-report"},
                                          {"version", 1},
                                          {"accuracy", {{"w8/8/default", {{key.name, bad}}}}}}
                                         .dump());
        const std::string gate = ErrorOf([&] { LoadReportMetrics(report); });
        BOOST_TEST(gate.find("\"" + std::string(key.name) + "\" is ") != std::string::npos, gate);
        const std::string baseline = dir.Write(
            "baseline.json", json{{"format", "qlab-baseline"},
                                  {"version", 1},
                                  {"metrics",
                                   {{"accuracy/w8/8/default/" + std::string(key.name),
                                     {{"value", bad}, {"tolerance", 0}, {"direction", "equal"}}}}}}
                                 .dump());
        const std::string base = ErrorOf([&] { LoadBaseline(baseline); });
        BOOST_TEST(base.find("accuracy/w8/8/default/" + std::string(key.name) + " is ") !=
                       std::string::npos,
                   base);
      }
    }
  }
  BOOST_TEST(refused >= 40);
}

// report.md and report.html come from one list of sections: the same headings, in the same order.
BOOST_AUTO_TEST_CASE(markdown_and_html_show_the_same_sections) {
  for (bool with_bench : {false, true}) {
    ReportInputs in;
    in.machine = DetectMachine();
    in.name = "sections";
    for (const char* f : {"train.json", "quantize_8bit.json", "quantize_sweep.jsonl"}) {
      for (auto& r : LoadAccuracyFile(kFixtures + "/report/" + f)) {
        AddAccuracyResult(in.accuracy, std::move(r));
      }
    }
    if (with_bench) in.bench.push_back(LoadBenchFile(kFixtures + "/report/bench_zen5.json"));
    PrepareBenchGroups(in.bench, in.machine);
    const ChartSet no_charts{{}, "charts were not drawn"};
    const std::string md = RenderMarkdown(in, no_charts);
    const std::string html = RenderHtml(in, no_charts);

    std::vector<std::string> md_headings, html_headings;
    for (size_t begin = 0; begin < md.size();) {
      const size_t end = md.find('\n', begin);
      const std::string line = md.substr(begin, end - begin);
      for (int level : {3, 2}) {
        const std::string mark = std::string(static_cast<size_t>(level), '#') + " ";
        if (line.rfind(mark, 0) == 0) {
          md_headings.push_back(std::to_string(level) + " " + line.substr(mark.size()));
          break;
        }
      }
      if (end == std::string::npos) break;
      begin = end + 1;
    }
    const std::regex html_heading("<h([23])(?: id=\"[a-z]+\")?>([^<]*)</h[23]>");
    for (std::sregex_iterator it(html.begin(), html.end(), html_heading);
         it != std::sregex_iterator(); ++it) {
      html_headings.push_back((*it)[1].str() + " " + (*it)[2].str());
    }
    BOOST_TEST(md_headings.size() >= 5u);
    BOOST_TEST(md_headings == html_headings, "with_bench " << with_bench);
    // The charts section says why there are none, in both.
    BOOST_TEST(md.find("## Charts\n\ncharts were not drawn\n") != std::string::npos);
    BOOST_TEST(html.find("<h2 id=\"charts\">Charts</h2>\n<p>charts were not drawn</p>") !=
               std::string::npos);
  }
}
