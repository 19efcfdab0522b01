// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Temporary files and folders (an output's `.NAME.qlab-tmp.PID.XXXXXX` before its rename, a
// report's `.charts.qlab-tmp.PID/`, an old version kept until the command commits,
// `.NAME.qlab-tmp.PID.old`) that an interrupted qlab must not leave behind:
// - while one exists it is registered (ScopedTemporary); SIGINT, SIGTERM and the other cleanup
//   signals (AddCleanupSignals) remove every registered one (a folder with the files directly
//   inside it) and then end the process by the same signal, re-raised with its default action,
//   as well-behaved tools do;
// - SIGKILL cannot be caught, so the next output written into a folder removes the temporaries
//   there whose PID no longer runs (RemoveDeadTemporaries).
#pragma once

#include <string>

#include <csignal>

namespace qlab::io {

// The signals whose default action ends the process and that a user, a shell, a supervisor or a
// resource limit sends to stop it: SIGINT, SIGTERM, SIGHUP (terminal closed), SIGQUIT, SIGXCPU
// (`ulimit -t`), SIGALRM, SIGVTALRM, SIGPROF, SIGUSR1, SIGUSR2. Each removes the temporaries and
// undoes the outputs before the process dies by it. (SIGPIPE and SIGXFSZ are ignored instead:
// their writes fail, and the command reports that.)
void AddCleanupSignals(sigset_t* set);

// Installs the handlers of those signals (once; main calls it).
void InstallTemporaryCleanup();

// Registers `path` for removal on SIGINT/SIGTERM for the object's lifetime (Release() ends it
// early, when the temporary has been renamed into place). At most 64 at a time; past that a
// temporary is still removed on every normal path, only not by the signal handler.
class ScopedTemporary {
 public:
  ScopedTemporary() = default;
  ScopedTemporary(const std::string& path, bool is_folder) { Register(path, is_folder); }
  ~ScopedTemporary() { Release(); }
  ScopedTemporary(const ScopedTemporary&) = delete;
  ScopedTemporary& operator=(const ScopedTemporary&) = delete;
  void Register(const std::string& path, bool is_folder);  // after Release() of any earlier one
  void Release();

 private:
  int slot_ = -1;
};

// The child process qlab is waiting for (qlab-bench, gnuplot; 0: none), set by io::RunProcess*.
// SIGINT and SIGTERM reach it first: the handler sends it the same signal, waits up to two
// seconds for it to end (then SIGKILL), and only then removes the temporaries it may be writing
// to, so no child outlives an interrupted qlab nor writes a file after the cleanup.
void SetRunningChild(int pid);

// The undo journal of the command's OutputTransaction (output_transaction.h), kept in fixed
// storage the signal handler can read: SIGINT and SIGTERM first remove the registered temporaries,
// then undo the command's published outputs in reverse order (old versions renamed back, new files
// removed, created folders removed when empty), so an interrupted command leaves its outputs as
// they were, as a failed one does. At most kUndoSteps steps (a `qlab run` takes about 30); past
// that a step returns false and its caller keeps a temporary guard instead (the old version is
// then removed on a signal, not restored).
enum class UndoStep : int { kRemoveFile = 1, kRestoreFile, kRemoveFolderIfEmpty, kRestoreFolder };
inline constexpr int kUndoSteps = 256;
// kRemoveFile: remove `path` (it was new). kRestoreFile: rename `kept` to `path`.
// kRemoveFolderIfEmpty: rmdir `path`. kRestoreFolder: remove the files in `path` and the folder,
// then rename `kept` (if not empty) to `path`. One thread appends (the transaction's lock).
bool JournalUndoStep(UndoStep step, const std::string& path, const std::string& kept);
void DropLastUndoStep();  // the step just journaled did not happen after all
void ClearUndoJournal();  // committed, or undone by the transaction itself

// The one spelling of a temporary's name, beside the file or folder `base_name` it stands for:
// "." + base_name + ".qlab-tmp." + this process's PID, then "." + `suffix` unless it is empty
// (".model.json.qlab-tmp.123.Ab3dEf", ".charts.qlab-tmp.123", ".train.json.qlab-tmp.123.old").
std::string TemporaryName(const std::string& base_name, const std::string& suffix);

// The PID part of a name TemporaryName made, or 0 when `name` is not spelled that way. The tag
// ".qlab-tmp." (not a bare ".tmp.", which a user's own files may well carry) and the shape around
// it are what tell qlab's temporaries from everything else.
long TemporaryOwner(const std::string& name);

// Removes the temporaries in `folder` whose owning process no longer runs (best effort; errors
// are ignored: this is cleaning, not writing). Only what qlab could have made is touched: a name
// TemporaryOwner accepts, owned by this user, that is a regular file or a folder holding only
// regular files (a report's charts); links, FIFOs, devices and deeper trees are left alone.
void RemoveDeadTemporaries(const std::string& folder);

}  // namespace qlab::io
