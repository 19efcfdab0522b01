// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Private to qlab::kernels: HWY_DYNAMIC_DISPATCH without its per-call library call.
// Highway 1.0.3's macro calls hwy::GetChosenTarget(), which lives in libhwy.so: a PLT call on
// every kernel call, measured at about 8% of a 256-element f32 dot. The object it returns is a
// process-wide singleton, so it is looked up once; the index is still read on every call, so
// ForceTarget (SetSupportedTargetsForTest) keeps switching the code.
#pragma once

#include <hwy/highway.h>
#include <hwy/targets.h>

namespace qlab::kernels::internal {

// Filled on first use; a plain pointer, not a function-local static, whose guard made GCC save
// and restore four registers around every dispatch.
inline hwy::ChosenTarget* g_chosen = nullptr;

HWY_NOINLINE inline hwy::ChosenTarget* LookUpChosen() {
  g_chosen = &hwy::GetChosenTarget();  // the same singleton from any thread: a benign race
  return g_chosen;
}

HWY_INLINE hwy::ChosenTarget& Chosen() {
  hwy::ChosenTarget* chosen = g_chosen;
  if (HWY_UNLIKELY(chosen == nullptr)) chosen = LookUpChosen();
  return *chosen;
}

}  // namespace qlab::kernels::internal

// Must be expanded in the translation unit holding HWY_EXPORT(FUNC_NAME): GetIndex() masks with
// that unit's HWY_CHOSEN_TARGET_MASK_TARGETS.
#define QLAB_DYNAMIC_DISPATCH(FUNC_NAME) \
  (*(HWY_DISPATCH_TABLE(FUNC_NAME)[::qlab::kernels::internal::Chosen().GetIndex()]))
