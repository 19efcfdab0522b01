// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// CRLF line ends, a UTF-8 byte order mark and RFC 4180 quoted fields are valid CSV: each spelling
// of a file loads with exactly the numbers (and names) of the plain LF file.
#define BOOST_TEST_MODULE malformed_csv_dialects
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "qlab/data/dataset.h"
#include "qlab/io/input_error.h"

namespace {

namespace fs = std::filesystem;

class ScratchFolder {
 public:
  ScratchFolder() {
    std::string pattern = (fs::temp_directory_path() / "qlab-dialects.XXXXXX").string();
    BOOST_REQUIRE(mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~ScratchFolder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string Write(const std::string& name, const std::string& bytes) const {
    const fs::path file = path_ / name;
    std::ofstream(file, std::ios::binary) << bytes;
    return file.string();
  }

 private:
  fs::path path_;
};

// Rows of a CSV file, one vector of fields per record.
using Table = std::vector<std::vector<std::string>>;

const Table& Plain() {
  static const Table table = {
      {"rooms", "age", "y", "lat"},
      {"1.5", "-2", "3.25e-3", "37.880000"},
      {"4", "5.000000000000001", "-6.5E+2", "-122.23"},
      {"0.1", "1e-300", "9007199254740993", "+7"},
      {"-0", "2.2250738585072014e-308", "1.7976931348623157e308", "123456789.123456789"},
  };
  return table;
}

struct Spelling {
  bool crlf = false;
  bool bom = false;
  bool quote_all = false;
  bool final_newline = true;
};

std::string Spell(const Table& table, const Spelling& s) {
  std::string out = s.bom ? "\xEF\xBB\xBF" : "";
  for (size_t r = 0; r < table.size(); ++r) {
    for (size_t c = 0; c < table[r].size(); ++c) {
      if (c > 0) out += ',';
      out += s.quote_all ? "\"" + table[r][c] + "\"" : table[r][c];
    }
    if (r + 1 < table.size() || s.final_newline) out += s.crlf ? "\r\n" : "\n";
  }
  return out;
}

void ExpectSameData(const qlab::data::Dataset& expected, const qlab::data::Dataset& actual) {
  BOOST_TEST(actual.feature_names == expected.feature_names, boost::test_tools::per_element());
  BOOST_TEST(actual.target_name == expected.target_name);
  BOOST_REQUIRE_EQUAL(actual.X.rows(), expected.X.rows());
  BOOST_REQUIRE_EQUAL(actual.X.cols(), expected.X.cols());
  // Bit-for-bit: the same text must parse to the same double whatever surrounds it.
  for (Eigen::Index i = 0; i < expected.X.rows(); ++i) {
    for (Eigen::Index j = 0; j < expected.X.cols(); ++j) {
      BOOST_TEST(actual.X(i, j) == expected.X(i, j), "X(" << i << "," << j << ")");
    }
    BOOST_TEST(actual.y[i] == expected.y[i], "y(" << i << ")");
  }
}

}  // namespace

BOOST_AUTO_TEST_CASE(every_spelling_loads_the_numbers_of_the_plain_file) {
  ScratchFolder scratch;
  const qlab::data::Dataset plain = qlab::data::LoadCsv(scratch.Write("plain.csv", Spell(Plain(), {})), "y");
  BOOST_TEST(plain.X.rows() == 4);
  BOOST_TEST(plain.X.cols() == 3);
  BOOST_TEST(plain.y[2] == 9007199254740992.0);  // 2^53 + 1 rounds to even
  BOOST_TEST(plain.y[3] == 1.7976931348623157e308);
  int variant = 0;
  for (bool crlf : {false, true}) {
    for (bool bom : {false, true}) {
      for (bool quote_all : {false, true}) {
        for (bool final_newline : {false, true}) {
          const Spelling s{crlf, bom, quote_all, final_newline};
          BOOST_TEST_CONTEXT("crlf=" << crlf << " bom=" << bom << " quoted=" << quote_all
                                     << " final_newline=" << final_newline) {
            const std::string name = "variant" + std::to_string(variant++) + ".csv";
            ExpectSameData(plain, qlab::data::LoadCsv(scratch.Write(name, Spell(Plain(), s)), "y"));
          }
        }
      }
    }
  }
}

// (A line break inside a quoted header name is read, but names must be printable: bad input.)
BOOST_AUTO_TEST_CASE(quoted_fields_may_hold_commas_and_quotes) {
  ScratchFolder scratch;
  const std::string text =
      "\"rooms, total\",\"age \"\"years\"\"\",y,\"lat\"\r\n"
      "\"1.5\",-2,\"3.25e-3\",37.880000\r\n"
      "4,\"5.000000000000001\",-6.5E+2,\"-122.23\"\r\n";
  const qlab::data::Dataset d = qlab::data::LoadCsv(scratch.Write("quoted.csv", text), "y");
  const std::vector<std::string> names = {"rooms, total", "age \"years\"", "lat"};
  BOOST_TEST(d.feature_names == names, boost::test_tools::per_element());
  BOOST_REQUIRE_EQUAL(d.X.rows(), 2);
  BOOST_TEST(d.X(0, 0) == 1.5);
  BOOST_TEST(d.X(1, 1) == 5.000000000000001);
  BOOST_TEST(d.y[0] == 3.25e-3);
  BOOST_TEST(d.y[1] == -650.0);
  BOOST_TEST(d.X(1, 2) == -122.23);
}

BOOST_AUTO_TEST_CASE(the_statlib_file_loads_the_same_with_crlf_and_a_bom) {
  ScratchFolder scratch;
  const Table rows = {
      {"-122.230000", "37.880000", "41.000000", "880.000000", "129.000000", "322.000000",
       "126.000000", "8.325200", "452600.000000"},
      {"-122.220000", "37.860000", "21.000000", "7099.000000", "1106.000000", "2401.000000",
       "1138.000000", "8.301400", "358500.000000"},
  };
  const qlab::data::Dataset plain =
      qlab::data::LoadCaliforniaHousing(scratch.Write("plain.data", Spell(rows, {})));
  BOOST_REQUIRE_EQUAL(plain.X.rows(), 2);
  BOOST_TEST(plain.X(0, 2) == 880.0 / 126.0);  // AveRooms = totalRooms / households
  for (const Spelling s : {Spelling{true, false, false, true}, Spelling{false, true, false, false},
                           Spelling{true, true, true, true}}) {
    BOOST_TEST_CONTEXT("crlf=" << s.crlf << " bom=" << s.bom << " quoted=" << s.quote_all) {
      ExpectSameData(plain, qlab::data::LoadCaliforniaHousing(scratch.Write("v.data", Spell(rows, s))));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_byte_order_mark_only_counts_at_the_start) {
  ScratchFolder scratch;
  const std::string text =
      "a,y\n\xEF\xBB\xBF"
      "1,2\n3,4\n";
  BOOST_CHECK_THROW(qlab::data::LoadCsv(scratch.Write("late_bom.csv", text), "y"), qlab::io::InputError);
}
