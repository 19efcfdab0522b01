// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Private to qlab::kernels, aarch64 only: the integer kernels written with Arm's dot-product
// instructions, which Highway 1.0.3 does not expose. Each file holds one ISA family and compiles
// its functions with their own target attribute (as the VNNI code does on x86), so a function
// runs only after the check of the feature it names:
//   dot_neon.cc, gemv_neon.cc  NEON SDOT (FEAT_DotProd), USDOT (FEAT_I8MM)
//   dot_sve.cc,  gemv_sve.cc   SVE SDOT (svdot, in every SVE CPU), USDOT (svusdot, SVE + FEAT_I8MM)
// The per-target bodies in dot.cc and gemv.cc choose among them (HWY_NEON: by the HWCAPs below;
// the SVE targets: always svdot, svusdot where the HWCAPs say so) and record the path taken.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qlab::kernels::internal {

// What the kernel reports: AT_HWCAP / AT_HWCAP2, read once at static initialization.
struct ArmFeatures {
  bool dotprod = false;   // HWCAP_ASIMDDP: NEON SDOT/UDOT
  bool i8mm = false;      // HWCAP2_I8MM: NEON USDOT (used only with dotprod, which every such
                          // CPU has: FEAT_DotProd is mandatory from Armv8.4, FEAT_I8MM from 8.6)
  bool sve = false;       // HWCAP_SVE (Highway checks it too before it dispatches to SVE code)
  bool sve_i8mm = false;  // HWCAP2_SVEI8MM: SVE USDOT
};
const ArmFeatures& Arm();

// The paths the trace names (kernels.h: KernelTrace::path).
inline constexpr const char* kPathNeonDotprod = "NEON+dotprod";
inline constexpr const char* kPathNeonI8mm = "NEON+i8mm";
inline constexpr const char* kPathSveDotprod = "SVE+dotprod";
inline constexpr const char* kPathSveI8mm = "SVE+i8mm";

// Exact int64 dot products, every n. The int32 accumulators are summed per block of kArmIntBlock
// elements and the block's total is widened to int64. Every SDOT/USDOT adds four products into
// each int32 lane. A product is at most 255·128 = 32,640 in magnitude (u8·i8; i8·i8 and the
// corrected route's (a − 128)·b at most 128·128 = 16,384), so one instruction moves a lane by at
// most 4·32,640 = 130,560, and a lane overflows only after more than 2^31 / 130,560 = 16,448
// instructions into it. A block of 65,536 elements feeds at most 65,536 / 4 = 16,384 of them into
// all lanes together, and its whole total is at most 65,536·32,640 = 2,139,095,040 < 2^31: no
// lane, no sum of lanes and no accumulator combination can overflow (the same block as x86's).
inline constexpr size_t kArmIntBlock = size_t{1} << 16;

int64_t DotI8NeonSdot(const int8_t* a, const int8_t* b, size_t n);
int64_t DotU8I8NeonSdot(const uint8_t* a, const int8_t* b, size_t n);  // corrected route
int64_t DotU8I8NeonUsdot(const uint8_t* a, const int8_t* b, size_t n);
int64_t DotI8SveSdot(const int8_t* a, const int8_t* b, size_t n);
int64_t DotU8I8SveSdot(const uint8_t* a, const int8_t* b, size_t n);  // corrected route
int64_t DotU8I8SveUsdot(const uint8_t* a, const int8_t* b, size_t n);

// gemv blocks for k ∈ {4, 8, 16, 32, 64}: writes every row of the whole blocks (4 rows on NEON,
// svcntw() rows on SVE) from row 0 and returns how many rows it wrote, the caller doing the
// rest; kNoArmBlocks (writing nothing) for any other k, or on SVE with a vector length that is
// not a power of two.
// acc != nullptr: acc[r] = Σ_j x[r·k + j]·w[j]; else y[r] = scale·float(acc − correction) + bias,
// one multiply and one add, each rounded (kernels.h: GemvU8I8).
inline constexpr size_t kNoArmBlocks = ~size_t{0};
struct GemvArmOut {
  int32_t* acc = nullptr;
  float* y = nullptr;
  float scale = 0.0f;
  int32_t correction = 0;
  float bias = 0.0f;
};
size_t GemvU8I8NeonSdot(const uint8_t* x, size_t rows, size_t k, const int8_t* w,
                        const GemvArmOut& out);
size_t GemvU8I8NeonUsdot(const uint8_t* x, size_t rows, size_t k, const int8_t* w,
                         const GemvArmOut& out);
size_t GemvU8I8SveSdot(const uint8_t* x, size_t rows, size_t k, const int8_t* w,
                       const GemvArmOut& out);
size_t GemvU8I8SveUsdot(const uint8_t* x, size_t rows, size_t k, const int8_t* w,
                        const GemvArmOut& out);

}  // namespace qlab::kernels::internal
