// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// qlab-bench: every kernel × variant × size as `<kernel>/<variant>/<size>`, plus the memory roof
// `membw/read/<bytes>`. Variants: ref (scalar truth), auto (the same loops at -O3 -march=native
// -ffast-math), hwy (dispatched to the best target), hwy:<TARGET> (forced), and the peers eigen,
// openblas, onednn, hwydot. All variants of one kernel and size share the same buffers, which are
// allocated when a benchmark of that size first runs, so a filtered run stays small.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "bench/peers.h"
#include "qlab/kernels.h"
#include "qlab/reference/kernels.h"

namespace qlab::bench {
namespace {

namespace ref = qlab::reference;
namespace k = qlab::kernels;

constexpr size_t kDotSizes[] = {256, 4096, 65536, 1048576, 67108864};
constexpr size_t kGemvRows[] = {20640, 10000000};
constexpr size_t kGemvK = 8;
constexpr size_t kMembwBytes[] = {16384, 262144, 4194304, 268435456};
constexpr float kBias = 0.25f;
constexpr float kScale = 0.0078125f;
constexpr int32_t kZeroPoint = 128;

// ---- lazily allocated, shared buffers
// ------------------------------------------------------------

// 64-byte aligned, filled once with pseudo-random bytes (floats: values in [-1, 1)). Buffers of one
// group (a kernel family and size) live together; allocating a large buffer of another group frees
// the large ones before it.
class BufferPool {
 public:
  template <typename T>
  T* Get(const std::string& group, const std::string& role, size_t count) {
    const std::string key = group + "/" + role;
    auto it = buffers_.find(key);
    if (it == buffers_.end()) {
      const size_t bytes = (count * sizeof(T) + 63) / 64 * 64;
      if (bytes >= kLarge) {
        EvictLargeExcept(group);
      }
      Entry e{group, bytes, Owned(static_cast<unsigned char*>(std::aligned_alloc(64, bytes)))};
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
    return reinterpret_cast<T*>(it->second.data.get());
  }

 private:
  static constexpr size_t kLarge = size_t{16} << 20;
  struct Free {
    void operator()(unsigned char* p) const { std::free(p); }
  };
  using Owned = std::unique_ptr<unsigned char[], Free>;
  struct Entry {
    std::string group;
    size_t bytes;
    Owned data;
  };

  void EvictLargeExcept(const std::string& group) {
    for (auto it = buffers_.begin(); it != buffers_.end();) {
      if (it->second.bytes >= kLarge && it->second.group != group) {
        it = buffers_.erase(it);
      } else {
        ++it;
      }
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
};

BufferPool& Pool() {
  static BufferPool pool;
  return pool;
}

float* Floats(const std::string& group, const std::string& role, size_t n) {
  return Pool().Get<float>(group, role, n);
}

// ---- registration
// --------------------------------------------------------------------------------

struct Traffic {
  double bytes;  // every byte read and written per call
  double items;  // multiply-adds, or elements for quantize
};

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

// `setup` runs once per benchmark run (outside the timed loop) and returns the timed call.
using Setup = std::function<std::function<void()>()>;

void Register(const std::string& name, Traffic traffic, const std::string& target,
              const Setup& setup) {
  benchmark::RegisterBenchmark(name.c_str(), [traffic, target, setup](benchmark::State& state) {
    const ScopedTarget forced(target);
    const std::function<void()> call = setup();
    for (auto _ : state) {
      call();
    }
    const auto iterations = static_cast<double>(state.iterations());
    state.SetBytesProcessed(static_cast<int64_t>(traffic.bytes * iterations));
    state.SetItemsProcessed(static_cast<int64_t>(traffic.items * iterations));
  });
}

// The hwy variant and one hwy:<TARGET> per supported target, sharing one body.
void RegisterHwy(const std::string& kernel, size_t size, Traffic traffic, const Setup& setup) {
  Register(Name(kernel, "hwy", size), traffic, "", setup);
  for (const k::TargetInfo& t : k::SupportedTargets()) {
    Register(Name(kernel, "hwy:" + t.name, size), traffic, t.name, setup);
  }
}

void RegisterDots() {
  for (const size_t n : kDotSizes) {
    const std::string g = "dot/" + std::to_string(n);
    const size_t size = n;
    const auto dn = static_cast<double>(n);
    // f32
    const Traffic f32{8 * dn, dn};
    const auto dot_f32 = [g, n](float (*fn)(const float*, const float*, size_t)) -> Setup {
      return [g, n, fn] {
        const float* a = Floats(g, "a", n);
        const float* b = Floats(g, "b", n);
        return [a, b, n, fn] { benchmark::DoNotOptimize(fn(a, b, n)); };
      };
    };
    Register(Name("dot_f32", "ref", size), f32, "", dot_f32(ref::DotF32));
    Register(Name("dot_f32", "auto", size), f32, "", dot_f32(ref::autovec::DotF32));
    RegisterHwy("dot_f32", n, f32, dot_f32(k::DotF32));
    Register(Name("dot_f32", "eigen", size), f32, "", dot_f32(EigenDot));
    if (HaveOpenBlas()) {
      Register(Name("dot_f32", "openblas", size), f32, "", dot_f32(OpenBlasDot));
    }
    Register(Name("dot_f32", "hwydot", size), f32, "", dot_f32(HwyContribDot));
    // int8 · int8 and uint8 · int8
    const Traffic i8{2 * dn, dn};
    const auto dot_i8 = [g, n](int64_t (*fn)(const int8_t*, const int8_t*, size_t)) -> Setup {
      return [g, n, fn] {
        const int8_t* a = Pool().Get<int8_t>(g, "a8", n);
        const int8_t* b = Pool().Get<int8_t>(g, "b8", n);
        return [a, b, n, fn] { benchmark::DoNotOptimize(fn(a, b, n)); };
      };
    };
    Register(Name("dot_i8", "ref", size), i8, "", dot_i8(ref::DotI8));
    Register(Name("dot_i8", "auto", size), i8, "", dot_i8(ref::autovec::DotI8));
    RegisterHwy("dot_i8", n, i8, dot_i8(k::DotI8));
    const auto dot_u8i8 = [g, n](int64_t (*fn)(const uint8_t*, const int8_t*, size_t)) -> Setup {
      return [g, n, fn] {
        const uint8_t* a = Pool().Get<uint8_t>(g, "a8", n);
        const int8_t* b = Pool().Get<int8_t>(g, "b8", n);
        return [a, b, n, fn] { benchmark::DoNotOptimize(fn(a, b, n)); };
      };
    };
    Register(Name("dot_u8i8", "ref", size), i8, "", dot_u8i8(ref::DotU8I8));
    Register(Name("dot_u8i8", "auto", size), i8, "", dot_u8i8(ref::autovec::DotU8I8));
    RegisterHwy("dot_u8i8", n, i8, dot_u8i8(k::DotU8I8));
    if (HaveOneDnn()) {
      Register(Name("dot_u8i8", "onednn", size), i8, "", [g, n]() -> std::function<void()> {
        const uint8_t* a = Pool().Get<uint8_t>(g, "a8", n);
        const int8_t* b = Pool().Get<int8_t>(g, "b8", n);
        int32_t* out = Pool().Get<int32_t>(g, "out32", 1);
        auto matmul = std::make_shared<OneDnnMatmul>(a, 1, n, b, out);
        return [matmul] { matmul->Run(); };
      });
    }
  }
}

void RegisterGemv() {
  for (const size_t rows : kGemvRows) {
    const std::string g = "gemv/" + std::to_string(rows);
    const size_t size = rows;
    const auto dr = static_cast<double>(rows);
    const double macs = dr * kGemvK;
    // f32: X read, y written, w read.
    const Traffic f32{dr * (kGemvK * 4 + 4) + kGemvK * 4, macs};
    const auto gemv_f32 =
        [g, rows](const std::function<void(const float*, const float*, float*)>& fn) -> Setup {
      return [g, rows, fn] {
        const float* x = Floats(g, "x", rows * kGemvK);
        const float* w = Floats(g, "w", kGemvK);
        float* y = Pool().Get<float>(g, "y", rows);
        return [x, w, y, fn] {
          fn(x, w, y);
          benchmark::ClobberMemory();
        };
      };
    };
    Register(Name("gemv_f32", "ref", size), f32, "",
             gemv_f32([rows](const float* x, const float* w, float* y) {
               ref::GemvF32(x, rows, kGemvK, w, kBias, y);
             }));
    Register(Name("gemv_f32", "auto", size), f32, "",
             gemv_f32([rows](const float* x, const float* w, float* y) {
               ref::autovec::GemvF32K8(x, rows, w, kBias, y);
             }));
    RegisterHwy("gemv_f32", rows, f32, gemv_f32([rows](const float* x, const float* w, float* y) {
                  k::GemvF32(x, rows, kGemvK, w, kBias, y);
                }));
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
    // u8 · i8 → f32: X read (1 byte per feature), y written.
    const Traffic u8{dr * (kGemvK + 4) + kGemvK, macs};
    const auto gemv_u8 =
        [g, rows](const std::function<void(const uint8_t*, const int8_t*, float*)>& fn) -> Setup {
      return [g, rows, fn] {
        const uint8_t* x = Pool().Get<uint8_t>(g, "x8", rows * kGemvK);
        const int8_t* w = Pool().Get<int8_t>(g, "w8", kGemvK);
        float* y = Pool().Get<float>(g, "y", rows);
        return [x, w, y, fn] {
          fn(x, w, y);
          benchmark::ClobberMemory();
        };
      };
    };
    // Offsets folded into the bias (correction 0), as for the oneDNN peer.
    Register(Name("gemv_u8i8", "ref", size), u8, "",
             gemv_u8([rows](const uint8_t* x, const int8_t* w, float* y) {
               ref::GemvU8I8(x, rows, kGemvK, w, kScale, 0, kBias, y);
             }));
    Register(Name("gemv_u8i8", "auto", size), u8, "",
             gemv_u8([rows](const uint8_t* x, const int8_t* w, float* y) {
               ref::autovec::GemvU8I8K8(x, rows, w, kScale, 0, kBias, y);
             }));
    RegisterHwy("gemv_u8i8", rows, u8, gemv_u8([rows](const uint8_t* x, const int8_t* w, float* y) {
                  k::GemvU8I8(x, rows, kGemvK, w, kScale, 0, kBias, y);
                }));
    if (HaveOneDnn()) {
      Register(Name("gemv_u8i8", "onednn", size), u8, "", [g, rows]() -> std::function<void()> {
        const uint8_t* x = Pool().Get<uint8_t>(g, "x8", rows * kGemvK);
        const int8_t* w = Pool().Get<int8_t>(g, "w8", kGemvK);
        float* y = Pool().Get<float>(g, "y", rows);
        auto matmul = std::make_shared<OneDnnMatmul>(x, rows, kGemvK, w, kScale, kBias, y);
        return [matmul] {
          matmul->Run();
          benchmark::ClobberMemory();
        };
      });
    }
  }
}

void RegisterQuantize() {
  for (const size_t n : kDotSizes) {
    const std::string g = "dot/" + std::to_string(n);  // the dot's f32 input, reused
    const auto dn = static_cast<double>(n);
    const Traffic traffic{5 * dn, dn};
    const auto quantize = [g,
                           n](void (*fn)(const float*, size_t, float, int32_t, uint8_t*)) -> Setup {
      return [g, n, fn] {
        const float* x = Floats(g, "a", n);
        uint8_t* q = Pool().Get<uint8_t>(g, "q", n);
        return [x, q, n, fn] {
          fn(x, n, kScale, kZeroPoint, q);
          benchmark::ClobberMemory();
        };
      };
    };
    const size_t size = n;
    Register(Name("quantize_u8", "ref", size), traffic, "", quantize(ref::QuantizeU8));
    Register(Name("quantize_u8", "auto", size), traffic, "", quantize(ref::autovec::QuantizeU8));
    RegisterHwy("quantize_u8", n, traffic, quantize(k::QuantizeU8));
  }
}

void RegisterMembw() {
  for (const size_t bytes : kMembwBytes) {
    const std::string g = "membw/" + std::to_string(bytes);
    const Traffic traffic{static_cast<double>(bytes), static_cast<double>(bytes) / 8};
    Register(Name("membw", "read", bytes), traffic, "", [g, bytes] {
      const uint64_t* words = Pool().Get<uint64_t>(g, "words", bytes / 8);
      return std::function<void()>(
          [words, bytes] { benchmark::DoNotOptimize(ReadAll(words, bytes / 8)); });
    });
  }
}

// ---- packed codes and the outlier fallback (issue 16) -------------------------------------------

void RegisterGemvU4I8() {
  for (const size_t rows : kGemvRows) {
    const std::string g = "gemv/" + std::to_string(rows);
    const auto dr = static_cast<double>(rows);
    // u4 · i8 → f32: X read (half a byte per feature), y written.
    const Traffic u4{dr * (0.5 * kGemvK + 4) + kGemvK, dr * kGemvK};
    const auto gemv_u4 =
        [g, rows](const std::function<void(const uint8_t*, const int8_t*, float*)>& fn) -> Setup {
      return [g, rows, fn] {
        // Random bytes are random nibble pairs: every byte is a valid packed pair.
        const uint8_t* x = Pool().Get<uint8_t>(g, "x4", rows * k::PackedRowBytesU4(kGemvK));
        const int8_t* w = Pool().Get<int8_t>(g, "w8", kGemvK);
        float* y = Pool().Get<float>(g, "y", rows);
        return [x, w, y, fn] {
          fn(x, w, y);
          benchmark::ClobberMemory();
        };
      };
    };
    Register(Name("gemv_u4i8", "ref", rows), u4, "",
             gemv_u4([rows](const uint8_t* x, const int8_t* w, float* y) {
               ref::GemvU4I8(x, rows, kGemvK, w, kScale, 0, kBias, y);
             }));
    Register(Name("gemv_u4i8", "auto", rows), u4, "",
             gemv_u4([rows](const uint8_t* x, const int8_t* w, float* y) {
               ref::autovec::GemvU4I8K8(x, rows, w, kScale, 0, kBias, y);
             }));
    RegisterHwy("gemv_u4i8", rows, u4, gemv_u4([rows](const uint8_t* x, const int8_t* w, float* y) {
                  k::GemvU4I8(x, rows, kGemvK, w, kScale, 0, kBias, y);
                }));
    // u2 · i8 → f32: a quarter byte per feature; hwy only, to decide whether crumbs pay.
    const Traffic u2{dr * (0.25 * kGemvK + 4) + kGemvK, dr * kGemvK};
    Register(Name("gemv_u2i8", "hwy", rows), u2, "", [g, rows]() -> std::function<void()> {
      const uint8_t* x = Pool().Get<uint8_t>(g, "x2", rows * k::PackedRowBytesU2(kGemvK));
      const int8_t* w = Pool().Get<int8_t>(g, "w8", kGemvK);
      float* y = Pool().Get<float>(g, "y", rows);
      return [x, w, y, rows] {
        k::GemvU2I8(x, rows, kGemvK, w, kScale, 0, kBias, y);
        benchmark::ClobberMemory();
      };
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
    // x read (f32), codes written and read, y written; items: rows.
    const Traffic traffic{dr * (kGemvK * 4 + 2 * kGemvK + 4), dr};
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
          return std::function<void()>([x, w, q, y, rows, model] {
            k::QuantizeU8Rows(x, rows, kGemvK, model->scale.data(), model->zero_point.data(), 255,
                              q);
            k::GemvU8I8(q, rows, kGemvK, w, kScale, 0, kBias, y);
            benchmark::ClobberMemory();
          });
        }
        return std::function<void()>([x, w, q, y, rows, model, saturated, capacity, per_feature] {
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

}  // namespace
}  // namespace qlab::bench

int main(int argc, char** argv) {
  using namespace qlab::bench;  // NOLINT(google-build-using-namespace)
  LimitPeersToOneThread();
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
  if (HaveOpenBlas()) {
    benchmark::AddCustomContext("openblas_config", OpenBlasConfig());
  }
  if (HaveOneDnn()) {
    benchmark::AddCustomContext("onednn_version", OneDnnVersion());
  }
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  benchmark::AddCustomContext("OPENBLAS_CORETYPE", coretype != nullptr ? coretype : "(unset)");
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
