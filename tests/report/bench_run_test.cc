// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Running qlab-bench from the library (what `qlab bench` and `qlab run` do), on the qlab-bench this
// build made.
#define BOOST_TEST_MODULE report_bench
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "qlab/io/input_error.h"
#include "qlab/io/process.h"
#include "qlab/report/report.h"

namespace fs = std::filesystem;
using namespace qlab::report;

namespace {
const std::string kBench = QLAB_TEST_QLAB_BENCH;  // or its emulator wrapper
}

BOOST_AUTO_TEST_CASE(quick_subset_is_qlab_bench_s_own_with_six_sizes_from_l1_to_dram) {
  // `qlab run` takes the subset qlab-bench defines (its sizes follow the caches it detects).
  const std::vector<std::string> args = QuickBenchArgs();
  BOOST_TEST(std::count(args.begin(), args.end(), "--qlab_subset=quick") == 1);
  BOOST_REQUIRE_MESSAGE(fs::exists(kBench), kBench + " not built (QLAB_BUILD_BENCH=ON builds it)");
  std::vector<std::string> list = {kBench, "--benchmark_list_tests=true"};
  for (const auto& a : args) {
    if (a.rfind("--qlab_", 0) == 0 || a.rfind("--benchmark_filter=", 0) == 0) list.push_back(a);
  }
  std::string listing;
  BOOST_REQUIRE(qlab::io::RunProcess(list, &listing) == 0);
  std::map<std::string, std::set<uint64_t>> sizes;  // kernel/variant → sizes
  std::istringstream lines(listing);
  for (std::string name; std::getline(lines, name);) {
    const size_t last = name.rfind('/');
    if (last == std::string::npos || name.find(' ') != std::string::npos) continue;
    sizes[name.substr(0, last)].insert(std::stoull(name.substr(last + 1)));
  }
  // Six or more working sets from inside L1 (4 KiB) to DRAM (≥ 64 MiB, 2× the largest plausible
  // default L3 share) for the dots and the read probe; the compute probes beside them.
  for (const auto& [series, bytes_per_element] :
       {std::pair<std::string, uint64_t>{"dot_f32/hwy", 8},
        {"dot_u8i8/hwy", 2},
        {"membw/read", 1}}) {
    const auto& s = sizes[series];
    BOOST_TEST(s.size() >= 6u, series);
    BOOST_REQUIRE(!s.empty());
    BOOST_TEST(*s.begin() * bytes_per_element <= 4096u, series);
    BOOST_TEST(*s.rbegin() * bytes_per_element >= (uint64_t{64} << 20), series);
  }
  BOOST_TEST(sizes.count("peak_fma_f32/hwy") == 1u);
  BOOST_TEST(sizes.count("clock/add_chain") == 1u);
  BOOST_TEST(sizes.count("gemv_u8i8/hwy") == 1u);
  BOOST_TEST(sizes.count("dot_f32/eigen") == 0u);  // no peers in the quick subset
}

BOOST_AUTO_TEST_CASE(run_bench_writes_readable_json_with_the_machine_in_its_context) {
  BOOST_REQUIRE_MESSAGE(fs::exists(kBench), kBench + " not built (QLAB_BUILD_BENCH=ON builds it)");
  const fs::path dir =
      fs::temp_directory_path() / ("qlab_bench_test_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  BenchRunOptions options;
  options.quick = false;
  options.bench_program = kBench;
  options.progress = false;
  options.out_file = (dir / "sub" / "bench.json").string();
  options.extra_args = {"--benchmark_filter=^(dot_u8i8/(ref|hwy)/256|membw/read/16384)$",
                        "--benchmark_min_time=0.01", "--benchmark_repetitions=2"};
  // The group RunAndLoadBench returns is the file it published, read once: the same rows as
  // reading the file again, and named by its final path (not the temporary one).
  const BenchGroup g = RunAndLoadBench(options);
  const std::string written = g.source;
  BOOST_TEST(written == fs::absolute(options.out_file).string());
  BOOST_TEST(fs::exists(written));
  const BenchGroup again = LoadBenchFile(written);
  BOOST_TEST(again.source == g.source);
  BOOST_REQUIRE(again.rows.size() == g.rows.size());
  for (size_t i = 0; i < g.rows.size(); ++i) {
    BOOST_TEST(again.rows[i].name == g.rows[i].name);
    BOOST_TEST(again.rows[i].cpu_time_ns == g.rows[i].cpu_time_ns);
    BOOST_TEST((again.rows[i].speedup_vs_ref == g.rows[i].speedup_vs_ref));
  }
  BOOST_TEST(again.context == g.context);
  BOOST_TEST(g.rows.size() == 2u);
  BOOST_TEST(g.roof.size() == 1u);
  BOOST_TEST(g.rows[0].statistic == "median");
  BOOST_TEST(g.cpu_model == DetectMachine().cpu_model);
  BOOST_TEST(g.hwy_target == DetectMachine().hwy_target);
  for (const auto& entry : fs::directory_iterator(dir / "sub")) {
    BOOST_TEST(entry.path().filename() == "bench.json");  // no temporary file left
  }

  options.extra_args = {"--benchmark_filter=^no_such_benchmark$"};
  BOOST_CHECK_THROW(RunBench(options), qlab::io::InputError);
  fs::remove_all(dir);
}
