// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// SHA-256 (FIPS 180-4), for fingerprinting data files a model was trained on.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace qlab::io {

class Sha256 {
 public:
  enum class Implementation {
    kAuto,      // the x86 SHA extensions when this CPU has them, else the portable code
    kPortable,  // plain C++ (FIPS 180-4 as written)
  };
  explicit Sha256(Implementation implementation = Implementation::kAuto);
  void Update(const void* data, size_t size);
  void Update(std::string_view bytes) { Update(bytes.data(), bytes.size()); }
  // The digest; the object must not be updated afterwards.
  std::array<uint8_t, 32> Finish();

  // Whether kAuto uses the SHA extensions on this CPU.
  static bool HardwareAccelerated();

 private:
  void CompressBlocks(const uint8_t* blocks, size_t count);

  bool use_sha_extensions_;

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_{};
  size_t buffered_ = 0;
  uint64_t total_bytes_ = 0;
};

// `digest` in lower-case hex (64 characters).
std::string HexDigest(const std::array<uint8_t, 32>& digest);

// Lower-case hex digest of `bytes`.
std::string Sha256Hex(std::string_view bytes,
                      Sha256::Implementation implementation = Sha256::Implementation::kAuto);

}  // namespace qlab::io
