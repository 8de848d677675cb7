//! `physlint eval`: reads a scan and labels, writes eval.csv, eval.md and eval.png.

use crate::eval::{evaluate, markdown, EvalRow};
use crate::results::{EventRow, VideoRow};
use crate::synth::LabelRow;
use anyhow::Context;
use serde::de::DeserializeOwned;
use std::path::Path;

/// Reads a CSV file into rows, naming the file on error.
pub fn read_csv<T: DeserializeOwned>(path: &Path) -> anyhow::Result<Vec<T>> {
    let mut r =
        csv::Reader::from_path(path).with_context(|| format!("{}: cannot read", path.display()))?;
    r.deserialize()
        .collect::<Result<Vec<T>, _>>()
        .with_context(|| format!("{}: malformed CSV", path.display()))
}

/// Evaluates the scan in `scan` against `labels`, writing tables and a chart into `out`.
pub fn run(scan: &Path, labels: &Path, out: &Path, threshold: f64) -> anyhow::Result<Vec<EvalRow>> {
    let videos: Vec<VideoRow> = read_csv(&scan.join("videos.csv"))?;
    let events: Vec<EventRow> = read_csv(&scan.join("events.csv"))?;
    let labels: Vec<LabelRow> = read_csv(labels)?;
    let rows = evaluate(&videos, &events, &labels, threshold);
    std::fs::create_dir_all(out).with_context(|| format!("{}: cannot create", out.display()))?;
    crate::report::write_atomic(
        &out.join("eval.csv"),
        &crate::report::csv::to_csv::<EvalRow>(&rows)?,
    )?;
    crate::report::write_atomic(&out.join("eval.md"), markdown(&rows).as_bytes())?;
    let fam: Vec<&EvalRow> = rows.iter().filter(|r| r.scope == "family").collect();
    crate::report::charts::grouped_bars(
        &out.join("eval.png"),
        "physlint on the synth suite",
        &fam.iter().map(|r| r.name.clone()).collect::<Vec<_>>(),
        &[
            ("ROC-AUC", fam.iter().map(|r| r.auc).collect()),
            ("hit rate", fam.iter().map(|r| r.hit_rate).collect()),
            ("recall", fam.iter().map(|r| r.recall).collect()),
            (
                "clean flagged",
                fam.iter().map(|r| r.clean_flagged).collect(),
            ),
        ],
    )?;
    Ok(rows)
}
