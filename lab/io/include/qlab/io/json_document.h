// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// JSON read from a file with the position of every value kept, so that a validation error found
// after parsing (a missing key, a string where a number belongs) still names file:line:col; and
// JsonReader, the one typed way artifacts, report inputs and baselines are read from it.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "qlab/io/input_error.h"

namespace qlab::io {

// Arrays and objects nest at most this deep: no qlab file nests beyond a few levels, and the
// bound keeps parsing a hostile file linear in its size (each value records its JSON pointer).
inline constexpr size_t kMaxJsonDepth = 256;

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

// One value of a JsonDocument, read by type. Every accessor checks what it reads and throws
// InputError at FILE:LINE:COL of the offending value (of the object, for a missing key), with the
// value's dotted name ("split.seed", "features[2].step") in the message. Numbers are finite
// (JSON has no NaN or infinity; 1e400 is refused when parsed). The document must outlive readers.
class JsonReader {
 public:
  explicit JsonReader(const JsonDocument& doc);

  const nlohmann::json& value() const { return *value_; }
  const std::string& file() const { return doc_->file(); }
  // The dotted name used in messages; "" for the document itself.
  const std::string& name() const { return name_; }
  [[noreturn]] void Fail(const std::string& message) const;

  bool IsNull() const { return value_->is_null(); }
  // Whether this value is an object holding `key` (false for anything else).
  bool Has(const std::string& key) const;
  // The member `key`; this value must be an object holding it.
  JsonReader Key(const std::string& key) const;
  // The elements of an array of exactly `expected` values (any count when kAnySize); `noun` names
  // them in the message ("numbers", "objects").
  static constexpr size_t kAnySize = static_cast<size_t>(-1);
  std::vector<JsonReader> Elements(size_t expected = kAnySize,
                                   const std::string& noun = "values") const;

  double Number() const;  // any number
  // An integer-valued number in [lo, hi] (checked before any cast: beyond int64's range a cast
  // would be undefined).
  int64_t Integer(int64_t lo, int64_t hi) const;
  std::string String() const;
  bool Bool() const;
  std::vector<std::string> Strings() const;
  std::vector<double> Numbers(size_t expected) const;
  std::vector<int64_t> Integers(size_t expected, int64_t lo, int64_t hi) const;

 private:
  JsonReader(const JsonDocument* doc, const nlohmann::json* value,
             nlohmann::json::json_pointer pointer, std::string name);
  // "'name' " for messages, or "the document " at the top.
  std::string Quoted() const;

  const JsonDocument* doc_;
  const nlohmann::json* value_;
  nlohmann::json::json_pointer pointer_;
  std::string name_;
};

}  // namespace qlab::io
