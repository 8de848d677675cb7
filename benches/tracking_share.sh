#!/usr/bin/env bash
# Tracking-cost bench (issue #4: "tracking adds at most 30% to scan time"): scans a folder
# (default: all of ../shared/datasets) ROUNDS times (default 3; env ROUNDS) with default settings
# and reads run.json's CPU split: `tracks_s` (the tracker's per-frame update: segmentation,
# association, descriptors) against the rest of the scan's CPU time (decode, flow, checks,
# reports). Prints one row per round and the median, and writes reports/tracking_share.md.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/datasets}
rounds=${ROUNDS:-3}
./scripts/install-deps.sh >/dev/null
cargo build --release --quiet
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for r in $(seq "$rounds"); do
  target/release/physlint scan "$data" --out "$tmp/r$r" --quiet
done
python3 - "$tmp" "$rounds" "$data" <<'PY'
import json, os, statistics, sys
tmp, rounds, data = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = []
for r in range(1, rounds + 1):
    t = json.load(open(f"{tmp}/r{r}/run.json"))["timings"]
    rest = t["cpu_s"] - t["tracks_s"]
    rows.append((r, t["tracks_s"], rest, t["cpu_s"], t["total_s"], t["tracks_s"] / rest))
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
med = statistics.median(x[5] for x in rows)
out = [
    "# Tracking cost (benches/tracking_share.sh)",
    "",
    f"Default scans of {data}, {rounds} rounds; {os.cpu_count()} cores ({cpu}).",
    "`tracks_s` is the CPU time of the tracker's per-frame update (segmentation, association,",
    "descriptors); the rest is every other CPU second of the scan (decode, flow, checks, reports).",
    "",
    "| round | tracking CPU s | rest CPU s | total CPU s | wall s | tracking ÷ rest |",
    "|---|---|---|---|---|---|",
]
out += [f"| {r} | {a:.2f} | {b:.2f} | {c:.2f} | {w:.2f} | {s:.1%} |" for r, a, b, c, w, s in rows]
out += ["", f"Median: tracking adds **{med:.1%}** to the rest of the scan's CPU time."]
text = "\n".join(out) + "\n"
print(text)
open("reports/tracking_share.md", "w").write(text)
PY
