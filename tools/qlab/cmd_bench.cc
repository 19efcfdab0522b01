// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
// `qlab bench`: runs qlab-bench (the full suite, or --quick: the CI-sized subset) and writes its
// Google Benchmark JSON.
#include <memory>

#include "command.h"
#include "qlab/report/report.h"

namespace qlab::cli {
namespace {

struct BenchOptions {
  bool quick = false;
  std::string out;
  std::string filter;
  bool quiet = false;
};

const Registrar kBench(
    60, "bench", "Run qlab-bench (full suite, or --quick) and write its JSON",
    [](CLI::App& sub) -> Action {
      auto opt = std::make_shared<BenchOptions>();
      sub.add_flag("--quick", opt->quick,
                   "The CI-sized subset (under a minute), the one `qlab run` uses");
      sub.add_option("--out", opt->out,
                     "JSON output (default: reports/bench-<UTC date-time>-<host>.json)");
      sub.add_option("--filter", opt->filter,
                     "Only benchmarks matching this regex (Google Benchmark's --benchmark_filter)");
      sub.add_flag("--quiet", opt->quiet, "No progress lines on stderr");
      return [opt]() {
        report::BenchRunOptions run;
        run.quick = opt->quick;
        run.progress = !opt->quiet;
        run.out_file = opt->out.empty() ? "reports/bench-" +
                                              report::DefaultReportName(report::DetectMachine()) + ".json"
                                        : opt->out;
        if (!opt->filter.empty()) run.extra_args.push_back("--benchmark_filter=" + opt->filter);
        Out() << report::RunBench(run) << "\n";
        return kExitOk;
      };
    });

}  // namespace
}  // namespace qlab::cli
