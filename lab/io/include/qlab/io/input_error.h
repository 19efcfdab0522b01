// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The one error type for bad input. The CLI maps it to exit code 2 and prints exactly one line:
// "FILE:LINE:COL: message", "FILE: message" when no position applies, or "qlab: message" when no
// file does.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>

namespace qlab::io {

// Appends `byte` as the four characters \xHH: how diagnostics show bytes that are not text.
inline void AppendHexEscape(std::string& out, unsigned char byte) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\x";
  out.push_back(kHex[byte >> 4]);
  out.push_back(kHex[byte & 0xf]);
}

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

  // The single diagnostic line, without a trailing newline. Messages quote the input (a JSON key,
  // a file name), and a quoted newline or carriage return would break the one-line contract, so
  // every ASCII control character (and DEL) is shown as \xHH; UTF-8 text passes unchanged.
  std::string Format() const {
    std::string line;
    if (file_.empty()) {
      line = "qlab: " + std::string(what());
    } else if (line_ == 0) {
      line = file_ + ": " + what();
    } else {
      line = file_ + ":" + std::to_string(line_) + ":" + std::to_string(column_) + ": " + what();
    }
    return EscapeControlCharacters(line);
  }

 private:
  static std::string EscapeControlCharacters(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
      const auto byte = static_cast<unsigned char>(c);
      if (byte < 0x20 || byte == 0x7f) {
        AppendHexEscape(out, byte);
      } else {
        out.push_back(c);
      }
    }
    return out;
  }

  std::string file_;
  size_t line_ = 0;
  size_t column_ = 0;
};

// `text` made safe for a one-line message: control and non-ASCII bytes as \xNN, cut to
// `max_chars` with "..." appended.
std::string Printable(std::string_view text, size_t max_chars = 40);

// 1-based line and column (in bytes) of a 0-based byte offset in `text`: the one place positions
// in a file's text are computed (the CSV reader counts as it reads; JSON documents use this).
struct TextPosition {
  size_t line = 1;
  size_t column = 1;
};
TextPosition PositionOfOffset(std::string_view text, size_t offset);

}  // namespace qlab::io
