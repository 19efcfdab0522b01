// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// quantized_model.json: format "qlab.quantized_model", version 3, data only. It embeds the float
// model it came from (parameters and the data provenance) so that one file is enough to predict,
// re-read and verify the data, and compare against the float model.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <optional>
#include <stdexcept>
#include <vector>

#include "qlab/io/atomic_file.h"
#include "qlab/io/input_error.h"
#include "qlab/io/json_document.h"
#include "qlab/io/shortest.h"
#include "qlab/io/stream.h"
#include "qlab/io/tensor_digest.h"
#include "qlab/io/version.h"
#include "qlab/kernels.h"
#include "qlab/model/artifact.h"
#include "qlab/quant/artifact.h"
#include "qlab/quant/calibration.h"
#include "qlab/quant/quantize.h"

namespace qlab::quant {

using io::CheckTensorDigest;
using io::EnsureDirectory;
using io::InputError;
using io::JsonDocument;
using io::JsonReader;
using io::kTensorDigestKey;
using io::kVersion;
using io::TensorDigest;
using io::WriteFileAtomically;
using model::LinearModel;

namespace {

using nlohmann::json;

json SeedTensorJson(const SeedTensor& t) {
  return {{"dtype", "uint8"},           {"codes", t.codes},
          {"scale", t.scale},           {"zero_point", t.zero_point},
          {"zero_range", t.zero_range}, {"dequantized", t.dequantized}};
}

json FloatModelJson(const LinearModel& m, const std::string& dir) {
  json j = model::LinearModelToJson(m);
  j["dir"] = dir;
  return j;
}

SeedTensor SeedTensorFromJson(const JsonReader& o, size_t n, int bits) {
  SeedTensor t;
  const JsonReader dtype = o.Key("dtype");
  if (dtype.String() != "uint8") dtype.Fail("'" + dtype.name() + "' must be \"uint8\"");
  for (int64_t c : o.Key("codes").Integers(n, 0, CodeMax(bits))) {
    t.codes.push_back(static_cast<uint8_t>(c));
  }
  const JsonReader scale = o.Key("scale");
  t.scale = scale.Number();
  if (t.scale < 0) scale.Fail("'" + scale.name() + "' must not be negative");
  t.zero_point = static_cast<int32_t>(o.Key("zero_point").Integer(0, CodeMax(bits)));
  const JsonReader zero_range = o.Key("zero_range");
  t.zero_range = zero_range.Bool();
  if (t.zero_range != (t.scale == 0)) {
    zero_range.Fail("'" + zero_range.name() + "' must be true exactly when scale is 0");
  }
  // Dequantized values are recomputed, not trusted: they must equal what the codes give.
  const std::vector<JsonReader> stored = o.Key("dequantized").Elements(n, "numbers");
  const float scale_f32 = static_cast<float>(t.scale);
  for (size_t i = 0; i < n; ++i) {
    const float value = t.zero_range ? 0.0f : SeedDequantize(t.codes[i], t.zero_point, scale_f32);
    if (static_cast<double>(value) != stored[i].Number()) {
      stored[i].Fail("'" + stored[i].name() + "' does not match its code");
    }
    t.dequantized.push_back(value);
  }
  return t;
}

void AddSeedTensors(TensorDigest& digest, const SeedTensor& t, const std::string& prefix) {
  digest.U8(prefix + "codes", t.codes);
  digest.F64(prefix + "scale", t.scale);
  digest.I64(prefix + "zero_point", t.zero_point);
  const uint8_t zero_range = t.zero_range ? 1 : 0;
  digest.U8(prefix + "zero_range", std::span<const uint8_t>(&zero_range, 1));
  digest.F32(prefix + "dequantized", t.dequantized);
}

// For the message refusing an old version: the float model's folder the file records, if it is
// a printable string, else a placeholder.
std::string RecordedFloatModelDir(const JsonReader& root) {
  const json& value = root.value();
  const auto float_model = value.find("float_model");
  if (float_model != value.end() && float_model->is_object()) {
    const auto dir = float_model->find("dir");
    if (dir != float_model->end() && dir->is_string() && !dir->get<std::string>().empty()) {
      return io::Printable(dir->get<std::string>(), 200);
    }
  }
  return "FLOAT_MODEL_DIR";
}

}  // namespace

// What the digest covers, field by field (the entries and their order: artifact.h):
//   covered: the whole float model (model::AddModelFields: its data, split, features, scaler,
//     coefficients, solver and metrics), scheme, bits (the code range: it moves saturation),
//     calibration, and every parameter of the scheme: seed codes, scales, zero points, zero_range
//     and dequantized values; w8 and w8a8 weight codes and scale, correction and bias; w8a8 fold,
//     bias_correction, outliers and each feature's center, step, zero point, calibrated range and
//     degenerate flag (the harness reports it as zero_range);
//   cross-checked instead: the dtypes (constants, or given by bits), features[].name (must be the
//     float model's feature_names, which are covered), correction (Σ weights·zero points),
//     zero_range (scale 0) and the seed dequantized values (recomputed from their codes);
//   not covered, as they change no prediction or metric: format and version (checked first),
//     created_by, float_model.dir (where the float model was: only its file size is reported)
//     and the digest itself.
std::string QuantizedDigest(const QuantizedModel& q) {
  TensorDigest digest;
  model::AddModelFields(digest, q.float_model, "float_model.");
  digest.Utf8("scheme", SchemeName(q.scheme));
  digest.I64("bits", int64_t{q.bits});
  digest.Utf8("calibration", q.calibration.Name());
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
        digest.Utf8("fold", FoldName(q.fold));
        digest.F64("bias_correction", q.bias_correction);
        digest.Utf8("outliers", OutliersName(q.outliers));
        const size_t k = q.features.size();
        std::vector<double> center(k), lo(k), hi(k);
        std::vector<float> step(k);
        std::vector<int64_t> zero_point(k);
        std::vector<uint8_t> degenerate(k);
        for (size_t f = 0; f < k; ++f) {
          center[f] = q.features[f].center;
          step[f] = q.features[f].step;
          zero_point[f] = q.features[f].zero_point;
          lo[f] = q.features[f].calibrated_lo;
          hi[f] = q.features[f].calibrated_hi;
          degenerate[f] = q.features[f].degenerate ? 1 : 0;
        }
        digest.F64("features.center", center);
        digest.F32("features.step", step);
        digest.I64("features.zero_point", zero_point);
        digest.F64("features.calibrated_lo", lo);
        digest.F64("features.calibrated_hi", hi);
        digest.U8("features.degenerate", degenerate);
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
        j["outliers"] = OutliersName(q.outliers);
        const char* code_dtype = PacksFeatureCodes(q.bits) ? "uint4" : "uint8";
        json features = json::array();
        for (size_t f = 0; f < q.features.size(); ++f) {
          const FeatureQuantizer& fq = q.features[f];
          features.push_back({{"name", q.float_model.feature_names[f]},
                              {"dtype", code_dtype},
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
  j[kTensorDigestKey] = QuantizedDigest(q);
  return j;
}

QuantizedModel QuantizedFromJson(const JsonReader& root) {
  if (!root.value().is_object()) root.Fail("not a qlab quantized model (expected a JSON object)");
  const JsonReader format = root.Key("format");
  if (format.String() != kQuantizedFormat) {
    format.Fail(std::string("'format' is not ") + kQuantizedFormat);
  }
  // Not covered by the digest (it says which qlab wrote the file), but typed all the same.
  if (root.value().contains("created_by")) (void)root.Key("created_by").String();
  const JsonReader version = root.Key("version");
  if (const int64_t v = version.Integer(0, 1 << 30); v < kQuantizedFormatVersion) {
    // Older versions left the float model's split, features and data out of the digest (and,
    // here, the scheme, bits and calibration): not read, made again from the float model.
    const std::string folder = std::filesystem::path(root.file()).parent_path().string();
    version.Fail(fmt::format(
        "quantized model format {} version {} is older than this qlab's version {}; rewrite it "
        "with `qlab quantize --model {} --out {}` and the options it was made with (after `qlab "
        "train` if that float model is older too)",
        kQuantizedFormat, v, kQuantizedFormatVersion, RecordedFloatModelDir(root),
        folder.empty() ? "." : folder));
  } else if (v != kQuantizedFormatVersion) {
    version.Fail(fmt::format("{} version {} is not the version this qlab reads ({})",
                             kQuantizedFormat, v, kQuantizedFormatVersion));
  }
  QuantizedModel q;
  const JsonReader scheme_field = root.Key("scheme");
  const auto scheme = ParseScheme(scheme_field.String());
  if (!scheme) scheme_field.Fail("'scheme' must be seed, w8 or w8a8");
  q.scheme = *scheme;
  q.bits = static_cast<int>(root.Key("bits").Integer(kMinBits, kMaxBits));
  const JsonReader calibration_field = root.Key("calibration");
  const auto calibration = ParseCalibration(calibration_field.String());
  if (!calibration) {
    calibration_field.Fail("'calibration' must be minmax, percentile:P (50 < P <= 100) or mse");
  }
  q.calibration = *calibration;
  const JsonReader float_model = root.Key("float_model");
  q.float_model_dir = float_model.Key("dir").String();
  q.float_model = model::LinearModelFromJson(float_model);
  q.float_model.artifact_file = root.file();
  const size_t k = q.num_features();
  switch (q.scheme) {
    case Scheme::kSeed: {
      const JsonReader seed = root.Key("seed");
      q.seed_coef = SeedTensorFromJson(seed.Key("coef"), k, q.bits);
      q.seed_intercept = SeedTensorFromJson(seed.Key("intercept"), 1, q.bits);
      break;
    }
    case Scheme::kW8:
    case Scheme::kW8A8: {
      if (k > kernels::kMaxGemvK) {
        float_model.Key("feature_names").Fail("more than 64 features: the gemv kernels' limit");
      }
      const JsonReader weights = root.Key("weights");
      const JsonReader dtype = weights.Key("dtype");
      if (dtype.String() != "int8") dtype.Fail("'weights.dtype' must be \"int8\"");
      const int64_t kmax = WeightMax(q.bits);
      for (int64_t c : weights.Key("codes").Integers(k, -kmax, kmax)) {
        q.weights.push_back(static_cast<int8_t>(c));
      }
      const JsonReader scale = weights.Key("scale");
      q.weight_scale = scale.Number();
      // The kernels take it as a float: a value that rounds to 0 (or to a subnormal, whose
      // products lose their digits) would make every prediction the bias.
      const auto scale32 = static_cast<float>(q.weight_scale);
      if (!(scale32 >= std::numeric_limits<float>::min()) || !std::isfinite(scale32)) {
        scale.Fail(
            fmt::format("'weights.scale' {} must be a positive, finite, normal float32 "
                        "number (at least {})",
                        q.weight_scale, std::numeric_limits<float>::min()));
      }
      const JsonReader correction_field = root.Key("correction");
      q.correction =
          static_cast<int32_t>(correction_field.Integer(-(int64_t{1} << 23), int64_t{1} << 23));
      const JsonReader bias = root.Key("bias");
      q.bias = bias.Number();
      if (!std::isfinite(static_cast<float>(q.bias))) bias.Fail("'bias' must be finite in float32");
      if (q.scheme == Scheme::kW8A8) {
        const JsonReader fold_field = root.Key("fold");
        const auto fold = ParseFold(fold_field.String());
        if (!fold) fold_field.Fail("'fold' must be grid, zero-point, offsets or raw");
        q.fold = *fold;
        q.bias_correction = root.Key("bias_correction").Number();
        const JsonReader outliers_field = root.Key("outliers");
        const auto outliers = ParseOutliers(outliers_field.String());
        if (!outliers) outliers_field.Fail("'outliers' must be float or clip");
        q.outliers = *outliers;
        const std::string code_dtype = PacksFeatureCodes(q.bits) ? "uint4" : "uint8";
        int64_t correction = 0;
        const std::vector<JsonReader> features = root.Key("features").Elements(k, "objects");
        for (size_t f = 0; f < k; ++f) {
          const JsonReader& o = features[f];
          FeatureQuantizer fq;
          const JsonReader name = o.Key("name");
          if (name.String() != q.float_model.feature_names[f]) {
            name.Fail(fmt::format("'{}' is not the float model's feature '{}'", name.name(),
                                  io::Printable(q.float_model.feature_names[f])));
          }
          const JsonReader feature_dtype = o.Key("dtype");
          if (feature_dtype.String() != code_dtype) {
            feature_dtype.Fail(fmt::format("'{}' must be {} at {} bits", feature_dtype.name(),
                                           code_dtype, q.bits));
          }
          fq.center = o.Key("center").Number();
          const JsonReader step_field = o.Key("step");
          const double step = step_field.Number();
          fq.step = static_cast<float>(step);
          if (!(fq.step > 0) || !std::isfinite(fq.step) || static_cast<double>(fq.step) != step) {
            step_field.Fail("'" + step_field.name() + "' must be a positive finite float32 value");
          }
          fq.zero_point = static_cast<int32_t>(o.Key("zero_point").Integer(0, CodeMax(q.bits)));
          fq.calibrated_lo = o.Key("calibrated_lo").Number();
          fq.calibrated_hi = o.Key("calibrated_hi").Number();
          fq.degenerate = o.Key("degenerate").Bool();
          correction += static_cast<int64_t>(q.weights[f]) * fq.zero_point;
          q.features.push_back(fq);
        }
        if (correction != q.correction) {
          correction_field.Fail(fmt::format("'correction' {} is not Σ weights·zero points ({})",
                                            q.correction, correction));
        }
      } else if (q.correction != 0) {
        correction_field.Fail("'correction' must be 0 for w8");
      }
      break;
    }
  }
  // Last, so that a value out of range is named first; this catches the plausible edits.
  CheckTensorDigest(root.file(), root.Key(kTensorDigestKey).String(), QuantizedDigest(q));
  // Then what a re-signed file could still hold: fields that contradict one another.
  model::CheckModelFieldsAgree(float_model, q.float_model);
  if (const auto disagreement = QuantizedFieldsDisagree(q)) {
    const JsonReader where = disagreement->feature
                                 ? root.Key("features")
                                       .Elements(k, "objects")[*disagreement->feature]
                                       .Key(disagreement->key)
                                 : root.Key(disagreement->key);
    where.Fail(disagreement->feature
                   ? fmt::format("feature {} ('{}'): {}", *disagreement->feature,
                                 io::Printable(q.float_model.feature_names[*disagreement->feature]),
                                 disagreement->message)
                   : disagreement->message);
  }
  return q;
}

std::optional<FieldDisagreement> QuantizedFieldsDisagree(const QuantizedModel& q) {
  if (q.scheme == Scheme::kSeed) return std::nullopt;
  const LinearModel& model = q.float_model;
  const auto at = [](std::optional<size_t> feature, std::string key, std::string message) {
    return FieldDisagreement{feature, std::move(key), std::move(message)};
  };
  if (q.scheme == Scheme::kW8 && q.bias != model.intercept) {
    return at(std::nullopt, "bias",
              fmt::format("'bias' {} is not the float model's intercept {}", io::Shortest(q.bias),
                          io::Shortest(model.intercept)));
  }
  if (q.scheme == Scheme::kW8A8) {
    const double top = static_cast<double>(CodeMax(q.bits));
    for (size_t f = 0; f < q.features.size(); ++f) {
      const FeatureQuantizer& fq = q.features[f];
      const auto j = static_cast<Eigen::Index>(f);
      const double mean = model.scaler_mean[j];
      const double sigma = model.scaler_scale[j];
      if (!(fq.calibrated_lo <= fq.calibrated_hi)) {
        return at(f, "calibrated_lo",
                  fmt::format("calibrated_lo {} is above calibrated_hi {}",
                              io::Shortest(fq.calibrated_lo), io::Shortest(fq.calibrated_hi)));
      }
      if (fq.degenerate && fq.calibrated_lo != fq.calibrated_hi) {
        return at(f, "degenerate",
                  fmt::format("degenerate, but its calibrated range [{}, {}] has a width",
                              io::Shortest(fq.calibrated_lo), io::Shortest(fq.calibrated_hi)));
      }
      // The center each fold gives (schemes.cc, QuantizeW8A8), in the same arithmetic.
      double center = mean;
      switch (q.fold) {
        case Fold::kGrid:
        case Fold::kZeroPoint:
          break;
        case Fold::kOffsets:
          center = fq.degenerate ? mean + sigma * -0.5 : std::min(fq.calibrated_lo, mean);
          break;
        case Fold::kRaw:
          center = 0;
          break;
      }
      if (fq.center != center) {
        return at(f, "center",
                  fmt::format("center {} is not the {} fold's {} (from the scaler mean {} and "
                              "calibrated_lo {})",
                              io::Shortest(fq.center), FoldName(q.fold), io::Shortest(center),
                              io::Shortest(mean), io::Shortest(fq.calibrated_lo)));
      }
      // The grid's step is the usable range's width over the codes (widened to hold the mean,
      // schemes.cc, UsableRange), or for the grid fold a fitted step at least half of that: a
      // range more than twice as wide as the grid is not the one its step was made from.
      const double step = fq.step;
      const double width = step * top;
      const double usable = std::max(fq.calibrated_hi, mean) - std::min(fq.calibrated_lo, mean);
      if (!fq.degenerate && !(usable <= 2.001 * width)) {
        return at(f, "calibrated_hi",
                  fmt::format("calibrated range [{}, {}] is more than twice as wide as the codes' "
                              "grid ({} steps of {})",
                              io::Shortest(fq.calibrated_lo), io::Shortest(fq.calibrated_hi), top,
                              io::Shortest(step)));
      }
      if (q.fold == Fold::kRaw) continue;  // its grid is anchored at raw 0, not at the data
      const double grid_lo = fq.center - step * fq.zero_point;
      const double grid_hi = fq.center + step * (top - fq.zero_point);
      if (!(fq.calibrated_lo >= grid_lo - width && fq.calibrated_hi <= grid_hi + width)) {
        return at(f, "calibrated_lo",
                  fmt::format("calibrated range [{}, {}] lies outside the codes' grid [{}, {}] "
                              "by more than its width",
                              io::Shortest(fq.calibrated_lo), io::Shortest(fq.calibrated_hi),
                              io::Shortest(grid_lo), io::Shortest(grid_hi)));
      }
    }
    const double folded = W8A8FoldedBias(model, q.features);
    const double expected = q.bias_correction != 0 ? folded + q.bias_correction : folded;
    if (q.bias != expected) {
      return at(
          std::nullopt, "bias",
          fmt::format("'bias' {} is not the float intercept folded with the features' "
                      "centers ({}) plus bias_correction {}",
                      io::Shortest(q.bias), io::Shortest(folded), io::Shortest(q.bias_correction)));
    }
  }
  if (const double bound = F32OutputBound(q); !(bound < kF32OutputLimit)) {
    return at(std::nullopt, "weights",
              fmt::format("overflow: predictions could reach {:.3g} (weights.scale, codes and "
                          "bias); f32 inference needs them below {:.0e}",
                          bound, kF32OutputLimit));
  }
  return std::nullopt;
}

QuantizedModel QuantizedFromJson(const nlohmann::json& j, const std::string& path) {
  const JsonDocument doc = JsonDocument::Parse(path, j.dump(2));
  return QuantizedFromJson(JsonReader(doc));
}

void RequireSameFloatModel(const QuantizedModel& q, const std::string& dir, bool saving);

void SaveQuantized(const QuantizedModel& q, const std::string& dir) {
  // Nothing the loader would refuse is written: not beside a float model it contradicts, and not
  // a document that does not read back (a writer and a loader that disagree on one value, such as
  // a −0.0 the digest tells from +0.0, made `quantize` succeed on files no command could load).
  RequireSameFloatModel(q, dir, true);
  const std::string path = (std::filesystem::path(dir) / kQuantizedFileName).string();
  const std::string text = QuantizedToJson(q).dump(2) + "\n";
  try {
    const JsonDocument doc = JsonDocument::Parse(path, text);
    (void)QuantizedFromJson(JsonReader(doc));
  } catch (const InputError& e) {
    throw std::logic_error(std::string("the quantized model does not read back: ") + e.what());
  }
  EnsureDirectory(dir);
  WriteFileAtomically(path, text);
}

bool IsQuantizedModelDir(const std::string& dir) {
  std::error_code ec;
  return std::filesystem::is_regular_file(std::filesystem::path(dir) / kQuantizedFileName, ec);
}

// A float model beside the quantized one, or in the folder it records as its origin (`quantize
// --model m` writes m/w8a8/ and records m), must be the one it was quantized from: `quantize --out
// m` then `train --out m` left the old quantized model in m, and predict used it without a word.
// The quantized artifact embeds its float model (covered by its checksum), so the two are compared
// by what changes a prediction or a metric: the parameters, the data, the split, the features,
// then everything else the float model's digest covers. A recorded folder that no longer holds a
// model (moved, removed, another machine) is not a disagreement: the artifact is whole. Saving
// runs the same test on the folder written to, so `quantize --model a --out b` cannot leave b
// with a quantized model its own model.json contradicts (which every later load would refuse).
void RequireSameFloatModel(const QuantizedModel& q, const std::string& dir, bool saving) {
  const std::string path = (std::filesystem::path(dir) / kQuantizedFileName).string();
  std::error_code ec;
  std::vector<std::filesystem::path> origins = {std::filesystem::path(dir)};
  if (!saving && !q.float_model_dir.empty()) {
    const std::filesystem::path recorded(q.float_model_dir);
    const auto same = std::filesystem::equivalent(recorded, origins.front(), ec);
    if (ec || !same) origins.push_back(recorded);
  }
  for (const auto& origin : origins) {
    const std::string there_path = (origin / model::kModelFileName).string();
    if (!std::filesystem::is_regular_file(there_path, ec)) continue;
    const model::LinearModel there = model::LoadModel(origin.string());
    const model::LinearModel& from = q.float_model;
    std::string differs;
    if (there.scaler_mean != from.scaler_mean || there.scaler_scale != from.scaler_scale ||
        there.coef != from.coef || there.intercept != from.intercept) {
      differs = "its coefficients, scaler or intercept";
    } else if (there.data_sha256 != from.data_sha256) {
      differs = "its data";
    } else if (there.seed != from.seed || there.test_size != from.test_size) {
      differs = "its split";
    } else if (there.feature_names != from.feature_names) {
      differs = "its features";
    } else if (model::ModelDigest(there) != model::ModelDigest(from)) {
      differs = "its target, solver or recorded metrics";
    }
    if (differs.empty()) continue;
    if (saving) {
      throw InputError(there_path,
                       "holds another float model than the one quantized (" + differs +
                           " differ): a quantized model written beside it could not be used; "
                           "write it to another folder, or quantize this folder's own model (`qlab "
                           "quantize --model " +
                           dir + " --out " + dir + "`)");
    }
    const bool beside = origin == origins.front();
    throw InputError(path, "was quantized from another float model than " + there_path +
                               (beside ? " beside it" : ", the one it records") + " (" + differs +
                               " differ); quantize that one again (`qlab quantize " + "--model " +
                               origin.string() + " --out " + dir +
                               "`) or keep the two in separate folders");
  }
}

void CheckQuantizedAgainstTraining(const QuantizedModel& q, const Eigen::MatrixXd& X_train,
                                   const std::string& file) {
  QuantizeOptions options;
  options.scheme = q.scheme;
  options.bits = q.bits;
  options.calibration = q.calibration;
  options.fold = q.fold;
  options.outliers = q.outliers;
  const std::string recorded = QuantizedDigest(q);
  // The flag is not recorded, its effect is: a correction of exactly 0 may come from either.
  for (const bool correction : {q.bias_correction != 0, q.bias_correction == 0}) {
    options.bias_correction = correction;
    try {
      if (QuantizedDigest(Quantize(q.float_model, X_train, options)) == recorded) return;
    } catch (const io::InputError&) {
      // Options the quantizer refuses for this model: no artifact it wrote.
    }
  }
  throw io::InputError(file, fmt::format("its {} fields are not what quantizing its float model "
                                         "on the recorded training rows gives ({} bits, "
                                         "calibration {}): they were edited",
                                         SchemeName(q.scheme), q.bits, q.calibration.Name()));
}

QuantizedModel LoadQuantized(const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / kQuantizedFileName).string();
  if (io::NoSuchFile(path)) {
    throw InputError(path, "no such file; make one with `qlab quantize --out " + dir + "`");
  }
  const JsonDocument doc = JsonDocument::Load(path);
  QuantizedModel q = QuantizedFromJson(JsonReader(doc));
  RequireSameFloatModel(q, dir, false);
  return q;
}

}  // namespace qlab::quant
