//! `physlint gate`: scan (or read a scan), apply `physlint.toml` thresholds and the optional
//! baseline regression gate, and write what CI systems read: JUnit XML, GitHub annotations, a
//! markdown summary (gate.md, and `$GITHUB_STEP_SUMMARY` when set).

use crate::app::eval::read_scan;
use crate::gate::{judge, regressions, GateConfig, GateOutcome};
use crate::report::{ci, write_atomic};
use anyhow::Context;
use std::io::Write;
use std::path::PathBuf;

/// Where the gate's inputs come from and where its outputs go.
#[derive(Debug, Clone)]
pub struct GateOptions {
    /// Scan to run (ignored when `scan_dir` is set).
    pub scan: Option<crate::app::scan::ScanOptions>,
    /// An existing scan folder to judge instead of scanning.
    pub scan_dir: Option<PathBuf>,
    /// Folder for gate.md (and the scan when one runs).
    pub out: PathBuf,
    /// Thresholds.
    pub config: GateConfig,
    /// JUnit XML path.
    pub junit: Option<PathBuf>,
    /// Baseline scan folder.
    pub baseline: Option<PathBuf>,
}

/// Runs the gate; returns the outcome (its `exit_code` is the process status).
pub fn run(opts: &GateOptions) -> anyhow::Result<GateOutcome> {
    let (videos, events) = match (&opts.scan_dir, &opts.scan) {
        (Some(dir), _) => read_scan(dir)?,
        (None, Some(scan)) => {
            let r = crate::app::scan::run(scan)?;
            let videos = r.videos.iter().map(|v| v.row.clone()).collect();
            let events = r.videos.iter().flat_map(|v| v.events.clone()).collect();
            (videos, events)
        }
        (None, None) => anyhow::bail!("gate needs video paths or --scan DIR"),
    };
    let mut outcome = judge(&videos, &events, &opts.config);
    if let Some(base) = &opts.baseline {
        let (base_videos, _) = read_scan(base)
            .with_context(|| format!("{}: baseline is not a readable scan", base.display()))?;
        outcome.regressions = regressions(&base_videos, &videos, &opts.config.baseline);
    }
    let md = ci::markdown(&outcome, &opts.config);
    std::fs::create_dir_all(&opts.out)
        .with_context(|| format!("{}: cannot create output folder", opts.out.display()))?;
    write_atomic(&opts.out.join("gate.md"), md.as_bytes())?;
    if let Some(j) = &opts.junit {
        write_atomic(j, ci::junit(&outcome).as_bytes())?;
    }
    if std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true") {
        print!("{}", ci::github_annotations(&outcome));
    }
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) {
        let path = PathBuf::from(summary);
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("{}: cannot append step summary", path.display()))?;
        f.write_all(md.as_bytes())
            .and_then(|_| f.write_all(b"\n"))
            .with_context(|| format!("{}: cannot append step summary", path.display()))?;
    }
    Ok(outcome)
}
