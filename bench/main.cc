// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// qlab-bench: every kernel × variant × size as `<kernel>/<variant>/<size>`, and the roofs they are
// judged against: memory bandwidth `membw/read/<bytes>` and `membw/copy/<bytes>`, the peak rate of
// each multiply-add instruction `peak_<instruction>/<variant>/<chains>`, and the core clock
// `clock/add_chain/32`. Variants: ref (scalar truth), auto (the same loops at -O3 -march=native
// -ffast-math), hwy (dispatched to the best target), hwy:<TARGET> (forced), and the peers eigen,
// openblas, onednn, hwydot. Sizes follow this core's cache levels (bench/caches.h). All variants
// of one kernel and size share the same buffers, which are allocated when a benchmark of that size
// first runs, so a filtered run stays small. `--qlab_subset=quick` registers only the CI subset.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <unistd.h>

#include "bench/caches.h"
#include "bench/peers.h"
#include "bench/probes.h"
#include "qlab/kernels.h"
#include "qlab/reference/kernels.h"

namespace qlab::bench {
namespace {

namespace ref = qlab::reference;
namespace k = qlab::kernels;

// Sizes every variant runs at (the ratios of bench/README and `qlab check` use them).
constexpr size_t kDotSizes[] = {256, 4096, 65536, 1048576, 67108864};
constexpr size_t kGemvRows[] = {20640, 10000000};
// gemv for hwy and auto: 1024 rows to 10M, every level (f32 36 B/row: 36 KiB to 360 MB).
constexpr size_t kGemvSweepRows[] = {1024,   4096,    16384,   20640,   65536,
                                     262144, 1048576, 4194304, 10000000};
// gemv peers: one size per level here (f32: L1, L2, L3, DRAM).
constexpr size_t kGemvPeerRows[] = {1024, 20640, 262144, 10000000};
constexpr size_t kGemvK = 8;
constexpr float kBias = 0.25f;
constexpr float kScale = 0.0078125f;
constexpr int32_t kZeroPoint = 128;

// ---- lazily allocated, shared buffers
// ------------------------------------------------------------

// 64-byte aligned, filled once with pseudo-random bytes (floats: values in [-1, 1)). Buffers of one
// group (a kernel family and size) live together. Large buffers (≥ 16 MiB) of all groups together
// stay within LargeBudget(): allocating one frees the least recently used large ones of other
// groups first. (Freeing every other group's, as before, refilled a 256 MiB buffer on nearly every
// interleaved repetition: a third of the quick subset's time went to page faults and filling.)
class BufferPool {
 public:
  template <typename T>
  T* Get(const std::string& group, const std::string& role, size_t count) {
    const std::string key = group + "/" + role;
    auto it = buffers_.find(key);
    ++clock_;
    if (it == buffers_.end()) {
      const size_t bytes = (count * sizeof(T) + 63) / 64 * 64;
      if (bytes >= kLarge) {
        MakeRoom(group, bytes);
      }
      Entry e{group, bytes, clock_,
              Owned(static_cast<unsigned char*>(std::aligned_alloc(64, bytes)))};
      if (!e.data) {
        throw std::bad_alloc();
      }
      Fill(e.data.get(), bytes, std::hash<std::string>()(key));
      if constexpr (std::is_same_v<T, float>) {
        // Random bits are mostly no useful floats: make them values in [-1, 1).
        for (size_t i = 0; i + 4 <= bytes; i += 4) {
          uint32_t bits;
          std::memcpy(&bits, e.data.get() + i, 4);
          const float value = static_cast<float>(bits >> 8) * 0x1p-23f - 1.0f;
          std::memcpy(e.data.get() + i, &value, 4);
        }
      }
      it = buffers_.emplace(key, std::move(e)).first;
    }
    it->second.last_use = clock_;
    return reinterpret_cast<T*>(it->second.data.get());
  }

 private:
  static constexpr size_t kLarge = size_t{16} << 20;
  // Refilling must be rare, not just cheap: on a virtual machine a buffer freed and allocated
  // again can stream at a fifth of its speed for a second or more after the refill (measured
  // here: dot_f32 at 256 MiB interleaved with the 440 MB fallback kernel, 640 MiB budget: 9 ms
  // calls became 14-45 ms, and the 10M-row quantize+gemv 26 ms became 115-755 ms). So the budget
  // holds the quick subset's whole working set (about 1.3 GB) wherever memory allows: a third of
  // the memory available at start, at least 640 MiB, at most 8 GiB.
  static size_t LargeBudget() {
    static const size_t budget = [] {
      const long pages = sysconf(_SC_AVPHYS_PAGES);
      const long page = sysconf(_SC_PAGESIZE);
      const size_t available =
          pages > 0 && page > 0 ? static_cast<size_t>(pages) * static_cast<size_t>(page) : 0;
      return std::clamp(available / 3, size_t{640} << 20, size_t{8} << 30);
    }();
    return budget;
  }
  struct Free {
    void operator()(unsigned char* p) const { std::free(p); }
  };
  using Owned = std::unique_ptr<unsigned char[], Free>;
  struct Entry {
    std::string group;
    size_t bytes;
    uint64_t last_use;
    Owned data;
  };

  void MakeRoom(const std::string& group, size_t bytes) {
    for (;;) {
      size_t large = bytes;
      auto oldest = buffers_.end();
      for (auto it = buffers_.begin(); it != buffers_.end(); ++it) {
        if (it->second.bytes < kLarge) continue;
        large += it->second.bytes;
        if (it->second.group != group &&
            (oldest == buffers_.end() || it->second.last_use < oldest->second.last_use)) {
          oldest = it;
        }
      }
      if (large <= LargeBudget() || oldest == buffers_.end()) return;
      buffers_.erase(oldest);
    }
  }

  static void Fill(unsigned char* p, size_t bytes, uint64_t seed) {
    uint64_t s = seed | 1;
    for (size_t i = 0; i + 8 <= bytes; i += 8) {
      s ^= s << 13;
      s ^= s >> 7;
      s ^= s << 17;
      std::memcpy(p + i, &s, 8);
    }
  }

  std::map<std::string, Entry> buffers_;
  uint64_t clock_ = 0;
};

BufferPool& Pool() {
  static BufferPool pool;
  return pool;
}

float* Floats(const std::string& group, const std::string& role, size_t n) {
  return Pool().Get<float>(group, role, n);
}

// ---- sizes
// ---------------------------------------------------------------------------------------

// This core's caches and the working sets measured at, fixed once before registration.
struct Plan {
  Caches caches;
  bool quick = false;
  // One representative working set per level: ½ L1d, ½ L2, ½ L3, 8× L3 (DRAM).
  std::vector<uint64_t> levels;
  // The dense sweep: 2^k and 3·2^(k-1) bytes from 1 KiB to the first of them ≥ 4× L3, then 8× L3.
  std::vector<uint64_t> sweep;
  // The quick subset, inside L1 to DRAM: 4 KiB, ½ L1d, ½ L2, 2× L2, ½ L3, 2× L3, 8× L3.
  std::vector<uint64_t> quick_sizes;
  // The copy probe: the levels and 2× L3. Beyond L3 a working set of a few L3s still hits the
  // victim L3 in part, so a read+write kernel there outruns a copy at 8× L3 (measured here:
  // gemv_u4i8 at 10M rows, 80 MB, moved 47 GB/s where membw/copy at 256 MiB reached 42); the read
  // probe has both DRAM sizes in the quick subset already.
  std::vector<uint64_t> copy_sizes;
};

Plan& GetPlan() {
  static Plan plan;
  return plan;
}

void MakePlan(bool quick, bool sweep) {
  Plan& p = GetPlan();
  p.caches = DetectCaches(sweep);
  p.quick = quick;
  const uint64_t l1 = p.caches.l1d.bytes, l2 = p.caches.l2.bytes, l3 = p.caches.l3.bytes;
  // Working sets are multiples of 512 bytes (whole 8-vector steps of every probe and element
  // counts of every dot), rounded down.
  const auto round = [](uint64_t b) { return std::max<uint64_t>(512, b / 512 * 512); };
  p.levels = {round(l1 / 2), round(l2 / 2), round(l3 / 2), round(8 * l3)};
  std::set<uint64_t> grid;
  for (uint64_t s = 1024;; s *= 2) {
    grid.insert(s);
    if (s >= 4 * l3) break;
    grid.insert(s + s / 2);
    if (s + s / 2 >= 4 * l3) break;
  }
  grid.insert(p.levels.begin(), p.levels.end());
  p.sweep.assign(grid.begin(), grid.end());
  const std::set<uint64_t> quick_sizes = {4096,          round(l1 / 2), round(l2 / 2),
                                          round(2 * l2), round(l3 / 2), round(2 * l3),
                                          round(8 * l3)};
  p.quick_sizes.assign(quick_sizes.begin(), quick_sizes.end());
  std::set<uint64_t> copy_sizes(p.levels.begin(), p.levels.end());
  copy_sizes.insert(round(2 * l3));
  p.copy_sizes.assign(copy_sizes.begin(), copy_sizes.end());
}

// Element counts for working sets of `bytes` at `bytes_per_element`.
std::set<size_t> Elements(const std::vector<uint64_t>& bytes, size_t bytes_per_element) {
  std::set<size_t> n;
  for (const uint64_t b : bytes) n.insert(static_cast<size_t>(b / bytes_per_element));
  return n;
}

// ---- registration
// --------------------------------------------------------------------------------

// What one call moves and computes, reported as per-call counters beside Google Benchmark's
// rates: bytes_read, bytes_written, working_set_bytes (distinct bytes touched: the memory level),
// macs (multiply-adds), level (1-3 = the cache holding the working set, 4 = DRAM).
struct Traffic {
  double bytes_read = 0;
  double bytes_written = 0;
  double items = 0;  // multiply-adds; elements for quantize; 8-byte words for membw; adds for clock
  double macs = 0;
  double working_set = 0;
  double macs_per_instruction = 0;  // compute probes only
};

Traffic Moves(double read, double written, double items, double macs) {
  Traffic t;
  t.bytes_read = read;
  t.bytes_written = written;
  t.items = items;
  t.macs = macs;
  t.working_set = read + written;
  return t;
}

// Forces a target for the duration of one benchmark run (hwy:<TARGET> variants).
class ScopedTarget {
 public:
  explicit ScopedTarget(const std::string& target) : active_(!target.empty()) {
    if (active_ && !k::ForceTarget(target)) {
      throw std::runtime_error("cannot force " + target);
    }
  }
  ~ScopedTarget() {
    if (active_) {
      k::ForceTarget("");
    }
  }
  ScopedTarget(const ScopedTarget&) = delete;
  ScopedTarget& operator=(const ScopedTarget&) = delete;

 private:
  bool active_;
};

// `<kernel>/<variant>/<size>`. (Appending, not operator+: GCC 12 warns falsely on the latter.)
std::string Name(const std::string& kernel, const std::string& variant, size_t size) {
  std::string name = kernel;
  name.append("/").append(variant).append("/").append(std::to_string(size));
  return name;
}

// The timed loop of one benchmark run around its call. The call's type is known here, so it is
// inlined into the loop: through a std::function per iteration, qlab-bench charged an L1-resident
// dot at 4096 (about 75 cycles) some 10 cycles of calls that a caller of the kernel does not pay.
using Body = std::function<void(benchmark::State&)>;

template <typename Call>
Body Timed(Call call) {
  return [call](benchmark::State& state) {
    // One untimed call: a repetition of a DRAM-sized kernel is often a single call, and the first
    // pass over buffers just filled (or brought back from another group's turn) pays for TLB
    // misses and page-table work that the steady state does not.
    call();
    for (auto _ : state) {
      call();
    }
  };
}

// `setup` runs once per benchmark run (outside the timed loop) and returns its timed loop.
using Setup = std::function<Body()>;

std::set<std::string>& Registered() {
  static std::set<std::string> names;
  return names;
}

void Register(const std::string& name, Traffic traffic, const std::string& target,
              const Setup& setup) {
  if (!Registered().insert(name).second) return;  // size lists overlap
  const int level = traffic.working_set > 0
                        ? LevelOf(GetPlan().caches, static_cast<uint64_t>(traffic.working_set))
                        : 0;
  benchmark::RegisterBenchmark(
      name.c_str(), [traffic, target, setup, level](benchmark::State& state) {
        const ScopedTarget forced(target);
        const Body body = setup();
        body(state);
        const auto iterations = static_cast<double>(state.iterations());
        const double bytes = traffic.bytes_read + traffic.bytes_written;
        if (bytes > 0) state.SetBytesProcessed(static_cast<int64_t>(bytes * iterations));
        state.SetItemsProcessed(static_cast<int64_t>(traffic.items * iterations));
        // Only non-zero counters: Google Benchmark's cv aggregate of a zero counter is 0/0,
        // written as NaN, which is not JSON. An absent bytes_written means none.
        if (traffic.bytes_read > 0) state.counters["bytes_read"] = traffic.bytes_read;
        if (traffic.bytes_written > 0) state.counters["bytes_written"] = traffic.bytes_written;
        if (bytes > 0) {
          state.counters["working_set_bytes"] = traffic.working_set;
          state.counters["level"] = level;
        }
        if (traffic.macs > 0) state.counters["macs"] = traffic.macs;
        if (traffic.macs_per_instruction > 0) {
          state.counters["macs_per_instruction"] = traffic.macs_per_instruction;
        }
      });
}

// The hwy variant and one hwy:<TARGET> per supported target, sharing one body.
void RegisterHwy(const std::string& kernel, size_t size, Traffic traffic, const Setup& setup) {
  Register(Name(kernel, "hwy", size), traffic, "", setup);
  for (const k::TargetInfo& t : k::SupportedTargets()) {
    Register(Name(kernel, "hwy:" + t.name, size), traffic, t.name, setup);
  }
}

// Which variants run at a size: every variant at the common sizes; the sweep variants (hwy, auto)
// also at the dense sweep; the peers also at one size per level. The quick subset names its own.
struct Selection {
  bool all = false;    // ref, hwy, hwy:<TARGET>, peers
  bool sweep = false;  // hwy and auto
  bool peers = false;  // hwy, auto and the peers
  bool quick_hwy = false;
};

template <typename Sizes>
bool Contains(const Sizes& sizes, size_t n) {
  return std::find(std::begin(sizes), std::end(sizes), n) != std::end(sizes);
}

// The vnni_sad peer, checked once against the scalar truth (every length to 300, and across the
// int32 block) before it is measured.
bool VnniSadPeerExact() {
  static const bool exact = [] {
    if (!HaveVnniSadPeer()) return false;
    std::vector<int8_t> a(200000), b(200000);
    uint64_t s = 0x9e3779b97f4a7c15u;
    for (size_t i = 0; i < a.size(); ++i) {
      s ^= s << 13;
      s ^= s >> 7;
      s ^= s << 17;
      a[i] = static_cast<int8_t>(s);
      b[i] = static_cast<int8_t>(s >> 8);
    }
    for (size_t n = 0; n <= 300; ++n) {
      if (VnniSadDotI8(a.data(), b.data(), n) != ref::DotI8(a.data(), b.data(), n)) return false;
    }
    return VnniSadDotI8(a.data(), b.data(), a.size()) == ref::DotI8(a.data(), b.data(), a.size());
  }();
  if (HaveVnniSadPeer() && !exact) {
    std::fprintf(stderr, "qlab-bench: vnni_sad peer inexact, left out\n");
  }
  return exact;
}

void RegisterDots() {
  const Plan& plan = GetPlan();
  // The sizes of each element width: common, sweep and per-level working sets.
  for (const size_t width : {size_t{8}, size_t{2}}) {  // f32: 8 bytes per MAC; int8: 2
    std::set<size_t> sizes(std::begin(kDotSizes), std::end(kDotSizes));
    const std::set<size_t> sweep = Elements(plan.sweep, width);
    const std::set<size_t> levels = Elements(plan.levels, width);
    // Quick: the working sets from L1 to DRAM (f32 and u8i8), 256 and 4096 (the in-cache
    // ratios), and for u8i8 also f32's DRAM size in elements (u8i8 vs f32 at equal n).
    std::set<size_t> quick = Elements(plan.quick_sizes, width);
    quick.insert({256, 4096});
    // u8i8 stops at f32's DRAM size in elements (2× L3 for it: DRAM too), not 8× L3, which would
    // add a fourth 256 MiB buffer group to the quick subset.
    if (width == 2) {
      quick.erase(static_cast<size_t>(plan.levels.back() / width));
      quick.insert(static_cast<size_t>(plan.levels.back() / 8));
    }
    if (plan.quick) {
      sizes = quick;
    } else {
      sizes.insert(sweep.begin(), sweep.end());
      sizes.insert(levels.begin(), levels.end());
    }
    for (const size_t n : sizes) {
      Selection sel;
      if (plan.quick) {
        sel.quick_hwy = true;
      } else {
        sel.all = Contains(kDotSizes, n);
        sel.sweep = true;
        sel.peers = sel.all || levels.count(n) != 0;
      }
      const std::string g = "dot/" + std::to_string(n);
      const size_t size = n;
      const auto dn = static_cast<double>(n);
      if (width == 8) {
        const Traffic f32 = Moves(8 * dn, 0, dn, dn);
        const auto dot_f32 = [g, n](float (*fn)(const float*, const float*, size_t)) -> Setup {
          return [g, n, fn] {
            const float* a = Floats(g, "a", n);
            const float* b = Floats(g, "b", n);
            return Timed([a, b, n, fn] { benchmark::DoNotOptimize(fn(a, b, n)); });
          };
        };
        if (plan.quick) {
          Register(Name("dot_f32", "hwy", size), f32, "", dot_f32(k::DotF32));
          if (n == 4096) Register(Name("dot_f32", "ref", size), f32, "", dot_f32(ref::DotF32));
          continue;
        }
        if (sel.all) Register(Name("dot_f32", "ref", size), f32, "", dot_f32(ref::DotF32));
        Register(Name("dot_f32", "auto", size), f32, "", dot_f32(ref::autovec::DotF32));
        if (sel.all) {
          RegisterHwy("dot_f32", n, f32, dot_f32(k::DotF32));
        } else {
          Register(Name("dot_f32", "hwy", size), f32, "", dot_f32(k::DotF32));
        }
        if (sel.peers) {
          Register(Name("dot_f32", "eigen", size), f32, "", dot_f32(EigenDot));
          if (HaveOpenBlas()) {
            Register(Name("dot_f32", "openblas", size), f32, "", dot_f32(OpenBlasDot));
          }
          Register(Name("dot_f32", "hwydot", size), f32, "", dot_f32(HwyContribDot));
        }
        continue;
      }
      // int8 · int8 and uint8 · int8
      const Traffic i8 = Moves(2 * dn, 0, dn, dn);
      const auto dot_i8 = [g, n](int64_t (*fn)(const int8_t*, const int8_t*, size_t)) -> Setup {
        return [g, n, fn] {
          const int8_t* a = Pool().Get<int8_t>(g, "a8", n);
          const int8_t* b = Pool().Get<int8_t>(g, "b8", n);
          return Timed([a, b, n, fn] { benchmark::DoNotOptimize(fn(a, b, n)); });
        };
      };
      const auto dot_u8i8 = [g, n](int64_t (*fn)(const uint8_t*, const int8_t*, size_t)) -> Setup {
        return [g, n, fn] {
          const uint8_t* a = Pool().Get<uint8_t>(g, "a8", n);
          const int8_t* b = Pool().Get<int8_t>(g, "b8", n);
          return Timed([a, b, n, fn] { benchmark::DoNotOptimize(fn(a, b, n)); });
        };
      };
      if (plan.quick) {
        Register(Name("dot_u8i8", "hwy", size), i8, "", dot_u8i8(k::DotU8I8));
        if (n == 256 || n == 4096) {
          Register(Name("dot_i8", "hwy", size), i8, "", dot_i8(k::DotI8));
        }
        if (n == 4096) {
          Register(Name("dot_i8", "ref", size), i8, "", dot_i8(ref::DotI8));
          Register(Name("dot_u8i8", "ref", size), i8, "", dot_u8i8(ref::DotU8I8));
        }
        continue;
      }
      if (sel.all) Register(Name("dot_i8", "ref", size), i8, "", dot_i8(ref::DotI8));
      Register(Name("dot_i8", "auto", size), i8, "", dot_i8(ref::autovec::DotI8));
      if (sel.all) {
        RegisterHwy("dot_i8", n, i8, dot_i8(k::DotI8));
      } else {
        Register(Name("dot_i8", "hwy", size), i8, "", dot_i8(k::DotI8));
      }
      if (sel.peers && VnniSadPeerExact()) {
        Register(Name("dot_i8", "vnni_sad", size), i8, "", dot_i8(VnniSadDotI8));
      }
      if (sel.all) Register(Name("dot_u8i8", "ref", size), i8, "", dot_u8i8(ref::DotU8I8));
      Register(Name("dot_u8i8", "auto", size), i8, "", dot_u8i8(ref::autovec::DotU8I8));
      if (sel.all) {
        RegisterHwy("dot_u8i8", n, i8, dot_u8i8(k::DotU8I8));
      } else {
        Register(Name("dot_u8i8", "hwy", size), i8, "", dot_u8i8(k::DotU8I8));
      }
      if (sel.peers && HaveOneDnn()) {
        Register(Name("dot_u8i8", "onednn", size), i8, "", [g, n]() -> Body {
          const uint8_t* a = Pool().Get<uint8_t>(g, "a8", n);
          const int8_t* b = Pool().Get<int8_t>(g, "b8", n);
          int32_t* out = Pool().Get<int32_t>(g, "out32", 1);
          auto matmul = std::make_shared<OneDnnMatmul>(a, 1, n, b, out);
          return Timed([matmul] { matmul->Run(); });
        });
      }
    }
  }
}

void RegisterGemv() {
  const Plan& plan = GetPlan();
  std::set<size_t> all_rows(std::begin(kGemvSweepRows), std::end(kGemvSweepRows));
  if (plan.quick) all_rows = {20640};
  for (const size_t rows : all_rows) {
    const bool all = Contains(kGemvRows, rows);
    const bool peers = all || Contains(kGemvPeerRows, rows);
    const std::string g = "gemv/" + std::to_string(rows);
    const size_t size = rows;
    const auto dr = static_cast<double>(rows);
    const double macs = dr * kGemvK;
    // f32: X read, w read, y written.
    const Traffic f32 = Moves(dr * kGemvK * 4 + kGemvK * 4, dr * 4, macs, macs);
    const auto gemv_f32 =
        [g, rows](const std::function<void(const float*, const float*, float*)>& fn) -> Setup {
      return [g, rows, fn] {
        const float* x = Floats(g, "x", rows * kGemvK);
        const float* w = Floats(g, "w", kGemvK);
        float* y = Pool().Get<float>(g, "y", rows);
        return Timed([x, w, y, fn] {
          fn(x, w, y);
          benchmark::ClobberMemory();
        });
      };
    };
    const Setup ref_f32 = gemv_f32([rows](const float* x, const float* w, float* y) {
      ref::GemvF32(x, rows, kGemvK, w, kBias, y);
    });
    const Setup hwy_f32 = gemv_f32([rows](const float* x, const float* w, float* y) {
      k::GemvF32(x, rows, kGemvK, w, kBias, y);
    });
    // u8 · i8 → f32: X read (1 byte per feature), y written.
    const Traffic u8 = Moves(dr * kGemvK + kGemvK, dr * 4, macs, macs);
    const auto gemv_u8 =
        [g, rows](const std::function<void(const uint8_t*, const int8_t*, float*)>& fn) -> Setup {
      return [g, rows, fn] {
        const uint8_t* x = Pool().Get<uint8_t>(g, "x8", rows * kGemvK);
        const int8_t* w = Pool().Get<int8_t>(g, "w8", kGemvK);
        float* y = Pool().Get<float>(g, "y", rows);
        return Timed([x, w, y, fn] {
          fn(x, w, y);
          benchmark::ClobberMemory();
        });
      };
    };
    // Offsets folded into the bias (correction 0), as for the oneDNN peer.
    const Setup ref_u8 = gemv_u8([rows](const uint8_t* x, const int8_t* w, float* y) {
      ref::GemvU8I8(x, rows, kGemvK, w, kScale, 0, kBias, y);
    });
    const Setup auto_u8 = gemv_u8([rows](const uint8_t* x, const int8_t* w, float* y) {
      ref::autovec::GemvU8I8K8(x, rows, w, kScale, 0, kBias, y);
    });
    const Setup hwy_u8 = gemv_u8([rows](const uint8_t* x, const int8_t* w, float* y) {
      k::GemvU8I8(x, rows, kGemvK, w, kScale, 0, kBias, y);
    });
    const Setup auto_f32 = gemv_f32([rows](const float* x, const float* w, float* y) {
      ref::autovec::GemvF32K8(x, rows, w, kBias, y);
    });
    if (all) Register(Name("gemv_f32", "ref", size), f32, "", ref_f32);
    Register(Name("gemv_f32", "auto", size), f32, "", auto_f32);
    if (all && !plan.quick) {
      RegisterHwy("gemv_f32", rows, f32, hwy_f32);
    } else {
      Register(Name("gemv_f32", "hwy", size), f32, "", hwy_f32);
    }
    if (peers && !plan.quick) {
      Register(Name("gemv_f32", "eigen", size), f32, "",
               gemv_f32([rows](const float* x, const float* w, float* y) {
                 EigenGemv(x, rows, kGemvK, w, kBias, y);
               }));
      if (HaveOpenBlas()) {
        Register(Name("gemv_f32", "openblas", size), f32, "",
                 gemv_f32([rows](const float* x, const float* w, float* y) {
                   OpenBlasGemv(x, rows, kGemvK, w, y);
                 }));
      }
    }
    if (all) Register(Name("gemv_u8i8", "ref", size), u8, "", ref_u8);
    Register(Name("gemv_u8i8", "auto", size), u8, "", auto_u8);
    if (all && !plan.quick) {
      RegisterHwy("gemv_u8i8", rows, u8, hwy_u8);
    } else {
      Register(Name("gemv_u8i8", "hwy", size), u8, "", hwy_u8);
    }
    if (peers && !plan.quick && HaveOneDnn()) {
      Register(Name("gemv_u8i8", "onednn", size), u8, "", [g, rows]() -> Body {
        const uint8_t* x = Pool().Get<uint8_t>(g, "x8", rows * kGemvK);
        const int8_t* w = Pool().Get<int8_t>(g, "w8", kGemvK);
        float* y = Pool().Get<float>(g, "y", rows);
        auto matmul = std::make_shared<OneDnnMatmul>(x, rows, kGemvK, w, kScale, kBias, y);
        return Timed([matmul] {
          matmul->Run();
          benchmark::ClobberMemory();
        });
      });
    }
  }
}

void RegisterQuantize() {
  const bool quick = GetPlan().quick;
  const std::vector<size_t> quick_sizes = {4096, 65536};
  for (const size_t n : kDotSizes) {
    if (quick && !Contains(quick_sizes, n)) continue;
    const std::string g = "dot/" + std::to_string(n);  // the dot's f32 input, reused
    const auto dn = static_cast<double>(n);
    const Traffic traffic = Moves(4 * dn, dn, dn, 0);
    const auto quantize = [g,
                           n](void (*fn)(const float*, size_t, float, int32_t, uint8_t*)) -> Setup {
      return [g, n, fn] {
        const float* x = Floats(g, "a", n);
        uint8_t* q = Pool().Get<uint8_t>(g, "q", n);
        return Timed([x, q, n, fn] {
          fn(x, n, kScale, kZeroPoint, q);
          benchmark::ClobberMemory();
        });
      };
    };
    const size_t size = n;
    Register(Name("quantize_u8", "ref", size), traffic, "", quantize(ref::QuantizeU8));
    if (quick) {
      Register(Name("quantize_u8", "hwy", size), traffic, "", quantize(k::QuantizeU8));
      continue;
    }
    Register(Name("quantize_u8", "auto", size), traffic, "", quantize(ref::autovec::QuantizeU8));
    RegisterHwy("quantize_u8", n, traffic, quantize(k::QuantizeU8));
  }
}

// Repeats a small buffer so that one call moves at least this much: a call's fixed cost (the
// std::function, the dispatch, the final combine) stays under about 1% of it even in L1.
constexpr uint64_t kProbeMinBytesPerCall = uint64_t{1} << 20;

void RegisterMembw() {
  const Plan& plan = GetPlan();
  // read: the sweep (quick: its sizes); copy: one size per level and 2× L3 (Plan::copy_sizes).
  for (const uint64_t bytes : plan.quick ? plan.quick_sizes : plan.sweep) {
    const std::string g = "membw/" + std::to_string(bytes);
    const uint64_t passes = std::max<uint64_t>(1, kProbeMinBytesPerCall / bytes);
    const auto moved = static_cast<double>(bytes * passes);
    Traffic traffic = Moves(moved, 0, moved / 8, 0);
    traffic.working_set = static_cast<double>(bytes);
    Register(Name("membw", "read", bytes), traffic, "", [g, bytes, passes] {
      const uint8_t* buffer = Pool().Get<uint8_t>(g, "bytes", bytes);
      return Timed(
          [buffer, bytes, passes] { benchmark::DoNotOptimize(ReadProbe(buffer, bytes, passes)); });
    });
  }
  for (const uint64_t bytes : plan.copy_sizes) {
    // Half the working set is the source, half the destination. Beyond L3 the stores stream.
    const uint64_t half = bytes / 2;
    const bool stream = bytes > plan.caches.l3.bytes;
    const std::string g = "membw/copy/" + std::to_string(bytes);
    const uint64_t passes = std::max<uint64_t>(1, kProbeMinBytesPerCall / bytes);
    const auto moved = static_cast<double>(half * passes);
    Traffic traffic = Moves(moved, moved, 2 * moved / 8, 0);
    traffic.working_set = static_cast<double>(bytes);
    Register(Name("membw", "copy", bytes), traffic, "", [g, half, passes, stream] {
      const uint8_t* src = Pool().Get<uint8_t>(g, "src", half);
      uint8_t* dst = Pool().Get<uint8_t>(g, "dst", half);
      return Timed([src, dst, half, passes, stream] {
        CopyProbe(src, dst, half, passes, stream);
        benchmark::ClobberMemory();
      });
    });
  }
}

// Peak multiply-add rates: `peak_<instruction>/<variant>/<chains>`, items = MACs, for hwy (the
// dispatched target) and, in the full suite, each target; the core clock from dependent adds.
void RegisterPeaks() {
  const bool quick = GetPlan().quick;
  constexpr size_t kSteps = 4096;  // per call: 4096 × chains instructions, about 10-40 µs
  std::vector<std::string> targets = {""};
  if (!quick) {
    for (const k::TargetInfo& t : k::SupportedTargets()) targets.push_back(t.name);
  }
  for (const std::string& target : targets) {
    const std::string variant = target.empty() ? "hwy" : "hwy:" + target;
    size_t chains = 0, f32_lanes = 0, i16_lanes = 0;
    bool dpbusd = false;
    {
      const ScopedTarget forced(target);
      chains = ProbeChains();
      f32_lanes = FmaF32Lanes();
      i16_lanes = MaddI16Lanes();
      dpbusd = HaveDpbusd();
    }
    const auto steps = static_cast<double>(kSteps * chains);
    Traffic fma;
    fma.macs = fma.items = steps * static_cast<double>(f32_lanes);
    fma.macs_per_instruction = static_cast<double>(f32_lanes);
    Register(Name("peak_fma_f32", variant, chains), fma, target,
             [] { return Timed([] { benchmark::DoNotOptimize(FmaF32Probe(kSteps, 0.25f)); }); });
    Traffic madd;
    madd.macs = madd.items = steps * static_cast<double>(i16_lanes);
    madd.macs_per_instruction = static_cast<double>(i16_lanes);
    Register(Name("peak_madd_i16", variant, chains), madd, target,
             [] { return Timed([] { benchmark::DoNotOptimize(MaddI16Probe(kSteps, 7)); }); });
    if (dpbusd) {
      Traffic vnni;
      vnni.macs = vnni.items = steps * 64;
      vnni.macs_per_instruction = 64;
      Register(Name("peak_dpbusd_u8i8", variant, chains), vnni, target,
               [] { return Timed([] { benchmark::DoNotOptimize(DpbusdProbe(kSteps, 7)); }); });
    }
  }
  if (HaveAddChain()) {
    constexpr uint64_t kChainSteps = 1024;
    Traffic adds;
    adds.items = static_cast<double>(kChainSteps * kAddChainLength);
    Register(Name("clock", "add_chain", kAddChainLength), adds, "",
             [] { return Timed([] { benchmark::DoNotOptimize(AddChain(kChainSteps)); }); });
  }
}

// ---- packed codes and the outlier fallback (issue 16) -------------------------------------------

void RegisterGemvU4I8() {
  for (const size_t rows : kGemvRows) {
    const std::string g = "gemv/" + std::to_string(rows);
    const auto dr = static_cast<double>(rows);
    // u4 · i8 → f32: X read (half a byte per feature) and w, y written; 8 MACs per row. (Not
    // Traffic{bytes, items}: its second field is bytes_written, which counted the MACs as bytes
    // written and no MACs, so the report could neither place the row in a level nor judge it.)
    const Traffic u4 = Moves(dr * (kGemvK / 2) + kGemvK, dr * 4, dr * kGemvK, dr * kGemvK);
    const bool quick = GetPlan().quick;
    const auto gemv_u4 =
        [g, rows](const std::function<void(const uint8_t*, const int8_t*, float*)>& fn) -> Setup {
      return [g, rows, fn] {
        // Random bytes are random nibble pairs: every byte is a valid packed pair.
        const uint8_t* x = Pool().Get<uint8_t>(g, "x4", rows * k::PackedRowBytesU4(kGemvK));
        const int8_t* w = Pool().Get<int8_t>(g, "w8", kGemvK);
        float* y = Pool().Get<float>(g, "y", rows);
        return Timed([x, w, y, fn] {
          fn(x, w, y);
          benchmark::ClobberMemory();
        });
      };
    };
    const auto hwy_u4 = gemv_u4([rows](const uint8_t* x, const int8_t* w, float* y) {
      k::GemvU4I8(x, rows, kGemvK, w, kScale, 0, kBias, y);
    });
    if (quick) {
      // The quick subset: the dispatched kernel only (ref at 10M rows alone took seconds).
      Register(Name("gemv_u4i8", "hwy", rows), u4, "", hwy_u4);
    } else {
      Register(Name("gemv_u4i8", "ref", rows), u4, "",
               gemv_u4([rows](const uint8_t* x, const int8_t* w, float* y) {
                 ref::GemvU4I8(x, rows, kGemvK, w, kScale, 0, kBias, y);
               }));
      Register(Name("gemv_u4i8", "auto", rows), u4, "",
               gemv_u4([rows](const uint8_t* x, const int8_t* w, float* y) {
                 ref::autovec::GemvU4I8K8(x, rows, w, kScale, 0, kBias, y);
               }));
      RegisterHwy("gemv_u4i8", rows, u4, hwy_u4);
    }
    // u2 · i8 → f32: a quarter byte per feature; hwy only, to decide whether crumbs pay.
    const Traffic u2 = Moves(dr * (kGemvK / 4) + kGemvK, dr * 4, dr * kGemvK, dr * kGemvK);
    Register(Name("gemv_u2i8", "hwy", rows), u2, "", [g, rows]() -> Body {
      const uint8_t* x = Pool().Get<uint8_t>(g, "x2", rows * k::PackedRowBytesU2(kGemvK));
      const int8_t* w = Pool().Get<int8_t>(g, "w8", kGemvK);
      float* y = Pool().Get<float>(g, "y", rows);
      return Timed([x, w, y, rows] {
        k::GemvU2I8(x, rows, kGemvK, w, kScale, 0, kBias, y);
        benchmark::ClobberMemory();
      });
    });
  }
}

// From f32 features to predictions: quantize (per-feature scale and zero point) + gemv_u8i8,
// without (`quantize_gemv_u8i8`) and with (`quantize_gemv_u8i8_fallback`) saturation detection and
// the re-scoring of the saturated rows by the f64 float model (reference::LinearScoreF64). One row
// in 1000 holds one feature far outside the quantizer's range.
void RegisterOutlierFallback() {
  constexpr size_t kOutlierEvery = 1000;
  for (const size_t rows : kGemvRows) {
    const std::string g = "outliers/" + std::to_string(rows);
    const auto dr = static_cast<double>(rows);
    // x read (f32), codes written and read back, y written: 52 bytes per row moved, 44 distinct;
    // items: rows; 8 MACs per row (the gemv).
    Traffic traffic = Moves(dr * (kGemvK * 4 + kGemvK), dr * (kGemvK + 4), dr, dr * kGemvK);
    traffic.working_set = dr * (kGemvK * 4 + kGemvK + 4);
    struct Model {
      std::vector<float> scale = std::vector<float>(kGemvK, 1.0f / 127);  // [−1.004, 1.012]
      std::vector<int32_t> zero_point = std::vector<int32_t>(kGemvK, 127);
      std::vector<double> mean = std::vector<double>(kGemvK, 0.0);
      std::vector<double> feature_scale = std::vector<double>(kGemvK, 1.0);
      std::vector<double> coef = std::vector<double>(kGemvK, 0.0);
    };
    const auto setup = [g, rows](bool fallback) -> Setup {
      return [g, rows, fallback] {
        float* x = Floats(g, "x", rows * kGemvK);  // values in [−1, 1): inside the range
        for (size_t r = kOutlierEvery / 2; r < rows; r += kOutlierEvery) {
          x[r * kGemvK + r % kGemvK] = 4.0f;
        }
        const int8_t* w = Pool().Get<int8_t>(g, "w8", kGemvK);
        uint8_t* q = Pool().Get<uint8_t>(g, "q", rows * kGemvK);
        float* y = Pool().Get<float>(g, "y", rows);
        const size_t capacity = rows / kOutlierEvery + 1;
        size_t* saturated = Pool().Get<size_t>(g, "saturated", capacity);
        int64_t* per_feature = Pool().Get<int64_t>(g, "per_feature", kGemvK);
        auto model = std::make_shared<Model>();
        for (size_t j = 0; j < kGemvK; ++j) {
          model->coef[j] = w[j] * double{kScale} / double{model->scale[j]};
        }
        if (!fallback) {
          return Timed([x, w, q, y, rows, model] {
            k::QuantizeU8Rows(x, rows, kGemvK, model->scale.data(), model->zero_point.data(), 255,
                              q);
            k::GemvU8I8(q, rows, kGemvK, w, kScale, 0, kBias, y);
            benchmark::ClobberMemory();
          });
        }
        return Timed([x, w, q, y, rows, model, saturated, capacity, per_feature] {
          const size_t count = k::QuantizeU8RowsSaturated(x, rows, kGemvK, model->scale.data(),
                                                          model->zero_point.data(), 255, q,
                                                          saturated, capacity, per_feature);
          k::GemvU8I8(q, rows, kGemvK, w, kScale, 0, kBias, y);
          for (size_t i = 0; i < std::min(count, capacity); ++i) {
            const size_t r = saturated[i];
            y[r] = static_cast<float>(ref::LinearScoreF64(
                x + r * kGemvK, kGemvK, model->mean.data(), model->feature_scale.data(),
                model->coef.data(), double{kBias}));
          }
          benchmark::ClobberMemory();
        });
      };
    };
    Register(Name("quantize_gemv_u8i8", "hwy", rows), traffic, "", setup(false));
    Register(Name("quantize_gemv_u8i8_fallback", "hwy", rows), traffic, "", setup(true));
  }
}

std::string Join(const std::vector<k::TargetInfo>& targets) {
  std::string s;
  for (const auto& t : targets) {
    s += (s.empty() ? "" : " ") + t.name;
  }
  return s;
}

// Takes qlab-bench's own flags out of argv (Google Benchmark rejects flags it does not know):
// `--qlab_subset=quick|full` and `--qlab_caches=auto|sweep`. Returns false on a bad value.
bool TakeOwnFlags(int& argc, char** argv, bool& quick, bool& sweep) {
  const std::string subset = "--qlab_subset=", caches = "--qlab_caches=";
  int out = 1;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind(subset, 0) == 0) {
      const std::string value = arg.substr(subset.size());
      ok = ok && (value == "quick" || value == "full");
      quick = value == "quick";
      continue;
    }
    if (arg.rfind(caches, 0) == 0) {
      const std::string value = arg.substr(caches.size());
      ok = ok && (value == "auto" || value == "sweep");
      sweep = value == "sweep";
      continue;
    }
    argv[out++] = argv[i];
  }
  argc = out;
  argv[argc] = nullptr;
  return ok;
}

int Run(int argc, char** argv) {
  bool quick = false, sweep = false;
  if (!TakeOwnFlags(argc, argv, quick, sweep)) {
    std::fprintf(stderr,
                 "qlab-bench: --qlab_subset takes quick or full, --qlab_caches auto or sweep\n");
    return 2;
  }
  LimitPeersToOneThread();
  MakePlan(quick, sweep);
  const Plan& plan = GetPlan();
  std::string peers = "eigen hwydot";
  if (HaveOpenBlas()) {
    peers += " openblas";
  }
  if (HaveOneDnn()) {
    peers += " onednn";
  }
  benchmark::AddCustomContext("qlab_peers", peers);
  benchmark::AddCustomContext("qlab_targets_supported", Join(qlab::kernels::SupportedTargets()));
  benchmark::AddCustomContext("qlab_target_dispatched", qlab::kernels::ActiveTarget());
  benchmark::AddCustomContext("qlab_subset", quick ? "quick" : "full");
  // The memory hierarchy the sizes follow, and where each size came from.
  const std::pair<const char*, const CacheLevel*> levels[] = {
      {"l1d", &plan.caches.l1d}, {"l2", &plan.caches.l2}, {"l3", &plan.caches.l3}};
  for (const auto& [name, level] : levels) {
    benchmark::AddCustomContext(std::string("qlab_cache_") + name + "_bytes",
                                std::to_string(level->bytes));
    benchmark::AddCustomContext(std::string("qlab_cache_") + name + "_source", level->source);
  }
  benchmark::AddCustomContext("qlab_cache_notes", plan.caches.notes);
  // The probes' working set per level (membw/read/<bytes> and membw/copy/<bytes>).
  const char* level_names[] = {"l1", "l2", "l3", "dram"};
  for (size_t i = 0; i < plan.levels.size(); ++i) {
    benchmark::AddCustomContext(std::string("qlab_level_") + level_names[i] + "_bytes",
                                std::to_string(plan.levels[i]));
  }
  benchmark::AddCustomContext("qlab_int8_instruction", HaveDpbusd() ? "vpdpbusd" : "pmaddwd");
  if (HaveOpenBlas()) {
    benchmark::AddCustomContext("openblas_config", OpenBlasConfig());
  }
  if (HaveOneDnn()) {
    benchmark::AddCustomContext("onednn_version", OneDnnVersion());
  }
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  benchmark::AddCustomContext("OPENBLAS_CORETYPE", coretype != nullptr ? coretype : "(unset)");
  RegisterPeaks();
  RegisterMembw();
  RegisterDots();
  RegisterGemv();
  RegisterQuantize();
  RegisterGemvU4I8();
  RegisterOutlierFallback();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 2;
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

}  // namespace
}  // namespace qlab::bench

int main(int argc, char** argv) {
  try {
    return qlab::bench::Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "qlab-bench: %s\n", e.what());
    return 3;
  }
}
