// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Where tests find cal_housing.data: $QLAB_DATA_DIR (tools/dev.sh exports it), else the
// checkout's ./data. A missing file fails the test with the command that fetches it: the table in
// ../shared/data/README.md cannot be checked without the data, and a skipped check is a failure.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <string>

namespace qlab::testing {

inline std::string CaliforniaDataDir() {
  if (const char* env = std::getenv("QLAB_DATA_DIR"); env != nullptr && *env != '\0') return env;
  return QLAB_SOURCE_DIR "/data";
}

inline std::string CaliforniaDataFile() { return CaliforniaDataDir() + "/cal_housing.data"; }

inline bool HaveCaliforniaData() { return std::filesystem::exists(CaliforniaDataFile()); }

inline std::string MissingDataMessage() {
  return CaliforniaDataFile() +
         " is missing: run `bash tools/fetch-data.sh` (or set QLAB_DATA_DIR)";
}

}  // namespace qlab::testing
