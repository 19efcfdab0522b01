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

// ---- row-major features, per-feature parameters, saturation detection --------------------------
// The flat stream of rows·k values is quantized N at a time; the vector at position i starts at
// feature i mod k, so it loads its scales, zero points and bounds from tables holding the k
// features' parameters repeated over k + N entries, at offset i mod k (one LoadU each, from L1).
// Saturation is a range check on the input: x inside [lo, hi] (the bounds computed once per call
// from the double rule, see SaturationBounds) is false for NaN, ±Inf and exactly the saturating
// values. A vector with any lane outside is looked at lane by lane; outliers are rare, so the
// common cost is two compares, an And and an all-true test per vector.

inline constexpr size_t kTable = kMaxGemvK + HWY_MAX_BYTES / sizeof(float);

// x's bits as an int32 ordered like x: negative floats have their magnitude bits flipped. NaN
// keys lie beyond ±Inf's, so a range check on keys rejects them as the float compares would.
HWY_INLINE int32_t OrderedKey(float x) {
  const auto bits = std::bit_cast<int32_t>(x);
  return bits ^ ((bits >> 31) & 0x7FFFFFFF);
}

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

template <bool kDetect>
size_t QuantizeRows(const float* HWY_RESTRICT x, size_t rows, size_t k,
                    const float* HWY_RESTRICT scale, const int32_t* HWY_RESTRICT zero_point,
                    int32_t code_max, const float* HWY_RESTRICT lo, const float* HWY_RESTRICT hi,
                    uint8_t* HWY_RESTRICT q, size_t* HWY_RESTRICT saturated_rows, size_t capacity,
                    int64_t* HWY_RESTRICT clipped_per_feature) {
  internal::NoteRun(HWY_TARGET, false);
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const hn::Rebind<uint8_t, decltype(df)> dq;
  const size_t N = hn::Lanes(df);
  const size_t n = rows * k;
  if (n == 0) {
    return 0;  // (k = 0 would divide by zero below)
  }
  HWY_ALIGN float tscale[kTable];
  HWY_ALIGN float tzero[kTable];
  HWY_ALIGN int32_t tlo[kTable];
  HWY_ALIGN uint32_t tspan[kTable];
  for (size_t t = 0; t < k + N; ++t) {
    tscale[t] = scale[t % k];
    tzero[t] = static_cast<float>(zero_point[t % k]);
    if constexpr (kDetect) {
      // ±0 have distinct keys (−1, 0): a bound at zero takes the key that includes both.
      const float l = lo[t % k] == 0.0f ? -0.0f : lo[t % k];
      const float h = hi[t % k] == 0.0f ? 0.0f : hi[t % k];
      tlo[t] = OrderedKey(l);
      // key − key(lo) < span ⇔ lo ≤ x ≤ hi, with span = key(hi) − key(lo) + 1 ≤ 2^32 − 2^24 (no
      // wrap). No value inside (lo > hi): span 0, so every vector is looked at lane by lane.
      tspan[t] =
          l <= h ? static_cast<uint32_t>(OrderedKey(h)) - static_cast<uint32_t>(OrderedKey(l)) + 1u
                 : 0u;
    } else {
      tlo[t] = 0;  // loaded, unused
      tspan[t] = 0;
    }
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
  const hn::RebindToUnsigned<decltype(df)> du;
  const auto vmagnitude = hn::Set(di, 0x7FFFFFFF);
  const float top = static_cast<float>(code_max);
  const auto vtop = hn::Set(df, top);
  const auto vzero = hn::Zero(df);
  // The codes of x + i, whose lanes are features phase, phase + 1, ... (mod k).
  const auto codes = [&](size_t i, hn::Vec<decltype(df)> xv, hn::Vec<decltype(df)> vscale,
                         hn::Vec<decltype(df)> vzp) {
    auto v = hn::Div(xv, vscale);
    v = hn::IfThenElseZero(hn::Eq(v, v), v);  // NaN → 0
    v = hn::Add(hn::Round(v), vzp);
    v = hn::Min(hn::Max(v, vzero), vtop);
    hn::StoreU(hn::DemoteTo(dq, hn::ConvertTo(di, v)), dq, q + i);
  };
  // Floats as ordered int32 keys (sign-magnitude to two's complement; NaN beyond ±Inf), so the
  // range check is one unsigned compare of key − key(lo) against the span.
  const auto inside = [&](hn::Vec<decltype(df)> xv, hn::Vec<decltype(di)> vlo,
                          hn::Vec<decltype(du)> vspan) {
    const auto bits = hn::BitCast(di, xv);
    const auto key = hn::Xor(bits, hn::And(hn::ShiftRight<31>(bits), vmagnitude));
    return hn::Lt(hn::BitCast(du, hn::Sub(key, vlo)), vspan);
  };
  const auto examine = [&](size_t i, size_t phase) {  // lane by lane, with the float bounds
    for (size_t l = 0; l < N; ++l) {
      const size_t f = (phase + l) % k;
      if (!(x[i + l] >= lo[f] && x[i + l] <= hi[f])) {
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
    const auto vlo = hn::Load(di, tlo);
    const auto vspan = hn::Load(du, tspan);
    for (; i + 2 * N <= n; i += 2 * N) {
      const auto x0 = hn::LoadU(df, x + i);
      const auto x1 = hn::LoadU(df, x + i + N);
      codes(i, x0, vscale, vzp);
      codes(i + N, x1, vscale, vzp);
      if constexpr (kDetect) {
        const auto both = hn::And(inside(x0, vlo, vspan), inside(x1, vlo, vspan));
        if (HWY_UNLIKELY(!hn::AllTrue(du, both))) {
          examine(i, 0);
          examine(i + N, 0);
        }
      }
    }
  }
  const size_t step = N % k;
  size_t phase = i % k;
  for (; i + N <= n; i += N) {
    const auto xv = hn::LoadU(df, x + i);
    codes(i, xv, hn::LoadU(df, tscale + phase), hn::LoadU(df, tzero + phase));
    if constexpr (kDetect) {
      if (HWY_UNLIKELY(!hn::AllTrue(
              du, inside(xv, hn::LoadU(di, tlo + phase), hn::LoadU(du, tspan + phase))))) {
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
      if (!(x[i] >= lo[f] && x[i] <= hi[f])) {
        note(i);
      }
    }
  }
  return count;
}

void QuantizeU8RowsImpl(const float* HWY_RESTRICT x, size_t rows, size_t k,
                        const float* HWY_RESTRICT scale, const int32_t* HWY_RESTRICT zero_point,
                        int32_t code_max, uint8_t* HWY_RESTRICT q) {
  QuantizeRows<false>(x, rows, k, scale, zero_point, code_max, nullptr, nullptr, q, nullptr, 0,
                      nullptr);
}

size_t QuantizeU8RowsSaturatedImpl(const float* HWY_RESTRICT x, size_t rows, size_t k,
                                   const float* HWY_RESTRICT scale,
                                   const int32_t* HWY_RESTRICT zero_point, int32_t code_max,
                                   const float* HWY_RESTRICT lo, const float* HWY_RESTRICT hi,
                                   uint8_t* HWY_RESTRICT q, size_t* HWY_RESTRICT saturated_rows,
                                   size_t capacity, int64_t* HWY_RESTRICT clipped_per_feature) {
  return QuantizeRows<true>(x, rows, k, scale, zero_point, code_max, lo, hi, q, saturated_rows,
                            capacity, clipped_per_feature);
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

namespace {

// Floats in value order as integers: key(−x) = −key(x), ±0 → 0, consecutive floats differ by 1.
int64_t KeyOf(float f) {
  const auto bits = std::bit_cast<int32_t>(f);
  return bits >= 0 ? int64_t{bits} : -int64_t{bits & 0x7FFFFFFF};
}

float FloatOf(int64_t key) {
  const auto magnitude = static_cast<uint32_t>(key >= 0 ? key : -key);
  return std::bit_cast<float>(key >= 0 ? magnitude : magnitude | 0x80000000u);
}

const int64_t kMaxKey = KeyOf(std::numeric_limits<float>::max());

// The smallest key in [lo, hi] where pred holds (pred false below it, true from it on), or
// hi + 1: a galloping search from a guess, then bisection, so a guess a few ulps off costs a few
// evaluations and a bad one about 2·32.
template <class Pred>
int64_t FirstTrue(const Pred& pred, int64_t lo, int64_t hi, int64_t guess) {
  guess = std::clamp(guess, lo, hi);
  int64_t no = lo - 1;   // pred false here (or below the range)
  int64_t yes = hi + 1;  // pred true here (or above the range)
  if (pred(guess)) {
    yes = guess;
    for (int64_t step = 1; yes - step >= lo; step *= 2) {
      if (!pred(yes - step)) {
        no = yes - step;
        break;
      }
      yes -= step;
    }
  } else {
    no = guess;
    for (int64_t step = 1; no + step <= hi; step *= 2) {
      if (pred(no + step)) {
        yes = no + step;
        break;
      }
      no += step;
    }
  }
  while (yes - no > 1) {
    const int64_t mid = no + (yes - no) / 2;
    if (pred(mid)) {
      yes = mid;
    } else {
      no = mid;
    }
  }
  return yes;
}

// [lo, hi]: the finite floats x whose unsaturated code round_half_even(double(x) / scale) + zp
// (in double) lies in [0, code_max]. That code is monotone in x, so the set is an interval; its
// ends are found by search around (−zp − ½)·scale and (code_max − zp + ½)·scale. An empty set
// gives lo > hi, so every value saturates.
void SaturationBounds(float scale, int32_t zero_point, int32_t code_max, float* lo, float* hi) {
  const auto unsaturated = [&](int64_t key) {
    return std::nearbyint(static_cast<double>(FloatOf(key)) / static_cast<double>(scale)) +
           zero_point;
  };
  const double s = scale;
  const int64_t first_inside =
      FirstTrue([&](int64_t key) { return unsaturated(key) >= 0.0; }, -kMaxKey, kMaxKey,
                KeyOf(static_cast<float>((-zero_point - 0.5) * s)));
  const int64_t first_above =
      FirstTrue([&](int64_t key) { return unsaturated(key) > static_cast<double>(code_max); },
                -kMaxKey, kMaxKey, KeyOf(static_cast<float>((code_max - zero_point + 0.5) * s)));
  constexpr float kInf = std::numeric_limits<float>::infinity();
  *lo = first_inside > kMaxKey ? kInf : FloatOf(first_inside);
  *hi = first_above - 1 < -kMaxKey ? -kInf : FloatOf(first_above - 1);
}

}  // namespace

void QuantizeU8Rows(const float* x, size_t rows, size_t k, const float* scale,
                    const int32_t* zero_point, int32_t code_max, uint8_t* q) {
  QLAB_DYNAMIC_DISPATCH(QuantizeU8RowsImpl)(x, rows, k, scale, zero_point, code_max, q);
}

size_t QuantizeU8RowsSaturated(const float* x, size_t rows, size_t k, const float* scale,
                               const int32_t* zero_point, int32_t code_max, uint8_t* q,
                               size_t* saturated_rows, size_t capacity,
                               int64_t* clipped_per_feature) {
  float lo[kMaxGemvK];
  float hi[kMaxGemvK];
  for (size_t j = 0; j < k; ++j) {
    SaturationBounds(scale[j], zero_point[j], code_max, &lo[j], &hi[j]);
    if (clipped_per_feature != nullptr) {
      clipped_per_feature[j] = 0;  // the kernel only counts up
    }
  }
  return QLAB_DYNAMIC_DISPATCH(QuantizeU8RowsSaturatedImpl)(x, rows, k, scale, zero_point, code_max,
                                                            lo, hi, q, saturated_rows, capacity,
                                                            clipped_per_feature);
}

}  // namespace qlab::kernels
#endif  // HWY_ONCE
