// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// This core's data cache sizes, which decide the working sets qlab-bench measures at: from sysfs,
// else CPUID, else documented defaults (or, on request, a measured read-bandwidth sweep for L3),
// each level checked for plausibility and labelled with where its size came from.
#pragma once

#include <cstdint>
#include <string>

namespace qlab::bench {

struct CacheLevel {
  uint64_t bytes = 0;
  std::string source;  // "sysfs", "cpuid", "sweep" or "default"
};

struct Caches {
  CacheLevel l1d, l2, l3;
  std::string notes;  // what was found and rejected, for the JSON context
};

// Sizes that lie outside these bounds are rejected (the next source is tried). The bounds are
// wider than any shipped core's (L1d 8 KiB to 256 KiB, L2 64 KiB to 32 MiB) and, for L3, the
// largest L3 one core can use: 128 MiB on AMD (a 3D V-Cache CCD holds 96 MiB), 512 MiB elsewhere.
bool PlausibleL1d(uint64_t bytes);
bool PlausibleL2(uint64_t bytes, uint64_t l1d);
bool PlausibleL3(uint64_t bytes, uint64_t l2, bool amd);

// Reads sysfs and CPUID; a level neither gives plausibly takes its documented default, or with
// `sweep` (L3 only) the edge of a measured read-bandwidth sweep (about a second, buffers up to
// 256 MiB). The sweep is opt-in: on a shared VM the L3 it finds moved between 16, 64 and 128 MiB
// from run to run, and benchmark names carry the sizes, so names must not depend on it.
Caches DetectCaches(bool sweep);

// The level a working set lives in: 1 (L1d), 2, 3, or 4 (DRAM).
int LevelOf(const Caches& caches, uint64_t working_set_bytes);

}  // namespace qlab::bench
