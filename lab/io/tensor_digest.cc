// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/io/tensor_digest.h"

#include <fmt/format.h>

#include <array>
#include <bit>

#include "qlab/io/input_error.h"

namespace qlab::io {

template <typename Bits>
void TensorDigest::LittleEndian(Bits bits) {
  // Spelled out byte by byte so the stream is the same on a big-endian host.
  std::array<uint8_t, sizeof(Bits)> bytes{};
  for (size_t i = 0; i < sizeof(Bits); ++i) {
    bytes[i] = static_cast<uint8_t>(static_cast<uint64_t>(bits) >> (8 * i));
  }
  sha_.Update(bytes.data(), bytes.size());
}

void TensorDigest::Header(std::string_view name, std::string_view dtype, uint64_t count) {
  const uint8_t nul = 0;
  sha_.Update(name);
  sha_.Update(&nul, 1);
  sha_.Update(dtype);
  sha_.Update(&nul, 1);
  LittleEndian(count);
}

void TensorDigest::F64(std::string_view name, std::span<const double> values) {
  Header(name, "f64", values.size());
  for (double v : values) {
    LittleEndian(std::bit_cast<uint64_t>(v));
  }
}

void TensorDigest::F32(std::string_view name, std::span<const float> values) {
  Header(name, "f32", values.size());
  for (float v : values) {
    LittleEndian(std::bit_cast<uint32_t>(v));
  }
}

void TensorDigest::I64(std::string_view name, std::span<const int64_t> values) {
  Header(name, "i64", values.size());
  for (int64_t v : values) {
    LittleEndian(static_cast<uint64_t>(v));
  }
}

void TensorDigest::I8(std::string_view name, std::span<const int8_t> values) {
  Header(name, "i8", values.size());
  for (int8_t v : values) {
    LittleEndian(static_cast<uint8_t>(v));
  }
}

void TensorDigest::U8(std::string_view name, std::span<const uint8_t> values) {
  Header(name, "u8", values.size());
  sha_.Update(values.data(), values.size());
}

void TensorDigest::Utf8(std::string_view name, std::span<const std::string> values) {
  Header(name, "utf8", values.size());
  for (const std::string& v : values) {
    LittleEndian(static_cast<uint64_t>(v.size()));
    sha_.Update(v);
  }
}

std::string TensorDigest::Hex() { return HexDigest(sha_.Finish()); }

void CheckTensorDigest(const std::string& path, const std::string& stored,
                       const std::string& computed) {
  if (stored != computed) {
    throw InputError(path, fmt::format("'{}' {} does not match the fields' {}: the artifact "
                                       "was edited or corrupted",
                                       kTensorDigestKey, Printable(stored, 80), computed));
  }
}

}  // namespace qlab::io
