// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/io/output_transaction.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <mutex>
#include <string>
#include <system_error>
#include <vector>

#include "qlab/io/input_error.h"
#include "qlab/io/temporaries.h"

namespace qlab::io {
namespace fs = std::filesystem;

struct OutputTransaction::State {
  struct Entry {
    enum Kind { kFile, kFolderCreated, kFolderReplaced } kind = kFile;
    std::string path;
    std::string kept;  // the old version's name beside it, or empty when there was none
    std::unique_ptr<ScopedTemporary> guard;  // removes `kept` on SIGINT/SIGTERM
  };
  std::vector<Entry> entries;
  bool committed = false;
  struct FileId {
    dev_t device;
    ino_t inode;
  };
  std::vector<FileId> inputs_read;
  std::vector<FileId> rewritten_on_purpose;
};

namespace {

std::mutex active_mutex;
OutputTransaction::State* active = nullptr;

bool Recorded(const OutputTransaction::State& s, const std::string& path) {
  for (const auto& e : s.entries) {
    if (e.path == path) return true;
  }
  return false;
}

// `.NAME.qlab-tmp.PID.oldN` beside `path`: a temporary's name, so RemoveDeadTemporaries sweeps it
// when this process is killed before it could commit or undo.
std::string KeptName(const std::string& path, int n) {
  const fs::path p(path);
  const std::string name =
      TemporaryName(p.filename().string(), n > 0 ? "old" + std::to_string(n) : "old");
  return (p.parent_path() / name).string();
}

}  // namespace

OutputTransaction::OutputTransaction() : state_(std::make_unique<State>()) {
  const std::lock_guard<std::mutex> lock(active_mutex);
  active = state_.get();
}

void OutputTransaction::Commit() {
  const std::lock_guard<std::mutex> lock(active_mutex);
  ClearUndoJournal();  // first: a signal from here on leaves the outputs, which are complete
  std::error_code ec;
  for (auto& e : state_->entries) {
    if (!e.kept.empty()) fs::remove_all(e.kept, ec);
    e.guard.reset();
  }
  state_->entries.clear();
  state_->committed = true;
}

OutputTransaction::~OutputTransaction() {
  const std::lock_guard<std::mutex> lock(active_mutex);
  if (active == state_.get()) active = nullptr;
  if (state_->committed) return;
  std::error_code ec;
  for (auto it = state_->entries.rbegin(); it != state_->entries.rend(); ++it) {
    switch (it->kind) {
      case State::Entry::kFile:
        if (it->kept.empty()) {
          fs::remove(it->path, ec);
        } else {
          fs::rename(it->kept, it->path, ec);
        }
        break;
      case State::Entry::kFolderReplaced:
        fs::remove_all(it->path, ec);
        if (!it->kept.empty()) fs::rename(it->kept, it->path, ec);
        break;
      case State::Entry::kFolderCreated:
        fs::remove(it->path, ec);  // only when empty: never what someone else put there
        break;
    }
    it->guard.reset();
  }
  ClearUndoJournal();
}

void BeforePublishing(const std::string& path) {
  const std::lock_guard<std::mutex> lock(active_mutex);
  if (active == nullptr || Recorded(*active, path)) return;  // the first record holds the original
  OutputTransaction::State::Entry e;
  e.kind = OutputTransaction::State::Entry::kFile;
  e.path = path;
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
    for (int n = 0; n < 100; ++n) {
      const std::string kept = KeptName(path, n);
      if (::link(path.c_str(), kept.c_str()) == 0) {
        e.kept = kept;
        break;
      }
      if (errno != EEXIST) break;  // no hard links here: the old file cannot be kept
    }
    // Without a kept version the file is not recorded: undo must not remove the old file's name.
    if (e.kept.empty()) return;
  }
  // A signal undoes it too (temporaries.h); where the journal is full, a signal at least removes
  // the kept version rather than leaving it behind.
  const bool journaled = JournalUndoStep(
      e.kept.empty() ? UndoStep::kRemoveFile : UndoStep::kRestoreFile, e.path, e.kept);
  if (!journaled && !e.kept.empty()) {
    e.guard = std::make_unique<ScopedTemporary>(e.kept, /*is_folder=*/false);
  }
  active->entries.push_back(std::move(e));
}

namespace {

bool HoldsFile(const std::vector<OutputTransaction::State::FileId>& ids, dev_t device,
               ino_t inode) {
  for (const auto& id : ids) {
    if (id.device == device && id.inode == inode) return true;
  }
  return false;
}

}  // namespace

void AfterOpeningInput(dev_t device, ino_t inode) {
  const std::lock_guard<std::mutex> lock(active_mutex);
  if (active != nullptr) active->inputs_read.push_back({device, inode});
}

bool IsInputOfThisCommand(dev_t device, ino_t inode) {
  const std::lock_guard<std::mutex> lock(active_mutex);
  return active != nullptr && HoldsFile(active->inputs_read, device, inode) &&
         !HoldsFile(active->rewritten_on_purpose, device, inode);
}

void AllowRewritingInput(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return;
  const std::lock_guard<std::mutex> lock(active_mutex);
  if (active != nullptr) active->rewritten_on_purpose.push_back({info.st_dev, info.st_ino});
}

void AfterCreatingFolder(const std::string& folder) {
  const std::lock_guard<std::mutex> lock(active_mutex);
  if (active == nullptr || Recorded(*active, folder)) return;
  OutputTransaction::State::Entry e;
  e.kind = OutputTransaction::State::Entry::kFolderCreated;
  e.path = folder;
  JournalUndoStep(UndoStep::kRemoveFolderIfEmpty, e.path, "");
  active->entries.push_back(std::move(e));
}

void ReplaceFolder(const std::string& final_path, const std::string& replacement) {
  const std::lock_guard<std::mutex> lock(active_mutex);
  std::error_code ec;
  OutputTransaction::State::Entry e;
  e.kind = OutputTransaction::State::Entry::kFolderReplaced;
  e.path = final_path;
  if (fs::exists(fs::symlink_status(final_path))) {
    std::string kept;
    for (int n = 0; n < 100 && kept.empty(); ++n) {
      if (!fs::exists(fs::symlink_status(KeptName(final_path, n)))) kept = KeptName(final_path, n);
    }
    fs::rename(final_path, kept, ec);
    if (ec || kept.empty()) {
      throw InputError(final_path, "cannot replace: " + (ec ? ec.message() : "no free name"));
    }
    e.kept = kept;
  }
  // Journaled before the replacement moves in: a signal from here on puts the old folder back.
  const bool journaled =
      active != nullptr && JournalUndoStep(UndoStep::kRestoreFolder, final_path, e.kept);
  if (!journaled && !e.kept.empty()) {
    e.guard = std::make_unique<ScopedTemporary>(e.kept, /*is_folder=*/true);
  }
  if (!replacement.empty()) fs::rename(replacement, final_path, ec);
  if (ec) {
    if (journaled) DropLastUndoStep();
    if (!e.kept.empty()) {
      std::error_code back;
      fs::rename(e.kept, final_path, back);
    }
    throw InputError(final_path, "cannot move into place: " + ec.message());
  }
  if (active == nullptr) {
    if (!e.kept.empty()) fs::remove_all(e.kept, ec);
    return;
  }
  active->entries.push_back(std::move(e));
}

}  // namespace qlab::io
