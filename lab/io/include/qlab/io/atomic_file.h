// Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
//
// Writing output files so that a reader (or a crash) never sees half of one: the bytes go to a
// temporary file in the same folder, are flushed and fsync'ed, and the temporary file is renamed
// over the target (rename is atomic within one file system); the folder is fsync'ed afterwards so
// the rename itself survives a power loss.
#pragma once

#include <string>
#include <string_view>

#include "qlab/io/stream.h"

namespace qlab::io {

// Creates `dir` and its missing parents; an existing folder is fine. InputError (naming the path)
// when it cannot be created or exists as something other than a folder.
void EnsureDirectory(const std::string& dir);

// Replaces `path` with `contents` atomically (see above). The folder must exist. The file gets
// mode 0644. InputError naming the path on any failure; the temporary file is removed then.
void WriteFileAtomically(const std::string& path, std::string_view contents);

// The whole file, opened by OpenInputFile (stream.h): InputError naming the path when it is
// missing, unreadable, not a regular file (a folder, device, FIFO or socket) or larger than
// `limit` bytes (kMaxWholeFileBytes, kMaxJsonFileBytes: stream.h).
std::string ReadFileBytes(const std::string& path, int64_t limit = kMaxWholeFileBytes);

}  // namespace qlab::io
