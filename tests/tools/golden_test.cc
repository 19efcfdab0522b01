// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// What the pipeline prints on California Housing, pinned: `train --json`, `predict --json` (every
// kernel), `quantize --json` (every scheme), the quantized models' predictions and
// `run --no-bench --json`, compared with tests/fixtures/golden/california.json. Paths are masked
// (the commands run in a fresh folder with relative --out paths, so only the data file's path and
// the report's absolute path vary) and so is the Highway target's name, which depends on the CPU;
// every number is compared as printed. A refactoring that changes one digit fails here.
// The artifacts record absolute paths (the data file, the float model's folder), so their sizes
// depend on where the data and $TMPDIR are: those byte counts are masked, and the artifacts
// themselves are pinned instead, parsed, with their paths masked.
//
// After an intended change: QLAB_UPDATE_GOLDEN=1 ctest -R tools/golden_test rewrites the file;
// its diff is the change, to be read and committed on purpose.
#define BOOST_TEST_MODULE tools_golden
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/data_dir.h"
#include "common/run_qlab.h"
#include "common/temp_dir.h"

using nlohmann::ordered_json;
using qlab::testing::RunQlab;
using qlab::testing::TempDir;

namespace {

const char* const kGoldenFile = QLAB_TEST_DATA_DIR "/golden/california.json";

// Values that name where things are or which CPU ran them, not what was computed.
void Mask(ordered_json& value) {
  if (value.is_array()) {
    for (auto& item : value) Mask(item);
    return;
  }
  if (!value.is_object()) return;
  for (auto& [key, item] : value.items()) {
    if (key == "data_path" || key == "report" || key == "path" || key == "dir" ||
        key == "float_model_dir") {
      item = "<path>";
    } else if (key == "artifact_bytes" || key == "float_artifact_bytes") {
      item = "<bytes: the artifact holds absolute paths>";
    } else if (key == "kernel_target" && item.is_string() && item != "eigen-f64") {
      item = "<highway target>";
    } else {
      Mask(item);
    }
  }
}

// Runs one command in `cwd` and returns its one line of JSON, masked.
ordered_json RunJson(const TempDir& cwd, std::vector<std::string> args) {
  args.push_back("--data-dir");
  args.push_back(qlab::testing::CaliforniaDataDir());
  args.push_back("--json");
  const auto r = RunQlab(args, cwd.path());
  std::string command;
  for (const auto& a : args) command += " " + a;
  BOOST_REQUIRE_MESSAGE(r.exit_code == 0,
                        "qlab" << command << " exited " << r.exit_code << ": " << r.err);
  BOOST_REQUIRE_MESSAGE(!r.out.empty() && r.out.find('\n') == r.out.size() - 1,
                        "qlab" << command << ": expected one line of JSON, got: " << r.out);
  ordered_json j = ordered_json::parse(r.out);
  Mask(j);
  return j;
}

#if defined(__aarch64__)
// On aarch64 the float pipeline's last bits differ from x86's: Eigen's double products use FMA
// there whatever -ffp-contract says, so the SVD, the coefficients and everything computed from
// them move by a few ulps. The golden file holds x86's digits; here it holds to the float
// pipeline's bound instead: the same keys, strings, booleans and integers, every float within
// 1e-12·max(1, |x|) (seen: at most a few 1e-16), and the artifacts' tensor_sha256, a hash of those
// floats' bits, not compared. That the w8a8 figures are identical across architectures is
// tests/cross/predict.sh's check. Returns "" or where the first difference is.
std::string FirstDifference(const ordered_json& want, const ordered_json& got,
                            const std::string& at) {
  if (want.is_number_float() || got.is_number_float()) {
    if (!want.is_number() || !got.is_number()) return at + ": " + want.dump() + " vs " + got.dump();
    const double a = want.get<double>();
    const double b = got.get<double>();
    if (!(std::fabs(a - b) <= 1e-12 * std::max(1.0, std::fabs(a)))) {
      return at + ": " + want.dump() + " vs " + got.dump() + " (beyond 1e-12·max(1, |x|))";
    }
    return "";
  }
  if (want.type() != got.type() || want.size() != got.size()) {
    return at + ": " + want.dump() + " vs " + got.dump();
  }
  if (want.is_object()) {
    for (auto it = want.begin(); it != want.end(); ++it) {
      if (!got.contains(it.key())) return at + "." + it.key() + ": missing";
      if (it.key() == "tensor_sha256") continue;
      std::string d = FirstDifference(it.value(), got.at(it.key()), at + "." + it.key());
      if (!d.empty()) return d;
    }
    return "";
  }
  if (want.is_array()) {
    for (size_t i = 0; i < want.size(); ++i) {
      std::string d = FirstDifference(want[i], got[i], at + "[" + std::to_string(i) + "]");
      if (!d.empty()) return d;
    }
    return "";
  }
  return want == got ? "" : at + ": " + want.dump() + " vs " + got.dump();
}
#endif

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

BOOST_AUTO_TEST_CASE(california_outputs_equal_the_golden_file) {
  BOOST_REQUIRE_MESSAGE(qlab::testing::HaveCaliforniaData(), qlab::testing::MissingDataMessage());
  TempDir dir;
  ordered_json actual = ordered_json::object();
  actual["train"] = RunJson(dir, {"train", "--out", "m"});
  for (const char* kernel : {"ref", "f32", "w8", "w8a8", "seed"}) {
    actual[std::string("predict --kernel ") + kernel] =
        RunJson(dir, {"predict", "--model", "m", "--kernel", kernel});
  }
  for (const char* scheme : {"seed", "w8", "w8a8"}) {
    actual[std::string("quantize --scheme ") + scheme] =
        RunJson(dir, {"quantize", "--model", "m", "--scheme", scheme});
    actual[std::string("predict --model m/") + scheme] =
        RunJson(dir, {"predict", "--model", std::string("m/") + scheme});
  }
  actual["quantize --scheme w8a8 --bits 4"] =
      RunJson(dir, {"quantize", "--model", "m", "--scheme", "w8a8", "--bits", "4", "--out", "q4"});
  actual["run --no-bench"] = RunJson(dir, {"run", "--no-bench", "--out", "r"});
  for (const char* artifact :
       {"m/model.json", "m/seed/quantized_model.json", "m/w8/quantized_model.json",
        "m/w8a8/quantized_model.json", "q4/quantized_model.json"}) {
    const std::string path = dir.path() + "/" + artifact;
    ordered_json parsed = ordered_json::parse(ReadText(path), nullptr, false);
    BOOST_REQUIRE_MESSAGE(!parsed.is_discarded(), path << " is not JSON");
    Mask(parsed);
    actual["artifact " + std::string(artifact)] = parsed;
  }
  const std::string text = actual.dump(1) + "\n";

  const char* update = std::getenv("QLAB_UPDATE_GOLDEN");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream(kGoldenFile, std::ios::binary) << text;
    BOOST_TEST_MESSAGE("rewrote " << kGoldenFile);
    return;
  }
  const std::string expected = ReadText(kGoldenFile);
#if defined(__aarch64__)
  if (text != expected) {
    const std::string difference =
        FirstDifference(ordered_json::parse(expected), ordered_json::parse(text), "golden");
    BOOST_TEST_MESSAGE("aarch64: x86's golden digits held to the float bound: "
                       << (difference.empty() ? "within it" : difference));
    if (difference.empty()) return;
  }
#endif
  if (text != expected) {
    const std::string actual_file = std::string(QLAB_BINARY_DIR) + "/golden-california.actual.json";
    std::ofstream(actual_file, std::ios::binary) << text;
    BOOST_ERROR("outputs differ from " << kGoldenFile << ": diff it against " << actual_file
                                       << " (QLAB_UPDATE_GOLDEN=1 rewrites it after an intended "
                                          "change)");
  }
}
