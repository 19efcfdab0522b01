// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Choosing quantization ranges from training values (minmax, two-sided percentile, mse), and the
// weight scales of the schemes. Exposed for the tests; qlab::Quantize is the usual entry point.
#pragma once

#include <Eigen/Core>

#include <cmath>
#include <cstdint>
#include <vector>

#include "qlab/quant/quantize.h"

namespace qlab::quant {

inline int64_t CodeMax(int bits) { return (int64_t{1} << bits) - 1; }          // uint codes
inline int64_t WeightMax(int bits) { return (int64_t{1} << (bits - 1)) - 1; }  // symmetric int

struct Range {
  double lo = 0;
  double hi = 0;
};

// The range the calibration picks for `values` (any order, finite), quantized to 2^bits − 1 steps.
// Empty values give [0, 0].
Range CalibrateRange(std::vector<double> values, const Calibration& calibration, int bits);

// Σ (v − v̂)² over sorted `values` for the offset quantizer on [lo, hi] with 2^bits − 1 steps
// (v̂ = lo + s·clamp(round((v − lo)/s), 0, L)); the mse calibration minimizes it.
double RangeSquaredError(const std::vector<double>& values, Range range, int bits);

// Σ (v − v̂)² for the zero-point quantizer v̂ = s·(clamp(round(v/s) + zp, 0, L) − zp).
double GridSquaredError(const std::vector<double>& values, double step, int64_t zero_point,
                        int bits);

// The symmetric weight scale S for `weights` (q = clamp(round(w/S), ±(2^(bits−1) − 1))):
// minmax max|w|/K; percentile:P the P-th percentile of |w| over K; mse the S minimizing
// eᵀ·C·e, e = w − S·q, C = covariance (second moments) of the standardized training features.
// Always finite and > 0 (1 when every weight is 0).
double CalibrateWeightScale(const Eigen::VectorXd& weights, const Eigen::MatrixXd& second_moments,
                            const Calibration& calibration, int bits);

// Round half to even, as numpy.round and the kernels do (the default FE_TONEAREST mode).
inline double RoundHalfEven(double x) { return std::nearbyint(x); }

}  // namespace qlab::quant
