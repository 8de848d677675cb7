//! End-to-end tests of the report stage: per-video charts and evidence, report.html rendered in
//! headless Chromium, and every table and JSON file read back with typed parsers.

mod common;
use common::*;
use physlint::results::{EventRow, FrameRow, TrackRow, VideoRow};
use std::path::Path;
use std::process::Command;

/// Width and height from a PNG header (fails on anything that is not a PNG).
fn png_size(path: &Path) -> (u32, u32) {
    let b = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        &b[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    let be = |i: usize| u32::from_be_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    (be(16), be(20))
}

/// The `<body ...>` tag of the page after Chromium loaded it and ran its scripts.
fn body_after_load(page: &Path, profile: &Path) -> String {
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=10000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs (scripts/install-deps.sh installs it)");
    let dom = String::from_utf8_lossy(&out.stdout).to_string();
    let start = dom
        .find("<body")
        .unwrap_or_else(|| panic!("no body in DOM: {dom:.500}"));
    let end = start + dom[start..].find('>').unwrap();
    dom[start..=end].to_string()
}

fn attr(tag: &str, name: &str) -> usize {
    let key = format!("{name}=\"");
    let i = tag
        .find(&key)
        .unwrap_or_else(|| panic!("{name} missing in {tag}"))
        + key.len();
    tag[i..i + tag[i..].find('"').unwrap()].parse().unwrap()
}

#[test]
fn scan_writes_charts_evidence_and_a_page_that_renders_in_chromium() {
    let t = tempfile::tempdir().unwrap();
    let clips = t.path().join("clips dir");
    std::fs::create_dir_all(&clips).unwrap();
    write_mp4(
        &clips.join("a smooth, throw.mp4"),
        &thrown_disc(40, None).0,
        24.0,
    );
    write_mp4(
        &clips.join("b_jump.mp4"),
        &thrown_disc(40, Some(20)).0,
        24.0,
    );
    std::fs::write(clips.join("c_broken.mp4"), b"not a video").unwrap();
    let out = t.path().join("out");
    let (code, err) = physlint(&[
        "scan",
        "-q",
        clips.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "the broken file makes exit 2: {err}");

    // Per-video files: timeline PNG + SVG and trajectory for analysed videos, evidence for events.
    let jump = out.join("videos/0002_b_jump");
    assert_eq!(png_size(&jump.join("timeline.png")), (900, 320));
    let svg = std::fs::read_to_string(jump.join("timeline.svg")).unwrap();
    assert!(svg.starts_with("<svg") && svg.contains("implausible_motion"));
    let (w, h) = png_size(&jump.join("trajectory.png"));
    assert_eq!((w, h), (320, 240), "evidence frames keep the 320x240 size");
    let events: Vec<EventRow> = read(&out.join("events.csv"));
    let teleport = events
        .iter()
        .find(|e| e.video.ends_with("b_jump.mp4") && e.kind == "teleport")
        .expect("teleport event");
    let strip = jump.join(format!("event_{:03}_teleport.png", teleport.event_id));
    assert_eq!(
        png_size(&strip),
        (3 * 320 + 8, 240 + 22),
        "before/during/after strip"
    );
    assert!(out
        .join("videos/0001_a_smooth__throw/timeline.png")
        .is_file());
    assert!(!out.join("videos/0003_c_broken").exists());

    // The page: sections link the files that exist; Chromium loads every image.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("id=\"v2\"") && html.contains("Not analysed"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no network"
    );
    let body = body_after_load(&out.join("report.html"), &t.path().join("profile"));
    assert_eq!(attr(&body, "data-table-rows"), 3, "{body}");
    let (total, rendered) = (
        attr(&body, "data-images-total"),
        attr(&body, "data-images-rendered"),
    );
    assert!(total >= 5, "{body}");
    assert_eq!(
        rendered, total,
        "every chart and evidence image renders: {body}"
    );

    // Tables and JSON parse with standard tools and keep their documented types.
    let videos: Vec<VideoRow> = read(&out.join("videos.csv"));
    assert_eq!(videos.len(), 3);
    let frames: Vec<FrameRow> = read(&out.join("frames.csv"));
    assert_eq!(frames.len(), 2 * 39);
    let tracks: Vec<TrackRow> = read(&out.join("tracks.csv"));
    assert!(tracks
        .iter()
        .all(|r| ["visible", "occluded", "exited"].contains(&r.state.as_str())));
    for v in videos.iter().filter(|v| v.status == "ok") {
        for s in [
            v.morphing_score,
            v.missing_limbs_score,
            v.implausible_motion_score,
            v.object_permanence_score,
            v.overall_score,
        ] {
            assert!((0.0..=1.0).contains(&s));
        }
        assert!(["pass", "flag"].contains(&v.verdict.as_str()));
    }
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(run["schema_version"], physlint::SCHEMA_VERSION);
    let jsonl = std::fs::read_to_string(out.join("events.jsonl")).unwrap();
    let parsed: Vec<EventRow> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(parsed, events);

    // Scanning fewer inputs into the same folder leaves no pictures of the earlier run behind.
    let smooth_dir = out.join("videos/0001_a_smooth__throw");
    std::fs::write(smooth_dir.join("event_009_teleport.png"), b"stale").unwrap();
    let (code, err) = physlint(&[
        "scan",
        "-q",
        clips.join("a smooth, throw.mp4").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(smooth_dir.join("timeline.png").is_file());
    assert!(!smooth_dir.join("event_009_teleport.png").exists());
    assert!(!jump.exists(), "the other video's folder is gone");
}
