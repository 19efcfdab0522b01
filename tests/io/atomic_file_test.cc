// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#define BOOST_TEST_MODULE lab_atomic_file
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <filesystem>

#include "common/temp_dir.h"
#include "qlab/io/atomic_file.h"
#include "qlab/io/input_error.h"

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
