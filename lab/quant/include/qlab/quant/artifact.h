// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The quantized model's artifact: DIR/quantized_model.json, format "qlab.quantized_model", a
// data-only JSON document that embeds the float model it came from.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "qlab/io/json_document.h"
#include "qlab/quant/quantize.h"

namespace qlab::quant {

inline constexpr const char* kQuantizedFormat = "qlab.quantized_model";
// Version 2 added "tensor_sha256" (tensor_digest.h), checked on load.
inline constexpr int kQuantizedFormatVersion = 2;
// The tensors covered, in order: the float model's (as ModelTensorDigest, names prefixed with
// "float_model."), then seed: seed.{coef,intercept}.{codes u8, scale f64, zero_point i64,
// dequantized f32}; w8 and w8a8: weights.codes i8, weights.scale f64, correction i64, bias f64;
// w8a8 also bias_correction f64 and features.{center f64, step f32, zero_point i64,
// calibrated_lo f64, calibrated_hi f64}, one element per feature; then, only when they hold,
// outliers.float i64 (the value 1: the float outlier policy; "outliers" absent means clip) and
// features.codes_per_byte i64 (the value 2: bits ≤ 4, feature dtype "uint4", codes packed two per
// byte as kernels::PackU4 lays them out).
std::string QuantizedTensorDigest(const QuantizedModel& q);
inline constexpr const char* kQuantizedFileName = "quantized_model.json";
nlohmann::json QuantizedToJson(const QuantizedModel& q);
// From a parsed document (every error at FILE:LINE:COL), or from a JSON value (positions then
// refer to its two-space dump, as SaveQuantized writes it).
QuantizedModel QuantizedFromJson(const io::JsonReader& root);
QuantizedModel QuantizedFromJson(const nlohmann::json& j, const std::string& path);
// DIR/quantized_model.json, written atomically; DIR created with missing parents.
void SaveQuantized(const QuantizedModel& q, const std::string& dir);
QuantizedModel LoadQuantized(const std::string& dir);  // InputError on a malformed artifact
bool IsQuantizedModelDir(const std::string& dir);

}  // namespace qlab::quant
