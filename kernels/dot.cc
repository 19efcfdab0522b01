// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Dot products: f32 → f32, and int8·int8 / uint8·int8 → exact int64, on every Highway target.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/dot.cc"
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
#include "kernels/arm.h"  // the NEON and SVE dot-product paths
#endif
#ifndef QLAB_SVE_TARGETS
#define QLAB_SVE_TARGETS (HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128)
#endif

#ifndef QLAB_KERNELS_DOT_ONCE
#define QLAB_KERNELS_DOT_ONCE
namespace qlab::kernels::internal {
// Integer dots add the int32 lanes of one block, then widen the block's total to int64. A product
// is at most 255·128 = 32,640 in magnitude, so any partial sum of a block of 65,536 elements stays
// below 65,536·32,640 = 2,139,095,040 < 2^31: no int32 lane and no horizontal sum can overflow.
inline constexpr size_t kIntBlock = size_t{1} << 16;
}  // namespace qlab::kernels::internal
#endif

HWY_BEFORE_NAMESPACE();
namespace qlab::kernels {
namespace HWY_NAMESPACE {

float DotF32Impl(const float* HWY_RESTRICT a, const float* HWY_RESTRICT b, size_t n) {
  internal::NoteRun(HWY_TARGET, false);
  const hn::ScalableTag<float> d;
  using V = hn::Vec<decltype(d)>;
  const size_t N = hn::Lanes(d);
  // Four accumulators: two loads per cycle feed one FMA per cycle, whose latency is 4 cycles.
  // (Eight measured slower at n = 4096 on Zen 5: the longer combine and loop overhead cost more
  // than the extra chains gain once the loads are the limit.)
  V sum0 = hn::Zero(d), sum1 = hn::Zero(d), sum2 = hn::Zero(d), sum3 = hn::Zero(d);
  size_t i = 0;
  if (n >= 4 * N) {
    for (; i <= n - 4 * N; i += 4 * N) {
      sum0 = hn::MulAdd(hn::LoadU(d, a + i + 0 * N), hn::LoadU(d, b + i + 0 * N), sum0);
      sum1 = hn::MulAdd(hn::LoadU(d, a + i + 1 * N), hn::LoadU(d, b + i + 1 * N), sum1);
      sum2 = hn::MulAdd(hn::LoadU(d, a + i + 2 * N), hn::LoadU(d, b + i + 2 * N), sum2);
      sum3 = hn::MulAdd(hn::LoadU(d, a + i + 3 * N), hn::LoadU(d, b + i + 3 * N), sum3);
    }
  }
  for (; i + N <= n; i += N) {
    sum0 = hn::MulAdd(hn::LoadU(d, a + i), hn::LoadU(d, b + i), sum0);
  }
  float scalar_tail = 0.0f;
  if (i != n) {
    const size_t remaining = n - i;
    if constexpr (kMaskedTails) {
      const auto m = hn::FirstN(d, remaining);
      sum1 = hn::MulAdd(hn::MaskedLoad(m, d, a + i), hn::MaskedLoad(m, d, b + i), sum1);
    } else if (n >= N) {
      // The last full vector overlaps lanes already counted: zero them in both operands (zeroing
      // one would turn 0·Inf into NaN).
      const auto counted = hn::FirstN(d, N - remaining);
      sum1 = hn::MulAdd(hn::IfThenZeroElse(counted, hn::LoadU(d, a + n - N)),
                        hn::IfThenZeroElse(counted, hn::LoadU(d, b + n - N)), sum1);
    } else {
      for (; i < n; ++i) {
        scalar_tail += a[i] * b[i];
      }
    }
  }
  sum0 = hn::Add(hn::Add(sum0, sum1), hn::Add(sum2, sum3));
  return hn::GetLane(hn::SumOfLanes(d, sum0)) + scalar_tail;
}

// Widening route, every target: promote 8-bit lanes to int16, multiply pairs and add them into
// int32 lanes (pmaddwd: exact, two products of at most 32,640 each).
template <typename TA>
int64_t DotInt8Widen(const TA* HWY_RESTRICT a, const int8_t* HWY_RESTRICT b, size_t n) {
  internal::NoteRun(HWY_TARGET, false);
  const hn::ScalableTag<int16_t> d16;
  const hn::Repartition<int32_t, decltype(d16)> d32;
  const hn::Rebind<TA, decltype(d16)> da;
  const hn::Rebind<int8_t, decltype(d16)> db;
  using V32 = hn::Vec<decltype(d32)>;
  const size_t N = hn::Lanes(d16);
  const auto product = [&](const TA* pa, const int8_t* pb, V32 sum, V32& odd) {
    return hn::ReorderWidenMulAccumulate(d32, hn::PromoteTo(d16, hn::LoadU(da, pa)),
                                         hn::PromoteTo(d16, hn::LoadU(db, pb)), sum, odd);
  };
  int64_t total = 0;
  size_t i = 0;
  while (i < n) {
    const size_t end = i + std::min(n - i, internal::kIntBlock);
    V32 sum0 = hn::Zero(d32), sum1 = hn::Zero(d32), sum2 = hn::Zero(d32), sum3 = hn::Zero(d32);
    V32 odd0 = hn::Zero(d32), odd1 = hn::Zero(d32), odd2 = hn::Zero(d32), odd3 = hn::Zero(d32);
    for (; i + 4 * N <= end; i += 4 * N) {
      sum0 = product(a + i + 0 * N, b + i + 0 * N, sum0, odd0);
      sum1 = product(a + i + 1 * N, b + i + 1 * N, sum1, odd1);
      sum2 = product(a + i + 2 * N, b + i + 2 * N, sum2, odd2);
      sum3 = product(a + i + 3 * N, b + i + 3 * N, sum3, odd3);
    }
    for (; i + N <= end; i += N) {
      sum0 = product(a + i, b + i, sum0, odd0);
    }
    if (i != end) {  // only in the last block
      const size_t remaining = end - i;
      if constexpr (kMaskedTails) {
        const auto ma = hn::FirstN(da, remaining);
        const auto mb = hn::FirstN(db, remaining);
        sum1 = hn::ReorderWidenMulAccumulate(d32, hn::PromoteTo(d16, hn::MaskedLoad(ma, da, a + i)),
                                             hn::PromoteTo(d16, hn::MaskedLoad(mb, db, b + i)),
                                             sum1, odd1);
      } else if (n >= N) {
        const auto counted = hn::FirstN(d16, N - remaining);
        sum1 = hn::ReorderWidenMulAccumulate(
            d32, hn::IfThenZeroElse(counted, hn::PromoteTo(d16, hn::LoadU(da, a + n - N))),
            hn::PromoteTo(d16, hn::LoadU(db, b + n - N)), sum1, odd1);
      } else {
        for (; i < end; ++i) {
          total += int64_t{a[i]} * int64_t{b[i]};
        }
      }
      i = end;
    }
    sum0 = hn::Add(hn::Add(hn::Add(sum0, sum1), hn::Add(sum2, sum3)),
                   hn::Add(hn::Add(odd0, odd1), hn::Add(odd2, odd3)));
    total += hn::GetLane(hn::SumOfLanes(d32, sum0));
  }
  return total;
}

#if HWY_TARGET == HWY_AVX3_DL
// The VNNI loops: QLAB_VNNI_ATTR (x86_vnni.h), since AVX3_DL's target string lacks avx512vnni.

// vpdpbusd adds four uint8·int8 products into each int32 lane, without the int16 saturation of
// vpmaddubsw. Signed a is offset to a + 128 = a xor 0x80 (as uint8) and 128·Σb taken back off.
// Three loops by length, each measured against the others on Zen 5 (bench/README):
//
// - Short (under kVnniShort2 bytes, at most 7 whole vectors; then under kVnniShort, at most 31):
//   two (then four) vpdpbusd chains, no blocks, Σb from a second vpdpbusd against bytes of 128 on
//   chains of its own. There the fixed cost decides: the long loop's eight chains, remainder
//   steps and combine tree made n = 256 run at 0.78× a single-chain design (one vpdpbusd chain,
//   vpsadbw for Σb); the short loops lead it.
// - Long: eight chains keep both load ports busy behind the latency. Σb comes from vpmaddubsw(1,
//   b) (adjacent pairs of b into int16 lanes) and an int16 add, not a second vpdpbusd: at
//   n = 4096 a second vpdpbusd per 64 bytes ran at 0.85× the uint8 dot, vpsadbw on b xor 0x80
//   (plus a 64-bit add) at 0.82×, shifts and adds alone at 0.64×, vpmaddubsw at 0.93×. A pair
//   lies in [-256, 254], so each of the two int16 pair accumulators takes at most 64 vectors
//   (kPairBlock bytes) and their sum stays in [-32768, 32512]; vpmaddwd with -128 widens it into
//   int32 lanes as -128·Σb. What is left after the 512-byte steps runs as 4, 2 and 1 vectors on
//   separate chains, then one masked step.
//
// In every loop an empty asm keeps b's vector in a register: without it GCC folds the load into
// both of its users and reads b twice, three loads per 64 bytes where two are the limit.
constexpr size_t kVnniShort = 2048;
constexpr size_t kVnniShort2 = 512;

template <bool kSignedA>
QLAB_VNNI_ATTR int64_t DotVnniShort2(const void* a_bytes, const int8_t* b, size_t n) {
  internal::NoteRun(HWY_TARGET, true);
  const auto* a = static_cast<const uint8_t*>(a_bytes);
  const __m512i bytes_128 = _mm512_set1_epi8(static_cast<char>(0x80));
  const auto load_a = [&](__m512i v) { return kSignedA ? _mm512_xor_si512(v, bytes_128) : v; };
  __m512i s0 = _mm512_setzero_si512(), s1 = s0, t0 = s0, t1 = s0;
#define QLAB_VNNI_STEP(k, s, t)                                                   \
  do {                                                                            \
    __m512i vb = _mm512_loadu_si512(b + i + 64 * (k));                            \
    if (kSignedA) asm("" : "+v"(vb));                                             \
    s = _mm512_dpbusd_epi32(s, load_a(_mm512_loadu_si512(a + i + 64 * (k))), vb); \
    if (kSignedA) t = _mm512_dpbusd_epi32(t, bytes_128, vb);                      \
  } while (false)
  size_t i = 0;
  for (; i + 128 <= n; i += 128) {
    QLAB_VNNI_STEP(0, s0, t0);
    QLAB_VNNI_STEP(1, s1, t1);
  }
  if (i + 64 <= n) {
    QLAB_VNNI_STEP(0, s0, t0);
    i += 64;
  }
#undef QLAB_VNNI_STEP
  if (i != n) {
    const __mmask64 m = _bzhi_u64(~uint64_t{0}, static_cast<unsigned>(n - i));
    const __m512i vb = _mm512_maskz_loadu_epi8(m, b + i);
    s1 = _mm512_dpbusd_epi32(s1, load_a(_mm512_maskz_loadu_epi8(m, a + i)), vb);
    if (kSignedA) t1 = _mm512_dpbusd_epi32(t1, bytes_128, vb);
  }
  s0 = _mm512_add_epi32(s0, s1);
  if (kSignedA) s0 = _mm512_sub_epi32(s0, _mm512_add_epi32(t0, t1));
  return _mm512_reduce_add_epi32(s0);
}

template <bool kSignedA>
QLAB_VNNI_ATTR int64_t DotVnniShort4(const void* a_bytes, const int8_t* b, size_t n) {
  internal::NoteRun(HWY_TARGET, true);
  const auto* a = static_cast<const uint8_t*>(a_bytes);
  const __m512i bytes_128 = _mm512_set1_epi8(static_cast<char>(0x80));
  const auto load_a = [&](__m512i v) { return kSignedA ? _mm512_xor_si512(v, bytes_128) : v; };
  __m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0, t0 = s0, t1 = s0, t2 = s0,
          t3 = s0;
#define QLAB_VNNI_STEP(k, s, t)                                                   \
  do {                                                                            \
    __m512i vb = _mm512_loadu_si512(b + i + 64 * (k));                            \
    if (kSignedA) asm("" : "+v"(vb));                                             \
    s = _mm512_dpbusd_epi32(s, load_a(_mm512_loadu_si512(a + i + 64 * (k))), vb); \
    if (kSignedA) t = _mm512_dpbusd_epi32(t, bytes_128, vb);                      \
  } while (false)
  size_t i = 0;
  for (; i + 256 <= n; i += 256) {
    QLAB_VNNI_STEP(0, s0, t0);
    QLAB_VNNI_STEP(1, s1, t1);
    QLAB_VNNI_STEP(2, s2, t2);
    QLAB_VNNI_STEP(3, s3, t3);
  }
  if (i + 128 <= n) {
    QLAB_VNNI_STEP(0, s0, t0);
    QLAB_VNNI_STEP(1, s1, t1);
    i += 128;
  }
  if (i + 64 <= n) {
    QLAB_VNNI_STEP(0, s2, t2);
    i += 64;
  }
#undef QLAB_VNNI_STEP
  if (i != n) {
    const __mmask64 m = _bzhi_u64(~uint64_t{0}, static_cast<unsigned>(n - i));
    const __m512i vb = _mm512_maskz_loadu_epi8(m, b + i);
    s3 = _mm512_dpbusd_epi32(s3, load_a(_mm512_maskz_loadu_epi8(m, a + i)), vb);
    if (kSignedA) t3 = _mm512_dpbusd_epi32(t3, bytes_128, vb);
  }
  s0 = _mm512_add_epi32(_mm512_add_epi32(s0, s1), _mm512_add_epi32(s2, s3));
  if (kSignedA) {
    s0 = _mm512_sub_epi32(s0, _mm512_add_epi32(_mm512_add_epi32(t0, t1), _mm512_add_epi32(t2, t3)));
  }
  return _mm512_reduce_add_epi32(s0);
}

template <bool kSignedA>
QLAB_VNNI_ATTR int64_t DotVnni(const void* a_bytes, const int8_t* b, size_t n) {
  internal::NoteRun(HWY_TARGET, true);
  constexpr size_t kPairBlock = 8192;  // 128 vectors: at most 64 per pair accumulator
  const auto* a = static_cast<const uint8_t*>(a_bytes);
  const __m512i bytes_128 = _mm512_set1_epi8(static_cast<char>(0x80));
  const __m512i ones8 = _mm512_set1_epi8(1);
  const __m512i minus_128 = _mm512_set1_epi16(-128);
  const auto load_a = [&](__m512i v) { return kSignedA ? _mm512_xor_si512(v, bytes_128) : v; };
// h += the pair sums of b.
#define QLAB_VNNI_ADD_B(h, vb) h = _mm512_add_epi16(h, _mm512_maddubs_epi16(ones8, vb))
  int64_t total = 0;
  size_t i = 0;
  while (i < n) {
    const size_t end = i + std::min(n - i, internal::kIntBlock);
    __m512i s0 = _mm512_setzero_si512(), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0,
            s7 = s0;
    __m512i correction = s0;  // -128·Σb of the block, int32 lanes
    while (i < end) {
      const size_t pair_end = i + std::min(end - i, kPairBlock);
      __m512i h0 = _mm512_setzero_si512(), h1 = h0;  // pair sums of b (int16)
#define QLAB_VNNI_STEP(k, s, h)                                                   \
  do {                                                                            \
    __m512i vb = _mm512_loadu_si512(b + i + 64 * (k));                            \
    if (kSignedA) asm("" : "+v"(vb));                                             \
    s = _mm512_dpbusd_epi32(s, load_a(_mm512_loadu_si512(a + i + 64 * (k))), vb); \
    if (kSignedA) QLAB_VNNI_ADD_B(h, vb);                                         \
  } while (false)
      for (; i + 512 <= pair_end; i += 512) {
        QLAB_VNNI_STEP(0, s0, h0);
        QLAB_VNNI_STEP(1, s1, h1);
        QLAB_VNNI_STEP(2, s2, h0);
        QLAB_VNNI_STEP(3, s3, h1);
        QLAB_VNNI_STEP(4, s4, h0);
        QLAB_VNNI_STEP(5, s5, h1);
        QLAB_VNNI_STEP(6, s6, h0);
        QLAB_VNNI_STEP(7, s7, h1);
      }
      if (i + 256 <= pair_end) {
        QLAB_VNNI_STEP(0, s0, h0);
        QLAB_VNNI_STEP(1, s1, h1);
        QLAB_VNNI_STEP(2, s2, h0);
        QLAB_VNNI_STEP(3, s3, h1);
        i += 256;
      }
      if (i + 128 <= pair_end) {
        QLAB_VNNI_STEP(0, s4, h0);
        QLAB_VNNI_STEP(1, s5, h1);
        i += 128;
      }
      if (i + 64 <= pair_end) {
        QLAB_VNNI_STEP(0, s6, h0);
        i += 64;
      }
#undef QLAB_VNNI_STEP
      if (i != pair_end) {  // only at the very end
        // Masked-off bytes load as zero; for signed a they become 128, times b's zero, and add
        // nothing to Σb.
        const __mmask64 m = _bzhi_u64(~uint64_t{0}, static_cast<unsigned>(pair_end - i));
        const __m512i vb = _mm512_maskz_loadu_epi8(m, b + i);
        s7 = _mm512_dpbusd_epi32(s7, load_a(_mm512_maskz_loadu_epi8(m, a + i)), vb);
        if (kSignedA) QLAB_VNNI_ADD_B(h1, vb);
        i = pair_end;
      }
      if (kSignedA) {
        correction =
            _mm512_add_epi32(correction, _mm512_madd_epi16(_mm512_add_epi16(h0, h1), minus_128));
      }
    }
    s0 = _mm512_add_epi32(_mm512_add_epi32(_mm512_add_epi32(s0, s1), _mm512_add_epi32(s2, s3)),
                          _mm512_add_epi32(_mm512_add_epi32(s4, s5), _mm512_add_epi32(s6, s7)));
    // Lane j of both holds the bytes 4j..4j+3 of every vector, so lane by lane the sum is the
    // exact Σa·b of those bytes (at most 4096 · 128² in magnitude); one reduction for both.
    if (kSignedA) s0 = _mm512_add_epi32(s0, correction);
    total += _mm512_reduce_add_epi32(s0);
  }
#undef QLAB_VNNI_ADD_B
  return total;
}
#endif  // HWY_TARGET == HWY_AVX3_DL

// Arm: NEON takes SDOT where the CPU has FEAT_DotProd, else the widening route; uint8·int8 takes
// USDOT where it also has FEAT_I8MM, else the corrected SDOT route. Every SVE target takes svdot
// (uint8·int8: svusdot where SVE has I8MM, else corrected svdot). See arm.h.
int64_t DotI8Impl(const int8_t* HWY_RESTRICT a, const int8_t* HWY_RESTRICT b, size_t n) {
#if HWY_TARGET == HWY_AVX3_DL
  if (n < kVnniShort2) return DotVnniShort2<true>(a, b, n);
  return n < kVnniShort ? DotVnniShort4<true>(a, b, n) : DotVnni<true>(a, b, n);
#elif HWY_TARGET == HWY_NEON
  if (internal::Arm().dotprod) {
    internal::NoteRun(HWY_TARGET, internal::kPathNeonDotprod);
    return internal::DotI8NeonSdot(a, b, n);
  }
  return DotInt8Widen(a, b, n);
#elif (HWY_TARGET & QLAB_SVE_TARGETS) != 0
  internal::NoteRun(HWY_TARGET, internal::kPathSveDotprod);
  return internal::DotI8SveSdot(a, b, n);
#else
  return DotInt8Widen(a, b, n);
#endif
}

int64_t DotU8I8Impl(const uint8_t* HWY_RESTRICT a, const int8_t* HWY_RESTRICT b, size_t n) {
#if HWY_TARGET == HWY_AVX3_DL
  if (n < kVnniShort2) return DotVnniShort2<false>(a, b, n);
  return n < kVnniShort ? DotVnniShort4<false>(a, b, n) : DotVnni<false>(a, b, n);
#elif HWY_TARGET == HWY_NEON
  if (internal::Arm().i8mm) {
    internal::NoteRun(HWY_TARGET, internal::kPathNeonI8mm);
    return internal::DotU8I8NeonUsdot(a, b, n);
  }
  if (internal::Arm().dotprod) {
    internal::NoteRun(HWY_TARGET, internal::kPathNeonDotprod);
    return internal::DotU8I8NeonSdot(a, b, n);
  }
  return DotInt8Widen(a, b, n);
#elif (HWY_TARGET & QLAB_SVE_TARGETS) != 0
  if (internal::Arm().sve_i8mm) {
    internal::NoteRun(HWY_TARGET, internal::kPathSveI8mm);
    return internal::DotU8I8SveUsdot(a, b, n);
  }
  internal::NoteRun(HWY_TARGET, internal::kPathSveDotprod);
  return internal::DotU8I8SveSdot(a, b, n);
#else
  return DotInt8Widen(a, b, n);
#endif
}

}  // namespace HWY_NAMESPACE
}  // namespace qlab::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qlab::kernels {

HWY_EXPORT(DotF32Impl);
HWY_EXPORT(DotI8Impl);
HWY_EXPORT(DotU8I8Impl);

float DotF32(const float* a, const float* b, size_t n) {
  return QLAB_DYNAMIC_DISPATCH(DotF32Impl)(a, b, n);
}

int64_t DotI8(const int8_t* a, const int8_t* b, size_t n) {
  return QLAB_DYNAMIC_DISPATCH(DotI8Impl)(a, b, n);
}

int64_t DotU8I8(const uint8_t* a, const int8_t* b, size_t n) {
  return QLAB_DYNAMIC_DISPATCH(DotU8I8Impl)(a, b, n);
}

}  // namespace qlab::kernels
#endif  // HWY_ONCE
