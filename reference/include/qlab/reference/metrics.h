// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
// Regression metrics with scikit-learn's definitions (r2_score, mean_squared_error,
// mean_absolute_error), computed in double.
#pragma once

#include <Eigen/Core>

namespace qlab::reference {

// 1 − SS_res / SS_tot; scikit-learn's convention for a constant target: 1 when the prediction is
// perfect, else 0.
double R2Score(const Eigen::VectorXd& y_true, const Eigen::VectorXd& y_pred);
double MeanSquaredError(const Eigen::VectorXd& y_true, const Eigen::VectorXd& y_pred);
double MeanAbsoluteError(const Eigen::VectorXd& y_true, const Eigen::VectorXd& y_pred);

}  // namespace qlab::reference
