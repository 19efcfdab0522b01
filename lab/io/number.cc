// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/io/number.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <string>

namespace qlab::io {
namespace {

// Powers of ten that are exact doubles (10^22 < 2^53·2^22 still has a 53-bit odd part).
constexpr double kExactPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                        1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                        1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

// Clinger's fast path for plain decimals ([sign] digits [. digits], no exponent): when the digits
// form an integer m ≤ 2^53 and there are f ≤ 22 of them after the point, m and 10^f are exact
// doubles and m / 10^f is one correctly rounded division: the same double from_chars returns.
// Returns false (the caller falls back to from_chars) for anything else.
bool ParsePlainDecimal(std::string_view text, double& value) {
  const char* p = text.data();
  const char* const end = p + text.size();
  bool negative = false;
  if (p < end && (*p == '-' || *p == '+')) negative = *p++ == '-';
  uint64_t mantissa = 0;
  int digits = 0;
  const char* const integer_start = p;
  for (; p < end && static_cast<unsigned char>(*p - '0') < 10; ++p, ++digits) {
    mantissa = mantissa * 10 + static_cast<uint64_t>(*p - '0');
    if (digits == 18) return false;  // 19 digits might overflow 64 bits
  }
  const bool has_integer_digits = p > integer_start;
  int fraction_digits = 0;
  if (p < end && *p == '.') {
    ++p;
    for (; p < end && static_cast<unsigned char>(*p - '0') < 10; ++p, ++fraction_digits) {
      mantissa = mantissa * 10 + static_cast<uint64_t>(*p - '0');
      if (++digits == 19) return false;
    }
  }
  if (p != end || (!has_integer_digits && fraction_digits == 0)) return false;
  if (mantissa > (uint64_t{1} << 53) || fraction_digits > 22) return false;
  double result = static_cast<double>(mantissa);
  if (fraction_digits > 0) result /= kExactPowersOfTen[fraction_digits];
  value = negative ? -result : result;
  return true;
}

// The reason a command-line number is refused before its value is read, or "".
std::string OptionSyntaxProblem(std::string_view text) {
  if (text.empty()) return "empty, expected a decimal number";
  size_t start = text[0] == '-' || text[0] == '+' ? 1 : 0;
  if (text.size() > start + 1 && text[start] == '0' &&
      static_cast<unsigned char>(text[start + 1] - '0') < 10) {
    return "a leading zero is not allowed (write the decimal number without it)";
  }
  return "";
}

std::string StatusReason(NumberStatus status) {
  switch (status) {
    case NumberStatus::kOk:
      return "";
    case NumberStatus::kEmpty:
      return "empty, expected a decimal number";
    case NumberStatus::kNotANumber:
      return "not a decimal number";
    case NumberStatus::kOutOfRange:
      return "out of the range of a double";
    case NumberStatus::kNotFinite:
      return "NaN or infinite; only finite numbers are allowed";
  }
  return "not a decimal number";
}

// Digits only, after an optional sign; true when `text` is an integer in that narrow sense.
bool IsDecimalInteger(std::string_view text, bool allow_minus) {
  size_t start = 0;
  if (!text.empty() && (text[0] == '+' || (allow_minus && text[0] == '-'))) start = 1;
  if (start == text.size()) return false;
  for (size_t i = start; i < text.size(); ++i) {
    if (static_cast<unsigned char>(text[i] - '0') >= 10) return false;
  }
  return true;
}

}  // namespace

NumberStatus ParseFiniteDecimal(std::string_view text, double& value) {
  if (text.empty()) return NumberStatus::kEmpty;
  double result = 0;
  if (ParsePlainDecimal(text, result)) {
    value = result;
    return NumberStatus::kOk;
  }
  const char* first = text.data();
  const char* last = text.data() + text.size();
  // from_chars takes no '+', Python's float does; a sign must still be followed by the number.
  if (*first == '+' && text.size() > 1 && first[1] != '-' && first[1] != '+') ++first;
  const auto [end, error] = std::from_chars(first, last, result, std::chars_format::general);
  if (error == std::errc::invalid_argument || end != last) return NumberStatus::kNotANumber;
  if (error == std::errc::result_out_of_range) {
    // from_chars reports underflow and overflow alike; strtod tells them apart (±HUGE_VAL).
    result = std::strtod(std::string(text).c_str(), nullptr);
    if (std::isinf(result)) return NumberStatus::kOutOfRange;
  }
  if (!std::isfinite(result)) return NumberStatus::kNotFinite;
  value = result;
  return NumberStatus::kOk;
}

std::string ParseOptionDouble(std::string_view text, double& value) {
  if (std::string problem = OptionSyntaxProblem(text); !problem.empty()) return problem;
  return StatusReason(ParseFiniteDecimal(text, value));
}

std::string ParseOptionInteger(std::string_view text, int64_t min, int64_t max, int64_t& value) {
  if (std::string problem = OptionSyntaxProblem(text); !problem.empty()) return problem;
  if (!IsDecimalInteger(text, /*allow_minus=*/true)) return "not a decimal integer";
  if (text[0] == '+') text.remove_prefix(1);
  int64_t result = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), result);
  if (error != std::errc() || end != text.data() + text.size() || result < min || result > max) {
    return "must be an integer in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
  }
  value = result;
  return "";
}

std::string ParseOptionUnsigned(std::string_view text, uint64_t max, uint64_t& value) {
  if (std::string problem = OptionSyntaxProblem(text); !problem.empty()) return problem;
  if (!text.empty() && text[0] == '-' && IsDecimalInteger(text.substr(1), false)) {
    return "must be a non-negative integer";
  }
  if (!IsDecimalInteger(text, /*allow_minus=*/false)) return "not a decimal integer";
  if (text[0] == '+') text.remove_prefix(1);
  uint64_t result = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), result);
  if (error != std::errc() || end != text.data() + text.size() || result > max) {
    return "must be an integer in [0, " + std::to_string(max) + "]";
  }
  value = result;
  return "";
}

}  // namespace qlab::io
