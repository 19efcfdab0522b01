#!/usr/bin/env bash
# Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#
# Regenerates README.md's "Current results" from a fresh `qlab run`: the report's tables (between
# the markers <!-- results:begin --> and <!-- results:end -->) and one chart, copied to
# reports/readme/. Run after building (bash tools/dev.sh run builds): bash tools/update-readme.sh
# QLAB_README_RUN=DIR takes the report of an earlier `qlab run --out DIR` instead of running again.
set -euo pipefail
cd "$(dirname "$0")/.."

build="${QLAB_BUILD_DIR:-build/release}"
run="${QLAB_README_RUN:-}"
if [ -z "$run" ]; then
  run="$build/readme-run"
  rm -rf "$run"
  "$build/tools/qlab" run --out "$run" >/dev/null
fi

mkdir -p reports/readme
cp "$run/charts/throughput_dot_u8i8.svg" "$run/charts/roofline.svg" "$run/charts/accuracy_sqnr.svg" \
  reports/readme/

tables="$(mktemp)"
trap 'rm -f "$tables" README.md.tmp' EXIT
{
  sed -n '3p' "$run/report.md"  # "Written <date> on <host> (<CPU>, Highway target, commit)"
  echo
  # From the accuracy table up to the charts, one heading level down.
  sed -n '/^## Accuracy/,/^## Charts/p' "$run/report.md" | sed '$d' | sed 's/^#/##/'
  echo '![dot_u8i8 throughput vs working set](reports/readme/throughput_dot_u8i8.svg)'
  echo
  echo '![Roofline](reports/readme/roofline.svg)'
  echo
  echo '![SQNR vs bits](reports/readme/accuracy_sqnr.svg)'
} >"$tables"

awk -v tables="$tables" '
  /<!-- results:begin -->/ { print; while ((getline line < tables) > 0) print line; skip = 1; next }
  /<!-- results:end -->/ { skip = 0 }
  !skip { print }
' README.md >README.md.tmp
mv README.md.tmp README.md
echo "update-readme: README.md results from $run/report.md" >&2
