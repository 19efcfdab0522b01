// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
// `qlab compare BASE.json NEW.json`: A/B comparison of two benchmark runs with repetitions (ratio
// of medians, bootstrap CI, Mann-Whitney U, verdict). Exit 1 only with --fail-on-regression when
// a benchmark is "slower" or BASE's benchmark is missing from NEW.
#include <cmath>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "command.h"
#include "qlab/io/atomic_file.h"
#include "qlab/io/input_error.h"
#include "qlab/report/compare.h"

namespace qlab::cli {
namespace {

struct CompareOptions {
  std::string base;
  std::string next;
  double threshold_percent = 3.0;
  report::CompareSettings settings;
  std::string filter;
  std::string out_dir;
  bool json = false;
  bool fail_on_regression = false;
};

const Registrar kCompare(
    77, "compare",
    "A/B comparison of two qlab-bench JSON files with repetitions (ratio, CI, U test, verdict)",
    [](CLI::App& sub) -> Action {
      auto opt = std::make_shared<CompareOptions>();
      sub.add_option("BASE", opt->base, "Google Benchmark JSON of the baseline (with repetitions)")
          ->required();
      sub.add_option("NEW", opt->next, "Google Benchmark JSON of the candidate (with repetitions)")
          ->required();
      sub.add_option("--threshold", opt->threshold_percent,
                     "Smallest change in percent that counts (the whole CI must lie beyond it; "
                     "default 3)")
          ->check(CLI::Validator(
              [](const std::string& text) -> std::string {
                // The option is in percent (the statistics take the fraction): say so in its
                // own unit, as the help does.
                const double percent = std::strtod(text.c_str(), nullptr);
                return !std::isfinite(percent) || (percent >= 0 && percent < 100)
                           ? std::string()  // non-finite: main.cc's decimal check refuses it
                           : "a change in percent, from 0 to below 100";
              },
              "PERCENT"));
      sub.add_option("--alpha", opt->settings.alpha,
                     "Significance level of the Mann-Whitney U test (default 0.05)");
      // Memory grows with it (a few doubles per resample and benchmark): a bound, not an
      // out-of-memory exit, for a mistyped count.
      sub.add_option("--resamples", opt->settings.resamples,
                     "Bootstrap resamples, 1 to 1000000 (default 10000)")
          ->check(CLI::Range(1, 1000000));
      sub.add_option("--seed", opt->settings.seed, "Bootstrap seed");
      sub.add_flag("--holm", opt->settings.holm,
                   "Holm-adjust the p-values over the compared benchmarks");
      sub.add_option("--filter", opt->filter,
                     "Compare only benchmarks whose name matches this regex (searched)");
      sub.add_flag("--json", opt->json, "Print one JSON object instead of the table");
      sub.add_option("--out", opt->out_dir, "Also write compare.md and compare.json into DIR");
      sub.add_flag("--fail-on-regression", opt->fail_on_regression,
                   "A gate: exit 1 when a benchmark is \"slower\" or missing from NEW; exit 2 "
                   "when nothing is compared or too few repetitions could ever be \"slower\"");
      return [opt]() {
        opt->settings.threshold = opt->threshold_percent / 100.0;
        const auto base = report::LoadBenchRepetitions(opt->base);
        const auto next = report::LoadBenchRepetitions(opt->next);
        const report::CompareResult result =
            report::CompareBenchFiles(base, next, opt->settings, opt->filter);
        // A gate checks that it can fail before anything is printed or written (exit 2).
        if (opt->fail_on_regression) report::RequireGateable(result);
        const std::vector<std::string> regressions =
            opt->fail_on_regression ? report::GateRegressions(result) : std::vector<std::string>{};
        nlohmann::json as_json = report::CompareJson(result);
        if (opt->fail_on_regression) as_json["regressions"] = regressions;
        std::string text = report::FormatCompareText(result);
        for (const auto& r : regressions) text += "REGRESSION: " + r + "\n";
        if (!opt->out_dir.empty()) {
          io::EnsureDirectory(opt->out_dir);
          io::WriteFileAtomically(opt->out_dir + "/compare.json", as_json.dump(2) + "\n");
          io::WriteFileAtomically(opt->out_dir + "/compare.md", report::CompareMarkdown(result));
        }
        Out() << (opt->json ? as_json.dump(2) + "\n" : text);
        return regressions.empty() ? kExitOk : kExitRegression;
      };
    });

}  // namespace
}  // namespace qlab::cli
