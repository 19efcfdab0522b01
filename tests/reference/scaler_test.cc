// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE reference_scaler
#include <boost/test/unit_test.hpp>

#include <cmath>

#include "qlab/reference/scaler.h"

using qlab::reference::FitStandardScaler;
using qlab::reference::StandardScale;

BOOST_AUTO_TEST_CASE(mean_and_population_std_as_scikit_learn) {
  // scikit-learn 1.2.1: mean_ [3.5, 0.1, 5.0], scale_ [2.29128784747792, 1.0, 1.0].
  Eigen::MatrixXd X(4, 3);
  X << 1, 0.1, 5, 2, 0.1, 5, 4, 0.1, 5, 7, 0.1, 5;
  const auto fit = FitStandardScaler(X);
  BOOST_TEST(fit.mean[0] == 3.5);
  BOOST_TEST(fit.mean[1] == 0.1);
  BOOST_TEST(fit.mean[2] == 5.0);
  BOOST_TEST(fit.variance[0] == 5.25);
  BOOST_TEST(fit.scale[0] == 2.29128784747792);
  BOOST_TEST(fit.scale[0] == std::sqrt(5.25));
}

BOOST_AUTO_TEST_CASE(constant_columns_get_scale_one) {
  Eigen::MatrixXd X(4, 3);
  X << 1, 0.1, 5, 2, 0.1, 5, 4, 0.1, 5, 7, 0.1, 5;
  const auto fit = FitStandardScaler(X);
  BOOST_TEST(!fit.constant[0]);
  BOOST_TEST(fit.constant[1]);
  BOOST_TEST(fit.constant[2]);
  BOOST_TEST(fit.scale[1] == 1.0);
  BOOST_TEST(fit.scale[2] == 1.0);
  const Eigen::MatrixXd Z = StandardScale(X, fit.mean, fit.scale);
  BOOST_TEST(Z.allFinite());
  BOOST_TEST(Z.col(1).cwiseAbs().maxCoeff() == 0.0);
  BOOST_TEST(Z.col(2).cwiseAbs().maxCoeff() == 0.0);
}

// Deviations near 1e154 square past the double range: the variance is infinite, which the
// constant test (var ≤ n·ε·var + ...) read as "constant" (inf ≤ inf), so train dropped the column
// that explained y and succeeded. An infinite variance is no constant; its scale stays infinite
// for train's overflow check.
BOOST_AUTO_TEST_CASE(an_infinite_variance_is_not_constant) {
  Eigen::MatrixXd X(4, 2);
  X << 1e154, 1, -2e154, 2, 3e154, 3, -1e154, 4;
  const auto fit = FitStandardScaler(X);
  BOOST_TEST(!fit.constant[0]);
  BOOST_TEST(std::isinf(fit.scale[0]));
  BOOST_TEST(!fit.constant[1]);
}

BOOST_AUTO_TEST_CASE(constant_column_with_rounding_noise_is_still_constant) {
  // 1e6 + 0.1 is not representable: the mean picks up rounding, the variance a tiny positive
  // value, which the two-pass error bound classifies as constant (as scikit-learn does).
  Eigen::MatrixXd X = Eigen::MatrixXd::Constant(1000, 1, 1e6 + 0.1);
  const auto fit = FitStandardScaler(X);
  BOOST_TEST(fit.constant[0]);
  BOOST_TEST(fit.scale[0] == 1.0);
}

BOOST_AUTO_TEST_CASE(a_tiny_but_real_spread_is_not_constant) {
  Eigen::MatrixXd X(2, 1);
  X << 1e-150, -1e-150;
  const auto fit = FitStandardScaler(X);
  BOOST_TEST(!fit.constant[0]);
  BOOST_TEST(fit.scale[0] == 1e-150);
}

BOOST_AUTO_TEST_CASE(scaled_columns_have_zero_mean_and_unit_std) {
  Eigen::MatrixXd X = Eigen::MatrixXd::Random(500, 4);
  X.col(1) = X.col(1) * 1000 + Eigen::VectorXd::Constant(500, 5e4);
  const auto fit = FitStandardScaler(X);
  const Eigen::MatrixXd Z = StandardScale(X, fit.mean, fit.scale);
  for (int j = 0; j < 4; ++j) {
    BOOST_TEST(std::abs(Z.col(j).mean()) < 1e-12);
    BOOST_TEST(std::abs(Z.col(j).squaredNorm() / 500 - 1.0) < 1e-13);
  }
}
