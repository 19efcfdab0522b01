// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The order of the system calls that make an output file durable: the temporary file is
// fsync'ed before it is renamed over the target, and the folder after (atomic_file.h). Without
// the first fsync a crash after the rename can leave the target empty or partly written, which no
// functional test can see. This executable is linked with -Wl,--wrap=fsync,--wrap=rename
// (tests/CMakeLists.txt), so the calls qlab::io (a static library) makes go to the recorders
// below, which note each call and then make the real one.
#define BOOST_TEST_MODULE lab_atomic_file_order
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "common/temp_dir.h"
#include "qlab/io/atomic_file.h"
#include "qlab/io/stream.h"

namespace {

struct Call {
  std::string name;  // "fsync" or "rename"
  std::string path;  // fsync: the file or folder the descriptor is open on; rename: the source
  std::string to;    // rename: the target
  bool folder = false;
};

bool recording = false;
std::vector<Call> calls;

// The canonical path of what `fd` is open on ("" when /proc cannot say).
std::string PathOfDescriptor(int fd) {
  std::error_code ec;
  const auto path = std::filesystem::read_symlink("/proc/self/fd/" + std::to_string(fd), ec);
  return ec ? "" : path.string();
}

std::string Canonical(const std::string& path) {
  std::error_code ec;
  const auto canonical = std::filesystem::canonical(path, ec);
  return ec ? path : canonical.string();
}

// The calls between the start and the end of `write`, which must not throw.
template <class Write>
std::vector<Call> Record(const Write& write) {
  calls.clear();
  recording = true;
  write();
  recording = false;
  return calls;
}

// The recorded calls must be: fsync of the temporary, rename of that temporary over `target`,
// fsync of the target's folder, in this order (other fsyncs may come between).
void ExpectDurableOrder(const std::vector<Call>& seen, const std::string& target) {
  BOOST_TEST_MESSAGE("calls for " << target << ":");
  for (const Call& c : seen) {
    BOOST_TEST_MESSAGE("  " << c.name << " " << c.path << (c.to.empty() ? "" : " -> " + c.to));
  }
  size_t renames = 0, rename_at = 0;
  for (size_t i = 0; i < seen.size(); ++i) {
    if (seen[i].name == "rename") {
      ++renames;
      rename_at = i;
    }
  }
  // No rename seen at all: the wrappers did not take (qlab::io built as a shared library?).
  BOOST_REQUIRE_MESSAGE(renames == 1, renames << " renames recorded, expected 1");
  const Call& rename = seen[rename_at];
  BOOST_TEST(rename.to == target);
  BOOST_TEST(rename.path != Canonical(target),
             "renamed in place: the file was written where it is");
  BOOST_TEST(std::filesystem::path(rename.path).parent_path() ==
             std::filesystem::path(Canonical(target)).parent_path());
  bool temporary_synced = false;
  for (size_t i = 0; i < rename_at; ++i) {
    if (seen[i].name == "fsync" && !seen[i].folder && seen[i].path == rename.path) {
      temporary_synced = true;
    }
  }
  BOOST_TEST(temporary_synced, "no fsync of the temporary " << rename.path << " before the rename");
  bool folder_synced = false;
  for (size_t i = rename_at + 1; i < seen.size(); ++i) {
    if (seen[i].name == "fsync" && seen[i].folder &&
        seen[i].path == std::filesystem::path(Canonical(target)).parent_path().string()) {
      folder_synced = true;
    }
  }
  BOOST_TEST(folder_synced, "no fsync of the folder after the rename");
}

}  // namespace

// The linker sends qlab::io's calls here (--wrap); the reserved names are the linker's.
extern "C" {
int __real_fsync(int fd);                             // NOLINT(bugprone-reserved-identifier)
int __real_rename(const char* from, const char* to);  // NOLINT(bugprone-reserved-identifier)

int __wrap_fsync(int fd) {  // NOLINT(bugprone-reserved-identifier)
  if (recording) {
    struct stat info {};
    const bool folder = ::fstat(fd, &info) == 0 && S_ISDIR(info.st_mode);
    calls.push_back({"fsync", PathOfDescriptor(fd), "", folder});
  }
  return __real_fsync(fd);
}

int __wrap_rename(const char* from, const char* to) {  // NOLINT(bugprone-reserved-identifier)
  if (recording) calls.push_back({"rename", Canonical(from), to, false});
  return __real_rename(from, to);
}
}

BOOST_AUTO_TEST_CASE(the_temporary_is_fsynced_before_the_rename_and_the_folder_after) {
  qlab::testing::TempDir dir;
  const std::string path = dir.File("model.json");
  // A new file, then a rewrite of it.
  for (const char* contents : {"first", "second"}) {
    ExpectDurableOrder(Record([&] { qlab::io::WriteFileAtomically(path, contents); }), path);
    BOOST_TEST(qlab::io::ReadFileBytes(path) == contents);
  }
  // The streaming writer (qlab score --output) commits the same way.
  const std::string streamed = dir.File("scores.csv");
  ExpectDurableOrder(Record([&] {
                       qlab::io::OutputStream out(streamed);
                       out.Write("prediction\n");
                       out.Write("1.5\n");
                       out.Commit();
                     }),
                     streamed);
  BOOST_TEST(qlab::io::ReadFileBytes(streamed) == "prediction\n1.5\n");
}

BOOST_AUTO_TEST_CASE(an_uncommitted_stream_is_never_renamed) {
  qlab::testing::TempDir dir;
  const std::string path = dir.File("scores.csv");
  const std::vector<Call> seen = Record([&] {
    qlab::io::OutputStream out(path);
    out.Write("half of it");
  });
  for (const Call& c : seen) BOOST_TEST(c.name != "rename");
  BOOST_TEST(!std::filesystem::exists(path));
}
