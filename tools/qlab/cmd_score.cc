// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
// `qlab score`: a saved model scores a file or stream of new rows (CSV or .npy), in parallel
// chunks, written in input order (lab/score).
#include <unistd.h>

#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "qlab/io/stream.h"
#include "qlab/score/score.h"
#include "qlab/score/scorer.h"
#include "steps.h"

namespace qlab::cli {
namespace {

struct ScoreCommand {
  std::string model_dir = "models";
  std::string kernel;
  std::string isa;
  std::string data_dir;
  bool json = false;
  score::ScoreOptions options;
};

int RunScore(const ScoreCommand& cmd) {
  ApplyIsa(cmd.isa);
  const score::Scorer scorer(cmd.model_dir, cmd.kernel, ResolveDataDir(cmd.data_dir));
  score::ScoreOptions options = cmd.options;
  options.progress = ::isatty(STDERR_FILENO) == 1;
  // A closed stdout is EPIPE from write(2), ended quietly, rather than death by SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  score::ScoreSummary summary;
  try {
    summary = score::Score(scorer, options);
  } catch (const io::ClosedPipe&) {
    return kExitOk;  // `qlab score ... | head`: the reader has what it wanted
  }
  if (cmd.json) {
    // The summary object is score's documented result on stderr: losing it is exit 4.
    io::WriteResultToStderr(score::SummaryJson(summary).dump() + "\n");
  } else if (summary.counts_clipping || options.parse_only) {
    std::cerr << score::SummaryText(summary) << "\n";
  }
  return kExitOk;
}

const Registrar kScore(
    25, "score", "Score new rows (CSV or .npy, a file or stdin) with a saved model, streaming",
    [](CLI::App& sub) -> Action {
      auto cmd = std::make_shared<ScoreCommand>();
      cmd->options.threads = score::DefaultThreads();
      sub.add_option("--model", cmd->model_dir,
                     "Folder holding model.json (qlab train) or quantized_model.json (qlab "
                     "quantize)")
          ->capture_default_str();
      sub.add_option("--input", cmd->options.input,
                     "CSV with a header naming the model's features (any order, other columns "
                     "ignored), or a .npy array (float32/float64, 2-D, C order, the model's "
                     "feature order); - for stdin")
          ->required();
      sub.add_option("--output", cmd->options.output,
                     "CSV of the --keep columns and `prediction`, one row per input row; - for "
                     "stdout (default). A file appears only when complete.")
          ->capture_default_str();
      sub.add_option("--kernel", cmd->kernel,
                     "Prediction kernel, as qlab predict's (default: ref, or the scheme of a "
                     "quantized model folder)")
          ->check(CLI::IsMember(PredictKernelNames()));
      AddIsaOption(sub, cmd->isa);
      sub.add_option("--threads", cmd->options.threads,
                     "Chunks parsed and scored at once (default: the CPUs this process may use)")
          ->check(CLI::Range(1, 1024))
          ->capture_default_str();
      sub.add_option("--keep", cmd->options.keep,
                     "Input columns copied to the output before the prediction (CSV only)");
      sub.add_option("--chunk-bytes", cmd->options.chunk_bytes,
                     "Bytes of input per chunk (default 4 MiB); the output does not depend on it")
          ->check(CLI::Range(size_t{1}, size_t{1} << 30));
      sub.add_flag("--parse-only", cmd->options.parse_only,
                   "Parse every chunk into its feature matrix, then drop it: no prediction, no "
                   "output (measures parsing alone)");
      sub.add_flag("--json", cmd->json,
                   "Print the end summary (rows, bytes, seconds, clipped values) as one JSON "
                   "object on stderr");
      AddDataDirOption(sub, cmd->data_dir);
      return [cmd]() { return RunScore(*cmd); };
    });

}  // namespace
}  // namespace qlab::cli
