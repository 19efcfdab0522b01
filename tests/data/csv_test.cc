// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
// The CSV reader and both loaders on small files the tests write.
#define BOOST_TEST_MODULE lab_csv
#include <boost/test/unit_test.hpp>

#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>

#include "common/input_error.h"
#include "common/temp_dir.h"
#include "qlab/data/csv.h"
#include "qlab/data/dataset.h"
#include "qlab/io/input_error.h"

using qlab::data::CsvField;
using qlab::data::CsvReader;
using qlab::io::InputError;
using qlab::data::LoadCaliforniaHousing;
using qlab::data::LoadCsv;
using qlab::testing::Contains;
using qlab::testing::ErrorOf;
using qlab::testing::TempDir;

namespace {

std::vector<std::vector<std::string>> ReadAll(std::string_view text) {
  CsvReader reader(text, "mem.csv");
  std::vector<CsvField> fields;
  std::vector<std::vector<std::string>> out;
  while (reader.Next(fields)) {
    out.emplace_back();
    for (const auto& f : fields) out.back().emplace_back(f.text);
  }
  return out;
}

const std::vector<std::vector<std::string>> kAbc = {{"a", "b"}, {"1", "2"}};

}  // namespace

BOOST_AUTO_TEST_CASE(reader_handles_lf_crlf_bom_and_missing_final_newline) {
  BOOST_TEST((ReadAll("a,b\n1,2\n") == kAbc));
  BOOST_TEST((ReadAll("a,b\n1,2") == kAbc));
  BOOST_TEST((ReadAll("a,b\r\n1,2\r\n") == kAbc));
  BOOST_TEST((ReadAll("\xEF\xBB\xBF"
                      "a,b\n1,2\n") == kAbc));
}

BOOST_AUTO_TEST_CASE(reader_unquotes_rfc_4180_fields) {
  const auto rows = ReadAll("\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n\"1\",2,\"\"\n");
  BOOST_REQUIRE(rows.size() == 2u);
  BOOST_TEST(rows[0][0] == "x,y");
  BOOST_TEST(rows[0][1] == "say \"hi\"");
  BOOST_TEST(rows[0][2] == "two\nlines");
  BOOST_TEST(rows[1][0] == "1");
  BOOST_TEST(rows[1][2] == "");
}

BOOST_AUTO_TEST_CASE(reader_positions_follow_quoted_line_breaks) {
  CsvReader reader("\"a\nb\",c\n1,22,3\n", "mem.csv");
  std::vector<CsvField> fields;
  BOOST_REQUIRE(reader.Next(fields));
  BOOST_TEST(fields[1].line == 2u);
  BOOST_TEST(fields[1].column == 4u);
  BOOST_REQUIRE(reader.Next(fields));
  BOOST_TEST(fields[2].line == 3u);
  BOOST_TEST(fields[2].column == 6u);
}

BOOST_AUTO_TEST_CASE(reader_rejects_broken_quotes_and_nul_bytes) {
  BOOST_TEST(ErrorOf([] { ReadAll("a,\"b\n1,2\n"); }) == "mem.csv:1:3: unterminated quoted field");
  BOOST_TEST(
      Contains(ErrorOf([] { ReadAll("a,\"b\"x\n"); }), "mem.csv:1:6: text after the closing"));
  BOOST_TEST(Contains(ErrorOf([] { ReadAll(std::string_view("a,b\n1,\0\n", 8)); }),
                      "mem.csv:2:3: binary data"));
}

BOOST_AUTO_TEST_CASE(numbers_parse_strictly) {
  auto parse = [](const std::string& text) {
    CsvField field;
    field.text = text;
    field.line = 4;
    field.column = 7;
    return qlab::data::ParseFiniteDouble(field, "f.csv", "x");
  };
  BOOST_TEST(parse("1.5") == 1.5);
  BOOST_TEST(parse("-2e3") == -2000.0);
  BOOST_TEST(parse("+0.25") == 0.25);
  BOOST_TEST(parse("1e-400") == 0.0);  // underflow reads as 0, as strtod and Python do
  BOOST_TEST(parse("452600.000000") == 452600.0);
  BOOST_TEST(ErrorOf([&] { parse(""); }) == "f.csv:4:7: empty field in column x");
  BOOST_TEST(ErrorOf([&] { parse("1.5x"); }) == "f.csv:4:7: not a number: '1.5x' in column x");
  BOOST_TEST(ErrorOf([&] { parse(" 1"); }) == "f.csv:4:7: not a number: ' 1' in column x");
  BOOST_TEST(ErrorOf([&] { parse("+-1"); }) == "f.csv:4:7: not a number: '+-1' in column x");
  BOOST_TEST(Contains(ErrorOf([&] { parse("1e400"); }), "f.csv:4:7: '1e400' is out of the range"));
  BOOST_TEST(Contains(ErrorOf([&] { parse("-1e400"); }), "out of the range of a double"));
  for (const char* text : {"nan", "NaN", "inf", "-Infinity", "+inf"}) {
    BOOST_TEST(Contains(ErrorOf([&] { parse(text); }), "is NaN or infinite"), text);
  }
  BOOST_TEST(ErrorOf([&] { parse(std::string("\x01\xff", 2)); }) ==
             "f.csv:4:7: not a number: '\\x01\\xff' in column x");
}

BOOST_AUTO_TEST_CASE(csv_loader_picks_the_target_wherever_it_stands) {
  TempDir dir;
  const std::string path = dir.Write("t.csv", "a,price,b\r\n1,10,2\r\n3,\"30\",4\r\n");
  const auto ds = LoadCsv(path, "price");
  BOOST_TEST(ds.kind == "csv");
  BOOST_TEST(ds.feature_names == (std::vector<std::string>{"a", "b"}),
             boost::test_tools::per_element());
  BOOST_TEST(ds.target_name == "price");
  BOOST_TEST(ds.X.rows() == 2);
  BOOST_TEST(ds.X(1, 0) == 3.0);
  BOOST_TEST(ds.X(1, 1) == 4.0);
  BOOST_TEST(ds.y[1] == 30.0);
  BOOST_TEST(ds.source_path.front() == '/');
  BOOST_TEST(ds.sha256.size() == 64u);
}

BOOST_AUTO_TEST_CASE(csv_loader_reports_bad_files_with_positions) {
  TempDir dir;
  auto error = [&](const std::string& contents, const std::string& target = "y") {
    const std::string path = dir.Write("bad.csv", contents);
    return ErrorOf([&] { LoadCsv(path, target); });
  };
  const std::string f = dir.File("bad.csv");
  BOOST_TEST(error("") == f + ": empty file, expected a header row and data rows");
  BOOST_TEST(error("x,y\n") == f + ": a header row but no data rows");
  BOOST_TEST(error("x,y\n1,2,\n") ==
             f + ":2:5: expected 2 fields (as the header has), found 3 (a trailing comma adds an "
                 "empty field)");
  BOOST_TEST(error("x,y\n1\n") == f + ":2:2: expected 2 fields (as the header has), found 1");
  BOOST_TEST(error("x,y\n1,2\n\n3,4\n") ==
             f + ":3:1: empty line, expected 2 fields (as the header has)");
  BOOST_TEST(error("x,y\n1,\n") == f + ":2:3: empty field in column y");
  BOOST_TEST(error("x,y\n1,abc\n") == f + ":2:3: not a number: 'abc' in column y");
  BOOST_TEST(error("x,y\n1,nan\n") ==
             f + ":2:3: 'nan' is NaN or infinite; only finite numbers are allowed in column y");
  BOOST_TEST(error("x,y\n1e400,1\n") ==
             f + ":2:1: '1e400' is out of the range of a double in column x");
  BOOST_TEST(error("x,y\n1,2\n", "z") == f + ":1:1: --target z: no such column (columns: x, y)");
  BOOST_TEST(error("x,y\n1,2\n", "") ==
             f + ":1:1: a CSV data set needs --target NAME (columns: x, y)");
  BOOST_TEST(error("x,x,y\n1,2,3\n") == f + ":1:3: column name 'x' appears twice in the header");
  BOOST_TEST(error("x,,y\n1,2,3\n") == f + ":1:3: empty column name in the header");
  BOOST_TEST(error("y\n1\n") == f + ":1:1: only the target column, no feature column");
  BOOST_TEST(Contains(error("\x89PNG\r\n\x1a\n"), f + ":1:1: column name '\\x89PNG"));
  BOOST_TEST(error(std::string("x,y\n\x7f\x45LF\x02\x01\x01\x00\n", 13)) ==
             f + ":2:8: binary data (a NUL byte), expected comma-separated text");
}

BOOST_AUTO_TEST_CASE(missing_file_is_named) {
  TempDir dir;
  const std::string path = dir.File("none.csv");
  BOOST_TEST(ErrorOf([&] { LoadCsv(path, "y"); }) == path + ": no such file");
  BOOST_TEST(Contains(ErrorOf([&] { qlab::data::LoadDataset("california", "", dir.path()); }),
                      dir.File("cal_housing.data") + ": no such file; fetch the data with `bash "
                                                     "tools/fetch-data.sh"));
}

BOOST_AUTO_TEST_CASE(statlib_loader_derives_scikit_learns_features) {
  TempDir dir;
  const std::string path = dir.Write(
      "cal_housing.data",
      "-122.230000,37.880000,41.000000,880.000000,129.000000,322.000000,126.000000,8.325200,"
      "452600.000000\n-122.220000,37.860000,21.000000,7099.000000,1106.000000,2401.000000,"
      "1138.000000,8.301400,358500.000000");
  const auto ds = LoadCaliforniaHousing(path);
  BOOST_TEST(ds.kind == "california");
  BOOST_TEST(ds.X.rows() == 2);
  BOOST_TEST(ds.X(0, 0) == 8.3252);
  BOOST_TEST(ds.X(0, 1) == 41.0);
  BOOST_TEST(ds.X(0, 2) == 880.0 / 126.0);
  BOOST_TEST(ds.X(0, 3) == 129.0 / 126.0);
  BOOST_TEST(ds.X(0, 4) == 322.0);
  BOOST_TEST(ds.X(0, 5) == 322.0 / 126.0);
  BOOST_TEST(ds.X(0, 6) == 37.88);
  BOOST_TEST(ds.X(0, 7) == -122.23);
  BOOST_TEST(ds.y[0] == 4.526);
  BOOST_TEST(ds.y[1] == 358500.0 / 100000.0);
}

BOOST_AUTO_TEST_CASE(statlib_loader_rejects_bad_rows) {
  TempDir dir;
  auto error = [&](const std::string& contents) {
    const std::string path = dir.Write("cal_housing.data", contents);
    return ErrorOf([&] { LoadCaliforniaHousing(path); });
  };
  const std::string f = dir.File("cal_housing.data");
  BOOST_TEST(error("") == f + ": empty file, expected the StatLib cal_housing.data");
  BOOST_TEST(error("1,2,3,4,5,6,7,8,9\n1,2,3,4,5,6,0,8,9\n") ==
             f + ":2:13: households is 0; the per-household features would divide by zero");
  BOOST_TEST(error("1,2,3,4,5,6,7,8\n") ==
             f + ":1:16: expected 9 fields (the StatLib cal_housing.data layout), found 8");
  BOOST_TEST(error("1,2,3,4,5,6,7,8,inf\n") ==
             f + ":1:17: 'inf' is NaN or infinite; only finite numbers are allowed in column "
                 "medianHouseValue");
}

BOOST_AUTO_TEST_CASE(fast_decimal_path_agrees_with_from_chars_bit_for_bit) {
  // Plain decimals take a shortcut (exact mantissa / exact power of ten); every one must give the
  // double std::from_chars gives, including those just past the shortcut's limits.
  std::mt19937_64 rng(2026);
  auto digits = [&](int count) {
    std::string s;
    for (int i = 0; i < count; ++i) s.push_back(static_cast<char>('0' + rng() % 10));
    return s;
  };
  int checked = 0;
  for (int trial = 0; trial < 200000; ++trial) {
    const int int_digits = static_cast<int>(rng() % 12);
    const int frac_digits = static_cast<int>(rng() % 25);
    std::string text;
    if (rng() % 2) text.push_back('-');
    text += digits(int_digits);
    if (frac_digits > 0 || int_digits == 0) {
      text.push_back('.');
      text += digits(frac_digits == 0 ? 1 : frac_digits);
    }
    CsvField field;
    field.text = text;
    const double fast = qlab::data::ParseFiniteDouble(field, "f.csv", "");
    double slow = 0;
    const char* first = text.data();
    std::from_chars(first, first + text.size(), slow);
    BOOST_TEST(std::bit_cast<uint64_t>(fast) == std::bit_cast<uint64_t>(slow), text);
    ++checked;
  }
  for (const char* text : {"9007199254740993", "9007199254740992.5", "0.1", "-0.0", "1.", ".5",
                           "123456789012345678", "1234567890123456789", "0.0000000000000000000001",
                           "2.2250738585072014e-308", "4.9e-324", "17976931348623157e292"}) {
    CsvField field;
    field.text = text;
    const double fast = qlab::data::ParseFiniteDouble(field, "f.csv", "");
    double slow = 0;
    std::from_chars(text, text + std::strlen(text), slow);
    BOOST_TEST(std::bit_cast<uint64_t>(fast) == std::bit_cast<uint64_t>(slow), text);
  }
  BOOST_TEST(checked == 200000);
}
