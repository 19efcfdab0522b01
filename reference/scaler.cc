// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/reference/scaler.h"

#include <cmath>
#include <limits>

namespace qlab::reference {

ScalerFit FitStandardScaler(const Eigen::MatrixXd& X) {
  const Eigen::Index n = X.rows();
  const Eigen::Index p = X.cols();
  const double count = static_cast<double>(n);
  // numpy reduces a C-ordered array over axis 0 one row after another, so the sums below run over
  // rows in order; the result then differs from scikit-learn's only where the libraries' solvers
  // do.
  Eigen::VectorXd sum = Eigen::VectorXd::Zero(p);
  for (Eigen::Index i = 0; i < n; ++i) sum += X.row(i).transpose();
  ScalerFit fit;
  fit.mean = sum / count;
  Eigen::VectorXd correction = Eigen::VectorXd::Zero(p);
  Eigen::VectorXd squares = Eigen::VectorXd::Zero(p);
  for (Eigen::Index i = 0; i < n; ++i) {
    const Eigen::VectorXd deviation = X.row(i).transpose() - fit.mean;
    correction += deviation;
    squares += deviation.cwiseProduct(deviation);
  }
  fit.variance = (squares - correction.cwiseProduct(correction) / count) / count;

  constexpr double kEps = std::numeric_limits<double>::epsilon();
  fit.scale.resize(p);
  fit.constant.assign(static_cast<size_t>(p), false);
  for (Eigen::Index j = 0; j < p; ++j) {
    const double var = fit.variance[j];
    const double mean_term = count * fit.mean[j] * kEps;
    // An infinite variance (deviations that square past the double range) is no constant: its
    // scale stays infinite, for the caller's overflow check to refuse, not a column dropped.
    const bool constant = std::isfinite(var) && var <= count * kEps * var + mean_term * mean_term;
    fit.constant[static_cast<size_t>(j)] = constant;
    fit.scale[j] = constant ? 1.0 : std::sqrt(var);
  }
  return fit;
}

Eigen::MatrixXd StandardScale(const Eigen::MatrixXd& X, const Eigen::VectorXd& mean,
                              const Eigen::VectorXd& scale) {
  return ((X.rowwise() - mean.transpose()).array().rowwise() / scale.transpose().array()).matrix();
}

}  // namespace qlab::reference
