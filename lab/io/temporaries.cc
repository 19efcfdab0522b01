// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/io/temporaries.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <system_error>

namespace qlab::io {
namespace {

// The handler reads these: fixed storage and atomic states, no allocation, no locks.
constexpr int kSlots = 64;
constexpr size_t kPathBytes = 4096;
enum SlotState : int { kFree = 0, kFilling = 1, kFile = 2, kFolder = 3 };
std::atomic<int> slot_state[kSlots];
char slot_path[kSlots][kPathBytes];

// The files directly inside `path`, then the folder; async-signal-safe system calls only.
void RemoveFolderInHandler(const char* path) {
  const int fd = ::open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    alignas(8) char buffer[4096];
    for (;;) {
      const long n = ::syscall(SYS_getdents64, fd, buffer, sizeof buffer);
      if (n <= 0) break;
      for (long at = 0; at < n;) {
        const auto* entry = reinterpret_cast<const struct dirent64*>(buffer + at);
        const char* name = entry->d_name;
        if (!(name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))) {
          ::unlinkat(fd, name, 0);
        }
        at += entry->d_reclen;
      }
    }
    ::close(fd);
  }
  ::rmdir(path);
}

// The undo journal: steps [0, journal_size) are complete; a step is written before the size that
// covers it is published (release), and the handler reads the size first (acquire).
struct JournalEntry {
  int step;
  char path[kPathBytes];
  char kept[kPathBytes];
};
JournalEntry journal[kUndoSteps];
std::atomic<int> journal_size{0};

void UndoInHandler() {
  for (int i = journal_size.load(std::memory_order_acquire) - 1; i >= 0; --i) {
    const JournalEntry& e = journal[i];
    switch (static_cast<UndoStep>(e.step)) {
      case UndoStep::kRemoveFile:
        ::unlink(e.path);
        break;
      case UndoStep::kRestoreFile:
        ::rename(e.kept, e.path);
        break;
      case UndoStep::kRemoveFolderIfEmpty:
        ::rmdir(e.path);
        break;
      case UndoStep::kRestoreFolder:
        RemoveFolderInHandler(e.path);
        if (e.kept[0] != '\0') ::rename(e.kept, e.path);
        break;
    }
  }
}

std::atomic<int> running_child{0};

// Ends the running child, if any: the same signal, up to 2 s (200 × 10 ms) for it to go, then
// SIGKILL. waitpid, kill and nanosleep are async-signal-safe.
void StopChildInHandler(int signal_number) {
  const pid_t pid = running_child.load(std::memory_order_acquire);
  if (pid <= 0) return;
  // The child leads its own process group (process.cc): the group is ended, its helpers too.
  if (::kill(-pid, signal_number) != 0) ::kill(pid, signal_number);
  int status = 0;
  for (int i = 0; i < 200; ++i) {
    if (::waitpid(pid, &status, WNOHANG) != 0) return;  // reaped, or not our child any more
    const struct timespec pause = {0, 10 * 1000 * 1000};
    ::nanosleep(&pause, nullptr);
  }
  if (::kill(-pid, SIGKILL) != 0) ::kill(pid, SIGKILL);
  ::waitpid(pid, &status, 0);
}

void OnSignal(int signal_number) {
  const int saved_errno = errno;
  StopChildInHandler(signal_number);
  // Temporaries first (a temporary file inside a folder the command created keeps it from being
  // removed), then the command's published outputs.
  for (int i = 0; i < kSlots; ++i) {
    const int state = slot_state[i].load(std::memory_order_acquire);
    if (state == kFile) ::unlink(slot_path[i]);
    if (state == kFolder) RemoveFolderInHandler(slot_path[i]);
  }
  UndoInHandler();
  errno = saved_errno;
  // Die by the same signal, so a shell or supervisor sees how the process ended.
  struct sigaction action {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  ::sigaction(signal_number, &action, nullptr);
  ::raise(signal_number);
}

constexpr int kCleanupSignals[] = {SIGINT,  SIGTERM,   SIGHUP,  SIGQUIT, SIGXCPU,
                                   SIGALRM, SIGVTALRM, SIGPROF, SIGUSR1, SIGUSR2};

}  // namespace

void AddCleanupSignals(sigset_t* set) {
  for (const int s : kCleanupSignals) sigaddset(set, s);
}

void InstallTemporaryCleanup() {
  struct sigaction action {};
  action.sa_handler = OnSignal;
  sigemptyset(&action.sa_mask);
  AddCleanupSignals(&action.sa_mask);
  for (const int s : kCleanupSignals) {
    struct sigaction previous {};
    ::sigaction(s, nullptr, &previous);
    // A shell starts background jobs with SIGINT ignored: keep it so.
    if (previous.sa_handler == SIG_IGN) continue;
    ::sigaction(s, &action, nullptr);
  }
}

void SetRunningChild(int pid) { running_child.store(pid, std::memory_order_release); }

bool JournalUndoStep(UndoStep step, const std::string& path, const std::string& kept) {
  const int i = journal_size.load(std::memory_order_relaxed);
  if (i >= kUndoSteps || path.size() + 1 > kPathBytes || kept.size() + 1 > kPathBytes) return false;
  JournalEntry& e = journal[i];
  e.step = static_cast<int>(step);
  std::memcpy(e.path, path.c_str(), path.size() + 1);
  std::memcpy(e.kept, kept.c_str(), kept.size() + 1);
  journal_size.store(i + 1, std::memory_order_release);
  return true;
}

void DropLastUndoStep() {
  const int i = journal_size.load(std::memory_order_relaxed);
  if (i > 0) journal_size.store(i - 1, std::memory_order_release);
}

void ClearUndoJournal() { journal_size.store(0, std::memory_order_release); }

void ScopedTemporary::Register(const std::string& path, bool is_folder) {
  Release();
  if (path.size() + 1 > kPathBytes) return;
  for (int i = 0; i < kSlots; ++i) {
    int expected = kFree;
    if (slot_state[i].compare_exchange_strong(expected, kFilling, std::memory_order_acq_rel)) {
      std::memcpy(slot_path[i], path.c_str(), path.size() + 1);
      slot_state[i].store(is_folder ? kFolder : kFile, std::memory_order_release);
      slot_ = i;
      return;
    }
  }
}

void ScopedTemporary::Release() {
  if (slot_ < 0) return;
  slot_state[slot_].store(kFree, std::memory_order_release);
  slot_ = -1;
}

namespace {

constexpr std::string_view kTag = ".qlab-tmp.";

// A folder qlab could have left: only regular files directly inside it (a report's charts, the
// .gp scripts gnuplot had not yet read). Anything else in it means it is not one of qlab's.
bool HoldsOnlyRegularFiles(const std::filesystem::path& folder) {
  std::error_code ec;
  std::filesystem::directory_iterator it(folder, ec);
  if (ec) return false;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (ec || !it->is_regular_file(ec) || it->is_symlink(ec)) return false;
  }
  return !ec;
}

}  // namespace

std::string TemporaryName(const std::string& base_name, const std::string& suffix) {
  std::string name = "." + base_name;
  name += kTag;
  name += std::to_string(::getpid());
  if (!suffix.empty()) name += "." + suffix;
  return name;
}

long TemporaryOwner(const std::string& name) {
  // "." NAME ".qlab-tmp." DIGITS, then nothing or "." and a suffix of letters and digits.
  if (name.size() < 2 || name[0] != '.') return 0;
  const size_t tag = name.rfind(kTag);
  if (tag == std::string::npos || tag < 2) return 0;
  size_t i = tag + kTag.size();
  long pid = 0;
  size_t digits = 0;
  while (i < name.size() && name[i] >= '0' && name[i] <= '9' && digits < 10) {
    pid = pid * 10 + (name[i] - '0');
    ++i;
    ++digits;
  }
  if (digits == 0) return 0;
  if (i == name.size()) return pid;
  if (name[i] != '.' || i + 1 == name.size()) return 0;
  for (++i; i < name.size(); ++i) {
    const char c = name[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return 0;
  }
  return pid;
}

void RemoveDeadTemporaries(const std::string& folder) {
  std::error_code ec;
  std::filesystem::directory_iterator it(folder.empty() ? "." : folder, ec);
  if (ec) return;
  for (const auto& entry : it) {
    const long pid = TemporaryOwner(entry.path().filename().string());
    if (pid <= 0 || pid == ::getpid()) continue;
    // Not running (ESRCH); a process of another user (EPERM) is alive and left alone.
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    struct stat info {};
    if (::lstat(entry.path().c_str(), &info) != 0 || info.st_uid != ::geteuid()) continue;
    if (S_ISREG(info.st_mode)) {
      std::filesystem::remove(entry.path(), ec);
    } else if (S_ISDIR(info.st_mode) && HoldsOnlyRegularFiles(entry.path())) {
      std::filesystem::remove_all(entry.path(), ec);
    }
  }
}

}  // namespace qlab::io
