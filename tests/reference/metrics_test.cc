// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE reference_metrics
#include <boost/test/unit_test.hpp>

#include <cmath>

#include "qlab/reference/metrics.h"

using qlab::reference::IsConstant;
using qlab::reference::Log10MeanSquaredError;
using qlab::reference::Mean;
using qlab::reference::MeanAbsoluteError;
using qlab::reference::MeanSquaredError;
using qlab::reference::Norm;
using qlab::reference::PopulationStd;
using qlab::reference::R2Score;
using qlab::reference::RootMeanSquaredError;
namespace tt = boost::test_tools;

BOOST_AUTO_TEST_CASE(metrics_match_hand_computed_values) {
  Eigen::VectorXd y(4), p(4);
  y << 1, 2, 3, 4;
  p << 1.5, 2, 2, 4;
  // SS_res = 0.25 + 0 + 1 + 0 = 1.25; SS_tot = 5.
  BOOST_TEST(R2Score(y, p) == 0.75);
  BOOST_TEST(MeanSquaredError(y, p) == 0.3125);
  BOOST_TEST(MeanAbsoluteError(y, p) == 0.375);
}

// A constant target has SS_tot = 0: R² is 0/0, undefined, never 1 (scikit-learn's force_finite
// convention said 1 for a perfect prediction and 0 otherwise; qlab refuses the target instead).
BOOST_AUTO_TEST_CASE(r2_of_a_constant_target_is_undefined) {
  Eigen::VectorXd y = Eigen::VectorXd::Constant(3, 2.0);
  BOOST_TEST(std::isnan(R2Score(y, y)));
  Eigen::VectorXd p = Eigen::VectorXd::Constant(3, 2.5);
  BOOST_TEST(std::isnan(R2Score(y, p)));
  BOOST_TEST(IsConstant(y));
  BOOST_TEST(!IsConstant(p + Eigen::VectorXd::LinSpaced(3, 0, 1e-15)));
  // Tiny constants too, and a mean that rounds away from the value (0.1 · 3 / 3).
  BOOST_TEST(std::isnan(R2Score(Eigen::VectorXd::Constant(3, 1e-300), p)));
  BOOST_TEST(std::isnan(R2Score(Eigen::VectorXd::Constant(3, 0.1), p)));
}

namespace {

// y and p, both times 2^k: every figure scales exactly, so R² must be bit-identical and MSE/MAE
// exactly scaled, as long as the results themselves are in the double range.
void ExpectScaleInvariant(int k) {
  Eigen::VectorXd y(6), p(6);
  y << 1.5, 0.25, 3, 4.75, -2, 0.6;
  p << 1.25, 0.5, 2.5, 5, -1.5, 0.7;
  const Eigen::VectorXd ys = y.unaryExpr([k](double v) { return std::ldexp(v, k); });
  const Eigen::VectorXd ps = p.unaryExpr([k](double v) { return std::ldexp(v, k); });
  BOOST_TEST_CONTEXT("2^" << k) {
    BOOST_TEST(R2Score(ys, ps) == R2Score(y, p));
    BOOST_TEST(std::isfinite(R2Score(ys, ps)));
    BOOST_TEST(MeanAbsoluteError(ys, ps) == std::ldexp(MeanAbsoluteError(y, p), k));
    BOOST_TEST(RootMeanSquaredError(ys, ps) == std::ldexp(RootMeanSquaredError(y, p), k),
               tt::tolerance(1e-15));
    BOOST_TEST(Mean(ys) == std::ldexp(Mean(y), k));
    BOOST_TEST(PopulationStd(ys) == std::ldexp(PopulationStd(y), k));
    BOOST_TEST(Norm(ys) == std::ldexp(Norm(y), k));
    if (2 * k > -1020 && 2 * k < 1020) {
      BOOST_TEST(MeanSquaredError(ys, ps) == std::ldexp(MeanSquaredError(y, p), 2 * k));
    }
  }
}

}  // namespace

// Targets near 1e-300 (whose squares are 0 in double: the plain formulas gave SS_res = SS_tot = 0
// and R² 1) and near 1e154..1e307 (whose squares overflow: R² inf/inf) give the true figures.
BOOST_AUTO_TEST_CASE(figures_are_right_for_tiny_and_huge_targets) {
  for (const int k : {0, -1, 7, -500, -997, -1000, -1020, 500, 510, 700, 1000, 1019}) {
    ExpectScaleInvariant(k);
  }
  // The MSE of targets near 1e-300 lies below the double range: it underflows to 0 (its caller
  // refuses it), while √MSE and MAE are finite and right.
  Eigen::VectorXd y(3), p(3);
  y << 1e-300, 2e-300, 4e-300;
  p << 1.5e-300, 2e-300, 3e-300;
  BOOST_TEST(MeanSquaredError(y, p) == 0.0);
  BOOST_TEST(RootMeanSquaredError(y, p) == std::sqrt((0.25 + 1) / 3) * 1e-300,
             tt::tolerance(1e-14));
  BOOST_TEST(MeanAbsoluteError(y, p) == 0.5e-300, tt::tolerance(1e-14));
  BOOST_TEST(Log10MeanSquaredError(y, p) == std::log10(1.25 / 3) - 600, tt::tolerance(1e-14));
  // One residual of the smallest subnormal among many: √MSE underflows too, its log does not.
  Eigen::VectorXd z = Eigen::VectorXd::Zero(20000);
  Eigen::VectorXd w = z;
  w[7] = 5e-324;
  BOOST_TEST(std::isfinite(Log10MeanSquaredError(z, w)));
  BOOST_TEST(Log10MeanSquaredError(z, w) == 2 * std::log10(5e-324) - std::log10(20000.0),
             tt::tolerance(1e-3));
  // The unscaled R² of this is 1 (0/0 taken as perfect); the true one is 1 − 1.25 / 4.6667.
  BOOST_TEST(R2Score(y, p) == 1 - 1.25 / (14.0 / 3), tt::tolerance(1e-14));
  // Residuals that overflow when subtracted unscaled (1e308 − (−1e308)): an infinite MSE, which
  // is its true value, and a finite MAE of 1e308.
  Eigen::VectorXd big(2), neg(2);
  big << 1e308, 0;
  neg << -1e308, 0;
  BOOST_TEST(std::isinf(MeanSquaredError(big, neg)));
  BOOST_TEST(MeanAbsoluteError(big, neg) == 1e308);
  BOOST_TEST(Mean(Eigen::VectorXd::Constant(2, 1.5e308)) == 1.5e308);
  BOOST_TEST(PopulationStd(Eigen::VectorXd::Constant(2, 1.5e308)) == 0.0);
}
