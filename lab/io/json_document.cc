// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/io/json_document.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "qlab/io/atomic_file.h"

namespace qlab::io {

namespace {

// nlohmann's parser reads through an iterator pair; this iterator reports how many bytes it has
// handed out, which tells the SAX handler where each value ended.
class CountingIterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = char;
  using difference_type = std::ptrdiff_t;
  using pointer = const char*;
  using reference = const char&;

  CountingIterator(const char* p, const char* base, size_t* consumed)
      : p_(p), base_(base), consumed_(consumed) {}
  reference operator*() const {
    *consumed_ = static_cast<size_t>(p_ - base_) + 1;
    return *p_;
  }
  CountingIterator& operator++() {
    ++p_;
    return *this;
  }
  CountingIterator operator++(int) {
    CountingIterator old = *this;
    ++p_;
    return old;
  }
  bool operator==(const CountingIterator& o) const { return p_ == o.p_; }
  bool operator!=(const CountingIterator& o) const { return p_ != o.p_; }

 private:
  const char* p_;
  const char* base_;
  size_t* consumed_;
};

// "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..." → the part
// after the position, which we print ourselves in the file:line:col form.
std::string ShortParseMessage(const std::string& what) {
  const size_t col = what.find("column ");
  if (col != std::string::npos) {
    const size_t colon = what.find(": ", col);
    if (colon != std::string::npos) return what.substr(colon + 2);
  }
  const size_t bracket = what.find("] ");
  return bracket == std::string::npos ? what : what.substr(bracket + 2);
}

std::string EscapeToken(const std::string& token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

// Builds the DOM (as nlohmann's own DOM parser would) and notes where each value starts.
class PositionRecorder {
 public:
  using json = nlohmann::json;

  PositionRecorder(const std::string& file, const std::string& text, size_t base,
                   const size_t* consumed, json* root, std::map<std::string, size_t>* offsets,
                   std::string pointer_prefix)
      : file_(file),
        text_(text),
        base_(base),
        consumed_(consumed),
        root_(root),
        offsets_(offsets),
        prefix_(std::move(pointer_prefix)) {}

  bool null() { return Add(nullptr); }
  bool boolean(bool v) { return Add(v); }
  bool number_integer(json::number_integer_t v) { return Add(v); }
  bool number_unsigned(json::number_unsigned_t v) { return Add(v); }
  bool number_float(json::number_float_t v, const json::string_t&) { return Add(v); }
  bool string(json::string_t& v) { return Add(v); }
  bool binary(json::binary_t& v) { return Add(json::binary(v)); }
  bool start_object(std::size_t) {
    json* added = Insert(json::object());
    stack_.push_back(added);
    return true;
  }
  bool end_object() {
    Pop();
    return true;
  }
  bool start_array(std::size_t) {
    json* added = Insert(json::array());
    stack_.push_back(added);
    return true;
  }
  bool end_array() {
    Pop();
    return true;
  }
  bool key(json::string_t& k) {
    const size_t start = SkipFiller(last_end_);
    last_end_ = base_ + *consumed_;
    if (stack_.back()->contains(k)) {
      const TextPosition pos = PositionOfOffset(text_, start);
      throw InputError(file_, pos.line, pos.column, "duplicate key \"" + Printable(k, 80) + "\"");
    }
    key_ = k;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    const size_t offset = base_ + (position > 0 ? position - 1 : 0);
    const TextPosition pos = PositionOfOffset(text_, offset);
    throw InputError(file_, pos.line, pos.column, "invalid JSON: " + ShortParseMessage(e.what()));
  }

 private:
  // Skips what may lie between the end of one token and the start of the next value.
  size_t SkipFiller(size_t from) const {
    while (from < text_.size()) {
      const char c = text_[from];
      if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ',' || c == ':') {
        ++from;
      } else {
        break;
      }
    }
    return from;
  }

  std::string CurrentPointer() const {
    std::string p = prefix_;
    for (const auto& token : path_) {
      p += '/';
      p += EscapeToken(token);
    }
    return p;
  }

  json* Insert(json value) {
    const size_t start = SkipFiller(last_end_);
    last_end_ = base_ + *consumed_;
    json* added = nullptr;
    if (stack_.empty()) {
      *root_ = std::move(value);
      added = root_;
      path_.clear();
    } else if (stack_.back()->is_array()) {
      json& array = *stack_.back();
      path_.push_back(std::to_string(array.size()));
      array.push_back(std::move(value));
      added = &array.back();
    } else {
      json& object = *stack_.back();
      path_.push_back(key_);
      added = &(object[key_] = std::move(value));
    }
    (*offsets_)[CurrentPointer()] = start;
    return added;
  }

  bool Add(json value) {
    Insert(std::move(value));
    // A scalar ends its own path element at once; containers end theirs in Pop().
    if (!stack_.empty()) path_.pop_back();
    return true;
  }

  void Pop() {
    last_end_ = base_ + *consumed_;
    stack_.pop_back();
    if (!stack_.empty()) path_.pop_back();
  }

  const std::string& file_;
  const std::string& text_;
  size_t base_;
  const size_t* consumed_;
  json* root_;
  std::map<std::string, size_t>* offsets_;
  std::string prefix_;
  std::vector<json*> stack_;
  std::vector<std::string> path_;
  std::string key_;
  size_t last_end_ = 0;
};

namespace {

void ParseRange(const std::string& file, const std::string& text, size_t begin, size_t end,
                nlohmann::json* out, std::map<std::string, size_t>* offsets,
                const std::string& prefix) {
  size_t consumed = 0;
  PositionRecorder recorder(file, text, begin, &consumed, out, offsets, prefix);
  const char* base = text.data() + begin;
  CountingIterator first(base, base, &consumed);
  CountingIterator last(text.data() + end, base, &consumed);
  nlohmann::json::sax_parse(first, last, &recorder);
}

}  // namespace

JsonDocument JsonDocument::Parse(std::string file, std::string text, bool allow_json_lines) {
  JsonDocument doc;
  doc.file_ = std::move(file);
  doc.text_ = std::move(text);
  try {
    ParseRange(doc.file_, doc.text_, 0, doc.text_.size(), &doc.value_, &doc.offsets_, "");
    return doc;
  } catch (const InputError& e) {
    const bool trailing = std::string(e.what()).find("expected end of input") != std::string::npos;
    if (!allow_json_lines || !trailing) throw;
  }
  // JSON Lines: each non-blank line one value.
  doc.value_ = nlohmann::json::array();
  doc.offsets_.clear();
  doc.offsets_[""] = 0;
  size_t begin = 0;
  while (begin < doc.text_.size()) {
    size_t end = doc.text_.find('\n', begin);
    if (end == std::string::npos) end = doc.text_.size();
    const bool blank = doc.text_.find_first_not_of(" \t\r", begin) >= end;
    if (!blank) {
      nlohmann::json line_value;
      ParseRange(doc.file_, doc.text_, begin, end, &line_value, &doc.offsets_,
                 "/" + std::to_string(doc.value_.size()));
      doc.value_.push_back(std::move(line_value));
    }
    begin = end + 1;
  }
  return doc;
}

JsonDocument JsonDocument::Load(const std::string& path, bool allow_json_lines) {
  return Parse(path, ReadFileBytes(path), allow_json_lines);
}

InputError JsonDocument::ErrorAt(const nlohmann::json::json_pointer& pointer,
                                 const std::string& message) const {
  nlohmann::json::json_pointer p = pointer;
  while (true) {
    auto it = offsets_.find(p.to_string());
    if (it != offsets_.end()) {
      const TextPosition pos = PositionOfOffset(text_, it->second);
      return InputError(file_, pos.line, pos.column, message);
    }
    if (p.empty()) break;
    p.pop_back();
  }
  return InputError(file_, message);
}

}  // namespace qlab::io
