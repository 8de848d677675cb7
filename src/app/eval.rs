//! `physlint eval`: reads a scan and labels, writes eval.csv, eval.md and eval.png.

use crate::eval::tracking::TrackingRow;
use crate::eval::{evaluate, markdown, EvalRow};
use crate::results::{EventRow, TrackRow, VideoRow};
use crate::synth::{LabelRow, ObjectRow};
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

/// Reads videos.csv and events.csv of a scan folder.
pub fn read_scan(dir: &Path) -> anyhow::Result<(Vec<VideoRow>, Vec<EventRow>)> {
    let videos: Vec<VideoRow> = read_csv(&dir.join("videos.csv"))?;
    let events: Vec<EventRow> = read_csv(&dir.join("events.csv"))?;
    Ok((videos, events))
}

/// Evaluates the scan in `scan` against `labels`, writing tables and a chart into `out`.
pub fn run(
    scan: &Path,
    labels_path: &Path,
    out: &Path,
    threshold: f64,
) -> anyhow::Result<Vec<EvalRow>> {
    let (videos, events) = read_scan(scan)?;
    let labels: Vec<LabelRow> = read_csv(labels_path)?;
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
    // Tracking accuracy when the labels come with object truth (synth's objects.csv) and the scan has tracks.
    let objects = labels_path.with_file_name("objects.csv");
    let tracks = scan.join("tracks.csv");
    if objects.is_file() && tracks.is_file() {
        let truth: Vec<ObjectRow> = read_csv(&objects)?;
        let rows: Vec<TrackRow> = read_csv(&tracks)?;
        let occluder_clips = labels
            .iter()
            .filter(|l| l.kind == "occluder")
            .map(|l| l.clip.clone())
            .collect();
        let t = crate::eval::tracking::evaluate(&truth, &rows, &occluder_clips);
        let kinds = labels
            .iter()
            .map(|l| (l.clip.clone(), l.kind.clone()))
            .collect();
        let clips = crate::eval::tracking::per_clip(&truth, &rows, &occluder_clips, &kinds);
        crate::report::write_atomic(
            &out.join("tracking_clips.csv"),
            &crate::report::csv::to_csv::<crate::eval::tracking::ClipTrackingRow>(&clips)?,
        )?;
        crate::report::write_atomic(
            &out.join("tracking.csv"),
            &crate::report::csv::to_csv::<TrackingRow>(std::slice::from_ref(&t))?,
        )?;
        let md = format!(
            "| truth boxes | FN | FP | ID switches | MOTA | IDF1 | median centroid error (px) | occlusions | id kept after occlusion |\n|---|---|---|---|---|---|---|---|---|\n| {} | {} | {} | {} | {:.3} | {:.3} | {:.2} | {} | {:.3} |\n",
            t.gt, t.false_negatives, t.false_positives, t.id_switches, t.mota, t.idf1, t.median_centroid_error_px, t.occlusions, t.occlusion_id_kept
        );
        crate::report::write_atomic(&out.join("tracking.md"), md.as_bytes())?;
    }
    Ok(rows)
}
