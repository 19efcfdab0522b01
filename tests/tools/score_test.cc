// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// `qlab score` end to end on California Housing's test rows: predictions byte-identical to
// `qlab predict --predictions` for every kernel; the same output for every thread count, chunk
// size (boundaries inside quoted fields included), a file or stdin, CSV or .npy; bad rows as exit
// 2 with the first bad row's position and exactly the rows before it on stdout; nothing left
// behind with --output; a closed pipe ending quietly; GNU parallel giving the single-process
// output.
#define BOOST_TEST_MODULE tools_score
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "common/data_dir.h"
#include "common/run_qlab.h"
#include "common/temp_dir.h"
#include "qlab/data/dataset.h"
#include "qlab/io/shortest.h"
#include "qlab/model/artifact.h"
#include "qlab/quant/artifact.h"
#include "qlab/quant/quantize.h"

using nlohmann::json;
using qlab::io::ReadFileBytes;
using qlab::testing::RunQlab;
using qlab::testing::RunResult;
using qlab::testing::TempDir;

namespace {

std::string Quote(const std::string& arg) {
  std::string out = "'";
  for (const char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  return out + "'";
}

// `script` run by bash with QLAB set to the built program; stdout and stderr captured.
RunResult RunShell(const std::string& script) {
  const std::string qlab = qlab::testing::QlabBinary();
  return qlab::testing::RunProgram({"/bin/bash", "-c", "QLAB=" + Quote(qlab) + "\n" + script});
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The order the test CSV lists the features in: not the model's.
const std::vector<size_t> kShuffled = {7, 2, 0, 5, 1, 6, 3, 4};

// A note column that needs quoting now and then: commas, quotes and line breaks.
std::string Note(size_t i) {
  switch (i % 5) {
    case 0:
      return "plain";
    case 1:
      return "a, b";
    case 2:
      return "say \"hi\"";
    case 3:
      return "two\nlines\nhere";
    default:
      return "";
  }
}

void AppendField(std::string& out, const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) {
    out += text;
    return;
  }
  out.push_back('"');
  for (const char c : text) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

void WriteNpy(const std::string& path, const std::vector<double>& values, size_t rows, size_t cols,
              bool f32, const std::string& shape_override = "") {
  const std::string shape = shape_override.empty()
                                ? "(" + std::to_string(rows) + ", " + std::to_string(cols) + ")"
                                : shape_override;
  std::string header = std::string("{'descr': '") + (f32 ? "<f4" : "<f8") +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64 != 0) header.push_back(' ');
  header.push_back('\n');
  std::string bytes = "\x93NUMPY";
  bytes.push_back('\x01');
  bytes.push_back('\x00');
  bytes.push_back(static_cast<char>(header.size() & 0xff));
  bytes.push_back(static_cast<char>(header.size() >> 8));
  bytes += header;
  for (const double v : values) {
    if (f32) {
      const auto f = static_cast<float>(v);
      bytes.append(reinterpret_cast<const char*>(&f), 4);
    } else {
      bytes.append(reinterpret_cast<const char*>(&v), 8);
    }
  }
  std::ofstream(path, std::ios::binary) << bytes;
}

// Trained once for the whole suite: the float model, its w8a8 quantization, the test rows as CSV
// (features shuffled, an id and a note column) and predict's predictions for every kernel.
struct Suite {
  TempDir dir;
  std::string model, qmodel, csv, csv_plain, data_dir;
  qlab::data::Dataset data;
  std::vector<int64_t> rows;                     // the test rows, in predict's order
  std::map<std::string, std::string> predicted;  // kernel -> predict --predictions file
  std::vector<double> features;                  // the test rows in the model's order, row-major

  Suite() {
    BOOST_REQUIRE_MESSAGE(qlab::testing::HaveCaliforniaData(), qlab::testing::MissingDataMessage());
    data_dir = qlab::testing::CaliforniaDataDir();
    model = dir.File("model");
    qmodel = dir.File("q");
    Require(RunQlab({"train", "--out", model, "--data-dir", data_dir}));
    Require(RunQlab({"quantize", "--model", model, "--scheme", "w8a8", "--out", qmodel,
                     "--data-dir", data_dir}));
    for (const char* kernel : {"ref", "f32", "w8", "w8a8", "seed"}) {
      const std::string file = dir.File(std::string("predict-") + kernel + ".csv");
      Require(RunQlab({"predict", "--model", model, "--kernel", kernel, "--predictions", file,
                       "--data-dir", data_dir}));
      predicted[kernel] = ReadFileBytes(file);
    }
    for (const std::string& line : Lines(predicted["ref"])) {
      if (line != "row,prediction") rows.push_back(std::stoll(line.substr(0, line.find(','))));
    }
    data = qlab::data::LoadCaliforniaHousing(qlab::testing::CaliforniaDataFile());
    std::string text = "note,";
    std::string plain = "id";
    for (const size_t j : kShuffled) text += data.feature_names[j] + ",";
    for (const size_t j : kShuffled) plain += "," + data.feature_names[j];
    text += "id\n";
    plain += "\n";
    for (size_t i = 0; i < rows.size(); ++i) {
      const auto r = static_cast<Eigen::Index>(rows[i]);
      AppendField(text, Note(i));
      plain += std::to_string(rows[i]);
      for (const size_t j : kShuffled) {
        text.push_back(',');
        qlab::io::AppendShortest(text, data.X(r, static_cast<Eigen::Index>(j)));
        plain.push_back(',');
        qlab::io::AppendShortest(plain, data.X(r, static_cast<Eigen::Index>(j)));
      }
      text += "," + std::to_string(rows[i]) + (i % 2 == 0 ? "\n" : "\r\n");
      plain += "\n";
      for (Eigen::Index j = 0; j < 8; ++j) features.push_back(data.X(r, j));
    }
    csv = dir.Write("rows.csv", "\xEF\xBB\xBF" + text);
    csv_plain = dir.Write("plain.csv", plain);
  }

  static void Require(const RunResult& r) { BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err); }

  // score's stdout for these arguments (exit 0 required).
  std::string Score(std::vector<std::string> args) const {
    args.insert(args.begin(), "score");
    const RunResult r = RunQlab(args);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, "qlab score failed: " << r.err);
    return r.out;
  }
};

Suite* suite = nullptr;
struct SuiteFixture {
  SuiteFixture() {}
  void setup() { suite = new Suite(); }
  void teardown() {
    delete suite;
    suite = nullptr;
  }
};
BOOST_TEST_GLOBAL_FIXTURE(SuiteFixture);

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

}  // namespace

BOOST_AUTO_TEST_CASE(predictions_equal_predict_byte_for_byte_for_every_kernel) {
  const Suite& s = *suite;
  for (const char* kernel : {"ref", "f32", "w8", "w8a8", "seed"}) {
    const std::string out = s.Score({"--model", s.model, "--input", s.csv, "--keep", "id",
                                     "--kernel", kernel, "--data-dir", s.data_dir});
    BOOST_TEST(Replace(out, "id,prediction", "row,prediction") == s.predicted.at(kernel),
               "kernel " << kernel);
  }
  // A quantized folder scores with its own scheme by default; the one predict quantized on the
  // spot is the same model (default options), so the same bits.
  const std::string out = s.Score({"--model", s.qmodel, "--input", s.csv, "--keep", "id"});
  BOOST_TEST(Replace(out, "id,prediction", "row,prediction") == s.predicted.at("w8a8"));
}

BOOST_AUTO_TEST_CASE(ref_predictions_are_the_model_formula_within_1e_12) {
  const Suite& s = *suite;
  const qlab::model::LinearModel m = qlab::model::LoadModel(s.model);
  const std::vector<std::string> lines =
      Lines(s.Score({"--model", s.model, "--input", s.csv_plain}));
  BOOST_REQUIRE(lines.size() == s.rows.size() + 1);
  for (size_t i = 0; i < s.rows.size(); ++i) {
    long double exact = m.intercept;
    for (Eigen::Index j = 0; j < 8; ++j) {
      exact += (static_cast<long double>(s.features[i * 8 + static_cast<size_t>(j)]) -
                m.scaler_mean[j]) /
               m.scaler_scale[j] * m.coef[j];
    }
    const double got = std::stod(lines[i + 1]);
    BOOST_TEST(std::fabs(static_cast<long double>(got) - exact) <= 1e-12L * std::fabs(exact),
               "row " << s.rows[i] << ": " << got);
  }
}

BOOST_AUTO_TEST_CASE(output_is_the_same_for_every_thread_count_chunk_size_and_stdin) {
  const Suite& s = *suite;
  for (const char* kernel : {"ref", "f32", "w8", "w8a8"}) {
    const std::vector<std::string> base = {"--model", s.model, "--kernel",   kernel,    "--keep",
                                           "note",    "id",    "--data-dir", s.data_dir};
    auto with = [&](std::vector<std::string> extra) {
      std::vector<std::string> args = base;
      args.insert(args.end(), extra.begin(), extra.end());
      return args;
    };
    const std::string want = s.Score(with({"--input", s.csv, "--threads", "1"}));
    BOOST_TEST(Lines(want).size() > s.rows.size());  // quoted notes span lines
    // Chunks of 1 and 61 bytes end inside quoted notes and inside CRLFs over and over.
    for (const char* threads : {"1", "2", "3"}) {
      for (const char* chunk : {"1", "61", "4096"}) {
        BOOST_TEST(
            s.Score(with({"--input", s.csv, "--threads", threads, "--chunk-bytes", chunk})) == want,
            kernel << " threads " << threads << " chunk " << chunk);
      }
    }
    std::string command = "cat " + Quote(s.csv) + " | \"$QLAB\" score --input - --threads 2";
    for (const std::string& arg : base) {
      command.push_back(' ');
      command += Quote(arg);
    }
    const RunResult piped = RunShell(command);
    BOOST_TEST(piped.exit_code == 0, piped.err);
    BOOST_TEST(piped.out == want, kernel << " from stdin");
  }
}

BOOST_AUTO_TEST_CASE(keep_columns_come_first_quoted_as_needed) {
  const Suite& s = *suite;
  const std::string out =
      s.Score({"--model", s.model, "--input", s.csv, "--keep", "id", "note", "--threads", "2"});
  const std::string ref = s.Score({"--model", s.model, "--input", s.csv_plain});
  const std::vector<std::string> predictions = Lines(ref);
  std::string want = "id,note,prediction\n";
  for (size_t i = 0; i < s.rows.size(); ++i) {
    want += std::to_string(s.rows[i]) + ",";
    AppendField(want, Note(i));
    want += "," + predictions[i + 1] + "\n";
  }
  BOOST_TEST(out == want);
}

BOOST_AUTO_TEST_CASE(npy_input_scores_as_csv_does) {
  const Suite& s = *suite;
  const size_t n = s.rows.size();
  const std::string npy64 = s.dir.File("rows64.npy");
  WriteNpy(npy64, s.features, n, 8, false);
  for (const char* kernel : {"ref", "w8a8"}) {
    const std::string from_csv = s.Score(
        {"--model", s.model, "--kernel", kernel, "--input", s.csv_plain, "--data-dir", s.data_dir});
    for (const char* threads : {"1", "2"}) {
      BOOST_TEST(s.Score({"--model", s.model, "--kernel", kernel, "--input", npy64, "--threads",
                          threads, "--chunk-bytes", "1000", "--data-dir", s.data_dir}) == from_csv);
    }
  }
  // float32: the same as the CSV of the float32 values.
  const std::string npy32 = s.dir.File("rows32.npy");
  WriteNpy(npy32, s.features, n, 8, true);
  std::string text = "MedInc,HouseAge,AveRooms,AveBedrms,Population,AveOccup,Latitude,Longitude\n";
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < 8; ++j) {
      if (j > 0) text.push_back(',');
      qlab::io::AppendShortest(text, static_cast<float>(s.features[i * 8 + j]));
    }
    text.push_back('\n');
  }
  const std::string csv32 = s.dir.Write("rows32.csv", text);
  BOOST_TEST(s.Score({"--model", s.qmodel, "--input", npy32}) ==
             s.Score({"--model", s.qmodel, "--input", csv32}));
  // From a pipe, a header that promises more rows than follow: exit 2 after the rows there are.
  const std::string lying = s.dir.File("lying.npy");
  WriteNpy(lying, s.features, n, 8, false, "(" + std::to_string(n + 3) + ", 8)");
  const RunResult r = RunShell("cat " + Quote(lying) + " | \"$QLAB\" score --model " +
                               Quote(s.model) + " --input - --chunk-bytes 640");
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.err == "<stdin>: the .npy header's shape says " + std::to_string(n + 3) +
                          " rows, the data ends after " + std::to_string(n) + " rows\n");
  BOOST_TEST(r.out == s.Score({"--model", s.model, "--input", npy64}));
  // The same file named on the command line: refused before any output.
  const RunResult f = RunQlab({"score", "--model", s.model, "--input", lying});
  BOOST_TEST(f.exit_code == 2);
  BOOST_TEST(f.out.empty());
  BOOST_TEST(f.err.find("needs " + std::to_string((n + 3) * 64) + " data bytes, the file has " +
                        std::to_string(n * 64)) != std::string::npos,
             f.err);
}

BOOST_AUTO_TEST_CASE(a_bad_row_is_exit_2_at_its_position_after_exactly_the_rows_before_it) {
  const Suite& s = *suite;
  const std::vector<std::string> lines = Lines(ReadFileBytes(s.csv_plain));
  const std::string head = lines[0] + "\n";
  // The row number m (1-based among data rows) is bad, and so is a later one.
  struct Case {
    size_t m;
    std::string field;  // replaces the row's third field (AveRooms)
    std::string message;
  };
  const std::vector<Case> cases = {
      {1, "abc", "not a number: 'abc' in column AveRooms"},
      {1000, "nan", "NaN or infinite"},
      {2500, "-inf", "NaN or infinite"},
      {4128, "", "empty field in column AveRooms"},
  };
  for (const Case& c : cases) {
    std::string text = head;
    std::string prefix = head;
    size_t column = 0;
    for (size_t i = 1; i < lines.size(); ++i) {
      std::string line = lines[i];
      if (i == c.m || i == c.m + 7) {
        // Fields: id, Longitude, AveRooms, ...: the third starts after the second comma.
        const size_t first = line.find(',');
        const size_t second = line.find(',', first + 1);
        const size_t third = line.find(',', second + 1);
        if (i == c.m) column = second + 2;
        line = line.substr(0, second + 1) + c.field + line.substr(third);
      }
      text += line + "\n";
      if (i < c.m) prefix += line + "\n";
    }
    const std::string bad = s.dir.Write("bad.csv", text);
    const std::string good = s.dir.Write("prefix.csv", prefix);
    const std::string want_out = s.Score({"--model", s.model, "--input", good, "--keep", "id"});
    const std::string want_err =
        bad + ":" + std::to_string(c.m + 1) + ":" + std::to_string(column) + ": ";
    for (const char* threads : {"1", "2", "4"}) {
      const RunResult r = RunQlab({"score", "--model", s.model, "--input", bad, "--keep", "id",
                                   "--threads", threads, "--chunk-bytes", "2000"});
      BOOST_TEST_CONTEXT("row " << c.m << " threads " << threads) {
        BOOST_TEST(r.exit_code == 2);
        BOOST_TEST(r.err.rfind(want_err, 0) == 0, r.err);
        BOOST_TEST(r.err.find(c.message) != std::string::npos, r.err);
        BOOST_TEST(Lines(r.err).size() == 1u);
        BOOST_TEST(r.out == want_out);  // the documented exception: the rows before, no more
      }
      // To a file: nothing at all is left behind.
      TempDir out_dir;
      const RunResult f = RunQlab({"score", "--model", s.model, "--input", bad, "--threads",
                                   threads, "--output", out_dir.File("p.csv")});
      BOOST_TEST(f.exit_code == 2);
      BOOST_TEST(f.out.empty());
      BOOST_TEST(std::filesystem::is_empty(out_dir.path()));
    }
  }
}

BOOST_AUTO_TEST_CASE(header_and_field_count_errors) {
  const Suite& s = *suite;
  const std::string missing = s.dir.Write("missing.csv", "MedInc,HouseAge\n1,2\n");
  RunResult r = RunQlab({"score", "--model", s.model, "--input", missing});
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.out.empty());  // a header error comes before the output's header
  BOOST_TEST(r.err.find(missing + ":1:1: the header lacks the model's features AveRooms, ") == 0,
             r.err);
  const std::vector<std::string> lines = Lines(ReadFileBytes(s.csv_plain));
  const std::string short_row =
      s.dir.Write("short.csv", lines[0] + "\n" + lines[1] + "\n" + lines[2] + "\n1,2\n");
  r = RunQlab({"score", "--model", s.model, "--input", short_row, "--keep", "id"});
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.err == short_row + ":4:4: expected 9 fields (as the header has), found 2\n");
  BOOST_TEST(Lines(r.out).size() == 3u);
  r = RunQlab({"score", "--model", s.model, "--input", s.csv_plain, "--keep", "nope"});
  BOOST_TEST(r.exit_code == 2);
  BOOST_TEST(r.err.find("--keep nope: no such column") != std::string::npos, r.err);
  const std::string output_file = s.dir.File("written.csv");
  BOOST_TEST(RunQlab({"score", "--model", s.model, "--input", s.csv_plain, "--output", output_file})
                 .exit_code == 0);
  BOOST_TEST(ReadFileBytes(output_file) == s.Score({"--model", s.model, "--input", s.csv_plain}));
}

BOOST_AUTO_TEST_CASE(a_closed_pipe_ends_quietly) {
  const Suite& s = *suite;
  // Large enough that the pipe fills long before the end.
  const std::string body = ReadFileBytes(s.csv_plain);
  std::string big = body;
  const std::string rows = body.substr(body.find('\n') + 1);
  for (int i = 0; i < 30; ++i) big += rows;
  const std::string file = s.dir.Write("big.csv", big);
  for (const char* threads : {"1", "2"}) {
    const RunResult r =
        RunShell("\"$QLAB\" score --model " + Quote(s.model) + " --input " + Quote(file) +
                 " --threads " + threads + " | head -n 2; echo \"exit ${PIPESTATUS[0]}\"");
    BOOST_TEST(r.err.empty(), r.err);
    const std::vector<std::string> out = Lines(r.out);
    BOOST_REQUIRE(out.size() == 3u);
    BOOST_TEST(out[0] == "prediction");
    BOOST_TEST(out[2] == "exit 0");
  }
}

BOOST_AUTO_TEST_CASE(w8a8_counts_clipped_values_as_the_quantizer_does) {
  const Suite& s = *suite;
  // Every tenth row has its income ten times too large: far past the calibrated range.
  std::vector<double> values = s.features;
  std::string text = "MedInc,HouseAge,AveRooms,AveBedrms,Population,AveOccup,Latitude,Longitude\n";
  const size_t n = s.rows.size();
  for (size_t i = 0; i < n; ++i) {
    if (i % 10 == 0) values[i * 8] *= 10;
    for (size_t j = 0; j < 8; ++j) {
      if (j > 0) text.push_back(',');
      qlab::io::AppendShortest(text, values[i * 8 + j]);
    }
    text.push_back('\n');
  }
  const std::string file = s.dir.Write("clip.csv", text);
  const qlab::quant::QuantizedModel q = qlab::quant::LoadQuantized(s.qmodel);
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const Eigen::MatrixXd X =
      Eigen::Map<const RowMajor>(values.data(), static_cast<Eigen::Index>(n), 8);
  const qlab::quant::QuantizedRun run = qlab::quant::RunQuantized(q, X);
  int64_t want_values = 0;
  for (const int64_t c : run.clipped_per_feature) want_values += c;
  int64_t want_rows = 0;
  for (const bool c : run.clipped) want_rows += c ? 1 : 0;
  BOOST_TEST(run.clipped_per_feature[0] > static_cast<int64_t>(n / 20));  // most of them clip

  RunResult r = RunQlab({"score", "--model", s.qmodel, "--input", file, "--threads", "2",
                         "--chunk-bytes", "3000", "--json"});
  BOOST_REQUIRE(r.exit_code == 0);
  const json summary = json::parse(r.err);
  BOOST_TEST(summary["rows"].get<int64_t>() == static_cast<int64_t>(n));
  BOOST_TEST(summary["kernel"].get<std::string>() == "w8a8");
  BOOST_TEST(summary["clipped_values"].get<int64_t>() == want_values);
  BOOST_TEST(summary["clipped_rows"].get<int64_t>() == want_rows);
  BOOST_TEST(summary["clipped_per_feature"]["MedInc"].get<int64_t>() == run.clipped_per_feature[0]);
  r = RunQlab({"score", "--model", s.qmodel, "--input", file});
  std::string parts;
  for (size_t j = 0; j < 8; ++j) {
    if (run.clipped_per_feature[j] == 0) continue;
    parts += (parts.empty() ? "" : ", ") + s.data.feature_names[j] + " " +
             std::to_string(run.clipped_per_feature[j]);
  }
  BOOST_TEST(r.err == "qlab score: " + std::to_string(n) + " rows, kernel w8a8, " +
                          std::to_string(want_values) + " values clipped in " +
                          std::to_string(want_rows) + " rows (" + parts + ")\n");
  // The float kernels quantize nothing and say nothing (stderr is not a terminal here).
  r = RunQlab({"score", "--model", s.model, "--input", file});
  BOOST_TEST(r.err.empty());
}

BOOST_AUTO_TEST_CASE(gnu_parallel_over_blocks_gives_the_single_process_output) {
  const Suite& s = *suite;
  const std::string single =
      s.Score({"--model", s.model, "--input", s.csv_plain, "--keep", "id", "--threads", "1"});
  // README's recipe: each block gets the header (--header :), each job drops its own output
  // header, one header goes first; -k keeps the blocks in input order.
  const RunResult r = RunShell(
      "set -o pipefail; { echo id,prediction; parallel --pipe --header : --block 20k -k -j 3 "
      "\"$QLAB score --model " +
      Quote(s.model) + " --input - --keep id --threads 1 | tail -n +2\" < " + Quote(s.csv_plain) +
      "; }");
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out == single);
}
