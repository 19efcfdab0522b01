// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Highway's contrib Dot, through dynamic dispatch like the kernels.
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

}  // namespace HWY_NAMESPACE
}  // namespace qlab::bench
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qlab::bench {

HWY_EXPORT(ContribDotImpl);

float HwyContribDot(const float* a, const float* b, size_t n) {
  return HWY_DYNAMIC_DISPATCH(ContribDotImpl)(a, b, n);
}

}  // namespace qlab::bench
#endif  // HWY_ONCE
