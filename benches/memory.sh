#!/usr/bin/env bash
# Peak-memory bench: physlint's peak RSS on a 10 s and a 60 s 720p clip (flat in video length
# means the 60 s peak is at most 1.2x the 10 s one), and on a `--jobs 2` scan of a folder
# (default: all of ../shared/datasets). The clips loop ../shared/datasets/real/ball_toss_repeated.mp4
# when it is there, else ffmpeg's testsrc2 pattern. Prints the table and writes reports/memory.md.
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/datasets}
./scripts/install-deps.sh >/dev/null
cargo build --release --quiet
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
src=../shared/datasets/real/ball_toss_repeated.mp4
clip() { # seconds out
  if [ -f "$src" ]; then
    ffmpeg -v error -nostdin -stream_loop 8 -i "$src" -t "$1" -vf scale=1280:720 -r 30 -c:v libx264 -pix_fmt yuv420p -y "$2"
  else
    ffmpeg -v error -nostdin -f lavfi -i "testsrc2=size=1280x720:rate=30" -t "$1" -c:v libx264 -pix_fmt yuv420p -y "$2"
  fi
}
clip 10 "$tmp/clip_10s.mp4"
clip 60 "$tmp/clip_60s.mp4"
peak() { # prints peak RSS in MB of the command
  /usr/bin/time -f "%M" -o "$tmp/rss" "$@" >/dev/null 2>&1 || true
  awk '{printf "%.1f", $1 / 1024}' "$tmp/rss"
}
r10=$(peak target/release/physlint scan "$tmp/clip_10s.mp4" --out "$tmp/o10" --quiet --jobs 1)
r60=$(peak target/release/physlint scan "$tmp/clip_60s.mp4" --out "$tmp/o60" --quiet --jobs 1)
rall=$(peak target/release/physlint scan "$data" --out "$tmp/oall" --quiet --jobs 2)
python3 - "$r10" "$r60" "$rall" "$data" <<'PY'
import sys, os
r10, r60, rall, data = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
md = f"""# Peak memory (benches/memory.sh)

{os.cpu_count()} cores ({cpu}); default settings, `/usr/bin/time -f %M` (peak RSS).

| run | peak RSS (MB) |
|---|---|
| 10 s 720p clip, `--jobs 1` | {r10:.1f} |
| 60 s 720p clip, `--jobs 1` | {r60:.1f} |
| 60 s ÷ 10 s | {r60 / r10:.2f} (target ≤ 1.2) |
| all of {data}, `--jobs 2`, with reports | {rall:.1f} (target < 300) |
"""
open("reports/memory.md", "w").write(md)
print(md)
PY
