// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Runtime detection of the Arm dot-product features from the kernel's HWCAPs.
#include <sys/auxv.h>

#include "kernels/arm.h"

namespace qlab::kernels::internal {
namespace {

ArmFeatures Detect() {
  const unsigned long hwcap = getauxval(AT_HWCAP);    // NOLINT(google-runtime-int): its type
  const unsigned long hwcap2 = getauxval(AT_HWCAP2);  // NOLINT(google-runtime-int)
  ArmFeatures f;
  f.dotprod = (hwcap & HWCAP_ASIMDDP) != 0;
  f.i8mm = f.dotprod && (hwcap2 & HWCAP2_I8MM) != 0;
  f.sve = (hwcap & HWCAP_SVE) != 0;
  f.sve_i8mm = f.sve && (hwcap2 & HWCAP2_SVEI8MM) != 0;
  return f;
}

// A namespace-scope constant, not a function-local static: no guard on the kernels' path.
const ArmFeatures kFeatures = Detect();

}  // namespace

const ArmFeatures& Arm() { return kFeatures; }

}  // namespace qlab::kernels::internal
