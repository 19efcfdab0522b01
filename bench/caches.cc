// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Cache sizes: sysfs, then CPUID (deterministic leaves 4 / 0x8000001D, then AMD's 0x80000005 and
// 0x80000006), then for L3 a measured read-bandwidth sweep, then documented defaults.
#include "bench/caches.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "bench/probes.h"

namespace qlab::bench {
namespace {

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = kKiB * kKiB;

// Documented defaults (bench/README), used when sysfs and CPUID give nothing plausible: 32 KiB L1d,
// 1 MiB L2 and the 32 MiB L3 of one Zen 3/4/5 CCD (and of many Intel server parts' L3 slices).
constexpr uint64_t kDefaultL1d = 32 * kKiB;
constexpr uint64_t kDefaultL2 = 1 * kMiB;
constexpr uint64_t kDefaultL3 = 32 * kMiB;

[[maybe_unused]] std::string Hex(uint32_t x) {
  char s[16];
  std::snprintf(s, sizeof s, "0x%x", x);
  return s;
}

std::string Size(uint64_t bytes) {
  if (bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
  if (bytes % kKiB == 0) return std::to_string(bytes / kKiB) + " KiB";
  return std::to_string(bytes) + " B";
}

void Note(std::string& notes, const std::string& text) {
  notes += (notes.empty() ? "" : "; ") + text;
}

// ---- sysfs
// ----------------------------------------------------------------------------------------

struct Found {
  uint64_t l1d = 0, l2 = 0, l3 = 0;
};

std::string ReadLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// "48K", "1024K", "32M" → bytes; 0 when unreadable.
uint64_t ParseSysfsSize(const std::string& text) {
  if (text.empty()) return 0;
  char* end = nullptr;
  const unsigned long long value = std::strtoull(text.c_str(), &end, 10);
  if (end == text.c_str()) return 0;
  switch (*end) {
    case 'K':
      return value * kKiB;
    case 'M':
      return value * kMiB;
    case 'G':
      return value * kMiB * kKiB;
    case '\0':
      return value;
    default:
      return 0;
  }
}

Found FromSysfs() {
  Found f;
  for (int index = 0; index < 16; ++index) {
    const std::string dir = "/sys/devices/system/cpu/cpu0/cache/index" + std::to_string(index);
    const std::string level = ReadLine(dir + "/level");
    if (level.empty()) continue;
    const std::string type = ReadLine(dir + "/type");
    const uint64_t bytes = ParseSysfsSize(ReadLine(dir + "/size"));
    if (level == "1" && (type == "Data" || type == "Unified")) f.l1d = bytes;
    if (level == "2" && type != "Instruction") f.l2 = bytes;
    if (level == "3" && type != "Instruction") f.l3 = bytes;
  }
  return f;
}

// ---- CPUID
// ----------------------------------------------------------------------------------------

bool IsAmd() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (__get_cpuid(0, &a, &b, &c, &d) == 0) return false;
  char vendor[13] = {};
  std::memcpy(vendor, &b, 4);
  std::memcpy(vendor + 4, &d, 4);
  std::memcpy(vendor + 8, &c, 4);
  return std::strcmp(vendor, "AuthenticAMD") == 0 || std::strcmp(vendor, "HygonGenuine") == 0;
#else
  return false;
#endif
}

Found FromCpuid(bool amd, std::string& notes) {
  Found f;
#if defined(__x86_64__) || defined(__i386__)
  unsigned a = 0, b = 0, c = 0, d = 0;
  // Deterministic cache parameters: Intel leaf 4, AMD leaf 0x8000001D (same layout).
  const unsigned leaf = amd ? 0x8000001Du : 4u;
  unsigned max_leaf = 0;
  if (amd) {
    __cpuid(0x80000000u, max_leaf, b, c, d);
  } else {
    __cpuid(0, max_leaf, b, c, d);
  }
  bool deterministic = false;
  if (max_leaf >= leaf) {
    for (unsigned sub = 0; sub < 16; ++sub) {
      __cpuid_count(leaf, sub, a, b, c, d);
      const unsigned type = a & 0x1f;  // 1 data, 2 instruction, 3 unified, 0 none
      if (type == 0) break;
      deterministic = true;
      const unsigned level = (a >> 5) & 0x7;
      const uint64_t ways = ((b >> 22) & 0x3ff) + 1;
      const uint64_t partitions = ((b >> 12) & 0x3ff) + 1;
      const uint64_t line = (b & 0xfff) + 1;
      const uint64_t sets = uint64_t{c} + 1;
      const uint64_t bytes = ways * partitions * line * sets;
      if (type == 2) continue;
      if (level == 1) f.l1d = bytes;
      if (level == 2) f.l2 = bytes;
      if (level == 3) f.l3 = bytes;
    }
  }
  if (!deterministic) Note(notes, "cpuid " + Hex(leaf) + " empty");
  if (amd && (f.l1d == 0 || f.l2 == 0 || f.l3 == 0)) {
    unsigned max_ext = 0;
    __cpuid(0x80000000u, max_ext, b, c, d);
    if (max_ext >= 0x80000006u) {
      __cpuid(0x80000005u, a, b, c, d);
      if (f.l1d == 0) f.l1d = uint64_t{c >> 24} * kKiB;
      __cpuid(0x80000006u, a, b, c, d);
      if (f.l2 == 0) f.l2 = uint64_t{c >> 16} * kKiB;
      if (f.l3 == 0) f.l3 = uint64_t{d >> 18} * 512 * kKiB;
    }
  }
#else
  (void)amd;
  (void)notes;
#endif
  return f;
}

// ---- sweep
// ----------------------------------------------------------------------------------------

// Best read rate (bytes/s) over a few timed rounds of at least `min_bytes` each, after one
// warm-up pass that brings the buffer into whichever cache holds it.
double ReadRate(const uint8_t* buffer, uint64_t bytes, uint64_t min_bytes) {
  const size_t passes = static_cast<size_t>(std::max<uint64_t>(1, min_bytes / bytes));
  volatile uint64_t sink = ReadProbe(buffer, bytes, 1);
  double best = 0;
  for (int round = 0; round < 3; ++round) {
    const auto t0 = std::chrono::steady_clock::now();
    sink = sink ^ ReadProbe(buffer, bytes, passes);
    const auto t1 = std::chrono::steady_clock::now();
    const double seconds = std::chrono::duration<double>(t1 - t0).count();
    if (seconds > 0) best = std::max(best, static_cast<double>(bytes * passes) / seconds);
  }
  return best;
}

// Where the read rate falls from the L3 plateau (the first sizes past L2) to the DRAM plateau
// (256 MiB, beyond any L3 PlausibleL3 accepts on AMD): the first size of the √2 grid whose rate
// is below the geometric mean of the two plateaus, interpolated on the log-log curve and rounded
// to the nearest power of two, so that repeated runs name the same working sets. 0 when there is
// no clear step (plateaus less than 1.3× apart).
uint64_t SweepL3(uint64_t l2, std::string& notes) {
  const uint64_t top = 256 * kMiB;
  std::vector<uint64_t> sizes;
  for (uint64_t s = std::max<uint64_t>(2 * l2, 2 * kMiB); s <= top; s *= 2) {
    sizes.push_back(s);
    if (s + s / 2 <= top) sizes.push_back(s + s / 2);
  }
  std::sort(sizes.begin(), sizes.end());
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  const std::unique_ptr<uint8_t, Free> buffer(static_cast<uint8_t*>(std::aligned_alloc(64, top)));
  if (!buffer) return 0;
  std::memset(buffer.get(), 0x5a, top);
  std::vector<double> rate(sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) rate[i] = ReadRate(buffer.get(), sizes[i], 64 * kMiB);
  const double hi = std::max(rate[0], rate[1]);
  const double lo = std::min(rate[rate.size() - 1], rate[rate.size() - 2]);
  std::string curve;
  for (size_t i = 0; i < sizes.size(); ++i) {
    // (Appending, not operator+: GCC 12 warns falsely on the latter.)
    curve.append(i ? " " : "").append(Size(sizes[i])).append(":");
    curve.append(std::to_string(std::lround(rate[i] / 1e9)));
  }
  Note(notes, std::string("sweep GB/s ").append(curve));
  if (hi < 1.3 * lo) return 0;
  const double threshold = std::sqrt(hi * lo);
  for (size_t i = 1; i < sizes.size(); ++i) {
    if (rate[i] < threshold) {
      // Log-log interpolation between sizes[i-1] (above the threshold) and sizes[i].
      const double x0 = std::log2(static_cast<double>(sizes[i - 1]));
      const double x1 = std::log2(static_cast<double>(sizes[i]));
      const double y0 = std::log2(rate[i - 1]), y1 = std::log2(rate[i]);
      const double y = std::log2(threshold);
      const double x = y0 == y1 ? x1 : x0 + (x1 - x0) * (y0 - y) / (y0 - y1);
      return uint64_t{1} << static_cast<int>(std::lround(x));
    }
  }
  return 0;
}

}  // namespace

bool PlausibleL1d(uint64_t bytes) { return bytes >= 8 * kKiB && bytes <= 256 * kKiB; }

bool PlausibleL2(uint64_t bytes, uint64_t l1d) {
  return bytes >= 64 * kKiB && bytes <= 32 * kMiB && bytes > l1d;
}

bool PlausibleL3(uint64_t bytes, uint64_t l2, bool amd) {
  return bytes >= 1 * kMiB && bytes <= (amd ? 128 : 512) * kMiB && bytes > l2;
}

Caches DetectCaches(bool sweep) {
  Caches caches;
  const bool amd = IsAmd();
  const Found sysfs = FromSysfs();
  if (sysfs.l1d == 0 && sysfs.l2 == 0 && sysfs.l3 == 0) {
    Note(caches.notes, "sysfs: no cpu0/cache");
  }
  const Found cpuid = FromCpuid(amd, caches.notes);
  // Each level from the first source that gives a plausible size.
  auto pick = [&](CacheLevel& level, const char* name, uint64_t from_sysfs, uint64_t from_cpuid,
                  auto plausible) {
    for (const auto& [bytes, source] : {std::pair<uint64_t, const char*>{from_sysfs, "sysfs"},
                                        std::pair<uint64_t, const char*>{from_cpuid, "cpuid"}}) {
      if (bytes == 0) continue;
      if (plausible(bytes)) {
        level = {bytes, source};
        return;
      }
      Note(caches.notes, std::string(source) + " " + name + " " + Size(bytes) + " rejected");
    }
  };
  pick(caches.l1d, "L1d", sysfs.l1d, cpuid.l1d, PlausibleL1d);
  if (caches.l1d.bytes == 0) caches.l1d = {kDefaultL1d, "default"};
  pick(caches.l2, "L2", sysfs.l2, cpuid.l2,
       [&](uint64_t b) { return PlausibleL2(b, caches.l1d.bytes); });
  if (caches.l2.bytes == 0) caches.l2 = {std::max(kDefaultL2, 2 * caches.l1d.bytes), "default"};
  pick(caches.l3, "L3", sysfs.l3, cpuid.l3,
       [&](uint64_t b) { return PlausibleL3(b, caches.l2.bytes, amd); });
  if (caches.l3.bytes == 0 && sweep) {
    const uint64_t swept = SweepL3(caches.l2.bytes, caches.notes);
    if (swept != 0 && PlausibleL3(swept, caches.l2.bytes, amd)) {
      caches.l3 = {swept, "sweep"};
    } else {
      Note(caches.notes, "sweep found no L3 edge");
    }
  }
  if (caches.l3.bytes == 0) caches.l3 = {std::max(kDefaultL3, 4 * caches.l2.bytes), "default"};
  return caches;
}

int LevelOf(const Caches& caches, uint64_t working_set_bytes) {
  if (working_set_bytes <= caches.l1d.bytes) return 1;
  if (working_set_bytes <= caches.l2.bytes) return 2;
  if (working_set_bytes <= caches.l3.bytes) return 3;
  return 4;
}

}  // namespace qlab::bench
