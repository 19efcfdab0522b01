// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Quantization on California Housing (test split of random_state 42): the seed scheme's figures
// from ../shared/data/README.md, and the targets for w8 and w8a8 at 8 bits (lab/QUANTIZATION.md).
#define BOOST_TEST_MODULE lab_quant_california
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>

#include "common/data_dir.h"
#include "qlab/data/dataset.h"
#include "qlab/model/artifact.h"
#include "qlab/model/linear_model.h"
#include "qlab/quant/artifact.h"
#include "qlab/quant/harness.h"
#include "qlab/quant/quantize.h"
#include "qlab/reference/kernels.h"

namespace {

struct California {
  qlab::data::SplitData split;
  qlab::model::LinearModel model;
  California() {
    BOOST_REQUIRE_MESSAGE(qlab::testing::HaveCaliforniaData(), qlab::testing::MissingDataMessage());
    split =
        qlab::data::MakeSplit(qlab::data::LoadCaliforniaHousing(qlab::testing::CaliforniaDataFile()), 0.2, 42);
    model = qlab::model::Train(split, "svd");
  }
};

nlohmann::json Measure(const California& c, qlab::quant::Scheme scheme, int bits,
                       const std::string& calibration = "",
                       qlab::quant::Outliers outliers = qlab::quant::kDefaultOutliers) {
  qlab::quant::QuantizeOptions o;
  o.scheme = scheme;
  o.bits = bits;
  o.outliers = outliers;
  o.calibration =
      calibration.empty() ? qlab::quant::DefaultCalibration(scheme) : *qlab::quant::ParseCalibration(calibration);
  const qlab::quant::QuantizedModel q = qlab::quant::Quantize(c.model, c.split.X_train, o);
  nlohmann::json report = qlab::quant::EvaluateQuantized(q, c.split, "");
  BOOST_TEST_MESSAGE(report.dump());
  return report;
}

}  // namespace

BOOST_FIXTURE_TEST_SUITE(california, California)

BOOST_AUTO_TEST_CASE(seed_scheme_figures) {
  const nlohmann::json r = Measure(*this, qlab::quant::Scheme::kSeed, 8);
  // The figures as ../shared/data/README.md rounds them.
  BOOST_TEST(std::abs(r["coef_mean_abs_error"].get<double>() - 0.001914) < 5e-7);
  BOOST_TEST(std::abs(r["intercept_abs_error"].get<double>() - 2.071947) < 5e-7);
  BOOST_TEST(std::abs(r["head_max_abs_delta"].get<double>() - 2.0741) < 5e-5);
  BOOST_TEST(r["zero_range"].dump() == "[\"intercept\"]");
}

BOOST_AUTO_TEST_CASE(w8_targets) {
  const nlohmann::json r = Measure(*this, qlab::quant::Scheme::kW8, 8);
  BOOST_TEST(std::abs(r["delta_r2"].get<double>()) <= 0.001);
  BOOST_TEST(r["sqnr_db"].get<double>() >= 50.0);
}

BOOST_AUTO_TEST_CASE(w8a8_targets_with_the_default_calibration) {
  const nlohmann::json r = Measure(*this, qlab::quant::Scheme::kW8A8, 8);
  BOOST_TEST(r["p99_abs_delta"].get<double>() <= 0.05);
  BOOST_TEST(r["sqnr_db"].get<double>() >= 25.0);
  BOOST_TEST(r.contains("clipped_rows"));
  BOOST_TEST(r["feature_bytes"].get<int64_t>() * 4 == r["feature_bytes_f32"].get<int64_t>());
}

// The round trip through the artifact on the real model, and the integer path on all 4128 rows.
BOOST_AUTO_TEST_CASE(w8a8_artifact_round_trip_and_exact_integer_path) {
  qlab::quant::QuantizeOptions o;
  o.calibration = qlab::quant::DefaultCalibration(o.scheme);
  const qlab::quant::QuantizedModel q = qlab::quant::Quantize(model, split.X_train, o);
  const qlab::quant::QuantizedRun run = qlab::quant::RunQuantized(q, split.X_test);
  const auto dir = std::filesystem::temp_directory_path() /
                   ("qlab_quant_california_" + std::to_string(::getpid()));
  qlab::quant::SaveQuantized(q, dir.string());
  const qlab::quant::QuantizedRun again =
      qlab::quant::RunQuantized(qlab::quant::LoadQuantized(dir.string()), split.X_test);
  std::filesystem::remove_all(dir);
  BOOST_TEST((again.y.array() == run.y.array()).all());
  BOOST_TEST(again.codes == run.codes);

  const size_t rows = static_cast<size_t>(split.X_test.rows());
  std::vector<int32_t> acc(rows);
  qlab::reference::GemvU8I8Acc(run.codes.data(), rows, q.num_features(), q.weights.data(),
                               acc.data());
  BOOST_TEST(acc == run.acc);
  // The integer model on every row: the fallback rows as the integer path scored them.
  Eigen::VectorXd y_int = run.y;
  for (size_t r = 0; r < run.fallback_rows.size(); ++r) {
    y_int[static_cast<Eigen::Index>(run.fallback_rows[r])] = run.fallback_integer_y[r];
  }
  const Eigen::VectorXd y_double = qlab::quant::PredictDoubleFromRun(q, run);
  const double worst =
      ((y_int - y_double).array().abs() / (y_double.array().abs().max(std::abs(q.bias))))
          .maxCoeff();
  BOOST_TEST_MESSAGE("worst relative difference from Eigen in double: " << worst);
  BOOST_TEST(worst <= 1e-6);
}

// The outlier policies at 8 bits (lab/QUANTIZATION.md): float re-scores exactly the clipped rows,
// few of them, which bounds max |Δ| without costing the p99; clip keeps the integer figures.
BOOST_AUTO_TEST_CASE(w8a8_outlier_policies_at_8_bits) {
  using qlab::quant::Outliers;
  const nlohmann::json fl = Measure(*this, qlab::quant::Scheme::kW8A8, 8, "", Outliers::kFloat);
  const nlohmann::json cl = Measure(*this, qlab::quant::Scheme::kW8A8, 8, "", Outliers::kClip);
  BOOST_TEST(fl["outliers"] == "float");
  BOOST_TEST(cl["outliers"] == "clip");
  const auto n_test = fl["n_test"].get<int64_t>();
  BOOST_TEST(fl["fallback_rows"].get<int64_t>() == fl["clipped_rows"].get<int64_t>());
  BOOST_TEST(fl["fallback_rows"].get<int64_t>() >= 1);
  BOOST_TEST(static_cast<double>(fl["fallback_rows"].get<int64_t>()) <= 0.005 * n_test);
  BOOST_TEST(fl["max_abs_delta"].get<double>() <= 0.1);
  BOOST_TEST(fl["fallback_max_abs_delta"].get<double>() <= 1e-12);
  BOOST_TEST(fl["p99_abs_delta"].get<double>() <= cl["p99_abs_delta"].get<double>());
  BOOST_TEST(cl["fallback_rows"].get<int64_t>() == 0);
  BOOST_TEST(cl["max_abs_delta"].get<double>() >
             1.0);  // the clipped rows' error, which float removes
  // Without the fallback both give the same integer figures.
  BOOST_TEST(fl["integer_max_abs_delta"].get<double>() == cl["max_abs_delta"].get<double>());
  BOOST_TEST(fl["integer_p99_abs_delta"].get<double>() == cl["p99_abs_delta"].get<double>());
  BOOST_TEST(fl["clipped_max_abs_delta"].get<double>() ==
             cl["clipped_max_abs_delta"].get<double>());
}

// 4 bits: codes two per byte, counted as stored: 4128 rows × 4 bytes against 4128 × 8 × 4 in f32.
BOOST_AUTO_TEST_CASE(w8a8_4_bits_packed_memory) {
  const nlohmann::json r = Measure(*this, qlab::quant::Scheme::kW8A8, 4);
  const auto n_test = r["n_test"].get<int64_t>();
  BOOST_TEST(r["feature_bytes"].get<int64_t>() == n_test * 4);
  BOOST_TEST(r["feature_bytes"].get<int64_t>() * 8 == r["feature_bytes_f32"].get<int64_t>());
  BOOST_TEST(r["memory_ratio"].get<double>() >= 7.9);
  const nlohmann::json r8 = Measure(*this, qlab::quant::Scheme::kW8A8, 8);
  BOOST_TEST(r8["feature_bytes"].get<int64_t>() == n_test * 8);
}

BOOST_AUTO_TEST_SUITE_END()
