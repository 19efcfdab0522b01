// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/data/dataset.h"

#include <fmt/format.h>
#include <utf8.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <string_view>
#include <system_error>

#include "qlab/data/csv.h"
#include "qlab/io/atomic_file.h"
#include "qlab/io/input_error.h"
#include "qlab/io/sha256.h"
#include "qlab/io/stream.h"

namespace qlab::data {

using io::Printable;
using io::ReadFileBytes;
using io::Sha256Hex;
namespace {

using io::InputError;

constexpr size_t kStatLibColumns = 9;
// StatLib column order: longitude, latitude, housingMedianAge, totalRooms, totalBedrooms,
// population, households, medianIncome, medianHouseValue.
enum StatLibColumn : size_t {
  kLongitude = 0,
  kLatitude,
  kHousingMedianAge,
  kTotalRooms,
  kTotalBedrooms,
  kPopulation,
  kHouseholds,
  kMedianIncome,
  kMedianHouseValue,
};
constexpr std::string_view kStatLibNames[kStatLibColumns] = {
    "longitude",  "latitude",   "housingMedianAge", "totalRooms",      "totalBedrooms",
    "population", "households", "medianIncome",     "medianHouseValue"};

std::string AbsolutePath(const std::string& path) {
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::weakly_canonical(path, ec);
  if (ec) absolute = std::filesystem::absolute(path).lexically_normal();
  return absolute.string();
}

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

Dataset StartDataset(const std::string& path, const std::string& bytes, const char* kind) {
  Dataset dataset;
  dataset.kind = kind;
  dataset.source_path = AbsolutePath(path);
  // The artifacts and --json record the data path as JSON text, which must be UTF-8: a path that
  // is not would make the writer throw after the output folder exists. Refused here, before
  // anything is written (both the path as given and as resolved, which a symlink can change).
  for (const std::string& spelling : {path, dataset.source_path}) {
    if (utf8::find_invalid(spelling.begin(), spelling.end()) != spelling.end()) {
      throw InputError(
          Printable(path, 200),
          "the path is not valid UTF-8 text, and qlab records data paths as JSON text");
    }
  }
  dataset.sha256 = Sha256Hex(bytes);
  return dataset;
}

}  // namespace

Dataset LoadCaliforniaHousing(const std::string& path) {
  const std::string bytes = ReadFileBytes(path);
  if (bytes.empty()) throw InputError(path, "empty file, expected the StatLib cal_housing.data");
  Dataset dataset = StartDataset(path, bytes, "california");
  dataset.feature_names = {"MedInc",     "HouseAge", "AveRooms", "AveBedrms",
                           "Population", "AveOccup", "Latitude", "Longitude"};
  dataset.target_name = "MedHouseVal";

  CsvReader reader(bytes, path);
  // One record per line in this format (fields with quoted line breaks only make it fewer), so
  // the line count bounds the rows and the features go straight into place.
  const auto newlines = static_cast<Eigen::Index>(std::count(bytes.begin(), bytes.end(), '\n'));
  const Eigen::Index capacity = newlines + (bytes.back() == '\n' ? 0 : 1);
  dataset.X.resize(capacity, 8);
  dataset.y.resize(capacity);
  std::vector<CsvField> fields;
  double r[kStatLibColumns];
  Eigen::Index i = 0;
  while (reader.Next(fields)) {
    CheckFieldCount(reader, fields, kStatLibColumns, " (the StatLib cal_housing.data layout)");
    for (size_t c = 0; c < kStatLibColumns; ++c) {
      r[c] = ParseFiniteDouble(fields[c], path, kStatLibNames[c]);
    }
    if (r[kHouseholds] == 0.0) {
      const CsvField& field = fields[kHouseholds];
      throw InputError(path, field.line, field.column,
                       "households is 0; the per-household features would divide by zero");
    }
    // fetch_california_housing's derivation, operation for operation.
    dataset.X(i, 0) = r[kMedianIncome];
    dataset.X(i, 1) = r[kHousingMedianAge];
    dataset.X(i, 2) = r[kTotalRooms] / r[kHouseholds];
    dataset.X(i, 3) = r[kTotalBedrooms] / r[kHouseholds];
    dataset.X(i, 4) = r[kPopulation];
    dataset.X(i, 5) = r[kPopulation] / r[kHouseholds];
    dataset.X(i, 6) = r[kLatitude];
    dataset.X(i, 7) = r[kLongitude];
    dataset.y[i] = r[kMedianHouseValue] / 100000.0;
    ++i;
  }
  if (i < capacity) {
    dataset.X.conservativeResize(i, Eigen::NoChange);
    dataset.y.conservativeResize(i);
  }
  return dataset;
}

Dataset LoadCsv(const std::string& path, const std::string& target) {
  const std::string bytes = ReadFileBytes(path);
  if (bytes.empty()) throw InputError(path, "empty file, expected a header row and data rows");
  Dataset dataset = StartDataset(path, bytes, "csv");

  CsvReader reader(bytes, path);
  std::vector<CsvField> header;
  if (!reader.Next(header)) {
    throw InputError(path, "empty file, expected a header row and data rows");
  }
  CheckHeader(path, header);
  const size_t columns = header.size();
  std::vector<std::string> names;
  names.reserve(header.size());
  for (const auto& field : header) names.emplace_back(field.text);
  if (target.empty()) {
    throw InputError(path, 1, 1,
                     "a CSV data set needs --target NAME (columns: " + JoinNames(names) + ")");
  }
  size_t target_column = columns;
  for (size_t c = 0; c < columns; ++c) {
    if (names[c] == target) target_column = c;
  }
  if (target_column == columns) {
    throw InputError(
        path, 1, 1,
        "--target " + Printable(target) + ": no such column (columns: " + JoinNames(names) + ")");
  }
  if (columns < 2) {
    throw InputError(path, 1, 1, "only the target column, no feature column");
  }
  for (size_t c = 0; c < columns; ++c) {
    if (c != target_column) dataset.feature_names.push_back(names[c]);
  }
  dataset.target_name = target;

  std::vector<CsvField> fields;
  std::vector<double> rows;
  const std::string what = " (as the header has)";
  while (reader.Next(fields)) {
    CheckFieldCount(reader, fields, columns, what);
    for (size_t c = 0; c < columns; ++c) {
      rows.push_back(ParseFiniteDouble(fields[c], path, names[c]));
    }
  }
  if (rows.empty()) throw InputError(path, "a header row but no data rows");
  const auto n = static_cast<Eigen::Index>(rows.size() / columns);
  const auto p = static_cast<Eigen::Index>(columns - 1);
  dataset.X.resize(n, p);
  dataset.y.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double* r = rows.data() + static_cast<size_t>(i) * columns;
    Eigen::Index feature = 0;
    for (size_t c = 0; c < columns; ++c) {
      if (c == target_column) {
        dataset.y[i] = r[c];
      } else {
        dataset.X(i, feature++) = r[c];
      }
    }
  }
  return dataset;
}

Dataset LoadDataset(const std::string& dataset, const std::string& target,
                    const std::string& data_dir) {
  if (dataset == "california") {
    const std::string path = (std::filesystem::path(data_dir) / "cal_housing.data").string();
    if (io::NoSuchFile(path)) {
      throw InputError(path, "no such file; fetch the data with `bash tools/fetch-data.sh " +
                                 data_dir + "` (or pass --data-dir DIR)");
    }
    if (!target.empty() && target != "MedHouseVal") {
      throw InputError("--target " + Printable(target) +
                       ": the california data set's target is MedHouseVal");
    }
    return LoadCaliforniaHousing(path);
  }
  return LoadCsv(dataset, target);
}

}  // namespace qlab::data
