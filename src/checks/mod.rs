//! Checks stage: artifact families judged on tracks.
//!
//! Takes the tracks of a whole video plus per-frame context (scene cuts, camera zoom); gives
//! [`Finding`]s: family, kind, frames, track, box (analysis px), a raw feature and a calibrated
//! score in [0, 1] with a sentence. One file per family, each behind the small [`Check`] trait.
//! It never sees the decoder, OpenCV images or the report.

pub mod calibration;
pub mod implausible_motion;
pub mod missing_limbs;
pub mod morphing;
pub mod object_permanence;

use crate::config::Config;
pub(crate) use crate::tracks::grown;
use crate::tracks::{Obs, Track, TrackState};
pub use calibration::Calibration;

/// The four families, in report order.
pub const FAMILIES: [&str; 4] = [
    "morphing",
    "missing_limbs",
    "implausible_motion",
    "object_permanence",
];

/// What every check sees besides the tracks.
#[derive(Debug, Clone)]
pub struct Context {
    /// Frames in the video.
    pub frames: usize,
    /// Analysis frame size (w, h).
    pub size: (f64, f64),
    /// `cut[f]`: the pair (f − 1 → f) straddles a scene cut.
    pub cut: Vec<bool>,
    /// Cumulative camera zoom at each frame (1 at frame 0).
    pub zoom: Vec<f64>,
    /// Cumulative camera translation at each frame, (x, y) analysis px: with `zoom`, a point
    /// (x, y) of frame 0 is seen at `c + zoom·((x, y) − c) + shift` at frame f, c the frame
    /// centre (roll ignored).
    pub shift: Vec<[f64; 2]>,
}

impl Context {
    /// The height at frame 0 of what is seen at height `y` of frame `f` (see `shift`): heights of
    /// a moving camera's frames, made comparable.
    pub fn scene_y(&self, f: usize, y: f64) -> f64 {
        let c = self.size.1 / 2.0;
        let z = self.zoom.get(f).copied().unwrap_or(1.0).max(1e-6);
        let t = self.shift.get(f).map_or(0.0, |s| s[1]);
        (y - c - t) / z + c
    }

    /// True when a cut lies in the `span` frames up to `f` (or 2 frames after it).
    pub fn near_cut_before(&self, f: usize, span: usize) -> bool {
        (f.saturating_sub(span)..=(f + 2).min(self.frames.saturating_sub(1)))
            .any(|i| self.cut.get(i).copied().unwrap_or(false))
    }
}

/// A localised artifact candidate.
#[derive(Debug, Clone)]
pub struct Finding {
    /// Family.
    pub family: &'static str,
    /// Kind.
    pub kind: &'static str,
    /// First frame.
    pub frame_start: usize,
    /// Last frame.
    pub frame_end: usize,
    /// Track.
    pub track_id: u32,
    /// Box (analysis px).
    pub bbox: [f64; 4],
    /// Raw feature (kind-specific units, larger = worse).
    pub raw: f64,
    /// Calibrated score (0..1), filled by [`run_all`].
    pub score: f64,
    /// Sentence with the numbers (analysis px).
    pub detail: String,
}

/// Every kind a check reports (names are part of the output contract): the synth suite's
/// artifact kinds and `instant_morph`, which no synth label names (a synth morph may show as either).
pub const KINDS: &[&str] = &[
    "morph",
    "instant_morph",
    "part_loss",
    "part_gain",
    "vanish",
    "appear",
    "teleport",
    "hover",
    "antigravity",
    "bounce_gain",
    "speed_jump",
];

/// One artifact family.
pub trait Check {
    /// Family name.
    fn family(&self) -> &'static str;
    /// Candidates with raw features.
    fn find(&self, tracks: &[Track], ctx: &Context, cfg: &Config) -> Vec<Finding>;
}

/// Runs every check and calibrates raw features into scores; all findings, sorted by frame,
/// family, track (events are those at or above `cfg.event_min_score`).
pub fn run_all(tracks: &[Track], ctx: &Context, cfg: &Config, cal: &Calibration) -> Vec<Finding> {
    let checks: [&dyn Check; 4] = [
        &morphing::Morphing,
        &missing_limbs::MissingLimbs,
        &implausible_motion::ImplausibleMotion,
        &object_permanence::ObjectPermanence,
    ];
    let mut out: Vec<Finding> = checks
        .iter()
        .flat_map(|c| c.find(tracks, ctx, cfg))
        .map(|mut f| {
            f.score = cal.score(f.kind, f.raw);
            f
        })
        .collect();
    out.sort_by(|a, b| {
        (a.frame_start, a.family, a.track_id, a.kind).cmp(&(
            b.frame_start,
            b.family,
            b.track_id,
            b.kind,
        ))
    });
    out
}

/// Frames after a track's birth during which its kinematics and shape are not judged.
pub const SETTLE: usize = 3;
/// Frames after a scene cut during which nothing is judged (the background plate is relearnt).
pub const CUT_SETTLE: usize = 12;

/// Runs of consecutive visible observations of a track (split at gaps, edges, cuts), from
/// [`SETTLE`] frames after its birth or its return from being unseen.
pub fn visible_runs<'a>(t: &'a Track, ctx: &Context) -> Vec<Vec<&'a Obs>> {
    let mut runs: Vec<Vec<&Obs>> = Vec::new();
    let mut cur: Vec<&Obs> = Vec::new();
    // Birth, or the latest return from being unseen: the blob is still emerging after either.
    let mut since = t.born;
    let mut seen = false;
    for o in &t.obs {
        let visible = o.state == TrackState::Visible;
        if visible && !seen {
            since = since.max(o.frame);
        }
        seen = visible;
        // A newborn or re-emerging track's blob is still settling (and so is the plate after a cut).
        let settled = o.frame >= since + SETTLE
            && !(o.frame.saturating_sub(CUT_SETTLE)..=o.frame)
                .any(|f| ctx.cut.get(f).copied().unwrap_or(false));
        let ok = o.state == TrackState::Visible && !o.at_edge && settled;
        let contiguous = cur.last().is_some_and(|p| {
            p.frame + 1 == o.frame && !ctx.cut.get(o.frame).copied().unwrap_or(false)
        });
        if ok && (cur.is_empty() || contiguous) {
            cur.push(o);
        } else {
            if cur.len() > 1 {
                runs.push(std::mem::take(&mut cur));
            }
            cur.clear();
            if ok {
                cur.push(o);
            }
        }
    }
    if cur.len() > 1 {
        runs.push(cur);
    }
    runs
}

/// Median of a slice (0 when empty).
pub fn median(v: &[f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s[s.len() / 2]
}

/// True when (x, y, w, h) boxes `a` and `b` share some area.
fn boxes_overlap(a: [f64; 4], b: [f64; 4]) -> bool {
    a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3]
}

/// True when box `a` overlaps any other track's visible box at frame `f`.
pub fn overlaps_other(tracks: &[Track], id: u32, f: usize, a: [f64; 4]) -> bool {
    overlaps_other_of_size(tracks, id, f, a, 0.0)
}

/// True when box `a` overlaps the box of another track's sighting at frame `f` (not gone out of
/// view) whose blob has at least `min_area` px.
fn overlaps_other_of_size(tracks: &[Track], id: u32, f: usize, a: [f64; 4], min_area: f64) -> bool {
    tracks.iter().filter(|t| t.id != id).any(|t| {
        t.at(f).is_some_and(|o| {
            o.state != TrackState::Exited && o.area >= min_area && boxes_overlap(a, o.bbox)
        })
    })
}

/// Another track counts as crowding a sighting (or splitting from or merging with it) only when
/// its blob is at least this share of the sighting's: a fragment or speck cannot change how a
/// whole object looks, while a peer's blob merging in or splitting off can.
const PEER_SHARE: f64 = 0.2;

/// True when sighting `o`'s box overlaps the box of another track's sighting (not gone out of
/// view) at least [`PEER_SHARE`] its size.
pub(crate) fn crowded_by_peer(tracks: &[Track], id: u32, o: &Obs) -> bool {
    overlaps_other_of_size(tracks, id, o.frame, o.bbox, PEER_SHARE * o.area)
}

/// True when another track, its blob at least [`PEER_SHARE`] of this one's, starts or stops being
/// seen between frames `f0` and `f1` right next to this track (`near`, its sightings over those
/// frames): the blob split in two or two merged.
fn splits_or_merges(tracks: &[Track], id: u32, f0: usize, f1: usize, near: &[&Obs]) -> bool {
    let min_area = PEER_SHARE * median(&near.iter().map(|o| o.area).collect::<Vec<_>>());
    let touches = |o: &Obs| {
        o.area >= min_area
            && near
                .iter()
                .any(|p| boxes_overlap(o.bbox, grown(p.bbox, 0.25)))
    };
    tracks.iter().filter(|t| t.id != id).any(|t| {
        let mut seen = t.visible();
        let first = seen.next();
        let last = t.last_visible();
        [first, last]
            .into_iter()
            .flatten()
            .any(|o| (f0..=f1).contains(&o.frame) && touches(o))
    })
}

/// A step in a track's appearance at `frame`: medians of the 4 frames after minus the 4 before.
#[derive(Debug, Clone)]
pub struct Step {
    /// First frame after the step.
    pub frame: usize,
    /// Box at `frame`.
    pub bbox: [f64; 4],
    /// Change of ln(area / zoom²).
    pub d_area: f64,
    /// Change of mean colour (BGR distance).
    pub d_colour: f64,
    /// Change of ln(box width / height).
    pub d_aspect: f64,
    /// Change of the protrusion count.
    pub d_ext: f64,
    /// Change of the solidity (mask area / hull area).
    pub d_solidity: f64,
    /// Change of the fill (mask area / box area).
    pub d_fill: f64,
    /// Change of ln(box height).
    pub d_height: f64,
    /// Change of ln(box height) over the run's typical step of it, weighted by its abruptness: a
    /// part sticking out above or below a body whose height a gait barely changes (the feet stay
    /// on the ground, the head on top), or such a part gone.
    pub rel_height: f64,
    /// 1 when most of the change happens between frame − 1 and frame + 1, less when it is
    /// gradual (the largest over area, colour and aspect).
    pub abrupt: f64,
    /// Area, colour (the part no merge or split explains, see [`unmixed_colour_change`]),
    /// aspect, solidity and fill steps, each over the run's typical step of that cue and weighted
    /// by its own abruptness: how far this step stands out from the track's usual variation.
    pub rel: [f64; 5],
    /// The track has limbs (median protrusions ≥ 1).
    pub articulated: bool,
    /// The run's own frame-to-frame noise of ln(area), colour and ln(aspect) (medians).
    pub noise: [f64; 3],
    /// The size change looks like the object sliding behind (or out from behind) something
    /// still: one side of its box stays put while the object moves towards (or away from) it.
    pub occlusion_like: bool,
    /// How far the colour of the pixels the blob gained (or shed) is from the colour of the ones
    /// it kept (BGR distance; 0 for steps of less than [`FOREIGN_MIN_STEP`] in ln area): an
    /// object growing or shrinking gains or sheds its own colour, a blob taking in or letting go
    /// of background the plate got wrong (a ghost) or of something else gains or sheds another.
    pub foreign: f64,
    /// The look after the step (size, colour, aspect, solidity and fill together) is one the
    /// track had before it: the blob returning to the object after a merge, a trail or a wrong match.
    pub returns: bool,
    /// The look before the step (size, colour, aspect, solidity and fill together) comes back
    /// after it: the track keeps going through both looks, as a walker's outline does over its gait.
    pub recurs: bool,
}

/// How a blob looks: size, colour and shape.
#[derive(Debug, Clone, Copy)]
struct Look {
    /// ln(area / zoom²).
    ln_area: f64,
    /// Mean BGR colour.
    colour: [f64; 3],
    /// ln(box width / height).
    ln_aspect: f64,
    /// Mask area / hull area.
    solidity: f64,
    /// Mask area / box area (a disc fills 0.79 of its box, an upright block all of it).
    fill: f64,
}

impl Look {
    /// Close enough on every cue (see [`SAME_LOOK`]) to be the same look.
    fn same_as(&self, o: &Look) -> bool {
        (self.ln_area - o.ln_area).abs() < SAME_LOOK[0]
            && dist3(self.colour, o.colour) < SAME_LOOK[1]
            && (self.ln_aspect - o.ln_aspect).abs() < SAME_LOOK[2]
            && (self.solidity - o.solidity).abs() < SAME_LOOK[3]
            && (self.fill - o.fill).abs() < SAME_LOOK[4]
    }
}

/// How close a sighting's look must be to the look on one side of a step to count as that look:
/// ln(area), BGR distance, ln(aspect), solidity, fill.
const SAME_LOOK: [f64; 5] = [0.12, 20.0, 0.12, 0.08, FILL_SAME];
/// See [`SAME_LOOK`].
const FILL_SAME: f64 = 0.08;
/// A step of ln(box height) this small is within any track's variation.
const HEIGHT_SAME: f64 = 0.05;
/// Sightings with that look needed.
const SAME_LOOK_SEEN: usize = 2;

/// Around step `i` of a run: the area changes while one side of the box stays within 2 px and
/// the centroid travels at least 3 px along that side's axis, as when an object passes an occluder.
/// Judged on the frames around the step, and on the 4 before and the 4 after it alone.
fn occlusion_like(run: &[&Obs], i: usize, d_area: f64) -> bool {
    const W: usize = 4;
    if d_area.abs() < 0.1 {
        return false;
    }
    let end = (i + W).min(run.len());
    let slides_along_a_still_side = |win: &[&Obs]| {
        if win.len() < 2 {
            return false;
        }
        let spread = |f: &dyn Fn(&Obs) -> f64| {
            let v: Vec<f64> = win.iter().map(|o| f(o)).collect();
            v.iter().copied().fold(f64::MIN, f64::max) - v.iter().copied().fold(f64::MAX, f64::min)
        };
        let (first, last) = (win[0], win[win.len() - 1]);
        let (mx, my) = ((last.cx - first.cx).abs(), (last.cy - first.cy).abs());
        let still_x = spread(&|o| o.bbox[0]) <= 2.0 || spread(&|o| o.bbox[0] + o.bbox[2]) <= 2.0;
        let still_y = spread(&|o| o.bbox[1]) <= 2.0 || spread(&|o| o.bbox[1] + o.bbox[3]) <= 2.0;
        (still_x && mx >= 3.0) || (still_y && my >= 3.0)
    };
    slides_along_a_still_side(&run[i.saturating_sub(2)..end])
        || slides_along_a_still_side(&run[i..end])
        || slides_along_a_still_side(&run[i.saturating_sub(W)..i])
}

/// Boxes within this many px of the frame edge may be clipped by it.
const EDGE_MARGIN: f64 = 4.0;

/// The box is within [`EDGE_MARGIN`] of the frame edge: the edge may be cutting it, so its size
/// and centroid follow what is in view, not the object.
pub(crate) fn near_edge(o: &Obs, ctx: &Context) -> bool {
    let m = EDGE_MARGIN;
    o.bbox[0] < m
        || o.bbox[1] < m
        || o.bbox[0] + o.bbox[2] > ctx.size.0 - m
        || o.bbox[1] + o.bbox[3] > ctx.size.1 - m
}

/// Candidate appearance steps of a track, away from edges, cuts and other objects.
pub fn steps(t: &Track, tracks: &[Track], ctx: &Context) -> Vec<Step> {
    const W: usize = 4;
    let zoom = |o: &Obs| ctx.zoom.get(o.frame).copied().unwrap_or(1.0).max(1e-3);
    let ln_area = |o: &Obs| (o.area.max(1.0) / zoom(o).powi(2)).ln();
    let ln_aspect = |o: &Obs| (o.bbox[2].max(1.0) / o.bbox[3].max(1.0)).ln();
    let fill_of = |o: &Obs| o.area / (o.bbox[2] * o.bbox[3]).max(1.0);
    // Every visible sighting's look, with its frame.
    let looks: Vec<(usize, Look)> = t
        .visible()
        .map(|o| {
            let look = Look {
                ln_area: ln_area(o),
                colour: o.colour,
                ln_aspect: ln_aspect(o),
                solidity: o.solidity,
                fill: fill_of(o),
            };
            (o.frame, look)
        })
        .collect();
    let mut out = Vec::new();
    for run in visible_runs(t, ctx) {
        if run.len() < 2 * W {
            continue;
        }
        let la: Vec<f64> = run.iter().map(|o| ln_area(o)).collect();
        let asp: Vec<f64> = run.iter().map(|o| ln_aspect(o)).collect();
        let ext: Vec<f64> = run.iter().map(|o| o.extremities as f64).collect();
        let sol: Vec<f64> = run.iter().map(|o| o.solidity).collect();
        let fill: Vec<f64> = run.iter().map(|o| fill_of(o)).collect();
        let ln_h: Vec<f64> = run.iter().map(|o| o.bbox[3].max(1.0).ln()).collect();
        let articulated = median(&ext) >= 1.0;
        let jit = |v: &[f64]| {
            median(
                &v.windows(2)
                    .map(|w| (w[1] - w[0]).abs())
                    .collect::<Vec<_>>(),
            )
        };
        let col_jit = median(
            &run.windows(2)
                .map(|w| dist3(w[0].colour, w[1].colour))
                .collect::<Vec<_>>(),
        );
        let noise = [jit(&la), col_jit, jit(&asp)];
        let crowded: Vec<bool> = run
            .iter()
            .map(|o| crowded_by_peer(tracks, t.id, o))
            .collect();
        let col = |r: std::ops::Range<usize>| -> [f64; 3] {
            [0, 1, 2].map(|c| {
                median(
                    &run[r.clone()]
                        .iter()
                        .map(|o| o.colour[c])
                        .collect::<Vec<_>>(),
                )
            })
        };
        let step = |v: &[f64], i: usize| median(&v[i..i + W]) - median(&v[i - W..i]);
        // The look over a window of the run: medians of each cue.
        let look_over = |r: std::ops::Range<usize>| Look {
            ln_area: median(&la[r.clone()]),
            colour: col(r.clone()),
            ln_aspect: median(&asp[r.clone()]),
            solidity: median(&sol[r.clone()]),
            fill: median(&fill[r]),
        };
        // The look over each window of W sightings, by its first sighting.
        let window: Vec<Look> = (0..=run.len() - W).map(|j| look_over(j..j + W)).collect();
        let seen = |look: &Look, frames: &dyn Fn(usize) -> bool| {
            looks
                .iter()
                .filter(|(f, l)| frames(*f) && l.same_as(look))
                .count()
                >= SAME_LOOK_SEEN
        };
        // Step i returns to a look the track had before its window.
        let returns = |i: usize| seen(&window[i], &|f| f < run[i - W].frame);
        // The look before step i is seen again after its window.
        let recurs = |i: usize| seen(&window[i - W], &|f| f > run[i + W - 1].frame);
        // Every window step of the run, for the cues' typical step sizes.
        let all: Vec<[f64; 7]> = (W..=run.len() - W)
            .map(|i| {
                [
                    step(&la, i),
                    dist3(window[i].colour, window[i - W].colour),
                    step(&asp, i),
                    step(&ext, i),
                    step(&sol, i),
                    step(&fill, i),
                    step(&ln_h, i),
                ]
            })
            .collect();
        // Each cue's typical step over the run (protrusions' is not used).
        let typical: [f64; 7] =
            std::array::from_fn(|k| median(&all.iter().map(|d| d[k].abs()).collect::<Vec<_>>()));
        let [t_area, t_colour, t_aspect, _, t_solidity, t_fill, t_height] = typical;
        for i in W..=run.len() - W {
            // Near the frame edge a shrinking box is the object leaving, not morphing.
            let near_edge = run[i - W..i + W].iter().any(|o| near_edge(o, ctx));
            // A young track's blob may still carry a ghost of where it was first seen.
            let young = run[i - W].frame < t.born + 2 * W;
            let (f0, f1) = (run[i - W].frame, run[i + W - 1].frame);
            // Where the blob is first grown over a body the plate holds, its size steps because
            // the segmenter found the rest of the object.
            let first_grown = !run[..i].iter().any(|o| o.grown)
                && run[i..i + W].iter().filter(|o| o.grown).count() > W / 2;
            // Across a jump the track may have passed to another object.
            let leaps = run[i - W + 1..i + W]
                .iter()
                .zip(&run[i - W..i + W - 1])
                .any(|(o, p)| {
                    o.jump || (o.cx - p.cx).hypot(o.cy - p.cy) > p.bbox[2].max(p.bbox[3])
                });
            if young
                || leaps
                || first_grown
                || near_edge
                || crowded[i - W..i + W].iter().any(|&c| c)
                || splits_or_merges(tracks, t.id, f0, f1, &run[i - W..i + W])
            {
                continue;
            }
            let [d_area, d_colour, d_aspect, d_ext, d_solidity, d_fill, d_height] = all[i - W];
            // Share of the change made across the two frames around the step (a ramp over 3
            // frames still counts as abrupt; a gradual drift does not).
            let share = |v: &[f64], total: f64| {
                if total.abs() < 1e-6 {
                    0.0
                } else {
                    ((v[i + 1] - v[i - 1]) / total).clamp(0.0, 1.0)
                }
            };
            let colour_share = if d_colour > 1e-6 {
                (dist3(run[i + 1].colour, run[i - 1].colour) / d_colour).clamp(0.0, 1.0)
            } else {
                0.0
            };
            let sharp = |a: f64| if a >= 0.5 { 1.0 } else { a };
            let abrupt = [
                sharp(share(&la, d_area)),
                sharp(colour_share),
                sharp(share(&asp, d_aspect)),
                sharp(share(&sol, d_solidity)),
                sharp(share(&fill, d_fill)),
            ];
            let (before, after) = (window[i - W].colour, window[i].colour);
            // The colour step a merge or split cannot explain.
            let unmixed = unmixed_colour_change(before, after, d_area.exp());
            let foreign = foreign_colour(before, after, d_area);
            let rel = [
                d_area.abs() / (t_area + 0.08) * abrupt[0],
                unmixed / (t_colour + 15.0) * abrupt[1],
                d_aspect.abs() / (t_aspect + 0.08) * abrupt[2],
                d_solidity.abs() / (t_solidity + 0.06) * abrupt[3],
                d_fill.abs() / (t_fill + FILL_SAME) * abrupt[4],
            ];
            out.push(Step {
                frame: run[i].frame,
                bbox: run[i].bbox,
                d_area,
                d_colour,
                d_aspect,
                d_ext,
                d_solidity,
                d_fill,
                d_height,
                rel_height: d_height.abs() / (t_height + HEIGHT_SAME)
                    * sharp(share(&ln_h, d_height)),
                abrupt: abrupt[..3].iter().copied().fold(0.0, f64::max),
                rel,
                articulated,
                noise,
                occlusion_like: occlusion_like(&run, i, d_area),
                foreign,
                returns: returns(i),
                recurs: recurs(i),
            });
        }
    }
    out
}

/// Smallest step of ln(area) whose gained or shed pixels' colour is judged (see
/// [`Step::foreign`]): below it, the few pixels' mean is mostly noise.
pub const FOREIGN_MIN_STEP: f64 = 0.15;

/// How far the colour of the pixels gained or shed in a step of `d_area` (ln) is from the kept
/// pixels' colour, the blob's mean colour going from `before` to `after` (see [`Step::foreign`]).
pub(crate) fn foreign_colour(before: [f64; 3], after: [f64; 3], d_area: f64) -> f64 {
    if d_area.abs() < FOREIGN_MIN_STEP {
        return 0.0;
    }
    let r = d_area.exp();
    // Growing r×: r·after = before + (r − 1)·gained. Shrinking: before = r·after + (1 − r)·shed.
    let (kept, changed) = if r > 1.0 {
        (
            before,
            [0, 1, 2].map(|c| (r * after[c] - before[c]) / (r - 1.0)),
        )
    } else {
        (
            after,
            [0, 1, 2].map(|c| (before[c] - r * after[c]) / (1.0 - r)),
        )
    };
    dist3(kept, changed.map(|v| v.clamp(0.0, 255.0)))
}

/// How far a blob's colour moved beyond what gaining or shedding pixels explains: the blob went
/// from mean colour `before` to `after` while its area grew `ratio` times. Growing, the old
/// pixels (mean `before`) and the added ones (any colour in 0..=255) must average to `after`;
/// shrinking, the kept pixels (mean `after`) and the shed ones must average to `before`. The
/// result is how far the kept or old pixels' own colour must have changed (BGR distance): the
/// whole colour step when the size holds, 0 when a merge or split explains it.
pub(crate) fn unmixed_colour_change(before: [f64; 3], after: [f64; 3], ratio: f64) -> f64 {
    // Kept pixels' colour `kept` seen in a blob `q` times their count averaging to `whole`: the
    // kept colour lies in [q·whole − 255·(q − 1), q·whole].
    let beyond = |kept: f64, whole: f64, q: f64| {
        let (lo, hi) = (q * whole - 255.0 * (q - 1.0), q * whole);
        (lo - kept).max(kept - hi).max(0.0)
    };
    let r = ratio.max(1e-6);
    let moved = [0, 1, 2].map(|c| {
        if r >= 1.0 {
            beyond(before[c], after[c], r)
        } else {
            beyond(after[c], before[c], 1.0 / r)
        }
    });
    dist3(moved, [0.0; 3])
}

/// Euclidean distance of two colours.
pub(crate) fn dist3(a: [f64; 3], b: [f64; 3]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

#[cfg(test)]
mod tests {
    use super::testkit::ctx;

    /// A colour step at a steady size is all unexplained; a blob halving while its colour moves
    /// towards another colour (a merge parting) explains it; the same move while growing by a
    /// few per cent does not.
    #[test]
    fn colour_steps_are_discounted_by_what_merging_or_parting_explains() {
        use super::unmixed_colour_change as unmixed;
        let (blue, red) = ([200.0, 40.0, 40.0], [40.0, 40.0, 200.0]);
        let step = super::dist3(blue, red);
        assert!((unmixed(blue, red, 1.0) - step).abs() < 1e-9);
        // A blue and a red blob of the same size as one (mean 120, 40, 120), then the red alone.
        let mixed = [120.0, 40.0, 120.0];
        assert_eq!(unmixed(mixed, red, 0.5), 0.0);
        assert_eq!(unmixed(red, mixed, 2.0), 0.0);
        assert!(unmixed(mixed, red, 1.05) > 0.8 * super::dist3(mixed, red));
    }

    /// A red blob doubling into red gained its own colour; one doubling into grey (its mean going
    /// half way to grey) gained another; halving back out of the grey shed it. Small steps are
    /// not judged.
    #[test]
    fn the_colour_a_blob_gains_or_sheds_is_told_from_its_own() {
        use super::foreign_colour as foreign;
        let (red, grey) = ([40.0, 40.0, 200.0], [120.0, 120.0, 120.0]);
        let half = [80.0, 80.0, 160.0];
        let ln2 = 2f64.ln();
        assert!(foreign(red, red, ln2) < 1e-9);
        let gained = foreign(red, half, ln2);
        assert!((gained - super::dist3(red, grey)).abs() < 1e-6, "{gained}");
        let shed = foreign(half, red, -ln2);
        assert!((shed - super::dist3(red, grey)).abs() < 1e-6, "{shed}");
        assert_eq!(foreign(red, half, 0.1), 0.0);
    }

    /// Every kind the synth suite labels is a kind the checks report (calibration and the gate's
    /// `[kinds]` table go by [`KINDS`]), and each is listed once.
    #[test]
    fn the_checks_kinds_cover_the_synth_kinds() {
        for (k, _) in crate::synth::KINDS {
            assert!(super::KINDS.contains(k), "{k} is not in checks::KINDS");
        }
        let mut sorted = super::KINDS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), super::KINDS.len());
    }

    #[test]
    fn scene_heights_undo_the_cameras_tilt_and_zoom() {
        let mut c = ctx(3);
        // Frame 2: the camera has zoomed 2x about the centre (y = 120) and moved the view down 10 px.
        c.zoom[2] = 2.0;
        c.shift[2] = [0.0, 10.0];
        // A point at height 150 of frame 0 is seen at 120 + 2·30 + 10 = 190 in frame 2.
        assert!((c.scene_y(2, 190.0) - 150.0).abs() < 1e-9);
        assert_eq!(c.scene_y(0, 150.0), 150.0);
    }
}

#[cfg(test)]
pub(crate) mod testkit {
    //! Hand-made tracks for check tests.
    use super::*;
    use crate::tracks::EndReason;

    /// A visible observation of a square object of side `side` centred at (cx, cy).
    pub fn obs(frame: usize, cx: f64, cy: f64, side: f64, colour: [f64; 3]) -> Obs {
        Obs {
            frame,
            state: TrackState::Visible,
            bbox: [cx - side / 2.0, cy - side / 2.0, side, side],
            cx,
            cy,
            area: side * side,
            colour,
            solidity: 1.0,
            extremities: 0,
            hu: [0.8, 3.0],
            v: [0.0; 2],
            a: [0.0; 2],
            at_edge: false,
            jump: false,
            moving_frac: 1.0,
            cam: [0.0; 2],
            traced: false,
            grown: false,
            unexplained: 0.0,
            silhouette: 0.0,
            part_lost: 0.0,
            part_gained: 0.0,
        }
    }

    /// A track from observations.
    pub fn track(id: u32, obs: Vec<Obs>, end: EndReason) -> Track {
        Track {
            id,
            born: obs[0].frame,
            obs,
            lost: 0,
            end,
            cam_acc: [0.0; 2],
            faint_birth: false,
            popped: None,
        }
    }

    /// A 320x240 context of `frames` frames, no cuts, no zoom.
    pub fn ctx(frames: usize) -> Context {
        Context {
            frames,
            size: (320.0, 240.0),
            cut: vec![false; frames],
            zoom: vec![1.0; frames],
            shift: vec![[0.0; 2]; frames],
        }
    }

    /// A ball thrown from (40, 200) with velocity (2, −9) under gravity 0.5, bouncing on y = 220
    /// with restitution `e` (`e` > 1 gains energy), frames 0..n.
    pub fn ballistic(n: usize, e: f64) -> Vec<(f64, f64)> {
        let (mut x, mut y, mut vx, mut vy) = (40.0, 200.0, 2.0, -9.0);
        let mut out = Vec::new();
        for _ in 0..n {
            out.push((x, y));
            vy += 0.5;
            x += vx;
            y += vy;
            if y > 210.0 && vy > 0.0 {
                y = 210.0 - (y - 210.0);
                vy = -vy * e;
            }
            if x > 300.0 {
                vx = -vx;
            }
        }
        out
    }
}
