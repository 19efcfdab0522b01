// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The one error type for bad input. The CLI maps it to exit code 2 and prints exactly one line:
// "FILE:LINE:COL: message", "FILE: message" when no position applies, or "qlab: message" when no
// file does.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>

namespace qlab {

class InputError : public std::runtime_error {
 public:
  explicit InputError(const std::string& message) : std::runtime_error(message) {}
  InputError(std::string file, const std::string& message)
      : std::runtime_error(message), file_(std::move(file)) {}
  InputError(std::string file, size_t line, size_t column, const std::string& message)
      : std::runtime_error(message), file_(std::move(file)), line_(line), column_(column) {}

  const std::string& file() const { return file_; }
  size_t line() const { return line_; }      // 1-based; 0 when it does not apply
  size_t column() const { return column_; }  // 1-based; 0 when it does not apply

  // The single diagnostic line, without a trailing newline.
  std::string Format() const {
    if (file_.empty()) return "qlab: " + std::string(what());
    if (line_ == 0) return file_ + ": " + what();
    return file_ + ":" + std::to_string(line_) + ":" + std::to_string(column_) + ": " + what();
  }

 private:
  std::string file_;
  size_t line_ = 0;
  size_t column_ = 0;
};

}  // namespace qlab
