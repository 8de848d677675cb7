#!/usr/bin/env bash
# Analysis settings trade-off: for each (width, preset) setting, recalibrate on the calibration
# suite plus ../shared/datasets/real, scan and evaluate the default synth suite (AUC per family),
# and time a full default scan of ../shared/datasets (frames/s). Writes reports/tradeoff.md.
# Needs the clips of scripts/run-default.sh and scripts/calibrate.sh (made here when missing).
# Usage: benches/tradeoff.sh ["WIDTH PRESET" ...]   (default: a grid of five settings)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=target/release/physlint
[ -f reports/default/clips/labels.csv ] || "$bin" synth --suite datasets/synth_suite.json --out reports/default/clips
[ -f reports/calibration/clips/labels.csv ] || "$bin" synth --suite datasets/calibration_suite.json --out reports/calibration/clips
data=../shared/datasets
settings=("$@")
[ ${#settings[@]} -gt 0 ] || settings=("320 medium" "320 fast" "320 ultrafast" "256 fast" "256 ultrafast")
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
real=(); [ -d "$data/real" ] && real=("$data/real")
rows=""
for s in "${settings[@]}"; do
  read -r width preset <<<"$s"
  tag="${width}_${preset}"
  "$bin" calibrate reports/calibration/clips "${real[@]}" --labels reports/calibration/clips/labels.csv \
    --width "$width" --preset "$preset" --out "$tmp/$tag.json" >/dev/null
  "$bin" scan reports/default/clips --out "$tmp/$tag" --width "$width" --preset "$preset" \
    --calibration "$tmp/$tag.json" --quiet --no-report
  "$bin" eval --scan "$tmp/$tag" --labels reports/default/clips/labels.csv --out "$tmp/$tag-eval" >/dev/null
  t0=$(date +%s.%N)
  "$bin" scan "$data" --out "$tmp/$tag-speed" --width "$width" --preset "$preset" --quiet || true
  t1=$(date +%s.%N)
  row=$(python3 - "$tmp/$tag-eval/eval.csv" "$tmp/$tag-speed/videos.csv" "$t0" "$t1" "$width" "$preset" <<'PY'
import csv, sys
ev, vids, t0, t1, width, preset = sys.argv[1:]
auc = {r["name"]: float(r["auc"]) for r in csv.DictReader(open(ev)) if r["scope"] == "family"}
frames = sum(int(r["frames"]) for r in csv.DictReader(open(vids)) if r["status"] == "ok")
fams = ["morphing", "missing_limbs", "object_permanence", "implausible_motion"]
mean = sum(auc[f] for f in fams) / len(fams)
print(f"| {width} | {preset} | " + " | ".join(f"{auc[f]:.3f}" for f in fams) + f" | {mean:.3f} | {frames / (float(t1) - float(t0)):.0f} |")
PY
)
  echo "$row"
  rows+="$row"$'\n'
done
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
cat > reports/tradeoff.md <<MD
# Analysis settings: accuracy vs speed (benches/tradeoff.sh)

Each setting is recalibrated (calibration suite + ../shared/datasets/real), then the default synth
suite is scanned and evaluated (video-level ROC-AUC per family), and a full default scan of
../shared/datasets is timed (frames/s, charts and evidence included). $(nproc) cores ($cpu).

| width | preset | morphing | missing_limbs | object_permanence | implausible_motion | mean AUC | frames/s |
|---|---|---|---|---|---|---|---|
$rows
MD
cat reports/tradeoff.md
