// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// qlab::quant::LoadQuantized on an arbitrary quantized_model.json, then a prediction with what loaded:
// a quantized artifact that loads must also run.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.h"
#include "qlab/quant/artifact.h"
#include "qlab/quant/harness.h"
#include "qlab/quant/quantize.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& scratch = qlab::fuzz::Scratch();
  scratch.Write(qlab::quant::kQuantizedFileName, data, size);
  qlab::fuzz::ExpectOnlyInputErrors([&] {
    const qlab::quant::QuantizedModel q = qlab::quant::LoadQuantized(scratch.path().string());
    const auto p = static_cast<Eigen::Index>(q.float_model.feature_names.size());
    Eigen::MatrixXd rows(3, p);
    for (Eigen::Index j = 0; j < p; ++j) {
      rows(0, j) = 0.0;
      rows(1, j) = 1.0 + static_cast<double>(j);
      rows(2, j) = -1e6;
    }
    (void)qlab::quant::RunQuantized(q, rows);
  });
  return 0;
}
