// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// A real full disk (issue 12, classes 5 and 6): small tmpfs mounts, where a write fails with
// ENOSPC (rollback_test makes EFBIG with a file size limit, which needs no root). `qlab run` and
// `qlab report` into each size either finish (exit 0) or fail with exit 4 and one line, and leave
// the mount as it was: empty for a new folder, an earlier run's tree byte for byte. Mounting
// needs root (CAP_SYS_ADMIN); where the mount fails the cases do not run and the test says so
// in its log (README: Reliability).
#define BOOST_TEST_MODULE full_disk
#include <boost/test/unit_test.hpp>

#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "common/run_qlab.h"
#include "common/snapshot.h"
#include "common/temp_dir.h"

namespace fs = std::filesystem;
using qlab::testing::Differences;
using qlab::testing::RunQlabLimited;
using qlab::testing::Snapshot;
using qlab::testing::Stdout;
using qlab::testing::TempDir;

namespace {

constexpr int kExitOutputFailed = 4;

// A tmpfs of `kib` KiB at `path`, unmounted when destroyed; mounted() is false (and reason()
// says why) where this process may not mount.
class Tmpfs {
 public:
  Tmpfs(const std::string& path, int kib, const std::string& extra_options = "") : path_(path) {
    fs::create_directories(path);
    const std::string options = "size=" + std::to_string(kib) + "k,mode=0755" + extra_options;
    if (::mount("tmpfs", path.c_str(), "tmpfs", 0, options.c_str()) == 0) {
      mounted_ = true;
    } else {
      reason_ = std::strerror(errno);
    }
  }
  ~Tmpfs() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  Tmpfs(const Tmpfs&) = delete;
  Tmpfs& operator=(const Tmpfs&) = delete;
  bool mounted() const { return mounted_; }
  const std::string& reason() const { return reason_; }

 private:
  std::string path_;
  bool mounted_ = false;
  std::string reason_;
};

std::string SmallCsv(const TempDir& dir) {
  std::string text = "a,b,c,y\n";
  for (int r = 0; r < 60; ++r) {
    text += std::to_string(r) + "," + std::to_string((r * 7) % 11) + "," +
            std::to_string((r * 5) % 13) + "," + std::to_string(3 * r + (r * 7) % 11 + r % 3) +
            "\n";
  }
  return dir.Write("data.csv", text);
}

std::vector<std::string> Run(const std::string& csv, const std::string& out,
                             const std::string& seed) {
  return {"run", "--no-bench", "--dataset", csv, "--target", "y", "--seed", seed, "--out", out};
}

bool OneLine(const std::string& text) {
  return !text.empty() && text.find('\n') == text.size() - 1;
}

// Fills the mount until at most `leave` bytes are free (a file of zeros, written in pieces).
void FillLeaving(const std::string& mount, uintmax_t leave) {
  const fs::space_info space = fs::space(mount);
  if (space.available <= leave) return;
  std::string chunk(4096, '\0');
  std::FILE* f = std::fopen((mount + "/filler").c_str(), "wb");
  BOOST_REQUIRE(f != nullptr);
  for (uintmax_t left = space.available - leave; left >= chunk.size(); left -= chunk.size()) {
    if (std::fwrite(chunk.data(), 1, chunk.size(), f) != chunk.size()) break;
  }
  std::fclose(f);
}

}  // namespace

BOOST_AUTO_TEST_CASE(run_and_report_into_a_full_tmpfs_leave_it_as_it_was) {
  TempDir dir;
  const std::string csv = SmallCsv(dir);
  {
    const Tmpfs probe(dir.File("probe"), 64);
    if (!probe.mounted()) {
      BOOST_TEST_MESSAGE("full_disk: cannot mount a tmpfs (" << probe.reason()
                                                             << "; needs root): not run");
      return;
    }
  }
  int failed = 0;
  int finished = 0;
  // New folders: from a mount too small for model.json to one that holds the whole run.
  for (const int kib : {16, 32, 48, 64, 96, 128, 160, 256, 512, 2048}) {
    const std::string mount = dir.File("mnt" + std::to_string(kib));
    const Tmpfs tmpfs(mount, kib);
    BOOST_REQUIRE_MESSAGE(tmpfs.mounted(), tmpfs.reason());
    const auto r = RunQlabLimited(Run(csv, mount + "/new/folder", "42"), Stdout::kCapture, 120);
    BOOST_TEST_CONTEXT("run into a " << kib << " KiB tmpfs") {
      BOOST_TEST(!r.timed_out);
      BOOST_TEST((r.exit_code == 0 || r.exit_code == kExitOutputFailed), r.exit_code << r.err);
      if (r.exit_code == kExitOutputFailed) {
        ++failed;
        BOOST_TEST(OneLine(r.err), r.err);
        BOOST_TEST(r.out.empty(), r.out);
        BOOST_TEST(Snapshot(mount).empty(), "left:" << Differences({}, Snapshot(mount)));
      } else if (r.exit_code == 0) {
        ++finished;
      }
    }
  }
  BOOST_TEST(failed >= 4, failed << " sizes failed");
  BOOST_TEST(finished >= 1, finished << " sizes held the run");

  // An earlier run's folder on a mount filled to leave too little for the second run.
  for (const uintmax_t leave_kib : {0, 8, 24, 48, 96}) {
    const std::string mount = dir.File("full" + std::to_string(leave_kib));
    const Tmpfs tmpfs(mount, 8192);
    BOOST_REQUIRE_MESSAGE(tmpfs.mounted(), tmpfs.reason());
    const std::string out = mount + "/run";
    const auto first = RunQlabLimited(Run(csv, out, "42"), Stdout::kCapture, 120);
    BOOST_REQUIRE_MESSAGE(first.exit_code == 0, first.err);
    FillLeaving(mount, leave_kib * 1024);
    const auto before = Snapshot(mount);
    const auto r = RunQlabLimited(Run(csv, out, "7"), Stdout::kCapture, 120);
    BOOST_TEST_CONTEXT("second run with " << leave_kib << " KiB free") {
      BOOST_TEST((r.exit_code == 0 || r.exit_code == kExitOutputFailed), r.exit_code << r.err);
      if (r.exit_code == kExitOutputFailed) {
        BOOST_TEST(OneLine(r.err), r.err);
        const auto after = Snapshot(mount);
        BOOST_TEST((after == before), "changed:" << Differences(before, after));
      }
    }
    // report into the same full folder: exit 4 or 0, and the same.
    const auto before_report = Snapshot(mount);
    const auto report = RunQlabLimited(
        {"report", "--accuracy", out + "/quantize.json", "--out", out}, Stdout::kCapture, 60);
    BOOST_TEST_CONTEXT("report with " << leave_kib << " KiB free") {
      BOOST_TEST((report.exit_code == 0 || report.exit_code == kExitOutputFailed),
                 report.exit_code << report.err);
      if (report.exit_code == kExitOutputFailed) {
        const auto after = Snapshot(mount);
        BOOST_TEST((after == before_report), "changed:" << Differences(before_report, after));
      }
    }
  }

  // A mount out of inodes: a nested --out whose folders cannot all be made (mkdir fails with
  // ENOSPC part of the way down) is an output that could not be written, and the folders that
  // were made are removed again.
  for (const int inodes : {2, 3, 4, 5}) {
    const std::string mount = dir.File("inodes" + std::to_string(inodes));
    const Tmpfs tmpfs(mount, 4096, ",nr_inodes=" + std::to_string(inodes));
    BOOST_REQUIRE_MESSAGE(tmpfs.mounted(), tmpfs.reason());
    const auto r = RunQlabLimited(Run(csv, mount + "/a/b/c/d/e", "42"), Stdout::kCapture, 120);
    BOOST_TEST_CONTEXT("run into a tmpfs of " << inodes << " inodes") {
      BOOST_TEST(r.exit_code == kExitOutputFailed, r.exit_code << r.err);
      BOOST_TEST(OneLine(r.err), r.err);
      BOOST_TEST(r.out.empty(), r.out);
      BOOST_TEST(Snapshot(mount).empty(), "left:" << Differences({}, Snapshot(mount)));
    }
  }
}

// qlab-bench's JSON into a full disk: Google Benchmark does not check its writes (status 0, a
// truncated file), and qlab reported an internal error (exit 3, hostile pass). It is exit 4 in one
// line, and the mount is left as it was.
BOOST_AUTO_TEST_CASE(bench_into_a_full_tmpfs_is_exit_4) {
  TempDir dir;
  const std::string mount = dir.File("bench");
  const Tmpfs tmpfs(mount, 256);
  if (!tmpfs.mounted()) {
    BOOST_TEST_MESSAGE("full_disk: cannot mount a tmpfs (" << tmpfs.reason()
                                                           << "; needs root): not run");
    return;
  }
  FillLeaving(mount, 0);
  const auto before = Snapshot(mount);
  const auto r =
      RunQlabLimited({"bench", "--quiet", "--out", mount + "/out/bench.json", "--filter",
                      "^peak_fma_f32/hwy/16$", "--repetitions", "1", "--min-time", "0.01"},
                     Stdout::kCapture, 60);
  BOOST_TEST(r.exit_code == kExitOutputFailed, r.exit_code << " " << r.err);
  BOOST_TEST(OneLine(r.err), r.err);
  BOOST_TEST(r.out.empty(), r.out);
  const auto after = Snapshot(mount);
  BOOST_TEST((after == before), "changed:" << Differences(before, after));
}
