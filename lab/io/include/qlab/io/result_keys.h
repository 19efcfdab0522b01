// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The keys of an accuracy result: the flat JSON object `qlab quantize --json` prints (the
// accuracy-loss harness, qlab::quant::EvaluateQuantized), the metrics of `qlab train --json` that
// the report reads, and what the CLI adds. Each key is named here once, with its JSON type, its
// unit, what it means and how the regression gate compares it; every producer and consumer spells
// a key through these constants.
//
// Why in io: this is a file format shared by stages that may not include each other. The producers
// (the quant harness, the CLI) sit above model; the consumers (the report reader, the gate) sit
// beside quant and may use only io and kernels. io is the one stage both link, and the table is
// data about the format, like the JSON document reader that parses it.
#pragma once

#include <array>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <string_view>

namespace qlab::io {

// The JSON type a key's value must have. kInteger is a JSON integer (no fraction, no exponent);
// kNumber is any JSON number.
enum class ResultType : uint8_t { kString, kInteger, kNumber, kBoolean, kArray, kObject };

// How `qlab check` compares a key against its baseline. kNone: not gated.
enum class GateDirection : uint8_t { kNone, kHigher, kLower, kEqual };

// The gate's default tolerance: the larger of `absolute` and `relative` × |baseline value|.
struct GateRule {
  GateDirection direction = GateDirection::kNone;
  double absolute = 0;
  double relative = 0;
};

// The values a key can take at all, its mathematical range: a value outside it is not a result
// but a broken file, refused as bad input by every reader (the report's, the gate's, in a report
// and in a baseline), never compared and never "improved". Inclusive bounds unless `min_open`;
// `whole` for counts. Strings, arrays and objects have none (`checked` false).
struct ValueRange {
  bool checked = false;
  double min = 0;
  double max = 0;
  bool min_open = false;  // min itself is outside (a ratio of sizes is above 0)
  bool whole = false;     // a count: no fraction
  const char* text = "";  // the rule, for messages: "at most 1 (...)"
};

// Whether `value` lies in `range` (always for an unchecked range).
inline bool InRange(const ValueRange& range, double value) {
  if (!range.checked) return true;
  if (!(value >= range.min && value <= range.max)) return false;  // NaN is outside
  if (range.min_open && value == range.min) return false;
  return !range.whole || value == std::floor(value);
}

// Which results hold the key (bit set).
enum ResultProducer : uint8_t {
  kFromTrain = 1,     // `qlab train --json`
  kFromQuantize = 2,  // the quant harness (`qlab quantize --json`, `qlab run`'s schemes)
  kFromCli = 4,       // added by the command around the harness
};

struct ResultKey {
  const char* name;
  ResultType type;
  uint8_t producers;  // ResultProducer bits
  const char* unit;   // "" when dimensionless or a label
  GateRule gate;      // kNoGate: `qlab check` does not compare it
  ValueRange range;   // what the value can be (kNoRange: not a number)
  const char* description;
};

namespace keys {

// R² moves by far less than 0.05 before these fire: 1e-4 leaves room only for the last bits of
// float summation order across ISAs. Errors and deltas get a small floor and 0.2 % of their value.
inline constexpr GateRule kGateR2{GateDirection::kHigher, 1e-4, 0};
inline constexpr GateRule kGateError{GateDirection::kLower, 1e-5, 2e-3};
inline constexpr GateRule kGateCoefError{GateDirection::kLower, 1e-6, 2e-3};
inline constexpr GateRule kGateCount{GateDirection::kEqual, 0, 0};
inline constexpr GateRule kGateSqnr{GateDirection::kHigher, 0.1, 0};
// Counts that may only fall (clipped rows) and ratios that may only grow (memory), exactly.
inline constexpr GateRule kGateFewer{GateDirection::kLower, 0, 0};
inline constexpr GateRule kGateNoSmaller{GateDirection::kHigher, 0, 0};
inline constexpr GateRule kNoGate{};

inline constexpr uint8_t kTrainAndQuantize = kFromTrain | kFromQuantize;

// The ranges, one per kind of figure. Finite always: JSON has no infinity, and qlab never writes
// one (overflow is bad input before anything is written).
inline constexpr ValueRange kNoRange{};
inline constexpr ValueRange kAnyReal{
    .checked = true, .min = -DBL_MAX, .max = DBL_MAX, .text = "a finite number"};
inline constexpr ValueRange kAtMostOne{
    .checked = true,
    .min = -DBL_MAX,
    .max = 1,
    .text = "at most 1 (R² = 1 − SS_res/SS_tot with SS_res ≥ 0)"};
inline constexpr ValueRange kNonNegative{
    .checked = true,
    .min = 0,
    .max = DBL_MAX,
    .text = "at least 0 (a mean, percentile or maximum of squares or absolute values)"};
inline constexpr ValueRange kPositive{.checked = true,
                                      .min = 0,
                                      .max = DBL_MAX,
                                      .min_open = true,
                                      .text = "above 0 (a ratio of two sizes)"};
inline constexpr ValueRange kCount{.checked = true,
                                   .min = 0,
                                   .max = 0x1p53,
                                   .whole = true,
                                   .text = "a whole number from 0 to 2^53 (a count)"};
inline constexpr ValueRange kSplitRows{
    .checked = true,
    .min = 2,
    .max = 0x1p53,
    .whole = true,
    .text = "a whole number of at least 2 (every split keeps 2 rows a side or more)"};
inline constexpr ValueRange kBitsRange{
    .checked = true, .min = 1, .max = 32, .whole = true, .text = "a whole number from 1 to 32"};
inline constexpr ValueRange kDecibels{.checked = true,
                                      .min = -200,
                                      .max = 200,
                                      .text = "within ±200 dB (the harness caps SQNR there)"};

// clang-format off
// One key a paragraph: name, JSON type, who writes it, unit, gate rule; then what it means.

// ---- what the result is ---------------------------------------------------------------------
inline constexpr ResultKey kScheme{
    "scheme", ResultType::kString, kFromQuantize, "", kNoGate, kNoRange,
    "quantization scheme: seed, w8 or w8a8"};
inline constexpr ResultKey kBits{
    "bits", ResultType::kInteger, kFromQuantize, "bits", kNoGate, kBitsRange,
    "bits of the codes (1 to 32)"};
inline constexpr ResultKey kCalibration{
    "calibration", ResultType::kString, kFromQuantize, "", kNoGate, kNoRange,
    "how the clipping range was chosen"};
inline constexpr ResultKey kFold{
    "fold", ResultType::kString, kFromQuantize, "", kNoGate, kNoRange,
    "w8a8 folding of the zero points (none for other schemes)"};
inline constexpr ResultKey kOutliers{
    "outliers", ResultType::kString, kFromQuantize, "", kNoGate, kNoRange,
    "w8a8 outlier policy: float (rows beyond the codes scored in f64) or clip (none for other "
    "schemes)"};
inline constexpr ResultKey kKernelTarget{
    "kernel_target", ResultType::kString, kFromQuantize, "", kNoGate, kNoRange,
    "the Highway target inference ran on (seed: eigen-f64)"};
inline constexpr ResultKey kBiasCorrection{
    "bias_correction", ResultType::kNumber, kFromQuantize, "target units", kNoGate, kAnyReal,
    "w8a8: the mean prediction offset added to the bias (0 when not asked for)"};
inline constexpr ResultKey kNTrain{
    "n_train", ResultType::kInteger, kFromTrain, "rows", kGateCount, kSplitRows,
    "rows of the training split"};
inline constexpr ResultKey kNTest{
    "n_test", ResultType::kInteger, kTrainAndQuantize, "rows", kGateCount, kSplitRows,
    "rows of the test split"};
inline constexpr ResultKey kSolver{
    "solver", ResultType::kString, kFromTrain, "", kNoGate, kNoRange,
    "the least-squares solver of the float model"};
inline constexpr ResultKey kCoef{
    "coef", ResultType::kArray, kFromTrain, "", kNoGate, kNoRange,
    "float coefficients on standardized features"};
inline constexpr ResultKey kIntercept{
    "intercept", ResultType::kNumber, kFromTrain, "target units", kNoGate, kAnyReal,
    "float intercept"};
inline constexpr ResultKey kOut{
    "out", ResultType::kString, kFromCli, "", kNoGate, kNoRange,
    "folder the quantized artifact was written to"};

// ---- accuracy -------------------------------------------------------------------------------
inline constexpr ResultKey kTrainR2{
    "train_r2", ResultType::kNumber, kFromTrain, "", kGateR2, kAtMostOne,
    "R² on the training split"};
inline constexpr ResultKey kTrainMse{
    "train_mse", ResultType::kNumber, kFromTrain, "target units²", kGateError, kNonNegative,
    "mean squared error, training split"};
inline constexpr ResultKey kTrainMae{
    "train_mae", ResultType::kNumber, kFromTrain, "target units", kNoGate, kNonNegative,
    "mean absolute error, training split"};
inline constexpr ResultKey kFloatTestR2{
    "float_test_r2", ResultType::kNumber, kFromQuantize, "", kNoGate, kAtMostOne,
    "the float model's R² on the test split"};
inline constexpr ResultKey kFloatTestMse{
    "float_test_mse", ResultType::kNumber, kFromQuantize, "target units²", kNoGate, kNonNegative,
    "the float model's test MSE"};
inline constexpr ResultKey kFloatTestMae{
    "float_test_mae", ResultType::kNumber, kFromQuantize, "target units", kNoGate, kNonNegative,
    "the float model's test MAE"};
inline constexpr ResultKey kTestR2{
    "test_r2", ResultType::kNumber, kTrainAndQuantize, "", kGateR2, kAtMostOne,
    "R² on the test split"};
inline constexpr ResultKey kTestMse{
    "test_mse", ResultType::kNumber, kTrainAndQuantize, "target units²", kGateError, kNonNegative,
    "mean squared error, test split"};
inline constexpr ResultKey kTestMae{
    "test_mae", ResultType::kNumber, kTrainAndQuantize, "target units", kGateError, kNonNegative,
    "mean absolute error, test split"};
inline constexpr ResultKey kDeltaR2{
    "delta_r2", ResultType::kNumber, kFromQuantize, "", kGateR2, kAnyReal,
    "quantized test R² − float test R²"};
inline constexpr ResultKey kDeltaMse{
    "delta_mse", ResultType::kNumber, kFromQuantize, "target units²", kNoGate, kAnyReal,
    "quantized test MSE − float test MSE"};
inline constexpr ResultKey kDeltaMae{
    "delta_mae", ResultType::kNumber, kFromQuantize, "target units", kNoGate, kAnyReal,
    "quantized test MAE − float test MAE"};

// ---- quantized vs float predictions (test split) ----------------------------------------------
inline constexpr ResultKey kMeanAbsDelta{
    "mean_abs_delta", ResultType::kNumber, kFromQuantize, "target units", kGateError, kNonNegative,
    "mean |quantized − float prediction|"};
inline constexpr ResultKey kMeanDelta{
    "mean_delta", ResultType::kNumber, kFromQuantize, "target units", kNoGate, kAnyReal,
    "mean (quantized − float prediction)"};
inline constexpr ResultKey kRmsDelta{
    "rms_delta", ResultType::kNumber, kFromQuantize, "target units", kGateError, kNonNegative,
    "root mean square prediction difference"};
inline constexpr ResultKey kP99AbsDelta{
    "p99_abs_delta", ResultType::kNumber, kFromQuantize, "target units", kGateError, kNonNegative,
    "99th percentile of |Δ| (numpy's linear method)"};
inline constexpr ResultKey kMaxAbsDelta{
    "max_abs_delta", ResultType::kNumber, kFromQuantize, "target units", kGateError, kNonNegative,
    "largest |Δ|"};
inline constexpr ResultKey kSqnrDb{
    "sqnr_db", ResultType::kNumber, kFromQuantize, "dB", kGateSqnr, kDecibels,
    "20·log10(‖y_float‖ / ‖y_float − y_quant‖), within ±200"};
inline constexpr ResultKey kClippedRows{
    "clipped_rows", ResultType::kInteger, kFromQuantize, "rows", kGateFewer, kCount,
    "test rows with a feature outside the calibrated range"};
inline constexpr ResultKey kClippedMaxAbsDelta{
    "clipped_max_abs_delta", ResultType::kNumber, kFromQuantize, "target units", kNoGate,
    kNonNegative, "largest |Δ| among clipped rows"};
inline constexpr ResultKey kUnclippedP99AbsDelta{
    "unclipped_p99_abs_delta", ResultType::kNumber, kFromQuantize, "target units", kNoGate,
    kNonNegative, "99th percentile of |Δ| among unclipped rows"};
inline constexpr ResultKey kUnclippedMaxAbsDelta{
    "unclipped_max_abs_delta", ResultType::kNumber, kFromQuantize, "target units", kNoGate,
    kNonNegative, "largest |Δ| among unclipped rows"};
inline constexpr ResultKey kFallbackRows{
    "fallback_rows", ResultType::kInteger, kFromQuantize, "rows", kGateFewer, kCount,
    "test rows scored in f64 by the float outlier policy (0 under clip)"};
inline constexpr ResultKey kFallbackMaxAbsDelta{
    "fallback_max_abs_delta", ResultType::kNumber, kFromQuantize, "target units", kNoGate,
    kNonNegative, "largest |Δ| among the fallback rows, as scored in f64 (0 without any)"};
inline constexpr ResultKey kIntegerMaxAbsDelta{
    "integer_max_abs_delta", ResultType::kNumber, kFromQuantize, "target units", kNoGate,
    kNonNegative,
    "largest |Δ| of the integer path alone on every row (max |Δ| without the fallback)"};
inline constexpr ResultKey kIntegerP99AbsDelta{
    "integer_p99_abs_delta", ResultType::kNumber, kFromQuantize, "target units", kNoGate,
    kNonNegative,
    "99th percentile of |Δ| of the integer path alone on every row (without the fallback)"};
inline constexpr ResultKey kClippedPerFeature{
    "clipped_per_feature", ResultType::kObject, kFromQuantize, "rows", kNoGate, kNoRange,
    "clipped test rows, by feature name"};

// ---- the original project's figures -----------------------------------------------------------
inline constexpr ResultKey kCoefMeanAbsError{
    "coef_mean_abs_error", ResultType::kNumber, kFromQuantize, "", kGateCoefError, kNonNegative,
    "mean |dequantized − float coefficient|"};
inline constexpr ResultKey kCoefMaxAbsError{
    "coef_max_abs_error", ResultType::kNumber, kFromQuantize, "", kNoGate, kNonNegative,
    "largest |dequantized − float coefficient|"};
inline constexpr ResultKey kInterceptAbsError{
    "intercept_abs_error", ResultType::kNumber, kFromQuantize, "target units", kGateCoefError,
    kNonNegative, "|effective − float intercept|"};
inline constexpr ResultKey kHeadMaxAbsDelta{
    "head_max_abs_delta", ResultType::kNumber, kFromQuantize, "target units", kGateError,
    kNonNegative, "largest |Δ| on the first five test rows"};
inline constexpr ResultKey kZeroRange{
    "zero_range", ResultType::kArray, kFromQuantize, "", kNoGate, kNoRange,
    "tensors or features whose range was zero"};

// ---- memory -----------------------------------------------------------------------------------
inline constexpr ResultKey kWeightBytesF64{
    "weight_bytes_f64", ResultType::kInteger, kFromQuantize, "bytes", kNoGate, kCount,
    "coefficients and intercept in f64"};
inline constexpr ResultKey kWeightBytesF32{
    "weight_bytes_f32", ResultType::kInteger, kFromQuantize, "bytes", kNoGate, kCount,
    "coefficients and intercept in f32"};
inline constexpr ResultKey kWeightBytes{
    "weight_bytes", ResultType::kInteger, kFromQuantize, "bytes", kNoGate, kCount,
    "the quantized weights with their parameters"};
inline constexpr ResultKey kFeatureBytesF64{
    "feature_bytes_f64", ResultType::kInteger, kFromQuantize, "bytes", kNoGate, kCount,
    "test features in f64"};
inline constexpr ResultKey kFeatureBytesF32{
    "feature_bytes_f32", ResultType::kInteger, kFromQuantize, "bytes", kNoGate, kCount,
    "test features in f32"};
inline constexpr ResultKey kFeatureBytes{
    "feature_bytes", ResultType::kInteger, kFromQuantize, "bytes", kNoGate, kCount,
    "test features as the scheme stores and runs them (w8a8 at bits <= 4: two codes a byte)"};
inline constexpr ResultKey kFeatureBytesPacked{
    "feature_bytes_packed", ResultType::kInteger, kFromQuantize, "bytes", kNoGate, kCount,
    "w8a8 codes packed at `bits` each"};
inline constexpr ResultKey kMemoryRatio{
    "memory_ratio", ResultType::kNumber, kFromQuantize, "", kGateNoSmaller, kPositive,
    "f32 weights and features over the quantized form"};
inline constexpr ResultKey kMemoryRatioF64{
    "memory_ratio_f64", ResultType::kNumber, kFromQuantize, "", kNoGate, kPositive,
    "f64 weights and features over the quantized form"};
inline constexpr ResultKey kArtifactBytes{
    "artifact_bytes", ResultType::kInteger, kFromQuantize, "bytes", kNoGate, kCount,
    "quantized_model.json on disk (absent without a file)"};
inline constexpr ResultKey kFloatArtifactBytes{
    "float_artifact_bytes", ResultType::kInteger, kFromQuantize, "bytes", kNoGate, kCount,
    "model.json on disk (absent without a file)"};
// clang-format on

}  // namespace keys

// The table: every key above, once.
inline constexpr std::array kResultKeys = {
    keys::kScheme,
    keys::kBits,
    keys::kCalibration,
    keys::kFold,
    keys::kOutliers,
    keys::kKernelTarget,
    keys::kBiasCorrection,
    keys::kNTrain,
    keys::kNTest,
    keys::kSolver,
    keys::kCoef,
    keys::kIntercept,
    keys::kOut,
    keys::kTrainR2,
    keys::kTrainMse,
    keys::kTrainMae,
    keys::kFloatTestR2,
    keys::kFloatTestMse,
    keys::kFloatTestMae,
    keys::kTestR2,
    keys::kTestMse,
    keys::kTestMae,
    keys::kDeltaR2,
    keys::kDeltaMse,
    keys::kDeltaMae,
    keys::kMeanAbsDelta,
    keys::kMeanDelta,
    keys::kRmsDelta,
    keys::kP99AbsDelta,
    keys::kMaxAbsDelta,
    keys::kSqnrDb,
    keys::kClippedRows,
    keys::kClippedMaxAbsDelta,
    keys::kUnclippedP99AbsDelta,
    keys::kUnclippedMaxAbsDelta,
    keys::kFallbackRows,
    keys::kFallbackMaxAbsDelta,
    keys::kIntegerMaxAbsDelta,
    keys::kIntegerP99AbsDelta,
    keys::kClippedPerFeature,
    keys::kCoefMeanAbsError,
    keys::kCoefMaxAbsError,
    keys::kInterceptAbsError,
    keys::kHeadMaxAbsDelta,
    keys::kZeroRange,
    keys::kWeightBytesF64,
    keys::kWeightBytesF32,
    keys::kWeightBytes,
    keys::kFeatureBytesF64,
    keys::kFeatureBytesF32,
    keys::kFeatureBytes,
    keys::kFeatureBytesPacked,
    keys::kMemoryRatio,
    keys::kMemoryRatioF64,
    keys::kArtifactBytes,
    keys::kFloatArtifactBytes,
};

// The entry named `name`, or null.
constexpr const ResultKey* FindResultKey(std::string_view name) {
  for (const ResultKey& key : kResultKeys) {
    if (name == key.name) return &key;
  }
  return nullptr;
}

constexpr bool ResultKeyNamesAreUnique() {
  for (size_t i = 0; i < kResultKeys.size(); ++i) {
    for (size_t j = i + 1; j < kResultKeys.size(); ++j) {
      if (std::string_view(kResultKeys[i].name) == kResultKeys[j].name) return false;
    }
  }
  return true;
}
static_assert(ResultKeyNamesAreUnique(), "a result key is listed twice");

// "higher", "lower", "equal" (the baseline's spelling), "" for kNone.
constexpr const char* GateDirectionName(GateDirection direction) {
  switch (direction) {
    case GateDirection::kHigher:
      return "higher";
    case GateDirection::kLower:
      return "lower";
    case GateDirection::kEqual:
      return "equal";
    case GateDirection::kNone:
      break;
  }
  return "";
}

// "string", "integer", "number", "boolean", "array", "object".
constexpr const char* ResultTypeName(ResultType type) {
  switch (type) {
    case ResultType::kString:
      return "string";
    case ResultType::kInteger:
      return "integer";
    case ResultType::kNumber:
      return "number";
    case ResultType::kBoolean:
      return "boolean";
    case ResultType::kArray:
      return "array";
    case ResultType::kObject:
      return "object";
  }
  return "";
}

}  // namespace qlab::io
