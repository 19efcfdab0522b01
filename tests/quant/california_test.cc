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
                       const std::string& calibration = "") {
  qlab::quant::QuantizeOptions o;
  o.scheme = scheme;
  o.bits = bits;
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
  const Eigen::VectorXd y_double = qlab::quant::PredictDoubleFromRun(q, run);
  const double worst =
      ((run.y - y_double).array().abs() / (y_double.array().abs().max(std::abs(q.bias))))
          .maxCoeff();
  BOOST_TEST_MESSAGE("worst relative difference from Eigen in double: " << worst);
  BOOST_TEST(worst <= 1e-6);
}

BOOST_AUTO_TEST_SUITE_END()
