//! Per-video records in `OUT/.physlint/`: each finished video's full result, written atomically
//! right after its charts and evidence, so `scan --resume` after a crash or kill redoes only the
//! videos that did not finish and writes tables byte-identical to an uninterrupted run.

use crate::error::Result;
use crate::results::VideoResult;
use crate::video::{Input, InputKind};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Folder (inside the output folder) holding the records.
pub const DIR: &str = ".physlint";

#[derive(Serialize, Deserialize)]
struct Record {
    index: usize,
    path: String,
    identity: (u64, i128),
    settings: serde_json::Value,
    result: VideoResult,
}

/// Size and modification time (ns) of an input; for an image sequence, the sum of sizes and the
/// latest time. Changes when the input changes.
fn identity(input: &Input) -> (u64, i128) {
    let one = |p: &Path| {
        std::fs::metadata(p)
            .map(|m| {
                let t = m
                    .modified()
                    .ok()
                    .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_nanos() as i128);
                (m.len(), t)
            })
            .unwrap_or((0, 0))
    };
    match &input.kind {
        InputKind::ImageSequence(files) => files.iter().fold((0, 0), |(s, t), f| {
            let (fs, ft) = one(f);
            (s + fs, t.max(ft))
        }),
        _ => one(&input.path),
    }
}

/// FNV-1a of the input path: a stable record name.
fn record_path(out: &Path, input: &Input) -> PathBuf {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in input.path.to_string_lossy().bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    out.join(DIR).join(format!("{h:016x}.json"))
}

/// The recorded result of `input`, when an earlier run with the same settings finished it and the
/// input and its per-video files are unchanged.
pub fn load(
    out: &Path,
    index: usize,
    input: &Input,
    settings: &serde_json::Value,
) -> Option<VideoResult> {
    let bytes = std::fs::read(record_path(out, input)).ok()?;
    let rec: Record = serde_json::from_slice(&bytes).ok()?;
    let same = rec.index == index
        && rec.path == input.path.to_string_lossy()
        && rec.identity == identity(input)
        && &rec.settings == settings
        && rec.result.files.iter().all(|f| out.join(f).is_file());
    same.then_some(rec.result)
}

/// Records a finished video.
pub fn save(
    out: &Path,
    index: usize,
    input: &Input,
    settings: &serde_json::Value,
    result: &VideoResult,
) -> Result<()> {
    let rec = Record {
        index,
        path: input.path.to_string_lossy().to_string(),
        identity: identity(input),
        settings: settings.clone(),
        result: result.clone(),
    };
    let bytes = serde_json::to_vec(&rec).map_err(|e| crate::error::Error::Output {
        path: record_path(out, input),
        cause: e.to_string(),
    })?;
    crate::report::write_atomic(&record_path(out, input), &bytes)
}

/// Removes temporary files a killed run left behind (`.NAME.tmp-PID`) in the output folder, its
/// records and its per-video folders.
pub fn remove_stale_temporaries(out: &Path) {
    let mut dirs = vec![out.to_path_buf(), out.join(DIR)];
    if let Ok(rd) = std::fs::read_dir(out.join("videos")) {
        dirs.extend(rd.filter_map(|e| e.ok().map(|e| e.path())));
    }
    for d in dirs {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.starts_with('.') && name.contains(".tmp-") {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}
