// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
// `qlab bench`: runs qlab-bench (the full suite, or --quick: the CI-sized subset) and writes its
// Google Benchmark JSON with every repetition (the input of an A/B comparison).
#include <memory>
#include <string>

#include "command.h"
#include "qlab/io/stream.h"
#include "qlab/report/report.h"

namespace qlab::cli {
namespace {

// Ten repetitions: the smallest two-sided Mann-Whitney U p-value of n against n is 2 / C(2n, n):
// 0.10 at n = 3 (alpha 0.05 is out of reach), 0.029 at 4, 0.0079 at 5, 1.1·10^-5 at 10, which
// still clears alpha 0.05 after Holm's correction over a full suite (about 540 benchmarks:
// 0.05 / 540 = 9.3·10^-5) and leaves the test power to see a shift of a few noise widths.
constexpr int kDefaultRepetitions = 10;
// Per repetition: ten of them cost what three 0.2 s runs did, a little under 0.6 s a benchmark.
constexpr double kDefaultMinTime = 0.05;

struct BenchOptions {
  bool quick = false;
  std::string out;
  std::string filter;
  bool quiet = false;
  int repetitions = kDefaultRepetitions;
  double min_time = kDefaultMinTime;
};

const Registrar kBench(
    60, "bench", "Run qlab-bench (full suite, or --quick) and write its JSON",
    [](CLI::App& sub) -> Action {
      auto opt = std::make_shared<BenchOptions>();
      sub.add_flag("--quick", opt->quick, "The CI-sized subset (under a minute)");
      sub.add_option("--out", opt->out,
                     "JSON output (default: reports/bench-<UTC date-time>-<host>.json)");
      sub.add_option("--filter", opt->filter,
                     "Only benchmarks matching this regex (Google Benchmark's --benchmark_filter)");
      sub.add_option("--repetitions", opt->repetitions,
                     "Repetitions of each benchmark, all kept in the JSON (interleaved)")
          ->check(CLI::Range(1, 1000))
          ->capture_default_str();
      sub.add_option("--min-time", opt->min_time, "Seconds per repetition (at least)")
          ->check(CLI::Range(0.001, 60.0))
          ->capture_default_str();
      sub.add_flag("--quiet", opt->quiet, "No progress lines on stderr");
      return [opt]() {
        report::BenchRunOptions run;
        // The quick subset is qlab-bench's own (--qlab_subset=quick: its sizes follow the cache
        // levels it detects), as `qlab run` takes it; the flags below replace the library's
        // repetitions and times (later flags win in Google Benchmark).
        run.quick = opt->quick;
        run.progress = !opt->quiet;
        run.out_file =
            opt->out.empty()
                ? "reports/bench-" + report::DefaultReportName(report::DetectMachine()) + ".json"
                : opt->out;
        // Before the benchmarks run (minutes): an output that cannot be written is bad input
        // now, not an internal error afterwards. Its folder is created by the run.
        io::CheckOutputFile(run.out_file, /*folder_may_be_created=*/true);
        // Later flags win in Google Benchmark, so these replace the library's defaults.
        run.extra_args = {"--benchmark_repetitions=" + std::to_string(opt->repetitions),
                          "--benchmark_min_time=" + std::to_string(opt->min_time),
                          "--benchmark_enable_random_interleaving=true",
                          "--benchmark_report_aggregates_only=false",
                          "--benchmark_display_aggregates_only=true"};
        if (!opt->filter.empty()) run.extra_args.push_back("--benchmark_filter=" + opt->filter);
        Out() << report::RunBench(run) << "\n";
        return kExitOk;
      };
    });

}  // namespace
}  // namespace qlab::cli
