// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/io/sha256.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <stdexcept>

namespace qlab::io {
namespace {

// OpenSSL 3 looks an algorithm up in its provider tables on every EVP_sha256()-style init; fetching
// it once and reusing the EVP_MD avoids that per digest (OpenSSL's "performance" guidance). The
// object lives until exit.
const EVP_MD* Sha256Algorithm() {
  static const EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

// An EVP call failing here means libcrypto itself is broken or out of memory (SHA-256 is in every
// provider, FIPS included): an internal error, not the user's input.
[[noreturn]] void Fail(const char* what) {
  const unsigned long code = ERR_get_error();
  char reason[256] = "no OpenSSL error queued";
  if (code != 0) ERR_error_string_n(code, reason, sizeof reason);
  throw std::runtime_error(std::string("SHA-256: ") + what + " failed: " + reason);
}

}  // namespace

void Sha256::FreeContext::operator()(evp_md_ctx_st* context) const { EVP_MD_CTX_free(context); }

Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
  if (!context_) Fail("EVP_MD_CTX_new");
  const EVP_MD* md = Sha256Algorithm();
  if (md == nullptr) Fail("EVP_MD_fetch(SHA256)");
  if (EVP_DigestInit_ex(context_.get(), md, nullptr) != 1) Fail("EVP_DigestInit_ex");
}

Sha256::Sha256(const Sha256& other) : context_(EVP_MD_CTX_new()) {
  if (!context_) Fail("EVP_MD_CTX_new");
  if (EVP_MD_CTX_copy_ex(context_.get(), other.context_.get()) != 1) Fail("EVP_MD_CTX_copy_ex");
}

Sha256& Sha256::operator=(const Sha256& other) {
  if (this != &other) *this = Sha256(other);
  return *this;
}

Sha256::~Sha256() = default;

void Sha256::Update(const void* data, size_t size) {
  if (size == 0) return;
  if (EVP_DigestUpdate(context_.get(), data, size) != 1) Fail("EVP_DigestUpdate");
}

std::array<uint8_t, 32> Sha256::Finish() {
  std::array<uint8_t, 32> digest{};
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(context_.get(), digest.data(), &length) != 1) Fail("EVP_DigestFinal_ex");
  if (length != digest.size()) Fail("EVP_DigestFinal_ex (digest length)");
  return digest;
}

std::string HexDigest(const std::array<uint8_t, 32>& digest) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(64);
  for (uint8_t byte : digest) {
    out.push_back(kHex[byte >> 4]);
    out.push_back(kHex[byte & 0xf]);
  }
  return out;
}

std::string Sha256Hex(std::string_view bytes) {
  Sha256 hasher;
  hasher.Update(bytes);
  return HexDigest(hasher.Finish());
}

}  // namespace qlab::io
