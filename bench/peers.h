// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The benchmark peers behind one plain interface, each in a translation unit built the way its
// library is best used: Eigen, OpenBLAS and oneDNN in peers_native.cc (-O3 -march=native),
// Highway's contrib Dot in hwy_peers.cc (dynamic dispatch).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace qlab::bench {

// ---- Highway (always present) ------------------------------------------------------------------
// hwy::Dot::Compute with kAtLeastOneVector | kMultipleOfVector (true of every benchmark size:
// the strongest form of the peer), dispatched to the best target.
float HwyContribDot(const float* a, const float* b, size_t n);

// ---- dot_i8 of NumKong's nk_dot_i8_icelake design (peer_vnni_sad.cc) -------------------------
// One vpdpbusd chain and a vpsadbw correction; only where the CPU has AVX-512 VNNI.
bool HaveVnniSadPeer();
int64_t VnniSadDotI8(const int8_t* a, const int8_t* b, size_t n);

// ---- Eigen (always present) --------------------------------------------------------------------
float EigenDot(const float* a, const float* b, size_t n);
void EigenGemv(const float* x, size_t rows, size_t k, const float* w, float bias, float* y);

// ---- OpenBLAS ----------------------------------------------------------------------------------
bool HaveOpenBlas();
std::string OpenBlasConfig();
float OpenBlasDot(const float* a, const float* b, size_t n);
// y = X·w (beta = 0); the bias is not added (sgemv has no such term), which favours the peer.
void OpenBlasGemv(const float* x, size_t rows, size_t k, const float* w, float* y);

// ---- oneDNN ------------------------------------------------------------------------------------
bool HaveOneDnn();
std::string OneDnnVersion();

// A u8·s8 matmul primitive (rows×k by k×1), created once: f32 output with output scale and bias
// (offsets folded into the bias, so no zero point), or the raw s32 accumulator.
class OneDnnMatmul {
 public:
  OneDnnMatmul(const uint8_t* x, size_t rows, size_t k, const int8_t* w, float scale, float bias,
               float* y);
  OneDnnMatmul(const uint8_t* x, size_t rows, size_t k, const int8_t* w, int32_t* acc);
  ~OneDnnMatmul();
  OneDnnMatmul(const OneDnnMatmul&) = delete;
  OneDnnMatmul& operator=(const OneDnnMatmul&) = delete;
  void Run();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Single-threaded peers: OpenBLAS and OpenMP (oneDNN) limited to one thread.
void LimitPeersToOneThread();

}  // namespace qlab::bench
