// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// What one command writes is kept or undone as a whole. Each output file is already atomic on its
// own (atomic_file.h: temporary, fsync, rename); a command that writes several (`qlab run`: the
// model, three JSON summaries, three quantized artifacts, the benchmarks, the report and its
// charts) and then fails, on a full disk say, must not leave the first ones behind, nor a new
// empty output folder. While an OutputTransaction is active (main opens one around the command):
// - a file about to be renamed into place is recorded first; when one is already there, its old
//   version is kept under a hard link beside it (`.NAME.tmp.PID.old`, no data copied, so it works
//   on a full disk too);
// - a folder EnsureDirectory creates is recorded; a folder replaced whole (a report's charts/) is
//   moved aside instead of removed.
// Commit() drops the old versions; destroying the transaction uncommitted (an exception on its
// way to main's exit 2, 3 or 4) undoes everything in reverse order: new files removed, old ones
// renamed back, created folders removed when empty. Undo is best effort: on a file system without
// hard links an old file cannot be kept and the new one stays. SIGINT and SIGTERM undo the same
// way: every step is also journaled where the signal handler reads it (temporaries.h), so an
// interrupted command leaves its outputs as they were, then dies by the signal. SIGKILL leaves
// what was published (each file whole) and kept old versions that the next write there sweeps.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

namespace qlab::io {

class OutputTransaction {
 public:
  OutputTransaction();  // becomes the active transaction of the process (one at a time)
  ~OutputTransaction();
  OutputTransaction(const OutputTransaction&) = delete;
  OutputTransaction& operator=(const OutputTransaction&) = delete;

  // Keeps everything published since the transaction began.
  void Commit();

  struct State;

 private:
  std::unique_ptr<State> state_;
};

// An output is never a file the same command has read: `score --input rows.csv --output
// rows.csv`, or `predict --predictions` naming the data, would replace its own input. While a
// transaction is active, OpenInputFile (stream.h) records each regular file it opens by device and
// inode (a hard or symbolic link to an input is the same file) and CheckOutputFile refuses those.
// A command that updates a file in place on purpose (`check --update` rewrites the baseline it
// read) says so first with AllowRewritingInput.
void AfterOpeningInput(dev_t device, ino_t inode);
bool IsInputOfThisCommand(dev_t device, ino_t inode);
void AllowRewritingInput(const std::string& path);

// The writers' side (no-ops when no transaction is active).
// Before `path` is replaced or created by a rename.
void BeforePublishing(const std::string& path);
// After EnsureDirectory created `folder` (which did not exist).
void AfterCreatingFolder(const std::string& folder);
// Puts `replacement` (a complete folder; empty: none) at `final_path`, a folder that may exist:
// the old one is moved aside and removed on Commit (at once when no transaction is active).
// Throws InputError naming final_path when the renames fail.
void ReplaceFolder(const std::string& final_path, const std::string& replacement);

}  // namespace qlab::io
