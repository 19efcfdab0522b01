// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE reference_least_squares
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <random>

#include "qlab/reference/least_squares.h"

using qlab::reference::CheckRank;
using qlab::reference::FitLinearRegression;
using qlab::reference::ParseSolver;
using qlab::reference::SolveLeastSquares;
using qlab::reference::Solver;

namespace {

Eigen::MatrixXd RandomDesign(Eigen::Index n, Eigen::Index p, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  Eigen::MatrixXd X(n, p);
  for (Eigen::Index i = 0; i < n; ++i) {
    for (Eigen::Index j = 0; j < p; ++j) X(i, j) = normal(rng) * (1.0 + static_cast<double>(j));
  }
  return X;
}

constexpr Solver kSolvers[] = {Solver::kSvd, Solver::kQr, Solver::kLdlt};

}  // namespace

BOOST_AUTO_TEST_CASE(solver_names_round_trip) {
  for (Solver s : kSolvers) BOOST_TEST((ParseSolver(SolverName(s)) == s));
  BOOST_TEST(!ParseSolver("lsqr").has_value());
}

BOOST_AUTO_TEST_CASE(noiseless_data_recovers_known_coefficients) {
  const Eigen::MatrixXd X = RandomDesign(200, 5, 1);
  Eigen::VectorXd coef(5);
  coef << 1.5, -2.0, 0.25, 3.0, -0.75;
  const double intercept = 4.0;
  const Eigen::VectorXd y = X * coef + Eigen::VectorXd::Constant(200, intercept);
  for (Solver s : kSolvers) {
    BOOST_TEST_CONTEXT("solver " << SolverName(s)) {
      const auto fit = FitLinearRegression(X, y, s);
      // Residual 0: the only error is rounding, amplified by the condition number (~5 here);
      // ldlt squares it.
      BOOST_TEST((fit.coef - coef).cwiseAbs().maxCoeff() < 1e-12);
      BOOST_TEST(std::abs(fit.intercept - intercept) < 1e-12);
      BOOST_TEST(fit.condition_number >= 1.0);
    }
  }
}

BOOST_AUTO_TEST_CASE(solvers_agree_on_noisy_data) {
  const Eigen::MatrixXd X = RandomDesign(300, 4, 2);
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(0.0, 0.1);
  Eigen::VectorXd y(300);
  for (int i = 0; i < 300; ++i) y[i] = X(i, 0) - 2 * X(i, 3) + noise(rng);
  const auto svd = FitLinearRegression(X, y, Solver::kSvd);
  for (Solver s : {Solver::kQr, Solver::kLdlt}) {
    const auto other = FitLinearRegression(X, y, s);
    BOOST_TEST((other.coef - svd.coef).cwiseAbs().maxCoeff() < 1e-12);
    BOOST_TEST(std::abs(other.intercept - svd.intercept) < 1e-12);
  }
  // Residual orthogonal to the centered columns: the defining property of least squares.
  const Eigen::MatrixXd centered = X.rowwise() - X.colwise().mean();
  const Eigen::VectorXd residual = y - X * svd.coef - Eigen::VectorXd::Constant(300, svd.intercept);
  BOOST_TEST((centered.transpose() * residual).cwiseAbs().maxCoeff() < 1e-10);
  BOOST_TEST(std::abs(residual.sum()) < 1e-10);
}

BOOST_AUTO_TEST_CASE(condition_number_of_a_diagonal_design) {
  Eigen::MatrixXd A = Eigen::MatrixXd::Zero(3, 3);
  A.diagonal() << 1.0, 10.0, 100.0;
  const Eigen::VectorXd b = Eigen::VectorXd::Ones(3);
  BOOST_TEST(std::abs(SolveLeastSquares(A, b, Solver::kSvd).condition_number - 100.0) < 1e-12);
  BOOST_TEST(std::abs(SolveLeastSquares(A, b, Solver::kQr).condition_number - 100.0) < 1e-12);
  // LDLT's is a 1-norm estimate of κ(AᵀA) = 10⁴, square-rooted: exact for a diagonal matrix.
  BOOST_TEST(std::abs(SolveLeastSquares(A, b, Solver::kLdlt).condition_number - 100.0) < 1e-9);
}

BOOST_AUTO_TEST_CASE(rank_check_accepts_a_full_rank_design) {
  const auto check = CheckRank(RandomDesign(50, 4, 4));
  BOOST_TEST(check.full_rank());
  BOOST_TEST(check.rank == 4);
  BOOST_TEST(check.dependent_columns.empty());
}

BOOST_AUTO_TEST_CASE(rank_check_names_the_dependent_columns) {
  Eigen::MatrixXd X = RandomDesign(50, 5, 5);
  X.col(4) = X.col(1) - 2.0 * X.col(3);  // columns 1, 3, 4 are dependent; 0 and 2 are not
  const auto check = CheckRank(X);
  BOOST_TEST(!check.full_rank());
  BOOST_TEST(check.rank == 4);
  BOOST_TEST(check.dependent_columns == (std::vector<Eigen::Index>{1, 3, 4}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rank_check_catches_a_duplicated_column) {
  Eigen::MatrixXd X = RandomDesign(30, 3, 6);
  X.col(2) = X.col(0);
  const auto check = CheckRank(X);
  BOOST_TEST(check.dependent_columns == (std::vector<Eigen::Index>{0, 2}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(rank_check_with_fewer_rows_than_columns) {
  const auto check = CheckRank(RandomDesign(2, 4, 7));
  BOOST_TEST(!check.full_rank());
  BOOST_TEST(check.rank == 2);
}
