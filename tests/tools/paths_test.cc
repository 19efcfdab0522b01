// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Paths that are not regular files (issue 12, classes 1 and 2). An output path that exists as a
// device, FIFO, socket or folder is bad input (exit 2) and is left as it was, never renamed over;
// an input must be a regular file, checked before anything is read: /dev/zero is refused at once
// instead of growing memory, and a FIFO that never gets a writer is refused within seconds
// instead of blocking forever in open(2).
#define BOOST_TEST_MODULE paths
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "common/run_qlab.h"
#include "common/temp_dir.h"
#include "qlab/io/atomic_file.h"

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

// score streams, so a FIFO by name is an input it reads (issue 12, class 2), and like cat it waits
// for the FIFO's writer: one that opens a moment after qlab did was "empty input" (the descriptor
// opened without blocking read end-of-file). A writer that opens and stays silent is waited for as
// long as it takes; a FIFO no writer opens within 10 s is exit 2, never a hang.
BOOST_AUTO_TEST_CASE(score_waits_for_a_fifo_writer_that_opens_late) {
  Model m;
  const std::string fifo = m.Fifo("rows.fifo");
  for (const int delay_ms : {0, 1500}) {
    const pid_t writer = ::fork();
    BOOST_REQUIRE(writer >= 0);
    if (writer == 0) {
      ::alarm(30);  // should qlab never open the FIFO, this open(2) would wait forever
      ::usleep(static_cast<useconds_t>(delay_ms) * 1000);
      const int fd = ::open(fifo.c_str(), O_WRONLY);
      if (fd < 0) ::_exit(1);
      ::usleep(300000);  // open, then silent for a while before the rows come
      const char rows[] = "a,b\n1,2\n3,4\n";
      const bool written =
          ::write(fd, rows, sizeof rows - 1) == static_cast<ssize_t>(sizeof rows - 1);
      ::_exit(written ? 0 : 1);
    }
    const LimitedResult r =
        RunQlabLimited({"score", "--model", m.model, "--input", fifo}, Stdout::kCapture, 30);
    int status = 0;
    ::waitpid(writer, &status, 0);
    BOOST_TEST(!r.timed_out);
    BOOST_TEST(r.exit_code == 0, delay_ms << " ms: " << r.err);
    BOOST_TEST(Lines(r.out) == 3u, delay_ms << " ms: " << r.out);
  }
  const auto start = std::chrono::steady_clock::now();
  ExpectBadInput(
      RunQlabLimited({"score", "--model", m.model, "--input", fifo}, Stdout::kCapture, 30),
      "score --input FIFO without a writer",
      fifo + ": is a FIFO that no writer opened within 10 s");
  BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::seconds(25)));
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

// Whole-file readers refuse a file over their limit before reading a byte (issue 12, class 2),
// limits that keep memory within a 24 GB machine: 64 MiB of JSON (a 1.9 GB file of NULs was read
// whole, then refused at byte 1), 1 GiB of a data set (a CSV costs up to about 12 bytes of memory
// per byte of text). The files are sparse: no disk is used, and a read would take seconds.
BOOST_AUTO_TEST_CASE(whole_file_readers_refuse_files_over_their_limit_unread) {
  Model m;
  const auto sparse = [&](const std::string& name, int64_t bytes) {
    const std::string path = m.dir.File(name);
    BOOST_REQUIRE(::truncate(m.dir.Write(name, "").c_str(), bytes) == 0);
    return path;
  };
  const std::string json = sparse("big.json", (int64_t{64} << 20) + 1);
  const std::string csv = sparse("big.csv", (int64_t{1} << 30) + 1);
  const auto start = std::chrono::steady_clock::now();
  ExpectBadInput(
      RunQlabLimited({"check", "--baseline", json, "--current", m.report}, Stdout::kCapture, 10),
      "check --baseline BIG", json + ": is 67108865 bytes, larger than 64 MiB");
  ExpectBadInput(RunQlabLimited({"compare", json, json}, Stdout::kCapture, 10), "compare BIG",
                 json + ": is 67108865 bytes, larger than 64 MiB");
  std::filesystem::create_directories(m.dir.File("big_model"));
  std::filesystem::rename(json, m.dir.File("big_model/model.json"));
  ExpectBadInput(
      RunQlabLimited({"predict", "--model", m.dir.File("big_model")}, Stdout::kCapture, 10),
      "predict --model BIG", "model.json: is 67108865 bytes, larger than 64 MiB");
  ExpectBadInput(
      RunQlabLimited({"train", "--dataset", csv, "--target", "y", "--out", m.dir.File("out")},
                     Stdout::kCapture, 10),
      "train --dataset BIG", csv + ": is 1073741825 bytes, larger than 1024 MiB");
  BOOST_TEST((std::chrono::steady_clock::now() - start < std::chrono::seconds(5)));
  BOOST_TEST(!std::filesystem::exists(m.dir.File("out")));
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
                 loop_a + ": is a symbolic link that leads to no file (Too many levels");
  BOOST_TEST(std::filesystem::is_symlink(loop_a));
  BOOST_TEST(std::filesystem::is_symlink(loop_b));
}

// A symbolic link to a regular file is written through, as a shell's `>` does: the file it leads
// to gets the new bytes and the link stays a link (hostile pass: the link was replaced by a
// regular file). A dangling link leads to no file: bad input, and the link stays.
BOOST_AUTO_TEST_CASE(a_link_to_a_file_is_written_through_and_a_dangling_link_is_refused) {
  Model m;
  const std::string target = m.dir.Write("scores.csv", "old\n");
  const std::string link = m.dir.File("latest.csv");
  std::filesystem::create_symlink(target, link);
  const auto r = RunQlab({"score", "--model", m.model, "--input", m.csv, "--output", link});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(std::filesystem::is_symlink(link));
  BOOST_TEST(std::filesystem::read_symlink(link) == target);
  const std::string written = qlab::io::ReadFileBytes(target);
  BOOST_TEST(written.rfind("prediction", 0) == 0, written.substr(0, 40));
  BOOST_TEST(std::filesystem::file_size(target) > 40u);

  const std::string dangling = m.dir.File("dangling.csv");
  std::filesystem::create_symlink(m.dir.File("no-such-file.csv"), dangling);
  ExpectBadInput(
      RunQlabLimited({"score", "--model", m.model, "--input", m.csv, "--output", dangling},
                     Stdout::kCapture, 10),
      "score --output DANGLING", dangling + ": is a symbolic link that leads to no file");
  BOOST_TEST(std::filesystem::is_symlink(dangling));
  BOOST_TEST(!std::filesystem::exists(m.dir.File("no-such-file.csv")));
}

// An output is never one of the command's own inputs (by device and inode: a link or a hard link
// to it is the same file): `score --output` naming its --input would replace the rows it reads.
BOOST_AUTO_TEST_CASE(an_output_that_is_an_input_of_the_same_command_is_refused) {
  Model m;
  const std::string before = qlab::io::ReadFileBytes(m.csv);
  ExpectBadInput(RunQlabLimited({"score", "--model", m.model, "--input", m.csv, "--output", m.csv},
                                Stdout::kCapture, 10),
                 "score --output INPUT", m.csv + ": is also an input of this command");
  const std::string hard_link = m.dir.File("same-rows.csv");
  std::filesystem::create_hard_link(m.csv, hard_link);
  ExpectBadInput(
      RunQlabLimited({"score", "--model", m.model, "--input", m.csv, "--output", hard_link},
                     Stdout::kCapture, 10),
      "score --output HARD-LINK-TO-INPUT", "is also an input of this command");
  ExpectBadInput(
      RunQlabLimited({"predict", "--model", m.model, "--predictions", m.model + "/model.json"},
                     Stdout::kCapture, 10),
      "predict --predictions MODEL", "model.json: is also an input of this command");
  BOOST_TEST(qlab::io::ReadFileBytes(m.csv) == before);
  // check --update reads its baseline and rewrites it: that one update in place is allowed.
  const std::string baseline = m.dir.File("baseline.json");
  BOOST_TEST(
      RunQlab({"check", "--update", "--baseline", baseline, "--current", m.report}).exit_code == 0);
  const auto again = RunQlab({"check", "--update", "--baseline", baseline, "--current", m.report});
  BOOST_TEST(again.exit_code == 0, again.err);
}

// Standard output on a regular file is that file's writer: it is never also an input (`>>`
// appends to the model while it is read; `>` truncated it before qlab ran) nor another output (a
// rename over it would leave stdout writing into an unlinked file). Bad input, the file as it was.
BOOST_AUTO_TEST_CASE(a_file_that_is_standard_output_is_neither_an_input_nor_another_output) {
  Model m;
  const std::string scores = m.dir.Write("scores.csv", "old scores\n");
  const std::string err = m.dir.File("stderr");
  const auto run_appending = [&](const std::string& args, const std::string& file) {
    const std::string command =
        std::string(qlab::testing::QlabBinary()) + " " + args + " >>" + file + " 2>" + err;
    const int status = std::system(command.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  struct Case {
    std::string what, args, file, message;
  };
  const std::string model_json = m.model + "/model.json";
  const std::vector<Case> cases = {
      {"predict --json >> MODEL", "predict --json --model " + m.model, model_json,
       "model.json: is also the standard output"},
      {"score --input DATA >> DATA", "score --model " + m.model + " --input " + m.csv, m.csv,
       "is also the standard output"},
      {"score --input - < DATA >> DATA",
       "score --model " + m.model + " --input - --output " + m.dir.File("o.csv") + " <" + m.csv,
       m.csv, "is also the standard output"},
      {"score --output F >> F",
       "score --model " + m.model + " --input " + m.csv + " --output " + scores, scores,
       "scores.csv: is also the standard output"},
      {"train --json --out M >> M/model.json",
       "train --json --dataset " + m.csv + " --target y --out " + m.model, model_json,
       "is also the standard output"},
  };
  for (const Case& c : cases) {
    const std::string before = qlab::io::ReadFileBytes(c.file);
    const int code = run_appending(c.args, c.file);
    const std::string message = qlab::io::ReadFileBytes(err);
    BOOST_TEST(code == 2, c.what << ": exit " << code << ", " << message);
    BOOST_TEST(Lines(message) == 1u, c.what << ": " << message);
    BOOST_TEST(message.find(c.message) != std::string::npos, c.what << ": " << message);
    BOOST_TEST((qlab::io::ReadFileBytes(c.file) == before), c.what << ": the file changed");
  }
  BOOST_TEST(!std::filesystem::exists(m.dir.File("o.csv")));

  // Standard error likewise: `score --output e.txt --json 2> e.txt` would lose the summary (and
  // any message) into the unlinked file, exit 0 (hostile pass). Bad input, the one line in e.txt.
  const std::string e_txt = m.dir.File("e.txt");
  const int status =
      std::system((std::string(qlab::testing::QlabBinary()) + " score --model " + m.model +
                   " --input " + m.csv + " --output " + e_txt + " --json 2>" + e_txt)
                      .c_str());
  BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 2), "status " << status);
  const std::string e_text = qlab::io::ReadFileBytes(e_txt);
  BOOST_TEST(Lines(e_text) == 1u, e_text);
  BOOST_TEST(e_text.find("is also the standard output or error") != std::string::npos, e_text);
}

// `score --json` documents its summary object on stderr: that is a result, and losing it (stderr
// on /dev/full, or closed) is an output that could not be written, exit 4, with --output's file
// not left behind (hostile pass: exit 0, the summary gone).
BOOST_AUTO_TEST_CASE(score_json_with_its_summary_lost_is_exit_4) {
  Model m;
  for (const std::string stderr_to : {"2>/dev/full", "2>&-"}) {
    const std::string out = m.dir.File("scores.csv");
    const std::string command = std::string(qlab::testing::QlabBinary()) + " score --model " +
                                m.model + " --input " + m.csv + " --output " + out + " --json " +
                                stderr_to;
    const int status = std::system(command.c_str());
    BOOST_TEST_CONTEXT(stderr_to) {
      BOOST_TEST(WIFEXITED(status));
      BOOST_TEST(WEXITSTATUS(status) == 4);
      BOOST_TEST(!std::filesystem::exists(out));
    }
  }
  // The same with stderr kept: exit 0, the object there.
  const auto r = RunQlabLimited({"score", "--model", m.model, "--input", m.csv, "--output",
                                 m.dir.File("scores.csv"), "--json"},
                                Stdout::kCapture, 20);
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.err.rfind("{", 0) == 0u, r.err);
}

// charts/ is replaced whole, so it must be the one qlab wrote: a real folder holding only
// regular *.svg, *.png and *.gp files. Anything else at OUT/charts (a user's folder of notes, a
// FIFO in it, a link to elsewhere, a regular file named charts) is bad input before anything is
// written, for `report` and for `run`, and is left exactly as it was (hostile pass: all of them
// were removed or replaced, exit 0; `report --no-charts` removed them too).
BOOST_AUTO_TEST_CASE(a_charts_path_that_qlab_did_not_write_is_refused_and_kept) {
  Model m;
  const std::string accuracy = m.dir.File("train.json");
  const auto expect_kept = [&](const std::string& out, const std::string& what,
                               const std::string& message) {
    for (const bool charts : {true, false}) {
      std::vector<std::string> args = {"report", "--accuracy", accuracy, "--out", out};
      if (!charts) args.push_back("--no-charts");
      ExpectBadInput(RunQlabLimited(args, Stdout::kCapture, 20),
                     what + (charts ? "" : " --no-charts"), message);
      BOOST_TEST(!std::filesystem::exists(out + "/report.json"), what);
    }
  };
  const std::string notes = m.dir.File("notes-out");
  std::filesystem::create_directories(notes + "/charts");
  m.dir.Write("notes-out/charts/thesis.txt", "mine\n");
  m.dir.Write("notes-out/charts/figure.svg", "<svg/>\n");
  expect_kept(notes, "charts/ with a user's file",
              "thesis.txt: is a regular file that qlab did not");
  BOOST_TEST(qlab::io::ReadFileBytes(notes + "/charts/thesis.txt") == "mine\n");
  BOOST_TEST(std::filesystem::exists(notes + "/charts/figure.svg"));

  const std::string fifo = m.dir.File("fifo-out");
  std::filesystem::create_directories(fifo + "/charts");
  BOOST_REQUIRE(::mkfifo((fifo + "/charts/pipe.svg").c_str(), 0644) == 0);
  expect_kept(fifo, "charts/ with a FIFO", "pipe.svg: is a FIFO that qlab did not");
  BOOST_TEST(IsFifo(fifo + "/charts/pipe.svg"));

  const std::string linked = m.dir.File("link-out");
  std::filesystem::create_directories(linked);
  std::filesystem::create_directories(m.dir.File("elsewhere"));
  m.dir.Write("elsewhere/keep.png", "png\n");
  std::filesystem::create_symlink(m.dir.File("elsewhere"), linked + "/charts");
  expect_kept(linked, "charts as a link", "charts: is a symbolic link, not a charts folder");
  BOOST_TEST(std::filesystem::is_symlink(linked + "/charts"));
  BOOST_TEST(std::filesystem::exists(m.dir.File("elsewhere/keep.png")));

  const std::string file = m.dir.File("file-out");
  std::filesystem::create_directories(file);
  m.dir.Write("file-out/charts", "a file\n");
  expect_kept(file, "charts as a file", "charts: is a regular file, not a charts folder");
  BOOST_TEST(qlab::io::ReadFileBytes(file + "/charts") == "a file\n");

  // `run` checks it before it trains: nothing written.
  const std::string run_out = m.dir.File("run-out");
  std::filesystem::create_directories(run_out + "/charts");
  m.dir.Write("run-out/charts/thesis.txt", "mine\n");
  ExpectBadInput(
      RunQlabLimited({"run", "--no-bench", "--dataset", m.csv, "--target", "y", "--out", run_out},
                     Stdout::kCapture, 60),
      "run --out with a user's charts/", "thesis.txt: is a regular file that qlab");
  BOOST_TEST(!std::filesystem::exists(run_out + "/model.json"));
  BOOST_TEST(qlab::io::ReadFileBytes(run_out + "/charts/thesis.txt") == "mine\n");

  // The charts/ qlab wrote is replaced as before.
  const std::string own = m.dir.File("own-out");
  auto r = RunQlab({"report", "--accuracy", accuracy, "--out", own});
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  r = RunQlab({"report", "--accuracy", accuracy, "--out", own});
  BOOST_TEST(r.exit_code == 0, r.err);
}
