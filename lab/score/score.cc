// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#include "qlab/score/score.h"

#include <fmt/format.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "qlab/data/csv.h"
#include "qlab/data/npy.h"
#include "qlab/io/input_error.h"
#include "qlab/io/shortest.h"
#include "qlab/io/stream.h"

namespace qlab::score {

using data::CsvField;
using data::CsvReader;
using io::InputError;
using io::Printable;
namespace {

constexpr const char* kPredictionColumn = "prediction";

// What one chunk gave: its output rows, and the first bad record if it holds one (the rows before
// it are in `output`; positions count from the chunk's first line).
struct ChunkResult {
  std::string output;
  uint64_t rows = 0;
  size_t lines = 0;  // line breaks in the chunk (CSV), to place the next chunk's lines
  std::optional<InputError> error;
  std::exception_ptr failure;  // anything else (out of memory): rethrown as it is
  Clipping clipping;
};

// ---- the pipeline -------------------------------------------------------------------------------
// One reader thread cuts chunks (Source), `threads` workers process them (Work), the calling
// thread takes the results in chunk order (Sink). At most `max_in_flight` chunks exist between
// the cut and the sink. The reader owns its state through a shared_ptr: after an error or a closed
// pipe the reader may be blocked in read(2) on a stalled pipe, and is then left to the process's
// exit rather than waited for.
using Source = std::function<bool(std::string& chunk)>;  // false at the end; may throw
using Work = std::function<void(size_t index, const std::string& chunk, ChunkResult& result)>;
using Sink = std::function<void(size_t index, ChunkResult& result)>;

struct Shared {
  std::mutex mutex;
  std::condition_variable work_ready;    // a chunk queued, or the end
  std::condition_variable result_ready;  // a result stored, or the end
  std::condition_variable space;         // a result taken: the reader may cut another chunk
  std::deque<std::pair<size_t, std::string>> queue;
  std::map<size_t, ChunkResult> results;
  size_t cut = 0;    // chunks cut so far
  size_t taken = 0;  // results the sink has taken
  bool source_done = false;
  bool reader_finished = false;
  std::exception_ptr source_error;  // stands at chunk index `cut` once source_done
  bool stop = false;
  Source source;
};

void RunPipeline(size_t threads, size_t max_in_flight, Source source, const Work& work,
                 const Sink& sink) {
  auto shared = std::make_shared<Shared>();
  shared->source = std::move(source);
  std::thread reader([shared, max_in_flight] {
    Shared& s = *shared;
    for (;;) {
      {
        std::unique_lock lock(s.mutex);
        s.space.wait(lock, [&] { return s.stop || s.cut - s.taken < max_in_flight; });
        if (s.stop) break;
      }
      std::string chunk;
      bool more = false;
      std::exception_ptr error;
      try {
        more = s.source(chunk);
      } catch (...) {
        error = std::current_exception();
      }
      std::lock_guard lock(s.mutex);
      if (error || !more) {
        s.source_error = error;
        s.source_done = true;
        s.work_ready.notify_all();
        s.result_ready.notify_all();
        break;
      }
      s.queue.emplace_back(s.cut++, std::move(chunk));
      s.work_ready.notify_one();
    }
    std::lock_guard lock(s.mutex);
    s.reader_finished = true;
    s.source = nullptr;  // the input stream and chunker go with the last reference to them
  });

  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([shared, &work] {
      Shared& s = *shared;
      for (;;) {
        std::pair<size_t, std::string> job;
        {
          std::unique_lock lock(s.mutex);
          s.work_ready.wait(lock, [&] { return s.stop || !s.queue.empty() || s.source_done; });
          if (s.stop || s.queue.empty()) break;
          job = std::move(s.queue.front());
          s.queue.pop_front();
        }
        ChunkResult result;
        try {
          work(job.first, job.second, result);
        } catch (...) {
          result.failure = std::current_exception();
        }
        job.second = std::string();  // the input's memory, before waiting for the lock
        std::lock_guard lock(s.mutex);
        s.results.emplace(job.first, std::move(result));
        s.result_ready.notify_all();
      }
    });
  }

  // Stops and collects the threads on every way out of this function.
  struct Joiner {
    Shared& s;
    std::thread& reader;
    std::vector<std::thread>& workers;
    ~Joiner() {
      {
        std::lock_guard lock(s.mutex);
        s.stop = true;
        s.work_ready.notify_all();
        s.space.notify_all();
      }
      for (std::thread& w : workers) w.join();
      bool finished = false;
      {
        std::lock_guard lock(s.mutex);
        finished = s.reader_finished;
      }
      if (finished) {
        reader.join();
      } else {
        reader.detach();  // blocked in a read that may never return; it owns its state
      }
    }
  } joiner{*shared, reader, workers};

  for (size_t next = 0;; ++next) {
    ChunkResult result;
    {
      std::unique_lock lock(shared->mutex);
      shared->result_ready.wait(lock, [&] {
        return shared->results.count(next) != 0 || (shared->source_done && next == shared->cut);
      });
      const auto it = shared->results.find(next);
      if (it == shared->results.end()) {
        if (shared->source_error) std::rethrow_exception(shared->source_error);
        break;
      }
      result = std::move(it->second);
      shared->results.erase(it);
      ++shared->taken;
      shared->space.notify_one();
    }
    if (result.failure) std::rethrow_exception(result.failure);
    sink(next, result);
  }
  // Normal end: the reader has finished (source_done), so the joiner joins it.
}

// ---- CSV
// ------------------------------------------------------------------------------------------
struct CsvLayout {
  std::string path;
  size_t columns = 0;
  std::vector<size_t> feature_columns;  // per model feature, its column in the file
  std::vector<size_t> keep_columns;
  const std::vector<std::string>* feature_names = nullptr;
};

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

// Matches the header's names to the model's features and the --keep columns.
CsvLayout ReadCsvHeader(const std::string& record, const std::string& path,
                        const std::vector<std::string>& features,
                        const std::vector<std::string>& keep, size_t& next_line) {
  CsvReader reader(record, path, /*at_stream_start=*/true);
  std::vector<CsvField> header;
  if (!reader.Next(header)) {
    throw InputError(path, "empty input, expected a header row naming the model's features (" +
                               JoinNames(features) + ")");
  }
  data::CheckHeader(path, header);
  next_line = reader.line();
  CsvLayout layout;
  layout.path = path;
  layout.columns = header.size();
  layout.feature_names = &features;
  std::vector<std::string> names;
  names.reserve(header.size());
  for (const CsvField& field : header) names.emplace_back(field.text);
  const auto find = [&](const std::string& name) {
    for (size_t c = 0; c < names.size(); ++c) {
      if (names[c] == name) return c;
    }
    return names.size();
  };
  std::vector<std::string> missing;
  for (const std::string& feature : features) {
    const size_t c = find(feature);
    if (c == names.size()) missing.push_back(feature);
    layout.feature_columns.push_back(c);
  }
  if (!missing.empty()) {
    throw InputError(path, header[0].line, header[0].column,
                     "the header lacks the model's feature" +
                         std::string(missing.size() > 1 ? "s " : " ") +
                         Printable(JoinNames(missing), 200) +
                         " (columns: " + Printable(JoinNames(names), 200) + ")");
  }
  for (size_t i = 0; i < keep.size(); ++i) {
    // The output's header is the kept names, then `prediction`: each must be a name once, or the
    // output would not read back (qlab's own reader refuses a repeated column name).
    const std::string& name = keep[i];
    if (name == kPredictionColumn) {
      throw InputError(path, header[0].line, header[0].column,
                       "--keep prediction: the output's own column is named 'prediction'");
    }
    if (std::find(keep.begin(), keep.begin() + static_cast<std::ptrdiff_t>(i), name) !=
        keep.begin() + static_cast<std::ptrdiff_t>(i)) {
      throw InputError(path, header[0].line, header[0].column,
                       "--keep " + Printable(name) + " is given twice");
    }
  }
  for (const std::string& name : keep) {
    const size_t c = find(name);
    if (c == names.size()) {
      throw InputError(path, header[0].line, header[0].column,
                       "--keep " + Printable(name) +
                           ": no such column (columns: " + Printable(JoinNames(names), 200) + ")");
    }
    layout.keep_columns.push_back(c);
  }
  return layout;
}

// Rows of `values` (row-major, k per row) as the column-major matrix the kernels' callers take.
Eigen::MatrixXd ToMatrix(const std::vector<double>& values, uint64_t rows, size_t k) {
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  return Eigen::Map<const RowMajor>(values.data(), static_cast<Eigen::Index>(rows),
                                    static_cast<Eigen::Index>(k));
}

// The first row whose prediction is not finite, or -1: finite features can still overflow it
// (1e300 times a coefficient of 3e40), and that row is bad input.
Eigen::Index FirstOverflow(const Eigen::VectorXd& y) {
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (!std::isfinite(y[i])) return i;
  }
  return -1;
}

void AppendRows(const Eigen::VectorXd& y, const std::string& keep_text,
                const std::vector<size_t>& keep_end, std::string& out) {
  out.reserve(out.size() + keep_text.size() + static_cast<size_t>(y.size()) * 20);
  size_t start = 0;
  for (Eigen::Index i = 0; i < y.size(); ++i) {
    if (!keep_end.empty()) {
      const size_t end = keep_end[static_cast<size_t>(i)];
      out.append(keep_text, start, end - start);
      start = end;
    }
    io::AppendShortest(out, y[i]);
    out.push_back('\n');
  }
}

void ScoreCsvChunk(const CsvLayout& layout, const Scorer& scorer, bool parse_only,
                   const std::string& chunk, ChunkResult& result) {
  const size_t k = layout.feature_columns.size();
  const std::vector<std::string>& names = *layout.feature_names;
  // CsvReader refuses a chunk holding a NUL byte as a whole; the records before the one holding
  // it are still good rows, scored and written before the error.
  std::string_view text = chunk;
  std::optional<InputError> binary;
  if (const void* nul = std::memchr(chunk.data(), '\0', chunk.size()); nul != nullptr) {
    try {
      CsvReader probe(chunk, layout.path, /*at_stream_start=*/false);
    } catch (const InputError& e) {
      binary = e;
    }
    const auto offset = static_cast<size_t>(static_cast<const char*>(nul) - chunk.data());
    text = text.substr(0, data::EndOfLastRecord(text.substr(0, offset)));
  }
  CsvReader reader(text, layout.path, /*at_stream_start=*/false);
  std::vector<CsvField> fields;
  std::vector<double> values;
  values.reserve(chunk.size() / 8);
  std::string keep_text;
  std::vector<size_t> keep_end;
  uint64_t rows = 0;
  try {
    while (reader.Next(fields)) {
      data::CheckFieldCount(reader, fields, layout.columns, " (as the header has)");
      for (size_t j = 0; j < k; ++j) {
        values.push_back(
            data::ParseFiniteDouble(fields[layout.feature_columns[j]], layout.path, names[j]));
      }
      if (!layout.keep_columns.empty()) {
        for (const size_t c : layout.keep_columns) {
          data::AppendCsvField(keep_text, fields[c].text);
          keep_text.push_back(',');
        }
        keep_end.push_back(keep_text.size());
      }
      ++rows;
    }
    result.lines = reader.line() - 1;
    if (binary) result.error = binary;
  } catch (const InputError& e) {
    result.error = e;
    values.resize(rows * k);  // a row cut short by the error is not scored
  }
  result.rows = rows;
  const Eigen::MatrixXd X = ToMatrix(values, rows, k);
  if (parse_only) return;
  Eigen::VectorXd y = scorer.Predict(X, result.clipping);
  if (const Eigen::Index i = FirstOverflow(y); i >= 0) {
    // Rare, so its position is found by reading the records again rather than kept for every
    // row: the overflowing row is a bad row like an unparsable one, the rows before it stand.
    CsvReader again(text, layout.path, /*at_stream_start=*/false);
    for (Eigen::Index r = 0; r <= i; ++r) again.Next(fields);
    result.error = InputError(layout.path, fields.front().line, fields.front().column,
                              fmt::format("overflow: this row's prediction is {} (features far "
                                          "outside the model's range)",
                                          y[i]));
    result.rows = static_cast<uint64_t>(i);
    y.conservativeResize(i);
    if (!keep_end.empty()) keep_end.resize(static_cast<size_t>(i));
  }
  AppendRows(y, keep_text, keep_end, result.output);
}

// ---- .npy
// -----------------------------------------------------------------------------------------
void ScoreNpyChunk(const data::NpyHeader& header, const std::string& path, const Scorer& scorer,
                   bool parse_only, uint64_t first_row, const std::string& chunk,
                   ChunkResult& result) {
  const auto k = static_cast<size_t>(header.cols);
  const size_t row_bytes = k * static_cast<size_t>(header.item_bytes);
  const uint64_t rows = chunk.size() / row_bytes;
  Eigen::MatrixXd X(static_cast<Eigen::Index>(rows), static_cast<Eigen::Index>(k));
  uint64_t good = rows;
  for (uint64_t i = 0; i < rows && good == rows; ++i) {
    const char* row = chunk.data() + i * row_bytes;
    for (size_t j = 0; j < k; ++j) {
      double value = 0;
      if (header.item_bytes == 8) {
        std::memcpy(&value, row + j * 8, 8);
      } else {
        float narrow = 0;
        std::memcpy(&narrow, row + j * 4, 4);
        value = narrow;
      }
      if (!std::isfinite(value)) {
        result.error = InputError(
            path, fmt::format("row {} (0-based), column {} ({}): {} is NaN or infinite; only "
                              "finite numbers are allowed",
                              first_row + i, j, scorer.feature_names()[j], value));
        good = i;
        break;
      }
      X(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = value;
    }
  }
  result.rows = good;
  if (parse_only) return;
  // (Not `good == rows ? X : ...`: the conditional copies X whichever way it goes.)
  Eigen::VectorXd y =
      good == rows ? scorer.Predict(X, result.clipping)
                   : scorer.Predict(Eigen::MatrixXd(X.topRows(static_cast<Eigen::Index>(good))),
                                    result.clipping);
  if (const Eigen::Index i = FirstOverflow(y); i >= 0) {
    result.error = InputError(
        path, fmt::format("row {} (0-based): overflow: its prediction is {} (features far "
                          "outside the model's range)",
                          first_row + static_cast<uint64_t>(i), y[i]));
    result.rows = static_cast<uint64_t>(i);
    y.conservativeResize(i);
  }
  AppendRows(y, {}, {}, result.output);
}

// Cuts the .npy data into chunks of whole rows; throws after the last complete rows when the data
// is shorter or longer than the header's shape (a pipe; a file was checked against its size).
class NpySource {
 public:
  NpySource(std::shared_ptr<io::InputStream> input, const data::NpyHeader& header,
            uint64_t rows_per_chunk)
      : input_(std::move(input)), header_(header), rows_per_chunk_(rows_per_chunk) {}

  bool operator()(std::string& chunk) {
    const uint64_t row_bytes = header_.cols * static_cast<uint64_t>(header_.item_bytes);
    if (failed_) Fail();
    if (rows_ == header_.rows) {
      char extra = 0;
      if (input_->Read(&extra, 1) != 0) {
        throw InputError(input_->name(), "the .npy data continues past the " +
                                             std::to_string(header_.rows) +
                                             " rows of the header's shape");
      }
      return false;
    }
    const uint64_t want_rows = std::min(rows_per_chunk_, header_.rows - rows_);
    chunk.resize(want_rows * row_bytes);
    const size_t got = input_->Read(chunk.data(), chunk.size());
    const uint64_t whole = got / row_bytes;
    chunk.resize(whole * row_bytes);
    rows_ += whole;
    if (got < want_rows * row_bytes) {
      failed_ = true;
      partial_ = got % row_bytes;
      if (whole == 0) Fail();
    }
    return true;
  }

 private:
  [[noreturn]] void Fail() const {
    throw InputError(input_->name(),
                     "the .npy header's shape says " + std::to_string(header_.rows) +
                         " rows, the data ends after " + std::to_string(rows_) + " rows" +
                         (partial_ > 0 ? " and " + std::to_string(partial_) + " bytes" : ""));
  }
  std::shared_ptr<io::InputStream> input_;
  data::NpyHeader header_;
  uint64_t rows_per_chunk_;
  uint64_t rows_ = 0;
  bool failed_ = false;
  uint64_t partial_ = 0;
};

// ---- progress
// -------------------------------------------------------------------------------------
class Progress {
 public:
  explicit Progress(bool enabled) : enabled_(enabled), start_(Clock::now()), last_(start_) {}
  ~Progress() {
    if (shown_) std::fputc('\n', stderr);
  }
  void Update(uint64_t rows, uint64_t bytes) {
    if (!enabled_) return;
    const auto now = Clock::now();
    if (now - last_ < std::chrono::milliseconds(500)) return;
    last_ = now;
    const double seconds = std::chrono::duration<double>(now - start_).count();
    std::fprintf(stderr, "\rqlab score: %llu rows, %.1f MB, %.0f rows/s   ",
                 static_cast<unsigned long long>(rows), static_cast<double>(bytes) / 1e6,
                 static_cast<double>(rows) / seconds);
    std::fflush(stderr);
    shown_ = true;
  }

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  bool shown_ = false;
  Clock::time_point start_;
  Clock::time_point last_;
};

InputError Rebased(const InputError& e, size_t first_line) {
  if (e.line() == 0) return e;
  return InputError(e.file(), e.line() + first_line - 1, e.column(), e.what());
}

}  // namespace

ScoreSummary Score(const Scorer& scorer, const ScoreOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  auto input = std::make_shared<io::InputStream>(options.input, /*allow_stream=*/true);
  const std::string& path = input->name();
  io::OutputStream output(options.output);
  ScoreSummary summary;
  summary.input = path;
  summary.kernel = scorer.kernel();
  summary.threads = std::max<size_t>(options.threads, 1);
  summary.parse_only = options.parse_only;
  summary.counts_clipping = scorer.counts_clipping();
  summary.feature_names = scorer.feature_names();
  summary.clipping.per_feature.assign(scorer.feature_names().size(), 0);
  const size_t max_in_flight = 2 * summary.threads + 2;
  Progress progress(options.progress);
  {
    // One call before the workers start: Highway picks its dispatch target on a kernel's first
    // call, done here once rather than raced for by every worker.
    Clipping ignored;
    scorer.Predict(
        Eigen::MatrixXd::Zero(2, static_cast<Eigen::Index>(scorer.feature_names().size())),
        ignored);
  }

  const auto write = [&](std::string_view bytes) {
    if (!options.parse_only) output.Write(bytes);
  };
  const auto take = [&](ChunkResult& result) {
    write(result.output);
    summary.rows += result.rows;
    summary.clipping.Add(result.clipping);
    progress.Update(summary.rows, input->bytes_read());
  };

  // The first bytes tell .npy from CSV.
  std::string magic(data::kNpyMagic.size(), '\0');
  magic.resize(input->Read(magic.data(), magic.size()));
  const bool npy = magic == data::kNpyMagic;
  input->Unread(std::move(magic));

  if (npy) {
    summary.format = "npy";
    if (!options.keep.empty()) {
      throw InputError(path, "--keep: a .npy array has no named columns to keep");
    }
    const data::NpyHeader header = data::ReadNpyHeader(*input);
    const size_t k = scorer.feature_names().size();
    if (header.cols != k) {
      throw InputError(path, "the .npy array has " + std::to_string(header.cols) +
                                 " columns; the model takes " + std::to_string(k) +
                                 " features, in this order: " + JoinNames(scorer.feature_names()));
    }
    write(std::string(kPredictionColumn) + "\n");
    const uint64_t row_bytes = header.cols * static_cast<uint64_t>(header.item_bytes);
    const uint64_t rows_per_chunk = std::max<uint64_t>(1, options.chunk_bytes / row_bytes);
    RunPipeline(
        summary.threads, max_in_flight, NpySource(input, header, rows_per_chunk),
        [&](size_t index, const std::string& chunk, ChunkResult& result) {
          ScoreNpyChunk(header, path, scorer, options.parse_only, index * rows_per_chunk, chunk,
                        result);
        },
        [&](size_t /*index*/, ChunkResult& result) {
          take(result);
          if (result.error) throw *result.error;
        });
  } else {
    summary.format = "csv";
    auto chunker = std::make_shared<data::CsvChunker>(*input, options.chunk_bytes);
    std::string record;
    if (!chunker->NextRecord(record)) {
      throw InputError(path, "empty input, expected a header row naming the model's features (" +
                                 JoinNames(scorer.feature_names()) + ")");
    }
    size_t next_line = 1;
    const CsvLayout layout =
        ReadCsvHeader(record, path, scorer.feature_names(), options.keep, next_line);
    std::string header_out;
    for (const std::string& name : options.keep) {
      data::AppendCsvField(header_out, name);
      header_out.push_back(',');
    }
    header_out += kPredictionColumn;
    header_out.push_back('\n');
    write(header_out);
    RunPipeline(
        summary.threads, max_in_flight,
        // The chunker reads through `input`, which the reader thread keeps alive with it.
        [chunker, input](std::string& chunk) { return chunker->NextChunk(chunk); },
        [&](size_t /*index*/, const std::string& chunk, ChunkResult& result) {
          ScoreCsvChunk(layout, scorer, options.parse_only, chunk, result);
        },
        [&](size_t /*index*/, ChunkResult& result) {
          take(result);
          if (result.error) throw Rebased(*result.error, next_line);
          next_line += result.lines;
        });
  }
  output.Commit();
  summary.bytes_read = input->bytes_read();
  summary.bytes_written = output.bytes_written();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

size_t DefaultThreads() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  const int count = CPU_COUNT(&set);
  return count > 0 ? static_cast<size_t>(count) : 1;
}

nlohmann::json SummaryJson(const ScoreSummary& s) {
  nlohmann::json j;
  j["input"] = s.input;
  j["format"] = s.format;
  j["kernel"] = s.kernel;
  j["threads"] = s.threads;
  j["parse_only"] = s.parse_only;
  j["rows"] = s.rows;
  j["bytes_read"] = s.bytes_read;
  j["bytes_written"] = s.bytes_written;
  j["seconds"] = s.seconds;
  j["rows_per_second"] = s.seconds > 0 ? static_cast<double>(s.rows) / s.seconds : 0.0;
  j["megabytes_per_second"] =
      s.seconds > 0 ? static_cast<double>(s.bytes_read) / 1e6 / s.seconds : 0.0;
  if (s.counts_clipping) {
    j["clipped_values"] = s.clipping.values();
    j["clipped_rows"] = s.clipping.rows;
    nlohmann::json per_feature = nlohmann::json::object();
    for (size_t f = 0; f < s.feature_names.size(); ++f) {
      per_feature[s.feature_names[f]] =
          f < s.clipping.per_feature.size() ? s.clipping.per_feature[f] : 0;
    }
    j["clipped_per_feature"] = per_feature;
  }
  return j;
}

std::string SummaryText(const ScoreSummary& s) {
  std::string line = fmt::format("qlab score: {} rows, {}", s.rows,
                                 s.parse_only ? "parsed only" : "kernel " + s.kernel);
  if (s.counts_clipping) {
    line += fmt::format(", {} values clipped in {} rows", s.clipping.values(), s.clipping.rows);
    std::string parts;
    for (size_t f = 0; f < s.feature_names.size() && f < s.clipping.per_feature.size(); ++f) {
      if (s.clipping.per_feature[f] == 0) continue;
      parts += fmt::format("{}{} {}", parts.empty() ? "" : ", ", s.feature_names[f],
                           s.clipping.per_feature[f]);
    }
    if (!parts.empty()) line += " (" + parts + ")";
  }
  return line;
}

}  // namespace qlab::score
