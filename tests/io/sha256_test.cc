// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
// SHA-256 (OpenSSL EVP behind qlab::io::Sha256) against the FIPS 180-4 example vectors, the
// padding edges, split and copied streams, and the data file's documented digest.
#define BOOST_TEST_MODULE lab_sha256
#include <boost/test/unit_test.hpp>

#include <string>

#include "common/data_dir.h"
#include "qlab/io/atomic_file.h"
#include "qlab/io/sha256.h"

using qlab::io::Sha256;
using qlab::io::Sha256Hex;

BOOST_AUTO_TEST_CASE(fips_180_4_vectors) {
  BOOST_TEST(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  BOOST_TEST(Sha256Hex("abc") ==
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  BOOST_TEST(Sha256Hex(std::string(1000000, 'a')) ==
             "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

BOOST_AUTO_TEST_CASE(lengths_around_the_padding_edges) {
  // Python's hashlib on n × 'a': 55 bytes still fit the length in one block, 56 do not.
  const std::pair<size_t, const char*> cases[] = {
      {55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
      {56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
      {63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
      {64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
      {65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
      {119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
  };
  for (const auto& [length, digest] : cases) {
    BOOST_TEST(Sha256Hex(std::string(length, 'a')) == digest, "length " << length);
  }
}

BOOST_AUTO_TEST_CASE(split_updates_give_the_whole_message_digest) {
  // Lengths around the 55/56/64-byte padding edges, hashed whole and fed in uneven pieces.
  for (size_t length : {55u, 56u, 57u, 63u, 64u, 65u, 119u, 120u, 128u, 1000u}) {
    std::string message(length, '\0');
    for (size_t i = 0; i < length; ++i) message[i] = static_cast<char>(i * 7 + 3);
    Sha256 pieces;
    for (size_t at = 0, step = 1; at < length; at += step, step = step * 2 + 1) {
      pieces.Update(std::string_view(message).substr(at, step));
    }
    const auto digest = pieces.Finish();
    std::string hex;
    for (uint8_t b : digest) hex += "0123456789abcdef"[b >> 4], hex += "0123456789abcdef"[b & 15];
    BOOST_TEST(hex == Sha256Hex(message), "length " << length);
  }
}

BOOST_AUTO_TEST_CASE(a_copy_continues_from_the_state_hashed_so_far) {
  // TensorDigest and friends hold a Sha256 by value; a copy must fork the stream, not share it.
  Sha256 prefix;
  prefix.Update("abc");
  Sha256 fork = prefix;
  fork.Update("dbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
  BOOST_TEST(qlab::io::HexDigest(prefix.Finish()) ==
             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(qlab::io::HexDigest(fork.Finish()) ==
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

BOOST_AUTO_TEST_CASE(data_file_digest_matches_the_documented_one) {
  BOOST_REQUIRE_MESSAGE(qlab::testing::HaveCaliforniaData(), qlab::testing::MissingDataMessage());
  BOOST_TEST(Sha256Hex(qlab::io::ReadFileBytes(qlab::testing::CaliforniaDataFile())) ==
             "d3d8a1a722ae78f91134862727d27a70b1415e7d512a89140406248687f4b902");
}
