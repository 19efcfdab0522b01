// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE reference_metrics
#include <boost/test/unit_test.hpp>

#include "qlab/reference/metrics.h"

using qlab::reference::MeanAbsoluteError;
using qlab::reference::MeanSquaredError;
using qlab::reference::R2Score;

BOOST_AUTO_TEST_CASE(metrics_match_hand_computed_values) {
  Eigen::VectorXd y(4), p(4);
  y << 1, 2, 3, 4;
  p << 1.5, 2, 2, 4;
  // SS_res = 0.25 + 0 + 1 + 0 = 1.25; SS_tot = 5.
  BOOST_TEST(R2Score(y, p) == 0.75);
  BOOST_TEST(MeanSquaredError(y, p) == 0.3125);
  BOOST_TEST(MeanAbsoluteError(y, p) == 0.375);
}

BOOST_AUTO_TEST_CASE(r2_of_constant_target_follows_scikit_learn) {
  Eigen::VectorXd y = Eigen::VectorXd::Constant(3, 2.0);
  BOOST_TEST(R2Score(y, y) == 1.0);
  Eigen::VectorXd p = Eigen::VectorXd::Constant(3, 2.5);
  BOOST_TEST(R2Score(y, p) == 0.0);
}
