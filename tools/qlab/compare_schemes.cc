// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Float, seed, w8 and w8a8 side by side, for `qlab run`.
#include <fmt/format.h>

#include <filesystem>

#include "compare_schemes.h"
#include "qlab/io/result_keys.h"
#include "qlab/quant/artifact.h"
#include "qlab/quant/harness.h"
#include "qlab/quant/quantize.h"
#include "qlab/reference/metrics.h"

namespace qlab::cli {

namespace keys = io::keys;

using data::SplitData;
using model::LinearModel;
using nlohmann::json;
using quant::DefaultCalibration;
using quant::EvaluateQuantized;
using quant::kSqnrCapDb;
using quant::QuantizedModel;
using quant::QuantizeOptions;
using quant::SaveQuantized;
using quant::Scheme;
using quant::SchemeName;

json CompareSchemes(const LinearModel& model, const std::string& float_model_dir,
                    const SplitData& split, const std::string& out_dir) {
  json rows = json::array();
  const Eigen::VectorXd y_float = model.Predict(split.X_test);
  const int64_t n = split.X_test.rows();
  const int64_t k = split.X_test.cols();
  const model::Metrics float_metrics =
      model::Evaluate(split.y_test, y_float, "test", split.dataset.source_path);
  rows.push_back({{keys::kScheme.name, "float"},
                  {keys::kBits.name, 64},
                  {keys::kCalibration.name, "none"},
                  {keys::kTestR2.name, float_metrics.r2},
                  {keys::kTestMse.name, float_metrics.mse},
                  {keys::kDeltaR2.name, 0.0},
                  {keys::kP99AbsDelta.name, 0.0},
                  {keys::kMaxAbsDelta.name, 0.0},
                  {keys::kSqnrDb.name, kSqnrCapDb},
                  {keys::kClippedRows.name, 0},
                  {keys::kWeightBytes.name, 8 * (k + 1)},
                  {keys::kFeatureBytes.name, 8 * n * k}});
  for (Scheme scheme : {Scheme::kSeed, Scheme::kW8, Scheme::kW8A8}) {
    QuantizeOptions options;
    options.scheme = scheme;
    options.calibration = DefaultCalibration(scheme);
    QuantizedModel q = Quantize(model, split.X_train, options);
    q.float_model_dir = float_model_dir;
    const std::string dir =
        (std::filesystem::path(out_dir) / "quantized" / SchemeName(scheme)).string();
    SaveQuantized(q, dir);
    json row = EvaluateQuantized(q, split, dir);
    row[keys::kOut.name] = dir;
    rows.push_back(row);
  }
  return {{"schemes", rows}};
}

std::string ComparisonText(const json& comparison) {
  std::string out = fmt::format("  {:<6}{:>5}  {:<17}{:>10}{:>11}{:>10}{:>10}{:>9}{:>9}{:>10}\n",
                                "scheme", "bits", "calibration", "test R²", "ΔR²", "p99 |Δ|",
                                "max |Δ|", "SQNR dB", "clipped", "bytes");
  for (const json& row : comparison.at("schemes")) {
    const int64_t bytes = row.at(keys::kWeightBytes.name).get<int64_t>() +
                          row.at(keys::kFeatureBytes.name).get<int64_t>();
    out += fmt::format(
        "  {:<6}{:>5}  {:<17}{:>10.6f}{:>+11.6f}{:>10.5f}{:>10.4f}{:>9.2f}{:>9}{:>10}\n",
        row.at(keys::kScheme.name).get<std::string>(), row.at(keys::kBits.name).get<int>(),
        row.at(keys::kCalibration.name).get<std::string>(),
        row.at(keys::kTestR2.name).get<double>(), row.at(keys::kDeltaR2.name).get<double>(),
        row.at(keys::kP99AbsDelta.name).get<double>(),
        row.at(keys::kMaxAbsDelta.name).get<double>(), row.at(keys::kSqnrDb.name).get<double>(),
        row.at(keys::kClippedRows.name).get<int64_t>(), bytes);
  }
  for (const json& row : comparison.at("schemes")) {
    if (row.at(keys::kScheme.name) == "seed") {
      out += fmt::format(
          "  seed (the original scheme): coef mean |err| {:.6f}, intercept |err| {:.6f} (zero "
          "range: {}), first five rows max |Δ| {:.4f}\n",
          row.at(keys::kCoefMeanAbsError.name).get<double>(),
          row.at(keys::kInterceptAbsError.name).get<double>(), row.at(keys::kZeroRange.name).dump(),
          row.at(keys::kHeadMaxAbsDelta.name).get<double>());
    }
  }
  out += "  bytes: weights + test features as each scheme runs them (float: f64)\n";
  return out;
}

}  // namespace qlab::cli
