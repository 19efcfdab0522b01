// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Running helper programs (gnuplot, qlab-bench) without a shell: argv as given, stdin from
// /dev/null, output captured.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace qlab::io {

// Runs argv[0] (searched on PATH) with `argv`, stdin from /dev/null, stdout and stderr captured
// into `output`. Returns the exit status, or -1 when it could not be started.
int RunProcess(const std::vector<std::string>& argv, std::string* output);
// As RunProcess, calling `on_line` for each line of stdout (and of stderr when `merge_stderr`;
// otherwise stderr goes where ours goes). `output` may be null.
int RunProcessStreaming(const std::vector<std::string>& argv, bool merge_stderr,
                        const std::function<void(const std::string&)>& on_line,
                        std::string* output);

// `name` as found on PATH ("" if absent). Names holding '/' are returned as they are if executable.
std::string FindOnPath(const std::string& name);

}  // namespace qlab::io
