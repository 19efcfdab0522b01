// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The float linear model: StandardScaler + least squares, fitted as scikit-learn fits it. Its
// artifact (model.json) is in qlab/model/artifact.h.
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "qlab/data/split.h"

namespace qlab::model {

struct Metrics {
  double r2 = 0;
  double mse = 0;
  double mae = 0;
};

struct LinearModel {
  // Where the data came from, so `qlab predict` and `qlab quantize` can re-read and verify it.
  std::string data_kind;    // Dataset::kind
  std::string data_path;    // absolute
  std::string data_sha256;  // refused on mismatch unless the data set is named anew
  std::string target_name;
  std::vector<std::string> feature_names;
  double test_size = 0.2;
  uint32_t seed = 42;
  int64_t n_train = 0;
  int64_t n_test = 0;

  Eigen::VectorXd scaler_mean;   // per feature, fitted on the training split
  Eigen::VectorXd scaler_scale;  // population std; 1 for a constant column
  Eigen::VectorXd coef;          // in standardized space, feature order; 0 for a constant column
  double intercept = 0;
  // Features constant on the training split: left out of the fit (coefficient 0, scale 1). The
  // CLI warns about each on stderr.
  std::vector<std::string> constant_features;

  std::string solver;           // "svd", "qr" or "ldlt"
  double condition_number = 0;  // of the centered, scaled training design matrix
  Metrics train;
  Metrics test;
  // The artifact file it was read from (LoadModel, LoadQuantized), for messages; not stored.
  std::string artifact_file;

  // Predictions for raw (unscaled) feature rows: ((X − mean) / scale)·coef + intercept.
  Eigen::VectorXd Predict(const Eigen::MatrixXd& X_raw) const;

  // The same with the f32 gemv kernel (qlab::kernels::GemvF32, runtime-dispatched): the features
  // are standardized in double and rounded to f32, the coefficients and intercept rounded to f32.
  // Per row, |PredictF32 − Predict| ≤ (k + 3)·u·(Σ_j |z_j·coef_j| + |intercept|) + |result|·u,
  // u = 2⁻²⁴ (rounding of z and coef, γ_k of the sum, the bias add, the f32 result). InputError
  // for more than kernels::kMaxGemvK features.
  Eigen::VectorXd PredictF32(const Eigen::MatrixXd& X_raw) const;
};

// Fits the scaler and the least squares on the training split; test metrics on the test split.
// `solver` is "svd" (the default, closest to scikit-learn), "qr" or "ldlt". Throws InputError for
// an unknown solver, too few training rows, or a rank-deficient design (naming the columns: the
// rank is decided by σ_min ≤ max(n, p)·ε·σ_max on the centered, scaled non-constant columns).
LinearModel Train(const data::SplitData& data, const std::string& solver);

// R², MSE and MAE of `predicted` against `actual` on one split ("training" or "test"), computed
// scaled (qlab/reference/metrics.h: right for targets near 1e-300 and 1e154 alike). Throws
// InputError naming `source` (the data file) when the split's target is constant (its variance is
// 0, so R² is 0/0: undefined, never reported as 1), or "underflow: ..." when the MSE lies below
// the double range although the residuals are not 0 (it would read as 0, a perfect fit). A figure
// that overflows is returned infinite, for RequireFiniteModel / RequireFinitePredictions to name.
Metrics Evaluate(const Eigen::VectorXd& actual, const Eigen::VectorXd& predicted,
                 const std::string& split, const std::string& source);

// Overflow is bad input, found before anything is written: throws InputError naming `source` and
// the first parameter or metric of `model` that is not finite (values near 1e200 square past the
// double range in the scaler's variance and in the MSE). The condition number may be infinite: an
// exactly singular design, recorded as null. Train calls it on what it fitted, LoadModel on what
// it read (an edited, re-signed artifact).
void RequireFiniteModel(const LinearModel& model, const std::string& source);

// A parameter that no training on finite data gives (an edited, re-signed artifact), or nothing.
// Training standardizes each column with its own mean and population std over n_train rows, so:
//   - a non-constant column's variance passed StandardScaler's constant test (reference/scaler.cc):
//     scale² > n·ε·scale² + (n·|mean|·ε)². A mean of 1e308 beside a scale of 1.9, or a scale of
//     5e-324, is a column training would have found constant (scale 1, coefficient 0);
//   - its squared deviations summed finite: n·scale² ≤ DBL_MAX;
//   - the recorded condition number passed the rank check (σ_min/σ_max > max(n, p)·ε); every MAE
//     is at most √MSE (Cauchy–Schwarz); a least-squares fit with an intercept has a training R² of
//     at least 0;
//   - the recorded training R² and MSE give var(y) and var(ŷ) (SS_tot = SS_reg + SS_res), which
//     bound the coefficients' norm through the recorded condition number, and the intercept (the
//     targets' mean) through the spacing of doubles near it (linear_model.cc derives both).
// Train and every loader (model.json and a quantized artifact's float_model) apply the same rule,
// so a model qlab writes is one qlab reads, and `score` refuses what `predict` refuses.
struct ImplausibleParameter {
  enum class Field {
    kScalerMean,
    kScalerScale,
    kCoef,
    kIntercept,
    kConditionNumber,
    kTrainR2,
    kTrainMae,
    kTestMae
  };
  Field field = Field::kIntercept;
  Eigen::Index index = 0;  // the feature, for every field but the intercept
  std::string message;
};
std::optional<ImplausibleParameter> FindImplausibleParameter(const LinearModel& model);

// The same for the test predictions (rows in test order) and their metrics.
void RequireFinitePredictions(const Eigen::VectorXd& predictions, const Metrics& metrics,
                              const std::string& source);

}  // namespace qlab::model
