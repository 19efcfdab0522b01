// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Every bad input of the foundation issue, through the built program: exit code 2, exactly one
// line on stderr naming the file (with line and column where they apply), nothing on stdout.
#define BOOST_TEST_MODULE tools_bad_input
#include <boost/test/unit_test.hpp>

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/data_dir.h"
#include "common/run_qlab.h"
#include "common/temp_dir.h"
#include "qlab/io/input_error.h"

using qlab::testing::RunQlab;
using qlab::testing::TempDir;

namespace {

// Checks the exit-code contract and that the one stderr line starts with `expected`.
void ExpectBadInput(const std::vector<std::string>& args, const std::string& expected) {
  const auto r = RunQlab(args);
  BOOST_TEST_CONTEXT("qlab " << fmt::format("{}", fmt::join(args, " "))) {
    BOOST_TEST(r.exit_code == 2);
    BOOST_TEST(r.out.empty(), "stdout: " << r.out);
    BOOST_TEST(r.err.find('\n') == r.err.size() - 1, "not exactly one line: " << r.err);
    BOOST_TEST(r.err.rfind(expected, 0) == 0u, "stderr: " << r.err << "expected: " << expected);
  }
}

// Train on `contents` written to bad.csv, with --json so that nothing may reach stdout even then.
void ExpectCsvError(const std::string& contents, const std::string& expected_after_path,
                    const std::string& target = "y") {
  TempDir dir;
  const std::string path = dir.Write("bad.csv", contents);
  ExpectBadInput({"train", "--dataset", path, "--target", target, "--out", dir.File("m"), "--json"},
                 path + expected_after_path);
  BOOST_TEST(!std::filesystem::exists(dir.File("m/model.json")));
}

// y = a + 2b with a little noise, enough rows for a fit.
std::string GoodCsv(int rows, const std::string& extra_header = "",
                    std::string (*extra)(int) = nullptr) {
  std::string csv = "a,b,y" + extra_header + "\n";
  for (int i = 0; i < rows; ++i) {
    const double a = (i * 37 % 101) / 10.0;
    const double b = (i * 53 % 89) / 7.0;
    csv += fmt::format("{},{},{}", a, b, a + 2 * b + ((i % 3) - 1) * 0.01);
    if (extra) csv += extra(i);
    csv += "\n";
  }
  return csv;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_data_path_that_is_not_utf8_is_refused_before_anything_is_written) {
  // model.json and --json record the path as JSON text; an overlong NUL (C0 80) cannot be.
  TempDir dir;
  const std::string path = dir.Write("x\xc0\x80.csv", GoodCsv(40));
  ExpectBadInput({"train", "--dataset", path, "--target", "y", "--out", dir.File("m"), "--json"},
                 qlab::io::Printable(path, 200) + ": the path is not valid UTF-8 text");
  BOOST_TEST(!std::filesystem::exists(dir.File("m")));
}

BOOST_AUTO_TEST_CASE(missing_files) {
  TempDir dir;
  ExpectBadInput({"train", "--dataset", dir.File("none.csv"), "--target", "y"},
                 dir.File("none.csv") + ": no such file");
  ExpectBadInput({"train", "--data-dir", dir.path(), "--out", dir.File("m")},
                 dir.File("cal_housing.data") +
                     ": no such file; fetch the data with `bash tools/fetch-data.sh");
  ExpectBadInput({"run", "--data-dir", dir.path(), "--out", dir.File("r")},
                 dir.File("cal_housing.data") + ": no such file");
  BOOST_TEST(!std::filesystem::exists(dir.File("r")));  // nothing half-written
  ExpectBadInput({"predict", "--model", dir.File("nowhere")},
                 dir.File("nowhere/model.json") + ": no such file");
}

BOOST_AUTO_TEST_CASE(wrong_column_count) {
  ExpectCsvError("a,b,y\n1,2,3\n4,5\n", ":3:4: expected 3 fields (as the header has), found 2");
  ExpectCsvError("a,b,y\n1,2,3,4\n", ":2:7: expected 3 fields (as the header has), found 4");
}

BOOST_AUTO_TEST_CASE(trailing_comma_is_an_extra_empty_field) {
  ExpectCsvError("a,b,y\n1,2,3,\n",
                 ":2:7: expected 3 fields (as the header has), found 4 (a trailing comma adds an "
                 "empty field)");
}

BOOST_AUTO_TEST_CASE(empty_field) {
  ExpectCsvError("a,b,y\n1,,3\n", ":2:3: empty field in column b");
}

BOOST_AUTO_TEST_CASE(non_numeric_field) {
  ExpectCsvError("a,b,y\n1,2,3\n1,two,3\n", ":3:3: not a number: 'two' in column b");
  ExpectCsvError("a,b,y\n1,2,3\n1,2 ,3\n", ":3:3: not a number: '2 ' in column b");
}

BOOST_AUTO_TEST_CASE(nan_and_inf) {
  ExpectCsvError("a,b,y\n1,2,NaN\n",
                 ":2:5: 'NaN' is NaN or infinite; only finite numbers are allowed in column y");
  ExpectCsvError("a,b,y\n1,inf,3\n", ":2:3: 'inf' is NaN or infinite");
  ExpectCsvError("a,b,y\n-Infinity,2,3\n", ":2:1: '-Infinity' is NaN or infinite");
}

BOOST_AUTO_TEST_CASE(number_out_of_double_range) {
  ExpectCsvError("a,b,y\n1,1e400,3\n", ":2:3: '1e400' is out of the range of a double in column b");
}

BOOST_AUTO_TEST_CASE(empty_file_and_header_only) {
  ExpectCsvError("", ": empty file, expected a header row and data rows");
  ExpectCsvError("a,b,y\n", ": a header row but no data rows");
}

BOOST_AUTO_TEST_CASE(binary_garbage) {
  std::string garbage =
      "\x7f"
      "ELF\x02\x01\x01";
  garbage.push_back('\0');
  garbage += "\x89\xff\x10,\x01\n";
  ExpectCsvError(garbage, ":1:8: binary data (a NUL byte), expected comma-separated text");
  ExpectCsvError("\x89PNG\r\n\x1a\n\xff\xfe,\x01\n",
                 ":1:1: column name '\\x89PNG' is not printable");

  // The StatLib loader sees the same garbage as a non-numeric first field.
  TempDir dir;
  dir.Write("cal_housing.data", "\x89PNG\r\n\x1a\n");
  ExpectBadInput({"train", "--data-dir", dir.path(), "--out", dir.File("m")},
                 dir.File("cal_housing.data") + ":1:5: expected 9 fields");
}

BOOST_AUTO_TEST_CASE(unknown_target) {
  ExpectCsvError("a,b,y\n1,2,3\n", ":1:1: --target price: no such column (columns: a, b, y)",
                 "price");
  BOOST_REQUIRE_MESSAGE(qlab::testing::HaveCaliforniaData(), qlab::testing::MissingDataMessage());
  ExpectBadInput({"train", "--data-dir", qlab::testing::CaliforniaDataDir(), "--target", "Price"},
                 "qlab: --target Price: the california data set's target is MedHouseVal");
}

BOOST_AUTO_TEST_CASE(test_size_outside_zero_one) {
  TempDir dir;
  const std::string path = dir.Write("ok.csv", GoodCsv(20));
  for (const char* size : {"0", "1", "-0.2", "1.5"}) {
    const auto r = RunQlab(
        {"train", "--dataset", path, "--target", "y", "--test-size", size, "--out", dir.File("m")});
    BOOST_TEST(r.exit_code == 2, size);
    BOOST_TEST(r.out.empty());
    BOOST_TEST(r.err.rfind("qlab: --test-size ", 0) == 0u, r.err);
    BOOST_TEST(r.err.find("must be in (0, 1)") != std::string::npos, r.err);
  }
  // Not numbers at all: refused by the command line's one number parser (lab/io/number.h).
  ExpectBadInput({"train", "--dataset", path, "--target", "y", "--test-size", "abc"},
                 "qlab: --test-size: 'abc': not a decimal number");
  ExpectBadInput({"train", "--dataset", path, "--target", "y", "--test-size", "nan"},
                 "qlab: --test-size: 'nan': NaN or infinite; only finite numbers are allowed");
}

BOOST_AUTO_TEST_CASE(too_few_rows_for_the_split) {
  TempDir dir;
  const std::string one = dir.Write("one.csv", "a,b,y\n1,2,3\n");
  ExpectBadInput({"train", "--dataset", one, "--target", "y", "--out", dir.File("m")},
                 "qlab: too few rows for the split: 1 rows with --test-size 0.2 give 0 training "
                 "and 1 test rows, need at least 2 of each");
  const std::string four = dir.Write("four.csv", "a,b,y\n1,2,3\n2,1,4\n3,5,1\n4,4,4\n");
  ExpectBadInput(
      {"train", "--dataset", four, "--target", "y", "--test-size", "0.5", "--out", dir.File("m")},
      four + ": too few rows for the split: 2 training rows cannot determine 2 coefficients");
}

BOOST_AUTO_TEST_CASE(rank_deficient_design_names_the_columns) {
  TempDir dir;
  const std::string path = dir.Write("dep.csv", GoodCsv(40, ",c", [](int i) {
                                       const double a = (i * 37 % 101) / 10.0;
                                       const double b = (i * 53 % 89) / 7.0;
                                       return fmt::format(",{}", 3 * a - b);
                                     }));
  ExpectBadInput({"train", "--dataset", path, "--target", "y"},
                 path +
                     ": rank-deficient design on the training split: columns a, b, c are "
                     "linearly dependent");
}

BOOST_AUTO_TEST_CASE(usage_errors) {
  ExpectBadInput({"train", "--solver", "lsqr"}, "qlab: --solver: lsqr not in {svd,qr,ldlt}");
  ExpectBadInput({"train", "--no-such-flag"}, "qlab: ");
  ExpectBadInput({"predict", "--kernel", "fp64"}, "qlab: --kernel: fp64 not in");
  ExpectBadInput({"predict", "--isa", "NOT_A_TARGET"}, "qlab: --isa NOT_A_TARGET: not a target");
  ExpectBadInput({"train", "--seed", "-1"}, "qlab: --seed: '-1': must be a non-negative integer");
  ExpectBadInput({}, "qlab: ");
}

BOOST_AUTO_TEST_CASE(changed_data_is_refused_by_predict) {
  TempDir dir;
  const std::string path = dir.Write("d.csv", GoodCsv(30));
  const auto trained =
      RunQlab({"train", "--dataset", path, "--target", "y", "--out", dir.File("m")});
  BOOST_REQUIRE(trained.exit_code == 0);
  dir.Write("d.csv", GoodCsv(31));
  ExpectBadInput({"predict", "--model", dir.File("m"), "--json"}, path + ": sha256 ");
  // Naming the data anew is accepted.
  BOOST_TEST(RunQlab({"predict", "--model", dir.File("m"), "--dataset", path}).exit_code == 0);
}

BOOST_AUTO_TEST_CASE(output_folder_that_cannot_be_made) {
  TempDir dir;
  const std::string file = dir.Write("taken", "a file, not a folder");
  const std::string data = dir.Write("d.csv", GoodCsv(20));
  ExpectBadInput({"train", "--dataset", data, "--target", "y", "--out", file},
                 file + ": cannot create the output folder");
}

BOOST_AUTO_TEST_CASE(corrupt_model_file) {
  TempDir dir;
  std::filesystem::create_directories(dir.File("m"));
  dir.Write("m/model.json", "{\"format\": \"qlab.linear_model\",\n \"version\": }");
  ExpectBadInput({"predict", "--model", dir.File("m")},
                 dir.File("m/model.json") + ":2:13: not valid JSON");
}

// Every command that reads a model folder refuses one it cannot read as bad input (exit 2), never
// as a check's regression (exit 1) or an internal error (3): a folder that does not exist, a
// plain file named as the folder, a model.json that is a folder, a FIFO or a symbolic-link loop,
// and (when not root, which reads anything) a model.json without read permission.
BOOST_AUTO_TEST_CASE(an_unreadable_model_folder_is_bad_input_for_quantize_predict_and_score) {
  TempDir dir;
  const std::string rows = dir.Write("rows.csv", "a,b\n1,2\n");
  struct Folder {
    std::string path;
    std::string message;  // what the one stderr line starts with
  };
  std::vector<Folder> folders = {
      {dir.File("nowhere"), dir.File("nowhere/model.json") + ": no such file"},
      // A file where the folder belongs, a loop of links: what they are, not "no such file".
      {dir.Write("plain", "not a folder"),
       dir.File("plain/model.json") + ": cannot open: Not a directory"},
  };
  std::filesystem::create_directories(dir.File("folder/model.json"));
  folders.push_back(
      {dir.File("folder"), dir.File("folder/model.json") + ": is a folder, not a regular file"});
  std::filesystem::create_directories(dir.File("fifo"));
  BOOST_REQUIRE(::mkfifo(dir.File("fifo/model.json").c_str(), 0644) == 0);
  folders.push_back({dir.File("fifo"), dir.File("fifo/model.json") + ": is a FIFO"});
  std::filesystem::create_directories(dir.File("loop"));
  std::filesystem::create_symlink("model.json", dir.File("loop/model.json"));
  folders.push_back({dir.File("loop"), dir.File("loop/model.json") +
                                           ": cannot open: Too many levels of symbolic links"});
  if (::geteuid() != 0) {
    std::filesystem::create_directories(dir.File("locked"));
    dir.Write("locked/model.json", "{}");
    std::filesystem::permissions(dir.File("locked/model.json"), std::filesystem::perms::none);
    folders.push_back(
        {dir.File("locked"), dir.File("locked/model.json") + ": cannot open: Permission denied"});
  }
  for (const Folder& folder : folders) {
    const std::string out = dir.File("quantized");
    ExpectBadInput({"quantize", "--model", folder.path, "--out", out, "--json"}, folder.message);
    BOOST_TEST(!std::filesystem::exists(out), folder.path);  // nothing half-written
    ExpectBadInput({"predict", "--model", folder.path, "--json"}, folder.message);
    ExpectBadInput({"score", "--model", folder.path, "--input", rows}, folder.message);
  }
}
