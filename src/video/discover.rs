//! Input discovery: files, folders searched recursively in sorted order, image-sequence folders.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// File extensions looked for when searching folders (files named explicitly are always tried).
pub const VIDEO_EXTENSIONS: &[&str] = &[
    "mp4", "mov", "mkv", "webm", "avi", "gif", "m4v", "mpg", "mpeg", "wmv", "flv", "ts", "3gp",
];
/// Image extensions that make a folder an image sequence.
pub const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "bmp", "tif", "tiff", "webp"];

/// What an input is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputKind {
    /// A video file (or anything named explicitly, which the decoder will judge).
    File,
    /// A folder of numbered image frames, decoded in natural-sorted order.
    ImageSequence(Vec<PathBuf>),
    /// A path that cannot be analysed, with the one-line reason (kept so the batch reports it).
    Unreadable(String),
}

/// One input to analyse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    /// Path as given (or as found under a given folder).
    pub path: PathBuf,
    /// What it is.
    pub kind: InputKind,
}

fn ext_of(p: &Path) -> String {
    p.extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase()
}

fn is_image(p: &Path) -> bool {
    IMAGE_EXTENSIONS.contains(&ext_of(p).as_str())
}

fn is_video(p: &Path) -> bool {
    VIDEO_EXTENSIONS.contains(&ext_of(p).as_str())
}

/// Sort key that orders "frame2" before "frame10".
fn natural_key(p: &Path) -> Vec<(String, u64)> {
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut out = Vec::new();
    let mut text = String::new();
    let mut num = String::new();
    for c in name.chars() {
        if c.is_ascii_digit() {
            num.push(c);
        } else {
            if !num.is_empty() {
                out.push((std::mem::take(&mut text), num.parse().unwrap_or(u64::MAX)));
                num.clear();
            }
            text.push(c);
        }
    }
    out.push((text, num.parse().unwrap_or(0)));
    out
}

/// Expands the given paths into inputs, in a deterministic order: each given path in turn,
/// folders searched recursively with entries sorted by name. A folder holding at least two
/// images and no videos or sub-folders is one image-sequence input. Symlink loops and the output
/// folders of earlier scans are skipped.
pub fn discover(paths: &[PathBuf]) -> Vec<Input> {
    let mut out = Vec::new();
    let mut seen_dirs = HashSet::new();
    for p in paths {
        match std::fs::metadata(p) {
            Err(e) => out.push(Input {
                path: p.clone(),
                kind: InputKind::Unreadable(crate::error::one_line(&e.to_string())),
            }),
            Ok(m) if m.is_dir() => walk(p, &mut seen_dirs, &mut out),
            Ok(m) if !m.is_file() => out.push(Input {
                path: p.clone(),
                kind: InputKind::Unreadable(
                    "not a regular file (a pipe, socket or device would block)".into(),
                ),
            }),
            Ok(_) => out.push(Input {
                path: p.clone(),
                kind: InputKind::File,
            }),
        }
    }
    out
}

/// True for an output folder of an earlier scan (its run.json names physlint): its charts and
/// evidence pictures are not inputs.
fn is_scan_output(dir: &Path) -> bool {
    dir.join(".physlint").is_dir()
        || std::fs::read_to_string(dir.join("run.json"))
            .map(|t| t.contains("\"tool\": \"physlint\""))
            .unwrap_or(false)
}

fn walk(dir: &Path, seen: &mut HashSet<PathBuf>, out: &mut Vec<Input>) {
    let canon = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if !seen.insert(canon) || is_scan_output(dir) {
        return; // symlink loop, folder given twice, or an earlier scan's output
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(rd) => {
            let mut v: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
            v.sort();
            v
        }
        Err(e) => {
            out.push(Input {
                path: dir.to_path_buf(),
                kind: InputKind::Unreadable(format!(
                    "cannot read folder: {}",
                    crate::error::one_line(&e.to_string())
                )),
            });
            return;
        }
    };
    let mut dirs = Vec::new();
    let mut videos = Vec::new();
    let mut images = Vec::new();
    for p in entries {
        match std::fs::metadata(&p) {
            Ok(m) if m.is_dir() => dirs.push(p),
            Ok(m) if !m.is_file() && is_video(&p) => out.push(Input {
                path: p.clone(),
                kind: InputKind::Unreadable(
                    "not a regular file (a pipe, socket or device would block)".into(),
                ),
            }),
            Ok(m) if !m.is_file() => {}
            Ok(_) if is_video(&p) => videos.push(p),
            Ok(_) if is_image(&p) => images.push(p),
            Ok(_) => {}
            Err(_) if is_video(&p) => out.push(Input {
                path: p.clone(),
                kind: InputKind::Unreadable("broken link or unreadable entry".into()),
            }),
            Err(_) => {}
        }
    }
    if images.len() >= 2 && videos.is_empty() && dirs.is_empty() {
        images.sort_by_key(|p| natural_key(p));
        out.push(Input {
            path: dir.to_path_buf(),
            kind: InputKind::ImageSequence(images),
        });
        return;
    }
    for v in videos {
        out.push(Input {
            path: v,
            kind: InputKind::File,
        });
    }
    for d in dirs {
        walk(&d, seen, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_puts_2_before_10() {
        let mut v = vec![
            PathBuf::from("f10.png"),
            PathBuf::from("f2.png"),
            PathBuf::from("f1.png"),
        ];
        v.sort_by_key(|p| natural_key(p));
        assert_eq!(
            v,
            vec![
                PathBuf::from("f1.png"),
                PathBuf::from("f2.png"),
                PathBuf::from("f10.png")
            ]
        );
    }

    #[test]
    fn folders_are_searched_recursively_in_sorted_order() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("b")).unwrap();
        std::fs::create_dir_all(d.path().join("seq")).unwrap();
        std::fs::write(d.path().join("b/z.mp4"), b"x").unwrap();
        std::fs::write(d.path().join("a.GIF"), b"x").unwrap();
        std::fs::write(d.path().join("notes.txt"), b"x").unwrap();
        for i in [1, 2, 10] {
            std::fs::write(d.path().join(format!("seq/f{i}.png")), b"x").unwrap();
        }
        let found = discover(&[d.path().to_path_buf()]);
        let names: Vec<_> = found
            .iter()
            .map(|i| i.path.strip_prefix(d.path()).unwrap().to_path_buf())
            .collect();
        assert_eq!(
            names,
            vec![
                PathBuf::from("a.GIF"),
                PathBuf::from("b/z.mp4"),
                PathBuf::from("seq")
            ]
        );
        match &found[2].kind {
            InputKind::ImageSequence(f) => assert!(f[2].ends_with("f10.png")),
            k => panic!("expected image sequence, got {k:?}"),
        }
    }

    #[test]
    fn earlier_scan_outputs_are_not_inputs() {
        let d = tempfile::tempdir().unwrap();
        let chart_dir = d.path().join("out/videos/0001_a");
        std::fs::create_dir_all(&chart_dir).unwrap();
        for n in ["event_001_teleport.png", "timeline.png", "trajectory.png"] {
            std::fs::write(chart_dir.join(n), b"x").unwrap();
        }
        std::fs::write(d.path().join("a.mp4"), b"x").unwrap();
        std::fs::write(
            d.path().join("out/run.json"),
            b"{\n  \"tool\": \"physlint\"\n}",
        )
        .unwrap();
        let found = discover(&[d.path().to_path_buf()]);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].path.ends_with("a.mp4"));
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_end() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("a")).unwrap();
        std::os::unix::fs::symlink(d.path(), d.path().join("a/loop")).unwrap();
        std::fs::write(d.path().join("a/v.mp4"), b"x").unwrap();
        let found = discover(&[d.path().to_path_buf()]);
        assert_eq!(found.len(), 1);
    }
}
