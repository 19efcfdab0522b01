// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// A strict reader for comma-separated text: RFC 4180 quoting ("a,b" and "" for a quote, line
// breaks inside quotes), LF or CRLF line ends, an optional UTF-8 byte order mark. Every field keeps
// its 1-based line and column (bytes) so errors can point at it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace qlab::data {

struct CsvField {
  // The field's text without its quotes: a view into the reader's input, or into `unquoted` for
  // a quoted field. Valid until the next call to CsvReader::Next.
  std::string_view text;
  size_t line = 0;
  size_t column = 0;
  bool quoted = false;
  std::string unquoted;  // storage for a quoted field's text
};

class CsvReader {
 public:
  // `contents` must outlive the reader; `path` only names the file in errors. Throws InputError
  // for a NUL byte anywhere (binary data).
  CsvReader(std::string_view contents, std::string path);

  // Reads the next record into `fields` (resized to its field count); false at the end of the
  // input. A final line break ends the last record rather than starting an empty one. Throws
  // InputError for an unterminated quote or text after a closing quote.
  bool Next(std::vector<CsvField>& fields);

  // Line and column just past the last record's final field (where a missing field would be).
  size_t end_line() const { return end_line_; }
  size_t end_column() const { return end_column_; }
  const std::string& path() const { return path_; }

 private:
  std::string_view contents_;
  std::string path_;
  size_t pos_ = 0;
  size_t line_ = 1;
  size_t line_start_ = 0;
  size_t end_line_ = 1;
  size_t end_column_ = 1;
};

// A field as a finite double: the whole field must be a decimal number (std::from_chars, an
// optional leading '+'); empty, non-numeric, NaN, Inf and out-of-range (1e400) fields throw
// InputError at the field's position. Numbers below the smallest subnormal read as 0 (as
// strtod and Python's float do). `column_name` (may be empty) goes into the message.
double ParseFiniteDouble(const CsvField& field, const std::string& path,
                         std::string_view column_name);

}  // namespace qlab::data
