// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// gemv for linear-model prediction: many rows, few features (k ≤ 64, tuned for k = 8).
//
// Power-of-two k takes the fast path: a block of Lanes rows is k contiguous vectors; each vector
// is multiplied by the tiled weights and a pairwise tree of ConcatEven + ConcatOdd sums reduces
// them to one vector holding one row sum per lane, in row order (simd-inl.h: TreeSum); the rows
// left over take the same tree in scalar code, so every row gets the same bits wherever it falls.
// Other k go row by row (RowDotF32), for every row alike. Outputs too large for the caches are
// written with streaming stores, which skip
// the read-for-ownership of every output line.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/gemv.cc"
#include <hwy/cache_control.h>
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "kernels/dispatch.h"
#include "kernels/simd-inl.h"
#include "kernels/trace.h"
#if HWY_ARCH_X86
#include "kernels/x86_vnni.h"
#endif
#include "qlab/kernels.h"
#if HWY_ARCH_ARM_A64
#include "kernels/arm.h"  // the NEON and SVE dot-product blocks
#endif
#ifndef QLAB_SVE_TARGETS
#define QLAB_SVE_TARGETS (HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128)
#endif

#ifndef QLAB_KERNELS_GEMV_ONCE
#define QLAB_KERNELS_GEMV_ONCE
namespace qlab::kernels::internal {

// Outputs of at least this many bytes bypass the caches: beyond a few MiB the output would
// leave the private caches and travel to DRAM anyway, after a read for ownership.
inline constexpr size_t kStreamMinBytes = size_t{4} << 20;
inline constexpr size_t kOutBytes = 4;  // float or int32

// Whether to stream, and how many leading rows to do one by one so that the output of every
// block of block_rows rows starts at a multiple of its size (Stream needs aligned addresses).
struct StreamPlan {
  bool stream = false;
  size_t peel = 0;
};

inline StreamPlan PlanStream(size_t rows, size_t block_rows, const void* out) {
  const size_t block_bytes = block_rows * kOutBytes;
  const auto address = reinterpret_cast<uintptr_t>(out);
  StreamPlan plan;
  if (block_rows > 1 && rows * kOutBytes >= kStreamMinBytes && address % kOutBytes == 0) {
    plan.stream = true;
    const size_t misaligned = address % block_bytes;
    plan.peel = misaligned == 0 ? 0 : std::min(rows, (block_bytes - misaligned) / kOutBytes);
  }
  return plan;
}

// Keeps a scalar accumulation loop scalar. Highway 1.0.3's AVX3_DL target string enables
// AVX-VNNI, so GCC would vectorize an int8 row sum inside AVX3_DL code into VEX-encoded vpdpbusd,
// which AVX-512 VNNI CPUs without AVX-VNNI (Ice Lake, Zen 4/5) do not have. An empty asm that
// takes the accumulator in a register each iteration stops the vectorizer and costs nothing
// else. Not __attribute__((optimize("no-tree-vectorize"))): with GCC 12 that attribute on one
// function dropped -ffp-contract=off from the float templates instantiated after it in the same
// file, and gemv_f32's blocks were contracted into FMA (the row-position test caught it).
inline void KeepScalar(int32_t& sum) { __asm__("" : "+r"(sum)); }

}  // namespace qlab::kernels::internal
#endif

HWY_BEFORE_NAMESPACE();
namespace qlab::kernels {
namespace HWY_NAMESPACE {

// Runs block(r, stream) for blocks of block_rows rows and row(r) for the rest (in the target's
// namespace, so that both lambdas inline).
template <class Block, class Row>
HWY_INLINE void ForEachRow(size_t rows, size_t block_rows, const void* out, const Block& block,
                           const Row& row) {
  const internal::StreamPlan plan = internal::PlanStream(rows, block_rows, out);
  size_t r = 0;
  for (; r < plan.peel; ++r) {
    row(r);
  }
  for (; r + block_rows <= rows; r += block_rows) {
    block(r, plan.stream);
  }
  for (; r < rows; ++r) {
    row(r);
  }
  if (plan.stream) {
    hwy::FlushStream();
  }
}

template <class D, class V, typename T>
HWY_INLINE void StoreOut(D d, V v, bool stream, T* HWY_RESTRICT out) {
  if (stream) {
    hn::Stream(v, d, out);
  } else {
    hn::StoreU(v, d, out);
  }
}

// ---- f32 ----------------------------------------------------------------------------------------

float RowDotF32(const float* HWY_RESTRICT x, const float* HWY_RESTRICT w, size_t k) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  auto sum = hn::Zero(d);
  size_t j = 0;
  for (; j + N <= k; j += N) {
    sum = hn::MulAdd(hn::LoadU(d, x + j), hn::LoadU(d, w + j), sum);
  }
  float tail = 0.0f;
  if (j != k) {
    if constexpr (kMaskedTails) {
      const auto m = hn::FirstN(d, k - j);
      sum = hn::MulAdd(hn::MaskedLoad(m, d, x + j), hn::MaskedLoad(m, d, w + j), sum);
    } else {
      for (; j < k; ++j) {
        tail += x[j] * w[j];
      }
    }
  }
  return hn::GetLane(hn::SumOfLanes(d, sum)) + tail;
}

// One row summed as a block sums each of its rows: the products rounded, then the same pairwise
// tree (TreeSum: lane i of a block holds ((p0 + p1) + (p2 + p3)) + ... of row i). So a row's
// result does not depend on where it falls (in a block, in the remainder, or in the rows peeled
// before streaming stores), and a caller that scores rows in chunks of any size gets the bits it
// would get scoring them all at once. Plain scalar code: with -ffp-contract=off nothing is fused
// (MulAdd(x, w, 0) would round like the product alone, but the tree's adds must stay apart).
template <size_t kCount>
HWY_INLINE float RowTreeF32(const float* HWY_RESTRICT x, const float* HWY_RESTRICT w) {
  if constexpr (kCount == 1) {
    return x[0] * w[0];
  } else {
    return RowTreeF32<kCount / 2>(x, w) + RowTreeF32<kCount / 2>(x + kCount / 2, w + kCount / 2);
  }
}

template <size_t kK>
void GemvF32FixedK(const float* HWY_RESTRICT x, size_t rows, const float* HWY_RESTRICT w,
                   float bias, float* HWY_RESTRICT y) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  // Weights tiled over max(N, k) lanes: lane l of block vector m multiplies w[(m·N + l) mod k].
  const size_t period = std::max(N, kK);
  HWY_ALIGN float tiled[std::max<size_t>(kK, HWY_MAX_BYTES / sizeof(float))];
  for (size_t l = 0; l < period; ++l) {
    tiled[l] = w[l % kK];
  }
  const auto vbias = hn::Set(d, bias);
  ForEachRow(
      rows, N, y,
      [&](size_t r, bool stream) {
        const float* HWY_RESTRICT block = x + r * kK;
        const auto product = [&](size_t m) {
          return hn::Mul(hn::LoadU(d, block + m * N), hn::Load(d, tiled + (m * N) % period));
        };
        StoreOut(d, hn::Add(TreeSum<kK>(d, product, 0), vbias), stream, y + r);
      },
      [&](size_t r) { y[r] = RowTreeF32<kK>(x + r * kK, w) + bias; });
}

void GemvF32Impl(const float* HWY_RESTRICT x, size_t rows, size_t k, const float* HWY_RESTRICT w,
                 float bias, float* HWY_RESTRICT y) {
  internal::NoteRun(HWY_TARGET, false);
  switch (k) {
    case 1:
      return GemvF32FixedK<1>(x, rows, w, bias, y);
    case 2:
      return GemvF32FixedK<2>(x, rows, w, bias, y);
    case 4:
      return GemvF32FixedK<4>(x, rows, w, bias, y);
    case 8:
      return GemvF32FixedK<8>(x, rows, w, bias, y);
    case 16:
      return GemvF32FixedK<16>(x, rows, w, bias, y);
    case 32:
      return GemvF32FixedK<32>(x, rows, w, bias, y);
    case 64:
      return GemvF32FixedK<64>(x, rows, w, bias, y);
    default:
      for (size_t r = 0; r < rows; ++r) {
        y[r] = RowDotF32(x + r * k, w, k) + bias;
      }
  }
}

// ---- uint8 · int8 ----------------------------------------------------------------------------
// |acc| ≤ 64·255·128 < 2^31 for k ≤ 64: int32 is exact throughout.

// Scalar on purpose (internal::KeepScalar: no VEX vpdpbusd from the vectorizer).
int32_t RowSumU8I8(const uint8_t* HWY_RESTRICT x, const int8_t* HWY_RESTRICT w, size_t k) {
  int32_t sum = 0;
  for (size_t j = 0; j < k; ++j) {
    sum += int32_t{x[j]} * int32_t{w[j]};
    internal::KeepScalar(sum);
  }
  return sum;
}

// The output step: the accumulators themselves, or scale·(acc − correction) + bias.
struct AccOut {
  int32_t* HWY_RESTRICT acc;
  const void* Base() const { return acc; }
  template <class D32, class V32>
  HWY_INLINE void Block(D32 d32, V32 sums, bool stream, size_t r) const {
    StoreOut(d32, sums, stream, acc + r);
  }
  HWY_INLINE void Row(int32_t sum, size_t r) const { acc[r] = sum; }
#if HWY_ARCH_ARM_A64
  internal::GemvArmOut ArmOut() const { return {acc, nullptr, 0.0f, 0, 0.0f}; }
#endif
};

struct FloatOut {
  float scale;
  int32_t correction;
  float bias;
  float* HWY_RESTRICT y;
  const void* Base() const { return y; }
  template <class D32, class V32>
  HWY_INLINE void Block(D32 d32, V32 sums, bool stream, size_t r) const {
    const hn::Rebind<float, D32> df;
    const auto v = hn::ConvertTo(df, hn::Sub(sums, hn::Set(d32, correction)));
    // Multiply, then add: a fused multiply-add would differ from the two-step scalar form by
    // more than an ulp of the result whenever bias cancels most of the product.
    StoreOut(df, hn::Add(hn::Mul(hn::Set(df, scale), v), hn::Set(df, bias)), stream, y + r);
  }
  HWY_INLINE void Row(int32_t sum, size_t r) const {
    y[r] = scale * static_cast<float>(sum - correction) + bias;
  }
#if HWY_ARCH_ARM_A64
  internal::GemvArmOut ArmOut() const { return {nullptr, y, scale, correction, bias}; }
#endif
};

// Widening route: bytes promoted to int16, pmaddwd sums adjacent pairs into int32 lanes in order
// (EMU128 and SVE return the even and odd products apart; their sum is the same; NEON returns
// halves, see below), then the tree.
template <size_t kK, class Out>
void GemvU8I8Widen(const uint8_t* HWY_RESTRICT x, size_t rows, const int8_t* HWY_RESTRICT w,
                   const Out& out) {
  const hn::ScalableTag<int16_t> d16;
  const hn::Repartition<int32_t, decltype(d16)> d32;
  const hn::Rebind<uint8_t, decltype(d16)> du8;
  constexpr size_t kPerLane = HWY_TARGET == HWY_SCALAR ? 1 : 2;  // elements per int32 lane
  const size_t N16 = hn::Lanes(d16);
  const size_t period = std::max(N16, kK);
  HWY_ALIGN int16_t tiled[std::max<size_t>(kK, HWY_MAX_BYTES / sizeof(int16_t))];
  for (size_t l = 0; l < period; ++l) {
    tiled[l] = w[l % kK];  // NOLINT(bugprone-signed-char-misuse): sign extension wanted
  }
  ForEachRow(
      rows, hn::Lanes(d32), out.Base(),
      [&](size_t r, bool stream) {
        const uint8_t* HWY_RESTRICT block = x + r * kK;
        const auto product = [&](size_t m) {
          auto odd = hn::Zero(d32);
          const auto even = hn::ReorderWidenMulAccumulate(
              d32, hn::PromoteTo(d16, hn::LoadU(du8, block + m * N16)),
              hn::Load(d16, tiled + (m * N16) % period), hn::Zero(d32), odd);
#if HWY_TARGET == HWY_NEON
          // NEON returns the products of the lower and the upper half of the int16 lanes apart
          // (vmlal_s16, vmlal_high_s16), not the even and the odd ones: adjacent pairs in order
          // are then the pairwise sums of lower:upper. (Found by the aarch64 tests at k = 2, 4.)
          return PairSum(d32, even, odd);
#else
          return hn::Add(even, odd);
#endif
        };
        out.Block(d32, TreeSum<kK / kPerLane>(d32, product, 0), stream, r);
      },
      [&](size_t r) { out.Row(RowSumU8I8(x + r * kK, w, kK), r); });
}

#if HWY_TARGET == HWY_AVX3_DL
// The VNNI loops: QLAB_VNNI_ATTR (x86_vnni.h), since AVX3_DL's target string lacks avx512vnni.

// 16 rows of kK bytes are kK/4 zmm; vpdpbusd leaves four products per int32 lane, in order, so a
// tree of log2(kK/4) ConcatEven/ConcatOdd levels (vpermt2d) gives one row sum per lane.
template <size_t kCount>
QLAB_VNNI_ATTR __attribute__((always_inline)) inline __m512i TreeVnni(
    const uint8_t* HWY_RESTRICT block, __m512i tiled) {
  if constexpr (kCount == 1) {
    return _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_loadu_si512(block), tiled);
  } else {
    const __m512i lo = TreeVnni<kCount / 2>(block, tiled);
    const __m512i hi = TreeVnni<kCount / 2>(block + 64 * (kCount / 2), tiled);
    const __m512i even =
        _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd =
        _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    return _mm512_add_epi32(_mm512_permutex2var_epi32(lo, even, hi),
                            _mm512_permutex2var_epi32(lo, odd, hi));
  }
}

template <size_t kK, bool kFloat, bool kStream>
QLAB_VNNI_ATTR void GemvU8I8VnniBlocks(const uint8_t* HWY_RESTRICT x, size_t begin, size_t end,
                                       const int8_t* HWY_RESTRICT w, int32_t* HWY_RESTRICT acc,
                                       float scale, int32_t correction, float bias,
                                       float* HWY_RESTRICT y) {
  alignas(64) int8_t tiled_bytes[64];
  for (size_t l = 0; l < 64; ++l) {
    tiled_bytes[l] = w[l % kK];
  }
  const __m512i tiled = _mm512_load_si512(tiled_bytes);
  const __m512i vcorrection = _mm512_set1_epi32(correction);
  const __m512 vscale = _mm512_set1_ps(scale);
  const __m512 vbias = _mm512_set1_ps(bias);
  for (size_t r = begin; r + 16 <= end; r += 16) {
    const __m512i sums = TreeVnni<kK / 4>(x + r * kK, tiled);
    if constexpr (kFloat) {
      const __m512 v = _mm512_cvtepi32_ps(_mm512_sub_epi32(sums, vcorrection));
      const __m512 result = _mm512_add_ps(_mm512_mul_ps(vscale, v), vbias);  // unfused, as above
      if constexpr (kStream) {
        _mm512_stream_ps(y + r, result);
      } else {
        _mm512_storeu_ps(y + r, result);
      }
    } else if constexpr (kStream) {
      _mm512_stream_si512(reinterpret_cast<__m512i*>(acc + r), sums);
    } else {
      _mm512_storeu_si512(acc + r, sums);
    }
  }
  if constexpr (kStream) {
    _mm_sfence();
  }
}

template <size_t kK, class Out>
void GemvU8I8Vnni(const uint8_t* HWY_RESTRICT x, size_t rows, const int8_t* HWY_RESTRICT w,
                  const Out& out) {
  internal::NoteRun(HWY_TARGET, true);
  constexpr bool kFloat = std::is_same_v<Out, FloatOut>;
  int32_t* acc = nullptr;
  float* y = nullptr;
  float scale = 0.0f, bias = 0.0f;
  int32_t correction = 0;
  if constexpr (kFloat) {
    y = out.y;
    scale = out.scale;
    bias = out.bias;
    correction = out.correction;
  } else {
    acc = out.acc;
  }
  const internal::StreamPlan plan = internal::PlanStream(rows, 16, out.Base());
  size_t r = 0;
  for (; r < plan.peel; ++r) {
    out.Row(RowSumU8I8(x + r * kK, w, kK), r);
  }
  const size_t blocks_end = r + (rows - r) / 16 * 16;
  if (plan.stream) {
    GemvU8I8VnniBlocks<kK, kFloat, true>(x, r, blocks_end, w, acc, scale, correction, bias, y);
  } else {
    GemvU8I8VnniBlocks<kK, kFloat, false>(x, r, blocks_end, w, acc, scale, correction, bias, y);
  }
  for (r = blocks_end; r < rows; ++r) {
    out.Row(RowSumU8I8(x + r * kK, w, kK), r);
  }
}
#endif  // HWY_TARGET == HWY_AVX3_DL

#if HWY_TARGET == HWY_NEON || (HWY_TARGET & QLAB_SVE_TARGETS) != 0
// Arm's dot-product blocks for k ∈ {4, …, 64} (arm.h), the remaining rows one by one. False when
// they have no path for this k (or this CPU), leaving the rows to the Highway code.
template <class Out>
bool GemvU8I8Arm(const uint8_t* HWY_RESTRICT x, size_t rows, size_t k, const int8_t* HWY_RESTRICT w,
                 const Out& out) {
  const internal::ArmFeatures& arm = internal::Arm();
  size_t done = internal::kNoArmBlocks;
  const char* path = nullptr;
#if HWY_TARGET == HWY_NEON
  if (arm.i8mm) {
    path = internal::kPathNeonI8mm;
    done = internal::GemvU8I8NeonUsdot(x, rows, k, w, out.ArmOut());
  } else if (arm.dotprod) {
    path = internal::kPathNeonDotprod;
    done = internal::GemvU8I8NeonSdot(x, rows, k, w, out.ArmOut());
  }
#else
  if (arm.sve_i8mm) {
    path = internal::kPathSveI8mm;
    done = internal::GemvU8I8SveUsdot(x, rows, k, w, out.ArmOut());
  } else {
    path = internal::kPathSveDotprod;
    done = internal::GemvU8I8SveSdot(x, rows, k, w, out.ArmOut());
  }
#endif
  if (done == internal::kNoArmBlocks) {
    return false;
  }
  internal::NoteRun(HWY_TARGET, path);
  for (size_t r = done; r < rows; ++r) {
    out.Row(RowSumU8I8(x + r * k, w, k), r);
  }
  return true;
}
#endif

template <class Out>
void GemvU8I8Any(const uint8_t* HWY_RESTRICT x, size_t rows, size_t k, const int8_t* HWY_RESTRICT w,
                 const Out& out) {
  internal::NoteRun(HWY_TARGET, false);
#if HWY_TARGET == HWY_AVX3_DL
  switch (k) {
    case 4:
      return GemvU8I8Vnni<4>(x, rows, w, out);
    case 8:
      return GemvU8I8Vnni<8>(x, rows, w, out);
    case 16:
      return GemvU8I8Vnni<16>(x, rows, w, out);
    case 32:
      return GemvU8I8Vnni<32>(x, rows, w, out);
    case 64:
      return GemvU8I8Vnni<64>(x, rows, w, out);
    default:
      break;
  }
#elif HWY_TARGET == HWY_NEON || (HWY_TARGET & QLAB_SVE_TARGETS) != 0
  if (GemvU8I8Arm(x, rows, k, w, out)) {
    return;
  }
#endif
  switch (k) {
    case 2:
      return GemvU8I8Widen<2>(x, rows, w, out);
    case 4:
      return GemvU8I8Widen<4>(x, rows, w, out);
    case 8:
      return GemvU8I8Widen<8>(x, rows, w, out);
    case 16:
      return GemvU8I8Widen<16>(x, rows, w, out);
    case 32:
      return GemvU8I8Widen<32>(x, rows, w, out);
    case 64:
      return GemvU8I8Widen<64>(x, rows, w, out);
    default:
      for (size_t r = 0; r < rows; ++r) {
        out.Row(RowSumU8I8(x + r * k, w, k), r);
      }
  }
}

void GemvU8I8AccImpl(const uint8_t* HWY_RESTRICT x, size_t rows, size_t k,
                     const int8_t* HWY_RESTRICT w, int32_t* HWY_RESTRICT acc) {
  GemvU8I8Any(x, rows, k, w, AccOut{acc});
}

void GemvU8I8Impl(const uint8_t* HWY_RESTRICT x, size_t rows, size_t k,
                  const int8_t* HWY_RESTRICT w, float scale, int32_t correction, float bias,
                  float* HWY_RESTRICT y) {
  GemvU8I8Any(x, rows, k, w, FloatOut{scale, correction, bias, y});
}

// ---- packed uint4 · int8 ------------------------------------------------------------------------
// Rows of PackedRowBytesU4(k) bytes, element 2i in the low nibble of byte i (kernels.h). The
// nibbles are split in registers (an And and a shift) into two code vectors, one holding the even
// elements and one the odd, each multiplied by weights tiled in the same order, so no interleave
// is needed. |acc| ≤ 64·15·128 < 2^17: int32 is exact throughout.

// Scalar on purpose (see RowSumU8I8).
int32_t RowSumU4I8(const uint8_t* HWY_RESTRICT x, const int8_t* HWY_RESTRICT w, size_t k) {
  int32_t sum = 0;
  for (size_t b = 0; b < k / 2; ++b) {
    sum += int32_t{x[b] & 0xF} * int32_t{w[2 * b]} + int32_t{x[b] >> 4} * int32_t{w[2 * b + 1]};
    internal::KeepScalar(sum);
  }
  if (k % 2 != 0) {
    sum += int32_t{x[k / 2] & 0xF} * int32_t{w[k - 1]};  // the high nibble is padding
  }
  return sum;
}

// Widening route, k a power of two ≥ 4: packed bytes promoted to uint16 (one byte, two elements
// per lane), split into the low and high nibble, and each multiplied by its tiled weights with
// pmaddwd, so an int32 lane sums elements 4l .. 4l + 3 of the block (SCALAR: one byte, 2
// elements); then the tree of simd-inl.h, as GemvU8I8Widen. RearrangeToOddPlusEven (an Add on
// x86) keeps that lane order where ReorderWidenMulAccumulate does not (NEON: by halves).
template <size_t kK, class Out>
void GemvU4I8Widen(const uint8_t* HWY_RESTRICT x, size_t rows, const int8_t* HWY_RESTRICT w,
                   const Out& out) {
  static_assert(kK >= 4 && (kK & (kK - 1)) == 0, "power of two ≥ 4");
  const hn::ScalableTag<int16_t> d16;
  const hn::RebindToUnsigned<decltype(d16)> du16;
  const hn::Repartition<int32_t, decltype(d16)> d32;
  const hn::Rebind<uint8_t, decltype(d16)> du8;
  constexpr size_t kPerLane = HWY_TARGET == HWY_SCALAR ? 2 : 4;  // elements per int32 lane
  constexpr size_t kRowBytes = kK / 2;
  const size_t N16 = hn::Lanes(d16);
  // Lane l of vector m holds byte m·N16 + l of the block: elements 2(m·N16 + l) (low nibble) and
  // 2(m·N16 + l) + 1 (high), i.e. weights w[2b mod k] and w[(2b + 1) mod k].
  const size_t period = std::max(N16, kRowBytes);
  HWY_ALIGN int16_t even[std::max<size_t>(kRowBytes, HWY_MAX_BYTES / sizeof(int16_t))];
  HWY_ALIGN int16_t odd[std::max<size_t>(kRowBytes, HWY_MAX_BYTES / sizeof(int16_t))];
  for (size_t l = 0; l < period; ++l) {
    even[l] = w[(2 * l) % kK];     // NOLINT(bugprone-signed-char-misuse): sign extension wanted
    odd[l] = w[(2 * l + 1) % kK];  // NOLINT(bugprone-signed-char-misuse)
  }
  const auto low = hn::Set(du16, 0x000F);
  ForEachRow(
      rows, hn::Lanes(d32), out.Base(),
      [&](size_t r, bool stream) {
        const uint8_t* HWY_RESTRICT block = x + r * kRowBytes;
        const auto product = [&](size_t m) {
          const auto bytes = hn::PromoteTo(du16, hn::LoadU(du8, block + m * N16));
          const auto lo = hn::BitCast(d16, hn::And(bytes, low));
          const auto hi = hn::BitCast(d16, hn::ShiftRight<4>(bytes));
          const size_t t = (m * N16) % period;
          auto sum1 = hn::Zero(d32);
          auto sum0 =
              hn::ReorderWidenMulAccumulate(d32, lo, hn::Load(d16, even + t), hn::Zero(d32), sum1);
          sum0 = hn::ReorderWidenMulAccumulate(d32, hi, hn::Load(d16, odd + t), sum0, sum1);
          // Lane l = products 2l and 2l + 1 on every target (NEON splits by halves, not pairs).
          return hn::RearrangeToOddPlusEven(sum0, sum1);
        };
        out.Block(d32, TreeSum<kK / kPerLane>(d32, product, 0), stream, r);
      },
      [&](size_t r) { out.Row(RowSumU4I8(x + r * kRowBytes, w, kK), r); });
}

#if HWY_TARGET == HWY_AVX3_DL
// 16 rows of kK/2 bytes are kK/8 zmm. Per zmm: the low nibbles (And) are the even elements and
// the high nibbles (16-bit shift by 4, And) the odd ones, each byte in place; two vpdpbusd against
// the even and odd tiled weights leave in int32 lane l the sum of elements 8l .. 8l + 7, and a
// tree of log2(kK/8) vpermt2d levels gives one row sum per lane (none for kK = 8: one zmm is 16
// rows and one row per lane already).
template <size_t kCount>
QLAB_VNNI_ATTR __attribute__((always_inline)) inline __m512i TreeVnniU4(
    const uint8_t* HWY_RESTRICT block, __m512i even, __m512i odd) {
  if constexpr (kCount == 1) {
    const __m512i low = _mm512_set1_epi8(0x0F);
    const __m512i bytes = _mm512_loadu_si512(block);
    const __m512i lo = _mm512_and_si512(bytes, low);
    const __m512i hi = _mm512_and_si512(_mm512_srli_epi16(bytes, 4), low);
    return _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), lo, even), hi, odd);
  } else {
    const __m512i lo = TreeVnniU4<kCount / 2>(block, even, odd);
    const __m512i hi = TreeVnniU4<kCount / 2>(block + 64 * (kCount / 2), even, odd);
    const __m512i ie = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i io = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    return _mm512_add_epi32(_mm512_permutex2var_epi32(lo, ie, hi),
                            _mm512_permutex2var_epi32(lo, io, hi));
  }
}

template <size_t kK, bool kFloat, bool kStream>
QLAB_VNNI_ATTR void GemvU4I8VnniBlocks(const uint8_t* HWY_RESTRICT x, size_t begin, size_t end,
                                       const int8_t* HWY_RESTRICT w, int32_t* HWY_RESTRICT acc,
                                       float scale, int32_t correction, float bias,
                                       float* HWY_RESTRICT y) {
  // Byte b of a zmm holds elements 2b and 2b + 1 of the flat block (64 bytes = 16 rows of k = 8,
  // a whole number of rows for every kK ≥ 8).
  alignas(64) int8_t even_bytes[64];
  alignas(64) int8_t odd_bytes[64];
  for (size_t b = 0; b < 64; ++b) {
    even_bytes[b] = w[(2 * b) % kK];
    odd_bytes[b] = w[(2 * b + 1) % kK];
  }
  const __m512i even = _mm512_load_si512(even_bytes);
  const __m512i odd = _mm512_load_si512(odd_bytes);
  const __m512i vcorrection = _mm512_set1_epi32(correction);
  const __m512 vscale = _mm512_set1_ps(scale);
  const __m512 vbias = _mm512_set1_ps(bias);
  for (size_t r = begin; r + 16 <= end; r += 16) {
    const __m512i sums = TreeVnniU4<kK / 8>(x + r * (kK / 2), even, odd);
    if constexpr (kFloat) {
      const __m512 v = _mm512_cvtepi32_ps(_mm512_sub_epi32(sums, vcorrection));
      const __m512 result = _mm512_add_ps(_mm512_mul_ps(vscale, v), vbias);  // unfused
      if constexpr (kStream) {
        _mm512_stream_ps(y + r, result);
      } else {
        _mm512_storeu_ps(y + r, result);
      }
    } else if constexpr (kStream) {
      _mm512_stream_si512(reinterpret_cast<__m512i*>(acc + r), sums);
    } else {
      _mm512_storeu_si512(acc + r, sums);
    }
  }
  if constexpr (kStream) {
    _mm_sfence();
  }
}

template <size_t kK, class Out>
void GemvU4I8Vnni(const uint8_t* HWY_RESTRICT x, size_t rows, const int8_t* HWY_RESTRICT w,
                  const Out& out) {
  internal::NoteRun(HWY_TARGET, true);
  constexpr bool kFloat = std::is_same_v<Out, FloatOut>;
  constexpr size_t kRowBytes = kK / 2;
  int32_t* acc = nullptr;
  float* y = nullptr;
  float scale = 0.0f, bias = 0.0f;
  int32_t correction = 0;
  if constexpr (kFloat) {
    y = out.y;
    scale = out.scale;
    bias = out.bias;
    correction = out.correction;
  } else {
    acc = out.acc;
  }
  const internal::StreamPlan plan = internal::PlanStream(rows, 16, out.Base());
  size_t r = 0;
  for (; r < plan.peel; ++r) {
    out.Row(RowSumU4I8(x + r * kRowBytes, w, kK), r);
  }
  const size_t blocks_end = r + (rows - r) / 16 * 16;
  if (plan.stream) {
    GemvU4I8VnniBlocks<kK, kFloat, true>(x, r, blocks_end, w, acc, scale, correction, bias, y);
  } else {
    GemvU4I8VnniBlocks<kK, kFloat, false>(x, r, blocks_end, w, acc, scale, correction, bias, y);
  }
  for (r = blocks_end; r < rows; ++r) {
    out.Row(RowSumU4I8(x + r * kRowBytes, w, kK), r);
  }
}
#endif  // HWY_TARGET == HWY_AVX3_DL

template <class Out>
void GemvU4I8Any(const uint8_t* HWY_RESTRICT x, size_t rows, size_t k, const int8_t* HWY_RESTRICT w,
                 const Out& out) {
  internal::NoteRun(HWY_TARGET, false);
#if HWY_TARGET == HWY_AVX3_DL
  switch (k) {
    case 8:
      return GemvU4I8Vnni<8>(x, rows, w, out);
    case 16:
      return GemvU4I8Vnni<16>(x, rows, w, out);
    case 32:
      return GemvU4I8Vnni<32>(x, rows, w, out);
    case 64:
      return GemvU4I8Vnni<64>(x, rows, w, out);
    default:
      break;
  }
#endif
  switch (k) {
    case 4:
      return GemvU4I8Widen<4>(x, rows, w, out);
    case 8:
      return GemvU4I8Widen<8>(x, rows, w, out);
    case 16:
      return GemvU4I8Widen<16>(x, rows, w, out);
    case 32:
      return GemvU4I8Widen<32>(x, rows, w, out);
    case 64:
      return GemvU4I8Widen<64>(x, rows, w, out);
    default: {
      const size_t stride = PackedRowBytesU4(k);
      for (size_t r = 0; r < rows; ++r) {
        out.Row(RowSumU4I8(x + r * stride, w, k), r);
      }
    }
  }
}

void GemvU4I8AccImpl(const uint8_t* HWY_RESTRICT x, size_t rows, size_t k,
                     const int8_t* HWY_RESTRICT w, int32_t* HWY_RESTRICT acc) {
  GemvU4I8Any(x, rows, k, w, AccOut{acc});
}

void GemvU4I8Impl(const uint8_t* HWY_RESTRICT x, size_t rows, size_t k,
                  const int8_t* HWY_RESTRICT w, float scale, int32_t correction, float bias,
                  float* HWY_RESTRICT y) {
  GemvU4I8Any(x, rows, k, w, FloatOut{scale, correction, bias, y});
}

// ---- packed uint2 · int8 ------------------------------------------------------------------------
// Rows of PackedRowBytesU2(k) bytes, element 4i + t in bits 2t..2t + 1 of byte i (kernels.h).
// |acc| ≤ 64·3·128 < 2^15.

// Scalar on purpose (see RowSumU8I8).
int32_t RowSumU2I8(const uint8_t* HWY_RESTRICT x, const int8_t* HWY_RESTRICT w, size_t k) {
  int32_t sum = 0;
  for (size_t j = 0; j < k; ++j) {
    sum += int32_t{static_cast<uint8_t>((x[j / 4] >> (2 * (j % 4))) & 0x3)} * int32_t{w[j]};
    internal::KeepScalar(sum);
  }
  return sum;
}

// Widening route, k a power of two ≥ 8: packed bytes promoted to uint16 (one byte, four elements
// per lane), the four crumbs split by shifts and masks, each multiplied by its tiled weights with
// pmaddwd, so an int32 lane sums elements 8l .. 8l + 7 of the block (SCALAR: one byte, 4): for
// k = 8 one row per lane and no tree.
template <size_t kK, class Out>
void GemvU2I8Widen(const uint8_t* HWY_RESTRICT x, size_t rows, const int8_t* HWY_RESTRICT w,
                   const Out& out) {
  static_assert(kK >= 8 && (kK & (kK - 1)) == 0, "power of two ≥ 8");
  const hn::ScalableTag<int16_t> d16;
  const hn::RebindToUnsigned<decltype(d16)> du16;
  const hn::Repartition<int32_t, decltype(d16)> d32;
  const hn::Rebind<uint8_t, decltype(d16)> du8;
  constexpr size_t kPerLane = HWY_TARGET == HWY_SCALAR ? 4 : 8;  // elements per int32 lane
  constexpr size_t kRowBytes = kK / 4;
  const size_t N16 = hn::Lanes(d16);
  // Lane l of vector m holds byte b = m·N16 + l of the block: elements 4b + t, weights
  // w[(4b + t) mod k].
  const size_t period = std::max(N16, kRowBytes);
  constexpr size_t kTableLanes = std::max<size_t>(kRowBytes, HWY_MAX_BYTES / sizeof(int16_t));
  HWY_ALIGN int16_t tiled[4][kTableLanes];
  for (size_t t = 0; t < 4; ++t) {
    for (size_t l = 0; l < period; ++l) {
      tiled[t][l] = w[(4 * l + t) % kK];  // NOLINT(bugprone-signed-char-misuse): sign extension
    }
  }
  const auto mask = hn::Set(du16, 0x0003);
  ForEachRow(
      rows, hn::Lanes(d32), out.Base(),
      [&](size_t r, bool stream) {
        const uint8_t* HWY_RESTRICT block = x + r * kRowBytes;
        const auto product = [&](size_t m) {
          const auto bytes = hn::PromoteTo(du16, hn::LoadU(du8, block + m * N16));
          const size_t o = (m * N16) % period;
          const auto c0 = hn::BitCast(d16, hn::And(bytes, mask));
          const auto c1 = hn::BitCast(d16, hn::And(hn::ShiftRight<2>(bytes), mask));
          const auto c2 = hn::BitCast(d16, hn::And(hn::ShiftRight<4>(bytes), mask));
          const auto c3 = hn::BitCast(d16, hn::ShiftRight<6>(bytes));
          auto odd01 = hn::Zero(d32);
          auto odd23 = hn::Zero(d32);
          auto s01 = hn::ReorderWidenMulAccumulate(d32, c0, hn::Load(d16, tiled[0] + o),
                                                   hn::Zero(d32), odd01);
          s01 = hn::ReorderWidenMulAccumulate(d32, c1, hn::Load(d16, tiled[1] + o), s01, odd01);
          auto s23 = hn::ReorderWidenMulAccumulate(d32, c2, hn::Load(d16, tiled[2] + o),
                                                   hn::Zero(d32), odd23);
          s23 = hn::ReorderWidenMulAccumulate(d32, c3, hn::Load(d16, tiled[3] + o), s23, odd23);
          return hn::Add(hn::RearrangeToOddPlusEven(s01, odd01),
                         hn::RearrangeToOddPlusEven(s23, odd23));
        };
        out.Block(d32, TreeSum<kK / kPerLane>(d32, product, 0), stream, r);
      },
      [&](size_t r) { out.Row(RowSumU2I8(x + r * kRowBytes, w, kK), r); });
}

template <class Out>
void GemvU2I8Any(const uint8_t* HWY_RESTRICT x, size_t rows, size_t k, const int8_t* HWY_RESTRICT w,
                 const Out& out) {
  internal::NoteRun(HWY_TARGET, false);
  switch (k) {
    case 8:
      return GemvU2I8Widen<8>(x, rows, w, out);
    case 16:
      return GemvU2I8Widen<16>(x, rows, w, out);
    case 32:
      return GemvU2I8Widen<32>(x, rows, w, out);
    case 64:
      return GemvU2I8Widen<64>(x, rows, w, out);
    default: {
      const size_t stride = PackedRowBytesU2(k);
      for (size_t r = 0; r < rows; ++r) {
        out.Row(RowSumU2I8(x + r * stride, w, k), r);
      }
    }
  }
}

void GemvU2I8AccImpl(const uint8_t* HWY_RESTRICT x, size_t rows, size_t k,
                     const int8_t* HWY_RESTRICT w, int32_t* HWY_RESTRICT acc) {
  GemvU2I8Any(x, rows, k, w, AccOut{acc});
}

void GemvU2I8Impl(const uint8_t* HWY_RESTRICT x, size_t rows, size_t k,
                  const int8_t* HWY_RESTRICT w, float scale, int32_t correction, float bias,
                  float* HWY_RESTRICT y) {
  GemvU2I8Any(x, rows, k, w, FloatOut{scale, correction, bias, y});
}

}  // namespace HWY_NAMESPACE
}  // namespace qlab::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qlab::kernels {

HWY_EXPORT(GemvF32Impl);
HWY_EXPORT(GemvU8I8AccImpl);
HWY_EXPORT(GemvU8I8Impl);

void GemvF32(const float* x, size_t rows, size_t k, const float* w, float bias, float* y) {
  QLAB_DYNAMIC_DISPATCH(GemvF32Impl)(x, rows, k, w, bias, y);
}

void GemvU8I8Acc(const uint8_t* x, size_t rows, size_t k, const int8_t* w, int32_t* acc) {
  QLAB_DYNAMIC_DISPATCH(GemvU8I8AccImpl)(x, rows, k, w, acc);
}

void GemvU8I8(const uint8_t* x, size_t rows, size_t k, const int8_t* w, float scale,
              int32_t correction, float bias, float* y) {
  QLAB_DYNAMIC_DISPATCH(GemvU8I8Impl)(x, rows, k, w, scale, correction, bias, y);
}

HWY_EXPORT(GemvU4I8AccImpl);
HWY_EXPORT(GemvU4I8Impl);

void GemvU4I8Acc(const uint8_t* x_packed, size_t rows, size_t k, const int8_t* w, int32_t* acc) {
  QLAB_DYNAMIC_DISPATCH(GemvU4I8AccImpl)(x_packed, rows, k, w, acc);
}

void GemvU4I8(const uint8_t* x_packed, size_t rows, size_t k, const int8_t* w, float scale,
              int32_t correction, float bias, float* y) {
  QLAB_DYNAMIC_DISPATCH(GemvU4I8Impl)(x_packed, rows, k, w, scale, correction, bias, y);
}

HWY_EXPORT(GemvU2I8AccImpl);
HWY_EXPORT(GemvU2I8Impl);

void GemvU2I8Acc(const uint8_t* x_packed, size_t rows, size_t k, const int8_t* w, int32_t* acc) {
  QLAB_DYNAMIC_DISPATCH(GemvU2I8AccImpl)(x_packed, rows, k, w, acc);
}

void GemvU2I8(const uint8_t* x_packed, size_t rows, size_t k, const int8_t* w, float scale,
              int32_t correction, float bias, float* y) {
  QLAB_DYNAMIC_DISPATCH(GemvU2I8Impl)(x_packed, rows, k, w, scale, correction, bias, y);
}

}  // namespace qlab::kernels
#endif  // HWY_ONCE
