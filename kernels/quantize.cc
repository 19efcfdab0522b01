// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// f32 ↔ uint8 (scale, zero point) and f32 ↔ int8 (symmetric), elementwise.
//
// Every element takes the same steps in the vector and the scalar remainder, so the result does
// not depend on its position: q = x / scale (one f32 division), NaN → 0, round half to even, add
// the zero point in f32, clamp to the code range, convert. The f32 addition is exact while the
// rounded quotient is below 2^24 in magnitude; beyond that it saturates either way.
#include <algorithm>
#include <bit>
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

// f32 lanes holding integers in [−128, 255] (clamped codes) as bytes. On AVX-512 the truncating
// convert needs none of ConvertTo's overflow fix-up (the values are exact small integers) and
// vpmovdb narrows in one instruction, where Highway 1.0.3's DemoteTo packs twice and permutes:
// about 11 of the loop's instructions per vector down to 3, in loops bound by their count.
template <class DQ, class V>
HWY_INLINE hn::Vec<DQ> IntegralToBytes(DQ dq, V v) {
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
  (void)dq;
  return hn::Vec<DQ>{_mm512_cvtepi32_epi8(_mm512_cvttps_epi32(v.raw))};
#else
  const hn::RebindToSigned<hn::DFromV<V> > di;
  return hn::DemoteTo(dq, hn::ConvertTo(di, v));
#endif
}

// Whole vectors, then the last vector again overlapping the previous one (rewriting the same
// codes), or a scalar loop when n is below one vector.
template <typename TQ>
void QuantizeImpl(const float* HWY_RESTRICT x, size_t n, float scale, int32_t zero_point,
                  TQ* HWY_RESTRICT q) {
  internal::NoteRun(HWY_TARGET, false);
  const hn::ScalableTag<float> df;
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
    return IntegralToBytes(dq, v);
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

// ---- row-major features, per-feature parameters, saturation detection --------------------------
// The flat stream of rows·k values is quantized N at a time; the vector at position i starts at
// feature i mod k, so it loads its scales, zero points and bounds from tables holding the k
// features' parameters repeated over k + N entries, at offset i mod k (one LoadU each, from L1).
// Saturation is found in two steps. The vector test runs on the quotient y = x / scale the codes
// need anyway: a lane passes when −zp − ½ < y < code_max − zp + ½ (false for NaN and ±Inf). That
// never passes a saturating value: y is the f32 rounding of the real quotient and both ends are
// f32 half-integers, so y strictly inside puts the real quotient, and its double rounding d,
// strictly inside too, and then round_half_even(d) + zp lies in [0, code_max]. It fails a value
// that does not saturate only when y is exactly an end (a half-integer quotient). A vector with a
// lane that fails is looked at lane by lane by the definition, in double (SaturatesF64). Two
// compares per vector on a value already in a register: the range check on x's ordered integer
// keys against bounds searched per call that this replaces took five vector instructions per
// vector plus the search (the loop is bound by its instruction count).

inline constexpr size_t kTable = kMaxGemvK + HWY_MAX_BYTES / sizeof(float);

// The same steps as the vector code, with the code range [0, code_max].
HWY_INLINE uint8_t QuantizeOneRow(float x, float scale, float zero_point, float code_max) {
  float v = x / scale;
  if (std::isnan(v)) {
    v = 0.0f;
  }
  v = std::nearbyint(v) + zero_point;
  v = std::fmin(std::fmax(v, 0.0f), code_max);
  return static_cast<uint8_t>(static_cast<int32_t>(v));
}

// The definition of saturation (kernels.h), in double: the lane-by-lane look behind the vector
// test.
HWY_INLINE bool SaturatesF64(float x, float scale, int32_t zero_point, int32_t code_max) {
  const double u = std::nearbyint(static_cast<double>(x) / static_cast<double>(scale)) + zero_point;
  return !(u >= 0.0 && u <= static_cast<double>(code_max));  // NaN: true
}

template <bool kDetect>
size_t QuantizeRows(const float* HWY_RESTRICT x, size_t rows, size_t k,
                    const float* HWY_RESTRICT scale, const int32_t* HWY_RESTRICT zero_point,
                    int32_t code_max, uint8_t* HWY_RESTRICT q, size_t* HWY_RESTRICT saturated_rows,
                    size_t capacity, int64_t* HWY_RESTRICT clipped_per_feature) {
  internal::NoteRun(HWY_TARGET, false);
  const hn::ScalableTag<float> df;
  const hn::Rebind<uint8_t, decltype(df)> dq;
  const size_t N = hn::Lanes(df);
  const size_t n = rows * k;
  if (n == 0) {
    return 0;  // (k = 0 would divide by zero below)
  }
  HWY_ALIGN float tscale[kTable];
  HWY_ALIGN float tzero[kTable];
  HWY_ALIGN float tbelow[kTable];  // −zp − ½: y at or below saturates, or is an end
  HWY_ALIGN float tabove[kTable];  // code_max − zp + ½
  for (size_t t = 0; t < k + N; ++t) {
    tscale[t] = scale[t % k];
    tzero[t] = static_cast<float>(zero_point[t % k]);
    // Exact: zp and code_max are at most 255.
    tbelow[t] = -tzero[t] - 0.5f;
    tabove[t] = static_cast<float>(code_max) - tzero[t] + 0.5f;
  }
  size_t count = 0;
  size_t last_row = 0;
  const auto note = [&](size_t e) {  // element e saturated
    if (clipped_per_feature != nullptr) {
      ++clipped_per_feature[e % k];
    }
    const size_t row = e / k;
    if (count == 0 || row != last_row) {
      if (count < capacity) {
        saturated_rows[count] = row;
      }
      ++count;
      last_row = row;
    }
  };
  const float top = static_cast<float>(code_max);
  const auto vtop = hn::Set(df, top);
  const auto vzero = hn::Zero(df);
  // The codes of x + i from its quotients y, whose lanes are features phase, phase + 1, ... (mod
  // k).
  const auto codes = [&](size_t i, hn::Vec<decltype(df)> y, hn::Vec<decltype(df)> vzp) {
    auto v = hn::IfThenElseZero(hn::Eq(y, y), y);  // NaN → 0
    v = hn::Add(hn::Round(v), vzp);
    v = hn::Min(hn::Max(v, vzero), vtop);
    hn::StoreU(IntegralToBytes(dq, v), dq, q + i);
  };
  // False for every saturating lane (and NaN, ±Inf); see the comment above QuantizeRows.
  const auto passes = [&](hn::Vec<decltype(df)> y, hn::Vec<decltype(df)> vbelow,
                          hn::Vec<decltype(df)> vabove) {
    return hn::And(hn::Gt(y, vbelow), hn::Lt(y, vabove));
  };
  const auto examine = [&](size_t i, size_t phase) {  // lane by lane, by the definition
    for (size_t l = 0; l < N; ++l) {
      // The vector test first (the same f32 quotient), then the definition for what fails it:
      // about one lane in a vector that failed.
      const float y = x[i + l] / tscale[phase + l];
      if (y > tbelow[phase + l] && y < tabove[phase + l]) continue;
      const size_t f = (phase + l) % k;
      if (SaturatesF64(x[i + l], scale[f], zero_point[f], code_max)) {
        note(i + l);
      }
    }
  };
  size_t i = 0;
  if (N % k == 0 && N > 1) {
    // Every vector starts at feature 0 (k = 1, 2, 4, 8, 16 ≤ N): the parameters stay in
    // registers, and two vectors share one all-true test. The loop issues about 20 instructions
    // per vector and is bound by that, not by the divider, so every one saved counts.
    const auto vscale = hn::Load(df, tscale);
    const auto vzp = hn::Load(df, tzero);
    const auto vbelow = hn::Load(df, tbelow);
    const auto vabove = hn::Load(df, tabove);
    for (; i + 2 * N <= n; i += 2 * N) {
      const auto y0 = hn::Div(hn::LoadU(df, x + i), vscale);
      const auto y1 = hn::Div(hn::LoadU(df, x + i + N), vscale);
      codes(i, y0, vzp);
      codes(i + N, y1, vzp);
      if constexpr (kDetect) {
        const auto both = hn::And(passes(y0, vbelow, vabove), passes(y1, vbelow, vabove));
        if (HWY_UNLIKELY(!hn::AllTrue(df, both))) {
          examine(i, 0);
          examine(i + N, 0);
        }
      }
    }
  }
  const size_t step = N % k;
  size_t phase = i % k;
  for (; i + N <= n; i += N) {
    const auto y = hn::Div(hn::LoadU(df, x + i), hn::LoadU(df, tscale + phase));
    codes(i, y, hn::LoadU(df, tzero + phase));
    if constexpr (kDetect) {
      if (HWY_UNLIKELY(!hn::AllTrue(
              df, passes(y, hn::LoadU(df, tbelow + phase), hn::LoadU(df, tabove + phase))))) {
        examine(i, phase);
      }
    }
    phase += step;
    if (phase >= k) {
      phase -= k;
    }
  }
  for (; i < n; ++i) {
    const size_t f = i % k;
    q[i] = QuantizeOneRow(x[i], scale[f], static_cast<float>(zero_point[f]), top);
    if constexpr (kDetect) {
      if (SaturatesF64(x[i], scale[f], zero_point[f], code_max)) {
        note(i);
      }
    }
  }
  return count;
}

void QuantizeU8RowsImpl(const float* HWY_RESTRICT x, size_t rows, size_t k,
                        const float* HWY_RESTRICT scale, const int32_t* HWY_RESTRICT zero_point,
                        int32_t code_max, uint8_t* HWY_RESTRICT q) {
  QuantizeRows<false>(x, rows, k, scale, zero_point, code_max, q, nullptr, 0, nullptr);
}

size_t QuantizeU8RowsSaturatedImpl(const float* HWY_RESTRICT x, size_t rows, size_t k,
                                   const float* HWY_RESTRICT scale,
                                   const int32_t* HWY_RESTRICT zero_point, int32_t code_max,
                                   uint8_t* HWY_RESTRICT q, size_t* HWY_RESTRICT saturated_rows,
                                   size_t capacity, int64_t* HWY_RESTRICT clipped_per_feature) {
  return QuantizeRows<true>(x, rows, k, scale, zero_point, code_max, q, saturated_rows, capacity,
                            clipped_per_feature);
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

HWY_EXPORT(QuantizeU8RowsImpl);
HWY_EXPORT(QuantizeU8RowsSaturatedImpl);

void QuantizeU8Rows(const float* x, size_t rows, size_t k, const float* scale,
                    const int32_t* zero_point, int32_t code_max, uint8_t* q) {
  QLAB_DYNAMIC_DISPATCH(QuantizeU8RowsImpl)(x, rows, k, scale, zero_point, code_max, q);
}

size_t QuantizeU8RowsSaturated(const float* x, size_t rows, size_t k, const float* scale,
                               const int32_t* zero_point, int32_t code_max, uint8_t* q,
                               size_t* saturated_rows, size_t capacity,
                               int64_t* clipped_per_feature) {
  if (clipped_per_feature != nullptr) {
    std::fill(clipped_per_feature, clipped_per_feature + k, int64_t{0});  // the kernel counts up
  }
  return QLAB_DYNAMIC_DISPATCH(QuantizeU8RowsSaturatedImpl)(
      x, rows, k, scale, zero_point, code_max, q, saturated_rows, capacity, clipped_per_feature);
}

}  // namespace qlab::kernels
#endif  // HWY_ONCE
