// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Re-signed artifacts. At start-up a small synthetic data set is trained on and quantized with
// every scheme: one valid model.json and three valid quantized_model.json (seed, w8, w8a8). The
// fuzz input edits the numbers of one of them and SaveModel or QuantizedToJson writes it again,
// computing tensor_sha256 over the edited values (ModelDigest, QuantizedDigest: io::TensorDigest)
// as a determined editor could, so the checksum passes and the numeric checks, the predictions and
// the quantizers see the edited numbers. Then what `qlab predict` does (load, ReloadSplit, every
// kernel, RequireFinitePredictions) and what `qlab quantize` does (every scheme, SaveQuantized,
// EvaluateQuantized). Bad input must be an InputError; what passes must be finite. A finding, which
// aborts: any other exception, a figure that is not finite, an artifact whose finite edits were
// re-signed yet fail their checksum, and a quantized artifact `qlab quantize` wrote that does not
// load back to the same digest.
//
// The input is text, one line an edit (the seeds are in corpus/resigned/):
//   artifact = float | seed | w8 | w8a8   the artifact to edit (default: float, model.json)
//   FIELD OP VALUE       OP is =, *= or +=; VALUE as strtod reads it (1e308, -0, 5e-324, 0x1p-1074,
//                        inf, nan). FIELD is the artifact's JSON path, e.g. coef[3], intercept,
//                        scaler.scale[0], split.n_test, weights.scale, features[1].step,
//                        seed.coef.zero_point; [*] edits every element, an index wraps around.
//                        Integer fields take the value truncated and clamped to their type. An
//                        edit of a quantized artifact's float model clears float_model.dir (the
//                        origin folder, whose model.json the loader compares with it).
//   quantize.bits | quantize.calibration | quantize.fold | quantize.outliers |
//   quantize.bias_correction = VALUE      options of the quantize step (as its flags)
//   raw = 1              keep derived fields as edited; by default the seed dequantized values,
//                        zero_range and w8a8's correction are recomputed unless edited themselves
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "fuzz_input.h"
#include "qlab/data/dataset.h"
#include "qlab/data/split.h"
#include "qlab/io/atomic_file.h"
#include "qlab/model/artifact.h"
#include "qlab/model/linear_model.h"
#include "qlab/quant/artifact.h"
#include "qlab/quant/harness.h"
#include "qlab/quant/quantize.h"
#include "qlab/reference/metrics.h"

namespace {

using qlab::data::SplitData;
using qlab::io::InputError;
using qlab::model::LinearModel;
using qlab::model::Metrics;
using qlab::quant::QuantizedModel;
using qlab::quant::Scheme;
using qlab::quant::SeedTensor;

constexpr const char* kTarget = "MedHouseVal";
constexpr Scheme kSchemes[] = {Scheme::kSeed, Scheme::kW8, Scheme::kW8A8};
constexpr size_t kMaxEdits = 64;

[[noreturn]] void Finding(const std::string& what) {
  std::fprintf(stderr, "fuzz: %s\n", what.c_str());
  std::abort();
}

// ---- the valid artifacts, made once
// ---------------------------------------------------------------

struct Base {
  std::string model_dir;
  LinearModel model;
  std::vector<QuantizedModel> quantized;  // in kSchemes order
};

// 48 rows with the California Housing columns, MedHouseVal linear in the features plus noise.
std::string SyntheticCsv() {
  uint64_t state = 0x2545f4914f6cdd1dULL;
  const auto uniform = [&state](double lo, double hi) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return lo + (hi - lo) * static_cast<double>(state >> 11) * 0x1p-53;
  };
  std::string csv =
      "MedInc,HouseAge,AveRooms,AveBedrms,Population,AveOccup,Latitude,Longitude,MedHouseVal\n";
  for (int i = 0; i < 48; ++i) {
    const double inc = uniform(0.5, 15), age = std::floor(uniform(1, 53)), rooms = uniform(2, 9),
                 bedrooms = uniform(0.8, 1.5), population = std::floor(uniform(100, 5000)),
                 occupancy = uniform(1.5, 5), latitude = uniform(32.5, 42),
                 longitude = uniform(-124.3, -114.3);
    const double value = 0.45 * inc + 0.01 * age - 0.1 * rooms + 0.6 * bedrooms +
                         1e-5 * population - 0.3 * occupancy - 0.4 * (latitude - 36) -
                         0.4 * (longitude + 119) + uniform(-0.3, 0.3);
    char line[256];
    std::snprintf(line, sizeof line, "%.4f,%.0f,%.4f,%.4f,%.0f,%.4f,%.4f,%.4f,%.5f\n", inc, age,
                  rooms, bedrooms, population, occupancy, latitude, longitude, value);
    csv += line;
  }
  return csv;
}

Base MakeBase() {
  const auto& scratch = qlab::fuzz::Scratch();
  Base base;
  try {
    const std::string csv = SyntheticCsv();
    const std::string data_path =
        scratch.Write("data.csv", reinterpret_cast<const uint8_t*>(csv.data()), csv.size());
    const SplitData split =
        qlab::data::MakeSplit(qlab::data::LoadDataset(data_path, kTarget, ""), 0.2, 42);
    LinearModel model = qlab::model::Train(split, "svd");
    model.test_size = 0.2;
    model.seed = 42;
    base.model_dir = (scratch.path() / "base").string();
    qlab::model::SaveModel(model, base.model_dir);
    base.model = qlab::model::LoadModel(base.model_dir);
    for (const Scheme scheme : kSchemes) {
      qlab::quant::QuantizeOptions options;
      options.scheme = scheme;
      options.calibration = qlab::quant::DefaultCalibration(scheme);
      QuantizedModel q = qlab::quant::Quantize(base.model, split.X_train, options);
      q.float_model_dir = base.model_dir;
      const std::string dir =
          (scratch.path() / ("base_" + qlab::quant::SchemeName(scheme))).string();
      qlab::quant::SaveQuantized(q, dir);
      base.quantized.push_back(qlab::quant::LoadQuantized(dir));
    }
  } catch (const std::exception& e) {
    Finding(std::string("cannot make the valid artifacts: ") + e.what());
  }
  return base;
}

const Base& TheBase() {
  static const Base* base = new Base(MakeBase());
  return *base;
}

// ---- the edit script
// ------------------------------------------------------------------------------

struct Edit {
  std::string key;  // the field with its index taken out: "coef[]", "features[].step", "bias"
  bool all = false;
  size_t index = 0;
  char op = '=';  // '=', '*' or '+'
  double value = 0;
};

struct Script {
  std::optional<Scheme> artifact;  // empty: model.json
  bool repair = true;
  qlab::quant::QuantizeOptions quantize;
  std::optional<qlab::quant::Calibration> calibration;  // empty: each scheme's default
  std::vector<Edit> edits;
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::optional<double> ParseValue(std::string_view text) {
  const std::string s(text);
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return std::nullopt;
  return value;
}

// "features[12].step" → key "features[].step", index 12; "coef[*]" → "coef[]", all. False for a
// malformed index.
bool SplitIndex(std::string_view field, Edit& edit) {
  const size_t open = field.find('[');
  if (open == std::string_view::npos) {
    edit.key = std::string(field);
    return true;
  }
  const size_t close = field.find(']', open);
  if (close == std::string_view::npos) return false;
  const std::string_view index = field.substr(open + 1, close - open - 1);
  if (index == "*") {
    edit.all = true;
  } else {
    if (index.empty() || index.size() > 9) return false;
    for (const char c : index) {
      if (c < '0' || c > '9') return false;
      edit.index = edit.index * 10 + static_cast<size_t>(c - '0');
    }
  }
  edit.key = std::string(field.substr(0, open + 1)) + std::string(field.substr(close));
  return true;
}

// Lines that do not parse are skipped, so a mutation spoils one edit rather than the input.
Script ParseScript(const uint8_t* data, size_t size) {
  Script script;
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  while (!rest.empty() && script.edits.size() < kMaxEdits) {
    const size_t eol = rest.find('\n');
    const std::string_view line = Trim(rest.substr(0, eol));
    rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 1);
    if (line.empty() || line.front() == '#') continue;
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    char op = '=';
    size_t field_end = eq;
    if (eq > 0 && (line[eq - 1] == '*' || line[eq - 1] == '+')) {
      op = line[eq - 1];
      field_end = eq - 1;
    }
    std::string_view field = Trim(line.substr(0, field_end));
    const std::string value_text(Trim(line.substr(eq + 1)));
    if (field == "artifact") {
      if (value_text == "float") {
        script.artifact.reset();
      } else if (const auto scheme = qlab::quant::ParseScheme(value_text)) {
        script.artifact = *scheme;
      }
      continue;
    }
    if (field == "quantize.calibration") {
      script.calibration = qlab::quant::ParseCalibration(value_text);
      continue;
    }
    if (field == "quantize.fold") {
      if (const auto fold = qlab::quant::ParseFold(value_text)) script.quantize.fold = *fold;
      continue;
    }
    if (field == "quantize.outliers") {
      if (const auto outliers = qlab::quant::ParseOutliers(value_text)) {
        script.quantize.outliers = *outliers;
      }
      continue;
    }
    const std::optional<double> value = ParseValue(value_text);
    if (!value) continue;
    if (field == "raw") {
      script.repair = *value == 0;
      continue;
    }
    if (field == "quantize.bias_correction") {
      script.quantize.bias_correction = *value != 0;
      continue;
    }
    if (field == "quantize.bits") {
      script.quantize.bits = std::isfinite(*value) && std::abs(*value) < 1e6
                                 ? static_cast<int>(*value)
                                 : qlab::quant::kMaxBits + 1;
      continue;
    }
    if (field.substr(0, 12) == "float_model.") field.remove_prefix(12);
    Edit edit;
    edit.op = op;
    edit.value = *value;
    if (SplitIndex(field, edit)) script.edits.push_back(edit);
  }
  return script;
}

// Applies one edit to the fields it names; remembers whether a value it wrote is not finite.
class Editor {
 public:
  explicit Editor(const Edit& edit) : edit_(edit) {}

  template <typename T>
  void Scalar(T& x) {
    const double current = static_cast<double>(x);
    double next = edit_.value;
    if (edit_.op == '*') next = current * edit_.value;
    if (edit_.op == '+') next = current + edit_.value;
    if constexpr (std::is_same_v<T, bool>) {
      x = next != 0;
    } else if constexpr (std::is_floating_point_v<T>) {
      x = static_cast<T>(next);
      if (!std::isfinite(x)) nonfinite_ = true;
    } else {
      // Truncated and clamped: the limits as doubles (2^63 for int64's maximum) are compared so
      // that the cast below is always in range.
      constexpr double lo = static_cast<double>(std::numeric_limits<T>::min());
      constexpr double hi = static_cast<double>(std::numeric_limits<T>::max());
      if (std::isnan(next)) {
        x = 0;
      } else if (next <= lo) {
        x = std::numeric_limits<T>::min();
      } else if (next >= hi) {
        x = std::numeric_limits<T>::max();
      } else {
        x = static_cast<T>(next);
      }
    }
    matched_ = true;
  }

  // Calls f(i) for the elements of a list of n the edit selects.
  template <typename F>
  void ForEach(size_t n, F f) {
    if (n == 0) return;
    if (!edit_.all) return f(edit_.index % n);
    for (size_t i = 0; i < n; ++i) f(i);
  }

  template <typename V>
  void Elements(V& v) {
    ForEach(static_cast<size_t>(v.size()), [&](size_t i) { Scalar(v[i]); });
  }

  const std::string& key() const { return edit_.key; }
  bool matched() const { return matched_; }
  bool nonfinite() const { return nonfinite_; }

 private:
  const Edit& edit_;
  bool matched_ = false;
  bool nonfinite_ = false;
};

void EditModel(LinearModel& m, Editor& e) {
  const std::string& k = e.key();
  if (k == "split.test_size") e.Scalar(m.test_size);
  if (k == "split.seed") e.Scalar(m.seed);
  if (k == "split.n_train") e.Scalar(m.n_train);
  if (k == "split.n_test") e.Scalar(m.n_test);
  if (k == "scaler.mean[]") e.Elements(m.scaler_mean);
  if (k == "scaler.scale[]") e.Elements(m.scaler_scale);
  if (k == "coef[]") e.Elements(m.coef);
  if (k == "intercept") e.Scalar(m.intercept);
  if (k == "condition_number") e.Scalar(m.condition_number);
  if (k == "metrics.train.r2") e.Scalar(m.train.r2);
  if (k == "metrics.train.mse") e.Scalar(m.train.mse);
  if (k == "metrics.train.mae") e.Scalar(m.train.mae);
  if (k == "metrics.test.r2") e.Scalar(m.test.r2);
  if (k == "metrics.test.mse") e.Scalar(m.test.mse);
  if (k == "metrics.test.mae") e.Scalar(m.test.mae);
}

void EditSeedTensor(SeedTensor& t, const std::string& prefix, Editor& e) {
  const std::string& k = e.key();
  if (k == prefix + "codes[]") e.Elements(t.codes);
  if (k == prefix + "scale") e.Scalar(t.scale);
  if (k == prefix + "zero_point") e.Scalar(t.zero_point);
  if (k == prefix + "zero_range") e.Scalar(t.zero_range);
  if (k == prefix + "dequantized[]") e.Elements(t.dequantized);
}

// True when the edit was to the embedded float model.
bool EditQuantized(QuantizedModel& q, Editor& e) {
  EditModel(q.float_model, e);
  if (e.matched()) return true;
  EditSeedTensor(q.seed_coef, "seed.coef.", e);
  EditSeedTensor(q.seed_intercept, "seed.intercept.", e);
  const std::string& k = e.key();
  if (k == "bits") e.Scalar(q.bits);
  if (k == "calibration.percentile") e.Scalar(q.calibration.percentile);
  if (k == "bias_correction") e.Scalar(q.bias_correction);
  if (k == "weights.codes[]") e.Elements(q.weights);
  if (k == "weights.scale") e.Scalar(q.weight_scale);
  if (k == "correction") e.Scalar(q.correction);
  if (k == "bias") e.Scalar(q.bias);
  const auto feature = [&](auto member) {
    e.ForEach(q.features.size(), [&](size_t i) { e.Scalar(q.features[i].*member); });
  };
  using F = qlab::quant::FeatureQuantizer;
  if (k == "features[].center") feature(&F::center);
  if (k == "features[].step") feature(&F::step);
  if (k == "features[].zero_point") feature(&F::zero_point);
  if (k == "features[].calibrated_lo") feature(&F::calibrated_lo);
  if (k == "features[].calibrated_hi") feature(&F::calibrated_hi);
  if (k == "features[].degenerate") feature(&F::degenerate);
  return false;
}

// The fields the loader cross-checks against others, recomputed from them as the quantizer
// computes them, unless the script edited them itself.
void Repair(QuantizedModel& q, const std::set<std::string>& edited) {
  for (auto [t, prefix] : {std::pair<SeedTensor*, std::string>{&q.seed_coef, "seed.coef."},
                           {&q.seed_intercept, "seed.intercept."}}) {
    if (edited.count(prefix + "zero_range") == 0) t->zero_range = t->scale == 0;
    if (edited.count(prefix + "dequantized[]") == 0) {
      const float scale = static_cast<float>(t->scale);
      for (size_t i = 0; i < t->codes.size() && i < t->dequantized.size(); ++i) {
        const auto steps = static_cast<float>(int64_t{t->codes[i]} - int64_t{t->zero_point});
        t->dequantized[i] = t->zero_range ? 0.0f : static_cast<float>(steps * scale);
      }
    }
  }
  if (q.scheme == Scheme::kW8A8 && edited.count("correction") == 0) {
    int64_t correction = 0;
    for (size_t f = 0; f < q.features.size() && f < q.weights.size(); ++f) {
      correction += int64_t{q.weights[f]} * int64_t{q.features[f].zero_point};
    }
    q.correction = static_cast<int32_t>(std::clamp<int64_t>(
        correction, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()));
  }
}

// ---- what the commands do with the artifact
// -------------------------------------------------------

bool Finite(const Metrics& m) {
  return std::isfinite(m.r2) && std::isfinite(m.mse) && std::isfinite(m.mae);
}

// A result object of EvaluateQuantized: every number in it finite.
void RequireFiniteJson(const nlohmann::json& j, const std::string& where) {
  if (j.is_number_float() && !std::isfinite(j.get<double>())) {
    Finding(where + ": a figure that is not finite: " + j.dump());
  }
  if (j.is_null()) Finding(where + ": a null figure");
  if (j.is_structured()) {
    for (const auto& item : j) RequireFiniteJson(item, where);
  }
}

// A load of an artifact its writer has just re-signed: when every edited value is finite (so
// JSON can hold it), a refusal by the checksum means the writer and the reader disagree.
template <typename Load>
auto LoadResigned(Load load, bool finite_edits) {
  try {
    return load();
  } catch (const InputError& e) {
    if (finite_edits && std::string_view(e.what()).find("'tensor_sha256'") != std::string::npos) {
      Finding("a re-signed artifact with finite values fails its own checksum: " + e.Format());
    }
    throw;
  }
}

// `qlab predict --kernel NAME`: the test predictions and their metrics, refused when not finite.
template <typename Predict>
void PredictWith(const std::string& kernel, const SplitData& split, const std::string& source,
                 Predict predict) {
  qlab::fuzz::ExpectOnlyInputErrors([&] {
    const Eigen::VectorXd p = predict();
    const Metrics m{qlab::reference::R2Score(split.y_test, p),
                    qlab::reference::MeanSquaredError(split.y_test, p),
                    qlab::reference::MeanAbsoluteError(split.y_test, p)};
    qlab::model::RequireFinitePredictions(p, m, source);
    if (p.size() != split.y_test.size() || !p.allFinite() || !Finite(m)) {
      Finding("kernel " + kernel + ": a prediction or metric that is not finite passed");
    }
  });
}

// The float kernels, and the quantized ones as predict runs them on a float model: quantized on
// the spot with the scheme's defaults.
void PredictFloat(const LinearModel& model, const SplitData& split, const std::string& source) {
  PredictWith("ref", split, source, [&] { return model.Predict(split.X_test); });
  PredictWith("f32", split, source, [&] { return model.PredictF32(split.X_test); });
  for (const Scheme scheme : kSchemes) {
    PredictWith(qlab::quant::SchemeName(scheme), split, source, [&] {
      qlab::quant::QuantizeOptions options;
      options.scheme = scheme;
      options.calibration = qlab::quant::DefaultCalibration(scheme);
      return qlab::quant::RunQuantized(qlab::quant::Quantize(model, split.X_train, options),
                                       split.X_test)
          .y;
    });
  }
}

void Evaluate(const QuantizedModel& q, const SplitData& split, const std::string& dir) {
  RequireFiniteJson(qlab::quant::EvaluateQuantized(q, split, dir),
                    "EvaluateQuantized, scheme " + qlab::quant::SchemeName(q.scheme));
}

// `qlab quantize` with every scheme: quantize, save, evaluate. When that succeeds (a failed
// command takes its output back), what it saved must load back to the same digest.
void QuantizeEveryScheme(const LinearModel& model, const std::string& model_dir,
                         const SplitData& split, const Script& script) {
  const std::string out = (qlab::fuzz::Scratch().path() / "quantized").string();
  for (const Scheme scheme : kSchemes) {
    qlab::fuzz::ExpectOnlyInputErrors([&] {
      qlab::quant::QuantizeOptions options = script.quantize;
      options.scheme = scheme;
      options.calibration = script.calibration.value_or(qlab::quant::DefaultCalibration(scheme));
      QuantizedModel q = qlab::quant::Quantize(model, split.X_train, options);
      q.float_model_dir = model_dir;
      qlab::quant::SaveQuantized(q, out);
      Evaluate(q, split, out);
      try {
        const QuantizedModel loaded = qlab::quant::LoadQuantized(out);
        if (qlab::quant::QuantizedDigest(loaded) != qlab::quant::QuantizedDigest(q)) {
          Finding("quantized_model.json does not load back to what was saved");
        }
      } catch (const std::exception& e) {
        Finding("scheme " + qlab::quant::SchemeName(scheme) +
                ": quantize wrote an artifact that does not load: " + e.what());
      }
    });
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Base& base = TheBase();
  const auto& scratch = qlab::fuzz::Scratch();
  const Script script = ParseScript(data, size);
  const std::string dir = (scratch.path() / "edited").string();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);  // model.json and quantized_model.json never side by side

  std::set<std::string> edited;
  bool finite_edits = true;
  QuantizedModel q;
  LinearModel m = base.model;
  if (script.artifact) {
    q = base.quantized[static_cast<size_t>(*script.artifact)];
  }
  for (const Edit& edit : script.edits) {
    Editor editor(edit);
    if (script.artifact) {
      // The loader compares the embedded float model with the model.json of the folder it
      // records as its origin; an editor who changes the one re-signs without the other.
      if (EditQuantized(q, editor)) q.float_model_dir.clear();
    } else {
      EditModel(m, editor);
    }
    if (editor.matched()) edited.insert(edit.key);
    if (editor.nonfinite()) finite_edits = false;
  }
  if (script.artifact && script.repair) Repair(q, edited);

  // Re-signed as the writers sign (SaveModel; QuantizedToJson, written as is: SaveQuantized
  // refuses a model its loader would, and these edits are meant to reach the loader).
  try {
    if (script.artifact) {
      qlab::io::EnsureDirectory(dir);
      qlab::io::WriteFileAtomically(
          (std::filesystem::path(dir) / qlab::quant::kQuantizedFileName).string(),
          qlab::quant::QuantizedToJson(q).dump(2) + "\n");
    } else {
      qlab::model::SaveModel(m, dir);
    }
  } catch (const std::exception& e) {
    Finding(std::string("cannot save the edited artifact: ") + e.what());
  }

  qlab::fuzz::ExpectOnlyInputErrors([&] {
    if (!script.artifact) {
      const std::string source =
          (std::filesystem::path(dir) / qlab::model::kModelFileName).string();
      const LinearModel model =
          LoadResigned([&] { return qlab::model::LoadModel(dir); }, finite_edits);
      const SplitData split = qlab::model::ReloadSplit(model, "", "", "");
      PredictFloat(model, split, source);
      QuantizeEveryScheme(model, dir, split, script);
      return;
    }
    const std::string source =
        (std::filesystem::path(dir) / qlab::quant::kQuantizedFileName).string();
    const QuantizedModel loaded =
        LoadResigned([&] { return qlab::quant::LoadQuantized(dir); }, finite_edits);
    const SplitData split = qlab::model::ReloadSplit(loaded.float_model, "", "", "");
    PredictWith("ref", split, source, [&] { return loaded.float_model.Predict(split.X_test); });
    PredictWith("f32", split, source, [&] { return loaded.float_model.PredictF32(split.X_test); });
    PredictWith(qlab::quant::SchemeName(loaded.scheme), split, source,
                [&] { return qlab::quant::RunQuantized(loaded, split.X_test).y; });
    qlab::fuzz::ExpectOnlyInputErrors([&] { Evaluate(loaded, split, dir); });
    QuantizeEveryScheme(loaded.float_model, "", split, script);  // in no model folder
  });
  return 0;
}
