//! Tracks stage: moving objects followed through the video.
//!
//! Takes, per frame, the analysis-size BGR frame and the flow stage's [`PairFlow`]; gives
//! [`Track`]s: per frame an [`Obs`] with box, centroid, area, shape descriptors, mean colour,
//! velocity, acceleration and a state (visible, occluded, exited), plus how the track ended.
//! Segmentation is in [`segment`]; association uses Kuhn–Munkres (pathfinding) on predicted-box
//! overlap, distance and colour, then a second, appearance-only pass that re-identifies objects
//! after occlusions and links jumps; a blob holding two tracked objects of far-apart colours is
//! split between them by colour. Blobs showing a whole object are traced back through the frames
//! before ([`backfill`]): a confirmed track's first blob before its birth, and the blob a track
//! found in pieces settles to over those pieces; the traces go into [`Tracks::traced`] only. It
//! never decodes and never judges artifacts.

pub mod backfill;
pub mod morphology;
pub mod parts;
pub mod segment;

use crate::config::Config;
use crate::flow::{CameraMotion, PairFlow};
use opencv::core::Mat;
use pathfinding::prelude::{kuhn_munkres, Matrix};
use segment::{Detection, Segmenter};
use std::collections::BTreeMap;

/// Visibility of a track in one frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackState {
    /// Segmented in this frame.
    Visible,
    /// Not segmented, predicted inside the frame.
    Occluded,
    /// Not segmented, predicted at or beyond the frame edge.
    Exited,
}

impl TrackState {
    /// Name used in tracks.csv.
    pub fn name(self) -> &'static str {
        match self {
            TrackState::Visible => "visible",
            TrackState::Occluded => "occluded",
            TrackState::Exited => "exited",
        }
    }
}

/// How a track ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    /// Still running at the last frame.
    VideoEnd,
    /// Left through the frame edge.
    Exited,
    /// Lost inside the frame for too long.
    Lost,
    /// Ended by a scene cut.
    SceneCut,
}

/// One track in one frame (analysis px).
#[derive(Debug, Clone)]
pub struct Obs {
    /// Frame index.
    pub frame: usize,
    /// State.
    pub state: TrackState,
    /// Box (x, y, w, h).
    pub bbox: [f64; 4],
    /// Centroid.
    pub cx: f64,
    /// See `cx`.
    pub cy: f64,
    /// Mask area.
    pub area: f64,
    /// Mean BGR colour.
    pub colour: [f64; 3],
    /// Mask area / hull area.
    pub solidity: f64,
    /// Deep convexity defects.
    pub extremities: u32,
    /// log Hu moments 1 and 2.
    pub hu: [f64; 2],
    /// Velocity (px/frame), smoothed.
    pub v: [f64; 2],
    /// Acceleration (px/frame²).
    pub a: [f64; 2],
    /// Box touches the frame edge.
    pub at_edge: bool,
    /// Linked to the previous observation by appearance alone, beyond the motion gate.
    pub jump: bool,
    /// Share of the mask with residual motion.
    pub moving_frac: f64,
    /// Camera-induced displacement of the track accumulated since its birth (px): the part of
    /// its motion the camera explains.
    pub cam: [f64; 2],
    /// Traced back from a later blob of the track (see [`backfill`]), not segmented here.
    pub traced: bool,
    /// The blob was grown over the still body of its colour the plate held (see
    /// [`segment::Detection::grown`]).
    pub grown: bool,
    /// Pixels around the blob (its box grown by a quarter) whose colour the flow from the frame
    /// before does not explain, over the blob's area (0 when not segmented in this frame).
    pub unexplained: f64,
    /// Pixel count of the blob's silhouette (see [`parts::silhouette`]; 0 when not segmented
    /// in this frame).
    pub silhouette: f64,
    /// Pixels of the track's silhouette in the frame before that this one lost, in regions
    /// thicker than a rim (see [`parts::change`]), over this silhouette's area (0 when either
    /// frame has none).
    pub part_lost: f64,
    /// Pixels this silhouette gained on the one of the frame before, as `part_lost`.
    pub part_gained: f64,
}

/// Colour difference (levels, some channel) to the flow-warped frame before above which a pixel's
/// colour is not explained by the flow (see [`Obs::unexplained`]).
const UNEXPLAINED_LEVEL: f32 = 40.0;
/// The flow's unexplained pixels are judged on every this-many-th pixel across and down (each
/// counts for the square it stands for).
const UNEXPLAINED_STEP: usize = 2;

/// Sets each detection's [`Detection::unexplained`]: the pixels in its box, grown by a quarter of
/// its longer side, whose colour the flow from `prev` does not explain (see
/// [`crate::flow::unexplained_map`]), over its area.
fn set_unexplained(
    dets: &mut [Detection],
    prev: &Mat,
    cur: &Mat,
    pair: &PairFlow,
    size: (f64, f64),
) -> opencv::Result<()> {
    let w = size.0 as usize;
    let boxes: Vec<(usize, usize, usize, usize)> = dets
        .iter()
        .map(|d| {
            let b = grown(d.bbox(), 0.25);
            let (x0, y0) = (b[0].max(0.0) as usize, b[1].max(0.0) as usize);
            let x1 = (b[0] + b[2]).min(size.0) as usize;
            let y1 = (b[1] + b[3]).min(size.1) as usize;
            (x0, y0, x1.max(x0), y1.max(y0))
        })
        .collect();
    const STEP: usize = UNEXPLAINED_STEP;
    let miss = crate::flow::unexplained_map(prev, cur, &pair.bwd, STEP, &boxes, UNEXPLAINED_LEVEL)?;
    let gw = w.div_ceil(STEP);
    for (d, (x0, y0, x1, y1)) in dets.iter_mut().zip(boxes) {
        let (gx0, gx1) = (x0.div_ceil(STEP), x1.div_ceil(STEP));
        let n: usize = (y0.div_ceil(STEP)..y1.div_ceil(STEP))
            .flat_map(|gy| &miss[gy * gw + gx0..gy * gw + gx1])
            .map(|&v| v as usize)
            .sum::<usize>()
            * STEP
            * STEP;
        d.unexplained = n as f64 / d.area.max(1.0);
    }
    Ok(())
}

/// A track: its id, observations and end.
#[derive(Debug, Clone)]
pub struct Track {
    /// Id, 1-based in order of birth.
    pub id: u32,
    /// Observations in frame order (visible, occluded and the exit frame).
    pub obs: Vec<Obs>,
    /// Frames since last visible.
    pub lost: usize,
    /// How it ended.
    pub end: EndReason,
    /// Frame of birth: first segmented. Sightings before it were traced back (see [`backfill`]).
    pub born: usize,
    /// Camera-induced displacement accumulated since birth, at its last known position (px).
    pub cam_acc: [f64; 2],
    /// First seen only as a faint blob: it rose out of the noise, so its birth frame is not
    /// when it came into view.
    pub faint_birth: bool,
    /// At birth, with the camera still: whether the image under the new blob changed from the
    /// frame before (it popped into view) or not (it was there, found only now). None when the
    /// frames could not be compared (a moving camera, a cut, the first frame).
    pub popped: Option<bool>,
}

impl Track {
    /// Its observation in frame `frame` (observations are in frame order, one a frame).
    pub fn at(&self, frame: usize) -> Option<&Obs> {
        self.index_of(frame).map(|k| &self.obs[k])
    }

    fn index_of(&self, frame: usize) -> Option<usize> {
        self.obs.binary_search_by_key(&frame, |o| o.frame).ok()
    }

    /// The farthest its visible sightings got from the first (px): in the image, or against the
    /// background (the camera's displacement removed).
    pub fn travel(&self, against_background: bool) -> f64 {
        let Some(first) = self.visible().next() else {
            return 0.0;
        };
        let k = if against_background { 1.0 } else { 0.0 };
        self.visible()
            .map(|o| {
                let dx = o.cx - first.cx - k * (o.cam[0] - first.cam[0]);
                let dy = o.cy - first.cy - k * (o.cam[1] - first.cam[1]);
                (dx * dx + dy * dy).sqrt()
            })
            .fold(0.0, f64::max)
    }

    /// Mean share of moving pixels over its visible sightings (0 when none).
    pub fn moving_share(&self) -> f64 {
        let n = self.visible().count().max(1);
        self.visible().map(|o| o.moving_frac).sum::<f64>() / n as f64
    }

    /// Last visible observation.
    pub fn last_visible(&self) -> Option<&Obs> {
        self.obs
            .iter()
            .rev()
            .find(|o| o.state == TrackState::Visible)
    }

    /// Visible observations.
    pub fn visible(&self) -> impl Iterator<Item = &Obs> {
        self.obs.iter().filter(|o| o.state == TrackState::Visible)
    }

    /// Where to coast from while the object is unseen, and at what velocity: the last sighting
    /// showing most of the object, and its velocity over the whole sightings before it. A sliver
    /// going behind an occluder has a centroid that slows and jumps as it shrinks; those
    /// sightings are skipped.
    pub fn coast(&self) -> (&Obs, [f64; 2]) {
        const WINDOW: usize = 10;
        let last = self.last_visible().expect("tracks start visible");
        let Some((_, full)) = self.whole() else {
            return (last, last.v);
        };
        let whole: Vec<&Obs> = self
            .visible()
            .filter(|o| o.area >= 0.7 * full && !o.at_edge)
            .collect();
        let Some(&end) = whole.last() else {
            return (last, last.v);
        };
        let start = whole
            .iter()
            .rev()
            .take_while(|o| end.frame - o.frame <= WINDOW)
            .last()
            .copied()
            .unwrap_or(end);
        if start.frame == end.frame {
            return (end, end.v);
        }
        let dt = (end.frame - start.frame) as f64;
        (end, [(end.cx - start.cx) / dt, (end.cy - start.cy) / dt])
    }

    /// The sighting showing the whole object, and its area: the view at the upper quartile of the
    /// sighted areas (the median drifts down while the object hides behind something).
    pub fn whole(&self) -> Option<(&Obs, f64)> {
        self.sighting_at_area_rank(|n| n * 3 / 4)
    }

    /// The sighting whose area is nearest the `rank(n)`-th smallest of the `n` sighted areas, and
    /// that area.
    fn sighting_at_area_rank(&self, rank: impl Fn(usize) -> usize) -> Option<(&Obs, f64)> {
        let mut areas: Vec<f64> = self.visible().map(|v| v.area).collect();
        if areas.is_empty() {
            return None;
        }
        areas.sort_by(f64::total_cmp);
        let full = areas[rank(areas.len())];
        self.visible()
            .min_by(|a, b| (a.area - full).abs().total_cmp(&(b.area - full).abs()))
            .map(|o| (o, full))
    }

    /// The sighting showing the object at its typical (median) size, and that size: the view to
    /// compare with when the latest sighting may be a sliver going behind something.
    pub fn typical(&self) -> Option<(&Obs, f64)> {
        self.sighting_at_area_rank(|n| n / 2)
    }
}

/// The tracks of a video, in id order.
#[derive(Debug, Clone)]
pub struct Tracks {
    /// As segmented frame by frame: what the checks judge.
    pub segmented: Vec<Track>,
    /// The same with the sightings found by tracing blobs back (see [`backfill`]): before a
    /// track's birth, and in place of first sightings that showed only part of the object. What
    /// tracks.csv gives and the tracking evaluation scores.
    pub traced: Vec<Track>,
}

/// Follows objects frame by frame.
pub struct Tracker {
    seg: Segmenter,
    cfg: Config,
    active: Vec<Track>,
    done: Vec<Track>,
    next_id: u32,
    size: (f64, f64),
    /// The previous frame can be compared with this one (not at the start, after a cut or while
    /// the camera moves).
    prev_comparable: bool,
    /// Still tracks that popped into view: the image changed under them at birth.
    popped: Vec<u32>,
    /// Boxes of blobs absorbed into the plate as ghosts, with their frame.
    absorbed: Vec<(usize, [f64; 4])>,
    /// The last frames, where new tracks are traced back before their birth.
    history: backfill::History,
    /// First blobs of tracks not yet traced back, by track id.
    seeds: BTreeMap<u32, backfill::Seed>,
    /// Tracks traced back from the blob they settled to.
    retraced: std::collections::BTreeSet<u32>,
    /// Traces to put into their tracks at the end.
    traces: Vec<Trace>,
    /// Each track's silhouette in the last frame it was segmented in, by track id.
    silhouettes: BTreeMap<u32, (usize, parts::Silhouette)>,
}

/// Share of a new track's first-blob pixels that must be found in an earlier frame for it to
/// have been there (see [`backfill`]).
const BACKFILL_SHARE: f64 = 0.5;

/// Frames the tracker keeps for tracing back: a confirmed track's reach before its birth, and the
/// span over which a young track may settle.
fn history_frames(cfg: &Config) -> usize {
    cfg.track_backfill + 4 * cfg.track_min_seen
}

/// Frames for which a ghost's box is remembered (see `Tracker::popped_in`).
const GHOST_MEMORY: usize = 8;

/// Box `b` grown on every side by `share` of its longer side: what touches the object.
pub fn grown(b: [f64; 4], share: f64) -> [f64; 4] {
    let m = share * b[2].max(b[3]);
    [b[0] - m, b[1] - m, b[2] + 2.0 * m, b[3] + 2.0 * m]
}

/// Intersection over union of two (x, y, w, h) boxes.
pub fn iou(a: [f64; 4], b: [f64; 4]) -> f64 {
    let inter = intersection(a, b);
    let u = a[2] * a[3] + b[2] * b[3] - inter;
    if u > 0.0 {
        inter / u
    } else {
        0.0
    }
}

/// Intersection area of two (x, y, w, h) boxes.
pub fn intersection(a: [f64; 4], b: [f64; 4]) -> f64 {
    let x0 = a[0].max(b[0]);
    let y0 = a[1].max(b[1]);
    let x1 = (a[0] + a[2]).min(b[0] + b[2]);
    let y1 = (a[1] + a[3]).min(b[1] + b[3]);
    (x1 - x0).max(0.0) * (y1 - y0).max(0.0)
}

/// A track's blob found in earlier frames, put into the track when the video ends (so that the
/// tracking itself goes on from what was segmented).
struct Trace {
    id: u32,
    /// The sighting of the blob.
    from: Obs,
    /// Where it was found, newest first.
    found: Vec<backfill::Found>,
    /// The camera's motion into the frame after each.
    cameras: Vec<Option<CameraMotion>>,
}

impl Trace {
    /// Puts the sightings into track `t` (frames `size`): replacing its observations in those
    /// frames, and before its first, new ones.
    fn apply(&self, t: &mut Track, size: (f64, f64)) {
        let (w, h) = size;
        let from = &self.from;
        let sighting = |f: &backfill::Found| {
            // The part inside the frame.
            let (x0, y0) = (from.bbox[0] + f.dx as f64, from.bbox[1] + f.dy as f64);
            let (x1, y1) = (x0 + from.bbox[2], y0 + from.bbox[3]);
            let (x0, y0, x1, y1) = (x0.max(0.0), y0.max(0.0), x1.min(w), y1.min(h));
            let bbox = [x0, y0, x1 - x0, y1 - y0];
            Obs {
                frame: f.frame,
                state: TrackState::Visible,
                bbox,
                cx: from.cx + f.dx as f64 + f.centre[0],
                cy: from.cy + f.dy as f64 + f.centre[1],
                area: from.area * f.inside,
                v: [0.0; 2],
                a: [0.0; 2],
                at_edge: box_at_edge(bbox, size),
                jump: false,
                traced: true,
                unexplained: 0.0,
                silhouette: 0.0,
                part_lost: 0.0,
                part_gained: 0.0,
                ..from.clone()
            }
        };
        let Some(start) = t.obs.first().map(|o| o.frame) else {
            return;
        };
        for f in self.found.iter().filter(|f| f.frame >= start) {
            if let Some(k) = t.index_of(f.frame) {
                let o = &mut t.obs[k];
                *o = Obs {
                    cam: o.cam,
                    ..sighting(f)
                };
            }
        }
        // Before the first: the camera's displacement from each to the first.
        let mut before = Vec::new();
        let mut to_first = [0.0f64; 2];
        for (f, c) in self.found.iter().zip(&self.cameras) {
            if f.frame >= start {
                continue;
            }
            let mut o = sighting(f);
            if let Some(c) = c {
                let (dx, dy) = c.flow_at((o.cx - w / 2.0) as f32, (o.cy - h / 2.0) as f32);
                to_first[0] += dx as f64;
                to_first[1] += dy as f64;
            }
            o.cam = [-to_first[0], -to_first[1]];
            before.push(o);
        }
        let shift = |c: [f64; 2]| [c[0] + to_first[0], c[1] + to_first[1]];
        for o in before.iter_mut().chain(t.obs.iter_mut()) {
            o.cam = shift(o.cam);
        }
        t.cam_acc = shift(t.cam_acc);
        before.reverse();
        before.append(&mut t.obs);
        t.obs = before;
        let mut prev: Option<Obs> = None;
        for o in t.obs.iter_mut() {
            if o.state != TrackState::Visible {
                continue;
            }
            if let Some(p) = &prev {
                kinematics(p, o);
            }
            prev = Some(o.clone());
        }
    }
}

/// Box `b` touches the edge of a frame of `size` (w, h).
fn box_at_edge(b: [f64; 4], size: (f64, f64)) -> bool {
    b[0] <= 1.0 || b[1] <= 1.0 || b[0] + b[2] >= size.0 - 1.0 || b[1] + b[3] >= size.1 - 1.0
}

/// Largest colour distance (BGR) between a blob and its surroundings for it to be taken for
/// background.
const BACKGROUND_COLOUR: f64 = 60.0;

/// A still blob is not taken for a ghost while the image under it changes from the frame before
/// (see [`Tracker::slow_body`]) by more than this (largest channel mean, grey levels; twice this
/// where the camera moved): a slow body whose flat inside shows no flow, not a background the
/// plate got wrong.
const SLOW_BODY_CHANGE: f64 = 5.0;
/// Least size of such a slow body, as a share of the frame (300 px at 320 x 180).
const SLOW_BODY_MIN_SHARE: f64 = 1.0 / 192.0;
/// Largest share of such a slow body's pixels with flow: a still blob with something fast
/// inside is a ghost with an object passing over it.
const SLOW_BODY_MAX_MOVING: f64 = 0.02;
/// Sightings after which a still blob is a ghost even when the image under it changes (a slow
/// body has moved by then).
const GHOST_PATIENCE: usize = 6;

/// Velocity and acceleration of sighting `o` from the visible sighting `p` before it.
fn kinematics(p: &Obs, o: &mut Obs) {
    let dt = (o.frame - p.frame).max(1) as f64;
    let raw = [(o.cx - p.cx) / dt, (o.cy - p.cy) / dt];
    // Light smoothing keeps steps visible to the checks but damps segmentation jitter.
    let k = if o.jump { 1.0 } else { 0.7 };
    o.v = [
        k * raw[0] + (1.0 - k) * p.v[0],
        k * raw[1] + (1.0 - k) * p.v[1],
    ];
    o.a = [(o.v[0] - p.v[0]) / dt, (o.v[1] - p.v[1]) / dt];
}

/// Exchanges the detections linked to tracks `a` and `b` (both linked).
fn swap_links(
    det_of_track: &mut [Option<usize>],
    track_of_det: &mut [Option<usize>],
    a: usize,
    b: usize,
) {
    let (Some(ja), Some(jb)) = (det_of_track[a], det_of_track[b]) else {
        return;
    };
    det_of_track.swap(a, b);
    track_of_det[ja] = Some(b);
    track_of_det[jb] = Some(a);
}

/// The largest channel mean of |frame − previous frame| over a blob's mask, each pixel compared
/// with the previous frame's pixel the camera `c` (previous → current, about the frame centre)
/// moved there (nearest pixel). 0 when fewer than half the pixels come from inside the frame.
fn moved_diff(bgr: &Mat, prev: &Mat, d: &Detection, c: &CameraMotion) -> opencv::Result<f64> {
    use opencv::prelude::*;
    let (w, h) = (bgr.cols() as i64, bgr.rows() as i64);
    let (cx, cy) = (w as f64 / 2.0, h as f64 / 2.0);
    let a = (c.scale * c.rotation.cos()) as f64;
    let b = (c.scale * c.rotation.sin()) as f64;
    let det = (a * a + b * b).max(1e-9);
    let (now, before) = (bgr.data_bytes()?, prev.data_bytes()?);
    let m = morphology::bytes(&d.mask)?;
    let (rw, rh) = (d.rect.width as usize, d.rect.height as usize);
    let (mut sums, mut n, mut total) = ([0u64; 3], 0u64, 0u64);
    for y in 0..rh {
        for x in 0..rw {
            if m[y * rw + x] == 0 {
                continue;
            }
            total += 1;
            let (px, py) = (
                (d.rect.x as usize + x) as f64,
                (d.rect.y as usize + y) as f64,
            );
            let (u, v) = (px - cx - c.dx as f64, py - cy - c.dy as f64);
            let sx = ((a * u + b * v) / det + cx).round() as i64;
            let sy = ((-b * u + a * v) / det + cy).round() as i64;
            if sx < 0 || sy < 0 || sx >= w || sy >= h {
                continue;
            }
            let (p, q) = (
                3 * (py as usize * w as usize + px as usize),
                3 * (sy * w + sx) as usize,
            );
            for k in 0..3 {
                sums[k] += now[p + k].abs_diff(before[q + k]) as u64;
            }
            n += 1;
        }
    }
    if 2 * n < total || n == 0 {
        return Ok(0.0);
    }
    Ok(sums
        .iter()
        .map(|&s| s as f64 / n as f64)
        .fold(0.0, f64::max))
}

/// The image under blob `d` changed from the frame before by more than `threshold` (see
/// [`moved_diff`]); where the camera moved (`camera`), sampling, blur and parallax add their own
/// differences, so the change must be twice as large.
fn changed_under(
    bgr: &Mat,
    prev: &Mat,
    camera: Option<CameraMotion>,
    d: &Detection,
    threshold: f64,
) -> opencv::Result<bool> {
    let (c, times) = match camera {
        Some(c) => (c, 2.0),
        None => (CameraMotion::default(), 1.0),
    };
    Ok(moved_diff(bgr, prev, d, &c)? > times * threshold)
}

fn colour_dist(a: [f64; 3], b: [f64; 3]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

impl Tracker {
    /// A tracker for frames of `width` × `height` analysis px, optionally with a known background
    /// plate (see [`segment::median_plate`]).
    pub fn new(cfg: &Config, width: u32, height: u32, plate: Option<Mat>) -> opencv::Result<Self> {
        Ok(Tracker {
            seg: Segmenter::new(cfg, plate)?,
            cfg: cfg.clone(),
            active: vec![],
            done: vec![],
            next_id: 1,
            size: (width as f64, height as f64),
            prev_comparable: false,
            popped: vec![],
            absorbed: vec![],
            history: backfill::History::new(history_frames(cfg)),
            seeds: BTreeMap::new(),
            retraced: Default::default(),
            traces: Vec::new(),
            silhouettes: BTreeMap::new(),
        })
    }

    /// A still blob born at `frame` popped into view: the image inside it changed from the
    /// previous frame (where the camera moved, from the spot of the previous frame it came from),
    /// and no track was seen there then (not a revealed background where something just left,
    /// and not a ghost the plate had from the start).
    fn popped_in(
        &self,
        bgr: &Mat,
        prev: Option<(&Mat, Option<CameraMotion>)>,
        d: &Detection,
        frame: usize,
    ) -> opencv::Result<bool> {
        let Some((prev, camera)) = prev else {
            return Ok(false);
        };
        let r = d.bbox();
        // Nor where a ghost was absorbed just before (a slow object taken for one leaves slivers).
        let seen_there = self.active.iter().chain(&self.done).any(|t| {
            t.obs.iter().rev().take(3).any(|o| {
                o.frame + 1 == frame && o.state == TrackState::Visible && iou(o.bbox, r) > 0.0
            })
        }) || self.absorbed.iter().any(|&(_, b)| iou(b, r) > 0.0);
        if seen_there {
            return Ok(false);
        }
        changed_under(bgr, prev, camera, d, self.cfg.seg_plate_diff as f64)
    }

    /// A still blob that may be a slow body rather than a ghost: of some size, with almost no
    /// flow inside, and the image under it changed from the frame before `prev` (see
    /// [`SLOW_BODY_CHANGE`]).
    fn slow_body(
        &self,
        bgr: &Mat,
        prev: Option<(&Mat, Option<CameraMotion>)>,
        d: &Detection,
    ) -> opencv::Result<bool> {
        let Some((prev, camera)) = prev else {
            return Ok(false);
        };
        if d.area < (SLOW_BODY_MIN_SHARE * self.size.0 * self.size.1).round()
            || d.moving_frac >= SLOW_BODY_MAX_MOVING
        {
            return Ok(false);
        }
        changed_under(bgr, prev, camera, d, SLOW_BODY_CHANGE)
    }

    /// Within one object size of a track seen in this or the previous frame.
    fn beside_a_track(&self, d: &Detection, frame: usize) -> bool {
        self.active.iter().any(|t| {
            t.last_visible().is_some_and(|o| {
                let m = o.bbox[2].max(o.bbox[3]);
                o.frame + 1 >= frame
                    && iou(
                        [
                            o.bbox[0] - m,
                            o.bbox[1] - m,
                            o.bbox[2] + 2.0 * m,
                            o.bbox[3] + 2.0 * m,
                        ],
                        d.bbox(),
                    ) > 0.0
            })
        })
    }

    fn predict(&self, t: &Track, frame: usize) -> ([f64; 4], f64, f64) {
        let (o, v) = if t.lost > 0 {
            t.coast()
        } else {
            let o = t.last_visible().expect("tracks start visible");
            (o, o.v)
        };
        let dt = (frame - o.frame) as f64;
        let (dx, dy) = (v[0] * dt, v[1] * dt);
        (
            [o.bbox[0] + dx, o.bbox[1] + dy, o.bbox[2], o.bbox[3]],
            o.cx + dx,
            o.cy + dy,
        )
    }

    fn min_area(&self) -> f64 {
        self.cfg.min_blob_area(self.size.0, self.size.1)
    }

    fn at_edge(&self, b: [f64; 4]) -> bool {
        box_at_edge(b, self.size)
    }

    fn obs_of(&self, d: &Detection, frame: usize) -> Obs {
        let bbox = d.bbox();
        Obs {
            frame,
            state: TrackState::Visible,
            bbox,
            cx: d.cx,
            cy: d.cy,
            area: d.area,
            colour: d.colour,
            solidity: d.solidity,
            extremities: d.extremities,
            hu: d.hu,
            v: [0.0; 2],
            a: [0.0; 2],
            at_edge: self.at_edge(bbox),
            jump: false,
            moving_frac: d.moving_frac,
            cam: [0.0; 2],
            traced: false,
            grown: d.grown,
            unexplained: d.unexplained,
            silhouette: 0.0,
            part_lost: 0.0,
            part_gained: 0.0,
        }
    }

    fn push_visible(t: &mut Track, mut o: Obs) {
        o.cam = t.cam_acc;
        if let Some(p) = t.last_visible() {
            kinematics(p, &mut o);
        }
        t.obs.push(o);
        t.lost = 0;
    }

    /// Traces tracks back before the frames they were seen whole in (see [`backfill`]): a track
    /// confirmed in this frame from its first blob, when that was the size the object keeps (not a
    /// part still emerging, unless it comes in through the frame edge, nor a merge), and a track
    /// whose first blobs were parts from the blob it settled to (`settled`: track id and the seed
    /// of this frame's blob), over its partial sightings too. Each frame the seed is found in
    /// becomes a visible sighting (replacing a partial one).
    fn trace_back(&mut self, settled: Vec<(u32, backfill::Seed)>) -> opencv::Result<()> {
        let min_seen = self.cfg.track_min_seen;
        let mut work: Vec<(u32, backfill::Seed, usize)> = Vec::new();
        for t in &self.active {
            let vis: Vec<&Obs> = t.visible().take(min_seen).collect();
            if vis.len() < min_seen || !self.seeds.contains_key(&t.id) {
                continue;
            }
            let seed = self.seeds.remove(&t.id).expect("checked");
            let mut areas: Vec<f64> = vis.iter().map(|o| o.area).collect();
            areas.sort_by(f64::total_cmp);
            let typical = areas[areas.len() / 2];
            let smallest = if vis[0].at_edge { 0.3 } else { 0.8 };
            if t.obs[0].frame == seed.frame && (smallest..1.25).contains(&(vis[0].area / typical)) {
                work.push((t.id, seed, self.cfg.track_backfill));
            }
        }
        for (id, seed) in settled {
            if let Some(t) = self.active.iter().find(|t| t.id == id) {
                let span = seed.frame - t.obs[0].frame;
                work.push((id, seed, span + self.cfg.track_backfill));
            }
        }
        for (id, seed, max_frames) in work {
            let Some(t) = self.active.iter().find(|t| t.id == id) else {
                continue;
            };
            // A blob that has not moved (against the background) may be a patch of it the plate
            // got wrong, found in every frame before: only objects seen moving are traced.
            if t.travel(true) < 2.0 && t.moving_share() < self.cfg.track_min_moving {
                continue;
            }
            let Some(from) = t.at(seed.frame).cloned() else {
                continue;
            };
            // Image velocity at the seed: over the first sightings for a new track, the smoothed
            // velocity for a settled one.
            let v = if from.frame == t.obs[0].frame {
                let vis: Vec<&Obs> = t.visible().take(3).collect();
                let (a, b) = (vis[0], vis[vis.len() - 1]);
                let dt = (b.frame - a.frame).max(1) as f64;
                [(b.cx - a.cx) / dt, (b.cy - a.cy) / dt]
            } else {
                from.v
            };
            let mut found = backfill::trace(
                &seed,
                &self.history,
                v,
                max_frames,
                self.cfg.seg_plate_diff.clamp(1.0, 255.0) as u8,
                BACKFILL_SHARE,
            )?;
            // Where another track was seen on the spot, the blob was part of that one; where this
            // track was seen mostly elsewhere, it was following something else.
            let b0 = from.bbox;
            if let Some(k) = found.iter().position(|f| {
                let b = [b0[0] + f.dx as f64, b0[1] + f.dy as f64, b0[2], b0[3]];
                let elsewhere = t.at(f.frame).is_some_and(|s| {
                    s.state == TrackState::Visible
                        && intersection(s.bbox, b) < 0.5 * s.bbox[2] * s.bbox[3]
                });
                elsewhere
                    || self.active.iter().chain(&self.done).any(|o| {
                        o.id != id
                            && o.at(f.frame).is_some_and(|s| {
                                s.state == TrackState::Visible
                                    && intersection(s.bbox, b)
                                        > 0.5 * b[2].min(s.bbox[2]) * b[3].min(s.bbox[3])
                            })
                    })
            }) {
                found.truncate(k);
            }
            if !found.is_empty() {
                let cameras = found
                    .iter()
                    .map(|f| self.history.camera_into(f.frame + 1))
                    .collect();
                self.traces.push(Trace {
                    id,
                    from,
                    found,
                    cameras,
                });
            }
        }
        // Seeds of tracks that ended or were merged into others are not needed.
        let active = &self.active;
        self.seeds
            .retain(|id, _| active.iter().any(|t| t.id == *id));
        self.retraced
            .retain(|id| active.iter().any(|t| t.id == *id));
        Ok(())
    }

    /// A young track whose first sighting was a part of the object (under 0.8 of its size) and
    /// whose last sightings agree on its size (each within 0.8–1.25 of their median) has settled:
    /// it is seen whole now.
    fn settled_from_a_part(&self, t: &Track, frame: usize) -> bool {
        let n = self.cfg.track_min_seen;
        let first = &t.obs[0];
        if first.frame + history_frames(&self.cfg) <= frame || self.retraced.contains(&t.id) {
            return false;
        }
        let last: Vec<&Obs> = t.obs.iter().rev().take(n).collect();
        if last.len() < n || last.iter().any(|o| o.state != TrackState::Visible) {
            return false;
        }
        let mut areas: Vec<f64> = last.iter().map(|o| o.area).collect();
        areas.sort_by(f64::total_cmp);
        let m = areas[n / 2];
        first.state == TrackState::Visible
            && !first.at_edge
            && first.area < 0.8 * m
            && areas.iter().all(|a| (0.8..1.25).contains(&(a / m)))
    }

    /// Processes frame `frame` (BGR and its BGR2GRAY grey, analysis size) with the flow of the pair
    /// ending at it; `prev_bgr` is the frame before it (BGR, analysis size).
    pub fn update(
        &mut self,
        frame: usize,
        bgr: &Mat,
        gray: &Mat,
        prev_bgr: &Mat,
        pair: &PairFlow,
    ) -> opencv::Result<()> {
        let c = &pair.camera;
        let camera_still = c.dx.abs() < 0.5
            && c.dy.abs() < 0.5
            && (c.scale - 1.0).abs() < 2e-3
            && c.rotation.abs() < 2e-3;
        if pair.scene_cut {
            self.prev_comparable = false;
        }
        // The frame before, and the camera's motion from it when there is any to undo.
        let prev = self
            .prev_comparable
            .then_some((prev_bgr, (!camera_still).then_some(*c)));
        if self.history.newest() != Some(frame.wrapping_sub(1)) {
            self.history.push(
                frame.wrapping_sub(1),
                prev_bgr,
                CameraMotion::default(),
                true,
            )?;
        }
        if pair.scene_cut {
            self.seg.reset();
            for mut t in self.active.drain(..) {
                t.end = EndReason::SceneCut;
                self.done.push(t);
            }
        }
        let (mut dets, _) = self.seg.segment(bgr, gray, pair)?;
        if self.prev_comparable && !dets.is_empty() {
            set_unexplained(&mut dets, prev_bgr, bgr, pair, self.size)?;
        }
        let (hw, hh) = (self.size.0 / 2.0, self.size.1 / 2.0);
        for t in self.active.iter_mut() {
            if let Some(o) = t.obs.last() {
                let (dx, dy) = pair.camera.flow_at((o.cx - hw) as f32, (o.cy - hh) as f32);
                t.cam_acc[0] += dx as f64;
                t.cam_acc[1] += dy as f64;
            }
        }
        let nt = self.active.len();
        let nd = dets.len();
        let preds: Vec<_> = self.active.iter().map(|t| self.predict(t, frame)).collect();
        // Each track's typical look (colour, area): what a sliver left of it is compared with.
        let typicals: Vec<Option<([f64; 3], f64)>> = self
            .active
            .iter()
            .map(|t| t.whole().map(|(o, full)| (o.colour, full)))
            .collect();
        let mut track_of_det: Vec<Option<usize>> = vec![None; nd];
        let mut det_of_track: Vec<Option<usize>> = vec![None; nt];
        // A small remnant that no longer looks like the whole object (a still edge left where it
        // went behind something) is not the object: the track goes on unseen instead.
        let remnant = |i: usize, d: &Detection| {
            typicals[i].is_some_and(|(colour, full)| {
                d.area < 0.35 * full && colour_dist(colour, d.colour) > self.cfg.track_max_colour
            })
        };
        // Stage 1: motion-gated assignment.
        let score = |i: usize, j: usize| -> i64 {
            let t = &self.active[i];
            let o = t.last_visible().unwrap();
            let (pb, pcx, pcy) = preds[i];
            let d = &dets[j];
            let dist = ((d.cx - pcx).powi(2) + (d.cy - pcy).powi(2)).sqrt();
            let size = (o.bbox[2].max(o.bbox[3])).max(8.0);
            let gate = self.cfg.track_gate * size + 2.0 * (t.lost as f64 + 1.0);
            let cd = colour_dist(o.colour, d.colour);
            let db = d.bbox();
            // A colour change breaks the link unless the blob sits squarely where the object
            // was going, or covers that place and is at most 2.5 times the blob before (a slow
            // body followed in part: changing colour, all of it stands out from the plate). Then
            // it is the same object changing colour: a morph to report.
            let in_place = iou(pb, db) >= 0.5
                || (intersection(pb, db) >= 0.8 * pb[2] * pb[3] && d.area <= 2.5 * o.area);
            if dist > gate || (cd > self.cfg.track_max_colour && !in_place) {
                return 0;
            }
            if remnant(i, d) {
                return 0;
            }
            // Size agreement with the whole object: where two blobs meet and part (a ball
            // and its shadow), the one of the object's size is the object.
            let sized = typicals[i].map_or(0.5, |(_, full)| {
                (1.0 - (d.area / full.max(1.0)).ln().abs() / 4f64.ln()).max(0.0)
            });
            let s = iou(pb, db)
                + 0.5 * (1.0 - dist / gate)
                + 0.3 * (1.0 - (cd / 150.0).min(1.0))
                + 0.3 * sized;
            (s * 1000.0) as i64 + 1
        };
        let gated = |i: usize, j: usize| score(i, j) > 0;
        if nt > 0 && nd > 0 {
            let transpose = nt > nd;
            let (rows, cols) = if transpose { (nd, nt) } else { (nt, nd) };
            let m = Matrix::from_fn(rows, cols, |(r, c)| {
                if transpose {
                    score(c, r)
                } else {
                    score(r, c)
                }
            });
            let (_, assign) = kuhn_munkres(&m);
            for (r, &c) in assign.iter().enumerate() {
                let (i, j) = if transpose { (c, r) } else { (r, c) };
                if m[(r, c)] > 0 {
                    det_of_track[i] = Some(j);
                    track_of_det[j] = Some(i);
                }
            }
        }
        // Crossed sizes: where two tracks of different sizes meet and part (a ball and its
        // shadow), each taking the blob of the other's size is a swap; undo it.
        let misfit = |i: usize, j: usize| {
            typicals[i].map(|(_, full)| (dets[j].area / full.max(1.0)).ln().abs())
        };
        let off = |i: usize, j: usize| {
            let (_, px, py) = preds[i];
            ((dets[j].cx - px).powi(2) + (dets[j].cy - py).powi(2)).sqrt()
        };
        // The larger of two tracks' whole-object sizes (px), 0 when either is unknown.
        let pair_size = |a: usize, b: usize| {
            typicals[a]
                .zip(typicals[b])
                .map_or(0.0, |(x, y)| x.1.max(y.1).sqrt())
        };
        for a in 0..nt {
            for b in a + 1..nt {
                let (Some(ja), Some(jb)) = (det_of_track[a], det_of_track[b]) else {
                    continue;
                };
                let (Some(aa), Some(bb), Some(ab), Some(ba)) =
                    (misfit(a, ja), misfit(b, jb), misfit(a, jb), misfit(b, ja))
                else {
                    continue;
                };
                let size = pair_size(a, b);
                // One blob is far from its track's size (2.5x), both fit better swapped (by 1.5x
                // between them), and the swap costs no more than an object size in position.
                if aa.max(bb) > 2.5f64.ln()
                    && ab < aa
                    && ba < bb
                    && aa + bb - ab - ba > 1.5f64.ln()
                    && off(a, jb) + off(b, ja) < off(a, ja) + off(b, jb) + size
                    && gated(a, jb)
                    && gated(b, ja)
                {
                    swap_links(&mut det_of_track, &mut track_of_det, a, b);
                }
            }
        }
        // Crossed looks: a track coming back from behind something while another track covers
        // the same place (the two were one blob until now) takes the blob the other's look fits
        // and leaves it the one its own look fits; undo such a swap when the swapped colours fit
        // clearly better (by a quarter of the re-identification colour tolerance), the returning
        // track's colour fits its new blob, and the swap moves neither far from where it was going.
        let look = |i: usize| typicals[i].map(|(c, _)| c);
        for a in 0..nt {
            for b in 0..nt {
                if a == b || self.active[b].lost == 0 || self.active[a].lost > 0 {
                    continue;
                }
                let (Some(ja), Some(jb), Some(ca), Some(cb)) =
                    (det_of_track[a], det_of_track[b], look(a), look(b))
                else {
                    continue;
                };
                let fit = |c: [f64; 3], j: usize| colour_dist(c, dets[j].colour);
                let (now, swapped) = (fit(ca, ja) + fit(cb, jb), fit(ca, jb) + fit(cb, ja));
                let size = pair_size(a, b);
                if now - swapped > 0.25 * self.cfg.track_reid_colour
                    && fit(cb, ja) < self.cfg.track_reid_colour
                    && off(a, jb) + off(b, ja) < off(a, ja) + off(b, jb) + 0.25 * size
                    && gated(a, jb)
                    && gated(b, ja)
                {
                    swap_links(&mut det_of_track, &mut track_of_det, a, b);
                }
            }
        }
        // Stage 2: appearance-only re-identification of unmatched tracks (after occlusion, or a jump).
        let mut pairs = Vec::new();
        for (i, t) in self.active.iter().enumerate() {
            if det_of_track[i].is_some() {
                continue;
            }
            let o = t.last_visible().unwrap();
            // Compare with the track's typical view (the last may be a sliver).
            let Some((typical, full)) = t.typical() else {
                continue;
            };
            for (j, d) in dets.iter().enumerate() {
                if track_of_det[j].is_some() || remnant(i, d) {
                    continue;
                }
                let cd = colour_dist(
                    if t.lost == 0 {
                        o.colour
                    } else {
                        typical.colour
                    },
                    d.colour,
                );
                let (_, pcx, pcy) = preds[i];
                let dist = ((d.cx - pcx).powi(2) + (d.cy - pcy).powi(2)).sqrt();
                let size = full.sqrt().max(4.0);
                // A same-frame link (a jump) needs a near-identical look and stays within a few
                // sizes; after an occlusion the object re-emerges as a growing sliver.
                let ok = if t.lost == 0 {
                    let ratio = d.area / o.area.max(1.0);
                    cd < 0.6 * self.cfg.track_reid_colour
                        && (0.75..1.33).contains(&ratio)
                        && dist < 6.0 * size
                } else {
                    let ratio = d.area / full.max(1.0);
                    cd < self.cfg.track_reid_colour
                        && (0.1..2.0).contains(&ratio)
                        && dist < (2.0 + 0.5 * t.lost as f64) * size
                };
                if ok {
                    pairs.push(((cd * 1000.0) as i64, i, j));
                }
            }
        }
        pairs.sort();
        let mut jumped = vec![false; nt];
        for (_, i, j) in pairs {
            if det_of_track[i].is_none() && track_of_det[j].is_none() {
                det_of_track[i] = Some(j);
                track_of_det[j] = Some(i);
                jumped[i] = self.active[i].lost == 0;
            }
        }
        // Stage 3: two objects of clearly different colours seen as one blob (one coming out
        // from behind something as another goes in, or two crossing). A track left without a
        // blob, whose predicted box touches a blob another track took and whose look is far from
        // that track's, takes the blob's pixels nearer its own colour when they make a piece of
        // its colour, and the other track keeps the rest.
        for i in 0..nt {
            if det_of_track[i].is_some() {
                continue;
            }
            let Some((ci, full_i)) = typicals[i] else {
                continue;
            };
            if self.active[i].visible().count() < 2 * self.cfg.track_min_seen {
                continue;
            }
            let (pb, _, _) = preds[i];
            let reach = grown(pb, 0.5);
            let Some(j) = (0..nd)
                .find(|&j| track_of_det[j].is_some() && intersection(reach, dets[j].bbox()) > 0.0)
            else {
                continue;
            };
            let k = track_of_det[j].expect("taken");
            let Some((ck, full_k)) = typicals[k] else {
                continue;
            };
            // A blob larger than the other object alone, and looks far apart.
            if colour_dist(ci, ck) < self.cfg.track_max_colour || dets[j].area < 1.2 * full_k {
                continue;
            }
            let min_area = self.min_area().max(0.2 * full_i.min(full_k));
            if let Some((mine, rest)) = segment::split_by_colour(bgr, &dets[j], ci, ck, min_area)? {
                let fits = |d: &Detection, c: [f64; 3]| {
                    colour_dist(d.colour, c) < self.cfg.track_reid_colour
                };
                if fits(&mine, ci) && fits(&rest, ck) {
                    dets[j] = rest;
                    dets.push(mine);
                    det_of_track[i] = Some(dets.len() - 1);
                    track_of_det.push(Some(i));
                }
            }
        }
        // Apply.
        // Silhouettes only of the blobs a track takes or starts with (each at most once).
        let silhouette_of = |j: usize| {
            let others: Vec<&Detection> = (0..dets.len())
                .filter(|&k| k != j)
                .map(|k| &dets[k])
                .collect();
            parts::silhouette(bgr, dets[j].rect, &others)
        };
        let mut settled = Vec::new();
        for i in 0..nt {
            match det_of_track[i] {
                Some(j) => {
                    let mut o = self.obs_of(&dets[j], frame);
                    o.jump = jumped[i];
                    let t = &self.active[i];
                    let sil = silhouette_of(j)?;
                    o.silhouette = sil.area as f64;
                    if let (Some((f, before)), Some(p)) =
                        (self.silhouettes.get(&t.id), t.last_visible())
                    {
                        if *f + 1 == frame && p.frame + 1 == frame && !p.traced {
                            let (lost, gained) =
                                parts::change(before, &sil, (o.cx - p.cx, o.cy - p.cy));
                            let area = o.silhouette.max(1.0);
                            (o.part_lost, o.part_gained) =
                                (lost as f64 / area, gained as f64 / area);
                        }
                    }
                    self.silhouettes.insert(t.id, (frame, sil));
                    Self::push_visible(&mut self.active[i], o);
                    let t = &self.active[i];
                    if self.cfg.track_backfill > 0
                        && !self.popped.contains(&t.id)
                        && self.settled_from_a_part(t, frame)
                    {
                        self.retraced.insert(t.id);
                        settled.push((t.id, backfill::Seed::of(bgr, &dets[j], frame)?));
                    }
                }
                None => {
                    let (pb, pcx, pcy) = preds[i];
                    let pred_edge = self.at_edge(pb);
                    let t = &mut self.active[i];
                    t.lost += 1;
                    let last = t.last_visible().unwrap().clone();
                    let out = pcx < 0.0
                        || pcy < 0.0
                        || pcx > self.size.0
                        || pcy > self.size.1
                        || (last.at_edge && pred_edge);
                    let state = if out
                        || pb[0] + pb[2] < 0.0
                        || pb[1] + pb[3] < 0.0
                        || pb[0] > self.size.0
                        || pb[1] > self.size.1
                    {
                        TrackState::Exited
                    } else {
                        TrackState::Occluded
                    };
                    t.obs.push(Obs {
                        frame,
                        state,
                        bbox: pb,
                        cx: pcx,
                        cy: pcy,
                        at_edge: pred_edge,
                        jump: false,
                        ..last
                    });
                }
            }
        }
        // New tracks from unmatched moving detections; ghosts (still, unmatched) go into the plate.
        for (j, d) in dets.iter().enumerate() {
            if track_of_det[j].is_some() {
                continue;
            }
            // A faint blob starts a track only where it parts from a tracked object (a ball
            // leaving the hand): alone it is too weak a sign that something is there.
            if d.faint && !self.beside_a_track(d, frame) {
                continue;
            }
            // Ghosts were removed by the segmenter: a still blob here is an object that appeared.
            if d.moving_frac >= self.cfg.track_min_moving || d.area >= 4.0 * self.min_area() {
                let id = self.next_id;
                self.next_id += 1;
                let popped = match prev {
                    Some(_) => Some(self.popped_in(bgr, prev, d, frame)?),
                    None => None,
                };
                if popped == Some(true) {
                    self.popped.push(id);
                } else if self.cfg.track_backfill > 0 && !d.faint {
                    self.seeds.insert(id, backfill::Seed::of(bgr, d, frame)?);
                }
                let mut o = self.obs_of(d, frame);
                let sil = silhouette_of(j)?;
                o.silhouette = sil.area as f64;
                self.silhouettes.insert(id, (frame, sil));
                self.active.push(Track {
                    id,
                    obs: vec![o],
                    lost: 0,
                    end: EndReason::VideoEnd,
                    born: frame,
                    cam_acc: [0.0; 2],
                    faint_birth: d.faint,
                    popped,
                });
            } else {
                self.seg.absorb(bgr, d.rect, &d.mask)?;
            }
        }
        self.merge_reappeared(frame);
        // Ghosts: blobs that never moved since birth are background the plate has not learnt yet
        // (a slow body's image changes under it: it is given [`GHOST_PATIENCE`] sightings).
        let mut ghosts = Vec::new();
        for (i, t) in self.active.iter().enumerate() {
            let Some(j) = det_of_track.get(i).copied().flatten() else {
                continue;
            };
            let seen = t.visible().count();
            if seen < 3 {
                continue;
            }
            // Travel in the image, and against the background (what the camera explains removed):
            // a blob that never moved by either measure is background.
            let (image, against) = (t.travel(false), t.travel(true));
            if t.moving_share() >= 0.3 || self.popped.contains(&t.id) {
                continue;
            }
            // Carried by the camera, a blob's outline jitters by a few px against the background:
            // it moved with the background if it strayed from it by at most a tenth of what the
            // camera carried it. Then only a blob of about its surroundings' colour is background
            // (a patch of texture the moving plate got wrong); an object standing still in the
            // scene stands out.
            let still = image.min(against) < 2.0;
            let carried = || -> opencv::Result<bool> {
                Ok(against < 2.0 + 0.1 * image
                    && colour_dist(dets[j].colour, segment::surround_colour(bgr, dets[j].rect)?)
                        < BACKGROUND_COLOUR)
            };
            if (still || carried()?)
                && (seen >= GHOST_PATIENCE || !self.slow_body(bgr, prev, &dets[j])?)
            {
                ghosts.push((i, j));
            }
        }
        for &(i, j) in ghosts.iter().rev() {
            self.absorbed.push((frame, dets[j].bbox()));
            self.seg.absorb(bgr, dets[j].rect, &dets[j].mask)?;
            self.active.remove(i);
        }
        // Retire tracks lost for too long (exited ones sooner).
        let max_lost = self.cfg.track_max_lost;
        let mut keep = Vec::new();
        for mut t in self.active.drain(..) {
            let exited = t.obs.last().is_some_and(|o| o.state == TrackState::Exited);
            if t.lost > max_lost || (exited && t.lost > 2) {
                // Drop the trailing predicted observations beyond the first lost frame.
                let first_lost = t.obs.len() - t.lost;
                t.obs.truncate(first_lost + 1);
                t.end = if exited {
                    EndReason::Exited
                } else {
                    EndReason::Lost
                };
                self.done.push(t);
            } else {
                keep.push(t);
            }
        }
        self.active = keep;
        self.absorbed.retain(|&(f, _)| f + GHOST_MEMORY > frame);
        self.history.push(frame, bgr, pair.camera, pair.scene_cut)?;
        self.trace_back(settled)?;
        self.prev_comparable = true;
        Ok(())
    }

    /// A young track (born within the last few frames, seen every frame) that now looks like a
    /// track lost behind something is that track re-emerging: its sightings move to the old track.
    fn merge_reappeared(&mut self, frame: usize) {
        const YOUNG: usize = 8;
        let mut merges = Vec::new();
        for (y, young) in self.active.iter().enumerate() {
            if frame - young.born > YOUNG || young.lost > 0 || young.obs.len() < 2 {
                continue;
            }
            let now = young.obs.last().unwrap();
            let mut best: Option<(f64, usize)> = None;
            for (o, old) in self.active.iter().enumerate() {
                if o == y
                    || old.lost == 0
                    || old.born >= young.born
                    || old
                        .obs
                        .last()
                        .is_some_and(|l| l.state == TrackState::Exited)
                {
                    continue;
                }
                let Some((typical, full)) = old.typical() else {
                    continue;
                };
                // Sightings of the old track since the young one's birth that are only a small
                // part of it were something else it passed (its shadow, a patch it crossed): the
                // young track may still be the object itself, and takes those frames over.
                let mut since = old.visible().filter(|o| o.frame >= young.born);
                if since.any(|o| o.area >= 0.5 * full) {
                    continue;
                }
                let Some(last) = old.visible().filter(|o| o.frame < young.born).last() else {
                    continue;
                };
                let (from, v) = old.coast();
                let gap = (young.born - last.frame) as f64;
                let ahead = (young.born - from.frame) as f64;
                let (px, py) = (from.cx + v[0] * ahead, from.cy + v[1] * ahead);
                let dist = ((now.cx - px).powi(2) + (now.cy - py).powi(2)).sqrt();
                let size = full.sqrt().max(4.0);
                let cd = colour_dist(now.colour, typical.colour);
                let ratio = now.area / full.max(1.0);
                if cd < self.cfg.track_reid_colour
                    && (0.3..2.0).contains(&ratio)
                    && dist < (2.0 + 0.5 * gap) * size
                    && best.is_none_or(|b| cd < b.0)
                {
                    best = Some((cd, o));
                }
            }
            if let Some((_, o)) = best {
                merges.push((y, o));
            }
        }
        // Apply from the highest young index so indices stay valid; each old track takes one young one.
        merges.sort_by_key(|m| std::cmp::Reverse(m.0));
        let mut taken = Vec::new();
        for (y, o) in merges {
            if taken.contains(&o) {
                continue;
            }
            taken.push(o);
            let young = self.active.remove(y);
            let o = if o > y { o - 1 } else { o };
            let old = &mut self.active[o];
            old.obs.retain(|ob| ob.frame < young.born);
            old.obs.extend(young.obs);
            old.lost = 0;
        }
    }

    /// Ends the video: every track, in id order, as segmented and with its traces (see
    /// [`Tracks`]).
    pub fn finish(mut self) -> Tracks {
        for mut t in self.active.drain(..) {
            let first_lost = t.obs.len() - t.lost;
            if t.lost > 0 {
                let exited = t.obs.last().is_some_and(|o| o.state == TrackState::Exited);
                t.end = if exited {
                    EndReason::Exited
                } else {
                    EndReason::Lost
                };
                t.obs.truncate(first_lost + 1);
            }
            self.done.push(t);
        }
        let mut all = self.done;
        // Tentative tracks (too few sightings) are noise.
        let min_seen = self.cfg.track_min_seen;
        all.retain(|t| t.visible().count() >= min_seen);
        all.sort_by_key(|t| t.id);
        let mut traced = all.clone();
        for trace in &self.traces {
            if let Some(t) = traced.iter_mut().find(|t| t.id == trace.id) {
                trace.apply(t, self.size);
            }
        }
        Tracks {
            segmented: all,
            traced,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opencv::core::{Rect, Scalar, CV_8UC1, CV_8UC3};
    use opencv::prelude::*;

    /// A 320x240 frame of hashed texture showing the scene moved by `shift` px.
    fn scene(shift: (i32, i32)) -> Mat {
        let (w, h) = (320, 240);
        let mut m = Mat::new_rows_cols_with_default(h, w, CV_8UC3, Scalar::all(0.0)).unwrap();
        let data = m.data_bytes_mut().unwrap();
        for y in 0..h {
            for x in 0..w {
                let (u, v) = ((x - shift.0) as i64, (y - shift.1) as i64);
                let val = ((u * 73_856_093) ^ (v * 19_349_663)).rem_euclid(251) as u8;
                data[3 * (y * w + x) as usize..][..3].fill(val);
            }
        }
        m
    }

    fn blob(rect: Rect) -> Detection {
        let mask =
            Mat::new_rows_cols_with_default(rect.height, rect.width, CV_8UC1, Scalar::all(255.0))
                .unwrap();
        Detection::of_mask(rect, mask, (rect.width * rect.height) as f64)
    }

    /// Under a moving camera, a blob's pixels are compared with where the camera brought them
    /// from: the same scene shifted by 3 px right and 2 px up shows no change, a square painted
    /// into the new frame does.
    #[test]
    fn the_image_under_a_blob_is_compared_across_the_cameras_motion() {
        let prev = scene((0, 0));
        let mut now = scene((3, -2));
        let d = blob(Rect::new(100, 80, 40, 30));
        let camera = CameraMotion {
            dx: 3.0,
            dy: -2.0,
            scale: 1.0,
            rotation: 0.0,
            inlier_frac: 1.0,
        };
        assert_eq!(moved_diff(&now, &prev, &d, &camera).unwrap(), 0.0);
        let still = CameraMotion {
            dx: 0.0,
            dy: 0.0,
            ..camera
        };
        assert!(moved_diff(&now, &prev, &d, &still).unwrap() > 40.0);
        opencv::imgproc::rectangle(
            &mut now,
            Rect::new(100, 80, 40, 30),
            Scalar::new(0.0, 0.0, 255.0, 0.0),
            -1,
            opencv::imgproc::LINE_8,
            0,
        )
        .unwrap();
        assert!(moved_diff(&now, &prev, &d, &camera).unwrap() > 60.0);
    }

    /// The textured scene with a flat red box (40 x 30 px) at `x`.
    fn with_box(x: i32) -> Mat {
        let mut m = scene((0, 0));
        opencv::imgproc::rectangle(
            &mut m,
            Rect::new(x, 100, 40, 30),
            Scalar::new(0.0, 0.0, 255.0, 0.0),
            -1,
            opencv::imgproc::LINE_8,
            0,
        )
        .unwrap();
        m
    }

    /// A still blob over a flat box that crept 2 px since the frame before may be a slow body;
    /// one whose image did not change is a ghost, and so are a blob with fast pixels inside, a
    /// small one and one with no comparable frame before.
    #[test]
    fn a_still_blob_whose_image_changes_may_be_a_slow_body() {
        let tracker = Tracker::new(&Config::default(), 320, 240, None).unwrap();
        let (before, now) = (with_box(100), with_box(102));
        let d = blob(Rect::new(100, 100, 42, 30));
        let still = Some((&before, None));
        assert!(tracker.slow_body(&now, still, &d).unwrap());
        assert!(!tracker
            .slow_body(&before, Some((&before, None)), &d)
            .unwrap());
        let mut fast = d.clone();
        fast.moving_frac = 0.5;
        assert!(!tracker.slow_body(&now, still, &fast).unwrap());
        let small = blob(Rect::new(100, 100, 12, 12));
        assert!(!tracker.slow_body(&now, still, &small).unwrap());
        assert!(!tracker.slow_body(&now, None, &d).unwrap());
    }
}
