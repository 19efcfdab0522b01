// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/lab/csv.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "qlab/lab/error.h"

namespace qlab {
namespace {

constexpr std::string_view kUtf8ByteOrderMark = "\xEF\xBB\xBF";

std::string Quoted(std::string_view column_name) {
  return column_name.empty() ? std::string() : " in column " + std::string(column_name);
}

}  // namespace

std::string Printable(std::string_view text, size_t max_chars) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  size_t shown = 0;
  for (char c : text) {
    if (shown == max_chars) {
      out += "...";
      break;
    }
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte >= 0x7f) {
      out += "\\x";
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    } else {
      out.push_back(c);
    }
    ++shown;
  }
  return out;
}

CsvReader::CsvReader(std::string_view contents, std::string path)
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
  if (contents_.substr(0, kUtf8ByteOrderMark.size()) == kUtf8ByteOrderMark) {
    pos_ = line_start_ = kUtf8ByteOrderMark.size();
  }
}

bool CsvReader::Next(std::vector<CsvField>& fields) {
  const size_t size = contents_.size();
  if (pos_ >= size) return false;
  size_t count = 0;
  for (;;) {
    if (count == fields.size()) fields.emplace_back();
    CsvField& field = fields[count++];
    field.text.clear();
    field.line = line_;
    field.column = pos_ - line_start_ + 1;
    field.quoted = pos_ < size && contents_[pos_] == '"';
    if (field.quoted) {
      ++pos_;
      for (;;) {
        const size_t quote = contents_.find('"', pos_);
        if (quote == std::string_view::npos) {
          throw InputError(path_, field.line, field.column, "unterminated quoted field");
        }
        for (size_t i = pos_; i < quote; ++i) {
          if (contents_[i] == '\n') {
            ++line_;
            line_start_ = i + 1;
          }
        }
        field.text.append(contents_.data() + pos_, quote - pos_);
        pos_ = quote + 1;
        if (pos_ < size && contents_[pos_] == '"') {  // "" stands for one quote
          field.text.push_back('"');
          ++pos_;
          continue;
        }
        break;
      }
      const bool at_end = pos_ >= size || contents_[pos_] == ',' || contents_[pos_] == '\n' ||
                          contents_.substr(pos_, 2) == "\r\n";
      if (!at_end) {
        throw InputError(path_, line_, pos_ - line_start_ + 1,
                         "text after the closing quote of a quoted field");
      }
    } else {
      size_t end = pos_;
      while (end < size && contents_[end] != ',' && contents_[end] != '\n') ++end;
      size_t text_end = end;
      if (text_end > pos_ && end < size && contents_[end] == '\n' && contents_[end - 1] == '\r') {
        --text_end;  // CRLF
      }
      field.text.assign(contents_.data() + pos_, text_end - pos_);
      pos_ = text_end;
    }
    // pos_ is now at ',', "\r\n", '\n' or the end.
    if (pos_ < size && contents_[pos_] == ',') {
      ++pos_;
      continue;
    }
    end_line_ = line_;
    end_column_ = pos_ - line_start_ + 1;
    if (pos_ < size) {
      pos_ += contents_[pos_] == '\r' ? 2 : 1;
      ++line_;
      line_start_ = pos_;
    }
    break;
  }
  fields.resize(count);
  return true;
}

double ParseFiniteDouble(const CsvField& field, const std::string& path,
                         std::string_view column_name) {
  const std::string& text = field.text;
  if (text.empty()) {
    throw InputError(path, field.line, field.column, "empty field" + Quoted(column_name));
  }
  const char* first = text.data();
  const char* last = text.data() + text.size();
  // from_chars takes no '+', Python's float does; a sign must still be followed by the number.
  if (*first == '+' && text.size() > 1 && first[1] != '-' && first[1] != '+') ++first;
  double value = 0;
  const auto [end, error] = std::from_chars(first, last, value, std::chars_format::general);
  if (error == std::errc::invalid_argument || end != last) {
    throw InputError(path, field.line, field.column,
                     "not a number: '" + Printable(text) + "'" + Quoted(column_name));
  }
  if (error == std::errc::result_out_of_range) {
    // from_chars reports underflow and overflow alike; strtod tells them apart (±HUGE_VAL).
    value = std::strtod(text.c_str(), nullptr);
    if (std::isinf(value)) {
      throw InputError(
          path, field.line, field.column,
          "'" + Printable(text) + "' is out of the range of a double" + Quoted(column_name));
    }
  }
  if (!std::isfinite(value)) {
    throw InputError(path, field.line, field.column,
                     "'" + Printable(text) +
                         "' is NaN or infinite; only finite numbers are allowed" +
                         Quoted(column_name));
  }
  return value;
}

}  // namespace qlab
