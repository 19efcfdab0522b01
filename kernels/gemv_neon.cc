// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// uint8·int8 gemv blocks with NEON's dot-product instructions, for k ∈ {4, 8, 16, 32, 64}.
// A block of 4 rows is k/4 contiguous 16-byte vectors. Each is dotted with the tiled weights
// (lane l of vector m multiplies w[(16m + 4l .. 16m + 4l + 3) mod k]), leaving in every int32 lane
// the sum of four consecutive products of one row; a pairwise tree of ADDP (vpaddq_s32: the sums
// of adjacent lanes of a:b, in order) reduces the k/4 vectors to one holding the 4 row sums.
// |acc| ≤ 64·255·128 < 2^31 (kernels.h): int32 is exact throughout, no blocking needed.
//   USDOT (FEAT_I8MM): x·w directly.
//   SDOT (FEAT_DotProd): (x xor 0x80)·w, an int8·int8 dot, plus the row constant 128·Σw.
// The float step is one multiply and one add, each rounded (kernels are built with
// -ffp-contract=off, and GCC's vmulq_f32/vaddq_f32 are plain * and +, so nothing fuses them).
#include <arm_neon.h>

#include <cstddef>
#include <cstdint>

#include "kernels/arm.h"

#define QLAB_NEON_DOTPROD __attribute__((target("arch=armv8.2-a+dotprod")))
#define QLAB_NEON_I8MM __attribute__((target("arch=armv8.2-a+dotprod+i8mm")))

namespace qlab::kernels::internal {
namespace {

constexpr size_t kBytes = 16;
constexpr size_t kRows = 4;  // int32 lanes: one row sum each

// Row sums from the block's k/4 dot results p[0..kCount−1], by pairwise ADDP.
template <size_t kCount>
inline int32x4_t Tree(const int32x4_t* p) {
  static_assert((kCount & (kCount - 1)) == 0, "power of two");
  if constexpr (kCount == 1) {
    return p[0];
  } else {
    return vpaddq_s32(Tree<kCount / 2>(p), Tree<kCount / 2>(p + kCount / 2));
  }
}

// The weights repeated over max(16, k) bytes: vector m of a block multiplies tiles[m mod kTiles].
template <size_t kK>
struct Tiles {
  static constexpr size_t kCount = kK > kBytes ? kK / kBytes : 1;
  int8x16_t v[kCount];
  explicit Tiles(const int8_t* w) {
    int8_t bytes[kCount * kBytes];
    for (size_t l = 0; l < kCount * kBytes; ++l) {
      bytes[l] = w[l % kK];
    }
    for (size_t t = 0; t < kCount; ++t) {
      v[t] = vld1q_s8(bytes + kBytes * t);
    }
  }
  int8x16_t operator[](size_t m) const { return v[m % kCount]; }
};

template <bool kFloat>
inline void Store(const GemvArmOut& out, size_t r, int32x4_t sums) {
  if constexpr (kFloat) {
    const float32x4_t v = vcvtq_f32_s32(vsubq_s32(sums, vdupq_n_s32(out.correction)));
    vst1q_f32(out.y + r, vaddq_f32(vmulq_f32(vdupq_n_f32(out.scale), v), vdupq_n_f32(out.bias)));
  } else {
    vst1q_s32(out.acc + r, sums);
  }
}

template <size_t kK, bool kFloat>
QLAB_NEON_DOTPROD size_t BlocksSdot(const uint8_t* x, size_t rows, const int8_t* w,
                                    const GemvArmOut& out) {
  constexpr size_t kCount = kK / 4;  // vectors per block of 4 rows
  const Tiles<kK> tiles(w);
  int32_t sum_w = 0;
  for (size_t j = 0; j < kK; ++j) {
    sum_w += w[j];
  }
  const int32x4_t row_constant = vdupq_n_s32(128 * sum_w);  // |·| ≤ 128·64·128 = 2^20
  const uint8x16_t flip = vdupq_n_u8(0x80);
  const size_t done = rows / kRows * kRows;
  for (size_t r = 0; r < done; r += kRows) {
    const uint8_t* block = x + r * kK;
    int32x4_t p[kCount];
    for (size_t m = 0; m < kCount; ++m) {
      const int8x16_t signed_x = vreinterpretq_s8_u8(veorq_u8(vld1q_u8(block + kBytes * m), flip));
      p[m] = vdotq_s32(vdupq_n_s32(0), signed_x, tiles[m]);
    }
    Store<kFloat>(out, r, vaddq_s32(Tree<kCount>(p), row_constant));
  }
  return done;
}

template <size_t kK, bool kFloat>
QLAB_NEON_I8MM size_t BlocksUsdot(const uint8_t* x, size_t rows, const int8_t* w,
                                  const GemvArmOut& out) {
  constexpr size_t kCount = kK / 4;
  const Tiles<kK> tiles(w);
  const size_t done = rows / kRows * kRows;
  for (size_t r = 0; r < done; r += kRows) {
    const uint8_t* block = x + r * kK;
    int32x4_t p[kCount];
    for (size_t m = 0; m < kCount; ++m) {
      p[m] = vusdotq_s32(vdupq_n_s32(0), vld1q_u8(block + kBytes * m), tiles[m]);
    }
    Store<kFloat>(out, r, Tree<kCount>(p));
  }
  return done;
}

// Runs Blocks<k, float output?> for the k that have a block path.
template <template <size_t, bool> class Blocks>
size_t ForK(const uint8_t* x, size_t rows, size_t k, const int8_t* w, const GemvArmOut& out) {
  const bool to_float = out.acc == nullptr;
  switch (k) {
    case 4:
      return to_float ? Blocks<4, true>::Run(x, rows, w, out)
                      : Blocks<4, false>::Run(x, rows, w, out);
    case 8:
      return to_float ? Blocks<8, true>::Run(x, rows, w, out)
                      : Blocks<8, false>::Run(x, rows, w, out);
    case 16:
      return to_float ? Blocks<16, true>::Run(x, rows, w, out)
                      : Blocks<16, false>::Run(x, rows, w, out);
    case 32:
      return to_float ? Blocks<32, true>::Run(x, rows, w, out)
                      : Blocks<32, false>::Run(x, rows, w, out);
    case 64:
      return to_float ? Blocks<64, true>::Run(x, rows, w, out)
                      : Blocks<64, false>::Run(x, rows, w, out);
    default:
      return kNoArmBlocks;
  }
}

template <size_t kK, bool kFloat>
struct SdotBlocks {
  static size_t Run(const uint8_t* x, size_t rows, const int8_t* w, const GemvArmOut& out) {
    return BlocksSdot<kK, kFloat>(x, rows, w, out);
  }
};

template <size_t kK, bool kFloat>
struct UsdotBlocks {
  static size_t Run(const uint8_t* x, size_t rows, const int8_t* w, const GemvArmOut& out) {
    return BlocksUsdot<kK, kFloat>(x, rows, w, out);
  }
};

}  // namespace

size_t GemvU8I8NeonSdot(const uint8_t* x, size_t rows, size_t k, const int8_t* w,
                        const GemvArmOut& out) {
  return ForK<SdotBlocks>(x, rows, k, w, out);
}

size_t GemvU8I8NeonUsdot(const uint8_t* x, size_t rows, size_t k, const int8_t* w,
                         const GemvArmOut& out) {
  return ForK<UsdotBlocks>(x, rows, k, w, out);
}

}  // namespace qlab::kernels::internal
