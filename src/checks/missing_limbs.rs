//! Missing limbs: in articulated tracks, a lasting, abrupt change in the number of protrusions,
//! the area and the box height (a part lost or gained) with a moderate area change, not a
//! whole-object morph; added to it, the largest one-frame loss or gain of a thick region of the
//! track's silhouette (see [`crate::tracks::parts`]) that the next frames do not undo, against
//! the track's usual changes; and a bonus where the two cues see one change.

use super::{crowded_by_peer, median, near_edge, steps, visible_runs, Check, Context, Finding};
use crate::config::Config;
use crate::tracks::{Obs, Track, TrackState};

/// Weight of the box-height step against the area and protrusion steps.
const HEIGHT_WEIGHT: f64 = 0.5;
/// A box-height step larger than this (ln, about 28%) is not a part: a limb sticks out of a body
/// by less, while a body half hidden behind something (or its blob cut short) loses more.
const PART_HEIGHT_MAX: f64 = 0.25;

/// A silhouette that changes size by more than this factor (or its inverse) from the frame before
/// was not found alike in both (a background colour near the object, a box off the object, or
/// another object of its colours joining it): a limb is less than a quarter of a body.
const SIL_STEADY: f64 = 0.75;
/// A part change of more than this share of the silhouette is not a part.
const PART_MAX: f64 = 0.35;
/// Frames after a track's first measured sighting, and before its last, not judged (its box,
/// so its silhouette's ring, is still settling).
const PART_SETTLE: (usize, usize) = (5, 3);
/// A sighting's part change is judged against the track's others more than this many frames
/// away.
const PART_APART: usize = 3;
/// Fewest measured sightings of a track, and their least share of its sightings.
const PART_MEASURED: (usize, f64) = (8, 0.7);
/// Floor (share of the silhouette) of a track's usual part change in the ratio.
const PART_FLOOR: f64 = 0.01;
/// Weight of the silhouette's part change against the blob's steps in the raw value (the part
/// change's largest value on clean footage is about three times the steps').
const PART_WEIGHT: f64 = 0.3;
/// Frames apart within which the blob-step and the part-change cues count as one finding.
const AGREE: usize = 1;
/// Where a finding is placed, the part change counts this many times its weight in the raw
/// value: it is the change of one frame, where the blob steps are medians over windows of
/// frames and peak anywhere in a ramp.
const PART_PLACE_WEIGHT: f64 = 2.0;
/// A cue's finding: raw value, whether a part went, frame, box, detail.
type Cue = (f64, bool, usize, [f64; 4], String);

/// Frames apart within which a blob step and a part change see the same change: the blob steps
/// compare medians over this many frames on either side.
const BOTH_WITHIN: usize = 4;
/// Weight, in the raw value, of the two cues' agreement: the geometric mean of a blob step and a
/// part change [`BOTH_WITHIN`] frames apart. Two independent measures of one change are surer
/// than either measure alone at the same sum.
const BOTH_WEIGHT: f64 = 0.5;

/// Weight of a part change's undoing over the next two frames, or of what it undoes of the two
/// before (a flicker of the silhouette comes back; a lost or grown part stays).
const UNDONE_WEIGHT: f64 = 2.0;

/// The part shares sighting `o` lost and gained on the frame before (see [`Obs::part_lost`]),
/// and whether its silhouette is alike in size to that frame's; None where either frame has no
/// silhouette.
fn part_shares(t: &Track, o: &Obs) -> Option<(f64, f64, bool)> {
    let p = t.at(o.frame.checked_sub(1)?)?;
    if p.state != TrackState::Visible || p.traced || p.silhouette <= 0.0 || o.silhouette <= 0.0 {
        return None;
    }
    let r = o.silhouette / p.silhouette;
    let (l, g) = (o.part_lost, o.part_gained);
    Some((
        l,
        g,
        (SIL_STEADY..1.0 / SIL_STEADY).contains(&r) && l.max(g) < PART_MAX,
    ))
}

/// A sighting's part change: the silhouette share lost or gained in one frame less twice the
/// other (a shift or a turn loses and gains alike) and less [`UNDONE_WEIGHT`] times what the
/// next two frames undo of it or it undoes of the two before, and whether a part went. None
/// where the silhouettes of the two frames are not alike in size; a frame whose silhouette is
/// not alike in size to its frame before undoes nothing (its shares measure no part).
fn part_step(t: &Track, o: &Obs) -> Option<(f64, bool)> {
    let (l, g, steady) = part_shares(t, o)?;
    if !steady {
        return None;
    }
    let loss = l > g;
    // What the next two frames undo, and what this frame undoes of the two before.
    let undone: f64 = [
        Some(o.frame + 1),
        Some(o.frame + 2),
        o.frame.checked_sub(1),
        o.frame.checked_sub(2),
    ]
    .into_iter()
    .flatten()
    .filter_map(|f| t.at(f))
    .filter(|n| n.state == TrackState::Visible && !n.traced)
    .filter(|n| part_shares(t, n).is_some_and(|(_, _, steady)| steady))
    .map(|n| if loss { n.part_gained } else { n.part_lost })
    .sum();
    Some((l.max(g) - 2.0 * l.min(g) - UNDONE_WEIGHT * undone, loss))
}

/// The largest part change of an articulated track against its usual ones (the 90th percentile
/// of the larger share lost or gained, in every frame more than [`PART_APART`] frames away whose
/// silhouette is alike in size to its frame before):
/// raw value, whether a part went, and the sighting, for every measured sighting with a part
/// change (none for a track that is not articulated or not measured often enough).
fn part_changes<'a>(t: &'a Track, tracks: &[Track], ctx: &Context) -> Vec<(f64, bool, &'a Obs)> {
    let seen: Vec<&Obs> = t.visible().filter(|o| !o.traced).collect();
    if median(
        &seen
            .iter()
            .map(|o| o.extremities as f64)
            .collect::<Vec<_>>(),
    ) < 1.0
    {
        return Vec::new();
    }
    // The larger share lost or gained of every sighting whose silhouette is alike in size to
    // its frame before, with its frame.
    let steady: Vec<(usize, f64)> = seen
        .iter()
        .filter_map(|o| match part_shares(t, o) {
            Some((l, g, true)) => Some((o.frame, l.max(g))),
            _ => None,
        })
        .collect();
    if steady.len() < PART_MEASURED.0 || (steady.len() as f64) < PART_MEASURED.1 * seen.len() as f64
    {
        return Vec::new();
    }
    let (first, last) = (steady[0].0, steady[steady.len() - 1].0);
    let mut found = Vec::new();
    for run in visible_runs(t, ctx) {
        for (i, &o) in run.iter().enumerate() {
            if o.traced || o.frame < first + PART_SETTLE.0 || o.frame + PART_SETTLE.1 > last {
                continue;
            }
            let Some((v, loss)) = part_step(t, o) else {
                continue;
            };
            let prev = (i > 0).then(|| run[i - 1]);
            let edge = near_edge(o, ctx) || prev.is_some_and(|p| near_edge(p, ctx));
            let crowded = crowded_by_peer(tracks, t.id, o)
                || prev.is_some_and(|p| crowded_by_peer(tracks, t.id, p));
            if edge || crowded || o.jump {
                continue;
            }
            let mut others: Vec<f64> = steady
                .iter()
                .filter(|s| s.0.abs_diff(o.frame) > PART_APART)
                .map(|s| s.1)
                .collect();
            if others.len() < 5 {
                continue;
            }
            others.sort_by(f64::total_cmp);
            let usual = others[(0.9 * (others.len() - 1) as f64) as usize];
            let raw = v / (usual + PART_FLOOR);
            if raw > 0.0 {
                found.push((raw, loss, o));
            }
        }
    }
    found
}

/// The largest geometric mean of a blob step and a part change at most [`BOTH_WITHIN`] frames
/// apart (0 where the cues never meet).
fn agreement(steps: &[Cue], parts: &[Cue]) -> f64 {
    steps
        .iter()
        .flat_map(|a| {
            parts
                .iter()
                .filter(move |b| b.2.abs_diff(a.2) <= BOTH_WITHIN)
                .map(move |b| (a.0 * b.0).sqrt())
        })
        .fold(0.0, f64::max)
}

/// The blob-step cue of track `t`: each window step of an articulated track with a moderate
/// area change and no colour change or occlusion, valued by its area and protrusion steps plus
/// its box-height step (up to [`PART_HEIGHT_MAX`]).
fn step_cues(t: &Track, tracks: &[Track], ctx: &Context) -> Vec<Cue> {
    steps(t, tracks, ctx)
        .iter()
        .filter(|st| {
            st.articulated && st.d_colour < 30.0 && st.d_area.abs() < 0.35 && !st.occlusion_like
        })
        .map(|st| {
            let size =
                (st.d_ext.abs() / 2.0 + st.d_area.abs() / (4.0 * st.noise[0] + 0.04)) * st.abrupt;
            let height = if st.d_height.abs() > PART_HEIGHT_MAX {
                0.0
            } else {
                HEIGHT_WEIGHT * st.rel_height
            };
            // The cue carrying the finding says whether a part went or came.
            let loss = if height > size {
                st.d_height < 0.0
            } else {
                st.d_area < 0.0 || (st.d_area.abs() < 0.02 && st.d_ext < 0.0)
            };
            let detail = format!(
                "area ×{:.2}, height ×{:.2}, protrusions {:+.1}",
                st.d_area.exp(),
                st.d_height.exp(),
                st.d_ext
            );
            (size + height, loss, st.frame, st.bbox, detail)
        })
        .collect()
}

/// The part-change cue of track `t` (see [`part_changes`]), at [`PART_WEIGHT`].
fn part_cues(t: &Track, tracks: &[Track], ctx: &Context) -> Vec<Cue> {
    part_changes(t, tracks, ctx)
        .into_iter()
        .map(|(raw, loss, o)| {
            let share = if loss { o.part_lost } else { o.part_gained };
            let detail = format!(
                "{:.0}% of its silhouette {} at once ({:.1} times its usual change)",
                100.0 * share,
                if loss { "gone" } else { "new" },
                raw
            );
            (PART_WEIGHT * raw, loss, o.frame, o.bbox, detail)
        })
        .collect()
}

/// The missing-limbs check.
pub struct MissingLimbs;

impl Check for MissingLimbs {
    fn family(&self) -> &'static str {
        "missing_limbs"
    }

    fn find(&self, tracks: &[Track], ctx: &Context, _cfg: &Config) -> Vec<Finding> {
        let mut out = Vec::new();
        for t in tracks {
            let (steps, parts) = (step_cues(t, tracks, ctx), part_cues(t, tracks, ctx));
            // Where: the frame where the two cues add up most (the part change at
            // [`PART_PLACE_WEIGHT`] times its weight), a cue's value plus the other's largest
            // within [`AGREE`] frames (the larger of the two says whether a part went or came).
            // How much: the two cues' largest values, wherever each is, and their agreement.
            let largest = |c: &[Cue]| c.iter().max_by(|x, y| x.0.total_cmp(&y.0)).cloned();
            let mut placed: Option<Cue> = None;
            let (step_w, part_w) = (1.0, PART_PLACE_WEIGHT);
            for (mine, my_w, theirs, their_w) in [
                (&steps, step_w, &parts, part_w),
                (&parts, part_w, &steps, step_w),
            ] {
                let far = largest(theirs);
                for a in mine.iter() {
                    let b = theirs
                        .iter()
                        .filter(|b| b.2.abs_diff(a.2) <= AGREE)
                        .max_by(|x, y| x.0.total_cmp(&y.0));
                    let (mine_at, theirs_at) = (my_w * a.0, b.map_or(0.0, |b| their_w * b.0));
                    let sum = mine_at + theirs_at;
                    if placed.as_ref().is_some_and(|x| sum <= x.0) {
                        continue;
                    }
                    let loss = match b {
                        Some(b) if theirs_at > mine_at => b.1,
                        _ => a.1,
                    };
                    // The other cue where it agrees, else where it is largest.
                    let detail = match (b, &far) {
                        (Some(b), _) => format!("{}; {}", a.4, b.4),
                        (None, Some(f)) => format!("{}; at frame {}: {}", a.4, f.2, f.4),
                        (None, None) => a.4.clone(),
                    };
                    placed = Some((sum, loss, a.2, a.3, detail));
                }
            }
            let value = |c: &[Cue]| largest(c).map_or(0.0, |c| c.0);
            let both = agreement(&steps, &parts);
            let best = placed.map(|(_, loss, frame, bbox, detail)| {
                let raw = value(&steps) + value(&parts) + BOTH_WEIGHT * both;
                (raw, loss, frame, bbox, detail)
            });
            if let Some((raw, loss, frame, bbox, detail)) = best {
                out.push(Finding {
                    family: "missing_limbs",
                    kind: if loss { "part_loss" } else { "part_gain" },
                    frame_start: frame,
                    frame_end: frame + 3,
                    track_id: t.id,
                    bbox,
                    raw,
                    score: 0.0,
                    detail: format!(
                        "track {} {} a part at frame {}: {}",
                        t.id,
                        if loss { "loses" } else { "grows" },
                        frame,
                        detail
                    ),
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::tracks::EndReason;

    /// A four-legged walker whose box width and area swing with its gait
    /// (period 20 frames) while its height holds; with `spike`, a part sticks up out of its back
    /// from frame 30 on (the box 15% taller, the area 5% larger, one protrusion more).
    fn walker(spike: bool) -> Track {
        let o = (0..60)
            .map(|f| {
                let phase = (f as f64 * std::f64::consts::TAU / 20.0).sin();
                let grown = spike && f >= 30;
                let w = 60.0 + 6.0 * phase;
                let h = if grown { 46.0 } else { 40.0 } + if f % 2 == 0 { 0.5 } else { 0.0 };
                let mut ob = obs(f, 60.0 + 1.5 * f as f64, 120.0, 40.0, [40.0, 40.0, 200.0]);
                ob.bbox = [ob.cx - w / 2.0, 140.0 - h, w, h];
                ob.area = 0.5 * w * 40.0 * if grown { 1.05 } else { 1.0 };
                ob.extremities = 3 + u32::from(grown);
                ob.solidity = 0.6;
                ob
            })
            .collect();
        track(1, o, EndReason::VideoEnd)
    }

    /// The walker from frame 30 on with its box 40% shorter (its legs hidden, its blob 7% smaller):
    /// less of a part than a spike 15% tall (without the height rule it scores almost three times
    /// the spike).
    #[test]
    fn a_body_losing_most_of_its_height_at_once_loses_no_part() {
        let mut t = walker(false);
        for o in &mut t.obs {
            if o.frame >= 30 {
                o.bbox[3] *= 0.6;
                o.area *= 0.93;
            }
        }
        let find = |t: Track| MissingLimbs.find(&[t], &ctx(60), &Config::default());
        let raw = |f: &[Finding]| f.iter().map(|f| f.raw).fold(0.0, f64::max);
        let (hidden, spiked) = (raw(&find(t)), raw(&find(walker(true))));
        assert!(hidden < spiked, "hidden legs {hidden} vs spike {spiked}");
    }

    #[test]
    fn a_part_sticking_out_of_a_walking_body_is_found_and_its_gait_is_not() {
        let find = |t: Track| MissingLimbs.find(&[t], &ctx(60), &Config::default());
        let (spiked, plain) = (find(walker(true)), find(walker(false)));
        let raw = |f: &[Finding]| f.iter().map(|f| f.raw).fold(0.0, f64::max);
        assert!(
            raw(&spiked) > 2.0 * raw(&plain),
            "spike {} vs gait {}",
            raw(&spiked),
            raw(&plain)
        );
        let best = spiked
            .iter()
            .max_by(|a, b| a.raw.total_cmp(&b.raw))
            .unwrap();
        assert_eq!(best.kind, "part_gain");
        assert!((28..=32).contains(&best.frame_start), "{best:?}");
    }

    /// A walker whose silhouette loses `lost` of itself at frame 25 and, with `back`, gets it
    /// back at frame 26 (a flicker).
    fn silhouetted(lost: f64, back: bool) -> Track {
        let o = (0..40)
            .map(|f| {
                let mut ob = obs(f, 60.0 + 1.5 * f as f64, 120.0, 40.0, [40.0, 40.0, 200.0]);
                ob.extremities = 2;
                ob.silhouette = 1000.0;
                // A gait's small, steady changes.
                ob.part_lost = if f % 3 == 0 { 0.004 } else { 0.0 };
                if f == 25 {
                    ob.part_lost = lost;
                }
                if back && f == 26 {
                    ob.part_gained = lost;
                }
                ob
            })
            .collect();
        track(1, o, EndReason::VideoEnd)
    }

    /// The largest part change of a track: raw value, whether a part went, frame.
    fn largest_part_change(t: &Track, c: &Context) -> Option<(f64, bool, usize)> {
        part_changes(t, &[], c)
            .into_iter()
            .map(|(raw, loss, o)| (raw, loss, o.frame))
            .max_by(|a, b| a.0.total_cmp(&b.0))
    }

    #[test]
    fn a_part_gone_for_good_is_a_part_change_and_a_flicker_is_not() {
        let c = ctx(40);
        let t = silhouetted(0.1, false);
        let (raw, loss, frame) = largest_part_change(&t, &c).expect("a part change");
        assert!(raw > 5.0 && loss && frame == 25, "{raw} {loss} {frame}");
        let t = silhouetted(0.1, true);
        let flicker = largest_part_change(&t, &c).map_or(0.0, |b| b.0);
        assert!(flicker < 1.0, "flicker {flicker}");
        let t = silhouetted(0.0, false);
        let gait = largest_part_change(&t, &c).map_or(0.0, |b| b.0);
        assert!(gait < 1.0, "gait {gait}");
    }

    /// A silhouette a third larger from one frame to the next is another object of its colours
    /// joining it (as a walker stepping out from behind an occluder over another), not a part; a
    /// fifth larger, with the new pixels a part, is a part gained.
    #[test]
    fn a_silhouette_a_third_larger_at_once_gains_no_part() {
        let c = ctx(40);
        let grown = |by: f64| {
            let mut t = silhouetted(0.0, false);
            for o in &mut t.obs {
                if o.frame >= 25 {
                    o.silhouette = 1000.0 * (1.0 + by);
                }
                if o.frame == 25 {
                    o.part_gained = by / (1.0 + by);
                }
            }
            largest_part_change(&t, &c).map_or(0.0, |b| b.0)
        };
        let (part, joined) = (grown(0.2), grown(0.36));
        assert!(part > 5.0, "a fifth larger: {part}");
        assert!(joined < 1.0, "a third larger: {joined}");
    }

    /// A part gained at frame 25, two frames after the silhouette was found at half its size and
    /// then whole again (frames 23 and 24, not alike in size to their frames before): the
    /// glitch's shares undo nothing, and the part is found.
    #[test]
    fn a_glitch_of_the_silhouette_does_not_undo_a_part_change() {
        let c = ctx(40);
        let mut t = silhouetted(0.0, false);
        for o in &mut t.obs {
            match o.frame {
                23 => (o.silhouette, o.part_lost) = (500.0, 0.5),
                24 => o.part_gained = 0.5,
                25.. => o.silhouette = 1100.0,
                _ => {}
            }
            if o.frame == 25 {
                o.part_gained = 0.09;
            }
        }
        let (raw, loss, frame) = largest_part_change(&t, &c).expect("a part change");
        assert!(raw > 3.0 && !loss && frame == 25, "{raw} {loss} {frame}");
    }

    /// The spiked walker (see [`walker`]) with a silhouette whose gait loses a little every third
    /// frame and which gains `gained(frame)` of itself.
    fn spiked_with_silhouette(gained: impl Fn(usize) -> f64) -> Track {
        let mut t = walker(true);
        for o in &mut t.obs {
            o.silhouette = 1000.0;
            o.part_lost = if o.frame % 3 == 0 { 0.004 } else { 0.0 };
            o.part_gained = gained(o.frame);
        }
        t
    }

    /// The spiked walker's silhouette also grows at frame 30, with its box, and a little more at
    /// frame 44, where the box does not change (alone, larger than the box step): the finding is
    /// where the two cues agree, and its raw value holds both cues' largest values.
    #[test]
    fn a_finding_is_where_the_two_cues_agree() {
        let t = spiked_with_silhouette(|f| match f {
            30 => 0.12,
            44 => 0.15,
            _ => 0.0,
        });
        let c = ctx(60);
        let parts = largest_part_change(&t, &c).expect("part changes");
        assert_eq!(parts.2, 44, "the silhouette alone changes most at frame 44");
        let found = MissingLimbs.find(&[t], &c, &Config::default());
        let best = found.iter().max_by(|a, b| a.raw.total_cmp(&b.raw)).unwrap();
        assert!((29..=31).contains(&best.frame_start), "{best:?}");
        assert_eq!(best.kind, "part_gain");
        assert!(best.raw > PART_WEIGHT * parts.0, "{best:?}");
        assert!(best.detail.contains("silhouette"), "{}", best.detail);
    }

    /// The spiked walker's silhouette does not change where its box grows (frame 30) but grows at
    /// frame 44, by less than the box step at its weight in the raw value and by more at
    /// [`PART_PLACE_WEIGHT`] times it: the finding is at frame 44, sharp to the frame.
    #[test]
    fn the_silhouettes_one_frame_change_weighs_more_in_placing_a_finding() {
        let t = spiked_with_silhouette(|f| if f == 44 { 0.1 } else { 0.0 });
        let c = ctx(60);
        let parts = largest_part_change(&t, &c).expect("part changes");
        assert_eq!(parts.2, 44);
        let box_step = step_cues(&t, &[], &c)
            .iter()
            .map(|s| s.0)
            .fold(0.0, f64::max);
        let found = MissingLimbs.find(&[t], &c, &Config::default());
        let best = found.iter().max_by(|a, b| a.raw.total_cmp(&b.raw)).unwrap();
        assert!(
            PART_WEIGHT * parts.0 < box_step
                && box_step < PART_PLACE_WEIGHT * PART_WEIGHT * parts.0,
            "box step {box_step}, part change {}",
            parts.0
        );
        assert!((43..=45).contains(&best.frame_start), "{best:?}");
        assert_eq!(best.kind, "part_gain");
    }

    /// The spiked walker's silhouette growing where its box steps (frame 30) gives a larger raw
    /// value than the same growth where the box does not step (frame 44): two measures of one
    /// change are surer than two changes apart.
    #[test]
    fn two_cues_seeing_one_change_count_more_than_two_changes() {
        let c = ctx(60);
        let raw = |at: usize| {
            let t = spiked_with_silhouette(move |f| if f == at { 0.1 } else { 0.0 });
            let found = MissingLimbs.find(&[t], &c, &Config::default());
            found.iter().map(|f| f.raw).fold(0.0, f64::max)
        };
        let (together, apart) = (raw(30), raw(44));
        assert!(together > 1.1 * apart, "together {together}, apart {apart}");
    }
}
