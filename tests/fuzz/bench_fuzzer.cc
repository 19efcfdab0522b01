// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// qlab::report::LoadBenchFile (a qlab-bench / Google Benchmark JSON file read by `qlab report`) and
// the metrics derived from it, on arbitrary bytes.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.h"
#include "qlab/report/report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = qlab::fuzz::Scratch().Write("bench.json", data, size);
  qlab::fuzz::ExpectOnlyInputErrors([&] {
    qlab::report::BenchGroup group = qlab::report::LoadBenchFile(path);
    qlab::report::DeriveBenchMetrics(group);
  });
  return 0;
}
