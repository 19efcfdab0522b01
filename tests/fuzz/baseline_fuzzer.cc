// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The `qlab check` readers on arbitrary bytes: a baseline file and a report.json, compared.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.h"
#include "qlab/report/gate.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = qlab::fuzz::Scratch().Write("input.json", data, size);
  qlab::fuzz::ExpectOnlyInputErrors([&] {
    const auto baseline = qlab::report::LoadBaseline(path);
    (void)qlab::report::FormatCheckTable(qlab::report::CompareWithBaseline(baseline, baseline));
  });
  qlab::fuzz::ExpectOnlyInputErrors([&] {
    const auto metrics = qlab::report::LoadReportMetrics(path);
    (void)qlab::report::BaselineJson(metrics).dump();
  });
  return 0;
}
