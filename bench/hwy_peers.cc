// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Highway's contrib Dot and the read-bandwidth probe, through dynamic dispatch like the kernels.
#include <cstddef>
#include <cstdint>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "bench/hwy_peers.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
// After foreach_target.h: re-included per target.
#include <hwy/contrib/dot/dot-inl.h>

#include "bench/peers.h"

HWY_BEFORE_NAMESPACE();
namespace qlab::bench {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

float ContribDotImpl(const float* HWY_RESTRICT a, const float* HWY_RESTRICT b, size_t n) {
  const hn::ScalableTag<float> d;
  constexpr int kAssumptions = hn::Dot::kAtLeastOneVector | hn::Dot::kMultipleOfVector;
  return hn::Dot::Compute<kAssumptions>(d, a, b, n);
}

uint64_t ReadAllImpl(const uint64_t* HWY_RESTRICT words, size_t n) {
  const hn::ScalableTag<uint64_t> d;
  const size_t N = hn::Lanes(d);
  auto x0 = hn::Zero(d), x1 = hn::Zero(d), x2 = hn::Zero(d), x3 = hn::Zero(d);
  size_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    x0 = hn::Xor(x0, hn::LoadU(d, words + i + 0 * N));
    x1 = hn::Xor(x1, hn::LoadU(d, words + i + 1 * N));
    x2 = hn::Xor(x2, hn::LoadU(d, words + i + 2 * N));
    x3 = hn::Xor(x3, hn::LoadU(d, words + i + 3 * N));
  }
  uint64_t tail = 0;
  for (; i < n; ++i) {
    tail ^= words[i];
  }
  x0 = hn::Xor(hn::Xor(x0, x1), hn::Xor(x2, x3));
  alignas(64) uint64_t lanes[HWY_MAX_BYTES / sizeof(uint64_t)];
  hn::Store(x0, d, lanes);
  for (size_t l = 0; l < N; ++l) {
    tail ^= lanes[l];
  }
  return tail;
}

}  // namespace HWY_NAMESPACE
}  // namespace qlab::bench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qlab::bench {

HWY_EXPORT(ContribDotImpl);
HWY_EXPORT(ReadAllImpl);

float HwyContribDot(const float* a, const float* b, size_t n) {
  return HWY_DYNAMIC_DISPATCH(ContribDotImpl)(a, b, n);
}

uint64_t ReadAll(const uint64_t* words, size_t n) {
  return HWY_DYNAMIC_DISPATCH(ReadAllImpl)(words, n);
}

}  // namespace qlab::bench
#endif  // HWY_ONCE
