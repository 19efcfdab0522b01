// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// `qlab train` end to end on an arbitrary CSV file with the California Housing columns (target
// MedHouseVal): LoadDataset, MakeSplit (test size 0.2, seed 42), Train with every solver,
// SaveModel, LoadModel, ReloadSplit and the test predictions, as `qlab train` then `qlab predict`
// run them. Bad input must be an InputError from loading, splitting or fitting. A model that fits
// must have finite coefficients, intercept, scaler and metrics, must load back from model.json bit
// for bit, must find its data again, and must predict its recorded test metrics bit for bit;
// anything else aborts.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>

#include "fuzz_input.h"
#include "qlab/data/dataset.h"
#include "qlab/data/split.h"
#include "qlab/model/artifact.h"
#include "qlab/model/linear_model.h"
#include "qlab/reference/least_squares.h"
#include "qlab/reference/metrics.h"

namespace {

using qlab::data::SplitData;
using qlab::model::LinearModel;
using qlab::model::Metrics;

constexpr const char* kTarget = "MedHouseVal";
constexpr double kTestSize = 0.2;
constexpr uint32_t kSeed = 42;

[[noreturn]] void Finding(const std::string& what) {
  std::fprintf(stderr, "fuzz: %s\n", what.c_str());
  std::abort();
}

bool SameBits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool SameBits(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  for (Eigen::Index i = 0; i < a.size(); ++i) {
    if (!SameBits(a.data()[i], b.data()[i])) return false;
  }
  return true;
}

bool SameBits(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  if (a.size() != b.size()) return false;
  for (Eigen::Index i = 0; i < a.size(); ++i) {
    if (!SameBits(a[i], b[i])) return false;
  }
  return true;
}

bool SameBits(const Metrics& a, const Metrics& b) {
  return SameBits(a.r2, b.r2) && SameBits(a.mse, b.mse) && SameBits(a.mae, b.mae);
}

bool Finite(const Metrics& m) {
  return std::isfinite(m.r2) && std::isfinite(m.mse) && std::isfinite(m.mae);
}

// What a fitted model must hold before anything is written. The condition number may be +inf (an
// exactly singular design, saved as null), never NaN.
void CheckFitted(const LinearModel& m) {
  const auto p = static_cast<Eigen::Index>(m.feature_names.size());
  if (p == 0 || m.coef.size() != p || m.scaler_mean.size() != p || m.scaler_scale.size() != p) {
    Finding("fitted model with inconsistent shapes");
  }
  if (!m.coef.allFinite() || !std::isfinite(m.intercept) || !m.scaler_mean.allFinite() ||
      !m.scaler_scale.allFinite() || !(m.scaler_scale.array() > 0).all() || !Finite(m.train) ||
      !Finite(m.test) || std::isnan(m.condition_number)) {
    Finding("fitted model with a figure that is not finite (or a scale that is not positive)");
  }
}

// Every field model.json stores, compared bit for bit.
void CheckSame(const LinearModel& a, const LinearModel& b) {
  if (a.data_kind != b.data_kind || a.data_path != b.data_path || a.data_sha256 != b.data_sha256 ||
      a.target_name != b.target_name || a.feature_names != b.feature_names ||
      !SameBits(a.test_size, b.test_size) || a.seed != b.seed || a.n_train != b.n_train ||
      a.n_test != b.n_test || !SameBits(a.scaler_mean, b.scaler_mean) ||
      !SameBits(a.scaler_scale, b.scaler_scale) || !SameBits(a.coef, b.coef) ||
      !SameBits(a.intercept, b.intercept) || a.constant_features != b.constant_features ||
      a.solver != b.solver || !SameBits(a.condition_number, b.condition_number) ||
      !SameBits(a.train, b.train) || !SameBits(a.test, b.test)) {
    Finding("model.json does not load back to the model saved, bit for bit");
  }
}

// After a successful fit: the artifact and the data must come back, and predict must reproduce
// train's test metrics. Any exception here is a finding, an InputError too.
void CheckRoundTrip(const LinearModel& fitted, const SplitData& split, const std::string& dir) {
  try {
    qlab::model::SaveModel(fitted, dir);
    const LinearModel loaded = qlab::model::LoadModel(dir);
    CheckSame(fitted, loaded);
    const SplitData again = qlab::model::ReloadSplit(loaded, "", "", "");
    if (again.indices.train != split.indices.train || again.indices.test != split.indices.test ||
        !SameBits(again.X_train, split.X_train) || !SameBits(again.X_test, split.X_test) ||
        !SameBits(again.y_train, split.y_train) || !SameBits(again.y_test, split.y_test)) {
      Finding("ReloadSplit gives another split than the one trained on");
    }
    const Eigen::VectorXd predictions = loaded.Predict(again.X_test);
    const Metrics test{qlab::reference::R2Score(again.y_test, predictions),
                       qlab::reference::MeanSquaredError(again.y_test, predictions),
                       qlab::reference::MeanAbsoluteError(again.y_test, predictions)};
    if (!predictions.allFinite() || !SameBits(test, loaded.test)) {
      Finding("the reloaded model's test predictions do not give its recorded test metrics");
    }
  } catch (const std::exception& e) {
    Finding(std::string("a model that trained does not save, load and predict: ") + e.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& scratch = qlab::fuzz::Scratch();
  const std::string path = scratch.Write("input.csv", data, size);
  const std::string dir = (scratch.path() / "model").string();
  std::optional<SplitData> split;
  qlab::fuzz::ExpectOnlyInputErrors([&] {
    split = qlab::data::MakeSplit(qlab::data::LoadDataset(path, kTarget, ""), kTestSize, kSeed);
  });
  if (!split) return 0;
  for (const std::string& solver : qlab::reference::SolverNames()) {
    std::optional<LinearModel> fitted;
    qlab::fuzz::ExpectOnlyInputErrors([&] { fitted = qlab::model::Train(*split, solver); });
    if (!fitted) continue;
    // As `qlab train` records them.
    fitted->test_size = kTestSize;
    fitted->seed = kSeed;
    CheckFitted(*fitted);
    CheckRoundTrip(*fitted, *split, dir);
  }
  return 0;
}
