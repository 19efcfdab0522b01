// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// scikit-learn's StandardScaler (with_mean, with_std): per-column mean and population standard
// deviation, computed the way scikit-learn 1.2 does it (column sums accumulated row by row, the
// corrected two-pass variance), and its rule for constant columns (scale 1, never a division by 0).
#pragma once

#include <Eigen/Core>

#include <vector>

namespace qlab::reference {

struct ScalerFit {
  Eigen::VectorXd mean;
  Eigen::VectorXd variance;  // population variance (divided by n)
  Eigen::VectorXd scale;     // sqrt(variance), or 1 for a constant column
  std::vector<bool> constant;
};

// X has one sample per row. A column is constant when its variance is within the error bound of
// the two-pass algorithm (Chan, Golub & LeVeque): var ≤ n·ε·var + (n·mean·ε)², as scikit-learn's
// _is_constant_feature decides it.
ScalerFit FitStandardScaler(const Eigen::MatrixXd& X);

// (X − mean) / scale, column by column.
Eigen::MatrixXd StandardScale(const Eigen::MatrixXd& X, const Eigen::VectorXd& mean,
                              const Eigen::VectorXd& scale);

}  // namespace qlab::reference
