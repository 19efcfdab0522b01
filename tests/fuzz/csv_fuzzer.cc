// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// qlab::data::LoadCsv on arbitrary bytes, with the target column named "y" (the seeds have one).
#include <cstddef>
#include <cstdint>

#include "fuzz_input.h"
#include "qlab/data/dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = qlab::fuzz::Scratch().Write("input.csv", data, size);
  qlab::fuzz::ExpectOnlyInputErrors([&] {
    const qlab::data::Dataset d = qlab::data::LoadCsv(path, "y");
    // A loaded data set is consistent, and every number in it is finite.
    if (d.X.rows() != d.y.size() ||
        d.X.cols() != static_cast<Eigen::Index>(d.feature_names.size()) || !d.X.allFinite() ||
        !d.y.allFinite())
      std::abort();
  });
  return 0;
}
