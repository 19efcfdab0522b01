// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Exact int8·int8 and uint8·int8 dot products with SVE's dot-product instructions: SDOT (svdot,
// part of every SVE implementation) and USDOT (svusdot, SVE with FEAT_I8MM). Each adds four byte
// products into every int32 lane; the block bound that keeps the lanes exact is stated in arm.h.
// Vector-length agnostic: the same code runs at 128 to 2048 bits (Highway's SVE, SVE_256, SVE2
// and SVE2_128 targets all call it; SVE2 adds no 8-bit dot product of its own).
//
// Four independent accumulators, as on NEON (dot_neon.cc); the tail is one predicated step per
// vector (svwhilelt): inactive lanes load as zero and never fault, so nothing past the end is read.
#include <arm_sve.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "kernels/arm.h"

// The functions run only on SVE targets (Highway checked HWCAP_SVE) and, for i8mm, after the
// HWCAP2_SVEI8MM check (dot.cc).
#define QLAB_SVE __attribute__((target("arch=armv8.2-a+sve")))
#define QLAB_SVE_I8MM __attribute__((target("arch=armv8.2-a+sve+i8mm")))

namespace qlab::kernels::internal {
namespace {

QLAB_SVE inline int64_t SumLanes(svint32_t s0, svint32_t s1, svint32_t s2, svint32_t s3) {
  const svbool_t all = svptrue_b32();
  return svaddv_s32(all, svadd_s32_x(all, svadd_s32_x(all, s0, s1), svadd_s32_x(all, s2, s3)));
}

// a − 128 as int8 (every lane: an inactive one is 0 xor 0x80).
QLAB_SVE inline svint8_t SignedA(svuint8_t v) {
  return svreinterpret_s8_u8(sveor_n_u8_x(svptrue_b8(), v, 0x80));
}

}  // namespace

QLAB_SVE int64_t DotI8SveSdot(const int8_t* a, const int8_t* b, size_t n) {
  const size_t N = svcntb();
  const svbool_t all = svptrue_b8();
  int64_t total = 0;
  size_t i = 0;
  while (i < n) {
    const size_t end = i + std::min(n - i, kArmIntBlock);
    svint32_t s0 = svdup_n_s32(0), s1 = s0, s2 = s0, s3 = s0;
    for (; i + 4 * N <= end; i += 4 * N) {
      s0 = svdot_s32(s0, svld1_vnum_s8(all, a + i, 0), svld1_vnum_s8(all, b + i, 0));
      s1 = svdot_s32(s1, svld1_vnum_s8(all, a + i, 1), svld1_vnum_s8(all, b + i, 1));
      s2 = svdot_s32(s2, svld1_vnum_s8(all, a + i, 2), svld1_vnum_s8(all, b + i, 2));
      s3 = svdot_s32(s3, svld1_vnum_s8(all, a + i, 3), svld1_vnum_s8(all, b + i, 3));
    }
    for (; i < end; i += N) {
      const svbool_t pg = svwhilelt_b8_u64(i, end);
      s0 = svdot_s32(s0, svld1_s8(pg, a + i), svld1_s8(pg, b + i));
    }
    i = end;
    total += SumLanes(s0, s1, s2, s3);
  }
  return total;
}

// Without USDOT: Σ a·b = Σ (a xor 0x80)·b + 128·Σ b, both through SDOT (dot_neon.cc). Inactive
// tail lanes load as a = 0, b = 0: (0 xor 0x80)·0 and 0·1 add nothing.
QLAB_SVE int64_t DotU8I8SveSdot(const uint8_t* a, const int8_t* b, size_t n) {
  const size_t N = svcntb();
  const svbool_t all = svptrue_b8();
  int64_t total = 0;
  size_t i = 0;
  while (i < n) {
    const size_t end = i + std::min(n - i, kArmIntBlock);
    svint32_t s0 = svdup_n_s32(0), s1 = s0, s2 = s0, s3 = s0;
    svint32_t t0 = s0, t1 = s0, t2 = s0, t3 = s0;
    for (; i + 4 * N <= end; i += 4 * N) {
      const svint8_t b0 = svld1_vnum_s8(all, b + i, 0), b1 = svld1_vnum_s8(all, b + i, 1);
      const svint8_t b2 = svld1_vnum_s8(all, b + i, 2), b3 = svld1_vnum_s8(all, b + i, 3);
      s0 = svdot_s32(s0, SignedA(svld1_vnum_u8(all, a + i, 0)), b0);
      s1 = svdot_s32(s1, SignedA(svld1_vnum_u8(all, a + i, 1)), b1);
      s2 = svdot_s32(s2, SignedA(svld1_vnum_u8(all, a + i, 2)), b2);
      s3 = svdot_s32(s3, SignedA(svld1_vnum_u8(all, a + i, 3)), b3);
      t0 = svdot_n_s32(t0, b0, 1);
      t1 = svdot_n_s32(t1, b1, 1);
      t2 = svdot_n_s32(t2, b2, 1);
      t3 = svdot_n_s32(t3, b3, 1);
    }
    for (; i < end; i += N) {
      const svbool_t pg = svwhilelt_b8_u64(i, end);
      const svint8_t vb = svld1_s8(pg, b + i);
      s0 = svdot_s32(s0, SignedA(svld1_u8(pg, a + i)), vb);
      t0 = svdot_n_s32(t0, vb, 1);
    }
    i = end;
    total += SumLanes(s0, s1, s2, s3) + 128 * SumLanes(t0, t1, t2, t3);
  }
  return total;
}

QLAB_SVE_I8MM int64_t DotU8I8SveUsdot(const uint8_t* a, const int8_t* b, size_t n) {
  const size_t N = svcntb();
  const svbool_t all = svptrue_b8();
  int64_t total = 0;
  size_t i = 0;
  while (i < n) {
    const size_t end = i + std::min(n - i, kArmIntBlock);
    svint32_t s0 = svdup_n_s32(0), s1 = s0, s2 = s0, s3 = s0;
    for (; i + 4 * N <= end; i += 4 * N) {
      s0 = svusdot_s32(s0, svld1_vnum_u8(all, a + i, 0), svld1_vnum_s8(all, b + i, 0));
      s1 = svusdot_s32(s1, svld1_vnum_u8(all, a + i, 1), svld1_vnum_s8(all, b + i, 1));
      s2 = svusdot_s32(s2, svld1_vnum_u8(all, a + i, 2), svld1_vnum_s8(all, b + i, 2));
      s3 = svusdot_s32(s3, svld1_vnum_u8(all, a + i, 3), svld1_vnum_s8(all, b + i, 3));
    }
    for (; i < end; i += N) {
      const svbool_t pg = svwhilelt_b8_u64(i, end);
      s0 = svusdot_s32(s0, svld1_u8(pg, a + i), svld1_s8(pg, b + i));
    }
    i = end;
    total += SumLanes(s0, s1, s2, s3);
  }
  return total;
}

}  // namespace qlab::kernels::internal
