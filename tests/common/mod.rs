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
    physlint_with_env(args, &[])
}

/// [`physlint`] with extra environment variables.
pub fn physlint_with_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_physlint"))
        .args(args)
        .envs(env.iter().copied())
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

/// A red disc (radius 12) flying over a textured background: a thrown ball, with an optional
/// teleport of +90 px in x at frame `jump`. Returns the frames and the true centres.
pub fn thrown_disc(n: usize, jump: Option<usize>) -> (Vec<opencv::core::Mat>, Vec<(f64, f64)>) {
    thrown_disc_from(n, jump, 31, 40.0, -8.0)
}

/// [`thrown_disc`] over background `seed`, starting at x = `x0` with vertical speed `vy0`.
pub fn thrown_disc_from(
    n: usize,
    jump: Option<usize>,
    seed: u64,
    x0: f64,
    vy0: f64,
) -> (Vec<opencv::core::Mat>, Vec<(f64, f64)>) {
    use opencv::core::{Point, Scalar};
    let bg = pan_frames(seed, 320, 240, 1, 0, 0).remove(0);
    let (mut frames, mut truth) = (Vec::new(), Vec::new());
    let (mut x, mut y, mut vy) = (x0, 200.0f64, vy0);
    for f in 0..n {
        if Some(f) == jump {
            x += 90.0;
        }
        let mut img = bg.clone();
        opencv::imgproc::circle(
            &mut img,
            Point::new(x.round() as i32, y.round() as i32),
            12,
            Scalar::new(30.0, 30.0, 230.0, 0.0),
            -1,
            opencv::imgproc::LINE_AA,
            0,
        )
        .unwrap();
        frames.push(img);
        truth.push((x.round(), y.round()));
        x += 3.0;
        vy += 0.4;
        y += vy;
    }
    (frames, truth)
}
