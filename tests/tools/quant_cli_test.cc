// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// `qlab quantize` and `qlab predict --kernel w8|w8a8` end to end on California Housing: one flat
// JSON object with the harness keys, the artifact where --out says, predictions from the saved
// quantized model equal to those `quantize` measured, and bad input as exit 2 with one line.
#define BOOST_TEST_MODULE tools_quant_cli
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/data_dir.h"
#include "common/run_qlab.h"
#include "common/temp_dir.h"
#include "qlab/io/atomic_file.h"
#include "qlab/kernels.h"

using nlohmann::json;
using qlab::testing::RunQlab;
using qlab::testing::TempDir;

namespace {

std::vector<std::string> WithData(std::vector<std::string> args) {
  BOOST_REQUIRE_MESSAGE(qlab::testing::HaveCaliforniaData(), qlab::testing::MissingDataMessage());
  args.push_back("--data-dir");
  args.push_back(qlab::testing::CaliforniaDataDir());
  return args;
}

json ParseOneObject(const std::string& out) {
  BOOST_REQUIRE_MESSAGE(!out.empty() && out.back() == '\n' && out.find('\n') == out.size() - 1,
                        "expected one line of JSON, got: " << out);
  return json::parse(out);
}

struct Trained {
  TempDir dir;
  std::string model;
  Trained() : model(dir.File("models")) {
    const auto r = RunQlab(WithData({"train", "--out", model}));
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(quantize_cli, Trained)

BOOST_AUTO_TEST_CASE(every_scheme_prints_the_harness_keys_and_saves_the_artifact) {
  for (const char* scheme : {"seed", "w8", "w8a8"}) {
    const std::string out = dir.File(std::string("q-") + scheme);
    const auto r = RunQlab(
        WithData({"quantize", "--model", model, "--scheme", scheme, "--out", out, "--json"}));
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    const json j = ParseOneObject(r.out);
    for (const char* key : {"scheme",
                            "bits",
                            "calibration",
                            "test_r2",
                            "delta_r2",
                            "test_mse",
                            "test_mae",
                            "mean_abs_delta",
                            "rms_delta",
                            "p99_abs_delta",
                            "max_abs_delta",
                            "sqnr_db",
                            "clipped_rows",
                            "weight_bytes",
                            "feature_bytes",
                            "memory_ratio",
                            "artifact_bytes",
                            "float_artifact_bytes",
                            "coef_mean_abs_error",
                            "intercept_abs_error",
                            "head_max_abs_delta"}) {
      BOOST_TEST(j.contains(key), scheme << ": " << key);
    }
    BOOST_TEST(j["scheme"] == scheme);
    BOOST_TEST(std::filesystem::is_regular_file(out + "/quantized_model.json"));
    BOOST_TEST(j["artifact_bytes"].get<int64_t>() ==
               static_cast<int64_t>(std::filesystem::file_size(out + "/quantized_model.json")));

    // The saved model predicts what quantize measured: predict's R² equals the harness's.
    const auto p = RunQlab(WithData({"predict", "--model", out, "--json"}));
    BOOST_REQUIRE_MESSAGE(p.exit_code == 0, p.err);
    const json pj = ParseOneObject(p.out);
    BOOST_TEST(pj["kernel"] == scheme);
    BOOST_TEST(pj["test_r2"].get<double>() == j["test_r2"].get<double>(), scheme);
  }
}

BOOST_AUTO_TEST_CASE(predict_quantizes_a_float_model_on_request) {
  const auto q =
      RunQlab(WithData({"quantize", "--model", model, "--out", dir.File("q"), "--json"}));
  BOOST_REQUIRE_MESSAGE(q.exit_code == 0, q.err);
  const json qj = ParseOneObject(q.out);
  const auto p = RunQlab(WithData({"predict", "--model", model, "--kernel", "w8a8", "--json"}));
  BOOST_REQUIRE_MESSAGE(p.exit_code == 0, p.err);
  BOOST_TEST(ParseOneObject(p.out)["test_r2"].get<double>() == qj["test_r2"].get<double>());
}

BOOST_AUTO_TEST_CASE(bad_options_exit_2_with_one_line) {
  const std::vector<std::vector<std::string>> bad = {
      {"--bits", "9"},
      {"--bits", "1"},
      {"--scheme", "int4"},
      {"--calibration", "percentile:50"},
      {"--calibration", "median"},
      {"--scheme", "seed", "--calibration", "mse"},
      {"--fold", "sideways"},
      {"--outliers", "drop"},
  };
  for (const auto& extra : bad) {
    std::vector<std::string> args = {"quantize", "--model",       model,
                                     "--out",    dir.File("bad"), "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = RunQlab(WithData(args));
    BOOST_TEST(r.exit_code == 2, extra[0] << " " << extra[1]);
    BOOST_TEST(r.out.empty());
    BOOST_TEST((!r.err.empty() && r.err.find('\n') == r.err.size() - 1), r.err);
  }
  // A w8a8 folder asked for another scheme's kernel.
  BOOST_REQUIRE(
      RunQlab(WithData({"quantize", "--model", model, "--out", dir.File("q8")})).exit_code == 0);
  const auto r = RunQlab(WithData({"predict", "--model", dir.File("q8"), "--kernel", "w8"}));
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.out.empty());
}

// A quantized model and a float model in one folder must agree: `quantize --out m` then
// `train --seed 7 --out m` left the old quantized model beside the new float model, and predict
// and score used it silently. Now both refuse (exit 2, one line naming both files) until the
// folder is quantized again; a retrain that reproduces the same model keeps the pair usable.
BOOST_AUTO_TEST_CASE(a_stale_quantized_model_beside_its_float_model_is_refused) {
  const std::string m = dir.File("both");
  BOOST_REQUIRE(RunQlab(WithData({"train", "--out", m})).exit_code == 0);
  BOOST_REQUIRE(RunQlab(WithData({"quantize", "--model", m, "--out", m})).exit_code == 0);
  BOOST_TEST(RunQlab(WithData({"predict", "--model", m})).exit_code == 0);
  BOOST_REQUIRE(RunQlab(WithData({"train", "--seed", "7", "--out", m})).exit_code == 0);
  const std::string csv = dir.Write("rows.csv",
                                    "MedInc,HouseAge,AveRooms,AveBedrms,Population,AveOccup,"
                                    "Latitude,Longitude\n8.3,41,7,1,322,2.5,37.88,-122.23\n");
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"predict", "--model", m},
        std::vector<std::string>{"score", "--model", m, "--input", csv}}) {
    const auto r = RunQlab(WithData(args));
    BOOST_TEST(r.exit_code == 2, args[0] << ": " << r.err);
    BOOST_TEST(r.out.empty(), args[0]);
    BOOST_TEST(r.err.find("quantized_model.json: was quantized from another float model than") !=
                   std::string::npos,
               r.err);
    BOOST_TEST(r.err.find("model.json") != std::string::npos);
    BOOST_TEST((!r.err.empty() && r.err.find('\n') == r.err.size() - 1), r.err);
  }
  BOOST_REQUIRE(RunQlab(WithData({"quantize", "--model", m, "--out", m})).exit_code == 0);
  BOOST_TEST(RunQlab(WithData({"predict", "--model", m})).exit_code == 0);
}

// The same when the quantized model is in its default folder, MODEL/<scheme>, which records MODEL
// as its origin (hostile pass: only the same-folder pair was checked, and `predict --model
// MODEL/w8a8` used the old quantization of a retrained MODEL). A recorded folder that holds no
// model any more (the quantized folder moved on its own) leaves the artifact usable.
BOOST_AUTO_TEST_CASE(a_stale_quantized_model_below_its_retrained_float_model_is_refused) {
  const std::string m = dir.File("parent");
  BOOST_REQUIRE(RunQlab(WithData({"train", "--out", m})).exit_code == 0);
  BOOST_REQUIRE(RunQlab(WithData({"quantize", "--model", m, "--scheme", "w8a8"})).exit_code == 0);
  const std::string q = m + "/w8a8";
  BOOST_TEST(RunQlab(WithData({"predict", "--model", q})).exit_code == 0);
  BOOST_REQUIRE(RunQlab(WithData({"train", "--seed", "7", "--out", m})).exit_code == 0);
  const auto r = RunQlab(WithData({"predict", "--model", q}));
  BOOST_TEST(r.exit_code == 2, r.err);
  BOOST_TEST(r.out.empty());
  BOOST_TEST(r.err.find("quantized_model.json: was quantized from another float model than " + m +
                        "/model.json, the one it records") != std::string::npos,
             r.err);
  BOOST_TEST((!r.err.empty() && r.err.find('\n') == r.err.size() - 1), r.err);
  // Moved away from its origin's folder, and the origin removed: whole on its own.
  std::filesystem::rename(q, dir.File("moved-w8a8"));
  std::filesystem::remove_all(m);
  const auto moved = RunQlab(WithData({"predict", "--model", dir.File("moved-w8a8")}));
  BOOST_TEST(moved.exit_code == 0, moved.err);
}

// The outlier policy: chosen by --outliers, printed as the harness measures it, recorded in the
// artifact, and applied by predict from the artifact: the two policies' predictions differ on
// exactly the fallback rows.
BOOST_AUTO_TEST_CASE(outlier_policy_keys_and_predict_applies_the_artifacts_policy) {
  std::map<std::string, json> results;
  std::map<std::string, std::vector<std::string>> lines;
  for (const std::string policy : {"float", "clip", ""}) {
    const std::string out = dir.File("q-outliers-" + (policy.empty() ? "default" : policy));
    std::vector<std::string> args = {"quantize", "--model", model, "--out", out, "--json"};
    if (!policy.empty()) args.insert(args.end(), {"--outliers", policy});
    const auto r = RunQlab(WithData(args));
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    const json j = ParseOneObject(r.out);
    for (const char* key :
         {"outliers", "fallback_rows", "fallback_max_abs_delta", "integer_max_abs_delta",
          "integer_p99_abs_delta", "max_abs_delta", "p99_abs_delta", "sqnr_db", "clipped_rows",
          "clipped_max_abs_delta", "unclipped_max_abs_delta", "unclipped_p99_abs_delta"}) {
      BOOST_TEST(j.contains(key), policy << ": " << key);
    }
    const std::string artifact = qlab::io::ReadFileBytes(out + "/quantized_model.json");
    results[policy] = j;
    const std::string csv = dir.File("pred-" + (policy.empty() ? "default" : policy) + ".csv");
    const auto p = RunQlab(WithData({"predict", "--model", out, "--predictions", csv, "--json"}));
    BOOST_REQUIRE_MESSAGE(p.exit_code == 0, p.err);
    BOOST_TEST(ParseOneObject(p.out)["test_r2"].get<double>() == j["test_r2"].get<double>());
    std::string text = qlab::io::ReadFileBytes(csv);
    std::vector<std::string> rows;
    for (size_t at = 0, next; at < text.size(); at = next + 1) {
      next = text.find('\n', at);
      rows.push_back(text.substr(at, next - at));
    }
    lines[policy] = rows;
    if (!policy.empty()) {
      BOOST_TEST(artifact.find("\"outliers\": \"" + policy + "\"") != std::string::npos);
    }
  }
  BOOST_TEST(results["float"]["outliers"] == "float");
  BOOST_TEST(results["clip"]["outliers"] == "clip");
  BOOST_TEST(results[""]["outliers"] == "float");  // the default (lab/QUANTIZATION.md)
  BOOST_TEST(results["clip"]["fallback_rows"].get<int64_t>() == 0);
  const auto fallback = results["float"]["fallback_rows"].get<int64_t>();
  BOOST_TEST(fallback == results["float"]["clipped_rows"].get<int64_t>());
  BOOST_TEST(fallback > 0);
  BOOST_TEST(results["float"]["max_abs_delta"].get<double>() <
             results["clip"]["max_abs_delta"].get<double>());
  BOOST_TEST(results["float"]["integer_max_abs_delta"].get<double>() ==
             results["clip"]["max_abs_delta"].get<double>());
  BOOST_REQUIRE_EQUAL(lines["float"].size(), lines["clip"].size());
  int64_t differing = 0;
  for (size_t i = 0; i < lines["float"].size(); ++i) {
    differing += lines["float"][i] != lines["clip"][i] ? 1 : 0;
  }
  BOOST_TEST(differing == fallback);
  BOOST_TEST(lines[""] == lines["float"]);
}

// 4 bits: the codes stored two per byte (memory figures as stored), and the saved model predicts
// the same figures, byte for byte, on every target this CPU runs.
BOOST_AUTO_TEST_CASE(four_bit_model_packed_and_identical_on_every_target) {
  const std::string out = dir.File("q4");
  const auto r =
      RunQlab(WithData({"quantize", "--model", model, "--bits", "4", "--out", out, "--json"}));
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json j = ParseOneObject(r.out);
  BOOST_TEST(j["feature_bytes"].get<int64_t>() * 8 == j["feature_bytes_f32"].get<int64_t>());
  BOOST_TEST(j["memory_ratio"].get<double>() >= 7.9);
  BOOST_TEST(qlab::io::ReadFileBytes(out + "/quantized_model.json").find("\"dtype\": \"uint4\"") !=
             std::string::npos);
  std::string first;
  int targets = 0;
  for (const auto& target : qlab::kernels::SupportedTargets()) {
    const std::string csv = dir.File("q4-" + target.name + ".csv");
    const auto p = RunQlab(WithData(
        {"predict", "--model", out, "--isa", target.name, "--predictions", csv, "--json"}));
    BOOST_REQUIRE_MESSAGE(p.exit_code == 0, target.name << ": " << p.err);
    const std::string text = qlab::io::ReadFileBytes(csv) + p.out;
    if (first.empty()) first = text;
    BOOST_TEST((text == first), target.name << " predicts other figures than "
                                            << qlab::kernels::SupportedTargets()[0].name);
    ++targets;
  }
  BOOST_TEST_MESSAGE("4-bit predictions compared on " << targets << " targets");
  BOOST_TEST(targets >= 1);
}

BOOST_AUTO_TEST_CASE(run_compares_float_seed_w8_and_w8a8) {
  const std::string out = dir.File("report");
  const auto r = RunQlab(WithData({"run", "--no-bench", "--out", out, "--json"}));
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json j = ParseOneObject(r.out);
  BOOST_REQUIRE(j.contains("quantize"));
  std::vector<std::string> schemes;
  for (const json& row : j["quantize"]["schemes"]) schemes.push_back(row["scheme"]);
  BOOST_TEST(schemes == (std::vector<std::string>{"float", "seed", "w8", "w8a8"}),
             boost::test_tools::per_element());
  BOOST_TEST(std::filesystem::is_regular_file(out + "/quantize.json"));
  BOOST_TEST(std::filesystem::is_regular_file(out + "/quantized/w8a8/quantized_model.json"));
  const auto text = RunQlab(WithData({"run", "--no-bench", "--out", out}));
  BOOST_REQUIRE_MESSAGE(text.exit_code == 0, text.err);
  BOOST_TEST(text.out.find("== quantize") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
