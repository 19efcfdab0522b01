// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// qlab::report::LoadAccuracyFile (the `qlab report --accuracy` reader: one JSON object, an array of
// them, or JSON Lines) on arbitrary bytes.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.h"
#include "qlab/report/report.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = qlab::fuzz::Scratch().Write("accuracy.json", data, size);
  qlab::fuzz::ExpectOnlyInputErrors([&] {
    std::vector<qlab::report::AccuracyResult> merged;
    for (auto& result : qlab::report::LoadAccuracyFile(path)) {
      (void)result.Id();
      qlab::report::AddAccuracyResult(merged, std::move(result));
    }
  });
  return 0;
}
