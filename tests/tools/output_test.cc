// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Lost output is never success (issue 12, class 5): when stdout cannot be written — /dev/full
// (ENOSPC), closed (`>&-`) — qlab exits 4 with one line on stderr, for every command that prints.
#define BOOST_TEST_MODULE output
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "common/run_qlab.h"
#include "common/temp_dir.h"
#include "qlab/io/atomic_file.h"

using qlab::testing::LimitedResult;
using qlab::testing::RunQlab;
using qlab::testing::RunQlabLimited;
using qlab::testing::Stdout;
using qlab::testing::TempDir;

namespace {

constexpr int kExitOutputFailed = 4;

// A small CSV data set and a model trained on it, shared by the cases.
struct Model {
  TempDir dir;
  std::string csv;
  std::string model;
  Model() {
    std::string text = "a,b,y\n";
    for (int r = 0; r < 40; ++r) {
      text += std::to_string(r) + "," + std::to_string((r * 7) % 11) + "," +
              std::to_string(3 * r + (r * 7) % 11 + r % 3) + "\n";
    }
    csv = dir.Write("data.csv", text);
    model = dir.File("model");
    const auto r = RunQlab({"train", "--dataset", csv, "--target", "y", "--out", model});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }
};

size_t Lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

void ExpectLostOutput(const LimitedResult& r, const std::string& what) {
  BOOST_TEST(!r.timed_out, what);
  BOOST_TEST(r.exit_code == kExitOutputFailed, what << ": exit " << r.exit_code << ", " << r.err);
  BOOST_TEST(Lines(r.err) == 1u, what << ": " << r.err);
  BOOST_TEST((r.err.rfind("qlab: ", 0) == 0 || r.err.rfind("<stdout>", 0) == 0),
             what << ": " << r.err);
}

}  // namespace

BOOST_AUTO_TEST_CASE(stdout_on_dev_full_exits_4) {
  Model m;
  const std::vector<std::vector<std::string>> commands = {
      {"targets"},
      {"targets", "--json"},
      {"predict", "--model", m.model, "--json"},
      {"predict", "--model", m.model},
      {"train", "--dataset", m.csv, "--target", "y", "--out", m.dir.File("again"), "--json"},
      {"score", "--model", m.model, "--input", m.csv},
  };
  for (const auto& args : commands) {
    const LimitedResult r = RunQlabLimited(args, Stdout::kDevFull);
    ExpectLostOutput(r, args[0] + (args.size() > 1 ? " " + args.back() : ""));
    BOOST_TEST(r.err.find("No space left on device") != std::string::npos, r.err);
  }
}

BOOST_AUTO_TEST_CASE(closed_stdout_exits_4_before_anything_is_written) {
  Model m;
  const std::string out = m.dir.File("closed");
  const std::vector<std::vector<std::string>> commands = {
      {"targets"},
      {"predict", "--model", m.model, "--json"},
      {"train", "--dataset", m.csv, "--target", "y", "--out", out, "--json"},
      {"score", "--model", m.model, "--input", m.csv},
      {"score", "--model", m.model, "--input", m.csv, "--output", "-"},
      {"--help"},
      {"train", "--help"},
  };
  for (const auto& args : commands) {
    const LimitedResult r = RunQlabLimited(args, Stdout::kClosed);
    ExpectLostOutput(r, args[0]);
    BOOST_TEST(r.err.find("standard output is closed") != std::string::npos, r.err);
  }
  // Nothing was trained into a folder whose report could not be printed.
  BOOST_TEST(!std::filesystem::exists(out));
}

// A command that prints nothing to stdout is not stopped by a closed one: `score --output FILE`
// (its --json summary goes to stderr) exited 4 for a stdout it never used.
BOOST_AUTO_TEST_CASE(a_closed_stdout_does_not_stop_score_into_a_file) {
  Model m;
  const std::string out = m.dir.File("rows.csv");
  for (const bool json : {false, true}) {
    std::vector<std::string> args = {"score", "--model", m.model, "--input", m.csv, "--output", out};
    if (json) args.push_back("--json");
    const LimitedResult r = RunQlabLimited(args, Stdout::kClosed);
    BOOST_TEST(r.exit_code == 0, r.err);
    BOOST_TEST(Lines(qlab::io::ReadFileBytes(out)) == 41u);
    BOOST_TEST(Lines(r.err) == (json ? 1u : 0u), r.err);
  }
}

// --help and --version go through the checked writer: on /dev/full they name the errno, not "the
// help text".
BOOST_AUTO_TEST_CASE(help_on_dev_full_names_the_error) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"--version"},
                                               std::vector<std::string>{"--help"},
                                               std::vector<std::string>{"score", "--help"}}) {
    const LimitedResult r = RunQlabLimited(args, Stdout::kDevFull);
    ExpectLostOutput(r, args[0]);
    BOOST_TEST(r.err == "<stdout>: cannot write: No space left on device\n", r.err);
  }
}

BOOST_AUTO_TEST_CASE(the_same_commands_succeed_when_stdout_is_writable) {
  // The cases above fail because of stdout alone.
  Model m;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"targets"},
        std::vector<std::string>{"predict", "--model", m.model, "--json"},
        std::vector<std::string>{"score", "--model", m.model, "--input", m.csv}}) {
    const LimitedResult r = RunQlabLimited(args, Stdout::kCapture);
    BOOST_TEST(r.exit_code == 0, args[0] << ": " << r.err);
    BOOST_TEST(!r.out.empty());
  }
}
