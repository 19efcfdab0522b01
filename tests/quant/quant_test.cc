// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Quantization on data the tests make: every scheme, calibration, fold and bit width 2..8; the
// integer path against a scalar integer reference (bit for bit) and against Eigen in double;
// artifact round trips; degenerate ranges; numpy's percentile.
#define BOOST_TEST_MODULE lab_quant
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/input_error.h"
#include "qlab/io/atomic_file.h"
#include "qlab/io/input_error.h"
#include "qlab/kernels.h"
#include "qlab/quant/artifact.h"
#include "qlab/quant/calibration.h"
#include "qlab/quant/harness.h"
#include "qlab/quant/quantize.h"
#include "qlab/reference/kernels.h"
#include "qlab/reference/scaler.h"

namespace {

using qlab::data::SplitData;
using qlab::model::LinearModel;
using qlab::quant::Calibration;
using qlab::quant::Fold;
using qlab::quant::QuantizedModel;
using qlab::quant::QuantizedRun;
using qlab::quant::QuantizeOptions;
using qlab::quant::Scheme;

// Columns of very different scales and shapes: uniform, heavy-tailed (lognormal), integer-valued,
// and large offsets (like California's longitude), so that ranges, outliers and offsets all occur.
Eigen::MatrixXd MakeFeatures(int rows, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(-1, 1);
  std::lognormal_distribution<double> lognormal(0.5, 0.9);
  std::uniform_int_distribution<int> ages(1, 52);
  Eigen::MatrixXd X(rows, 5);
  for (int i = 0; i < rows; ++i) {
    X(i, 0) = 3 * uniform(rng);
    X(i, 1) = lognormal(rng);
    X(i, 2) = ages(rng);
    X(i, 3) = -119.5 + 2 * uniform(rng);
    X(i, 4) = 1500 + 900 * uniform(rng) * uniform(rng);
  }
  return X;
}

// A float model as the pipeline would fit it, with the coefficients given.
LinearModel MakeModel(const Eigen::MatrixXd& X_train, const std::vector<double>& coef,
                      double intercept) {
  LinearModel m;
  m.data_kind = "csv";
  m.data_path = "/synthetic.csv";
  m.data_sha256 = std::string(64, '0');
  m.target_name = "y";
  for (Eigen::Index j = 0; j < X_train.cols(); ++j) {
    m.feature_names.push_back(std::string("f") + std::to_string(j));
  }
  const auto fit = qlab::reference::FitStandardScaler(X_train);
  m.scaler_mean = fit.mean;
  m.scaler_scale = fit.scale;
  m.coef = Eigen::Map<const Eigen::VectorXd>(coef.data(), static_cast<Eigen::Index>(coef.size()));
  m.intercept = intercept;
  m.solver = "svd";
  m.condition_number = 1;
  return m;
}

SplitData MakeSplitData(const LinearModel& m, const Eigen::MatrixXd& X_train,
                        const Eigen::MatrixXd& X_test) {
  SplitData s;
  s.X_train = X_train;
  s.X_test = X_test;
  s.y_train = m.Predict(X_train);
  s.y_test = m.Predict(X_test) + Eigen::VectorXd::LinSpaced(X_test.rows(), -0.3, 0.3);
  return s;
}

std::vector<Calibration> AllCalibrations() {
  std::vector<Calibration> out;
  for (const char* text : {"minmax", "percentile:99.99", "percentile:99", "percentile:90", "mse"}) {
    out.push_back(*qlab::quant::ParseCalibration(text));
  }
  return out;
}

// Every number in the document is finite; nlohmann writes NaN and Inf as null, so no null either.
void CheckAllFinite(const nlohmann::json& j, const std::string& where) {
  if (j.is_number_float()) {
    BOOST_TEST(std::isfinite(j.get<double>()), where);
  } else if (j.is_null()) {
    BOOST_TEST(false, where << " is null (a NaN or Inf would be)");
  } else if (j.is_array() || j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      CheckAllFinite(*it, where + "/" + (j.is_object() ? it.key() : std::string("[]")));
    }
  }
}

// The integer path against qlab::reference's scalar kernels: the codes (QuantizeU8 on the shifted
// f32 features, saturated at 2^bits − 1), the accumulators bit for bit (and against an int64
// loop), the float step within 1 ulp; and the prediction within 1e-6 relative of the same
// computation in double with Eigen on the dequantized weights.
void CheckIntegerPath(const QuantizedModel& q, const QuantizedRun& run, const Eigen::MatrixXd& X,
                      const std::string& what) {
  const size_t k = q.num_features();
  const size_t rows = static_cast<size_t>(run.y.size());
  const int64_t top = qlab::quant::CodeMax(q.bits);
  BOOST_REQUIRE_EQUAL(run.codes.size(), rows * k);
  BOOST_REQUIRE_EQUAL(run.acc.size(), rows);
  BOOST_REQUIRE_EQUAL(run.clipped.size(), rows);
  BOOST_REQUIRE_EQUAL(run.clipped_per_feature.size(), k);
  size_t bad_code = 0;
  // Clipping as defined: the unsaturated code, in double, of every value outside the code range.
  std::vector<bool> clipped(rows, false);
  std::vector<int64_t> clipped_per_feature(k, 0);
  for (size_t i = 0; i < rows; ++i) {
    for (size_t j = 0; j < k; ++j) {
      const auto& f = q.features[j];
      const float shifted = static_cast<float>(
          X(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) - f.center);
      const int64_t code =
          std::min<int64_t>(qlab::reference::QuantizeU8(shifted, f.step, f.zero_point), top);
      if (code != run.codes[i * k + j]) ++bad_code;
      const double unsaturated =
          std::nearbyint(static_cast<double>(shifted) / f.step) + f.zero_point;
      if (!(unsaturated >= 0 && unsaturated <= static_cast<double>(top))) {
        clipped[i] = true;
        ++clipped_per_feature[j];
      }
    }
  }
  BOOST_TEST(run.clipped == clipped, what << ": clipped rows differ from the check of every value");
  // The outlier policy: under float exactly the clipped rows are scored again, each with the
  // float model's fixed-order f64 score, bit for bit; under clip none. The integer checks below
  // run on what the integer path gave every row (fallback_integer_y for the re-scored ones).
  std::vector<size_t> want_fallback;
  if (q.outliers == qlab::quant::Outliers::kFloat) {
    for (size_t i = 0; i < rows; ++i) {
      if (clipped[i]) want_fallback.push_back(i);
    }
  }
  BOOST_TEST(run.fallback_rows == want_fallback,
             what << ": fallback rows are not the clipped rows");
  BOOST_REQUIRE_EQUAL(run.fallback_integer_y.size(), run.fallback_rows.size());
  Eigen::VectorXd y_int = run.y;
  size_t bad_fallback = 0;
  for (size_t r = 0; r < run.fallback_rows.size(); ++r) {
    const auto i = static_cast<Eigen::Index>(run.fallback_rows[r]);
    y_int[i] = run.fallback_integer_y[r];
    std::vector<double> x(k);
    for (size_t j = 0; j < k; ++j) x[j] = X(i, static_cast<Eigen::Index>(j));
    const double want = qlab::reference::LinearScoreF64(
        x.data(), k, q.float_model.scaler_mean.data(), q.float_model.scaler_scale.data(),
        q.float_model.coef.data(), q.float_model.intercept);
    if (std::bit_cast<uint64_t>(run.y[i]) != std::bit_cast<uint64_t>(want)) ++bad_fallback;
  }
  BOOST_TEST(bad_fallback == 0u, what << ": fallback rows not scored by LinearScoreF64");
  // At bits <= 4 the gemv read the codes packed two per byte.
  if (qlab::quant::PacksFeatureCodes(q.bits)) {
    std::vector<uint8_t> packed(rows * qlab::kernels::PackedRowBytesU4(k));
    if (rows > 0) qlab::reference::PackU4(run.codes.data(), rows, k, packed.data());
    BOOST_TEST(run.packed_codes == packed, what << ": packed codes differ from reference::PackU4");
  } else {
    BOOST_TEST(run.packed_codes.empty(), what << ": codes packed at more than 4 bits");
  }
  BOOST_TEST(run.clipped_per_feature == clipped_per_feature,
             what << ": clipped values per feature differ from the check of every value");
  std::vector<int32_t> acc_ref(rows);
  std::vector<float> y_ref(rows);
  std::vector<float> y_fused(rows);
  if (rows > 0) {
    qlab::reference::GemvU8I8Acc(run.codes.data(), rows, k, q.weights.data(), acc_ref.data());
    qlab::reference::GemvU8I8(run.codes.data(), rows, k, q.weights.data(),
                              static_cast<float>(q.weight_scale), q.correction,
                              static_cast<float>(q.bias), y_ref.data());
    // The output step RunQuantized applies to the accumulators is the fused kernel's, bit for bit.
    qlab::kernels::GemvU8I8(run.codes.data(), rows, k, q.weights.data(),
                            static_cast<float>(q.weight_scale), q.correction,
                            static_cast<float>(q.bias), y_fused.data());
  }
  size_t bad_fused = 0;
  for (size_t i = 0; i < rows; ++i) {
    const float y = static_cast<float>(y_int[static_cast<Eigen::Index>(i)]);
    if (std::bit_cast<uint32_t>(y) != std::bit_cast<uint32_t>(y_fused[i])) ++bad_fused;
  }
  BOOST_TEST(bad_fused == 0u, what << ": predictions not bit-identical to kernels::GemvU8I8");
  const Eigen::VectorXd y_double = qlab::quant::PredictDoubleFromRun(q, run);
  const double scale = static_cast<float>(q.weight_scale);
  size_t bad_acc = 0, bad_ulp = 0, bad_rel = 0;
  for (size_t i = 0; i < rows; ++i) {
    int64_t acc = 0;
    for (size_t j = 0; j < k; ++j) acc += int64_t{run.codes[i * k + j]} * q.weights[j];
    if (acc != run.acc[i] || acc_ref[i] != run.acc[i]) ++bad_acc;
    const float y = static_cast<float>(y_int[static_cast<Eigen::Index>(i)]);
    const float ulp = std::nextafter(std::abs(y_ref[i]), INFINITY) - std::abs(y_ref[i]);
    if (!(std::abs(y - y_ref[i]) <= ulp)) ++bad_ulp;
    // Relative to the magnitude of the terms summed: a prediction near 0 that cancels a large
    // bias has a relative error no f32 computation can bound by its own size.
    const double yd = y_double[static_cast<Eigen::Index>(i)];
    const double magnitude =
        std::max({std::abs(static_cast<double>(static_cast<float>(q.bias))),
                  std::abs(scale * static_cast<double>(acc - q.correction)), std::abs(yd)});
    if (!(std::abs(static_cast<double>(y) - yd) <= 1e-6 * magnitude)) {
      if (bad_rel == 0) {
        BOOST_TEST_MESSAGE(what << " row " << i << ": " << y << " vs " << yd << " (acc " << acc
                                << ", correction " << q.correction << ", scale " << scale
                                << ", bias " << q.bias << ")");
      }
      ++bad_rel;
    }
  }
  BOOST_TEST(bad_code == 0u, what << ": codes differing from reference::QuantizeU8");
  BOOST_TEST(bad_acc == 0u, what << ": accumulators differing from the scalar reference");
  BOOST_TEST(bad_ulp == 0u, what << ": predictions more than 1 ulp from the reference float step");
  BOOST_TEST(bad_rel == 0u, what << ": predictions beyond 1e-6 relative of Eigen in double");
}

// w8: GemvF32 against the same dot in double (the f32 features and weights widened).
void CheckFloatPath(const QuantizedModel& q, const QuantizedRun& run, const std::string& what) {
  const Eigen::VectorXd y_double = qlab::quant::PredictDoubleFromRun(q, run);
  const size_t k = q.num_features();
  const Eigen::VectorXd coef = qlab::quant::DequantizedCoef(q);
  size_t bad = 0;
  for (Eigen::Index i = 0; i < run.y.size(); ++i) {
    double magnitude = std::abs(static_cast<double>(static_cast<float>(q.bias)));
    for (size_t j = 0; j < k; ++j) {
      magnitude += std::abs(static_cast<double>(run.features_f32[static_cast<size_t>(i) * k + j]) *
                            coef[static_cast<Eigen::Index>(j)]);
    }
    if (!(std::abs(run.y[i] - y_double[i]) <= 1e-6 * std::max(magnitude, 1e-30))) ++bad;
  }
  BOOST_TEST(bad == 0u, what << ": w8 predictions beyond 1e-6 relative of Eigen in double");
}

std::string TempDir(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("qlab_quant_test_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(dir);
  return dir.string();
}

void CheckRoundTrip(const QuantizedModel& q, const Eigen::MatrixXd& X_test, const QuantizedRun& run,
                    const std::string& what) {
  const std::string dir = TempDir("roundtrip");
  qlab::quant::SaveQuantized(q, dir);
  const QuantizedModel back = qlab::quant::LoadQuantized(dir);
  BOOST_TEST(qlab::quant::QuantizedToJson(back) == qlab::quant::QuantizedToJson(q), what);
  const QuantizedRun again = qlab::quant::RunQuantized(back, X_test);
  BOOST_TEST((again.y.array() == run.y.array()).all(), what << ": predictions after reload");
  std::filesystem::remove_all(dir);
}

}  // namespace

BOOST_AUTO_TEST_CASE(percentile_matches_numpy_linear) {
  // numpy 1.24: np.percentile(a, p) for these values.
  const std::vector<double> a = {3.5, -1.25, 7.0, 0.1, 2.2, 9.75, -4.0, 5.5, 0.3, 1.0, 8.125};
  const std::vector<std::pair<double, double>> expected = {{0, -4.0},
                                                           {0.01, -3.99725},
                                                           {1, -3.725},
                                                           {25, 0.2},
                                                           {33.3, 0.5309999999999997},
                                                           {50, 2.2},
                                                           {75, 6.25},
                                                           {99, 9.5875},
                                                           {99.99, 9.748374999999998},
                                                           {100, 9.75}};
  for (const auto& [p, value] : expected) {
    BOOST_TEST(qlab::quant::PercentileLinear(a, p) == value, "p = " << p);
  }
  const std::vector<double> b = {0.1, 0.2, 0.7};
  BOOST_TEST(qlab::quant::PercentileLinear(b, 10) == 0.12000000000000001);
  BOOST_TEST(qlab::quant::PercentileLinear(b, 55) == 0.25000000000000006);
  BOOST_TEST(qlab::quant::PercentileLinear(b, 99.9) == 0.6990000000000001);
  BOOST_TEST(qlab::quant::PercentileLinear({}, 50) == 0.0);
  BOOST_TEST(qlab::quant::PercentileLinear({4.5}, 99) == 4.5);
}

BOOST_AUTO_TEST_CASE(parsing_names_and_calibrations) {
  BOOST_TEST(qlab::quant::ParseScheme("w8a8").has_value());
  BOOST_TEST(!qlab::quant::ParseScheme("int4").has_value());
  BOOST_TEST(qlab::quant::ParseCalibration("percentile:99.99")->percentile == 99.99);
  BOOST_TEST(qlab::quant::ParseCalibration("percentile:99.99")->Name() == "percentile:99.99");
  BOOST_TEST(qlab::quant::ParseCalibration("mse")->Name() == "mse");
  for (const char* bad : {"percentile:", "percentile:50", "percentile:101", "percentile:nan",
                          "percentile:99x", "percentile:inf", "max", ""}) {
    BOOST_TEST(!qlab::quant::ParseCalibration(bad).has_value(), bad);
  }
  BOOST_TEST(qlab::quant::ParseFold("zero-point").has_value());
  BOOST_TEST(!qlab::quant::ParseFold("magic").has_value());
}

BOOST_AUTO_TEST_CASE(sqnr_is_capped_never_infinite) {
  const Eigen::VectorXd a = Eigen::VectorXd::LinSpaced(10, 1, 2);
  BOOST_TEST(qlab::quant::SqnrDb(a, a) == qlab::quant::kSqnrCapDb);
  BOOST_TEST(qlab::quant::SqnrDb(Eigen::VectorXd::Zero(3), Eigen::VectorXd::Ones(3)) ==
             -qlab::quant::kSqnrCapDb);
  const Eigen::VectorXd b = a * (1 + 1e-3);
  BOOST_TEST(std::abs(qlab::quant::SqnrDb(a, b) - 60.0) < 1e-6);
}

BOOST_AUTO_TEST_CASE(calibration_ranges) {
  std::vector<double> v;
  v.reserve(1000);
  for (int i = 0; i < 1000; ++i) v.push_back(std::sin(i * 0.37) + (i == 500 ? 40.0 : 0.0));
  const Calibration minmax = *qlab::quant::ParseCalibration("minmax");
  const Calibration p99 = *qlab::quant::ParseCalibration("percentile:99");
  const Calibration mse = *qlab::quant::ParseCalibration("mse");
  const auto r_minmax = qlab::quant::CalibrateRange(v, minmax, 8);
  BOOST_TEST(r_minmax.hi == *std::max_element(v.begin(), v.end()));
  BOOST_TEST(r_minmax.lo == *std::min_element(v.begin(), v.end()));
  const auto r_p99 = qlab::quant::CalibrateRange(v, p99, 8);
  BOOST_TEST(r_p99.hi == qlab::quant::PercentileLinear(v, 99));
  BOOST_TEST(r_p99.lo == qlab::quant::PercentileLinear(v, 1));
  for (int bits = 2; bits <= 8; ++bits) {
    const auto r_mse = qlab::quant::CalibrateRange(v, mse, bits);
    std::vector<double> sorted = v;
    std::sort(sorted.begin(), sorted.end());
    // The search includes the min-max range, so it never does worse on the values it measured.
    BOOST_TEST(qlab::quant::RangeSquaredError(sorted, r_mse, bits) <=
               qlab::quant::RangeSquaredError(sorted, r_minmax, bits));
    BOOST_TEST(r_mse.hi > r_mse.lo);
  }
}

BOOST_AUTO_TEST_CASE(seed_scheme_reproduces_the_original_formula) {
  const Eigen::MatrixXd X = MakeFeatures(50, 1).leftCols(4);
  const LinearModel m = MakeModel(X, {-1.0, 0.0, 0.5, 1.0}, 2.5);
  QuantizeOptions o;
  o.scheme = Scheme::kSeed;
  o.calibration = qlab::quant::DefaultCalibration(Scheme::kSeed);
  const QuantizedModel q = qlab::quant::Quantize(m, X, o);
  // s = 2/255, zp = round(127.5) = 128 (half to even), q = round(x/s + zp).
  BOOST_TEST(q.seed_coef.scale == 2.0 / 255);
  BOOST_TEST(q.seed_coef.zero_point == 128);
  const std::vector<uint8_t> codes = {0, 128, 192, 255};  // 0.5/s + 128 = 191.75 → 192
  BOOST_TEST(q.seed_coef.codes == codes, boost::test_tools::per_element());
  BOOST_TEST(!q.seed_coef.zero_range);
  // The intercept alone has a zero range: flagged, dequantized to 0 as the original's was.
  BOOST_TEST(q.seed_intercept.zero_range);
  BOOST_TEST(q.seed_intercept.scale == 0.0);
  BOOST_TEST(q.seed_intercept.dequantized[0] == 0.0f);
  const float s = static_cast<float>(2.0 / 255);
  BOOST_TEST(q.seed_coef.dequantized[3] == static_cast<float>(127.0f * s));
  BOOST_TEST(q.seed_coef.dequantized[0] == static_cast<float>(-128.0f * s));
  const SplitData split = MakeSplitData(m, X, X);
  const auto report = qlab::quant::EvaluateQuantized(q, split, "");
  BOOST_TEST(report["intercept_abs_error"].get<double>() == 2.5);
  BOOST_TEST(report["zero_range"].dump() == "[\"intercept\"]");
  CheckAllFinite(report, "seed report");
  // Min-max only, by definition.
  o.calibration = *qlab::quant::ParseCalibration("mse");
  BOOST_CHECK_THROW(qlab::quant::Quantize(m, X, o), qlab::io::InputError);
}

BOOST_AUTO_TEST_CASE(bits_outside_2_to_8_are_bad_input) {
  const Eigen::MatrixXd X = MakeFeatures(20, 2);
  const LinearModel m = MakeModel(X, {1, 2, 3, 4, 5}, 0);
  for (int bits : {-1, 0, 1, 9, 16}) {
    QuantizeOptions o;
    o.bits = bits;
    BOOST_CHECK_THROW(qlab::quant::Quantize(m, X, o), qlab::io::InputError);
  }
}

// Every scheme × calibration × fold × bits on a synthetic model: finite everywhere, the integer
// path exact, artifact round trips exact.
BOOST_AUTO_TEST_CASE(every_scheme_calibration_fold_and_bits) {
  const Eigen::MatrixXd X_train = MakeFeatures(2000, 3);
  Eigen::MatrixXd X_test = MakeFeatures(300, 4);
  X_test(7, 1) = 1e3;   // far beyond the training range: clipped
  X_test(8, 3) = -1e4;  // far below
  const LinearModel m = MakeModel(X_train, {0.9, -0.35, 0.02, -0.87, 0.4}, 2.07);
  const SplitData split = MakeSplitData(m, X_train, X_test);
  int checked = 0;
  for (Scheme scheme : {Scheme::kSeed, Scheme::kW8, Scheme::kW8A8}) {
    for (const Calibration& calibration : AllCalibrations()) {
      if (scheme == Scheme::kSeed && calibration.kind != Calibration::Kind::kMinMax) continue;
      for (Fold fold : {Fold::kGrid, Fold::kZeroPoint, Fold::kOffsets, Fold::kRaw}) {
        if (scheme != Scheme::kW8A8 && fold != Fold::kGrid) continue;
        for (int bits = 2; bits <= 8; ++bits) {
          QuantizeOptions o{scheme, bits, calibration, fold};
          const std::string what = qlab::quant::SchemeName(scheme) + " " + calibration.Name() +
                                   " " + qlab::quant::FoldName(fold) + " bits " +
                                   std::to_string(bits);
          const QuantizedModel q = qlab::quant::Quantize(m, X_train, o);
          CheckAllFinite(qlab::quant::QuantizedToJson(q), what);
          const QuantizedRun run = qlab::quant::RunQuantized(q, X_test);
          BOOST_TEST(run.y.allFinite(), what);
          if (scheme == Scheme::kW8A8) {
            CheckIntegerPath(q, run, X_test, what);
            BOOST_TEST(run.clipped[7], what);
            BOOST_TEST(run.clipped[8], what);
          }
          if (scheme == Scheme::kW8) CheckFloatPath(q, run, what);
          if (bits == 8 || bits == 2) CheckRoundTrip(q, X_test, run, what);
          const auto report = qlab::quant::EvaluateQuantized(q, split, "");
          nlohmann::json numbers = report;
          numbers.erase("fold");  // null for w8 and seed
          numbers.erase("intercept_abs_error");
          numbers.erase("artifact_bytes");
          numbers.erase("float_artifact_bytes");
          CheckAllFinite(numbers, what);
          ++checked;
        }
      }
    }
  }
  BOOST_TEST_MESSAGE("checked " << checked << " quantized models on kernel target "
                                << qlab::kernels::ActiveTarget());
  BOOST_TEST(checked == 7 * (1 + 5 + 5 * 4));
}

// More bits never hurt much: the 8-bit error is far below the 2-bit one for each scheme.
BOOST_AUTO_TEST_CASE(error_shrinks_with_bits) {
  const Eigen::MatrixXd X_train = MakeFeatures(2000, 5);
  const Eigen::MatrixXd X_test = MakeFeatures(400, 6);
  const LinearModel m = MakeModel(X_train, {0.9, -0.35, 0.02, -0.87, 0.4}, 2.07);
  const SplitData split = MakeSplitData(m, X_train, X_test);
  for (Scheme scheme : {Scheme::kW8, Scheme::kW8A8}) {
    QuantizeOptions o;
    o.scheme = scheme;
    o.calibration = qlab::quant::DefaultCalibration(scheme);
    o.bits = 2;
    const double rms2 = qlab::quant::EvaluateQuantized(qlab::quant::Quantize(m, X_train, o), split,
                                                       "")["rms_delta"];
    o.bits = 8;
    const double rms8 = qlab::quant::EvaluateQuantized(qlab::quant::Quantize(m, X_train, o), split,
                                                       "")["rms_delta"];
    BOOST_TEST(rms8 < rms2 / 20, qlab::quant::SchemeName(scheme));
  }
}

// Grid-fitted steps: w_j·s_j lies on the weight grid (S·k_j) and every step covers the
// calibrated range.
BOOST_AUTO_TEST_CASE(grid_fitted_steps_are_exact) {
  const Eigen::MatrixXd X_train = MakeFeatures(2000, 7);
  const LinearModel m = MakeModel(X_train, {0.9, -0.35, 0.02, -0.87, 0.4}, 2.07);
  for (int bits = 2; bits <= 8; ++bits) {
    QuantizeOptions o;
    o.bits = bits;
    o.calibration = *qlab::quant::ParseCalibration("minmax");
    const QuantizedModel q = qlab::quant::Quantize(m, X_train, o);
    const Eigen::VectorXd coef = qlab::quant::DequantizedCoef(q);
    for (Eigen::Index j = 0; j < m.coef.size(); ++j) {
      // The dequantized coefficient differs from the float one only by the f32 rounding of the
      // step: the weights themselves carry no rounding error.
      BOOST_TEST(std::abs(coef[j] - m.coef[j]) <= 1e-6 * std::abs(m.coef[j]),
                 "bits " << bits << " feature " << j);
      const auto& f = q.features[static_cast<size_t>(j)];
      const double span = f.step * static_cast<double>(qlab::quant::CodeMax(bits));
      BOOST_TEST(span >= (f.calibrated_hi - f.calibrated_lo) * (1 - 1e-6));
    }
    // Σ_j w_j·x̂_j + b in double on the dequantized raw features equals the integer model.
    const QuantizedRun run = qlab::quant::RunQuantized(q, X_train.topRows(100));
    const Eigen::VectorXd y_int = qlab::quant::PredictDoubleFromRun(q, run);
    const size_t k = q.num_features();
    for (Eigen::Index i = 0; i < 100; ++i) {
      Eigen::VectorXd x_hat(static_cast<Eigen::Index>(k));
      for (size_t j = 0; j < k; ++j) {
        const auto& f = q.features[j];
        x_hat[static_cast<Eigen::Index>(j)] =
            f.center + static_cast<double>(f.step) *
                           (run.codes[static_cast<size_t>(i) * k + j] - f.zero_point);
      }
      const double y_dequant =
          ((x_hat - m.scaler_mean).array() / m.scaler_scale.array()).matrix().dot(m.coef) +
          m.intercept;
      BOOST_TEST(std::abs(y_dequant - y_int[i]) <= 1e-5 * (1 + std::abs(y_dequant)));
    }
  }
}

// The grid fold's zero point centres the calibrated range in the code range: it is the middle of
// the zero points that cover [lo, hi], rounded to the nearest code (half to even), not truncated.
// With an identity scaler z = x, and one weight the grid keeps at the step (hi − lo)/L, the
// middle is −lo·L/(hi − lo); the ranges below put it well away from a tie, on either side.
BOOST_AUTO_TEST_CASE(grid_zero_point_is_the_rounded_middle_of_the_covering_zero_points) {
  struct Case {
    double lo, hi;
    int bits;
    int32_t zero_point;
  };
  const std::vector<Case> cases = {
      {-1, 3, 8, 64},   // 63.75: truncation gives 63
      {-3, 1, 8, 191},  // 191.25: rounding up gives 192
      {-1, 6, 8, 36},   // 36.43
      {-1, 3, 4, 4},    // 3.75 of 15
      {-5, 2, 4, 11},   // 10.71 of 15
      {-2, 1, 2, 2},    // 2 of 3, exactly
  };
  for (const Case& c : cases) {
    Eigen::MatrixXd X(5, 1);
    X << c.lo, c.hi, 0.0, c.hi / 2, c.lo / 2;
    LinearModel m = MakeModel(X, {0.8}, 1.0);
    m.scaler_mean.setZero();
    m.scaler_scale.setOnes();
    QuantizeOptions o;
    o.bits = c.bits;
    o.calibration = *qlab::quant::ParseCalibration("minmax");
    o.fold = Fold::kGrid;
    const QuantizedModel q = qlab::quant::Quantize(m, X, o);
    BOOST_TEST_CONTEXT("range [" << c.lo << ", " << c.hi << "] bits " << c.bits) {
      const auto& f = q.features[0];
      BOOST_TEST(f.step == static_cast<float>((c.hi - c.lo) /
                                              static_cast<double>(qlab::quant::CodeMax(c.bits))),
                 boost::test_tools::tolerance(1e-6f));
      BOOST_TEST(f.zero_point == c.zero_point);
    }
  }
}

BOOST_AUTO_TEST_CASE(degenerate_ranges_stay_finite) {
  // A constant feature (coefficient 0, scale 1 as the pipeline leaves it), a constant feature
  // with a non-zero weight, all-zero weights, and a single training row.
  Eigen::MatrixXd X_train = MakeFeatures(200, 8);
  X_train.col(2).setConstant(7.0);
  X_train.col(4).setConstant(0.0);
  Eigen::MatrixXd X_test = MakeFeatures(50, 9);
  X_test(0, 2) = 8.0;
  struct Case {
    std::string name;
    Eigen::MatrixXd X;
    std::vector<double> coef;
  };
  const std::vector<Case> cases = {
      {"constant features", X_train, {0.9, -0.35, 0.0, -0.87, 0.0}},
      {"constant feature with a weight", X_train, {0.9, -0.35, 0.5, -0.87, 0.2}},
      {"all-zero weights", X_train, {0, 0, 0, 0, 0}},
      {"single row", X_train.topRows(1), {0.9, -0.35, 0.02, -0.87, 0.4}},
      {"one feature", X_train.leftCols(1), {1.5}},
      {"tiny and huge weights", X_train, {1e-300, 1e30, -1e-30, 2.0, 1e-12}},
  };
  for (const Case& c : cases) {
    const LinearModel m = MakeModel(c.X, c.coef, 1.25);
    const Eigen::MatrixXd test = X_test.leftCols(c.X.cols());
    const SplitData split = MakeSplitData(m, c.X, test);
    for (Scheme scheme : {Scheme::kSeed, Scheme::kW8, Scheme::kW8A8}) {
      for (const Calibration& calibration : AllCalibrations()) {
        if (scheme == Scheme::kSeed && calibration.kind != Calibration::Kind::kMinMax) continue;
        for (int bits : {2, 5, 8}) {
          QuantizeOptions o{scheme, bits, calibration, Fold::kGrid};
          const std::string what = c.name + " " + qlab::quant::SchemeName(scheme) + " " +
                                   calibration.Name() + " bits " + std::to_string(bits);
          const QuantizedModel q = qlab::quant::Quantize(m, c.X, o);
          CheckAllFinite(qlab::quant::QuantizedToJson(q), what);
          const QuantizedRun run = qlab::quant::RunQuantized(q, test);
          BOOST_TEST(run.y.allFinite(), what);
          if (scheme == Scheme::kW8A8) CheckIntegerPath(q, run, test, what);
          for (const auto& f : q.features) {
            BOOST_TEST((f.step > 0 && std::isfinite(f.step)), what);
          }
          BOOST_TEST((q.weight_scale > 0 && std::isfinite(q.weight_scale)), what);
          const auto report = qlab::quant::EvaluateQuantized(q, split, "");
          BOOST_TEST(std::isfinite(report["sqnr_db"].get<double>()), what);
          BOOST_TEST(std::isfinite(report["p99_abs_delta"].get<double>()), what);
          if (c.name == "all-zero weights" && scheme != Scheme::kSeed) {
            // Nothing to quantize: the prediction is the bias, exactly the float model's.
            BOOST_TEST(report["sqnr_db"].get<double>() == qlab::quant::kSqnrCapDb, what);
          }
        }
      }
    }
  }
}

// Coefficients no f32 computation can carry are bad input, not an Inf in the output.
BOOST_AUTO_TEST_CASE(coefficients_beyond_f32_are_bad_input) {
  const Eigen::MatrixXd X = MakeFeatures(100, 14);
  const LinearModel m = MakeModel(X, {1e38, 1, 1, 1, 1}, 0);
  for (Scheme scheme : {Scheme::kW8, Scheme::kW8A8}) {
    QuantizeOptions o;
    o.scheme = scheme;
    BOOST_CHECK_THROW(qlab::quant::Quantize(m, X, o), qlab::io::InputError);
  }
}

BOOST_AUTO_TEST_CASE(malformed_artifacts_are_bad_input) {
  const Eigen::MatrixXd X = MakeFeatures(100, 10);
  const LinearModel m = MakeModel(X, {0.9, -0.35, 0.02, -0.87, 0.4}, 2.07);
  const QuantizedModel q = qlab::quant::Quantize(m, X, QuantizeOptions{});
  const nlohmann::json good = qlab::quant::QuantizedToJson(q);
  auto expect_bad = [&](const nlohmann::json& doc, const std::string& what) {
    BOOST_CHECK_THROW(qlab::quant::QuantizedFromJson(doc, "x.json"), qlab::io::InputError);
    (void)what;
  };
  nlohmann::json bad = good;
  bad["format"] = "qlab.linear_model";
  expect_bad(bad, "format");
  bad = good;
  bad["version"] = 1;  // before the tensor checksum
  expect_bad(bad, "version");
  // Version 2 left the float model's split, features and data out of the checksum: refused,
  // naming the command that makes the file again (and the float model's folder it records).
  bad = good;
  bad["version"] = 2;
  bad["float_model"]["dir"] = "/models/m";
  const std::string old_version_error =
      qlab::testing::ErrorOf([&] { qlab::quant::QuantizedFromJson(bad, "q/x.json"); });
  BOOST_TEST(old_version_error.rfind("q/x.json:", 0) == 0, old_version_error);
  BOOST_TEST(
      qlab::testing::Contains(
          old_version_error,
          ": quantized model format qlab.quantized_model version 2 is older than "
          "this qlab's version 3; rewrite it with `qlab quantize --model /models/m --out q` "
          "and the options it was made with (after `qlab train` if that float model is older "
          "too)"),
      old_version_error);
  bad["version"] = 4;
  BOOST_TEST(qlab::testing::Contains(
      qlab::testing::ErrorOf([&] { qlab::quant::QuantizedFromJson(bad, "q/x.json"); }),
      "qlab.quantized_model version 4 is not the version this qlab reads (3)"));
  bad = good;
  bad["weights"]["scale"] = 0;
  expect_bad(bad, "zero scale");
  bad = good;
  bad["weights"]["scale"] = nullptr;  // what a NaN would have become
  expect_bad(bad, "null scale");
  bad = good;
  bad["weights"]["codes"][0] = 128;
  expect_bad(bad, "code out of int8");
  bad = good;
  bad["features"][1]["step"] = -1.0;
  expect_bad(bad, "negative step");
  bad = good;
  bad["features"][1]["zero_point"] = 256;
  expect_bad(bad, "zero point");
  bad = good;
  bad["correction"] = q.correction + 1;
  expect_bad(bad, "correction");
  bad = good;
  bad["bits"] = 9;
  expect_bad(bad, "bits");
  bad = good;
  bad.erase("float_model");
  expect_bad(bad, "no float model");

  // The tensor checksum, last: edits that keep every value plausible are caught only by it.
  const auto checksum_error = [](const nlohmann::json& doc) {
    return qlab::testing::ErrorOf([&] { qlab::quant::QuantizedFromJson(doc, "x.json"); });
  };
  const auto nudge = [](nlohmann::json& value) {
    value = std::nextafter(value.get<double>(), 1e300);
  };
  for (Scheme scheme : {Scheme::kSeed, Scheme::kW8, Scheme::kW8A8}) {
    QuantizeOptions o;
    o.scheme = scheme;
    o.calibration = qlab::quant::DefaultCalibration(scheme);
    const nlohmann::json doc = qlab::quant::QuantizedToJson(qlab::quant::Quantize(m, X, o));
    const std::string name = qlab::quant::SchemeName(scheme);
    BOOST_TEST(checksum_error(doc) == "", name);
    std::vector<std::function<void(nlohmann::json&)>> edits = {
        [&](nlohmann::json& j) { nudge(j["float_model"]["coef"][2]); },
        [&](nlohmann::json& j) { nudge(j["float_model"]["scaler"]["mean"][0]); },
        [&](nlohmann::json& j) { nudge(j["float_model"]["intercept"]); },
        // The embedded float model's split, features and data (issue 12, class 4): n_train and
        // n_test stay 0, the count any test_size gives, so only the checksum refuses these.
        [&](nlohmann::json& j) { j["float_model"]["split"]["seed"] = 7; },
        [&](nlohmann::json& j) { j["float_model"]["split"]["test_size"] = 0.3; },
        [&](nlohmann::json& j) {
          j["float_model"]["feature_names"][1] = "g";
          if (j.contains("features")) j["features"][1]["name"] = "g";  // w8a8 names them too
        },
        [&](nlohmann::json& j) { j["float_model"]["data"]["target"] = "f0"; },
        [&](nlohmann::json& j) { j["float_model"]["data"]["sha256"] = std::string(64, '1'); },
        [&](nlohmann::json& j) { j["float_model"]["metrics"]["test"]["r2"] = 0.5; },
        [&](nlohmann::json& j) { j["calibration"] = "percentile:99.5"; },
    };
    if (scheme == Scheme::kSeed) {
      edits.push_back([&](nlohmann::json& j) { j["seed"]["intercept"]["zero_point"] = 3; });
    } else {
      edits.push_back([&](nlohmann::json& j) { nudge(j["bias"]); });
      edits.push_back([&](nlohmann::json& j) { nudge(j["weights"]["scale"]); });
    }
    if (scheme == Scheme::kW8A8) {
      edits.push_back([&](nlohmann::json& j) { nudge(j["features"][3]["center"]); });
      edits.push_back([&](nlohmann::json& j) { nudge(j["features"][0]["calibrated_hi"]); });
      edits.push_back([&](nlohmann::json& j) { nudge(j["bias_correction"]); });
      edits.push_back(
          [&](nlohmann::json& j) { j["fold"] = j["fold"] == "grid" ? "zero-point" : "grid"; });
      edits.push_back([&](nlohmann::json& j) {
        j["features"][2]["degenerate"] = !j["features"][2]["degenerate"].get<bool>();
      });
    }
    for (size_t e = 0; e < edits.size(); ++e) {
      nlohmann::json edited = doc;
      edits[e](edited);
      const std::string expected = "x.json: 'tensor_sha256' " +
                                   doc["tensor_sha256"].get<std::string>() +
                                   " does not match the fields'";
      BOOST_TEST(checksum_error(edited).find(expected) != std::string::npos,
                 name << " edit " << e << ": " << checksum_error(edited));
    }
    nlohmann::json no_checksum = doc;
    no_checksum.erase("tensor_sha256");
    BOOST_TEST(checksum_error(no_checksum) == "x.json:1:1: missing key 'tensor_sha256'", name);
  }

  const std::string dir = TempDir("malformed");
  std::filesystem::create_directories(dir);
  std::ofstream(std::filesystem::path(dir) / qlab::quant::kQuantizedFileName)
      << "{\n  \"format\": ,\n}";
  try {
    qlab::quant::LoadQuantized(dir);
    BOOST_TEST(false, "a malformed file loaded");
  } catch (const qlab::io::InputError& e) {
    BOOST_TEST(e.line() == 2u);
  }
  std::filesystem::remove_all(dir);
  BOOST_CHECK_THROW(qlab::quant::LoadQuantized(dir), qlab::io::InputError);
}

// A re-signed artifact carries a valid digest of whatever it holds (issue 12, class 4): fields
// that contradict one another are refused all the same, each named at its place. Every edit below
// is re-signed (QuantizedToJson digests the edited model); the unedited model loads.
// A small negative coefficient beside a dominant one rounds to code 0 via round(−0.12) = −0.0:
// the writer's dequantized value was −0.0, the loader's +0.0, and the digest (over the bytes)
// refused every seed artifact of such a model that quantize had written with exit 0.
BOOST_AUTO_TEST_CASE(a_seed_code_rounded_from_below_zero_reads_back) {
  const Eigen::MatrixXd X = MakeFeatures(60, 21);
  const LinearModel m = MakeModel(X, {966.7, -0.47, 0.29, 0.0, 1.5}, 2.07);
  QuantizeOptions o;
  o.scheme = Scheme::kSeed;
  o.calibration = qlab::quant::DefaultCalibration(Scheme::kSeed);
  const QuantizedModel q = qlab::quant::Quantize(m, X, o);
  BOOST_REQUIRE(q.seed_coef.codes[1] == 0);
  BOOST_TEST(!std::signbit(q.seed_coef.dequantized[1]));
  const std::string dir = TempDir("negative_zero");
  qlab::quant::SaveQuantized(q, dir);
  BOOST_TEST(qlab::testing::ErrorOf([&] { qlab::quant::LoadQuantized(dir); }) == "");
  std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(resigned_fields_that_contradict_one_another_are_refused) {
  const Eigen::MatrixXd X = MakeFeatures(200, 12);
  const LinearModel m = MakeModel(X, {0.9, -0.35, 0.02, -0.87, 0.4}, 2.07);
  const auto error_of = [](const QuantizedModel& q) {
    return qlab::testing::ErrorOf(
        [&] { qlab::quant::QuantizedFromJson(qlab::quant::QuantizedToJson(q), "x.json"); });
  };
  struct Edit {
    const char* what;
    std::function<void(QuantizedModel&)> apply;
    const char* message;
  };
  const std::vector<Edit> w8a8_edits = {
      {"lo above hi",
       [](QuantizedModel& q) {
         std::swap(q.features[1].calibrated_lo, q.features[1].calibrated_hi);
       },
       "feature 1 ('f1'): calibrated_lo "},
      {"a huge range", [](QuantizedModel& q) { q.features[2].calibrated_hi = 1e300; },
       "feature 2 ('f2'): calibrated range ["},  // wider than its grid
      {"a huge range below", [](QuantizedModel& q) { q.features[4].calibrated_lo = -1e300; },
       "feature 4 ('f4'): "},  // the offsets fold names its center, made from calibrated_lo
      {"degenerate with a width", [](QuantizedModel& q) { q.features[0].degenerate = true; },
       "feature 0 ('f0'): degenerate, but its calibrated range"},
      {"a center one ulp off",
       [](QuantizedModel& q) {
         q.features[3].center = std::nextafter(q.features[3].center, 1e300);
       },
       "feature 3 ('f3'): center "},
      {"bias_correction that was not added", [](QuantizedModel& q) { q.bias_correction = -1e308; },
       "'bias' "},
      {"a bias one ulp off", [](QuantizedModel& q) { q.bias = std::nextafter(q.bias, 1e300); },
       "is not the float intercept folded with the features' centers"},
      {"a weight scale whose predictions overflow f32",
       [](QuantizedModel& q) { q.weight_scale = 3e38; }, "overflow: predictions could reach"},
      {"a weight scale that is 0 in float32", [](QuantizedModel& q) { q.weight_scale = 1e-46; },
       "'weights.scale' 1e-46 must be a positive, finite, normal float32"},
      {"a weight scale that is subnormal in float32",
       [](QuantizedModel& q) { q.weight_scale = 1e-40; }, "'weights.scale' 1e-40 must be"},
  };
  int refused = 0;
  for (const Fold fold : {Fold::kGrid, Fold::kZeroPoint, Fold::kOffsets, Fold::kRaw}) {
    for (const bool bias_correction : {false, true}) {
      QuantizeOptions o;
      o.fold = fold;
      o.bias_correction = bias_correction;
      const QuantizedModel good = qlab::quant::Quantize(m, X, o);
      const std::string name = qlab::quant::FoldName(fold) + (bias_correction ? " +bc" : "");
      BOOST_TEST(error_of(good) == "", name);
      for (const Edit& edit : w8a8_edits) {
        QuantizedModel q = good;
        edit.apply(q);
        const std::string error = error_of(q);
        BOOST_TEST(error.rfind("x.json:", 0) == 0, name << ", " << edit.what << ": " << error);
        BOOST_TEST(qlab::testing::Contains(error, edit.message),
                   name << ", " << edit.what << ": " << error);
        BOOST_TEST(!qlab::testing::Contains(error, "tensor_sha256"), name << ": " << error);
        ++refused;
      }
    }
  }
  BOOST_TEST(refused == 10 * 4 * 2);
  // w8: the bias is the float intercept, and the same f32 bound.
  QuantizeOptions o;
  o.scheme = Scheme::kW8;
  o.calibration = qlab::quant::DefaultCalibration(Scheme::kW8);
  const QuantizedModel w8 = qlab::quant::Quantize(m, X, o);
  BOOST_TEST(error_of(w8) == "");
  QuantizedModel edited = w8;
  edited.bias = 2.08;
  BOOST_TEST(qlab::testing::Contains(error_of(edited),
                                     "'bias' 2.08 is not the float model's intercept 2.07"),
             error_of(edited));
  edited = w8;
  edited.weight_scale = 1e37;
  BOOST_TEST(qlab::testing::Contains(error_of(edited), "overflow: predictions could reach"),
             error_of(edited));
  // The embedded float model's own fields too (model::CheckModelFieldsAgree).
  edited = w8;
  edited.float_model.constant_features = {"f2"};
  BOOST_TEST(
      qlab::testing::Contains(error_of(edited), "'float_model.constant_features' holds 'f2'"),
      error_of(edited));
}

// The seed scheme's coefficient tensors are under the checksum: an edit of a written artifact
// that keeps every value consistent (a code with its dequantized value, a zero point or a scale
// with all the dequantized values it gives) and keeps the stored tensor_sha256 is refused on load.
BOOST_AUTO_TEST_CASE(an_edited_seed_coefficient_in_a_written_artifact_is_refused) {
  const Eigen::MatrixXd X = MakeFeatures(60, 15);
  const LinearModel m = MakeModel(X, {0.9, -0.35, 0.02, -0.87, 0.4}, 2.07);
  QuantizeOptions o;
  o.scheme = Scheme::kSeed;
  o.calibration = qlab::quant::DefaultCalibration(Scheme::kSeed);
  const std::string dir = TempDir("seed_checksum");
  qlab::quant::SaveQuantized(qlab::quant::Quantize(m, X, o), dir);
  const std::string file = (std::filesystem::path(dir) / qlab::quant::kQuantizedFileName).string();
  const nlohmann::json written = nlohmann::json::parse(qlab::io::ReadFileBytes(file));
  BOOST_REQUIRE_NO_THROW(qlab::quant::LoadQuantized(dir));

  // The dequantized values the loader recomputes from the codes, zero point and scale.
  const auto consistent = [](nlohmann::json& coef) {
    const float scale = static_cast<float>(coef["scale"].get<double>());
    const int zero_point = coef["zero_point"].get<int>();
    for (size_t i = 0; i < coef["codes"].size(); ++i) {
      const int code = coef["codes"][i].get<int>();
      coef["dequantized"][i] =
          static_cast<double>(static_cast<float>(static_cast<float>(code - zero_point) * scale));
    }
  };
  const std::vector<std::pair<std::string, std::function<void(nlohmann::json&)>>> edits = {
      {"a code",
       [](nlohmann::json& coef) {
         const int code = coef["codes"][1].get<int>();
         coef["codes"][1] = code == 255 ? code - 1 : code + 1;
       }},
      {"the zero point",
       [](nlohmann::json& coef) {
         const int zp = coef["zero_point"].get<int>();
         coef["zero_point"] = zp == 255 ? zp - 1 : zp + 1;
       }},
      {"the scale", [](nlohmann::json& coef) { coef["scale"] = coef["scale"].get<double>() * 2; }},
  };
  for (const auto& [what, edit] : edits) {
    nlohmann::json edited = written;
    edit(edited["seed"]["coef"]);
    consistent(edited["seed"]["coef"]);
    BOOST_REQUIRE(edited["seed"]["coef"] != written["seed"]["coef"]);
    BOOST_REQUIRE(edited["tensor_sha256"] == written["tensor_sha256"]);
    qlab::io::WriteFileAtomically(file, edited.dump(2) + "\n");
    const std::string error = qlab::testing::ErrorOf([&] { qlab::quant::LoadQuantized(dir); });
    BOOST_TEST(
        error.rfind(file + ": 'tensor_sha256' " + written["tensor_sha256"].get<std::string>() +
                        " does not match the fields'",
                    0) == 0,
        what << ": " << error);
  }
  std::filesystem::remove_all(dir);
}

// The integer path on every kernel target this CPU supports, not only the dispatched best one.
BOOST_AUTO_TEST_CASE(integer_path_exact_on_every_target) {
  const Eigen::MatrixXd X_train = MakeFeatures(1000, 11);
  Eigen::MatrixXd X_test = MakeFeatures(997, 12);  // not a multiple of any vector length
  X_test(3, 0) = 50;
  const LinearModel m = MakeModel(X_train, {0.9, -0.35, 0.02, -0.87, 0.4}, 2.07);
  int targets = 0;
  for (const auto& target : qlab::kernels::SupportedTargets()) {
    BOOST_REQUIRE(qlab::kernels::ForceTarget(target.name));
    for (int bits : {3, 8}) {
      for (Scheme scheme : {Scheme::kW8, Scheme::kW8A8}) {
        QuantizeOptions o;
        o.scheme = scheme;
        o.bits = bits;
        o.calibration = qlab::quant::DefaultCalibration(scheme);
        const QuantizedModel q = qlab::quant::Quantize(m, X_train, o);
        const QuantizedRun run = qlab::quant::RunQuantized(q, X_test);
        const std::string what =
            target.name + " " + qlab::quant::SchemeName(scheme) + " bits " + std::to_string(bits);
        if (scheme == Scheme::kW8A8) CheckIntegerPath(q, run, X_test, what);
        if (scheme == Scheme::kW8) CheckFloatPath(q, run, what);
      }
    }
    BOOST_TEST_MESSAGE("integer path checked on " << target.name);
    ++targets;
  }
  qlab::kernels::ForceTarget("");
  BOOST_TEST(targets >= 1);
}

// Clipping is counted only where a code lands on a saturation bound (or the value is NaN):
// values on either side of every rounding boundary next to the bounds, NaN and infinities, on
// every target, must give the clipped rows the check of every value gives (CheckIntegerPath).
BOOST_AUTO_TEST_CASE(clipping_counted_at_the_code_bounds) {
  const Eigen::MatrixXd X_train = MakeFeatures(1000, 21);
  const LinearModel m = MakeModel(X_train, {0.9, -0.35, 0.02, -0.87, 0.4}, 2.07);
  int targets = 0;
  for (const auto& target : qlab::kernels::SupportedTargets()) {
    BOOST_REQUIRE(qlab::kernels::ForceTarget(target.name));
    for (int bits : {3, 8}) {
      for (Fold fold : {Fold::kGrid, Fold::kRaw}) {
        QuantizeOptions o;
        o.bits = bits;
        o.fold = fold;
        o.calibration = *qlab::quant::ParseCalibration("percentile:99");
        const QuantizedModel q = qlab::quant::Quantize(m, X_train, o);
        const int64_t top = qlab::quant::CodeMax(bits);
        std::vector<double> shifted;  // x − center, per feature the same list
        for (const double code :
             {-1.0, 0.0, static_cast<double>(top - 1), static_cast<double>(top)}) {
          shifted.push_back(code + 0.5);
        }
        Eigen::MatrixXd X_test = MakeFeatures(64, 22);
        const Eigen::Index k = X_test.cols();
        for (Eigen::Index j = 0; j < k; ++j) {
          const auto& f = q.features[static_cast<size_t>(j)];
          Eigen::Index i = 0;
          for (const double half : shifted) {
            const auto t = static_cast<float>((half - f.zero_point) * f.step);
            for (const float v : {std::nextafter(t, -INFINITY), t, std::nextafter(t, INFINITY)}) {
              X_test(i++, j) = f.center + static_cast<double>(v);
            }
          }
          X_test(i++, j) = std::nan("");
          X_test(i++, j) = std::numeric_limits<double>::infinity();
          X_test(i++, j) = -std::numeric_limits<double>::infinity();
          X_test(i++, j) = f.center + 1e30;
          X_test(i++, j) = f.center - 1e30;
        }
        const QuantizedRun run = qlab::quant::RunQuantized(q, X_test);
        CheckIntegerPath(
            q, run, X_test,
            target.name + " bits " + std::to_string(bits) + " " + qlab::quant::FoldName(fold));
        BOOST_TEST(run.clipped[12], "NaN counts as clipped");
      }
    }
    ++targets;
  }
  qlab::kernels::ForceTarget("");
  BOOST_TEST(targets >= 1);
}

// --bias-correction: after it, the unclipped training rows have no mean offset left.
BOOST_AUTO_TEST_CASE(bias_correction_removes_the_mean_offset) {
  const Eigen::MatrixXd X_train = MakeFeatures(3000, 13);
  const LinearModel m = MakeModel(X_train, {0.9, -0.35, 0.02, -0.87, 0.4}, 2.07);
  for (int bits : {3, 8}) {
    QuantizeOptions o;
    o.bits = bits;
    o.calibration = *qlab::quant::ParseCalibration("percentile:99");
    o.bias_correction = true;
    const QuantizedModel q = qlab::quant::Quantize(m, X_train, o);
    BOOST_TEST(std::isfinite(q.bias_correction));
    const QuantizedRun run = qlab::quant::RunQuantized(q, X_train);
    const Eigen::VectorXd y_float = m.Predict(X_train);
    double sum = 0;
    double sum_abs = 0;
    for (Eigen::Index i = 0; i < X_train.rows(); ++i) {
      if (run.clipped[static_cast<size_t>(i)]) continue;
      sum += y_float[i] - run.y[i];
      sum_abs += std::abs(y_float[i] - run.y[i]);
    }
    BOOST_TEST(std::abs(sum) <= 1e-4 * sum_abs, "bits " << bits);
    CheckRoundTrip(q, X_train, run, "bias correction");
  }
}

// The float outlier policy re-scores exactly the rows holding a value the codes cannot represent
// (its unsaturated code, in double, outside [0, 2^bits − 1]) and none else, on every target, for
// every fold, two calibrations and three bit widths: values at the two extreme codes do not fall
// back, values one and a half steps beyond them do; values at exactly calibrated_lo and
// calibrated_hi fall back as their codes say, and never under minmax with the folds whose code
// range covers the calibrated range (grid, zero-point, offsets; the grid fold under another
// calibration may take a finer step that clips the range's ends, the raw fold forces its zero
// point into the codes). Under clip nothing falls back and only the fallback rows differ.
BOOST_AUTO_TEST_CASE(fallback_is_exactly_the_out_of_range_rows) {
  const Eigen::MatrixXd X_train = MakeFeatures(1500, 31);
  const LinearModel m = MakeModel(X_train, {0.9, -0.35, 0.02, -0.87, 0.4}, 2.07);
  int checked = 0;
  for (const auto& target : qlab::kernels::SupportedTargets()) {
    BOOST_REQUIRE(qlab::kernels::ForceTarget(target.name));
    for (const char* calibration : {"minmax", "percentile:99"}) {
      for (int bits : {2, 4, 8}) {
        for (Fold fold : {Fold::kGrid, Fold::kZeroPoint, Fold::kOffsets, Fold::kRaw}) {
          QuantizeOptions o;
          o.bits = bits;
          o.fold = fold;
          o.calibration = *qlab::quant::ParseCalibration(calibration);
          o.outliers = qlab::quant::Outliers::kFloat;
          const QuantizedModel q = qlab::quant::Quantize(m, X_train, o);
          const std::string what = target.name + " " + calibration + " bits " +
                                   std::to_string(bits) + " " + qlab::quant::FoldName(fold);
          const int64_t top = qlab::quant::CodeMax(bits);
          // 101 rows at the mean (not a multiple of any vector length), then per feature six
          // rows: at lo, at hi, at code 0, at the top code, 1.5 steps below and above them.
          const Eigen::Index k = X_train.cols();
          Eigen::MatrixXd X_test(101 + 6 * k, k);
          for (Eigen::Index i = 0; i < X_test.rows(); ++i)
            X_test.row(i) = m.scaler_mean.transpose();
          std::vector<size_t> want, at_bounds;
          for (Eigen::Index j = 0; j < k; ++j) {
            const auto& f = q.features[static_cast<size_t>(j)];
            const Eigen::Index row = 101 + 6 * j;
            const auto zp = static_cast<double>(f.zero_point);
            X_test(row, j) = f.calibrated_lo;
            X_test(row + 1, j) = f.calibrated_hi;
            X_test(row + 2, j) = f.center + (0 - zp) * f.step;
            X_test(row + 3, j) = f.center + (static_cast<double>(top) - zp) * f.step;
            X_test(row + 4, j) = f.center + (-1.5 - zp) * f.step;
            X_test(row + 5, j) = f.center + (static_cast<double>(top) + 1.5 - zp) * f.step;
            at_bounds.push_back(static_cast<size_t>(row));
            at_bounds.push_back(static_cast<size_t>(row + 1));
          }
          // The definition, value by value (as QuantizeU8RowsSaturated states it).
          for (Eigen::Index i = 0; i < X_test.rows(); ++i) {
            bool out = false;
            for (Eigen::Index j = 0; j < k; ++j) {
              const auto& f = q.features[static_cast<size_t>(j)];
              const auto shifted = static_cast<float>(X_test(i, j) - f.center);
              const double u = std::nearbyint(static_cast<double>(shifted) / f.step) + f.zero_point;
              out = out || !(u >= 0 && u <= static_cast<double>(top));
            }
            if (out) want.push_back(static_cast<size_t>(i));
          }
          const QuantizedRun run = qlab::quant::RunQuantized(q, X_test);
          BOOST_TEST(run.fallback_rows == want, what << ": fallback rows");
          for (Eigen::Index j = 0; j < k; ++j) {  // the extreme codes in, beyond them out
            const auto row = static_cast<size_t>(101 + 6 * j);
            const auto has = [&](size_t r) {
              return std::find(run.fallback_rows.begin(), run.fallback_rows.end(), r) !=
                     run.fallback_rows.end();
            };
            // The raw fold may not represent the mean itself (its zero point is forced into the
            // codes): then every row falls back through the other features.
            if (fold != Fold::kRaw) BOOST_TEST(!has(0), what << ": the mean fell back");
            if (!has(0)) {
              BOOST_TEST(!has(row + 2), what << " feature " << j << ": code 0 fell back");
              BOOST_TEST(!has(row + 3), what << " feature " << j << ": the top code fell back");
            }
            BOOST_TEST(has(row + 4), what << " feature " << j << ": below code 0 kept");
            BOOST_TEST(has(row + 5), what << " feature " << j << ": above the top code kept");
            if (std::string(calibration) == "minmax" && fold != Fold::kRaw) {
              BOOST_TEST(!has(row), what << " feature " << j << ": a value at lo fell back");
              BOOST_TEST(!has(row + 1), what << " feature " << j << ": a value at hi fell back");
            }
          }
          for (size_t r = 0; r < 101; ++r) {
            BOOST_TEST(run.y[static_cast<Eigen::Index>(r)] == run.y[0], what);  // not re-scored
          }
          CheckIntegerPath(q, run, X_test, what);
          QuantizedModel clip = q;
          clip.outliers = qlab::quant::Outliers::kClip;
          const QuantizedRun clipped = qlab::quant::RunQuantized(clip, X_test);
          BOOST_TEST(clipped.fallback_rows.empty(), what);
          CheckIntegerPath(clip, clipped, X_test, what + " clip");
          size_t differing = 0;
          for (Eigen::Index i = 0; i < X_test.rows(); ++i) differing += run.y[i] != clipped.y[i];
          BOOST_TEST(differing == want.size(), what << ": rows differing between the policies");
          ++checked;
        }
      }
    }
  }
  qlab::kernels::ForceTarget("");
  BOOST_TEST(checked >= 24);
}

// The policy and the code layout are in the artifact, under its digest: a round trip keeps them;
// editing either is bad input, and so is a file without "outliers" (version 3 always writes it). At
// bits <= 4 the feature dtype is uint4 (two codes a byte), and the packed run scores odd row counts
// and an odd feature count (a padding nibble per row) exactly.
BOOST_AUTO_TEST_CASE(policy_and_packing_in_the_artifact) {
  const Eigen::MatrixXd X_train = MakeFeatures(800, 41);
  const LinearModel m = MakeModel(X_train, {0.9, -0.35, 0.02, -0.87, 0.4}, 2.07);  // k = 5, odd
  for (int bits = 2; bits <= 8; ++bits) {
    for (const auto outliers : {qlab::quant::Outliers::kFloat, qlab::quant::Outliers::kClip}) {
      QuantizeOptions o;
      o.bits = bits;
      o.outliers = outliers;
      o.calibration = *qlab::quant::ParseCalibration("percentile:99");
      const QuantizedModel q = qlab::quant::Quantize(m, X_train, o);
      const std::string what =
          "bits " + std::to_string(bits) + " " + qlab::quant::OutliersName(outliers);
      const nlohmann::json j = qlab::quant::QuantizedToJson(q);
      BOOST_TEST(j["outliers"] == qlab::quant::OutliersName(outliers), what);
      const std::string dtype = bits <= 4 ? "uint4" : "uint8";
      for (const auto& f : j["features"]) BOOST_TEST(f["dtype"] == dtype, what);
      const QuantizedModel back = qlab::quant::QuantizedFromJson(j, "q.json");
      BOOST_TEST((back.outliers == outliers), what);
      BOOST_TEST(qlab::quant::QuantizedToJson(back) == j, what);

      nlohmann::json edited = j;
      edited["outliers"] = outliers == qlab::quant::Outliers::kFloat ? "clip" : "float";
      BOOST_TEST(qlab::testing::Contains(qlab::testing::ErrorOf([&] {
                                           qlab::quant::QuantizedFromJson(edited, "q.json");
                                         }),
                                         "tensor"),
                 what << ": policy edited");
      nlohmann::json no_policy = j;
      no_policy.erase("outliers");
      BOOST_TEST(qlab::testing::Contains(qlab::testing::ErrorOf([&] {
                                           qlab::quant::QuantizedFromJson(no_policy, "q.json");
                                         }),
                                         "missing key 'outliers'"),
                 what);
      nlohmann::json bad_dtype = j;
      bad_dtype["features"][1]["dtype"] = bits <= 4 ? "uint8" : "uint4";
      BOOST_TEST(qlab::testing::Contains(qlab::testing::ErrorOf([&] {
                                           qlab::quant::QuantizedFromJson(bad_dtype, "q.json");
                                         }),
                                         "must be " + dtype),
                 what << ": dtype edited");
      nlohmann::json bad_policy = j;
      bad_policy["outliers"] = "drop";
      BOOST_TEST(qlab::testing::Contains(qlab::testing::ErrorOf([&] {
                                           qlab::quant::QuantizedFromJson(bad_policy, "q.json");
                                         }),
                                         "'outliers' must be float or clip"),
                 what);

      for (const int rows : {1, 2, 3, 31, 997}) {
        Eigen::MatrixXd X_test = MakeFeatures(rows, 42 + static_cast<uint32_t>(rows));
        if (rows >= 3) X_test(rows / 2, 1) = 1e3;  // one outlier row
        const QuantizedRun run = qlab::quant::RunQuantized(back, X_test);
        const size_t row_bytes = qlab::quant::FeatureCodeRowBytes(bits, 5);
        BOOST_TEST(row_bytes == (bits <= 4 ? 3u : 5u), what);
        if (bits <= 4) {
          BOOST_TEST(run.packed_codes.size() == static_cast<size_t>(rows) * row_bytes, what);
          std::vector<uint8_t> unpacked(static_cast<size_t>(rows) * 5);
          qlab::reference::UnpackU4(run.packed_codes.data(), static_cast<size_t>(rows), 5,
                                    unpacked.data());
          BOOST_TEST(unpacked == run.codes, what << " rows " << rows << ": round trip");
          for (size_t i = 0; i < static_cast<size_t>(rows); ++i) {  // the padding nibble is 0
            BOOST_TEST((run.packed_codes[i * row_bytes + 2] >> 4) == 0, what);
          }
        }
        CheckIntegerPath(back, run, X_test, what + " rows " + std::to_string(rows));
        BOOST_TEST((run.y.array() == qlab::quant::RunQuantized(q, X_test).y.array()).all(), what);
      }
    }
  }
}
