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

// The CPU's own support, ignoring any ForceTarget in effect. Read during static initialization,
// before anything can have installed a mock, so reading it never undoes one.
const int64_t kCpuTargets = hwy::SupportedTargets() & HWY_TARGETS;

int64_t CpuTargets() { return kCpuTargets; }

}  // namespace

std::vector<TargetInfo> CompiledTargets() { return Expand(HWY_TARGETS); }

std::vector<TargetInfo> SupportedTargets() { return Expand(CpuTargets()); }

std::string ActiveTarget() {
  const int64_t targets = hwy::SupportedTargets() & HWY_TARGETS;
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
  return {slot.target == 0 ? std::string() : std::string(hwy::TargetName(slot.target)), slot.vnni};
}

}  // namespace qlab::kernels
