// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Per-target helpers shared by the kernel translation units (re-included once per target by
// foreach_target.h, hence the toggled guard instead of #pragma once).
#if defined(QLAB_KERNELS_SIMD_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef QLAB_KERNELS_SIMD_INL_H_
#undef QLAB_KERNELS_SIMD_INL_H_
#else
#define QLAB_KERNELS_SIMD_INL_H_
#endif

#include <hwy/highway.h>

// AVX3 and AVX3_DL load a partial vector with a mask and never touch the bytes past the end. The
// other targets' MaskedLoad may be a full load plus And, so they take an overlapping load or a
// short scalar remainder instead.
#ifndef QLAB_MASKED_TAILS_FOR
#define QLAB_MASKED_TAILS_FOR(target) ((target) == HWY_AVX3 || (target) == HWY_AVX3_DL)
#endif

HWY_BEFORE_NAMESPACE();
namespace qlab::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

inline constexpr bool kMaskedTails = QLAB_MASKED_TAILS_FOR(HWY_TARGET);

// Sums adjacent lanes of the concatenation lo:hi, keeping their order: lane i of the result is
// s[2i] + s[2i+1] where s is lo's lanes followed by hi's. With one lane per vector it is lo + hi.
template <class D, class V>
HWY_INLINE V PairSum(D d, V lo, V hi) {
#if HWY_TARGET == HWY_SCALAR
  (void)d;
  return hn::Add(lo, hi);
#else
  return hn::Add(hn::ConcatEven(d, hi, lo), hn::ConcatOdd(d, hi, lo));
#endif
}

// Pairwise tree over kCount consecutive vectors product(m0) .. product(m0 + kCount − 1): lane i of
// the result is the sum of elements i·kCount .. i·kCount + kCount − 1 of their concatenation. For
// a row-major block of Lanes(d) rows of kCount elements each, that is one row sum per lane. The
// recursion keeps only log2(kCount) vectors live.
template <size_t kCount, class D, class Product>
HWY_INLINE hn::Vec<D> TreeSum(D d, const Product& product, size_t m0) {
  static_assert((kCount & (kCount - 1)) == 0, "power of two");
  if constexpr (kCount == 1) {
    return product(m0);
  } else {
    const hn::Vec<D> lo = TreeSum<kCount / 2>(d, product, m0);
    const hn::Vec<D> hi = TreeSum<kCount / 2>(d, product, m0 + kCount / 2);
    return PairSum(d, lo, hi);
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace qlab::kernels
HWY_AFTER_NAMESPACE();

#endif  // QLAB_KERNELS_SIMD_INL_H_
