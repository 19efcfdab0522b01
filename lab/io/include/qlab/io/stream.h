// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Byte streams for the filters (`qlab score`): an input read in pieces from a file or stdin, and an
// output written in pieces to stdout or to a file that appears only when complete (a temporary
// beside it, renamed on Commit; removed when the writer is destroyed uncommitted).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "qlab/io/input_error.h"
#include "qlab/io/temporaries.h"

namespace qlab::io {

// The name errors give standard input.
inline constexpr const char* kStdinName = "<stdin>";

// Checks, before anything is computed or written, that `path` can become an output file: it is
// not an existing folder, device, FIFO or socket (qlab writes regular files only, and never
// renames over anything else) nor, while a command's OutputTransaction is active, a file the
// command has read (output_transaction.h), and its folder exists and is writable — or, with
// `folder_may_be_created`, the nearest existing ancestor is a writable folder. InputError naming
// the path otherwise (exit 2: bad input, not a failed write).
void CheckOutputFile(const std::string& path, bool folder_may_be_created = false);

// Where an output at `path` is written: `path` itself, or, when it is a symbolic link (or a chain
// of them) to a regular file, that file — qlab writes through a link and leaves the link in place,
// as a shell's `>` does, instead of replacing the link with a file. InputError naming `path` when
// the link leads nowhere (dangling, or a loop): there is no file to replace.
std::string ResolveOutputPath(const std::string& path);

// The most a whole-file reader (ReadFileBytes) takes, refused before it is read so that memory
// stays bounded and within a 24 GB machine: 1 GiB of a data set (the CSV for train and the
// StatLib file: a CSV of one-digit fields costs about 12 bytes of memory per byte of text, its
// rows held as doubles, split and scaled), 64 MiB of a JSON document (model.json, bench and report
// JSON: nlohmann's DOM takes about 20× the text; the full suite's bench.json is a few MB).
inline constexpr int64_t kMaxWholeFileBytes = int64_t{1} << 30;
inline constexpr int64_t kMaxJsonFileBytes = int64_t{64} << 20;

// The one way qlab opens an input file. Opens `path` read-only without blocking (a FIFO with no
// writer would block open(2) forever) and checks what it opened: a regular file passes; a folder,
// a device (/dev/zero, /dev/urandom, /dev/null), a socket — and a FIFO or pipe unless
// `allow_stream` — is an InputError naming the path. Returns the descriptor (O_CLOEXEC, blocking
// again) and sets `size` to a regular file's size, -1 for a stream.
int OpenInputFile(const std::string& path, bool allow_stream, int64_t& size);

// Whether `path` names nothing (stat(2) fails with ENOENT): for messages that say how to make the
// missing file. A loop of symbolic links or a file where a folder belongs is no "missing file":
// OpenInputFile reports those as what they are (ELOOP, ENOTDIR).
bool NoSuchFile(const std::string& path);

class InputStream {
 public:
  // "-" is standard input (named kStdinName); anything else is opened by OpenInputFile: a regular
  // file, or with `allow_stream` also a FIFO or pipe given by name (`qlab score --input
  // <(...)`), read as a stream like stdin. InputError naming the path when it is missing,
  // unreadable or anything else.
  explicit InputStream(const std::string& path, bool allow_stream = false);
  InputStream(const InputStream&) = delete;
  InputStream& operator=(const InputStream&) = delete;
  ~InputStream();

  // Reads up to `n` bytes into `out`, fewer only at the end of the input (a pipe's short reads
  // are retried until `n` or the end). Bytes given back with Unread come first.
  size_t Read(char* out, size_t n);
  // Gives `bytes` back: the next Read returns them first (for looking at a magic number).
  void Unread(std::string bytes) { pushback_ = std::move(bytes) + pushback_; }

  const std::string& name() const { return name_; }
  // A regular file's size in bytes, or -1 for a pipe, terminal or socket.
  int64_t file_size() const { return file_size_; }
  // Safe to call from another thread than the one reading (progress reports).
  uint64_t bytes_read() const { return bytes_read_.load(std::memory_order_relaxed); }

 private:
  std::string name_;
  int fd_ = -1;
  bool owned_ = false;
  int64_t file_size_ = -1;
  std::atomic<uint64_t> bytes_read_ = 0;
  std::string pushback_;
};

// An output that could not be written although its path was fine: the disk is full (ENOSPC), the
// device failed (EIO), the file size limit was reached (EFBIG), stdout is closed or its reader has
// gone. The CLI maps it to exit code 4 and one line "FILE: message" ("<stdout>: ..."), distinct
// from bad input (2: an unusable output path is an InputError).
class OutputError : public std::runtime_error {
 public:
  OutputError(std::string file, const std::string& message)
      : std::runtime_error(message), file_(std::move(file)) {}
  const std::string& file() const { return file_; }
  // "FILE: message", control characters escaped as InputError does.
  std::string Format() const { return InputError(file_, what()).Format(); }

 private:
  std::string file_;
};

// Thrown by OutputStream::Write when the reader of stdout has gone (EPIPE): a filter in
// `... | head` then stops quietly, as Unix filters do (qlab score catches it); anywhere else it is
// an OutputError like any other.
class ClosedPipe : public OutputError {
 public:
  ClosedPipe() : OutputError("<stdout>", "the reader of the output has gone (EPIPE)") {}
};

// Called first thing in main: file descriptors 0, 1 and 2 that are closed get /dev/null, so no
// file opened later takes their number (an output file opened as fd 1 would receive what is meant
// for stdout). Returns false when fd 1 was closed: stdout cannot be written, and OutputStream("-")
// throws OutputError from then on.
bool PrepareStandardStreams();

// Writes a result that a command documents on standard error (`score --json`'s summary object),
// all of it, or throws OutputError("<stderr>", ...): stderr closed when qlab started (it then
// went to /dev/null), ENOSPC (2>/dev/full), EPIPE, EIO. Diagnostics (warnings, notes) are not
// results and go to std::cerr as they may.
void WriteResultToStderr(std::string_view text);

class OutputStream {
 public:
  // "-" is standard output; anything else a file, written as a temporary in its folder (which
  // must exist) and renamed over it by Commit. InputError when the temporary cannot be created.
  explicit OutputStream(const std::string& path);
  OutputStream(const OutputStream&) = delete;
  OutputStream& operator=(const OutputStream&) = delete;
  ~OutputStream();  // an uncommitted temporary is removed

  // All of `bytes`; ClosedPipe on EPIPE (stdout only: ignore SIGPIPE first), OutputError naming
  // the file (or <stdout>) on any other failure: ENOSPC, EIO, EFBIG (ignore SIGXFSZ first).
  void Write(std::string_view bytes);
  // stdout: nothing more to do. A file: fsync, mode 0644, rename over the target, fsync the
  // folder; OutputError when the bytes did not reach the disk. WriteFileAtomically is this writer
  // given all its bytes at once.
  void Commit();

  const std::string& path() const { return path_; }
  bool is_stdout() const { return temporary_.empty(); }
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  std::string path_;
  std::string target_;     // path_, or the file a link at path_ leads to (ResolveOutputPath)
  std::string temporary_;  // empty for stdout
  ScopedTemporary guard_;  // removes temporary_ on SIGINT/SIGTERM until the rename
  int fd_ = -1;
  bool committed_ = false;
  uint64_t bytes_written_ = 0;
};

}  // namespace qlab::io
