// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// What only `qlab run` does with the quantization stage: every scheme side by side.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "qlab/data/split.h"
#include "qlab/model/linear_model.h"

namespace qlab::cli {

// Quantizes `model` with seed, w8 and w8a8 (8 bits, default calibrations), saves each into
// out_dir/quantized/<scheme>/ and returns {"schemes": [float row, seed, w8, w8a8]}: the harness
// object per scheme, plus a row for the float model itself.
nlohmann::json CompareSchemes(const model::LinearModel& model, const std::string& float_model_dir,
                              const data::SplitData& split, const std::string& out_dir);
// The comparison as a table for a person.
std::string ComparisonText(const nlohmann::json& comparison);

}  // namespace qlab::cli
