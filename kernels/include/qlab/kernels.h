// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The public, target-free API of qlab::kernels. Every function dispatches at run time to the best
// Highway target this CPU supports (or to the one forced by qlab::kernels::ForceTarget).
// No I/O, no allocation in the hot loops; pointers need no particular alignment.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qlab::kernels {

// ---- dot products -------------------------------------------------------------------------------

// Σ a[i]·b[i] in f32 with several independent accumulators. Never reads past a+n or b+n.
float DotF32(const float* a, const float* b, size_t n);

// Exact Σ a[i]·b[i] for every n (int32 blocks widened to int64 before they can overflow).
int64_t DotI8(const int8_t* a, const int8_t* b, size_t n);
int64_t DotU8I8(const uint8_t* a, const int8_t* b, size_t n);

// ---- gemv for linear-model prediction -----------------------------------------------------------
// X is row-major rows×k with stride k; k from 1 to kMaxGemvK.
inline constexpr size_t kMaxGemvK = 64;

// y[i] = Σ_j x[i·k + j]·w[j] + bias, in f32.
void GemvF32(const float* x, size_t rows, size_t k, const float* w, float bias, float* y);

// acc[i] = Σ_j x[i·k + j]·w[j], exact: |acc| ≤ 64·255·128 < 2^31 for k ≤ 64.
void GemvU8I8Acc(const uint8_t* x, size_t rows, size_t k, const int8_t* w, int32_t* acc);

// y[i] = scale·float(acc[i] − correction) + bias, acc as GemvU8I8Acc. acc − correction is converted
// to f32 exactly when |acc − correction| < 2^24 (always so for k ≤ 64 and |correction| < 2^23);
// the float step is one multiply and one add, each rounded (not fused: with a bias that cancels the
// product a fused form would differ by many ulps), so it equals the scalar reference.
void GemvU8I8(const uint8_t* x, size_t rows, size_t k, const int8_t* w, float scale,
              int32_t correction, float bias, float* y);

// ---- quantization -------------------------------------------------------------------------------
// Codes: q = saturate(round_half_even(x / scale) + zero_point). scale must be finite and > 0.
// NaN maps to the zero point (the code of 0.0); +Inf saturates to the top code, −Inf to the bottom.
// Codes span the whole type: 0..255 for uint8, −128..127 for int8. x / scale is one f32 division
// and the zero point is added in f32, exact for |zero_point| < 2^24 (use 0..255).
void QuantizeU8(const float* x, size_t n, float scale, int32_t zero_point, uint8_t* q);
void QuantizeI8(const float* x, size_t n, float scale, int8_t* q);  // symmetric: zero point 0
// x̂ = (q − zero_point)·scale.
void DequantizeU8(const uint8_t* q, size_t n, float scale, int32_t zero_point, float* x);
void DequantizeI8(const int8_t* q, size_t n, float scale, float* x);

// Row-major features x (rows×k, k ≤ kMaxGemvK), feature j quantized with scale[j] (finite, > 0)
// and zero_point[j] (0..code_max), codes clamped to [0, code_max] (code_max 1..255, 2^bits − 1):
// q[i·k + j] = clamp(round_half_even(x / scale[j]) + zero_point[j], 0, code_max), with the same
// f32 steps and NaN rule as QuantizeU8 (so at code_max 255 the codes equal QuantizeU8's).
void QuantizeU8Rows(const float* x, size_t rows, size_t k, const float* scale,
                    const int32_t* zero_point, int32_t code_max, uint8_t* q);

// QuantizeU8Rows, and which values saturated. A value saturates when
//   u = round_half_even(double(x) / double(scale[j])) + zero_point[j],
// computed in double, lies outside [0, code_max]; NaN and ±Inf always saturate (their codes are
// still QuantizeU8's: the zero point, the top, the bottom). Returns the number of rows holding at
// least one saturated value and writes the first `capacity` of their indices, ascending, to
// saturated_rows. clipped_per_feature (k entries, or null) receives the number of saturated values
// of each feature. Cost over QuantizeU8Rows: two compares of each quotient x / scale[j] (already
// computed for its code) per vector and one all-true test per one or two vectors, plus a look in
// double at the vectors holding a saturated value (or a quotient exactly at a half-integer end).
size_t QuantizeU8RowsSaturated(const float* x, size_t rows, size_t k, const float* scale,
                               const int32_t* zero_point, int32_t code_max, uint8_t* q,
                               size_t* saturated_rows, size_t capacity,
                               int64_t* clipped_per_feature);

// ---- packed codes (bits ≤ 4: two per byte; bits ≤ 2: four per byte) ----------------------------
// Nibbles: element 2i of a row is the low nibble (bits 0..3) of byte i, element 2i + 1 the high
// nibble (bits 4..7). Crumbs: element 4i + t is bits 2t..2t + 1 of byte i. Every row is padded
// to whole bytes, so row r starts at byte r·PackedRowBytes (k odd: the last high nibble is
// padding). For even k (k multiple of 4 for crumbs) that is the flat stream of rows·k codes; for
// other k a row still starts on a byte, so the row loops need no shifts. Pack keeps the low 4
// (2) bits of each code and writes 0 into the padding; readers ignore the padding.
inline constexpr size_t PackedRowBytesU4(size_t k) { return (k + 1) / 2; }
inline constexpr size_t PackedRowBytesU2(size_t k) { return (k + 3) / 4; }
void PackU4(const uint8_t* codes, size_t rows, size_t k, uint8_t* packed);
void UnpackU4(const uint8_t* packed, size_t rows, size_t k, uint8_t* codes);
void PackU2(const uint8_t* codes, size_t rows, size_t k, uint8_t* packed);
void UnpackU2(const uint8_t* packed, size_t rows, size_t k, uint8_t* codes);

// GemvU8I8Acc / GemvU8I8 on packed uint4 codes (PackU4 layout, row stride PackedRowBytesU4(k)):
// acc[i] = Σ_j code(i, j)·w[j], exact (|acc| ≤ 64·15·128 < 2^17); y as GemvU8I8, unfused.
void GemvU4I8Acc(const uint8_t* x_packed, size_t rows, size_t k, const int8_t* w, int32_t* acc);
void GemvU4I8(const uint8_t* x_packed, size_t rows, size_t k, const int8_t* w, float scale,
              int32_t correction, float bias, float* y);
// The same on packed uint2 codes (PackU2 layout, row stride PackedRowBytesU2(k)); |acc| < 2^15.
// No VNNI loop: the widening route on every target (k = 8: one row per int32 lane, no tree).
void GemvU2I8Acc(const uint8_t* x_packed, size_t rows, size_t k, const int8_t* w, int32_t* acc);
void GemvU2I8(const uint8_t* x_packed, size_t rows, size_t k, const int8_t* w, float scale,
              int32_t correction, float bias, float* y);

// ---- targets ------------------------------------------------------------------------------------
struct TargetInfo {
  int64_t bits;      // Highway's HWY_* target bit
  std::string name;  // Highway's name, e.g. "AVX3_DL", "AVX2", "SSE4", "SCALAR"
};

std::vector<TargetInfo> CompiledTargets();   // every target this build contains
std::vector<TargetInfo> SupportedTargets();  // those of them this CPU can run, best first
std::string ActiveTarget();                  // the target the next call dispatches to

// Restricts dispatch to the target named (case-insensitive). Returns false, changing nothing, when
// the name is unknown, not compiled in or not supported by this CPU. ForceTarget("") undoes it.
bool ForceTarget(const std::string& name);

// What ran the most recent kernel call on this thread: Highway's name of the target whose code ran
// ("" before any call) and whether that call used VNNI (vpdpbusd, AVX3_DL only). Lets tests prove
// that ForceTarget switched the code, and that a VNNI CPU runs the VNNI loops.
// `path` names the code itself: the target's name for Highway code ("AVX2", "NEON", "SVE_256"),
// "AVX3_DL+avx512vnni" for the VNNI loops, and on Arm the dot-product instructions an integer
// kernel used: "NEON+dotprod" (SDOT), "NEON+i8mm" (USDOT), "SVE+dotprod" (svdot), "SVE+i8mm"
// (svusdot); "" before any call.
struct KernelTrace {
  std::string target;
  bool vnni = false;
  std::string path;
};
KernelTrace LastKernelTrace();

}  // namespace qlab::kernels
