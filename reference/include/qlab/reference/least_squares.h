// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Ordinary least squares with Eigen, the way scikit-learn's LinearRegression fits an intercept:
// center the columns of X and y, solve min ‖A·coef − b‖₂ on the centered data, then
// intercept = ȳ − x̄·coef.
#pragma once

#include <Eigen/Core>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qlab::reference {

enum class Solver {
  kSvd,   // SVD (Jacobi, of R after a column-pivoting QR): what scipy's lstsq (gelsd) computes
  kQr,    // column-pivoting Householder QR
  kLdlt,  // normal equations AᵀA·coef = Aᵀb by LDLᵀ (squares the condition number)
};

std::optional<Solver> ParseSolver(std::string_view name);  // "svd", "qr", "ldlt"
const char* SolverName(Solver solver);
std::vector<std::string> SolverNames();

struct LeastSquaresSolution {
  Eigen::VectorXd coef;
  // κ₂(A) = σ_max/σ_min: exact from the singular values for svd, from the singular values of R for
  // qr (κ₂(R) = κ₂(A)); for ldlt the square root of the reciprocal of LDLT's 1-norm estimate of
  // κ₁(AᵀA), a cheap estimate of the same quantity.
  double condition_number = 0;
};

// A has full column rank (see CheckRank) and at least as many rows as columns.
LeastSquaresSolution SolveLeastSquares(const Eigen::MatrixXd& A, const Eigen::VectorXd& b,
                                       Solver solver);

struct RankCheck {
  Eigen::VectorXd singular_values;  // descending
  double threshold = 0;             // max(n, p)·ε·σ_max
  Eigen::Index rank = 0;            // singular values above the threshold
  // Columns taking part in some (numerical) linear dependence: those with a non-negligible weight
  // in a right singular vector whose singular value is at or below the threshold. Ascending.
  std::vector<Eigen::Index> dependent_columns;
  bool full_rank() const { return dependent_columns.empty() && rank == singular_values.size(); }
};

// Decides the numerical rank of A with the rule σ_min ≤ max(n, p)·ε·σ_max.
RankCheck CheckRank(const Eigen::MatrixXd& A);

struct LinearFit {
  Eigen::VectorXd coef;
  double intercept = 0;
  double condition_number = 0;  // of the centered X
};

// LinearRegression(fit_intercept=True).fit(X, y): centers X and y, solves, returns the intercept.
LinearFit FitLinearRegression(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, Solver solver);

}  // namespace qlab::reference
