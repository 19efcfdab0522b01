// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Starting helper programs (gnuplot, qlab-bench) without a shell.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <functional>

#include "qlab/io/process.h"
#include "qlab/io/temporaries.h"

extern char** environ;

namespace qlab::io {

std::string FindOnPath(const std::string& name) {
  auto executable = [](const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) &&
           ::access(path.c_str(), X_OK) == 0;
  };
  if (name.find('/') != std::string::npos) return executable(name) ? name : "";
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t begin = 0;
  while (begin <= dirs.size()) {
    size_t end = dirs.find(':', begin);
    if (end == std::string::npos) end = dirs.size();
    // An empty PATH entry means the current folder.
    std::string candidate = end > begin ? dirs.substr(begin, end - begin) : std::string(1, '.');
    candidate += '/';
    candidate += name;
    if (executable(candidate)) return candidate;
    begin = end + 1;
  }
  return "";
}

int RunProcessStreaming(const std::vector<std::string>& argv, bool merge_stderr,
                        const std::function<void(const std::string&)>& on_line,
                        std::string* output) {
  if (argv.empty()) return -1;
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return -1;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
  if (merge_stderr) posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // qlab ignores SIGPIPE and SIGXFSZ (it reports EPIPE and EFBIG itself); an ignored signal
  // stays ignored across exec, so the child gets the default actions back.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGXFSZ);
  posix_spawnattr_setsigdefault(&attributes, &defaults);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF);
  pid_t pid = 0;
  const int rc = ::posix_spawnp(&pid, args[0], &actions, &attributes, args.data(), environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return -1;
  }
  SetRunningChild(pid);  // SIGINT/SIGTERM stop it before qlab cleans up (temporaries.h)
  std::string pending;
  char buffer[4096];
  while (true) {
    const ssize_t n = ::read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (output != nullptr) output->append(buffer, static_cast<size_t>(n));
    if (on_line) {
      pending.append(buffer, static_cast<size_t>(n));
      size_t newline;
      while ((newline = pending.find('\n')) != std::string::npos) {
        on_line(pending.substr(0, newline));
        pending.erase(0, newline + 1);
      }
    }
  }
  if (on_line && !pending.empty()) on_line(pending);
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) {
      SetRunningChild(0);
      return -1;
    }
  }
  SetRunningChild(0);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

int RunProcess(const std::vector<std::string>& argv, std::string* output) {
  return RunProcessStreaming(argv, /*merge_stderr=*/true, {}, output);
}

}  // namespace qlab::io
