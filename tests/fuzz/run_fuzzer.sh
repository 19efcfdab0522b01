#!/usr/bin/env bash
# Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#
# Runs one libFuzzer target for a bounded time, for ctest:
#   run_fuzzer.sh FUZZER SOURCE_DIR NAME BINARY_DIR SECONDS
# New inputs go to BINARY_DIR/corpus/NAME (the committed seeds in SOURCE_DIR/corpus/NAME are only
# read); a crashing input is saved as BINARY_DIR/artifacts/NAME-crash-<sha1>. Exits non-zero on any
# finding (crash, sanitizer report, leak, timeout or out-of-memory).
set -euo pipefail
fuzzer=$1 source_dir=$2 name=$3 binary_dir=$4 seconds=$5

work="$binary_dir/corpus/$name"
artifacts="$binary_dir/artifacts"
mkdir -p "$work" "$artifacts"
options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024
  -print_final_stats=1 -artifact_prefix="$artifacts/$name-")
[ -f "$source_dir/$name.dict" ] && options+=(-dict="$source_dir/$name.dict")
exec "$fuzzer" "${options[@]}" "$work" "$source_dir/corpus/$name"
