#!/usr/bin/env bash
# Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#
# The same answers on every machine (issue 14). Two modes, registered per CPU model by
# tests/CMakeLists.txt in cross builds:
#   predict.sh native  DIR NATIVE_QLAB     the x86 side, once (a ctest fixture): trains the float
#                                          model and quantizes it w8a8 with the native qlab in DIR,
#                                          then writes what `qlab predict --json` prints there for
#                                          the w8a8 model and for the float model (ref, f32)
#   predict.sh compare DIR EMULATED_QLAB   the Arm side, once per CPU model (QEMU_CPU from ctest):
#                                          predicts with the emulated qlab on the same model folders
#                                          and compares
# The w8a8 figures must be the same bytes: integer accumulators (exact), one f32 multiply and one
# add per row, nothing contracted into FMA, the summaries in a fixed order. The whole JSON object
# is compared, so head, mean, std, min, max, test_r2, test_mse (and test_mae, n_test) all count.
# The float model's predictions are held to bounds, not identity:
#   ref  (double, Eigen: its products use FMA on aarch64 whatever -ffp-contract says; K = 8 terms
#        per prediction, 4128 rows per sum): every figure within 1e-12·max(1, |x|)
#   f32  (f32 gemv, lane order per target): a prediction differs by at most 2·γ_8·Σ|w_j z_j| with
#        γ_8 = 8u/(1 − 8u) ≈ 4.8e-7 (u = 2^-24), and Σ|w_j z_j| stays below 20 on California:
#        every figure within 1e-5·max(1, |x|)
set -euo pipefail

mode="${1:?usage: predict.sh native|compare DIR QLAB}"
dir="${2:?missing DIR}"
qlab="${3:?missing QLAB}"
case "$qlab" in /*) ;; */*) qlab="$PWD/$qlab" ;; esac  # the predictions run in DIR
export QLAB_DATA_DIR="${QLAB_DATA_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/data}"
if [ ! -f "$QLAB_DATA_DIR/cal_housing.data" ]; then
  echo "$QLAB_DATA_DIR/cal_housing.data is missing: run \`bash tools/fetch-data.sh\`" >&2
  exit 1
fi

# Every prediction runs in DIR with the folders named relatively, so "model" prints the same.
predict() {  # MODEL_FOLDER [--kernel K]
  (cd "$dir" && "$qlab" predict --model "$@" --json)
}

# The value of KEY in a one-line JSON object: a number, or for head the bracketed list's items
# one per line.
field() {  # FILE KEY
  if [ "$2" = head ]; then
    grep -o '"head":\[[^]]*\]' "$1" | sed 's/^"head":\[//; s/\]$//' | tr ',' '\n'
  else
    grep -o "\"$2\":[^,}]*" "$1" | sed "s/^\"$2\"://"
  fi
}

# Fails unless every figure of B is within BOUND·max(1, |a|) of A's.
within() {  # A B BOUND
  local status=0 key
  for key in head mean std min max test_r2 test_mse test_mae; do
    paste -d' ' <(field "$1" "$key") <(field "$2" "$key") | awk -v key="$key" -v bound="$3" '
      NF != 2 || $1 == "" || $2 == "" { print key ": missing in one of the two"; bad = 1; next }
      {
        d = $1 - $2; if (d < 0) d = -d
        s = $1 < 0 ? -$1 : $1; if (s < 1) s = 1
        if (d > bound * s) { printf "%s: %s vs %s (|diff| %.3g > %.3g)\n", key, $1, $2, d, bound * s; bad = 1 }
      }
      END { exit bad }' || status=1
  done
  return "$status"
}

case "$mode" in
  native)
    rm -rf "$dir"
    mkdir -p "$dir"
    (cd "$dir" && "$qlab" train --out m --json >train.json)
    (cd "$dir" && "$qlab" quantize --model m --scheme w8a8 --out m/w8a8 --json >quantize.json)
    predict m/w8a8 >"$dir/w8a8.json"
    predict m --kernel ref >"$dir/ref.json"
    predict m --kernel f32 >"$dir/f32.json"
    echo "native ($("$qlab" targets | sed -n 's/^active: *//p')): $(cat "$dir/w8a8.json")"
    ;;
  compare)
    for file in w8a8 ref f32; do
      [ -s "$dir/$file.json" ] || { echo "$dir/$file.json is missing (the native fixture)" >&2; exit 1; }
    done
    echo "emulated: QEMU_CPU=${QEMU_CPU:-} ($("$qlab" targets | sed -n 's/^active: *//p'))"
    out="$(mktemp -d)"
    trap 'rm -rf "$out"' EXIT
    status=0
    predict m/w8a8 >"$out/w8a8.json"
    if cmp -s "$dir/w8a8.json" "$out/w8a8.json"; then
      echo "w8a8: the same bytes as on x86: $(cat "$out/w8a8.json")"
    else
      echo "w8a8: the figures differ from x86's (< x86, > emulated):"
      diff <(tr ',' '\n' <"$dir/w8a8.json") <(tr ',' '\n' <"$out/w8a8.json") || true
      status=1
    fi
    predict m --kernel ref >"$out/ref.json"
    if within "$dir/ref.json" "$out/ref.json" 1e-12; then
      echo "ref: within 1e-12 of x86's"
    else
      echo "ref: beyond the bound"; status=1
    fi
    predict m --kernel f32 >"$out/f32.json"
    if within "$dir/f32.json" "$out/f32.json" 1e-5; then
      echo "f32: within 1e-5 of x86's"
    else
      echo "f32: beyond the bound"; status=1
    fi
    exit "$status"
    ;;
  *)
    echo "usage: predict.sh native|compare DIR QLAB" >&2
    exit 2
    ;;
esac
