// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "qlab/io/input_error.h"

namespace qlab::io {
namespace {

std::string ErrnoText(int error) { return std::generic_category().message(error); }

// Closes the descriptor and, unless released, removes the temporary file.
class TemporaryFile {
 public:
  TemporaryFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  TemporaryFile(const TemporaryFile&) = delete;
  TemporaryFile& operator=(const TemporaryFile&) = delete;
  ~TemporaryFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!released_) ::unlink(path_.c_str());
  }
  int fd() const { return fd_; }
  const std::string& path() const { return path_; }
  // Closes the descriptor, reporting the error close may carry (NFS reports write errors there).
  int Close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }
  void Release() { released_ = true; }

 private:
  int fd_;
  std::string path_;
  bool released_ = false;
};

}  // namespace

void EnsureDirectory(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    const std::string reason = ec ? ec.message() : "exists and is not a folder";
    throw InputError(dir, "cannot create the output folder: " + reason);
  }
}

void WriteFileAtomically(const std::string& path, std::string_view contents) {
  const std::filesystem::path target(path);
  std::filesystem::path folder = target.parent_path();
  if (folder.empty()) folder = ".";
  std::string temporary_name = ".";
  temporary_name += target.filename().string();
  temporary_name += ".tmp.XXXXXX";
  const std::string pattern = (folder / temporary_name).string();
  std::vector<char> name(pattern.begin(), pattern.end());
  name.push_back('\0');
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) {
    throw InputError(path, "cannot create a temporary file beside it: " + ErrnoText(errno));
  }
  TemporaryFile temporary(fd, std::string(name.data()));

  const char* data = contents.data();
  size_t left = contents.size();
  while (left > 0) {
    const ssize_t written = ::write(temporary.fd(), data, left);
    if (written < 0) {
      if (errno == EINTR) continue;
      throw InputError(path, "cannot write: " + ErrnoText(errno));
    }
    data += written;
    left -= static_cast<size_t>(written);
  }
  if (::fchmod(temporary.fd(), 0644) != 0 || ::fsync(temporary.fd()) != 0 ||
      temporary.Close() != 0) {
    throw InputError(path, "cannot write: " + ErrnoText(errno));
  }
  if (::rename(temporary.path().c_str(), path.c_str()) != 0) {
    throw InputError(path, "cannot replace the file: " + ErrnoText(errno));
  }
  temporary.Release();
  // Best effort: a folder that cannot be opened for fsync (some file systems) is not an error,
  // the rename has happened.
  const int dir_fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}

std::string ReadFileBytes(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
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
  if (S_ISDIR(info.st_mode)) {
    ::close(fd);
    throw InputError(path, "is a folder, not a file");
  }
  std::string bytes;
  if (S_ISREG(info.st_mode)) bytes.reserve(static_cast<size_t>(info.st_size));
  char chunk[1 << 16];
  for (;;) {
    const ssize_t got = ::read(fd, chunk, sizeof chunk);
    if (got < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      throw InputError(path, "cannot read: " + ErrnoText(error));
    }
    if (got == 0) break;
    bytes.append(chunk, static_cast<size_t>(got));
  }
  ::close(fd);
  return bytes;
}

}  // namespace qlab::io
