// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Temporary files and folders (an output's `.NAME.tmp.PID.XXXXXX` before its rename, a report's
// `.charts.tmp.PID/`) that an interrupted qlab must not leave behind:
// - while one exists it is registered (ScopedTemporary); SIGINT and SIGTERM remove every
//   registered one (a folder with the files directly inside it) and then end the process by the
//   same signal, re-raised with its default action, as well-behaved tools do;
// - SIGKILL cannot be caught, so the next output written into a folder removes the temporaries
//   there whose PID no longer runs (RemoveDeadTemporaries).
#pragma once

#include <string>

namespace qlab::io {

// Installs the SIGINT and SIGTERM handlers (once; main calls it).
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

// The PID part of a name made by qlab for a temporary (".model.json.tmp.123.Ab3dEf",
// ".charts.tmp.123"), or 0 when `name` is not one.
long TemporaryOwner(const std::string& name);

// Removes the temporaries in `folder` whose owning process no longer runs (best effort; errors
// are ignored: this is cleaning, not writing).
void RemoveDeadTemporaries(const std::string& folder);

}  // namespace qlab::io
