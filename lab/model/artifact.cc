// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/model/artifact.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <span>
#include <system_error>
#include <tuple>

#include "qlab/data/dataset.h"
#include "qlab/io/atomic_file.h"
#include "qlab/io/input_error.h"
#include "qlab/io/json_document.h"
#include "qlab/io/sha256.h"
#include "qlab/io/shortest.h"
#include "qlab/io/stream.h"
#include "qlab/io/version.h"
#include "qlab/reference/least_squares.h"
#include "qlab/reference/random.h"

namespace qlab::model {

using data::LoadCaliforniaHousing;
using data::LoadCsv;
using data::LoadDataset;
using io::CheckTensorDigest;
using io::EnsureDirectory;
using io::kTensorDigestKey;
using io::kVersion;
using io::TensorDigest;
using io::WriteFileAtomically;
namespace {

using data::Dataset;
using data::SplitData;
using io::InputError;
using io::Printable;
using nlohmann::json;

json ToJson(const Eigen::VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); }

json ToJson(const Metrics& m) { return {{"r2", m.r2}, {"mse", m.mse}, {"mae", m.mae}}; }

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// JSON has no infinity: an infinite condition number (exactly singular) is stored as null.
json FiniteOrNull(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }

Eigen::VectorXd Vector(const std::vector<double>& values) {
  return Eigen::Map<const Eigen::VectorXd>(values.data(), static_cast<Eigen::Index>(values.size()));
}

// The recorded metrics are results like any other (result_keys.h): an R² above 1 or a negative
// error is no result but an edited file, refused even where its digest was recomputed.
Metrics MetricsFromJson(const io::JsonReader& object) {
  const io::JsonReader r2 = object.Key("r2");
  const io::JsonReader mse = object.Key("mse");
  const io::JsonReader mae = object.Key("mae");
  const Metrics m{r2.Number(), mse.Number(), mae.Number()};
  if (!(m.r2 <= 1))
    r2.Fail(fmt::format("'{}' is {}; an R² is at most 1", r2.name(), io::Shortest(m.r2)));
  if (!(m.mse >= 0))
    mse.Fail(fmt::format("'{}' is {}; an error is at least 0", mse.name(), io::Shortest(m.mse)));
  if (!(m.mae >= 0))
    mae.Fail(fmt::format("'{}' is {}; an error is at least 0", mae.name(), io::Shortest(m.mae)));
  return m;
}

}  // namespace

// What the digest covers, field by field (model.json and the "float_model" object a quantized
// artifact embeds; README.md, "Model artifact"):
//   covered, in this order: data.kind (which loader reads the data), data.sha256 (which bytes
//     are the data), data.target (which column is y), split.test_size, split.seed (which rows are
//     the test split), split.n_train, split.n_test, feature_names (which columns, in which order),
//     constant_features, scaler.mean, scaler.scale, coef, intercept, solver, condition_number
//     (+inf for null), metrics.train and metrics.test (r2, mse, mae each: the recorded results);
//   cross-checked as well: n_test must be the test count test_size gives n_train + n_test rows
//     (on load), and the re-read data must hold n_train + n_test rows and exactly the columns
//     feature_names (ReloadSplit), so a re-signed file cannot score other rows or columns either;
//   not covered, as they change no prediction or metric: format and version (checked first),
//     created_by (which qlab wrote it), data.path (where the data was: what is read there is
//     verified against data.sha256, so the folder may move), the quantized artifact's
//     float_model.dir (where the float model was, for its file size in reports) and the digest.
void AddModelFields(TensorDigest& digest, const LinearModel& model, const std::string& prefix) {
  const auto span = [](const Eigen::VectorXd& v) {
    return std::span<const double>(v.data(), static_cast<size_t>(v.size()));
  };
  const auto metrics = [](const Metrics& m) { return std::vector<double>{m.r2, m.mse, m.mae}; };
  digest.Utf8(prefix + "data.kind", model.data_kind);
  digest.Utf8(prefix + "data.sha256", model.data_sha256);
  digest.Utf8(prefix + "data.target", model.target_name);
  digest.F64(prefix + "split.test_size", model.test_size);
  digest.I64(prefix + "split.seed", int64_t{model.seed});
  digest.I64(prefix + "split.n_train", model.n_train);
  digest.I64(prefix + "split.n_test", model.n_test);
  digest.Utf8(prefix + "feature_names", model.feature_names);
  digest.Utf8(prefix + "constant_features", model.constant_features);
  digest.F64(prefix + "scaler.mean", span(model.scaler_mean));
  digest.F64(prefix + "scaler.scale", span(model.scaler_scale));
  digest.F64(prefix + "coef", span(model.coef));
  digest.F64(prefix + "intercept", model.intercept);
  digest.Utf8(prefix + "solver", model.solver);
  digest.F64(prefix + "condition_number", model.condition_number);
  digest.F64(prefix + "metrics.train", metrics(model.train));
  digest.F64(prefix + "metrics.test", metrics(model.test));
}

std::string ModelDigest(const LinearModel& model) {
  TensorDigest digest;
  AddModelFields(digest, model, "");
  return digest.Hex();
}

nlohmann::json LinearModelToJson(const LinearModel& model) {
  json j;
  j["data"] = {{"kind", model.data_kind},
               {"path", model.data_path},
               {"sha256", model.data_sha256},
               {"target", model.target_name}};
  j["split"] = {{"test_size", model.test_size},
                {"seed", model.seed},
                {"n_train", model.n_train},
                {"n_test", model.n_test}};
  j["feature_names"] = model.feature_names;
  j["constant_features"] = model.constant_features;
  j["scaler"] = {{"mean", ToJson(model.scaler_mean)}, {"scale", ToJson(model.scaler_scale)}};
  j["coef"] = ToJson(model.coef);
  j["intercept"] = model.intercept;
  j["solver"] = model.solver;
  j["condition_number"] = FiniteOrNull(model.condition_number);
  j["metrics"] = {{"train", ToJson(model.train)}, {"test", ToJson(model.test)}};
  return j;
}

LinearModel LinearModelFromJson(const io::JsonReader& object) {
  LinearModel model;
  const io::JsonReader data = object.Key("data");
  const io::JsonReader kind = data.Key("kind");
  model.data_kind = kind.String();
  if (model.data_kind != "california" && model.data_kind != "csv") {
    kind.Fail("'" + kind.name() + "' must be \"california\" or \"csv\"");
  }
  model.data_path = data.Key("path").String();
  model.data_sha256 = data.Key("sha256").String();
  model.target_name = data.Key("target").String();
  const io::JsonReader split = object.Key("split");
  const io::JsonReader test_size = split.Key("test_size");
  model.test_size = test_size.Number();
  if (!(model.test_size > 0 && model.test_size < 1)) {
    test_size.Fail("'" + test_size.name() + "' must be in (0, 1)");
  }
  model.seed = static_cast<uint32_t>(split.Key("seed").Integer(0, 4294967295LL));
  // Row counts as exact doubles at most: 2^53.
  constexpr int64_t kMaxRows = int64_t{1} << 53;
  model.n_train = split.Key("n_train").Integer(0, kMaxRows);
  const io::JsonReader n_test = split.Key("n_test");
  model.n_test = n_test.Integer(0, kMaxRows);
  if (const int64_t expected = reference::TestCount(model.n_train + model.n_test, model.test_size);
      model.n_test != expected) {
    n_test.Fail(
        fmt::format("'{}' {} is not the test rows that test_size {} gives n_train + n_test "
                    "= {} rows ({})",
                    n_test.name(), model.n_test, io::Shortest(model.test_size),
                    model.n_train + model.n_test, expected));
  }
  const io::JsonReader names = object.Key("feature_names");
  model.feature_names = names.Strings();
  if (model.feature_names.empty()) names.Fail("'" + names.name() + "' is empty");
  for (size_t j = 0; j < model.feature_names.size(); ++j) {
    // A data file's header names every column (data/csv.cc refuses an empty name), so an empty
    // one is an edit: it matches no column and would print as nothing in messages.
    if (model.feature_names[j].empty()) {
      names.Elements()[j].Fail("'" + names.name() + "[" + std::to_string(j) +
                               "]' is empty; every feature has a name");
    }
  }
  model.constant_features = object.Key("constant_features").Strings();
  const size_t p = model.feature_names.size();
  const io::JsonReader scaler = object.Key("scaler");
  model.scaler_mean = Vector(scaler.Key("mean").Numbers(p));
  const io::JsonReader scale = scaler.Key("scale");
  model.scaler_scale = Vector(scale.Numbers(p));
  if ((model.scaler_scale.array() <= 0).any()) {
    scale.Fail("'" + scale.name() + "' must hold positive numbers");
  }
  model.coef = Vector(object.Key("coef").Numbers(p));
  model.intercept = object.Key("intercept").Number();
  const io::JsonReader solver = object.Key("solver");
  model.solver = solver.String();
  if (!reference::ParseSolver(model.solver)) {
    solver.Fail("'" + solver.name() + "' is not one of svd, qr, ldlt");
  }
  const io::JsonReader condition = object.Key("condition_number");
  model.condition_number =
      condition.IsNull() ? std::numeric_limits<double>::infinity() : condition.Number();
  // σ_max / σ_min: at least 1 (null: infinite, a rank-deficient design).
  if (!(model.condition_number >= 1)) {
    condition.Fail(fmt::format("'{}' is {}; a condition number is at least 1", condition.name(),
                               io::Shortest(model.condition_number)));
  }
  const io::JsonReader metrics = object.Key("metrics");
  model.train = MetricsFromJson(metrics.Key("train"));
  model.test = MetricsFromJson(metrics.Key("test"));
  return model;
}

void CheckModelFieldsAgree(const io::JsonReader& object, const LinearModel& model) {
  const io::JsonReader names = object.Key("feature_names");
  for (size_t j = 0; j < model.feature_names.size(); ++j) {
    for (size_t i = 0; i < j; ++i) {
      if (model.feature_names[i] == model.feature_names[j]) {
        names.Fail(fmt::format("'{}' names '{}' twice (features {} and {})", names.name(),
                               Printable(model.feature_names[j]), i, j));
      }
    }
  }
  const io::JsonReader constants = object.Key("constant_features");
  std::vector<bool> seen(model.feature_names.size(), false);
  for (const std::string& name : model.constant_features) {
    const auto it = std::find(model.feature_names.begin(), model.feature_names.end(), name);
    if (it == model.feature_names.end()) {
      constants.Fail(fmt::format("'{}' holds '{}', which is not one of feature_names",
                                 constants.name(), Printable(name)));
    }
    const auto j = static_cast<size_t>(it - model.feature_names.begin());
    if (seen[j]) {
      constants.Fail(fmt::format("'{}' holds '{}' twice", constants.name(), Printable(name)));
    }
    seen[j] = true;
    // Training leaves a constant column out of the fit: scale 1 (StandardScaler's convention for
    // zero variance) and coefficient 0. Anything else is a model no training made.
    const auto index = static_cast<Eigen::Index>(j);
    if (model.scaler_scale[index] != 1 || model.coef[index] != 0) {
      constants.Fail(fmt::format(
          "'{}' holds '{}', whose scale is {} and coefficient {}; a constant feature has scale 1 "
          "and coefficient 0",
          constants.name(), Printable(name), io::Shortest(model.scaler_scale[index]),
          io::Shortest(model.coef[index])));
    }
  }
  // Values each finite but together no model training gives (linear_model.h), at the value.
  if (const auto implausible = FindImplausibleParameter(model)) {
    using Field = ImplausibleParameter::Field;
    const size_t p = model.feature_names.size();
    const auto j = static_cast<size_t>(implausible->index);
    switch (implausible->field) {
      case Field::kScalerMean:
        object.Key("scaler").Key("mean").Elements(p, "numbers")[j].Fail(implausible->message);
      case Field::kScalerScale:
        object.Key("scaler").Key("scale").Elements(p, "numbers")[j].Fail(implausible->message);
      case Field::kCoef:
        object.Key("coef").Elements(p, "numbers")[j].Fail(implausible->message);
      case Field::kIntercept:
        object.Key("intercept").Fail(implausible->message);
      case Field::kConditionNumber:
        object.Key("condition_number").Fail(implausible->message);
      case Field::kTrainR2:
        object.Key("metrics").Key("train").Key("r2").Fail(implausible->message);
      case Field::kTrainMae:
        object.Key("metrics").Key("train").Key("mae").Fail(implausible->message);
      case Field::kTestMae:
        object.Key("metrics").Key("test").Key("mae").Fail(implausible->message);
    }
  }
}

void SaveModel(const LinearModel& model, const std::string& dir) {
  json j = LinearModelToJson(model);
  j["format"] = kModelFormat;
  j["version"] = kModelFormatVersion;
  j["created_by"] = std::string("qlab ") + kVersion;
  j[kTensorDigestKey] = ModelDigest(model);
  EnsureDirectory(dir);
  WriteFileAtomically((std::filesystem::path(dir) / kModelFileName).string(), j.dump(2) + "\n");
}

LinearModel LoadModel(const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / kModelFileName).string();
  if (io::NoSuchFile(path)) {
    throw InputError(path, "no such file; train a model first with `qlab train --out " + dir + "`");
  }
  const io::JsonDocument doc = io::JsonDocument::Load(path);
  const io::JsonReader root(doc);
  if (!root.value().is_object()) root.Fail("not a qlab model (expected a JSON object)");
  const io::JsonReader format = root.Key("format");
  if (format.String() != kModelFormat) {
    format.Fail("format '" + Printable(format.String()) + "' is not " + kModelFormat);
  }
  const io::JsonReader version = root.Key("version");
  if (const int64_t v = version.Integer(0, 1 << 30); v < kModelFormatVersion) {
    // Older versions left the split, the features and the data's identity out of the digest: an
    // edited seed scored a "test" split that overlapped the training rows. Not read, rewritten.
    version.Fail(
        fmt::format("model format {} version {} is older than this qlab's version {}; "
                    "rewrite it with `qlab train --out {}` and the options it was "
                    "trained with",
                    kModelFormat, v, kModelFormatVersion, dir));
  } else if (v != kModelFormatVersion) {
    version.Fail(fmt::format("{} version {} is not the version this qlab reads ({})", kModelFormat,
                             v, kModelFormatVersion));
  }
  // Not covered by the digest (it says which qlab wrote the file), but typed all the same.
  if (root.value().contains("created_by")) (void)root.Key("created_by").String();
  LinearModel model = LinearModelFromJson(root);
  // Last, so that a value out of range is named first; this catches the plausible edits.
  CheckTensorDigest(path, root.Key(kTensorDigestKey).String(), ModelDigest(model));
  CheckModelFieldsAgree(root, model);
  RequireFiniteModel(model, path);
  model.artifact_file = path;
  return model;
}

std::optional<data::SplitData> ReloadRecordedSplitIfPresent(const LinearModel& model,
                                                            const std::string& data_dir) {
  std::string path = model.data_path;
  if (model.data_kind == "california" && io::NoSuchFile(path)) {
    path = (std::filesystem::path(data_dir) / "cal_housing.data").string();
  }
  if (io::NoSuchFile(path)) return std::nullopt;
  try {
    if (io::Sha256Hex(io::ReadFileBytes(path)) != model.data_sha256) return std::nullopt;
  } catch (const InputError&) {
    return std::nullopt;  // unreadable or no regular file: nothing to verify against
  }
  return ReloadSplit(model, "", "", data_dir);
}

data::SplitData ReloadSplit(const LinearModel& model, const std::string& dataset_override,
                            const std::string& target_override, const std::string& data_dir) {
  Dataset dataset;
  if (!dataset_override.empty()) {
    dataset = LoadDataset(dataset_override,
                          target_override.empty() ? model.target_name : target_override, data_dir);
    if (dataset.feature_names != model.feature_names) {
      throw InputError(dataset.source_path, "features (" + JoinNames(dataset.feature_names) +
                                                ") differ from the model's (" +
                                                JoinNames(model.feature_names) + ")");
    }
  } else {
    std::string path = model.data_path;
    std::error_code ec;
    if (model.data_kind == "california" && !std::filesystem::exists(path, ec)) {
      const std::string fallback = (std::filesystem::path(data_dir) / "cal_housing.data").string();
      if (std::filesystem::exists(fallback, ec)) path = fallback;
    }
    if (io::NoSuchFile(path)) {
      throw InputError(path, "the model's data file is gone; pass --dataset to name the data anew");
    }
    dataset = model.data_kind == "california" ? LoadCaliforniaHousing(path)
                                              : LoadCsv(path, model.target_name);
    if (dataset.sha256 != model.data_sha256) {
      throw InputError(path, "sha256 " + dataset.sha256 + " differs from the model's " +
                                 model.data_sha256 +
                                 " (the data changed); pass --dataset to use it anyway");
    }
    // The digest ties these fields to one another, not to the file: compared here, a model
    // whose features or row counts are not its data's is refused even when re-signed.
    if (dataset.feature_names != model.feature_names) {
      throw InputError(path, "columns (" + JoinNames(dataset.feature_names) +
                                 ") differ from the model's feature_names (" +
                                 JoinNames(model.feature_names) + ")");
    }
    if (const int64_t rows = dataset.X.rows(); rows != model.n_train + model.n_test) {
      throw InputError(
          path, fmt::format("has {} rows; the model's split records n_train {} + "
                            "n_test {} = {}",
                            rows, model.n_train, model.n_test, model.n_train + model.n_test));
    }
  }
  SplitData split = MakeSplit(std::move(dataset), model.test_size, model.seed);
  if (dataset_override.empty()) {
    const std::string source = model.artifact_file.empty() ? model.data_path : model.artifact_file;
    for (const auto& [recorded, name, X, y] :
         {std::tuple{&model.train, "train", &split.X_train, &split.y_train},
          std::tuple{&model.test, "test", &split.X_test, &split.y_test}}) {
      const Metrics again = Evaluate(*y, model.Predict(*X), name, split.dataset.source_path);
      if (again.r2 != recorded->r2 || again.mse != recorded->mse || again.mae != recorded->mae) {
        throw InputError(
            source, fmt::format("metrics.{} (R² {}, MSE {}, MAE {}) are not what the model gives "
                                "on its recorded data (R² {}, MSE {}, MAE {}): its parameters "
                                "are not the ones trained on it",
                                name, io::Shortest(recorded->r2), io::Shortest(recorded->mse),
                                io::Shortest(recorded->mae), io::Shortest(again.r2),
                                io::Shortest(again.mse), io::Shortest(again.mae)));
      }
    }
  }
  return split;
}

}  // namespace qlab::model
