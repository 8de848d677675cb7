#!/usr/bin/env bash
# Regenerates datasets/calibration.json from clean footage: the clean clips of a calibration synth
# suite (datasets/calibration_suite.json, a different seed from the evaluation suite) and, when
# present, the real camera clips in ../shared/datasets/real.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release
bin=target/release/physlint
work=reports/calibration
rm -rf "$work"
"$bin" synth --suite datasets/calibration_suite.json --out "$work/clips"
inputs=("$work/clips")
[ -d ../shared/datasets/real ] && inputs+=(../shared/datasets/real)
"$bin" calibrate "${inputs[@]}" --labels "$work/clips/labels.csv" --out datasets/calibration.json
cat datasets/calibration.json
