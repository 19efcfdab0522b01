// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The one reader of numbers written as text: the CSV loaders' fields and every numeric option of
// the command line go through it, so "what is a number" has one answer. The grammar is decimal
// only: an optional sign, digits with an optional point and fraction, an optional exponent
// (std::from_chars' general format, plus the leading '+' Python's float takes). No hex, no hex
// floats, no spaces, nothing empty; NaN and infinities are not finite and are refused.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace qlab::io {

enum class NumberStatus {
  kOk,
  kEmpty,       // ""
  kNotANumber,  // anything outside the grammar: "0x10", " 5", "1,5", "five"
  kOutOfRange,  // beyond ±DBL_MAX ("1e400"); numbers below the smallest subnormal read as 0
  kNotFinite,   // "nan", "inf"
};

// Reads all of `text` as a finite double, correctly rounded (the value std::from_chars returns).
// `value` is set only when the result is kOk.
NumberStatus ParseFiniteDecimal(std::string_view text, double& value);

// Numbers typed on the command line, where a leading zero is ambiguous (strtol and CLI11 read
// "010" as octal 8, people as ten): ParseFiniteDecimal's grammar, and additionally no leading zero
// in the integer part ("042", "00.5", "-07" are refused; "0", "0.5", "-0.25" are fine). Integers
// take digits only (no point, no exponent) and must lie in [min, max]. Each returns "" when `text`
// is valid (and sets `value`), else the reason, for a message "OPTION TEXT: REASON".
std::string ParseOptionDouble(std::string_view text, double& value);
std::string ParseOptionInteger(std::string_view text, int64_t min, int64_t max, int64_t& value);
std::string ParseOptionUnsigned(std::string_view text, uint64_t max, uint64_t& value);

}  // namespace qlab::io
