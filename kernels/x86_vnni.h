// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Private to qlab::kernels, x86 only: the target attribute of the AVX-512 VNNI loops (vpdpbusd)
// in dot.cc and gemv.cc. Highway 1.0.3's AVX3_DL target string lacks avx512vnni, so those loops
// are compiled with this attribute instead of HWY_ATTR, and run only in the AVX3_DL bodies, which
// Highway dispatches to only on CPUs that have VNNI (AVX3_DL requires it). Lambdas do not inherit
// a function's target attribute: the VNNI code is plain functions and loops.
#pragma once

#define QLAB_VNNI_ATTR \
  __attribute__((target("avx2,bmi,bmi2,fma,avx512f,avx512vl,avx512dq,avx512bw,avx512vnni")))
