//! Implausible motion: teleport, speed_jump, hover, antigravity, bounce_gain, from the
//! kinematics of each track's visible runs (analysis px, px/frame).

use super::{
    dist3, grown, median, near_edge, overlaps_other, visible_runs, Check, Context, Finding,
};
use crate::config::Config;
use crate::tracks::{EndReason, Obs, Track, TrackState};

/// Largest colour change (BGR distance) between a flying track and its stop for a hover.
const HOVER_SAME_COLOUR: f64 = 40.0;

/// Smallest drop judged for a bounce gain, as a share of the frame height.
const MIN_DROP: f64 = 0.08;

/// Frames after a track's birth in which its upward acceleration is not judged.
const YOUNG: usize = 8;

/// The implausible-motion check.
pub struct ImplausibleMotion;

fn disp(a: &Obs, b: &Obs) -> (f64, f64) {
    (b.cx - a.cx, b.cy - a.cy)
}

fn norm(v: (f64, f64)) -> f64 {
    (v.0 * v.0 + v.1 * v.1).sqrt()
}

/// Both sides of the box move with the centroid along its main axis of motion (by at least half
/// of it, and one by at most twice the other). When an object slides behind or out from behind
/// something, or its blob sheds a trail, one side jumps: the blob's centroid moves without the
/// object having teleported.
fn whole_box_moves(a: &Obs, b: &Obs) -> bool {
    let (dx, dy) = disp(a, b);
    let (lo, hi, d) = if dx.abs() >= dy.abs() {
        (
            b.bbox[0] - a.bbox[0],
            (b.bbox[0] + b.bbox[2]) - (a.bbox[0] + a.bbox[2]),
            dx,
        )
    } else {
        (
            b.bbox[1] - a.bbox[1],
            (b.bbox[1] + b.bbox[3]) - (a.bbox[1] + a.bbox[3]),
            dy,
        )
    };
    let (near, far) = (lo.abs().min(hi.abs()), lo.abs().max(hi.abs()));
    lo * d > 0.0 && hi * d > 0.0 && near >= 0.5 * d.abs() && far <= 2.0 * near
}

/// Over the steps `a → b` of `pairs`, the box's two sides move with the centroid along the main
/// axis (see [`whole_box_moves`]); vacuously true for slow motion (under 1 px/frame on average).
fn box_follows(pairs: &[(&Obs, &Obs)]) -> bool {
    if pairs.is_empty() {
        return true;
    }
    let k = pairs.len() as f64;
    let (mut d, mut lo, mut hi) = ([0.0f64; 2], [0.0f64; 2], [0.0f64; 2]);
    for (a, b) in pairs {
        let (dx, dy) = disp(a, b);
        d[0] += dx / k;
        d[1] += dy / k;
        lo[0] += (b.bbox[0] - a.bbox[0]) / k;
        lo[1] += (b.bbox[1] - a.bbox[1]) / k;
        hi[0] += ((b.bbox[0] + b.bbox[2]) - (a.bbox[0] + a.bbox[2])) / k;
        hi[1] += ((b.bbox[1] + b.bbox[3]) - (a.bbox[1] + a.bbox[3])) / k;
    }
    let ax = if d[0].abs() >= d[1].abs() { 0 } else { 1 };
    if d[ax].abs() < 1.0 {
        return true;
    }
    lo[ax] * d[ax] > 0.0
        && hi[ax] * d[ax] > 0.0
        && lo[ax].abs().min(hi[ax].abs()) >= 0.5 * d[ax].abs()
}

fn finding(
    kind: &'static str,
    t: &Track,
    o: &Obs,
    end: usize,
    raw: f64,
    detail: String,
) -> Finding {
    Finding {
        family: "implausible_motion",
        kind,
        frame_start: o.frame,
        frame_end: end,
        track_id: t.id,
        bbox: o.bbox,
        raw,
        score: 0.0,
        detail,
    }
}

impl Check for ImplausibleMotion {
    fn family(&self) -> &'static str {
        "implausible_motion"
    }

    fn find(&self, tracks: &[Track], ctx: &Context, cfg: &Config) -> Vec<Finding> {
        // The floor of each shot (between scene cuts): the lowest box bottom seen in it.
        let shot: Vec<usize> = ctx
            .cut
            .iter()
            .scan(0, |n, &c| {
                *n += c as usize;
                Some(*n)
            })
            .collect();
        let shot_of = |f: usize| shot.get(f).copied().unwrap_or(0);
        let mut floors = vec![0.0f64; shot.last().copied().unwrap_or(0) + 1];
        for o in tracks.iter().flat_map(|t| t.visible()) {
            let k = shot_of(o.frame);
            floors[k] = floors[k].max(ctx.scene_y(o.frame, o.bbox[1] + o.bbox[3]));
        }
        // Gravity from the clip's own downward accelerations, with a prior of 0.5 px/frame².
        let mut acc = Vec::new();
        for t in tracks {
            for r in visible_runs(t, ctx) {
                for w in r.windows(3) {
                    let a = disp(w[1], w[2]).1 - disp(w[0], w[1]).1;
                    if a > 0.05 && a < 3.0 {
                        acc.push(a);
                    }
                }
            }
        }
        let g = if acc.len() >= 10 {
            median(&acc).clamp(0.15, 2.0)
        } else {
            0.5
        };
        let mut out = Vec::new();
        for t in tracks {
            for run in visible_runs(t, ctx) {
                let n = run.len();
                let s = median(&run.iter().map(|o| o.area).collect::<Vec<_>>())
                    .sqrt()
                    .max(4.0);
                let d: Vec<(f64, f64)> = run.windows(2).map(|w| disp(w[0], w[1])).collect();
                // The track's own jitter: median frame-to-frame velocity change.
                let jitter = median(
                    &d.windows(2)
                        .map(|w| norm((w[1].0 - w[0].0, w[1].1 - w[0].1)))
                        .collect::<Vec<_>>(),
                );
                let floor = floors[shot_of(run[0].frame)];
                // Height of the box bottom above the floor, in the frame's px (the floor found in
                // scene heights, so that a camera tilting or zooming does not move it).
                let above = |o: &Obs| {
                    let z = ctx.zoom.get(o.frame).copied().unwrap_or(1.0);
                    (floor - ctx.scene_y(o.frame, o.bbox[1] + o.bbox[3])) * z
                };
                let airborne = |o: &Obs| above(o) > 0.8 * s;
                // A sliver of the object (half hidden behind something) has a centroid of its own.
                let typical_area = s * s;
                // `reach`: how far the step goes; the frame edge, which clips a box and so moves
                // its centroid by less than the box's longer side, cannot explain a longer step.
                let clean_step = |i: usize, reach: f64| {
                    let (a, b) = (run[i], run[i + 1]);
                    let ratio = b.area / a.area.max(1.0);
                    let clipped = |o: &Obs| near_edge(o, ctx) && reach <= o.bbox[2].max(o.bbox[3]);
                    (0.6..1.6).contains(&ratio)
                        && a.area.min(b.area) >= 0.4 * typical_area
                        && !clipped(a)
                        && !clipped(b)
                        && !overlaps_other(tracks, t.id, a.frame, a.bbox)
                        && !overlaps_other(tracks, t.id, b.frame, b.bbox)
                };
                let clean_pair = |i: usize| clean_step(i, 0.0);
                // The object was seen whole and at a steady size for the three sightings before
                // step i (a young track of fragments can hop between pieces of something).
                let steady_before = |i: usize| {
                    i >= 2
                        && run[i - 2..=i]
                            .windows(2)
                            .all(|w| (0.6..1.6).contains(&(w[1].area / w[0].area.max(1.0))))
                };
                // Teleport: one displacement far beyond its neighbours.
                for i in 0..d.len() {
                    let around = [
                        i.checked_sub(1).map(|j| norm(d[j])),
                        d.get(i + 1).map(|&v| norm(v)),
                    ];
                    let base = around.iter().flatten().copied().fold(0.0, f64::max);
                    let jump = norm(d[i]) - base;
                    // Beyond the object's size and beyond the speed's own wobble (a fast, blurred
                    // ball's step varies with its speed).
                    if jump > 0.3 * s
                        && jump > 0.5 * base
                        && clean_step(i, jump)
                        && steady_before(i)
                        && whole_box_moves(run[i], run[i + 1])
                    {
                        let o = run[i + 1];
                        out.push(finding("teleport", t, o, o.frame, jump / (0.3 * s + 4.0 * jitter), format!("track {} jumps {:.1} px in one frame ({:.1} object sizes) while moving {:.1} px/frame around it", t.id, norm(d[i]), jump / s, base)));
                    }
                }
                // Speed jump: velocity before and after differ with no contact (the step frame itself excluded).
                for i in 3..d.len().saturating_sub(3) {
                    let mean = |r: std::ops::Range<usize>| {
                        let k = r.len() as f64;
                        r.fold((0.0, 0.0), |acc, j| {
                            (acc.0 + d[j].0 / k, acc.1 + d[j].1 / k)
                        })
                    };
                    let (vb, va) = (mean(i - 3..i), mean(i + 1..i + 4));
                    let o = run[i];
                    // Contact anywhere in the span the two velocity windows cover.
                    // A fall turned into a rise is a bounce: only a contact does that (a surface
                    // the floor estimate misses, such as ground nearer the camera than another
                    // object's; with no surface there, it is antigravity's to judge).
                    let contact = (i.saturating_sub(3)..(i + 5).min(n))
                        .any(|j| above(run[j]) < 0.4 * s)
                        || (vb.1 > 0.5 && va.1 < -0.5);
                    // A contact explains a bounce or a slowdown, not a sideways speed-up.
                    // Steady acceleration seen inside both windows (a pendulum swinging through
                    // its turn) explains a velocity change; a jump is what is left beyond it.
                    let steady = (
                        d[i - 1].0 - d[i - 3].0 + d[i + 3].0 - d[i + 1].0,
                        d[i - 1].1 - d[i - 3].1 + d[i + 3].1 - d[i + 1].1,
                    );
                    let change = (va.0 - vb.0, va.1 - vb.1);
                    let dv = if contact {
                        (va.0.abs() - vb.0.abs()).max(0.0)
                    } else {
                        norm(change).min(norm((change.0 - steady.0, change.1 - steady.1)))
                    };
                    let reversal_x = vb.0 * va.0 < 0.0;
                    let steps_of = |r: std::ops::Range<usize>| -> Vec<(&Obs, &Obs)> {
                        r.map(|j| (run[j], run[j + 1])).collect()
                    };
                    // Along the floor gravity does not change the speed; the clip's gravity
                    // estimate (inflated by walkers' bobbing) is no allowance there beyond the
                    // prior's.
                    let ga = if contact { g.min(0.5) } else { g };
                    if dv > 4.0 * ga + 1.0
                        && !reversal_x
                        && clean_pair(i - 1)
                        && clean_pair(i)
                        // No step the two velocities are measured over goes onto another blob (the
                        // track's area jumps).
                        && (i - 3..i + 4).all(|k| {
                            let r = run[k + 1].area / run[k].area.max(1.0);
                            (0.4..2.5).contains(&r)
                        })
                        // A box that stops following its centroid is being cut by something in front.
                        && box_follows(&steps_of(i - 3..i))
                        && box_follows(&steps_of(i + 1..i + 4))
                    {
                        let raw = (dv - 4.0 * ga) / (norm(vb) + 1.0 + 4.0 * jitter);
                        out.push(finding(
                            "speed_jump",
                            t,
                            o,
                            o.frame + 1,
                            raw,
                            format!(
                                "track {} changes velocity by {:.1} px/frame ({:.1} → {:.1}) {}",
                                t.id,
                                dv,
                                norm(vb),
                                norm(va),
                                if contact {
                                    "speeding up along the floor with nothing pushing it"
                                } else {
                                    "in mid-air with no contact"
                                }
                            ),
                        ));
                    }
                }
                // Hover: airborne and still for several frames after flying.
                let mut i = 3;
                while i < d.len() {
                    if norm(d[i]) < 0.35 && airborne(run[i]) && !near_edge(run[i], ctx) {
                        let mut j = i;
                        while j < d.len() && norm(d[j]) < 0.35 {
                            j += 1;
                        }
                        let before = (i - 3..i).map(|k| norm(d[k])).sum::<f64>() / 3.0;
                        let len = j - i;
                        // The object that stops is the one that flew: a track that passes onto
                        // something still (a ghost, another object) changes its look there.
                        let (flying, still) = (run[i - 1], run[(i + j) / 2]);
                        let same_look = dist3(flying.colour, still.colour) < HOVER_SAME_COLOUR
                            && (0.5..2.0).contains(&(still.area / flying.area.max(1.0)));
                        if len >= 4 && before > 1.0 && same_look {
                            let o = run[i];
                            out.push(finding("hover", t, o, run[j.min(n - 1)].frame, len as f64 * before.min(5.0) / 5.0, format!("track {} stops in mid-air for {} frames after moving at {:.1} px/frame, {:.0} px above the floor", t.id, len, before, above(o))));
                        }
                        i = j;
                    }
                    i += 1;
                }
                // Antigravity: sustained upward acceleration while airborne.
                if d.len() >= 6 {
                    for i in 0..d.len() - 5 {
                        if !(i..i + 6).all(|k| airborne(run[k]) && airborne(run[k + 1])) {
                            continue;
                        }
                        let a = (i + 1..i + 6).map(|k| d[k].1 - d[k - 1].1).sum::<f64>() / 5.0;
                        // Touching another object (a hand throwing it) is a push, not antigravity.
                        let touching = (i..i + 7).any(|k| {
                            overlaps_other(tracks, t.id, run[k].frame, grown(run[k].bbox, 0.25))
                        });
                        // A young track's blob may still carry a ghost of where it was first seen.
                        let young = run[i].frame < t.born + YOUNG;
                        if a < -0.15 * g && !touching && !young && (i..i + 6).all(&clean_pair) {
                            let o = run[i];
                            out.push(finding("antigravity", t, o, run[i + 5].frame, -a / (g + jitter), format!("track {} accelerates upward at {:.2} px/frame² for 5 frames while airborne (gravity here {:.2} px/frame² down)", t.id, -a, g)));
                        }
                    }
                }
                // Bounce gain: rebound apex higher than the drop apex.
                // An apex: moving down now after moving up within the last two steps.
                let is_min = |k: usize| {
                    k > 1
                        && k < d.len()
                        && d[k].1 > 0.05
                        && d[k - 1].1 <= 0.05
                        && d[k - 1].1.min(d[k - 2].1) < -0.05
                };
                // A bounce: moving up now after moving down within the last two steps, at the floor.
                let bounces: Vec<usize> = (2..d.len())
                    .filter(|&k| {
                        d[k].1 < -0.05
                            && d[k - 1].1 >= -0.05
                            && d[k - 1].1.max(d[k - 2].1) > 0.05
                            && above(run[k]) < 0.5 * s
                            // At the frame edge the box follows what is in view, not the object.
                            && !near_edge(run[k], ctx)
                    })
                    .collect();
                for (bi, &b) in bounces.iter().enumerate() {
                    let lo = if bi > 0 { bounces[bi - 1] } else { 0 };
                    let hi = bounces.get(bi + 1).copied().unwrap_or(n - 1);
                    let apex = |r: std::ops::Range<usize>| {
                        r.filter(|&k| is_min(k))
                            .min_by(|&x, &y| run[x].cy.total_cmp(&run[y].cy))
                    };
                    // Released from rest where the sightings start (they start SETTLE frames
                    // after birth, so at most that much free fall in): the first one is the apex.
                    let from_rest =
                        lo == 0 && d[0].1.abs() <= ((super::SETTLE as f64 + 1.5) * g).max(1.0);
                    let seen_drop_apex = apex(lo..b);
                    // Already falling where the sightings start (dropped from above the view): in
                    // free flight it fell v² / 2g before that, as a rebound still rising climbs
                    // v² / 2g more (below); both from the step at the end of the sightings.
                    let falling = match (seen_drop_apex, from_rest) {
                        (None, false) if lo == 0 && d[0].1 > 0.0 => d[0].1,
                        _ => 0.0,
                    };
                    let Some(a0) = seen_drop_apex.or((from_rest || falling > 0.0).then_some(0))
                    else {
                        continue;
                    };
                    // No apex after the bounce (it flew out of view or the track ended): its
                    // highest sighting bounds the rebound from below.
                    let seen_apex = apex(b + 1..hi);
                    let Some(a1) = seen_apex.or_else(|| {
                        (b + 1..=hi.min(n - 1)).min_by(|&x, &y| run[x].cy.total_cmp(&run[y].cy))
                    }) else {
                        continue;
                    };
                    let (mut h1, mut h2) = (run[b].cy - run[a0].cy, run[b].cy - run[a1].cy);
                    h1 += falling * falling / (2.0 * g);
                    // Still rising at its last sighting (out of view at the top, or lost): in free
                    // flight it climbs v² / 2g more.
                    let mut rising = 0.0;
                    if seen_apex.is_none() && a1 == n - 1 && a1 > b + 1 {
                        rising = (-d[a1 - 1].1).max(0.0);
                        h2 += rising * rising / (2.0 * g);
                    }
                    // A drop of a few pixels is too small to measure a rebound against.
                    let measurable = (0.5 * s).max(MIN_DROP * ctx.size.1).max(4.0 * jitter);
                    if h1 > measurable && h2 > h1 {
                        let o = run[b];
                        let to = if rising > 0.0 {
                            format!("would rebound to {h2:.0} px (last seen still rising at {rising:.1} px/frame)")
                        } else {
                            format!("rebounds to {h2:.0} px")
                        };
                        let from = if falling > 0.0 {
                            format!("falling {h1:.0} px (first seen already falling at {falling:.1} px/frame)")
                        } else {
                            format!("falling {h1:.0} px")
                        };
                        out.push(finding(
                            "bounce_gain",
                            t,
                            o,
                            run[a1].frame,
                            h2 / h1 - 1.0,
                            format!(
                                "track {} {to} after {from}: the bounce gains {:.0}% height",
                                t.id,
                                100.0 * (h2 / h1 - 1.0)
                            ),
                        ));
                    }
                }
            }
        }
        out.extend(jumps_between_tracks(tracks, ctx, cfg));
        out
    }
}

/// Teleports the tracker could not follow: a track is seen for the last time and, 1 to 3 frames
/// later, a track of about its size starts far from where the first one was heading, both away
/// from the frame edge and from cuts. (Re-emerging from behind something takes longer, and ends
/// where the motion led.)
fn jumps_between_tracks(tracks: &[Track], ctx: &Context, cfg: &Config) -> Vec<Finding> {
    const MAX_GAP: usize = 3;
    // Both tracks well established: the first seen for 8 sightings (the segmenter may find an
    // object some frames after it starts moving), the second for 4 of its first 5 frames, both
    // well above the smallest blob (specks of texture come and go).
    const SEEN_BEFORE: usize = 8;
    let smallest = super::object_permanence::SMALLEST * cfg.min_blob_area(ctx.size.0, ctx.size.1);
    let mut out = Vec::new();
    for a in tracks {
        if a.visible().count() < SEEN_BEFORE {
            continue;
        }
        if matches!(a.end, EndReason::SceneCut) {
            continue;
        }
        let Some((whole, full)) = a.whole() else {
            continue;
        };
        let (_, v) = a.coast();
        for b in tracks.iter().filter(|b| b.id != a.id) {
            let seen: Vec<&Obs> = b.visible().take(4).collect();
            let Some(&first) = seen.first() else {
                continue;
            };
            if seen.len() < 4 || seen[3].frame > first.frame + 4 {
                continue;
            }
            // The first's last sighting before the second is born, and what is left of it after.
            let Some(last) = a
                .visible()
                .filter(|o| o.frame < first.frame && o.frame + MAX_GAP >= first.frame)
                .last()
            else {
                continue;
            };
            let before: Vec<f64> = a
                .visible()
                .filter(|o| o.frame <= last.frame)
                .map(|o| o.area)
                .collect();
            if before.len() < SEEN_BEFORE {
                continue;
            }
            let after: Vec<f64> = a
                .visible()
                .filter(|o| (first.frame..first.frame + 5).contains(&o.frame))
                .map(|o| o.area)
                .collect();
            let left = if after.is_empty() {
                // Gone: unless it left through the edge or at a cut.
                let exits = a
                    .obs
                    .iter()
                    .any(|o| o.frame > last.frame && o.state == TrackState::Exited);
                if exits || last.at_edge {
                    continue;
                }
                0.0
            } else {
                median(&after)
            };
            // A part breaking away needs a steady whole before it (not a blob that keeps
            // changing, as busy footage gives).
            let steady = before
                .iter()
                .rev()
                .take(6)
                .all(|&x| (0.8..1.25).contains(&(x / full.max(1.0))));
            if left > 0.0 && !steady {
                continue;
            }
            // Whatever of it moved away: all of it, or the most of it (two touching objects
            // tracked as one, one of which jumps).
            let moved = full - left;
            if left > 0.6 * full || moved < smallest {
                continue;
            }
            let gap = first.frame - last.frame;
            if seen.iter().any(|o| o.at_edge)
                || ctx.near_cut_before(last.frame + 1, super::CUT_SETTLE)
                || ctx.near_cut_before(first.frame, super::CUT_SETTLE)
            {
                continue;
            }
            let colour =
                [0, 1, 2].map(|c| median(&seen.iter().map(|o| o.colour[c]).collect::<Vec<_>>()));
            let b_area = median(&seen.iter().map(|o| o.area).collect::<Vec<_>>());
            let look_apart = super::dist3(colour, whole.colour);
            if look_apart > 120.0
                || b_area < smallest
                || !(0.4..2.5).contains(&(b_area / moved.max(1.0)))
            {
                continue;
            }
            // A clean hand-over: nothing else where the first was last seen or the second first is.
            if overlaps_other(tracks, a.id, last.frame, last.bbox)
                || overlaps_other(tracks, b.id, first.frame, first.bbox)
            {
                continue;
            }
            let s = moved.sqrt().max(4.0);
            let g = gap as f64;
            let expected = (last.cx + v[0] * g, last.cy + v[1] * g);
            let off = norm((first.cx - expected.0, first.cy - expected.1));
            if off > 1.5 * s {
                let what = if left > 0.0 { "part of track" } else { "track" };
                out.push(finding("teleport", b, first, first.frame, off / (0.3 * s + 4.0), format!("{} {} vanishes at frame {} and track {} of about its size appears {:.1} px ({:.1} object sizes) away from where it was heading, {} frame(s) later", what, a.id, last.frame, b.id, off, off / s, gap)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;
    use crate::tracks::EndReason;

    /// A box of side 20 at (x0, 100) to (x1, 120), as a blob seen at frame `f`.
    fn spanning(f: usize, x0: f64, x1: f64) -> Obs {
        let mut o = obs(f, (x0 + x1) / 2.0, 110.0, 20.0, [0.0, 0.0, 255.0]);
        o.bbox = [x0, 100.0, x1 - x0, 20.0];
        o
    }

    /// A rigid jump moves both sides of the box alike; a blob shedding a trail behind it (its left
    /// side jumps 40 px, its right 15, more than half the centroid's 27.5) or coming out from
    /// behind something (one side still) does not move as a whole.
    #[test]
    fn only_a_box_moving_as_a_whole_jumps() {
        let a = spanning(0, 100.0, 140.0);
        assert!(whole_box_moves(&a, &spanning(1, 130.0, 170.0)));
        assert!(!whole_box_moves(&a, &spanning(1, 140.0, 155.0)));
        assert!(!whole_box_moves(&a, &spanning(1, 100.0, 170.0)));
    }

    fn kinds(tracks: &[Track], n: usize) -> Vec<(&'static str, usize, f64)> {
        ImplausibleMotion
            .find(tracks, &ctx(n), &Config::default())
            .into_iter()
            .map(|f| (f.kind, f.frame_start, f.raw))
            .collect()
    }

    fn ball(path: &[(f64, f64)]) -> Track {
        track(
            1,
            path.iter()
                .enumerate()
                .map(|(f, &(x, y))| obs(f, x, y, 20.0, [0.0, 0.0, 255.0]))
                .collect(),
            EndReason::VideoEnd,
        )
    }

    // A walker on the floor pins the floor height for the airborne test.
    fn floor_walker(n: usize) -> Track {
        track(
            2,
            (0..n)
                .map(|f| obs(f, 250.0 - f as f64 * 0.5, 200.0, 20.0, [255.0, 0.0, 0.0]))
                .collect(),
            EndReason::VideoEnd,
        )
    }

    /// A block sliding along the floor (box bottom at the floor line), its speed per frame given.
    fn slider(n: usize, speed: impl Fn(usize) -> f64) -> Track {
        let mut x = 40.0;
        let o = (0..n)
            .map(|f| {
                x += speed(f);
                obs(f, x, 200.0, 20.0, [0.0, 200.0, 0.0])
            })
            .collect();
        track(1, o, EndReason::VideoEnd)
    }

    /// On the floor, contact explains slowing down (friction) but not tripling speed.
    #[test]
    fn a_slider_speeding_up_on_the_floor_is_caught_but_one_slowing_down_is_not() {
        let n = 60;
        let jumped = kinds(&[slider(n, |f| if f < 30 { 1.5 } else { 5.0 })], n);
        assert!(
            jumped
                .iter()
                .any(|&(k, f, _)| k == "speed_jump" && (28..=32).contains(&f)),
            "{jumped:?}"
        );
        let braking = kinds(&[slider(n, |f| (3.0 - 0.04 * f as f64).max(0.0))], n);
        assert!(braking.is_empty(), "{braking:?}");
    }

    /// A walker whose centroid bobs a few px each step: its up-and-down accelerations make the
    /// clip's gravity estimate large.
    fn bobbing_walker(n: usize) -> Track {
        track(
            3,
            (0..n)
                .map(|f| {
                    let bob = 5.0 * (0.8 * f as f64).sin().abs();
                    obs(f, 300.0 - f as f64, 200.0 - bob, 20.0, [255.0, 0.0, 0.0])
                })
                .collect(),
            EndReason::VideoEnd,
        )
    }

    /// A track that steps onto another, much smaller blob (an association slip) has no velocity
    /// across that step: the windows around it see no speed jump.
    #[test]
    fn a_step_onto_another_blob_is_not_a_speed_jump() {
        let n = 60;
        let mut t = slider(n, |_| 1.0);
        for o in t.obs.iter_mut().skip(32) {
            *o = obs(o.frame, o.cx + 50.0, o.cy - 20.0, 8.0, o.colour);
        }
        let found = kinds(&[t, floor_walker(n)], n);
        assert!(
            found.iter().all(|&(k, _, _)| k != "speed_jump"),
            "{found:?}"
        );
    }

    /// Along the floor gravity does not change a slider's speed: a walker's bobbing, which
    /// inflates the clip's gravity estimate, does not hide a speed-up there, and braking stays
    /// quiet.
    #[test]
    fn a_bobbing_walker_does_not_hide_a_speed_up_on_the_floor() {
        let n = 60;
        let jumped = kinds(
            &[
                slider(n, |f| if f < 30 { 1.5 } else { 5.0 }),
                bobbing_walker(n),
            ],
            n,
        );
        assert!(
            jumped
                .iter()
                .any(|&(k, f, _)| k == "speed_jump" && (28..=32).contains(&f)),
            "{jumped:?}"
        );
        let braking = kinds(
            &[
                slider(n, |f| (3.0 - 0.04 * f as f64).max(0.0)),
                bobbing_walker(n),
            ],
            n,
        );
        assert!(
            braking.iter().all(|&(k, _, _)| k != "speed_jump"),
            "{braking:?}"
        );
    }

    #[test]
    fn lossy_bouncing_ball_is_quiet() {
        let n = 80;
        let found = kinds(&[ball(&ballistic(n, 0.7)), floor_walker(n)], n);
        assert!(found.is_empty(), "{found:?}");
    }

    /// A camera tilting up moves the floor up the frame. The floor is found in scene heights, so
    /// a lossy bouncing ball stays quiet; in image heights its later bounces are in mid-air.
    #[test]
    fn a_tilting_camera_does_not_lift_the_floor() {
        let n = 80;
        let tilt = |f: usize| -0.4 * f as f64;
        let lift = |mut t: Track| {
            for o in t.obs.iter_mut() {
                o.cy += tilt(o.frame);
                o.bbox[1] += tilt(o.frame);
            }
            t
        };
        let tracks = [lift(ball(&ballistic(n, 0.7))), lift(floor_walker(n))];
        let mut c = ctx(n);
        let blind = ImplausibleMotion.find(&tracks, &c, &Config::default());
        assert!(
            !blind.is_empty(),
            "the camera's motion is what this test is about"
        );
        c.shift = (0..n).map(|f| [0.0, tilt(f)]).collect();
        let found = ImplausibleMotion.find(&tracks, &c, &Config::default());
        assert!(
            found.is_empty(),
            "{:?}",
            found.iter().map(|f| &f.detail).collect::<Vec<_>>()
        );
    }

    /// A ball bouncing on ground that is higher in the frame than the lowest object (nearer the
    /// camera): its bounces are above the floor estimate, but a fall turned into a rise is a
    /// contact, not a speed jump in mid-air.
    #[test]
    fn a_bounce_above_the_floor_estimate_is_not_a_speed_jump() {
        let n = 80;
        let low_block = track(
            3,
            (0..n)
                .map(|f| obs(f, 280.0, 225.0, 20.0, [0.0, 200.0, 0.0]))
                .collect(),
            EndReason::VideoEnd,
        );
        let found = kinds(&[ball(&ballistic(n, 0.7)), low_block], n);
        // Judged as mid-air reversals these reach raw 1.1; windows that only graze a bounce keep
        // a small remainder.
        assert!(
            found
                .iter()
                .all(|&(k, _, raw)| k != "speed_jump" || raw < 0.25),
            "{found:?}"
        );
    }

    /// A lossy bounce over `n` frames whose path jumps 80 px right from frame 30 on.
    fn jumped_path(n: usize) -> Vec<(f64, f64)> {
        let mut p = ballistic(n, 0.7);
        for q in p.iter_mut().skip(30) {
            q.0 += 80.0;
        }
        p
    }

    #[test]
    fn teleport_is_caught_at_its_frame() {
        let n = 60;
        let found = kinds(&[ball(&jumped_path(n)), floor_walker(n)], n);
        assert!(
            found.iter().any(|&(k, f, _)| k == "teleport" && f == 30),
            "{found:?}"
        );
        // The same step taken by slivers (the object mostly hidden) is not judged.
        let mut sliver = ball(&jumped_path(n));
        for o in sliver
            .obs
            .iter_mut()
            .filter(|o| (28..=31).contains(&o.frame))
        {
            o.area *= 0.2;
        }
        let found = kinds(&[sliver, floor_walker(n)], n);
        assert!(found.iter().all(|&(k, _, _)| k != "teleport"), "{found:?}");
    }

    /// A jump that ends at the frame edge: the edge may clip the box there, which moves its
    /// centroid by less than the box's side, so a jump of ten sides is a teleport. A step of
    /// two thirds of a side at the edge is not judged (away from the edge it is one).
    #[test]
    fn a_jump_to_the_frame_edge_is_a_teleport_but_a_short_step_there_is_not() {
        let colour = [60.0, 60.0, 200.0];
        let path = |start: f64, step: f64| {
            let obs = (0..60)
                .map(|f| {
                    let x = start + 2.0 * f as f64 + if f >= 30 { step } else { 0.0 };
                    obs(f, x, 120.0, 24.0, colour)
                })
                .collect();
            let found = kinds(&[track(1, obs, EndReason::VideoEnd)], 60);
            found
                .into_iter()
                .filter(|&(k, _, _)| k == "teleport")
                .map(|(_, f, _)| f)
                .collect::<Vec<_>>()
        };
        // From x = 65 to 307, where its box ends at 319 of 320 (within 4 px of the edge).
        assert_eq!(path(7.0, 240.0), vec![30]);
        // A 16 px step ending at the edge, and the same step in the middle of the frame.
        assert!(path(231.0, 16.0).is_empty(), "{:?}", path(231.0, 16.0));
        assert_eq!(path(60.0, 16.0), vec![30]);
    }

    /// A track of pieces (its size just changed, or seen only twice) can hop between them: the
    /// same step is not judged a teleport until the object has kept its size for three sightings.
    #[test]
    fn a_step_right_after_a_size_change_is_not_a_teleport() {
        let n = 60;
        let mut hop = ball(&jumped_path(n));
        for o in hop.obs.iter_mut().filter(|o| o.frame == 28) {
            o.area *= 0.5;
        }
        let found = kinds(&[hop, floor_walker(n)], n);
        assert!(found.iter().all(|&(k, _, _)| k != "teleport"), "{found:?}");
        let mut young = ball(&jumped_path(n));
        young.obs.retain(|o| o.frame >= 28);
        young.born = 28;
        let found = kinds(&[young, floor_walker(n)], n);
        assert!(found.iter().all(|&(k, _, _)| k != "teleport"), "{found:?}");
    }

    /// A square sliding right at 2 px/frame is last seen at frame 24; a square of its size starts
    /// `gap` frames later at x = `start_x`.
    fn handed_over(gap: usize, start_x: f64) -> Vec<Track> {
        let colour = [60.0, 60.0, 200.0];
        let a = (0..25)
            .map(|f| obs(f, 60.0 + 2.0 * f as f64, 120.0, 24.0, colour))
            .collect();
        let b = (25 + gap - 1..60)
            .map(|f| {
                obs(
                    f,
                    start_x + 2.0 * (f + 1 - 25 - gap) as f64,
                    120.0,
                    24.0,
                    colour,
                )
            })
            .collect();
        vec![
            track(1, a, EndReason::Lost),
            track(2, b, EndReason::VideoEnd),
        ]
    }

    /// A small ball flying fast (11 px/frame) takes one step a fifth longer: its speed's wobble,
    /// not a teleport. Three times as long is one.
    #[test]
    fn a_fast_balls_longer_step_is_not_a_teleport_but_a_triple_one_is() {
        let n = 24;
        let teleports = |step: f64| {
            let path: Vec<Obs> = (0..n)
                .map(|f| {
                    let x = 10.0 + 11.0 * f as f64 + if f >= 12 { step - 11.0 } else { 0.0 };
                    obs(f, x, 60.0, 6.0, [0.0, 0.0, 255.0])
                })
                .collect();
            kinds(&[track(1, path, EndReason::VideoEnd), floor_walker(n)], n)
                .into_iter()
                .filter(|&(k, _, _)| k == "teleport")
                .collect::<Vec<_>>()
        };
        assert!(teleports(13.5).is_empty(), "{:?}", teleports(13.5));
        assert!(
            teleports(33.0).iter().any(|&(_, f, _)| f == 12),
            "{:?}",
            teleports(33.0)
        );
    }

    /// A track that ends and one of its size that starts far away the next frame is a teleport
    /// the tracker could not follow. Not when the new one starts where the old one was heading,
    /// nor when it comes many frames later (out from behind something).
    #[test]
    fn a_jump_between_two_tracks_is_a_teleport_but_a_hand_over_where_it_was_heading_is_not() {
        let teleports = |gap: usize, x: f64| {
            kinds(&handed_over(gap, x), 60)
                .into_iter()
                .filter(|&(k, _, _)| k == "teleport")
                .collect::<Vec<_>>()
        };
        let jumped = teleports(1, 250.0);
        assert!(
            jumped.iter().any(|&(_, f, raw)| f == 25 && raw > 5.0),
            "{jumped:?}"
        );
        assert!(teleports(2, 110.0).is_empty(), "{:?}", teleports(2, 110.0));
        assert!(teleports(8, 250.0).is_empty(), "{:?}", teleports(8, 250.0));
    }

    /// A track found only eight frames before it jumps (the segmenter picked the object up late)
    /// is established enough: its jump to a new track far away is a teleport. Four sightings are
    /// not enough.
    #[test]
    fn a_track_found_eight_frames_before_its_jump_is_judged() {
        let colour = [60.0, 60.0, 200.0];
        let jumps_after = |seen: usize| {
            let a = (25 - seen..25)
                .map(|f| obs(f, 60.0 + 2.0 * f as f64, 120.0, 24.0, colour))
                .collect();
            let b = (25..60)
                .map(|f| obs(f, 250.0 + 2.0 * (f - 25) as f64, 120.0, 24.0, colour))
                .collect();
            let tracks = vec![
                track(1, a, EndReason::Lost),
                track(2, b, EndReason::VideoEnd),
            ];
            kinds(&tracks, 60)
                .into_iter()
                .filter(|&(k, _, _)| k == "teleport")
                .collect::<Vec<_>>()
        };
        let found = jumps_after(8);
        assert!(found.iter().any(|&(_, f, _)| f == 25), "{found:?}");
        assert!(jumps_after(4).is_empty(), "{:?}", jumps_after(4));
    }

    /// The same centroid jump when only the box's leading side jumps (the object coming out from
    /// behind something: its visible part widens at once) is not a teleport.
    /// Two touching objects tracked as one blob; at frame 25 one of them jumps 190 px away. The
    /// blob halves and a track of that half's size starts far away: a teleport. The same blob
    /// halving with no newcomer (a part hidden) is none.
    #[test]
    fn a_part_of_a_blob_that_jumps_away_is_a_teleport() {
        let colour = [60.0, 60.0, 200.0];
        let pair = |n: usize| {
            (0..n)
                .map(|f| {
                    let side = if f < 25 { 34.0 } else { 24.0 };
                    obs(f, 60.0 + f as f64, 120.0, side, colour)
                })
                .collect::<Vec<_>>()
        };
        let jumped: Vec<Obs> = (25..60)
            .map(|f| obs(f, 250.0 + f as f64, 120.0, 24.0, colour))
            .collect();
        let tracks = vec![
            track(1, pair(60), EndReason::VideoEnd),
            track(2, jumped, EndReason::VideoEnd),
        ];
        let found = kinds(&tracks, 60);
        assert!(
            found.iter().any(|&(k, f, _)| k == "teleport" && f == 25),
            "{found:?}"
        );
        let alone = kinds(&[track(1, pair(60), EndReason::VideoEnd)], 60);
        assert!(alone.iter().all(|&(k, _, _)| k != "teleport"), "{alone:?}");
    }

    /// A pendulum bob swinging through its turn changes velocity fast but steadily: no jump.
    #[test]
    fn a_swing_through_its_turn_is_not_a_speed_jump() {
        let n = 60;
        let p: Vec<(f64, f64)> = (0..n)
            .map(|f| (160.0 + 80.0 * (f as f64 * 0.15).cos(), 100.0))
            .collect();
        let found = kinds(&[ball(&p), floor_walker(n)], n);
        assert!(
            found.iter().all(|&(k, _, _)| k != "speed_jump"),
            "{found:?}"
        );
    }

    #[test]
    fn a_one_sided_box_jump_is_not_a_teleport() {
        let n = 60;
        let mut t = ball(&jumped_path(n));
        for o in t.obs.iter_mut().filter(|o| o.frame >= 30) {
            // Left side keeps its path (as if nothing jumped), right side carries the jump.
            let left = o.bbox[0] - 80.0;
            o.bbox = [left, o.bbox[1], o.bbox[2] + 80.0, o.bbox[3]];
        }
        let found = kinds(&[t, floor_walker(n)], n);
        assert!(found.iter().all(|&(k, _, _)| k != "teleport"), "{found:?}");
    }

    #[test]
    fn box_follows_its_centroid_unless_one_side_is_held() {
        let mk = |x0: f64, x1: f64| {
            let mut o = obs(0, (x0 + x1) / 2.0, 100.0, 20.0, [0.0; 3]);
            o.bbox = [x0, 90.0, x1 - x0, 20.0];
            o
        };
        let (a, b, c) = (mk(100.0, 120.0), mk(106.0, 126.0), mk(112.0, 132.0));
        assert!(box_follows(&[(&a, &b), (&b, &c)]));
        // Right side held at 120 (entering behind something) while the left side moves on.
        let (b2, c2) = (mk(106.0, 120.0), mk(112.0, 120.0));
        assert!(!box_follows(&[(&a, &b2), (&b2, &c2)]));
        // Slow motion is never judged.
        let (b3, c3) = (mk(100.5, 120.0), mk(101.0, 120.0));
        assert!(box_follows(&[(&a, &b3), (&b3, &c3)]));
    }

    /// A ball let go at rest at height `y0` above a floor at y = 210, rebounding with `gain`
    /// times its impact speed, sampled until `done` says the path is long enough.
    fn dropped_from_rest(
        y0: f64,
        gain: f64,
        done: impl Fn(&[(f64, f64)]) -> bool,
    ) -> Vec<(f64, f64)> {
        let (mut y, mut vy) = (y0, 0.0f64);
        let mut p = Vec::new();
        while !done(&p) {
            p.push((120.0, y));
            vy += 0.5;
            y += vy;
            if y > 210.0 && vy > 0.0 {
                y = 210.0;
                vy = -vy * gain;
            }
        }
        p
    }

    /// A rebound lost while still rising, below the drop height: its free-flight apex (speed² /
    /// 2g above its last sighting) is what is compared. A 1.3x bounce is caught, a 0.8x one is not.
    #[test]
    fn a_rebound_lost_while_rising_is_judged_by_where_it_would_peak() {
        let rising_at = |gain: f64, y_end: f64| {
            let p = dropped_from_rest(100.0, gain, |p| {
                p.len() > 20 && {
                    let (a, b) = (p[p.len() - 2].1, p[p.len() - 1].1);
                    b < a && b < y_end
                }
            });
            let n = p.len() + 5;
            kinds(&[ball(&p), floor_walker(n)], n)
        };
        let gaining = rising_at(1.3, 150.0);
        assert!(
            gaining
                .iter()
                .any(|&(k, _, raw)| k == "bounce_gain" && raw > 0.3),
            "{gaining:?}"
        );
        let losing = rising_at(0.8, 170.0);
        assert!(
            losing.iter().all(|&(k, _, _)| k != "bounce_gain"),
            "{losing:?}"
        );
    }

    /// A ball dropped from above the view (first seen already falling at 10 px/frame) and lost
    /// while still rising after its bounce: both heights are judged by energy (speed² / 2g beyond
    /// the sightings). A 1.3x bounce is caught, a 0.8x one is not.
    #[test]
    fn a_ball_first_seen_falling_is_judged_by_the_height_it_fell_from() {
        let seen_between_60_and_the_floor = |gain: f64| {
            let p = dropped_from_rest(-40.0, gain, |p| p.len() >= 80);
            let first = p.iter().position(|q| q.1 >= 60.0).unwrap();
            let bounce = p.iter().position(|q| q.1 >= 210.0).unwrap();
            let last = bounce + p[bounce..].iter().position(|q| q.1 < 60.0).unwrap();
            let p = p[first..last].to_vec();
            let n = p.len() + 5;
            kinds(&[ball(&p), floor_walker(n)], n)
        };
        let gaining = seen_between_60_and_the_floor(1.3);
        assert!(
            gaining
                .iter()
                .any(|&(k, _, raw)| k == "bounce_gain" && raw > 0.3),
            "{gaining:?}"
        );
        let losing = seen_between_60_and_the_floor(0.8);
        assert!(
            losing.iter().all(|&(k, _, _)| k != "bounce_gain"),
            "{losing:?}"
        );
    }

    /// The same gaining bounce at the bottom edge of the frame (box bottom 2 px from it) is not
    /// judged: there the box follows what is in view, as when a large object's lower part is
    /// tracked.
    #[test]
    fn a_bounce_at_the_frame_edge_is_not_judged() {
        let at = |dy: f64| {
            let p: Vec<(f64, f64)> =
                dropped_from_rest(100.0, 1.3, |p| p.len() > 20 && p[p.len() - 1].1 < 60.0)
                    .into_iter()
                    .map(|(x, y)| (x, y + dy))
                    .collect();
            let n = p.len() + 5;
            kinds(&[ball(&p), floor_walker(n)], n)
        };
        let inside = at(10.0);
        assert!(
            inside.iter().any(|&(k, _, _)| k == "bounce_gain"),
            "{inside:?}"
        );
        let at_edge = at(18.0);
        assert!(
            at_edge.iter().all(|&(k, _, _)| k != "bounce_gain"),
            "{at_edge:?}"
        );
    }

    #[test]
    fn a_ball_dropped_from_rest_that_rebounds_out_of_view_higher_is_caught() {
        // Released at rest at y = 100, floor at 210; the rebound passes y = 60 and the track
        // ends there (out of view), with no apex after the bounce.
        let p = dropped_from_rest(100.0, 1.3, |p| p.len() > 20 && p[p.len() - 1].1 < 60.0);
        let n = p.len() + 5;
        let found = kinds(&[ball(&p), floor_walker(n)], n);
        assert!(
            found
                .iter()
                .any(|&(k, _, raw)| k == "bounce_gain" && raw > 0.2),
            "{found:?}"
        );
        // The same drop rebounding lower, then leaving sideways, gains nothing.
        let lossy: Vec<(f64, f64)> = ballistic(60, 0.6);
        let found = kinds(&[ball(&lossy), floor_walker(60)], 60);
        assert!(
            found.iter().all(|&(k, _, _)| k != "bounce_gain"),
            "{found:?}"
        );
    }

    /// Hops of a few pixels (texture flicker on a generated wall) are too small to judge.
    #[test]
    fn a_tiny_hop_that_gains_height_is_not_judged() {
        let p = dropped_from_rest(200.0, 1.3, |p| p.len() == 40);
        let found = kinds(&[ball(&p), floor_walker(40)], 40);
        assert!(
            found.iter().all(|&(k, _, _)| k != "bounce_gain"),
            "{found:?}"
        );
    }

    #[test]
    fn bounce_gaining_height_is_caught() {
        let n = 90;
        let found = kinds(&[ball(&ballistic(n, 1.4)), floor_walker(n)], n);
        assert!(
            found
                .iter()
                .any(|&(k, _, raw)| k == "bounce_gain" && raw > 0.5),
            "{found:?}"
        );
    }

    #[test]
    fn hover_in_mid_air_is_caught() {
        let n = 60;
        let mut p = ballistic(n, 0.7);
        // Freeze frames 12..24 while falling (frame 12 is just after the apex).
        let frozen = p[14];
        for q in p.iter_mut().take(26).skip(14) {
            *q = frozen;
        }
        let found = kinds(&[ball(&p), floor_walker(n)], n);
        assert!(
            found
                .iter()
                .any(|&(k, f, _)| k == "hover" && (13..=16).contains(&f)),
            "{found:?}"
        );
    }

    /// The same stop where the track passes onto something still of another colour (the ghost
    /// a ball leaves in the plate, another object): the ball did not hover.
    #[test]
    fn a_track_that_stops_on_something_else_is_no_hover() {
        let n = 60;
        let mut p = ballistic(n, 0.7);
        let frozen = p[14];
        for q in p.iter_mut().take(26).skip(14) {
            *q = frozen;
        }
        let mut b = ball(&p);
        for o in b.obs.iter_mut().filter(|o| (14..26).contains(&o.frame)) {
            o.colour = [60.0, 60.0, 160.0];
        }
        let found = kinds(&[b, floor_walker(n)], n);
        assert!(found.iter().all(|&(k, _, _)| k != "hover"), "{found:?}");
    }

    #[test]
    fn upward_acceleration_while_airborne_is_caught() {
        let n = 40;
        let mut p = Vec::new();
        let (mut y, mut vy) = (100.0, 1.0);
        for f in 0..n {
            p.push((60.0 + 2.0 * f as f64, y));
            vy += if (15..30).contains(&f) { -0.6 } else { 0.5 };
            y += vy;
        }
        let found = kinds(&[ball(&p), floor_walker(n)], n);
        assert!(
            found
                .iter()
                .any(|&(k, f, _)| k == "antigravity" && (12..=20).contains(&f)),
            "{found:?}"
        );
        // The same rise with a hand right under the ball is a throw.
        let hand = track(
            3,
            p.iter()
                .enumerate()
                .map(|(f, &(x, y))| obs(f, x, y + 22.0, 20.0, [90.0, 140.0, 200.0]))
                .collect(),
            EndReason::VideoEnd,
        );
        let found = kinds(&[ball(&p), floor_walker(n), hand], n);
        assert!(
            found.iter().all(|&(k, _, _)| k != "antigravity"),
            "{found:?}"
        );
    }
}
