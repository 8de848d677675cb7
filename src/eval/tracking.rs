//! Tracking accuracy against synth object truth: CLEAR-MOT MOTA, IDF1, centroid error and the
//! share of occlusions after which an object keeps its track id.

use crate::results::{r4, TrackRow};
use crate::synth::ObjectRow;
use crate::tracks::iou;
use pathfinding::prelude::{kuhn_munkres, Matrix};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Truth objects smaller than this (visible px²) are not counted.
pub const MIN_AREA: f64 = 60.0;
/// IoU for a match.
pub const MIN_IOU: f64 = 0.3;

/// tracking.csv: one row for the whole suite.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TrackingRow {
    /// Truth boxes counted.
    pub gt: usize,
    /// Missed truth boxes.
    pub false_negatives: usize,
    /// Track boxes matching no truth.
    pub false_positives: usize,
    /// Truth objects whose matched track id changed.
    pub id_switches: usize,
    /// 1 − (FN + FP + IDSW) / GT.
    pub mota: f64,
    /// Identity F1 (optimal one-to-one id assignment per clip).
    pub idf1: f64,
    /// Median centroid distance of matches (video px).
    pub median_centroid_error_px: f64,
    /// Truth objects that disappear behind an occluder and reappear, with a match on both sides.
    pub occlusions: usize,
    /// Share of those that keep their track id.
    pub occlusion_id_kept: f64,
}

fn clip_of(video: &str) -> String {
    std::path::Path::new(video)
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default()
}

/// Scores visible track rows against object truth (frames ≥ 1, where the scan has flow).
/// Occlusions are counted in `occluder_clips` only (clips with an occluder in front of the
/// objects); elsewhere a gap in the truth is an exit through the frame edge or an artifact.
pub fn evaluate(
    truth: &[ObjectRow],
    tracks: &[TrackRow],
    occluder_clips: &BTreeSet<String>,
) -> TrackingRow {
    type Key = (String, usize);
    /// (id, box, cx, cy) of the boxes of one clip frame.
    type Boxes = Vec<(u32, [f64; 4], f64, f64)>;
    let mut gt: BTreeMap<Key, Boxes> = BTreeMap::new();
    for o in truth.iter().filter(|o| o.frame >= 1 && o.area >= MIN_AREA) {
        gt.entry((o.clip.clone(), o.frame)).or_default().push((
            o.object_id,
            [o.x, o.y, o.w, o.h],
            o.cx,
            o.cy,
        ));
    }
    let mut pr: BTreeMap<Key, Boxes> = BTreeMap::new();
    for t in tracks.iter().filter(|t| t.state == "visible") {
        pr.entry((clip_of(&t.video), t.frame)).or_default().push((
            t.track_id,
            [t.x, t.y, t.w, t.h],
            t.cx,
            t.cy,
        ));
    }
    let keys: BTreeSet<Key> = gt.keys().chain(pr.keys()).cloned().collect();
    let (mut fneg, mut fpos, mut sw, mut ngt, mut npr) = (0, 0, 0, 0, 0);
    let mut last: BTreeMap<(String, u32), u32> = BTreeMap::new();
    let mut pairs: BTreeMap<String, BTreeMap<(u32, u32), usize>> = BTreeMap::new();
    let mut matched_at: BTreeMap<(String, u32), Vec<(usize, u32)>> = BTreeMap::new();
    let mut errs = Vec::new();
    for k in &keys {
        let g = gt.get(k).map(|v| v.as_slice()).unwrap_or(&[]);
        let p = pr.get(k).map(|v| v.as_slice()).unwrap_or(&[]);
        ngt += g.len();
        npr += p.len();
        let mut cand: Vec<(f64, usize, usize)> = Vec::new();
        for (i, a) in g.iter().enumerate() {
            for (j, b) in p.iter().enumerate() {
                let v = iou(a.1, b.1);
                if v >= MIN_IOU {
                    cand.push((v, i, j));
                }
            }
        }
        cand.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let (mut ug, mut up) = (vec![false; g.len()], vec![false; p.len()]);
        for (_, i, j) in cand {
            if ug[i] || up[j] {
                continue;
            }
            ug[i] = true;
            up[j] = true;
            let (gid, pid) = (g[i].0, p[j].0);
            if last
                .insert((k.0.clone(), gid), pid)
                .is_some_and(|prev| prev != pid)
            {
                sw += 1;
            }
            *pairs
                .entry(k.0.clone())
                .or_default()
                .entry((gid, pid))
                .or_default() += 1;
            matched_at
                .entry((k.0.clone(), gid))
                .or_default()
                .push((k.1, pid));
            errs.push(((g[i].2 - p[j].2).powi(2) + (g[i].3 - p[j].3).powi(2)).sqrt());
        }
        fneg += ug.iter().filter(|&&m| !m).count();
        fpos += up.iter().filter(|&&m| !m).count();
    }
    // IDF1: optimal one-to-one truth-id ↔ track-id assignment per clip.
    let mut idtp = 0usize;
    for counts in pairs.values() {
        let gids: Vec<u32> = counts
            .keys()
            .map(|k| k.0)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let pids: Vec<u32> = counts
            .keys()
            .map(|k| k.1)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let (rows, cols, transpose) = if gids.len() <= pids.len() {
            (&gids, &pids, false)
        } else {
            (&pids, &gids, true)
        };
        let m = Matrix::from_fn(rows.len(), cols.len(), |(r, c)| {
            let key = if transpose {
                (cols[c], rows[r])
            } else {
                (rows[r], cols[c])
            };
            counts.get(&key).copied().unwrap_or(0) as i64
        });
        idtp += kuhn_munkres(&m).0.max(0) as usize;
    }
    // Occlusions: a gap of ≥ 2 frames in an object's truth behind an occluder, with matches just
    // before and after.
    let present: BTreeSet<(String, u32, usize)> = gt
        .iter()
        .flat_map(|(k, v)| v.iter().map(move |o| (k.0.clone(), o.0, k.1)))
        .collect();
    let (mut occ, mut kept) = (0, 0);
    for ((clip, gid), m) in matched_at
        .iter()
        .filter(|(k, _)| occluder_clips.contains(&k.0))
    {
        for w in m.windows(2) {
            let ((f0, p0), (f1, p1)) = (w[0], w[1]);
            let absent = (f0 + 1..f1)
                .filter(|f| !present.contains(&(clip.clone(), *gid, *f)))
                .count();
            if f1 > f0 + 2 && absent >= 2 {
                occ += 1;
                kept += (p0 == p1) as usize;
            }
        }
    }
    errs.sort_by(f64::total_cmp);
    TrackingRow {
        gt: ngt,
        false_negatives: fneg,
        false_positives: fpos,
        id_switches: sw,
        mota: r4(if ngt > 0 {
            1.0 - (fneg + fpos + sw) as f64 / ngt as f64
        } else {
            0.0
        }),
        idf1: r4(if ngt + npr > 0 {
            2.0 * idtp as f64 / (ngt + npr) as f64
        } else {
            0.0
        }),
        median_centroid_error_px: r4(errs.get(errs.len() / 2).copied().unwrap_or(0.0)),
        occlusions: occ,
        occlusion_id_kept: r4(if occ > 0 {
            kept as f64 / occ as f64
        } else {
            0.0
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gt(frame: usize, id: u32, x: f64) -> ObjectRow {
        ObjectRow {
            clip: "c.mp4".into(),
            frame,
            object_id: id,
            area: 400.0,
            x,
            y: 10.0,
            w: 20.0,
            h: 20.0,
            cx: x + 10.0,
            cy: 20.0,
        }
    }

    fn occluder() -> BTreeSet<String> {
        BTreeSet::from(["c.mp4".to_string()])
    }

    fn tr(frame: usize, id: u32, x: f64) -> TrackRow {
        TrackRow {
            video: "d/c.mp4".into(),
            frame,
            track_id: id,
            state: "visible".into(),
            x,
            y: 10.0,
            w: 20.0,
            h: 20.0,
            cx: x + 10.0,
            cy: 20.0,
            ..Default::default()
        }
    }

    #[test]
    fn perfect_tracking_scores_one() {
        let g: Vec<_> = (1..11).map(|f| gt(f, 1, 5.0 * f as f64)).collect();
        let t: Vec<_> = (1..11).map(|f| tr(f, 7, 5.0 * f as f64)).collect();
        let r = evaluate(&g, &t, &occluder());
        assert_eq!(
            (r.gt, r.false_negatives, r.false_positives, r.id_switches),
            (10, 0, 0, 0)
        );
        assert_eq!(
            (r.mota, r.idf1, r.median_centroid_error_px),
            (1.0, 1.0, 0.0)
        );
    }

    #[test]
    fn a_switch_a_miss_and_a_false_box_are_counted() {
        let g: Vec<_> = (1..11).map(|f| gt(f, 1, 5.0 * f as f64)).collect();
        // Track 7 for frames 1..5, track 8 for 6..9, frame 10 missed, one false box far away.
        let mut t: Vec<_> = (1..10)
            .map(|f| tr(f, if f <= 5 { 7 } else { 8 }, 5.0 * f as f64))
            .collect();
        t.push(tr(3, 9, 200.0));
        let r = evaluate(&g, &t, &occluder());
        assert_eq!(
            (r.false_negatives, r.false_positives, r.id_switches),
            (1, 1, 1)
        );
        assert!((r.mota - 0.7).abs() < 1e-9);
        // IDF1: best id 7 ↔ 1 covers 5 frames: 2·5 / (10 + 10).
        assert!((r.idf1 - 0.5).abs() < 1e-9);
    }

    #[test]
    fn occlusion_keeping_the_id_is_counted() {
        let g: Vec<_> = (1..21)
            .filter(|f| !(8..12).contains(f))
            .map(|f| gt(f, 1, 5.0 * f as f64))
            .collect();
        let same: Vec<_> = (1..21)
            .filter(|f| !(8..12).contains(f))
            .map(|f| tr(f, 7, 5.0 * f as f64))
            .collect();
        let r = evaluate(&g, &same, &occluder());
        assert_eq!((r.occlusions, r.occlusion_id_kept), (1, 1.0));
        // The same gap in a clip without an occluder is not an occlusion.
        assert_eq!(evaluate(&g, &same, &BTreeSet::new()).occlusions, 0);
        let new_id: Vec<_> = (1..21)
            .filter(|f| !(8..12).contains(f))
            .map(|f| tr(f, if f < 8 { 7 } else { 8 }, 5.0 * f as f64))
            .collect();
        assert_eq!(evaluate(&g, &new_id, &occluder()).occlusion_id_kept, 0.0);
    }
}
