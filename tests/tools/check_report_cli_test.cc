// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// `qlab report` run as a program: the path on stdout when it succeeds; exit 2, one line on stderr
// (file:line:col) and nothing on stdout or on disk when an input is bad.
#define BOOST_TEST_MODULE check_report_cli
#include <boost/test/unit_test.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "qlab/io/atomic_file.h"
#include "qlab/io/json_document.h"

namespace fs = std::filesystem;

namespace {

const std::string kQlab = QLAB_TEST_QLAB;  // or its emulator wrapper (tests/CMakeLists.txt)
const std::string kData = std::string(QLAB_TEST_DATA_DIR) + "/report/";

struct Run {
  int code = -1;
  std::string out, err;
};

struct Scratch {
  fs::path dir = fs::temp_directory_path() / ("qlab_report_cli_" + std::to_string(::getpid()));
  Scratch() {
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~Scratch() { fs::remove_all(dir); }
  Run Qlab(const std::string& args) const {
    const std::string out = (dir / "stdout").string(), err = (dir / "stderr").string();
    const int status = std::system(
        ("cd " + dir.string() + " && " + kQlab + " " + args + " >" + out + " 2>" + err).c_str());
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, qlab::io::ReadFileBytes(out),
            qlab::io::ReadFileBytes(err)};
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(success_prints_the_folder_and_defaults_under_reports) {
  Scratch s;
  const Run r = s.Qlab("report --no-charts --accuracy " + kData + "train.json --bench " + kData +
                       "bench_laptop.json");
  BOOST_TEST(r.code == 0, r.err);
  BOOST_TEST(r.out.find((s.dir / "reports").string() + "/") == 0u, r.out);
  const std::string folder = r.out.substr(0, r.out.size() - 1);
  BOOST_TEST(fs::exists(folder + "/report.md"));
  BOOST_TEST(fs::exists(folder + "/report.html"));
  BOOST_TEST(fs::exists(folder + "/report.json"));
}

BOOST_AUTO_TEST_CASE(bad_input_exits_2_with_one_positioned_line) {
  Scratch s;
  const std::string bad = (s.dir / "bench.json").string();
  std::ofstream(bad)
      << "{\"benchmarks\": [\n  {\"name\": \"dot_f32/ref/4\", \"cpu_time\": 1}\n]}\n";
  const Run r = s.Qlab("report --bench " + bad + " --out " + (s.dir / "out").string());
  BOOST_TEST(r.code == 2);
  BOOST_TEST(r.out.empty());
  BOOST_TEST(r.err == bad + ":2:3: benchmark entry needs a number \"real_time\"\n", r.err);
  BOOST_TEST(!fs::exists(s.dir / "out"));

  const Run none = s.Qlab("report");
  BOOST_TEST(none.code == 2);
  BOOST_TEST(none.out.empty());
  BOOST_TEST(std::count(none.err.begin(), none.err.end(), '\n') == 1);
}
