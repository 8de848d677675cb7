#!/usr/bin/env bash
# Scans the public text-to-video samples in ../shared/datasets/generated and writes
# reports/generated/ (tables, charts, evidence, report.html), reports/generated/summary.md (scores and
# events per clip) and reports/report-screenshot.png (report.html as headless Chromium renders it).
set -euo pipefail
cd "$(dirname "$0")/.."
data=../shared/datasets/generated
[ -d "$data" ] || { echo "report-generated: $data is absent" >&2; exit 2; }
cargo build --release
out=reports/generated
target/release/physlint scan "$data" --out "$out" --quiet
python3 - "$out" <<'PY'
import csv, os, sys, collections
out = sys.argv[1]
ev = collections.defaultdict(list)
for e in csv.DictReader(open(os.path.join(out, "events.csv"))):
    ev[e["video"]].append(e)
rows = ["| clip | morphing | missing limbs | implausible motion | object permanence | verdict | events (kind@frame score) |",
        "|---|---|---|---|---|---|---|"]
for v in csv.DictReader(open(os.path.join(out, "videos.csv"))):
    name = v["video"].split("generated/")[-1][:70]
    top = sorted(ev[v["video"]], key=lambda e: -float(e["score"]))[:3]
    evs = ", ".join(f'{e["kind"]}@{e["frame_start"]} {float(e["score"]):.2f}' for e in top)
    rows.append(f'| {name} | {v["morphing_score"]} | {v["missing_limbs_score"]} | {v["implausible_motion_score"]} | {v["object_permanence_score"]} | {v["verdict"]} | {evs} |')
open(os.path.join(out, "summary.md"), "w").write("\n".join(rows) + "\n")
print("\n".join(rows))
PY
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
  --disable-component-update --disable-sync --user-data-dir="$(mktemp -d)" --hide-scrollbars \
  --window-size=1280,1400 --screenshot="$PWD/reports/report-screenshot.png" "file://$PWD/$out/report.html" 2>/dev/null
echo "report: $out/report.html; screenshot: reports/report-screenshot.png"
