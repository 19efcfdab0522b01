// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The scalar truth. Built with -fno-tree-vectorize -ffp-contract=off (reference/CMakeLists.txt):
// GCC 12 vectorizes at -O2, and a contracted a·b + c would round once instead of twice.
#include <algorithm>
#include <cmath>
#include <limits>

#include "qlab/reference/kernels.h"

namespace qlab::reference {

float DotF32(const float* a, const float* b, size_t n) {
  float acc = 0.0f;
  for (size_t i = 0; i < n; ++i) {
    acc += a[i] * b[i];
  }
  return acc;
}

int64_t DotI8(const int8_t* a, const int8_t* b, size_t n) {
  int64_t acc = 0;
  for (size_t i = 0; i < n; ++i) {
    acc += int64_t{a[i]} * int64_t{b[i]};
  }
  return acc;
}

int64_t DotU8I8(const uint8_t* a, const int8_t* b, size_t n) {
  int64_t acc = 0;
  for (size_t i = 0; i < n; ++i) {
    acc += int64_t{a[i]} * int64_t{b[i]};
  }
  return acc;
}

double ExactDotF32(const float* a, const float* b, size_t n) {
  double sum = 0.0;
  double compensation = 0.0;
  for (size_t i = 0; i < n; ++i) {
    const double p = double{a[i]} * double{b[i]};  // exact
    const double t = sum + p;
    // Neumaier: recover the low-order bits lost by whichever operand was smaller.
    compensation += std::fabs(sum) >= std::fabs(p) ? (sum - t) + p : (p - t) + sum;
    sum = t;
  }
  return sum + compensation;
}

double GammaF32(size_t n) {
  const double nu = static_cast<double>(n) * 0x1p-24;
  return nu < 1.0 ? nu / (1.0 - nu) : std::numeric_limits<double>::infinity();
}

double DotF32ErrorBound(const float* a, const float* b, size_t n) {
  double abs_sum = 0.0;
  for (size_t i = 0; i < n; ++i) {
    abs_sum += std::fabs(double{a[i]} * double{b[i]});
  }
  // abs_sum itself is rounded (relative error ≤ n·2^-53); widen by that so the bound stays a bound.
  return GammaF32(n) * abs_sum * (1.0 + static_cast<double>(n + 1) * 0x1p-52);
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

void GemvU8I8Acc(const uint8_t* x, size_t rows, size_t k, const int8_t* w, int32_t* acc) {
  for (size_t i = 0; i < rows; ++i) {
    int32_t sum = 0;
    for (size_t j = 0; j < k; ++j) {
      sum += int32_t{x[i * k + j]} * int32_t{w[j]};
    }
    acc[i] = sum;
  }
}

void GemvU8I8(const uint8_t* x, size_t rows, size_t k, const int8_t* w, float scale,
              int32_t correction, float bias, float* y) {
  for (size_t i = 0; i < rows; ++i) {
    int32_t sum = 0;
    for (size_t j = 0; j < k; ++j) {
      sum += int32_t{x[i * k + j]} * int32_t{w[j]};
    }
    const float scaled = scale * static_cast<float>(sum - correction);
    y[i] = scaled + bias;
  }
}

namespace {

// round_half_even(x / scale) with NaN → 0; the current rounding mode is the default, to nearest.
float RoundedQuotient(float x, float scale) {
  const float v = x / scale;
  return std::isnan(v) ? 0.0f : std::nearbyint(v);
}

}  // namespace

uint8_t QuantizeU8(float x, float scale, int32_t zero_point) {
  const double t = double{RoundedQuotient(x, scale)} + zero_point;
  return static_cast<uint8_t>(std::clamp(t, 0.0, 255.0));
}

int8_t QuantizeI8(float x, float scale) {
  return static_cast<int8_t>(std::clamp(double{RoundedQuotient(x, scale)}, -128.0, 127.0));
}

void QuantizeU8(const float* x, size_t n, float scale, int32_t zero_point, uint8_t* q) {
  for (size_t i = 0; i < n; ++i) {
    q[i] = QuantizeU8(x[i], scale, zero_point);
  }
}

void QuantizeI8(const float* x, size_t n, float scale, int8_t* q) {
  for (size_t i = 0; i < n; ++i) {
    q[i] = QuantizeI8(x[i], scale);
  }
}

void DequantizeU8(const uint8_t* q, size_t n, float scale, int32_t zero_point, float* x) {
  for (size_t i = 0; i < n; ++i) {
    x[i] = static_cast<float>(int32_t{q[i]} - zero_point) * scale;
  }
}

void DequantizeI8(const int8_t* q, size_t n, float scale, float* x) {
  for (size_t i = 0; i < n; ++i) {
    x[i] = static_cast<float>(q[i]) * scale;
  }
}

namespace {

uint8_t QuantizeCode(float x, float scale, int32_t zero_point, int32_t code_max) {
  const double t = double{RoundedQuotient(x, scale)} + zero_point;
  return static_cast<uint8_t>(std::clamp(t, 0.0, static_cast<double>(code_max)));
}

}  // namespace

bool SaturatesU8(float x, float scale, int32_t zero_point, int32_t code_max) {
  const double u = std::nearbyint(static_cast<double>(x) / static_cast<double>(scale)) + zero_point;
  return !(u >= 0.0 && u <= static_cast<double>(code_max));
}

void QuantizeU8Rows(const float* x, size_t rows, size_t k, const float* scale,
                    const int32_t* zero_point, int32_t code_max, uint8_t* q) {
  for (size_t i = 0; i < rows; ++i) {
    for (size_t j = 0; j < k; ++j) {
      q[i * k + j] = QuantizeCode(x[i * k + j], scale[j], zero_point[j], code_max);
    }
  }
}

size_t QuantizeU8RowsSaturated(const float* x, size_t rows, size_t k, const float* scale,
                               const int32_t* zero_point, int32_t code_max, uint8_t* q,
                               size_t* saturated_rows, size_t capacity,
                               int64_t* clipped_per_feature) {
  QuantizeU8Rows(x, rows, k, scale, zero_point, code_max, q);
  if (clipped_per_feature != nullptr) {
    std::fill(clipped_per_feature, clipped_per_feature + k, int64_t{0});
  }
  size_t count = 0;
  for (size_t i = 0; i < rows; ++i) {
    bool saturated = false;
    for (size_t j = 0; j < k; ++j) {
      if (SaturatesU8(x[i * k + j], scale[j], zero_point[j], code_max)) {
        saturated = true;
        if (clipped_per_feature != nullptr) {
          ++clipped_per_feature[j];
        }
      }
    }
    if (saturated) {
      if (count < capacity) {
        saturated_rows[count] = i;
      }
      ++count;
    }
  }
  return count;
}

void PackU4(const uint8_t* codes, size_t rows, size_t k, uint8_t* packed) {
  const size_t stride = (k + 1) / 2;
  for (size_t i = 0; i < rows; ++i) {
    for (size_t b = 0; b < stride; ++b) {
      const size_t j = 2 * b;
      const unsigned lo = codes[i * k + j] & 0xFu;
      const unsigned hi = j + 1 < k ? codes[i * k + j + 1] & 0xFu : 0u;
      packed[i * stride + b] = static_cast<uint8_t>(lo | (hi << 4));
    }
  }
}

void UnpackU4(const uint8_t* packed, size_t rows, size_t k, uint8_t* codes) {
  const size_t stride = (k + 1) / 2;
  for (size_t i = 0; i < rows; ++i) {
    for (size_t j = 0; j < k; ++j) {
      const unsigned byte = packed[i * stride + j / 2];
      codes[i * k + j] = static_cast<uint8_t>((byte >> (4 * (j % 2))) & 0xFu);
    }
  }
}

void PackU2(const uint8_t* codes, size_t rows, size_t k, uint8_t* packed) {
  const size_t stride = (k + 3) / 4;
  for (size_t i = 0; i < rows; ++i) {
    for (size_t b = 0; b < stride; ++b) {
      unsigned byte = 0;
      for (size_t t = 0; t < 4 && 4 * b + t < k; ++t) {
        byte |= (codes[i * k + 4 * b + t] & 0x3u) << (2 * t);
      }
      packed[i * stride + b] = static_cast<uint8_t>(byte);
    }
  }
}

void UnpackU2(const uint8_t* packed, size_t rows, size_t k, uint8_t* codes) {
  const size_t stride = (k + 3) / 4;
  for (size_t i = 0; i < rows; ++i) {
    for (size_t j = 0; j < k; ++j) {
      const unsigned byte = packed[i * stride + j / 4];
      codes[i * k + j] = static_cast<uint8_t>((byte >> (2 * (j % 4))) & 0x3u);
    }
  }
}

namespace {

int32_t RowSumU4I8(const uint8_t* row, size_t k, const int8_t* w) {
  int32_t sum = 0;
  for (size_t j = 0; j < k; ++j) {
    const int32_t code = (row[j / 2] >> (4 * (j % 2))) & 0xF;
    sum += code * int32_t{w[j]};
  }
  return sum;
}

}  // namespace

void GemvU4I8Acc(const uint8_t* x_packed, size_t rows, size_t k, const int8_t* w, int32_t* acc) {
  const size_t stride = (k + 1) / 2;
  for (size_t i = 0; i < rows; ++i) {
    acc[i] = RowSumU4I8(x_packed + i * stride, k, w);
  }
}

void GemvU4I8(const uint8_t* x_packed, size_t rows, size_t k, const int8_t* w, float scale,
              int32_t correction, float bias, float* y) {
  const size_t stride = (k + 1) / 2;
  for (size_t i = 0; i < rows; ++i) {
    const int32_t sum = RowSumU4I8(x_packed + i * stride, k, w);
    const float scaled = scale * static_cast<float>(sum - correction);
    y[i] = scaled + bias;
  }
}

namespace {

int32_t RowSumU2I8(const uint8_t* row, size_t k, const int8_t* w) {
  int32_t sum = 0;
  for (size_t j = 0; j < k; ++j) {
    const int32_t code = (row[j / 4] >> (2 * (j % 4))) & 0x3;
    sum += code * int32_t{w[j]};
  }
  return sum;
}

}  // namespace

void GemvU2I8Acc(const uint8_t* x_packed, size_t rows, size_t k, const int8_t* w, int32_t* acc) {
  const size_t stride = (k + 3) / 4;
  for (size_t i = 0; i < rows; ++i) {
    acc[i] = RowSumU2I8(x_packed + i * stride, k, w);
  }
}

void GemvU2I8(const uint8_t* x_packed, size_t rows, size_t k, const int8_t* w, float scale,
              int32_t correction, float bias, float* y) {
  const size_t stride = (k + 3) / 4;
  for (size_t i = 0; i < rows; ++i) {
    const int32_t sum = RowSumU2I8(x_packed + i * stride, k, w);
    const float scaled = scale * static_cast<float>(sum - correction);
    y[i] = scaled + bias;
  }
}

double DotF64(const double* a, const double* b, size_t n) {
  double acc = 0.0;
  for (size_t i = 0; i < n; ++i) {
    acc += a[i] * b[i];
  }
  return acc;
}

double LinearScoreF64(const double* x, size_t k, const double* mean, const double* scale,
                      const double* coef, double intercept) {
  double acc = 0.0;
  for (size_t j = 0; j < k; ++j) {
    const double z = (x[j] - mean[j]) / scale[j];
    acc += coef[j] * z;
  }
  return acc + intercept;
}

double LinearScoreF64(const float* x, size_t k, const double* mean, const double* scale,
                      const double* coef, double intercept) {
  double acc = 0.0;
  for (size_t j = 0; j < k; ++j) {
    const double z = (double{x[j]} - mean[j]) / scale[j];
    acc += coef[j] * z;
  }
  return acc + intercept;
}

}  // namespace qlab::reference
