#!/usr/bin/env bash
# Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#
# Runs one case of manifest.tsv against the built qlab (ctest registers one test per line):
#   run_case.sh QLAB CORPUS_DIR INPUT EXIT MESSAGE ARG...
# INPUT is a file of CORPUS_DIR, or gen:NAME for one this script makes (large inputs are made at
# test time rather than committed). The ARGs may use these placeholders:
#   {input}  the input file          {model}  a folder holding it as model.json
#   {qmodel} a folder holding it as quantized_model.json
#   {data}   a folder holding it as cal_housing.data
#   {out}    an output folder that must not exist afterwards when the command fails
#   {outfile} an output file beside the input (so "nothing new beside the input" covers it and
#            any temporary file of its writer)
#   {scoremodel} a float model trained (by this script, with qlab train) on a generated CSV of
#            features a and b and target y, for `qlab score` cases
# qlab runs in an empty working folder. It must exit with EXIT; when EXIT is not 0, stdout must be
# empty, stderr exactly one line containing MESSAGE, and nothing may have been written anywhere:
# no {out}, nothing in the working folder, nothing new beside the input.
set -euo pipefail
qlab=$1 corpus=$2 input=$3 expected_exit=$4 expected_message=$5
# Hermetic: a case names its data explicitly; an ambient data folder must not rescue it.
unset QLAB_DATA_DIR
shift 5

tmp=$(mktemp -d "${TMPDIR:-/tmp}/qlab-malformed.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/in" "$tmp/cwd"

# Generated inputs: big or pathological ones that would bloat the repository.
generate() {
  local name=$1 file=$2
  case "$name" in
    million_columns)  # a header of 10^6 feature columns and y, and three rows of as many numbers
      awk 'BEGIN { n = 1000000
        for (c = 0; c < n; ++c) printf "c%d,", c; print "y"
        for (r = 0; r < 3; ++r) { for (c = 0; c < n; ++c) printf "%d,", (c + r) % 7; print r } }' >"$file" ;;
    million_columns_row)  # a three-column header, then a row of 10^6 fields
      { echo "a,b,y"; echo "1,2,3"; awk 'BEGIN { for (c = 1; c < 1000000; ++c) printf "1,"; print "1" }'; } >"$file" ;;
    long_field)  # one field of 16 MiB of digits
      { echo "a,y"; head -c 16777216 /dev/zero | tr '\0' '7'; echo ",1"; } >"$file" ;;
    many_rows_bad_last)  # 200000 good rows, then a bad one: the position must still be right
      awk 'BEGIN { print "a,b,y"; for (r = 0; r < 200000; ++r) printf "%d,%d,%d\n", r, r % 13, r % 5; print "1,2,x" }' >"$file" ;;
    score_rows_bad_start|score_rows_bad_middle|score_rows_bad_end)
      # 400000 rows of features a, b (and an id) for `qlab score`, one of them bad: line 2, line
      # 200002 or the last line, 400001; the bad field is always at column 3.
      local bad
      case "$name" in
        score_rows_bad_start) bad=1 ;; score_rows_bad_middle) bad=200001 ;; *) bad=400000 ;;
      esac
      awk -v bad="$bad" 'BEGIN { print "b,id,a"
        for (r = 1; r <= 400000; ++r) {
          if (r == bad) printf "%d.5,%d,x%d\n", r % 13, r, r % 97
          else printf "%d.5,%d,%d\n", r % 13, r, r % 97 } }' >"$file" ;;
    deep_json)  # 100000 nested arrays, closed
      awk 'BEGIN { for (i = 0; i < 100000; ++i) printf "["; for (i = 0; i < 100000; ++i) printf "]"; print "" }' >"$file" ;;
    deep_json_unclosed)  # 10^6 nested arrays, never closed
      awk 'BEGIN { for (i = 0; i < 1000000; ++i) printf "[" }' >"$file" ;;
    wide_100_features)  # 100 features, 300 rows: trains, but w8 takes at most 64
      awk 'BEGIN { srand(7); for (j = 0; j < 100; ++j) printf "f%d,", j; print "y";
                   for (r = 0; r < 300; ++r) { s = 0; for (j = 0; j < 100; ++j) { v = rand() - 0.5; s += v; printf "%.6f,", v }
                                               printf "%.6f\n", s + rand() / 10 } }' >"$file" ;;
    json_then_nul)  # a complete JSON document, then a NUL byte and more: must not end the input
      printf '{"a": 1}\0garbage{{{' >"$file" ;;
    link_loop)  # a symbolic link to a link back to it: ELOOP, not "no such file"
      ln -s "$file.back" "$file"; ln -s "$file" "$file.back" ;;
    *) echo "run_case: unknown generator $name" >&2; exit 2 ;;
  esac
}

case "$input" in
  gen:*) name=${input#gen:}; file="$tmp/in/$name"; generate "$name" "$file" ;;
  -) file="" ;;
  *) file="$tmp/in/$(basename "$input")"; cp "$corpus/$input" "$file" ;;
esac

args=()
for arg in "$@"; do
  case "$arg" in
    *{scoremodel}*)
      if [ ! -d "$tmp/scoremodel" ]; then
        awk 'BEGIN { print "a,b,y"; for (r = 0; r < 50; ++r) printf "%d,%d,%d\n", r, (r * 7) % 11, 3 * r + (r * 7) % 11 }' >"$tmp/train.csv"
        "$qlab" train --dataset "$tmp/train.csv" --target y --out "$tmp/scoremodel" >/dev/null
      fi
      arg=${arg//\{scoremodel\}/$tmp/scoremodel} ;;
    *{model}*) mkdir -p "$tmp/in/model"; cp "$file" "$tmp/in/model/model.json"
               arg=${arg//\{model\}/$tmp/in/model} ;;
    *{qmodel}*) mkdir -p "$tmp/in/qmodel"; cp "$file" "$tmp/in/qmodel/quantized_model.json"
                arg=${arg//\{qmodel\}/$tmp/in/qmodel} ;;
    *{data}*) mkdir -p "$tmp/in/data"; cp "$file" "$tmp/in/data/cal_housing.data"
              arg=${arg//\{data\}/$tmp/in/data} ;;
  esac
  arg=${arg//\{input\}/$file}
  arg=${arg//\{outfile\}/$tmp/in/predictions.csv}
  arg=${arg//\{out\}/$tmp/out/result}
  args+=("$arg")
done

before=$(cd "$tmp/in" && find . | sort)
set +e
# A hang (a FIFO or device read forever) is a failure within two minutes, not at ctest's timeout.
(cd "$tmp/cwd" && timeout -s KILL 120 "$qlab" "${args[@]}" >"$tmp/stdout" 2>"$tmp/stderr")
code=$?
set -e

failures=()
[ "$code" -eq "$expected_exit" ] || failures+=("exit code $code, expected $expected_exit")
if [ "$expected_exit" -ne 0 ]; then
  [ ! -s "$tmp/stdout" ] || failures+=("stdout is not empty")
  lines=$(wc -l <"$tmp/stderr")
  [ "$lines" -eq 1 ] || failures+=("stderr has $lines lines, expected exactly one")
  rest=$expected_message
  while [ -n "$rest" ]; do
    fragment=${rest%%...*}
    [ "$fragment" = "$rest" ] && rest="" || rest=${rest#*...}
    grep -qF -- "$fragment" "$tmp/stderr" || failures+=("stderr lacks \"$fragment\"")
  done
  [ ! -e "$tmp/out" ] || failures+=("the output folder was created: $(cd "$tmp/out" && find . | tr '\n' ' ')")
  [ -z "$(ls -A "$tmp/cwd")" ] || failures+=("files written in the working folder: $(ls -A "$tmp/cwd" | tr '\n' ' ')")
  after=$(cd "$tmp/in" && find . | sort)
  [ "$before" = "$after" ] || failures+=("files written beside the input: $(comm -13 <(echo "$before") <(echo "$after") | tr '\n' ' ')")
elif [ -n "$expected_message" ]; then
  grep -qF -- "$expected_message" "$tmp/stdout" || failures+=("stdout lacks \"$expected_message\"")
fi

if [ ${#failures[@]} -gt 0 ]; then
  echo "command: qlab ${args[*]}"
  echo "--- stdout (first 20 lines)"; head -n 20 "$tmp/stdout"
  echo "--- stderr (first 20 lines)"; head -n 20 "$tmp/stderr"
  printf 'FAILED: %s\n' "${failures[@]}"
  exit 1
fi
echo "ok: exit $code: $(head -c 300 "$tmp/stderr")"
