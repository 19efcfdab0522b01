// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
// Reading, comparing and rendering the two bench files of `qlab compare`.
#include "qlab/report/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <stdexcept>
#include <string>

#include "bench_json.h"
#include "qlab/io/input_error.h"

namespace qlab::report {

using io::InputError;

namespace {

using json = nlohmann::json;

std::string ContextText(const json& context, const char* key) {
  if (!context.is_object() || !context.contains(key)) return "";
  const json& v = context[key];
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

}  // namespace

BenchRepetitionsFile LoadBenchRepetitions(const std::string& path) {
  // The same reader as the report's (bench_json.h); what compare adds is that its quantity,
  // items_per_second, is on every repetition and positive.
  const detail::BenchJson bench = detail::BenchJson::Load(path);
  BenchRepetitionsFile file;
  file.source = path;
  file.context = bench.context();
  file.errors = bench.errors();
  size_t most = 0;
  for (const detail::BenchRun& run : bench.runs()) {
    if (run.iterations.empty()) {
      bench.Fail(detail::BenchJson::At(run.first_index),
                 "benchmark \"" + run.name +
                     "\" has aggregates only, no repetitions (run without "
                     "--benchmark_report_aggregates_only)");
    }
    BenchRepetitionSet set{run.name, {}};
    for (const detail::BenchEntry& entry : run.iterations) {
      const std::optional<double>& ips = entry.row.items_per_second;
      if (!ips) {
        bench.Fail(
            detail::BenchJson::At(entry.index),
            "benchmark \"" + run.name + "\" has no \"items_per_second\" (the quantity compared)");
      }
      detail::RequireMeasured(bench, entry);
      set.samples.push_back(*ips);
    }
    most = std::max(most, set.samples.size());
    file.benchmarks.push_back(std::move(set));
  }
  if (most < 2) {
    throw InputError(path,
                     "no repetitions: every benchmark has at most one run; compare needs the "
                     "individual repetitions (qlab bench, qlab-bench --benchmark_repetitions=N, or "
                     "tools/ab-bench.sh)");
  }
  return file;
}

std::vector<std::string> MachineWarnings(const json& base, const json& next) {
  // (key, what it is). qlab_cpu_model and qlab_hwy_target come from `qlab bench`;
  // qlab_target_dispatched from qlab-bench itself; qlab_commit when a runner recorded it.
  static const std::pair<const char*, const char*> kKeys[] = {
      {"qlab_cpu_model", "CPU model"},
      {"host_name", "host"},
      {"num_cpus", "CPU count"},
      {"mhz_per_cpu", "CPU clock (MHz)"},
      {"qlab_hwy_target", "Highway target"},
      {"qlab_target_dispatched", "dispatched Highway target"},
      {"qlab_targets_supported", "supported Highway targets"},
      {"qlab_commit", "qlab commit"},
      {"library_build_type", "Google Benchmark build"},
  };
  std::vector<std::string> warnings;
  for (const auto& [key, what] : kKeys) {
    const std::string a = ContextText(base, key);
    const std::string b = ContextText(next, key);
    if (a.empty() && b.empty()) continue;
    if (a.empty() || b.empty()) {
      warnings.push_back(fmt::format("{} ({}) is recorded only in {}: {}", what, key,
                                     a.empty() ? "NEW" : "BASE", a.empty() ? b : a));
    } else if (a != b) {
      warnings.push_back(fmt::format("{} differs ({}): BASE {}, NEW {}", what, key, a, b));
    }
  }
  return warnings;
}

CompareResult CompareBenchFiles(const BenchRepetitionsFile& base, const BenchRepetitionsFile& next,
                                const CompareSettings& settings, const std::string& filter) {
  try {
    ValidateSettings(settings);
  } catch (const std::invalid_argument& e) {
    throw InputError(e.what());
  }
  std::regex pattern;
  if (!filter.empty()) {
    try {
      pattern = std::regex(filter, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      throw InputError("--filter '" + filter + "' is not a valid regular expression: " + e.what());
    }
  }
  auto selected = [&](const std::string& name) {
    return filter.empty() || std::regex_search(name, pattern);
  };
  CompareResult result;
  result.base_source = base.source;
  result.new_source = next.source;
  result.settings = settings;
  result.filter = filter;
  result.warnings = MachineWarnings(base.context, next.context);

  std::map<std::string, const BenchRepetitionSet*> in_new;
  for (const auto& b : next.benchmarks) in_new[b.name] = &b;
  std::set<std::string> in_base;
  std::vector<BenchmarkSamples> suite;
  for (const auto& b : base.benchmarks) {
    if (!selected(b.name)) continue;
    in_base.insert(b.name);
    const auto it = in_new.find(b.name);
    if (it == in_new.end()) {
      result.only_in_base.push_back(b.name);
      continue;
    }
    suite.push_back({b.name, b.samples, it->second->samples});
  }
  for (const auto& b : next.benchmarks) {
    if (selected(b.name) && in_base.count(b.name) == 0) result.only_in_new.push_back(b.name);
  }
  for (const auto& e : base.errors) result.warnings.push_back("BASE: " + e + " reported an error");
  for (const auto& e : next.errors) result.warnings.push_back("NEW: " + e + " reported an error");
  if (suite.empty()) {
    result.warnings.push_back(filter.empty() ? "no benchmark is in both files"
                                             : "no benchmark in both files matches --filter");
  }
  try {
    // Every figure computed is checked to be finite before anything is printed (compare_stats.h);
    // with the inputs in range this cannot fail, but nothing non-finite may reach stdout or JSON.
    result.suite = CompareSuite(suite, settings);
  } catch (const std::invalid_argument& e) {
    throw InputError(fmt::format("compare {} {}: {}", base.source, next.source, e.what()));
  }
  for (const auto& c : result.suite.benchmarks) {
    if (!c.alpha_reachable) {
      result.warnings.push_back(fmt::format(
          "{}: {} BASE and {} NEW repetitions cannot reach p < {} (smallest attainable p {}); its "
          "verdict can only be \"no change\"",
          c.name, c.n_base, c.n_new, settings.alpha, MinimumAttainablePValue(c.n_base, c.n_new)));
    }
  }
  return result;
}

void RequireGateable(const CompareResult& result) {
  const std::string files = result.base_source + " " + result.new_source;
  if (result.suite.benchmarks.empty()) {
    throw InputError(fmt::format(
        "compare {}: nothing to compare ({}; {} only in BASE, {} only in NEW), and a gate that "
        "compares nothing would pass any candidate",
        files,
        result.filter.empty()
            ? "no benchmark is in both files"
            : "no benchmark in both files matches --filter '" + result.filter + "'",
        result.only_in_base.size(), result.only_in_new.size()));
  }
  size_t unjudgeable = 0;
  const BenchmarkComparison* first = nullptr;
  for (const auto& c : result.suite.benchmarks) {
    if (c.alpha_reachable) continue;
    ++unjudgeable;
    if (first == nullptr) first = &c;
  }
  if (first != nullptr) {
    const double alpha =
        result.settings.holm
            ? result.settings.alpha / static_cast<double>(result.suite.benchmarks.size())
            : result.settings.alpha;
    size_t needed = 2;
    while (!CanReachAlpha(needed, needed, alpha) && needed < 1000) ++needed;
    throw InputError(fmt::format(
        "compare {}: {} of {} benchmarks have too few repetitions to ever be \"slower\" ({}: {} "
        "BASE and {} NEW cannot reach p < {}), so the gate could not fail them; measure at least "
        "{} repetitions per side",
        files, unjudgeable, result.suite.benchmarks.size(), first->name, first->n_base,
        first->n_new, alpha, needed));
  }
}

std::vector<std::string> GateRegressions(const CompareResult& result) {
  std::vector<std::string> out;
  for (const auto& c : result.suite.benchmarks) {
    if (c.verdict == Verdict::kSlower) out.push_back("slower: " + c.name);
  }
  for (const auto& name : result.only_in_base) out.push_back("dropped: " + name);
  return out;
}

json CompareJson(const CompareResult& r) {
  json benchmarks = json::array();
  size_t min_base = 0, max_base = 0, min_new = 0, max_new = 0;
  bool first = true;
  for (const auto& c : r.suite.benchmarks) {
    benchmarks.push_back({{"name", c.name},
                          {"ratio", c.ratio},
                          {"ci_low", c.ci.low},
                          {"ci_high", c.ci.high},
                          {"p_value", c.p_value},
                          {"p_adjusted", c.p_adjusted},
                          {"verdict", std::string(VerdictName(c.verdict))},
                          {"median_base", c.median_base},
                          {"median_new", c.median_new},
                          {"n_base", c.n_base},
                          {"n_new", c.n_new},
                          {"exact", c.exact},
                          {"alpha_reachable", c.alpha_reachable}});
    min_base = first ? c.n_base : std::min(min_base, c.n_base);
    max_base = first ? c.n_base : std::max(max_base, c.n_base);
    min_new = first ? c.n_new : std::min(min_new, c.n_new);
    max_new = first ? c.n_new : std::max(max_new, c.n_new);
    first = false;
  }
  json geomean = nullptr;
  if (r.suite.geomean) {
    geomean = {{"ratio", r.suite.geomean->ratio},
               {"ci_low", r.suite.geomean->ci.low},
               {"ci_high", r.suite.geomean->ci.high},
               {"joint", r.suite.geomean->joint}};
  }
  return {{"base", r.base_source},
          {"new", r.new_source},
          {"benchmarks", benchmarks},
          {"geomean", geomean},
          {"faster", r.suite.faster},
          {"slower", r.suite.slower},
          {"no_change", r.suite.no_change},
          {"only_in_base", r.only_in_base},
          {"only_in_new", r.only_in_new},
          {"warnings", r.warnings},
          {"settings",
           {{"alpha", r.settings.alpha},
            {"threshold", r.settings.threshold},
            {"confidence", r.settings.confidence},
            {"resamples", r.settings.resamples},
            {"seed", r.settings.seed},
            {"holm", r.settings.holm},
            {"filter", r.filter},
            {"repetitions",
             {{"base", {{"min", min_base}, {"max", max_base}}},
              {"new", {{"min", min_new}, {"max", max_new}}}}}}}};
}

namespace {

std::string Summary(const CompareResult& r) {
  std::string out;
  if (r.suite.geomean) {
    const auto& g = *r.suite.geomean;
    out +=
        fmt::format("geomean NEW/BASE {}, CI [{}, {}] (confidence {}{})\n", g.ratio, g.ci.low,
                    g.ci.high, r.settings.confidence, g.joint ? ", rounds resampled jointly" : "");
  }
  out +=
      fmt::format("{} faster, {} slower, {} no change (alpha {}, threshold {})\n", r.suite.faster,
                  r.suite.slower, r.suite.no_change, r.settings.alpha, r.settings.threshold);
  return out;
}

}  // namespace

std::string FormatCompareText(const CompareResult& r) {
  // Every number is printed in full (shortest round-trip text), so columns are aligned loosely.
  std::string out;
  for (const auto& w : r.warnings) out += "warning: " + w + "\n";
  size_t width = 9;
  for (const auto& c : r.suite.benchmarks) width = std::max(width, c.name.size());
  out += fmt::format("BASE {}\nNEW  {}\n", r.base_source, r.new_source);
  out += fmt::format("{:<{}}  {:<20}  {:<44}  {:<22}  {:<5}  {}\n", "benchmark", width,
                     "ratio NEW/BASE", "CI", "p", "n", "verdict");
  for (const auto& c : r.suite.benchmarks) {
    out += fmt::format("{:<{}}  {:<20}  {:<44}  {:<22}  {:<5}  {}\n", c.name, width, c.ratio,
                       fmt::format("[{}, {}]", c.ci.low, c.ci.high), c.p_adjusted,
                       fmt::format("{}/{}", c.n_base, c.n_new), VerdictName(c.verdict));
  }
  for (const auto& n : r.only_in_base) out += "only in BASE: " + n + "\n";
  for (const auto& n : r.only_in_new) out += "only in NEW: " + n + "\n";
  out += Summary(r);
  return out;
}

std::string CompareMarkdown(const CompareResult& r) {
  std::string out = "# qlab compare\n\n";
  out += fmt::format("- BASE: `{}`\n- NEW: `{}`\n", r.base_source, r.new_source);
  out += fmt::format(
      "- ratio = median(NEW) / median(BASE) of items_per_second (above 1 is faster); "
      "percentile bootstrap CI (confidence {}, {} resamples, seed {}); two-sided Mann-Whitney U "
      "p\n\n",
      r.settings.confidence, r.settings.resamples, r.settings.seed);
  if (!r.warnings.empty()) {
    out += "## Warnings\n\n";
    for (const auto& w : r.warnings) out += "- " + w + "\n";
    out += "\n";
  }
  out +=
      "## Benchmarks\n\n| benchmark | ratio | change | CI low | CI high | p | n BASE/NEW | verdict "
      "|\n"
      "|---|---:|---:|---:|---:|---:|---:|---|\n";
  for (const auto& c : r.suite.benchmarks) {
    out += fmt::format("| {} | {} | {} | {} | {} | {}/{} | {} |\n", c.name, c.ratio, c.ci.low,
                       c.ci.high, c.p_adjusted, c.n_base, c.n_new, VerdictName(c.verdict));
  }
  out += "\n## Summary\n\n" + Summary(r);
  if (!r.only_in_base.empty()) {
    out += "\nOnly in BASE:\n\n";
    for (const auto& n : r.only_in_base) out += "- " + n + "\n";
  }
  if (!r.only_in_new.empty()) {
    out += "\nOnly in NEW:\n\n";
    for (const auto& n : r.only_in_new) out += "- " + n + "\n";
  }
  return out;
}

}  // namespace qlab::report
