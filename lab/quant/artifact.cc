// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// quantized_model.json: format "qlab.quantized_model", version 2, data only. It embeds the float
// model it came from (parameters and the data provenance) so that one file is enough to predict,
// re-read and verify the data, and compare against the float model.
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "qlab/io/atomic_file.h"
#include "qlab/io/input_error.h"
#include "qlab/quant/calibration.h"
#include "qlab/model/artifact.h"
#include "qlab/quant/artifact.h"
#include "qlab/quant/quantize.h"
#include "qlab/io/tensor_digest.h"
#include "qlab/io/version.h"

namespace qlab::quant {

using model::LinearModel;
using model::Metrics;
using io::kVersion;
using io::CheckTensorDigest;
using io::EnsureDirectory;
using io::InputError;
using io::ReadFileBytes;
using io::TensorDigest;
using io::WriteFileAtomically;
using io::kTensorDigestKey;
namespace {

using nlohmann::json;

json Vector(const Eigen::VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); }

json SeedTensorJson(const SeedTensor& t) {
  return {{"dtype", "uint8"},           {"codes", t.codes},
          {"scale", t.scale},           {"zero_point", t.zero_point},
          {"zero_range", t.zero_range}, {"dequantized", t.dequantized}};
}

json FloatModelJson(const LinearModel& m, const std::string& dir) {
  json j;
  j["dir"] = dir;
  j["data"] = {{"kind", m.data_kind},
               {"path", m.data_path},
               {"sha256", m.data_sha256},
               {"target", m.target_name}};
  j["split"] = {
      {"test_size", m.test_size}, {"seed", m.seed}, {"n_train", m.n_train}, {"n_test", m.n_test}};
  j["feature_names"] = m.feature_names;
  j["constant_features"] = m.constant_features;
  j["scaler"] = {{"mean", Vector(m.scaler_mean)}, {"scale", Vector(m.scaler_scale)}};
  j["coef"] = Vector(m.coef);
  j["intercept"] = m.intercept;
  j["solver"] = m.solver;
  j["condition_number"] =
      std::isfinite(m.condition_number) ? json(m.condition_number) : json(nullptr);
  j["metrics"] = {{"train", {{"r2", m.train.r2}, {"mse", m.train.mse}, {"mae", m.train.mae}}},
                  {"test", {{"r2", m.test.r2}, {"mse", m.test.mse}, {"mae", m.test.mae}}}};
  return j;
}

// Reads with messages naming the key at fault.
class Reader {
 public:
  explicit Reader(std::string path) : path_(std::move(path)) {}
  [[noreturn]] void Fail(const std::string& message) const { throw InputError(path_, message); }

  const json& Key(const json& o, const std::string& key, const std::string& where) const {
    if (!o.is_object()) Fail(fmt::format("'{}' must be an object", where.empty() ? "." : where));
    const auto it = o.find(key);
    if (it == o.end()) Fail(fmt::format("missing key '{}'", Join(where, key)));
    return *it;
  }
  double Number(const json& o, const std::string& key, const std::string& where) const {
    const json& v = Key(o, key, where);
    if (!v.is_number() || !std::isfinite(v.get<double>())) {
      Fail(fmt::format("'{}' must be a finite number", Join(where, key)));
    }
    return v.get<double>();
  }
  int64_t Integer(const json& o, const std::string& key, const std::string& where, int64_t lo,
                  int64_t hi) const {
    const double v = Number(o, key, where);
    if (v != std::floor(v) || v < static_cast<double>(lo) || v > static_cast<double>(hi)) {
      Fail(fmt::format("'{}' must be an integer in [{}, {}]", Join(where, key), lo, hi));
    }
    return static_cast<int64_t>(v);
  }
  std::string String(const json& o, const std::string& key, const std::string& where) const {
    const json& v = Key(o, key, where);
    if (!v.is_string()) Fail(fmt::format("'{}' must be a string", Join(where, key)));
    return v.get<std::string>();
  }
  bool Bool(const json& o, const std::string& key, const std::string& where) const {
    const json& v = Key(o, key, where);
    if (!v.is_boolean()) Fail(fmt::format("'{}' must be true or false", Join(where, key)));
    return v.get<bool>();
  }
  std::vector<std::string> Strings(const json& o, const std::string& key,
                                   const std::string& where) const {
    const json& v = Key(o, key, where);
    if (!v.is_array()) Fail(fmt::format("'{}' must be an array of strings", Join(where, key)));
    std::vector<std::string> out;
    for (const json& item : v) {
      if (!item.is_string()) {
        Fail(fmt::format("'{}' must be an array of strings", Join(where, key)));
      }
      out.push_back(item.get<std::string>());
    }
    return out;
  }
  Eigen::VectorXd Numbers(const json& o, const std::string& key, const std::string& where,
                          size_t expected) const {
    const json& v = Key(o, key, where);
    if (!v.is_array() || v.size() != expected) {
      Fail(fmt::format("'{}' must be an array of {} finite numbers", Join(where, key), expected));
    }
    Eigen::VectorXd out(static_cast<Eigen::Index>(expected));
    for (size_t i = 0; i < expected; ++i) {
      if (!v[i].is_number() || !std::isfinite(v[i].get<double>())) {
        Fail(fmt::format("'{}' must be an array of {} finite numbers", Join(where, key), expected));
      }
      out[static_cast<Eigen::Index>(i)] = v[i].get<double>();
    }
    return out;
  }
  std::vector<int64_t> Integers(const json& o, const std::string& key, const std::string& where,
                                size_t expected, int64_t lo, int64_t hi) const {
    const json& v = Key(o, key, where);
    const std::string what = fmt::format("'{}' must be an array of {} integers in [{}, {}]",
                                         Join(where, key), expected, lo, hi);
    if (!v.is_array() || v.size() != expected) Fail(what);
    std::vector<int64_t> out;
    for (const json& item : v) {
      if (!item.is_number()) Fail(what);
      const double d = item.get<double>();
      if (d != std::floor(d) || d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
        Fail(what);
      }
      out.push_back(static_cast<int64_t>(d));
    }
    return out;
  }

  static std::string Join(const std::string& where, const std::string& key) {
    return where.empty() ? key : where + "." + key;
  }

 private:
  std::string path_;
};

LinearModel FloatModelFromJson(const Reader& r, const json& j, std::string& dir) {
  const std::string where = "float_model";
  LinearModel m;
  dir = r.String(j, "dir", where);
  const json& data = r.Key(j, "data", where);
  m.data_kind = r.String(data, "kind", where + ".data");
  if (m.data_kind != "california" && m.data_kind != "csv") {
    r.Fail("'float_model.data.kind' must be \"california\" or \"csv\"");
  }
  m.data_path = r.String(data, "path", where + ".data");
  m.data_sha256 = r.String(data, "sha256", where + ".data");
  m.target_name = r.String(data, "target", where + ".data");
  const json& split = r.Key(j, "split", where);
  m.test_size = r.Number(split, "test_size", where + ".split");
  if (!(m.test_size > 0 && m.test_size < 1)) {
    r.Fail("'float_model.split.test_size' must be in (0, 1)");
  }
  m.seed = static_cast<uint32_t>(r.Integer(split, "seed", where + ".split", 0, 4294967295LL));
  m.n_train = r.Integer(split, "n_train", where + ".split", 0, int64_t{1} << 52);
  m.n_test = r.Integer(split, "n_test", where + ".split", 0, int64_t{1} << 52);
  m.feature_names = r.Strings(j, "feature_names", where);
  if (m.feature_names.empty()) r.Fail("'float_model.feature_names' is empty");
  m.constant_features = r.Strings(j, "constant_features", where);
  const size_t p = m.feature_names.size();
  const json& scaler = r.Key(j, "scaler", where);
  m.scaler_mean = r.Numbers(scaler, "mean", where + ".scaler", p);
  m.scaler_scale = r.Numbers(scaler, "scale", where + ".scaler", p);
  if ((m.scaler_scale.array() <= 0).any()) r.Fail("'float_model.scaler.scale' must be positive");
  m.coef = r.Numbers(j, "coef", where, p);
  m.intercept = r.Number(j, "intercept", where);
  m.solver = r.String(j, "solver", where);
  const json& condition = r.Key(j, "condition_number", where);
  m.condition_number = condition.is_null() ? std::numeric_limits<double>::infinity()
                                           : r.Number(j, "condition_number", where);
  const json& metrics = r.Key(j, "metrics", where);
  for (const char* part : {"train", "test"}) {
    const std::string w = where + ".metrics." + part;
    const json& mm = r.Key(metrics, part, where + ".metrics");
    Metrics& out = std::string(part) == "train" ? m.train : m.test;
    out = {r.Number(mm, "r2", w), r.Number(mm, "mse", w), r.Number(mm, "mae", w)};
  }
  return m;
}

SeedTensor SeedTensorFromJson(const Reader& r, const json& o, const std::string& where, size_t n,
                              int bits) {
  SeedTensor t;
  const std::string dtype = r.String(o, "dtype", where);
  if (dtype != "uint8") r.Fail(fmt::format("'{}.dtype' must be \"uint8\"", where));
  for (int64_t c : r.Integers(o, "codes", where, n, 0, quant::CodeMax(bits))) {
    t.codes.push_back(static_cast<uint8_t>(c));
  }
  t.scale = r.Number(o, "scale", where);
  if (t.scale < 0) r.Fail(fmt::format("'{}.scale' must not be negative", where));
  t.zero_point = static_cast<int32_t>(r.Integer(o, "zero_point", where, 0, quant::CodeMax(bits)));
  t.zero_range = r.Bool(o, "zero_range", where);
  if (t.zero_range != (t.scale == 0)) {
    r.Fail(fmt::format("'{}': zero_range must be true exactly when scale is 0", where));
  }
  // Dequantized values are recomputed, not trusted: they must equal what the codes give.
  const Eigen::VectorXd stored = r.Numbers(o, "dequantized", where, n);
  const float scale_f32 = static_cast<float>(t.scale);
  for (size_t i = 0; i < n; ++i) {
    const float value =
        t.zero_range
            ? 0.0f
            : static_cast<float>(static_cast<float>(t.codes[i] - t.zero_point) * scale_f32);
    if (static_cast<double>(value) != stored[static_cast<Eigen::Index>(i)]) {
      r.Fail(fmt::format("'{}.dequantized[{}]' does not match its code", where, i));
    }
    t.dequantized.push_back(value);
  }
  return t;
}

void AddSeedTensors(TensorDigest& digest, const SeedTensor& t, const std::string& prefix) {
  digest.U8(prefix + "codes", t.codes);
  digest.F64(prefix + "scale", t.scale);
  digest.I64(prefix + "zero_point", t.zero_point);
  digest.F32(prefix + "dequantized", t.dequantized);
}

}  // namespace

std::string QuantizedTensorDigest(const QuantizedModel& q) {
  TensorDigest digest;
  model::AddModelTensors(digest, q.float_model, "float_model.");
  switch (q.scheme) {
    case Scheme::kSeed:
      AddSeedTensors(digest, q.seed_coef, "seed.coef.");
      AddSeedTensors(digest, q.seed_intercept, "seed.intercept.");
      break;
    case Scheme::kW8:
    case Scheme::kW8A8: {
      digest.I8("weights.codes", q.weights);
      digest.F64("weights.scale", q.weight_scale);
      digest.I64("correction", q.correction);
      digest.F64("bias", q.bias);
      if (q.scheme == Scheme::kW8A8) {
        digest.F64("bias_correction", q.bias_correction);
        const size_t k = q.features.size();
        std::vector<double> center(k), lo(k), hi(k);
        std::vector<float> step(k);
        std::vector<int64_t> zero_point(k);
        for (size_t f = 0; f < k; ++f) {
          center[f] = q.features[f].center;
          step[f] = q.features[f].step;
          zero_point[f] = q.features[f].zero_point;
          lo[f] = q.features[f].calibrated_lo;
          hi[f] = q.features[f].calibrated_hi;
        }
        digest.F64("features.center", center);
        digest.F32("features.step", step);
        digest.I64("features.zero_point", zero_point);
        digest.F64("features.calibrated_lo", lo);
        digest.F64("features.calibrated_hi", hi);
      }
      break;
    }
  }
  return digest.Hex();
}

json QuantizedToJson(const QuantizedModel& q) {
  json j;
  j["format"] = kQuantizedFormat;
  j["version"] = kQuantizedFormatVersion;
  j["created_by"] = std::string("qlab ") + kVersion;
  j["scheme"] = SchemeName(q.scheme);
  j["bits"] = q.bits;
  j["calibration"] = q.calibration.Name();
  j["float_model"] = FloatModelJson(q.float_model, q.float_model_dir);
  switch (q.scheme) {
    case Scheme::kSeed:
      j["seed"] = {{"coef", SeedTensorJson(q.seed_coef)},
                   {"intercept", SeedTensorJson(q.seed_intercept)}};
      break;
    case Scheme::kW8:
    case Scheme::kW8A8: {
      std::vector<int> codes(q.weights.begin(), q.weights.end());
      j["weights"] = {{"dtype", "int8"}, {"codes", codes}, {"scale", q.weight_scale}};
      j["correction"] = q.correction;
      j["bias"] = q.bias;
      if (q.scheme == Scheme::kW8A8) {
        j["fold"] = FoldName(q.fold);
        j["bias_correction"] = q.bias_correction;
        json features = json::array();
        for (size_t f = 0; f < q.features.size(); ++f) {
          const FeatureQuantizer& fq = q.features[f];
          features.push_back({{"name", q.float_model.feature_names[f]},
                              {"dtype", "uint8"},
                              {"center", fq.center},
                              {"step", fq.step},
                              {"zero_point", fq.zero_point},
                              {"calibrated_lo", fq.calibrated_lo},
                              {"calibrated_hi", fq.calibrated_hi},
                              {"degenerate", fq.degenerate}});
        }
        j["features"] = features;
      }
      break;
    }
  }
  j[kTensorDigestKey] = QuantizedTensorDigest(q);
  return j;
}

QuantizedModel QuantizedFromJson(const json& j, const std::string& path) {
  Reader r(path);
  if (!j.is_object()) r.Fail("not a qlab quantized model (expected a JSON object)");
  if (r.String(j, "format", "") != kQuantizedFormat) {
    r.Fail(std::string("'format' is not ") + kQuantizedFormat);
  }
  const int64_t version = r.Integer(j, "version", "", 0, 1 << 30);
  if (version != kQuantizedFormatVersion) {
    r.Fail(fmt::format("{} version {} is not the version this qlab reads ({})", kQuantizedFormat,
                       version, kQuantizedFormatVersion));
  }
  QuantizedModel q;
  const auto scheme = ParseScheme(r.String(j, "scheme", ""));
  if (!scheme) r.Fail("'scheme' must be seed, w8 or w8a8");
  q.scheme = *scheme;
  q.bits = static_cast<int>(r.Integer(j, "bits", "", kMinBits, kMaxBits));
  const auto calibration = ParseCalibration(r.String(j, "calibration", ""));
  if (!calibration) r.Fail("'calibration' must be minmax, percentile:P (50 < P <= 100) or mse");
  q.calibration = *calibration;
  q.float_model = FloatModelFromJson(r, r.Key(j, "float_model", ""), q.float_model_dir);
  const size_t k = q.num_features();
  switch (q.scheme) {
    case Scheme::kSeed: {
      const json& seed = r.Key(j, "seed", "");
      q.seed_coef = SeedTensorFromJson(r, r.Key(seed, "coef", "seed"), "seed.coef", k, q.bits);
      q.seed_intercept =
          SeedTensorFromJson(r, r.Key(seed, "intercept", "seed"), "seed.intercept", 1, q.bits);
      break;
    }
    case Scheme::kW8:
    case Scheme::kW8A8: {
      if (k > 64) r.Fail("more than 64 features: the gemv kernels' limit");
      const json& weights = r.Key(j, "weights", "");
      if (r.String(weights, "dtype", "weights") != "int8") {
        r.Fail("'weights.dtype' must be \"int8\"");
      }
      const int64_t kmax = quant::WeightMax(q.bits);
      for (int64_t c : r.Integers(weights, "codes", "weights", k, -kmax, kmax)) {
        q.weights.push_back(static_cast<int8_t>(c));
      }
      q.weight_scale = r.Number(weights, "scale", "weights");
      if (!(q.weight_scale > 0) || !std::isfinite(static_cast<float>(q.weight_scale))) {
        r.Fail("'weights.scale' must be positive and finite in float32");
      }
      q.correction = static_cast<int32_t>(
          r.Integer(j, "correction", "", -(int64_t{1} << 23), int64_t{1} << 23));
      q.bias = r.Number(j, "bias", "");
      if (!std::isfinite(static_cast<float>(q.bias))) r.Fail("'bias' must be finite in float32");
      if (q.scheme == Scheme::kW8A8) {
        const auto fold = ParseFold(r.String(j, "fold", ""));
        if (!fold) r.Fail("'fold' must be grid, zero-point, offsets or raw");
        q.fold = *fold;
        q.bias_correction = r.Number(j, "bias_correction", "");
        const json& features = r.Key(j, "features", "");
        if (!features.is_array() || features.size() != k) {
          r.Fail(fmt::format("'features' must be an array of {} objects", k));
        }
        int64_t correction = 0;
        for (size_t f = 0; f < k; ++f) {
          const std::string where = fmt::format("features[{}]", f);
          const json& o = features[f];
          FeatureQuantizer fq;
          if (r.String(o, "name", where) != q.float_model.feature_names[f]) {
            r.Fail(fmt::format("'{}.name' is not the float model's feature '{}'", where,
                               q.float_model.feature_names[f]));
          }
          if (r.String(o, "dtype", where) != "uint8") r.Fail("'" + where + ".dtype' must be uint8");
          fq.center = r.Number(o, "center", where);
          const double step = r.Number(o, "step", where);
          fq.step = static_cast<float>(step);
          if (!(fq.step > 0) || !std::isfinite(fq.step) || static_cast<double>(fq.step) != step) {
            r.Fail(fmt::format("'{}.step' must be a positive finite float32 value", where));
          }
          fq.zero_point =
              static_cast<int32_t>(r.Integer(o, "zero_point", where, 0, quant::CodeMax(q.bits)));
          fq.calibrated_lo = r.Number(o, "calibrated_lo", where);
          fq.calibrated_hi = r.Number(o, "calibrated_hi", where);
          fq.degenerate = r.Bool(o, "degenerate", where);
          correction += static_cast<int64_t>(q.weights[f]) * fq.zero_point;
          q.features.push_back(fq);
        }
        if (correction != q.correction) {
          r.Fail(fmt::format("'correction' {} is not Σ weights·zero points ({})", q.correction,
                             correction));
        }
      } else if (q.correction != 0) {
        r.Fail("'correction' must be 0 for w8");
      }
      break;
    }
  }
  // Last, so that a value out of range is named first; this catches the plausible edits.
  CheckTensorDigest(path, r.String(j, kTensorDigestKey, ""), QuantizedTensorDigest(q));
  return q;
}

void SaveQuantized(const QuantizedModel& q, const std::string& dir) {
  EnsureDirectory(dir);
  WriteFileAtomically((std::filesystem::path(dir) / kQuantizedFileName).string(),
                      QuantizedToJson(q).dump(2) + "\n");
}

bool IsQuantizedModelDir(const std::string& dir) {
  std::error_code ec;
  return std::filesystem::is_regular_file(std::filesystem::path(dir) / kQuantizedFileName, ec);
}

QuantizedModel LoadQuantized(const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / kQuantizedFileName).string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    throw InputError(path, "no such file; make one with `qlab quantize --out " + dir + "`");
  }
  const std::string text = ReadFileBytes(path);
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    size_t line = 1;
    size_t column = 1;
    const size_t end = std::min(text.size(), e.byte > 0 ? e.byte - 1 : 0);
    for (size_t i = 0; i < end; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    throw InputError(path, line, column, "not valid JSON");
  } catch (const json::exception& e) {
    // A number beyond double range ("1e400") is json::out_of_range (406), not a parse_error.
    throw InputError(path, "not valid JSON: a number out of the range of a double");
  }
  return QuantizedFromJson(j, path);
}

}  // namespace qlab::quant
