// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Splitting a data set into training and test rows exactly as scikit-learn does.
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <vector>

#include "qlab/data/dataset.h"

namespace qlab::data {

// The rows scikit-learn's train_test_split(X, y, test_size, random_state=seed) picks. InputError
// when test_size is outside (0, 1) or either side would get fewer than 2 rows.
struct SplitIndices {
  std::vector<int64_t> train;
  std::vector<int64_t> test;
};
SplitIndices TrainTestSplitIndices(int64_t n, double test_size, uint32_t seed);

// Rows of X (or y) in the order `rows` lists them.
Eigen::MatrixXd TakeRows(const Eigen::MatrixXd& X, const std::vector<int64_t>& rows);
Eigen::VectorXd TakeRows(const Eigen::VectorXd& y, const std::vector<int64_t>& rows);

// The data a model was trained on, split the same way.
struct SplitData {
  Dataset dataset;
  SplitIndices indices;
  Eigen::MatrixXd X_train, X_test;  // raw features
  Eigen::VectorXd y_train, y_test;
};
SplitData MakeSplit(Dataset dataset, double test_size, uint32_t seed);

}  // namespace qlab::data
