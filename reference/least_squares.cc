// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/reference/least_squares.h"

#include <Eigen/Cholesky>
#include <Eigen/QR>
#include <Eigen/SVD>

#include <algorithm>
#include <cmath>
#include <limits>

namespace qlab::reference {
namespace {

constexpr double kEps = std::numeric_limits<double>::epsilon();

// A right singular vector is a unit vector; entries this small are rounding noise of the columns
// that do not take part in the dependence (their true weight is 0).
constexpr double kDependentWeight = 1e-6;

double ConditionFromSingularValues(const Eigen::VectorXd& s) {
  if (s.size() == 0) return 1.0;
  const double smallest = s[s.size() - 1];
  if (smallest == 0.0) return std::numeric_limits<double>::infinity();
  return s[0] / smallest;
}

}  // namespace

std::optional<Solver> ParseSolver(std::string_view name) {
  if (name == "svd") return Solver::kSvd;
  if (name == "qr") return Solver::kQr;
  if (name == "ldlt") return Solver::kLdlt;
  return std::nullopt;
}

const char* SolverName(Solver solver) {
  switch (solver) {
    case Solver::kSvd:
      return "svd";
    case Solver::kQr:
      return "qr";
    case Solver::kLdlt:
      return "ldlt";
  }
  return "?";
}

std::vector<std::string> SolverNames() { return {"svd", "qr", "ldlt"}; }

LeastSquaresSolution SolveLeastSquares(const Eigen::MatrixXd& A, const Eigen::VectorXd& b,
                                       Solver solver) {
  LeastSquaresSolution out;
  if (A.cols() == 0) {
    out.coef.resize(0);
    out.condition_number = 1.0;
    return out;
  }
  switch (solver) {
    case Solver::kSvd: {
      // A·P = Q·R, then R = U·Σ·Vᵀ (p × p): the least squares solution is P·V·Σ⁺·Uᵀ·(Qᵀb)[:p].
      // The same factorization JacobiSVD does with its QR preconditioner, without forming the
      // n × p matrix Q·U.
      const Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(A);
      const Eigen::MatrixXd r = qr.matrixR().topRows(A.cols()).triangularView<Eigen::Upper>();
      Eigen::JacobiSVD<Eigen::MatrixXd> svd(r, Eigen::ComputeFullU | Eigen::ComputeFullV);
      // gelsd's cut-off for rcond = −1: singular values below ε·σ_max count as zero.
      svd.setThreshold(kEps);
      Eigen::VectorXd qtb = b;
      qtb.applyOnTheLeft(qr.householderQ().adjoint());
      out.coef = qr.colsPermutation() * svd.solve(qtb.head(A.cols()));
      out.condition_number = ConditionFromSingularValues(svd.singularValues());
      break;
    }
    case Solver::kQr: {
      Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(A);
      out.coef = qr.solve(b);
      const Eigen::MatrixXd r = qr.matrixR().topRows(A.cols()).triangularView<Eigen::Upper>();
      out.condition_number =
          ConditionFromSingularValues(Eigen::JacobiSVD<Eigen::MatrixXd>(r).singularValues());
      break;
    }
    case Solver::kLdlt: {
      const Eigen::MatrixXd gram = A.transpose() * A;
      Eigen::LDLT<Eigen::MatrixXd> ldlt(gram);
      out.coef = ldlt.solve(A.transpose() * b);
      const double rcond = ldlt.rcond();
      out.condition_number =
          rcond > 0 ? std::sqrt(1.0 / rcond) : std::numeric_limits<double>::infinity();
      break;
    }
  }
  return out;
}

RankCheck CheckRank(const Eigen::MatrixXd& A) {
  RankCheck out;
  const Eigen::Index n = A.rows();
  const Eigen::Index p = A.cols();
  if (p == 0) return out;
  // Singular values and right singular vectors of A from those of R in A·P = Q·R: cheap for a
  // tall A, and exact in the same sense as an SVD of A itself (Q is orthogonal).
  const Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(A);
  const Eigen::MatrixXd r = qr.matrixR().topRows(std::min(n, p)).triangularView<Eigen::Upper>();
  const Eigen::JacobiSVD<Eigen::MatrixXd> svd(r, Eigen::ComputeFullV);
  out.singular_values = svd.singularValues();
  const double largest = out.singular_values.size() > 0 ? out.singular_values[0] : 0.0;
  out.threshold = static_cast<double>(std::max(n, p)) * kEps * largest;
  out.rank = 0;
  for (Eigen::Index k = 0; k < out.singular_values.size(); ++k) {
    if (out.singular_values[k] > out.threshold) ++out.rank;
  }
  // Columns rank..p−1 of V span the numerical null space (including the directions a matrix
  // with fewer rows than columns cannot have singular values for).
  const Eigen::MatrixXd v = qr.colsPermutation() * svd.matrixV();
  for (Eigen::Index j = 0; j < p; ++j) {
    for (Eigen::Index k = out.rank; k < p; ++k) {
      if (std::abs(v(j, k)) > kDependentWeight) {
        out.dependent_columns.push_back(j);
        break;
      }
    }
  }
  return out;
}

LinearFit FitLinearRegression(const Eigen::MatrixXd& X, const Eigen::VectorXd& y, Solver solver) {
  const double count = static_cast<double>(X.rows());
  Eigen::VectorXd x_offset = Eigen::VectorXd::Zero(X.cols());
  for (Eigen::Index i = 0; i < X.rows(); ++i) x_offset += X.row(i).transpose();
  x_offset /= count;
  const double y_offset = y.sum() / count;
  const Eigen::MatrixXd centered = X.rowwise() - x_offset.transpose();
  const Eigen::VectorXd y_centered = y.array() - y_offset;
  LeastSquaresSolution solution = SolveLeastSquares(centered, y_centered, solver);
  LinearFit fit;
  fit.coef = std::move(solution.coef);
  fit.intercept = y_offset - x_offset.dot(fit.coef);
  fit.condition_number = solution.condition_number;
  return fit;
}

}  // namespace qlab::reference
