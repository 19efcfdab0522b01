// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Private to qlab::kernels: every per-target kernel body records which target ran it, so tests can
// prove that forcing a target really switched the code (see LastKernelTrace in kernels.h). A
// thread_local store costs one instruction and shares no cache line between threads.
#pragma once

#include <cstdint>

namespace qlab::kernels::internal {

struct TraceSlot {
  int64_t target = 0;  // Highway's HWY_* bit; 0 before the first call
  bool vnni = false;
  const char* path = nullptr;  // a string literal naming a hand-written path; nullptr: Highway code
};

inline thread_local TraceSlot g_trace;

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
