//! Report stage: turns [`ScanResults`] into files. One [`Exporter`] per format, one file each;
//! [`write_all`] writes every requested format atomically (temporary file, then rename), so an
//! interrupted run never leaves a half-written table. It never sees OpenCV or the decoder.

pub mod charts;
pub mod csv;
pub mod json;

use crate::error::{Error, Result};
use crate::results::ScanResults;
use std::io::Write;
use std::path::Path;

/// One output format: serialises the results into named files (relative to the output folder).
pub trait Exporter {
    /// Files this exporter produces: (file name, bytes).
    fn render(&self, results: &ScanResults) -> Result<Vec<(String, Vec<u8>)>>;
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
