// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Quantized linear models: the schemes (seed, w8, w8a8), their options and integer inference
// through qlab::kernels. The artifact is in qlab/quant/artifact.h, the accuracy-loss and memory
// harness in qlab/quant/harness.h; lab/QUANTIZATION.md documents the algebra.
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "qlab/model/linear_model.h"

namespace qlab::quant {

enum class Scheme { kSeed, kW8, kW8A8 };
std::string SchemeName(Scheme scheme);
std::optional<Scheme> ParseScheme(const std::string& name);

// How a range is chosen from the training values of one tensor or feature.
struct Calibration {
  enum class Kind { kMinMax, kPercentile, kMse };
  Kind kind = Kind::kMinMax;
  double percentile = 100;   // P of percentile:P, in (50, 100]
  std::string Name() const;  // "minmax", "percentile:99.99", "mse"
};
// "minmax", "percentile:P" (50 < P ≤ 100) or "mse"; std::nullopt otherwise.
std::optional<Calibration> ParseCalibration(const std::string& text);

// How w8a8 folds the feature grids into the weights (compared in lab/QUANTIZATION.md).
//  grid:       each feature step chosen so that w_j·s_j lies exactly on the weight grid (default)
//  zero-point: standardized features, integer zero point round(−lo/s), folded weights rounded
//  offsets:    standardized features coded from lo, the offsets Σ w_j·lo_j in the float bias
//  raw:        raw features, integer zero point round(−lo/s) forced into the code range
enum class Fold { kGrid, kZeroPoint, kOffsets, kRaw };
std::string FoldName(Fold fold);
std::optional<Fold> ParseFold(const std::string& name);

// What w8a8 does with a row holding a feature value its codes cannot represent (the value's
// unsaturated code, in double, lies outside [0, 2^bits − 1]: kernels::QuantizeU8RowsSaturated's
// definition; the code range usually covers the calibrated [lo, hi], see QUANTIZATION.md):
//  float: the row is scored again after the gemv, in f64 with the float model
//         (reference::LinearScoreF64: fixed order, no contraction, identical on every ISA)
//  clip:  the codes saturate and the integer result stands
// The default is chosen from the measurements in lab/QUANTIZATION.md.
enum class Outliers { kFloat, kClip };
std::string OutliersName(Outliers outliers);
std::optional<Outliers> ParseOutliers(const std::string& name);
inline constexpr Outliers kDefaultOutliers = Outliers::kFloat;

// Feature codes of w8a8 at bits ≤ 4 are stored two per byte (kernels::PackU4) and scored by
// kernels::GemvU4I8; wider codes one per byte. Bytes one row of k codes occupies.
inline constexpr bool PacksFeatureCodes(int bits) { return bits <= 4; }
size_t FeatureCodeRowBytes(int bits, size_t k);

inline constexpr int kMinBits = 2;
inline constexpr int kMaxBits = 8;
// Chosen from the measurements in lab/QUANTIZATION.md.
Calibration DefaultCalibration(Scheme scheme);

struct QuantizeOptions {
  Scheme scheme = Scheme::kW8A8;
  int bits = 8;
  Calibration calibration;  // DefaultCalibration(scheme) unless the user names one
  Fold fold = Fold::kGrid;  // w8a8 only
  // w8a8: add to the bias the mean of (float − quantized) prediction over the unclipped training
  // rows, so the rounding of the features leaves no systematic offset.
  bool bias_correction = false;
  Outliers outliers = kDefaultOutliers;  // w8a8 only
};

// One asymmetric unsigned tensor of the seed scheme: s = (max − min)/L, zp = round(−min/s),
// q = round(x/s + zp), x̂ = (q − zp)·s in float32, L = 2^bits − 1.
struct SeedTensor {
  std::vector<uint8_t> codes;
  double scale = 0;  // 0 exactly when the range is zero (flagged, never divided by)
  int32_t zero_point = 0;
  bool zero_range = false;
  std::vector<float> dequantized;
};

// A seed code's value, as numpy computes it: (q.astype(float32) − zp)·scale, in float32. From the
// stored uint8 code, so that writer and loader agree to the bit: the code as a rounded double can
// be −0 (round(−0.12) is −0.0), whose product −0.0 the digest tells from the loader's +0.0.
inline float SeedDequantize(uint8_t code, int32_t zero_point, float scale) {
  return static_cast<float>(static_cast<int32_t>(code) - zero_point) * scale;
}

// The per-feature quantizer of w8a8, in raw feature units:
//   q = clamp(round_half_even((x − center)/step) + zero_point, 0, 2^bits − 1)
//   x̂ = center + step·(q − zero_point)
struct FeatureQuantizer {
  double center = 0;  // subtracted in double before the f32 quantizer
  float step = 1;     // finite and > 0
  int32_t zero_point = 0;
  double calibrated_lo = 0;  // the calibrated range, in raw units
  double calibrated_hi = 0;
  bool degenerate = false;  // a zero-width range, widened (see QUANTIZATION.md)
};

struct QuantizedModel {
  // Provenance: the float model (whole) and the data it came from (recorded inside it).
  model::LinearModel float_model;
  std::string float_model_dir;  // absolute path of the folder it was read from, if any

  Scheme scheme = Scheme::kW8A8;
  int bits = 8;
  Calibration calibration;
  Fold fold = Fold::kGrid;
  double bias_correction = 0;  // w8a8: the amount added to the bias (0 when not asked for)
  Outliers outliers = kDefaultOutliers;  // w8a8: the policy predict, run and score apply

  // seed: the coefficients and the intercept, each quantized alone.
  SeedTensor seed_coef;
  SeedTensor seed_intercept;

  // w8 and w8a8: y = weight_scale·(Σ_j weights[j]·q_j − correction) + bias. For w8 the "codes"
  // are the standardized features in f32 (no correction); for w8a8 they are uint8 codes.
  std::vector<int8_t> weights;
  double weight_scale = 1;  // finite and > 0
  int32_t correction = 0;
  double bias = 0;
  std::vector<FeatureQuantizer> features;  // w8a8 only

  size_t num_features() const { return float_model.feature_names.size(); }
};

// Builds the quantized model from the float model and its training split (raw features).
// Throws InputError for options out of range (bits, a calibration the scheme does not take).
QuantizedModel Quantize(const model::LinearModel& model, const Eigen::MatrixXd& X_train,
                        const QuantizeOptions& options);

// w8a8's bias before any bias correction: the float intercept plus what the features' centres
// fold into it, Σ_j w_j·(c_j − m_j)/σ_j, in this order (the loader recomputes it to the bit).
double W8A8FoldedBias(const model::LinearModel& model,
                      const std::vector<FeatureQuantizer>& features);

// The largest |y| the integer schemes' f32 step can produce: |bias| plus every weight at its code
// extreme (w8: the weights as f32 values alone, its features being unbounded f32). It must stay
// below kF32OutputLimit, far enough under FLT_MAX (about 3.4e38) that the f32 sums cannot overflow.
inline constexpr double kF32OutputLimit = 1e37;
double F32OutputBound(const QuantizedModel& q);

// What running a quantized model on raw rows gives.
struct QuantizedRun {
  Eigen::VectorXd y;  // the predictions (from the kernels' f32 output, widened)
  // w8a8: the codes (row-major rows×k, one per byte, as QuantizeU8RowsSaturated writes them),
  // the kernel's int32 accumulators, and per row whether a feature fell outside the quantizer's
  // range (its code saturated: kernels::QuantizeU8RowsSaturated reports it).
  std::vector<uint8_t> codes;
  // At bits ≤ 4 the codes the gemv reads: PackU4 of `codes`, FeatureCodeRowBytes per row
  // (empty at more bits, where the gemv reads `codes`).
  std::vector<uint8_t> packed_codes;
  std::vector<int32_t> acc;
  std::vector<bool> clipped;
  std::vector<int64_t> clipped_per_feature;
  // Outliers::kFloat: the clipped rows, ascending, scored again in f64 (y holds that score), and
  // what the integer path had given them (the figure without the fallback). Empty under kClip.
  std::vector<size_t> fallback_rows;
  std::vector<double> fallback_integer_y;
  std::vector<float> features_f32;  // w8: the standardized f32 features fed to GemvF32
};
// seed: Eigen in double (as the original did); w8: qlab::kernels::GemvF32 on standardized f32
// features with the dequantized weights; w8a8: QuantizeU8RowsSaturated over the rows (which also
// names the rows that saturated), then GemvU8I8Acc (GemvU4I8Acc on packed codes at bits ≤ 4) once
// and GemvU8I8's float step on those accumulators (so y is bit-identical to GemvU8I8's); under
// Outliers::kFloat the saturated rows are then scored again with reference::LinearScoreF64.
QuantizedRun RunQuantized(const QuantizedModel& q, const Eigen::MatrixXd& X_raw);

// The same integer model computed in double with Eigen from the codes and the dequantized weights
// (w8a8) or the f32 features and dequantized weights (w8): the truth the kernels are held to.
// w8a8: the integer model on every row, the fallback rows included (their integer figure is
// run.fallback_integer_y, not run.y).
Eigen::VectorXd PredictDoubleFromRun(const QuantizedModel& q, const QuantizedRun& run);

// Dequantized weights in standardized feature units and the float bias the scheme implies, so
// y ≈ Σ_j w_j·ẑ_j + b (seed: exactly the original's dequantized model).
Eigen::VectorXd DequantizedCoef(const QuantizedModel& q);

}  // namespace qlab::quant
