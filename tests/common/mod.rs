//! Helpers shared by the end-to-end tests: clip writers and a runner for the binary.
#![allow(dead_code)]

use opencv::core::{Mat, Rect, Size};
use opencv::prelude::*;
use opencv::videoio;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A deterministic textured image (w × h, BGR) from the synth background generator.
pub fn texture(seed: u64, w: i32, h: i32) -> Mat {
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    physlint::synth::scene::background(&mut rng, w, h).unwrap()
}

/// Writes frames as H.264 MP4 (avc1).
pub fn write_mp4(path: &Path, frames: &[Mat], fps: f64) {
    let s = frames[0].size().unwrap();
    let fourcc = videoio::VideoWriter::fourcc('a', 'v', 'c', '1').unwrap();
    let mut w = videoio::VideoWriter::new(path.to_str().unwrap(), fourcc, fps, s, true).unwrap();
    assert!(
        w.is_opened().unwrap(),
        "VideoWriter avc1 failed for {}",
        path.display()
    );
    for f in frames {
        w.write(f).unwrap();
    }
    w.release().unwrap();
}

/// Crops of a big texture moving by (dx, dy) px per frame: a camera pan.
pub fn pan_frames(seed: u64, w: i32, h: i32, n: usize, dx: i32, dy: i32) -> Vec<Mat> {
    let margin = (n as i32) * dx.abs().max(dy.abs()) + 2;
    let big = texture(seed, w + 2 * margin, h + 2 * margin);
    (0..n as i32)
        .map(|t| {
            // Content moves by +dx: the window moves by -dx.
            let r = Rect::new(margin - t * dx, margin - t * dy, w, h);
            Mat::roi(&big, r).unwrap().try_clone().unwrap()
        })
        .collect()
}

/// Runs the physlint binary, returning (exit code, stderr).
pub fn physlint(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_physlint"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// Reads a CSV into rows of a serde type.
pub fn read<T: serde::de::DeserializeOwned>(path: &Path) -> Vec<T> {
    csv::Reader::from_path(path)
        .unwrap()
        .deserialize()
        .collect::<Result<Vec<T>, _>>()
        .unwrap()
}

/// ../shared/datasets, when present.
pub fn shared_datasets() -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets");
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipping: ../shared/datasets is absent");
        None
    }
}

/// Size helper.
pub fn size(w: i32, h: i32) -> Size {
    Size::new(w, h)
}
