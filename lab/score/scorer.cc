// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/score/scorer.h"

#include <filesystem>
#include <numeric>

#include "qlab/io/input_error.h"
#include "qlab/model/artifact.h"
#include "qlab/quant/artifact.h"

namespace qlab::score {

using io::InputError;

int64_t Clipping::values() const {
  return std::accumulate(per_feature.begin(), per_feature.end(), int64_t{0});
}

void Clipping::Add(const Clipping& other) {
  if (per_feature.size() < other.per_feature.size()) per_feature.resize(other.per_feature.size());
  for (size_t j = 0; j < other.per_feature.size(); ++j) per_feature[j] += other.per_feature[j];
  rows += other.rows;
}

Scorer::Scorer(const std::string& model_dir, const std::string& kernel,
               const std::string& data_dir) {
  if (quant::IsQuantizedModelDir(model_dir)) {
    quantized_ = quant::LoadQuantized(model_dir);
    model_ = quantized_->float_model;
  } else {
    model_ = model::LoadModel(model_dir);
  }
  // Where the recorded data is still at hand, the model must be the one trained on it (its
  // metrics again, to the bit) and a quantized artifact what quantizing it gives: score refuses
  // the re-signed edits predict refuses. Elsewhere only what the artifact itself shows is checked.
  if (const auto recorded = model::ReloadRecordedSplitIfPresent(model_, data_dir);
      recorded && quantized_) {
    quant::CheckQuantizedAgainstTraining(
        *quantized_, recorded->X_train,
        (std::filesystem::path(model_dir) / quant::kQuantizedFileName).string());
  }
  kernel_ = kernel.empty() ? (quantized_ ? quant::SchemeName(quantized_->scheme) : "ref") : kernel;
  if (const auto scheme = quant::ParseScheme(kernel_)) {
    if (!quantized_) {
      // As `qlab predict --kernel w8a8` on a float folder: quantized on the spot with the
      // scheme's defaults, calibrated on the training split.
      const data::SplitData split = model::ReloadSplit(model_, "", "", data_dir);
      quant::QuantizeOptions options;
      options.scheme = *scheme;
      options.calibration = quant::DefaultCalibration(*scheme);
      quantized_ = quant::Quantize(model_, split.X_train, options);
    } else if (quantized_->scheme != *scheme) {
      throw InputError(model_dir + "/" + quant::kQuantizedFileName,
                       "holds a " + quant::SchemeName(quantized_->scheme) + " model; --kernel " +
                           kernel_ + " needs a " + kernel_ + " model (or a float model folder)");
    }
  } else if (kernel_ != "ref" && kernel_ != "f32") {
    throw InputError("--kernel " + kernel_ + ": unknown (ref, f32, w8, w8a8 or seed)");
  } else {
    quantized_.reset();  // the float kernels run the float model a quantized folder embeds
  }
}

bool Scorer::counts_clipping() const {
  return quantized_ && quantized_->scheme == quant::Scheme::kW8A8;
}

Eigen::VectorXd Scorer::Predict(const Eigen::MatrixXd& X, Clipping& clipping) const {
  if (clipping.per_feature.size() < feature_names().size()) {
    clipping.per_feature.resize(feature_names().size());
  }
  if (X.rows() == 0) return Eigen::VectorXd();
  if (quantized_) {
    const quant::QuantizedRun run = quant::RunQuantized(*quantized_, X);
    for (size_t j = 0; j < run.clipped_per_feature.size(); ++j) {
      clipping.per_feature[j] += run.clipped_per_feature[j];
    }
    for (const bool clipped : run.clipped) clipping.rows += clipped ? 1 : 0;
    return run.y;
  }
  if (kernel_ == "f32") return model_.PredictF32(X);
  if (X.rows() == 1) {
    // Eigen evaluates a one-row matrix times a vector as a dot product, whose vectorized sum
    // runs in another order than its gemv (column by column, the order for every other row
    // count): the row is scored twice in a two-row matrix instead.
    Eigen::MatrixXd twice(2, X.cols());
    twice.row(0) = X.row(0);
    twice.row(1) = X.row(0);
    return model_.Predict(twice).head(1);
  }
  return model_.Predict(X);
}

}  // namespace qlab::score
