// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
// `qlab quantize`: quantize a trained model (seed, w8, w8a8), save it, and measure what it costs.
#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "command.h"
#include "qlab/io/input_error.h"
#include "qlab/io/result_keys.h"
#include "qlab/model/artifact.h"
#include "qlab/model/linear_model.h"
#include "qlab/quant/artifact.h"
#include "qlab/quant/harness.h"
#include "qlab/quant/quantize.h"

namespace qlab::cli {

namespace keys = io::keys;

using data::SplitData;
using io::InputError;
using model::LinearModel;
using model::LoadModel;
using quant::DefaultCalibration;
using quant::EvaluateQuantized;
using quant::ParseCalibration;
using quant::ParseFold;
using quant::ParseScheme;
using quant::QuantizedModel;
using quant::QuantizeOptions;
using quant::SaveQuantized;
using quant::Scheme;
using quant::SchemeName;
namespace {

struct QuantizeCliOptions {
  std::string model_dir = "models";
  std::string scheme = "w8a8";
  int bits = 8;
  std::string calibration;  // empty: the scheme's default
  std::string fold = "grid";
  std::string outliers = quant::OutliersName(quant::kDefaultOutliers);
  std::string out;  // empty: MODEL_DIR/<scheme>
  std::string dataset;
  std::string target;
  std::string data_dir;
  std::string isa;
  bool json = false;
  bool bias_correction = false;
};

std::string Fixed(const nlohmann::json& v, int digits) {
  if (v.is_null()) return "-";
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  return fmt::format("{:.{}f}", v.get<double>(), digits);
}

int RunQuantize(const QuantizeCliOptions& opt) {
  ApplyIsa(opt.isa);
  QuantizeOptions options;
  const auto scheme = ParseScheme(opt.scheme);
  if (!scheme) throw InputError("--scheme " + opt.scheme + ": expected seed, w8 or w8a8");
  options.scheme = *scheme;
  options.bits = opt.bits;
  if (opt.calibration.empty()) {
    options.calibration = DefaultCalibration(options.scheme);
  } else {
    const auto calibration = ParseCalibration(opt.calibration);
    if (!calibration) {
      throw InputError("--calibration " + opt.calibration +
                       ": expected minmax, percentile:P (50 < P <= 100) or mse");
    }
    options.calibration = *calibration;
  }
  const auto fold = ParseFold(opt.fold);
  if (!fold) throw InputError("--fold " + opt.fold + ": expected grid, zero-point, offsets or raw");
  options.fold = *fold;
  const auto outliers = quant::ParseOutliers(opt.outliers);
  if (!outliers) throw InputError("--outliers " + opt.outliers + ": expected float or clip");
  options.outliers = *outliers;
  options.bias_correction = opt.bias_correction;

  const LinearModel model = LoadModel(opt.model_dir);
  const SplitData split = ReloadSplit(model, opt.dataset, opt.target, ResolveDataDir(opt.data_dir));
  QuantizedModel q = [&] {
    try {
      return Quantize(model, split.X_train, options);
    } catch (const InputError& e) {
      // What cannot be quantized (overflow, no consistent grid) is the model's doing: named so.
      // An option out of range (`--bits 9`) stays a command-line error, "qlab: --bits ...".
      if (!e.file().empty() || std::string_view(e.what()).starts_with("--")) throw;
      throw InputError((std::filesystem::path(opt.model_dir) / model::kModelFileName).string(),
                       e.what());
    }
  }();
  std::error_code ec;
  const auto absolute = std::filesystem::absolute(opt.model_dir, ec);
  q.float_model_dir = ec ? opt.model_dir : absolute.lexically_normal().string();
  const std::string out =
      opt.out.empty() ? (std::filesystem::path(opt.model_dir) / SchemeName(options.scheme)).string()
                      : opt.out;
  SaveQuantized(q, out);
  nlohmann::json result = EvaluateQuantized(q, split, out);
  result[keys::kOut.name] = out;
  if (opt.json) {
    Out() << result.dump() << "\n";
    return kExitOk;
  }
  Out() << fmt::format(
      "scheme {} ({} bits, calibration {}{}) saved to {}\n", opt.scheme, options.bits,
      options.calibration.Name(),
      options.scheme == Scheme::kW8A8 ? ", fold " + opt.fold + ", outliers " + opt.outliers : "",
      out);
  Out() << fmt::format("  test R²      {} (float {}, Δ {})\n", Fixed(result[keys::kTestR2.name], 6),
                       Fixed(result[keys::kFloatTestR2.name], 6),
                       Fixed(result[keys::kDeltaR2.name], 6));
  Out() << fmt::format("  test MSE     {} (Δ {})\n", Fixed(result[keys::kTestMse.name], 6),
                       Fixed(result[keys::kDeltaMse.name], 6));
  Out() << fmt::format(
      "  |Δ pred|     mean {}  rms {}  p99 {}  max {}\n",
      Fixed(result[keys::kMeanAbsDelta.name], 5), Fixed(result[keys::kRmsDelta.name], 5),
      Fixed(result[keys::kP99AbsDelta.name], 5), Fixed(result[keys::kMaxAbsDelta.name], 5));
  Out() << fmt::format("  SQNR         {} dB; clipped rows {}\n",
                       Fixed(result[keys::kSqnrDb.name], 2),
                       Fixed(result[keys::kClippedRows.name], 0));
  if (options.scheme == Scheme::kW8A8) {
    Out() << fmt::format(
        "  fallback     {} rows scored in f64; integer path alone: p99 {}  max {}\n",
        Fixed(result[keys::kFallbackRows.name], 0),
        Fixed(result[keys::kIntegerP99AbsDelta.name], 5),
        Fixed(result[keys::kIntegerMaxAbsDelta.name], 5));
  }
  if (options.scheme == Scheme::kSeed) {
    Out() << fmt::format("  coef mean |err| {}  intercept |err| {}  head max |Δ| {}\n",
                         Fixed(result[keys::kCoefMeanAbsError.name], 6),
                         Fixed(result[keys::kInterceptAbsError.name], 6),
                         Fixed(result[keys::kHeadMaxAbsDelta.name], 4));
  }
  if (!result[keys::kZeroRange.name].empty()) {
    Out() << "  zero range (scale kept finite, no division): "
          << result[keys::kZeroRange.name].dump() << "\n";
  }
  Out() << fmt::format(
      "  memory       weights {} B (f32 {}), test features {} B (f32 {}), ratio {}×\n",
      Fixed(result[keys::kWeightBytes.name], 0), Fixed(result[keys::kWeightBytesF32.name], 0),
      Fixed(result[keys::kFeatureBytes.name], 0), Fixed(result[keys::kFeatureBytesF32.name], 0),
      Fixed(result[keys::kMemoryRatio.name], 2));
  return kExitOk;
}

const Registrar kQuantize(
    40, "quantize", "Quantize a trained model (seed, w8, w8a8) and measure the accuracy loss",
    [](CLI::App& sub) -> Action {
      auto opt = std::make_shared<QuantizeCliOptions>();
      sub.add_option("--model", opt->model_dir, "Folder of the float model (qlab train --out)")
          ->capture_default_str();
      sub.add_option("--scheme", opt->scheme, "seed | w8 | w8a8")->capture_default_str();
      sub.add_option("--bits", opt->bits, "Bits of the codes, 2..8")->capture_default_str();
      sub.add_option("--calibration", opt->calibration,
                     "minmax | percentile:P (50 < P <= 100) | mse (default: w8a8 percentile:99.99, "
                     "w8 mse, seed minmax)");
      sub.add_option("--fold", opt->fold, "w8a8 folding: grid | zero-point | offsets | raw")
          ->capture_default_str();
      sub.add_option("--outliers", opt->outliers,
                     "w8a8: rows with a feature beyond its codes: float (scored again in f64 "
                     "with the float model) | clip (saturated codes)")
          ->capture_default_str();
      sub.add_option("--out", opt->out, "Folder for quantized_model.json (default MODEL/<scheme>)");
      sub.add_option("--dataset", opt->dataset,
                     "Name the data anew (california or FILE.csv) instead of the model's");
      sub.add_option("--target", opt->target, "Target column of --dataset FILE.csv");
      AddDataDirOption(sub, opt->data_dir);
      AddIsaOption(sub, opt->isa);
      sub.add_flag("--bias-correction", opt->bias_correction,
                   "w8a8: remove the mean prediction offset measured on the training split");
      sub.add_flag("--json", opt->json, "Print one flat JSON object");
      return [opt]() { return RunQuantize(*opt); };
    });

}  // namespace
}  // namespace qlab::cli
