//! `physlint synth`: determinism, and rendered objects being where (and doing what) the labels say.

mod common;
use common::*;
use opencv::prelude::*;
use opencv::videoio;
use physlint::synth::{LabelRow, ObjectRow};
use std::collections::BTreeMap;
use std::path::Path;

fn synth(out: &Path, extra: &[&str]) {
    let mut args = vec!["synth", "--out", out.to_str().unwrap()];
    args.extend_from_slice(extra);
    let (code, err) = physlint(&args);
    assert_eq!(code, 0, "{err}");
}

fn decode_all(p: &Path) -> Vec<Vec<u8>> {
    let mut cap =
        videoio::VideoCapture::from_file(p.to_str().unwrap(), videoio::CAP_FFMPEG).unwrap();
    let mut out = Vec::new();
    let mut m = opencv::core::Mat::default();
    while cap.read(&mut m).unwrap() && !m.empty() {
        out.push(m.data_bytes().unwrap().to_vec());
    }
    out
}

#[test]
fn same_seed_gives_identical_labels_and_frames() {
    let d = tempfile::tempdir().unwrap();
    let (a, b) = (d.path().join("a"), d.path().join("b"));
    let flags = [
        "--count", "6", "--seed", "5", "--frames", "24-30", "--size", "320x240",
    ];
    // Two renders at once: encoder threads and machine load must not change a byte.
    std::thread::scope(|s| {
        s.spawn(|| synth(&a, &flags));
        s.spawn(|| synth(&b, &flags));
    });
    let c = d.path().join("again");
    synth(&c, &flags);
    let la = std::fs::read(a.join("labels.csv")).unwrap();
    assert_eq!(la, std::fs::read(b.join("labels.csv")).unwrap());
    assert_eq!(
        std::fs::read(a.join("objects.csv")).unwrap(),
        std::fs::read(b.join("objects.csv")).unwrap()
    );
    let labels: Vec<LabelRow> = read(&a.join("labels.csv"));
    assert_eq!(labels.len(), 6);
    for l in &labels {
        let fa = decode_all(&a.join(&l.clip));
        assert!(fa.len() >= 24);
        assert!(
            fa == decode_all(&b.join(&l.clip)),
            "{} decodes differently",
            l.clip
        );
        assert!(
            fa == decode_all(&c.join(&l.clip)),
            "{} decodes differently on a third run",
            l.clip
        );
    }
    // Two clips of the same suite on their own are the same clips, byte for byte.
    let part = d.path().join("part");
    let mut part_flags = flags.to_vec();
    part_flags.extend(["--clips", "1,4"]);
    synth(&part, &part_flags);
    let picked: Vec<LabelRow> = read(&part.join("labels.csv"));
    assert_eq!(picked, vec![labels[1].clone(), labels[4].clone()]);
    for l in &picked {
        assert_eq!(
            std::fs::read(part.join(&l.clip)).unwrap(),
            std::fs::read(a.join(&l.clip)).unwrap(),
            "{} differs when rendered alone",
            l.clip
        );
    }
    synth(
        &d.path().join("c"),
        &[
            "--count", "6", "--seed", "6", "--frames", "24-30", "--size", "320x240",
        ],
    );
    assert_ne!(la, std::fs::read(d.path().join("c/labels.csv")).unwrap());
}

type Track = BTreeMap<usize, ObjectRow>;

fn speed(t: &Track, f: usize) -> f64 {
    match (t.get(&f), t.get(&(f + 1))) {
        (Some(a), Some(b)) => ((b.cx - a.cx).powi(2) + (b.cy - a.cy).powi(2)).sqrt(),
        _ => f64::NAN,
    }
}

#[test]
fn rendered_objects_match_their_labels_for_every_kind_and_confounder() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("s");
    synth(
        &out,
        &[
            "--count", "32", "--seed", "3", "--frames", "64-80", "--size", "320x240",
        ],
    );
    let labels: Vec<LabelRow> = read(&out.join("labels.csv"));
    let objects: Vec<ObjectRow> = read(&out.join("objects.csv"));
    assert!(labels.iter().filter(|l| l.label == "clean").count() * 100 >= 35 * labels.len());
    let track = |clip: &str, id: u32| -> Track {
        objects
            .iter()
            .filter(|o| o.clip == clip && o.object_id == id)
            .map(|o| (o.frame, o.clone()))
            .collect()
    };
    let mut seen = std::collections::BTreeSet::new();
    for l in &labels {
        seen.insert(l.kind.clone());
        let t = track(&l.clip, 1);
        let s = l.frame_start;
        let inside = |o: &ObjectRow| {
            o.cx >= l.x - 2.0
                && o.cx <= l.x + l.w + 2.0
                && o.cy >= l.y - 2.0
                && o.cy <= l.y + l.h + 2.0
        };
        let ctx = format!("{} {:?}", l.clip, l);
        if l.label == "artifact" {
            assert_eq!(physlint::synth::family_of(&l.kind), Some(l.family.as_str()));
            if l.kind != "vanish" {
                assert!(
                    t.get(&s).is_some_and(inside),
                    "object 1 not in its label box at frame_start: {ctx}"
                );
            }
        }
        match l.kind.as_str() {
            "vanish" => {
                assert!(t.contains_key(&(s - 1)), "{ctx}");
                assert!(t.keys().all(|&f| f < s), "{ctx}");
            }
            "appear" => assert!(t.keys().all(|&f| f >= s), "{ctx}"),
            "teleport" => {
                let jump = speed(&t, s - 1);
                assert!(
                    jump > 3.0 * speed(&t, s - 3).max(1.0) && jump > 20.0,
                    "jump {jump}: {ctx}"
                );
            }
            "hover" => {
                let (a, b) = (&t[&s], &t[&(l.frame_end - 1)]);
                // Still in the world; a moving camera may shift the view by a few px.
                assert!(
                    (a.cy - b.cy).abs() < 3.0 && (a.cx - b.cx).abs() < 3.0,
                    "{ctx}"
                );
            }
            "antigravity" => {
                let (a, m, b) = (&t[&s], &t[&(s + 4)], &t[&(s + 8)]);
                // Upward acceleration: velocity (down +) decreases.
                assert!((b.cy - m.cy) < (m.cy - a.cy) - 2.0, "{ctx}");
            }
            "bounce_gain" => {
                let after: f64 = (s..=l.frame_end)
                    .filter_map(|f| t.get(&f))
                    .map(|o| o.cy)
                    .fold(f64::MAX, f64::min);
                let before: f64 = (s.saturating_sub(25)..s)
                    .filter_map(|f| t.get(&f))
                    .map(|o| o.cy)
                    .fold(f64::MAX, f64::min);
                assert!(
                    after < before - 3.0,
                    "rebound apex {after} not above drop apex {before}: {ctx}"
                );
            }
            "speed_jump" => {
                let v = |f: usize| (t[&(f + 1)].cx - t[&f].cx, t[&(f + 1)].cy - t[&f].cy);
                let (b, a) = (v(s - 2), v(s));
                let dv = ((a.0 - b.0).powi(2) + (a.1 - b.1).powi(2)).sqrt();
                assert!(
                    dv > 1.5 * (b.0 * b.0 + b.1 * b.1).sqrt() && dv > 3.0,
                    "dv {dv}: {ctx}"
                );
            }
            "part_loss" => assert!(t[&s].area < 0.97 * t[&(s - 1)].area, "{ctx}"),
            "part_gain" => assert!(t[&(s + 1)].area > 1.05 * t[&(s - 1)].area, "{ctx}"),
            "occluder" => {
                let hidden = (5..t.keys().max().copied().unwrap_or(0)).any(|f| !t.contains_key(&f));
                assert!(
                    hidden && t.contains_key(&0),
                    "never passes behind the occluder: {ctx}"
                );
                let last = *t.keys().max().unwrap();
                assert!(
                    (0..last).any(|f| !t.contains_key(&f)) && t.contains_key(&last),
                    "{ctx}"
                );
            }
            "edge_exit" => {
                let last = *t.keys().max().unwrap();
                assert!(last < l.frame_end, "object never leaves: {ctx}");
                let o = &t[&last];
                assert!(
                    o.x <= 1.0 || o.y <= 1.0 || o.x + o.w >= 319.0 || o.y + o.h >= 239.0,
                    "left away from the edge: {ctx}"
                );
            }
            "cut" => {
                assert!(
                    objects
                        .iter()
                        .filter(|o| o.clip == l.clip && o.object_id > 100)
                        .all(|o| o.frame >= s),
                    "{ctx}"
                );
                assert!(
                    objects
                        .iter()
                        .filter(|o| o.clip == l.clip && o.object_id < 100)
                        .all(|o| o.frame < s),
                    "{ctx}"
                );
            }
            _ => {}
        }
    }
    assert_eq!(seen.len(), 16, "{seen:?}");
}
