// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The qlab program end to end: train --json and predict --json reproduce scikit-learn's table,
// the artifacts land where --out says, `run` writes its report folder.
#define BOOST_TEST_MODULE tools_cli
#include <boost/test/unit_test.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/data_dir.h"
#include "common/run_qlab.h"
#include "common/temp_dir.h"
#include "qlab/io/atomic_file.h"
#include "qlab/model/artifact.h"
#include "qlab/model/linear_model.h"
#include "qlab/quant/artifact.h"
#include "qlab/quant/quantize.h"

using nlohmann::json;
using qlab::testing::RunQlab;
using qlab::testing::TempDir;

namespace {

void CheckRelative(const json& got, double want, double tolerance, const std::string& what) {
  BOOST_REQUIRE_MESSAGE(got.is_number(), what << " is not a number");
  const double value = got.get<double>();
  BOOST_TEST(std::abs(value - want) <= tolerance * std::abs(want),
             what << ": " << value << " vs " << want);
}

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

}  // namespace

BOOST_AUTO_TEST_CASE(help_and_version_exit_zero) {
  for (const auto& args : std::vector<std::vector<std::string>>{{"--help"},
                                                                {"--version"},
                                                                {"train", "--help"},
                                                                {"predict", "--help"},
                                                                {"run", "--help"}}) {
    const auto r = RunQlab(args);
    BOOST_TEST(r.exit_code == 0, args[0]);
    BOOST_TEST(!r.out.empty());
  }
  BOOST_TEST(RunQlab({"--version"}).out.rfind("qlab ", 0) == 0u);
}

BOOST_AUTO_TEST_CASE(train_json_reproduces_the_table) {
  TempDir dir;
  const auto r = RunQlab(WithData({"train", "--json", "--out", dir.File("models/a")}));
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_TEST(r.err.empty(), r.err);
  const json j = ParseOneObject(r.out);
  for (const char* key :
       {"dataset", "n_train", "n_test", "feature_names", "coef", "intercept", "train_r2", "test_r2",
        "train_mse", "test_mse", "test_mae", "solver", "condition_number"}) {
    BOOST_TEST(j.contains(key), key);
  }
  BOOST_TEST(j["dataset"] == "california");
  BOOST_TEST(j["n_train"] == 16512);
  BOOST_TEST(j["n_test"] == 4128);
  BOOST_TEST(j["solver"] == "svd");
  BOOST_TEST(j["feature_names"] == json({"MedInc", "HouseAge", "AveRooms", "AveBedrms",
                                         "Population", "AveOccup", "Latitude", "Longitude"}));
  constexpr double kTol = 1e-9;
  CheckRelative(j["train_r2"], 0.6125511913966952, kTol, "train_r2");
  CheckRelative(j["test_r2"], 0.5757877060324508, kTol, "test_r2");
  CheckRelative(j["train_mse"], 0.5179331255246699, kTol, "train_mse");
  CheckRelative(j["test_mse"], 0.5558915986952444, kTol, "test_mse");
  CheckRelative(j["test_mae"], 0.5332001304956566, kTol, "test_mae");
  CheckRelative(j["intercept"], 2.071946937378619, kTol, "intercept");
  const double coef[] = {0.8543830309268556,  0.12254623807840506,    -0.29441013447329734,
                         0.33925949059448285, -0.0023077231458313034, -0.040829103085086305,
                         -0.896928876638668,  -0.869841775241719};
  for (int k = 0; k < 8; ++k) CheckRelative(j["coef"][k], coef[k], kTol, "coef");

  // The artifact holds the same doubles the JSON printed (both shortest round-trip).
  const json model = json::parse(qlab::io::ReadFileBytes(dir.File("models/a/model.json")));
  BOOST_TEST(model["format"] == "qlab.linear_model");
  BOOST_TEST(model["coef"] == j["coef"]);
  BOOST_TEST(model["intercept"] == j["intercept"]);
  BOOST_TEST(model["data"]["sha256"] ==
             "d3d8a1a722ae78f91134862727d27a70b1415e7d512a89140406248687f4b902");
  BOOST_TEST(std::filesystem::path(model["data"]["path"].get<std::string>()).is_absolute());
}

BOOST_AUTO_TEST_CASE(predict_prints_the_original_figures) {
  TempDir dir;
  BOOST_REQUIRE(RunQlab(WithData({"train", "--out", dir.File("m")})).exit_code == 0);
  const auto r = RunQlab(WithData({"predict", "--model", dir.File("m"), "--json"}));
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  const json j = ParseOneObject(r.out);
  constexpr double kTol = 1e-9;
  const double head[] = {0.7191228416019142, 1.7640165706624171, 2.70965883343173,
                         2.8389259301839287, 2.604657251810314};
  const double actual[] = {0.477, 0.458, 5.00001, 2.186, 2.78};
  BOOST_REQUIRE(j["head"].size() == 5u);
  for (int i = 0; i < 5; ++i) {
    CheckRelative(j["head"][i], head[i], kTol, "head");
    BOOST_TEST(j["actual_head"][i].get<double>() == actual[i]);
  }
  CheckRelative(j["mean"], 2.0515237980264827, kTol, "mean");
  CheckRelative(j["std"], 0.9161316692537385, kTol, "std");
  CheckRelative(j["min"], -1.0137928122566304, kTol, "min");
  CheckRelative(j["max"], 11.500331025900959, kTol, "max");
  CheckRelative(j["test_r2"], 0.5757877060324508, kTol, "test_r2");
  CheckRelative(j["test_mse"], 0.5558915986952444, kTol, "test_mse");

  // The f32 kernel: the same figures to f32 accuracy, on every target this CPU runs.
  for (const std::string isa : {"", "SCALAR"}) {
    std::vector<std::string> args = {"predict", "--model",  dir.File("m"),
                                     "--json",  "--kernel", "f32"};
    if (!isa.empty()) args.insert(args.end(), {"--isa", isa});
    const auto f32 = RunQlab(WithData(args));
    BOOST_REQUIRE_MESSAGE(f32.exit_code == 0, f32.err);
    const json k = ParseOneObject(f32.out);
    BOOST_TEST(k["kernel"] == "f32");
    for (int i = 0; i < 5; ++i) CheckRelative(k["head"][i], head[i], 1e-6, "f32 head");
    CheckRelative(k["mean"], 2.0515237980264827, 1e-6, "f32 mean");
    CheckRelative(k["test_r2"], 0.5757877060324508, 1e-6, "f32 test_r2");
  }

  const auto text = RunQlab(WithData({"predict", "--model", dir.File("m")}));
  BOOST_TEST(text.exit_code == 0);
  BOOST_TEST(text.out.find("5.00001") != std::string::npos, text.out);
  BOOST_TEST(text.out.find("mean 2.05152379802") != std::string::npos, text.out);
}

BOOST_AUTO_TEST_CASE(every_solver_from_the_command_line) {
  TempDir dir;
  for (const char* solver : {"svd", "qr", "ldlt"}) {
    const auto r =
        RunQlab(WithData({"train", "--json", "--solver", solver, "--out", dir.File(solver)}));
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    const json j = ParseOneObject(r.out);
    BOOST_TEST(j["solver"] == solver);
    CheckRelative(j["test_r2"], 0.5757877060324508, 1e-7, "test_r2");
    CheckRelative(j["intercept"], 2.071946937378619, 1e-7, "intercept");
    BOOST_TEST(j["condition_number"].get<double>() > 1.0);
  }
}

BOOST_AUTO_TEST_CASE(constant_feature_warns_and_trains) {
  TempDir dir;
  std::string csv = "a,k,y\n";
  for (int i = 0; i < 30; ++i) csv += std::to_string(i) + ",7," + std::to_string(3 * i + 1) + "\n";
  const std::string path = dir.Write("k.csv", csv);
  const auto r =
      RunQlab({"train", "--dataset", path, "--target", "y", "--json", "--out", dir.File("m")});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  BOOST_TEST(r.err.find("warning: feature k is constant") != std::string::npos, r.err);
  const json j = ParseOneObject(r.out);
  BOOST_TEST(j["coef"][1].get<double>() == 0.0);
  BOOST_TEST(j["constant_features"] == json({"k"}));
}

BOOST_AUTO_TEST_CASE(out_replaces_files_in_an_existing_folder) {
  TempDir dir;
  const std::string out = dir.File("deep/er/models");
  BOOST_REQUIRE(RunQlab(WithData({"train", "--out", out, "--solver", "qr"})).exit_code == 0);
  BOOST_REQUIRE(RunQlab(WithData({"train", "--out", out})).exit_code == 0);
  const json model = json::parse(qlab::io::ReadFileBytes(out + "/model.json"));
  BOOST_TEST(model["solver"] == "svd");
  int entries = 0;
  for (const auto& e : std::filesystem::directory_iterator(out)) entries += e.is_regular_file();
  BOOST_TEST(entries == 1);  // no temporary file left behind
}

BOOST_AUTO_TEST_CASE(run_writes_a_report_folder) {
  TempDir dir;
  const auto r = RunQlab(WithData({"run", "--out", dir.File("report")}));
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  for (const char* file : {"model.json", "train.json", "predict.json", "quantize.json",
                           "bench.json", "report.md", "report.html", "report.json"}) {
    BOOST_TEST(std::filesystem::exists(dir.File("report/") + file), file);
  }
  BOOST_TEST(r.out.find("Report folder: " + dir.File("report")) != std::string::npos, r.out);
  const json predict = json::parse(qlab::io::ReadFileBytes(dir.File("report/predict.json")));
  CheckRelative(predict["mean"], 2.0515237980264827, 1e-9, "mean");

  // Without --out: ./reports/<UTC time>-<host>/ under the current folder.
  // (The one `qlab run` of the suite with its benchmarks is the one above; this one checks only
  // the folder's name.)
  const auto defaulted = RunQlab(WithData({"run", "--no-bench"}), dir.path());
  BOOST_REQUIRE_MESSAGE(defaulted.exit_code == 0, defaulted.err);
  int folders = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.File("reports"))) {
    ++folders;
    const std::string name = e.path().filename().string();
    BOOST_TEST(name.size() > 17u);
    BOOST_TEST(name[8] == 'T');
    BOOST_TEST(name.substr(15, 2) == "Z-");
    BOOST_TEST(std::filesystem::exists(e.path() / "model.json"));
    // The folder's listing names what this run wrote: no bench.json without benchmarks.
    BOOST_TEST(!std::filesystem::exists(e.path() / "bench.json"));
    BOOST_TEST(defaulted.out.find("bench.json") == std::string::npos, defaulted.out);
  }
  BOOST_TEST(folders == 1);
  BOOST_TEST(r.out.find(" bench.json, ") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_CASE(numeric_options_are_decimal_only_even_when_empty) {
  // An empty value (which the malformed corpus cannot spell as an argument) is refused by the
  // same parser as "010" and "0x10", before anything runs.
  TempDir dir;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"train", "--seed", "", "--out", dir.File("m")},
        std::vector<std::string>{"train", "--test-size", "", "--out", dir.File("m")},
        std::vector<std::string>{"quantize", "--bits", "", "--out", dir.File("m")},
        std::vector<std::string>{"score", "--threads", "", "--input", "-"}}) {
    const auto r = RunQlab(args);
    BOOST_TEST(r.exit_code == 2, args[1] << ": " << r.err);
    BOOST_TEST(r.out.empty());
    BOOST_TEST(r.err == "qlab: " + args[1] + ": '': empty, expected a decimal number\n", r.err);
  }
  BOOST_TEST(!std::filesystem::exists(dir.File("m")));
}

// Overflow is bad input found before anything is written (issue 12, class 3): a re-signed
// artifact whose parameters are finite but absurd (an intercept of 1.7e308, a coefficient of
// 1e300) made predict print "MSE inf" and null JSON with exit 0, and score print 1.7e308 for
// every row. Now exit 2 when the model is loaded, one line at the value in the artifact, nothing
// on stdout, no --predictions or --output file; quantize names the model file too.
BOOST_AUTO_TEST_CASE(a_resigned_artifact_whose_predictions_overflow_is_bad_input) {
  TempDir dir;
  const std::string csv = dir.Write("d.csv",
                                    "a,b,y\n1,2,3\n2,1,4\n3,5,9\n4,2,6\n5,7,12\n6,1,7\n7,3,10\n"
                                    "8,8,16\n9,2,11\n10,4,14\n");
  const std::string m = dir.File("m");
  BOOST_REQUIRE(RunQlab({"train", "--dataset", csv, "--target", "y", "--out", m}).exit_code == 0);
  const qlab::model::LinearModel trained = qlab::model::LoadModel(m);
  for (const auto& edit : std::vector<void (*)(qlab::model::LinearModel&)>{
           [](qlab::model::LinearModel& model) { model.intercept = 1.7e308; },
           [](qlab::model::LinearModel& model) { model.coef[0] = 1e300; },
           [](qlab::model::LinearModel& model) { model.coef[1] = -1.7e308; }}) {
    qlab::model::LinearModel model = trained;
    edit(model);
    qlab::model::SaveModel(model, m);  // re-signed: tensor_sha256 of the edited values
    const std::string out = dir.File("p.csv");
    const std::string rows = dir.Write("rows.csv", "a,b\n1,2\n");
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"predict", "--model", m, "--predictions", out},
             {"predict", "--model", m, "--predictions", out, "--json"},
             {"score", "--model", m, "--input", rows, "--output", out},
             {"score", "--model", m, "--input", rows}}) {
      const auto r = RunQlab(args);
      BOOST_TEST(r.exit_code == 2, args[0] << ": " << r.out << r.err);
      BOOST_TEST(r.out.empty(), args[0] << ": " << r.out);
      BOOST_TEST(r.err.rfind(m + "/model.json:", 0) == 0, r.err);
      BOOST_TEST((r.err.find("too large for the recorded training fit") != std::string::npos ||
                  r.err.find("is no mean of training targets") != std::string::npos),
                 r.err);
      BOOST_TEST((!r.err.empty() && r.err.find('\n') == r.err.size() - 1), r.err);
      BOOST_TEST(!std::filesystem::exists(out));
    }
    // quantize scores the test split with the float model and each scheme: no -inf or null
    // delta in its JSON, no artifact.
    for (const char* scheme : {"seed", "w8", "w8a8"}) {
      const std::string q = dir.File(std::string("q_") + scheme);
      const auto r = RunQlab({"quantize", "--model", m, "--scheme", scheme, "--out", q, "--json"});
      BOOST_TEST(r.exit_code == 2, scheme << ": " << r.out << r.err);
      BOOST_TEST(r.out.empty(), scheme << ": " << r.out);
      BOOST_TEST(r.err.rfind(m + "/model.json:", 0) == 0, scheme << ": " << r.err);
      BOOST_TEST((!r.err.empty() && r.err.find('\n') == r.err.size() - 1), r.err);
      BOOST_TEST(!std::filesystem::exists(q), scheme);
    }
  }
  // Targets near 1e40 train a model predict runs but no scheme can (f32 arithmetic): refused by
  // quantize, naming the model's file (it said "qlab:").
  const std::string large = dir.Write("large.csv",
                                      "a,b,y\n1,2,3e40\n2,1,4e40\n3,5,9e40\n4,2,6e40\n5,7,12e40\n"
                                      "6,1,7e40\n7,3,10e40\n8,8,16e40\n9,2,11e40\n10,4,14e40\n");
  const std::string l = dir.File("l");
  BOOST_REQUIRE(RunQlab({"train", "--dataset", large, "--target", "y", "--out", l}).exit_code == 0);
  BOOST_TEST(RunQlab({"predict", "--model", l}).exit_code == 0);
  for (const char* scheme : {"seed", "w8", "w8a8"}) {
    const auto r = RunQlab({"quantize", "--model", l, "--scheme", scheme, "--out", dir.File("q")});
    BOOST_TEST(r.exit_code == 2, scheme << ": " << r.out << r.err);
    BOOST_TEST(r.err.rfind(l + "/model.json: overflow: ", 0) == 0, scheme << ": " << r.err);
  }
}

// Re-signed edits that keep an artifact self-consistent (hostile pass): coefficients ×1e10 within
// a recorded condition number of 1e11, a mean of 1e15 beside a scale of 1e4, a quantized weight
// scale ×1e30 with codes to match, a bias_correction of 1e30 added to the bias. Where the recorded
// data is at hand, predict and score refuse them (the float model must give its recorded metrics
// again, a quantized one be what quantizing it gives); a condition number past the rank check, an
// MAE above √MSE and a negative training R² are refused from the file alone.
BOOST_AUTO_TEST_CASE(resigned_edits_that_the_recorded_data_contradicts_are_refused) {
  TempDir dir;
  std::string csv = "a,b,y\n";
  for (int i = 0; i < 60; ++i) {
    csv += fmt::format("{},{},{}\n", i % 7, (i * 3) % 11, 2.0 * (i % 7) - (i * 3) % 11 + i % 4);
  }
  const std::string data = dir.Write("d.csv", csv);
  const std::string m = dir.File("m");
  BOOST_REQUIRE(RunQlab({"train", "--dataset", data, "--target", "y", "--out", m}).exit_code == 0);
  const std::string rows = dir.Write("rows.csv", "a,b\n1,2\n3,4\n");
  const qlab::model::LinearModel trained = qlab::model::LoadModel(m);
  const auto expect_refused = [&](const std::string& folder, const std::string& file,
                                  const std::string& message) {
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"predict", "--model", folder}, {"score", "--model", folder, "--input", rows}}) {
      const auto r = RunQlab(args);
      BOOST_TEST(r.exit_code == 2, args[0] << ": " << r.out << r.err);
      BOOST_TEST(r.out.empty(), args[0] << ": " << r.out);
      BOOST_TEST(r.err.rfind(folder + "/" + file + ":", 0) == 0, args[0] << ": " << r.err);
      BOOST_TEST(r.err.find(message) != std::string::npos, args[0] << ": " << r.err);
    }
  };
  const std::vector<std::pair<void (*)(qlab::model::LinearModel&), std::string>> float_edits = {
      {[](qlab::model::LinearModel& model) {
         model.condition_number = 1e11;
         model.coef *= 1e10;
       },
       "are not what the model gives on its recorded data"},
      {[](qlab::model::LinearModel& model) {
         model.scaler_mean[0] = 1e15;
         model.scaler_scale[0] = 1e4;
       },
       "are not what the model gives on its recorded data"},
      {[](qlab::model::LinearModel& model) { model.coef[1] *= 1.0000001; },
       "are not what the model gives on its recorded data"},
      {[](qlab::model::LinearModel& model) { model.condition_number = 1e300; },
       "is beyond what the rank check lets through"},
      {[](qlab::model::LinearModel& model) { model.train.mae = 5 * std::sqrt(model.train.mse); },
       "the training MAE"},
      {[](qlab::model::LinearModel& model) { model.test.mae = 5 * std::sqrt(model.test.mse); },
       "the test MAE"},
      {[](qlab::model::LinearModel& model) { model.train.r2 = -0.5; },
       "the training R² -0.5 is below 0"},
  };
  for (const auto& [edit, message] : float_edits) {
    qlab::model::LinearModel model = trained;
    edit(model);
    qlab::model::SaveModel(model, m);
    expect_refused(m, "model.json", message);
  }
  qlab::model::SaveModel(trained, m);
  for (const char* scheme : {"seed", "w8", "w8a8"}) {
    const std::string q = dir.File(std::string("q_") + scheme);
    BOOST_REQUIRE(RunQlab({"quantize", "--model", m, "--scheme", scheme, "--out", q}).exit_code ==
                  0);
    BOOST_TEST(RunQlab({"score", "--model", q, "--input", rows}).exit_code == 0, scheme);
    const qlab::quant::QuantizedModel quantized = qlab::quant::LoadQuantized(q);
    qlab::quant::QuantizedModel edited = quantized;
    if (edited.scheme == qlab::quant::Scheme::kSeed) {
      edited.seed_coef.scale *= 1e30;
      for (size_t j = 0; j < edited.seed_coef.codes.size(); ++j) {
        edited.seed_coef.dequantized[j] =
            qlab::quant::SeedDequantize(edited.seed_coef.codes[j], edited.seed_coef.zero_point,
                                        static_cast<float>(edited.seed_coef.scale));
      }
    } else {
      edited.weight_scale *= 1e30;
    }
    qlab::io::WriteFileAtomically(q + "/quantized_model.json",
                                  qlab::quant::QuantizedToJson(edited).dump(2) + "\n");
    expect_refused(q, "quantized_model.json", "are not what quantizing its float model");
  }
  BOOST_REQUIRE(
      RunQlab({"quantize", "--model", m, "--scheme", "w8a8", "--out", dir.File("q2")}).exit_code ==
      0);
  qlab::quant::QuantizedModel corrected = qlab::quant::LoadQuantized(dir.File("q2"));
  corrected.bias_correction += 1e30;
  corrected.bias += 1e30;
  qlab::io::WriteFileAtomically(dir.File("q2/quantized_model.json"),
                                qlab::quant::QuantizedToJson(corrected).dump(2) + "\n");
  expect_refused(dir.File("q2"), "quantized_model.json", "are not what quantizing its float model");
}

// A re-signed quantized artifact whose fields contradict one another (issue 12, class 4): a
// bias_correction that was never added to the bias, a calibrated range inverted or 1e300 wide. The
// digest is valid, so only the cross-checks stand in the way: predict and score exit 2 with one
// line naming quantized_model.json, nothing on stdout.
BOOST_AUTO_TEST_CASE(a_resigned_quantized_artifact_that_contradicts_itself_is_bad_input) {
  TempDir dir;
  std::string csv = "a,b,y\n";
  for (int i = 0; i < 40; ++i) {
    csv += fmt::format("{},{},{}\n", i % 7, (i * 3) % 11, 2.0 * (i % 7) - (i * 3) % 11 + 1);
  }
  const std::string data = dir.Write("d.csv", csv);
  const std::string m = dir.File("m");
  BOOST_REQUIRE(RunQlab({"train", "--dataset", data, "--target", "y", "--out", m}).exit_code == 0);
  const std::string q = dir.File("q");
  BOOST_REQUIRE(RunQlab({"quantize", "--model", m, "--scheme", "w8a8", "--out", q}).exit_code == 0);
  const std::string rows = dir.Write("rows.csv", "a,b\n1,2\n3,4\n");
  for (const auto& edit : std::vector<void (*)(qlab::quant::QuantizedModel&)>{
           [](qlab::quant::QuantizedModel& model) { model.bias_correction = -1e308; },
           [](qlab::quant::QuantizedModel& model) {
             std::swap(model.features[0].calibrated_lo, model.features[0].calibrated_hi);
           },
           [](qlab::quant::QuantizedModel& model) { model.features[1].calibrated_hi = 1e300; },
           // The embedded float model is held to model.json's rules (no training gives these).
           [](qlab::quant::QuantizedModel& model) { model.float_model.intercept = 1.7e308; },
           [](qlab::quant::QuantizedModel& model) { model.float_model.scaler_scale[0] = 5e-324; },
           [](qlab::quant::QuantizedModel& model) { model.float_model.feature_names[1] = ""; }}) {
    qlab::quant::QuantizedModel model = qlab::quant::LoadQuantized(q);
    edit(model);
    // Re-signed (tensor_sha256 of the edited values) and written as is: SaveQuantized would
    // refuse to write what its loader refuses.
    qlab::io::WriteFileAtomically(q + "/quantized_model.json",
                                  qlab::quant::QuantizedToJson(model).dump(2) + "\n");
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"predict", "--model", q, "--json"}, {"score", "--model", q, "--input", rows}}) {
      const auto r = RunQlab(args);
      BOOST_TEST(r.exit_code == 2, args[0] << ": " << r.out << r.err);
      BOOST_TEST(r.out.empty(), r.out);
      BOOST_TEST(r.err.rfind(q + "/quantized_model.json:", 0) == 0, r.err);
      BOOST_TEST(r.err.find("tensor_sha256") == std::string::npos, r.err);
      BOOST_TEST((!r.err.empty() && r.err.find('\n') == r.err.size() - 1), r.err);
    }
    std::filesystem::remove_all(q);
    BOOST_REQUIRE(RunQlab({"quantize", "--model", m, "--scheme", "w8a8", "--out", q}).exit_code ==
                  0);
  }
}

// `quantize --model a --out b` where b holds another float model: every later load of b refused
// the pair (the quantized one was not made from b's model.json), yet quantize exited 0 and left b
// unusable, even for `predict --kernel ref`. Now exit 2 before writing, b as it was.
BOOST_AUTO_TEST_CASE(quantize_into_another_models_folder_is_refused_before_writing) {
  TempDir dir;
  std::string csv = "a,b,y\n";
  for (int i = 0; i < 40; ++i) {
    csv += fmt::format("{},{},{}\n", i % 7, (i * 3) % 11, 2.0 * (i % 7) - (i * 3) % 11 + 1);
  }
  const std::string data = dir.Write("d.csv", csv);
  const std::string a = dir.File("a");
  const std::string b = dir.File("b");
  BOOST_REQUIRE(RunQlab({"train", "--dataset", data, "--target", "y", "--out", a}).exit_code == 0);
  BOOST_REQUIRE(
      RunQlab({"train", "--dataset", data, "--target", "y", "--seed", "9", "--out", b}).exit_code ==
      0);
  const std::string before = qlab::io::ReadFileBytes(b + "/model.json");
  for (const char* scheme : {"seed", "w8", "w8a8"}) {
    const auto r = RunQlab({"quantize", "--model", a, "--scheme", scheme, "--out", b});
    BOOST_TEST(r.exit_code == 2, scheme << ": " << r.out << r.err);
    BOOST_TEST(r.out.empty(), r.out);
    BOOST_TEST(r.err.rfind(b + "/model.json: holds another float model", 0) == 0, r.err);
    BOOST_TEST((!r.err.empty() && r.err.find('\n') == r.err.size() - 1), r.err);
    BOOST_TEST(!std::filesystem::exists(b + "/quantized_model.json"), scheme);
    BOOST_TEST(qlab::io::ReadFileBytes(b + "/model.json") == before);
  }
  BOOST_TEST(RunQlab({"predict", "--model", b, "--kernel", "ref"}).exit_code == 0);
  // Its own model, or a folder without one: written.
  BOOST_TEST(RunQlab({"quantize", "--model", b, "--out", b}).exit_code == 0);
  BOOST_TEST(RunQlab({"quantize", "--model", a, "--out", dir.File("q")}).exit_code == 0);
}

// The seed scheme computes in f32 as the original did: coefficients near 3e40 dequantized to
// infinity and the artifact held "dequantized": [null, null] with exit 0. Now bad input, and no
// artifact folder.
BOOST_AUTO_TEST_CASE(seed_quantization_past_the_f32_range_is_bad_input) {
  TempDir dir;
  std::string csv = "a,b,y\n";
  for (int i = 0; i < 30; ++i) {
    const double a = (i % 7) - 3.0, b = (i % 5) * 0.5 - 1.0;
    csv += fmt::format("{},{},{}\n", a, b, 3e40 * a + 1e40 * b);
  }
  const std::string m = dir.File("m");
  BOOST_REQUIRE(
      RunQlab({"train", "--dataset", dir.Write("d.csv", csv), "--target", "y", "--out", m})
          .exit_code == 0);
  const std::string out = dir.File("q");
  const auto r = RunQlab({"quantize", "--model", m, "--scheme", "seed", "--out", out, "--json"});
  BOOST_TEST(r.exit_code == 2, r.out << r.err);
  BOOST_TEST(r.out.empty(), r.out);
  BOOST_TEST(r.err.find("overflow: ") != std::string::npos, r.err);
  BOOST_TEST((!r.err.empty() && r.err.find('\n') == r.err.size() - 1), r.err);
  BOOST_TEST(!std::filesystem::exists(out));
}

// Issue 12, class 4: split.seed, split.test_size, the row counts and the feature names were
// outside the checksum, and an edited seed made predict score a "test" split overlapping the
// training rows. An edit that keeps the old checksum is refused; one re-signed (the digest
// recomputed, as a determined editor could) is refused when the recorded data is re-read: its
// columns must be feature_names and its rows n_train + n_test. Both, for model.json and for the
// float model inside a quantized artifact.
BOOST_AUTO_TEST_CASE(artifacts_whose_split_or_features_are_not_their_data_are_bad_input) {
  TempDir dir;
  const std::string csv = dir.Write("d.csv",
                                    "a,b,y\n1,2,3\n2,1,4\n3,5,9\n4,2,6\n5,7,12\n6,1,7\n7,3,10\n"
                                    "8,8,16\n9,2,11\n10,4,14\n");
  const std::string m = dir.File("m");
  const std::string q = dir.File("q");
  BOOST_REQUIRE(RunQlab({"train", "--dataset", csv, "--target", "y", "--out", m}).exit_code == 0);
  BOOST_REQUIRE(RunQlab({"quantize", "--model", m, "--out", q}).exit_code == 0);
  const std::string model_json = qlab::io::ReadFileBytes(m + "/model.json");
  const std::string quantized_json = qlab::io::ReadFileBytes(q + "/quantized_model.json");
  const auto expect_refused = [](const std::string& folder, const std::string& message,
                                 const std::string& what) {
    const auto r = RunQlab({"predict", "--model", folder});
    BOOST_TEST(r.exit_code == 2, what << ": " << r.out << r.err);
    BOOST_TEST(r.out.empty(), what << ": " << r.out);
    BOOST_TEST(r.err.find(message) != std::string::npos, what << ": " << r.err);
    BOOST_TEST((!r.err.empty() && r.err.find('\n') == r.err.size() - 1), what << ": " << r.err);
  };
  BOOST_TEST(RunQlab({"predict", "--model", m}).exit_code == 0);
  BOOST_TEST(RunQlab({"predict", "--model", q}).exit_code == 0);

  // Hand edits, the old checksum kept. 10 rows, 8 + 2: each edit keeps n_test the count that
  // test_size gives, so the checksum is what refuses it.
  const std::vector<std::pair<std::string, std::function<void(json&)>>> edits = {
      {"split.seed", [](json& j) { j["split"]["seed"] = 7; }},
      {"split.test_size", [](json& j) { j["split"]["test_size"] = 0.15; }},
      {"split.n_train", [](json& j) { j["split"]["n_train"] = 7; }},
      {"split.n_test", [](json& j) { j["split"]["n_test"] = 3; }},
      {"feature_names",
       [](json& j) {
         j["feature_names"] = {"b", "a"};
       }},
  };
  for (const auto& [what, edit] : edits) {
    json j = json::parse(model_json);
    edit(j);
    qlab::io::WriteFileAtomically(m + "/model.json", j.dump(2));
    expect_refused(m, m + "/model.json: 'tensor_sha256' ", "model.json " + what);
    json jq = json::parse(quantized_json);
    edit(jq["float_model"]);
    if (what == "feature_names") {  // w8a8 names each feature's quantizer too: kept consistent
      jq["features"][0]["name"] = "b";
      jq["features"][1]["name"] = "a";
    }
    qlab::io::WriteFileAtomically(q + "/quantized_model.json", jq.dump(2));
    expect_refused(q, q + "/quantized_model.json: 'tensor_sha256' ", "float_model " + what);
  }
  qlab::io::WriteFileAtomically(m + "/model.json", model_json);
  qlab::io::WriteFileAtomically(q + "/quantized_model.json", quantized_json);

  // Re-signed: refused by the comparison with the data file.
  const auto swap_features = [](qlab::model::LinearModel& model) {
    std::swap(model.feature_names[0], model.feature_names[1]);
  };
  const auto fewer_rows = [](qlab::model::LinearModel& model) { model.n_train -= 1; };
  const std::string columns = csv + ": columns (a, b) differ from the model's feature_names (b, a)";
  const std::string rows =
      csv + ": has 10 rows; the model's split records n_train 7 + n_test 2 = 9";
  for (const auto& [edit, message] :
       std::vector<std::pair<void (*)(qlab::model::LinearModel&), std::string>>{
           {swap_features, columns}, {fewer_rows, rows}}) {
    qlab::model::LinearModel model = qlab::model::LoadModel(m);
    edit(model);
    qlab::model::SaveModel(model, m);
    expect_refused(m, message, "re-signed model.json: " + message);
    qlab::io::WriteFileAtomically(m + "/model.json", model_json);

    qlab::quant::QuantizedModel quantized = qlab::quant::LoadQuantized(q);
    edit(quantized.float_model);
    // Its recorded origin m would refuse it first (a float model that differs from the one
    // embedded): what is tested here is the comparison with the data, so it records none.
    quantized.float_model_dir = dir.File("no-such-origin");
    qlab::io::WriteFileAtomically(q + "/quantized_model.json",
                                  qlab::quant::QuantizedToJson(quantized).dump(2) + "\n");
    expect_refused(q, message, "re-signed quantized_model.json: " + message);
    qlab::io::WriteFileAtomically(q + "/quantized_model.json", quantized_json);
  }
}

namespace {

// 200 rows of three features and a noisy linear target (R² about 0.8), the target times 2^k
// (exact in doubles, and printed shortest round-trip, so exact in the CSV too); or a constant
// target when `constant` is set.
std::string ScaledTargetCsv(int k, std::optional<double> constant = std::nullopt) {
  std::string csv = "a,b,c,y\n";
  uint64_t state = 12345;
  auto next = [&state] {  // a fixed LCG: the same rows on every platform
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state >> 11) * 0x1.0p-53;
  };
  for (int i = 0; i < 200; ++i) {
    const double a = next(), b = next(), c = next(), noise = next() - 0.5;
    const double y = constant ? *constant : std::ldexp(2 * a - b + 0.5 * c + 0.4 * noise, k);
    csv += fmt::format("{},{},{},{}\n", a, b, c, y);
  }
  return csv;
}

json TrainJson(const TempDir& dir, const std::string& name, const std::string& csv) {
  const std::string path = dir.Write(name + ".csv", csv);
  const auto r =
      RunQlab({"train", "--dataset", path, "--target", "y", "--json", "--out", dir.File(name)});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, name << ": " << r.err);
  return ParseOneObject(r.out);
}

}  // namespace

// A target near 1e154 (whose squares overflow in SS_tot: R² was 1 - finite/inf = 1) or near
// 1e-300 (whose squares underflow: SS_res = SS_tot = 0 and R² 1, MSE 0) must give the true R².
// Near 1e154 every figure is in the double range: the same R² bit for bit as the unscaled target,
// the MSE 2^1020 times, and predict's std finite (it was inf). Near 1e-300 the MSE itself lies
// below the double range: bad input "underflow", quoting the true R², never "MSE 0".
BOOST_AUTO_TEST_CASE(targets_near_1e154_and_1e_300_give_the_true_r2) {
  TempDir dir;
  const json plain = TrainJson(dir, "plain", ScaledTargetCsv(0));
  BOOST_TEST(plain["test_r2"].get<double>() > 0.5);
  BOOST_TEST(plain["test_r2"].get<double>() < 0.99);

  const json huge = TrainJson(dir, "huge", ScaledTargetCsv(510));
  for (const char* key : {"train_r2", "test_r2"}) {
    BOOST_TEST(huge[key].get<double>() == plain[key].get<double>(), key);
  }
  for (const char* key : {"train_mse", "test_mse"}) {
    BOOST_TEST(huge[key].get<double>() == std::ldexp(plain[key].get<double>(), 1020), key);
  }
  BOOST_TEST(huge["test_mae"].get<double>() == std::ldexp(plain["test_mae"].get<double>(), 510));
  const auto predict_plain = RunQlab({"predict", "--model", dir.File("plain"), "--json"});
  const auto predict_huge = RunQlab({"predict", "--model", dir.File("huge"), "--json"});
  BOOST_REQUIRE_MESSAGE(predict_plain.exit_code == 0, predict_plain.err);
  BOOST_REQUIRE_MESSAGE(predict_huge.exit_code == 0, predict_huge.err);
  const json p = ParseOneObject(predict_plain.out), h = ParseOneObject(predict_huge.out);
  BOOST_TEST(h["test_r2"].get<double>() == p["test_r2"].get<double>());
  for (const char* key : {"mean", "std", "min", "max"}) {
    BOOST_TEST(h[key].is_number(), key << " is " << h[key].dump());
    BOOST_TEST(h[key].get<double>() == std::ldexp(p[key].get<double>(), 510),
               key << ": " << h[key].get<double>() << " vs " << p[key].get<double>());
  }

  for (const int k : {-1000, -1040}) {
    const std::string path = dir.Write("tiny.csv", ScaledTargetCsv(k));
    const auto r =
        RunQlab({"train", "--dataset", path, "--target", "y", "--json", "--out", dir.File("tiny")});
    BOOST_TEST_CONTEXT("2^" << k) {
      BOOST_TEST(r.exit_code == 2, r.out << r.err);
      BOOST_TEST(r.out.empty());
      BOOST_TEST(r.err.find('\n') == r.err.size() - 1, r.err);
      BOOST_TEST(r.err.rfind(path + ": underflow: the training MSE is about ", 0) == 0, r.err);
      if (k == -1000) {  // exactly scaled: the R² the message quotes is the unscaled one
        BOOST_TEST(r.err.find(fmt::format("(R² {:.6g} is defined)",
                                          plain["train_r2"].get<double>())) != std::string::npos,
                   r.err);
      }
      BOOST_TEST(!std::filesystem::exists(dir.File("tiny")));
    }
  }
  // Past 1e154 · √n the MSE itself overflows: bad input "overflow", as before.
  const std::string over = dir.Write("over.csv", ScaledTargetCsv(1000));
  const auto r = RunQlab({"train", "--dataset", over, "--target", "y", "--out", dir.File("over")});
  BOOST_TEST(r.exit_code == 2, r.out << r.err);
  BOOST_TEST(r.out.empty());
  BOOST_TEST(r.err.rfind(over + ": overflow: the training MSE is inf", 0) == 0, r.err);
}

// A target with zero variance has no R² (0/0); it was reported as 1.0 (a perfect fit) or 0.
BOOST_AUTO_TEST_CASE(a_constant_target_is_bad_input_not_r2_one) {
  TempDir dir;
  for (const double c : {3.0, 1e-300, 0.1}) {
    const std::string path = dir.Write("constant.csv", ScaledTargetCsv(0, c));
    const auto r = RunQlab(
        {"train", "--dataset", path, "--target", "y", "--json", "--out", dir.File("constant")});
    BOOST_TEST_CONTEXT(c) {
      BOOST_TEST(r.exit_code == 2, r.out << r.err);
      BOOST_TEST(r.out.empty());
      BOOST_TEST(r.err.rfind(path +
                                 ": the target is constant on the training split (all 160 "
                                 "values are " +
                                 fmt::format("{}", c) + "): its variance is 0",
                             0) == 0,
                 r.err);
      BOOST_TEST(!std::filesystem::exists(dir.File("constant")));
    }
  }
  // predict on data named anew whose target is constant: the test split's R² is undefined too.
  TrainJson(dir, "varying", ScaledTargetCsv(0));
  const std::string constant = dir.Write("constant.csv", ScaledTargetCsv(0, 2.5));
  const auto r = RunQlab({"predict", "--model", dir.File("varying"), "--dataset", constant,
                          "--target", "y", "--json"});
  BOOST_TEST(r.exit_code == 2, r.out << r.err);
  BOOST_TEST(r.out.empty());
  BOOST_TEST(r.err.rfind(constant + ": the target is constant on the test split", 0) == 0, r.err);
}
