// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/data/npy.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <limits>
#include <string>
#include <vector>

#include "qlab/io/input_error.h"

namespace qlab::data {
namespace {

using io::InputError;
using io::Printable;

// The header text is a Python literal as numpy writes it ({'descr': '<f8', 'fortran_order':
// False, 'shape': (3, 8), } padded with spaces to a multiple of 64 bytes and ended by '\n').
// A small strict parser of exactly that grammar; anything else is rejected, not guessed at.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& name) : text_(text), name_(name) {}

  NpyHeader Parse(uint64_t data_offset) {
    NpyHeader header;
    header.data_offset = data_offset;
    bool have_descr = false;
    bool have_order = false;
    bool have_shape = false;
    Expect('{');
    SkipSpace();
    while (Peek() != '}') {
      const std::string key = String();
      // Python's literal keeps the last of a repeated key; numpy never writes one. Refused, so
      // that no reader of the file can take another dtype or shape from it than qlab did.
      if ((key == "descr" && have_descr) || (key == "fortran_order" && have_order) ||
          (key == "shape" && have_shape)) {
        Fail("key '" + key + "' appears twice in the header");
      }
      Expect(':');
      if (key == "descr") {
        const std::string descr = String();
        if (descr == "<f8" || (descr == "=f8" && std::endian::native == std::endian::little)) {
          header.item_bytes = 8;
        } else if (descr == "<f4" ||
                   (descr == "=f4" && std::endian::native == std::endian::little)) {
          header.item_bytes = 4;
        } else {
          Fail("dtype '" + Printable(descr) +
               "': expected little-endian float32 ('<f4') or float64 ('<f8')");
        }
        have_descr = true;
      } else if (key == "fortran_order") {
        if (Word() != "False") Fail("fortran_order must be False (a C-order array)");
        have_order = true;
      } else if (key == "shape") {
        Shape(header);
        have_shape = true;
      } else {
        Fail("unknown key '" + Printable(key) + "' in the header");
      }
      SkipSpace();
      if (Peek() == ',') {
        ++pos_;
        SkipSpace();
      } else if (Peek() != '}') {
        Fail("expected ',' or '}' in the header");
      }
    }
    ++pos_;
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n')) ++pos_;
    if (pos_ != text_.size()) Fail("text after the header's closing '}'");
    if (!have_descr || !have_order || !have_shape) {
      Fail("the header lacks 'descr', 'fortran_order' or 'shape'");
    }
    return header;
  }

 private:
  [[noreturn]] void Fail(const std::string& message) const {
    throw InputError(name_, "malformed .npy header: " + message);
  }
  void SkipSpace() {
    while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
  }
  char Peek() {
    SkipSpace();
    if (pos_ >= text_.size()) Fail("the header ends early");
    return text_[pos_];
  }
  void Expect(char c) {
    if (Peek() != c) Fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string String() {
    const char quote = Peek();
    if (quote != '\'' && quote != '"') Fail("expected a quoted string");
    const size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) Fail("unterminated string");
    std::string value(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return value;
  }
  std::string_view Word() {
    SkipSpace();
    const size_t start = pos_;
    while (pos_ < text_.size() && std::isalpha(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    return text_.substr(start, pos_ - start);
  }
  uint64_t Integer() {
    SkipSpace();
    uint64_t value = 0;
    const size_t start = pos_;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      const auto digit = static_cast<uint64_t>(text_[pos_] - '0');
      if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) Fail("shape overflows");
      value = value * 10 + digit;
      ++pos_;
    }
    if (pos_ == start) Fail("expected a non-negative integer in the shape");
    return value;
  }
  void Shape(NpyHeader& header) {
    Expect('(');
    std::vector<uint64_t> dims;
    while (Peek() != ')') {
      dims.push_back(Integer());
      if (Peek() == ',') {
        ++pos_;
      } else if (Peek() != ')') {
        Fail("expected ',' or ')' in the shape");
      }
    }
    ++pos_;
    if (dims.size() != 2) {
      Fail("shape of " + std::to_string(dims.size()) +
           " dimensions; expected a 2-D array (rows, features)");
    }
    header.rows = dims[0];
    header.cols = dims[1];
    const uint64_t limit = std::numeric_limits<uint64_t>::max() / 8;
    if (header.cols != 0 && header.rows > limit / header.cols) Fail("shape overflows");
  }

  std::string_view text_;
  const std::string& name_;
  size_t pos_ = 0;
};

uint64_t LittleEndian(const unsigned char* bytes, int count) {
  uint64_t value = 0;
  for (int i = count - 1; i >= 0; --i) value = value << 8 | bytes[i];
  return value;
}

}  // namespace

NpyHeader ReadNpyHeader(io::InputStream& input) {
  const std::string& name = input.name();
  unsigned char prefix[12];
  auto* chars = reinterpret_cast<char*>(prefix);
  if (input.Read(chars, 8) != 8 || std::string_view(chars, 6) != kNpyMagic) {
    throw InputError(name, "not a .npy file (no \\x93NUMPY magic)");
  }
  const int major = prefix[6];
  if (major < 1 || major > 3) {
    throw InputError(name, "unsupported .npy format version " + std::to_string(major) + "." +
                               std::to_string(prefix[7]));
  }
  const int length_bytes = major == 1 ? 2 : 4;
  if (input.Read(chars + 8, static_cast<size_t>(length_bytes)) !=
      static_cast<size_t>(length_bytes)) {
    throw InputError(name, "malformed .npy header: the file ends inside it");
  }
  const uint64_t length = LittleEndian(prefix + 8, length_bytes);
  // numpy pads headers to 64 bytes; anything near this bound is not a header it wrote.
  constexpr uint64_t kMaxHeaderBytes = 1 << 20;
  if (length > kMaxHeaderBytes) {
    throw InputError(
        name, "malformed .npy header: a header length of " + std::to_string(length) + " bytes");
  }
  std::string text(length, '\0');
  if (input.Read(text.data(), length) != length) {
    throw InputError(name, "malformed .npy header: the file ends inside it");
  }
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\n') || byte >= 0x7f) {
      throw InputError(name, "malformed .npy header: binary data in the header text");
    }
  }
  const NpyHeader header =
      HeaderParser(text, name).Parse(8 + static_cast<uint64_t>(length_bytes) + length);
  if (input.file_size() >= 0) {
    const auto size = static_cast<uint64_t>(input.file_size());
    const uint64_t want = header.data_offset + header.data_bytes();
    if (size != want) {
      throw InputError(name, "the .npy header's shape (" + std::to_string(header.rows) + ", " +
                                 std::to_string(header.cols) + ") needs " +
                                 std::to_string(header.data_bytes()) +
                                 " data bytes, the file has " +
                                 std::to_string(size - std::min(size, header.data_offset)));
    }
  }
  return header;
}

}  // namespace qlab::data
