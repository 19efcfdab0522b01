// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
// `qlab run`: the main job. Trains and predicts into one report folder (by default
// ./reports/<UTC time>-<host>/) and prints what happened for a person to read.
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "command.h"
#include "compare_schemes.h"
#include "qlab/io/atomic_file.h"
#include "qlab/quant/artifact.h"
#include "qlab/quant/harness.h"
#include "qlab/quant/quantize.h"
#include "qlab/report/report.h"
#include "run_report.h"
#include "steps.h"

namespace qlab::cli {

using data::SplitData;
using io::WriteFileAtomically;
using model::LinearModel;
using quant::DefaultCalibration;
using quant::EvaluateQuantized;
using quant::Quantize;
using quant::QuantizeOptions;
using quant::Scheme;
namespace {

// e.g. 20261127T031500Z-builder: sorts by time, and runs on several machines do not collide.
std::string DefaultRunName() {
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') {
    std::snprintf(host, sizeof host, "localhost");
  }
  std::string safe_host;
  for (const char* c = host; *c != '\0'; ++c) {
    const bool plain = std::isalnum(static_cast<unsigned char>(*c)) || *c == '-' || *c == '.';
    safe_host.push_back(plain ? *c : '_');
  }
  return fmt::format("{:%Y%m%dT%H%M%SZ}-{}", now, safe_host);
}

struct RunCommand {
  TrainOptions train;
  PredictOptions predict;
  std::string out;
  bool json = false;
  bool bench = true;
};

// Accuracy against bits for the report's charts: w8 and w8a8 at 2..8 bits with their default
// calibrations, evaluated in memory (the 8-bit artifacts are the ones CompareSchemes saved).
std::vector<nlohmann::json> BitSweep(const LinearModel& model, const SplitData& split) {
  std::vector<nlohmann::json> rows;
  for (Scheme scheme : {Scheme::kW8, Scheme::kW8A8}) {
    for (int bits = 2; bits <= 8; ++bits) {
      QuantizeOptions options;
      options.scheme = scheme;
      options.bits = bits;
      options.calibration = DefaultCalibration(scheme);
      rows.push_back(EvaluateQuantized(Quantize(model, split.X_train, options), split, ""));
    }
  }
  return rows;
}

const Registrar kRun(
    1, "run", "The main job: train, predict and quantize into ./reports/<UTC time>-<host>/",
    [](CLI::App& sub) -> Action {
      auto cmd = std::make_shared<RunCommand>();
      AddTrainOptions(sub, cmd->train);
      AddPredictOptions(sub, cmd->predict, /*with_model=*/false);
      sub.add_option("--out", cmd->out,
                     "Report folder (default: reports/<UTC time>-<host>; created, files replaced "
                     "atomically)");
      sub.add_flag("--json", cmd->json, "Print one JSON object instead of the text summary");
      sub.add_flag("!--no-bench", cmd->bench,
                   "Leave the quick benchmark subset out of the report (accuracy only)");
      return [cmd]() {
        const std::string out = cmd->out.empty()
                                    ? (std::filesystem::path("reports") / DefaultRunName()).string()
                                    : cmd->out;

        // The report's folder first: a charts/ that is not qlab's is refused before training.
        report::CheckReportFolder(out);
        // Every scheme is quantized once in memory before the first file is written: what would
        // refuse the model later (w8's 64-feature limit, a model too large for f32 inference)
        // then fails the run before it leaves model.json, train.json and predict.json behind.
        const TrainResult trained = RunTrain(cmd->train, out, [](const TrainResult& t) {
          for (const Scheme scheme : {Scheme::kSeed, Scheme::kW8, Scheme::kW8A8}) {
            QuantizeOptions options;
            options.scheme = scheme;
            options.calibration = DefaultCalibration(scheme);
            Quantize(t.model, t.split.X_train, options);
          }
        });
        const nlohmann::json train_json = TrainJson(trained);
        WriteFileAtomically((std::filesystem::path(out) / "train.json").string(),
                            train_json.dump(2) + "\n");

        // Everything after training works from the model and the split in memory: the data file
        // is read and hashed once, and nothing written here is read back.
        PredictOptions predict = cmd->predict;
        predict.model_dir = out;
        const PredictResult predicted = RunPredict(predict, trained.model, trained.split);
        const nlohmann::json predict_json = PredictJson(predicted);
        WriteFileAtomically((std::filesystem::path(out) / "predict.json").string(),
                            predict_json.dump(2) + "\n");

        // Quantization: seed, w8 and w8a8 beside the float model (lab/QUANTIZATION.md).
        const SplitData& split = trained.split;
        std::error_code ec;
        const auto out_abs = std::filesystem::absolute(out, ec);
        const nlohmann::json quantize_json = CompareSchemes(
            trained.model, ec ? out : out_abs.lexically_normal().string(), split, out);
        WriteFileAtomically((std::filesystem::path(out) / "quantize.json").string(),
                            quantize_json.dump(2) + "\n");

        // The report: float, the three schemes at 8 bits, the bit sweep, the quick benchmarks.
        std::vector<nlohmann::json> accuracy{train_json};
        for (const nlohmann::json& row : quantize_json.at("schemes")) {
          if (row.at("scheme") != "float") accuracy.push_back(row);
        }
        for (nlohmann::json& row : BitSweep(trained.model, split)) accuracy.push_back(row);
        const report::ReportOutput report = WriteRunReport(accuracy, out, cmd->bench);

        if (cmd->json) {
          Out() << nlohmann::json{{"out", out},
                                  {"train", train_json},
                                  {"predict", predict_json},
                                  {"quantize", quantize_json},
                                  {"report",
                                   (std::filesystem::path(report.dir) / "report.md").string()}}
                       .dump()
                << "\n";
        } else {
          Out() << "== train\n"
                << TrainText(trained) << "\n== predict\n"
                << PredictText(predicted) << "\n== quantize\n"
                << ComparisonText(quantize_json)
                << "\nReport: " << (std::filesystem::path(report.dir) / "report.md").string()
                << "\nReport folder: " << out
                << " (model.json, train.json, predict.json, quantize.json, quantized/, "
                << (cmd->bench ? "bench.json, " : "")  // --no-bench writes none
                << "report.md, report.html, report.json, charts/)\n";
        }
        return kExitOk;
      };
    });

}  // namespace
}  // namespace qlab::cli
