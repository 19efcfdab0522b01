// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// qlab::data::LoadCaliforniaHousing (the StatLib cal_housing.data reader) on arbitrary bytes.
#include <cstddef>
#include <cstdint>

#include "fuzz_input.h"
#include "qlab/data/dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = qlab::fuzz::Scratch().Write("cal_housing.data", data, size);
  qlab::fuzz::ExpectOnlyInputErrors([&] {
    const qlab::data::Dataset d = qlab::data::LoadCaliforniaHousing(path);
    // Derived features divide by households: a loaded data set has no Inf or NaN left in it.
    if (d.X.rows() != d.y.size() || d.X.cols() != 8 || !d.X.allFinite() || !d.y.allFinite())
      std::abort();
  });
  return 0;
}
