// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Running qlab-bench: where to find it, the quick (CI-sized) subset, progress on stderr, and its
// JSON written through a temporary file.
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <set>
#include <stdexcept>

#include "internal.h"
#include "qlab/io/atomic_file.h"
#include "qlab/io/input_error.h"
#include "qlab/io/output_transaction.h"
#include "qlab/io/process.h"
#include "qlab/io/stream.h"
#include "qlab/io/temporaries.h"
#include "qlab/report/report.h"

namespace qlab::report {

using io::InputError;
namespace {

namespace fs = std::filesystem;
using io::FindOnPath;
using io::RunProcess;
using io::RunProcessStreaming;

std::string SelfDirectory() {
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "" : self.parent_path().string();
}

// A value for --benchmark_context, whose list syntax is k=v,k=v.
std::string ContextValue(std::string text) {
  for (char& c : text) {
    if (c == ',' || c == '=') c = ' ';
  }
  return text;
}

// The benchmark name a console line reports ("dot_f32/hwy/4096_median   123 ns ..." → base name).
std::string ConsoleName(const std::string& line) {
  const size_t end = line.find_first_of(" \t");
  std::string name = line.substr(0, end);
  for (const char* suffix : {"_mean", "_median", "_stddev", "_cv"}) {
    const std::string s = suffix;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      return name.substr(0, name.size() - s.size());
    }
  }
  return name;
}

}  // namespace

std::string FindBenchProgram() {
  if (const char* env = std::getenv("QLAB_BENCH"); env != nullptr && *env != '\0') {
    std::string found = FindOnPath(env);
    if (found.empty()) throw InputError(std::string("$QLAB_BENCH=") + env + ": not an executable");
    return found;
  }
  const std::string dir = SelfDirectory();
  if (!dir.empty()) {
    for (const std::string& candidate : {dir + "/qlab-bench", dir + "/../bench/qlab-bench"}) {
      const std::string found = FindOnPath(candidate);
      if (!found.empty()) return fs::path(found).lexically_normal().string();
    }
  }
  std::string on_path = FindOnPath("qlab-bench");
  if (!on_path.empty()) return on_path;
  throw InputError(
      "qlab-bench not found next to qlab, in ../bench/ beside it, or on PATH (build it with "
      "QLAB_BUILD_BENCH=ON, or set QLAB_BENCH)");
}

std::string QuickBenchFilter() {
  // Everything qlab-bench registers under --qlab_subset=quick (its sizes follow the cache levels
  // it detects: 4 KiB, ½ L1d, ½ L2, 2× L2, ½ L3, 2× L3, 8× L3; the compute probes; the clock).
  return ".";
}

std::vector<std::string> QuickBenchArgs() {
  // Five short repetitions, interleaved: the median is steadier than one longer run on a shared
  // CPU, and interleaving puts a kernel and the probes it is divided by in the same stretches of
  // time. Measured here: DRAM read bandwidth drifted 14-24 GB/s between runs; over six runs,
  // u8i8's roof fraction at 64M spread 1.05-1.44 back to back, 1.02-1.10 interleaved. Every
  // repetition is kept (the report's CV column; a probe counts at its best repetition).
  return {"--qlab_subset=quick",
          "--benchmark_filter=" + QuickBenchFilter(),
          "--benchmark_min_time=0.05",
          "--benchmark_repetitions=5",
          "--benchmark_enable_random_interleaving=true",
          "--benchmark_report_aggregates_only=false",
          "--benchmark_display_aggregates_only=true"};
}

BenchGroup RunAndLoadBench(const BenchRunOptions& options) {
  const std::string program =
      options.bench_program.empty() ? FindBenchProgram() : options.bench_program;
  if (options.out_file.empty()) throw InputError("qlab bench: no output file given");

  std::vector<std::string> selection;
  if (options.quick) {
    selection = QuickBenchArgs();
  } else {
    selection = {"--benchmark_min_time=0.2", "--benchmark_repetitions=3",
                 "--benchmark_enable_random_interleaving=true",
                 "--benchmark_report_aggregates_only=true"};
  }
  for (const auto& a : options.extra_args) selection.push_back(a);

  // Which benchmarks will run, so progress can say how many are left.
  std::vector<std::string> list_args = {program, "--benchmark_list_tests=true"};
  // The filter and qlab-bench's own flags (--qlab_subset decides what is registered at all).
  for (const auto& a : selection) {
    if (a.rfind("--benchmark_filter=", 0) == 0 || a.rfind("--qlab_", 0) == 0) {
      list_args.push_back(a);
    }
  }
  std::string listing;
  if (RunProcess(list_args, &listing) != 0) {
    throw std::runtime_error(program + " --benchmark_list_tests failed: " + listing);
  }
  std::set<std::string> names;
  size_t begin = 0;
  while (begin < listing.size()) {
    size_t end = listing.find('\n', begin);
    if (end == std::string::npos) end = listing.size();
    const std::string line = listing.substr(begin, end - begin);
    if (!line.empty() && line.find(' ') == std::string::npos) names.insert(line);
    begin = end + 1;
  }
  if (names.empty()) {
    throw InputError(program + ": no benchmark matches the selection (" +
                     (options.quick ? "quick subset" : "full suite") + ")");
  }

  // The benchmark program is an input of the command: `--out` naming it would replace it.
  struct stat program_info {};
  if (::stat(program.c_str(), &program_info) == 0) {
    io::AfterOpeningInput(program_info.st_dev, program_info.st_ino);
  }
  io::CheckOutputFile(options.out_file, /*folder_may_be_created=*/true);
  // A symbolic link to a file is written through (stream.h); the temporary goes beside the file.
  const fs::path out = fs::absolute(io::ResolveOutputPath(options.out_file));
  // Recorded by the command's transaction: a failed bench leaves no new folder behind.
  if (out.has_parent_path()) io::EnsureDirectory(out.parent_path().string());
  io::RemoveDeadTemporaries(out.parent_path().string());  // what a killed bench left here
  const std::string temp =
      (out.parent_path() / io::TemporaryName(out.filename().string(), "run")).string();
  const io::ScopedTemporary temp_guard(temp, /*is_folder=*/false);  // removed on SIGINT/SIGTERM

  const MachineInfo machine = DetectMachine();
  std::vector<std::string> args = {
      program,
      "--benchmark_format=console",
      "--benchmark_color=false",
      "--benchmark_out_format=json",
      "--benchmark_out=" + temp,
      "--benchmark_context=qlab_cpu_model=" + ContextValue(machine.cpu_model) +
          ",qlab_hwy_target=" + ContextValue(machine.hwy_target)};
  for (const auto& a : selection) args.push_back(a);

  std::set<std::string> done;
  const size_t total = names.size();
  if (options.progress) {
    std::cerr << "qlab bench: running " << total << " benchmark" << (total == 1 ? "" : "s") << " ("
              << (options.quick ? "quick subset" : "full suite") << ") with " << program << "\n";
  }
  auto on_line = [&](const std::string& line) {
    const std::string name = ConsoleName(line);
    if (names.count(name) == 0 || !done.insert(name).second) return;
    if (options.progress) {
      std::cerr << "[" << done.size() << "/" << total << "] " << name << "  ("
                << total - done.size() << " left)\n";
    }
  };
  std::string console;
  // Its own banner and console table stay out of the way; they are shown only when it fails.
  const int rc = RunProcessStreaming(args, /*merge_stderr=*/true, on_line, &console);
  if (rc == 128 + SIGXFSZ) {  // the file size limit (`ulimit -f`) stopped its JSON output
    std::remove(temp.c_str());
    throw io::OutputError(out.string(), std::string("cannot write: ") + std::strerror(EFBIG) +
                                            " (" + program + " was stopped by SIGXFSZ)");
  }
  if (rc != 0) {
    std::remove(temp.c_str());
    const size_t tail = console.size() > 2000 ? console.size() - 2000 : 0;
    std::cerr << console.substr(tail);
    throw std::runtime_error(program + " exited with status " + std::to_string(rc));
  }
  // Refuse to publish a file the report could not read; the group read here is the one returned,
  // so the file is parsed once.
  BenchGroup group;
  try {
    group = LoadBenchFile(temp);
  } catch (const InputError& e) {
    // Google Benchmark does not check its writes: on a full disk it ends with status 0 and a
    // truncated file. A file system left without room (under 64 KiB, or no free inode) is that
    // case, an output that could not be written (exit 4); anything else is the program's fault.
    struct statvfs space {};
    const bool full = ::statvfs(out.parent_path().c_str(), &space) == 0 &&
                      (static_cast<uint64_t>(space.f_bavail) * space.f_frsize < (64u << 10) ||
                       (space.f_files != 0 && space.f_favail == 0));
    std::remove(temp.c_str());
    if (full) {
      throw io::OutputError(out.string(), std::string("cannot write: ") + std::strerror(ENOSPC) +
                                              " (" + program + "'s JSON output is incomplete)");
    }
    throw std::runtime_error(program + " wrote unreadable JSON: " + e.Format());
  }
  io::BeforePublishing(out.string());  // kept or undone with the command's other outputs
  if (std::rename(temp.c_str(), out.c_str()) != 0) {
    const int err = errno;
    std::remove(temp.c_str());
    throw InputError(out.string(), std::string("cannot write: ") + std::strerror(err));
  }
  group.source = out.string();
  return group;
}

std::string RunBench(const BenchRunOptions& options) { return RunAndLoadBench(options).source; }

}  // namespace qlab::report
