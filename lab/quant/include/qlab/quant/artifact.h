// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The quantized model's artifact: DIR/quantized_model.json, format "qlab.quantized_model", a
// data-only JSON document that embeds the float model it came from.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "qlab/io/json_document.h"
#include "qlab/quant/quantize.h"

namespace qlab::quant {

inline constexpr const char* kQuantizedFormat = "qlab.quantized_model";
// Version 2 added "tensor_sha256" (tensor_digest.h) over the tensors, checked on load; version 3
// extended it to the embedded float model's every field that changes a prediction or a metric
// (model::ModelDigest) and to scheme, bits, calibration, fold, outliers and the flags. Older
// versions are refused, naming `qlab quantize` to rewrite them.
inline constexpr int kQuantizedFormatVersion = 3;
// The digest stored as "tensor_sha256". The entries, in order: the float model's (as
// model::ModelDigest, names prefixed with "float_model."), scheme (utf8), bits (i64), calibration
// (utf8, as Calibration::Name spells it), then seed: seed.{coef,intercept}.{codes u8, scale f64,
// zero_point i64, zero_range u8 (0 or 1), dequantized f32}; w8 and w8a8: weights.codes i8,
// weights.scale f64, correction i64, bias f64; w8a8 also fold (utf8), bias_correction f64,
// outliers (utf8: "float" or "clip") and features.{center f64, step f32, zero_point i64,
// calibrated_lo f64, calibrated_hi f64, degenerate u8}, one element per feature. artifact.cc says,
// next to the code, why the other fields are left out.
std::string QuantizedDigest(const QuantizedModel& q);
// Where the float model's recorded training rows are at hand (predict and score on a folder whose
// data is the recorded one): the quantized fields must be, to the bit, what quantizing the float
// model with the recorded options gives (Quantize is deterministic). A re-signed edit that stays
// self-consistent (weights.scale ×1e30 with codes to match, bias_correction 1e30 added to the
// bias, a seed scale ×1e30 with its dequantized values) is an InputError naming `file`.
void CheckQuantizedAgainstTraining(const QuantizedModel& q, const Eigen::MatrixXd& X_train,
                                   const std::string& file);
inline constexpr const char* kQuantizedFileName = "quantized_model.json";
nlohmann::json QuantizedToJson(const QuantizedModel& q);
// From a parsed document (every error at FILE:LINE:COL), or from a JSON value (positions then
// refer to its two-space dump, as SaveQuantized writes it).
QuantizedModel QuantizedFromJson(const io::JsonReader& root);
QuantizedModel QuantizedFromJson(const nlohmann::json& j, const std::string& path);
// Where the fields of a quantized model contradict one another, which a digest cannot catch in a
// file re-signed after an edit. What is recomputed to the bit: w8's bias is the float intercept,
// w8a8's is W8A8FoldedBias plus bias_correction, and each feature's center is what its fold
// makes of the scaler mean and the calibrated range. What is bounded: a calibrated range runs
// from lo to hi, is a point when degenerate, is at most twice as wide as the feature's code grid,
// and lies within that grid widened by its width on each side (rounding of zero points and the
// mse step choice move it by less; the raw fold, anchored at raw 0, is exempt from the last);
// the f32 output bound stays below kF32OutputLimit.
struct FieldDisagreement {
  std::optional<size_t> feature;  // the element of "features", or none: a top-level key
  std::string key;                // the key the message is about
  std::string message;
};
std::optional<FieldDisagreement> QuantizedFieldsDisagree(const QuantizedModel& q);
// DIR/quantized_model.json, written atomically; DIR created with missing parents.
void SaveQuantized(const QuantizedModel& q, const std::string& dir);
QuantizedModel LoadQuantized(const std::string& dir);  // InputError on a malformed artifact
bool IsQuantizedModelDir(const std::string& dir);

}  // namespace qlab::quant
