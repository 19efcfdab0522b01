// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Data sets as the pipeline sees them, and their loaders. Loaders throw io::InputError with the
// file, line and column of the first bad field.
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <string>
#include <vector>

namespace qlab::data {

struct Dataset {
  std::string kind;         // "california" (the StatLib file) or "csv"
  std::string source_path;  // absolute path of the file read
  std::string sha256;       // of the file's bytes, lower-case hex
  std::vector<std::string> feature_names;
  std::string target_name;
  Eigen::MatrixXd X;  // rows × features, in feature_names order
  Eigen::VectorXd y;
};

// The StatLib cal_housing.data file, turned into scikit-learn's 8 features and target exactly as
// fetch_california_housing does (MedInc, HouseAge, AveRooms, AveBedrms, Population, AveOccup,
// Latitude, Longitude; MedHouseVal = medianHouseValue / 100000).
Dataset LoadCaliforniaHousing(const std::string& path);

// A CSV file with a header row of names and numeric columns; `target` names the target column
// wherever it stands, every other column is a feature.
Dataset LoadCsv(const std::string& path, const std::string& target);

// `dataset` is "california" (reads DATA_DIR/cal_housing.data) or a path to a .csv file.
// A missing file is one InputError naming the path tried and the command that fetches it.
Dataset LoadDataset(const std::string& dataset, const std::string& target,
                    const std::string& data_dir);

}  // namespace qlab::data
