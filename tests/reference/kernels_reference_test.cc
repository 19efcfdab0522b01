// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE reference_kernels
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "qlab/reference/kernels.h"

namespace ref = qlab::reference;

BOOST_AUTO_TEST_CASE(exact_dot_recovers_what_f32_and_naive_double_lose) {
  // 2^30·1 + 1·1 − 2^30·1: f32 loses the 1 entirely (2^30 + 1 rounds to 2^30).
  const std::vector<float> a = {0x1p30f, 1.0f, -0x1p30f};
  const std::vector<float> b = {1.0f, 1.0f, 1.0f};
  BOOST_TEST(ref::DotF32(a.data(), b.data(), 3) == 0.0f);
  BOOST_TEST(ref::ExactDotF32(a.data(), b.data(), 3) == 1.0);
  // Products exact in double, sums beyond double: 2^60 + 1 − 2^60 needs the compensation.
  const std::vector<float> c = {0x1p30f, 1.0f, -0x1p30f};
  const std::vector<float> d = {0x1p30f, 1.0f, 0x1p30f};
  BOOST_TEST(ref::ExactDotF32(c.data(), d.data(), 3) == 1.0);
}

BOOST_AUTO_TEST_CASE(gamma_and_bound) {
  BOOST_TEST(ref::GammaF32(0) == 0.0);
  BOOST_TEST(ref::GammaF32(1) == 0x1p-24 / (1 - 0x1p-24));
  BOOST_TEST(std::isinf(ref::GammaF32(size_t{1} << 24)));
  const std::vector<float> a = {1.0f, -2.0f, 3.0f};
  const std::vector<float> b = {4.0f, 5.0f, -6.0f};
  // Σ|a·b| = 4 + 10 + 18 = 32.
  const double bound = ref::DotF32ErrorBound(a.data(), b.data(), 3);
  BOOST_TEST(bound >= ref::GammaF32(3) * 32.0);
  BOOST_TEST(bound <= ref::GammaF32(3) * 32.0 * (1 + 1e-12));
}

BOOST_AUTO_TEST_CASE(scalar_float_dot_error_within_bound) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (size_t n : {size_t{1}, size_t{10}, size_t{1000}, size_t{100000}}) {
    std::vector<float> a(n), b(n);
    for (size_t i = 0; i < n; ++i) {
      a[i] = dist(rng);
      b[i] = dist(rng);
    }
    const double err = std::fabs(double{ref::DotF32(a.data(), b.data(), n)} -
                                 ref::ExactDotF32(a.data(), b.data(), n));
    BOOST_TEST(err <= ref::DotF32ErrorBound(a.data(), b.data(), n));
  }
}

BOOST_AUTO_TEST_CASE(integer_references_match_hand_values_and_auto_variants) {
  const std::vector<int8_t> a = {-128, 127, -1, 0, 5};
  const std::vector<int8_t> b = {-128, -128, 127, 9, -3};
  const std::vector<uint8_t> u = {255, 0, 1, 128, 200};
  // 16384 − 16256 − 127 + 0 − 15 = −14.
  BOOST_TEST(ref::DotI8(a.data(), b.data(), 5) == -14);
  // −32640 + 0 + 127 + 1152 − 600 = −31961.
  BOOST_TEST(ref::DotU8I8(u.data(), b.data(), 5) == -31961);
  BOOST_TEST(ref::autovec::DotI8(a.data(), b.data(), 5) == -14);
  BOOST_TEST(ref::autovec::DotU8I8(u.data(), b.data(), 5) == -31961);
  const std::vector<uint8_t> x(size_t{8} * 3, 255);
  const std::vector<int8_t> w(8, -128);
  std::vector<int32_t> acc(3);
  ref::GemvU8I8Acc(x.data(), 3, 8, w.data(), acc.data());
  for (int32_t v : acc) {
    BOOST_TEST(v == 8 * 255 * -128);
  }
  std::vector<float> y(3), y_auto(3);
  ref::GemvU8I8(x.data(), 3, 8, w.data(), 0.5f, -1000, 2.0f, y.data());
  ref::autovec::GemvU8I8K8(x.data(), 3, w.data(), 0.5f, -1000, 2.0f, y_auto.data());
  for (size_t i = 0; i < 3; ++i) {
    BOOST_TEST(y[i] == 0.5f * static_cast<float>(8 * 255 * -128 + 1000) + 2.0f);
    BOOST_TEST(y_auto[i] == y[i]);
  }
}

BOOST_AUTO_TEST_CASE(float_gemv_reference_order_and_auto_within_bound) {
  // acc = bias first, then the row left to right: 1e8 + 1 − 1e8 loses the 1 in f32.
  const std::vector<float> x = {1.0f, -1e8f};
  const std::vector<float> w = {1.0f, 1.0f};
  float y = 0;
  ref::GemvF32(x.data(), 1, 2, w.data(), 1e8f, &y);
  BOOST_TEST(y == 0.0f);
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  const size_t rows = 101;
  std::vector<float> xs(rows * 8), ws(8), want(rows), got(rows), got_k8(rows);
  for (float& v : xs) {
    v = dist(rng);
  }
  for (float& v : ws) {
    v = dist(rng);
  }
  ref::GemvF32(xs.data(), rows, 8, ws.data(), 0.25f, want.data());
  ref::autovec::GemvF32(xs.data(), rows, 8, ws.data(), 0.25f, got.data());
  ref::autovec::GemvF32K8(xs.data(), rows, ws.data(), 0.25f, got_k8.data());
  for (size_t r = 0; r < rows; ++r) {
    std::vector<float> xr(xs.data() + r * 8, xs.data() + r * 8 + 8), wr(ws);
    xr.push_back(1.0f);
    wr.push_back(0.25f);
    const double exact = ref::ExactDotF32(xr.data(), wr.data(), 9);
    const double bound = ref::DotF32ErrorBound(xr.data(), wr.data(), 9);
    BOOST_TEST(std::fabs(want[r] - exact) <= bound);
    BOOST_TEST(std::fabs(got[r] - exact) <= bound);
    BOOST_TEST(std::fabs(got_k8[r] - exact) <= bound);
  }
}

BOOST_AUTO_TEST_CASE(scalar_quantize_rules) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  BOOST_TEST(int{ref::QuantizeU8(2.5f, 1.0f, 10)} == 12);  // ties to even
  BOOST_TEST(int{ref::QuantizeU8(3.5f, 1.0f, 10)} == 14);
  BOOST_TEST(int{ref::QuantizeU8(nan, 1.0f, 10)} == 10);
  BOOST_TEST(int{ref::QuantizeU8(inf, 1.0f, 10)} == 255);
  BOOST_TEST(int{ref::QuantizeU8(-inf, 1.0f, 10)} == 0);
  BOOST_TEST(int{ref::QuantizeI8(-0.5f, 1.0f)} == 0);
  BOOST_TEST(int{ref::QuantizeI8(-1.5f, 1.0f)} == -2);
  BOOST_TEST(int{ref::QuantizeI8(1000.0f, 1.0f)} == 127);
  BOOST_TEST(int{ref::QuantizeI8(-1000.0f, 1.0f)} == -128);
  BOOST_TEST(int{ref::QuantizeI8(nan, 1.0f)} == 0);
  const std::vector<uint8_t> q = {0, 10, 255};
  std::vector<float> x(3);
  ref::DequantizeU8(q.data(), 3, 0.5f, 10, x.data());
  BOOST_TEST(x[0] == -5.0f);
  BOOST_TEST(x[1] == 0.0f);
  BOOST_TEST(x[2] == 122.5f);
}

BOOST_AUTO_TEST_CASE(f64_fallback_score_rounds_every_step_in_a_fixed_order) {
  // x = 1 + 2^-30: x·x = 1 + 2^-29 + 2^-60 rounds to 1 + 2^-29 in double. With acc = −fl(x·x)
  // first, the unfused second step gives exactly 0; a fused multiply-add would give 2^-60.
  const double x = 1.0 + 0x1p-30;
  const double xx = x * x;
  const std::vector<double> a = {1.0, x};
  const std::vector<double> b = {-xx, x};
  BOOST_TEST(ref::DotF64(a.data(), b.data(), 2) == 0.0);
  BOOST_TEST(std::fma(x, x, -xx) == 0x1p-60);  // what contraction would have produced
  // LinearScoreF64: z_j = (x_j − mean_j) / scale_j, then Σ coef_j·z_j from j = 0, then + b.
  const std::vector<double> row = {3.0, -1.0, 0.5};
  const std::vector<double> mean = {1.0, 0.25, -0.5};
  const std::vector<double> scale = {2.0, 0.5, 3.0};
  const std::vector<double> coef = {0.1, -0.7, 1.3};
  double want = 0.0;
  want += 0.1 * ((3.0 - 1.0) / 2.0);
  want += -0.7 * ((-1.0 - 0.25) / 0.5);
  want += 1.3 * ((0.5 + 0.5) / 3.0);
  want += 0.25;
  BOOST_TEST(ref::LinearScoreF64(row.data(), 3, mean.data(), scale.data(), coef.data(), 0.25) ==
             want);
  const std::vector<float> row_f = {3.0f, -1.0f, 0.5f};
  BOOST_TEST(ref::LinearScoreF64(row_f.data(), 3, mean.data(), scale.data(), coef.data(), 0.25) ==
             want);
}

BOOST_AUTO_TEST_CASE(saturation_rule_in_double_and_packing_layout) {
  // scale 0.5, zero point 10, code max 15: u = round_half_even(2x) + 10 must stay in [0, 15].
  BOOST_TEST(!ref::SaturatesU8(2.5f, 0.5f, 10, 15));    // 5 + 10 = 15
  BOOST_TEST(ref::SaturatesU8(2.75f, 0.5f, 10, 15));    // 5.5 ties to even: 6 + 10 = 16
  BOOST_TEST(!ref::SaturatesU8(-5.25f, 0.5f, 10, 15));  // −10.5 ties to even: −10 + 10 = 0
  BOOST_TEST(ref::SaturatesU8(3.0f, 0.5f, 10, 15));     // 16
  BOOST_TEST(!ref::SaturatesU8(-5.0f, 0.5f, 10, 15));   // 0
  BOOST_TEST(ref::SaturatesU8(-5.5f, 0.5f, 10, 15));    // −1
  BOOST_TEST(ref::SaturatesU8(std::numeric_limits<float>::quiet_NaN(), 0.5f, 10, 15));
  BOOST_TEST(ref::SaturatesU8(std::numeric_limits<float>::infinity(), 0.5f, 10, 15));
  const std::vector<uint8_t> codes = {1, 2, 3};
  std::vector<uint8_t> packed(2);
  ref::PackU4(codes.data(), 1, 3, packed.data());
  BOOST_TEST(int{packed[0]} == 0x21);
  BOOST_TEST(int{packed[1]} == 0x03);
}
