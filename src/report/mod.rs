//! Report stage: turns [`ScanResults`] into files. One [`Exporter`] per format, one file each;
//! [`write_all`] writes every requested format atomically (temporary file, then rename), so an
//! interrupted run never leaves a half-written table. It never sees OpenCV or the decoder.

pub mod charts;
pub mod ci;
pub mod csv;
pub mod evidence;
pub mod html;
pub mod json;
pub mod timeline;

use crate::error::{Error, Result};
use crate::results::{EventRow, ScanResults, VideoResult, VideoRow};
use std::io::Write;
use std::path::Path;

/// One output format: serialises the results into named files (relative to the output folder).
pub trait Exporter {
    /// Files this exporter produces: (file name, bytes).
    fn render(&self, results: &ScanResults) -> Result<Vec<(String, Vec<u8>)>>;
}

/// One per-video output format (charts, evidence pictures): files relative to the video's folder
/// (see [`video_dir`]). Runs as soon as a video is analysed, so its pictures need not be kept.
pub trait VideoExporter {
    /// Files for one video: (file name, bytes).
    fn render_video(&self, video: &VideoResult) -> Result<Vec<(String, Vec<u8>)>>;
}

/// Evidence pictures are drawn for at most this many events per video (the first by event id).
pub const MAX_EVIDENCE: usize = 24;

/// The events of a video that get an evidence picture.
pub fn evidence_events(events: &[EventRow]) -> impl Iterator<Item = &EventRow> {
    events.iter().take(MAX_EVIDENCE)
}

/// File name of an event's evidence strip.
pub fn evidence_file(e: &EventRow) -> String {
    format!("event_{:03}_{}.png", e.event_id, e.kind)
}

/// Folder (relative to the output folder) of the per-video files of the `index`-th input.
pub fn video_dir(index: usize, row: &VideoRow) -> String {
    let stem = std::path::Path::new(&row.video)
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let slug: String = stem
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    format!("videos/{:04}_{slug}", index + 1)
}

/// True for the names the per-video exporters write.
fn is_video_file(name: &str) -> bool {
    (name.starts_with("event_") && name.ends_with(".png"))
        || name == "trajectory.png"
        || name.starts_with("timeline.")
}

/// Renders every per-video exporter for the `index`-th input and writes the files atomically;
/// removes files an earlier run left in the video's folder that this one did not write. Returns
/// the files written, relative to `dir`.
pub fn write_video(
    dir: &Path,
    index: usize,
    video: &VideoResult,
    exporters: &[&dyn VideoExporter],
) -> Result<Vec<String>> {
    let rel = video_dir(index, &video.row);
    let sub = dir.join(&rel);
    let mut made = sub.is_dir();
    let mut names = Vec::new();
    for e in exporters {
        for (name, bytes) in e.render_video(video)? {
            if !made {
                std::fs::create_dir_all(&sub).map_err(|e| Error::Output {
                    path: sub.clone(),
                    cause: crate::error::one_line(&e.to_string()),
                })?;
                made = true;
            }
            write_atomic(&sub.join(&name), &bytes)?;
            names.push(name);
        }
    }
    if let Ok(rd) = std::fs::read_dir(&sub) {
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if is_video_file(&name) && !names.contains(&name) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    Ok(names.into_iter().map(|n| format!("{rel}/{n}")).collect())
}

/// Removes the per-video folders under `dir/videos` that belong to none of `keep` (folder names
/// from [`video_dir`]), e.g. inputs of an earlier run into the same folder.
pub fn remove_stale_video_dirs(dir: &Path, keep: &[String]) {
    let Ok(rd) = std::fs::read_dir(dir.join("videos")) else {
        return;
    };
    for e in rd.flatten() {
        let rel = format!("videos/{}", e.file_name().to_string_lossy());
        if e.path().is_dir() && !keep.contains(&rel) {
            if let Ok(files) = std::fs::read_dir(e.path()) {
                for f in files.flatten() {
                    if is_video_file(&f.file_name().to_string_lossy()) {
                        let _ = std::fs::remove_file(f.path());
                    }
                }
            }
            let _ = std::fs::remove_dir(e.path());
        }
    }
}

/// Writes `bytes` to `path` atomically: a temporary file beside it, fsync, then rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let err = |e: std::io::Error| Error::Output {
        path: path.to_path_buf(),
        cause: crate::error::one_line(&e.to_string()),
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(err)
}

/// Renders every exporter and writes their files into `dir`.
pub fn write_all(
    dir: &Path,
    results: &ScanResults,
    exporters: &[&dyn Exporter],
) -> Result<Vec<String>> {
    let mut written = Vec::new();
    for e in exporters {
        for (name, bytes) in e.render(results)? {
            write_atomic(&dir.join(&name), &bytes)?;
            written.push(name);
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_whole_file_and_leaves_no_temp() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.csv");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1);
    }

    #[test]
    fn atomic_write_to_missing_folder_names_the_file() {
        let e = write_atomic(Path::new("/nonexistent-physlint/x.csv"), b"x").unwrap_err();
        assert!(e.to_string().contains("/nonexistent-physlint/x.csv"), "{e}");
    }
}
