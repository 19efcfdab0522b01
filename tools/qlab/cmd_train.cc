// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
// `qlab train`: fit StandardScaler + least squares on a split identical to scikit-learn's and save
// the model (model.json, format qlab.linear_model version 3).
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <memory>

#include "command.h"
#include "qlab/data/dataset.h"
#include "qlab/io/input_error.h"
#include "qlab/reference/least_squares.h"
#include "steps.h"

namespace qlab::cli {

using data::LoadDataset;
using data::MakeSplit;
using io::InputError;
using model::kModelFileName;
using model::LinearModel;
using model::Train;

void AddTrainOptions(CLI::App& sub, TrainOptions& options) {
  sub.add_option("--dataset", options.dataset,
                 "\"california\" (DATA_DIR/cal_housing.data) or a CSV file with a header row")
      ->capture_default_str();
  sub.add_option("--target", options.target,
                 "Target column of a CSV data set (every other column is a feature)");
  sub.add_option("--test-size", options.test_size, "Fraction of rows held out, in (0, 1)")
      ->capture_default_str();
  sub.add_option("--seed", options.seed, "numpy RandomState seed of the split, in [0, 2^32)")
      ->capture_default_str();
  sub.add_option("--solver", options.solver,
                 "Least squares: svd (as scikit-learn), qr, or ldlt (normal equations)")
      ->check(CLI::IsMember(reference::SolverNames()))
      ->capture_default_str();
  AddDataDirOption(sub, options.data_dir);
}

TrainResult RunTrain(const TrainOptions& options, const std::string& out_dir,
                     const std::function<void(const TrainResult&)>& before_writing) {
  TrainResult result;
  result.dataset = options.dataset;
  // Checked before the data are read: a bad value is reported as itself, not as a data problem.
  if (!(options.test_size > 0.0 && options.test_size < 1.0)) {
    throw InputError(fmt::format("--test-size {}: must be in (0, 1)", options.test_size));
  }
  result.split =
      MakeSplit(LoadDataset(options.dataset, options.target, ResolveDataDir(options.data_dir)),
                options.test_size, options.seed);
  result.model = Train(result.split, options.solver);
  result.model.test_size = options.test_size;
  result.model.seed = options.seed;
  if (before_writing) before_writing(result);
  SaveModel(result.model, out_dir);
  result.model_file = (std::filesystem::path(out_dir) / kModelFileName).string();
  for (const std::string& name : result.model.constant_features) {
    std::cerr << "qlab: warning: feature " << name
              << " is constant on the training split; it is left out of the fit (coefficient 0, "
                 "scale 1)\n";
  }
  return result;
}

nlohmann::json TrainJson(const TrainResult& result) {
  const LinearModel& m = result.model;
  auto vec = [](const Eigen::VectorXd& v) {
    return std::vector<double>(v.data(), v.data() + v.size());
  };
  nlohmann::json j;
  j["dataset"] = result.dataset;
  j["data_path"] = m.data_path;
  j["data_sha256"] = m.data_sha256;
  j["target"] = m.target_name;
  j["test_size"] = m.test_size;
  j["seed"] = m.seed;
  j["n_train"] = m.n_train;
  j["n_test"] = m.n_test;
  j["feature_names"] = m.feature_names;
  j["constant_features"] = m.constant_features;
  j["coef"] = vec(m.coef);
  j["intercept"] = m.intercept;
  j["scaler_mean"] = vec(m.scaler_mean);
  j["scaler_scale"] = vec(m.scaler_scale);
  j["train_r2"] = m.train.r2;
  j["test_r2"] = m.test.r2;
  j["train_mse"] = m.train.mse;
  j["test_mse"] = m.test.mse;
  j["train_mae"] = m.train.mae;
  j["test_mae"] = m.test.mae;
  j["solver"] = m.solver;
  j["condition_number"] = m.condition_number;
  j["model"] = result.model_file;
  return j;
}

std::string TrainText(const TrainResult& result) {
  const LinearModel& m = result.model;
  std::string out;
  out += fmt::format("Trained on {} ({})\n", result.dataset, m.data_path);
  out += fmt::format("  split       {} train / {} test rows (test size {}, seed {})\n", m.n_train,
                     m.n_test, m.test_size, m.seed);
  out += fmt::format("  solver      {} (condition number of the scaled design {})\n", m.solver,
                     m.condition_number);
  out += fmt::format("  {:<12}{:<24}{:<24}{}\n", "feature", "coefficient", "scaler mean",
                     "scaler scale");
  for (size_t j = 0; j < m.feature_names.size(); ++j) {
    const auto k = static_cast<Eigen::Index>(j);
    out += fmt::format("  {:<12}{:<24}{:<24}{}\n", m.feature_names[j], m.coef[k], m.scaler_mean[k],
                       m.scaler_scale[k]);
  }
  out += fmt::format("  {:<12}{}\n", "intercept", m.intercept);
  out += fmt::format("  train       R² {}  MSE {}  MAE {}\n", m.train.r2, m.train.mse, m.train.mae);
  out += fmt::format("  test        R² {}  MSE {}  MAE {}\n", m.test.r2, m.test.mse, m.test.mae);
  out += fmt::format("Model saved to {}\n", result.model_file);
  return out;
}

namespace {

struct TrainCommand {
  TrainOptions options;
  std::string out = "models";
  bool json = false;
};

const Registrar kTrain(10, "train", "Fit the float linear model (scikit-learn-exact) and save it",
                       [](CLI::App& sub) -> Action {
                         auto cmd = std::make_shared<TrainCommand>();
                         AddTrainOptions(sub, cmd->options);
                         sub.add_option(
                                "--out", cmd->out,
                                "Folder for model.json (created; files replaced atomically)")
                             ->capture_default_str();
                         sub.add_flag("--json", cmd->json, "Print one JSON object");
                         return [cmd]() {
                           const TrainResult result = RunTrain(cmd->options, cmd->out);
                           Out() << (cmd->json ? TrainJson(result).dump() + "\n"
                                               : TrainText(result));
                           return kExitOk;
                         };
                       });

}  // namespace
}  // namespace qlab::cli
