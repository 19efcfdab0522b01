// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The roofs qlab-bench measures the kernels against (bench/probes.cc), each on the dispatched
// Highway target: memory bandwidth, the multiply-add instructions' peak rates, the core clock.
#pragma once

#include <cstddef>
#include <cstdint>

namespace qlab::bench {

// ---- bandwidth (buffers 64-byte aligned) ------------------------------------------------------
// Reads every byte of the buffer `passes` times with the widest vectors; returns their sum.
uint64_t ReadProbe(const uint8_t* bytes_in, size_t bytes, size_t passes);
// Copies src to dst `passes` times; `stream`: non-temporal stores (no read for ownership).
void CopyProbe(const uint8_t* src, uint8_t* dst, size_t bytes, size_t passes, bool stream);

// ---- compute ----------------------------------------------------------------------------------
// Independent chains per probe on the dispatched target (each step issues one instruction per
// chain), and the lanes that count the multiply-adds of one instruction.
size_t ProbeChains();
size_t FmaF32Lanes();   // f32 lanes: MACs per FMA
size_t MaddI16Lanes();  // int16 lanes: MACs per pmaddwd-style pair multiply-add
// `steps` steps of ProbeChains() FMA chains (f32).
float FmaF32Probe(size_t steps, float seed);
// `steps` steps of ProbeChains() int16-pair multiply-add chains (pmaddwd + add on x86).
int32_t MaddI16Probe(size_t steps, int32_t seed);
// vpdpbusd zmm (64 MACs each) chains; only where the dispatched target is AVX3_DL (VNNI).
bool HaveDpbusd();
int32_t DpbusdProbe(size_t steps, int32_t seed);

// ---- clock ------------------------------------------------------------------------------------
inline constexpr uint64_t kAddChainLength = 32;  // dependent adds per step
bool HaveAddChain();                             // x86-64 and AArch64
uint64_t AddChain(uint64_t steps);

}  // namespace qlab::bench
