// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "run_report.h"

#include <filesystem>
#include <iostream>

#include "qlab/io/input_error.h"

namespace qlab::cli {

namespace fs = std::filesystem;
using report::BenchRunOptions;
using report::ReportInputs;
using report::ReportOutput;

ReportOutput WriteRunReport(const std::vector<nlohmann::json>& accuracy, const std::string& out_dir,
                            bool run_bench) {
  ReportInputs inputs;
  inputs.machine = report::DetectMachine();
  inputs.name = report::DefaultReportName(inputs.machine);
  for (const auto& object : accuracy) {
    report::AddAccuracyResult(inputs.accuracy, report::MakeAccuracyResult(object, "qlab run"));
  }
  std::string missing_bench;
  if (run_bench) {
    std::string program;
    try {
      program = report::FindBenchProgram();
    } catch (const io::InputError& e) {
      missing_bench = e.what();
    }
    if (!program.empty()) {
      BenchRunOptions options;
      options.quick = true;
      options.bench_program = program;
      options.out_file = (fs::path(out_dir) / "bench.json").string();
      // The group RunAndLoadBench read to check the file is the one reported: bench.json is parsed
      // once.
      inputs.bench.push_back(report::RunAndLoadBench(options));
      report::PrepareBenchGroups(inputs.bench, inputs.machine);
    } else {
      std::cerr << "qlab run: " << missing_bench << "; the report has no throughput section\n";
    }
  }
  ReportOutput out = report::WriteReport(inputs, out_dir);
  if (!out.charts_note.empty()) std::cerr << "qlab run: " << out.charts_note << "\n";
  return out;
}

}  // namespace qlab::cli
