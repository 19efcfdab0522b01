// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Paths that are not regular files (issue 12, classes 1 and 2). An output path that exists as a
// device, FIFO, socket or folder is bad input (exit 2) and is left as it was, never renamed over;
// an input must be a regular file, checked before anything is read: /dev/zero is refused at once
// instead of growing memory, and a FIFO that never gets a writer is refused within seconds
// instead of blocking forever in open(2).
#define BOOST_TEST_MODULE paths
#include <boost/test/unit_test.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "common/run_qlab.h"
#include "common/temp_dir.h"

using qlab::testing::LimitedResult;
using qlab::testing::RunQlab;
using qlab::testing::RunQlabLimited;
using qlab::testing::Stdout;
using qlab::testing::TempDir;

namespace {

struct Model {
  TempDir dir;
  std::string csv;
  std::string model;
  std::string report;
  Model() {
    std::string text = "a,b,y\n";
    for (int r = 0; r < 40; ++r) {
      text += std::to_string(r) + "," + std::to_string((r * 7) % 11) + "," +
              std::to_string(3 * r + (r * 7) % 11 + r % 3) + "\n";
    }
    csv = dir.Write("data.csv", text);
    model = dir.File("model");
    auto r = RunQlab({"train", "--dataset", csv, "--target", "y", "--out", model});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    const std::string accuracy = dir.File("train.json");
    r = RunQlab({"train", "--dataset", csv, "--target", "y", "--out", dir.File("m2"), "--json"});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    dir.Write("train.json", r.out);
    r = RunQlab({"report", "--no-charts", "--accuracy", accuracy, "--out", dir.File("rep")});
    BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    report = dir.File("rep/report.json");
  }
  std::string Fifo(const std::string& name) const {
    const std::string path = dir.File(name);
    BOOST_REQUIRE(::mkfifo(path.c_str(), 0644) == 0);
    return path;
  }
};

size_t Lines(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

void ExpectBadInput(const LimitedResult& r, const std::string& what, const std::string& message) {
  BOOST_TEST(!r.timed_out, what << ": still running after the timeout");
  BOOST_TEST(r.exit_code == 2, what << ": exit " << r.exit_code << ", " << r.err);
  BOOST_TEST(r.out.empty(), what << ": " << r.out);
  BOOST_TEST(Lines(r.err) == 1u, what << ": " << r.err);
  BOOST_TEST(r.err.find(message) != std::string::npos, what << ": " << r.err);
}

// A character device to write to. As root, a private node with /dev/null's numbers (1, 3) in the
// test's folder: should the check ever break, a rename replaces this node and not the machine's
// /dev/null. Otherwise /dev/null itself, whose folder an unprivileged rename cannot touch.
std::string NullDevice(const TempDir& dir) {
  const std::string node = dir.File("null");
  if (::geteuid() == 0 && ::mknod(node.c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0) return node;
  return "/dev/null";
}

bool IsCharacterDevice(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISCHR(info.st_mode);
}

bool IsFifo(const std::string& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0 && S_ISFIFO(info.st_mode);
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_fifo_without_a_writer_is_refused_within_seconds) {
  Model m;
  const std::string fifo = m.Fifo("input.fifo");
  const auto start = std::chrono::steady_clock::now();
  ExpectBadInput(
      RunQlabLimited({"train", "--dataset", fifo, "--target", "y", "--out", m.dir.File("out1")},
                     Stdout::kCapture, 10),
      "train --dataset FIFO", "is a FIFO, not a regular file");
  ExpectBadInput(
      RunQlabLimited({"check", "--baseline", fifo, "--current", m.report}, Stdout::kCapture, 10),
      "check --baseline FIFO", "is a FIFO, not a regular file");
  ExpectBadInput(
      RunQlabLimited({"report", "--no-charts", "--accuracy", fifo, "--out", m.dir.File("out2")},
                     Stdout::kCapture, 10),
      "report --accuracy FIFO", "is a FIFO, not a regular file");
  // A model folder whose model.json is a FIFO.
  const std::string folder = m.dir.File("fifo_model");
  std::filesystem::create_directories(folder);
  BOOST_REQUIRE(::mkfifo((folder + "/model.json").c_str(), 0644) == 0);
  ExpectBadInput(RunQlabLimited({"predict", "--model", folder}, Stdout::kCapture, 10),
                 "predict --model FIFO", "is a FIFO, not a regular file");
  // A data folder whose cal_housing.data is a FIFO.
  const std::string data = m.dir.File("fifo_data");
  std::filesystem::create_directories(data);
  BOOST_REQUIRE(::mkfifo((data + "/cal_housing.data").c_str(), 0644) == 0);
  ExpectBadInput(RunQlabLimited({"train", "--data-dir", data, "--out", m.dir.File("out3")},
                                Stdout::kCapture, 10),
                 "train --data-dir FIFO", "is a FIFO, not a regular file");
  BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::seconds(40)));
  BOOST_TEST(!std::filesystem::exists(m.dir.File("out1")));
}

BOOST_AUTO_TEST_CASE(devices_are_not_inputs) {
  Model m;
  ExpectBadInput(RunQlabLimited({"train", "--dataset", "/dev/zero", "--target", "y", "--out",
                                 m.dir.File("out")},
                                Stdout::kCapture, 10),
                 "train --dataset /dev/zero", "/dev/zero: is a character device");
  ExpectBadInput(RunQlabLimited({"check", "--baseline", "/dev/urandom", "--current", m.report},
                                Stdout::kCapture, 10),
                 "check --baseline /dev/urandom", "/dev/urandom: is a character device");
  ExpectBadInput(
      RunQlabLimited({"score", "--model", m.model, "--input", "/dev/zero"}, Stdout::kCapture, 10),
      "score --input /dev/zero", "/dev/zero: is a character device");
  ExpectBadInput(RunQlabLimited({"train", "--dataset", "/dev/null", "--target", "y", "--out",
                                 m.dir.File("out")},
                                Stdout::kCapture, 10),
                 "train --dataset /dev/null", "/dev/null: is a character device");
}

BOOST_AUTO_TEST_CASE(score_streams_from_stdin_and_from_a_pipe) {
  // Streaming is what `qlab score` is documented to do: "-" and a pipe given by name.
  Model m;
  const auto file =
      RunQlabLimited({"score", "--model", m.model, "--input", m.csv}, Stdout::kCapture, 20);
  BOOST_REQUIRE(file.exit_code == 0);
  const auto piped = qlab::testing::RunProgram({"/bin/bash", "-c",
                                                "\"" + std::string(qlab::testing::QlabBinary()) +
                                                    "\" score --model '" + m.model +
                                                    "' --input <(cat '" + m.csv + "')"});
  BOOST_TEST(piped.exit_code == 0, piped.err);
  BOOST_TEST(piped.out == file.out);
}

BOOST_AUTO_TEST_CASE(an_output_that_is_not_a_regular_file_is_bad_input_and_left_alone) {
  Model m;
  // A null device as the baseline to write: refused, and still the device (as root, a rename
  // over it would replace it with a regular file).
  const std::string null_device = NullDevice(m.dir);
  BOOST_REQUIRE(IsCharacterDevice(null_device));
  ExpectBadInput(
      RunQlabLimited({"check", "--update", "--baseline", null_device, "--current", m.report},
                     Stdout::kCapture, 10),
      "check --update --baseline NULL", null_device + ": is a character device");
  BOOST_TEST(IsCharacterDevice(null_device));
  ExpectBadInput(
      RunQlabLimited({"score", "--model", m.model, "--input", m.csv, "--output", null_device},
                     Stdout::kCapture, 10),
      "score --output NULL", null_device + ": is a character device");
  BOOST_TEST(IsCharacterDevice(null_device));
  // A symbolic link to it: the same, and the link stays a link to the device.
  const std::string link = m.dir.File("baseline_link.json");
  std::filesystem::create_symlink(null_device, link);
  ExpectBadInput(RunQlabLimited({"check", "--update", "--baseline", link, "--current", m.report},
                                Stdout::kCapture, 10),
                 "check --update --baseline LINK", "is a character device");
  BOOST_TEST(std::filesystem::is_symlink(link));

  // A FIFO where train writes model.json: refused (exit 2), and the FIFO stays.
  const std::string out = m.dir.File("fifo_out");
  std::filesystem::create_directories(out);
  BOOST_REQUIRE(::mkfifo((out + "/model.json").c_str(), 0644) == 0);
  ExpectBadInput(RunQlabLimited({"train", "--dataset", m.csv, "--target", "y", "--out", out},
                                Stdout::kCapture, 10),
                 "train --out FIFO", "model.json: is a FIFO, not a regular file");
  BOOST_TEST(IsFifo(out + "/model.json"));

  // A socket, and a folder, where score writes its output.
  const std::string socket_path = m.dir.File("out.sock");
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  BOOST_REQUIRE(fd >= 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
  BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  ExpectBadInput(
      RunQlabLimited({"score", "--model", m.model, "--input", m.csv, "--output", socket_path},
                     Stdout::kCapture, 10),
      "score --output SOCKET", "is a socket, not a regular file");
  ::close(fd);
  BOOST_TEST(std::filesystem::is_socket(socket_path));
  ExpectBadInput(
      RunQlabLimited({"score", "--model", m.model, "--input", m.csv, "--output", m.dir.path()},
                     Stdout::kCapture, 10),
      "score --output FOLDER", "is a folder");

  // A loop of symbolic links: no file can be reached through it, so none is made by replacing
  // the link (ELOOP is bad input), and both links stay.
  const std::string loop_a = m.dir.File("loop_a.csv");
  const std::string loop_b = m.dir.File("loop_b.csv");
  std::filesystem::create_symlink(loop_b, loop_a);
  std::filesystem::create_symlink(loop_a, loop_b);
  ExpectBadInput(RunQlabLimited({"score", "--model", m.model, "--input", m.csv, "--output", loop_a},
                                Stdout::kCapture, 10),
                 "score --output LOOP",
                 loop_a + ": cannot be used as an output path: Too many levels");
  BOOST_TEST(std::filesystem::is_symlink(loop_a));
  BOOST_TEST(std::filesystem::is_symlink(loop_b));
}
