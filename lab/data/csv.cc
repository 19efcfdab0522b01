// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/data/csv.h"

#include <utf8.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>

#include "qlab/io/input_error.h"
#include "qlab/io/number.h"

namespace qlab::data {

using io::Printable;
namespace {

using io::InputError;

constexpr std::string_view kUtf8ByteOrderMark = "\xEF\xBB\xBF";

std::string Quoted(std::string_view column_name) {
  return column_name.empty() ? std::string() : " in column " + std::string(column_name);
}

}  // namespace

CsvReader::CsvReader(std::string_view contents, std::string path, bool at_stream_start)
    : contents_(contents), path_(std::move(path)) {
  if (const void* nul = std::memchr(contents_.data(), '\0', contents_.size()); nul != nullptr) {
    const size_t offset = static_cast<size_t>(static_cast<const char*>(nul) - contents_.data());
    size_t line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < offset; ++i) {
      if (contents_[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    throw InputError(path_, line, offset - line_start + 1,
                     "binary data (a NUL byte), expected comma-separated text");
  }
  if (at_stream_start && contents_.substr(0, kUtf8ByteOrderMark.size()) == kUtf8ByteOrderMark) {
    pos_ = line_start_ = kUtf8ByteOrderMark.size();
  }
}

bool CsvReader::Next(std::vector<CsvField>& fields) {
  const char* const data = contents_.data();
  const size_t size = contents_.size();
  if (pos_ >= size) return false;
  size_t count = 0;
  bool any_quoted = false;
  // End of the current physical line (or of the input); memchr finds it with SIMD.
  auto line_end = [&](size_t from) {
    const void* newline = std::memchr(data + from, '\n', size - from);
    return newline == nullptr ? size
                              : static_cast<size_t>(static_cast<const char*>(newline) - data);
  };
  size_t eol = line_end(pos_);
  for (;;) {
    if (count == fields.size()) fields.emplace_back();
    CsvField& field = fields[count++];
    field.line = line_;
    field.column = pos_ - line_start_ + 1;
    field.quoted = pos_ < size && data[pos_] == '"';
    if (field.quoted) {
      any_quoted = true;
      field.unquoted.clear();
      ++pos_;
      for (;;) {
        const size_t quote = contents_.find('"', pos_);
        if (quote == std::string_view::npos) {
          throw InputError(path_, field.line, field.column, "unterminated quoted field");
        }
        for (size_t i = pos_; i < quote; ++i) {
          if (data[i] == '\n') {
            ++line_;
            line_start_ = i + 1;
          }
        }
        field.unquoted.append(data + pos_, quote - pos_);
        pos_ = quote + 1;
        if (pos_ < size && data[pos_] == '"') {  // "" stands for one quote
          field.unquoted.push_back('"');
          ++pos_;
          continue;
        }
        break;
      }
      eol = line_end(pos_);
      const bool at_end = pos_ >= size || data[pos_] == ',' || data[pos_] == '\n' ||
                          (data[pos_] == '\r' && pos_ + 1 == eol);
      if (!at_end) {
        throw InputError(path_, line_, pos_ - line_start_ + 1,
                         "text after the closing quote of a quoted field");
      }
    } else {
      const void* comma = std::memchr(data + pos_, ',', eol - pos_);
      const size_t end =
          comma == nullptr ? eol : static_cast<size_t>(static_cast<const char*>(comma) - data);
      size_t text_end = end;
      if (end == eol && eol < size && text_end > pos_ && data[text_end - 1] == '\r') {
        --text_end;  // CRLF
      }
      field.text = std::string_view(data + pos_, text_end - pos_);
      pos_ = text_end;
    }
    // pos_ is now at ',', "\r\n", '\n' or the end.
    if (pos_ < size && data[pos_] == ',') {
      ++pos_;
      continue;
    }
    end_line_ = line_;
    end_column_ = pos_ - line_start_ + 1;
    if (pos_ < size) {
      pos_ += data[pos_] == '\r' ? 2 : 1;
      ++line_;
      line_start_ = pos_;
    }
    break;
  }
  fields.resize(count);
  // Quoted fields view their own storage; point them there only now that `fields` stopped
  // growing (growth moves the strings).
  if (any_quoted) {
    for (CsvField& field : fields) {
      if (field.quoted) field.text = field.unquoted;
    }
  }
  return true;
}

void CheckFieldCount(const CsvReader& reader, const std::vector<CsvField>& fields, size_t expected,
                     std::string_view what) {
  if (fields.size() == expected) return;
  const std::string& path = reader.path();
  if (fields.size() == 1 && fields[0].text.empty() && !fields[0].quoted) {
    throw InputError(
        path, fields[0].line, fields[0].column,
        "empty line, expected " + std::to_string(expected) + " fields" + std::string(what));
  }
  std::string message = "expected " + std::to_string(expected) + " fields" + std::string(what) +
                        ", found " + std::to_string(fields.size());
  if (fields.size() > expected) {
    const CsvField& extra = fields[expected];
    if (fields.back().text.empty() && !fields.back().quoted) {
      message += " (a trailing comma adds an empty field)";
    }
    throw InputError(path, extra.line, extra.column, message);
  }
  throw InputError(path, reader.end_line(), reader.end_column(), message);
}

namespace {

// Header names must be text a person can read back: printable UTF-8, not empty, unique. Valid
// UTF-8 is RFC 3629's: no overlong forms (C0 80, E0 80 80), no surrogates (ED A0 80), nothing
// above U+10FFFF, no lead bytes C0, C1 or F5..FF, no truncated sequences (utfcpp's find_invalid
// checks all of them). A name that passed a lead-byte-and-continuation check but not these later
// made nlohmann's dump throw while writing model.json, an internal error instead of exit 2.
// ASCII control characters and DEL are refused as well: they are valid UTF-8, but not printable.
bool PrintableUtf8(std::string_view text) {
  if (utf8::find_invalid(text.begin(), text.end()) != text.end()) return false;
  return std::none_of(text.begin(), text.end(), [](char c) {
    const auto byte = static_cast<unsigned char>(c);
    return byte < 0x20 || byte == 0x7f;
  });
}

}  // namespace

void CheckHeader(const std::string& path, const std::vector<CsvField>& header) {
  std::set<std::string_view> seen;
  for (const CsvField& field : header) {
    const std::string_view name = field.text;
    if (name.empty()) {
      throw InputError(path, field.line, field.column, "empty column name in the header");
    }
    if (!PrintableUtf8(name)) {
      throw InputError(
          path, field.line, field.column,
          "column name '" + Printable(name) + "' is not printable UTF-8 text (binary data?)");
    }
    if (!seen.insert(name).second) {
      throw InputError(path, field.line, field.column,
                       "column name '" + Printable(name) + "' appears twice in the header");
    }
  }
}

void AppendCsvField(std::string& out, std::string_view text) {
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) {
    out.append(text);
    return;
  }
  out.push_back('"');
  for (const char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

namespace {

// The record ends in `text` read from a record's start as CsvReader reads it: a quote opens a
// quoted field only at a field's start; inside one, "" is a quote and a line break is text. For
// well-formed text this is CsvReader's own reading; for text CsvReader rejects, it only has to
// agree up to the first record CsvReader rejects (that record's chunk reports the error).
size_t ScanRecordEnds(std::string_view text, bool first_only) {
  enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted };
  State state = State::kFieldStart;
  size_t last = 0;
  const char* const data = text.data();
  const size_t size = text.size();
  for (size_t i = 0; i < size; ++i) {
    const char c = data[i];
    switch (state) {
      case State::kQuoted: {
        const void* quote = std::memchr(data + i, '"', size - i);
        if (quote == nullptr) return last;
        i = static_cast<size_t>(static_cast<const char*>(quote) - data);
        state = State::kQuoteInQuoted;
        continue;
      }
      case State::kQuoteInQuoted:
        if (c == '"') {
          state = State::kQuoted;
          continue;
        }
        break;
      case State::kFieldStart:
        if (c == '"') {
          state = State::kQuoted;
          continue;
        }
        break;
      case State::kUnquoted:
        break;
    }
    if (c == ',') {
      state = State::kFieldStart;
    } else if (c == '\n') {
      state = State::kFieldStart;
      last = i + 1;
      if (first_only) return last;
    } else {
      state = State::kUnquoted;
    }
  }
  return last;
}

}  // namespace

size_t EndOfFirstRecord(std::string_view text) {
  const void* newline = std::memchr(text.data(), '\n', text.size());
  if (newline == nullptr) return 0;
  const auto end = static_cast<size_t>(static_cast<const char*>(newline) - text.data());
  if (std::memchr(text.data(), '"', end) == nullptr) return end + 1;
  return ScanRecordEnds(text, /*first_only=*/true);
}

size_t EndOfLastRecord(std::string_view text) {
  if (std::memchr(text.data(), '"', text.size()) == nullptr) {
    const void* newline = ::memrchr(text.data(), '\n', text.size());
    return newline == nullptr
               ? 0
               : static_cast<size_t>(static_cast<const char*>(newline) - text.data()) + 1;
  }
  return ScanRecordEnds(text, /*first_only=*/false);
}

CsvChunker::CsvChunker(io::InputStream& input, size_t chunk_bytes)
    : input_(input), chunk_bytes_(std::max<size_t>(chunk_bytes, 1)) {}

bool CsvChunker::NextRecord(std::string& record) { return Cut(record, /*first_record_only=*/true); }

bool CsvChunker::NextChunk(std::string& chunk) { return Cut(chunk, /*first_record_only=*/false); }

bool CsvChunker::Cut(std::string& out, bool first_record_only) {
  // The window is always counted from the chunk's first byte, so the cut depends on the bytes
  // alone, not on how many each read returned.
  size_t window = chunk_bytes_;
  for (;;) {
    if (!at_end_ && pending_.size() < window) {
      const size_t old = pending_.size();
      pending_.resize(window);
      const size_t got = input_.Read(pending_.data() + old, window - old);
      pending_.resize(old + got);
      if (old + got < window) at_end_ = true;
    }
    if (pending_.empty()) return false;
    size_t end = 0;
    if (first_record_only) {
      // A byte order mark is not part of the first field (CsvReader skips it).
      const size_t skip =
          std::string_view(pending_).substr(0, kUtf8ByteOrderMark.size()) == kUtf8ByteOrderMark
              ? kUtf8ByteOrderMark.size()
              : 0;
      const size_t rest = EndOfFirstRecord(std::string_view(pending_).substr(skip));
      end = rest == 0 ? 0 : skip + rest;
    } else {
      end = EndOfLastRecord(pending_);
    }
    if (end == 0) {
      if (at_end_) {
        end = pending_.size();  // the last record, without a final line break
      } else if (window >= kMaxRecordBytes) {
        throw InputError(input_.name(), "a record longer than " +
                                            std::to_string(kMaxRecordBytes >> 20) +
                                            " MiB starts at byte " + std::to_string(offset_) +
                                            " (an unterminated quoted field?)");
      } else {
        window = std::min(window * 2, kMaxRecordBytes);
        continue;
      }
    }
    out = std::move(pending_);
    pending_.assign(out, end, std::string::npos);
    out.resize(end);
    offset_ += end;
    return true;
  }
}

double ParseFiniteDouble(const CsvField& field, const std::string& path,
                         std::string_view column_name) {
  const std::string_view text = field.text;
  double value = 0;
  switch (io::ParseFiniteDecimal(text, value)) {
    case io::NumberStatus::kOk:
      return value;
    case io::NumberStatus::kEmpty:
      throw InputError(path, field.line, field.column, "empty field" + Quoted(column_name));
    case io::NumberStatus::kNotANumber:
      break;
    case io::NumberStatus::kOutOfRange:
      throw InputError(
          path, field.line, field.column,
          "'" + Printable(text) + "' is out of the range of a double" + Quoted(column_name));
    case io::NumberStatus::kNotFinite:
      throw InputError(path, field.line, field.column,
                       "'" + Printable(text) +
                           "' is NaN or infinite; only finite numbers are allowed" +
                           Quoted(column_name));
  }
  throw InputError(path, field.line, field.column,
                   "not a number: '" + Printable(text) + "'" + Quoted(column_name));
}

}  // namespace qlab::data
