// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Interrupted runs leave no litter (issue 12, class 7): `qlab run --no-bench` is stopped by
// SIGINT and SIGTERM at several points; afterwards no temporary (`.NAME.qlab-tmp.PID.XXXXXX`,
// `.charts.qlab-tmp.PID/`) is left anywhere in its folder, and a process that caught the signal
// ends by it (re-raised), not by an exit code. SIGKILL cannot be caught: the next run into the same
// folder removes what the killed ones left.
#define BOOST_TEST_MODULE interrupt
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <thread>
#include <vector>

#include "common/data_dir.h"
#include "common/run_qlab.h"
#include "common/snapshot.h"
#include "common/temp_dir.h"
#include "qlab/io/atomic_file.h"

namespace fs = std::filesystem;
using qlab::testing::Differences;
using qlab::testing::Snapshot;
using qlab::testing::TempDir;

namespace {

// Temporaries qlab makes: a name with ".qlab-tmp." in it (files and folders), at any depth.
std::vector<std::string> Temporaries(const fs::path& root) {
  std::vector<std::string> found;
  std::error_code ec;
  if (!fs::exists(root, ec)) return found;
  for (auto it = fs::recursive_directory_iterator(root, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec) break;
    const std::string name = it->path().filename().string();
    if (name.find(".qlab-tmp.") != std::string::npos) found.push_back(it->path().string());
  }
  return found;
}

// Starts `qlab run --no-bench --out OUT`, sends `signal_number` after `delay`, returns the
// waitpid status.
int RunAndSignal(const std::string& out, int signal_number, std::chrono::milliseconds delay,
                 const std::string& seed = "42") {
  std::vector<std::string> args = {qlab::testing::QlabBinary(),
                                   "run",
                                   "--no-bench",
                                   "--seed",
                                   seed,
                                   "--out",
                                   out,
                                   "--data-dir",
                                   qlab::testing::CaliforniaDataDir()};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  BOOST_REQUIRE(pid >= 0);
  if (pid == 0) {
    // Quiet child: its output is not what is tested.
    const int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, STDOUT_FILENO);
    ::dup2(null, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  std::this_thread::sleep_for(delay);
  ::kill(pid, signal_number);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  return status;
}

// Runs `qlab run` into DIR/run_SIGNAL_MS and sends each signal after each delay; checks that every
// run finished (exit 0) or died by that very signal, left no temporary, and, if stopped, was
// undone as a failed command is (the new folder gone, unless the signal came after the run
// committed: its last file, report.html, is there then). Returns how many runs the signal stopped.
int SignalRuns(const TempDir& dir, std::initializer_list<int> signals,
               std::initializer_list<int> delays_ms) {
  int stopped_by_signal = 0;
  for (const int signal_number : signals) {
    for (const int ms : delays_ms) {
      const std::string out =
          dir.File("run_" + std::to_string(signal_number) + "_" + std::to_string(ms));
      const int status = RunAndSignal(out, signal_number, std::chrono::milliseconds(ms));
      // Never an exit code of its own, never another signal.
      const bool finished = WIFEXITED(status) && WEXITSTATUS(status) == 0;
      const bool by_signal = WIFSIGNALED(status) && WTERMSIG(status) == signal_number;
      BOOST_TEST((finished || by_signal),
                 "signal " << signal_number << " after " << ms << " ms: status " << status);
      if (by_signal) ++stopped_by_signal;
      const auto left = Temporaries(out);
      BOOST_TEST(left.empty(), "signal " << signal_number << " after " << ms << " ms left "
                                         << (left.empty() ? "" : left.front()));
      if (by_signal) {
        BOOST_TEST((!fs::exists(out) || fs::exists(out + "/report.html")),
                   "signal " << signal_number << " after " << ms
                             << " ms left a partial run: " << Snapshot(out).size() << " names");
      }
    }
  }
  return stopped_by_signal;
}

}  // namespace

BOOST_AUTO_TEST_CASE(sigint_and_sigterm_leave_no_temporaries_and_end_by_the_signal) {
  BOOST_REQUIRE_MESSAGE(qlab::testing::HaveCaliforniaData(), qlab::testing::MissingDataMessage());
  TempDir dir;
  const int stopped_by_signal =
      SignalRuns(dir, {SIGINT, SIGTERM}, {30, 120, 250, 400, 600, 900, 1300});
  // The delays must have hit running processes, or the test tested nothing.
  BOOST_TEST(stopped_by_signal >= 4, stopped_by_signal << " runs were stopped by the signal");
}

// The other signals that end a process by default and that a terminal, a supervisor or a limit
// sends (`ulimit -t` sends SIGXCPU): the same cleanup, the same death.
BOOST_AUTO_TEST_CASE(other_terminating_signals_leave_no_temporaries) {
  BOOST_REQUIRE_MESSAGE(qlab::testing::HaveCaliforniaData(), qlab::testing::MissingDataMessage());
  TempDir dir;
  const int stopped_by_signal =
      SignalRuns(dir, {SIGHUP, SIGXCPU, SIGUSR1, SIGALRM}, {120, 400, 900});
  BOOST_TEST(stopped_by_signal >= 4, stopped_by_signal << " runs were stopped by the signal");
}

BOOST_AUTO_TEST_CASE(the_next_run_removes_what_killed_runs_left) {
  BOOST_REQUIRE_MESSAGE(qlab::testing::HaveCaliforniaData(), qlab::testing::MissingDataMessage());
  TempDir dir;
  const std::string out = dir.File("run");
  for (const int ms : {150, 300, 450, 600, 800, 1000}) {
    RunAndSignal(out, SIGKILL, std::chrono::milliseconds(ms));
  }
  // A temporary of a process that is gone, as SIGKILL leaves one in the middle of a write.
  fs::create_directories(out);
  qlab::io::WriteFileAtomically(out + "/.train.json.qlab-tmp.999999999.AbCdEf", "partial");
  fs::create_directories(out + "/.charts.qlab-tmp.999999999");
  const auto r = qlab::testing::RunQlab(
      {"run", "--no-bench", "--out", out, "--data-dir", qlab::testing::CaliforniaDataDir()});
  BOOST_TEST(r.exit_code == 0, r.err);
  const auto left = Temporaries(out);
  BOOST_TEST(left.empty(), left.size() << " left, e.g. " << (left.empty() ? "" : left.front()));
}

// The sweep removes only what qlab could have made (hostile pass: any `.X.tmp.<digits>` whose PID
// was not running went, a user's own file or folder included): the name spelled as TemporaryName
// spells it, owned by this user, a regular file or a folder of regular files only. A user's
// `.draft.tmp.<dead PID>`, and lookalikes of qlab's spelling that are a link, a FIFO or a folder
// with a folder inside, survive a write into their folder; a real leftover of a killed qlab goes.
BOOST_AUTO_TEST_CASE(what_only_looks_like_a_temporary_is_left_alone) {
  TempDir dir;
  std::string csv = "a,b,y\n";
  for (int r = 0; r < 20; ++r) {
    csv += std::to_string(r) + "," + std::to_string(r % 3) + "," + std::to_string(2 * r + 1) + "\n";
  }
  const std::string data = dir.Write("d.csv", csv);
  const std::string out = dir.File("m");
  fs::create_directories(out + "/.mine.qlab-tmp.999999999/inner");
  const std::string users = dir.Write("m/.draft.tmp.999999999", "my draft\n");
  const std::string fifo = out + "/.pipe.qlab-tmp.999999999";
  BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0644) == 0);
  const std::string link = out + "/.link.qlab-tmp.999999999.old";
  fs::create_symlink(users, link);
  const std::string odd_suffix = dir.Write("m/.notes.qlab-tmp.999999999.my-notes", "kept\n");
  const std::string leftover = dir.Write("m/.model.json.qlab-tmp.999999999.AbCdEf", "partial");
  const auto r =
      qlab::testing::RunQlab({"train", "--dataset", data, "--target", "y", "--out", out});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(fs::exists(out + "/.mine.qlab-tmp.999999999/inner"));
  BOOST_TEST(qlab::io::ReadFileBytes(users) == "my draft\n");
  BOOST_TEST(fs::is_fifo(fifo));
  BOOST_TEST(fs::is_symlink(link));
  BOOST_TEST(fs::exists(odd_suffix));
  BOOST_TEST(!fs::exists(leftover));
}

// A run interrupted in the folder of an earlier run leaves that run as it was: every file it had
// replaced is renamed back from its kept version, every new one removed (hostile pass: SIGINT
// and SIGTERM left a mix of the two runs' files).
BOOST_AUTO_TEST_CASE(sigint_and_sigterm_leave_an_earlier_run_as_it_was) {
  BOOST_REQUIRE_MESSAGE(qlab::testing::HaveCaliforniaData(), qlab::testing::MissingDataMessage());
  TempDir dir;
  const std::string out = dir.File("run");
  const auto first = qlab::testing::RunQlab(
      {"run", "--no-bench", "--out", out, "--data-dir", qlab::testing::CaliforniaDataDir()});
  BOOST_REQUIRE_MESSAGE(first.exit_code == 0, first.err);
  auto before = Snapshot(out);
  int stopped_by_signal = 0;
  for (const int signal_number : {SIGINT, SIGTERM}) {
    for (const int ms : {60, 250, 500, 800, 1200}) {
      const int status = RunAndSignal(out, signal_number, std::chrono::milliseconds(ms), "7");
      const bool by_signal = WIFSIGNALED(status) && WTERMSIG(status) == signal_number;
      const auto after = Snapshot(out);
      if (by_signal) {
        ++stopped_by_signal;
        // Equal, or the second run had committed (its report.html replaced the first one's).
        const bool committed =
            after.count("report.html") == 1 && after.at("report.html") != before.at("report.html");
        BOOST_TEST((after == before || committed), "signal "
                                                       << signal_number << " after " << ms
                                                       << " ms:" << Differences(before, after));
      }
      if (after != before) {
        // Finished (or committed): put the first run back for the next case.
        fs::remove_all(out);
        const auto again = qlab::testing::RunQlab(
            {"run", "--no-bench", "--out", out, "--data-dir", qlab::testing::CaliforniaDataDir()});
        BOOST_REQUIRE_MESSAGE(again.exit_code == 0, again.err);
        before = Snapshot(out);
      }
    }
  }
  BOOST_TEST(stopped_by_signal >= 3, stopped_by_signal << " runs were stopped by the signal");
}
