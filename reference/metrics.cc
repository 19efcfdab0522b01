// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/reference/metrics.h"

namespace qlab::reference {

double R2Score(const Eigen::VectorXd& y_true, const Eigen::VectorXd& y_pred) {
  const double ss_res = (y_true - y_pred).squaredNorm();
  const double ss_tot = (y_true.array() - y_true.mean()).matrix().squaredNorm();
  if (ss_tot == 0.0) return ss_res == 0.0 ? 1.0 : 0.0;
  return 1.0 - ss_res / ss_tot;
}

double MeanSquaredError(const Eigen::VectorXd& y_true, const Eigen::VectorXd& y_pred) {
  return (y_true - y_pred).squaredNorm() / static_cast<double>(y_true.size());
}

double MeanAbsoluteError(const Eigen::VectorXd& y_true, const Eigen::VectorXd& y_pred) {
  return (y_true - y_pred).cwiseAbs().sum() / static_cast<double>(y_true.size());
}

}  // namespace qlab::reference
