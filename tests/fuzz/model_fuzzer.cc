// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// qlab::model::LoadModel on an arbitrary model.json.
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "fuzz_input.h"
#include "qlab/model/artifact.h"
#include "qlab/model/linear_model.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto& scratch = qlab::fuzz::Scratch();
  scratch.Write("model.json", data, size);
  qlab::fuzz::ExpectOnlyInputErrors([&] {
    const qlab::model::LinearModel m = qlab::model::LoadModel(scratch.path().string());
    // A model that loads has consistent shapes and finite numbers.
    const auto p = static_cast<Eigen::Index>(m.feature_names.size());
    if (m.coef.size() != p || m.scaler_mean.size() != p || m.scaler_scale.size() != p ||
        !m.coef.allFinite() || !m.scaler_mean.allFinite() || !m.scaler_scale.allFinite() ||
        !(m.scaler_scale.array() > 0).all() || !std::isfinite(m.intercept))
      std::abort();
  });
  return 0;
}
