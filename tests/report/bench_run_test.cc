// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Running qlab-bench from the library (what `qlab bench` and `qlab run` do), on the qlab-bench this
// build made.
#define BOOST_TEST_MODULE report_bench
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <filesystem>
#include <regex>
#include <set>
#include <string>

#include "qlab/io/input_error.h"
#include "qlab/report/report.h"

namespace fs = std::filesystem;
using namespace qlab::report;

namespace {
const std::string kBench = QLAB_TEST_QLAB_BENCH;  // or its emulator wrapper
}

BOOST_AUTO_TEST_CASE(quick_subset_holds_every_ratio_partner) {
  // The names the quick filter must select for the report's ratios and `qlab check`.
  const std::regex quick(QuickBenchFilter(), std::regex::extended);
  for (const char* name :
       {"dot_f32/ref/4096", "dot_f32/hwy/4096", "dot_u8i8/ref/4096", "dot_u8i8/hwy/4096",
        "dot_i8/hwy/4096", "dot_u8i8/hwy/67108864", "dot_f32/hwy/67108864", "gemv_f32/auto/20640",
        "gemv_f32/hwy/20640", "gemv_u8i8/hwy/20640", "membw/read/268435456", "membw/read/16384"}) {
    BOOST_TEST(std::regex_search(name, quick), name);
  }
  for (const char* name : {"dot_f32/hwy:AVX2/4096", "dot_f32/eigen/4096", "gemv_f32/hwy/10000000",
                           "dot_u8i8/hwy/1048576", "dot_f32/hwy/40960"}) {
    BOOST_TEST(!std::regex_search(name, quick), name);
  }
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
