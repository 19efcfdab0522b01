// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE lab_atomic_file
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "common/temp_dir.h"
#include "qlab/io/atomic_file.h"
#include "qlab/io/input_error.h"
#include "qlab/io/stream.h"

using qlab::testing::TempDir;

BOOST_AUTO_TEST_CASE(writes_replaces_and_leaves_no_temporary_file) {
  TempDir dir;
  const std::string path = dir.File("out.json");
  qlab::io::WriteFileAtomically(path, "first");
  BOOST_TEST(qlab::io::ReadFileBytes(path) == "first");
  qlab::io::WriteFileAtomically(path, "second, longer");
  BOOST_TEST(qlab::io::ReadFileBytes(path) == "second, longer");
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    (void)entry;
    ++files;
  }
  BOOST_TEST(files == 1);
  struct stat info {};
  BOOST_REQUIRE(::stat(path.c_str(), &info) == 0);
  BOOST_TEST((info.st_mode & 0777) == 0644u);
}

// A rewrite makes a new file and renames it over the old name; it never writes into the old
// file (open with O_TRUNC would): a hard link to the old file, like a reader's open descriptor,
// still holds the old bytes afterwards, whole, and the name holds the new ones.
BOOST_AUTO_TEST_CASE(a_rewrite_leaves_a_hard_link_to_the_old_file_with_the_old_bytes) {
  TempDir dir;
  const std::string path = dir.File("model.json");
  const std::string link = dir.File("kept.json");
  qlab::io::WriteFileAtomically(path, "the old contents, longer than the new");
  BOOST_REQUIRE(::link(path.c_str(), link.c_str()) == 0);
  qlab::io::WriteFileAtomically(path, "new");
  BOOST_TEST(qlab::io::ReadFileBytes(link) == "the old contents, longer than the new");
  BOOST_TEST(qlab::io::ReadFileBytes(path) == "new");
  // Through the streaming writer too (qlab score --output), written in pieces.
  BOOST_REQUIRE(::unlink(link.c_str()) == 0);
  BOOST_REQUIRE(::link(path.c_str(), link.c_str()) == 0);
  {
    qlab::io::OutputStream out(path);
    out.Write("stream");
    out.Write("ed");
    out.Commit();
  }
  BOOST_TEST(qlab::io::ReadFileBytes(link) == "new");
  BOOST_TEST(qlab::io::ReadFileBytes(path) == "streamed");
  struct stat old_file {};
  struct stat new_file {};
  BOOST_REQUIRE(::stat(link.c_str(), &old_file) == 0);
  BOOST_REQUIRE(::stat(path.c_str(), &new_file) == 0);
  BOOST_TEST(old_file.st_ino != new_file.st_ino);
  BOOST_TEST(old_file.st_nlink == 1u);  // the old name no longer points at it
}

BOOST_AUTO_TEST_CASE(ensure_directory_creates_parents_and_accepts_existing) {
  TempDir dir;
  const std::string nested = dir.File("a/b/c");
  qlab::io::EnsureDirectory(nested);
  qlab::io::EnsureDirectory(nested);
  BOOST_TEST(std::filesystem::is_directory(nested));
  const std::string file = dir.Write("plain", "x");
  BOOST_CHECK_THROW(qlab::io::EnsureDirectory(file), qlab::io::InputError);
}

BOOST_AUTO_TEST_CASE(failures_name_the_path) {
  TempDir dir;
  const std::string path = dir.File("missing-folder/out.json");
  try {
    qlab::io::WriteFileAtomically(path, "x");
    BOOST_FAIL("no error for a missing folder");
  } catch (const qlab::io::InputError& e) {
    BOOST_TEST(e.file() == path);
  }
  BOOST_CHECK_THROW(qlab::io::ReadFileBytes(dir.File("nothing")), qlab::io::InputError);
  BOOST_CHECK_THROW(qlab::io::ReadFileBytes(dir.path()), qlab::io::InputError);
}
