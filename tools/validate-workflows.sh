#!/usr/bin/env bash
# Copyright 2026 The qlab Authors. SPDX-License-Identifier: Apache-2.0
#
# Validates .github/workflows/*.yml with @action-validator/cli (schema and structure checks of
# GitHub Actions workflows; they cannot run here). The validator is installed once, with npm, into
# a project-local folder (never globally); later runs use that copy and need no network.
#   bash tools/validate-workflows.sh
# Environment: QLAB_TOOLS_DIR (default .cache/qlab-tools), where the npm packages go.
# Needs node and npm: when either is missing, Debian's nodejs and npm packages are installed
# through tools/install-deps.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

readonly VERSION=0.6.0
tools="${QLAB_TOOLS_DIR:-$PWD/.cache/qlab-tools}"
validator="$tools/node_modules/.bin/action-validator"
stamp="$tools/action-validator-$VERSION.installed"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  QLAB_EXTRA_PACKAGES="nodejs npm" bash tools/install-deps.sh
fi

if [ ! -x "$validator" ] || [ ! -f "$stamp" ]; then
  echo "validate-workflows: installing @action-validator/cli@$VERSION into $tools" >&2
  mkdir -p "$tools"
  npm install --prefix "$tools" --no-audit --no-fund --no-save --loglevel=error \
    "@action-validator/cli@$VERSION" "@action-validator/core@$VERSION" >&2
  touch "$stamp"
fi

shopt -s nullglob
workflows=(.github/workflows/*.yml .github/workflows/*.yaml)
if [ ${#workflows[@]} -eq 0 ]; then
  echo "validate-workflows: no workflow files" >&2
  exit 2
fi
status=0
for wf in "${workflows[@]}"; do
  if "$validator" "$wf"; then
    echo "validate-workflows: $wf ok"
  else
    echo "validate-workflows: $wf INVALID" >&2
    status=1
  fi
done
exit $status
