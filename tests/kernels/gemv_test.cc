// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE kernels_gemv
#include <Eigen/Core>
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>

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

using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Row counts around every vector length (4, 8, 16 lanes and their multiples), none of them
// needing to be a multiple of one.
const size_t kRowCounts[] = {0, 1, 3, 7, 15, 16, 17, 31, 33, 47, 63, 65, 129, 515};

// Distance in ulps between two finite floats of the same sign (or both near zero).
int64_t UlpDistance(float a, float b) {
  const auto ordered = [](float f) {
    int32_t i;
    std::memcpy(&i, &f, sizeof i);
    return i < 0 ? int64_t{INT32_MIN} - i : int64_t{i};
  };
  return std::llabs(ordered(a) - ordered(b));
}

}  // namespace

BOOST_AUTO_TEST_CASE(gemv_f32_within_bound_of_exact_and_eigen_for_k_1_to_64) {
  ForEachTarget([](const std::string& target) {
    for (size_t kk = 1; kk <= k::kMaxGemvK; ++kk) {
      for (size_t rows : kRowCounts) {
        const size_t offset = (kk + rows) % 16;
        const auto x = RandomFloats(offset, rows * kk, -2.0f, 2.0f);
        const auto w = RandomFloats(0, kk, -1.0f, 1.0f);
        const float bias = 0.375f;
        const float* px = x.data() + offset;
        std::vector<float> y(offset + rows, -1.0f);
        k::GemvF32(px, rows, kk, w.data(), bias, y.data() + offset);
        ExpectRanOn(target);
        const Eigen::VectorXf eigen =
            (Eigen::Map<const RowMajor>(px, static_cast<Eigen::Index>(rows),
                                        static_cast<Eigen::Index>(kk)) *
             Eigen::Map<const Eigen::VectorXf>(w.data(), static_cast<Eigen::Index>(kk)))
                .array() +
            bias;
        for (size_t r = 0; r < rows; ++r) {
          // The row as a dot of k + 1 terms: x·w and 1·bias.
          std::vector<float> xr(px + r * kk, px + r * kk + kk), wr(w);
          xr.push_back(1.0f);
          wr.push_back(bias);
          const double exact = ref::ExactDotF32(xr.data(), wr.data(), kk + 1);
          const double bound = ref::DotF32ErrorBound(xr.data(), wr.data(), kk + 1);
          const float got = y[offset + r];
          if (!(std::fabs(double{got} - exact) <= bound) ||
              !(std::fabs(double{got} - double{eigen[static_cast<Eigen::Index>(r)]}) <=
                2 * bound)) {
            BOOST_ERROR("k " << kk << " rows " << rows << " row " << r << ": " << got << " exact "
                             << exact << " eigen " << eigen[static_cast<Eigen::Index>(r)]);
          }
        }
        for (size_t r = 0; r < offset; ++r) BOOST_TEST(y[r] == -1.0f);  // nothing before y
      }
    }
  });
}

BOOST_AUTO_TEST_CASE(gemv_f32_exact_on_small_integers) {
  ForEachTarget([](const std::string& target) {
    for (size_t kk = 1; kk <= k::kMaxGemvK; ++kk) {
      for (size_t rows : kRowCounts) {
        auto x = RandomInts<int>(0, rows * kk, -16, 16);
        auto wi = RandomInts<int>(0, kk, -16, 16);
        std::vector<float> xf(x.begin(), x.end()), w(wi.begin(), wi.end());
        std::vector<float> got(rows), want(rows);
        k::GemvF32(xf.data(), rows, kk, w.data(), 3.0f, got.data());
        ExpectRanOn(target);
        ref::GemvF32(xf.data(), rows, kk, w.data(), 3.0f, want.data());
        if (got != want) {
          BOOST_ERROR("k " << kk << " rows " << rows);
        }
      }
    }
  });
}

BOOST_AUTO_TEST_CASE(gemv_u8i8_exact_accumulators_for_k_1_to_64) {
  ForEachTarget([](const std::string& target) {
    for (size_t kk = 1; kk <= k::kMaxGemvK; ++kk) {
      for (size_t rows : kRowCounts) {
        const size_t offset = (kk * 7 + rows) % 64;
        const auto x = RandomInts<uint8_t>(offset, rows * kk, 0, 255);
        const auto w = RandomInts<int8_t>(0, kk, -128, 127);
        std::vector<int32_t> got(rows), want(rows);
        k::GemvU8I8Acc(x.data() + offset, rows, kk, w.data(), got.data());
        ExpectRanOn(target, IntKernel::kGemvU8I8, kk);
        ref::GemvU8I8Acc(x.data() + offset, rows, kk, w.data(), want.data());
        if (got != want) {
          BOOST_ERROR("k " << kk << " rows " << rows);
        }
      }
    }
  });
}

BOOST_AUTO_TEST_CASE(gemv_u8i8_extremes_exact) {
  // k = 64 rows of 255·−128 and 255·127: the largest accumulators the contract allows.
  ForEachTarget([](const std::string& target) {
    for (size_t kk : {size_t{8}, size_t{63}, size_t{64}}) {
      const size_t rows = 37;
      const std::vector<uint8_t> x(rows * kk, 255);
      for (int8_t weight : {int8_t{-128}, int8_t{127}}) {
        const std::vector<int8_t> w(kk, weight);
        std::vector<int32_t> acc(rows);
        k::GemvU8I8Acc(x.data(), rows, kk, w.data(), acc.data());
        ExpectRanOn(target, IntKernel::kGemvU8I8, kk);
        for (int32_t a : acc) {
          BOOST_TEST(a == static_cast<int32_t>(kk) * 255 * weight);
        }
      }
    }
  });
}

BOOST_AUTO_TEST_CASE(gemv_u8i8_float_output_within_one_ulp) {
  ForEachTarget([](const std::string& target) {
    for (size_t kk = 1; kk <= k::kMaxGemvK; ++kk) {
      for (size_t rows : kRowCounts) {
        const auto x = RandomInts<uint8_t>(0, rows * kk, 0, 255);
        const auto w = RandomInts<int8_t>(0, kk, -128, 127);
        const float scale = 0.0123f;
        const int32_t correction = 1000 * static_cast<int32_t>(kk) - 77;
        const float bias = -1.5f;
        std::vector<float> got(rows), want(rows);
        k::GemvU8I8(x.data(), rows, kk, w.data(), scale, correction, bias, got.data());
        ExpectRanOn(target, IntKernel::kGemvU8I8, kk);
        ref::GemvU8I8(x.data(), rows, kk, w.data(), scale, correction, bias, want.data());
        for (size_t r = 0; r < rows; ++r) {
          if (UlpDistance(got[r], want[r]) > 1) {
            BOOST_ERROR("k " << kk << " rows " << rows << " row " << r << ": " << got[r] << " vs "
                             << want[r]);
          }
        }
      }
    }
  });
}

BOOST_AUTO_TEST_CASE(gemv_streaming_path_on_large_misaligned_outputs) {
  // Over 4 MiB of output takes the streaming stores, after peeling rows up to alignment.
  const size_t rows = (size_t{1} << 20) + 5;
  const size_t kk = 8;
  const auto xf = RandomInts<int>(0, rows * kk, -8, 8);
  const std::vector<float> x(xf.begin(), xf.end());
  const auto xu = RandomInts<uint8_t>(0, rows * kk, 0, 255);
  const std::vector<float> w = {1, -2, 3, -4, 5, -6, 7, -8};
  const std::vector<int8_t> w8 = {1, -2, 3, -4, 5, -6, 7, -128};
  std::vector<float> want(rows);
  std::vector<int32_t> want_acc(rows);
  ref::GemvF32(x.data(), rows, kk, w.data(), 0.5f, want.data());
  ref::GemvU8I8Acc(xu.data(), rows, kk, w8.data(), want_acc.data());
  ForEachTarget([&](const std::string& target) {
    for (size_t misalign : {size_t{0}, size_t{1}, size_t{3}}) {
      std::vector<float> y(misalign + rows);
      k::GemvF32(x.data(), rows, kk, w.data(), 0.5f, y.data() + misalign);
      ExpectRanOn(target);
      BOOST_TEST(std::equal(want.begin(), want.end(), y.begin() + misalign));
      std::vector<int32_t> acc(misalign + rows);
      k::GemvU8I8Acc(xu.data(), rows, kk, w8.data(), acc.data() + misalign);
      ExpectRanOn(target, IntKernel::kGemvU8I8, kk);
      BOOST_TEST(std::equal(want_acc.begin(), want_acc.end(), acc.begin() + misalign));
    }
  });
}

BOOST_AUTO_TEST_CASE(gemv_u8i8_exact_for_every_row_count_to_300_and_every_offset) {
  ForEachTarget([](const std::string& target) {
    const auto check = [&](size_t kk, size_t rows, size_t offset) {
      const auto x = RandomInts<uint8_t>(offset, rows * kk, 0, 255);
      const auto w = RandomInts<int8_t>(0, kk, -128, 127);
      std::vector<int32_t> got(offset + rows), want(rows);
      k::GemvU8I8Acc(x.data() + offset, rows, kk, w.data(), got.data() + offset);
      ExpectRanOn(target, IntKernel::kGemvU8I8, kk);
      ref::GemvU8I8Acc(x.data() + offset, rows, kk, w.data(), want.data());
      if (!std::equal(want.begin(), want.end(), got.data() + offset)) {
        BOOST_ERROR("k " << kk << " rows " << rows << " offset " << offset);
      }
    };
    for (size_t kk : {size_t{3}, size_t{8}, size_t{64}}) {
      for (size_t rows = 0; rows <= 300; ++rows) {
        check(kk, rows, 0);
      }
    }
    for (size_t offset = 1; offset < 64; ++offset) {
      check(8, 37 + offset, offset);
    }
    std::uniform_int_distribution<size_t> size(301, 100000);
    for (int trial = 0; trial < 4; ++trial) {
      check(8, size(qlab::test::Rng()), static_cast<size_t>(trial) * 13);
    }
  });
}

BOOST_AUTO_TEST_CASE(gemv_f32_matches_reference_within_bound_for_every_row_count_to_300) {
  ForEachTarget([](const std::string& target) {
    const size_t kk = 8;
    for (size_t rows = 0; rows <= 300; ++rows) {
      const size_t offset = rows % 64;
      const auto x = RandomFloats(offset, rows * kk, -1.0f, 1.0f);
      const auto w = RandomFloats(0, kk, -1.0f, 1.0f);
      std::vector<float> got(offset + rows), want(rows);
      k::GemvF32(x.data() + offset, rows, kk, w.data(), -0.5f, got.data() + offset);
      ExpectRanOn(target);
      ref::GemvF32(x.data() + offset, rows, kk, w.data(), -0.5f, want.data());
      for (size_t r = 0; r < rows; ++r) {
        std::vector<float> xr(x.data() + offset + r * kk, x.data() + offset + r * kk + kk);
        std::vector<float> wr(w);
        xr.push_back(1.0f);
        wr.push_back(-0.5f);
        // Both within γ_9·Σ|terms| of the exact value, hence within twice that of each other.
        const double bound = ref::DotF32ErrorBound(xr.data(), wr.data(), kk + 1);
        if (!(std::fabs(double{got[offset + r]} - double{want[r]}) <= 2 * bound)) {
          BOOST_ERROR("rows " << rows << " row " << r << ": " << got[offset + r] << " vs "
                              << want[r]);
        }
      }
    }
  });
}

// A row's result must not depend on where the row falls: inside a block of Lanes rows, in the
// remainder, or in the rows peeled before streaming stores. `qlab score` cuts its input into
// chunks of any row count and must reproduce `qlab predict` bit for bit.
BOOST_AUTO_TEST_CASE(gemv_row_results_do_not_depend_on_the_row_position) {
  ForEachTarget([](const std::string& target) {
    const auto check = [&](size_t kk, size_t rows, size_t misalign) {
      const auto x = RandomFloats(0, rows * kk, -2.0f, 2.0f);
      const auto w = RandomFloats(0, kk, -1.0f, 1.0f);
      const auto xu = RandomInts<uint8_t>(0, rows * kk, 0, 255);
      const auto w8 = RandomInts<int8_t>(0, kk, -128, 127);
      std::vector<float> y(misalign + rows), yu(misalign + rows);
      k::GemvF32(x.data(), rows, kk, w.data(), 0.375f, y.data() + misalign);
      ExpectRanOn(target);
      k::GemvU8I8(xu.data(), rows, kk, w8.data(), 0.0123f, 77, -0.5f, yu.data() + misalign);
      size_t mismatches = 0;
      for (size_t r = 0; r < rows; ++r) {
        float one = 0;
        float one_u = 0;
        k::GemvF32(x.data() + r * kk, 1, kk, w.data(), 0.375f, &one);
        k::GemvU8I8(xu.data() + r * kk, 1, kk, w8.data(), 0.0123f, 77, -0.5f, &one_u);
        if (std::memcmp(&one, &y[misalign + r], sizeof one) != 0 ||
            std::memcmp(&one_u, &yu[misalign + r], sizeof one_u) != 0) {
          ++mismatches;
        }
      }
      if (mismatches != 0) {
        BOOST_ERROR("k " << kk << " rows " << rows << " misalign " << misalign << ": " << mismatches
                         << " rows differ from the same row computed alone");
      }
    };
    for (size_t kk = 1; kk <= k::kMaxGemvK; ++kk) {
      for (size_t rows : {size_t{17}, size_t{67}, size_t{130}}) check(kk, rows, 0);
    }
    // Over 4 MiB of output: streaming stores after a peel that depends on the alignment.
    for (size_t misalign : {size_t{0}, size_t{3}}) check(8, (size_t{1} << 20) + 5, misalign);
  });
}
