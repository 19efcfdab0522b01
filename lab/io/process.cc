// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Starting helper programs (gnuplot, qlab-bench) without a shell.
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
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
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  // Resolved before fork: between fork and exec the child may only make async-signal-safe calls
  // (other threads of qlab, OpenBLAS's, may hold the allocator's lock), and execvp is not one.
  const std::string program = FindOnPath(argv[0]);
  int exec_error[2];  // the child's errno when exec fails; closed unread (CLOEXEC) when it works
  if (program.empty() || ::pipe2(exec_error, O_CLOEXEC) != 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return -1;
  }
  const pid_t parent = ::getpid();
  // No signal is handled between fork and exec: qlab's SIGINT/SIGTERM handler undoes the output
  // transaction, which a copy of qlab in the child must never do.
  sigset_t all, before;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &before);
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    // SIGKILL cannot be caught, so qlab cannot stop its child then: the kernel does, as the
    // death signal of the parent. (Checked after setting it: the parent may already be gone.)
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    // Its own process group: the handler of SIGINT/SIGTERM ends the child with whatever it
    // started (gnuplot's helpers), and a terminal's ^C reaches qlab alone, which forwards it
    // after deciding what to undo (temporaries.h).
    ::setpgid(0, 0);
    // qlab ignores SIGPIPE and SIGXFSZ (it reports EPIPE and EFBIG itself); an ignored signal
    // stays ignored across exec, so the child gets the default actions back. (Caught ones,
    // SIGINT and SIGTERM, are reset by exec itself.)
    ::signal(SIGPIPE, SIG_DFL);
    ::signal(SIGXFSZ, SIG_DFL);
    ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd < 0 || ::dup2(null_fd, 0) < 0 || ::dup2(fds[1], 1) < 0 ||
        (merge_stderr && ::dup2(fds[1], 2) < 0)) {
      const int error = errno;
      (void)!::write(exec_error[1], &error, sizeof error);
      ::_exit(127);
    }
    ::execve(program.c_str(), args.data(), environ);
    const int error = errno;
    (void)!::write(exec_error[1], &error, sizeof error);
    ::_exit(127);
  }
  // Both sides set the group (the usual way to close the race): whichever runs first, the group
  // exists before the child is recorded as running, so a signal handler can always end it.
  if (pid > 0) ::setpgid(pid, pid);
  ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
  ::close(fds[1]);
  ::close(exec_error[1]);
  if (pid < 0) {
    ::close(fds[0]);
    ::close(exec_error[0]);
    return -1;
  }
  int child_errno = 0;
  ssize_t got;
  while ((got = ::read(exec_error[0], &child_errno, sizeof child_errno)) < 0 && errno == EINTR) {
  }
  ::close(exec_error[0]);
  if (got > 0) {  // exec failed: nothing ran
    ::close(fds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
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
