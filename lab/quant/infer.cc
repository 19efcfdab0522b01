// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Running quantized models: w8 through kernels::GemvF32, w8a8 through kernels::QuantizeU8 and
// kernels::GemvU8I8Acc (exact int32 accumulation), then one f32 multiply and one add per row.
#include <algorithm>
#include <cmath>

#include "qlab/io/input_error.h"
#include "qlab/kernels.h"
#include "qlab/quant/calibration.h"
#include "qlab/quant/quantize.h"
#include "qlab/reference/scaler.h"

namespace qlab::quant {

using io::InputError;
using model::LinearModel;
namespace {

void CheckShape(const QuantizedModel& q, const Eigen::MatrixXd& X_raw) {
  if (static_cast<size_t>(X_raw.cols()) != q.num_features()) {
    throw InputError("the data has " + std::to_string(X_raw.cols()) +
                     " features, the quantized model " + std::to_string(q.num_features()));
  }
}

}  // namespace

QuantizedRun RunQuantized(const QuantizedModel& q, const Eigen::MatrixXd& X_raw) {
  CheckShape(q, X_raw);
  const LinearModel& model = q.float_model;
  const size_t rows = static_cast<size_t>(X_raw.rows());
  const size_t k = q.num_features();
  QuantizedRun run;
  run.clipped.assign(rows, false);
  run.clipped_per_feature.assign(k, 0);
  switch (q.scheme) {
    case Scheme::kSeed: {
      // As the original did: the dequantized coefficients in a float64 prediction.
      const Eigen::MatrixXd Z =
          reference::StandardScale(X_raw, model.scaler_mean, model.scaler_scale);
      run.y = Z * DequantizedCoef(q) +
              Eigen::VectorXd::Constant(X_raw.rows(), q.seed_intercept.dequantized.at(0));
      break;
    }
    case Scheme::kW8: {
      const Eigen::MatrixXd Z =
          reference::StandardScale(X_raw, model.scaler_mean, model.scaler_scale);
      run.features_f32.resize(rows * k);
      for (size_t i = 0; i < rows; ++i) {
        for (size_t j = 0; j < k; ++j) {
          run.features_f32[i * k + j] =
              static_cast<float>(Z(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)));
        }
      }
      const Eigen::VectorXd coef = DequantizedCoef(q);
      std::vector<float> w(k);
      for (size_t j = 0; j < k; ++j) w[j] = static_cast<float>(coef[static_cast<Eigen::Index>(j)]);
      std::vector<float> y(rows);
      if (rows > 0) {
        kernels::GemvF32(run.features_f32.data(), rows, k, w.data(), static_cast<float>(q.bias),
                         y.data());
      }
      run.y = Eigen::Map<const Eigen::VectorXf>(y.data(), static_cast<Eigen::Index>(rows))
                  .cast<double>();
      break;
    }
    case Scheme::kW8A8: {
      const int64_t top = quant::CodeMax(q.bits);
      run.codes.assign(rows * k, 0);
      std::vector<float> shifted(rows);
      std::vector<uint8_t> column(rows);
      for (size_t j = 0; j < k; ++j) {
        const FeatureQuantizer& f = q.features[j];
        for (size_t i = 0; i < rows; ++i) {
          const double x = X_raw(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
          shifted[i] = static_cast<float>(x - f.center);
        }
        if (rows > 0) {
          kernels::QuantizeU8(shifted.data(), rows, f.step, f.zero_point, column.data());
        }
        for (size_t i = 0; i < rows; ++i) {
          // The kernel saturates to [0, 255]; narrower codes saturate at 2^bits − 1.
          const auto code = static_cast<uint8_t>(std::min<int64_t>(column[i], top));
          run.codes[i * k + j] = code;
          // A value is clipped when its unsaturated code, computed in double, falls outside the
          // code range. Every step of the kernel (f32 division, rounding, adding the zero point,
          // clamping) is monotone and the bounds −0.5 − zp and top + 0.5 − zp are f32 values, so
          // such a value always lands on a saturation bound (or is NaN, which codes to the zero
          // point): the double check runs on those codes only and counts the same rows.
          if (code != 0 && code != top && !std::isnan(shifted[i])) continue;
          const double unsaturated =
              quant::RoundHalfEven(static_cast<double>(shifted[i]) / static_cast<double>(f.step)) +
              f.zero_point;
          if (!(unsaturated >= 0 && unsaturated <= static_cast<double>(top))) {
            run.clipped[i] = true;
            ++run.clipped_per_feature[j];
          }
        }
      }
      // The accumulators once, exact; then the output step of kernels::GemvU8I8 on them,
      // y = scale·float(acc − correction) + bias with the multiply and the add each rounded (this
      // stage builds with -ffp-contract=off), so y is bit-identical to the fused kernel's.
      run.acc.assign(rows, 0);
      std::vector<float> y(rows);
      if (rows > 0) {
        kernels::GemvU8I8Acc(run.codes.data(), rows, k, q.weights.data(), run.acc.data());
      }
      const auto scale = static_cast<float>(q.weight_scale);
      const auto bias = static_cast<float>(q.bias);
      for (size_t i = 0; i < rows; ++i) {
        y[i] = scale * static_cast<float>(run.acc[i] - q.correction) + bias;
      }
      run.y = Eigen::Map<const Eigen::VectorXf>(y.data(), static_cast<Eigen::Index>(rows))
                  .cast<double>();
      break;
    }
  }
  return run;
}

Eigen::VectorXd PredictDoubleFromRun(const QuantizedModel& q, const QuantizedRun& run) {
  const size_t k = q.num_features();
  const Eigen::Index rows = run.y.size();
  switch (q.scheme) {
    case Scheme::kSeed:
      return run.y;
    case Scheme::kW8: {
      const Eigen::MatrixXd Z =
          Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
              run.features_f32.data(), rows, static_cast<Eigen::Index>(k))
              .cast<double>();
      const Eigen::VectorXd w = DequantizedCoef(q).cast<float>().cast<double>();
      return Z * w + Eigen::VectorXd::Constant(rows, static_cast<float>(q.bias));
    }
    case Scheme::kW8A8: {
      // The dequantized weights S·k_j (in code units) applied to the codes, in double: the
      // integer sum first (exact in double), then the zero-point correction, the scale, the bias.
      const Eigen::MatrixXd codes =
          Eigen::Map<const Eigen::Matrix<uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
              run.codes.data(), rows, static_cast<Eigen::Index>(k))
              .cast<double>();
      Eigen::VectorXd weights(static_cast<Eigen::Index>(k));
      for (size_t j = 0; j < k; ++j) weights[static_cast<Eigen::Index>(j)] = q.weights[j];
      const double scale = static_cast<float>(q.weight_scale);
      const double bias = static_cast<float>(q.bias);
      return ((codes * weights).array() - static_cast<double>(q.correction)).matrix() * scale +
             Eigen::VectorXd::Constant(rows, bias);
    }
  }
  return run.y;
}

}  // namespace qlab::quant
