// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// NumPy's .npy array format (numpy.lib.format, versions 1.0, 2.0 and 3.0): the magic "\x93NUMPY",
// a version, a little-endian header length, and a Python dict literal with 'descr',
// 'fortran_order' and 'shape'; the array's bytes follow. Read here: 2-D, C order, little-endian
// float32 ('<f4') or float64 ('<f8').
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "qlab/io/stream.h"

namespace qlab::data {

inline constexpr std::string_view kNpyMagic = "\x93NUMPY";

struct NpyHeader {
  int item_bytes = 8;  // 4 (float32) or 8 (float64)
  uint64_t rows = 0;
  uint64_t cols = 0;
  uint64_t data_offset = 0;  // bytes before the array data (magic, version, length, header)
  uint64_t data_bytes() const { return rows * cols * static_cast<uint64_t>(item_bytes); }
};

// Reads the header from `input` (positioned at the magic), leaving it at the first data byte.
// InputError naming the stream for anything else: a truncated or malformed header, another dtype,
// Fortran order, a shape that is not 2-D, a size that overflows, or, for a regular file, a file
// size other than the header's shape implies (a header that lies about its shape).
NpyHeader ReadNpyHeader(io::InputStream& input);

}  // namespace qlab::data
