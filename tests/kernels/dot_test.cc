// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE kernels_dot
#include <Eigen/Core>
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <limits>

#include "kernels/each_target.h"
#include "qlab/kernels.h"
#include "qlab/reference/kernels.h"

namespace k = qlab::kernels;
namespace ref = qlab::reference;
using qlab::test::ExpectRanOn;
using qlab::test::ForEachTarget;
using qlab::test::IntKernel;
using qlab::test::RandomFloats;
using qlab::test::RandomInts;

namespace {

// Both integer dots against the scalar reference; a starts `offset` elements into an exact-size
// buffer and b at another offset, so the two pointers are misaligned differently.
void CheckIntegerDots(size_t offset, size_t n, const std::string& target) {
  const size_t offset_b = (offset * 7 + 5) % 64;
  const auto a8 = RandomInts<int8_t>(offset, n, -128, 127);
  const auto au = RandomInts<uint8_t>(offset, n, 0, 255);
  const auto b8 = RandomInts<int8_t>(offset_b, n, -128, 127);
  const int8_t* b = b8.data() + offset_b;
  const int64_t want_i8 = ref::DotI8(a8.data() + offset, b, n);
  const int64_t want_u8 = ref::DotU8I8(au.data() + offset, b, n);
  const int64_t got_i8 = k::DotI8(a8.data() + offset, b, n);
  ExpectRanOn(target, IntKernel::kDotI8);
  const int64_t got_u8 = k::DotU8I8(au.data() + offset, b, n);
  ExpectRanOn(target, IntKernel::kDotU8I8);
  if (got_i8 != want_i8 || got_u8 != want_u8) {
    BOOST_ERROR("n " << n << " offset " << offset << ": i8 " << got_i8 << " vs " << want_i8
                     << ", u8i8 " << got_u8 << " vs " << want_u8);
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(integer_dots_exact_for_every_n_to_300_and_every_offset) {
  ForEachTarget([](const std::string& target) {
    for (size_t n = 0; n <= 300; ++n) {
      CheckIntegerDots(0, n, target);
    }
    for (size_t offset = 1; offset < 64; ++offset) {
      for (size_t n : {size_t{1}, size_t{7}, size_t{31}, size_t{64}, size_t{129}, size_t{300}}) {
        CheckIntegerDots(offset, n, target);
      }
    }
  });
}

BOOST_AUTO_TEST_CASE(integer_dots_exact_for_random_n_to_100000) {
  ForEachTarget([](const std::string& target) {
    std::uniform_int_distribution<size_t> size(301, 100000);
    std::uniform_int_distribution<size_t> offset(0, 63);
    for (int trial = 0; trial < 24; ++trial) {
      CheckIntegerDots(offset(qlab::test::Rng()), size(qlab::test::Rng()), target);
    }
    // Both sides of the int32 block boundary (65,536 elements).
    for (size_t n : {size_t{65535}, size_t{65536}, size_t{65537}, size_t{131072 + 63}}) {
      CheckIntegerDots(0, n, target);
    }
    // Both sides of the VNNI loops' length switches (512, 2048) and pair-sum block (8192).
    for (size_t n : {511, 512, 513, 1000, 1087, 2047, 2048, 2049, 8191, 8192, 8193, 8192 + 511}) {
      CheckIntegerDots(0, n, target);
      CheckIntegerDots(17, n, target);
    }
  });
}

BOOST_AUTO_TEST_CASE(integer_dots_exact_on_extremes_beyond_int32) {
  // 2^20 products of magnitude 32,640 sum to ±3.4·10^10, far beyond int32.
  for (size_t n : {size_t{300}, size_t{1} << 16, (size_t{1} << 20) + 13, (size_t{1} << 22) + 5}) {
    const std::vector<uint8_t> u255(n, 255);
    const std::vector<int8_t> i127(n, 127), im128(n, -128);
    const auto nn = static_cast<int64_t>(n);
    BOOST_TEST_REQUIRE(ref::DotU8I8(u255.data(), im128.data(), n) == nn * 255 * -128);
    BOOST_TEST_REQUIRE(ref::DotU8I8(u255.data(), i127.data(), n) == nn * 255 * 127);
    BOOST_TEST_REQUIRE(ref::DotI8(im128.data(), im128.data(), n) == nn * 128 * 128);
    ForEachTarget([&](const std::string& target) {
      BOOST_TEST_CONTEXT("n " << n) {
        BOOST_TEST(k::DotU8I8(u255.data(), im128.data(), n) == nn * 255 * -128);
        BOOST_TEST(k::DotU8I8(u255.data(), i127.data(), n) == nn * 255 * 127);
        ExpectRanOn(target, IntKernel::kDotU8I8);
        BOOST_TEST(k::DotI8(im128.data(), im128.data(), n) == nn * 128 * 128);
        BOOST_TEST(k::DotI8(im128.data(), i127.data(), n) == nn * -128 * 127);
        BOOST_TEST(k::DotI8(i127.data(), i127.data(), n) == nn * 127 * 127);
        ExpectRanOn(target, IntKernel::kDotI8);
      }
    });
  }
}

BOOST_AUTO_TEST_CASE(float_dot_exact_on_small_integers) {
  // Integer values with every partial sum below 2^24 are exact in any order, so any dropped or
  // doubled tail element shows as a difference from the reference.
  ForEachTarget([](const std::string& target) {
    const auto check = [&](size_t offset, size_t n, int range) {
      std::vector<float> a(offset + n), b(offset + n);
      std::uniform_int_distribution<int> dist(-range, range);
      for (float& x : a) {
        x = static_cast<float>(dist(qlab::test::Rng()));
      }
      for (float& x : b) {
        x = static_cast<float>(dist(qlab::test::Rng()));
      }
      const float want = ref::DotF32(a.data() + offset, b.data() + offset, n);
      const float got = k::DotF32(a.data() + offset, b.data() + offset, n);
      ExpectRanOn(target);
      if (got != want) {
        BOOST_ERROR("n " << n << " offset " << offset << ": " << got << " vs " << want);
      }
    };
    for (size_t n = 0; n <= 300; ++n) {
      check(0, n, 8);
    }
    for (size_t offset = 1; offset < 64; ++offset) {
      for (size_t n : {size_t{1}, size_t{5}, size_t{17}, size_t{100}, size_t{257}}) {
        check(offset, n, 8);
      }
    }
    for (size_t n : {size_t{4099}, size_t{65537}, size_t{100000}}) {
      check(3, n, 2);
    }
  });
}

BOOST_AUTO_TEST_CASE(float_dot_within_error_bound_and_agrees_with_eigen) {
  ForEachTarget([](const std::string& target) {
    std::uniform_int_distribution<size_t> size(0, 100000);
    std::vector<size_t> sizes;
    for (size_t n = 0; n <= 70; ++n) {
      sizes.push_back(n);
    }
    for (int trial = 0; trial < 16; ++trial) {
      sizes.push_back(size(qlab::test::Rng()));
    }
    for (size_t n : sizes) {
      const size_t offset = n % 64;
      const auto a = RandomFloats(offset, n, -1.0f, 1.0f);
      const auto b = RandomFloats(offset, n, -1.0f, 1.0f);
      const float* pa = a.data() + offset;
      const float* pb = b.data() + offset;
      const double exact = ref::ExactDotF32(pa, pb, n);
      const double bound = ref::DotF32ErrorBound(pa, pb, n);
      const float got = k::DotF32(pa, pb, n);
      ExpectRanOn(target);
      const float eigen =
          Eigen::Map<const Eigen::VectorXf>(pa, static_cast<Eigen::Index>(n))
              .dot(Eigen::Map<const Eigen::VectorXf>(pb, static_cast<Eigen::Index>(n)));
      BOOST_TEST_CONTEXT("n " << n) {
        BOOST_TEST(std::fabs(double{got} - exact) <= bound);
        BOOST_TEST(std::fabs(double{eigen} - exact) <= bound);
        BOOST_TEST(std::fabs(double{got} - double{eigen}) <= 2 * bound);
      }
    }
  });
}

BOOST_AUTO_TEST_CASE(float_dot_propagates_infinity_from_every_position) {
  // An overlapping tail must not turn an Inf it has already counted into 0·Inf = NaN.
  ForEachTarget([](const std::string&) {
    for (size_t n = 1; n <= 70; ++n) {
      for (size_t pos = 0; pos < n; ++pos) {
        std::vector<float> a(n, 1.0f), b(n, 1.0f);
        b[pos] = std::numeric_limits<float>::infinity();
        const float got = k::DotF32(a.data(), b.data(), n);
        if (!(std::isinf(got) && got > 0)) {
          BOOST_ERROR("n " << n << " Inf at " << pos << ": " << got);
        }
      }
    }
  });
}
