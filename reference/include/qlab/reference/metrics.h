// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
// Regression metrics with scikit-learn's definitions (r2_score, mean_squared_error,
// mean_absolute_error), computed in double, and the summary statistics qlab prints.
//
// Every sum of squares is taken over values scaled by a power of two, so that the largest is in
// [1/2, 1): the squares neither underflow (a target near 1e-300, whose squares are 0 in double,
// gave SS_res = SS_tot = 0 and an R² of 1) nor overflow (near 1e154 and above). Scaling by a power
// of two is exact, so wherever the plain formulas did not under- or overflow the results are the
// same bit for bit (the scikit-learn figures on California are unchanged). A result is then
// wrong only where its own value lies outside the double range: an MSE below 2.2e-308 comes out
// subnormal or 0, above 1.8e308 infinite; callers refuse both (qlab::model).
#pragma once

#include <Eigen/Core>

namespace qlab::reference {

// Whether every value equals the first (true for fewer than two values).
bool IsConstant(const Eigen::VectorXd& values);

// 1 − SS_res / SS_tot. NaN when y_true is constant: SS_tot is 0 and R² is 0/0, undefined (where
// scikit-learn, by its force_finite convention, says 1 for a perfect prediction and 0 otherwise).
double R2Score(const Eigen::VectorXd& y_true, const Eigen::VectorXd& y_pred);
double MeanSquaredError(const Eigen::VectorXd& y_true, const Eigen::VectorXd& y_pred);
// √MSE, computed without forming the MSE (finite and nonzero where the MSE underflows).
double RootMeanSquaredError(const Eigen::VectorXd& y_true, const Eigen::VectorXd& y_pred);
// log10 of the MSE, finite wherever the residuals are finite and not all 0, even where the MSE
// itself lies outside the double range (about -603 for residuals near 1e-301).
double Log10MeanSquaredError(const Eigen::VectorXd& y_true, const Eigen::VectorXd& y_pred);
double MeanAbsoluteError(const Eigen::VectorXd& y_true, const Eigen::VectorXd& y_pred);

// Σ v / n, and numpy's default std (population: √(Σ (v − mean)² / n)), scaled as above.
double Mean(const Eigen::VectorXd& values);
double PopulationStd(const Eigen::VectorXd& values);
// ‖v‖₂, scaled as above (Eigen's norm() squares unscaled).
double Norm(const Eigen::VectorXd& values);

}  // namespace qlab::reference
