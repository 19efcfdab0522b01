// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Float, seed, w8 and w8a8 side by side, for `qlab run`.
#include <fmt/format.h>

#include <filesystem>

#include "compare_schemes.h"
#include "qlab/quant/artifact.h"
#include "qlab/quant/harness.h"
#include "qlab/quant/quantize.h"
#include "qlab/reference/metrics.h"

namespace qlab::cli {

using quant::DefaultCalibration;
using quant::EvaluateQuantized;
using quant::QuantizeOptions;
using quant::QuantizedModel;
using quant::SaveQuantized;
using quant::Scheme;
using quant::SchemeName;
using quant::kSqnrCapDb;
using model::LinearModel;
using data::SplitData;
using nlohmann::json;

json CompareSchemes(const LinearModel& model, const std::string& float_model_dir,
                    const SplitData& split, const std::string& out_dir) {
  json rows = json::array();
  const Eigen::VectorXd y_float = model.Predict(split.X_test);
  const int64_t n = split.X_test.rows();
  const int64_t k = split.X_test.cols();
  rows.push_back({{"scheme", "float"},
                  {"bits", 64},
                  {"calibration", "none"},
                  {"test_r2", reference::R2Score(split.y_test, y_float)},
                  {"test_mse", reference::MeanSquaredError(split.y_test, y_float)},
                  {"delta_r2", 0.0},
                  {"p99_abs_delta", 0.0},
                  {"max_abs_delta", 0.0},
                  {"sqnr_db", kSqnrCapDb},
                  {"clipped_rows", 0},
                  {"weight_bytes", 8 * (k + 1)},
                  {"feature_bytes", 8 * n * k}});
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
    row["out"] = dir;
    rows.push_back(row);
  }
  return {{"schemes", rows}};
}

std::string ComparisonText(const json& comparison) {
  std::string out = fmt::format("  {:<6}{:>5}  {:<17}{:>10}{:>11}{:>10}{:>10}{:>9}{:>9}{:>10}\n",
                                "scheme", "bits", "calibration", "test R²", "ΔR²", "p99 |Δ|",
                                "max |Δ|", "SQNR dB", "clipped", "bytes");
  for (const json& row : comparison.at("schemes")) {
    const int64_t bytes =
        row.at("weight_bytes").get<int64_t>() + row.at("feature_bytes").get<int64_t>();
    out += fmt::format(
        "  {:<6}{:>5}  {:<17}{:>10.6f}{:>+11.6f}{:>10.5f}{:>10.4f}{:>9.2f}{:>9}{:>10}\n",
        row.at("scheme").get<std::string>(), row.at("bits").get<int>(),
        row.at("calibration").get<std::string>(), row.at("test_r2").get<double>(),
        row.at("delta_r2").get<double>(), row.at("p99_abs_delta").get<double>(),
        row.at("max_abs_delta").get<double>(), row.at("sqnr_db").get<double>(),
        row.at("clipped_rows").get<int64_t>(), bytes);
  }
  for (const json& row : comparison.at("schemes")) {
    if (row.at("scheme") == "seed") {
      out += fmt::format(
          "  seed (the original scheme): coef mean |err| {:.6f}, intercept |err| {:.6f} (zero "
          "range: {}), first five rows max |Δ| {:.4f}\n",
          row.at("coef_mean_abs_error").get<double>(), row.at("intercept_abs_error").get<double>(),
          row.at("zero_range").dump(), row.at("head_max_abs_delta").get<double>());
    }
  }
  out += "  bytes: weights + test features as each scheme runs them (float: f64)\n";
  return out;
}

}  // namespace qlab::cli
