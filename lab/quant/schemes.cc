// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The schemes. Notation (QUANTIZATION.md): standardized features z_j = (x_j − m_j)/σ_j, the float
// model y = Σ_j w_j·z_j + b, L = 2^bits − 1 feature codes, K = 2^(bits−1) − 1 weight codes.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "qlab/io/input_error.h"
#include "qlab/kernels.h"
#include "qlab/quant/artifact.h"
#include "qlab/quant/calibration.h"
#include "qlab/quant/quantize.h"
#include "qlab/reference/scaler.h"

namespace qlab::quant {

using io::InputError;
using model::LinearModel;
namespace {

using quant::CodeMax;
using quant::Range;
using quant::RoundHalfEven;
using quant::WeightMax;

// The original project's asymmetric uint8 quantizer, faithfully, except that nothing divides by
// zero: a zero range (always so for a tensor of one value, like the intercept) keeps scale 0 and
// dequantizes to 0, the outcome the original reached through a RuntimeWarning, and is flagged.
// The original cast zp and q to uint8 (wrapping); here they are clamped to [0, L], which is the
// same whenever min ≤ 0 ≤ max (as for California's coefficients).
SeedTensor SeedQuantize(const std::vector<double>& x, int bits) {
  SeedTensor t;
  const double top = static_cast<double>(CodeMax(bits));
  t.codes.assign(x.size(), 0);
  t.dequantized.assign(x.size(), 0.0f);
  if (x.empty()) {
    t.zero_range = true;
    return t;
  }
  const auto [min_it, max_it] = std::minmax_element(x.begin(), x.end());
  const double range = *max_it - *min_it;
  if (!(range > 0) || !std::isfinite(range)) {
    t.zero_range = true;
    return t;
  }
  t.scale = range / top;
  t.zero_point = static_cast<int32_t>(std::clamp(RoundHalfEven(-*min_it / t.scale), 0.0, top));
  const float scale_f32 = static_cast<float>(t.scale);
  for (size_t i = 0; i < x.size(); ++i) {
    const double code = std::clamp(RoundHalfEven(x[i] / t.scale + t.zero_point), 0.0, top);
    t.codes[i] = static_cast<uint8_t>(code);
    t.dequantized[i] = SeedDequantize(t.codes[i], t.zero_point, scale_f32);
  }
  return t;
}

void CheckOptions(const LinearModel& model, const Eigen::MatrixXd& X_train,
                  const QuantizeOptions& options) {
  if (options.bits < kMinBits || options.bits > kMaxBits) {
    throw InputError(fmt::format("--bits {} is outside {}..{}", options.bits, kMinBits, kMaxBits));
  }
  const size_t k = model.feature_names.size();
  if (k == 0 || static_cast<size_t>(model.coef.size()) != k ||
      static_cast<size_t>(model.scaler_mean.size()) != k ||
      static_cast<size_t>(model.scaler_scale.size()) != k) {
    throw InputError("the float model's coefficients and scaler do not match its features");
  }
  if (static_cast<size_t>(X_train.cols()) != k) {
    throw InputError(
        fmt::format("the training split has {} features, the model {}", X_train.cols(), k));
  }
  if (options.scheme != Scheme::kSeed && k > kernels::kMaxGemvK) {
    throw InputError(
        fmt::format("{} takes at most {} features (the gemv kernels' limit); the "
                    "model has {}",
                    SchemeName(options.scheme), kernels::kMaxGemvK, k));
  }
  if (options.scheme == Scheme::kSeed && options.calibration.kind != Calibration::Kind::kMinMax) {
    throw InputError("the seed scheme is min-max by definition; --calibration " +
                     options.calibration.Name() + " does not apply");
  }
  if (!model.coef.allFinite() || !std::isfinite(model.intercept) ||
      !model.scaler_mean.allFinite() || !model.scaler_scale.allFinite() ||
      (model.scaler_scale.array() <= 0).any()) {
    throw InputError("the float model holds a non-finite number or a non-positive scale");
  }
}

// The symmetric weight codes for `scale`.
std::vector<int8_t> WeightCodes(const Eigen::VectorXd& w, double scale, int bits) {
  const double kmax = static_cast<double>(WeightMax(bits));
  std::vector<int8_t> q(static_cast<size_t>(w.size()));
  for (Eigen::Index j = 0; j < w.size(); ++j) {
    q[static_cast<size_t>(j)] =
        static_cast<int8_t>(std::clamp(RoundHalfEven(w[j] / scale), -kmax, kmax));
  }
  return q;
}

// A calibrated range in z units, made usable: it holds 0 (the training mean, so the zero point is
// a code) and has positive width. A zero-width range (a constant feature, a single training row,
// a percentile range inside a spike) becomes [−½, ½] standard deviations around the mean.
Range UsableRange(Range r, bool& degenerate) {
  r.lo = std::min(r.lo, 0.0);
  r.hi = std::max(r.hi, 0.0);
  degenerate = !(r.hi - r.lo > 0) || !std::isfinite(r.hi - r.lo);
  if (degenerate) r = {-0.5, 0.5};
  return r;
}

// The zero point that best centres [lo, hi] in the grid step·(q − zp), q in [0, L]: the middle
// of [−lo/step, L − hi/step], the interval of zero points that cover the whole range.
int32_t CenteredZeroPoint(Range r, double step, int bits) {
  const double top = static_cast<double>(CodeMax(bits));
  const double middle = 0.5 * (-r.lo / step + (top - r.hi / step));
  // A cast of NaN or inf to an integer is undefined behaviour (the range and step are finite for
  // every model Quantize accepts; this is the last line of defence).
  if (!std::isfinite(middle)) throw InputError("overflow: a feature's zero point is not finite");
  return static_cast<int32_t>(std::clamp(RoundHalfEven(middle), 0.0, top));
}

void QuantizeW8A8(const Eigen::MatrixXd& Z_train, const QuantizeOptions& options,
                  QuantizedModel& q) {
  const LinearModel& model = q.float_model;
  const int bits = options.bits;
  const Eigen::Index k = model.coef.size();
  const double top = static_cast<double>(CodeMax(bits));
  const double kmax = static_cast<double>(WeightMax(bits));
  const Eigen::VectorXd& w = model.coef;

  std::vector<Range> ranges(static_cast<size_t>(k));
  std::vector<double> steps(static_cast<size_t>(k));  // in z units
  std::vector<std::vector<double>> columns(static_cast<size_t>(k));
  q.features.assign(static_cast<size_t>(k), FeatureQuantizer{});
  for (Eigen::Index j = 0; j < k; ++j) {
    const auto col = static_cast<size_t>(j);
    columns[col].assign(Z_train.col(j).data(), Z_train.col(j).data() + Z_train.rows());
    const Range calibrated = quant::CalibrateRange(columns[col], options.calibration, bits);
    FeatureQuantizer& f = q.features[col];
    f.calibrated_lo = model.scaler_mean[j] + model.scaler_scale[j] * calibrated.lo;
    f.calibrated_hi = model.scaler_mean[j] + model.scaler_scale[j] * calibrated.hi;
    ranges[col] = UsableRange(calibrated, f.degenerate);
    steps[col] = (ranges[col].hi - ranges[col].lo) / top;
  }

  // Folded weights u_j = w_j·s_j (the weight of code q_j), one symmetric scale S over them.
  double umax = 0;
  for (Eigen::Index j = 0; j < k; ++j) {
    umax = std::max(umax, std::abs(w[j]) * steps[static_cast<size_t>(j)]);
  }
  // S as the kernels will use it (f32), so that the grid-fitted steps are exact for that value.
  double scale = umax > 0 ? static_cast<double>(static_cast<float>(umax / kmax)) : 1.0;
  if (!(scale > 0) || !std::isfinite(scale)) scale = 1.0;
  q.weight_scale = scale;
  q.weights.assign(static_cast<size_t>(k), 0);

  std::vector<int32_t> zero_points(static_cast<size_t>(k), 0);
  for (Eigen::Index j = 0; j < k; ++j) {
    const auto col = static_cast<size_t>(j);
    const Range r = ranges[col];
    double step = steps[col];
    int64_t code = 0;
    int32_t zp = 0;
    double center = 0;  // z units
    switch (options.fold) {
      case Fold::kGrid: {
        if (w[j] != 0 && umax > 0) {
          // The smallest |k_j| whose step covers the range (ceil), or, under mse calibration,
          // whichever of it and the next lower one quantizes the training values better.
          // Clamped in double before the cast: for a re-signed model (scaler means times 1e200, a
          // scale of 1e-300) the ideal lies past the int64 range, where the cast is undefined.
          const double ideal = std::abs(w[j]) * step / scale;
          const double ceiling = std::ceil(ideal * (1 - 1e-12));
          const int64_t up = ceiling >= 1 ? static_cast<int64_t>(std::min(ceiling, kmax)) : 1;
          int64_t chosen = up;
          auto step_for = [&](int64_t c) {
            return scale * static_cast<double>(c) / std::abs(w[j]);
          };
          if (options.calibration.kind != Calibration::Kind::kMinMax && up > 1) {
            const double s_up = step_for(up);
            const double s_down = step_for(up - 1);
            const double e_up =
                quant::GridSquaredError(columns[col], s_up, CenteredZeroPoint(r, s_up, bits), bits);
            const double e_down = quant::GridSquaredError(columns[col], s_down,
                                                          CenteredZeroPoint(r, s_down, bits), bits);
            if (e_down < e_up) chosen = up - 1;
          }
          // A weight so small that one code step of it would overflow f32 contributes nothing
          // representable: it keeps code 0 and its plain step.
          const double fitted = step_for(chosen);
          if (std::isfinite(static_cast<float>(model.scaler_scale[j] * fitted))) {
            step = fitted;
            code = w[j] > 0 ? chosen : -chosen;
          }
        }
        zp = CenteredZeroPoint(r, step, bits);
        break;
      }
      case Fold::kZeroPoint:
        zp = static_cast<int32_t>(std::clamp(RoundHalfEven(-r.lo / step), 0.0, top));
        code = static_cast<int64_t>(std::clamp(RoundHalfEven(w[j] * step / scale), -kmax, kmax));
        break;
      case Fold::kOffsets:
        center = r.lo;
        code = static_cast<int64_t>(std::clamp(RoundHalfEven(w[j] * step / scale), -kmax, kmax));
        break;
      case Fold::kRaw: {
        // Raw units: the grid anchored at raw 0, its zero point forced into [0, L].
        const double mean = model.scaler_mean[j];
        const double sigma = model.scaler_scale[j];
        const double raw_step = sigma * step;
        const double raw_lo = mean + sigma * r.lo;
        zp = static_cast<int32_t>(std::clamp(RoundHalfEven(-raw_lo / raw_step), 0.0, top));
        center = -mean / sigma;  // raw 0 in z units
        code = static_cast<int64_t>(std::clamp(RoundHalfEven(w[j] * step / scale), -kmax, kmax));
        break;
      }
    }
    FeatureQuantizer& f = q.features[col];
    // Raw 0 exactly for the raw fold (m + σ·(−m/σ) need not round to 0).
    f.center =
        options.fold == Fold::kRaw ? 0.0 : model.scaler_mean[j] + model.scaler_scale[j] * center;
    float step_f32 = static_cast<float>(model.scaler_scale[j] * step);
    if (!(step_f32 > 0) || !std::isfinite(step_f32)) step_f32 = 1.0f;  // no zero or Inf step
    f.step = step_f32;
    f.zero_point = zp;
    q.weights[col] = static_cast<int8_t>(code);
    zero_points[col] = zp;
  }
  // y = Σ_j w_j·ẑ_j + b with ẑ_j = (c_j − m_j)/σ_j + s_j·(q_j − zp_j) and w_j·s_j ≈ S·k_j:
  // the offsets go to the bias, the zero points to the integer correction.
  int64_t correction = 0;
  for (Eigen::Index j = 0; j < k; ++j) {
    const auto col = static_cast<size_t>(j);
    correction += static_cast<int64_t>(q.weights[col]) * zero_points[col];
  }
  q.correction = static_cast<int32_t>(correction);
  q.bias = W8A8FoldedBias(model, q.features);
}

}  // namespace

QuantizedModel Quantize(const LinearModel& model, const Eigen::MatrixXd& X_train,
                        const QuantizeOptions& options) {
  CheckOptions(model, X_train, options);
  // The integer schemes end in f32 (the kernels' output): a coefficient or intercept of 1e37 or
  // more makes the f32 bound checked at the end fail whatever the codes (a weight at its code
  // limit contributes at least |coef|), and on the way the calibration's steps and zero points
  // overflow to inf and NaN, which must never reach a cast to an integer. Refused up front.
  constexpr double kF32Safe = kF32OutputLimit;
  const double largest = std::max(model.coef.cwiseAbs().maxCoeff(), std::abs(model.intercept));
  if (options.scheme != Scheme::kSeed && !(largest < kF32Safe)) {
    throw InputError(fmt::format(
        "overflow: the model's coefficients or intercept are too large for f32 inference "
        "(up to {:.3g}; the integer schemes need them below {:.0e})",
        largest, kF32Safe));
  }
  QuantizedModel q;
  q.float_model = model;
  q.scheme = options.scheme;
  q.bits = options.bits;
  q.calibration = options.calibration;
  q.fold = options.fold;
  q.outliers = options.outliers;
  const Eigen::Index k = model.coef.size();
  switch (options.scheme) {
    case Scheme::kSeed: {
      q.seed_coef =
          SeedQuantize(std::vector<double>(model.coef.data(), model.coef.data() + k), options.bits);
      q.seed_intercept = SeedQuantize({model.intercept}, options.bits);
      // The original's arithmetic is f32: a coefficient past FLT_MAX (about 3.4e38) dequantizes
      // to infinity, which the artifact would hold as null.
      for (const auto* tensor : {&q.seed_coef, &q.seed_intercept}) {
        for (const float v : tensor->dequantized) {
          if (!std::isfinite(v)) {
            throw InputError(fmt::format(
                "overflow: the model's coefficients or intercept (up to {:.3g}) are too large "
                "for the seed scheme's f32 arithmetic (FLT_MAX is about 3.4e38)",
                std::max(model.coef.cwiseAbs().maxCoeff(), std::abs(model.intercept))));
          }
        }
      }
      break;
    }
    case Scheme::kW8: {
      const Eigen::MatrixXd Z =
          reference::StandardScale(X_train, model.scaler_mean, model.scaler_scale);
      const double rows = std::max<double>(1.0, static_cast<double>(Z.rows()));
      const Eigen::MatrixXd second_moments = (Z.transpose() * Z) / rows;
      const double scale = quant::CalibrateWeightScale(model.coef, second_moments,
                                                       options.calibration, options.bits);
      q.weight_scale = static_cast<double>(static_cast<float>(scale));
      if (!(q.weight_scale > 0) || !std::isfinite(q.weight_scale)) q.weight_scale = 1;
      q.weights = WeightCodes(model.coef, q.weight_scale, options.bits);
      q.bias = model.intercept;
      break;
    }
    case Scheme::kW8A8: {
      const Eigen::MatrixXd Z =
          reference::StandardScale(X_train, model.scaler_mean, model.scaler_scale);
      QuantizeW8A8(Z, options, q);
      if (options.bias_correction && X_train.rows() > 0) {
        const QuantizedRun run = RunQuantized(q, X_train);
        const Eigen::VectorXd y_float = model.Predict(X_train);
        double sum = 0;
        int64_t count = 0;
        for (Eigen::Index i = 0; i < X_train.rows(); ++i) {
          if (run.clipped[static_cast<size_t>(i)]) continue;
          sum += y_float[i] - run.y[i];
          ++count;
        }
        if (count > 0 && std::isfinite(sum)) {
          q.bias_correction = sum / static_cast<double>(count);
          q.bias += q.bias_correction;
        }
      }
      break;
    }
  }
  // The f32 step of the kernels must not overflow: the largest |y| the integer model can produce
  // (every code at its extreme) stays far below FLT_MAX, else the model is not f32-representable.
  if (options.scheme != Scheme::kSeed) {
    const double bound = F32OutputBound(q);
    if (!(bound < kF32OutputLimit)) {
      throw InputError(
          "overflow: the model's coefficients or intercept are too large for f32 inference "
          "(predictions could reach " +
          fmt::format("{:.3g}", bound) + ")");
    }
  }
  // Never write what the loader would refuse (a contradiction here is qlab's own arithmetic
  // failing on extreme data, such as a raw step past the f32 range replaced by 1).
  if (const auto disagreement = QuantizedFieldsDisagree(q)) {
    throw InputError("the quantized model cannot be made consistent: " +
                     (disagreement->feature
                          ? fmt::format("feature {} ('{}'): ", *disagreement->feature,
                                        io::Printable(model.feature_names[*disagreement->feature]))
                          : std::string()) +
                     disagreement->message);
  }
  return q;
}

double W8A8FoldedBias(const LinearModel& model, const std::vector<FeatureQuantizer>& features) {
  double bias = model.intercept;
  for (size_t col = 0; col < features.size(); ++col) {
    const auto j = static_cast<Eigen::Index>(col);
    const double center_z = (features[col].center - model.scaler_mean[j]) / model.scaler_scale[j];
    bias += model.coef[j] * center_z;
  }
  return bias;
}

double F32OutputBound(const QuantizedModel& q) {
  // w8 multiplies f32 features, unbounded: only its weights and bias must be f32 values.
  if (q.scheme == Scheme::kW8) return std::abs(q.bias) + q.weight_scale * 127.0;
  double bound = std::abs(q.bias);
  const double top = static_cast<double>(CodeMax(q.bits));
  for (const int8_t weight : q.weights) {
    bound += q.weight_scale * std::abs(static_cast<double>(weight)) * top;
  }
  return bound;
}

Eigen::VectorXd DequantizedCoef(const QuantizedModel& q) {
  const Eigen::Index k = static_cast<Eigen::Index>(q.num_features());
  Eigen::VectorXd c = Eigen::VectorXd::Zero(k);
  for (Eigen::Index j = 0; j < k; ++j) {
    const auto col = static_cast<size_t>(j);
    switch (q.scheme) {
      case Scheme::kSeed:
        c[j] = q.seed_coef.dequantized[col];
        break;
      case Scheme::kW8:
        c[j] = static_cast<double>(
            static_cast<float>(q.weight_scale * static_cast<double>(q.weights[col])));
        break;
      case Scheme::kW8A8: {
        // S·k_j is the weight of one code step; a code step is step_j/σ_j in z units.
        const double z_step =
            static_cast<double>(q.features[col].step) / q.float_model.scaler_scale[j];
        c[j] = q.weight_scale * static_cast<double>(q.weights[col]) / z_step;
        break;
      }
    }
  }
  return c;
}

}  // namespace qlab::quant
