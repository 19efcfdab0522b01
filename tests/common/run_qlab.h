// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Runs the built qlab program as a user would and captures its exit code, stdout and stderr.
#pragma once

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

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

}  // namespace qlab::testing
