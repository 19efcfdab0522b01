// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/data/split.h"

#include <fmt/format.h>

#include <utility>

#include "qlab/io/input_error.h"
#include "qlab/reference/random.h"

namespace qlab::data {

using io::InputError;

SplitIndices TrainTestSplitIndices(int64_t n, double test_size, uint32_t seed) {
  if (!(test_size > 0.0 && test_size < 1.0)) {
    throw InputError(fmt::format("--test-size {}: must be in (0, 1)", test_size));
  }
  const int64_t n_test = reference::TestCount(n, test_size);
  const int64_t n_train = n - n_test;
  // Two rows at least on each side: one training row makes every column constant, and R² on a
  // single test row is undefined.
  if (n_test < 2 || n_train < 2) {
    throw InputError(fmt::format(
        "too few rows for the split: {} rows with --test-size {} give {} training and {} test "
        "rows, need at least 2 of each",
        n, test_size, n_train, n_test));
  }
  reference::TrainTestIndices split = reference::TrainTestSplit(n, test_size, seed);
  return {std::move(split.train), std::move(split.test)};
}

Eigen::MatrixXd TakeRows(const Eigen::MatrixXd& X, const std::vector<int64_t>& rows) {
  const auto n = static_cast<Eigen::Index>(rows.size());
  Eigen::MatrixXd out(n, X.cols());
  // Column by column: X and out are column-major, so each pass writes one contiguous column.
  for (Eigen::Index j = 0; j < X.cols(); ++j) {
    const double* source = X.col(j).data();
    double* target = out.col(j).data();
    for (Eigen::Index i = 0; i < n; ++i) target[i] = source[rows[static_cast<size_t>(i)]];
  }
  return out;
}

Eigen::VectorXd TakeRows(const Eigen::VectorXd& y, const std::vector<int64_t>& rows) {
  Eigen::VectorXd out(static_cast<Eigen::Index>(rows.size()));
  for (size_t i = 0; i < rows.size(); ++i) {
    out[static_cast<Eigen::Index>(i)] = y[static_cast<Eigen::Index>(rows[i])];
  }
  return out;
}

SplitData MakeSplit(Dataset dataset, double test_size, uint32_t seed) {
  SplitData data;
  data.indices = TrainTestSplitIndices(dataset.X.rows(), test_size, seed);
  data.X_train = TakeRows(dataset.X, data.indices.train);
  data.X_test = TakeRows(dataset.X, data.indices.test);
  data.y_train = TakeRows(dataset.y, data.indices.train);
  data.y_test = TakeRows(dataset.y, data.indices.test);
  data.dataset = std::move(dataset);
  return data;
}

}  // namespace qlab::data
