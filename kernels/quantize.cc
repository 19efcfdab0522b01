// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// f32 ↔ uint8 (scale, zero point) and f32 ↔ int8 (symmetric), elementwise.
//
// Every element takes the same steps in the vector and the scalar remainder, so the result does
// not depend on its position: q = x / scale (one f32 division), NaN → 0, round half to even, add
// the zero point in f32, clamp to the code range, convert. The f32 addition is exact while the
// rounded quotient is below 2^24 in magnitude; beyond that it saturates either way.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/quantize.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "kernels/dispatch.h"
#include "kernels/simd-inl.h"
#include "kernels/trace.h"
#include "qlab/kernels.h"

HWY_BEFORE_NAMESPACE();
namespace qlab::kernels {
namespace HWY_NAMESPACE {

template <typename TQ>
TQ QuantizeOne(float x, float scale, float zero_point) {
  float v = x / scale;
  if (std::isnan(v)) {
    v = 0.0f;
  }
  v = std::nearbyint(v) + zero_point;
  v = std::fmin(std::fmax(v, float{std::numeric_limits<TQ>::min()}),
                float{std::numeric_limits<TQ>::max()});
  return static_cast<TQ>(static_cast<int32_t>(v));
}

// Whole vectors, then the last vector again overlapping the previous one (rewriting the same
// codes), or a scalar loop when n is below one vector.
template <typename TQ>
void QuantizeImpl(const float* HWY_RESTRICT x, size_t n, float scale, int32_t zero_point,
                  TQ* HWY_RESTRICT q) {
  internal::NoteRun(HWY_TARGET, false);
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<TQ, decltype(df)> dq;
  const size_t N = hn::Lanes(df);
  const float zp = static_cast<float>(zero_point);
  const auto vscale = hn::Set(df, scale);
  const auto vzp = hn::Set(df, zp);
  const auto lo = hn::Set(df, float{std::numeric_limits<TQ>::min()});
  const auto hi = hn::Set(df, float{std::numeric_limits<TQ>::max()});
  const auto codes = [&](const float* HWY_RESTRICT p) {
    auto v = hn::Div(hn::LoadU(df, p), vscale);
    v = hn::IfThenElseZero(hn::Eq(v, v), v);  // NaN → 0
    v = hn::Add(hn::Round(v), vzp);
    v = hn::Min(hn::Max(v, lo), hi);
    return hn::DemoteTo(dq, hn::ConvertTo(di, v));
  };
  size_t i = 0;
  for (; i + N <= n; i += N) {
    hn::StoreU(codes(x + i), dq, q + i);
  }
  if (i != n) {
    if (n >= N) {
      hn::StoreU(codes(x + n - N), dq, q + n - N);
    } else {
      for (; i < n; ++i) {
        q[i] = QuantizeOne<TQ>(x[i], scale, zp);
      }
    }
  }
}

template <typename TQ>
void DequantizeImpl(const TQ* HWY_RESTRICT q, size_t n, float scale, int32_t zero_point,
                    float* HWY_RESTRICT x) {
  internal::NoteRun(HWY_TARGET, false);
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<TQ, decltype(df)> dq;
  const size_t N = hn::Lanes(df);
  const auto vscale = hn::Set(df, scale);
  const auto vzp = hn::Set(di, zero_point);
  const auto values = [&](const TQ* HWY_RESTRICT p) {
    const auto centered = hn::Sub(hn::PromoteTo(di, hn::LoadU(dq, p)), vzp);
    return hn::Mul(hn::ConvertTo(df, centered), vscale);
  };
  size_t i = 0;
  for (; i + N <= n; i += N) {
    hn::StoreU(values(q + i), df, x + i);
  }
  if (i != n) {
    if (n >= N) {
      hn::StoreU(values(q + n - N), df, x + n - N);
    } else {
      for (; i < n; ++i) {
        x[i] = static_cast<float>(int32_t{q[i]} - zero_point) * scale;
      }
    }
  }
}

void QuantizeU8Impl(const float* HWY_RESTRICT x, size_t n, float scale, int32_t zero_point,
                    uint8_t* HWY_RESTRICT q) {
  QuantizeImpl(x, n, scale, zero_point, q);
}
void QuantizeI8Impl(const float* HWY_RESTRICT x, size_t n, float scale, int8_t* HWY_RESTRICT q) {
  QuantizeImpl(x, n, scale, 0, q);
}
void DequantizeU8Impl(const uint8_t* HWY_RESTRICT q, size_t n, float scale, int32_t zero_point,
                      float* HWY_RESTRICT x) {
  DequantizeImpl(q, n, scale, zero_point, x);
}
void DequantizeI8Impl(const int8_t* HWY_RESTRICT q, size_t n, float scale, float* HWY_RESTRICT x) {
  DequantizeImpl(q, n, scale, 0, x);
}

}  // namespace HWY_NAMESPACE
}  // namespace qlab::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qlab::kernels {

HWY_EXPORT(QuantizeU8Impl);
HWY_EXPORT(QuantizeI8Impl);
HWY_EXPORT(DequantizeU8Impl);
HWY_EXPORT(DequantizeI8Impl);

void QuantizeU8(const float* x, size_t n, float scale, int32_t zero_point, uint8_t* q) {
  QLAB_DYNAMIC_DISPATCH(QuantizeU8Impl)(x, n, scale, zero_point, q);
}
void QuantizeI8(const float* x, size_t n, float scale, int8_t* q) {
  QLAB_DYNAMIC_DISPATCH(QuantizeI8Impl)(x, n, scale, q);
}
void DequantizeU8(const uint8_t* q, size_t n, float scale, int32_t zero_point, float* x) {
  QLAB_DYNAMIC_DISPATCH(DequantizeU8Impl)(q, n, scale, zero_point, x);
}
void DequantizeI8(const int8_t* q, size_t n, float scale, float* x) {
  QLAB_DYNAMIC_DISPATCH(DequantizeI8Impl)(q, n, scale, x);
}

}  // namespace qlab::kernels
#endif  // HWY_ONCE
