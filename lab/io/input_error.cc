// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/io/input_error.h"

#include <algorithm>

namespace qlab::io {

std::string Printable(std::string_view text, size_t max_chars) {
  std::string out;
  size_t shown = 0;
  for (char c : text) {
    if (shown == max_chars) {
      out += "...";
      break;
    }
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f) {
      AppendHexEscape(out, byte);
    } else {
      out.push_back(c);
    }
    ++shown;
  }
  return out;
}

TextPosition PositionOfOffset(std::string_view text, size_t offset) {
  TextPosition pos;
  const size_t end = std::min(offset, text.size());
  for (size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++pos.line;
      pos.column = 1;
    } else {
      ++pos.column;
    }
  }
  return pos;
}

}  // namespace qlab::io
