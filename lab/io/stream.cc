// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/io/stream.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#include "qlab/io/input_error.h"
#include "qlab/io/output_transaction.h"

namespace qlab::io {
namespace {

std::string ErrnoText(int error) { return std::generic_category().message(error); }

bool stdout_closed = false;
bool stderr_closed = false;

// The file standard output goes to, when it is a regular file (`qlab predict --json > f`): never
// also an input of the command (the shell truncated it before qlab ran, or `>>` appends to it
// while it is read) nor another of its outputs (the rename would leave stdout writing into an
// unlinked file, its bytes lost).
bool stdout_is_file = false;
dev_t stdout_device = 0;
ino_t stdout_inode = 0;

// The same for standard error: its messages, and `score --json`'s summary, are lost when the
// file it goes to is replaced by a rename (`score --output e.txt --json 2> e.txt`).
bool stderr_is_file = false;
dev_t stderr_device = 0;
ino_t stderr_inode = 0;

bool IsStdoutFile(const struct stat& info) {
  return S_ISREG(info.st_mode) &&
         ((stdout_is_file && info.st_dev == stdout_device && info.st_ino == stdout_inode) ||
          (stderr_is_file && info.st_dev == stderr_device && info.st_ino == stderr_inode));
}

void RefuseStdoutAsInput(const std::string& path, const struct stat& info) {
  if (IsStdoutFile(info)) {
    throw InputError(
        path,
        "is also the standard output or error of this command; qlab does not read the file it "
        "writes to (redirect the output to another file)");
  }
}

// What a file type is called in messages.
const char* FileTypeName(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

bool PrepareStandardStreams() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
    // open(2) returns the lowest free descriptor: this one, as the ones below it are open.
    const int taken = ::open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
    if (taken != fd && taken >= 0) ::close(taken);
    if (fd == STDOUT_FILENO) stdout_closed = true;
    if (fd == STDERR_FILENO) stderr_closed = true;
  }
  struct stat info {};
  if (!stdout_closed && ::fstat(STDOUT_FILENO, &info) == 0 && S_ISREG(info.st_mode)) {
    stdout_is_file = true;
    stdout_device = info.st_dev;
    stdout_inode = info.st_ino;
  }
  if (!stderr_closed && ::fstat(STDERR_FILENO, &info) == 0 && S_ISREG(info.st_mode)) {
    stderr_is_file = true;
    stderr_device = info.st_dev;
    stderr_inode = info.st_ino;
  }
  return !stdout_closed;
}

void WriteResultToStderr(std::string_view text) {
  if (stderr_closed) throw OutputError("<stderr>", "standard error is closed");
  std::cerr.flush();  // what went before stays before
  while (!text.empty()) {
    const ssize_t n = ::write(STDERR_FILENO, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      throw OutputError("<stderr>", "cannot write: " + ErrnoText(n < 0 ? errno : EIO));
    }
    text.remove_prefix(static_cast<size_t>(n));
  }
}

namespace {

// A FIFO opened without blocking reads end-of-file until a writer opens it, so a writer a moment
// late made `score --input FIFO` report an empty input. Waits, as cat's blocking open does, for a
// writer to open `path` (the same FIFO as `opened`, which is closed), at most kFifoWriterWait:
// one that never comes is bad input within seconds, not a hang. A blocking open(2) has no
// timeout, so it runs on a thread; on timeout this process opens the FIFO for writing without
// blocking (possible: that thread is a reader), which releases it. Returns the new descriptor.
constexpr auto kFifoWriterWait = std::chrono::seconds(10);

int WaitForFifoWriter(const std::string& path, int opened, const struct stat& opened_info) {
  // A writer already there (or one that came and went, its bytes in the pipe): `opened` serves.
  struct pollfd ready {
    opened, POLLIN, 0
  };
  if (::poll(&ready, 1, 0) > 0) return opened;
  std::mutex mutex;
  std::condition_variable done;
  bool finished = false;
  int fd = -1;
  int error = 0;
  std::thread opener([&] {
    const int result = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    const int open_error = errno;
    const std::lock_guard<std::mutex> lock(mutex);
    fd = result;
    error = open_error;
    finished = true;
    done.notify_one();
  });
  bool timed_out = false;
  {
    std::unique_lock<std::mutex> lock(mutex);
    timed_out = !done.wait_for(lock, kFifoWriterWait, [&] { return finished; });
  }
  int release = -1;
  if (timed_out) release = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NONBLOCK);
  opener.join();
  if (release >= 0) ::close(release);
  ::close(opened);
  if (timed_out) {
    if (fd >= 0) ::close(fd);
    throw InputError(path, "is a FIFO that no writer opened within " +
                               std::to_string(kFifoWriterWait.count()) + " s");
  }
  if (fd < 0) throw InputError(path, "cannot open: " + ErrnoText(error));
  struct stat info {};
  if (::fstat(fd, &info) != 0 || info.st_dev != opened_info.st_dev ||
      info.st_ino != opened_info.st_ino) {
    ::close(fd);
    throw InputError(path, "was replaced while qlab waited for its writer");
  }
  return fd;
}

}  // namespace

bool NoSuchFile(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) != 0 && errno == ENOENT;
}

int OpenInputFile(const std::string& path, bool allow_stream, int64_t& size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    const int error = errno;
    if (error == ENOENT) throw InputError(path, "no such file");
    throw InputError(path, "cannot open: " + ErrnoText(error));
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0) {
    const int error = errno;
    ::close(fd);
    throw InputError(path, "cannot open: " + ErrnoText(error));
  }
  const bool regular = S_ISREG(info.st_mode);
  if (regular) {
    try {
      RefuseStdoutAsInput(path, info);
    } catch (...) {
      ::close(fd);
      throw;
    }
    AfterOpeningInput(info.st_dev, info.st_ino);
  }
  if (!regular && !(allow_stream && S_ISFIFO(info.st_mode))) {
    ::close(fd);
    throw InputError(path, std::string("is ") + FileTypeName(info.st_mode) +
                               ", not a regular file" + (allow_stream ? " or a pipe" : "") +
                               "; qlab reads input files only");
  }
  // A FIFO by name waits for its writer. A pipe by descriptor (/dev/fd/N, /proc/self/fd/N,
  // /dev/stdin: `--input <(zcat rows.csv.gz)`) had its writer before qlab started; reopened, it
  // would wait for another one.
  if (S_ISFIFO(info.st_mode) && !path.starts_with("/proc/") && !path.starts_with("/dev/fd/") &&
      path != "/dev/stdin") {
    fd = WaitForFifoWriter(path, fd, info);
  }
  // Reads block again: a pipe's writer may be slower than its reader.
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
    const int error = errno;
    ::close(fd);
    throw InputError(path, "cannot open: " + ErrnoText(error));
  }
  size = regular ? static_cast<int64_t>(info.st_size) : -1;
  return fd;
}

std::string ResolveOutputPath(const std::string& path) {
  struct stat info {};
  if (path.empty() || ::lstat(path.c_str(), &info) != 0 || !S_ISLNK(info.st_mode)) return path;
  std::error_code ec;
  const std::filesystem::path resolved = std::filesystem::canonical(path, ec);
  if (ec) {
    throw InputError(path, "is a symbolic link that leads to no file (" + ec.message() +
                               "); qlab writes through a link only to an existing file");
  }
  return resolved.string();
}

void CheckOutputFile(const std::string& path, bool folder_may_be_created) {
  if (path.empty()) throw InputError("an output path is empty");
  ResolveOutputPath(path);  // a dangling link or a loop of links is bad input
  struct stat info {};
  // stat follows a symbolic link: a link to /dev/null is a device here too.
  if (::stat(path.c_str(), &info) == 0) {
    if (!S_ISREG(info.st_mode)) {
      throw InputError(path, std::string("is ") + FileTypeName(info.st_mode) +
                                 ", not a regular file; qlab writes output only to regular files");
    }
    if (IsInputOfThisCommand(info.st_dev, info.st_ino)) {
      throw InputError(path,
                       "is also an input of this command; qlab does not replace a file it reads "
                       "(write to another file, then move it)");
    }
    if (IsStdoutFile(info)) {
      throw InputError(
          path,
          "is also the standard output or error of this command; its output would be lost "
          "(redirect the standard output to another file)");
    }
  } else if (errno != ENOENT && errno != ENOTDIR) {
    // A loop of symbolic links (ELOOP), a name too long (ENAMETOOLONG), a folder on the way that
    // cannot be searched (EACCES): not a path to replace by a rename. (ENOTDIR, a file where a
    // folder should be, is named by the folder check below.)
    throw InputError(path, "cannot be used as an output path: " + ErrnoText(errno));
  }
  std::filesystem::path folder = std::filesystem::path(path).parent_path();
  if (folder.empty()) folder = ".";
  std::error_code ec;
  if (folder_may_be_created) {
    // lstat-like existence: a dangling link is where create_directories would fail.
    while (!std::filesystem::exists(std::filesystem::symlink_status(folder, ec))) {
      const std::filesystem::path up = folder.parent_path();
      if (up == folder) break;
      folder = up.empty() ? "." : up;
    }
  }
  if (::stat(folder.c_str(), &info) != 0) {
    throw InputError(path, "its folder " + folder.string() + " does not exist");
  }
  if (!S_ISDIR(info.st_mode)) {
    throw InputError(path, folder.string() + " is not a folder");
  }
  if (::access(folder.c_str(), W_OK | X_OK) != 0) {
    throw InputError(path,
                     "cannot write in its folder " + folder.string() + ": " + ErrnoText(errno));
  }
}

InputStream::InputStream(const std::string& path, bool allow_stream) {
  if (path != "-") {
    name_ = path;
    fd_ = OpenInputFile(path, allow_stream, file_size_);
    owned_ = true;
    return;
  }
  name_ = kStdinName;
  fd_ = STDIN_FILENO;
  struct stat info {};
  if (::fstat(fd_, &info) != 0) {
    const int error = errno;
    if (owned_) ::close(fd_);
    throw InputError(name_, "cannot open: " + ErrnoText(error));
  }
  if (S_ISDIR(info.st_mode)) {
    if (owned_) ::close(fd_);
    throw InputError(name_, "is a folder, not a file");
  }
  if (S_ISREG(info.st_mode)) {
    file_size_ = static_cast<int64_t>(info.st_size);
    // `--input - < rows.csv`: rows.csv is an input like any named one (never also the output).
    RefuseStdoutAsInput(name_, info);
    AfterOpeningInput(info.st_dev, info.st_ino);
  }
}

InputStream::~InputStream() {
  if (owned_) ::close(fd_);
}

size_t InputStream::Read(char* out, size_t n) {
  size_t got = std::min(n, pushback_.size());
  if (got > 0) {
    std::memcpy(out, pushback_.data(), got);
    pushback_.erase(0, got);
  }
  while (got < n) {
    const ssize_t r = ::read(fd_, out + got, n - got);
    if (r < 0) {
      if (errno == EINTR) continue;
      throw InputError(name_, "cannot read: " + ErrnoText(errno));
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
    bytes_read_.fetch_add(static_cast<uint64_t>(r), std::memory_order_relaxed);
  }
  return got;
}

OutputStream::OutputStream(const std::string& path) : path_(path) {
  if (path == "-") {
    if (stdout_closed) throw OutputError("<stdout>", "standard output is closed");
    fd_ = STDOUT_FILENO;
    return;
  }
  // An existing folder, device, FIFO or socket at `path` is bad input, never renamed over; a
  // link to a file is written through (the temporary beside the file, the link left as it is).
  CheckOutputFile(path);
  target_ = ResolveOutputPath(path);
  const std::filesystem::path target(target_);
  std::filesystem::path folder = target.parent_path();
  if (folder.empty()) folder = ".";
  // Leftovers of a qlab killed while writing here (SIGKILL cannot be caught): their names carry
  // the PID, so those whose process is gone can be told from another qlab's work in progress.
  RemoveDeadTemporaries(folder.string());
  const std::string temporary_name = TemporaryName(target.filename().string(), "XXXXXX");
  const std::string pattern = (folder / temporary_name).string();
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  fd_ = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd_ < 0) {
    const int error = errno;
    // A full disk (no inode left) or a failing device is a write that failed (exit 4); a folder
    // without write permission or on a read-only file system is an unusable path (exit 2).
    if (error == ENOSPC || error == EDQUOT || error == EIO) {
      throw OutputError(path, "cannot create a temporary file beside it: " + ErrnoText(error));
    }
    throw InputError(path, "cannot create a temporary file beside it: " + ErrnoText(error));
  }
  temporary_ = name.data();
  guard_.Register(temporary_, /*is_folder=*/false);
}

OutputStream::~OutputStream() {
  if (is_stdout()) return;
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temporary_.c_str());
}

void OutputStream::Write(std::string_view bytes) {
  const char* data = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    const ssize_t written = ::write(fd_, data, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE && is_stdout()) throw ClosedPipe();
      throw OutputError(is_stdout() ? "<stdout>" : path_, "cannot write: " + ErrnoText(errno));
    }
    data += written;
    left -= static_cast<size_t>(written);
    bytes_written_ += static_cast<uint64_t>(written);
  }
}

void OutputStream::Commit() {
  if (is_stdout() || committed_) return;
  if (::fchmod(fd_, 0644) != 0 || ::fsync(fd_) != 0) {
    throw OutputError(path_, "cannot write: " + ErrnoText(errno));
  }
  const int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) throw OutputError(path_, "cannot write: " + ErrnoText(errno));
  // Once more just before the rename: something else may have appeared at the path meanwhile.
  CheckOutputFile(target_);
  BeforePublishing(target_);  // the command's transaction keeps the old version until it commits
  if (::rename(temporary_.c_str(), target_.c_str()) != 0) {
    throw OutputError(path_, "cannot replace the file: " + ErrnoText(errno));
  }
  committed_ = true;
  guard_.Release();
  std::filesystem::path folder = std::filesystem::path(target_).parent_path();
  if (folder.empty()) folder = ".";
  // Best effort: a folder that cannot be opened for fsync (some file systems) is not an error,
  // the rename has happened.
  const int dir_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

}  // namespace qlab::io
