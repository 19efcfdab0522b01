// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/model/artifact.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <limits>
#include <span>
#include <system_error>

#include "qlab/data/dataset.h"
#include "qlab/io/atomic_file.h"
#include "qlab/io/input_error.h"
#include "qlab/io/json_document.h"
#include "qlab/io/version.h"
#include "qlab/reference/least_squares.h"

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

Metrics MetricsFromJson(const io::JsonReader& object) {
  return {object.Key("r2").Number(), object.Key("mse").Number(), object.Key("mae").Number()};
}

}  // namespace

void AddModelTensors(TensorDigest& digest, const LinearModel& model, const std::string& prefix) {
  const auto span = [](const Eigen::VectorXd& v) {
    return std::span<const double>(v.data(), static_cast<size_t>(v.size()));
  };
  digest.F64(prefix + "scaler.mean", span(model.scaler_mean));
  digest.F64(prefix + "scaler.scale", span(model.scaler_scale));
  digest.F64(prefix + "coef", span(model.coef));
  digest.F64(prefix + "intercept", model.intercept);
}

std::string ModelTensorDigest(const LinearModel& model) {
  TensorDigest digest;
  AddModelTensors(digest, model, "");
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
  model.n_test = split.Key("n_test").Integer(0, kMaxRows);
  const io::JsonReader names = object.Key("feature_names");
  model.feature_names = names.Strings();
  if (model.feature_names.empty()) names.Fail("'" + names.name() + "' is empty");
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
  const io::JsonReader metrics = object.Key("metrics");
  model.train = MetricsFromJson(metrics.Key("train"));
  model.test = MetricsFromJson(metrics.Key("test"));
  return model;
}

void SaveModel(const LinearModel& model, const std::string& dir) {
  json j = LinearModelToJson(model);
  j["format"] = kModelFormat;
  j["version"] = kModelFormatVersion;
  j["created_by"] = std::string("qlab ") + kVersion;
  j[kTensorDigestKey] = ModelTensorDigest(model);
  EnsureDirectory(dir);
  WriteFileAtomically((std::filesystem::path(dir) / kModelFileName).string(), j.dump(2) + "\n");
}

LinearModel LoadModel(const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / kModelFileName).string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
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
  if (const int64_t v = version.Integer(0, 1 << 30); v != kModelFormatVersion) {
    version.Fail(fmt::format("{} version {} is not the version this qlab reads ({})", kModelFormat,
                             v, kModelFormatVersion));
  }
  LinearModel model = LinearModelFromJson(root);
  // Last, so that a value out of range is named first; this catches the plausible edits.
  CheckTensorDigest(path, root.Key(kTensorDigestKey).String(), ModelTensorDigest(model));
  RequireFiniteModel(model, path);
  return model;
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
    if (!std::filesystem::exists(path, ec)) {
      throw InputError(path, "the model's data file is gone; pass --dataset to name the data anew");
    }
    dataset = model.data_kind == "california" ? LoadCaliforniaHousing(path)
                                              : LoadCsv(path, model.target_name);
    if (dataset.sha256 != model.data_sha256) {
      throw InputError(path, "sha256 " + dataset.sha256 + " differs from the model's " +
                                 model.data_sha256 +
                                 " (the data changed); pass --dataset to use it anyway");
    }
  }
  return MakeSplit(std::move(dataset), model.test_size, model.seed);
}

}  // namespace qlab::model
