// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Packed codes (PackU4/UnpackU4, PackU2/UnpackU2) and the packed uint4 · int8 gemv, on every
// target: bit-exact against the scalar reference for every k, odd row counts, tails and offsets.
#define BOOST_TEST_MODULE kernels_packed
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstring>

#include "kernels/each_target.h"
#include "qlab/kernels.h"
#include "qlab/reference/kernels.h"

namespace k = qlab::kernels;
namespace ref = qlab::reference;
using qlab::test::ExpectRanOn;
using qlab::test::ForEachTarget;
using qlab::test::RandomInts;

namespace {

// Around every vector length in bytes, uint16 and uint32 lanes (4..64), odd ones included.
const size_t kRowCounts[] = {0, 1, 2, 3, 5, 7, 15, 16, 17, 31, 33, 47, 63, 65, 129, 515};
const size_t kKs[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 15, 16, 17, 24, 31, 32, 33, 48, 63, 64};
constexpr uint8_t kGuard = 0xA5;

using PackFn = void (*)(const uint8_t*, size_t, size_t, uint8_t*);

// Packs with `pack` at `offset` into an exact-size buffer and compares every byte with the
// reference (padding included), then unpacks and compares with the codes masked to `bits`.
void CheckPacking(PackFn pack, PackFn unpack, PackFn ref_pack, size_t (*row_bytes)(size_t),
                  int bits, int stored_bits, size_t rows, size_t kk, size_t offset,
                  const std::string& target) {
  // Codes use all 8 bits half of the time: pack must keep only the low stored_bits.
  const int hi = (rows + kk) % 2 == 0 ? (1 << bits) - 1 : 255;
  const auto codes = RandomInts<uint8_t>(offset, rows * kk, 0, hi);
  const size_t bytes = rows * row_bytes(kk);
  std::vector<uint8_t> packed(offset + bytes, kGuard), want(bytes);
  pack(codes.data() + offset, rows, kk, packed.data() + offset);
  ExpectRanOn(target);
  ref_pack(codes.data() + offset, rows, kk, want.data());
  if (!std::equal(want.begin(), want.end(), packed.begin() + static_cast<ptrdiff_t>(offset))) {
    BOOST_ERROR("pack bits " << bits << " k " << kk << " rows " << rows << " offset " << offset);
  }
  for (size_t i = 0; i < offset; ++i) {
    BOOST_TEST(packed[i] == kGuard);
  }
  std::vector<uint8_t> back(offset + rows * kk, kGuard);
  unpack(packed.data() + offset, rows, kk, back.data() + offset);
  ExpectRanOn(target);
  const auto mask = static_cast<uint8_t>((1 << stored_bits) - 1);
  for (size_t i = 0; i < rows * kk; ++i) {
    if (back[offset + i] != (codes[offset + i] & mask)) {
      BOOST_ERROR("unpack bits " << bits << " k " << kk << " rows " << rows << " offset " << offset
                                 << " element " << i);
      break;
    }
  }
  for (size_t i = 0; i < offset; ++i) {
    BOOST_TEST(back[i] == kGuard);
  }
}

size_t RowBytesU4(size_t kk) { return k::PackedRowBytesU4(kk); }
size_t RowBytesU2(size_t kk) { return k::PackedRowBytesU2(kk); }

}  // namespace

BOOST_AUTO_TEST_CASE(nibble_and_crumb_order_is_the_documented_one) {
  ForEachTarget([](const std::string&) {
    // k = 3: each row is two bytes, element 2i in the low nibble, the last high nibble padding.
    const std::vector<uint8_t> codes = {1, 2, 3, 0xF, 0xE, 0xD};
    std::vector<uint8_t> packed(4);
    k::PackU4(codes.data(), 2, 3, packed.data());
    BOOST_TEST(packed == (std::vector<uint8_t>{0x21, 0x03, 0xEF, 0x0D}),
               boost::test_tools::per_element());
    // k = 8, 16 rows: the vector path.
    std::vector<uint8_t> flat(size_t{16} * 8), packed8(size_t{16} * 4);
    for (size_t i = 0; i < flat.size(); ++i) flat[i] = static_cast<uint8_t>(i % 16);
    k::PackU4(flat.data(), 16, 8, packed8.data());
    for (size_t b = 0; b < packed8.size(); ++b) {
      BOOST_TEST(int{packed8[b]} == int(((2 * b) % 16) | (((2 * b + 1) % 16) << 4)));
    }
    // Crumbs, k = 5: element 4i + t in bits 2t..2t + 1, three padding crumbs.
    const std::vector<uint8_t> c2 = {1, 2, 3, 0, 1};
    std::vector<uint8_t> p2(2);
    k::PackU2(c2.data(), 1, 5, p2.data());
    BOOST_TEST(int{p2[0]} == (1 | 2 << 2 | 3 << 4));
    BOOST_TEST(int{p2[1]} == 1);
    std::vector<uint8_t> c8(size_t{16} * 8), p8(size_t{16} * 2);
    for (size_t i = 0; i < c8.size(); ++i) c8[i] = static_cast<uint8_t>(i % 4);
    k::PackU2(c8.data(), 16, 8, p8.data());
    for (uint8_t b : p8) BOOST_TEST(int{b} == (0 | 1 << 2 | 2 << 4 | 3 << 6));
  });
}

BOOST_AUTO_TEST_CASE(pack_u4_every_bit_width_k_row_count_and_offset) {
  ForEachTarget([](const std::string& target) {
    for (int bits = 1; bits <= 4; ++bits) {
      for (size_t kk : kKs) {
        for (size_t rows : kRowCounts) {
          CheckPacking(k::PackU4, k::UnpackU4, ref::PackU4, RowBytesU4, bits, 4, rows, kk,
                       (rows * 3 + kk) % 64, target);
        }
      }
    }
    for (size_t rows = 0; rows <= 300; ++rows) {
      CheckPacking(k::PackU4, k::UnpackU4, ref::PackU4, RowBytesU4, 4, 4, rows, 8, rows % 7,
                   target);
    }
  });
}

BOOST_AUTO_TEST_CASE(pack_u2_every_bit_width_k_row_count_and_offset) {
  ForEachTarget([](const std::string& target) {
    for (int bits = 1; bits <= 2; ++bits) {
      for (size_t kk : kKs) {
        for (size_t rows : kRowCounts) {
          CheckPacking(k::PackU2, k::UnpackU2, ref::PackU2, RowBytesU2, bits, 2, rows, kk,
                       (rows * 5 + kk) % 64, target);
        }
      }
    }
    for (size_t rows = 0; rows <= 300; ++rows) {
      CheckPacking(k::PackU2, k::UnpackU2, ref::PackU2, RowBytesU2, 2, 2, rows, 8, rows % 5,
                   target);
    }
  });
}

namespace {

// Packed rows of random nibbles; for odd k the padding nibble is set to 0xF, which the gemv must
// ignore.
std::vector<uint8_t> RandomPackedU4(size_t offset, size_t rows, size_t kk) {
  auto x = RandomInts<uint8_t>(offset, rows * k::PackedRowBytesU4(kk), 0, 255);
  if (kk % 2 != 0) {
    for (size_t r = 0; r < rows; ++r) {
      x[offset + r * k::PackedRowBytesU4(kk) + kk / 2] |= 0xF0;
    }
  }
  return x;
}

// The forced target ran gemv_u4i8, through the VNNI loops exactly where they are due: AVX3_DL,
// k a power of two ≥ 8 and at least one block of 16 rows (fewer rows may go either way); the
// path then names them. Everywhere else, Highway's code of that target.
void ExpectU4RanOn(const std::string& target, size_t kk, size_t rows) {
  const k::KernelTrace trace = k::LastKernelTrace();
  BOOST_TEST(trace.target == target);
  const bool vnni_k = target == "AVX3_DL" && kk >= 8 && (kk & (kk - 1)) == 0;
  if (vnni_k && rows >= 16) {
    BOOST_TEST(trace.vnni);
  }
  if (!vnni_k) {
    BOOST_TEST(!trace.vnni);
  }
  BOOST_TEST(trace.path == (trace.vnni ? target + "+avx512vnni" : target));
}

}  // namespace

BOOST_AUTO_TEST_CASE(gemv_u4i8_exact_for_k_1_to_64_every_row_count_and_offset) {
  ForEachTarget([](const std::string& target) {
    const auto check = [&](size_t kk, size_t rows, size_t offset) {
      const auto x = RandomPackedU4(offset, rows, kk);
      const auto w = RandomInts<int8_t>(0, kk, -128, 127);
      std::vector<int32_t> got(offset + rows), want(rows);
      k::GemvU4I8Acc(x.data() + offset, rows, kk, w.data(), got.data() + offset);
      ExpectU4RanOn(target, kk, rows);
      ref::GemvU4I8Acc(x.data() + offset, rows, kk, w.data(), want.data());
      if (!std::equal(want.begin(), want.end(), got.begin() + static_cast<ptrdiff_t>(offset))) {
        BOOST_ERROR("acc k " << kk << " rows " << rows << " offset " << offset);
      }
      // The float step is one multiply and one add, unfused, in both: bit-exact.
      const float scale = 0.0123f;
      const int32_t correction = 97 * static_cast<int32_t>(kk) - 5;
      const float bias = -1.5f;
      std::vector<float> y(offset + rows), want_y(rows);
      k::GemvU4I8(x.data() + offset, rows, kk, w.data(), scale, correction, bias,
                  y.data() + offset);
      ExpectU4RanOn(target, kk, rows);
      ref::GemvU4I8(x.data() + offset, rows, kk, w.data(), scale, correction, bias, want_y.data());
      if (!std::equal(want_y.begin(), want_y.end(), y.begin() + static_cast<ptrdiff_t>(offset),
                      [](float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; })) {
        BOOST_ERROR("y k " << kk << " rows " << rows << " offset " << offset);
      }
    };
    for (size_t kk = 1; kk <= k::kMaxGemvK; ++kk) {
      for (size_t rows : kRowCounts) {
        check(kk, rows, (kk * 7 + rows) % 64);
      }
    }
    for (size_t kk : {size_t{3}, size_t{4}, size_t{8}, size_t{64}}) {
      for (size_t rows = 0; rows <= 300; ++rows) {
        check(kk, rows, rows % 64);
      }
    }
    std::uniform_int_distribution<size_t> size(301, 100000);
    for (int trial = 0; trial < 4; ++trial) {
      check(8, size(qlab::test::Rng()), static_cast<size_t>(trial) * 13);
    }
  });
}

BOOST_AUTO_TEST_CASE(gemv_u4i8_equals_gemv_u8i8_on_the_unpacked_codes) {
  ForEachTarget([](const std::string&) {
    for (size_t kk : {size_t{5}, size_t{8}, size_t{16}, size_t{64}}) {
      const size_t rows = 333;
      const auto codes = RandomInts<uint8_t>(0, rows * kk, 0, 15);
      const auto w = RandomInts<int8_t>(0, kk, -128, 127);
      std::vector<uint8_t> packed(rows * k::PackedRowBytesU4(kk));
      k::PackU4(codes.data(), rows, kk, packed.data());
      std::vector<int32_t> a4(rows), a8(rows);
      k::GemvU4I8Acc(packed.data(), rows, kk, w.data(), a4.data());
      k::GemvU8I8Acc(codes.data(), rows, kk, w.data(), a8.data());
      BOOST_TEST(a4 == a8, boost::test_tools::per_element());
    }
  });
}

BOOST_AUTO_TEST_CASE(gemv_u4i8_extremes_exact) {
  // Every code 15 against weights −128 and 127: the largest accumulators, k = 64 included.
  ForEachTarget([](const std::string&) {
    for (size_t kk : {size_t{8}, size_t{63}, size_t{64}}) {
      const size_t rows = 37;
      const std::vector<uint8_t> x(rows * k::PackedRowBytesU4(kk), 0xFF);
      for (int8_t weight : {int8_t{-128}, int8_t{127}}) {
        const std::vector<int8_t> w(kk, weight);
        std::vector<int32_t> acc(rows);
        k::GemvU4I8Acc(x.data(), rows, kk, w.data(), acc.data());
        for (int32_t a : acc) {
          BOOST_TEST(a == static_cast<int32_t>(kk) * 15 * weight);
        }
      }
    }
  });
}

BOOST_AUTO_TEST_CASE(gemv_u4i8_streaming_path_on_large_misaligned_outputs) {
  // Over 4 MiB of output takes the streaming stores, after peeling rows up to alignment.
  const size_t rows = (size_t{1} << 20) + 5;
  const size_t kk = 8;
  const auto x = RandomInts<uint8_t>(0, rows * kk / 2, 0, 255);
  const std::vector<int8_t> w = {1, -2, 3, -4, 5, -6, 7, -128};
  std::vector<int32_t> want_acc(rows);
  std::vector<float> want_y(rows);
  ref::GemvU4I8Acc(x.data(), rows, kk, w.data(), want_acc.data());
  ref::GemvU4I8(x.data(), rows, kk, w.data(), 0.25f, 3, -0.5f, want_y.data());
  ForEachTarget([&](const std::string& target) {
    for (size_t misalign : {size_t{0}, size_t{1}, size_t{3}}) {
      std::vector<int32_t> acc(misalign + rows);
      k::GemvU4I8Acc(x.data(), rows, kk, w.data(), acc.data() + misalign);
      ExpectU4RanOn(target, kk, rows);
      BOOST_TEST(std::equal(want_acc.begin(), want_acc.end(), acc.begin() + misalign));
      std::vector<float> y(misalign + rows);
      k::GemvU4I8(x.data(), rows, kk, w.data(), 0.25f, 3, -0.5f, y.data() + misalign);
      BOOST_TEST(std::equal(want_y.begin(), want_y.end(), y.begin() + misalign));
    }
  });
}

BOOST_AUTO_TEST_CASE(gemv_u2i8_exact_for_k_1_to_64_every_row_count_and_offset) {
  ForEachTarget([](const std::string& target) {
    const auto check = [&](size_t kk, size_t rows, size_t offset) {
      auto x = RandomInts<uint8_t>(offset, rows * k::PackedRowBytesU2(kk), 0, 255);  // padding too
      const auto w = RandomInts<int8_t>(0, kk, -128, 127);
      std::vector<int32_t> got(offset + rows), want(rows);
      k::GemvU2I8Acc(x.data() + offset, rows, kk, w.data(), got.data() + offset);
      ExpectRanOn(target);
      ref::GemvU2I8Acc(x.data() + offset, rows, kk, w.data(), want.data());
      if (!std::equal(want.begin(), want.end(), got.begin() + static_cast<ptrdiff_t>(offset))) {
        BOOST_ERROR("acc k " << kk << " rows " << rows << " offset " << offset);
      }
      std::vector<float> y(offset + rows), want_y(rows);
      k::GemvU2I8(x.data() + offset, rows, kk, w.data(), 0.0123f, 11, -1.5f, y.data() + offset);
      ref::GemvU2I8(x.data() + offset, rows, kk, w.data(), 0.0123f, 11, -1.5f, want_y.data());
      if (!std::equal(want_y.begin(), want_y.end(), y.begin() + static_cast<ptrdiff_t>(offset),
                      [](float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; })) {
        BOOST_ERROR("y k " << kk << " rows " << rows << " offset " << offset);
      }
    };
    for (size_t kk = 1; kk <= k::kMaxGemvK; ++kk) {
      for (size_t rows : kRowCounts) {
        check(kk, rows, (kk * 5 + rows) % 64);
      }
    }
    for (size_t rows = 0; rows <= 300; ++rows) {
      check(8, rows, rows % 64);
    }
  });
}

BOOST_AUTO_TEST_CASE(gemv_u2i8_equals_gemv_u8i8_on_the_unpacked_codes) {
  ForEachTarget([](const std::string&) {
    for (size_t kk : {size_t{6}, size_t{8}, size_t{32}, size_t{64}}) {
      const size_t rows = 1000 + 3;
      const auto codes = RandomInts<uint8_t>(0, rows * kk, 0, 3);
      const auto w = RandomInts<int8_t>(0, kk, -128, 127);
      std::vector<uint8_t> packed(rows * k::PackedRowBytesU2(kk));
      k::PackU2(codes.data(), rows, kk, packed.data());
      std::vector<int32_t> a2(rows), a8(rows);
      k::GemvU2I8Acc(packed.data(), rows, kk, w.data(), a2.data());
      k::GemvU8I8Acc(codes.data(), rows, kk, w.data(), a8.data());
      BOOST_TEST(a2 == a8, boost::test_tools::per_element());
    }
  });
}
