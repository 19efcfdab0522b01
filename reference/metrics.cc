// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/reference/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace qlab::reference {

namespace {

// e such that the largest |value| of `a` (and `b`) lies in [2^(e−1), 2^e); 0 when every value
// is 0 or one is not finite (then nothing is scaled and the result is not finite either, as it
// should be).
int ScaleExponent(const Eigen::VectorXd& a, const Eigen::VectorXd* b = nullptr) {
  double largest = 0;
  for (const Eigen::VectorXd* v : {&a, b}) {
    if (v == nullptr) continue;
    for (Eigen::Index i = 0; i < v->size(); ++i) {
      const double x = std::abs((*v)[i]);
      if (!std::isfinite(x)) return 0;
      largest = std::max(largest, x);
    }
  }
  if (largest == 0) return 0;
  int e = 0;
  std::frexp(largest, &e);
  return e;
}

// v · 2^−e, each element exactly (a power of two) unless it falls below the normal range: only
// elements under 2^−1022 of the largest, which cannot change a sum of the others. Materialized, so
// the sums below reduce it in the same order, and with the same packets, as the unscaled vector.
Eigen::VectorXd Scaled(const Eigen::VectorXd& v, int e) {
  if (e == 0) return v;
  return v.unaryExpr([e](double x) { return std::ldexp(x, -e); });
}

// The residuals y_true − y_pred, as `r` · 2^`e` with max |r| in [1/2, 1): subtracted after scaling
// both sides (1e308 − (−1e308) does not overflow), then scaled again by their own largest value
// (a fit close to 1e-160 relative does not underflow in the squares).
struct ScaledResiduals {
  Eigen::VectorXd r;
  int e = 0;
};

ScaledResiduals Residuals(const Eigen::VectorXd& y_true, const Eigen::VectorXd& y_pred) {
  const int e1 = ScaleExponent(y_true, &y_pred);
  const Eigen::VectorXd d = Scaled(y_true, e1) - Scaled(y_pred, e1);
  const int e2 = ScaleExponent(d);
  return {Scaled(d, e2), e1 + e2};
}

}  // namespace

bool IsConstant(const Eigen::VectorXd& values) {
  for (Eigen::Index i = 1; i < values.size(); ++i) {
    if (!(values[i] == values[0])) return false;
  }
  return true;
}

double R2Score(const Eigen::VectorXd& y_true, const Eigen::VectorXd& y_pred) {
  if (IsConstant(y_true)) return std::numeric_limits<double>::quiet_NaN();  // SS_tot = 0: 0/0
  const ScaledResiduals res = Residuals(y_true, y_pred);
  const double ss_res = res.r.squaredNorm();  // SS_res · 2^(−2 e)
  const int et = ScaleExponent(y_true);
  const Eigen::VectorXd t = Scaled(y_true, et);
  const double ss_tot = (t.array() - t.mean()).matrix().squaredNorm();  // SS_tot · 2^(−2 et)
  return 1.0 - std::ldexp(ss_res / ss_tot, 2 * (res.e - et));
}

double MeanSquaredError(const Eigen::VectorXd& y_true, const Eigen::VectorXd& y_pred) {
  const ScaledResiduals res = Residuals(y_true, y_pred);
  return std::ldexp(res.r.squaredNorm() / static_cast<double>(y_true.size()), 2 * res.e);
}

double RootMeanSquaredError(const Eigen::VectorXd& y_true, const Eigen::VectorXd& y_pred) {
  const ScaledResiduals res = Residuals(y_true, y_pred);
  return std::ldexp(std::sqrt(res.r.squaredNorm() / static_cast<double>(y_true.size())), res.e);
}

double Log10MeanSquaredError(const Eigen::VectorXd& y_true, const Eigen::VectorXd& y_pred) {
  const ScaledResiduals res = Residuals(y_true, y_pred);
  return std::log10(res.r.squaredNorm() / static_cast<double>(y_true.size())) +
         2 * res.e * std::log10(2.0);
}

double MeanAbsoluteError(const Eigen::VectorXd& y_true, const Eigen::VectorXd& y_pred) {
  const int e = ScaleExponent(y_true, &y_pred);
  const Eigen::VectorXd d = Scaled(y_true, e) - Scaled(y_pred, e);
  return std::ldexp(d.cwiseAbs().sum() / static_cast<double>(y_true.size()), e);
}

double Mean(const Eigen::VectorXd& values) {
  const int e = ScaleExponent(values);
  return std::ldexp(Scaled(values, e).sum() / static_cast<double>(values.size()), e);
}

double PopulationStd(const Eigen::VectorXd& values) {
  const int e = ScaleExponent(values);
  const Eigen::VectorXd v = Scaled(values, e);
  const double mean = v.sum() / static_cast<double>(values.size());
  const Eigen::VectorXd d = (v.array() - mean).matrix();
  const int ed = ScaleExponent(d);
  const double ss = Scaled(d, ed).squaredNorm();
  return std::ldexp(std::sqrt(ss / static_cast<double>(values.size())), e + ed);
}

double Norm(const Eigen::VectorXd& values) {
  const int e = ScaleExponent(values);
  return std::ldexp(Scaled(values, e).norm(), e);
}

}  // namespace qlab::reference
