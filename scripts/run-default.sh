#!/usr/bin/env bash
# The main job on the project's own default data: installs, builds, renders the default synth suite
# (datasets/synth_suite.json), scans it and evaluates the scan. Results under reports/.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cargo build --release
bin=target/release/physlint
work=reports/default
rm -rf "$work"
"$bin" synth --suite datasets/synth_suite.json --out "$work/clips"
"$bin" scan "$work/clips" --out "$work/scan" --quiet
"$bin" eval --scan "$work/scan" --labels "$work/clips/labels.csv" --out reports/eval
echo "tables and chart: reports/eval/eval.md reports/eval/eval.png; scan: $work/scan"
