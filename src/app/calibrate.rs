//! `physlint calibrate`: learns each kind's reference raw feature from clean footage.
//!
//! Inputs are clean clips: real camera footage, and synth clips labelled clean (artifact clips in
//! a labels file are skipped). The reference of a kind is the largest raw value any clean input
//! produced, times a 5% margin, so that clean footage scores below 0.5.

use crate::checks::Calibration;
use crate::config::Config;
use crate::synth::LabelRow;
use crate::video;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

/// Margin above the largest clean raw value.
pub const MARGIN: f64 = 1.05;
/// Smallest reference (kinds never seen on clean footage).
pub const FLOOR: f64 = 0.05;

/// Smallest reference of `kind`. A bounce_gain raw value is the rebound's height gain (0.3 =
/// 30% higher); apex heights of small bounces are a few px, so gains under 50% are not called
/// beyond clean footage even when no clean clip happened to bounce. A teleport raw value is the
/// jump over 0.3 object sizes plus 4 times the track's step wobble; a jump under half that is not
/// called beyond clean footage even when no clean clip happened to jump (a speck of a blurred
/// background hopping between bright spots has a wobble as large as its size).
pub fn floor(kind: &str) -> f64 {
    match kind {
        "bounce_gain" | "teleport" => 0.5,
        _ => FLOOR,
    }
}

/// Scans `paths` (skipping labelled artifact clips) and returns the learnt calibration.
pub fn run(
    paths: &[PathBuf],
    labels: Option<&Path>,
    cfg: &Config,
    jobs: usize,
) -> anyhow::Result<Calibration> {
    let artifacts: HashSet<String> = match labels {
        Some(l) => crate::app::eval::read_csv::<LabelRow>(l)?
            .into_iter()
            .filter(|r| r.label != "clean")
            .map(|r| r.clip)
            .collect(),
        None => HashSet::new(),
    };
    let inputs: Vec<_> = video::discover(paths)
        .into_iter()
        .filter(|i| {
            !artifacts.contains(
                &i.path
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default(),
            )
        })
        .collect();
    opencv::core::set_num_threads(1).ok();
    let unit = Calibration {
        reference: crate::checks::KINDS
            .iter()
            .map(|k| (k.to_string(), 1.0))
            .collect(),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(if jobs == 0 { 2 } else { jobs })
        .build()?;
    let raws: Vec<Vec<(String, f64)>> = pool.install(|| {
        inputs
            .par_iter()
            .filter_map(|i| crate::app::scan::analyse(i, cfg, &unit, None, None).ok())
            .map(|r| r.raw)
            .collect()
    });
    let mut reference: BTreeMap<String, f64> = crate::checks::KINDS
        .iter()
        .map(|k| (k.to_string(), floor(k)))
        .collect();
    for (kind, raw) in raws.into_iter().flatten() {
        let e = reference.entry(kind.clone()).or_insert(floor(&kind));
        *e = e.max(crate::results::r4(raw * MARGIN));
    }
    Ok(Calibration { reference })
}
