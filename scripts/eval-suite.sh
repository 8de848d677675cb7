#!/usr/bin/env bash
# eval-suite.sh SUITE WORK OUT: builds, renders the synth suite SUITE into WORK/clips, scans it
# into WORK/scan and evaluates the scan against its labels into OUT (eval.md, eval.csv, eval.png,
# tracking.md). Used by run-default.sh and eval-heldout.sh.
set -euo pipefail
[ $# -eq 3 ] || { echo "usage: $0 SUITE WORK OUT" >&2; exit 2; }
suite=$1 work=$2 out=$3
cd "$(dirname "$0")/.."
cargo build --release
bin=target/release/physlint
rm -rf "$work"
"$bin" synth --suite "$suite" --out "$work/clips"
"$bin" scan "$work/clips" --out "$work/scan" --quiet
"$bin" eval --scan "$work/scan" --labels "$work/clips/labels.csv" --out "$out"
