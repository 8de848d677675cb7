#!/usr/bin/env bash
# End-to-end speed bench on the same clips (default: all of ../shared/datasets):
#   physlint scan (default settings) vs (a) ffmpeg decode-only, the floor, and (b) the reference
#   Python/OpenCV script benches/reference_flow.py (DIS fwd+bwd at 480 px, occlusion, warp error).
# The three run in turn, ROUNDS times (default 5; env ROUNDS), so a slow spell of a shared machine
# hits all three alike; the medians over the rounds are the result. Prints frames/s and ratios per
# round and their medians, and writes reports/speed.md. Installs opencv-python-headless from PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/datasets}
rounds=${ROUNDS:-5}
./scripts/install-deps.sh >/dev/null
python3 -c "import cv2" 2>/dev/null || python3 -m pip install --quiet --disable-pip-version-check 'opencv-python-headless>=4.8' 'numpy<3'
cargo build --release --quiet
mapfile -t clips < <(find "$data" -type f \( -iname '*.mp4' -o -iname '*.gif' -o -iname '*.mov' -o -iname '*.mkv' -o -iname '*.webm' -o -iname '*.avi' \) | sort)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }

: >"$tmp/rounds"
for r in $(seq "$rounds"); do
  rm -rf "$tmp/scan"
  t0=$(now); target/release/physlint scan "$data" --out "$tmp/scan" --quiet || true; t1=$(now)
  t2=$(now); for c in "${clips[@]}"; do ffmpeg -v error -nostdin -i "$c" -f null - ; done; t3=$(now)
  read -r py_frames py_s < <(python3 benches/reference_flow.py "${clips[@]}")
  frames=$(python3 -c "import csv,sys; print(sum(int(r['frames']) for r in csv.DictReader(open(sys.argv[1])) if r['status']=='ok'))" "$tmp/scan/videos.csv")
  echo "$frames $t0 $t1 $t2 $t3 $py_frames $py_s" >>"$tmp/rounds"
  echo "round $r/$rounds done" >&2
done
python3 - "$tmp/rounds" "${#clips[@]}" <<'PY'
import sys, os, statistics
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
n = int(sys.argv[2])
frames = int(rows[0][0])
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
per = []
for f, t0, t1, t2, t3, pyf, pys in rows:
    ps, fs = t1 - t0, t3 - t2
    pl, ff, py = f / ps, f / fs, pyf / pys
    per.append((ps, fs, pys, pl, ff, py, pl / ff, pl / py))
med = [statistics.median(col) for col in zip(*per)]
table = "\n".join(
    f"| {i + 1} | {p[3]:.0f} | {p[4]:.0f} | {p[5]:.0f} | {p[6]:.2f} | {p[7]:.2f} |" for i, p in enumerate(per)
)
md = f"""# Speed (benches/e2e.sh)

{n} clips ({frames} frames) from ../shared/datasets; {os.cpu_count()} cores ({cpu}); default settings
(`physlint scan DIR --out OUT`: 320 px analysis, DIS fast, tracks, checks, charts, evidence, report.html).
The three pipelines run in turn, {len(per)} rounds; the result is the median of the rounds.

| pipeline | seconds (median) | frames/s (median) | physlint ÷ it (median of rounds) |
|---|---|---|---|
| physlint scan | {med[0]:.2f} | {med[3]:.0f} | 1.00 |
| ffmpeg -i CLIP -f null - (decode only) | {med[1]:.2f} | {med[4]:.0f} | {med[6]:.2f} |
| benches/reference_flow.py (DIS fwd+bwd 480 px, occlusion, warp error) | {med[2]:.2f} | {med[5]:.0f} | {med[7]:.2f} |

Rounds (frames/s):

| round | physlint | ffmpeg | Python | physlint ÷ ffmpeg | physlint ÷ Python |
|---|---|---|---|---|---|
{table}
"""
open("reports/speed.md", "w").write(md)
print(md)
PY
