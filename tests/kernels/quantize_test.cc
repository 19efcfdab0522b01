// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE kernels_quantize
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

#include "kernels/each_target.h"
#include "qlab/kernels.h"
#include "qlab/reference/kernels.h"

namespace k = qlab::kernels;
namespace ref = qlab::reference;
using qlab::test::ExpectRanOn;
using qlab::test::ForEachTarget;
using qlab::test::RandomFloats;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

struct Codes {
  std::vector<uint8_t> u8;
  std::vector<int8_t> i8;
};

Codes Quantize(const std::vector<float>& x, float scale, int32_t zero_point) {
  Codes c{std::vector<uint8_t>(x.size()), std::vector<int8_t>(x.size())};
  k::QuantizeU8(x.data(), x.size(), scale, zero_point, c.u8.data());
  k::QuantizeI8(x.data(), x.size(), scale, c.i8.data());
  return c;
}

}  // namespace

BOOST_AUTO_TEST_CASE(codes_equal_reference_for_every_n_and_offset) {
  ForEachTarget([](const std::string& target) {
    const auto check = [&](size_t offset, size_t n, float scale, int32_t zp) {
      auto x = RandomFloats(offset, n, -200.0f * scale, 200.0f * scale);
      if (n > 2) {
        x[offset + n / 2] = kNaN;
      }
      std::vector<uint8_t> qu(offset + n), want_u(n);
      std::vector<int8_t> qi(offset + n), want_i(n);
      k::QuantizeU8(x.data() + offset, n, scale, zp, qu.data() + offset);
      ExpectRanOn(target);
      k::QuantizeI8(x.data() + offset, n, scale, qi.data() + offset);
      ref::QuantizeU8(x.data() + offset, n, scale, zp, want_u.data());
      ref::QuantizeI8(x.data() + offset, n, scale, want_i.data());
      if (!std::equal(want_u.begin(), want_u.end(), qu.data() + offset) ||
          !std::equal(want_i.begin(), want_i.end(), qi.data() + offset)) {
        BOOST_ERROR("n " << n << " offset " << offset << " scale " << scale << " zp " << zp);
      }
      // Dequantize is one subtraction, one exact conversion and one multiply: bit-exact.
      std::vector<float> du(offset + n), want_du(n), di(offset + n), want_di(n);
      k::DequantizeU8(qu.data() + offset, n, scale, zp, du.data() + offset);
      k::DequantizeI8(qi.data() + offset, n, scale, di.data() + offset);
      ref::DequantizeU8(want_u.data(), n, scale, zp, want_du.data());
      ref::DequantizeI8(want_i.data(), n, scale, want_di.data());
      if (!std::equal(want_du.begin(), want_du.end(), du.data() + offset) ||
          !std::equal(want_di.begin(), want_di.end(), di.data() + offset)) {
        BOOST_ERROR("dequantize n " << n << " offset " << offset);
      }
    };
    for (size_t n = 0; n <= 300; ++n) {
      check(0, n, 0.037f, 131);
    }
    for (size_t offset = 1; offset < 64; ++offset) {
      check(offset, 67, 0.5f, 0);
    }
    std::uniform_int_distribution<size_t> size(301, 100000);
    for (int trial = 0; trial < 6; ++trial) {
      check(trial, size(qlab::test::Rng()), 1e-3f, 255);
    }
  });
}

BOOST_AUTO_TEST_CASE(ties_round_to_even_saturation_nan_and_infinity) {
  // scale 0.5: x / 0.5 is exact, so these are true ties.
  const std::vector<float> x = {0.25f, 0.75f, 1.25f,  -0.25f, -0.75f,  -1.25f,  1e30f, -1e30f, kInf,
                                -kInf, kNaN,  63.75f, 64.25f, -64.25f, -63.75f, 0.0f,  -0.0f};
  // quotients:                0.5    1.5    2.5    -0.5    -1.5    -2.5
  const std::vector<int> rounded = {0, 2, 2, 0, -2, -2};
  ForEachTarget([&](const std::string&) {
    // Long enough for whole vectors on every target, and a short one for the scalar remainder.
    for (size_t repeat : {size_t{1}, size_t{5}}) {
      std::vector<float> xs;
      for (size_t r = 0; r < repeat; ++r) {
        xs.insert(xs.end(), x.begin(), x.end());
      }
      const Codes c = Quantize(xs, 0.5f, 100);
      for (size_t r = 0; r < repeat; ++r) {
        const size_t o = r * x.size();
        for (size_t i = 0; i < rounded.size(); ++i) {
          BOOST_TEST(int{c.u8[o + i]} == rounded[i] + 100);
          BOOST_TEST(int{c.i8[o + i]} == rounded[i]);
        }
        BOOST_TEST(int{c.u8[o + 6]} == 255);  // +1e30
        BOOST_TEST(int{c.u8[o + 7]} == 0);
        BOOST_TEST(int{c.u8[o + 8]} == 255);   // +Inf
        BOOST_TEST(int{c.u8[o + 9]} == 0);     // -Inf
        BOOST_TEST(int{c.u8[o + 10]} == 100);  // NaN → zero point
        BOOST_TEST(int{c.i8[o + 6]} == 127);
        BOOST_TEST(int{c.i8[o + 7]} == -128);
        BOOST_TEST(int{c.i8[o + 8]} == 127);
        BOOST_TEST(int{c.i8[o + 9]} == -128);
        BOOST_TEST(int{c.i8[o + 10]} == 0);
        BOOST_TEST(int{c.i8[o + 11]} == 127);   // 127.5 → 128 → saturates
        BOOST_TEST(int{c.i8[o + 12]} == 127);   // 128.5
        BOOST_TEST(int{c.i8[o + 13]} == -128);  // -128.5 → -128 (even)
        BOOST_TEST(int{c.i8[o + 14]} == -128);  // -127.5 ties to even: -128
        BOOST_TEST(int{c.u8[o + 15]} == 100);
        BOOST_TEST(int{c.u8[o + 16]} == 100);
      }
    }
  });
}

// Ties at every position of every length up to three of the widest vectors: n below one vector
// (the scalar loop), and N·j + r for every remainder r (whole vectors, then the overlapping last
// one). Every element is a tie whose rounding away from zero differs from half to even.
BOOST_AUTO_TEST_CASE(ties_round_to_even_at_every_length_and_position) {
  // f32 lanes of the widest vector any target may have: 2048-bit SVE.
  constexpr size_t kMaxLanes = 2048 / 32;
  // scale 0.5: x / 0.5 = ±(2m + 0.5) exactly; half to even gives ±2m, away from zero ±(2m + 1).
  const auto tie = [](size_t i) {
    const float m = static_cast<float>(i % 20);
    const float quotient = 2 * m + 0.5f;
    return i % 2 == 0 ? quotient * 0.5f : -quotient * 0.5f;
  };
  ForEachTarget([&](const std::string& target) {
    for (size_t n = 1; n <= 3 * kMaxLanes + 1; ++n) {
      std::vector<float> x(n);
      for (size_t i = 0; i < n; ++i) x[i] = tie(i);
      const Codes c = Quantize(x, 0.5f, 100);
      ExpectRanOn(target);
      for (size_t i = 0; i < n; ++i) {
        const int even = static_cast<int>(2 * (i % 20)) * (i % 2 == 0 ? 1 : -1);
        if (int{c.i8[i]} != even || int{c.u8[i]} != std::clamp(even + 100, 0, 255)) {
          BOOST_ERROR("n " << n << " element " << i << " x " << x[i] << ": i8 " << int{c.i8[i]}
                           << ", u8 " << int{c.u8[i]} << ", expected " << even << " and "
                           << std::clamp(even + 100, 0, 255));
        }
      }
    }
  });
}

BOOST_AUTO_TEST_CASE(round_trip_within_half_a_step) {
  ForEachTarget([](const std::string&) {
    const float scale = 0.0173f;
    const int32_t zp = 97;
    // Every x inside the representable range [(0 − zp)·scale, (255 − zp)·scale].
    const auto x = RandomFloats(0, 10000, -97.0f * scale, 158.0f * scale);
    std::vector<uint8_t> q(x.size());
    std::vector<float> back(x.size());
    k::QuantizeU8(x.data(), x.size(), scale, zp, q.data());
    k::DequantizeU8(q.data(), q.size(), scale, zp, back.data());
    for (size_t i = 0; i < x.size(); ++i) {
      // Half a step, plus the roundings of the division and the multiply.
      BOOST_TEST(std::fabs(back[i] - x[i]) <= 0.5f * scale * (1 + 1e-5f));
    }
    const auto xs = RandomFloats(0, 10000, -127.0f * scale, 127.0f * scale);
    std::vector<int8_t> qi(xs.size());
    k::QuantizeI8(xs.data(), xs.size(), scale, qi.data());
    k::DequantizeI8(qi.data(), qi.size(), scale, back.data());
    for (size_t i = 0; i < xs.size(); ++i) {
      BOOST_TEST(std::fabs(back[i] - xs[i]) <= 0.5f * scale * (1 + 1e-5f));
    }
  });
}
