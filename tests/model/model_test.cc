// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
// Training on synthetic CSV data, the model artifact, and reloading the data a model records.
#define BOOST_TEST_MODULE lab_model
#include <boost/test/unit_test.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "common/input_error.h"
#include "common/temp_dir.h"
#include "qlab/data/dataset.h"
#include "qlab/io/atomic_file.h"
#include "qlab/io/input_error.h"
#include "qlab/model/artifact.h"
#include "qlab/model/linear_model.h"

using qlab::io::InputError;
using qlab::model::LinearModel;
using qlab::testing::Contains;
using qlab::testing::ErrorOf;
using qlab::testing::TempDir;

namespace {

// CSV with columns a, b, c, y = 2a − 3b + 0.5c + 5 (no noise) and `extra` appended per row.
std::string SyntheticCsv(int rows, const std::string& extra_name = "",
                         double (*extra)(double, double, double, int) = nullptr) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(-10.0, 10.0);
  std::string csv = "a,b,c,y";
  if (extra) csv += "," + extra_name;
  csv += "\n";
  for (int i = 0; i < rows; ++i) {
    const double a = u(rng), b = u(rng) * 100, c = u(rng) + 1000;
    csv += fmt::format("{},{},{},{}", a, b, c, 2 * a - 3 * b + 0.5 * c + 5);
    if (extra) csv += fmt::format(",{}", extra(a, b, c, i));
    csv += "\n";
  }
  return csv;
}

qlab::data::SplitData SplitCsv(const std::string& path, const std::string& target = "y") {
  return qlab::data::MakeSplit(qlab::data::LoadCsv(path, target), 0.25, 7);
}

// Where `"key": ` first appears in `text` (after `after`, if given): line:col of its value, as
// the reader reports a value it refuses.
std::string ValueAt(const std::string& text, const std::string& key,
                    const std::string& after = "") {
  const size_t from = after.empty() ? 0 : text.find("\"" + after + "\": ");
  const std::string needle = "\"" + key + "\": ";
  const size_t at = text.find(needle, from) + needle.size();
  size_t line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return fmt::format("{}:{}", line, at - line_start + 1);
}

}  // namespace

BOOST_AUTO_TEST_CASE(noiseless_data_recovers_the_coefficients_with_every_solver) {
  TempDir dir;
  const auto split = SplitCsv(dir.Write("s.csv", SyntheticCsv(200)));
  for (const char* solver : {"svd", "qr", "ldlt"}) {
    BOOST_TEST_CONTEXT("solver " << solver) {
      const LinearModel model = qlab::model::Train(split, solver);
      // Raw-space coefficients are coef / scale.
      const Eigen::VectorXd raw = model.coef.cwiseQuotient(model.scaler_scale);
      BOOST_TEST(std::abs(raw[0] - 2.0) < 1e-12);
      BOOST_TEST(std::abs(raw[1] + 3.0) < 1e-12);
      BOOST_TEST(std::abs(raw[2] - 0.5) < 1e-12);
      BOOST_TEST(model.test.r2 > 1 - 1e-12);
      BOOST_TEST(model.test.mse < 1e-20);
      BOOST_TEST(model.n_train == 150);
      BOOST_TEST(model.n_test == 50);
    }
  }
}

BOOST_AUTO_TEST_CASE(constant_feature_is_left_out_with_coefficient_zero) {
  TempDir dir;
  const auto split = SplitCsv(
      dir.Write("c.csv", SyntheticCsv(100, "k", [](double, double, double, int) { return 4.25; })));
  const LinearModel model = qlab::model::Train(split, "svd");
  BOOST_TEST(model.constant_features == (std::vector<std::string>{"k"}),
             boost::test_tools::per_element());
  BOOST_TEST(model.coef[3] == 0.0);
  BOOST_TEST(model.scaler_scale[3] == 1.0);
  BOOST_TEST(model.scaler_mean[3] == 4.25);
  BOOST_TEST(model.test.mse < 1e-20);
}

BOOST_AUTO_TEST_CASE(rank_deficient_design_names_the_columns) {
  TempDir dir;
  const std::string path = dir.Write(
      "r.csv", SyntheticCsv(100, "d", [](double a, double, double c, int) { return a - 2 * c; }));
  const std::string error = ErrorOf([&] { qlab::model::Train(SplitCsv(path), "svd"); });
  BOOST_TEST(Contains(error,
                      "rank-deficient design on the training split: columns a, c, d are "
                      "linearly dependent"),
             error);
  BOOST_TEST(Contains(error, path + ": "), error);
}

BOOST_AUTO_TEST_CASE(too_few_training_rows_are_refused) {
  TempDir dir;
  const std::string path = dir.Write("few.csv", "a,b,y\n1,2,3\n2,1,4\n3,5,1\n4,4,4\n");
  const std::string error = ErrorOf([&] {
    qlab::model::Train(qlab::data::MakeSplit(qlab::data::LoadCsv(path, "y"), 0.5, 42), "svd");
  });
  BOOST_TEST(Contains(error,
                      "too few rows for the split: 2 training rows cannot determine 2 "
                      "coefficients and an intercept"),
             error);
  BOOST_TEST(ErrorOf([] { qlab::data::TrainTestSplitIndices(3, 0.5, 0); }) ==
             "qlab: too few rows for the split: 3 rows with --test-size 0.5 give 1 training and 2 "
             "test rows, need at least 2 of each");
  BOOST_TEST(ErrorOf([] { qlab::data::TrainTestSplitIndices(10, 1.0, 0); }) ==
             "qlab: --test-size 1: must be in (0, 1)");
}

BOOST_AUTO_TEST_CASE(unknown_solver_is_bad_input) {
  TempDir dir;
  const auto split = SplitCsv(dir.Write("s.csv", SyntheticCsv(50)));
  BOOST_TEST(ErrorOf([&] { qlab::model::Train(split, "lsqr"); }) ==
             "qlab: --solver lsqr: not one of svd, qr, ldlt");
}

BOOST_AUTO_TEST_CASE(artifact_round_trips_every_double) {
  TempDir dir;
  const auto split = SplitCsv(dir.Write("s.csv", SyntheticCsv(80)));
  LinearModel model = qlab::model::Train(split, "qr");
  model.test_size = 0.25;  // 80 rows: 20 of them test rows, as the loader checks
  model.n_train = 60;
  model.n_test = 20;
  model.seed = 7;
  const std::string out = dir.File("nested/model dir");
  qlab::model::SaveModel(model, out);
  qlab::model::SaveModel(model, out);  // an existing folder and file are fine
  const LinearModel back = qlab::model::LoadModel(out);
  BOOST_TEST((back.coef == model.coef));
  BOOST_TEST((back.scaler_mean == model.scaler_mean));
  BOOST_TEST((back.scaler_scale == model.scaler_scale));
  BOOST_TEST(back.intercept == model.intercept);
  BOOST_TEST(back.condition_number == model.condition_number);
  BOOST_TEST(back.train.r2 == model.train.r2);
  BOOST_TEST(back.test.mae == model.test.mae);
  BOOST_TEST(back.feature_names == model.feature_names, boost::test_tools::per_element());
  BOOST_TEST(back.data_sha256 == model.data_sha256);
  BOOST_TEST(back.data_path == model.data_path);
  BOOST_TEST(back.solver == "qr");
  BOOST_TEST(back.seed == 7u);
  BOOST_TEST(back.test_size == 0.25);
  const auto j = nlohmann::json::parse(qlab::io::ReadFileBytes(out + "/model.json"));
  BOOST_TEST(j["format"] == "qlab.linear_model");
  BOOST_TEST(j["version"] == 3);
  BOOST_TEST(j["tensor_sha256"] == qlab::model::ModelDigest(back));
}

BOOST_AUTO_TEST_CASE(malformed_artifacts_are_bad_input) {
  TempDir dir;
  const auto split = SplitCsv(dir.Write("s.csv", SyntheticCsv(40)));
  LinearModel trained = qlab::model::Train(split, "svd");
  trained.test_size = 0.25;  // as SplitCsv split it
  trained.seed = 7;
  qlab::model::SaveModel(trained, dir.File("m"));
  const std::string file = dir.File("m/model.json");
  const auto good = nlohmann::json::parse(qlab::io::ReadFileBytes(file));
  // Each error names the file and the line:col of the value refused (of the object, for a key
  // that is missing).
  std::string text;
  auto error_with = [&](const nlohmann::json& j) {
    text = j.dump(2);
    qlab::io::WriteFileAtomically(file, text);
    return ErrorOf([&] { qlab::model::LoadModel(dir.File("m")); });
  };
  auto changed = [&](const char* key, const nlohmann::json& value) {
    nlohmann::json j = good;
    j[key] = value;
    return error_with(j);
  };
  std::string error = changed("format", "pickle");
  BOOST_TEST(error ==
             file + ":" + ValueAt(text, "format") + ": format 'pickle' is not qlab.linear_model");
  // Versions 1 and 2 left the split and the features out of the checksum: refused, naming the
  // command that rewrites them. A newer version is refused as unknown.
  for (const int old_version : {1, 2}) {
    error = changed("version", old_version);
    BOOST_TEST(error == file + ":" + ValueAt(text, "version") +
                            ": model format qlab.linear_model version " +
                            std::to_string(old_version) +
                            " is older than this qlab's version 3; rewrite it with `qlab train "
                            "--out " +
                            dir.File("m") + "` and the options it was trained with");
  }
  error = changed("version", 4);
  BOOST_TEST(error == file + ":" + ValueAt(text, "version") +
                          ": qlab.linear_model version 4 is not the version this qlab reads (3)");
  error = changed("coef", {1.0, 2.0});
  BOOST_TEST(error ==
             file + ":" + ValueAt(text, "coef") + ": 'coef' must be an array of 3 numbers");
  error = changed("intercept", "x");
  BOOST_TEST(error == file + ":" + ValueAt(text, "intercept") + ": 'intercept' must be a number");
  nlohmann::json no_scaler = good;
  no_scaler.erase("scaler");
  BOOST_TEST(error_with(no_scaler) == file + ":1:1: missing key 'scaler'");
  nlohmann::json zero_scale = good;
  zero_scale["scaler"]["scale"][0] = 0.0;
  error = error_with(zero_scale);
  BOOST_TEST(error == file + ":" + ValueAt(text, "scale", "scaler") +
                          ": 'scaler.scale' must hold positive numbers");

  // The checksum: a plausible edit of any parameter, by as little as one ulp, or of any field
  // that changes a prediction or a metric is caught; layout is not part of it (the same values,
  // compact and with keys reordered, still load).
  const std::string digest = good["tensor_sha256"];
  const auto edited = [&](auto&& edit) {
    nlohmann::json j = good;
    edit(j);
    return error_with(j);
  };
  const std::string mismatch =
      file + ": 'tensor_sha256' " + digest + " does not match the fields' ";
  BOOST_TEST(Contains(edited([](nlohmann::json& j) {
                        j["coef"][1] = std::nextafter(j["coef"][1].get<double>(), 1e300);
                      }),
                      mismatch));
  BOOST_TEST(Contains(edited([](nlohmann::json& j) {
                        j["scaler"]["mean"][0] = j["scaler"]["mean"][0].get<double>() * 1.5;
                      }),
                      mismatch));
  BOOST_TEST(
      Contains(edited([](nlohmann::json& j) { j["intercept"] = j["intercept"].get<double>() + 1; }),
               mismatch));
  BOOST_TEST(Contains(edited([](nlohmann::json& j) {
                        j["scaler"]["scale"][2] = j["scaler"]["scale"][2].get<double>() * 2;
                      }),
                      "the artifact was edited or corrupted"));
  BOOST_TEST(edited([](nlohmann::json& j) { j.erase("tensor_sha256"); }) ==
             file + ":1:1: missing key 'tensor_sha256'");
  error = edited([](nlohmann::json& j) { j["tensor_sha256"] = 7; });
  BOOST_TEST(error ==
             file + ":" + ValueAt(text, "tensor_sha256") + ": 'tensor_sha256' must be a string");
  // Swapping two features' coefficients keeps every value in the file, not their places.
  BOOST_TEST(
      Contains(edited([](nlohmann::json& j) { std::swap(j["coef"][0], j["coef"][1]); }), mismatch));
  // The split, the features and the data's identity (issue 12, class 4): an edited seed or
  // test_size scored a "test" split overlapping the training rows. 40 rows, 30 + 10: each edit
  // below keeps n_test the count test_size gives, so only the checksum stands in its way.
  BOOST_TEST(good["split"]["n_train"] == 30);
  BOOST_TEST(good["split"]["n_test"] == 10);
  const std::vector<std::pair<const char*, void (*)(nlohmann::json&)>> field_edits = {
      {"split.seed", [](nlohmann::json& j) { j["split"]["seed"] = 8; }},
      {"split.test_size", [](nlohmann::json& j) { j["split"]["test_size"] = 0.24; }},
      {"split.n_train", [](nlohmann::json& j) { j["split"]["n_train"] = 29; }},
      {"split.n_test", [](nlohmann::json& j) { j["split"]["n_test"] = 11; }},
      {"feature_names", [](nlohmann::json& j) { j["feature_names"][1] = "z"; }},
      {"feature order",
       [](nlohmann::json& j) { std::swap(j["feature_names"][0], j["feature_names"][1]); }},
      {"constant_features", [](nlohmann::json& j) { j["constant_features"] = {"a"}; }},
      {"data.target", [](nlohmann::json& j) { j["data"]["target"] = "a"; }},
      {"data.kind", [](nlohmann::json& j) { j["data"]["kind"] = "california"; }},
      {"data.sha256", [](nlohmann::json& j) { j["data"]["sha256"] = std::string(64, '0'); }},
      {"solver", [](nlohmann::json& j) { j["solver"] = "ldlt"; }},
      {"condition_number", [](nlohmann::json& j) { j["condition_number"] = nullptr; }},
      {"metrics.test.r2", [](nlohmann::json& j) { j["metrics"]["test"]["r2"] = 0.99; }},
      {"metrics.train.mae", [](nlohmann::json& j) { j["metrics"]["train"]["mae"] = 0.01; }},
  };
  for (const auto& [what, edit] : field_edits) {
    BOOST_TEST(Contains(edited(edit), mismatch), what);
  }
  // A row count that test_size cannot give is named where it stands, before the checksum.
  error = edited([](nlohmann::json& j) { j["split"]["n_test"] = 13; });
  BOOST_TEST(error == file + ":" + ValueAt(text, "n_test", "split") +
                          ": 'split.n_test' 13 is not the test rows that test_size 0.25 gives "
                          "n_train + n_test = 43 rows (11)");
  // Where the data was and who wrote the file change no prediction: not covered.
  for (const auto& edit : std::vector<void (*)(nlohmann::json&)>{
           [](nlohmann::json& j) { j["data"]["path"] = "/moved/s.csv"; },
           [](nlohmann::json& j) { j["created_by"] = "qlab 9.9"; }}) {
    BOOST_TEST(edited(edit).empty());
  }
  qlab::io::WriteFileAtomically(file, good.dump());  // compact, keys sorted: the same fields
  BOOST_TEST(qlab::model::ModelDigest(qlab::model::LoadModel(dir.File("m"))) == digest);

  qlab::io::WriteFileAtomically(file,
                                "{\n  \"format\": \"qlab.linear_model\",\n  \"version\": 1,,\n}");
  BOOST_TEST(Contains(ErrorOf([&] { qlab::model::LoadModel(dir.File("m")); }),
                      file + ":3:16: not valid JSON"));
  BOOST_TEST(Contains(ErrorOf([&] { qlab::model::LoadModel(dir.File("none")); }),
                      dir.File("none/model.json") + ": no such file; train a model first"));
}

// A re-signed model.json carries a valid digest of whatever it holds (issue 12, class 4): the
// feature lists must still agree with one another and with the parameters. Each edit is saved with
// SaveModel, which signs the edited values.
BOOST_AUTO_TEST_CASE(resigned_feature_lists_that_contradict_the_parameters_are_refused) {
  TempDir dir;
  const std::string data =
      dir.Write("s.csv", SyntheticCsv(40, "k", [](double, double, double, int) {
                  return 4.0;  // constant: left out of the fit
                }));
  LinearModel trained = qlab::model::Train(SplitCsv(data), "svd");
  trained.test_size = 0.25;  // as SplitCsv split it
  trained.seed = 7;
  BOOST_TEST(trained.constant_features == std::vector<std::string>{"k"});
  const std::string m = dir.File("m");
  qlab::model::SaveModel(trained, m);
  BOOST_TEST(ErrorOf([&] { qlab::model::LoadModel(m); }) == "");
  const std::string file = m + "/model.json";
  const std::vector<std::pair<void (*)(LinearModel&), std::string>> edits = {
      {[](LinearModel& model) { model.constant_features = {"x"}; },
       "'constant_features' holds 'x', which is not one of feature_names"},
      {[](LinearModel& model) {
         model.constant_features = {"k", "k"};
       },
       "'constant_features' holds 'k' twice"},
      {[](LinearModel& model) {
         model.constant_features = {"k", "a"};
       },
       "'constant_features' holds 'a', whose scale is "},
      {[](LinearModel& model) { model.coef[3] = 0.5; },
       "'constant_features' holds 'k', whose scale is 1 and coefficient 0.5; a constant feature "
       "has scale 1 and coefficient 0"},
      {[](LinearModel& model) { model.scaler_scale[3] = 2; },
       "'constant_features' holds 'k', whose scale is 2 and coefficient 0"},
      {[](LinearModel& model) { model.feature_names[1] = "a"; },
       "'feature_names' names 'a' twice (features 0 and 1)"},
  };
  for (const auto& [edit, message] : edits) {
    LinearModel model = trained;
    edit(model);
    qlab::model::SaveModel(model, m);
    const std::string error = ErrorOf([&] { qlab::model::LoadModel(m); });
    BOOST_TEST(error.rfind(file + ":", 0) == 0, error);
    BOOST_TEST(Contains(error, message), error);
  }
}

// Values each finite, together what no training gives (issue 12, class 3), re-signed: refused at
// the value (FILE:LINE:COL) by every loader, so score refuses what predict refuses. Training makes
// a column whose spread is within StandardScaler's error bound of its mean constant (scale 1,
// coefficient 0), its squared deviations sum finite, and no training prediction passes
// |intercept| + √(n−1)·Σ|coef| (Samuelson's inequality), whose square must stay finite.
BOOST_AUTO_TEST_CASE(resigned_parameters_no_training_gives_are_refused_at_the_value) {
  TempDir dir;
  // SyntheticCsv's target is exact (R² 1: nothing implied); this one is not.
  std::mt19937_64 rng(5);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::string csv = "a,b,c,y\n";
  for (int i = 0; i < 40; ++i) {
    const double a = noise(rng), b = 10 * noise(rng), c = 1000 + noise(rng);
    csv += fmt::format("{},{},{},{}\n", a, b, c, a - 0.2 * b + c + 3 * noise(rng));
  }
  LinearModel trained = qlab::model::Train(SplitCsv(dir.Write("s.csv", csv)), "svd");
  trained.test_size = 0.25;
  trained.seed = 7;
  BOOST_TEST(!qlab::model::FindImplausibleParameter(trained).has_value());
  BOOST_TEST(trained.train.r2 < 0.99);
  const std::string m = dir.File("m");
  const std::string file = m + "/model.json";
  const auto value_line = [&](const std::string& text) {
    // The 1-based line of the artifact's first line holding `text`.
    const std::string json = qlab::io::ReadFileBytes(file);
    const size_t at = json.find(text);
    BOOST_REQUIRE(at != std::string::npos);
    return 1 + std::count(json.begin(), json.begin() + static_cast<std::ptrdiff_t>(at), '\n');
  };
  const std::vector<std::tuple<void (*)(LinearModel&), std::string, std::string>> edits = {
      {[](LinearModel& model) { model.scaler_mean[0] = 1e308; }, "1e+308",
       "feature 'a' has mean 1e+308 and scale "},
      {[](LinearModel& model) { model.scaler_scale[1] = 5e-324; }, "5e-324",
       "and scale 5e-324: a spread that small beside its mean"},
      {[](LinearModel& model) { model.scaler_scale[2] = 1e200; }, "1e+200",
       "overflow: feature 'c' has scale 1e+200: its squared deviations"},
      {[](LinearModel& model) { model.intercept = 1.7e308; }, "1.7e+308",
       "the intercept 1.7e+308 is no mean of training targets"},
      {[](LinearModel& model) { model.coef[1] = -1e300; }, "-1e+300",
       "feature 'b' -1e+300) are too large for the recorded training fit"},
      {[](LinearModel& model) { model.coef[1] *= 1e3; }, "", "too large for the recorded"},
      {[](LinearModel& model) { model.coef.setZero(); }, "", "too small for the recorded"},
      {[](LinearModel& model) { model.feature_names[2] = ""; }, "\"\"",
       "'feature_names[2]' is empty"},
  };
  for (const auto& [edit, shown, message] : edits) {
    LinearModel model = trained;
    edit(model);
    qlab::model::SaveModel(model, m);  // re-signed: the digest of the edited values
    const std::string error = ErrorOf([&] { qlab::model::LoadModel(m); });
    BOOST_TEST(Contains(error, message), error);
    // At the edited value's line (nlohmann writes 1e308 as 1e+308).
    const std::string at =
        shown.empty() ? file + ":" : fmt::format("{}:{}:", file, value_line(shown));
    BOOST_TEST(error.rfind(at, 0) == 0, error);
  }
  // A mean of 1e17 beside a spread near 1 is constant to training.
  LinearModel near_constant = trained;
  near_constant.scaler_mean[0] = 1e17;
  BOOST_TEST(Contains(qlab::model::FindImplausibleParameter(near_constant)->message,
                      "is a constant column to training"));
}

BOOST_AUTO_TEST_CASE(reload_verifies_the_data_file) {
  TempDir dir;
  const std::string data = dir.Write("s.csv", SyntheticCsv(60));
  LinearModel model = qlab::model::Train(SplitCsv(data), "svd");
  model.test_size = 0.25;
  model.seed = 7;
  const auto same = qlab::model::ReloadSplit(model, "", "", dir.path());
  BOOST_TEST((same.X_test == SplitCsv(data).X_test));

  dir.Write("s.csv", SyntheticCsv(61));  // the data changed under the model
  BOOST_TEST(Contains(ErrorOf([&] { qlab::model::ReloadSplit(model, "", "", dir.path()); }),
                      "differs from the model's"));
  // Naming the data anew skips the check.
  BOOST_TEST(qlab::model::ReloadSplit(model, data, "", dir.path()).X_test.rows() == 16);
  // ... but not the feature check.
  const std::string other = dir.Write("o.csv", "p,q,r,y\n1,2,3,4\n5,6,7,8\n");
  BOOST_TEST(Contains(ErrorOf([&] { qlab::model::ReloadSplit(model, other, "", dir.path()); }),
                      "features (p, q, r) differ from the model's (a, b, c)"));
}

// The recorded data must be the model's in its columns and its row count too, not only in its
// bytes: the checksum ties the fields of the artifact together, these checks tie them to the file
// (a model re-signed after an edit of its feature_names or row counts is refused).
BOOST_AUTO_TEST_CASE(reload_compares_the_data_with_the_features_and_row_counts) {
  TempDir dir;
  const std::string data = dir.Write("s.csv", SyntheticCsv(60));
  LinearModel model = qlab::model::Train(SplitCsv(data), "svd");
  model.test_size = 0.25;  // as SplitCsv split it
  model.seed = 7;
  BOOST_TEST(qlab::model::ReloadSplit(model, "", "", dir.path()).X_test.rows() == 15);

  LinearModel renamed = model;
  renamed.feature_names[2] = "d";
  BOOST_TEST(ErrorOf([&] { qlab::model::ReloadSplit(renamed, "", "", dir.path()); }) ==
             data + ": columns (a, b, c) differ from the model's feature_names (a, b, d)");
  LinearModel reordered = model;
  std::swap(reordered.feature_names[0], reordered.feature_names[1]);
  BOOST_TEST(Contains(ErrorOf([&] { qlab::model::ReloadSplit(reordered, "", "", dir.path()); }),
                      "columns (a, b, c) differ from the model's feature_names (b, a, c)"));

  LinearModel more_rows = model;
  more_rows.n_train += 1;
  BOOST_TEST(ErrorOf([&] { qlab::model::ReloadSplit(more_rows, "", "", dir.path()); }) ==
             data +
                 ": has 60 rows; the model's split records n_train 46 + n_test 15 "
                 "= 61");
  // Data named anew may hold any number of rows.
  BOOST_TEST(qlab::model::ReloadSplit(more_rows, data, "", dir.path()).X_test.rows() == 15);
}

BOOST_AUTO_TEST_CASE(f32_kernel_stays_within_its_error_bound) {
  TempDir dir;
  const auto split = SplitCsv(dir.Write("s.csv", SyntheticCsv(300)));
  const LinearModel model = qlab::model::Train(split, "svd");
  const Eigen::VectorXd ref = model.Predict(split.X_test);
  const Eigen::VectorXd f32 = model.PredictF32(split.X_test);
  const Eigen::MatrixXd z =
      (split.X_test.rowwise() - model.scaler_mean.transpose()).array().rowwise() /
      model.scaler_scale.transpose().array();
  constexpr double u = 0x1p-24;
  const double k = static_cast<double>(model.coef.size());
  for (Eigen::Index i = 0; i < ref.size(); ++i) {
    const double magnitude = (z.row(i).transpose().cwiseProduct(model.coef)).cwiseAbs().sum() +
                             std::abs(model.intercept);
    const double bound = (k + 3) * u * magnitude + std::abs(ref[i]) * u;
    BOOST_TEST(std::abs(f32[i] - ref[i]) <= bound, "row " << i);
  }
  BOOST_TEST((f32 - ref).cwiseAbs().maxCoeff() > 0.0);  // it really ran in f32
}
