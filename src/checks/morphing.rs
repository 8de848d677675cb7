//! Morphing: abrupt, lasting steps in a track's size (zoom-corrected), colour, aspect or shape
//! (solidity: a four-legged body melting into a disc; fill: a block turning into a disc) that its
//! motion does not explain. A step to a look the track had before, or from a look it comes back
//! to, is the track's usual variation (a walker's gait); beside a still edge (sliding behind
//! something) or when the pixels gained or shed are of another colour than the kept ones (a
//! ghost or another object taken in or let go), only the colour step counts, and only the part
//! of it that no merge or split explains.
//!
//! `instant_morph`: a frame where much of an object turns into what the flow from the frame
//! before does not carry there (a dog that becomes a ball at once), however its blob fares.

use super::{
    crowded_by_peer, median, near_edge, steps, visible_runs, Check, Context, Finding, Step,
};
use crate::config::Config;
use crate::tracks::{intersection, Obs, Track};

/// A size step whose gained or shed pixels are this far (BGR) from the kept ones' colour took in
/// or let go of something else (background a ghost showed, another object): only its colour step
/// counts.
const FOREIGN: f64 = 60.0;

/// Sightings on each side of a frame whose unexplained share is its usual level.
const USUAL_SPAN: usize = 4;
/// Of the `2 × USUAL_SPAN` sightings around a frame, at least this many are needed.
const USUAL_SEEN: usize = 6;
/// Floor of the usual unexplained share in the ratio (a share of the object's area): below it,
/// a track's usual level is noise.
const USUAL_FLOOR: f64 = 0.05;

/// The morphing check.
pub struct Morphing;

/// The frame where the most of a track's area turns, from one frame to the next, into what the
/// flow from the frame before does not carry there ([`crate::tracks::Obs::unexplained`], in
/// shares of its usual area), beyond its usual level around that frame: raw =
/// (share − usual) / (usual + [`USUAL_FLOOR`]). Moving edges, a gait or a spin show the same
/// share frame after frame; an object that turns into another shape, size or colour at once
/// shows it in one frame. Sightings crowded by another object are not judged.
fn instant_change(t: &Track, tracks: &[Track], ctx: &Context) -> Option<Finding> {
    let mut best: Option<(f64, &Obs, f64, f64)> = None;
    for run in visible_runs(t, ctx) {
        let run: Vec<_> = run.into_iter().filter(|o| !o.traced).collect();
        for (i, o) in run.iter().enumerate() {
            let near: Vec<_> = run
                [i.saturating_sub(USUAL_SPAN)..(i + USUAL_SPAN + 1).min(run.len())]
                .iter()
                .filter(|n| n.frame != o.frame && n.frame.abs_diff(o.frame) <= USUAL_SPAN)
                .collect();
            let before = near.iter().filter(|n| n.frame < o.frame).count();
            if near.len() < USUAL_SEEN || before < 2 || near.len() - before < 2 {
                continue;
            }
            // A jump far from where its motion led (a teleport) is not a change of look.
            let leapt = i > 0 && {
                let p = run[i - 1];
                let gap = (o.frame - p.frame) as f64;
                let (ex, ey) = (p.cx + p.v[0] * gap, p.cy + p.v[1] * gap);
                (o.cx - ex).hypot(o.cy - ey) > p.bbox[2].max(p.bbox[3])
            };
            // Near the frame edge, what is in view changes as the object crosses it.
            let edge = near_edge(o, ctx) || (i > 0 && near_edge(run[i - 1], ctx));
            if leapt || edge || crowded_by_peer(tracks, t.id, o) {
                continue;
            }
            let area = median(&near.iter().map(|n| n.area).collect::<Vec<_>>()).max(1.0);
            let share = |n: &Obs| n.unexplained * n.area / area;
            let usual = median(&near.iter().map(|n| share(n)).collect::<Vec<_>>());
            let raw = (share(o) - usual) / (usual + USUAL_FLOOR);
            if raw > 0.0 && best.as_ref().is_none_or(|b| raw > b.0) {
                best = Some((raw, o, share(o), usual));
            }
        }
    }
    best.map(|(raw, o, share, usual)| Finding {
        family: "morphing",
        kind: "instant_morph",
        frame_start: o.frame,
        frame_end: o.frame + 1,
        track_id: t.id,
        bbox: o.bbox,
        raw,
        score: 0.0,
        detail: format!(
            "track {} changes at once at frame {}: pixels making {:.0}% of its area are not what the flow from the frame before carries there ({:.0}% around that frame)",
            t.id,
            o.frame,
            100.0 * share,
            100.0 * usual
        ),
    })
}

impl Check for Morphing {
    fn family(&self) -> &'static str {
        "morphing"
    }

    fn find(&self, tracks: &[Track], ctx: &Context, _cfg: &Config) -> Vec<Finding> {
        let mut out = Vec::new();
        for t in tracks {
            out.extend(instant_change(t, tracks, ctx));
            let cands = steps(t, tracks, ctx);
            // Where the track was first seen, a blob may keep a ghost of the object (the plate
            // learnt there last); the step that sheds it, the box leaving that place behind, is
            // the plate catching up, not a morph.
            let birth = t.visible().next().map(|o| o.bbox);
            let sheds_birth_ghost = |st: &Step| {
                let before = t
                    .obs
                    .iter()
                    .find(|o| o.frame + 1 == st.frame)
                    .map(|o| o.bbox);
                match (birth, before) {
                    (Some(b), Some(p)) if st.d_area < 0.0 => {
                        let was = intersection(b, p);
                        was > 0.5 * b[2] * b[3] && intersection(b, st.bbox) < 0.5 * was
                    }
                    _ => false,
                }
            };
            let best = cands
                .iter()
                .filter(|st| !st.returns && !st.recurs && !sheds_birth_ghost(st))
                // Sliding behind something explains a change of size and shape, not of colour.
                .map(|st| {
                    let raw = if st.occlusion_like || st.foreign > FOREIGN {
                        st.rel[1]
                    } else {
                        st.rel.into_iter().fold(0.0, f64::max)
                    };
                    (raw, st)
                })
                .filter(|(raw, _)| *raw > 0.0)
                .max_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((raw, st)) = best {
                out.push(Finding {
                    family: "morphing",
                    kind: "morph",
                    frame_start: st.frame,
                    frame_end: st.frame + 3,
                    track_id: t.id,
                    bbox: st.bbox,
                    raw,
                    score: 0.0,
                    detail: format!("track {} changes at frame {}: size ×{:.2}, colour shift {:.0}, aspect ×{:.2}, solidity {:+.2}, fill {:+.2}, unexplained by its motion or the camera", t.id, st.frame, st.d_area.exp(), st.d_colour, st.d_aspect.exp(), st.d_solidity, st.d_fill),
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

    /// The largest morph raw value on a lone track in a 60-frame clip.
    fn raw(t: Track) -> f64 {
        Morphing
            .find(&[t], &ctx(60), &Config::default())
            .iter()
            .map(|f| f.raw)
            .fold(0.0, f64::max)
    }

    fn slide(change_at: Option<usize>) -> Track {
        let o = (0..40)
            .map(|f| {
                let changed = change_at.is_some_and(|c| f >= c);
                let side = if changed { 34.0 } else { 24.0 } + if f % 2 == 0 { 0.5 } else { 0.0 };
                let colour = if changed {
                    [200.0, 40.0, 40.0]
                } else {
                    [40.0, 40.0, 200.0]
                };
                obs(f, 60.0 + 2.0 * f as f64, 120.0, side, colour)
            })
            .collect();
        track(1, o, EndReason::VideoEnd)
    }

    #[test]
    fn sudden_size_and_colour_change_scores_far_above_a_steady_object() {
        let cfg = Config::default();
        let (changed, steady) = (raw(slide(Some(20))), raw(slide(None)));
        assert!(changed > 2.0, "{changed}");
        assert!(
            steady < 0.3 * changed,
            "steady {steady} vs changed {changed}"
        );
        let f = Morphing.find(&[slide(Some(20))], &ctx(40), &cfg);
        assert_eq!(f[0].frame_start, 20);
    }

    /// A speck tracked beside an object over its morph (frames 16 to 24, inside its box) does not
    /// hide the morph; a peer blob of half the object's size there does (the change may be the two
    /// blobs merging or splitting).
    #[test]
    fn a_speck_beside_an_object_does_not_hide_its_morph() {
        let beside = |side: f64| {
            let o = (16..25)
                .map(|f| obs(f, 64.0 + 2.0 * f as f64, 118.0, side, [90.0, 90.0, 90.0]))
                .collect();
            track(2, o, EndReason::Lost)
        };
        let morph_raw = |other: Track| {
            Morphing
                .find(&[slide(Some(20)), other], &ctx(60), &Config::default())
                .iter()
                .filter(|f| f.track_id == 1)
                .map(|f| f.raw)
                .fold(0.0, f64::max)
        };
        let (speck, peer) = (morph_raw(beside(5.0)), morph_raw(beside(17.0)));
        assert!(speck > 2.0, "with a speck beside it: {speck}");
        assert!(peer < 0.3 * speck, "with a peer beside it: {peer}");
    }

    /// A slow body first found only at its moving edge, then whole once its blob is grown over the
    /// part the plate held (frame 20 on): the size step is the segmenter finding the rest of the
    /// object, not a morph. The same step with no growth is one.
    #[test]
    fn the_first_growth_over_a_held_body_is_not_a_morph() {
        let mk = |grown: bool| {
            let mut t = slide(None);
            for o in t.obs.iter_mut().filter(|o| o.frame >= 20) {
                o.area *= 3.0;
                o.bbox[2] *= 3.0;
                o.grown = grown;
            }
            t
        };
        let (found, morphed) = (raw(mk(true)), raw(mk(false)));
        assert!(morphed > 2.0, "{morphed}");
        assert!(found < 0.3 * morphed, "found {found} vs morphed {morphed}");
    }

    /// A slow object (0.5 px/frame) whose blob kept a ghost of where its track was first seen
    /// (the box's left side stays there) sheds it at frame 30: the box shrinks to the object.
    /// Not a morph. The same step on a track first seen elsewhere is one. (The blob's colour is
    /// the object's throughout, so only the place tells; see the next test for the colour.)
    #[test]
    fn shedding_the_ghost_of_the_birth_place_is_not_a_morph() {
        let mk = |born_elsewhere: bool| {
            let o = (0..50)
                .map(|f| {
                    let cx = 80.0 + 0.5 * f as f64;
                    let x0 = if f < 30 { 56.0 } else { cx - 12.0 };
                    let colour = [40.0, 200.0, 40.0];
                    let x1 = cx + 12.0;
                    let mut ob = obs(f, (x0 + x1) / 2.0, 120.0, 24.0, colour);
                    ob.bbox = [x0, 108.0, x1 - x0, 24.0];
                    ob.area = (x1 - x0) * 24.0;
                    if born_elsewhere && f == 0 {
                        ob.bbox[0] = 250.0;
                    }
                    ob
                })
                .collect();
            track(1, o, EndReason::VideoEnd)
        };
        let (shed, elsewhere) = (raw(mk(false)), raw(mk(true)));
        assert!(shed < 0.5, "ghost shed scored {shed}");
        assert!(
            elsewhere > 2.0,
            "the same step elsewhere scored {elsewhere}"
        );
    }

    /// A green square's blob holds a grey patch beside it as large as itself (a ghost of
    /// background the plate got wrong) and lets it go at frame 20: half the blob is shed, and
    /// it was grey, not green. Not a morph. The square halving in its own colour is one.
    #[test]
    fn letting_go_of_a_patch_of_another_colour_is_not_a_morph() {
        let (green, grey) = ([40.0, 200.0, 40.0], [120.0, 120.0, 120.0]);
        let mk = |shed: [f64; 3]| {
            let o = (0..40)
                .map(|f| {
                    let whole = f < 20;
                    let colour = if whole {
                        [0, 1, 2].map(|c| (green[c] + shed[c]) / 2.0)
                    } else {
                        green
                    };
                    let mut ob = obs(f, 60.0 + 2.0 * f as f64, 120.0, 24.0, colour);
                    if whole {
                        ob.bbox[2] = 48.0;
                        ob.area = 48.0 * 24.0;
                    }
                    ob.area += if f % 2 == 0 { 10.0 } else { 0.0 };
                    ob
                })
                .collect();
            track(1, o, EndReason::VideoEnd)
        };
        let (ghost, own) = (raw(mk(grey)), raw(mk(green)));
        assert!(own > 2.0, "halving in its own colour scored {own}");
        assert!(ghost < 0.3 * own, "shedding grey scored {ghost}");
    }

    /// A square whose blob swells slowly (a trail, a passing shadow: frames 10–25) and snaps back
    /// to the look it had before at frame 26: the snap returns to the object, not a morph. The
    /// same snap to a look the track never had is one.
    #[test]
    fn snapping_back_to_an_earlier_look_is_not_a_morph() {
        let mk = |back_to: f64| {
            let o = (0..50)
                .map(|f| {
                    let side = match f {
                        0..=9 => 24.0,
                        10..=25 => 24.0 + 1.2 * (f - 9) as f64,
                        _ => back_to,
                    };
                    obs(f, 60.0 + 2.0 * f as f64, 120.0, side, [40.0, 40.0, 200.0])
                })
                .collect();
            track(1, o, EndReason::VideoEnd)
        };
        let (back, new) = (raw(mk(24.0)), raw(mk(14.0)));
        assert!(new > 2.0, "{new}");
        assert!(back < 0.3 * new, "back {back} vs new {new}");
    }

    /// A track that passes to another object 80 px away (a wrong match) changes its look there:
    /// not a morph of either. The same change in place is one.
    #[test]
    fn a_change_across_a_leap_to_another_object_is_not_a_morph() {
        let mk = |leap: f64| {
            let o = (0..40)
                .map(|f| {
                    let after = f >= 20;
                    let cx = 60.0 + 2.0 * f as f64 + if after { leap } else { 0.0 };
                    let (side, colour) = if after {
                        (34.0, [200.0, 40.0, 40.0])
                    } else {
                        (24.0, [40.0, 40.0, 200.0])
                    };
                    obs(f, cx, 120.0, side, colour)
                })
                .collect();
            track(1, o, EndReason::VideoEnd)
        };
        let (leapt, in_place) = (raw(mk(80.0)), raw(mk(0.0)));
        assert!(in_place > 2.0, "{in_place}");
        assert!(
            leapt < 0.3 * in_place,
            "leapt {leapt} vs in place {in_place}"
        );
    }

    /// A block (side 30, filling its box) turning into a disc of the same area at frame 20: its
    /// box grows to the disc's (34 px) and the fill falls from 1 to 0.79; size, colour, aspect and
    /// solidity hold. A morph, scored on the fill; the same body staying a block is not.
    #[test]
    fn a_block_turning_into_a_disc_is_a_morph() {
        let mk = |turns: bool| {
            let o = (0..40)
                .map(|f| {
                    let mut ob = obs(f, 60.0 + 2.0 * f as f64, 120.0, 30.0, [40.0, 40.0, 200.0]);
                    if turns && f >= 20 {
                        let side = 30.0 / (std::f64::consts::PI / 4.0).sqrt();
                        ob.bbox = [ob.cx - side / 2.0, ob.cy - side / 2.0, side, side];
                    }
                    ob.area += if f % 2 == 0 { 4.0 } else { 0.0 };
                    ob
                })
                .collect();
            track(1, o, EndReason::VideoEnd)
        };
        let (turned, block) = (raw(mk(true)), raw(mk(false)));
        assert!(turned > 2.0, "block to disc scored {turned}");
        assert!(block < 0.3 * turned, "steady block {block} vs {turned}");
    }

    /// A body whose outline snaps between two looks (box 40 x 40 and 64 x 40, as legs close and
    /// spread) every 10 frames from frame 20: the first snap is to a look never seen before, but
    /// the look it left comes back, so no step is a morph. The same first snap kept for good is
    /// one.
    #[test]
    fn a_look_the_track_keeps_coming_back_to_is_not_a_morph() {
        let mk = |periodic: bool| {
            let o = (0..60)
                .map(|f| {
                    let wide = f >= 20 && (!periodic || (f - 20) / 10 % 2 == 0);
                    let w = if wide { 64.0 } else { 40.0 } + if f % 2 == 0 { 0.5 } else { 0.0 };
                    let mut ob = obs(f, 60.0 + 1.5 * f as f64, 120.0, 40.0, [40.0, 40.0, 200.0]);
                    ob.bbox = [ob.cx - w / 2.0, 100.0, w, 40.0];
                    ob.area = 0.6 * w * 40.0;
                    ob
                })
                .collect();
            track(1, o, EndReason::VideoEnd)
        };
        let (periodic, kept) = (raw(mk(true)), raw(mk(false)));
        assert!(kept > 2.0, "a lasting snap scored {kept}");
        assert!(
            periodic < 0.3 * kept,
            "snaps back and forth scored {periodic}"
        );
    }

    /// An object sliding out from behind a still occluder (its box's left side stays at x = 100)
    /// and growing as it comes out: at frame 20 its colour flips from blue to red. The size step
    /// is the occluder's doing, the colour step is not: a morph. Without the flip, none.
    #[test]
    fn a_colour_change_while_sliding_out_from_behind_something_is_a_morph() {
        let mk = |flips: bool| {
            let o = (0..32)
                .map(|f| {
                    let x1 = 104.0 + 3.0 * f as f64;
                    let colour = if flips && f >= 20 {
                        [40.0, 40.0, 200.0]
                    } else {
                        [200.0, 40.0, 40.0]
                    };
                    let mut ob = obs(f, (100.0 + x1) / 2.0, 120.0, 30.0, colour);
                    ob.bbox = [100.0, 105.0, x1 - 100.0, 30.0];
                    ob.area = (x1 - 100.0) * 30.0;
                    ob
                })
                .collect();
            track(1, o, EndReason::VideoEnd)
        };
        let (flipped, plain) = (raw(mk(true)), raw(mk(false)));
        assert!(
            flipped > 2.0,
            "colour flip behind an occluder scored {flipped}"
        );
        assert!(plain < 0.5, "sliding out scored {plain}");
    }

    /// A grey square (side 30) sliding right at 4 px/frame behind a still occluder whose left
    /// side is at x = 200: its visible box keeps its right side at 200 and shrinks. No morph. The
    /// same shrink centred on the object (its box shrinking from both sides) is one.
    #[test]
    fn sliding_behind_an_occluder_is_not_a_morph_but_shrinking_in_place_is() {
        let mk = |behind: bool| {
            let o = (0..40)
                .map(|f| {
                    let cx = 120.0 + 4.0 * f as f64;
                    let (x0, x1) = (cx - 15.0, cx + 15.0);
                    let (x0, x1) = if behind {
                        (x0, x1.min(200.0))
                    } else if f >= 20 {
                        (cx - 6.0, cx + 6.0)
                    } else {
                        (x0, x1)
                    };
                    let mut ob = obs(f, (x0 + x1) / 2.0, 120.0, 30.0, [90.0; 3]);
                    ob.bbox = [x0, 105.0, (x1 - x0).max(1.0), 30.0];
                    ob.area = (x1 - x0).max(1.0) * 30.0;
                    ob
                })
                .take_while(|o| o.bbox[2] > 4.0)
                .collect();
            track(1, o, EndReason::VideoEnd)
        };
        let (behind, in_place) = (raw(mk(true)), raw(mk(false)));
        assert!(behind < 0.5, "occluded slide scored {behind}");
        assert!(in_place > 2.0, "in-place shrink scored {in_place}");
    }

    /// A body whose outline fills in at frame 25 (solidity 0.65 → 0.9: legs gone, a disc left) at
    /// the same size, colour and box is a morph; the same body whose solidity swings with its gait
    /// (0.65 to 0.85 and back over 40 frames) is not.
    #[test]
    fn a_sudden_change_of_shape_is_a_morph_but_a_gait_swing_is_not() {
        let body = |sudden: bool| {
            let o = (0..60)
                .map(|f| {
                    let mut ob = obs(f, 60.0 + 1.5 * f as f64, 120.0, 40.0, [40.0, 40.0, 200.0]);
                    ob.solidity = if sudden {
                        if f >= 25 {
                            0.9
                        } else {
                            0.65
                        }
                    } else {
                        0.75 + 0.1 * (f as f64 * std::f64::consts::TAU / 40.0).sin()
                    } + if f % 2 == 0 { 0.005 } else { 0.0 };
                    ob
                })
                .collect();
            track(1, o, EndReason::VideoEnd)
        };
        let (sudden, gait) = (raw(body(true)), raw(body(false)));
        assert!(sudden > 2.0, "sudden reshape scored {sudden}");
        assert!(
            gait < 0.25 * sudden,
            "gait swing scored {gait}, reshape {sudden}"
        );
        let f = Morphing.find(&[body(true)], &ctx(60), &Config::default());
        assert_eq!(f[0].frame_start, 25);
    }

    /// A walker's box narrows and widens with its gait (22 to 62 px wide, period 20 frames): that
    /// is its usual variation, not a morph. The same walker turning red for good is one.
    #[test]
    fn a_gait_cycle_is_not_a_morph_but_a_lasting_recolour_of_the_walker_is() {
        let walker = |recolour_at: Option<usize>| {
            let o = (0..60)
                .map(|f| {
                    let phase = (f as f64 * std::f64::consts::TAU / 20.0).sin();
                    let (w, h) = (42.0 + 20.0 * phase, 124.0);
                    let red = recolour_at.is_some_and(|r| f >= r);
                    let colour = if red {
                        [40.0, 40.0, 210.0]
                    } else {
                        [200.0, 90.0, 40.0]
                    };
                    let mut ob = obs(f, 60.0 + 2.0 * f as f64, 120.0, 30.0, colour);
                    ob.bbox = [ob.cx - w / 2.0, 58.0, w, h];
                    ob.area = 0.6 * w * h;
                    ob
                })
                .collect();
            track(1, o, EndReason::VideoEnd)
        };
        let (gait, recoloured) = (raw(walker(None)), raw(walker(Some(35))));
        assert!(recoloured > 3.0, "recolour scored {recoloured}");
        assert!(
            gait < 0.4 * recoloured,
            "gait {gait} vs recolour {recoloured}"
        );
    }

    /// A track sliding right whose unexplained share wobbles around `level`, with `spike` at
    /// frame 20 (and, when `leap`, a jump of three sizes there).
    fn flickering(level: f64, spike: f64, leap: bool) -> Track {
        let o = (0..40)
            .map(|f| {
                let x = 60.0 + 2.0 * f as f64 + if leap && f >= 20 { 90.0 } else { 0.0 };
                let mut ob = obs(f, x, 120.0, 30.0, [40.0, 40.0, 200.0]);
                ob.v = [2.0, 0.0];
                ob.unexplained = if f == 20 {
                    spike
                } else {
                    level * if f % 2 == 0 { 0.8 } else { 1.2 }
                };
                ob
            })
            .collect();
        track(1, o, EndReason::VideoEnd)
    }

    fn instant(tracks: &[Track]) -> Vec<Finding> {
        Morphing
            .find(tracks, &ctx(40), &Config::default())
            .into_iter()
            .filter(|f| f.kind == "instant_morph")
            .collect()
    }

    /// Half of an object turning, in one frame, into what the flow from the frame before cannot
    /// carry there is an instant morph at that frame; the same share frame after frame (the edges
    /// of a fast or spinning object) is its usual level, and a small rise on it is not one.
    #[test]
    fn a_look_the_flow_cannot_carry_over_in_one_frame_is_an_instant_morph() {
        let f = instant(&[flickering(0.02, 0.5, false)]);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].frame_start, f[0].track_id), (20, 1));
        assert!(f[0].raw > 5.0, "{}", f[0].raw);
        assert!(f[0].detail.contains("making 50%"), "{}", f[0].detail);
        let usual = instant(&[flickering(0.3, 0.4, false)]);
        let raw = usual.iter().map(|f| f.raw).fold(0.0, f64::max);
        assert!(raw < 0.5, "{raw}");
    }

    /// A leap far from where the track's motion led (a teleport) and a sighting another object
    /// crowds (one passing in front) are not judged.
    #[test]
    fn a_leap_or_a_crowded_sighting_is_not_an_instant_morph() {
        let at_20 = |f: &[Finding]| f.iter().any(|f| f.frame_start == 20);
        assert!(!at_20(&instant(&[flickering(0.02, 0.5, true)])));
        let peer = track(
            2,
            (15..25)
                .map(|f| obs(f, 100.0, 120.0, 30.0, [200.0, 200.0, 40.0]))
                .collect(),
            EndReason::VideoEnd,
        );
        assert!(!at_20(&instant(&[flickering(0.02, 0.5, false), peer])));
    }
}
