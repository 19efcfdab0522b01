// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// A saved model and one of its kernels, ready to score raw feature rows exactly as `qlab predict`
// scores its test split: the same functions on the same values, so every kernel's predictions
// equal predict's bit for bit, whatever the number of rows scored at once.
#pragma once

#include <Eigen/Core>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "qlab/model/linear_model.h"
#include "qlab/quant/quantize.h"

namespace qlab::score {

// Feature values outside a w8a8 model's calibrated range, saturated to the end codes.
struct Clipping {
  std::vector<int64_t> per_feature;  // in the model's feature order
  int64_t rows = 0;                  // rows with at least one clipped value
  int64_t values() const;
  void Add(const Clipping& other);
};

class Scorer {
 public:
  // The model in `model_dir` (model.json, or quantized_model.json from qlab quantize) with the
  // kernel named as `qlab predict --kernel` names it: ref, f32, w8, w8a8 or seed; empty picks as
  // predict does (ref for a float model, the scheme of a quantized one). A quantized kernel on a
  // float model quantizes it as predict does, from its training split (re-read from `data_dir`
  // and sha256-verified). InputError for a kernel the folder's model cannot run.
  Scorer(const std::string& model_dir, const std::string& kernel, const std::string& data_dir);

  const std::vector<std::string>& feature_names() const { return model_.feature_names; }
  const std::string& kernel() const { return kernel_; }
  // Whether the kernel quantizes the features (w8a8), so clipping is counted.
  bool counts_clipping() const;

  // One prediction per row of `X` (raw features, the model's feature order); adds to `clipping`.
  // Thread-safe: const and without shared state.
  Eigen::VectorXd Predict(const Eigen::MatrixXd& X, Clipping& clipping) const;

 private:
  model::LinearModel model_;
  std::optional<quant::QuantizedModel> quantized_;
  std::string kernel_;
};

}  // namespace qlab::score
