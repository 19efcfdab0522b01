// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
// `qlab report`: merges accuracy results and qlab-bench runs into report.md, report.html,
// report.json and charts.
#include <iostream>
#include <memory>

#include "command.h"
#include "qlab/io/input_error.h"
#include "qlab/report/report.h"

namespace qlab::cli {

using io::InputError;
namespace {

struct ReportOptions {
  std::vector<std::string> accuracy;
  std::vector<std::string> bench;
  std::string out;
  std::string name;
  bool no_charts = false;
};

// --name becomes reports/<name>: one plain path component, so that it can never point elsewhere
// ("../../x", "/tmp/x", "a/b") or at the folder itself (".", "..", "").
std::string PlainName(const std::string& name) {
  if (name.empty() || name == "." || name == ".." ||
      name.find_first_of(std::string("/\0", 2)) != std::string::npos) {
    return "'" + io::Printable(name) +
           "' is not one plain folder name (no '/', not '.' or '..'); use --out for a path";
  }
  return "";
}

const Registrar kReport(
    70, "report", "Write a comparison report (Markdown, HTML, JSON, charts) from result files",
    [](CLI::App& sub) -> Action {
      auto opt = std::make_shared<ReportOptions>();
      sub.add_option("--accuracy", opt->accuracy,
                     "JSON from `qlab train --json` / `qlab quantize --json`: one object, an array "
                     "or one object per line; or a run folder's quantize.json (repeatable)");
      sub.add_option("--bench", opt->bench,
                     "qlab-bench JSON (--benchmark_out); each file is one column group "
                     "(repeatable)");
      sub.add_option("--out", opt->out, "Report folder (default: reports/<name>)");
      sub.add_option("--name", opt->name,
                     "Report name, one folder name (default: <UTC date-time>-<host>)")
          ->check(PlainName);
      sub.add_flag("--no-charts", opt->no_charts, "Skip the gnuplot charts");
      return [opt]() {
        report::ReportInputs in;
        in.machine = report::DetectMachine();
        in.name = opt->name.empty() ? report::DefaultReportName(in.machine) : opt->name;
        in.charts = !opt->no_charts;
        for (const auto& path : opt->accuracy) {
          for (auto& r : report::LoadAccuracyFile(path)) {
            report::AddAccuracyResult(in.accuracy, std::move(r));
          }
        }
        for (const auto& path : opt->bench) in.bench.push_back(report::LoadBenchFile(path));
        if (in.accuracy.empty() && in.bench.empty()) {
          throw InputError("nothing to report: give --accuracy FILE and/or --bench FILE");
        }
        report::PrepareBenchGroups(in.bench, in.machine);
        const std::string out = opt->out.empty() ? "reports/" + in.name : opt->out;
        const report::ReportOutput written = report::WriteReport(in, out);
        if (!written.charts_note.empty()) {
          std::cerr << "qlab report: " << written.charts_note << "\n";
        }
        Out() << written.dir << "\n";
        return kExitOk;
      };
    });

}  // namespace
}  // namespace qlab::cli
