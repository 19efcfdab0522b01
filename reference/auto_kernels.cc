// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The `auto` benchmark variant: the reference's plain loops, built -O3 -march=native -ffast-math
// (reference/CMakeLists.txt) so the compiler may vectorize and reassociate as it likes.
#include <algorithm>
#include <cmath>

#include "qlab/reference/kernels.h"

namespace qlab::reference::autovec {

float DotF32(const float* a, const float* b, size_t n) {
  float acc = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    acc += a[i] * b[i];
  }
  return acc;
}

// The products stay int32 (|a·b| ≤ 2^15 here and 32,640 below: exact), widened only to add, so the
// compiler is free to multiply in 16- or 32-bit lanes.
int64_t DotI8(const int8_t* a, const int8_t* b, size_t n) {
  int64_t acc = 0;
  for (size_t i = 0; i < n; ++i) {
    acc += static_cast<int64_t>(int32_t{a[i]} * int32_t{b[i]});
  }
  return acc;
}

int64_t DotU8I8(const uint8_t* a, const int8_t* b, size_t n) {
  int64_t acc = 0;
  for (size_t i = 0; i < n; ++i) {
    acc += static_cast<int64_t>(int32_t{a[i]} * int32_t{b[i]});
  }
  return acc;
}

void GemvF32(const float* x, size_t rows, size_t k, const float* w, float bias, float* y) {
  for (size_t i = 0; i < rows; ++i) {
    float acc = bias;
    for (size_t j = 0; j < k; ++j) {
      acc += x[i * k + j] * w[j];
    }
    y[i] = acc;
  }
}

void GemvF32K8(const float* x, size_t rows, const float* w, float bias, float* y) {
  constexpr size_t kK = 8;
  for (size_t i = 0; i < rows; ++i) {
    float acc = bias;
    for (size_t j = 0; j < kK; ++j) {
      acc += x[i * kK + j] * w[j];
    }
    y[i] = acc;
  }
}

void GemvU8I8K8(const uint8_t* x, size_t rows, const int8_t* w, float scale, int32_t correction,
                float bias, float* y) {
  constexpr size_t kK = 8;
  for (size_t i = 0; i < rows; ++i) {
    int32_t sum = 0;
    for (size_t j = 0; j < kK; ++j) {
      sum += int32_t{x[i * kK + j]} * int32_t{w[j]};
    }
    y[i] = scale * static_cast<float>(sum - correction) + bias;
  }
}

void QuantizeU8(const float* x, size_t n, float scale, int32_t zero_point, uint8_t* q) {
  const float zp = static_cast<float>(zero_point);
  for (size_t i = 0; i < n; ++i) {
    // -ffast-math assumes no NaN, so the NaN rule of the contract is not kept here (benchmark
    // only).
    const float t = std::nearbyint(x[i] / scale) + zp;
    q[i] = static_cast<uint8_t>(std::clamp(t, 0.0f, 255.0f));
  }
}

void GemvU4I8K8(const uint8_t* x_packed, size_t rows, const int8_t* w, float scale,
                int32_t correction, float bias, float* y) {
  constexpr size_t kK = 8;
  for (size_t i = 0; i < rows; ++i) {
    int32_t sum = 0;
    for (size_t j = 0; j < kK; ++j) {
      const int32_t code = (x_packed[i * (kK / 2) + j / 2] >> (4 * (j % 2))) & 0xF;
      sum += code * int32_t{w[j]};
    }
    y[i] = scale * static_cast<float>(sum - correction) + bias;
  }
}

}  // namespace qlab::reference::autovec
