// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The pipeline steps behind `qlab train`, `qlab predict` and `qlab run`, so that `run` chains the
// same code the single commands execute. Each step returns its result; the *Json and *Text
// functions render it (every double printed shortest-round-trip).
#pragma once

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "qlab/data/split.h"
#include "qlab/model/artifact.h"
#include "qlab/model/linear_model.h"

namespace qlab::cli {

// ---- train --------------------------------------------------------------------------------------
struct TrainOptions {
  std::string dataset = "california";
  std::string target;
  double test_size = 0.2;
  uint32_t seed = 42;
  std::string solver = "svd";
  std::string data_dir;
};
// --dataset, --target, --test-size, --seed, --solver, --data-dir.
void AddTrainOptions(CLI::App& sub, TrainOptions& options);

struct TrainResult {
  model::LinearModel model;
  data::SplitData split;   // the data read (and hashed) once, split as the model records
  std::string dataset;     // as named on the command line
  std::string model_file;  // where model.json was written
};
// Loads, splits, fits and saves the model into `out_dir`; warns about constant features on stderr.
// The split stays in the result, so the steps after it work from memory. `before_writing`, when
// given, runs on the fitted model before anything is written: a command that does more with the
// model (run) refuses there what would fail later, so a failure leaves no half-made output.
TrainResult RunTrain(const TrainOptions& options, const std::string& out_dir,
                     const std::function<void(const TrainResult&)>& before_writing = {});
nlohmann::json TrainJson(const TrainResult& result);
std::string TrainText(const TrainResult& result);

// ---- predict ------------------------------------------------------------------------------------
struct PredictOptions {
  std::string model_dir = "models";
  std::string dataset;  // empty: the data set the model records (sha256-verified)
  std::string target;
  std::string data_dir;
  std::string kernel;  // empty: ref for a float model, the scheme's own for a quantized one
  std::string isa;
};
// --model, --dataset, --target, --data-dir, --kernel, --isa. `with_model` is false for `run`,
// which predicts with the model it has just trained.
void AddPredictOptions(CLI::App& sub, PredictOptions& options, bool with_model);
std::vector<std::string> PredictKernelNames();

struct PredictResult {
  std::string model_dir;
  std::string kernel;
  Eigen::VectorXd predictions;  // every test row
  Eigen::VectorXd actual;
  model::Metrics test;
  std::vector<int64_t> test_rows;  // each prediction's row in the data file (0-based)
};
// `qlab predict`: loads the model folder options.model_dir and re-reads (and verifies) its data.
PredictResult RunPredict(const PredictOptions& options);
// `qlab run`: predicts with the model and the split just trained, read from nowhere;
// options.model_dir only names the folder in the result.
PredictResult RunPredict(const PredictOptions& options, const model::LinearModel& model,
                         const data::SplitData& split);
// Predictions statistics as numpy computes them (std is the population std, ddof = 0).
nlohmann::json PredictJson(const PredictResult& result);
std::string PredictText(const PredictResult& result);

}  // namespace qlab::cli
