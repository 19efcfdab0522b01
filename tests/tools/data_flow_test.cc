// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The data flow forward through `qlab run`: the data file is opened (read and hashed) once, and
// nothing the run writes (model.json, the quantized artifacts, train/predict/quantize.json) is
// read back. Observed from outside with `strace -f -e trace=openat` (installed by
// tools/install-deps.sh); without strace the test fails rather than passing unchecked.
#define BOOST_TEST_MODULE tools_data_flow
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/data_dir.h"
#include "common/run_qlab.h"
#include "common/temp_dir.h"

using qlab::testing::TempDir;

namespace {

// The strace on PATH, or "" when there is none.
std::string FindStrace() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/strace";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

// Runs `argv` with stdout and stderr sent to files in `capture`; returns the exit code.
int Run(const std::vector<std::string>& args, const TempDir& capture) {
  std::vector<std::string> storage = args;
  std::vector<char*> argv;
  argv.reserve(storage.size() + 1);
  for (auto& a : storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string out = capture.File("stdout");
  const std::string err = capture.File("stderr");
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out_fd < 0 || err_fd < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0) ::_exit(127);
    // Under AddressSanitizer (the asan-ubsan preset), LeakSanitizer cannot run in a traced
    // process (it stops the threads with ptrace, which strace holds already): leaks are checked
    // by every other test of that build.
    const char* asan = std::getenv("ASAN_OPTIONS");
    const std::string options = std::string(asan != nullptr ? asan : "") + ":detect_leaks=0";
    ::setenv("ASAN_OPTIONS", options.c_str(), 1);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

struct Open {
  std::string path;
  std::string rest;  // the flags and the result, as strace prints them
};

// Every openat in an `strace -f -o FILE` trace: `PID openat(DIRFD, "PATH", FLAGS...) = RESULT`
// (or `... <unfinished ...>` when another thread interleaves; the path is on that line).
std::vector<Open> ReadOpens(const std::string& trace_file) {
  std::ifstream in(trace_file);
  std::vector<Open> opens;
  std::string line;
  while (std::getline(in, line)) {
    const size_t call = line.find("openat(");
    if (call == std::string::npos) continue;
    const size_t begin = line.find('"', call);
    const size_t end = begin == std::string::npos ? begin : line.find('"', begin + 1);
    if (end == std::string::npos) continue;
    opens.push_back({line.substr(begin + 1, end - begin - 1), line.substr(end + 1)});
  }
  return opens;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

BOOST_AUTO_TEST_CASE(run_reads_the_data_once_and_nothing_it_wrote) {
  BOOST_REQUIRE_MESSAGE(qlab::testing::HaveCaliforniaData(), qlab::testing::MissingDataMessage());
  const std::string strace = FindStrace();
  BOOST_REQUIRE_MESSAGE(!strace.empty(), "strace is not installed: run bash tools/install-deps.sh");
  TempDir dir;
  const std::string out = dir.File("run");
  const std::string trace = dir.File("trace");
  const int code =
      Run({strace, "-f", "-qq", "-e", "trace=openat", "-o", trace, qlab::testing::QlabBinary(),
           "run", "--no-bench", "--data-dir", qlab::testing::CaliforniaDataDir(), "--out", out},
          dir);
  BOOST_REQUIRE_MESSAGE(code == 0, "strace qlab run exited "
                                       << code << ": "
                                       << qlab::io::ReadFileBytes(dir.File("stderr")));
  const std::vector<Open> opens = ReadOpens(trace);

  int data_opens = 0;
  int artifacts_written = 0;
  std::vector<std::string> read_back;
  for (const Open& open : opens) {
    if (EndsWith(open.path, "/cal_housing.data")) ++data_opens;
    const std::string name = std::filesystem::path(open.path).filename().string();
    // The atomic writer's temporary files: proof that the trace sees what the run writes.
    if (name.rfind(".model.json.qlab-tmp.", 0) == 0 ||
        name.rfind(".quantized_model.json.qlab-tmp.", 0) == 0) {
      ++artifacts_written;
    }
    for (const char* written :
         {"model.json", "quantized_model.json", "train.json", "predict.json", "quantize.json"}) {
      if (name == written) read_back.push_back(open.path + open.rest);
    }
  }
  BOOST_TEST_MESSAGE(opens.size() << " openat calls; the data file opened " << data_opens
                                  << " time(s)");
  BOOST_TEST(data_opens == 1, "cal_housing.data opened " << data_opens << " times, not once");
  // model.json and the seed, w8 and w8a8 artifacts, each through a temporary file.
  BOOST_TEST(artifacts_written == 4);
  BOOST_TEST(std::filesystem::exists(out + "/model.json"));
  for (const std::string& open : read_back) BOOST_TEST(false, "read back: " << open);
}
