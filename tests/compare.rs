//! `physlint compare` on scans with a known answer (hand-written videos.csv files).

mod common;
use common::*;
use physlint::results::VideoRow;
use std::path::Path;

#[derive(Debug, serde::Deserialize)]
struct Row {
    label: String,
    family: String,
    n: usize,
    mean_score: f64,
    mean_lo: f64,
    mean_hi: f64,
    flagged_share: f64,
    flagged_lo: f64,
    flagged_hi: f64,
    baseline: String,
    paired_n: usize,
    diff: f64,
    diff_lo: f64,
    diff_hi: f64,
    change: String,
}

fn write_scan(dir: &Path, rows: &[VideoRow]) {
    std::fs::create_dir_all(dir).unwrap();
    let mut w = csv::Writer::from_path(dir.join("videos.csv")).unwrap();
    for r in rows {
        w.serialize(r).unwrap();
    }
    w.flush().unwrap();
}

fn video(name: &str, morphing: f64) -> VideoRow {
    VideoRow {
        video: name.into(),
        status: "ok".into(),
        frames: 48,
        morphing_score: morphing,
        overall_score: morphing,
        verdict: if morphing >= 0.5 { "flag" } else { "pass" }.into(),
        ..Default::default()
    }
}

#[test]
fn compare_finds_the_known_paired_regression_and_nothing_else() {
    let t = tempfile::tempdir().unwrap();
    // A: 20 prompts at morphing 0.1. B: the same prompts at 0.3 / 0.7 (mean 0.5, half flagged),
    // so the paired B − A averages +0.4. C: other prompts at 0.1 (unpaired, no change).
    let a: Vec<VideoRow> = (0..20)
        .map(|i| video(&format!("a/p{i}.mp4"), 0.1))
        .collect();
    let b: Vec<VideoRow> = (0..20)
        .map(|i| video(&format!("b/p{i}.mp4"), if i % 2 == 0 { 0.3 } else { 0.7 }))
        .collect();
    let mut c: Vec<VideoRow> = (0..10)
        .map(|i| video(&format!("c/q{i}.mp4"), 0.1))
        .collect();
    let mut broken = video("c/broken.mp4", 0.0);
    broken.status = "error".into();
    c.push(broken);
    for (name, rows) in [("A", &a), ("B", &b), ("C", &c)] {
        write_scan(&t.path().join(name), rows);
    }
    let out = t.path().join("cmp");
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let (code, err) = physlint(&[
        "compare",
        &s(&t.path().join("A")),
        &s(&t.path().join("B")),
        &s(&t.path().join("C")),
        "--labels",
        "release-1",
        "release-2",
        "other",
        "--out",
        &s(&out),
    ]);
    assert_eq!(code, 0, "{err}");
    let rows: Vec<Row> = read(&out.join("compare.csv"));
    assert_eq!(rows.len(), 12);
    let get = |label: &str, fam: &str| {
        rows.iter()
            .find(|r| r.label == label && r.family == fam)
            .unwrap()
    };
    let r1 = get("release-1", "morphing");
    assert_eq!(
        (r1.n, r1.mean_score, r1.mean_lo, r1.mean_hi),
        (20, 0.1, 0.1, 0.1)
    );
    assert!(r1.baseline.is_empty() && r1.change.is_empty());
    let r2 = get("release-2", "morphing");
    assert_eq!((r2.mean_score, r2.flagged_share), (0.5, 0.5));
    assert!(r2.mean_lo > 0.35 && r2.mean_hi < 0.65, "{r2:?}");
    assert!(r2.flagged_lo > 0.2 && r2.flagged_hi < 0.8, "{r2:?}");
    assert_eq!((r2.baseline.as_str(), r2.paired_n), ("release-1", 20));
    assert!(
        (r2.diff - 0.4).abs() < 1e-9 && r2.diff_lo > 0.25 && r2.diff_hi < 0.55,
        "{r2:?}"
    );
    assert_eq!(r2.change, "worse");
    let r3 = get("other", "morphing");
    assert_eq!((r3.n, r3.paired_n, r3.diff), (10, 0, 0.0));
    assert_eq!(r3.change, "no clear change");
    for r in rows
        .iter()
        .filter(|r| r.family != "morphing" && !r.baseline.is_empty())
    {
        assert_eq!(
            (r.diff, r.change.as_str()),
            (0.0, "no clear change"),
            "{r:?}"
        );
    }
    let md = std::fs::read_to_string(out.join("compare.md")).unwrap();
    assert!(md.contains("| morphing | release-2 | 20 | 0.500"), "{md}");
    for png in ["compare.png", "compare_strip.png"] {
        let b = std::fs::read(out.join(png)).unwrap();
        assert_eq!(&b[..4], b"\x89PNG");
    }
    // One scan is not a comparison.
    let (code, _) = physlint(&["compare", &s(&t.path().join("A"))]);
    assert_eq!(code, 2);
}
