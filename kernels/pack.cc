// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// uint8 codes ↔ packed nibbles (two per byte) and crumbs (four per byte); layout in kernels.h.
//
// When every row fills whole bytes (k even for nibbles, k a multiple of 4 for crumbs) the packed
// rows are one flat stream, packed in wide lanes: a uint16 lane holding codes c0 | c1 << 8 becomes
// the byte c0 | c1 << 4 with two masks and a shift, then a saturating demotion that keeps the lane
// order (the values are ≤ 255); unpacking runs the same steps backwards. The last partial vector
// is redone overlapping the previous one (the same bytes are rewritten), or, below one vector, a
// scalar loop. Rows with padding go row by row in scalar code: they are the rare odd k, and their
// rows begin on byte boundaries only.
#include <cstddef>
#include <cstdint>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/pack.cc"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "kernels/dispatch.h"
#include "kernels/simd-inl.h"
#include "kernels/trace.h"
#include "qlab/kernels.h"

HWY_BEFORE_NAMESPACE();
namespace qlab::kernels {
namespace HWY_NAMESPACE {

// ---- scalar rows (any k) ------------------------------------------------------------------------

void PackU4Rows(const uint8_t* HWY_RESTRICT codes, size_t rows, size_t k,
                uint8_t* HWY_RESTRICT packed) {
  const size_t stride = PackedRowBytesU4(k);
  for (size_t i = 0; i < rows; ++i) {
    const uint8_t* HWY_RESTRICT c = codes + i * k;
    uint8_t* HWY_RESTRICT p = packed + i * stride;
    for (size_t b = 0; b < k / 2; ++b) {
      p[b] = static_cast<uint8_t>((c[2 * b] & 0xFu) | ((c[2 * b + 1] & 0xFu) << 4));
    }
    if (k % 2 != 0) {
      p[k / 2] = static_cast<uint8_t>(c[k - 1] & 0xFu);  // high nibble: padding, 0
    }
  }
}

void UnpackU4Rows(const uint8_t* HWY_RESTRICT packed, size_t rows, size_t k,
                  uint8_t* HWY_RESTRICT codes) {
  const size_t stride = PackedRowBytesU4(k);
  for (size_t i = 0; i < rows; ++i) {
    const uint8_t* HWY_RESTRICT p = packed + i * stride;
    uint8_t* HWY_RESTRICT c = codes + i * k;
    for (size_t j = 0; j < k; ++j) {
      c[j] = static_cast<uint8_t>((p[j / 2] >> (4 * (j % 2))) & 0xFu);
    }
  }
}

void PackU2Rows(const uint8_t* HWY_RESTRICT codes, size_t rows, size_t k,
                uint8_t* HWY_RESTRICT packed) {
  const size_t stride = PackedRowBytesU2(k);
  for (size_t i = 0; i < rows; ++i) {
    const uint8_t* HWY_RESTRICT c = codes + i * k;
    uint8_t* HWY_RESTRICT p = packed + i * stride;
    for (size_t b = 0; b < stride; ++b) {
      unsigned byte = 0;
      for (size_t t = 0; t < 4 && 4 * b + t < k; ++t) {
        byte |= (c[4 * b + t] & 0x3u) << (2 * t);
      }
      p[b] = static_cast<uint8_t>(byte);
    }
  }
}

void UnpackU2Rows(const uint8_t* HWY_RESTRICT packed, size_t rows, size_t k,
                  uint8_t* HWY_RESTRICT codes) {
  const size_t stride = PackedRowBytesU2(k);
  for (size_t i = 0; i < rows; ++i) {
    const uint8_t* HWY_RESTRICT p = packed + i * stride;
    uint8_t* HWY_RESTRICT c = codes + i * k;
    for (size_t j = 0; j < k; ++j) {
      c[j] = static_cast<uint8_t>((p[j / 4] >> (2 * (j % 4))) & 0x3u);
    }
  }
}

// ---- flat streams -------------------------------------------------------------------------------

// Runs step(b) over b = 0, N, 2N, ... < count, then once more at count − N (overlapping; steps
// must be idempotent), or scalar(b) for each b when count < N.
template <class Step, class Scalar>
HWY_INLINE void ForEachVector(size_t count, size_t N, const Step& step, const Scalar& scalar) {
  size_t b = 0;
  for (; b + N <= count; b += N) {
    step(b);
  }
  if (b != count) {
    if (count >= N) {
      step(count - N);
    } else {
      for (; b < count; ++b) {
        scalar(b);
      }
    }
  }
}

void PackU4Impl(const uint8_t* HWY_RESTRICT codes, size_t rows, size_t k,
                uint8_t* HWY_RESTRICT packed) {
  internal::NoteRun(HWY_TARGET, false);
#if HWY_TARGET == HWY_SCALAR
  PackU4Rows(codes, rows, k, packed);  // one lane: no wider lane to pack in
#else
  if (k % 2 != 0) {
    return PackU4Rows(codes, rows, k, packed);
  }
  const hn::ScalableTag<uint16_t> d16;
  const hn::RebindToSigned<decltype(d16)> di16;
  const hn::Repartition<uint8_t, decltype(d16)> d8;  // 2N codes
  const hn::Rebind<uint8_t, decltype(d16)> dpacked;  // N bytes
  const auto low = hn::Set(d16, 0x000F);
  const auto high = hn::Set(d16, 0x00F0);
  ForEachVector(
      rows * k / 2, hn::Lanes(d16),
      [&](size_t b) {
        const auto pair = hn::BitCast(d16, hn::LoadU(d8, codes + 2 * b));  // c0 | c1 << 8
        const auto byte = hn::Or(hn::And(pair, low), hn::And(hn::ShiftRight<4>(pair), high));
        hn::StoreU(hn::DemoteTo(dpacked, hn::BitCast(di16, byte)), dpacked, packed + b);
      },
      [&](size_t b) {
        packed[b] = static_cast<uint8_t>((codes[2 * b] & 0xFu) | ((codes[2 * b + 1] & 0xFu) << 4));
      });
#endif
}

void UnpackU4Impl(const uint8_t* HWY_RESTRICT packed, size_t rows, size_t k,
                  uint8_t* HWY_RESTRICT codes) {
  internal::NoteRun(HWY_TARGET, false);
#if HWY_TARGET == HWY_SCALAR
  UnpackU4Rows(packed, rows, k, codes);
#else
  if (k % 2 != 0) {
    return UnpackU4Rows(packed, rows, k, codes);
  }
  const hn::ScalableTag<uint16_t> d16;
  const hn::Repartition<uint8_t, decltype(d16)> d8;
  const hn::Rebind<uint8_t, decltype(d16)> dpacked;
  const auto low = hn::Set(d16, 0x000F);
  const auto high = hn::Set(d16, 0x00F0);
  ForEachVector(
      rows * k / 2, hn::Lanes(d16),
      [&](size_t b) {
        const auto byte = hn::PromoteTo(d16, hn::LoadU(dpacked, packed + b));
        const auto pair = hn::Or(hn::And(byte, low), hn::ShiftLeft<4>(hn::And(byte, high)));
        hn::StoreU(hn::BitCast(d8, pair), d8, codes + 2 * b);
      },
      [&](size_t b) {
        codes[2 * b] = static_cast<uint8_t>(packed[b] & 0xFu);
        codes[2 * b + 1] = static_cast<uint8_t>(packed[b] >> 4);
      });
#endif
}

void PackU2Impl(const uint8_t* HWY_RESTRICT codes, size_t rows, size_t k,
                uint8_t* HWY_RESTRICT packed) {
  internal::NoteRun(HWY_TARGET, false);
#if HWY_TARGET == HWY_SCALAR
  PackU2Rows(codes, rows, k, packed);
#else
  if (k % 4 != 0) {
    return PackU2Rows(codes, rows, k, packed);
  }
  const hn::ScalableTag<uint32_t> d32;
  const hn::RebindToSigned<decltype(d32)> di32;
  const hn::Repartition<uint8_t, decltype(d32)> d8;
  const hn::Rebind<uint8_t, decltype(d32)> dpacked;
  ForEachVector(
      rows * k / 4, hn::Lanes(d32),
      [&](size_t b) {
        // c0 | c1 << 8 | c2 << 16 | c3 << 24 → c0 | c1 << 2 | c2 << 4 | c3 << 6
        const auto quad = hn::BitCast(d32, hn::LoadU(d8, codes + 4 * b));
        const auto byte = hn::Or(hn::Or(hn::And(quad, hn::Set(d32, 0x03u)),
                                        hn::And(hn::ShiftRight<6>(quad), hn::Set(d32, 0x0Cu))),
                                 hn::Or(hn::And(hn::ShiftRight<12>(quad), hn::Set(d32, 0x30u)),
                                        hn::And(hn::ShiftRight<18>(quad), hn::Set(d32, 0xC0u))));
        hn::StoreU(hn::DemoteTo(dpacked, hn::BitCast(di32, byte)), dpacked, packed + b);
      },
      [&](size_t b) { PackU2Rows(codes + 4 * b, 1, 4, packed + b); });
#endif
}

void UnpackU2Impl(const uint8_t* HWY_RESTRICT packed, size_t rows, size_t k,
                  uint8_t* HWY_RESTRICT codes) {
  internal::NoteRun(HWY_TARGET, false);
#if HWY_TARGET == HWY_SCALAR
  UnpackU2Rows(packed, rows, k, codes);
#else
  if (k % 4 != 0) {
    return UnpackU2Rows(packed, rows, k, codes);
  }
  const hn::ScalableTag<uint32_t> d32;
  const hn::Repartition<uint8_t, decltype(d32)> d8;
  const hn::Rebind<uint8_t, decltype(d32)> dpacked;
  ForEachVector(
      rows * k / 4, hn::Lanes(d32),
      [&](size_t b) {
        const auto byte = hn::PromoteTo(d32, hn::LoadU(dpacked, packed + b));
        const auto quad = hn::Or(hn::Or(hn::And(byte, hn::Set(d32, 0x03u)),
                                        hn::ShiftLeft<6>(hn::And(byte, hn::Set(d32, 0x0Cu)))),
                                 hn::Or(hn::ShiftLeft<12>(hn::And(byte, hn::Set(d32, 0x30u))),
                                        hn::ShiftLeft<18>(hn::And(byte, hn::Set(d32, 0xC0u)))));
        hn::StoreU(hn::BitCast(d8, quad), d8, codes + 4 * b);
      },
      [&](size_t b) { UnpackU2Rows(packed + b, 1, 4, codes + 4 * b); });
#endif
}

}  // namespace HWY_NAMESPACE
}  // namespace qlab::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace qlab::kernels {

HWY_EXPORT(PackU4Impl);
HWY_EXPORT(UnpackU4Impl);
HWY_EXPORT(PackU2Impl);
HWY_EXPORT(UnpackU2Impl);

void PackU4(const uint8_t* codes, size_t rows, size_t k, uint8_t* packed) {
  QLAB_DYNAMIC_DISPATCH(PackU4Impl)(codes, rows, k, packed);
}
void UnpackU4(const uint8_t* packed, size_t rows, size_t k, uint8_t* codes) {
  QLAB_DYNAMIC_DISPATCH(UnpackU4Impl)(packed, rows, k, codes);
}
void PackU2(const uint8_t* codes, size_t rows, size_t k, uint8_t* packed) {
  QLAB_DYNAMIC_DISPATCH(PackU2Impl)(codes, rows, k, packed);
}
void UnpackU2(const uint8_t* packed, size_t rows, size_t k, uint8_t* codes) {
  QLAB_DYNAMIC_DISPATCH(UnpackU2Impl)(packed, rows, k, codes);
}

}  // namespace qlab::kernels
#endif  // HWY_ONCE
