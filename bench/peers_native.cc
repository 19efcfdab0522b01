// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Eigen, OpenBLAS and oneDNN peers, built -O3 -march=native (bench/CMakeLists.txt). Set-up
// (primitive creation, memory objects) happens in constructors, outside the timed loops.
#include <Eigen/Core>

#include <stdexcept>
#include <string>
#include <unordered_map>

#include "bench/peers.h"

#ifdef QLAB_BENCH_HAVE_OPENBLAS
#include <cblas.h>
#endif
#ifdef QLAB_BENCH_HAVE_DNNL
#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>
#endif

namespace qlab::bench {

float EigenDot(const float* a, const float* b, size_t n) {
  const auto size = static_cast<Eigen::Index>(n);
  return Eigen::Map<const Eigen::VectorXf>(a, size).dot(Eigen::Map<const Eigen::VectorXf>(b, size));
}

void EigenGemv(const float* x, size_t rows, size_t k, const float* w, float bias, float* y) {
  using RowMajor = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const auto r = static_cast<Eigen::Index>(rows);
  const auto c = static_cast<Eigen::Index>(k);
  Eigen::Map<Eigen::VectorXf> out(y, r);
  out.noalias() = Eigen::Map<const RowMajor>(x, r, c) * Eigen::Map<const Eigen::VectorXf>(w, c);
  out.array() += bias;
}

#ifdef QLAB_BENCH_HAVE_OPENBLAS
bool HaveOpenBlas() { return true; }
std::string OpenBlasConfig() { return openblas_get_config(); }
float OpenBlasDot(const float* a, const float* b, size_t n) {
  return cblas_sdot(static_cast<blasint>(n), a, 1, b, 1);
}
void OpenBlasGemv(const float* x, size_t rows, size_t k, const float* w, float* y) {
  cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<blasint>(rows), static_cast<blasint>(k),
              1.0f, x, static_cast<blasint>(k), w, 1, 0.0f, y, 1);
}
#else
bool HaveOpenBlas() { return false; }
std::string OpenBlasConfig() { return ""; }
float OpenBlasDot(const float*, const float*, size_t) { throw std::logic_error("no OpenBLAS"); }
void OpenBlasGemv(const float*, size_t, size_t, const float*, float*) {
  throw std::logic_error("no OpenBLAS");
}
#endif

#ifdef QLAB_BENCH_HAVE_DNNL
bool HaveOneDnn() { return true; }

std::string OneDnnVersion() {
  const dnnl_version_t* v = dnnl_version();
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
         std::to_string(v->patch) + (v->cpu_runtime == DNNL_RUNTIME_OMP ? " (OpenMP)" : "");
}

struct OneDnnMatmul::State {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  dnnl::matmul primitive;
  std::unordered_map<int, dnnl::memory> args;
  float bias = 0.0f;  // the bias memory object points here
};

namespace {
using dt = dnnl::memory::data_type;
using tag = dnnl::memory::format_tag;
}  // namespace

OneDnnMatmul::OneDnnMatmul(const uint8_t* x, size_t rows, size_t k, const int8_t* w, float scale,
                           float bias, float* y)
    : state_(std::make_unique<State>()) {
  const auto m = static_cast<dnnl::memory::dim>(rows);
  const auto kk = static_cast<dnnl::memory::dim>(k);
  const dnnl::memory::desc src({m, kk}, dt::u8, tag::ab);
  const dnnl::memory::desc weights({kk, 1}, dt::s8, tag::ab);
  const dnnl::memory::desc bias_md({1, 1}, dt::f32, tag::ab);
  const dnnl::memory::desc dst({m, 1}, dt::f32, tag::ab);
  dnnl::primitive_attr attr;
  attr.set_output_scales(0, {scale});
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src, weights, bias_md, dst), attr,
                                        state_->engine);
  state_->primitive = dnnl::matmul(pd);
  state_->bias = bias;
  state_->args = {{DNNL_ARG_SRC, dnnl::memory(src, state_->engine, const_cast<uint8_t*>(x))},
                  {DNNL_ARG_WEIGHTS, dnnl::memory(weights, state_->engine, const_cast<int8_t*>(w))},
                  {DNNL_ARG_BIAS, dnnl::memory(bias_md, state_->engine, &state_->bias)},
                  {DNNL_ARG_DST, dnnl::memory(dst, state_->engine, y)}};
}

OneDnnMatmul::OneDnnMatmul(const uint8_t* x, size_t rows, size_t k, const int8_t* w, int32_t* acc)
    : state_(std::make_unique<State>()) {
  const auto m = static_cast<dnnl::memory::dim>(rows);
  const auto kk = static_cast<dnnl::memory::dim>(k);
  const dnnl::memory::desc src({m, kk}, dt::u8, tag::ab);
  const dnnl::memory::desc weights({kk, 1}, dt::s8, tag::ab);
  const dnnl::memory::desc dst({m, 1}, dt::s32, tag::ab);
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src, weights, dst), state_->engine);
  state_->primitive = dnnl::matmul(pd);
  state_->args = {{DNNL_ARG_SRC, dnnl::memory(src, state_->engine, const_cast<uint8_t*>(x))},
                  {DNNL_ARG_WEIGHTS, dnnl::memory(weights, state_->engine, const_cast<int8_t*>(w))},
                  {DNNL_ARG_DST, dnnl::memory(dst, state_->engine, acc)}};
}

OneDnnMatmul::~OneDnnMatmul() = default;

void OneDnnMatmul::Run() {
  state_->primitive.execute(state_->stream, state_->args);
  state_->stream.wait();
}
#else
bool HaveOneDnn() { return false; }
std::string OneDnnVersion() { return ""; }
struct OneDnnMatmul::State {};
OneDnnMatmul::OneDnnMatmul(const uint8_t*, size_t, size_t, const int8_t*, float, float, float*) {
  throw std::logic_error("no oneDNN");
}
OneDnnMatmul::OneDnnMatmul(const uint8_t*, size_t, size_t, const int8_t*, int32_t*) {
  throw std::logic_error("no oneDNN");
}
OneDnnMatmul::~OneDnnMatmul() = default;
void OneDnnMatmul::Run() {}
#endif

void LimitPeersToOneThread() {
#ifdef QLAB_BENCH_HAVE_OPENBLAS
  openblas_set_num_threads(1);
#endif
#ifdef QLAB_BENCH_HAVE_DNNL
  omp_set_num_threads(1);
#endif
}

}  // namespace qlab::bench
