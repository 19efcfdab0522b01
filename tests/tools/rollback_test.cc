// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// A command that fails leaves its outputs as they were (issue 12, class 6): `qlab run` writes a
// dozen files into its folder; when one of them cannot be written (here a file size limit,
// RLIMIT_FSIZE, the full disk anyone can make without root), it exits 4 and the folder is what it
// was before: absent if it was new, the same names and bytes if it held an earlier run. The
// limits sweep every point of the run at which a write can fail.
#define BOOST_TEST_MODULE rollback
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/run_qlab.h"
#include "common/snapshot.h"
#include "common/temp_dir.h"
#include "qlab/io/atomic_file.h"

namespace fs = std::filesystem;
using qlab::testing::Differences;
using qlab::testing::RunQlab;
using qlab::testing::RunQlabLimited;
using qlab::testing::Snapshot;
using qlab::testing::Stdout;
using qlab::testing::TempDir;

namespace {

constexpr int kExitOutputFailed = 4;

struct Data {
  TempDir dir;
  std::string csv;
  Data() {
    std::string text = "a,b,c,y\n";
    for (int r = 0; r < 60; ++r) {
      text += std::to_string(r) + "," + std::to_string((r * 7) % 11) + "," +
              std::to_string((r * 5) % 13) + "," + std::to_string(3 * r + (r * 7) % 11 + r % 3) +
              "\n";
    }
    csv = dir.Write("data.csv", text);
  }
  std::vector<std::string> Run(const std::string& out, const std::string& seed) const {
    return {"run", "--no-bench", "--dataset", csv, "--target", "y", "--seed", seed, "--out", out};
  }
};

// The sizes the run's files need, smallest first: a limit just under each one fails the run at
// that file (and every limit below the largest fails it somewhere). Not below 512 bytes: the
// limit holds for the child's stderr file too, and the one line must fit.
std::vector<uint64_t> LimitsBelowEachFile(const qlab::testing::Tree& tree) {
  std::vector<uint64_t> limits;
  std::string bytes;
  for (const auto& entry : tree) {
    if (qlab::testing::FileBytes(entry, bytes) != nullptr && bytes.size() > 512) {
      limits.push_back(bytes.size() - 1);
    }
  }
  std::sort(limits.begin(), limits.end());
  limits.erase(std::unique(limits.begin(), limits.end()), limits.end());
  return limits;
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_run_that_cannot_write_a_file_leaves_no_folder_behind) {
  const Data data;
  TempDir work;
  const std::string reference = work.File("reference");
  const auto ok = RunQlab(data.Run(reference, "42"));
  BOOST_REQUIRE_MESSAGE(ok.exit_code == 0, ok.err);
  const auto limits = LimitsBelowEachFile(Snapshot(reference));
  BOOST_REQUIRE(limits.size() >= 5u);
  int failed = 0;
  for (const uint64_t limit : limits) {
    const std::string out = work.File("new/folder");
    const auto r = RunQlabLimited(data.Run(out, "42"), Stdout::kCapture, 60, "", limit);
    BOOST_TEST_CONTEXT("file size limit " << limit << " bytes") {
      BOOST_TEST(r.exit_code == kExitOutputFailed, r.err);
      BOOST_TEST(std::count(r.err.begin(), r.err.end(), '\n') == 1, r.err);
      // Neither the folder nor its new parent: the run created both and removes both.
      BOOST_TEST(!fs::exists(work.File("new")), "left behind: " << work.File("new"));
    }
    failed += r.exit_code == kExitOutputFailed;
    fs::remove_all(work.File("new"));
  }
  BOOST_TEST_MESSAGE(failed << " runs failed at " << limits.size() << " points, none left output");
}

BOOST_AUTO_TEST_CASE(a_run_that_cannot_write_a_file_leaves_an_earlier_run_as_it_was) {
  const Data data;
  TempDir work;
  const std::string out = work.File("out");
  const auto first = RunQlab(data.Run(out, "42"));
  BOOST_REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  const auto before = Snapshot(out);
  // Another seed: every file of the second run differs from the first one's.
  for (const uint64_t limit : LimitsBelowEachFile(before)) {
    const auto r = RunQlabLimited(data.Run(out, "7"), Stdout::kCapture, 60, "", limit);
    BOOST_TEST_CONTEXT("file size limit " << limit << " bytes") {
      BOOST_TEST(r.exit_code == kExitOutputFailed, r.err);
      const auto after = Snapshot(out);
      BOOST_TEST((after == before), "the folder changed:" << Differences(before, after));
    }
  }
  // Without a limit the second run replaces the first one's files.
  const auto second = RunQlab(data.Run(out, "7"));
  BOOST_REQUIRE_MESSAGE(second.exit_code == 0, second.err);
  BOOST_TEST((Snapshot(out) != before));
}

BOOST_AUTO_TEST_CASE(lost_stdout_leaves_the_outputs_as_they_were_too) {
  // The command's printed summary is one of its outputs: on /dev/full (exit 4) nothing is kept.
  const Data data;
  TempDir work;
  const std::string out = work.File("out");
  const auto r = RunQlabLimited(data.Run(out, "42"), Stdout::kDevFull);
  BOOST_TEST(r.exit_code == kExitOutputFailed, r.err);
  BOOST_TEST(!fs::exists(out));
}
