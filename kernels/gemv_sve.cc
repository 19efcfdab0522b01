// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// uint8·int8 gemv blocks with SVE's dot-product instructions, for k ∈ {4, 8, 16, 32, 64}: the
// NEON scheme (gemv_neon.cc) at any power-of-two vector length. A block of svcntw() rows is k/4
// vectors; svdot/svusdot against the tiled weights leaves four consecutive products of one row
// in each int32 lane, and a pairwise tree of UZP1 + UZP2 + ADD (the sums of adjacent lanes of
// lo:hi, in order, as Highway's ConcatEven/ConcatOdd) reduces them to one row sum per lane.
//   svusdot (SVE + FEAT_I8MM): x·w directly.
//   svdot: (x xor 0x80)·w plus the row constant 128·Σw.
// |acc| ≤ 64·255·128 < 2^31: int32 is exact throughout. The float step is one multiply and one
// add, each rounded (built with -ffp-contract=off).
#include <arm_sve.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "kernels/arm.h"

#define QLAB_SVE __attribute__((target("arch=armv8.2-a+sve")))
#define QLAB_SVE_I8MM __attribute__((target("arch=armv8.2-a+sve+i8mm")))

namespace qlab::kernels::internal {
namespace {

constexpr size_t kMaxBytes = 256;  // SVE's largest vector: 2048 bits

// The weights repeated over max(vector bytes, k) bytes; vector m of a block multiplies the
// vector-sized slice at (m·bytes) mod period.
struct Tiles {
  alignas(16) int8_t bytes[kMaxBytes];
  size_t period;
  Tiles(const int8_t* w, size_t k, size_t vector_bytes) : period(std::max(vector_bytes, k)) {
    for (size_t l = 0; l < period; ++l) {
      bytes[l] = w[l % k];
    }
  }
  const int8_t* For(size_t m, size_t vector_bytes) const {
    return bytes + (m * vector_bytes) % period;
  }
};

QLAB_SVE inline svint32_t PairSum(svint32_t lo, svint32_t hi) {
  return svadd_s32_x(svptrue_b32(), svuzp1_s32(lo, hi), svuzp2_s32(lo, hi));
}

// Row sums of the block's vectors m0 .. m0 + kCount − 1.
template <size_t kCount>
QLAB_SVE svint32_t TreeSdot(const uint8_t* block, const Tiles& tiles, size_t m0) {
  static_assert((kCount & (kCount - 1)) == 0, "power of two");
  if constexpr (kCount == 1) {
    const size_t N = svcntb();
    const svbool_t all = svptrue_b8();
    const svint8_t signed_x =
        svreinterpret_s8_u8(sveor_n_u8_x(all, svld1_u8(all, block + m0 * N), 0x80));
    return svdot_s32(svdup_n_s32(0), signed_x, svld1_s8(all, tiles.For(m0, N)));
  } else {
    return PairSum(TreeSdot<kCount / 2>(block, tiles, m0),
                   TreeSdot<kCount / 2>(block, tiles, m0 + kCount / 2));
  }
}

template <size_t kCount>
QLAB_SVE_I8MM svint32_t TreeUsdot(const uint8_t* block, const Tiles& tiles, size_t m0) {
  static_assert((kCount & (kCount - 1)) == 0, "power of two");
  if constexpr (kCount == 1) {
    const size_t N = svcntb();
    const svbool_t all = svptrue_b8();
    return svusdot_s32(svdup_n_s32(0), svld1_u8(all, block + m0 * N),
                       svld1_s8(all, tiles.For(m0, N)));
  } else {
    return PairSum(TreeUsdot<kCount / 2>(block, tiles, m0),
                   TreeUsdot<kCount / 2>(block, tiles, m0 + kCount / 2));
  }
}

QLAB_SVE inline void Store(const GemvArmOut& out, size_t r, svint32_t sums) {
  const svbool_t all = svptrue_b32();
  if (out.acc != nullptr) {
    svst1_s32(all, out.acc + r, sums);
  } else {
    const svfloat32_t v = svcvt_f32_s32_x(all, svsub_n_s32_x(all, sums, out.correction));
    svst1_f32(all, out.y + r, svadd_n_f32_x(all, svmul_n_f32_x(all, v, out.scale), out.bias));
  }
}

template <size_t kK>
QLAB_SVE size_t BlocksSdot(const uint8_t* x, size_t rows, const int8_t* w, const GemvArmOut& out) {
  const size_t R = svcntw();  // rows per block
  const Tiles tiles(w, kK, svcntb());
  int32_t sum_w = 0;
  for (size_t j = 0; j < kK; ++j) {
    sum_w += w[j];
  }
  const int32_t row_constant = 128 * sum_w;  // |·| ≤ 128·64·128 = 2^20
  const size_t done = rows / R * R;
  for (size_t r = 0; r < done; r += R) {
    const svint32_t sums = TreeSdot<kK / 4>(x + r * kK, tiles, 0);
    Store(out, r, svadd_n_s32_x(svptrue_b32(), sums, row_constant));
  }
  return done;
}

template <size_t kK>
QLAB_SVE_I8MM size_t BlocksUsdot(const uint8_t* x, size_t rows, const int8_t* w,
                                 const GemvArmOut& out) {
  const size_t R = svcntw();
  const Tiles tiles(w, kK, svcntb());
  const size_t done = rows / R * R;
  for (size_t r = 0; r < done; r += R) {
    Store(out, r, TreeUsdot<kK / 4>(x + r * kK, tiles, 0));
  }
  return done;
}

QLAB_SVE bool PowerOfTwoVectors() {
  const size_t bytes = svcntb();
  return (bytes & (bytes - 1)) == 0;
}

}  // namespace

QLAB_SVE size_t GemvU8I8SveSdot(const uint8_t* x, size_t rows, size_t k, const int8_t* w,
                                const GemvArmOut& out) {
  if (!PowerOfTwoVectors()) return kNoArmBlocks;
  switch (k) {
    case 4:
      return BlocksSdot<4>(x, rows, w, out);
    case 8:
      return BlocksSdot<8>(x, rows, w, out);
    case 16:
      return BlocksSdot<16>(x, rows, w, out);
    case 32:
      return BlocksSdot<32>(x, rows, w, out);
    case 64:
      return BlocksSdot<64>(x, rows, w, out);
    default:
      return kNoArmBlocks;
  }
}

QLAB_SVE_I8MM size_t GemvU8I8SveUsdot(const uint8_t* x, size_t rows, size_t k, const int8_t* w,
                                      const GemvArmOut& out) {
  if (!PowerOfTwoVectors()) return kNoArmBlocks;
  switch (k) {
    case 4:
      return BlocksUsdot<4>(x, rows, w, out);
    case 8:
      return BlocksUsdot<8>(x, rows, w, out);
    case 16:
      return BlocksUsdot<16>(x, rows, w, out);
    case 32:
      return BlocksUsdot<32>(x, rows, w, out);
    case 64:
      return BlocksUsdot<64>(x, rows, w, out);
    default:
      return kNoArmBlocks;
  }
}

}  // namespace qlab::kernels::internal
