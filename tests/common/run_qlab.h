// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Runs the built qlab program as a user would and captures its exit code, stdout and stderr.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/temp_dir.h"
#include "qlab/io/atomic_file.h"

namespace qlab::testing {

using io::ReadFileBytes;

// The built program, or in a cross build its wrapper that runs it under the emulator.
inline const char* QlabBinary() { return QLAB_TEST_QLAB; }

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// `argv_storage[0]` is the program's path; the child runs in `cwd` (if not empty) with the test's
// environment and stdin.
inline RunResult RunProgram(std::vector<std::string> argv_storage, const std::string& cwd = "") {
  TempDir capture;
  const std::string out_path = capture.File("stdout");
  const std::string err_path = capture.File("stderr");
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);

  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out_fd < 0 || err_fd < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0) ::_exit(127);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(127);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  RunResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = ReadFileBytes(out_path);
  result.err = ReadFileBytes(err_path);
  return result;
}

// `args` without the program name.
inline RunResult RunQlab(const std::vector<std::string>& args, const std::string& cwd = "") {
  std::vector<std::string> argv = {QlabBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return RunProgram(std::move(argv), cwd);
}

// Where a child's stdout goes in RunQlabLimited.
enum class Stdout {
  kCapture,  // a file, read back into RunResult::out
  kDevFull,  // /dev/full: every write fails with ENOSPC
  kClosed,   // no fd 1 at all (as `>&-`)
};

// Runs qlab with `args` and its stdout as `where`, killing it (SIGKILL) after `seconds`; a killed
// child gets exit_code -1 and `timed_out`. For the contracts that must hold without hanging (a
// FIFO that never gets a writer) and when stdout cannot be written.
struct LimitedResult : RunResult {
  bool timed_out = false;
};
// `file_size_limit` (bytes, 0: none) is the child's RLIMIT_FSIZE (`ulimit -f`): a write past it
// fails with EFBIG, a full disk that needs no root to make.
inline LimitedResult RunQlabLimited(const std::vector<std::string>& args, Stdout where,
                                    int seconds = 20, const std::string& cwd = "",
                                    uint64_t file_size_limit = 0) {
  TempDir capture;
  const std::string out_path = capture.File("stdout");
  const std::string err_path = capture.File("stderr");
  std::vector<std::string> argv_storage = {QlabBinary()};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (err_fd < 0 || ::dup2(err_fd, 2) < 0) ::_exit(127);
    ::close(err_fd);
    if (where == Stdout::kClosed) {
      ::close(1);
    } else {
      const int out_fd = where == Stdout::kDevFull
                             ? ::open("/dev/full", O_WRONLY)
                             : ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (out_fd < 0 || ::dup2(out_fd, 1) < 0) ::_exit(127);
      ::close(out_fd);
    }
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(127);
    if (file_size_limit != 0) {
      const struct rlimit limit = {file_size_limit, file_size_limit};
      if (::setrlimit(RLIMIT_FSIZE, &limit) != 0) ::_exit(127);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  LimitedResult result;
  int status = 0;
  for (int waited_ms = 0;; waited_ms += 20) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (waited_ms >= seconds * 1000) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      result.timed_out = true;
      break;
    }
    ::usleep(20 * 1000);
  }
  result.exit_code = result.timed_out    ? -1
                     : WIFEXITED(status) ? WEXITSTATUS(status)
                                         : 128 + WTERMSIG(status);
  if (where == Stdout::kCapture) result.out = ReadFileBytes(out_path);
  result.err = ReadFileBytes(err_path);
  return result;
}

}  // namespace qlab::testing
