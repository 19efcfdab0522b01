// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
// `qlab check`: the regression gate. Compares a report.json with the committed baseline; exit 1 on
// any regression. `--confirm` names a second run in which a speed regression must reproduce.
// `--update` rewrites the baseline on purpose and says what changed.
#include <filesystem>
#include <memory>

#include "command.h"
#include "qlab/io/atomic_file.h"
#include "qlab/io/input_error.h"
#include "qlab/io/output_transaction.h"
#include "qlab/io/stream.h"
#include "qlab/report/gate.h"

namespace qlab::cli {
namespace {

struct CheckOptions {
  std::string baseline = "reports/baseline.json";
  std::string current;
  std::string confirm;
  bool update = false;
  bool drop_unmeasured = false;
};

const Registrar kCheck(
    75, "check", "Compare a report.json with the baseline (exit 1 on a regression)",
    [](CLI::App& sub) -> Action {
      auto opt = std::make_shared<CheckOptions>();
      sub.add_option("--baseline", opt->baseline,
                     "Baseline with per-metric tolerances (default: reports/baseline.json)");
      sub.add_option("--current", opt->current,
                     "report.json written by `qlab report` or `qlab run`")
          ->required();
      CLI::Option* confirm =
          sub.add_option("--confirm", opt->confirm,
                         "report.json of a second, independent run: a speed regression counts only "
                         "if it reproduces there (accuracy is judged on --current alone)");
      CLI::Option* update =
          sub.add_flag("--update", opt->update,
                       "Rewrite the baseline from --current (keeping its tolerances) and list the "
                       "changes")
              ->excludes(confirm);
      sub.add_flag("--drop-unmeasured", opt->drop_unmeasured,
                   "With --update: remove the baseline's metrics that --current lacks or holds "
                   "as null (by default they are kept and listed)")
          ->needs(update);
      return [opt]() {
        const auto current = report::LoadReportMetrics(opt->current);
        if (opt->update) {
          if (current.empty()) {
            // The baseline it would write has no metrics, which the gate refuses to compare with.
            throw io::InputError(opt->current,
                                 "holds no metric the gate checks; the baseline "
                                 "is left as it was");
          }
          // The baseline is an output first: a device, a FIFO, a loop of links is bad input
          // before anything is read from it.
          io::CheckOutputFile(opt->baseline);
          io::AllowRewritingInput(opt->baseline);  // read, then rewritten: an update in place
          std::vector<report::CheckMetric> old;
          std::error_code missing;
          if (std::filesystem::exists(opt->baseline, missing)) {
            old = report::LoadBaseline(opt->baseline);
          }
          std::vector<std::string> changes;
          const auto updated =
              report::UpdatedBaseline(old, current, opt->drop_unmeasured, &changes);
          io::WriteFileAtomically(opt->baseline, report::BaselineJson(updated).dump(2) + "\n");
          Out() << "updated " << opt->baseline << ": " << changes.size() << " change(s)\n";
          for (const auto& c : changes) Out() << "  " << c << "\n";
          return kExitOk;
        }
        const auto baseline = report::LoadBaseline(opt->baseline);
        report::CheckOutcome outcome = report::CompareWithBaseline(baseline, current);
        report::RequireComparison(outcome, opt->current);
        if (!opt->confirm.empty()) {
          const auto second_run = report::LoadReportMetrics(opt->confirm);
          report::CheckOutcome second = report::CompareWithBaseline(baseline, second_run);
          report::RequireComparison(second, opt->confirm);
          outcome = report::ConfirmSpeedRegressions(std::move(outcome), second);
        }
        Out() << report::FormatCheckTable(outcome);
        return outcome.regressions > 0 ? kExitRegression : kExitOk;
      };
    });

}  // namespace
}  // namespace qlab::cli
