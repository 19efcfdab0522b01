// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The checksum of an artifact's contents. Model files hold their parameters, and the split, data
// and features they were fitted on, as JSON text; an edit that keeps the file valid (a digit
// changed by hand, a value pasted from another model, a bit flipped in a copy, another split seed)
// would otherwise load silently and move every prediction or metric. The writer stores SHA-256
// over the binary values of every field that changes a prediction or a metric; the loader
// recomputes it from the values it parsed, so whitespace, key order and number spelling (1e0 or
// 1.0) do not matter, but any change of a value does.
//
// The canonical bytes hashed, for each entry in the artifact's fixed order:
//   name (UTF-8), one 0x00 byte, the dtype ("f64", "f32", "i64", "i8", "u8" or "utf8"), one 0x00
//   byte, the element count as a little-endian uint64, then the elements, little-endian, in that
//   dtype (IEEE 754 binary64/binary32, two's complement integers); a "utf8" element (a string) is
//   its byte length as a little-endian uint64 followed by its bytes, so no two lists of strings
//   give the same bytes.
// Which entries each artifact covers, and in what order: ModelDigest (qlab/model/artifact.h) and
// QuantizedDigest (qlab/quant/artifact.h).
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
  void Utf8(std::string_view name, std::span<const std::string> values);
  void Utf8(std::string_view name, const std::string& value) {
    Utf8(name, std::span<const std::string>(&value, 1));
  }

  // Lower-case hex SHA-256 of everything added; the object must not be used afterwards.
  std::string Hex();

 private:
  void Header(std::string_view name, std::string_view dtype, uint64_t count);
  template <typename Bits>
  void LittleEndian(Bits bits);

  Sha256 sha_;
};

// The JSON key holding the digest, in model.json and quantized_model.json. Named when it covered
// only the tensors (format version 2); since version 3 it covers every field that changes a
// prediction or a metric, and the name stayed so that the key means one thing in every version.
inline constexpr const char* kTensorDigestKey = "tensor_sha256";

// Throws InputError naming `path` when the digest a file stores is not the one its fields give.
void CheckTensorDigest(const std::string& path, const std::string& stored,
                       const std::string& computed);

}  // namespace qlab::io
