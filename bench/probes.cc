// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The roofs the kernels are judged against, through dynamic dispatch like the kernels: memory
// bandwidth probes (read-only and copy), the peak rate of each kernel family's multiply-add
// instruction, and the core clock from a chain of dependent integer adds.
#include <cstddef>
#include <cstdint>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "bench/probes.cc"
#include <hwy/cache_control.h>
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "bench/probes.h"

HWY_BEFORE_NAMESPACE();
namespace qlab::bench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// ---- bandwidth
// ----------------------------------------------------------------------------------

// Reads `bytes` (64-byte aligned) `passes` times and adds every word into eight accumulators:
// sixteen full-width loads per step, each folded into its add (vpaddq zmm, [mem] on AVX3), so the
// loop is the loads plus three instructions. An add has a latency of one cycle, so eight chains
// keep two (or more) loads per cycle in flight with room to spare. The buffer is read as two
// concurrent sequential streams (its halves, eight loads from each per step), as a two-input
// kernel reads. Measured here in one interleaved run against one stream and four: one stream
// reached 114 GB/s in L2, 52 in L3 and 17 in DRAM where two reach 165, 56 and 27; four were
// level with two in L3 and DRAM and 10% slower in L2. (XOR instead of add made GCC merge load
// pairs into vpternlogd and copy every accumulator between registers on every step.)
uint64_t ReadProbeImpl(const uint8_t* HWY_RESTRICT bytes_in, size_t bytes, size_t passes) {
  const hn::ScalableTag<uint64_t> d;
  using V = hn::Vec<decltype(d)>;
  const size_t N = hn::Lanes(d);
  const auto* HWY_RESTRICT w = reinterpret_cast<const uint64_t*>(bytes_in);
  const size_t n = bytes / sizeof(uint64_t);
  const size_t half = n / (16 * N) * (8 * N);
  V x0 = hn::Zero(d), x1 = x0, x2 = x0, x3 = x0, x4 = x0, x5 = x0, x6 = x0, x7 = x0;
  uint64_t tail = 0;
  const uint64_t* HWY_RESTRICT s0 = w;
  const uint64_t* HWY_RESTRICT s1 = w + half;
  for (size_t p = 0; p < passes; ++p) {
    for (size_t i = 0; i < half; i += 8 * N) {
      x0 = hn::Add(x0, hn::Load(d, s0 + i));
      x1 = hn::Add(x1, hn::Load(d, s1 + i));
      x2 = hn::Add(x2, hn::Load(d, s0 + i + N));
      x3 = hn::Add(x3, hn::Load(d, s1 + i + N));
      x4 = hn::Add(x4, hn::Load(d, s0 + i + 2 * N));
      x5 = hn::Add(x5, hn::Load(d, s1 + i + 2 * N));
      x6 = hn::Add(x6, hn::Load(d, s0 + i + 3 * N));
      x7 = hn::Add(x7, hn::Load(d, s1 + i + 3 * N));
      x0 = hn::Add(x0, hn::Load(d, s0 + i + 4 * N));
      x1 = hn::Add(x1, hn::Load(d, s1 + i + 4 * N));
      x2 = hn::Add(x2, hn::Load(d, s0 + i + 5 * N));
      x3 = hn::Add(x3, hn::Load(d, s1 + i + 5 * N));
      x4 = hn::Add(x4, hn::Load(d, s0 + i + 6 * N));
      x5 = hn::Add(x5, hn::Load(d, s1 + i + 6 * N));
      x6 = hn::Add(x6, hn::Load(d, s0 + i + 7 * N));
      x7 = hn::Add(x7, hn::Load(d, s1 + i + 7 * N));
    }
    for (size_t i = 2 * half; i < n; ++i) {
      tail += w[i];
    }
  }
  x0 =
      hn::Add(hn::Add(hn::Add(x0, x1), hn::Add(x2, x3)), hn::Add(hn::Add(x4, x5), hn::Add(x6, x7)));
  alignas(64) uint64_t lanes[HWY_MAX_BYTES / sizeof(uint64_t)];
  hn::Store(x0, d, lanes);
  for (size_t l = 0; l < N; ++l) {
    tail += lanes[l];
  }
  return tail;
}

// Copies `bytes` from src to dst (both 64-byte aligned) `passes` times, four vectors per step.
// With `stream`, the stores bypass the caches (as gemv's large outputs do), which saves the read
// for ownership of every destination line: the way to write a buffer larger than the caches.
void CopyProbeImpl(const uint8_t* HWY_RESTRICT src, uint8_t* HWY_RESTRICT dst, size_t bytes,
                   size_t passes, bool stream) {
  const hn::ScalableTag<uint8_t> d;
  const size_t N = hn::Lanes(d);
  const size_t body = bytes / (4 * N) * (4 * N);
  for (size_t p = 0; p < passes; ++p) {
    if (stream) {
      for (size_t i = 0; i < body; i += 4 * N) {
        hn::Stream(hn::Load(d, src + i), d, dst + i);
        hn::Stream(hn::Load(d, src + i + N), d, dst + i + N);
        hn::Stream(hn::Load(d, src + i + 2 * N), d, dst + i + 2 * N);
        hn::Stream(hn::Load(d, src + i + 3 * N), d, dst + i + 3 * N);
      }
    } else {
      for (size_t i = 0; i < body; i += 4 * N) {
        hn::Store(hn::Load(d, src + i), d, dst + i);
        hn::Store(hn::Load(d, src + i + N), d, dst + i + N);
        hn::Store(hn::Load(d, src + i + 2 * N), d, dst + i + 2 * N);
        hn::Store(hn::Load(d, src + i + 3 * N), d, dst + i + 3 * N);
      }
    }
    for (size_t i = body; i < bytes; ++i) {
      dst[i] = src[i];
    }
  }
  if (stream) {
    hwy::FlushStream();
  }
}

// ---- compute
// ------------------------------------------------------------------------------------
// Each probe runs kChains independent dependency chains of the instruction, each link feeding the
// next, so nothing can be hoisted out of the loop and the rate is the instruction's throughput
// once kChains ≥ latency × issue rate. Zen 5: FMA 4 cycles × 2 pipes = 8 chains, vpdpbusd and
// pmaddwd (+ add) about the same; sixteen (ten where there are only 16 vector registers) leave
// margin for cores with more pipes (four 128-bit FMA units on Neoverse V2 need sixteen).
#if HWY_TARGET == HWY_SSSE3 || HWY_TARGET == HWY_SSE4 || HWY_TARGET == HWY_AVX2 || \
    HWY_TARGET == HWY_SCALAR
constexpr size_t kChains = 10;
#else
constexpr size_t kChains = 16;
#endif

#define QLAB_CHAINS_10(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9)
#if HWY_TARGET == HWY_SSSE3 || HWY_TARGET == HWY_SSE4 || HWY_TARGET == HWY_AVX2 || \
    HWY_TARGET == HWY_SCALAR
#define QLAB_CHAINS(X) QLAB_CHAINS_10(X)
#else
#define QLAB_CHAINS(X) QLAB_CHAINS_10(X) X(10) X(11) X(12) X(13) X(14) X(15)
#endif

size_t ProbeChainsImpl() { return kChains; }
size_t ProbeF32LanesImpl() { return hn::Lanes(hn::ScalableTag<float>()); }

// acc = acc · m + c, one FMA per chain and step; m = 0.5 keeps every value normal and bounded.
float FmaF32ProbeImpl(size_t steps, float seed) {
  const hn::ScalableTag<float> d;
  const auto m = hn::Set(d, 0.5f);
  const auto c = hn::Set(d, seed);
#define QLAB_DECLARE(k) auto acc##k = hn::Set(d, seed + (k));
#define QLAB_STEP(k) acc##k = hn::MulAdd(acc##k, m, c);
#define QLAB_COMBINE(k) total = hn::Add(total, acc##k);
  QLAB_CHAINS(QLAB_DECLARE)
  for (size_t s = 0; s < steps; ++s) {
    QLAB_CHAINS(QLAB_STEP)
  }
  auto total = hn::Zero(d);
  QLAB_CHAINS(QLAB_COMBINE)
#undef QLAB_DECLARE
#undef QLAB_STEP
#undef QLAB_COMBINE
  return hn::GetLane(hn::SumOfLanes(d, total));
}

// The widening int8 route's multiply-add: int16 pairs into int32 lanes (pmaddwd and an add on
// x86). The chain goes through the multiply: acc += pairs(acc as int16, m).
int32_t MaddI16ProbeImpl(size_t steps, int32_t seed) {
  const hn::ScalableTag<int16_t> d16;
  const hn::Repartition<int32_t, decltype(d16)> d32;
  const auto m = hn::Set(d16, static_cast<int16_t>(3));
#define QLAB_DECLARE(k)                   \
  auto acc##k = hn::Set(d32, seed + (k)); \
  auto odd##k = hn::Zero(d32);
#define QLAB_STEP(k) \
  acc##k = hn::ReorderWidenMulAccumulate(d32, hn::BitCast(d16, acc##k), m, acc##k, odd##k);
#define QLAB_COMBINE(k) total = hn::Add(total, hn::Add(acc##k, odd##k));
  QLAB_CHAINS(QLAB_DECLARE)
  for (size_t s = 0; s < steps; ++s) {
    QLAB_CHAINS(QLAB_STEP)
  }
  auto total = hn::Zero(d32);
  QLAB_CHAINS(QLAB_COMBINE)
#undef QLAB_DECLARE
#undef QLAB_STEP
#undef QLAB_COMBINE
  return hn::GetLane(hn::SumOfLanes(d32, total));
}

size_t MaddI16LanesImpl() { return hn::Lanes(hn::ScalableTag<int16_t>()); }

#if HWY_TARGET == HWY_AVX3_DL
// Highway 1.0.3's AVX3_DL target string lacks avx512vnni (as in kernels/dot.cc).
#define QLAB_VNNI_ATTR \
  __attribute__((target("avx2,bmi,bmi2,fma,avx512f,avx512vl,avx512dq,avx512bw,avx512vnni")))

// vpdpbusd zmm: 64 uint8·int8 products into 16 int32 lanes; each chain's accumulator is its own
// destination, as in the dot kernel.
QLAB_VNNI_ATTR int32_t DpbusdProbeImpl(size_t steps, int32_t seed) {
  const __m512i a = _mm512_set1_epi8(3);
  const __m512i b = _mm512_set1_epi8(-5);
#define QLAB_DECLARE(k) __m512i acc##k = _mm512_set1_epi32(seed + (k));
#define QLAB_STEP(k) acc##k = _mm512_dpbusd_epi32(acc##k, a, b);
#define QLAB_COMBINE(k) total = _mm512_add_epi32(total, acc##k);
  QLAB_CHAINS(QLAB_DECLARE)
  for (size_t s = 0; s < steps; ++s) {
    QLAB_CHAINS(QLAB_STEP)
  }
  __m512i total = _mm512_setzero_si512();
  QLAB_CHAINS(QLAB_COMBINE)
#undef QLAB_DECLARE
#undef QLAB_STEP
#undef QLAB_COMBINE
  return _mm512_reduce_add_epi32(total);
}
bool HaveDpbusdImpl() { return true; }
#else
int32_t DpbusdProbeImpl(size_t /*steps*/, int32_t seed) { return seed; }
bool HaveDpbusdImpl() { return false; }
#endif
#undef QLAB_CHAINS
#undef QLAB_CHAINS_10

}  // namespace HWY_NAMESPACE
}  // namespace qlab::bench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qlab::bench {

HWY_EXPORT(ReadProbeImpl);
HWY_EXPORT(CopyProbeImpl);
HWY_EXPORT(ProbeChainsImpl);
HWY_EXPORT(ProbeF32LanesImpl);
HWY_EXPORT(FmaF32ProbeImpl);
HWY_EXPORT(MaddI16ProbeImpl);
HWY_EXPORT(MaddI16LanesImpl);
HWY_EXPORT(DpbusdProbeImpl);
HWY_EXPORT(HaveDpbusdImpl);

uint64_t ReadProbe(const uint8_t* bytes_in, size_t bytes, size_t passes) {
  return HWY_DYNAMIC_DISPATCH(ReadProbeImpl)(bytes_in, bytes, passes);
}
void CopyProbe(const uint8_t* src, uint8_t* dst, size_t bytes, size_t passes, bool stream) {
  HWY_DYNAMIC_DISPATCH(CopyProbeImpl)(src, dst, bytes, passes, stream);
}
size_t ProbeChains() { return HWY_DYNAMIC_DISPATCH(ProbeChainsImpl)(); }
size_t FmaF32Lanes() { return HWY_DYNAMIC_DISPATCH(ProbeF32LanesImpl)(); }
float FmaF32Probe(size_t steps, float seed) {
  return HWY_DYNAMIC_DISPATCH(FmaF32ProbeImpl)(steps, seed);
}
int32_t MaddI16Probe(size_t steps, int32_t seed) {
  return HWY_DYNAMIC_DISPATCH(MaddI16ProbeImpl)(steps, seed);
}
size_t MaddI16Lanes() { return HWY_DYNAMIC_DISPATCH(MaddI16LanesImpl)(); }
int32_t DpbusdProbe(size_t steps, int32_t seed) {
  return HWY_DYNAMIC_DISPATCH(DpbusdProbeImpl)(steps, seed);
}
bool HaveDpbusd() { return HWY_DYNAMIC_DISPATCH(HaveDpbusdImpl)(); }

// kAddChainLength (32) dependent register-register adds per loop step, written in asm so that the
// compiler cannot fold them: one cycle each on every x86-64 and AArch64 core (none eliminates such
// an add at rename), so adds per second is the core clock. The loop counter's own add and branch
// run beside the chain on other ports.
uint64_t AddChain(uint64_t steps) {
  uint64_t x = steps;
  const uint64_t one = 1;
  for (uint64_t s = 0; s < steps; ++s) {
#if defined(__x86_64__)
#define QLAB_ADD4 "add %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\tadd %1, %0\n\t"
    asm volatile(QLAB_ADD4 QLAB_ADD4 QLAB_ADD4 QLAB_ADD4 QLAB_ADD4 QLAB_ADD4 QLAB_ADD4 QLAB_ADD4
                 : "+r"(x)
                 : "r"(one));
#undef QLAB_ADD4
#elif defined(__aarch64__)
#define QLAB_ADD4 "add %0, %0, %1\n\tadd %0, %0, %1\n\tadd %0, %0, %1\n\tadd %0, %0, %1\n\t"
    asm volatile(QLAB_ADD4 QLAB_ADD4 QLAB_ADD4 QLAB_ADD4 QLAB_ADD4 QLAB_ADD4 QLAB_ADD4 QLAB_ADD4
                 : "+r"(x)
                 : "r"(one));
#undef QLAB_ADD4
#else
    // No asm for this architecture: a volatile round trip per add would measure the store
    // forwarding latency instead; callers check HaveAddChain() first.
    x += kAddChainLength * one;
#endif
  }
  return x;
}

bool HaveAddChain() {
#if defined(__x86_64__) || defined(__aarch64__)
  return true;
#else
  return false;
#endif
}

}  // namespace qlab::bench
#endif  // HWY_ONCE
