// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// SHA-256 (FIPS 180-4), for fingerprinting data files a model was trained on and the tensors of an
// artifact. The digest comes from OpenSSL's EVP interface (libcrypto), which picks the SHA
// extensions, AVX2 or plain code for this CPU by itself; this header keeps OpenSSL's types out of
// every file that hashes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX

namespace qlab::io {

class Sha256 {
 public:
  Sha256();
  Sha256(const Sha256& other);  // copies the state hashed so far
  Sha256& operator=(const Sha256& other);
  Sha256(Sha256&&) noexcept = default;
  Sha256& operator=(Sha256&&) noexcept = default;
  ~Sha256();

  void Update(const void* data, size_t size);
  void Update(std::string_view bytes) { Update(bytes.data(), bytes.size()); }
  // The digest; the object must not be updated afterwards.
  std::array<uint8_t, 32> Finish();

 private:
  struct FreeContext {
    void operator()(evp_md_ctx_st* context) const;
  };
  std::unique_ptr<evp_md_ctx_st, FreeContext> context_;
};

// `digest` in lower-case hex (64 characters).
std::string HexDigest(const std::array<uint8_t, 32>& digest);

// Lower-case hex digest of `bytes`.
std::string Sha256Hex(std::string_view bytes);

}  // namespace qlab::io
