#!/usr/bin/env bash
# Evaluates the checks on a held-out synth suite (datasets/heldout_suite.json, seed 3): a seed used
# neither for calibration (seed 2) nor for the tuning of the default suite (seed 1), so its
# tables show how the default suite's numbers carry over to clips nothing was fitted to.
# Writes reports/eval-heldout (eval.md, eval.csv, eval.png, tracking.md); about 2.5 min on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/eval-suite.sh datasets/heldout_suite.json reports/heldout reports/eval-heldout
echo "held-out tables: reports/eval-heldout/eval.md reports/eval-heldout/tracking.md"
