// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The command-line contract over every subcommand and a set of hostile inputs (issue 12): each
// subcommand's input slots get every hostile input, its output slots every hostile output path,
// and its valid form a stdout on /dev/full and a closed stdout. Whatever the case, qlab exits 0,
// 2 or 4 (never 3, never a signal, never a hang); on 2 it prints exactly one line on stderr and
// nothing on stdout; on 2 or 4 the whole work folder (inputs and outputs, compared by lstat type,
// link target and bytes) is what it was before. A hostile input or output is never exit 0.
#define BOOST_TEST_MODULE contract
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/run_qlab.h"
#include "common/snapshot.h"
#include "common/temp_dir.h"
#include "qlab/io/atomic_file.h"

namespace fs = std::filesystem;
using qlab::testing::Differences;
using qlab::testing::LimitedResult;
using qlab::testing::RunQlab;
using qlab::testing::RunQlabLimited;
using qlab::testing::Snapshot;
using qlab::testing::Stdout;
using qlab::testing::TempDir;

namespace {

constexpr int kTimeoutSeconds = 30;

// The valid inputs every case starts from, made by qlab itself, under work/.
struct Work {
  TempDir root;
  std::string csv, model, train_json, report_json, baseline, bench, compare;
  std::string in, out;  // folders: hostile inputs, and where outputs go
  int next_out = 0;

  Work() {
    in = root.File("hostile");
    out = root.File("out");
    fs::create_directories(in);
    fs::create_directories(out);
    std::string text = "a,b,c,y\n";
    for (int r = 0; r < 60; ++r) {
      text += std::to_string(r) + "," + std::to_string((r * 7) % 11) + "," +
              std::to_string((r * 5) % 13) + "," + std::to_string(3 * r + (r * 7) % 11 + r % 3) +
              "\n";
    }
    csv = root.Write("data.csv", text);
    model = root.File("model");
    Require({"train", "--dataset", csv, "--target", "y", "--out", model});
    train_json = root.File("train.json");
    Require({"train", "--dataset", csv, "--target", "y", "--out", root.File("model2"), "--json"},
            train_json);
    const std::string report = root.File("report");
    Require({"report", "--accuracy", train_json, "--out", report, "--no-charts"});
    report_json = report + "/report.json";
    baseline = root.File("baseline.json");
    Require({"check", "--update", "--baseline", baseline, "--current", report_json});
    bench = std::string(QLAB_TEST_DATA_DIR) + "/report/bench_zen5.json";
    compare = std::string(QLAB_TEST_DATA_DIR) + "/compare/dot_f32.json";
  }

  void Require(const std::vector<std::string>& args, const std::string& stdout_file = "") {
    const auto r = RunQlab(args);
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, args[0] << ": " << r.err);
    if (!stdout_file.empty()) qlab::io::WriteFileAtomically(stdout_file, r.out);
  }

  // A fresh output path that does not exist yet (its folder does).
  std::string FreshOut() { return out + "/o" + std::to_string(next_out++); }
};

struct Hostile {
  std::string name;
  std::string path;
};

// Inputs that are not a usable file: each must be exit 2 wherever a file is read.
std::vector<Hostile> HostileInputs(const Work& w) {
  const std::string d = w.in;
  std::vector<Hostile> h;
  h.push_back({"missing", d + "/missing"});
  fs::create_directories(d + "/folder");
  h.push_back({"folder", d + "/folder"});
  ::mkfifo((d + "/fifo").c_str(), 0644);
  h.push_back({"fifo without a writer", d + "/fifo"});
  h.push_back({"/dev/zero", "/dev/zero"});
  h.push_back({"/dev/urandom", "/dev/urandom"});
  qlab::io::WriteFileAtomically(d + "/empty", "");
  h.push_back({"empty file", d + "/empty"});
  qlab::io::WriteFileAtomically(d + "/binary", std::string("\x7f"
                                                           "ELF\x02\x01\x00\xff\xfe",
                                                           9));
  h.push_back({"binary", d + "/binary"});
  qlab::io::WriteFileAtomically(d + "/truncated", "{\"a\": [1, 2");
  h.push_back({"truncated JSON", d + "/truncated"});
  qlab::io::WriteFileAtomically(d + "/nan.csv", "a,b,c,y\n1,2,nan,3\n2,3,4,5\n");
  h.push_back({"CSV with NaN", d + "/nan.csv"});
  qlab::io::WriteFileAtomically(d + "/ragged.csv", "a,b,c,y\n1,2,3\n2,3,4,5\n");
  h.push_back({"CSV with a short row", d + "/ragged.csv"});
  fs::create_symlink(d + "/loop_b", d + "/loop_a");
  fs::create_symlink(d + "/loop_a", d + "/loop_b");
  h.push_back({"symlink loop", d + "/loop_a"});
  return h;
}

// A model folder whose model.json is the hostile input (a link to it): how --model meets each.
std::string HostileModel(const Work& w, const Hostile& h, int index) {
  const std::string folder = w.in + "/model_" + std::to_string(index);
  fs::create_directories(folder);
  const fs::path link = fs::path(folder) / "model.json";
  if (!fs::exists(fs::symlink_status(link))) fs::create_symlink(h.path, link);
  return folder;
}

// Output paths that cannot be written: each must be exit 2 and left as it was. `folder_output`:
// the slot names a folder (train --out), else a file.
std::vector<Hostile> HostileOutputs(const Work& w, bool folder_output) {
  const std::string d = w.in + (folder_output ? "/out_folder" : "/out_file");
  fs::create_directories(d);
  std::vector<Hostile> h;
  // As root, a private node with /dev/null's numbers: should a check break, the rename replaces
  // this node and not the machine's /dev/null.
  const std::string node = d + "/null";
  if (::geteuid() == 0 && ::mknod(node.c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0) {
    h.push_back({"character device", node});
  } else {
    h.push_back({"/dev/null", "/dev/null"});
  }
  ::mkfifo((d + "/fifo").c_str(), 0644);
  h.push_back({"fifo", d + "/fifo"});
  if (folder_output) {
    qlab::io::WriteFileAtomically(d + "/a_file", "not a folder\n");
    h.push_back({"a regular file", d + "/a_file"});
  } else {
    fs::create_directories(d + "/a_folder");
    h.push_back({"a folder", d + "/a_folder"});
  }
  fs::create_symlink(d + "/loop_b", d + "/loop_a");
  fs::create_symlink(d + "/loop_a", d + "/loop_b");
  h.push_back({"symlink loop", d + "/loop_a"});
  qlab::io::WriteFileAtomically(d + "/plain", "a file\n");
  h.push_back({"under a regular file", d + "/plain/x"});
  h.push_back({"empty path", ""});
  return h;
}

// `args` with each "{in}" replaced by `value`; "{out}" by a fresh output path.
std::vector<std::string> Fill(std::vector<std::string> args, const std::string& slot,
                              const std::string& value, Work& w) {
  for (auto& a : args) {
    if (a == slot) {
      a = value;
    } else if (a == "{out}") {
      a = w.FreshOut();
    }
  }
  return args;
}

std::string Joined(const std::vector<std::string>& args) {
  std::string text = "qlab";
  for (const auto& a : args) text += " " + (a.empty() ? std::string("''") : a);
  return text;
}

int cases = 0;

// Runs one case and checks the contract; `must_fail`: exit 0 is a failure too.
void Expect(Work& w, const std::vector<std::string>& args, Stdout where, bool must_fail,
            const std::vector<int>& allowed = {0, 2, 4}) {
  ++cases;
  const auto before = Snapshot(w.root.path());
  const LimitedResult r = RunQlabLimited(args, where, kTimeoutSeconds);
  BOOST_TEST_CONTEXT(Joined(args) << (where == Stdout::kDevFull  ? " > /dev/full"
                                      : where == Stdout::kClosed ? " >&-"
                                                                 : "")) {
    BOOST_TEST(!r.timed_out, "still running after " << kTimeoutSeconds << " s");
    BOOST_TEST((std::find(allowed.begin(), allowed.end(), r.exit_code) != allowed.end()),
               "exit " << r.exit_code << ": " << r.err);
    if (must_fail) BOOST_TEST(r.exit_code != 0, "accepted: " << r.out);
    // score writing to stdout streams: on exit 2 its header and the rows before the first bad
    // row are out already (README: the one documented exception).
    const bool streams_to_stdout =
        args[0] == "score" && std::find(args.begin(), args.end(), "--output") == args.end();
    if (r.exit_code == 2) {
      if (!streams_to_stdout) BOOST_TEST(r.out.empty(), r.out);
      BOOST_TEST(std::count(r.err.begin(), r.err.end(), '\n') == 1, r.err);
    }
    if (r.exit_code == 2 || r.exit_code == 4) {
      const auto after = Snapshot(w.root.path());
      BOOST_TEST((after == before), "the work folder changed:" << Differences(before, after));
    }
  }
}

}  // namespace

// Every file a command reads, given every hostile input.
BOOST_AUTO_TEST_CASE(hostile_inputs_are_bad_input_and_change_nothing) {
  Work w;
  const auto hostile = HostileInputs(w);
  // Each template with the valid value of its {in} slot.
  const std::vector<std::pair<std::vector<std::string>, std::string>> reading = {
      {{"train", "--dataset", "{in}", "--target", "y", "--out", "{out}"}, w.csv},
      {{"run", "--no-bench", "--dataset", "{in}", "--target", "y", "--out", "{out}"}, w.csv},
      {{"score", "--model", w.model, "--input", "{in}", "--output", "{out}"}, w.csv},
      {{"score", "--model", w.model, "--input", "{in}"}, w.csv},
      {{"report", "--accuracy", "{in}", "--out", "{out}", "--no-charts"}, w.train_json},
      {{"report", "--accuracy", w.train_json, "--bench", "{in}", "--out", "{out}", "--no-charts"},
       w.bench},
      {{"check", "--baseline", "{in}", "--current", w.report_json}, w.baseline},
      {{"check", "--baseline", w.baseline, "--current", "{in}"}, w.report_json},
      {{"compare", "{in}", w.compare, "--json"}, w.compare},
      {{"compare", w.compare, "{in}", "--out", "{out}"}, w.compare},
  };
  // The templates work with their inputs valid: a refusal below is the hostile input's doing.
  for (const auto& [args, valid] : reading) {
    Expect(w, Fill(args, "{in}", valid, w), Stdout::kCapture, /*must_fail=*/false, {0});
  }
  for (const auto& [args, valid] : reading) {
    for (const auto& h : hostile) Expect(w, Fill(args, "{in}", h.path, w), Stdout::kCapture, true);
  }
  // --model: a folder whose model.json is each hostile input.
  const std::vector<std::vector<std::string>> loading = {
      {"predict", "--model", "{in}", "--json"},
      {"quantize", "--model", "{in}", "--out", "{out}"},
      {"score", "--model", "{in}", "--input", w.csv},
  };
  for (int i = 0; i < static_cast<int>(hostile.size()); ++i) {
    const std::string folder = HostileModel(w, hostile[static_cast<size_t>(i)], i);
    for (const auto& args : loading)
      Expect(w, Fill(args, "{in}", folder, w), Stdout::kCapture, true);
  }
  BOOST_TEST_MESSAGE(cases << " hostile-input cases");
}

// Every path a command writes, given every hostile output path.
BOOST_AUTO_TEST_CASE(hostile_output_paths_are_bad_input_and_left_as_they_were) {
  Work w;
  const std::vector<std::vector<std::string>> folder_writers = {
      {"train", "--dataset", w.csv, "--target", "y", "--out", "{at}"},
      {"run", "--no-bench", "--dataset", w.csv, "--target", "y", "--out", "{at}"},
      {"quantize", "--model", w.model, "--out", "{at}"},
      {"report", "--accuracy", w.train_json, "--out", "{at}", "--no-charts"},
      {"compare", w.compare, w.compare, "--out", "{at}"},
  };
  const std::vector<std::vector<std::string>> file_writers = {
      {"score", "--model", w.model, "--input", w.csv, "--output", "{at}"},
      {"predict", "--model", w.model, "--predictions", "{at}"},
      {"check", "--update", "--baseline", "{at}", "--current", w.report_json},
      {"bench", "--quick", "--out", "{at}"},
  };
  const int before = cases;
  for (const auto& h : HostileOutputs(w, /*folder_output=*/true)) {
    for (const auto& args : folder_writers) {
      Expect(w, Fill(args, "{at}", h.path, w), Stdout::kCapture, true);
    }
  }
  for (const auto& h : HostileOutputs(w, /*folder_output=*/false)) {
    for (const auto& args : file_writers) {
      Expect(w, Fill(args, "{at}", h.path, w), Stdout::kCapture, true);
    }
  }
  BOOST_TEST_MESSAGE(cases - before << " hostile-output cases");
}

// Every command's valid form with its stdout lost: exit 4, and nothing it wrote is kept.
BOOST_AUTO_TEST_CASE(lost_stdout_is_exit_4_and_keeps_no_output) {
  Work w;
  const std::vector<std::vector<std::string>> valid = {
      {"train", "--dataset", w.csv, "--target", "y", "--out", "{out}"},
      {"run", "--no-bench", "--dataset", w.csv, "--target", "y", "--out", "{out}"},
      {"predict", "--model", w.model, "--json"},
      {"score", "--model", w.model, "--input", w.csv},
      {"quantize", "--model", w.model, "--out", "{out}", "--json"},
      {"report", "--accuracy", w.train_json, "--out", "{out}", "--no-charts"},
      {"check", "--baseline", w.baseline, "--current", w.report_json},
      {"compare", w.compare, w.compare, "--json"},
      {"targets"},
      {"--version"},
  };
  const int before = cases;
  for (const auto& args : valid) {
    for (const Stdout where : {Stdout::kDevFull, Stdout::kClosed}) {
      Expect(w, Fill(args, "", "", w), where, true, {4});
    }
  }
  BOOST_TEST_MESSAGE(cases - before << " lost-stdout cases");
}
