// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// A strict reader for comma-separated text: RFC 4180 quoting ("a,b" and "" for a quote, line
// breaks inside quotes), LF or CRLF line ends, an optional UTF-8 byte order mark. Every field keeps
// its 1-based line and column (bytes) so errors can point at it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "qlab/io/stream.h"

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
  // for a NUL byte anywhere (binary data). `at_stream_start` is false for a chunk from the middle
  // of a stream (CsvChunker): a byte order mark is skipped only at the very start, and lines and
  // columns count from the chunk's start (line 1), for the caller to add the chunk's first line.
  CsvReader(std::string_view contents, std::string path, bool at_stream_start = true);

  // Reads the next record into `fields` (resized to its field count); false at the end of the
  // input. A final line break ends the last record rather than starting an empty one. Throws
  // InputError for an unterminated quote or text after a closing quote.
  bool Next(std::vector<CsvField>& fields);

  // Line and column just past the last record's final field (where a missing field would be).
  size_t end_line() const { return end_line_; }
  size_t end_column() const { return end_column_; }
  const std::string& path() const { return path_; }
  // The line the next record starts on (1-based): after the last record of a chunk that ends with
  // a line break, one more than the line breaks read.
  size_t line() const { return line_; }

 private:
  std::string_view contents_;
  std::string path_;
  size_t pos_ = 0;
  size_t line_ = 1;
  size_t line_start_ = 0;
  size_t end_line_ = 1;
  size_t end_column_ = 1;
};

// The checks the loaders share, with their messages. A record of `expected` fields, or InputError
// at the first extra field or where the first missing one would be (an empty line and a trailing
// comma are named); `what` follows "expected N fields", e.g. " (as the header has)".
void CheckFieldCount(const CsvReader& reader, const std::vector<CsvField>& fields, size_t expected,
                     std::string_view what);
// Header names must be text a person can read back: printable UTF-8, not empty, unique.
void CheckHeader(const std::string& path, const std::vector<CsvField>& header);

// Appends `text` as one CSV field: as it is, or in double quotes (quotes doubled) when it holds a
// comma, a quote, a line break or a carriage return, so CsvReader reads back exactly `text`.
void AppendCsvField(std::string& out, std::string_view text);

// Where the records in `text` end, reading it as CsvReader does from the start of a record: the
// offset just past the line break ending the first record (EndOfFirstRecord) or the last one
// (EndOfLastRecord), 0 when no record in `text` is complete. A line break inside a quoted field
// ends nothing. Text without any quote is one memrchr; with quotes, one pass over the bytes.
size_t EndOfFirstRecord(std::string_view text);
size_t EndOfLastRecord(std::string_view text);

// Reads comma-separated text from a stream in chunks of whole records, so chunks can be parsed
// apart (and in parallel) by CsvReaders with at_stream_start false. A chunk is cut at the last
// record end within the next `chunk_bytes` bytes of the stream; the cut depends on the bytes only,
// never on how the stream delivers them (a file and a pipe give the same chunks). A record longer
// than `chunk_bytes` grows the window, up to kMaxRecordBytes.
class CsvChunker {
 public:
  static constexpr size_t kMaxRecordBytes = size_t{64} << 20;
  CsvChunker(io::InputStream& input, size_t chunk_bytes);

  // The first record alone (the header, with a byte order mark if the stream has one); false for
  // an empty stream.
  bool NextRecord(std::string& record);
  // The next chunk of whole records (the last may lack its final line break); false at the end.
  // InputError for a record longer than kMaxRecordBytes (an unterminated quote, most likely).
  bool NextChunk(std::string& chunk);

 private:
  bool Cut(std::string& out, bool first_record_only);
  io::InputStream& input_;
  size_t chunk_bytes_;
  std::string pending_;  // bytes read past the last chunk's end
  bool at_end_ = false;
  uint64_t offset_ = 0;  // of pending_'s start in the stream, for the error about a long record
};

// A field as a finite double: the whole field must be a decimal number (std::from_chars, an
// optional leading '+'); empty, non-numeric, NaN, Inf and out-of-range (1e400) fields throw
// InputError at the field's position. Numbers below the smallest subnormal read as 0 (as
// strtod and Python's float do). `column_name` (may be empty) goes into the message.
double ParseFiniteDouble(const CsvField& field, const std::string& path,
                         std::string_view column_name);

}  // namespace qlab::data
