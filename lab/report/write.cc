// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Writing a report folder. It may already hold other results (`qlab run` puts the model and its
// JSON there), so only the report's own files are replaced: each file through a temporary file and
// a rename, charts/ drawn in a temporary folder and renamed into place.
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "qlab/io/atomic_file.h"
#include "qlab/io/input_error.h"
#include "qlab/io/output_transaction.h"
#include "qlab/io/stream.h"
#include "qlab/io/temporaries.h"
#include "qlab/report/report.h"

namespace qlab::report {

using io::InputError;
using io::WriteFileAtomically;
namespace {

namespace fs = std::filesystem;

// Removes the temporary folder unless released.
class TempDir {
 public:
  explicit TempDir(fs::path path) : path_(std::move(path)), guard_(path_.string(), true) {}
  ~TempDir() {
    if (!path_.empty()) {
      std::error_code ignored;
      fs::remove_all(path_, ignored);
    }
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  void Release() {
    path_.clear();
    guard_.Release();
  }

 private:
  fs::path path_;
  io::ScopedTemporary guard_;  // removed on SIGINT/SIGTERM too
};

// A name DrawCharts writes into charts/: STEM.svg, STEM.png, or a STEM.gp script left by a
// report killed while gnuplot ran.
bool IsChartFileName(const std::string& name) {
  for (const char* extension : {".svg", ".png", ".gp"}) {
    const std::string ext(extension);
    if (name.size() > ext.size() && name.compare(name.size() - ext.size(), ext.size(), ext) == 0) {
      return true;
    }
  }
  return false;
}

const char* KindOf(const fs::file_status& status) {
  switch (status.type()) {
    case fs::file_type::regular:
      return "a regular file";
    case fs::file_type::directory:
      return "a folder";
    case fs::file_type::symlink:
      return "a symbolic link";
    case fs::file_type::fifo:
      return "a FIFO";
    case fs::file_type::socket:
      return "a socket";
    case fs::file_type::block:
    case fs::file_type::character:
      return "a device";
    default:
      return "not a regular file";
  }
}

}  // namespace

void CheckReportFolder(const std::string& out_dir) {
  const fs::path target = fs::absolute(fs::path(out_dir)).lexically_normal();
  for (const char* name : {"report.json", "report.md", "report.html"}) {
    io::CheckOutputFile((target / name).string(), /*folder_may_be_created=*/true);
  }
  const fs::path charts = target / "charts";
  std::error_code ec;
  const fs::file_status status = fs::symlink_status(charts, ec);
  if (status.type() == fs::file_type::not_found) return;
  const std::string whole =
      "; qlab replaces charts/ whole and only the one it wrote: move it "
      "away or choose another --out";
  if (status.type() != fs::file_type::directory) {
    throw InputError(charts.string(), std::string("is ") + KindOf(status) +
                                          ", not a charts folder qlab wrote" + whole);
  }
  fs::directory_iterator it(charts, ec);
  if (ec) throw InputError(charts.string(), "cannot be read: " + ec.message() + whole);
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) throw InputError(charts.string(), "cannot be read: " + ec.message() + whole);
    const fs::file_status entry = it->symlink_status(ec);
    const std::string name = it->path().filename().string();
    if (entry.type() != fs::file_type::regular || !IsChartFileName(name)) {
      throw InputError(it->path().string(), std::string("is ") + KindOf(entry) +
                                                " that qlab did not write into charts/" + whole);
    }
  }
}

ReportOutput WriteReport(const ReportInputs& inputs_in, const std::string& out_dir) {
  ReportInputs inputs = inputs_in;
  if (inputs.name.empty()) inputs.name = DefaultReportName(inputs.machine);
  // Validate and build the JSON before touching the file system.
  const nlohmann::json report_json_without_charts = BuildReportJson(inputs);

  CheckReportFolder(out_dir);
  const fs::path target = fs::absolute(fs::path(out_dir)).lexically_normal();
  std::error_code ec;
  io::EnsureDirectory(target.string());  // recorded: a failed command removes it again
  const fs::path charts_final = target / "charts";
  io::RemoveDeadTemporaries(target.string());  // .charts.qlab-tmp.PID/ of a report killed here
  TempDir charts_temp(target / io::TemporaryName("charts", ""));
  fs::remove_all(charts_temp.path(), ec);

  ChartSet charts;
  if (inputs.charts) charts = DrawCharts(inputs, charts_temp.path().string());

  // charts/ is replaced whole (an older report's charts never linger beside new tables); the
  // old one is kept aside until the command commits (output_transaction.h).
  if (!charts.charts.empty()) {
    io::ReplaceFolder(charts_final.string(), charts_temp.path().string());
    charts_temp.Release();
  } else if (fs::exists(fs::symlink_status(charts_final))) {
    io::ReplaceFolder(charts_final.string(), "");
  }

  nlohmann::json report_json = report_json_without_charts;
  report_json["charts"] = nlohmann::json::array();
  for (const auto& c : charts.charts) {
    report_json["charts"].push_back({{"stem", c.stem},
                                     {"title", c.title},
                                     {"svg", "charts/" + c.stem + ".svg"},
                                     {"png", "charts/" + c.stem + ".png"}});
  }
  if (!charts.note.empty()) report_json["charts_note"] = charts.note;

  WriteFileAtomically((target / "report.json").string(), report_json.dump(2) + "\n");
  WriteFileAtomically((target / "report.md").string(), RenderMarkdown(inputs, charts));
  WriteFileAtomically((target / "report.html").string(), RenderHtml(inputs, charts));
  return {target.string(), charts.charts.empty() ? charts.note : ""};
}

}  // namespace qlab::report
