// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// `qlab score`: a stream of new rows in, one prediction per row out, in input order. The input is
// cut into chunks of whole records (data::CsvChunker; fixed row counts for .npy) which worker
// threads parse and score concurrently; the calling thread writes their output in order. At most
// 2·threads + 2 chunks are in flight, so memory is bounded whatever the input size. The chunks
// depend on the input bytes only, so the output is the same for every thread count and for a file
// or a pipe.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "qlab/score/scorer.h"

namespace qlab::score {

inline constexpr size_t kDefaultChunkBytes = size_t{4} << 20;

struct ScoreOptions {
  std::string input = "-";        // a file, or "-" for stdin
  std::string output = "-";       // a file (written as a temporary, renamed at the end), or "-"
  std::vector<std::string> keep;  // CSV columns copied before the prediction, in this order
  size_t threads = 1;
  size_t chunk_bytes = kDefaultChunkBytes;
  // Parse every chunk into its feature matrix as scoring does, then drop it: no prediction, no
  // output. The measure of parsing alone (README: "qlab score").
  bool parse_only = false;
  bool progress = false;  // rows, bytes and rows/s on stderr while running
};

struct ScoreSummary {
  std::string input;   // the input's name (kStdinName for stdin)
  std::string format;  // "csv" or "npy"
  std::string kernel;
  size_t threads = 1;
  bool parse_only = false;
  uint64_t rows = 0;
  uint64_t bytes_read = 0;
  uint64_t bytes_written = 0;
  double seconds = 0;
  bool counts_clipping = false;
  std::vector<std::string> feature_names;
  Clipping clipping;
};

// Scores `options.input` into `options.output`. The input is detected by its first bytes: the
// .npy magic, else CSV with a header naming (at least) the model's features, in any order.
// InputError (FILE:LINE:COL for CSV) for the first bad record in input order: a wrong field
// count, a field that is not a finite number, a missing column. On stdout the header and every
// row before that record have been written then (and nothing after it); an output file is never
// left behind. io::ClosedPipe when the reader of stdout went away.
ScoreSummary Score(const Scorer& scorer, const ScoreOptions& options);

// The CPUs this process may run on (sched_getaffinity), at least 1.
size_t DefaultThreads();

nlohmann::json SummaryJson(const ScoreSummary& summary);
// One line for stderr: rows, kernel and, for w8a8, the values clipped per feature.
std::string SummaryText(const ScoreSummary& summary);

}  // namespace qlab::score
