// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/model/linear_model.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <tuple>

#include "qlab/io/input_error.h"
#include "qlab/io/shortest.h"
#include "qlab/kernels.h"
#include "qlab/reference/least_squares.h"
#include "qlab/reference/metrics.h"
#include "qlab/reference/scaler.h"

namespace qlab::model {

using io::Printable;
namespace {

using data::Dataset;
using data::SplitData;
using io::InputError;

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

Metrics Evaluate(const Eigen::VectorXd& actual, const Eigen::VectorXd& predicted,
                 const std::string& split, const std::string& source) {
  if (reference::IsConstant(actual)) {
    throw InputError(
        source, fmt::format("the target is constant on the {} split (all {} values are {}): its "
                            "variance is 0, so R² = 1 − SS_res/SS_tot is 0/0, undefined; a "
                            "regression needs a target that varies on both splits",
                            split, actual.size(), actual.size() > 0 ? actual[0] : 0.0));
  }
  const Metrics m{reference::R2Score(actual, predicted),
                  reference::MeanSquaredError(actual, predicted),
                  reference::MeanAbsoluteError(actual, predicted)};
  // The residuals are not all 0 (MAE > 0, computed scaled) but the MSE, their mean square, lies
  // below the normal double range: it came out subnormal or 0, which would read as a perfect fit.
  if (m.mse < std::numeric_limits<double>::min() && m.mae > 0 && std::isfinite(m.mae)) {
    const double log10_mse = reference::Log10MeanSquaredError(actual, predicted);
    const double exponent = std::floor(log10_mse);
    throw InputError(
        source, fmt::format("underflow: the {} MSE is about {:.2g}e{}, below the smallest normal "
                            "double (2.2e-308), so it cannot be reported (R² {:.6g} is defined); "
                            "rescale the target",
                            split, std::pow(10.0, log10_mse - exponent), exponent, m.r2));
  }
  return m;
}

// y_i = (Σ_j z_ij·coef_j, j ascending, from 0) + intercept, each product and sum rounded. Not an
// Eigen product: on aarch64 Eigen's gemv uses FMA (vfmaq) in its vector blocks and plain a·b + c
// in its scalar tail, so a row's bits depended on its position in the matrix (qlab score's output
// changed with --chunk-bytes). This loop is the order and rounding of Eigen's column-by-column gemv
// without FMA, which is what x86 ran, so x86's figures stay as they were.
Eigen::VectorXd LinearModel::Predict(const Eigen::MatrixXd& X_raw) const {
  const Eigen::MatrixXd Z = reference::StandardScale(X_raw, scaler_mean, scaler_scale);
  Eigen::VectorXd y(Z.rows());
  for (Eigen::Index i = 0; i < Z.rows(); ++i) {
    double sum = 0.0;
    for (Eigen::Index j = 0; j < Z.cols(); ++j) sum += Z(i, j) * coef[j];
    y[i] = sum + intercept;
  }
  return y;
}

Eigen::VectorXd LinearModel::PredictF32(const Eigen::MatrixXd& X_raw) const {
  const auto k = static_cast<size_t>(coef.size());
  if (k == 0 || k > kernels::kMaxGemvK) {
    throw InputError(
        fmt::format("--kernel f32: the f32 gemv takes 1 to {} features, the model has {}",
                    kernels::kMaxGemvK, k));
  }
  using RowMajorF = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  // reference::StandardScale's (x − mean) / scale in double, rounded to f32, in one pass: no
  // double-precision copy of the rows on the way (a chunk of qlab score is megabytes, and fresh
  // pages cost more than the arithmetic on a VM).
  RowMajorF z(X_raw.rows(), X_raw.cols());
  for (Eigen::Index i = 0; i < X_raw.rows(); ++i) {
    for (Eigen::Index j = 0; j < X_raw.cols(); ++j) {
      z(i, j) = static_cast<float>((X_raw(i, j) - scaler_mean[j]) / scaler_scale[j]);
    }
  }
  const Eigen::VectorXf w = coef.cast<float>();
  Eigen::VectorXf y(X_raw.rows());
  kernels::GemvF32(z.data(), static_cast<size_t>(z.rows()), k, w.data(),
                   static_cast<float>(intercept), y.data());
  return y.cast<double>();
}

namespace {

// "the first value of NAME that is not finite: VALUE (index)" or "".
std::string FirstNonFinite(const std::string& name, const Eigen::VectorXd& v,
                           const std::vector<std::string>* labels = nullptr) {
  for (Eigen::Index i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) {
      const std::string which = labels != nullptr && static_cast<size_t>(i) < labels->size()
                                    ? "feature " + Printable((*labels)[static_cast<size_t>(i)])
                                    : "row " + std::to_string(i);
      return fmt::format("{} of {} is {}", name, which, v[i]);
    }
  }
  return "";
}

std::string NonFiniteMetric(const std::string& split, const Metrics& m) {
  for (const auto& [name, value] :
       {std::pair<const char*, double>{"R²", m.r2}, {"MSE", m.mse}, {"MAE", m.mae}}) {
    if (!std::isfinite(value)) return fmt::format("the {} {} is {}", split, name, value);
  }
  return "";
}

[[noreturn]] void Overflow(const std::string& source, const std::string& what) {
  throw InputError(source, "overflow: " + what +
                               " (values whose squares or sums pass the double range, about "
                               "1.8e308); rescale the data");
}

}  // namespace

LinearModel Train(const SplitData& data, const std::string& solver) {
  const std::optional<reference::Solver> solver_kind = reference::ParseSolver(solver);
  if (!solver_kind) {
    throw InputError("--solver " + Printable(solver) + ": not one of " +
                     JoinNames(reference::SolverNames()));
  }
  const Dataset& dataset = data.dataset;
  const Eigen::Index n = data.X_train.rows();
  const Eigen::Index p = data.X_train.cols();

  LinearModel model;
  model.data_kind = dataset.kind;
  model.data_path = dataset.source_path;
  model.data_sha256 = dataset.sha256;
  model.target_name = dataset.target_name;
  model.feature_names = dataset.feature_names;
  model.n_train = static_cast<int64_t>(n);
  model.n_test = static_cast<int64_t>(data.X_test.rows());
  model.solver = solver;

  const reference::ScalerFit scaler = reference::FitStandardScaler(data.X_train);
  model.scaler_mean = scaler.mean;
  model.scaler_scale = scaler.scale;
  // Before the rank check, which would read a NaN scale as a dependent column.
  for (const std::string& bad :
       {FirstNonFinite("the scaler mean", scaler.mean, &model.feature_names),
        FirstNonFinite("the scaler scale", scaler.scale, &model.feature_names)}) {
    if (!bad.empty()) Overflow(dataset.source_path, bad);
  }
  std::vector<Eigen::Index> fitted;
  for (Eigen::Index j = 0; j < p; ++j) {
    if (scaler.constant[static_cast<size_t>(j)]) {
      model.constant_features.push_back(dataset.feature_names[static_cast<size_t>(j)]);
    } else {
      fitted.push_back(j);
    }
  }
  const auto p_fit = static_cast<Eigen::Index>(fitted.size());
  if (n < p_fit + 1) {
    throw InputError(dataset.source_path,
                     fmt::format("too few rows for the split: {} training rows cannot determine {} "
                                 "coefficients and an intercept (need at least {})",
                                 n, p_fit, p_fit + 1));
  }

  const Eigen::MatrixXd scaled =
      reference::StandardScale(data.X_train, scaler.mean, scaler.scale)(Eigen::all, fitted);
  const Eigen::MatrixXd centered = scaled.rowwise() - scaled.colwise().mean();
  const reference::RankCheck rank = reference::CheckRank(centered);
  if (!rank.full_rank()) {
    std::vector<std::string> names;
    for (Eigen::Index k : rank.dependent_columns) {
      names.push_back(dataset.feature_names[static_cast<size_t>(fitted[static_cast<size_t>(k)])]);
    }
    const double smallest =
        rank.singular_values.size() == p_fit && p_fit > 0 ? rank.singular_values[p_fit - 1] : 0.0;
    const double ratio = rank.singular_values.size() > 0 && rank.singular_values[0] > 0
                             ? smallest / rank.singular_values[0]
                             : 0.0;
    throw InputError(
        dataset.source_path,
        fmt::format(
            "rank-deficient design on the training split: columns {} are linearly "
            "dependent (σ_min/σ_max = {:.3g} ≤ max(n, p)·ε = {:.3g}); drop one of them",
            JoinNames(names), ratio,
            static_cast<double>(std::max(n, p_fit)) * std::numeric_limits<double>::epsilon()));
  }

  const reference::LinearFit fit =
      reference::FitLinearRegression(scaled, data.y_train, *solver_kind);
  model.coef = Eigen::VectorXd::Zero(p);
  for (Eigen::Index k = 0; k < p_fit; ++k) model.coef[fitted[static_cast<size_t>(k)]] = fit.coef[k];
  model.intercept = fit.intercept;
  model.condition_number = fit.condition_number;
  model.train =
      Evaluate(data.y_train, model.Predict(data.X_train), "training", dataset.source_path);
  model.test = Evaluate(data.y_test, model.Predict(data.X_test), "test", dataset.source_path);
  RequireFiniteModel(model, dataset.source_path);
  if (const auto implausible = FindImplausibleParameter(model)) {
    throw InputError(dataset.source_path, implausible->message + "; rescale the data");
  }
  return model;
}

std::optional<ImplausibleParameter> FindImplausibleParameter(const LinearModel& model) {
  using Field = ImplausibleParameter::Field;
  constexpr double kEps = std::numeric_limits<double>::epsilon();
  const double n = static_cast<double>(std::max<int64_t>(model.n_train, 1));
  const Eigen::Index p = model.coef.size();
  const auto label = [&](Eigen::Index j) {
    return static_cast<size_t>(j) < model.feature_names.size()
               ? Printable(model.feature_names[static_cast<size_t>(j)])
               : std::to_string(j);
  };
  for (Eigen::Index j = 0; j < p; ++j) {
    if (static_cast<size_t>(j) < model.feature_names.size() &&
        std::find(model.constant_features.begin(), model.constant_features.end(),
                  model.feature_names[static_cast<size_t>(j)]) != model.constant_features.end()) {
      continue;  // scale 1 and coefficient 0, checked with the feature lists
    }
    const double mean = model.scaler_mean[j];
    const double scale = model.scaler_scale[j];
    if (!(scale <= std::sqrt(std::numeric_limits<double>::max() / n))) {
      return ImplausibleParameter{
          Field::kScalerScale, j,
          fmt::format(
              "overflow: feature '{}' has scale {}: its squared deviations over n_train = {} rows "
              "sum past the double range (about 1.8e308)",
              label(j), io::Shortest(scale), model.n_train)};
    }
    // StandardScaler's constant test on variance scale², with 4 ulp for the rounding of √.
    const double variance = scale * scale * (1 + 4 * kEps);
    const double mean_term = n * (mean * kEps);  // n·mean first would overflow for 1e308
    if (!(variance > n * kEps * variance + mean_term * mean_term)) {
      return ImplausibleParameter{
          // Either was edited: blamed is the one farther from 1 (a mean of 1e308, a scale of
          // 5e-324).
          mean != 0 && std::abs(std::log(std::abs(mean))) > std::abs(std::log(scale))
              ? Field::kScalerMean
              : Field::kScalerScale,
          j,
          fmt::format("feature '{}' has mean {} and scale {}: a spread that small beside its mean "
                      "(n_train·|mean|·ε = {:.3g}) is a constant column to training, which gives "
                      "it scale 1 and coefficient 0",
                      label(j), io::Shortest(mean), io::Shortest(scale), std::abs(mean_term))};
    }
  }
  // The recorded training metrics fix the spread of the training targets and of the predictions:
  // for a least-squares fit with an intercept on its own rows SS_tot = SS_reg + SS_res, so
  // var(y) = MSE / (1 − R²) and var(ŷ) = R² · var(y). Where 1 − R² is too small to divide by
  // (a near-perfect fit, whose R² carries n·ε of rounding) or the MSE is 0, nothing is implied.
  for (const auto& [metrics, field, split] :
       {std::tuple{&model.train, Field::kTrainMae, "training"},
        std::tuple{&model.test, Field::kTestMae, "test"}}) {
    // Σ|r|/n ≤ √(Σr²/n); 1e-12 of room for the rounding of both sums.
    if (metrics->mae > std::sqrt(metrics->mse) * (1 + 1e-12)) {
      return ImplausibleParameter{
          field, 0,
          fmt::format("the {} MAE {} exceeds √MSE = {:.6g} (MSE {}): no residuals give that", split,
                      io::Shortest(metrics->mae), std::sqrt(metrics->mse),
                      io::Shortest(metrics->mse))};
    }
  }
  const Metrics& fit = model.train;
  if (fit.r2 < -1e-9) {
    return ImplausibleParameter{
        Field::kTrainR2, 0,
        fmt::format("the training R² {} is below 0: least squares with an intercept fits its own "
                    "rows at least as well as their mean",
                    io::Shortest(fit.r2))};
  }
  const auto fitted_columns =
      static_cast<double>(p - static_cast<Eigen::Index>(model.constant_features.size()));
  // The rank check let only σ_min/σ_max > max(n, p)·ε through; ldlt's κ is an estimate from
  // rcond (within a factor p of the 2-norm one), hence the room of 10·p. Null (an infinite
  // estimate) is capped the same way where it is used below.
  const double condition_cap =
      1 / (std::max(n, fitted_columns) * kEps) * std::max(1.0, 10 * fitted_columns);
  if (std::isfinite(model.condition_number) && model.condition_number > condition_cap) {
    return ImplausibleParameter{
        Field::kConditionNumber, 0,
        fmt::format("the condition number {} is beyond what the rank check lets through ({:.3g} "
                    "for n_train {} and {} fitted columns): training refuses such a design as "
                    "rank-deficient",
                    io::Shortest(model.condition_number), condition_cap, model.n_train,
                    fitted_columns)};
  }
  if (!(fit.mse > 0 && fit.r2 >= 0 && 1 - fit.r2 > 1e-6)) return std::nullopt;
  const double sd_y = std::sqrt(fit.mse) / std::sqrt(1 - fit.r2);
  const double sd_prediction = std::sqrt(fit.r2) * sd_y;
  // var(ŷ) = coefᵀ·C·coef, C the fitted columns' correlation matrix: its largest eigenvalue lies
  // in [1, p_fit] (trace p_fit), its smallest is the largest / κ², κ the recorded condition
  // number of the centred, scaled design. So ‖coef‖/κ ≤ sd(ŷ) ≤ √p_fit·‖coef‖; the factor 2
  // leaves room for the rounding of R² and MSE.
  Eigen::Index largest = 0;
  (void)model.coef.cwiseAbs().maxCoeff(&largest);
  const double norm = model.coef.stableNorm();
  const double p_fit = fitted_columns;
  // ldlt records an estimate that may lie below the true κ by up to a factor p_fit.
  const double condition =
      std::min(std::isfinite(model.condition_number) ? model.condition_number : condition_cap,
               condition_cap) *
      (model.solver == "ldlt" ? std::max(1.0, p_fit) : 1.0);
  if (norm / condition > 2 * sd_prediction) {
    return ImplausibleParameter{
        Field::kCoef, largest,
        fmt::format("the coefficients (norm {:.3g}, feature '{}' {}) are too large for the "
                    "recorded training fit: with condition number {:.3g} they spread the training "
                    "predictions by at least {:.3g}, but R² {} and MSE {} say {:.3g}",
                    norm, label(largest), io::Shortest(model.coef[largest]), condition,
                    norm / condition, io::Shortest(fit.r2), io::Shortest(fit.mse), sd_prediction)};
  }
  if (sd_prediction > 2 * std::sqrt(std::max(p_fit, 1.0)) * norm) {
    return ImplausibleParameter{
        Field::kCoef, largest,
        fmt::format("the coefficients (norm {:.3g}) are too small for the recorded training fit: "
                    "they spread the training predictions by at most {:.3g}, but R² {} and MSE {} "
                    "say {:.3g}",
                    norm, std::sqrt(std::max(p_fit, 1.0)) * norm, io::Shortest(fit.r2),
                    io::Shortest(fit.mse), sd_prediction)};
  }
  // The intercept is the training targets' mean. They are at least two distinct doubles (a
  // constant target is refused: its R² is 0/0) within √(n−1)·sd(y) of it (Samuelson), and
  // distinct doubles near the mean lie at least about |mean|·ε/2 apart.
  const double spread = 2 * std::sqrt(std::max(n - 1, 1.0)) * sd_y;
  if (std::abs(model.intercept) * kEps > 8 * spread) {
    return ImplausibleParameter{
        Field::kIntercept, 0,
        fmt::format("the intercept {} is no mean of training targets whose spread R² {} and MSE "
                    "{} bound by {:.3g}: doubles that large lie {:.3g} apart",
                    io::Shortest(model.intercept), io::Shortest(fit.r2), io::Shortest(fit.mse),
                    spread, std::abs(model.intercept) * kEps / 2)};
  }
  return std::nullopt;
}

void RequireFiniteModel(const LinearModel& model, const std::string& source) {
  for (const std::string& bad :
       {FirstNonFinite("the scaler mean", model.scaler_mean, &model.feature_names),
        FirstNonFinite("the scaler scale", model.scaler_scale, &model.feature_names),
        FirstNonFinite("the coefficient", model.coef, &model.feature_names),
        std::isfinite(model.intercept) ? std::string()
                                       : fmt::format("the intercept is {}", model.intercept),
        NonFiniteMetric("training", model.train), NonFiniteMetric("test", model.test)}) {
    if (!bad.empty()) Overflow(source, bad);
  }
}

void RequireFinitePredictions(const Eigen::VectorXd& predictions, const Metrics& metrics,
                              const std::string& source) {
  std::string bad = FirstNonFinite("the prediction", predictions);
  if (bad.empty()) bad = NonFiniteMetric("test", metrics);
  if (!bad.empty()) Overflow(source, bad);
}

}  // namespace qlab::model
