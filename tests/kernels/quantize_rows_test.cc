// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// QuantizeU8Rows / QuantizeU8RowsSaturated on every target: codes bit-exact against the scalar
// reference, and the saturated rows exactly the rows holding a value outside the quantizer's
// range (none else), with per-feature counts, at every k, row count, offset and code width.
#define BOOST_TEST_MODULE kernels_quantize_rows
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

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
constexpr size_t kNone = ~size_t{0};

struct Quantizer {
  std::vector<float> scale;
  std::vector<int32_t> zero_point;
  int32_t code_max;
};

// Per-feature scales and zero points for codes 0..code_max.
Quantizer RandomQuantizer(size_t kk, int32_t code_max) {
  std::uniform_real_distribution<float> scale(0.01f, 2.0f);
  std::uniform_int_distribution<int32_t> zp(0, code_max);
  Quantizer q{{}, {}, code_max};
  for (size_t j = 0; j < kk; ++j) {
    q.scale.push_back(scale(qlab::test::Rng()));
    q.zero_point.push_back(zp(qlab::test::Rng()));
  }
  return q;
}

struct Result {
  std::vector<uint8_t> codes;
  std::vector<size_t> rows;
  std::vector<int64_t> per_feature;
};

// Runs the kernel on x + offset into exact-size outputs and checks it against the reference.
Result CheckAgainstReference(const std::vector<float>& x, size_t offset, size_t rows, size_t kk,
                             const Quantizer& qz, const std::string& target) {
  const size_t n = rows * kk;
  std::vector<uint8_t> codes(offset + n, 0xA5), want_codes(n);
  std::vector<size_t> sat(rows + 1, kNone), want_sat(rows);
  std::vector<int64_t> per(kk, -1), want_per(kk);
  const size_t count =
      k::QuantizeU8RowsSaturated(x.data() + offset, rows, kk, qz.scale.data(), qz.zero_point.data(),
                                 qz.code_max, codes.data() + offset, sat.data(), rows, per.data());
  ExpectRanOn(target);
  const size_t want_count = ref::QuantizeU8RowsSaturated(
      x.data() + offset, rows, kk, qz.scale.data(), qz.zero_point.data(), qz.code_max,
      want_codes.data(), want_sat.data(), rows, want_per.data());
  BOOST_TEST_CONTEXT("k " << kk << " rows " << rows << " offset " << offset << " code_max "
                          << qz.code_max) {
    BOOST_TEST(std::equal(want_codes.begin(), want_codes.end(),
                          codes.begin() + static_cast<ptrdiff_t>(offset)));
    for (size_t i = 0; i < offset; ++i) BOOST_TEST(codes[i] == 0xA5);
    BOOST_TEST(count == want_count);
    const size_t both = std::min({count, want_count, rows});
    BOOST_TEST(std::equal(want_sat.begin(), want_sat.begin() + both, sat.begin()));
    BOOST_TEST(sat[std::min(count, rows)] == kNone);  // nothing written past the count
    BOOST_TEST(per == want_per, boost::test_tools::per_element());
    // Without detection: the same codes.
    std::vector<uint8_t> plain(n);
    k::QuantizeU8Rows(x.data() + offset, rows, kk, qz.scale.data(), qz.zero_point.data(),
                      qz.code_max, plain.data());
    ExpectRanOn(target);
    BOOST_TEST(std::equal(want_codes.begin(), want_codes.end(), plain.begin()));
  }
  sat.resize(std::min(count, rows));
  return {std::vector<uint8_t>(codes.begin() + static_cast<ptrdiff_t>(offset), codes.end()), sat,
          per};
}

}  // namespace

BOOST_AUTO_TEST_CASE(saturated_rows_are_exactly_the_planted_outliers) {
  ForEachTarget([](const std::string& target) {
    const size_t row_counts[] = {0, 1, 2, 3, 7, 16, 17, 33, 100, 257, 1001};
    for (int32_t code_max : {1, 3, 15, 127, 255}) {
      for (size_t kk : {size_t{1}, size_t{2}, size_t{3}, size_t{5}, size_t{8}, size_t{13},
                        size_t{16}, size_t{33}, size_t{64}}) {
        for (size_t rows : row_counts) {
          const Quantizer qz = RandomQuantizer(kk, code_max);
          const size_t offset = (rows + kk) % 16;
          // Inside values: codes 0.1 .. code_max − 0.1 away from the ends, so well inside.
          std::vector<float> x(offset + rows * kk);
          for (size_t i = 0; i < rows * kk; ++i) {
            const size_t j = i % kk;
            const float lo = (0.1f - static_cast<float>(qz.zero_point[j])) * qz.scale[j];
            const float hi = (static_cast<float>(code_max - qz.zero_point[j]) - 0.1f) * qz.scale[j];
            x[offset + i] = RandomFloats(0, 1, lo, hi)[0];
          }
          // Outliers in about one row in seven, several kinds, sometimes two in a row.
          std::set<size_t> planted;
          std::vector<int64_t> planted_per(kk, 0);
          const float kinds[] = {1e6f, -1e6f, kInf, -kInf, kNaN};
          for (size_t r = 0; r < rows; ++r) {
            if (qlab::test::Rng()() % 7 != 0) continue;
            planted.insert(r);
            const size_t times = 1 + qlab::test::Rng()() % 2;
            std::set<size_t> features;
            for (size_t t = 0; t < times; ++t) features.insert(qlab::test::Rng()() % kk);
            for (size_t j : features) {
              x[offset + r * kk + j] = kinds[qlab::test::Rng()() % 5];
              ++planted_per[j];
            }
          }
          const Result got = CheckAgainstReference(x, offset, rows, kk, qz, target);
          BOOST_TEST(std::vector<size_t>(planted.begin(), planted.end()) == got.rows,
                     boost::test_tools::per_element());
          BOOST_TEST(planted_per == got.per_feature, boost::test_tools::per_element());
        }
      }
    }
  });
}

BOOST_AUTO_TEST_CASE(saturation_at_the_range_ends_follows_the_double_rule_ulp_by_ulp) {
  // One feature, one value per row: every float within 40 ulps of both ends, and of both ends of
  // the f32 rounding ties, for scales that are and are not powers of two.
  ForEachTarget([](const std::string& target) {
    for (int32_t code_max : {15, 255}) {
      for (float scale : {0.5f, 0.037f, 1.0f / 3.0f, 7.25f, 1e-3f}) {
        for (int32_t zp : {0, 1, code_max / 2, code_max}) {
          const Quantizer qz{{scale}, {zp}, code_max};
          std::vector<float> x;
          for (double end : {-zp - 0.5, code_max - zp + 0.5, -zp + 0.5, code_max - zp - 0.5}) {
            float v = static_cast<float>(end * scale);
            for (int s = 0; s < 40; ++s) v = std::nextafter(v, -kInf);
            for (int s = 0; s < 81; ++s, v = std::nextafter(v, kInf)) x.push_back(v);
          }
          const Result got = CheckAgainstReference(x, 0, x.size(), 1, qz, target);
          std::vector<size_t> want;
          for (size_t i = 0; i < x.size(); ++i) {
            if (ref::SaturatesU8(x[i], scale, zp, code_max)) want.push_back(i);
          }
          BOOST_TEST(got.rows == want, boost::test_tools::per_element());
          BOOST_TEST(!want.empty());
          BOOST_TEST(want.size() < x.size());
        }
      }
    }
  });
}

BOOST_AUTO_TEST_CASE(capacity_bounds_the_indices_written_not_the_count) {
  ForEachTarget([](const std::string&) {
    const size_t rows = 100, kk = 8;
    const Quantizer qz = RandomQuantizer(kk, 255);
    std::vector<float> x(rows * kk, 0.0f);
    for (size_t r = 0; r < rows; r += 3) x[r * kk + r % kk] = 1e9f;  // 34 rows
    std::vector<uint8_t> q(rows * kk);
    std::vector<size_t> sat(10, kNone);
    const size_t count =
        k::QuantizeU8RowsSaturated(x.data(), rows, kk, qz.scale.data(), qz.zero_point.data(), 255,
                                   q.data(), sat.data(), 5, nullptr);
    BOOST_TEST(count == 34u);
    for (size_t i = 0; i < 5; ++i) BOOST_TEST(sat[i] == 3 * i);
    for (size_t i = 5; i < 10; ++i) BOOST_TEST(sat[i] == kNone);
  });
}

BOOST_AUTO_TEST_CASE(codes_equal_quantize_u8_per_column_clamped_to_the_code_max) {
  // What the lab did before this kernel: QuantizeU8 per feature column, then min(code, code_max).
  ForEachTarget([](const std::string&) {
    for (int32_t code_max : {15, 255}) {
      const size_t rows = 517, kk = 8;
      const Quantizer qz = RandomQuantizer(kk, code_max);
      auto x = RandomFloats(0, rows * kk, -300.0f, 300.0f);
      x[17] = kNaN;
      x[18] = kInf;
      x[19] = -kInf;
      std::vector<uint8_t> q(rows * kk);
      k::QuantizeU8Rows(x.data(), rows, kk, qz.scale.data(), qz.zero_point.data(), code_max,
                        q.data());
      std::vector<float> column(rows);
      std::vector<uint8_t> codes(rows);
      for (size_t j = 0; j < kk; ++j) {
        for (size_t r = 0; r < rows; ++r) column[r] = x[r * kk + j];
        k::QuantizeU8(column.data(), rows, qz.scale[j], qz.zero_point[j], codes.data());
        for (size_t r = 0; r < rows; ++r) {
          if (q[r * kk + j] != std::min<int>(codes[r], code_max)) {
            BOOST_ERROR("row " << r << " feature " << j);
          }
        }
      }
    }
  });
}

// Ties at every flat position of every length up to three of the widest vectors, for several k:
// the whole vectors, and the scalar loop after them (the elements past the last whole vector).
// Every element is a tie ±(2m + 0.5) whose rounding away from zero differs from half to even.
BOOST_AUTO_TEST_CASE(ties_round_to_even_in_the_vectors_and_the_scalar_tail) {
  // f32 lanes of the widest vector any target may have: 2048-bit SVE.
  constexpr size_t kMaxLanes = 2048 / 32;
  ForEachTarget([](const std::string& target) {
    for (size_t kk : {size_t{1}, size_t{3}, size_t{5}, size_t{8}, size_t{13}}) {
      for (int32_t code_max : {15, 255}) {
        const int32_t zp = code_max == 15 ? 7 : 100;
        const int32_t m_max = code_max == 15 ? 2 : 20;  // codes stay inside [0, code_max]
        const std::vector<float> scale(kk, 0.5f);
        const std::vector<int32_t> zero_point(kk, zp);
        for (size_t rows = 1; rows * kk <= 3 * kMaxLanes + kk; ++rows) {
          const size_t n = rows * kk;
          std::vector<float> x(n);
          std::vector<int> want(n);
          for (size_t i = 0; i < n; ++i) {
            const auto m = static_cast<int32_t>(i) % m_max;
            const int sign = i % 2 == 0 ? 1 : -1;
            x[i] = static_cast<float>(sign) * (2.0f * static_cast<float>(m) + 0.5f) * 0.5f;
            want[i] = sign * 2 * m + zp;
          }
          std::vector<uint8_t> plain(n), detected(n);
          std::vector<size_t> saturated(rows);
          k::QuantizeU8Rows(x.data(), rows, kk, scale.data(), zero_point.data(), code_max,
                            plain.data());
          ExpectRanOn(target);
          const size_t count = k::QuantizeU8RowsSaturated(
              x.data(), rows, kk, scale.data(), zero_point.data(), code_max, detected.data(),
              saturated.data(), rows, nullptr);
          BOOST_TEST(count == 0u);
          for (size_t i = 0; i < n; ++i) {
            if (int{plain[i]} != want[i] || int{detected[i]} != want[i]) {
              BOOST_ERROR("k " << kk << " rows " << rows << " code_max " << code_max << " element "
                               << i << " x " << x[i] << ": " << int{plain[i]} << " and "
                               << int{detected[i]} << ", expected " << want[i]);
            }
          }
        }
      }
    }
  });
}
