//! Trust: a scan killed with SIGKILL at five points and resumed writes the same bytes as an
//! uninterrupted one; thread count does not change any output; a per-video timeout ends a video
//! with an error row and the batch goes on.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Every output file except run.json (timings) and the records, by relative path.
fn outputs(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, d: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(d).unwrap().flatten() {
            let p = e.path();
            let rel = p.strip_prefix(root).unwrap().to_path_buf();
            if rel.starts_with(".physlint") || rel == Path::new("run.json") {
                continue;
            }
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn assert_same_outputs(a: &Path, b: &Path) {
    let (x, y) = (outputs(a), outputs(b));
    assert_eq!(
        x.keys().collect::<Vec<_>>(),
        y.keys().collect::<Vec<_>>(),
        "different files"
    );
    for (k, v) in &x {
        assert!(v == &y[k], "{} differs", k.display());
    }
    for t in [
        "videos.csv",
        "frames.csv",
        "events.csv",
        "tracks.csv",
        "events.jsonl",
        "report.html",
    ] {
        assert!(x.contains_key(Path::new(t)), "{t} missing");
    }
}

fn records(out: &Path) -> usize {
    std::fs::read_dir(out.join(".physlint"))
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
                .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn killed_and_resumed_scan_equals_an_uninterrupted_one() {
    let t = tempfile::tempdir().unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let clips = t.path().join("clips");
    let (code, err) = physlint(&[
        "synth",
        "--out",
        &s(&clips),
        "--count",
        "12",
        "--seed",
        "5",
        "--frames",
        "40-56",
        "--size",
        "320x240",
    ]);
    assert_eq!(code, 0, "{err}");
    let full = t.path().join("full");
    let (code, err) = physlint(&["scan", "-q", "-j", "2", &s(&clips), "--out", &s(&full)]);
    assert_eq!(code, 0, "{err}");

    let out = t.path().join("resumed");
    let bin = env!("CARGO_BIN_EXE_physlint");
    let args = [
        "scan",
        "-q",
        "-j",
        "2",
        "--resume",
        &s(&clips),
        "--out",
        &s(&out),
    ];
    let mut kills = 0;
    // Kill points: shortly after start, then after 2, 4, 7 and 10 of 12 videos are recorded.
    for target in [0usize, 2, 4, 7, 10] {
        let mut child = Command::new(bin).args(args).spawn().unwrap();
        let started = Instant::now();
        loop {
            let done = child.try_wait().unwrap().is_some();
            let ready = if target == 0 {
                started.elapsed() > Duration::from_millis(150)
            } else {
                records(&out) >= target
            };
            if done || ready || started.elapsed() > Duration::from_secs(120) {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            kills += 1;
        }
        child.wait().unwrap();
    }
    assert!(kills >= 4, "only {kills} runs were still going when killed");
    let (code, err) = physlint(&args);
    assert_eq!(code, 0, "{err}");
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    assert!(run["resumed"].as_u64().unwrap() >= 10, "{}", run["resumed"]);
    assert_same_outputs(&full, &out);
    let leftovers: Vec<_> = outputs(&out)
        .into_keys()
        .filter(|k| k.to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A changed input is analysed again, not taken from its record.
    let first = clips.join("clip_0000_clean_occluder.mp4");
    std::fs::copy(clips.join("clip_0001_clean_edge_exit.mp4"), &first).unwrap();
    let (code, _) = physlint(&args);
    assert_eq!(code, 0);
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(run["resumed"], 11);
}

#[test]
fn thread_count_does_not_change_any_output_on_the_shared_datasets() {
    let Some(data) = shared_datasets() else {
        return;
    };
    let t = tempfile::tempdir().unwrap();
    let mut outs = Vec::new();
    for j in ["1", "2"] {
        let out = t.path().join(format!("j{j}"));
        let (code, err) = physlint(&[
            "scan",
            "-q",
            "-j",
            j,
            data.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert!(code == 0 || code == 2, "{err}");
        outs.push(out);
    }
    assert_same_outputs(&outs[0], &outs[1]);
}

#[test]
fn a_video_over_its_time_limit_gets_an_error_row_and_the_batch_goes_on() {
    use physlint::results::VideoRow;
    let t = tempfile::tempdir().unwrap();
    write_mp4(
        &t.path().join("long.mp4"),
        &pan_frames(3, 320, 240, 240, 1, 0),
        24.0,
    );
    write_mp4(
        &t.path().join("short.mp4"),
        &pan_frames(4, 64, 48, 4, 1, 0),
        24.0,
    );
    let out = t.path().join("o");
    let (code, err) = physlint(&[
        "scan",
        "--timeout-per-video",
        "0.2",
        t.path().to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    let rows: Vec<VideoRow> = read(&out.join("videos.csv"));
    let long = rows.iter().find(|r| r.video.ends_with("long.mp4")).unwrap();
    assert_eq!(long.status, "error");
    assert!(
        long.error.contains("timed out after 0.2 s"),
        "{}",
        long.error
    );
    assert!(
        err.contains("long.mp4") && err.contains("timed out"),
        "{err}"
    );
    let short = rows
        .iter()
        .find(|r| r.video.ends_with("short.mp4"))
        .unwrap();
    assert_eq!(short.status, "ok");
    let (code, err) = physlint(&["scan", "--timeout-per-video", "0", "x", "--out", "y"]);
    assert_eq!(code, 2);
    assert!(err.contains("--timeout-per-video"), "{err}");
}
