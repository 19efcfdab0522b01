// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The checksum of an artifact's tensors. Model files hold their parameters as JSON text; an edit
// that keeps the file valid (a digit changed by hand, a value pasted from another model, a bit
// flipped in a copy) would otherwise load silently and move every prediction. The writer stores
// SHA-256 over the binary values of every tensor; the loader recomputes it from the values it
// parsed, so whitespace, key order and number spelling (1e0 or 1.0) do not matter, but any change
// of a value does.
//
// The bytes hashed, for each tensor in the artifact's fixed order:
//   name (UTF-8), one 0x00 byte, the dtype ("f64", "f32", "i64", "i8" or "u8"), one 0x00 byte,
//   the element count as a little-endian uint64, then the elements, little-endian, in that dtype
//   (IEEE 754 binary64/binary32, two's complement integers).
// Which tensors each artifact covers, and in what order: ModelTensorDigest (model.h) and
// QuantizedTensorDigest (quantize.h).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "qlab/io/sha256.h"

namespace qlab::io {

class TensorDigest {
 public:
  void F64(std::string_view name, std::span<const double> values);
  void F64(std::string_view name, double value) { F64(name, std::span<const double>(&value, 1)); }
  void F32(std::string_view name, std::span<const float> values);
  void I64(std::string_view name, std::span<const int64_t> values);
  void I64(std::string_view name, int64_t value) { I64(name, std::span<const int64_t>(&value, 1)); }
  void I8(std::string_view name, std::span<const int8_t> values);
  void U8(std::string_view name, std::span<const uint8_t> values);

  // Lower-case hex SHA-256 of everything added; the object must not be used afterwards.
  std::string Hex();

 private:
  void Header(std::string_view name, std::string_view dtype, uint64_t count);
  template <typename Bits>
  void LittleEndian(Bits bits);

  Sha256 sha_;
};

// The JSON key holding the digest, in model.json and quantized_model.json.
inline constexpr const char* kTensorDigestKey = "tensor_sha256";

// Throws InputError naming `path` when the digest a file stores is not the one its tensors give.
void CheckTensorDigest(const std::string& path, const std::string& stored,
                       const std::string& computed);

}  // namespace qlab::io
