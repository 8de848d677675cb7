//! Tracking accuracy against synth object truth: CLEAR-MOT MOTA (matching as py-motmetrics does:
//! continuity first, then optimal assignment), IDF1, centroid error and the share of occlusions
//! after which an object keeps its track id.

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

/// (clip, frame).
type Key = (String, usize);
/// (id, box, cx, cy) of the boxes of one clip frame.
type Boxes = Vec<(u32, [f64; 4], f64, f64)>;

/// One frame's truth ↔ track matches (indices into `g` and `p`) as CLEAR-MOT makes them (and
/// py-motmetrics): a truth object keeps the track it was last matched to while their boxes still
/// overlap by [`MIN_IOU`]; the rest are assigned optimally, the most matches first, then the
/// largest total IoU. `last` holds each truth object's last matched track id.
fn frame_matches(
    clip: &str,
    g: &[(u32, [f64; 4], f64, f64)],
    p: &[(u32, [f64; 4], f64, f64)],
    last: &BTreeMap<(String, u32), u32>,
) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let (mut ug, mut up) = (vec![false; g.len()], vec![false; p.len()]);
    for (i, a) in g.iter().enumerate() {
        let Some(&prev) = last.get(&(clip.to_string(), a.0)) else {
            continue;
        };
        if let Some(j) = (0..p.len()).find(|&j| !up[j] && p[j].0 == prev) {
            if iou(a.1, p[j].1) >= MIN_IOU {
                ug[i] = true;
                up[j] = true;
                out.push((i, j));
            }
        }
    }
    let gi: Vec<usize> = (0..g.len()).filter(|&i| !ug[i]).collect();
    let pj: Vec<usize> = (0..p.len()).filter(|&j| !up[j]).collect();
    if gi.is_empty() || pj.is_empty() {
        return out;
    }
    // Valid pairs score above every sum of IoUs, so the assignment maximises their count first.
    let big = 1_000_000 * (gi.len().min(pj.len()) as i64 + 1);
    let score = |i: usize, j: usize| {
        let v = iou(g[i].1, p[j].1);
        if v >= MIN_IOU {
            big + (v * 1e6).round() as i64
        } else {
            0
        }
    };
    let transpose = gi.len() > pj.len();
    let (rows, cols) = if transpose {
        (pj.len(), gi.len())
    } else {
        (gi.len(), pj.len())
    };
    let m = Matrix::from_fn(rows, cols, |(r, c)| {
        if transpose {
            score(gi[c], pj[r])
        } else {
            score(gi[r], pj[c])
        }
    });
    let (_, assign) = kuhn_munkres(&m);
    for (r, &c) in assign.iter().enumerate() {
        if m[(r, c)] > 0 {
            out.push(if transpose {
                (gi[c], pj[r])
            } else {
                (gi[r], pj[c])
            });
        }
    }
    out.sort_unstable();
    out
}

fn clip_of(video: &str) -> String {
    std::path::Path::new(video)
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default()
}

/// tracking_clips.csv: one row per clip, to find where the tracker fails.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ClipTrackingRow {
    /// Clip file name.
    pub clip: String,
    /// Its artifact kind, or the confounder of a clean clip (from labels.csv).
    pub kind: String,
    /// Truth boxes counted.
    pub gt: usize,
    /// Missed truth boxes.
    pub false_negatives: usize,
    /// Track boxes matching no truth.
    pub false_positives: usize,
    /// Truth objects whose matched track changed.
    pub id_switches: usize,
    /// 1 − (FN + FP + IDsw) / GT.
    pub mota: f64,
    /// IDF1.
    pub idf1: f64,
}

/// [`evaluate`] clip by clip, in clip order; `kinds` maps a clip to its kind.
pub fn per_clip(
    truth: &[ObjectRow],
    tracks: &[TrackRow],
    occluder_clips: &BTreeSet<String>,
    kinds: &BTreeMap<String, String>,
) -> Vec<ClipTrackingRow> {
    let mut by_clip: BTreeMap<String, (Vec<ObjectRow>, Vec<TrackRow>)> = BTreeMap::new();
    for o in truth {
        by_clip.entry(o.clip.clone()).or_default().0.push(o.clone());
    }
    for t in tracks {
        by_clip
            .entry(clip_of(&t.video))
            .or_default()
            .1
            .push(t.clone());
    }
    by_clip
        .into_iter()
        .map(|(clip, (g, t))| {
            let r = evaluate(&g, &t, occluder_clips);
            ClipTrackingRow {
                kind: kinds.get(&clip).cloned().unwrap_or_default(),
                clip,
                gt: r.gt,
                false_negatives: r.false_negatives,
                false_positives: r.false_positives,
                id_switches: r.id_switches,
                mota: r.mota,
                idf1: r.idf1,
            }
        })
        .collect()
}

/// Scores visible track rows against object truth, every frame (the first too: tracks found
/// later are traced back to it).
/// Occlusions are counted in `occluder_clips` only (clips with an occluder in front of the
/// objects); elsewhere a gap in the truth is an exit through the frame edge or an artifact.
pub fn evaluate(
    truth: &[ObjectRow],
    tracks: &[TrackRow],
    occluder_clips: &BTreeSet<String>,
) -> TrackingRow {
    let mut gt: BTreeMap<Key, Boxes> = BTreeMap::new();
    for o in truth.iter().filter(|o| o.area >= MIN_AREA) {
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
        let matches = frame_matches(&k.0, g, p, &last);
        let (mut ug, mut up) = (vec![false; g.len()], vec![false; p.len()]);
        for (i, j) in matches {
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
    fn clips_are_scored_one_by_one() {
        let other = |mut o: ObjectRow| {
            o.clip = "e.mp4".into();
            o
        };
        let mut g: Vec<_> = (1..11).map(|f| gt(f, 1, 5.0 * f as f64)).collect();
        g.extend((1..11).map(|f| other(gt(f, 1, 5.0 * f as f64))));
        // c.mp4 tracked throughout, e.mp4 only over frames 1..5.
        let mut t: Vec<_> = (1..11).map(|f| tr(f, 7, 5.0 * f as f64)).collect();
        t.extend((1..6).map(|f| {
            let mut r = tr(f, 3, 5.0 * f as f64);
            r.video = "d/e.mp4".into();
            r
        }));
        let kinds = BTreeMap::from([("e.mp4".to_string(), "vanish".to_string())]);
        let rows = per_clip(&g, &t, &BTreeSet::new(), &kinds);
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[0].clip.as_str(), rows[0].mota), ("c.mp4", 1.0));
        assert_eq!(
            (
                rows[1].clip.as_str(),
                rows[1].kind.as_str(),
                rows[1].false_negatives
            ),
            ("e.mp4", "vanish", 5)
        );
        assert!((rows[1].mota - 0.5).abs() < 1e-9);
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

    #[test]
    fn a_truth_object_keeps_its_track_while_they_overlap() {
        let g: Vec<_> = (1..5).map(|f| gt(f, 1, 5.0 * f as f64)).collect();
        // Track 7 follows the object; from frame 3 it is 4 px off (IoU 0.67) and track 8 sits
        // exactly on it. Greedy IoU matching would switch to 8; CLEAR-MOT keeps 7.
        let mut t: Vec<_> = (1..5)
            .map(|f| tr(f, 7, 5.0 * f as f64 + if f >= 3 { 4.0 } else { 0.0 }))
            .collect();
        t.extend((3..5).map(|f| tr(f, 8, 5.0 * f as f64)));
        let r = evaluate(&g, &t, &occluder());
        assert_eq!(
            (r.false_negatives, r.false_positives, r.id_switches),
            (0, 2, 0)
        );
    }

    #[test]
    fn the_assignment_finds_the_most_matches() {
        // Track 7 overlaps object 1 best (0.67) and object 2 too (0.54); track 8 overlaps only
        // object 1 (0.43). Greedy matching would give 7 ↔ 1 and leave both 8 and 2 unmatched.
        let g = vec![gt(1, 1, 0.0), gt(1, 2, 10.0)];
        let t = vec![tr(1, 7, 4.0), tr(1, 8, -8.0)];
        let r = evaluate(&g, &t, &occluder());
        assert_eq!((r.false_negatives, r.false_positives), (0, 0));
    }
}
