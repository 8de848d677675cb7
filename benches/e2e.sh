#!/usr/bin/env bash
# End-to-end speed bench, in one run on the same clips (default: all of ../shared/datasets):
#   physlint scan (default settings) vs (a) ffmpeg decode-only, the floor, and (b) the reference
#   Python/OpenCV script benches/reference_flow.py (DIS fwd+bwd at 480 px, occlusion, warp error).
# Prints frames/s and ratios and writes reports/speed.md. Installs opencv-python-headless from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/datasets}
./scripts/install-deps.sh >/dev/null
python3 -c "import cv2" 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check 'opencv-python-headless>=4.8' 'numpy<3'
cargo build --release --quiet
mapfile -t clips < <(find "$data" -type f \( -iname '*.mp4' -o -iname '*.gif' -o -iname '*.mov' -o -iname '*.mkv' -o -iname '*.webm' -o -iname '*.avi' \) | sort)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }

t0=$(now); target/release/physlint scan "$data" --out "$tmp/scan" --quiet || true; t1=$(now)
frames=$(python3 -c "import csv,sys; print(sum(int(r['frames']) for r in csv.DictReader(open(sys.argv[1])) if r['status']=='ok'))" "$tmp/scan/videos.csv")
t2=$(now); for c in "${clips[@]}"; do ffmpeg -v error -nostdin -i "$c" -f null - ; done; t3=$(now)
read -r py_frames py_s < <(python3 benches/reference_flow.py "${clips[@]}")
python3 - "$frames" "$t0" "$t1" "$t2" "$t3" "$py_frames" "$py_s" "${#clips[@]}" <<'PY'
import sys, os, platform, subprocess
frames, t0, t1, t2, t3, pyf, pys, n = sys.argv[1:]
frames, pyf, n = int(frames), int(pyf), int(n)
ps, fs = float(t1) - float(t0), float(t3) - float(t2)
pl, ff, py = frames / ps, frames / fs, pyf / float(pys)
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
md = f"""# Speed (benches/e2e.sh)

{n} clips ({frames} frames) from ../shared/datasets; {os.cpu_count()} cores ({cpu}); default settings
(`physlint scan DIR --out OUT`: 320 px analysis, DIS fast, tracks, checks, charts, evidence, report.html).

| pipeline | seconds | frames/s | physlint ÷ it |
|---|---|---|---|
| physlint scan | {ps:.2f} | {pl:.0f} | 1.00 |
| ffmpeg -i CLIP -f null - (decode only) | {fs:.2f} | {ff:.0f} | {pl/ff:.2f} |
| benches/reference_flow.py (DIS fwd+bwd 480 px, occlusion, warp error) | {float(pys):.2f} | {py:.0f} | {pl/py:.2f} |
"""
open("reports/speed.md", "w").write(md)
print(md)
PY
