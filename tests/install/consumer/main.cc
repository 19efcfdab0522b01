// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Uses qlab::kernels from an installed prefix: every dot and gemv kernel on every target this CPU
// supports, checked against plain loops (the integer ones bit-exact), and the version header
// against the package's version. Exit 0 when all agree, 1 otherwise.
#include <qlab/kernels.h>
#include <qlab/version.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

int failures = 0;

void Check(bool ok, const char* what, const std::string& target) {
  if (!ok) {
    std::fprintf(stderr, "qlab_consumer: %s differs on %s\n", what, target.c_str());
    ++failures;
  }
}

}  // namespace

int main() {
  if (std::strcmp(QLAB_VERSION_STRING, QLAB_PACKAGE_VERSION) != 0) {
    std::fprintf(stderr, "qlab_consumer: <qlab/version.h> says %s, the CMake package %s\n",
                 QLAB_VERSION_STRING, QLAB_PACKAGE_VERSION);
    return 1;
  }

  // Lengths that leave a tail on every vector width; values whose products and sums are exact in
  // f32, so any correct summation order gives the same float.
  const size_t n = 1000 + 13;
  std::vector<float> af(n), bf(n);
  std::vector<int8_t> a8(n), b8(n);
  std::vector<uint8_t> u8(n);
  for (size_t i = 0; i < n; ++i) {
    af[i] = static_cast<float>(static_cast<int>(i % 17) - 8);
    bf[i] = static_cast<float>(static_cast<int>(i % 5) - 2) * 0.5f;
    a8[i] = static_cast<int8_t>(static_cast<int>(i * 37 % 256) - 128);
    b8[i] = static_cast<int8_t>(static_cast<int>(i * 91 % 256) - 128);
    u8[i] = static_cast<uint8_t>(i * 53 % 256);
  }
  float dot_f32 = 0.0f;
  int64_t dot_i8 = 0, dot_u8i8 = 0;
  for (size_t i = 0; i < n; ++i) {
    dot_f32 += af[i] * bf[i];
    dot_i8 += int64_t{a8[i]} * b8[i];
    dot_u8i8 += int64_t{u8[i]} * b8[i];
  }
  const size_t rows = 37, k = 19;
  std::vector<int32_t> acc_ref(rows);
  for (size_t r = 0; r < rows; ++r) {
    for (size_t j = 0; j < k; ++j) acc_ref[r] += int32_t{u8[r * k + j]} * b8[j];
  }

  const std::vector<qlab::kernels::TargetInfo> targets = qlab::kernels::SupportedTargets();
  if (targets.empty()) {
    std::fprintf(stderr, "qlab_consumer: no supported target\n");
    return 1;
  }
  for (const qlab::kernels::TargetInfo& target : targets) {
    if (!qlab::kernels::ForceTarget(target.name)) {
      Check(false, "ForceTarget", target.name);
      continue;
    }
    Check(qlab::kernels::DotF32(af.data(), bf.data(), n) == dot_f32, "DotF32", target.name);
    Check(qlab::kernels::DotI8(a8.data(), b8.data(), n) == dot_i8, "DotI8", target.name);
    Check(qlab::kernels::DotU8I8(u8.data(), b8.data(), n) == dot_u8i8, "DotU8I8", target.name);
    std::vector<int32_t> acc(rows);
    qlab::kernels::GemvU8I8Acc(u8.data(), rows, k, b8.data(), acc.data());
    Check(acc == acc_ref, "GemvU8I8Acc", target.name);
    Check(qlab::kernels::LastKernelTrace().target == target.name, "LastKernelTrace", target.name);
  }
  qlab::kernels::ForceTarget("");

  std::printf("qlab %s: kernels agree on %zu targets (best %s)\n", QLAB_VERSION_STRING,
              targets.size(), targets.front().name.c_str());
  return failures == 0 ? 0 : 1;
}
