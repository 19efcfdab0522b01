// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Running quantized models: w8 through kernels::GemvF32, w8a8 through
// kernels::QuantizeU8RowsSaturated and kernels::GemvU8I8Acc (GemvU4I8Acc on codes packed two per
// byte at bits ≤ 4; exact int32 accumulation), then one f32 multiply and one add per row, and
// under the float outlier policy the saturated rows scored again in f64.
#include <algorithm>
#include <cmath>

#include "qlab/io/input_error.h"
#include "qlab/kernels.h"
#include "qlab/quant/calibration.h"
#include "qlab/quant/quantize.h"
#include "qlab/reference/kernels.h"
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
      const auto top = static_cast<int32_t>(quant::CodeMax(q.bits));
      // Row-major f32 features, each shifted by its centre in double first (as the quantizer is
      // defined), then one pass of the kernel over every row: the codes, and the rows holding a
      // value whose unsaturated code (in double) lies outside [0, top].
      std::vector<float> shifted(rows * k);
      for (size_t i = 0; i < rows; ++i) {
        for (size_t j = 0; j < k; ++j) {
          shifted[i * k + j] =
              static_cast<float>(X_raw(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) -
                                 q.features[j].center);
        }
      }
      std::vector<float> steps(k);
      std::vector<int32_t> zero_points(k);
      for (size_t j = 0; j < k; ++j) {
        steps[j] = q.features[j].step;
        zero_points[j] = q.features[j].zero_point;
      }
      run.codes.assign(rows * k, 0);
      std::vector<size_t> saturated;
      if (rows > 0) {
        // Outlier rows are rare (California: 4 of 4128); room for a few, and a second pass with
        // room for every row only when they are not.
        saturated.resize(std::min<size_t>(rows, 64 + rows / 64));
        size_t count = kernels::QuantizeU8RowsSaturated(
            shifted.data(), rows, k, steps.data(), zero_points.data(), top, run.codes.data(),
            saturated.data(), saturated.size(), run.clipped_per_feature.data());
        if (count > saturated.size()) {
          saturated.resize(count);
          std::fill(run.clipped_per_feature.begin(), run.clipped_per_feature.end(), 0);
          count = kernels::QuantizeU8RowsSaturated(
              shifted.data(), rows, k, steps.data(), zero_points.data(), top, run.codes.data(),
              saturated.data(), saturated.size(), run.clipped_per_feature.data());
        }
        saturated.resize(count);
      }
      for (const size_t i : saturated) run.clipped[i] = true;
      // The accumulators once, exact; then the output step of kernels::GemvU8I8 on them,
      // y = scale·float(acc − correction) + bias with the multiply and the add each rounded (this
      // stage builds with -ffp-contract=off), so y is bit-identical to the fused kernel's. At
      // bits ≤ 4 the gemv reads the codes packed two per byte.
      run.acc.assign(rows, 0);
      if (rows > 0) {
        if (PacksFeatureCodes(q.bits)) {
          run.packed_codes.assign(rows * FeatureCodeRowBytes(q.bits, k), 0);
          kernels::PackU4(run.codes.data(), rows, k, run.packed_codes.data());
          kernels::GemvU4I8Acc(run.packed_codes.data(), rows, k, q.weights.data(), run.acc.data());
        } else {
          kernels::GemvU8I8Acc(run.codes.data(), rows, k, q.weights.data(), run.acc.data());
        }
      }
      const auto scale = static_cast<float>(q.weight_scale);
      const auto bias = static_cast<float>(q.bias);
      run.y.resize(static_cast<Eigen::Index>(rows));
      for (size_t i = 0; i < rows; ++i) {
        run.y[static_cast<Eigen::Index>(i)] =
            static_cast<double>(scale * static_cast<float>(run.acc[i] - q.correction) + bias);
      }
      if (q.outliers == Outliers::kFloat) {
        // The rows the codes cannot represent, scored again with the float model in a fixed
        // order (scalar f64, no contraction): the same figures on every ISA.
        std::vector<double> x(k);
        for (const size_t i : saturated) {
          for (size_t j = 0; j < k; ++j) {
            x[j] = X_raw(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
          }
          const auto row = static_cast<Eigen::Index>(i);
          run.fallback_rows.push_back(i);
          run.fallback_integer_y.push_back(run.y[row]);
          run.y[row] = reference::LinearScoreF64(x.data(), k, model.scaler_mean.data(),
                                                 model.scaler_scale.data(), model.coef.data(),
                                                 model.intercept);
        }
      }
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
