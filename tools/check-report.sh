#!/usr/bin/env bash
# Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#
# The regression gate: `qlab check` of a report.json against the committed reports/baseline.json.
#   bash tools/check-report.sh [REPORT_JSON [CONFIRM_REPORT_JSON]]
# REPORT_JSON defaults to the newest reports/*/report.json (what `qlab run` just wrote). With a
# second report (another run's), a speed regression counts only if it reproduces there.
# Exit codes are qlab check's: 0 all metrics hold, 1 a regression, 2 bad input (or no report).
# Environment: QLAB_BUILD_DIR (default build/release), QLAB_BASELINE (default reports/baseline.json).
set -euo pipefail
cd "$(dirname "$0")/.."

build="${QLAB_BUILD_DIR:-build/release}"
baseline="${QLAB_BASELINE:-reports/baseline.json}"
report="${1:-}"
confirm="${2:-}"
if [ -z "$report" ]; then
  report="$(ls -1t reports/*/report.json 2>/dev/null | head -n 1 || true)"
  if [ -z "$report" ]; then
    echo "check-report: no reports/*/report.json; run \`bash tools/dev.sh run\` first" >&2
    exit 2
  fi
fi
echo "check-report: $report against $baseline" >&2
if [ -n "$confirm" ]; then
  echo "check-report: speed regressions must reproduce in $confirm" >&2
  exec "$build/tools/qlab" check --baseline "$baseline" --current "$report" --confirm "$confirm"
fi
exec "$build/tools/qlab" check --baseline "$baseline" --current "$report"
