// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Exact int8·int8 and uint8·int8 dot products with NEON's dot-product instructions: SDOT
// (FEAT_DotProd) and USDOT (FEAT_I8MM). Each adds the four products of four consecutive byte
// pairs into one int32 lane, 16 products per instruction, without the intermediate int16 of the
// widening route. The block bound that keeps the int32 lanes exact is stated in arm.h.
//
// Four independent accumulators: SDOT's latency is 2-4 cycles on the cores Arm documents
// (Cortex-A76, Neoverse N1/V1) and two or three 16-byte loads per cycle feed at most ~1.5 dots
// per cycle, so four chains cover the latency. (No Arm hardware here: not tuned by measurement.)
//
// Tail: at least one whole vector: one more vector ending at the last element, its lanes already
// counted zeroed in b (integers: zeroing one operand suffices); shorter: a scalar loop. Never a
// read past the end.
#include <arm_neon.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "kernels/arm.h"

// The target strings of GCC's own arm_neon.h for these intrinsics (its #pragma GCC target). The
// functions run only after the HWCAP check of the feature (dot.cc).
#define QLAB_NEON_DOTPROD __attribute__((target("arch=armv8.2-a+dotprod")))
#define QLAB_NEON_I8MM __attribute__((target("arch=armv8.2-a+dotprod+i8mm")))

namespace qlab::kernels::internal {
namespace {

// 16 zero bytes then 16 of 0xFF: the 16 bytes at kKeepLast + r keep the last r lanes.
alignas(16) constexpr uint8_t kKeepLast[32] = {
    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,    0,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

constexpr size_t kBytes = 16;  // one q register

// b's last vector, ending at b + n, with the lanes before position n − remaining zeroed.
inline int8x16_t LastB(const int8_t* b, size_t n, size_t remaining) {
  return vandq_s8(vld1q_s8(b + n - kBytes), vreinterpretq_s8_u8(vld1q_u8(kKeepLast + remaining)));
}

template <typename TA>
int64_t DotScalar(const TA* a, const int8_t* b, size_t n) {
  int64_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    total += int64_t{a[i]} * int64_t{b[i]};
  }
  return total;
}

inline int64_t SumLanes(int32x4_t s0, int32x4_t s1, int32x4_t s2, int32x4_t s3) {
  return vaddlvq_s32(vaddq_s32(vaddq_s32(s0, s1), vaddq_s32(s2, s3)));
}

}  // namespace

QLAB_NEON_DOTPROD int64_t DotI8NeonSdot(const int8_t* a, const int8_t* b, size_t n) {
  if (n < kBytes) {
    return DotScalar(a, b, n);
  }
  int64_t total = 0;
  size_t i = 0;
  while (i < n) {
    const size_t end = i + std::min(n - i, kArmIntBlock);
    int32x4_t s0 = vdupq_n_s32(0), s1 = s0, s2 = s0, s3 = s0;
    for (; i + 4 * kBytes <= end; i += 4 * kBytes) {
      s0 = vdotq_s32(s0, vld1q_s8(a + i + 0 * kBytes), vld1q_s8(b + i + 0 * kBytes));
      s1 = vdotq_s32(s1, vld1q_s8(a + i + 1 * kBytes), vld1q_s8(b + i + 1 * kBytes));
      s2 = vdotq_s32(s2, vld1q_s8(a + i + 2 * kBytes), vld1q_s8(b + i + 2 * kBytes));
      s3 = vdotq_s32(s3, vld1q_s8(a + i + 3 * kBytes), vld1q_s8(b + i + 3 * kBytes));
    }
    for (; i + kBytes <= end; i += kBytes) {
      s0 = vdotq_s32(s0, vld1q_s8(a + i), vld1q_s8(b + i));
    }
    if (i != end) {  // only in the last block (blocks are whole vectors), and n ≥ 16
      s1 = vdotq_s32(s1, vld1q_s8(a + n - kBytes), LastB(b, n, end - i));
      i = end;
    }
    total += SumLanes(s0, s1, s2, s3);
  }
  return total;
}

// Without USDOT: a − 128 = a xor 0x80 is an int8, so Σ a·b = Σ (a xor 0x80)·b + 128·Σ b, both
// through SDOT, Σ b as b·1. Twice the instructions of USDOT, half those of the widening route.
QLAB_NEON_DOTPROD int64_t DotU8I8NeonSdot(const uint8_t* a, const int8_t* b, size_t n) {
  if (n < kBytes) {
    return DotScalar(a, b, n);
  }
  const uint8x16_t flip = vdupq_n_u8(0x80);
  const int8x16_t ones = vdupq_n_s8(1);
  const auto signed_a = [&](const uint8_t* p) {
    return vreinterpretq_s8_u8(veorq_u8(vld1q_u8(p), flip));
  };
  int64_t total = 0;
  size_t i = 0;
  while (i < n) {
    const size_t end = i + std::min(n - i, kArmIntBlock);
    int32x4_t s0 = vdupq_n_s32(0), s1 = s0, s2 = s0, s3 = s0;
    int32x4_t t0 = s0, t1 = s0, t2 = s0, t3 = s0;
    for (; i + 4 * kBytes <= end; i += 4 * kBytes) {
      const int8x16_t b0 = vld1q_s8(b + i + 0 * kBytes), b1 = vld1q_s8(b + i + 1 * kBytes);
      const int8x16_t b2 = vld1q_s8(b + i + 2 * kBytes), b3 = vld1q_s8(b + i + 3 * kBytes);
      s0 = vdotq_s32(s0, signed_a(a + i + 0 * kBytes), b0);
      s1 = vdotq_s32(s1, signed_a(a + i + 1 * kBytes), b1);
      s2 = vdotq_s32(s2, signed_a(a + i + 2 * kBytes), b2);
      s3 = vdotq_s32(s3, signed_a(a + i + 3 * kBytes), b3);
      t0 = vdotq_s32(t0, b0, ones);
      t1 = vdotq_s32(t1, b1, ones);
      t2 = vdotq_s32(t2, b2, ones);
      t3 = vdotq_s32(t3, b3, ones);
    }
    for (; i + kBytes <= end; i += kBytes) {
      const int8x16_t vb = vld1q_s8(b + i);
      s0 = vdotq_s32(s0, signed_a(a + i), vb);
      t0 = vdotq_s32(t0, vb, ones);
    }
    if (i != end) {
      // Zeroed b lanes drop out of both sums.
      const int8x16_t vb = LastB(b, n, end - i);
      s1 = vdotq_s32(s1, signed_a(a + n - kBytes), vb);
      t1 = vdotq_s32(t1, vb, ones);
      i = end;
    }
    total += SumLanes(s0, s1, s2, s3) + 128 * SumLanes(t0, t1, t2, t3);
  }
  return total;
}

QLAB_NEON_I8MM int64_t DotU8I8NeonUsdot(const uint8_t* a, const int8_t* b, size_t n) {
  if (n < kBytes) {
    return DotScalar(a, b, n);
  }
  int64_t total = 0;
  size_t i = 0;
  while (i < n) {
    const size_t end = i + std::min(n - i, kArmIntBlock);
    int32x4_t s0 = vdupq_n_s32(0), s1 = s0, s2 = s0, s3 = s0;
    for (; i + 4 * kBytes <= end; i += 4 * kBytes) {
      s0 = vusdotq_s32(s0, vld1q_u8(a + i + 0 * kBytes), vld1q_s8(b + i + 0 * kBytes));
      s1 = vusdotq_s32(s1, vld1q_u8(a + i + 1 * kBytes), vld1q_s8(b + i + 1 * kBytes));
      s2 = vusdotq_s32(s2, vld1q_u8(a + i + 2 * kBytes), vld1q_s8(b + i + 2 * kBytes));
      s3 = vusdotq_s32(s3, vld1q_u8(a + i + 3 * kBytes), vld1q_s8(b + i + 3 * kBytes));
    }
    for (; i + kBytes <= end; i += kBytes) {
      s0 = vusdotq_s32(s0, vld1q_u8(a + i), vld1q_s8(b + i));
    }
    if (i != end) {
      s1 = vusdotq_s32(s1, vld1q_u8(a + n - kBytes), LastB(b, n, end - i));
      i = end;
    }
    total += SumLanes(s0, s1, s2, s3);
  }
  return total;
}

}  // namespace qlab::kernels::internal
