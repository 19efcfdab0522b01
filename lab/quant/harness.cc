// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The accuracy-loss and memory harness: one flat JSON object per quantized model, its keys those of
// the result-key table (qlab/io/result_keys.h), which the report and the gate read with.
#include <algorithm>
#include <cmath>
#include <filesystem>

#include <fmt/format.h>

#include "qlab/io/input_error.h"
#include "qlab/io/result_keys.h"
#include "qlab/kernels.h"
#include "qlab/model/artifact.h"
#include "qlab/quant/artifact.h"
#include "qlab/quant/harness.h"
#include "qlab/quant/quantize.h"
#include "qlab/reference/metrics.h"

namespace qlab::quant {

using data::SplitData;
using model::LinearModel;
namespace keys = io::keys;
namespace {

using nlohmann::json;

int64_t FileBytes(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? -1 : static_cast<int64_t>(size);
}

double MaxOf(const std::vector<double>& v) {
  return v.empty() ? 0.0 : *std::max_element(v.begin(), v.end());
}

}  // namespace

json EvaluateQuantized(const QuantizedModel& q, const SplitData& split,
                       const std::string& artifact_dir) {
  const LinearModel& model = q.float_model;
  const Eigen::VectorXd y_float = model.Predict(split.X_test);
  const QuantizedRun run = RunQuantized(q, split.X_test);
  const Eigen::VectorXd& y_quant = run.y;
  const Eigen::Index n = y_float.size();
  const auto k = static_cast<int64_t>(q.num_features());

  json j;
  j[keys::kScheme.name] = SchemeName(q.scheme);
  j[keys::kBits.name] = q.bits;
  j[keys::kCalibration.name] = q.calibration.Name();
  j[keys::kFold.name] = q.scheme == Scheme::kW8A8 ? FoldName(q.fold) : std::string("none");
  j[keys::kOutliers.name] =
      q.scheme == Scheme::kW8A8 ? OutliersName(q.outliers) : std::string("none");
  j[keys::kKernelTarget.name] =
      q.scheme == Scheme::kSeed ? std::string("eigen-f64") : kernels::ActiveTarget();
  j[keys::kNTest.name] = n;
  j[keys::kBiasCorrection.name] = q.bias_correction;

  // Checked as train checks them: a constant test target (R² undefined) or an MSE below the
  // double range is bad input naming the data file.
  const model::Metrics float_metrics =
      model::Evaluate(split.y_test, y_float, "test", split.dataset.source_path);
  const model::Metrics quant_metrics =
      model::Evaluate(split.y_test, y_quant, "test", split.dataset.source_path);
  const double float_r2 = float_metrics.r2;
  const double float_mse = float_metrics.mse;
  const double float_mae = float_metrics.mae;
  const double r2 = quant_metrics.r2;
  const double mse = quant_metrics.mse;
  const double mae = quant_metrics.mae;
  j[keys::kFloatTestR2.name] = float_r2;
  j[keys::kFloatTestMse.name] = float_mse;
  j[keys::kFloatTestMae.name] = float_mae;
  j[keys::kTestR2.name] = r2;
  j[keys::kTestMse.name] = mse;
  j[keys::kTestMae.name] = mae;
  j[keys::kDeltaR2.name] = r2 - float_r2;
  j[keys::kDeltaMse.name] = mse - float_mse;
  j[keys::kDeltaMae.name] = mae - float_mae;

  // |Δ| as the policy in effect scores the rows, and as the integer path alone does: they differ
  // on the fallback rows only, which the integer path gave fallback_integer_y.
  std::vector<double> abs_delta(static_cast<size_t>(n));
  for (Eigen::Index i = 0; i < n; ++i) {
    abs_delta[static_cast<size_t>(i)] = std::abs(y_quant[i] - y_float[i]);
  }
  std::vector<double> integer_delta = abs_delta;
  std::vector<double> fallback_delta;
  for (size_t r = 0; r < run.fallback_rows.size(); ++r) {
    const size_t i = run.fallback_rows[r];
    fallback_delta.push_back(abs_delta[i]);
    integer_delta[i] = std::abs(run.fallback_integer_y[r] - y_float[static_cast<Eigen::Index>(i)]);
  }
  std::vector<double> clipped_delta;
  std::vector<double> unclipped_delta;
  double sum = 0;
  double sum_signed = 0;
  double sum_sq = 0;  // of |Δ| · 2^−scale: the squares of differences near 1e-300 do not underflow
  int scale = 0;
  std::frexp(MaxOf(abs_delta), &scale);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double d = abs_delta[static_cast<size_t>(i)];
    sum += d;
    sum_signed += y_quant[i] - y_float[i];
    const double scaled = std::ldexp(d, -scale);  // exact: a power of two
    sum_sq += scaled * scaled;
    // The clipped rows as the integer path scores them (what clipping costs them), whatever the
    // policy; the unclipped rows are never re-scored.
    if (run.clipped[static_cast<size_t>(i)]) {
      clipped_delta.push_back(integer_delta[static_cast<size_t>(i)]);
    } else {
      unclipped_delta.push_back(d);
    }
  }
  const double rows = std::max<double>(1.0, static_cast<double>(n));
  j[keys::kMeanAbsDelta.name] = sum / rows;
  j[keys::kMeanDelta.name] = sum_signed / rows;
  j[keys::kRmsDelta.name] = std::ldexp(std::sqrt(sum_sq / rows), scale);
  j[keys::kP99AbsDelta.name] = PercentileLinear(abs_delta, 99);
  j[keys::kMaxAbsDelta.name] = MaxOf(abs_delta);
  j[keys::kSqnrDb.name] = SqnrDb(y_float, y_quant);
  j[keys::kClippedRows.name] = static_cast<int64_t>(clipped_delta.size());
  j[keys::kClippedMaxAbsDelta.name] = MaxOf(clipped_delta);
  j[keys::kUnclippedP99AbsDelta.name] = PercentileLinear(unclipped_delta, 99);
  j[keys::kUnclippedMaxAbsDelta.name] = MaxOf(unclipped_delta);
  json per_feature = json::object();
  for (size_t f = 0; f < run.clipped_per_feature.size(); ++f) {
    per_feature[model.feature_names[f]] = run.clipped_per_feature[f];
  }
  j[keys::kClippedPerFeature.name] = per_feature;

  // The fallback: its rows as scored in f64, and the figures the integer path alone gives
  // (what clip prints; equal to max_abs_delta and p99_abs_delta without a fallback).
  j[keys::kFallbackRows.name] = static_cast<int64_t>(run.fallback_rows.size());
  j[keys::kFallbackMaxAbsDelta.name] = MaxOf(fallback_delta);
  j[keys::kIntegerMaxAbsDelta.name] = MaxOf(integer_delta);
  j[keys::kIntegerP99AbsDelta.name] = PercentileLinear(integer_delta, 99);

  // The original project's figures: coefficient and intercept errors, and the largest prediction
  // difference on the first five test rows.
  const Eigen::VectorXd coef = DequantizedCoef(q);
  // The effective intercept: the prediction at the training mean (z = 0) of the dequantized model.
  double intercept = q.bias;
  if (q.scheme == Scheme::kSeed) {
    intercept = q.seed_intercept.dequantized.at(0);
  } else if (q.scheme == Scheme::kW8A8) {
    for (Eigen::Index f = 0; f < k; ++f) {
      const double center_z = (q.features[static_cast<size_t>(f)].center - model.scaler_mean[f]) /
                              model.scaler_scale[f];
      intercept -= coef[f] * center_z;
    }
  }
  j[keys::kCoefMeanAbsError.name] = k > 0 ? (coef - model.coef).cwiseAbs().mean() : 0.0;
  j[keys::kCoefMaxAbsError.name] = k > 0 ? (coef - model.coef).cwiseAbs().maxCoeff() : 0.0;
  j[keys::kInterceptAbsError.name] = std::abs(intercept - model.intercept);
  double head = 0;
  for (Eigen::Index i = 0; i < std::min<Eigen::Index>(5, n); ++i) {
    head = std::max(head, abs_delta[static_cast<size_t>(i)]);
  }
  j[keys::kHeadMaxAbsDelta.name] = head;
  json zero_range = json::array();
  if (q.scheme == Scheme::kSeed) {
    if (q.seed_coef.zero_range) zero_range.push_back("coef");
    if (q.seed_intercept.zero_range) zero_range.push_back("intercept");
  }
  for (size_t f = 0; f < q.features.size(); ++f) {
    if (q.features[f].degenerate) zero_range.push_back(model.feature_names[f]);
  }
  j[keys::kZeroRange.name] = zero_range;

  // Memory: the weights (coefficients and intercept, with the quantization parameters they need)
  // and the test feature matrix, in f64, f32 and the quantized form.
  const int64_t weight_f64 = 8 * (k + 1);
  const int64_t weight_f32 = 4 * (k + 1);
  int64_t weight_quant = 0;
  int64_t feature_quant = 0;
  const int64_t cells = n * k;
  switch (q.scheme) {
    case Scheme::kSeed:
      // uint8 codes, the intercept's code, two f32 scales and two uint8 zero points.
      weight_quant = k + 1 + 2 * int64_t{sizeof(float)} + 2;
      feature_quant = 8 * cells;  // the original predicted in float64
      break;
    case Scheme::kW8:
      weight_quant = k + 4 + 4;  // int8 codes, f32 scale, f32 bias
      feature_quant = 4 * cells;
      break;
    case Scheme::kW8A8:
      // int8 codes, f32 scale, int32 correction, f32 bias; per feature an f32 centre, an f32 step
      // and a uint8 zero point. The features as stored: one code a byte, or at bits ≤ 4 two (each
      // row padded to a whole byte, kernels::PackU4).
      weight_quant = k + 4 + 4 + 4 + k * (4 + 4 + 1);
      feature_quant = n * static_cast<int64_t>(FeatureCodeRowBytes(q.bits, q.num_features()));
      break;
  }
  j[keys::kWeightBytesF64.name] = weight_f64;
  j[keys::kWeightBytesF32.name] = weight_f32;
  j[keys::kWeightBytes.name] = weight_quant;
  j[keys::kFeatureBytesF64.name] = 8 * cells;
  j[keys::kFeatureBytesF32.name] = 4 * cells;
  j[keys::kFeatureBytes.name] = feature_quant;
  j[keys::kFeatureBytesPacked.name] =
      q.scheme == Scheme::kW8A8 ? (cells * q.bits + 7) / 8 : feature_quant;
  const double quant_total = static_cast<double>(weight_quant + feature_quant);
  j[keys::kMemoryRatio.name] =
      quant_total > 0 ? static_cast<double>(weight_f32 + 4 * cells) / quant_total : 1.0;
  j[keys::kMemoryRatioF64.name] =
      quant_total > 0 ? static_cast<double>(weight_f64 + 8 * cells) / quant_total : 1.0;
  // Sizes on disk, when the files exist (absent keys otherwise, never a placeholder).
  if (!artifact_dir.empty()) {
    const int64_t bytes = FileBytes(std::filesystem::path(artifact_dir) / kQuantizedFileName);
    if (bytes >= 0) j[keys::kArtifactBytes.name] = bytes;
  }
  if (!q.float_model_dir.empty()) {
    const int64_t bytes =
        FileBytes(std::filesystem::path(q.float_model_dir) / model::kModelFileName);
    if (bytes >= 0) j[keys::kFloatArtifactBytes.name] = bytes;
  }
  // Nothing non-finite is a result (issue 12, class 3): a model whose parameters are finite but
  // absurd (a re-signed intercept of 1.7e308) squares past the double range in the MSE of its
  // float or quantized predictions; JSON would print null. Bad input, named by the first figure.
  // The loaders refuse parameters no training gives, so what overflows here is data far outside
  // the model's range (`--dataset` naming other data): blamed on that file, with how far.
  for (const auto& [key, value] : j.items()) {
    if (value.is_number_float() && !std::isfinite(value.get<double>())) {
      double farthest = 0;  // the largest |standardized feature| of the test split
      for (Eigen::Index i = 0; i < split.X_test.rows(); ++i) {
        for (Eigen::Index c = 0; c < split.X_test.cols(); ++c) {
          farthest = std::max(farthest, std::abs((split.X_test(i, c) - model.scaler_mean[c]) /
                                                 model.scaler_scale[c]));
        }
      }
      const std::string message = fmt::format(
          "overflow: {} of scheme {} on the test split is not finite: its features lie up to "
          "{:.3g} standard deviations from the model's training means (the model's parameters "
          "reach {:.3g})",
          key, SchemeName(q.scheme), farthest,
          std::max(model.coef.cwiseAbs().maxCoeff(), std::abs(model.intercept)));
      const std::string& data = split.dataset.source_path;
      if (!data.empty()) throw io::InputError(data, message);
      if (q.float_model_dir.empty()) throw io::InputError(message);
      throw io::InputError(
          (std::filesystem::path(q.float_model_dir) / model::kModelFileName).string(), message);
    }
  }
  return j;
}

}  // namespace qlab::quant
