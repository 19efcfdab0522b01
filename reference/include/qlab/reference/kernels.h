// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Scalar truth for every qlab::kernels function, plus the exact f32 dot and its error bound.
//
// The functions in qlab::reference are compiled with -fno-tree-vectorize -ffp-contract=off: plain
// scalar loops with a fixed, left-to-right operation order and one rounding per operation. Those in
// qlab::reference::autovec are the same plain loops left to the compiler (-O3 -march=native
// -ffast-math): the best it does alone, benchmarked as the `auto` variant, never used as truth.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qlab::reference {

// ---- dot products -------------------------------------------------------------------------------
float DotF32(const float* a, const float* b, size_t n);  // acc += a[i]·b[i], i ascending
int64_t DotI8(const int8_t* a, const int8_t* b, size_t n);
int64_t DotU8I8(const uint8_t* a, const int8_t* b, size_t n);

// Σ a[i]·b[i] in double with Neumaier's compensation. Every f32 product is exact in double
// (24 + 24 significant bits < 53), so the only error is the compensated sum's, about 2^-52 of
// |result| plus n·2^-104·Σ|a[i]·b[i]| — negligible next to any f32 rounding.
double ExactDotF32(const float* a, const float* b, size_t n);

// γ_n = n·u / (1 − n·u) with u = 2^-24, the unit roundoff of f32 (infinity when n·u ≥ 1).
double GammaF32(size_t n);

// γ_n·Σ|a[i]·b[i]|: the bound on |computed − exact| for any f32 dot of n terms that rounds each
// product and each addition once (fused multiply-adds and tree-shaped sums only lower it).
double DotF32ErrorBound(const float* a, const float* b, size_t n);

// ---- gemv for linear-model prediction -----------------------------------------------------------
// X row-major rows×k. For each row: acc = bias; for j < k: acc += x[i·k + j]·w[j]; y[i] = acc.
void GemvF32(const float* x, size_t rows, size_t k, const float* w, float bias, float* y);
// acc[i] = Σ_j x[i·k + j]·w[j] in int32 (exact for k ≤ 64).
void GemvU8I8Acc(const uint8_t* x, size_t rows, size_t k, const int8_t* w, int32_t* acc);
// y[i] = scale·float(acc[i] − correction) + bias: one multiply and one add, each rounded.
void GemvU8I8(const uint8_t* x, size_t rows, size_t k, const int8_t* w, float scale,
              int32_t correction, float bias, float* y);

// ---- quantization -------------------------------------------------------------------------------
// q = saturate(round_half_even(x / scale) + zero_point), x / scale an f32 division. NaN → the zero
// point; ±Inf saturate. Same contract as qlab::kernels.
uint8_t QuantizeU8(float x, float scale, int32_t zero_point);
int8_t QuantizeI8(float x, float scale);
void QuantizeU8(const float* x, size_t n, float scale, int32_t zero_point, uint8_t* q);
void QuantizeI8(const float* x, size_t n, float scale, int8_t* q);
void DequantizeU8(const uint8_t* q, size_t n, float scale, int32_t zero_point, float* x);
void DequantizeI8(const int8_t* q, size_t n, float scale, float* x);
// Row-major rows×k with per-feature scale and zero point, codes clamped to [0, code_max]; the
// saturation rule in double (u = round_half_even(double(x) / double(scale)) + zero_point outside
// [0, code_max], NaN and ±Inf included), as qlab::kernels::QuantizeU8RowsSaturated. Returns the
// saturated rows' count; writes the first `capacity` indices and, unless null, the k per-feature
// counts of saturated values.
void QuantizeU8Rows(const float* x, size_t rows, size_t k, const float* scale,
                    const int32_t* zero_point, int32_t code_max, uint8_t* q);
size_t QuantizeU8RowsSaturated(const float* x, size_t rows, size_t k, const float* scale,
                               const int32_t* zero_point, int32_t code_max, uint8_t* q,
                               size_t* saturated_rows, size_t capacity,
                               int64_t* clipped_per_feature);
// Whether one value saturates under that rule.
bool SaturatesU8(float x, float scale, int32_t zero_point, int32_t code_max);

// ---- packed codes
// -------------------------------------------------------------------------------- Layout as
// qlab::kernels: element 2i in the low nibble of byte i; element 4i + t in bits 2t..2t + 1; every
// row padded to whole bytes, padding written as 0.
void PackU4(const uint8_t* codes, size_t rows, size_t k, uint8_t* packed);
void UnpackU4(const uint8_t* packed, size_t rows, size_t k, uint8_t* codes);
void PackU2(const uint8_t* codes, size_t rows, size_t k, uint8_t* packed);
void UnpackU2(const uint8_t* packed, size_t rows, size_t k, uint8_t* codes);
// GemvU8I8Acc / GemvU8I8 on packed uint4 rows (stride (k + 1) / 2 bytes; padding ignored).
void GemvU4I8Acc(const uint8_t* x_packed, size_t rows, size_t k, const int8_t* w, int32_t* acc);
void GemvU4I8(const uint8_t* x_packed, size_t rows, size_t k, const int8_t* w, float scale,
              int32_t correction, float bias, float* y);
// The same on packed uint2 rows (stride (k + 3) / 4 bytes).
void GemvU2I8Acc(const uint8_t* x_packed, size_t rows, size_t k, const int8_t* w, int32_t* acc);
void GemvU2I8(const uint8_t* x_packed, size_t rows, size_t k, const int8_t* w, float scale,
              int32_t correction, float bias, float* y);

// ---- the float model in f64, for rows re-scored outside the integer path ------------------------
// Fixed order and one rounding per operation (this file is built with -ffp-contract=off and
// without vectorization), so the result is the same on every ISA and architecture:
// DotF64: acc = 0; for i ascending: acc += a[i]·b[i] (product rounded, then the sum).
double DotF64(const double* a, const double* b, size_t n);
// LinearScoreF64: z_j = (x[j] − mean[j]) / scale[j] (subtract, then divide, each rounded);
// acc = 0; for j ascending: acc += coef[j]·z_j; return acc + intercept. The float overload widens
// each x[j] to double first (exact). This is LinearModel::Predict's formula in a fixed order.
double LinearScoreF64(const double* x, size_t k, const double* mean, const double* scale,
                      const double* coef, double intercept);
double LinearScoreF64(const float* x, size_t k, const double* mean, const double* scale,
                      const double* coef, double intercept);

// ---- the same plain loops, left to the compiler -------------------------------------------------
namespace autovec {
float DotF32(const float* a, const float* b, size_t n);
int64_t DotI8(const int8_t* a, const int8_t* b, size_t n);
int64_t DotU8I8(const uint8_t* a, const int8_t* b, size_t n);
void GemvF32(const float* x, size_t rows, size_t k, const float* w, float bias, float* y);
// k = 8 known at compile time (the California Housing feature count).
void GemvF32K8(const float* x, size_t rows, const float* w, float bias, float* y);
void GemvU8I8K8(const uint8_t* x, size_t rows, const int8_t* w, float scale, int32_t correction,
                float bias, float* y);
void QuantizeU8(const float* x, size_t n, float scale, int32_t zero_point, uint8_t* q);
void GemvU4I8K8(const uint8_t* x_packed, size_t rows, const int8_t* w, float scale,
                int32_t correction, float bias, float* y);
}  // namespace autovec

}  // namespace qlab::reference
