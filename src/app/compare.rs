//! `physlint compare DIR_A DIR_B ...`: scans of several models or releases side by side. Per family:
//! mean score and share flagged with bootstrap 95% intervals; against the first scan, the paired
//! difference on clips of the same name (prompt). Writes compare.csv, compare.md, compare.png (bars
//! with error bars) and compare_strip.png (per-video scores with quartile boxes).

use crate::app::eval::read_csv;
use crate::checks::FAMILIES;
use crate::gate::{analysed_by_clip, family_change};
use crate::report::charts::{png, FAMILY_COLOURS};
use crate::report::write_atomic;
use crate::results::VideoRow;
use crate::stats::Bootstrap;
use plotters::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// One row of compare.csv: one scan (label) and one family.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CompareRow {
    /// Name of the scan (`--labels`, else the folder name).
    pub label: String,
    /// Artifact family.
    pub family: String,
    /// Analysed videos in the scan.
    pub n: usize,
    /// Mean family score.
    pub mean_score: f64,
    /// Lower end of its 95% bootstrap interval.
    pub mean_lo: f64,
    /// Upper end.
    pub mean_hi: f64,
    /// Share of videos with family score ≥ the flag threshold.
    pub flagged_share: f64,
    /// Lower end of its 95% bootstrap interval.
    pub flagged_lo: f64,
    /// Upper end.
    pub flagged_hi: f64,
    /// Label of the reference scan (the first one); empty on the reference's own rows.
    pub baseline: String,
    /// Clips present in both (matched by file name); 0 = unpaired comparison.
    pub paired_n: usize,
    /// Mean score minus the reference's (paired when paired_n ≥ 2).
    pub diff: f64,
    /// Lower end of the difference's 95% bootstrap interval.
    pub diff_lo: f64,
    /// Upper end.
    pub diff_hi: f64,
    /// `worse`, `better` or `no clear change` (the interval excludes 0 or not); empty for the reference.
    pub change: String,
}

/// Compares scans; the first is the reference.
pub fn compare(
    scans: &[(String, Vec<VideoRow>)],
    threshold: f64,
    boot: &Bootstrap,
) -> Vec<CompareRow> {
    let maps: Vec<BTreeMap<String, &VideoRow>> =
        scans.iter().map(|(_, r)| analysed_by_clip(r)).collect();
    let mut rows = Vec::new();
    for f in FAMILIES {
        for (i, (label, _)) in scans.iter().enumerate() {
            let scores: Vec<f64> = maps[i].values().map(|v| v.family_score(f)).collect();
            let flags: Vec<f64> = scores
                .iter()
                .map(|&s| if s >= threshold { 1.0 } else { 0.0 })
                .collect();
            let m = boot.mean(&scores);
            let fl = boot.mean(&flags);
            let mut row = CompareRow {
                label: label.clone(),
                family: f.to_string(),
                n: scores.len(),
                mean_score: m.mean,
                mean_lo: m.lo,
                mean_hi: m.hi,
                flagged_share: fl.mean,
                flagged_lo: fl.lo,
                flagged_hi: fl.hi,
                ..Default::default()
            };
            if i > 0 {
                let (d, pairs) = family_change(&maps[0], &maps[i], f, boot);
                row.paired_n = pairs;
                row.baseline = scans[0].0.clone();
                // Judged on the rounded table values, so float noise in sums is not a change.
                row.diff = crate::results::r4(d.mean);
                row.diff_lo = crate::results::r4(d.lo);
                row.diff_hi = crate::results::r4(d.hi);
                row.change = if row.diff_lo > 0.0 {
                    "worse"
                } else if row.diff_hi < 0.0 {
                    "better"
                } else {
                    "no clear change"
                }
                .into();
            }
            rows.push(row);
        }
    }
    for r in rows.iter_mut() {
        for v in [
            &mut r.mean_score,
            &mut r.mean_lo,
            &mut r.mean_hi,
            &mut r.flagged_share,
            &mut r.flagged_lo,
            &mut r.flagged_hi,
            &mut r.diff,
            &mut r.diff_lo,
            &mut r.diff_hi,
        ] {
            *v = crate::results::r4(*v);
        }
    }
    rows
}

/// Markdown table of the comparison.
pub fn markdown(rows: &[CompareRow]) -> String {
    let mut s = String::from(
        "| family | scan | videos | mean score (95% CI) | flagged share (95% CI) | vs reference (95% CI) | change |\n|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let vs = if r.baseline.is_empty() {
            "reference".to_string()
        } else {
            format!(
                "{:+.3} ({:+.3}..{:+.3}){}",
                r.diff,
                r.diff_lo,
                r.diff_hi,
                if r.paired_n >= 2 {
                    format!(", paired on {}", r.paired_n)
                } else {
                    ", unpaired".into()
                }
            )
        };
        let _ = writeln!(
            s,
            "| {} | {} | {} | {:.3} ({:.3}..{:.3}) | {:.3} ({:.3}..{:.3}) | {} | {} |",
            r.family,
            r.label,
            r.n,
            r.mean_score,
            r.mean_lo,
            r.mean_hi,
            r.flagged_share,
            r.flagged_lo,
            r.flagged_hi,
            vs,
            r.change
        );
    }
    s
}

const SERIES: [RGBColor; 6] = [
    RGBColor(90, 90, 90),
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(214, 39, 40),
];

fn bars(rows: &[CompareRow], labels: &[String]) -> Result<Vec<u8>, String> {
    let k = labels.len().max(1) as f64;
    png(960, 460, |root| {
        let e = |x: DrawingAreaErrorKind<_>| x.to_string();
        root.fill(&WHITE).map_err(e)?;
        let top = rows.iter().map(|r| r.mean_hi).fold(0.1, f64::max) * 1.15;
        let mut chart = ChartBuilder::on(root)
            .caption(
                "mean family score per scan (95% bootstrap CI)",
                ("sans-serif", 20),
            )
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(50)
            .build_cartesian_2d(0.0..FAMILIES.len() as f64, 0.0..top)
            .map_err(e)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(FAMILIES.len() * 2 + 1)
            .x_label_formatter(&|x| {
                let i = x.floor() as usize;
                if (x - i as f64 - 0.5).abs() < 0.01 && i < FAMILIES.len() {
                    FAMILIES[i].to_string()
                } else {
                    String::new()
                }
            })
            .y_desc("mean score")
            .draw()
            .map_err(e)?;
        for (li, label) in labels.iter().enumerate() {
            let c = SERIES[li % SERIES.len()];
            let mine: Vec<&CompareRow> = rows.iter().filter(|r| &r.label == label).collect();
            let x_of = |fi: usize| fi as f64 + 0.1 + 0.8 * (li as f64 + 0.5) / k;
            chart
                .draw_series(mine.iter().map(|r| {
                    let fi = FAMILIES.iter().position(|f| *f == r.family).unwrap_or(0);
                    let x0 = fi as f64 + 0.1 + 0.8 * li as f64 / k;
                    Rectangle::new([(x0, 0.0), (x0 + 0.8 / k * 0.9, r.mean_score)], c.filled())
                }))
                .map_err(e)?
                .label(label.clone())
                .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], c.filled()));
            chart
                .draw_series(mine.iter().map(|r| {
                    let fi = FAMILIES.iter().position(|f| *f == r.family).unwrap_or(0);
                    ErrorBar::new_vertical(
                        x_of(fi) - 0.4 / k * 0.1,
                        r.mean_lo,
                        r.mean_score,
                        r.mean_hi,
                        BLACK.stroke_width(1),
                        8,
                    )
                }))
                .map_err(e)?;
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(e)?;
        Ok(())
    })
}

fn strip(scans: &[(String, Vec<VideoRow>)]) -> Result<Vec<u8>, String> {
    let k = scans.len().max(1);
    png(960, 520, |root| {
        let e = |x: DrawingAreaErrorKind<_>| x.to_string();
        root.fill(&WHITE).map_err(e)?;
        let panels = root.split_evenly((1, FAMILIES.len()));
        for (fi, (panel, fam)) in panels.iter().zip(FAMILIES).enumerate() {
            let mut chart = ChartBuilder::on(panel)
                .caption(fam, ("sans-serif", 16))
                .margin(8)
                .x_label_area_size(30)
                .y_label_area_size(if fi == 0 { 40 } else { 24 })
                .build_cartesian_2d(0.0..k as f64, 0.0..1.02)
                .map_err(e)?;
            chart
                .configure_mesh()
                .disable_x_mesh()
                .x_labels(k * 2 + 1)
                .x_label_formatter(&|x| {
                    let i = x.floor() as usize;
                    if (x - i as f64 - 0.5).abs() < 0.01 && i < scans.len() {
                        scans[i].0.chars().take(10).collect()
                    } else {
                        String::new()
                    }
                })
                .draw()
                .map_err(e)?;
            for (si, (_, rows)) in scans.iter().enumerate() {
                let mut vals: Vec<f64> = rows
                    .iter()
                    .filter(|v| v.status == "ok")
                    .map(|v| v.family_score(fam))
                    .collect();
                vals.sort_by(f64::total_cmp);
                if vals.is_empty() {
                    continue;
                }
                let q = |p: f64| vals[((vals.len() - 1) as f64 * p).round() as usize];
                let cx = si as f64 + 0.5;
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(cx - 0.3, q(0.25)), (cx + 0.3, q(0.75))],
                        BLACK.stroke_width(1),
                    )))
                    .map_err(e)?;
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(cx - 0.3, q(0.5)), (cx + 0.3, q(0.5))],
                        BLACK.stroke_width(2),
                    )))
                    .map_err(e)?;
                // Deterministic jitter: golden-ratio sequence.
                let c = FAMILY_COLOURS[fi];
                chart
                    .draw_series(vals.iter().enumerate().map(|(j, &v)| {
                        let jit = ((j as f64 * 0.618_033_988_7).fract() - 0.5) * 0.5;
                        Circle::new((cx + jit, v), 3, c.mix(0.6).filled())
                    }))
                    .map_err(e)?;
            }
        }
        Ok(())
    })
}

/// Reads the scans, writes compare.csv, compare.md, compare.png, compare_strip.png into `out`.
pub fn run(
    dirs: &[PathBuf],
    labels: &[String],
    out: &Path,
    threshold: f64,
) -> anyhow::Result<Vec<CompareRow>> {
    use anyhow::Context;
    if dirs.len() < 2 {
        anyhow::bail!("compare needs at least two scan folders");
    }
    if !labels.is_empty() && labels.len() != dirs.len() {
        anyhow::bail!(
            "--labels: {} names for {} scan folders",
            labels.len(),
            dirs.len()
        );
    }
    let mut scans = Vec::new();
    for (i, d) in dirs.iter().enumerate() {
        let rows: Vec<VideoRow> = read_csv(&d.join("videos.csv"))?;
        let label = labels.get(i).cloned().unwrap_or_else(|| {
            d.file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_else(|| format!("scan{}", i + 1))
        });
        scans.push((label, rows));
    }
    let names: Vec<String> = scans.iter().map(|(l, _)| l.clone()).collect();
    let mut uniq = names.clone();
    uniq.sort();
    uniq.dedup();
    if uniq.len() != names.len() {
        anyhow::bail!("scan names must differ (got {names:?}); name them with --labels");
    }
    let rows = compare(&scans, threshold, &Bootstrap::default());
    std::fs::create_dir_all(out).with_context(|| format!("{}: cannot create", out.display()))?;
    write_atomic(
        &out.join("compare.csv"),
        &crate::report::csv::to_csv::<CompareRow>(&rows)?,
    )?;
    write_atomic(&out.join("compare.md"), markdown(&rows).as_bytes())?;
    let chart_err = |e: String| anyhow::anyhow!("{}: chart: {e}", out.display());
    write_atomic(
        &out.join("compare.png"),
        &bars(&rows, &names).map_err(chart_err)?,
    )?;
    write_atomic(
        &out.join("compare_strip.png"),
        &strip(&scans).map_err(chart_err)?,
    )?;
    Ok(rows)
}
