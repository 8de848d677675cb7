//! Eval: accuracy of a scan against synth labels.
//!
//! Takes a scan's videos.csv and events.csv and a labels.csv; gives, per family and per kind,
//! video-level ROC-AUC of the family score (artifact clips vs clean clips), precision and recall of
//! the family flag, the localisation hit rate and the share of clean clips flagged.
//! Pure numbers: no OpenCV, no decoding.

pub mod tracking;

use crate::results::{EventRow, VideoRow};
use crate::synth::{LabelRow, KINDS};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Frames of slack either side of a labelled range for a localisation hit.
pub const HIT_SLACK: usize = 3;

/// Area under the ROC curve (Mann–Whitney U, ties count half). None without both classes.
pub fn roc_auc(pos: &[f64], neg: &[f64]) -> Option<f64> {
    if pos.is_empty() || neg.is_empty() {
        return None;
    }
    let mut wins = 0.0;
    for &p in pos {
        for &n in neg {
            wins += if p > n {
                1.0
            } else if p == n {
                0.5
            } else {
                0.0
            };
        }
    }
    Some(wins / (pos.len() * neg.len()) as f64)
}

/// True when an event of the label's family overlaps [frame_start − slack, frame_end + slack].
pub fn is_hit(label: &LabelRow, events: &[&EventRow]) -> bool {
    let lo = label.frame_start.saturating_sub(HIT_SLACK);
    let hi = label.frame_end + HIT_SLACK;
    events
        .iter()
        .any(|e| e.family == label.family && e.frame_start <= hi && e.frame_end >= lo)
}

/// One row of eval.csv.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct EvalRow {
    /// `family` or `kind`.
    pub scope: String,
    /// Family or kind name.
    pub name: String,
    /// Artifact clips.
    pub n_artifact: usize,
    /// Clean clips.
    pub n_clean: usize,
    /// Video-level ROC-AUC of the family score.
    pub auc: f64,
    /// Precision of the family flag (score ≥ threshold) among these artifact clips and the clean clips.
    pub precision: f64,
    /// Recall of the family flag.
    pub recall: f64,
    /// Share of artifact clips with an event of the family in the labelled frames (± 3).
    pub hit_rate: f64,
    /// Share of clean clips whose family score reaches the threshold.
    pub clean_flagged: f64,
}

fn clip_name(video: &str) -> String {
    std::path::Path::new(video)
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default()
}

/// Computes eval rows (families first, then kinds, then `overall`).
pub fn evaluate(
    videos: &[VideoRow],
    events: &[EventRow],
    labels: &[LabelRow],
    threshold: f64,
) -> Vec<EvalRow> {
    let by_clip: HashMap<String, &VideoRow> = videos
        .iter()
        .filter(|v| v.status == "ok")
        .map(|v| (clip_name(&v.video), v))
        .collect();
    let mut ev: HashMap<String, Vec<&EventRow>> = HashMap::new();
    for e in events {
        ev.entry(clip_name(&e.video)).or_default().push(e);
    }
    let clean: Vec<&VideoRow> = labels
        .iter()
        .filter(|l| l.label == "clean")
        .filter_map(|l| by_clip.get(&l.clip).copied())
        .collect();
    let row = |scope: &str, name: &str, family: &str, sel: &dyn Fn(&LabelRow) -> bool| {
        let arts: Vec<(&LabelRow, &VideoRow)> = labels
            .iter()
            .filter(|l| l.label == "artifact" && sel(l))
            .filter_map(|l| by_clip.get(&l.clip).map(|v| (l, *v)))
            .collect();
        let pos: Vec<f64> = arts.iter().map(|(_, v)| v.family_score(family)).collect();
        let neg: Vec<f64> = clean.iter().map(|v| v.family_score(family)).collect();
        let tp = pos.iter().filter(|&&s| s >= threshold).count();
        let fp = neg.iter().filter(|&&s| s >= threshold).count();
        let hits = arts
            .iter()
            .filter(|(l, _)| is_hit(l, ev.get(&l.clip).map(|v| v.as_slice()).unwrap_or(&[])))
            .count();
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        EvalRow {
            scope: scope.into(),
            name: name.into(),
            n_artifact: arts.len(),
            n_clean: neg.len(),
            auc: crate::results::r4(roc_auc(&pos, &neg).unwrap_or(0.0)),
            precision: crate::results::r4(ratio(tp, tp + fp)),
            recall: crate::results::r4(ratio(tp, pos.len())),
            hit_rate: crate::results::r4(ratio(hits, arts.len())),
            clean_flagged: crate::results::r4(ratio(fp, neg.len())),
        }
    };
    let mut families: Vec<&str> = KINDS.iter().map(|(_, f)| *f).collect();
    families.dedup();
    let mut out = Vec::new();
    for f in &families {
        out.push(row("family", f, f, &|l: &LabelRow| l.family == *f));
    }
    for (k, f) in KINDS {
        out.push(row("kind", k, f, &|l: &LabelRow| l.kind == *k));
    }
    let mut overall = row("all", "overall", "overall", &|l: &LabelRow| {
        !l.family.is_empty()
    });
    // Any family's event counts as a hit for the overall row.
    let arts: Vec<&LabelRow> = labels
        .iter()
        .filter(|l| l.label == "artifact" && by_clip.contains_key(&l.clip))
        .collect();
    let hits = arts
        .iter()
        .filter(|l| {
            let lo = l.frame_start.saturating_sub(HIT_SLACK);
            ev.get(&l.clip).is_some_and(|es| {
                es.iter()
                    .any(|e| e.frame_start <= l.frame_end + HIT_SLACK && e.frame_end >= lo)
            })
        })
        .count();
    overall.hit_rate = crate::results::r4(if arts.is_empty() {
        0.0
    } else {
        hits as f64 / arts.len() as f64
    });
    out.push(overall);
    out
}

/// Markdown table of eval rows.
pub fn markdown(rows: &[EvalRow]) -> String {
    let mut s = String::from("| scope | name | artifact clips | clean clips | ROC-AUC | precision | recall | hit rate | clean flagged |\n|---|---|---|---|---|---|---|---|---|\n");
    for r in rows {
        s += &format!(
            "| {} | {} | {} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |\n",
            r.scope,
            r.name,
            r.n_artifact,
            r.n_clean,
            r.auc,
            r.precision,
            r.recall,
            r.hit_rate,
            r.clean_flagged
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_of_known_score_sets() {
        assert_eq!(roc_auc(&[0.9, 0.8], &[0.1, 0.2]), Some(1.0));
        assert_eq!(roc_auc(&[0.1, 0.2], &[0.9, 0.8]), Some(0.0));
        assert_eq!(roc_auc(&[0.5, 0.5], &[0.5, 0.5]), Some(0.5));
        // 0.7 beats both, 0.4 beats 0.3, 0.3 ties 0.3: 3.5 of 6 pairs.
        assert!((roc_auc(&[0.7, 0.4, 0.3], &[0.6, 0.3]).unwrap() - 3.5 / 6.0).abs() < 1e-12);
        assert_eq!(roc_auc(&[], &[0.1]), None);
    }

    fn label(fs: usize, fe: usize) -> LabelRow {
        LabelRow {
            clip: "c.mp4".into(),
            label: "artifact".into(),
            kind: "teleport".into(),
            family: "implausible_motion".into(),
            frame_start: fs,
            frame_end: fe,
            ..Default::default()
        }
    }

    fn event(family: &str, fs: usize, fe: usize) -> EventRow {
        EventRow {
            video: "x/c.mp4".into(),
            family: family.into(),
            frame_start: fs,
            frame_end: fe,
            ..Default::default()
        }
    }

    #[test]
    fn hits_need_the_right_family_within_three_frames() {
        let l = label(20, 25);
        assert!(is_hit(&l, &[&event("implausible_motion", 28, 30)]));
        assert!(!is_hit(&l, &[&event("implausible_motion", 29, 30)]));
        assert!(is_hit(&l, &[&event("implausible_motion", 10, 17)]));
        assert!(!is_hit(&l, &[&event("implausible_motion", 10, 16)]));
        assert!(!is_hit(&l, &[&event("morphing", 21, 22)]));
    }

    #[test]
    fn evaluate_counts_precision_recall_and_clean_flags() {
        let v = |name: &str, s: f64| VideoRow {
            video: format!("d/{name}"),
            status: "ok".into(),
            implausible_motion_score: s,
            ..Default::default()
        };
        let videos = vec![
            v("a.mp4", 0.9),
            v("b.mp4", 0.2),
            v("c.mp4", 0.6),
            v("d.mp4", 0.1),
        ];
        let mk = |clip: &str, art: bool| LabelRow {
            clip: clip.into(),
            label: if art { "artifact" } else { "clean" }.into(),
            kind: if art { "teleport" } else { "camera" }.into(),
            family: if art { "implausible_motion" } else { "" }.into(),
            frame_start: 10,
            frame_end: 10,
            ..Default::default()
        };
        let labels = vec![
            mk("a.mp4", true),
            mk("b.mp4", true),
            mk("c.mp4", false),
            mk("d.mp4", false),
        ];
        let events = vec![event("implausible_motion", 12, 12)];
        let mut events = events;
        events[0].video = "d/a.mp4".into();
        let rows = evaluate(&videos, &events, &labels, 0.5);
        let r = rows
            .iter()
            .find(|r| r.name == "implausible_motion")
            .unwrap();
        assert_eq!((r.n_artifact, r.n_clean), (2, 2));
        // 0.9 beats both clean scores, 0.2 beats only 0.1: 3 of 4 pairs.
        assert_eq!(r.auc, 0.75);
        assert_eq!(r.recall, 0.5);
        assert_eq!(r.precision, 0.5);
        assert_eq!(r.clean_flagged, 0.5);
        assert_eq!(r.hit_rate, 0.5);
    }
}
