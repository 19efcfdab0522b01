// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The accuracy loss and memory of a quantized model against its float model, and the statistics
// it reports with (numpy's percentile, SQNR).
#pragma once

#include <Eigen/Core>
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "qlab/data/split.h"
#include "qlab/quant/quantize.h"

namespace qlab::quant {

// ---- statistics ---------------------------------------------------------------------------------
// numpy.percentile(values, p) with the default method ("linear"), p in [0, 100]. Empty → 0.
double PercentileLinear(std::vector<double> values, double p);
// The same on values already sorted ascending.
double PercentileLinearSorted(const std::vector<double>& sorted, double p);
// 20·log10(‖reference‖/‖reference − test‖), clamped to [−200, 200] dB (0/0 counts as 200).
double SqnrDb(const Eigen::VectorXd& reference, const Eigen::VectorXd& test);
inline constexpr double kSqnrCapDb = 200;

// ---- harness ------------------------------------------------------------------------------------
// The accuracy loss and memory of one quantized model against its float model on the test split:
// one flat JSON object (keys in QUANTIZATION.md). `artifact_dir` (may be empty) adds the sizes of
// the files on disk.
nlohmann::json EvaluateQuantized(const QuantizedModel& q, const data::SplitData& split,
                                 const std::string& artifact_dir);

}  // namespace qlab::quant
