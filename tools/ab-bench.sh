#!/usr/bin/env bash
# Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
# Runs two qlab-bench binaries alternately, one repetition of each per round, pinned to one core,
# so that drift of a shared machine (other jobs, clock, cache neighbours) hits both sides alike;
# then merges each side's rounds into one Google Benchmark JSON file whose entries are the
# individual repetitions, as `--benchmark_repetitions=N` writes them (run_type "iteration",
# repetitions = N, repetition_index 0..N-1; no aggregates), for `qlab compare BASE.json NEW.json`.
#
#   tools/ab-bench.sh [options] BASE_BENCH NEW_BENCH [-- EXTRA_BENCH_ARGS...]
#     --rounds N       rounds, i.e. repetitions per side (default 10)
#     --filter REGEX   passed as --benchmark_filter (default: every benchmark)
#     --min-time S     --benchmark_min_time in seconds (default 0.05)
#     --cpu K          core to pin both binaries to with taskset (default: the last one allowed)
#     --out-dir DIR    where base.json and new.json go (default: the current directory)
#
# Round r runs BASE then NEW when r is even and NEW then BASE when r is odd, so neither side always
# runs first (ABBA). Each side's JSON keeps its first round's context and adds qlab_ab_* keys.
# The outputs appear only when every run succeeded (written to temporaries, then renamed).
# Exit 0 on success, 2 on bad usage or a failed run (one line on stderr). Needs jq and taskset.
set -euo pipefail

die() {
  echo "ab-bench: $*" >&2
  exit 2
}

rounds=10
filter=""
min_time=0.05
cpu=""
out_dir="."
positional=()
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) [ $# -ge 2 ] || die "--rounds needs a value"; rounds=$2; shift 2 ;;
    --rounds=*) rounds=${1#*=}; shift ;;
    --filter) [ $# -ge 2 ] || die "--filter needs a value"; filter=$2; shift 2 ;;
    --filter=*) filter=${1#*=}; shift ;;
    --min-time) [ $# -ge 2 ] || die "--min-time needs a value"; min_time=$2; shift 2 ;;
    --min-time=*) min_time=${1#*=}; shift ;;
    --cpu) [ $# -ge 2 ] || die "--cpu needs a value"; cpu=$2; shift 2 ;;
    --cpu=*) cpu=${1#*=}; shift ;;
    --out-dir) [ $# -ge 2 ] || die "--out-dir needs a value"; out_dir=$2; shift 2 ;;
    --out-dir=*) out_dir=${1#*=}; shift ;;
    -h | --help) sed -n '3,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --) shift; extra=("$@"); break ;;
    -*) die "unknown option $1 (see --help)" ;;
    *) positional+=("$1"); shift ;;
  esac
done
[ ${#positional[@]} -eq 2 ] || die "expected BASE_BENCH and NEW_BENCH (see --help)"
base_bin=${positional[0]}
new_bin=${positional[1]}
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "--rounds must be a positive whole number, not '$rounds'"
[[ $min_time =~ ^[0-9]*\.?[0-9]+$ ]] || die "--min-time must be a number of seconds, not '$min_time'"
for bin in "$base_bin" "$new_bin"; do
  if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then die "$bin: not an executable file"; fi
done
command -v jq >/dev/null || die "jq not found (bash tools/install-deps.sh)"
command -v taskset >/dev/null || die "taskset not found (util-linux)"
if [ -z "$cpu" ]; then
  # The last core of this process's affinity list, e.g. "0-1" or "0,2-3".
  allowed=$(taskset -pc $$ | sed 's/.*: //')
  cpu=$(echo "$allowed" | tr ',' '\n' | tail -n 1 | sed 's/.*-//')
fi
[[ $cpu =~ ^[0-9]+$ ]] || die "--cpu must be a core number, not '$cpu'"
taskset -c "$cpu" true 2>/dev/null || die "cannot pin to core $cpu"
[ -d "$out_dir" ] || die "$out_dir: no such directory"

work=$(mktemp -d "${TMPDIR:-/tmp}/ab-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

args=(--benchmark_repetitions=1 "--benchmark_min_time=$min_time" --benchmark_format=json)
[ -n "$filter" ] && args+=("--benchmark_filter=$filter")
args+=("${extra[@]}")

run_one() {  # side round binary
  local out
  out="$work/$1.$(printf %06d "$2").json"
  if ! taskset -c "$cpu" "$3" "${args[@]}" "--benchmark_out=$out" --benchmark_out_format=json \
      >"$work/stdout" 2>"$work/stderr"; then
    die "$3 failed in round $(($2 + 1)): $(tail -n 1 "$work/stderr")"
  fi
  # Google Benchmark leaves an empty file when the filter matches nothing (and jq 1.6 -e accepts
  # empty input), hence the size test.
  if [ ! -s "$out" ] || ! jq -e '.benchmarks | length > 0' "$out" >/dev/null 2>&1; then
    die "$3 ran no benchmark in round $(($2 + 1)) (filter '$filter')"
  fi
}

for ((r = 0; r < rounds; r++)); do
  echo "ab-bench: round $((r + 1))/$rounds" >&2
  if ((r % 2 == 0)); then
    run_one base "$r" "$base_bin"
    run_one new "$r" "$new_bin"
  else
    run_one new "$r" "$new_bin"
    run_one base "$r" "$base_bin"
  fi
done

# One side's rounds (in round order, from the zero-padded names) into one file: iteration entries
# grouped by benchmark in registration order, each group's repetition_index in round order.
merge() {  # side binary
  jq -s --arg bin "$2" --arg cpu "$cpu" --arg rounds "$rounds" '
    (.[0].context + {qlab_ab_executable: $bin, qlab_ab_cpu: $cpu, qlab_ab_rounds: $rounds,
                     qlab_ab_order: "alternating, one repetition per round, ABBA"}) as $context
    | [to_entries[] | .key as $round | .value.benchmarks[]
       | select((.run_type // "iteration") == "iteration") | . + {qlab_round: $round}]
    | group_by([.family_index, .per_family_instance_index, .name])
    | map(sort_by(.qlab_round) | length as $n
          | to_entries | map(.value + {repetitions: $n, repetition_index: .key} | del(.qlab_round)))
    | {context: $context, benchmarks: flatten}
  ' "$work/$1".*.json >"$work/$1.merged"
}
merge base "$base_bin" || die "merging the BASE rounds failed"
merge new "$new_bin" || die "merging the NEW rounds failed"
mv "$work/base.merged" "$out_dir/base.json"
mv "$work/new.merged" "$out_dir/new.json"
echo "ab-bench: wrote $out_dir/base.json and $out_dir/new.json ($rounds repetitions per side)" >&2
