// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Numbers as text that reads back to the same double: std::to_chars without a format, the
// shortest such text (fixed or scientific, whichever is shorter; fixed on a tie).
#pragma once

#include <charconv>
#include <string>

namespace qlab::io {

// Room for any double: sign, 17 digits, point, exponent.
inline constexpr size_t kMaxShortestChars = 32;

inline void AppendShortest(std::string& out, double value) {
  char buffer[kMaxShortestChars];
  const std::to_chars_result result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

inline std::string Shortest(double value) {
  std::string out;
  AppendShortest(out, value);
  return out;
}

}  // namespace qlab::io
