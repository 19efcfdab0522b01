// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Private to qlab::kernels: every per-target kernel body records which target ran it, so tests can
// prove that forcing a target really switched the code (see LastKernelTrace in kernels.h). A
// thread_local slot shares no cache line between threads; its model must be initial-exec for the
// store to be one instruction (%fs-relative on x86-64, TPIDR_EL0 on aarch64). The library is
// position-independent (a consumer may link it into a shared library), and under -fPIC GCC's
// default, general-dynamic, calls __tls_get_addr on every kernel call: measured at about 20
// cycles per call on Zen 5, a quarter of a 4096-element uint8·int8 dot (85 cycles where the loads
// need 66). Initial-exec draws on the static TLS block, which glibc keeps a surplus of for
// libraries loaded later with dlopen; this slot takes 24 bytes of it.
#pragma once

#include <cstdint>

namespace qlab::kernels::internal {

struct TraceSlot {
  int64_t target = 0;  // Highway's HWY_* bit; 0 before the first call
  bool vnni = false;
  const char* path = nullptr;  // a string literal naming a hand-written path; nullptr: Highway code
};

[[gnu::tls_model("initial-exec")]] inline thread_local TraceSlot g_trace;

inline void NoteRun(int64_t target, bool vnni) {
  g_trace.target = target;
  g_trace.vnni = vnni;
  g_trace.path = nullptr;
}

// Code outside Highway's ops that target `target` dispatched to (arm.h: the dot-product paths).
inline void NoteRun(int64_t target, const char* path) {
  g_trace.target = target;
  g_trace.vnni = false;
  g_trace.path = path;
}

}  // namespace qlab::kernels::internal
