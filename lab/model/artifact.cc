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
#include "qlab/io/version.h"
#include "qlab/reference/least_squares.h"

namespace qlab::model {

using data::LoadCaliforniaHousing;
using data::LoadCsv;
using data::LoadDataset;
using io::CheckTensorDigest;
using io::EnsureDirectory;
using io::ReadFileBytes;
using io::TensorDigest;
using io::WriteFileAtomically;
using io::kTensorDigestKey;
using io::kVersion;
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

// Reads model.json with messages that name the key that is wrong.
class ModelReader {
 public:
  explicit ModelReader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void Fail(const std::string& message) const { throw InputError(path_, message); }

  const json& Key(const json& object, const char* key, const std::string& where) const {
    if (!object.is_object()) Fail(fmt::format("'{}' must be an object", where));
    const auto it = object.find(key);
    if (it == object.end()) Fail(fmt::format("missing key '{}'", Join(where, key)));
    return *it;
  }
  double Number(const json& object, const char* key, const std::string& where) const {
    const json& value = Key(object, key, where);
    if (!value.is_number()) Fail(fmt::format("'{}' must be a number", Join(where, key)));
    return value.get<double>();
  }
  std::string String(const json& object, const char* key, const std::string& where) const {
    const json& value = Key(object, key, where);
    if (!value.is_string()) Fail(fmt::format("'{}' must be a string", Join(where, key)));
    return value.get<std::string>();
  }
  std::vector<std::string> Strings(const json& object, const char* key,
                                   const std::string& where) const {
    const json& value = Key(object, key, where);
    if (!value.is_array()) Fail(fmt::format("'{}' must be an array of strings", Join(where, key)));
    std::vector<std::string> out;
    for (const json& item : value) {
      if (!item.is_string()) {
        Fail(fmt::format("'{}' must be an array of strings", Join(where, key)));
      }
      out.push_back(item.get<std::string>());
    }
    return out;
  }
  Eigen::VectorXd Numbers(const json& object, const char* key, const std::string& where,
                          size_t expected) const {
    const json& value = Key(object, key, where);
    if (!value.is_array() || value.size() != expected) {
      Fail(fmt::format("'{}' must be an array of {} numbers", Join(where, key), expected));
    }
    Eigen::VectorXd out(static_cast<Eigen::Index>(expected));
    for (size_t i = 0; i < expected; ++i) {
      if (!value[i].is_number()) {
        Fail(fmt::format("'{}' must be an array of {} numbers", Join(where, key), expected));
      }
      out[static_cast<Eigen::Index>(i)] = value[i].get<double>();
    }
    return out;
  }
  Metrics ReadMetrics(const json& object, const char* key) const {
    const json& m = Key(object, key, "metrics");
    const std::string where = Join("metrics", key);
    return {Number(m, "r2", where), Number(m, "mse", where), Number(m, "mae", where)};
  }

 private:
  static std::string Join(const std::string& where, const char* key) {
    return where.empty() ? key : where + "." + key;
  }
  std::string path_;
};

// The byte offset nlohmann reports, as the 1-based line and column it falls on.
void OffsetToLineColumn(const std::string& text, size_t offset, size_t& line, size_t& column) {
  line = 1;
  size_t line_start = 0;
  offset = std::min(offset, text.size());
  for (size_t i = 0; i + 1 < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  column = offset > line_start ? offset - line_start : 1;
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

void SaveModel(const LinearModel& model, const std::string& dir) {
  json j;
  j["format"] = kModelFormat;
  j["version"] = kModelFormatVersion;
  j["created_by"] = std::string("qlab ") + kVersion;
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
  const std::string text = ReadFileBytes(path);
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    size_t line = 0;
    size_t column = 0;
    OffsetToLineColumn(text, e.byte, line, column);
    std::string reason = e.what();
    // nlohmann's text starts with "[json.exception.parse_error.101] parse error at line 1, ...: ".
    if (const size_t colon = reason.rfind(": "); colon != std::string::npos) {
      reason = reason.substr(colon + 2);
    }
    throw InputError(path, line, column, "not valid JSON: " + Printable(reason, 120));
  } catch (const json::exception& e) {
    // A number beyond double range ("1e400") is json::out_of_range (406), not a parse_error.
    std::string reason = e.what();
    if (const size_t bracket = reason.find("] "); bracket != std::string::npos) {
      reason = reason.substr(bracket + 2);
    }
    throw InputError(path, "not valid JSON: " + Printable(reason, 120));
  }
  ModelReader r(path);
  if (!j.is_object()) r.Fail("not a qlab model (expected a JSON object)");
  const std::string format = r.String(j, "format", "");
  if (format != kModelFormat) {
    r.Fail("format '" + Printable(format) + "' is not " + kModelFormat);
  }
  const double version = r.Number(j, "version", "");
  if (version != kModelFormatVersion) {
    r.Fail(fmt::format("{} version {} is not the version this qlab reads ({})", kModelFormat,
                       version, kModelFormatVersion));
  }
  LinearModel model;
  const json& data = r.Key(j, "data", "");
  model.data_kind = r.String(data, "kind", "data");
  if (model.data_kind != "california" && model.data_kind != "csv") {
    r.Fail("'data.kind' must be \"california\" or \"csv\"");
  }
  model.data_path = r.String(data, "path", "data");
  model.data_sha256 = r.String(data, "sha256", "data");
  model.target_name = r.String(data, "target", "data");
  const json& split = r.Key(j, "split", "");
  model.test_size = r.Number(split, "test_size", "split");
  if (!(model.test_size > 0 && model.test_size < 1)) r.Fail("'split.test_size' must be in (0, 1)");
  const double seed = r.Number(split, "seed", "split");
  if (!(seed >= 0 && seed <= 4294967295.0 && seed == std::floor(seed))) {
    r.Fail("'split.seed' must be an integer in [0, 2^32)");
  }
  model.seed = static_cast<uint32_t>(seed);
  // Checked before the cast: a double beyond int64's range makes static_cast undefined.
  const auto count = [&](const char* key) {
    const double value = r.Number(split, key, "split");
    if (!(value >= 0 && value <= 9007199254740992.0 && value == std::floor(value))) {
      r.Fail(fmt::format("'split.{}' must be a non-negative integer", key));
    }
    return static_cast<int64_t>(value);
  };
  model.n_train = count("n_train");
  model.n_test = count("n_test");
  model.feature_names = r.Strings(j, "feature_names", "");
  if (model.feature_names.empty()) r.Fail("'feature_names' is empty");
  model.constant_features = r.Strings(j, "constant_features", "");
  const size_t p = model.feature_names.size();
  const json& scaler = r.Key(j, "scaler", "");
  model.scaler_mean = r.Numbers(scaler, "mean", "scaler", p);
  model.scaler_scale = r.Numbers(scaler, "scale", "scaler", p);
  for (Eigen::Index k = 0; k < model.scaler_scale.size(); ++k) {
    if (!(model.scaler_scale[k] > 0)) r.Fail("'scaler.scale' must hold positive numbers");
  }
  model.coef = r.Numbers(j, "coef", "", p);
  model.intercept = r.Number(j, "intercept", "");
  model.solver = r.String(j, "solver", "");
  if (!reference::ParseSolver(model.solver)) r.Fail("'solver' is not one of svd, qr, ldlt");
  const json& condition = r.Key(j, "condition_number", "");
  if (condition.is_null()) {
    model.condition_number = std::numeric_limits<double>::infinity();
  } else {
    model.condition_number = r.Number(j, "condition_number", "");
  }
  const json& metrics = r.Key(j, "metrics", "");
  model.train = r.ReadMetrics(metrics, "train");
  model.test = r.ReadMetrics(metrics, "test");
  // Last, so that a value out of range is named first; this catches the plausible edits.
  CheckTensorDigest(path, r.String(j, kTensorDigestKey, ""), ModelTensorDigest(model));
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
