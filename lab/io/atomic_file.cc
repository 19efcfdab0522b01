// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/io/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "qlab/io/input_error.h"
#include "qlab/io/stream.h"

namespace qlab::io {
namespace {

std::string ErrnoText(int error) { return std::generic_category().message(error); }

}  // namespace

void EnsureDirectory(const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) {
    const std::string reason = ec ? ec.message() : "exists and is not a folder";
    throw InputError(dir, "cannot create the output folder: " + reason);
  }
}

// The one writer of output files: OutputStream (a temporary beside the target, fsync, rename,
// fsync of the folder), given everything at once. "-" is a file of that name here, not stdout.
void WriteFileAtomically(const std::string& path, std::string_view contents) {
  OutputStream out(path == "-" ? "./-" : path);
  out.Write(contents);
  out.Commit();
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
