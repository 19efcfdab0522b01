// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
// `qlab predict`: load a saved model, re-read (and verify) its data, predict the test split and
// print what the original project's predict.py printed.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <optional>
#include <utility>

#include "command.h"
#include "qlab/io/atomic_file.h"
#include "qlab/io/input_error.h"
#include "qlab/io/shortest.h"
#include "qlab/quant/artifact.h"
#include "qlab/quant/harness.h"
#include "qlab/quant/quantize.h"
#include "qlab/reference/metrics.h"
#include "steps.h"

namespace qlab::cli {

using data::SplitData;
using io::InputError;
using model::LinearModel;
using model::LoadModel;
using quant::DefaultCalibration;
using quant::IsQuantizedModelDir;
using quant::kQuantizedFileName;
using quant::LoadQuantized;
using quant::Quantize;
using quant::QuantizedModel;
using quant::QuantizeOptions;
using quant::RunQuantized;
using quant::Scheme;
using quant::SchemeName;
namespace {

// One way of computing the test predictions. Adding a kernel is one function and one row in
// kPredictKernels. A float kernel gets the float model and the raw test features; a quantized
// kernel (its row names a scheme, lab/QUANTIZATION.md) gets the quantized model as well: the one a
// quantized folder holds, or, for a float model, the float model quantized on the spot with the
// scheme's defaults.
struct PredictKernel {
  const char* name;
  const char* description;
  std::optional<Scheme> scheme;  // quantized kernels only
  Eigen::VectorXd (*predict)(const LinearModel& model, const QuantizedModel* quantized,
                             const Eigen::MatrixXd& X_raw);
};

Eigen::VectorXd PredictReference(const LinearModel& model, const QuantizedModel* /*quantized*/,
                                 const Eigen::MatrixXd& X_raw) {
  return model.Predict(X_raw);
}

Eigen::VectorXd PredictF32(const LinearModel& model, const QuantizedModel* /*quantized*/,
                           const Eigen::MatrixXd& X_raw) {
  return model.PredictF32(X_raw);
}

Eigen::VectorXd PredictQuantized(const LinearModel& /*model*/, const QuantizedModel* quantized,
                                 const Eigen::MatrixXd& X_raw) {
  return RunQuantized(*quantized, X_raw).y;
}

constexpr PredictKernel kPredictKernels[] = {
    {"ref", "double precision, Eigen (the scikit-learn-exact path)", std::nullopt,
     PredictReference},
    {"f32", "f32 gemv SIMD kernel on standardized f32 features", std::nullopt, PredictF32},
    {"w8", "int8 weights, f32 gemv SIMD kernel on standardized f32 features", Scheme::kW8,
     PredictQuantized},
    {"w8a8", "uint8 features, int8 weights, exact integer gemv SIMD kernel", Scheme::kW8A8,
     PredictQuantized},
    {"seed", "the original project's uint8 scheme, dequantized, in double", Scheme::kSeed,
     PredictQuantized},
};

const PredictKernel& FindKernel(const std::string& name) {
  for (const PredictKernel& kernel : kPredictKernels) {
    if (name == kernel.name) return kernel;
  }
  throw InputError("--kernel " + name + ": unknown");  // CLI11's IsMember has checked it already
}

// The predictions of options.kernel (default: ref, or the scheme of `quantized`) on the test rows
// of `split`, with `quantized` when the model folder held one.
PredictResult Predict(const PredictOptions& options, const LinearModel& model,
                      std::optional<QuantizedModel> quantized, const SplitData& split) {
  PredictResult result;
  result.model_dir = options.model_dir;
  result.kernel = options.kernel;
  if (result.kernel.empty()) result.kernel = quantized ? SchemeName(quantized->scheme) : "ref";
  const PredictKernel& kernel = FindKernel(result.kernel);
  if (kernel.scheme) {
    if (!quantized) {
      QuantizeOptions quantize;
      quantize.scheme = *kernel.scheme;
      quantize.calibration = DefaultCalibration(*kernel.scheme);
      quantized = Quantize(model, split.X_train, quantize);
    } else if (quantized->scheme != *kernel.scheme) {
      throw InputError(options.model_dir + "/" + kQuantizedFileName,
                       "holds a " + SchemeName(quantized->scheme) + " model; --kernel " +
                           result.kernel + " needs a " + result.kernel +
                           " model (or a float model folder)");
    }
  }
  result.predictions = kernel.predict(model, kernel.scheme ? &*quantized : nullptr, split.X_test);
  result.actual = split.y_test;
  result.test_rows = split.indices.test;
  result.test =
      model::Evaluate(result.actual, result.predictions, "test", split.dataset.source_path);
  // Finite parameters can still overflow here (an edited, re-signed intercept of 1e308): bad
  // input before anything is printed or written.
  model::RequireFinitePredictions(
      result.predictions, result.test,
      (std::filesystem::path(options.model_dir) /
       (IsQuantizedModelDir(options.model_dir) ? quant::kQuantizedFileName : model::kModelFileName))
          .string());
  return result;
}

}  // namespace

std::vector<std::string> PredictKernelNames() {
  std::vector<std::string> names;
  for (const PredictKernel& kernel : kPredictKernels) names.emplace_back(kernel.name);
  return names;
}

void AddPredictOptions(CLI::App& sub, PredictOptions& options, bool with_model) {
  if (with_model) {
    sub.add_option("--model", options.model_dir, "Folder holding model.json (from qlab train)")
        ->capture_default_str();
    sub.add_option("--dataset", options.dataset,
                   "Predict on this data set instead of the one the model records (skips the "
                   "sha256 check): \"california\" or a CSV file");
    sub.add_option("--target", options.target, "Target column of a CSV given with --dataset");
    AddDataDirOption(sub, options.data_dir);
  }
  std::string kernels;
  for (const PredictKernel& kernel : kPredictKernels) {
    kernels +=
        fmt::format("{}{} = {}", kernels.empty() ? "" : "; ", kernel.name, kernel.description);
  }
  kernels += " (default: ref, or the scheme of a quantized model folder)";
  sub.add_option("--kernel", options.kernel, "Prediction kernel: " + kernels)
      ->check(CLI::IsMember(PredictKernelNames()));
  AddIsaOption(sub, options.isa);
}

PredictResult RunPredict(const PredictOptions& options) {
  ApplyIsa(options.isa);
  std::optional<QuantizedModel> quantized;
  LinearModel model;
  if (IsQuantizedModelDir(options.model_dir)) {
    quantized = LoadQuantized(options.model_dir);
    model = quantized->float_model;
  } else {
    model = LoadModel(options.model_dir);
  }
  const SplitData split =
      ReloadSplit(model, options.dataset, options.target, ResolveDataDir(options.data_dir));
  if (quantized && options.dataset.empty()) {
    quant::CheckQuantizedAgainstTraining(
        *quantized, split.X_train,
        (std::filesystem::path(options.model_dir) / kQuantizedFileName).string());
  }
  return Predict(options, model, std::move(quantized), split);
}

PredictResult RunPredict(const PredictOptions& options, const LinearModel& model,
                         const SplitData& split) {
  ApplyIsa(options.isa);
  return Predict(options, model, std::nullopt, split);
}

namespace {

struct Summary {
  std::vector<double> head, actual_head;
  double mean, std, min, max;
};

Summary Summarize(const PredictResult& r) {
  Summary s;
  const Eigen::Index shown = std::min<Eigen::Index>(5, r.predictions.size());
  for (Eigen::Index i = 0; i < shown; ++i) {
    s.head.push_back(r.predictions[i]);
    s.actual_head.push_back(r.actual[i]);
  }
  // Scaled (reference::Mean, PopulationStd): predictions near 1e-300 have a std, not 0.
  s.mean = reference::Mean(r.predictions);
  s.std = reference::PopulationStd(r.predictions);
  s.min = r.predictions.minCoeff();
  s.max = r.predictions.maxCoeff();
  return s;
}

}  // namespace

nlohmann::json PredictJson(const PredictResult& result) {
  const Summary s = Summarize(result);
  nlohmann::json j;
  j["head"] = s.head;
  j["actual_head"] = s.actual_head;
  j["mean"] = s.mean;
  j["std"] = s.std;
  j["min"] = s.min;
  j["max"] = s.max;
  j["test_r2"] = result.test.r2;
  j["test_mse"] = result.test.mse;
  j["test_mae"] = result.test.mae;
  j["n_test"] = result.predictions.size();
  j["kernel"] = result.kernel;
  j["model"] = result.model_dir;
  return j;
}

std::string PredictText(const PredictResult& result) {
  const Summary s = Summarize(result);
  std::string out = fmt::format("Sample predictions (first {} test rows, kernel {}):\n",
                                s.head.size(), result.kernel);
  out += fmt::format("  {:<24}{}\n", "predicted", "actual");
  for (size_t i = 0; i < s.head.size(); ++i) {
    out += fmt::format("  {:<24}{}\n", s.head[i], s.actual_head[i]);
  }
  out += fmt::format("Prediction statistics over {} test rows:\n", result.predictions.size());
  out += fmt::format("  mean {}\n  std  {}\n  min  {}\n  max  {}\n", s.mean, s.std, s.min, s.max);
  out +=
      fmt::format("Test R² {}  MSE {}  MAE {}\n", result.test.r2, result.test.mse, result.test.mae);
  return out;
}

namespace {

struct PredictCommand {
  PredictOptions options;
  bool json = false;
  std::string predictions_file;
};

// --predictions FILE: every test row's prediction, CSV `row,prediction` (row: its 0-based index
// in the data file), numbers shortest round-trip as `qlab score` writes them, so the two compare
// byte for byte on the same rows.
void WritePredictions(const PredictResult& result, const std::string& path) {
  std::string csv = "row,prediction\n";
  for (Eigen::Index i = 0; i < result.predictions.size(); ++i) {
    csv += std::to_string(result.test_rows[static_cast<size_t>(i)]);
    csv.push_back(',');
    io::AppendShortest(csv, result.predictions[i]);
    csv.push_back('\n');
  }
  io::WriteFileAtomically(path, csv);
}

const Registrar kPredict(20, "predict", "Predict the test split with a saved model",
                         [](CLI::App& sub) -> Action {
                           auto cmd = std::make_shared<PredictCommand>();
                           AddPredictOptions(sub, cmd->options, /*with_model=*/true);
                           sub.add_flag("--json", cmd->json, "Print one JSON object");
                           sub.add_option("--predictions", cmd->predictions_file,
                                          "Also write every test-split prediction to this CSV "
                                          "file (columns row, prediction)");
                           return [cmd]() {
                             const PredictResult result = RunPredict(cmd->options);
                             if (!cmd->predictions_file.empty()) {
                               WritePredictions(result, cmd->predictions_file);
                             }
                             Out() << (cmd->json ? PredictJson(result).dump() + "\n"
                                                 : PredictText(result));
                             return kExitOk;
                           };
                         });

}  // namespace
}  // namespace qlab::cli
