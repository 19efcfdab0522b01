// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/io/json_document.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

#include "qlab/io/atomic_file.h"
#include "qlab/io/stream.h"

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
  bool start_object(std::size_t) { return Open(json::object()); }
  bool end_object() { return Close(); }
  bool start_array(std::size_t) { return Open(json::array()); }
  bool end_array() { return Close(); }
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
    throw InputError(file_, pos.line, pos.column, "not valid JSON: " + ShortParseMessage(e.what()));
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

  // json_pointer's operator/ escapes '~' and '/' in keys (RFC 6901).
  std::string CurrentPointer() const {
    json::json_pointer p(prefix_);
    for (const auto& token : path_) p /= token;
    return p.to_string();
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
    // A scalar ends its own path element at once; containers end theirs in Close().
    if (!stack_.empty()) path_.pop_back();
    return true;
  }

  bool Open(json container) {
    if (stack_.size() == kMaxJsonDepth) {
      const TextPosition pos = PositionOfOffset(text_, SkipFiller(last_end_));
      throw InputError(file_, pos.line, pos.column,
                       "not valid JSON: nested deeper than " + std::to_string(kMaxJsonDepth) +
                           " levels");
    }
    stack_.push_back(Insert(std::move(container)));
    return true;
  }

  bool Close() {
    last_end_ = base_ + *consumed_;
    stack_.pop_back();
    if (!stack_.empty()) path_.pop_back();
    return true;
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
  // nlohmann's lexer takes a NUL byte for the end of the input, so without this check whatever
  // follows one (a truncated binary tail, a concatenated file) would be ignored without a word.
  if (const size_t nul = doc.text_.find('\0'); nul != std::string::npos) {
    const TextPosition at = PositionOfOffset(doc.text_, nul);
    throw InputError(doc.file_, at.line, at.column,
                     "not valid JSON: a NUL byte (binary data, or a file cut and joined?)");
  }
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
  return Parse(path, ReadFileBytes(path, kMaxJsonFileBytes), allow_json_lines);
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

// ---- JsonReader -----------------------------------------------------------------------------------

JsonReader::JsonReader(const JsonDocument& doc)
    : JsonReader(&doc, &doc.value(), nlohmann::json::json_pointer(), "") {}

JsonReader::JsonReader(const JsonDocument* doc, const nlohmann::json* value,
                       nlohmann::json::json_pointer pointer, std::string name)
    : doc_(doc), value_(value), pointer_(std::move(pointer)), name_(std::move(name)) {}

void JsonReader::Fail(const std::string& message) const { throw doc_->ErrorAt(pointer_, message); }

std::string JsonReader::Quoted() const {
  if (name_.empty()) return "the document ";
  // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on "'" + string + "' ".
  std::string quoted(1, '\'');
  quoted += Printable(name_, 80);
  quoted += "' ";
  return quoted;
}

bool JsonReader::Has(const std::string& key) const {
  return value_->is_object() && value_->contains(key);
}

JsonReader JsonReader::Key(const std::string& key) const {
  if (!value_->is_object()) Fail(Quoted() + "must be an object");
  const auto it = value_->find(key);
  const std::string child = name_.empty() ? key : name_ + "." + key;
  if (it == value_->end()) Fail("missing key '" + Printable(child, 80) + "'");
  return JsonReader(doc_, &*it, pointer_ / key, child);
}

std::vector<JsonReader> JsonReader::Elements(size_t expected, const std::string& noun) const {
  if (!value_->is_array() || (expected != kAnySize && value_->size() != expected)) {
    Fail(Quoted() + (expected == kAnySize ? "must be an array of " + noun
                                          : "must be an array of " + std::to_string(expected) +
                                                " " + noun));
  }
  std::vector<JsonReader> out;
  out.reserve(value_->size());
  for (size_t i = 0; i < value_->size(); ++i) {
    out.push_back(JsonReader(doc_, &(*value_)[i], pointer_ / i,
                             name_ + "[" + std::to_string(i) + "]"));
  }
  return out;
}

double JsonReader::Number() const {
  if (!value_->is_number()) Fail(Quoted() + "must be a number");
  const double v = value_->get<double>();
  if (!std::isfinite(v)) Fail(Quoted() + "must be a finite number");
  return v;
}

int64_t JsonReader::Integer(int64_t lo, int64_t hi) const {
  const std::string what =
      Quoted() + "must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
  if (!value_->is_number()) Fail(what);
  const double v = value_->get<double>();
  if (!(v == std::floor(v) && v >= static_cast<double>(lo) && v <= static_cast<double>(hi))) {
    Fail(what);
  }
  // Integers beyond 2^53 arrive exact as JSON integers; prefer them to the double.
  if (value_->is_number_integer()) {
    const int64_t exact = value_->get<int64_t>();
    if (exact < lo || exact > hi) Fail(what);
    return exact;
  }
  return static_cast<int64_t>(v);
}

std::string JsonReader::String() const {
  if (!value_->is_string()) Fail(Quoted() + "must be a string");
  return value_->get<std::string>();
}

bool JsonReader::Bool() const {
  if (!value_->is_boolean()) Fail(Quoted() + "must be true or false");
  return value_->get<bool>();
}

std::vector<std::string> JsonReader::Strings() const {
  std::vector<std::string> out;
  for (const JsonReader& item : Elements(kAnySize, "strings")) out.push_back(item.String());
  return out;
}

std::vector<double> JsonReader::Numbers(size_t expected) const {
  std::vector<double> out;
  for (const JsonReader& item : Elements(expected, "numbers")) out.push_back(item.Number());
  return out;
}

std::vector<int64_t> JsonReader::Integers(size_t expected, int64_t lo, int64_t hi) const {
  std::vector<int64_t> out;
  for (const JsonReader& item : Elements(expected, "integers")) {
    out.push_back(item.Integer(lo, hi));
  }
  return out;
}

}  // namespace qlab::io
