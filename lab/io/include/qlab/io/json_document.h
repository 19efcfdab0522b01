// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// JSON read from a file with the position of every value kept, so that a validation error found
// after parsing (a missing key, a string where a number belongs) still names file:line:col.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "qlab/io/input_error.h"

namespace qlab::io {

// clang-tidy 14 takes the implicit move, through nlohmann::json's noexcept one, as throwing.
class JsonDocument {  // NOLINT(bugprone-exception-escape)
 public:
  // Parses `text` (the contents of `file`). Throws InputError at the failing position on a syntax
  // error, a duplicate key, or trailing content. With `allow_json_lines`, text holding several
  // values, one per line (JSON Lines), becomes an array of those values.
  static JsonDocument Parse(std::string file, std::string text, bool allow_json_lines = false);
  // Reads the file first; an unreadable file is an InputError naming it.
  static JsonDocument Load(const std::string& path, bool allow_json_lines = false);

  const nlohmann::json& value() const { return value_; }
  const std::string& file() const { return file_; }

  // An InputError at the value `pointer` designates (or at the nearest enclosing value known).
  InputError ErrorAt(const nlohmann::json::json_pointer& pointer, const std::string& message) const;

 private:
  std::string file_;
  std::string text_;
  nlohmann::json value_;
  std::map<std::string, size_t> offsets_;  // JSON pointer string → byte offset of the value start
  friend class PositionRecorder;
};

}  // namespace qlab::io
