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
}  // namespace autovec

}  // namespace qlab::reference
