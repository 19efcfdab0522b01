// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// What a folder tree holds, to compare before and after a command: every name under the root
// with what it is — a folder, a symbolic link and its target, a regular file and its bytes, or
// another type (FIFOs and devices are never opened, so a FIFO without a writer cannot block it).
#pragma once

#include <filesystem>
#include <map>
#include <string>

#include "qlab/io/atomic_file.h"

namespace qlab::testing {

// Name (relative to the root) -> "folder", "link -> TARGET", "file " + bytes or "special N".
using Tree = std::map<std::string, std::string>;

namespace internal {

// By hand rather than with recursive_directory_iterator, which follows a loop of links far enough
// to throw ELOOP.
inline void SnapshotInto(const std::filesystem::path& root, const std::filesystem::path& folder,
                         Tree& tree) {
  namespace fs = std::filesystem;
  for (const auto& entry : fs::directory_iterator(folder)) {
    const std::string name = entry.path().lexically_relative(root).string();
    const fs::file_status st = fs::symlink_status(entry.path());
    if (fs::is_symlink(st)) {
      tree[name] = "link -> " + fs::read_symlink(entry.path()).string();
    } else if (fs::is_directory(st)) {
      tree[name] = "folder";
      SnapshotInto(root, entry.path(), tree);
    } else if (fs::is_regular_file(st)) {
      tree[name] = "file " + qlab::io::ReadFileBytes(entry.path().string());
    } else {
      tree[name] = "special " + std::to_string(static_cast<int>(st.type()));
    }
  }
}

}  // namespace internal

// The tree under `root`; empty when `root` does not exist.
inline Tree Snapshot(const std::filesystem::path& root) {
  Tree tree;
  std::error_code ec;
  if (!std::filesystem::is_directory(std::filesystem::symlink_status(root, ec))) return tree;
  internal::SnapshotInto(root, root, tree);
  return tree;
}

// The bytes of a regular file's entry, or nullptr for anything else.
inline const std::string* FileBytes(const Tree::value_type& entry, std::string& storage) {
  if (entry.second.rfind("file ", 0) != 0) return nullptr;
  storage = entry.second.substr(5);
  return &storage;
}

// " new:NAME", " changed:NAME", " gone:NAME" for each difference; empty when the trees are equal.
inline std::string Differences(const Tree& before, const Tree& after) {
  std::string text;
  for (const auto& [name, what] : after) {
    const auto old = before.find(name);
    if (old == before.end()) {
      text += " new:" + name;
    } else if (old->second != what) {
      text += " changed:" + name;
    }
  }
  for (const auto& [name, what] : before) {
    if (after.count(name) == 0) text += " gone:" + name;
  }
  return text;
}

}  // namespace qlab::testing
