// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// What only `qlab run` does with the report stage.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "qlab/report/report.h"

namespace qlab::cli {

// What `qlab run` ends with: the quick benchmark subset (unless `run_bench` is false) written to
// out_dir/bench.json, then the report of `accuracy` (the objects train/quantize --json print) and
// that run in out_dir. When qlab-bench cannot be found the report is written without throughput
// and `charts_note`/stderr say why; any other failure throws.
report::ReportOutput WriteRunReport(const std::vector<nlohmann::json>& accuracy, const std::string& out_dir,
                            bool run_bench = true);

}  // namespace qlab::cli
