// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/report/gate.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <iterator>
#include <map>

#include "qlab/io/input_error.h"
#include "qlab/io/json_document.h"
#include "qlab/io/result_keys.h"
#include "qlab/report/report.h"

namespace qlab::report {

using io::JsonDocument;
namespace {

using json = nlohmann::json;
using Pointer = json::json_pointer;

// Within-run ratios only; the margins are wide because a shared CI machine is noisy.
constexpr double kSpeedTolerance = 0.4;

std::string Num(double v) { return fmt::format("{}", v); }

// The speed metrics' ranges (the accuracy keys' are in the result-key table): a speed-up is a
// ratio of two throughputs, a roof fraction is measured ÷ attainable, and the report writes null
// with the reason instead of a fraction above kRoofFractionLimit.
constexpr io::ValueRange kSpeedupRange{.checked = true,
                                       .min = 0,
                                       .max = DBL_MAX,
                                       .min_open = true,
                                       .text = "above 0 (a ratio of two throughputs)"};
constexpr io::ValueRange kRoofFractionRange{
    .checked = true,
    .min = 0,
    .max = kRoofFractionLimit,
    .text =
        "from 0 to 1.05 (measured ÷ attainable; above 1.05 a report holds null and the reason)"};

// The range of a speed metric's key, or null when the gate has no such speed metric.
const io::ValueRange* SpeedRange(std::string_view key) {
  if (key == "speedup_vs_ref" || key == "speedup_vs_f32") return &kSpeedupRange;
  if (key == "roof_fraction") return &kRoofFractionRange;
  return nullptr;
}

// "accuracy/<result>/<key>" → key; "speed/<kernel>/hwy/<size>/<key>[@<label>]" → key; "" when the
// id has not that shape.
std::string KeyOfMetric(const std::string& id) {
  if (id.rfind("accuracy/", 0) == 0) {
    const size_t last = id.rfind('/');
    return last > 9 ? id.substr(last + 1) : "";
  }
  size_t at = 0;
  for (int slash = 0; slash < 4; ++slash) {
    at = id.find('/', at);
    if (at == std::string::npos) return "";
    ++at;
  }
  return id.substr(at, id.find('@', at) - at);
}

// A value outside its key's range is not a result: bad input at `where`.
void RequireInRange(const JsonDocument& doc, const Pointer& where, const std::string& what,
                    const io::ValueRange& range, double value) {
  if (io::InRange(range, value)) return;
  throw doc.ErrorAt(
      where, fmt::format("{} is {}: impossible, it must be {}", what, Num(value), range.text));
}

// The metrics of a report.json (as BuildReportJson writes it), with default tolerances; errors
// name the file and the line:col of the value refused.
std::vector<CheckMetric> Extract(const JsonDocument& doc) {
  const json& report = doc.value();
  if (!report.is_object() || !report.contains("format") || report["format"] != "qlab-report") {
    throw doc.ErrorAt(Pointer(), "not a qlab report.json (\"format\" is not \"qlab-report\")");
  }
  if (!report.contains("version") || report["version"] != 1) {
    throw doc.ErrorAt(Pointer("/version"), "unsupported report.json version (expected 1)");
  }
  std::vector<CheckMetric> out;
  // Each metric once: a second entry with the same id and the same value adds nothing, with
  // another value it is a contradiction the gate must not settle by taking the last one.
  std::map<std::string, std::pair<double, Pointer>> seen;
  auto add_metric = [&](CheckMetric m, const Pointer& where) {
    const auto [it, inserted] = seen.emplace(m.id, std::make_pair(m.value, where));
    if (!inserted) {
      if (it->second.first == m.value) return;
      const io::InputError first = doc.ErrorAt(it->second.second, "");  // for its position
      throw doc.ErrorAt(where, fmt::format("duplicate entry for {} with another value ({} here, "
                                           "{} at line {}, column {})",
                                           m.id, Num(m.value), Num(it->second.first), first.line(),
                                           first.column()));
    }
    out.push_back(std::move(m));
  };
  if (report.contains("accuracy")) {
    const json& accuracy = report["accuracy"];
    if (!accuracy.is_object()) {
      throw doc.ErrorAt(Pointer("/accuracy"), "\"accuracy\" must be an object");
    }
    for (const auto& [id, values] : accuracy.items()) {
      if (!values.is_object()) {
        throw doc.ErrorAt(Pointer("/accuracy") / id, "accuracy entry must be an object");
      }
      for (const auto& [key, value] : values.items()) {
        // The keys the gate checks, their directions and default tolerances: the result-key table.
        const io::ResultKey* known = io::FindResultKey(key);
        if (known == nullptr || known->gate.direction == io::GateDirection::kNone) continue;
        // null means "not measured" (the gate then finds the metric missing); any other value
        // that is not a number is a broken report, not a missing metric.
        if (value.is_null()) continue;
        if (!value.is_number()) {
          throw doc.ErrorAt(Pointer("/accuracy") / id / key,
                            "\"" + key + "\" must be a number (or null: not measured)");
        }
        RequireInRange(doc, Pointer("/accuracy") / id / key, "\"" + key + "\"", known->range,
                       value.get<double>());
        const io::GateRule& rule = known->gate;
        CheckMetric m;
        m.id = fmt::format("accuracy/{}/{}", id, key);
        m.kind = "accuracy";
        m.direction = io::GateDirectionName(rule.direction);
        m.value = value.get<double>();
        m.tolerance = std::max(rule.absolute, rule.relative * std::fabs(m.value));
        add_metric(std::move(m), Pointer("/accuracy") / id / key);
      }
    }
  }
  if (report.contains("bench")) {
    const json& bench = report["bench"];
    if (!bench.is_array()) throw doc.ErrorAt(Pointer("/bench"), "\"bench\" must be an array");
    for (size_t g = 0; g < bench.size(); ++g) {
      const Pointer at("/bench/" + std::to_string(g));
      const json& group = bench[g];
      if (!group.is_object() || !group.contains("rows") || !group["rows"].is_array()) {
        throw doc.ErrorAt(at, "bench group needs a \"rows\" array");
      }
      auto text = [&](const char* key) {
        return group.contains(key) && group[key].is_string() ? group[key].get<std::string>() : "";
      };
      const std::string cpu = text("cpu_model"), target = text("hwy_target");
      if (cpu.empty() || target.empty()) continue;  // unknown machine: nothing comparable
      const std::string suffix = bench.size() > 1 ? "@" + text("label") : "";
      for (size_t i = 0; i < group["rows"].size(); ++i) {
        const json& row = group["rows"][i];
        if (!row.is_object() || !row.contains("kernel") || !row.contains("variant") ||
            !row.contains("size") || !row["kernel"].is_string() || !row["variant"].is_string() ||
            !row["size"].is_number_unsigned()) {
          throw doc.ErrorAt(at / "rows" / std::to_string(i),
                            "bench row needs \"kernel\", \"variant\" and \"size\"");
        }
        if (row["variant"] != "hwy") continue;
        const std::string base = "speed/" + row["kernel"].get<std::string>() + "/hwy/" +
                                 std::to_string(row["size"].get<uint64_t>()) + "/";
        const Pointer row_at = at / "rows" / std::to_string(i);
        auto add = [&](const char* key) {
          if (!row.contains(key)) return;
          const bool null = row[key].is_null();  // null: not measured, or the roof invalid
          if (!null && !row[key].is_number()) {
            throw doc.ErrorAt(row_at / key, std::string("\"") + key +
                                                "\" must be a number (or null: not measured)");
          }
          if (!null) {
            RequireInRange(doc, row_at / key, std::string("\"") + key + "\"", *SpeedRange(key),
                           row[key].get<double>());
          }
          CheckMetric m;
          m.is_null = null;
          if (null) {
            m.null_reason = row.contains("roof_invalid") && row["roof_invalid"].is_string()
                                ? row["roof_invalid"].get<std::string>()
                                : "null in the report";
          }
          m.id = fmt::format("{}{}{}", base, key, suffix);
          m.kind = "speed";
          m.direction = "higher";
          m.value = null ? 0.0 : row[key].get<double>();
          m.tolerance = kSpeedTolerance;
          m.cpu_model = cpu;
          m.hwy_target = target;
          add_metric(std::move(m), row_at / key);
        };
        // A speedup is null where the run has no row to divide by: not measured, left out. Any
        // other value goes through add, which refuses what is not a number.
        for (const char* speedup : {"speedup_vs_ref", "speedup_vs_f32"}) {
          if (row.contains(speedup) && !row[speedup].is_null()) add(speedup);
        }
        // The roof fraction of the rows beyond the caches (level 4, DRAM: the steadiest ratio on
        // a shared machine, as both sides are bound by the same memory). Null there means the
        // roof could not be computed or was exceeded: gated too (see CompareWithBaseline).
        if (row.contains("level") && row["level"].is_number_integer() &&
            row["level"].get<int>() == 4) {
          add("roof_fraction");
        }
      }
    }
  }
  return out;
}

std::string ToleranceText(const CheckMetric& m) {
  if (m.kind == "speed") return fmt::format("-{:.0f}%", m.tolerance * 100);
  if (m.direction == "higher") return "-" + Num(m.tolerance);
  if (m.direction == "lower") return "+" + Num(m.tolerance);
  return "±" + Num(m.tolerance);
}

}  // namespace

std::vector<CheckMetric> LoadReportMetrics(const std::string& path) {
  return Extract(JsonDocument::Load(path));
}

std::vector<CheckMetric> LoadBaseline(const std::string& path) {
  const JsonDocument doc = JsonDocument::Load(path);
  const json& root = doc.value();
  if (!root.is_object() || !root.contains("format") || root["format"] != "qlab-baseline") {
    throw doc.ErrorAt(Pointer(), "not a qlab baseline (\"format\" is not \"qlab-baseline\")");
  }
  if (!root.contains("version") || root["version"] != 1) {
    throw doc.ErrorAt(Pointer("/version"), "unsupported baseline version (expected 1)");
  }
  if (!root.contains("metrics") || !root["metrics"].is_object()) {
    throw doc.ErrorAt(Pointer(), "baseline needs a \"metrics\" object");
  }
  if (root["metrics"].empty()) {
    // An empty baseline would pass every report: a gate that checks nothing is not a gate.
    throw doc.ErrorAt(Pointer("/metrics"),
                      "the baseline has no metrics, so it would pass any report (write one with "
                      "qlab check --update)");
  }
  std::vector<CheckMetric> out;
  for (const auto& [id, entry] : root["metrics"].items()) {
    const Pointer at = Pointer("/metrics") / id;
    if (!entry.is_object()) throw doc.ErrorAt(at, "metric entry must be an object");
    CheckMetric m;
    m.id = id;
    m.kind = id.rfind("speed/", 0) == 0 ? "speed" : "accuracy";
    if (id.rfind("speed/", 0) != 0 && id.rfind("accuracy/", 0) != 0) {
      throw doc.ErrorAt(at, "metric name must start with accuracy/ or speed/");
    }
    // Clang before 16 cannot capture a structured binding in a lambda: capture a plain reference.
    const nlohmann::json& metric = entry;
    auto number = [&](const char* key) {
      if (!metric.contains(key)) throw doc.ErrorAt(at, std::string("missing \"") + key + "\"");
      if (!metric[key].is_number()) {
        throw doc.ErrorAt(at / key, std::string("\"") + key + "\" must be a number");
      }
      return metric[key].get<double>();
    };
    // The metric must be one the gate takes from a report, and its value within that key's
    // range: a typo would be "not measured" forever, an impossible value "improved".
    const std::string metric_key = KeyOfMetric(id);
    const io::ResultKey* accuracy_key = io::FindResultKey(metric_key);
    const io::ValueRange* range = nullptr;
    if (m.kind == "speed") {
      range = SpeedRange(metric_key);
    } else if (accuracy_key != nullptr &&
               accuracy_key->gate.direction != io::GateDirection::kNone) {
      range = &accuracy_key->range;
    }
    if (range == nullptr) {
      throw doc.ErrorAt(at, fmt::format("{}: the gate has no {} metric \"{}\", so a report can "
                                        "never measure it",
                                        id, m.kind, metric_key));
    }
    m.value = number("value");
    RequireInRange(doc, at / "value", id, *range, m.value);
    m.tolerance = number("tolerance");
    if (!(m.tolerance >= 0) || !std::isfinite(m.tolerance) ||
        (m.kind == "speed" && m.tolerance >= 1)) {
      throw doc.ErrorAt(at / "tolerance", m.kind == "speed"
                                              ? "speed tolerance must be a fraction in [0, 1)"
                                              : "tolerance must be >= 0 and finite");
    }
    if (!entry.contains("direction") || !entry["direction"].is_string()) {
      throw doc.ErrorAt(at, "missing \"direction\" (higher, lower or equal)");
    }
    m.direction = entry["direction"].get<std::string>();
    if (m.direction != "higher" && m.direction != "lower" && m.direction != "equal") {
      throw doc.ErrorAt(at / "direction", "\"direction\" must be higher, lower or equal");
    }
    // The direction is the key's, not the baseline's to choose: a flipped one would count every
    // drop of an R² as "improved" and pass it. Tolerances are editable; directions are not.
    const std::string expected_direction =
        m.kind == "speed" ? "higher" : io::GateDirectionName(accuracy_key->gate.direction);
    if (m.direction != expected_direction) {
      throw doc.ErrorAt(at / "direction",
                        fmt::format("{}: \"direction\" is \"{}\", but {} is gated \"{}\" (only "
                                    "tolerances may be edited in a baseline)",
                                    id, m.direction, metric_key, expected_direction));
    }
    if (m.kind == "speed") {
      for (const char* key : {"cpu_model", "hwy_target"}) {
        if (!entry.contains(key) || !entry[key].is_string()) {
          throw doc.ErrorAt(at, std::string("speed metric needs a string \"") + key + "\"");
        }
      }
      m.cpu_model = entry["cpu_model"].get<std::string>();
      m.hwy_target = entry["hwy_target"].get<std::string>();
    }
    out.push_back(std::move(m));
  }
  return out;
}

nlohmann::json BaselineJson(const std::vector<CheckMetric>& metrics) {
  json j;
  j["format"] = "qlab-baseline";
  j["version"] = 1;
  j["about"] =
      "Written by `qlab check --update`. accuracy/*: tolerance is absolute; speed/*: tolerance is "
      "the fraction a within-run ratio may fall, compared only on the same cpu_model and "
      "hwy_target. Edit tolerances by hand; --update keeps them.";
  j["metrics"] = json::object();
  for (const auto& m : metrics) {
    json e;
    e["value"] = m.value;
    e["tolerance"] = m.tolerance;
    e["direction"] = m.direction;
    if (m.kind == "speed") {
      e["cpu_model"] = m.cpu_model;
      e["hwy_target"] = m.hwy_target;
    }
    j["metrics"][m.id] = std::move(e);
  }
  return j;
}

CheckOutcome CompareWithBaseline(const std::vector<CheckMetric>& baseline,
                                 const std::vector<CheckMetric>& current) {
  std::map<std::string, const CheckMetric*> now;
  for (const auto& m : current) now[m.id] = &m;
  CheckOutcome out;
  // One baseline metric against one current figure of it: the verdict.
  const auto judge = [](const CheckMetric& b, const CheckMetric& c, CheckRow& row) {
    row.current = c.is_null ? "null" : Num(c.value);
    if (b.kind == "speed" && (c.cpu_model != b.cpu_model || c.hwy_target != b.hwy_target)) {
      row.verdict = "skipped: different machine";
      return;
    }
    row.compared = true;
    if (c.is_null) {
      // A number in the baseline, null now: the figure became invalid or uncomputable.
      row.verdict = "REGRESSION: null now (" + c.null_reason + ")";
      row.regression = true;
      return;
    }
    const double margin = b.kind == "speed" ? b.value * b.tolerance : b.tolerance;
    const double low = b.value - margin, high = b.value + margin;
    // The band is closed, and its edges are the decimal ones a person reads: a value exactly
    // at baseline ± tolerance is inside even where the doubles round the other way
    // (0.7 + 0.1 is 0.7999999999999999 < 0.8). The slack covers the rounding of the decimal
    // inputs and of the sum, a few units in the last place of the numbers involved, far below
    // any tolerance one writes; a zero tolerance keeps exact equality.
    const double slack =
        margin > 0 ? 4 * DBL_EPSILON * (std::fabs(b.value) + std::fabs(c.value) + margin) : 0;
    const bool below = c.value < low - slack;
    const bool above = c.value > high + slack;
    const bool worse = (b.direction == "higher" && below) || (b.direction == "lower" && above) ||
                       (b.direction == "equal" && (below || above));
    if (worse) {
      row.verdict = "REGRESSION";
      row.regression = true;
    } else if (below || above) {
      row.verdict = "improved (run --update)";
    } else {
      row.verdict = "ok";
    }
  };
  for (const auto& b : baseline) {
    // The figures of b in the report: its own id, or, for a speed metric of a one-group
    // baseline, the same metric of every bench group of a report made from several files
    // ("ID@LABEL"): each group is judged against it, so merging runs cannot hide a slower one.
    std::vector<std::map<std::string, const CheckMetric*>::iterator> found;
    if (auto it = now.find(b.id); it != now.end()) {
      found.push_back(it);
    } else if (b.kind == "speed" && b.id.find('@') == std::string::npos) {
      const std::string prefix = b.id + "@";
      for (auto at = now.lower_bound(prefix);
           at != now.end() && at->first.compare(0, prefix.size(), prefix) == 0; ++at) {
        found.push_back(at);
      }
    }
    if (b.kind == "accuracy") {
      ++out.accuracy_in_baseline;
      if (!found.empty()) ++out.accuracy_found;
    }
    ++out.baseline_metrics;
    if (found.empty()) {
      CheckRow row{b.id, Num(b.value), "—", ToleranceText(b), "", false, false};
      if (b.kind == "speed") {
        row.verdict = "skipped: not measured";
        ++out.skipped;
      } else {
        row.verdict = "REGRESSION: missing";
        row.regression = true;
        ++out.regressions;
      }
      out.rows.push_back(std::move(row));
      continue;
    }
    bool compared = false;
    for (const auto& it : found) {
      CheckRow row{it->first, Num(b.value), "", ToleranceText(b), "", false, false};
      judge(b, *it->second, row);
      compared = compared || row.compared;
      if (!row.compared) {
        ++out.skipped;
        ++out.other_machine;
      }
      if (row.regression) ++out.regressions;
      out.rows.push_back(std::move(row));
      now.erase(it);
    }
    if (compared) ++out.compared;
  }
  for (const auto& m : current) {
    if (now.count(m.id) == 0) continue;
    out.rows.push_back(
        {m.id, "—", m.is_null ? "null" : Num(m.value), ToleranceText(m),
         m.is_null ? "new, null (" + m.null_reason + "): not gated" : "new (not in baseline)",
         false, false});
  }
  return out;
}

void RequireComparison(const CheckOutcome& outcome, const std::string& source) {
  if (outcome.accuracy_in_baseline > 0 && outcome.accuracy_found == 0) {
    throw io::InputError(
        source, fmt::format("holds none of the baseline's {} accuracy metrics (a report made "
                            "without --accuracy, or another pipeline's): the gate would judge "
                            "no accuracy at all",
                            outcome.accuracy_in_baseline));
  }
  if (outcome.compared == 0) {
    const int not_measured = outcome.skipped - outcome.other_machine;
    throw io::InputError(
        source,
        fmt::format("nothing to compare: none of the baseline's {} metrics is in this report as "
                    "measured on the baseline's machine ({} not measured: a report made with "
                    "--no-bench?; {} measured on another CPU or Highway target), and a gate that "
                    "compares nothing would pass any report",
                    outcome.baseline_metrics, not_measured, outcome.other_machine));
  }
}

CheckOutcome ConfirmSpeedRegressions(CheckOutcome first, const CheckOutcome& confirm) {
  std::map<std::string, const CheckRow*> second;
  for (const auto& row : confirm.rows) second[row.metric] = &row;
  first.regressions = 0;
  for (auto& row : first.rows) {
    if (row.regression && row.metric.rfind("speed/", 0) == 0) {
      const auto it = second.find(row.metric);
      const std::string again = it == second.end() ? "—" : it->second->current;
      if (it != second.end() && it->second->regression) {
        row.verdict += ", reproduced (" + again + ")";
      } else if (it == second.end() || !it->second->compared) {
        // A run that did not measure the metric (made with --no-bench, on another machine)
        // cannot excuse it: the regression stands.
        row.verdict += ", not measured in the confirming run (" +
                       (it == second.end() ? std::string("absent") : it->second->verdict) + ")";
      } else {
        row.regression = false;
        row.verdict = "ok: did not reproduce (" + again + " in the confirming run)";
      }
    }
    if (row.regression) ++first.regressions;
  }
  return first;
}

namespace {

// Columns line up by display width, as fmt measures it when it pads: code points, two columns for
// the East Asian wide ranges ("—" and "±" are several bytes of UTF-8 but one column). Every code
// point's UTF-8 takes at least as many bytes as it takes columns, so asking fmt to pad `text` to
// its byte count adds exactly size − width fill characters.
size_t DisplayWidth(const std::string& text) {
  const size_t padded = fmt::formatted_size("{:<{}}", text, text.size());
  return text.size() - (padded - text.size());
}

}  // namespace

std::string FormatCheckTable(const CheckOutcome& outcome) {
  std::vector<std::array<std::string, 5>> lines;
  lines.push_back({"metric", "baseline", "current", "tolerance", "verdict"});
  for (const auto& r : outcome.rows) {
    lines.push_back({r.metric, r.baseline, r.current, r.tolerance, r.verdict});
  }
  std::array<size_t, 5> width{};
  for (const auto& l : lines) {
    for (size_t i = 0; i < 5; ++i) width[i] = std::max(width[i], DisplayWidth(l[i]));
  }
  std::string out;
  for (const auto& l : lines) {
    // Two spaces between columns; the last one is not padded (no trailing blanks).
    for (size_t i = 0; i + 1 < 5; ++i) {
      fmt::format_to(std::back_inserter(out), "{:<{}}  ", l[i], width[i]);
    }
    out += l[4] + "\n";
  }
  const size_t checked = outcome.rows.size();
  out += fmt::format("{} metrics: {} regression(s), {} skipped\n", checked, outcome.regressions,
                     outcome.skipped);
  return out;
}

std::vector<CheckMetric> UpdatedBaseline(const std::vector<CheckMetric>& old,
                                         const std::vector<CheckMetric>& current,
                                         bool drop_unmeasured, std::vector<std::string>* changes) {
  std::map<std::string, const CheckMetric*> before;
  for (const auto& m : old) before[m.id] = &m;
  const auto note = [changes](std::string line) {
    if (changes != nullptr) changes->push_back(std::move(line));
  };
  std::vector<CheckMetric> out;
  std::map<std::string, std::string> null_now;  // id -> reason, for metrics `old` gates
  for (const auto& c : current) {
    auto it = before.find(c.id);
    if (c.is_null) {
      // A baseline never stores a null: there would be nothing to compare a later run with.
      if (it == before.end()) {
        note("not written (null: " + c.null_reason + ") " + c.id);
      } else {
        null_now[c.id] = c.null_reason;
      }
      continue;
    }
    CheckMetric m = c;
    if (it == before.end()) {
      note("added " + c.id + " = " + Num(c.value));
    } else {
      m.tolerance = it->second->tolerance;
      m.direction = it->second->direction;
      if (it->second->value != c.value || it->second->cpu_model != c.cpu_model ||
          it->second->hwy_target != c.hwy_target) {
        std::string change =
            "changed " + c.id + ": " + Num(it->second->value) + " -> " + Num(c.value);
        if (it->second->cpu_model != c.cpu_model || it->second->hwy_target != c.hwy_target) {
          change += " (now measured on " + c.cpu_model + ", " + c.hwy_target + ")";
        }
        note(change);
      }
      before.erase(it);
    }
    out.push_back(std::move(m));
  }
  // What `old` gates and `current` did not measure, in `old`'s order.
  for (const auto& m : old) {
    if (before.count(m.id) == 0) continue;
    const auto n = null_now.find(m.id);
    const std::string why = n == null_now.end() ? std::string("absent from the report")
                                                : "null in the report: " + n->second;
    if (drop_unmeasured) {
      note("removed " + m.id + " (" + why + ")");
    } else {
      note("kept " + m.id + " = " + Num(m.value) + " (" + why + ")");
      out.push_back(m);
    }
  }
  return out;
}

}  // namespace qlab::report
