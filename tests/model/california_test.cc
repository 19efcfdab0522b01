// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// The float pipeline against scikit-learn 1.2.1's figures in ../shared/data/README.md:
// train_test_split(test_size=0.2, random_state=42), StandardScaler, LinearRegression.
#define BOOST_TEST_MODULE lab_california
#include <boost/test/unit_test.hpp>

#include <cmath>
#include <vector>

#include "common/data_dir.h"
#include "qlab/data/dataset.h"
#include "qlab/model/artifact.h"
#include "qlab/model/linear_model.h"

namespace {

struct Reference {
  double train_r2 = 0.6125511913966952;
  double test_r2 = 0.5757877060324508;
  double train_mse = 0.5179331255246699;
  double test_mse = 0.5558915986952444;
  double test_mae = 0.5332001304956566;
  double intercept = 2.071946937378619;
  std::vector<double> coef = {0.8543830309268556,  0.12254623807840506,    -0.29441013447329734,
                              0.33925949059448285, -0.0023077231458313034, -0.040829103085086305,
                              -0.896928876638668,  -0.869841775241719};
  std::vector<double> head = {0.7191228416019142, 1.7640165706624171, 2.70965883343173,
                              2.8389259301839287, 2.604657251810314};
  std::vector<double> actual_head = {0.477, 0.458, 5.00001, 2.186, 2.78};
  std::vector<double> mean = {3.8807542575097025, 28.60828488372093,  5.435235020487511,
                              1.0966847487895384, 1426.453003875969,  3.096961194668754,
                              35.64314922480603,  -119.58229045542558};
  std::vector<double> scale = {1.904236257747077,  12.602117730095111, 2.387302579723397,
                               0.4332014262644869, 1137.0219480466546, 11.578393509846865,
                               2.136600595041553,  2.005592806566646};
  double pred_mean = 2.0515237980264827;
  double pred_std = 0.9161316692537385;
  double pred_min = -1.0137928122566304;
  double pred_max = 11.500331025900959;
};

double Relative(double got, double want) { return std::abs(got - want) / std::abs(want); }

// Checks one figure and returns its relative error, so the worst one can be reported.
double Check(const char* what, double got, double want, double tolerance) {
  const double error = Relative(got, want);
  BOOST_TEST(error <= tolerance,
             what << ": got " << got << ", want " << want << " (relative " << error << ")");
  return error;
}

double CheckAll(const qlab::model::LinearModel& model, const qlab::data::SplitData& data, double tolerance) {
  const Reference ref;
  double worst = 0;
  auto track = [&](const char* what, double got, double want) {
    worst = std::max(worst, Check(what, got, want, tolerance));
  };
  track("train_r2", model.train.r2, ref.train_r2);
  track("test_r2", model.test.r2, ref.test_r2);
  track("train_mse", model.train.mse, ref.train_mse);
  track("test_mse", model.test.mse, ref.test_mse);
  track("test_mae", model.test.mae, ref.test_mae);
  track("intercept", model.intercept, ref.intercept);
  for (int j = 0; j < 8; ++j) {
    track("coef", model.coef[j], ref.coef[static_cast<size_t>(j)]);
    track("scaler mean", model.scaler_mean[j], ref.mean[static_cast<size_t>(j)]);
    track("scaler scale", model.scaler_scale[j], ref.scale[static_cast<size_t>(j)]);
  }
  const Eigen::VectorXd pred = model.Predict(data.X_test);
  for (int i = 0; i < 5; ++i) {
    track("head", pred[i], ref.head[static_cast<size_t>(i)]);
    BOOST_TEST(data.y_test[i] == ref.actual_head[static_cast<size_t>(i)]);
  }
  const double mean = pred.mean();
  const double std_dev =
      std::sqrt((pred.array() - mean).square().sum() / static_cast<double>(pred.size()));
  track("prediction mean", mean, ref.pred_mean);
  track("prediction std", std_dev, ref.pred_std);
  track("prediction min", pred.minCoeff(), ref.pred_min);
  track("prediction max", pred.maxCoeff(), ref.pred_max);
  return worst;
}

qlab::data::SplitData LoadSplit() {
  BOOST_REQUIRE_MESSAGE(qlab::testing::HaveCaliforniaData(), qlab::testing::MissingDataMessage());
  return qlab::data::MakeSplit(qlab::data::LoadCaliforniaHousing(qlab::testing::CaliforniaDataFile()), 0.2, 42);
}

}  // namespace

BOOST_AUTO_TEST_CASE(loader_reads_the_statlib_file) {
  const qlab::data::SplitData data = LoadSplit();
  BOOST_TEST(data.dataset.X.rows() == 20640);
  BOOST_TEST(data.dataset.X.cols() == 8);
  BOOST_TEST(data.dataset.sha256 ==
             "d3d8a1a722ae78f91134862727d27a70b1415e7d512a89140406248687f4b902");
  BOOST_TEST(data.X_train.rows() == 16512);
  BOOST_TEST(data.X_test.rows() == 4128);
  const std::vector<int64_t> head(data.indices.test.begin(), data.indices.test.begin() + 5);
  BOOST_TEST(head == (std::vector<int64_t>{20046, 3024, 15663, 20484, 9814}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(default_solver_reproduces_scikit_learn_within_1e_9) {
  const qlab::data::SplitData data = LoadSplit();
  const qlab::model::LinearModel model = qlab::model::Train(data, "svd");
  const double worst = CheckAll(model, data, 1e-9);
  BOOST_TEST_MESSAGE("svd: worst relative error " << worst << ", condition number "
                                                  << model.condition_number);
  BOOST_TEST(model.constant_features.empty());
}

BOOST_AUTO_TEST_CASE(every_solver_reproduces_scikit_learn_within_1e_7) {
  const qlab::data::SplitData data = LoadSplit();
  for (const char* solver : {"svd", "qr", "ldlt"}) {
    BOOST_TEST_CONTEXT("solver " << solver) {
      const qlab::model::LinearModel model = qlab::model::Train(data, solver);
      const double worst = CheckAll(model, data, 1e-7);
      BOOST_TEST_MESSAGE(solver << ": worst relative error " << worst << ", condition number "
                                << model.condition_number);
      BOOST_TEST(model.condition_number > 1.0);
      BOOST_TEST(model.condition_number < 1e3);
    }
  }
}
