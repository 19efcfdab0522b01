// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// `qlab bench` and `qlab score` against the output contract where a second program or stdin is
// involved (hostile pass): qlab-bench stopped by the file size limit is exit 4 in one line, not
// an internal error with its console dumped; SIGTERM reaches qlab-bench too (no benchmark keeps
// running after qlab ended, no temporary left); the benchmark program and a file on stdin are
// inputs, never replaced by the command's output.
#define BOOST_TEST_MODULE bench_output
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "common/run_qlab.h"
#include "common/temp_dir.h"
#include "qlab/io/atomic_file.h"

namespace fs = std::filesystem;
using qlab::testing::RunProgram;
using qlab::testing::RunQlab;
using qlab::testing::RunQlabLimited;
using qlab::testing::Stdout;
using qlab::testing::TempDir;

namespace {

// One benchmark, a few milliseconds.
const std::vector<std::string> kOneBenchmark = {
    "--filter", "^peak_fma_f32/hwy/16$", "--repetitions", "1", "--min-time", "0.01"};

std::vector<std::string> Bench(const std::string& out) {
  std::vector<std::string> args = {"bench", "--quiet", "--out", out};
  args.insert(args.end(), kOneBenchmark.begin(), kOneBenchmark.end());
  return args;
}

bool OneLine(const std::string& text) {
  return !text.empty() && text.find('\n') == text.size() - 1;
}

// Processes whose command line mentions `needle` (qlab-bench is given --benchmark_out=TEMP,
// which lies in the test's own folder).
int ProcessesMentioning(const std::string& needle) {
  int found = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string pid = entry.path().filename().string();
    if (pid.find_first_not_of("0123456789") != std::string::npos) continue;
    // A process may end while its cmdline is read (the read then fails with ESRCH): it is gone,
    // so it does not count.
    std::string cmdline;
    try {
      std::ifstream in(entry.path() / "cmdline", std::ios::binary);
      cmdline.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    } catch (const std::exception&) {
      continue;
    }
    if (cmdline.find(needle) != std::string::npos) ++found;
  }
  return found;
}

}  // namespace

BOOST_AUTO_TEST_CASE(bench_past_the_file_size_limit_is_exit_4_in_one_line) {
  TempDir dir;
  const std::string out = dir.File("b/bench.json");
  const auto r = RunQlabLimited(Bench(out), Stdout::kCapture, 60, "", 1024);
  BOOST_TEST(r.exit_code == 4, r.exit_code << ": " << r.err);
  BOOST_TEST(OneLine(r.err), r.err);
  BOOST_TEST(r.err.find("File too large") != std::string::npos, r.err);
  BOOST_TEST(r.out.empty(), r.out);
  BOOST_TEST(!fs::exists(dir.File("b")), "the folder bench created is left");
  // Control: without the limit the same command writes the file.
  const auto ok = RunQlab(Bench(out));
  BOOST_TEST(ok.exit_code == 0, ok.err);
  BOOST_TEST(fs::exists(out));
}

BOOST_AUTO_TEST_CASE(bench_out_naming_the_benchmark_program_is_refused) {
  TempDir dir;
  const std::string program = dir.File("qb");
  // The program qlab runs as qlab-bench: the binary, or in a cross build the wrapper that runs it
  // under the emulator (an emulated process cannot exec a foreign binary itself).
  fs::copy_file(QLAB_TEST_QLAB_BENCH, program);
  fs::permissions(program, fs::perms::owner_all);
  const std::string before = qlab::io::ReadFileBytes(program);
  std::vector<std::string> args = {"/usr/bin/env", "QLAB_BENCH=" + program,
                                   qlab::testing::QlabBinary()};
  for (const auto& a : Bench(program)) args.push_back(a);
  const auto r = RunProgram(args);
  BOOST_TEST(r.exit_code == 2, r.exit_code << ": " << r.err);
  BOOST_TEST(OneLine(r.err), r.err);
  BOOST_TEST(r.err.find("is also an input of this command") != std::string::npos, r.err);
  BOOST_TEST((qlab::io::ReadFileBytes(program) == before), "the benchmark program was replaced");
}

BOOST_AUTO_TEST_CASE(score_output_naming_the_file_on_its_stdin_is_refused) {
  TempDir dir;
  std::string text = "a,b,y\n";
  for (int r = 0; r < 30; ++r) {
    text +=
        std::to_string(r) + "," + std::to_string(r % 4) + "," + std::to_string(2 * r + 1) + "\n";
  }
  const std::string csv = dir.Write("rows.csv", text);
  const std::string model = dir.File("m");
  BOOST_REQUIRE(RunQlab({"train", "--dataset", csv, "--target", "y", "--out", model}).exit_code ==
                0);
  const auto r = RunProgram({"/bin/sh", "-c",
                             "exec \"$0\" score --model \"$1\" --input - --output \"$2\" < \"$2\"",
                             qlab::testing::QlabBinary(), model, csv});
  BOOST_TEST(r.exit_code == 2, r.exit_code << ": " << r.err);
  BOOST_TEST(OneLine(r.err), r.err);
  BOOST_TEST(r.err.find("is also an input of this command") != std::string::npos, r.err);
  BOOST_TEST(qlab::io::ReadFileBytes(csv) == text);
}

BOOST_AUTO_TEST_CASE(sigterm_stops_the_benchmark_program_too) {
  TempDir dir;
  int stopped = 0;
  for (const int ms : {300, 700, 1200}) {
    const std::string out = dir.File("run" + std::to_string(ms) + "/bench.json");
    std::vector<std::string> args = {
        qlab::testing::QlabBinary(), "bench",         "--quiet", "--out",      out, "--filter",
        "^peak_fma_f32/hwy/16$",     "--repetitions", "5",       "--min-time", "2"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    ::kill(pid, SIGTERM);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
    }
    BOOST_TEST_CONTEXT("SIGTERM after " << ms << " ms") {
      BOOST_TEST((WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM), "status " << status);
      if (WIFSIGNALED(status)) ++stopped;
      BOOST_TEST(ProcessesMentioning(dir.File("run" + std::to_string(ms))) == 0,
                 "qlab-bench still runs after qlab ended");
      BOOST_TEST(!fs::exists(dir.File("run" + std::to_string(ms))), "its folder is left");
    }
  }
  BOOST_TEST(stopped >= 2);
}

// SIGKILL cannot be caught, so qlab cannot forward it: the kernel ends qlab-bench instead (its
// death signal is SIGKILL), and no benchmark keeps the machine busy after qlab is gone
// (hostile pass: qlab-bench ran on, an orphan, for its whole --min-time).
BOOST_AUTO_TEST_CASE(sigkill_of_qlab_ends_the_benchmark_program_too) {
  TempDir dir;
  const std::string marker = dir.File("killed");
  std::vector<std::string> args = {qlab::testing::QlabBinary(),
                                   "bench",
                                   "--quiet",
                                   "--out",
                                   marker + "/bench.json",
                                   "--filter",
                                   "^peak_fma_f32/hwy/16$",
                                   "--repetitions",
                                   "5",
                                   "--min-time",
                                   "10"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  // Until qlab-bench runs (its --benchmark_out names the folder; qlab's own argv does too).
  bool started = false;
  for (int i = 0; i < 500 && !started; ++i) {
    started = ProcessesMentioning(marker) >= 2;
    if (!started) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  BOOST_TEST(started, "qlab-bench did not start within 5 s");
  // Past its header (which, written into a pipe nobody reads any more, would end it by SIGPIPE
  // by itself): inside the 10 s benchmark.
  std::this_thread::sleep_for(std::chrono::milliseconds(1000));
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  int left = ProcessesMentioning(marker);
  // Within 1 s: the death signal is immediate, while an orphan that outlived qlab would run on
  // until its first line of output met the closed pipe (10 s here, the --min-time).
  for (int i = 0; i < 100 && left > 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    left = ProcessesMentioning(marker);
  }
  BOOST_TEST(left == 0, "qlab-bench still runs 1 s after qlab was killed");
}
