#!/usr/bin/env bash
# Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#
# Measures `qlab score` on a large input made from the California Housing features (README:
# "qlab score"). Writes, under WORK:
#   rows.csv  ROWS rows: id, then the 8 features in a shuffled order; row r holds California row
#             r mod 20640 (10^7 rows is about 1 GB)
#   rows.npy  the same rows, float64, the model's feature order
# then runs, one after the other on the same machine, printing a table of seconds and rates:
#   parse-only (--parse-only: the same chunked reader building the same matrices) on 1 thread,
#   score on 1 and 2 threads, two concurrent parse-only copies, pandas.read_csv +
#   LinearRegression.predict, .npy through f32 and w8a8, peak memory (/usr/bin/time -v), and the
#   checks: the predictions equal `qlab predict --predictions` on every row that is a test row
#   (ref and w8a8), and the output is the same for 1 and 2 threads and from stdin.
# Timings are whole-process wall times; the load average is printed before and after, since other
# work on the machine moves them. Nothing here is a pass/fail gate.
#   bash tools/score-bench.sh [--rows N] [--build DIR] [--work DIR] [--keep-inputs]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=10000000
build=build
work="${TMPDIR:-/tmp}/qlab-score-bench"
keep_inputs=0
while [ $# -gt 0 ]; do
  case "$1" in
    --rows) rows=$2; shift 2 ;;
    --build) build=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --keep-inputs) keep_inputs=1; shift ;;
    *) echo "usage: bash tools/score-bench.sh [--rows N] [--build DIR] [--work DIR] [--keep-inputs]" >&2
       exit 2 ;;
  esac
done
qlab="$build/tools/qlab"
data_dir="${QLAB_DATA_DIR:-data}"
python=/usr/bin/python3  # Debian's, with numpy, pandas and scikit-learn (install-deps.sh measure)
[ -x "$qlab" ] || { echo "score-bench: build qlab first ($qlab missing)" >&2; exit 2; }
[ -f "$data_dir/cal_housing.data" ] || { echo "score-bench: $data_dir/cal_housing.data missing" >&2; exit 2; }
mkdir -p "$work"

"$qlab" train --out "$work/model" --data-dir "$data_dir" >/dev/null
"$qlab" quantize --model "$work/model" --scheme w8a8 --out "$work/q" --data-dir "$data_dir" >/dev/null
"$qlab" predict --model "$work/model" --kernel ref --predictions "$work/predict-ref.csv" \
  --data-dir "$data_dir" >/dev/null
"$qlab" predict --model "$work/model" --kernel w8a8 --predictions "$work/predict-w8a8.csv" \
  --data-dir "$data_dir" >/dev/null

if [ ! -f "$work/rows.csv" ] || [ "$(cat "$work/rows.count" 2>/dev/null)" != "$rows" ]; then
  "$python" - "$data_dir/cal_housing.data" "$work" "$rows" <<'EOF'
import sys
import numpy as np
source, work, rows = sys.argv[1], sys.argv[2], int(sys.argv[3])
d = np.loadtxt(source, delimiter=",")
# fetch_california_housing's features, as qlab's loader derives them.
X = np.column_stack([d[:, 7], d[:, 2], d[:, 3] / d[:, 6], d[:, 4] / d[:, 6], d[:, 5],
                     d[:, 5] / d[:, 6], d[:, 1], d[:, 0]])
names = ["MedInc", "HouseAge", "AveRooms", "AveBedrms", "Population", "AveOccup", "Latitude",
         "Longitude"]
order = [7, 2, 0, 5, 1, 6, 3, 4]  # not the model's order: score finds columns by name
n = len(X)
lines = [",".join(repr(float(X[i, j])) for j in order) for i in range(n)]
with open(f"{work}/rows.csv", "w") as out:
    out.write("id," + ",".join(names[j] for j in order) + "\n")
    block = []
    for r in range(rows):
        block.append(f"{r},{lines[r % n]}\n")
        if len(block) == 100000:
            out.write("".join(block))
            block = []
    out.write("".join(block))
reps = -(-rows // n)
np.save(f"{work}/rows.npy", np.ascontiguousarray(np.tile(X, (reps, 1))[:rows]))
open(f"{work}/rows.count", "w").write(str(rows))
EOF
fi
csv="$work/rows.csv"
npy="$work/rows.npy"
csv_mb=$(( $(stat -c %s "$csv") / 1000000 ))
npy_mb=$(( $(stat -c %s "$npy") / 1000000 ))

# Wall seconds of a command (stdout discarded), from /usr/bin/time.
seconds() { /usr/bin/time -f %e -o "$work/time.txt" "$@" >/dev/null; cat "$work/time.txt"; }
rate() { "$python" -c "print(f'{($1) / ($2):.1f}')"; }
ratio() { "$python" -c "print(f'{($1) / ($2):.2f}')"; }

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs"
echo "input: $rows rows, $csv_mb MB CSV, $npy_mb MB .npy (float64)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

t_parse1=$(seconds "$qlab" score --model "$work/model" --input "$csv" --parse-only --threads 1)
t_score1=$(seconds "$qlab" score --model "$work/model" --input "$csv" --threads 1)
t_score1_q=$(seconds "$qlab" score --model "$work/q" --input "$csv" --threads 1)
t_score2=$(seconds "$qlab" score --model "$work/model" --input "$csv" --threads 2)
t_parse2=$(seconds "$qlab" score --model "$work/model" --input "$csv" --parse-only --threads 2)
# Two parse-only copies at once: what two cores give two independent parsers.
start=$(date +%s.%N)
"$qlab" score --model "$work/model" --input "$csv" --parse-only --threads 1 >/dev/null &
first=$!
"$qlab" score --model "$work/model" --input "$csv" --parse-only --threads 1 >/dev/null &
second=$!
wait "$first" "$second"
t_pair=$("$python" -c "import time; print(f'{time.time() - $start:.2f}')")

t_pandas=$("$python" - "$csv" "$work/model/model.json" <<'EOF'
import json, sys, time
import numpy as np
import pandas as pd
from sklearn.linear_model import LinearRegression
csv, model_file = sys.argv[1], sys.argv[2]
m = json.load(open(model_file))
names = m["feature_names"]
start = time.perf_counter()
frame = pd.read_csv(csv)
X = frame[names].to_numpy()
# The qlab model in raw feature units: coef / scale, intercept − Σ mean·coef / scale.
lr = LinearRegression()
scale = np.array(m["scaler"]["scale"])
coef = np.array(m["coef"])
lr.coef_ = coef / scale
lr.intercept_ = m["intercept"] - float(np.dot(np.array(m["scaler"]["mean"]), coef / scale))
y = lr.predict(X)
print(f"{time.perf_counter() - start:.2f}")
EOF
)

t_npy_parse=$(seconds "$qlab" score --model "$work/model" --input "$npy" --parse-only --threads 1)
t_npy_f32=$(seconds "$qlab" score --model "$work/model" --input "$npy" --kernel f32 --threads 1)
t_npy_w8a8=$(seconds "$qlab" score --model "$work/q" --input "$npy" --threads 1)
t_npy_ref=$(seconds "$qlab" score --model "$work/model" --input "$npy" --threads 1)

/usr/bin/time -v "$qlab" score --model "$work/model" --input "$csv" --threads 2 \
  >/dev/null 2>"$work/memory.txt"
peak_kb=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/memory.txt")
echo "load average after timings: $(cut -d' ' -f1-3 /proc/loadavg)"

printf '\n%-52s %8s %9s\n' "run" "seconds" "MB/s"
row() { printf '%-52s %8s %9s\n' "$1" "$2" "$(rate "$csv_mb" "$2")"; }
row "parse only, 1 thread" "$t_parse1"
row "score (ref), 1 thread" "$t_score1"
row "score (w8a8), 1 thread" "$t_score1_q"
row "score (ref), 2 threads" "$t_score2"
row "parse only, 2 threads" "$t_parse2"
printf '%-52s %8s %9s\n' "two parse-only copies at once (MB/s of both)" "$t_pair" \
  "$(rate "$((2 * csv_mb))" "$t_pair")"
row "pandas.read_csv + LinearRegression.predict" "$t_pandas"
printf '%-52s %8s %9s\n' ".npy parse only, 1 thread" "$t_npy_parse" "$(rate "$npy_mb" "$t_npy_parse")"
printf '%-52s %8s %9s\n' ".npy f32, 1 thread" "$t_npy_f32" "$(rate "$npy_mb" "$t_npy_f32")"
printf '%-52s %8s %9s\n' ".npy w8a8, 1 thread" "$t_npy_w8a8" "$(rate "$npy_mb" "$t_npy_w8a8")"
printf '%-52s %8s %9s\n' ".npy ref, 1 thread" "$t_npy_ref" "$(rate "$npy_mb" "$t_npy_ref")"
echo
echo "score 1 thread / parse only 1 thread (rate):    $(ratio "$t_parse1" "$t_score1")"
echo "speed-up, score 2 threads over 1:              $(ratio "$t_score1" "$t_score2")"
echo "speed-up, two parse-only copies over one:      $(ratio "2 * $t_parse1" "$t_pair")"
echo "  score's speed-up / the copies' speed-up:     $(ratio "$t_score1 / $t_score2" "2 * $t_parse1 / $t_pair")"
echo "qlab score (1 thread) over pandas + sklearn:   $(ratio "$t_pandas" "$t_score1")"
echo "qlab score (2 threads) over pandas + sklearn:  $(ratio "$t_pandas" "$t_score2")"
echo ".npy w8a8 / f32 (rate, 1 thread):              $(ratio "$t_npy_f32" "$t_npy_w8a8")"
echo "peak memory, score 2 threads on $csv_mb MB:      $((peak_kb / 1024)) MiB"

# The checks: predictions equal predict's on every test row (row r is California row r mod n),
# and one output whatever the threads or the input's route.
n=$(awk 'END { print NR }' "$data_dir/cal_housing.data")  # records (no final line break needed)
for kernel in ref w8a8; do
  "$qlab" score --model "$work/model" --kernel "$kernel" --input "$csv" --keep id \
    --data-dir "$data_dir" |
    awk -F, -v n="$n" -v kernel="$kernel" '
      NR == FNR { if (FNR > 1) want[$1] = $2; next }
      FNR > 1 { row = $1 % n; if (row in want) { ++checked; if ($2 != want[row]) ++wrong } }
      END { printf "predict equality (%s): %d rows checked, %d differ\n", kernel, checked, wrong + 0
            exit wrong > 0 }' "$work/predict-$kernel.csv" -
done
one=$("$qlab" score --model "$work/q" --input "$csv" --keep id --threads 1 | sha256sum)
two=$("$qlab" score --model "$work/q" --input "$csv" --keep id --threads 2 | sha256sum)
piped=$(cat "$csv" | "$qlab" score --model "$work/q" --input - --keep id --threads 2 | sha256sum)
echo "output sha256, 1 thread / 2 threads / stdin: ${one%% *} ${two%% *} ${piped%% *}"
[ "$one" = "$two" ] && [ "$one" = "$piped" ] || { echo "score-bench: outputs differ" >&2; exit 1; }
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "$keep_inputs" -eq 1 ] || rm -f "$work/rows.csv" "$work/rows.npy" "$work/rows.count"
