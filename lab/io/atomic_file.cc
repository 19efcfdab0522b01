// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/io/atomic_file.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include "qlab/io/input_error.h"
#include "qlab/io/output_transaction.h"
#include "qlab/io/stream.h"
#include "qlab/io/temporaries.h"

namespace qlab::io {
namespace {

std::string ErrnoText(int error) { return std::generic_category().message(error); }

}  // namespace

void EnsureDirectory(const std::string& dir) {
  // The folders this creates, outermost first, each recorded as soon as it exists, so that a
  // failed command removes them again (output_transaction.h): a run into a full disk leaves no new
  // empty folder behind, even when the disk fills between two levels of a nested --out.
  // (symlink_status sets its error_code to ENOENT for a missing path: only its type is read.)
  std::vector<std::filesystem::path> missing;
  std::error_code ec;
  const std::filesystem::path absolute = std::filesystem::absolute(dir, ec).lexically_normal();
  for (std::filesystem::path p = absolute; !ec && !p.empty(); p = p.parent_path()) {
    std::error_code status_error;
    if (std::filesystem::symlink_status(p, status_error).type() !=
        std::filesystem::file_type::not_found) {
      break;
    }
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    // The cleanup signals wait while a folder is made and recorded: between the two, the handler
    // would not know to remove it, and an interrupted run would leave it (an empty quantized/ in
    // an otherwise undone run folder, seen under ASan's slower timing).
    sigset_t interrupts, before;
    sigemptyset(&interrupts);
    AddCleanupSignals(&interrupts);
    ::pthread_sigmask(SIG_BLOCK, &interrupts, &before);
    const bool made = ::mkdir(it->c_str(), 0777) == 0;
    const int error = errno;
    try {
      if (made) AfterCreatingFolder(it->string());
    } catch (...) {
      ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
      throw;
    }
    ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
    if (made) continue;
    if (error == EEXIST) continue;  // made by someone else meanwhile: checked below
    // A disk or quota that is full, or a device that fails, is an output that could not be written
    // (exit 4); anything else (permission, a file in the way, a read-only file system) is an
    // unusable output path (exit 2).
    if (error == ENOSPC || error == EDQUOT || error == EIO) {
      throw OutputError(dir, "cannot create the output folder: " + ErrnoText(error));
    }
    throw InputError(dir, "cannot create the output folder: " + ErrnoText(error));
  }
  if (!std::filesystem::is_directory(dir, ec)) {
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

std::string ReadFileBytes(const std::string& path, int64_t limit) {
  int64_t size = 0;
  const int fd = OpenInputFile(path, /*allow_stream=*/false, size);
  const std::string too_big =
      "larger than " + std::to_string(limit >> 20) + " MiB, the most qlab reads of such a file";
  if (size > limit) {
    ::close(fd);
    throw InputError(path, "is " + std::to_string(size) + " bytes, " + too_big);
  }
  std::string bytes;
  bytes.reserve(static_cast<size_t>(size));
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
    if (static_cast<int64_t>(bytes.size()) > limit) {  // it grew while being read
      ::close(fd);
      throw InputError(path, "grew while being read, " + too_big);
    }
  }
  ::close(fd);
  return bytes;
}

}  // namespace qlab::io
