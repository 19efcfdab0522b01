// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
// CsvChunker: a stream cut into chunks of whole records reads, chunk by chunk, exactly as the
// whole text reads at once (fields, lines, columns, errors), for every chunk size, from a file or
// from a pipe that delivers a byte at a time.
#define BOOST_TEST_MODULE lab_csv_chunker
#include <fcntl.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>

#include <string>
#include <thread>
#include <vector>

#include "common/temp_dir.h"
#include "qlab/data/csv.h"
#include "qlab/io/input_error.h"
#include "qlab/io/stream.h"

using qlab::data::CsvChunker;
using qlab::data::CsvField;
using qlab::data::CsvReader;
using qlab::data::EndOfFirstRecord;
using qlab::data::EndOfLastRecord;
using qlab::io::InputError;
using qlab::io::InputStream;
using qlab::testing::TempDir;

namespace {

// Every field as "line:column:text", then the error that ended the reading ("" if none).
struct Reading {
  std::vector<std::string> fields;
  std::string error;
  bool operator==(const Reading&) const = default;
};

void ReadInto(const std::string& text, bool at_start, size_t first_line, Reading& out) {
  CsvReader reader(text, "t.csv", at_start);
  std::vector<CsvField> fields;
  while (reader.Next(fields)) {
    for (const CsvField& f : fields) {
      out.fields.push_back(std::to_string(f.line + first_line - 1) + ":" +
                           std::to_string(f.column) + ":" + std::string(f.text));
    }
    out.fields.emplace_back("|");
  }
}

Reading ReadWhole(const std::string& text) {
  Reading out;
  try {
    ReadInto(text, true, 1, out);
  } catch (const InputError& e) {
    out.error = std::to_string(e.line()) + ":" + std::to_string(e.column()) + ": " + e.what();
  }
  return out;
}

// The header record, then chunks, each read apart, lines placed by counting the ones before.
Reading ReadChunked(InputStream& input, size_t chunk_bytes, std::vector<std::string>* chunks) {
  Reading out;
  CsvChunker chunker(input, chunk_bytes);
  std::string chunk;
  size_t line = 1;
  bool first = true;
  try {
    while (first ? chunker.NextRecord(chunk) : chunker.NextChunk(chunk)) {
      if (chunks != nullptr) chunks->push_back(chunk);
      ReadInto(chunk, first, line, out);
      CsvReader counter(chunk, "t.csv", first);
      std::vector<CsvField> fields;
      while (counter.Next(fields)) {
      }
      line += counter.line() - 1;
      first = false;
    }
  } catch (const InputError& e) {
    out.error = std::to_string(e.line() == 0 ? 0 : e.line() + line - 1) + ":" +
                std::to_string(e.column()) + ": " + e.what();
  }
  return out;
}

const std::vector<std::string> kTexts = {
    "a,b\n1,2\n3,4\n",
    "a,b\r\n1,2\r\n3,4",
    "\xEF\xBB\xBF\"a\",b\n\"x\ny\",2\n\"\"\"q\"\"\n\",\"\"\n5,\"6\r\n7\"\r\n",
    "id,v\n\"a,\nb\nc\",1\n\"d\"\"\n\",2\nplain,3\n\"e\n\",4\n",
    "h\n\"\xEF\xBB\xBF\"\n",              // a BOM inside a later record is text
    "a,b\n1,\"unterminated\n2,3\n4,5\n",  // the error, wherever the cuts fall
    "a,b\n1,2\n\"x\"y,3\n",               // text after a closing quote
    "a,b\n1,2\nab\"c,3\n\"q\nq\",4\n",    // a quote inside an unquoted field is text
};

}  // namespace

BOOST_AUTO_TEST_CASE(record_ends_skip_line_breaks_inside_quotes) {
  BOOST_TEST(EndOfLastRecord("a,b\n1,2\n3") == 8u);
  BOOST_TEST(EndOfLastRecord("a,b") == 0u);
  BOOST_TEST(EndOfLastRecord("a,\"b\n1,2\n3") == 0u);
  BOOST_TEST(EndOfLastRecord("a,\"b\n\"\n1,\"\"\"\n") == 7u);
  BOOST_TEST(EndOfLastRecord("a,\"b\n\"\n1,\"\"\"\n\"\n") == 15u);
  BOOST_TEST(EndOfFirstRecord("\"a\nb\",c\nd\n") == 8u);
  BOOST_TEST(EndOfFirstRecord("a\"\nb\n") == 3u);  // a quote mid-field opens nothing
}

BOOST_AUTO_TEST_CASE(chunks_read_as_the_whole_text_for_every_chunk_size) {
  TempDir dir;
  for (const std::string& text : kTexts) {
    const Reading whole = ReadWhole(text);
    const std::string path = dir.Write("t.csv", text);
    for (size_t chunk_bytes = 1; chunk_bytes <= text.size() + 1; ++chunk_bytes) {
      InputStream input(path);
      const Reading chunked = ReadChunked(input, chunk_bytes, nullptr);
      BOOST_TEST_CONTEXT("text " << text.size() << " bytes, chunks of " << chunk_bytes) {
        BOOST_TEST(chunked.fields == whole.fields, boost::test_tools::per_element());
        BOOST_TEST(chunked.error == whole.error);
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(a_pipe_gives_the_chunks_a_file_gives) {
  TempDir dir;
  const std::string text = kTexts[3] + kTexts[3].substr(5) + "last,9";
  const std::string path = dir.Write("t.csv", text);
  for (size_t chunk_bytes : {size_t{1}, size_t{7}, size_t{16}, size_t{1000}}) {
    std::vector<std::string> from_file;
    {
      InputStream input(path);
      ReadChunked(input, chunk_bytes, &from_file);
    }
    int fds[2];
    BOOST_REQUIRE(::pipe(fds) == 0);
    // The writer delivers one byte per write, so reads return short counts.
    std::thread writer([&] {
      for (const char c : text) {
        if (::write(fds[1], &c, 1) != 1) break;
      }
      ::close(fds[1]);
    });
    const int saved = ::dup(STDIN_FILENO);
    ::dup2(fds[0], STDIN_FILENO);
    ::close(fds[0]);
    std::vector<std::string> from_pipe;
    {
      InputStream input("-");
      BOOST_TEST(input.name() == "<stdin>");
      ReadChunked(input, chunk_bytes, &from_pipe);
    }
    writer.join();
    ::dup2(saved, STDIN_FILENO);
    ::close(saved);
    BOOST_TEST(from_pipe == from_file, boost::test_tools::per_element());
  }
}

BOOST_AUTO_TEST_CASE(a_record_longer_than_the_limit_is_an_error_not_unbounded_memory) {
  TempDir dir;
  std::string text = "a\n\"";
  text.append(CsvChunker::kMaxRecordBytes + 10, 'x');
  const std::string path = dir.Write("long.csv", text);
  InputStream input(path);
  CsvChunker chunker(input, 1 << 20);
  std::string chunk;
  BOOST_TEST(chunker.NextRecord(chunk));
  try {
    chunker.NextChunk(chunk);
    BOOST_ERROR("no error for an unterminated 64 MiB field");
  } catch (const InputError& e) {
    BOOST_TEST(std::string(e.what()).find("starts at byte 2") != std::string::npos, e.what());
  }
}

BOOST_AUTO_TEST_CASE(csv_fields_written_read_back_the_same) {
  for (const std::string text : {"plain", "", "a,b", "say \"hi\"", "two\nlines", "cr\rx", " s "}) {
    std::string line;
    qlab::data::AppendCsvField(line, text);
    line += ",end\n";
    CsvReader reader(line, "f.csv");
    std::vector<CsvField> fields;
    BOOST_REQUIRE(reader.Next(fields));
    BOOST_REQUIRE(fields.size() == 2u);
    BOOST_TEST(std::string(fields[0].text) == text);
  }
}
