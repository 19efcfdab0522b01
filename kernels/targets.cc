// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Which Highway targets this build holds and which one dispatch picks. HWY_TARGETS depends on the
// compile definitions (HWY_WANT_AVX3_DL is PUBLIC on qlab::kernels), so this file sees the same
// target set as the kernels.
#include <hwy/highway.h>
#include <hwy/targets.h>

#include <algorithm>
#include <cctype>
#include <string>
#include <utility>
#include <vector>

#include "kernels/trace.h"
#include "qlab/kernels.h"

namespace qlab::kernels {
namespace {

std::vector<TargetInfo> Expand(int64_t targets) {
  std::vector<TargetInfo> out;
  // Highway numbers better targets with lower bits: lowest bit first is best first.
  for (; targets != 0; targets &= targets - 1) {
    const int64_t bit = targets & -targets;
    out.push_back({bit, hwy::TargetName(bit)});
  }
  return out;
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// hwy::SupportedTargets(). On aarch64, Highway 1.0.3's (without a mock in effect) first stores
// the targets it detected from the HWCAPs in the chosen-target mask, then adds the targets of one
// vector length (SVE_256, SVE2_128) to what it returns but not to the mask. Dispatch after any
// such call would run SVE2 code on a CPU whose best target is SVE_256 or SVE2_128 (the aarch64
// targets test caught it): store the whole set, as Highway's first dispatch does.
int64_t HwySupportedTargets() {
  const int64_t targets = hwy::SupportedTargets();
#if HWY_ARCH_ARM_A64
  hwy::GetChosenTarget().Update(targets);
#endif
  return targets;
}

// The CPU's own support, ignoring any ForceTarget in effect. Read during static initialization,
// before anything can have installed a mock, so reading it never undoes one.
const int64_t kCpuTargets = HwySupportedTargets() & HWY_TARGETS;

int64_t CpuTargets() { return kCpuTargets; }

}  // namespace

std::vector<TargetInfo> CompiledTargets() { return Expand(HWY_TARGETS); }

std::vector<TargetInfo> SupportedTargets() { return Expand(CpuTargets()); }

std::string ActiveTarget() {
  const int64_t targets = HwySupportedTargets() & HWY_TARGETS;
  return targets == 0 ? std::string(hwy::TargetName(HWY_STATIC_TARGET))
                      : std::string(hwy::TargetName(targets & -targets));
}

bool ForceTarget(const std::string& name) {
  const int64_t cpu = CpuTargets();
  if (name.empty()) {
    hwy::SetSupportedTargetsForTest(0);
    return true;
  }
  for (const TargetInfo& t : Expand(cpu)) {
    if (t.name == Upper(name)) {
      hwy::SetSupportedTargetsForTest(t.bits);
      return true;
    }
  }
  return false;
}

KernelTrace LastKernelTrace() {
  const internal::TraceSlot& slot = internal::g_trace;
  if (slot.target == 0) {
    return {};
  }
  std::string target = hwy::TargetName(slot.target);
  std::string path = slot.path != nullptr ? std::string(slot.path)
                     : slot.vnni          ? target + "+avx512vnni"
                                          : target;
  return {std::move(target), slot.vnni, std::move(path)};
}

}  // namespace qlab::kernels
