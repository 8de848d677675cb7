#!/usr/bin/env bash
# The main job on the project's own default data: installs, builds, renders the default synth suite
# (datasets/synth_suite.json), scans it and evaluates the scan. Results under reports/.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/eval-suite.sh datasets/synth_suite.json reports/default reports/eval
echo "tables and chart: reports/eval/eval.md reports/eval/eval.png; scan: reports/default/scan"
