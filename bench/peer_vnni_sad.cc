// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// A peer for dot_i8 of the design NumKong 7.6 describes for nk_dot_i8_icelake (written here from
// that description, not from its code): one vpdpbusd accumulator chain over a xor 0x80 and b,
// and the 128·Σb correction from vpsadbw of b xor 0x80 against zero, in 64-bit lanes. Built with
// AVX-512 VNNI flags for this file alone and called only where the CPU has them.
#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "bench/peers.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace qlab::bench {

bool HaveVnniSadPeer() {
#if defined(__x86_64__)
  return __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw");
#else
  return false;
#endif
}

#if defined(__x86_64__)
// GCC 12's _mm512_reduce_add_* extract halves into _mm256_undefined_si256() and then warns that it
// is uninitialized (a false positive in its own header).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f,avx512bw,avx512vnni,bmi2"))) int64_t VnniSadDotI8(const int8_t* a,
                                                                                 const int8_t* b,
                                                                                 size_t n) {
  const __m512i bytes_128 = _mm512_set1_epi8(static_cast<char>(0x80));
  const __m512i zero = _mm512_setzero_si512();
  int64_t total = 0;
  __m512i sums = zero;  // Σ(b + 128) per 8 bytes, 64-bit lanes: never overflows
  size_t i = 0;
  while (i < n) {
    // int32 lanes of the biased dot: 65,536 products of at most 255·128 per block.
    const size_t end = i + std::min(n - i, size_t{1} << 16);
    __m512i dot = zero;
    for (; i + 64 <= end; i += 64) {
      const __m512i va = _mm512_xor_si512(_mm512_loadu_si512(a + i), bytes_128);
      const __m512i vb = _mm512_loadu_si512(b + i);
      dot = _mm512_dpbusd_epi32(dot, va, vb);
      sums = _mm512_add_epi64(sums, _mm512_sad_epu8(_mm512_xor_si512(vb, bytes_128), zero));
    }
    if (i != end) {
      const __mmask64 m = _bzhi_u64(~uint64_t{0}, static_cast<unsigned>(end - i));
      const __m512i va = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, a + i), bytes_128);
      const __m512i vb = _mm512_maskz_loadu_epi8(m, b + i);
      dot = _mm512_dpbusd_epi32(dot, va, vb);
      // Masked-off bytes: a's become 128, times b's 0; b's count 128 each in the sums, taken off
      // below with the padded length.
      sums = _mm512_add_epi64(sums, _mm512_sad_epu8(_mm512_xor_si512(vb, bytes_128), zero));
      i = end;
    }
    total += _mm512_reduce_add_epi32(dot);
  }
  // Σ a·b = Σ (a + 128)·b − 128·Σb, Σb = Σ(b + 128) − 128·(n rounded up to 64 bytes).
  const int64_t padded = static_cast<int64_t>((n + 63) / 64 * 64);
  const int64_t sum_b = _mm512_reduce_add_epi64(sums) - 128 * padded;
  return total - 128 * sum_b;
}
#pragma GCC diagnostic pop
#else
int64_t VnniSadDotI8(const int8_t*, const int8_t*, size_t) { return 0; }
#endif

}  // namespace qlab::bench
