// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The machine section of a report: what ran, where, built how.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "qlab/kernels.h"
#include "qlab/report/report.h"
#include "qlab/report/build_info.h"
#include "qlab/io/version.h"

namespace qlab::report {

using io::kVersion;
namespace {

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// SIMD extensions worth naming in a report, in a readable order (x86 names as /proc/cpuinfo spells
// them, then Arm's).
const std::vector<std::string>& InterestingFlags() {
  static const std::vector<std::string> flags = {"sse2",        "ssse3",         "sse4_1",
                                                 "sse4_2",      "avx",           "f16c",
                                                 "fma",         "bmi2",          "avx2",
                                                 "avx_vnni",    "avx512f",       "avx512dq",
                                                 "avx512cd",    "avx512bw",      "avx512vl",
                                                 "avx512ifma",  "avx512vbmi",    "avx512_vbmi2",
                                                 "avx512_vnni", "avx512_bitalg", "avx512_vpopcntdq",
                                                 "avx512_bf16", "avx512_fp16",   "amx_tile",
                                                 "amx_int8",    "asimd",         "asimddp",
                                                 "sve",         "sve2",          "i8mm",
                                                 "bf16"};
  return flags;
}

}  // namespace

MachineInfo DetectMachine() {
  MachineInfo m;
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  std::set<std::string> flags;
  while (std::getline(cpuinfo, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = Trim(line.substr(0, colon));
    const std::string value = Trim(line.substr(colon + 1));
    if (m.cpu_model.empty() && (key == "model name" || key == "Model" || key == "cpu model")) {
      m.cpu_model = value;
    }
    if (flags.empty() && (key == "flags" || key == "Features")) {
      std::istringstream words(value);
      std::string w;
      while (words >> w) flags.insert(w);
    }
  }
  if (m.cpu_model.empty()) m.cpu_model = "unknown";
  for (const auto& f : InterestingFlags()) {
    if (flags.count(f) != 0) m.simd_flags.push_back(f);
  }
  m.hwy_target = kernels::ActiveTarget();
  for (const auto& t : kernels::SupportedTargets()) m.hwy_supported.push_back(t.name);
  m.compiler = std::string(build_info::kCompilerId) + " " + build_info::kCompilerVersion;
  m.cxx_flags = build_info::kCxxFlags;
  m.build_type = *build_info::kBuildType != '\0' ? build_info::kBuildType : "unspecified";
  m.git_commit = build_info::kGitCommit;

  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &utc);
  m.date = date;

  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0) m.host_name = host;
  if (m.host_name.empty()) m.host_name = "unknown";
  if (const char* coretype = std::getenv("OPENBLAS_CORETYPE"); coretype != nullptr) {
    m.openblas_coretype = coretype;
  }
  m.qlab_version = kVersion;
  m.num_cpus = std::thread::hardware_concurrency();
  return m;
}

nlohmann::json MachineInfo::ToJson() const {
  nlohmann::json j;
  j["cpu_model"] = cpu_model;
  j["simd_flags"] = simd_flags;
  j["hwy_target"] = hwy_target;
  j["hwy_supported"] = hwy_supported;
  j["compiler"] = compiler;
  j["cxx_flags"] = cxx_flags;
  j["build_type"] = build_type;
  j["git_commit"] = git_commit;
  j["date"] = date;
  j["host_name"] = host_name;
  j["num_cpus"] = num_cpus;
  j["qlab_version"] = qlab_version;
  if (!openblas_coretype.empty()) j["openblas_coretype"] = openblas_coretype;
  return j;
}

std::string DefaultReportName(const MachineInfo& machine) {
  // 2026-11-27T02:35:52Z → 20261127T023552Z, the stamp `qlab run` names its folders with.
  std::string stamp;
  for (char c : machine.date) {
    if (c >= '0' && c <= '9') stamp += c;
  }
  if (stamp.size() >= 14) stamp = stamp.substr(0, 8) + "T" + stamp.substr(8, 6) + "Z";
  std::string host;
  for (char c : machine.host_name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    host += ok ? c : '_';
  }
  return stamp + "-" + (host.empty() ? "localhost" : host);
}

void PrepareBenchGroups(std::vector<BenchGroup>& groups, const MachineInfo& machine) {
  std::map<std::string, int> seen;
  for (auto& g : groups) {
    if (g.host_name == machine.host_name || g.host_name.empty()) {
      if (g.cpu_model.empty()) g.cpu_model = machine.cpu_model;
      if (g.hwy_target.empty()) g.hwy_target = machine.hwy_target;
    }
    std::string label = g.host_name.empty() ? "bench" : g.host_name;
    if (!g.hwy_target.empty()) label += " " + g.hwy_target;
    g.label = label;
    ++seen[label];
  }
  // Same machine and target twice: tell them apart by file name.
  std::map<std::string, int> used;
  for (auto& g : groups) {
    if (seen[g.label] > 1) {
      std::string stem = g.source;
      const size_t slash = stem.rfind('/');
      if (slash != std::string::npos) stem = stem.substr(slash + 1);
      const size_t dot = stem.rfind('.');
      if (dot != std::string::npos && dot > 0) stem = stem.substr(0, dot);
      std::string label = g.label + " (" + stem + ")";
      if (used[label]++ > 0) label += " #" + std::to_string(used[label]);
      g.label = label;
    }
  }
}

}  // namespace qlab::report
