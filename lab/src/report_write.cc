// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Writing a report folder: everything goes into a temporary sibling folder first, which is renamed
// into place at the end, so a failed run never leaves half a report.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "qlab/lab/error.h"
#include "qlab/lab/report.h"
#include "qlab/lab/report_json.h"

namespace qlab::lab {
namespace {

namespace fs = std::filesystem;

// Removes the temporary folder unless released.
class TempDir {
 public:
  explicit TempDir(fs::path path) : path_(std::move(path)) {}
  ~TempDir() {
    if (!path_.empty()) {
      std::error_code ignored;
      fs::remove_all(path_, ignored);
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  void Release() { path_.clear(); }

 private:
  fs::path path_;
};

}  // namespace

ReportOutput WriteReport(const ReportInputs& inputs_in, const std::string& out_dir) {
  ReportInputs inputs = inputs_in;
  if (inputs.name.empty()) inputs.name = DefaultReportName(inputs.machine);
  // Validate and build the JSON before touching the file system.
  const nlohmann::json report_json_without_charts = BuildReportJson(inputs);

  const fs::path target = fs::absolute(fs::path(out_dir)).lexically_normal();
  const fs::path parent = target.parent_path();
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) throw InputError(parent.string(), "cannot create folder: " + ec.message());
  if (fs::exists(target) && !fs::is_directory(target)) {
    throw InputError(target.string(), "exists and is not a folder");
  }
  const fs::path temp_path =
      parent / ("." + target.filename().string() + ".tmp." + std::to_string(::getpid()));
  fs::remove_all(temp_path, ec);
  if (!fs::create_directory(temp_path, ec) || ec) {
    throw InputError(temp_path.string(), "cannot create folder: " + ec.message());
  }
  TempDir temp(temp_path);

  ChartSet charts;
  if (inputs.charts) charts = DrawCharts(inputs, (temp.path() / "charts").string());

  nlohmann::json report_json = report_json_without_charts;
  report_json["charts"] = nlohmann::json::array();
  for (const auto& c : charts.charts) {
    report_json["charts"].push_back({{"stem", c.stem},
                                     {"title", c.title},
                                     {"svg", "charts/" + c.stem + ".svg"},
                                     {"png", "charts/" + c.stem + ".png"}});
  }
  if (!charts.note.empty()) report_json["charts_note"] = charts.note;

  WriteFileAtomically((temp.path() / "report.json").string(), report_json.dump(2) + "\n");
  WriteFileAtomically((temp.path() / "report.md").string(), RenderMarkdown(inputs, charts));
  WriteFileAtomically((temp.path() / "report.html").string(), RenderHtml(inputs, charts));

  // Swap into place; an older report at the target goes aside first and is removed after.
  fs::path old_path;
  if (fs::exists(target)) {
    old_path = parent / ("." + target.filename().string() + ".old." + std::to_string(::getpid()));
    fs::remove_all(old_path, ec);
    fs::rename(target, old_path, ec);
    if (ec) throw InputError(target.string(), "cannot replace the old report: " + ec.message());
  }
  fs::rename(temp.path(), target, ec);
  if (ec) {
    if (!old_path.empty()) fs::rename(old_path, target, ec);
    throw InputError(target.string(), "cannot move the report into place: " + ec.message());
  }
  temp.Release();
  if (!old_path.empty()) fs::remove_all(old_path, ec);
  return {target.string(), charts.charts.empty() ? charts.note : ""};
}

}  // namespace qlab::lab
