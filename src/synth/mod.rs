//! Synth: renders short labelled clips with known physics and known injected artifacts.
//!
//! Takes a seed and a suite description; gives H.264 MP4 clips, `labels.csv` (one row per clip:
//! clean, or the artifact kind, family, object, frame range and box) and `objects.csv` (per frame
//! and object: the true visible box, centroid and area after occluders and frame edges), the
//! yardstick [`crate::eval`] scores scans against. Deterministic for a seed.

pub mod encode;
pub mod scene;

use crate::error::{Error, Result};
use opencv::core::{Mat, Scalar, Size, Vector};
use opencv::prelude::*;
use opencv::{imgcodecs, imgproc, videoio};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use scene::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Artifact kinds and their families (names are part of the output contract).
pub const KINDS: &[(&str, &str)] = &[
    ("morph", "morphing"),
    ("part_loss", "missing_limbs"),
    ("part_gain", "missing_limbs"),
    ("vanish", "object_permanence"),
    ("appear", "object_permanence"),
    ("teleport", "implausible_motion"),
    ("hover", "implausible_motion"),
    ("antigravity", "implausible_motion"),
    ("bounce_gain", "implausible_motion"),
    ("speed_jump", "implausible_motion"),
];

/// Clean scenarios, each built around one legitimate confounder.
pub const CONFOUNDERS: &[&str] = &["occluder", "edge_exit", "camera", "limbs", "bounce", "cut"];

/// Family of a kind.
pub fn family_of(kind: &str) -> Option<&'static str> {
    KINDS.iter().find(|(k, _)| *k == kind).map(|(_, f)| *f)
}

/// Suite description (the default lives in datasets/synth_suite.json).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SuiteSpec {
    /// Number of clips.
    pub count: usize,
    /// Seed.
    pub seed: u64,
    /// Frames per clip: (min, max).
    pub frames: (usize, usize),
    /// Frame sizes drawn from, (width, height).
    pub sizes: Vec<(i32, i32)>,
    /// Frame rate.
    pub fps: f64,
}

impl Default for SuiteSpec {
    fn default() -> Self {
        SuiteSpec {
            count: 32,
            seed: 1,
            frames: (48, 96),
            sizes: vec![(320, 240), (480, 270), (640, 360)],
            fps: 24.0,
        }
    }
}

/// One row of labels.csv.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LabelRow {
    /// Clip file name.
    pub clip: String,
    /// `clean` or `artifact`.
    pub label: String,
    /// Artifact kind (for clean clips: the confounder, e.g. `occluder`).
    pub kind: String,
    /// Artifact family (empty for clean clips).
    pub family: String,
    /// Labelled object (0 for clean clips).
    pub object_id: u32,
    /// First artifact frame.
    pub frame_start: usize,
    /// Last artifact frame.
    pub frame_end: usize,
    /// Box at frame_start (video px).
    pub x: f64,
    /// See `x`.
    pub y: f64,
    /// See `x`.
    pub w: f64,
    /// See `x`.
    pub h: f64,
}

/// One row of objects.csv: the true visible extent of one object in one frame.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ObjectRow {
    /// Clip file name.
    pub clip: String,
    /// Frame.
    pub frame: usize,
    /// Object id.
    pub object_id: u32,
    /// Visible pixels (after occluders and frame edges).
    pub area: f64,
    /// Visible box (video px).
    pub x: f64,
    /// See `x`.
    pub y: f64,
    /// See `x`.
    pub w: f64,
    /// See `x`.
    pub h: f64,
    /// Visible centroid (video px).
    pub cx: f64,
    /// See `cx`.
    pub cy: f64,
}

/// An occluder: centre, half extents (world px), BGR colour.
type Occluder = ((f64, f64), (f64, f64), [f64; 3]);

struct Shot {
    bg: Mat,
    camera: Camera,
    objects: Vec<Object>,
    occluders: Vec<Occluder>,
}

struct Plan {
    shots: Vec<(usize, Shot)>,
    label: LabelRow,
    noise: f64,
    blur: bool,
    jpeg: Option<i32>,
}

fn colour(rng: &mut ChaCha8Rng) -> [f64; 3] {
    let mut c = [0.0; 3];
    let hi = rng.gen_range(0..3);
    for (i, v) in c.iter_mut().enumerate() {
        *v = if i == hi {
            rng.gen_range(200.0..255.0)
        } else {
            rng.gen_range(0.0..90.0)
        };
    }
    c
}

/// A saturated colour at least 140 (L1, grey levels) away from each of `avoid`.
fn colour_against(rng: &mut ChaCha8Rng, avoid: &[[f64; 3]]) -> [f64; 3] {
    let mut c = colour(rng);
    let luma = |v: [f64; 3]| 0.114 * v[0] + 0.587 * v[1] + 0.299 * v[2];
    for _ in 0..64 {
        let apart = |a: &[f64; 3]| {
            let d: f64 = (0..3).map(|i| (c[i] - a[i]).abs()).sum();
            d > 140.0 && (luma(c) - luma(*a)).abs() > 25.0
        };
        if avoid.iter().all(apart) {
            break;
        }
        c = colour(rng);
    }
    c
}

struct World {
    w: i32,
    h: i32,
    m: f64,
    frames: usize,
    ph: Physics,
    bg_mean: [f64; 3],
}

impl World {
    fn camera(&self, rng: &mut ChaCha8Rng, moving: bool) -> Camera {
        let (cx0, cy0) = (self.m + self.w as f64 / 2.0, self.m + self.h as f64 / 2.0);
        let mode = if moving { rng.gen_range(1..4) } else { 0 };
        let pan = (
            rng.gen_range(1.0..2.5) * if rng.gen_bool(0.5) { 1.0 } else { -1.0 },
            rng.gen_range(-0.5..0.5),
        );
        let rate: f64 = rng.gen_range(0.002..0.005);
        let mut cam = Camera {
            cx: vec![],
            cy: vec![],
            zoom: vec![],
            view: (self.w, self.h),
        };
        for t in 0..self.frames {
            let tf = t as f64;
            let (mut x, mut y, mut z) = (cx0, cy0, 1.0);
            match mode {
                1 => {
                    x += (pan.0 * tf).clamp(-self.m * 0.9, self.m * 0.9);
                    y += (pan.1 * tf).clamp(-self.m * 0.9, self.m * 0.9);
                }
                2 => z = (1.0 + rate).powf(tf),
                3 => {
                    x += rng.gen_range(-1.5..1.5);
                    y += rng.gen_range(-1.5..1.5);
                }
                _ => {}
            }
            cam.cx.push(x);
            cam.cy.push(y);
            cam.zoom.push(z);
        }
        cam
    }

    fn object(
        &self,
        rng: &mut ChaCha8Rng,
        id: u32,
        body_kind: usize,
        art: Option<MotionArtifact>,
        walls: bool,
    ) -> (Object, SimLog, (f64, f64, f64, f64), f64) {
        let h = self.h as f64;
        let (l, r) = (self.ph.left, self.ph.right);
        let dir = if rng.gen_bool(0.5) { 1.0 } else { -1.0 };
        let (body, motion, start, e) = match body_kind {
            0 => {
                let rad = h * rng.gen_range(0.05..0.08);
                let st = (
                    rng.gen_range(l + 2.0 * rad..r - 2.0 * rad),
                    self.m + h * rng.gen_range(0.15..0.45),
                    dir * rng.gen_range(1.0..3.0),
                    rng.gen_range(-4.0..0.0),
                );
                (
                    Body::Ball(rad),
                    Motion::Ballistic,
                    st,
                    rng.gen_range(0.6..0.85),
                )
            }
            1 => {
                let hw = h * rng.gen_range(0.06..0.1);
                let st = (
                    rng.gen_range(l + hw..r - hw),
                    0.0,
                    dir * rng.gen_range(2.5..4.0),
                    0.0,
                );
                (
                    Body::Block(hw, hw * rng.gen_range(0.5..0.9)),
                    Motion::Slide,
                    st,
                    0.0,
                )
            }
            2 => {
                let hh = h * rng.gen_range(0.3..0.42);
                let st = (
                    rng.gen_range(l + 0.3 * hh..r - 0.3 * hh),
                    0.0,
                    dir * rng.gen_range(0.6..1.5),
                    0.0,
                );
                (Body::Humanoid(hh), Motion::Walk, st, 0.0)
            }
            _ => {
                let bl = h * rng.gen_range(0.22..0.32);
                let st = (
                    rng.gen_range(l + 0.7 * bl..r - 0.7 * bl),
                    0.0,
                    dir * rng.gen_range(0.8..1.8),
                    0.0,
                );
                (Body::Quadruped(bl), Motion::Walk, st, 0.0)
            }
        };
        let (states, log) = simulate(motion, body, start, self.frames, &self.ph, e, walls, art);
        (
            Object {
                id,
                body,
                motion,
                colour: colour_against(rng, &[self.bg_mean]),
                states,
                alters: vec![],
            },
            log,
            start,
            e,
        )
    }

    fn resim(
        &self,
        o: &mut Object,
        start: (f64, f64, f64, f64),
        e: f64,
        walls: bool,
        art: MotionArtifact,
    ) -> SimLog {
        let (states, log) = simulate(
            o.motion,
            o.body,
            start,
            self.frames,
            &self.ph,
            e,
            walls,
            Some(art),
        );
        o.states = states;
        log
    }
}

fn view_box(cam: &Camera, t: usize, prims: &[Prim]) -> (f64, f64, f64, f64) {
    let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
    let mut add = |p: (f64, f64), r: f64| {
        let v = cam.to_view(t, p);
        let r = r * cam.zoom[t];
        x0 = x0.min(v.0 - r);
        y0 = y0.min(v.1 - r);
        x1 = x1.max(v.0 + r);
        y1 = y1.max(v.1 + r);
    };
    for p in prims {
        match *p {
            Prim::Disc(c, r) => add(c, r),
            Prim::Capsule(a, b, th) => {
                add(a, th / 2.0);
                add(b, th / 2.0);
            }
            Prim::Rect(c, (hw, hh)) => {
                add((c.0 - hw, c.1 - hh), 0.0);
                add((c.0 + hw, c.1 + hh), 0.0);
            }
        }
    }
    (x0, y0, x1 - x0, y1 - y0)
}

/// True when the object's box at t is inside the view with `margin` px to spare.
fn well_inside(cam: &Camera, o: &Object, t: usize, margin: f64) -> bool {
    let (x, y, w, h) = view_box(cam, t, &o.prims(t));
    x > margin
        && y > margin
        && x + w < cam.view.0 as f64 - margin
        && y + h < cam.view.1 as f64 - margin
}

fn plan_clip(
    rng: &mut ChaCha8Rng,
    scenario: usize,
    frames: usize,
    size: (i32, i32),
    bg_frames: &[Mat],
) -> opencv::Result<Plan> {
    let (w, h) = size;
    let m = (w.max(h) / 4) as f64;
    let (ww, wh) = (w + 2 * m as i32, h + 2 * m as i32);
    let make_bg = |rng: &mut ChaCha8Rng| -> opencv::Result<Mat> {
        if bg_frames.is_empty() {
            background(rng, ww, wh)
        } else {
            let src = &bg_frames[rng.gen_range(0..bg_frames.len())];
            let mut o = Mat::default();
            imgproc::resize(
                src,
                &mut o,
                Size::new(ww, wh),
                0.0,
                0.0,
                imgproc::INTER_LINEAR,
            )?;
            Ok(o)
        }
    };
    let n_conf = CONFOUNDERS.len();
    let mut label = LabelRow {
        label: "clean".into(),
        ..Default::default()
    };
    let mut shots = Vec::new();
    let moving_cam = if scenario < n_conf {
        scenario == 2
    } else {
        rng.gen_bool(0.25)
    };
    let bg = make_bg(rng)?;
    let mean = opencv::core::mean(&bg, &opencv::core::no_array())?;
    let world = World {
        w,
        h,
        m,
        frames,
        ph: Physics {
            g: h as f64 * rng.gen_range(0.0018..0.0028),
            floor: m + h as f64 * 0.9,
            left: m + 4.0,
            right: m + w as f64 - 4.0,
        },
        bg_mean: [mean[0], mean[1], mean[2]],
    };
    let camera = world.camera(rng, moving_cam);
    let mut objects = Vec::new();
    let mut occluders = Vec::new();
    let extra = |rng: &mut ChaCha8Rng, objects: &mut Vec<Object>, n: usize| {
        for _ in 0..n {
            let id = objects.len() as u32 + 1;
            let kind = rng.gen_range(0..4);
            objects.push(world.object(rng, id, kind, None, true).0);
        }
    };
    if scenario < n_conf {
        label.kind = CONFOUNDERS[scenario].into();
        label.frame_end = frames - 1;
        match CONFOUNDERS[scenario] {
            "occluder" => {
                let kind = 2 + rng.gen_range(0..2);
                let (mut o, _, _, _) = world.object(rng, 1, kind, None, false);
                // Start left of centre moving right so it crosses the pillar mid-clip.
                let start_x = world.m + w as f64 * 0.15;
                let speed = (w as f64 * 0.7) / frames as f64 * 1.2;
                let start = (start_x, 0.0, speed.max(1.2), 0.0);
                o.states = simulate(o.motion, o.body, start, frames, &world.ph, 0.0, false, None).0;
                let half_w = match o.body {
                    Body::Humanoid(hh) => 0.3 * hh,
                    Body::Quadruped(l) => 0.65 * l,
                    Body::Block(hw, _) => hw,
                    Body::Ball(r) => r,
                };
                let pw = half_w * 1.15 + 4.0;
                let px = world.m + w as f64 * 0.5;
                occluders.push((
                    (px, world.m + h as f64 * 0.5),
                    (pw, h as f64 * 0.6),
                    [30.0, 30.0, 30.0],
                ));
                objects.push(o);
                let n = rng.gen_range(0..2);
                extra(rng, &mut objects, n);
            }
            "edge_exit" => {
                let kind = rng.gen_range(0..4);
                let (o, _, _, _) = world.object(rng, 1, kind, None, false);
                let mut o = o;
                let dir = if o.states[1].x > o.states[0].x {
                    1.0
                } else {
                    -1.0
                };
                let speed = w as f64 / frames as f64 * 1.3;
                let start = (
                    world.m + w as f64 * if dir > 0.0 { 0.6 } else { 0.4 },
                    o.states[0].y,
                    dir * speed,
                    -1.0,
                );
                o.states = simulate(o.motion, o.body, start, frames, &world.ph, 0.7, false, None).0;
                objects.push(o);
                let n = rng.gen_range(0..2);
                extra(rng, &mut objects, n);
            }
            "limbs" => {
                let id = 1;
                let k = 2 + rng.gen_range(0..2);
                let (o, ..) = world.object(rng, id, k, None, true);
                objects.push(o);
                if rng.gen_bool(0.5) {
                    let k = 2 + rng.gen_range(0..2);
                    let (o, ..) = world.object(rng, 2, k, None, true);
                    objects.push(o);
                }
            }
            "bounce" => {
                let (o, ..) = world.object(rng, 1, 0, None, true);
                objects.push(o);
                if rng.gen_bool(0.5) {
                    let (o, ..) = world.object(rng, 2, 0, None, true);
                    objects.push(o);
                }
            }
            _ => {
                let n = rng.gen_range(1..4);
                extra(rng, &mut objects, n)
            }
        }
    } else {
        let kind = KINDS[scenario - n_conf].0;
        label.label = "artifact".into();
        label.kind = kind.into();
        label.family = family_of(kind).unwrap_or_default().into();
        label.object_id = 1;
        let body_kind = match kind {
            "part_loss" | "part_gain" => 2 + rng.gen_range(0..2),
            "hover" | "antigravity" | "bounce_gain" => 0,
            "speed_jump" => rng.gen_range(0..2),
            _ => rng.gen_range(0..4),
        };
        let walls = true;
        let mut tries = 0;
        let (target, s, e) = loop {
            tries += 1;
            let (mut o, log, start, rest) = world.object(rng, 1, body_kind, None, walls);
            let lo = frames / 4;
            let hi = frames * 2 / 3;
            let s = rng.gen_range(lo..hi);
            // Well inside the view; after many tries (a body tall for the frame), just inside.
            let inset = if tries <= 100 { 0.3 } else { 0.0 };
            let ok_place = |o: &Object, t: usize| well_inside(&camera, o, t, o.size() * inset);
            let placed: Option<(usize, usize)> = match kind {
                "morph" => {
                    let a = match rng.gen_range(0..3) {
                        0 => Alter::Grow(
                            s,
                            if rng.gen_bool(0.5) {
                                rng.gen_range(1.5..1.8)
                            } else {
                                0.55
                            },
                        ),
                        1 => Alter::Reshape(s),
                        _ => Alter::Recolour(s, colour_against(rng, &[o.colour, world.bg_mean])),
                    };
                    o.alters.push(a);
                    ok_place(&o, s).then_some((s, s + 3))
                }
                "part_loss" => {
                    let limb = rng.gen_range(0..o.limb_count());
                    let end = if rng.gen_bool(0.5) {
                        frames - 1
                    } else {
                        (s + rng.gen_range(8..16)).min(frames - 1)
                    };
                    o.alters.push(Alter::DropLimb(limb, s, end));
                    ok_place(&o, s).then_some((s, end))
                }
                "part_gain" => {
                    o.alters.push(Alter::ExtraLimb(s));
                    ok_place(&o, s).then_some((s, s + 3))
                }
                "vanish" => {
                    o.alters.push(Alter::VanishAt(s));
                    ok_place(&o, s).then_some((s, s))
                }
                "appear" => {
                    o.alters.push(Alter::AppearAt(s));
                    ok_place(&o, s).then_some((s, s))
                }
                "teleport" => {
                    let st = o.states[s];
                    let c = camera.to_view(s, (st.x, st.y));
                    let d = o.size() * rng.gen_range(2.0..3.0) + 20.0;
                    let dx = if c.0 < w as f64 / 2.0 { d } else { -d };
                    let dy = if o.motion == Motion::Ballistic {
                        rng.gen_range(-0.3..0.3) * d
                    } else {
                        0.0
                    };
                    world.resim(
                        &mut o,
                        start,
                        rest,
                        walls,
                        MotionArtifact::Teleport(s, dx, dy),
                    );
                    (ok_place(&o, s) && ok_place(&o, s - 1)).then_some((s, s))
                }
                "hover" => {
                    let s2 = (lo..hi).find(|&t| {
                        let v = o.states[t + 1].y - o.states[t].y;
                        v > 1.0 && o.states[t].y < world.ph.floor - o.size() * 1.5
                    });
                    s2.and_then(|s| {
                        let n = rng.gen_range(8..14);
                        world.resim(&mut o, start, rest, walls, MotionArtifact::Hover(s, s + n));
                        ok_place(&o, s).then_some((s, s + n))
                    })
                }
                "antigravity" => {
                    let s2 = (lo..hi).find(|&t| o.states[t].y < world.ph.floor - o.size() * 2.0);
                    s2.and_then(|s| {
                        let n = rng.gen_range(10..15);
                        world.resim(
                            &mut o,
                            start,
                            rest,
                            walls,
                            MotionArtifact::Antigravity(s, s + n, rng.gen_range(0.7..1.0)),
                        );
                        (ok_place(&o, s) && ok_place(&o, s + n / 2)).then_some((s, s + n))
                    })
                }
                "bounce_gain" => {
                    let b = log
                        .bounces
                        .iter()
                        .copied()
                        .find(|&b| b >= frames / 5 && b <= frames * 3 / 4);
                    b.and_then(|b| {
                        world.resim(
                            &mut o,
                            start,
                            rest,
                            walls,
                            MotionArtifact::BounceGain(b - 1, rng.gen_range(1.35..1.6)),
                        );
                        (b + 8 < frames && ok_place(&o, b)).then_some((b, (b + 12).min(frames - 1)))
                    })
                }
                _ => {
                    // speed_jump: while moving, far from the side walls (on the floor or not).
                    let s2 = (lo..hi).find(|&t| {
                        let v = (o.states[t + 1].x - o.states[t].x).abs();
                        let (x, _, bw, _) = view_box(&camera, t, &o.prims(t));
                        let margin = o.size() * 2.0;
                        v > 0.8
                            && x > margin
                            && x + bw < camera.view.0 as f64 - margin
                            && well_inside(&camera, &o, t, o.size() * 0.3)
                    });
                    s2.and_then(|s| {
                        world.resim(
                            &mut o,
                            start,
                            rest,
                            walls,
                            MotionArtifact::SpeedJump(s, rng.gen_range(2.8..3.8)),
                        );
                        ok_place(&o, s).then_some((s, s))
                    })
                }
            };
            if let Some((s, e)) = placed {
                break (o, s, e.min(frames - 1));
            }
            if tries > 200 {
                eprintln!("physlint synth: warning: no place found for a {kind} artifact; its clip is rendered without it");
                break (o, s, s);
            }
        };
        let bx = view_box(&camera, s, &target.prims(s));
        label.frame_start = s;
        label.frame_end = e;
        (label.x, label.y, label.w, label.h) =
            (bx.0.round(), bx.1.round(), bx.2.round(), bx.3.round());
        objects.push(target);
        // Other objects keep away from the artifact's place and time.
        for _ in 0..rng.gen_range(0..2) {
            let id = objects.len() as u32 + 1;
            for _ in 0..50 {
                let k = rng.gen_range(0..4);
                let (o, ..) = world.object(rng, id, k, None, true);
                let far = (s.saturating_sub(6)..(e + 6).min(frames)).all(|t| {
                    let a = view_box(&camera, t, &o.prims(t));
                    (a.0 + a.2 / 2.0 - bx.0 - bx.2 / 2.0).abs() > (a.2 + bx.2) * 0.8 + 10.0
                });
                if far {
                    objects.push(o);
                    break;
                }
            }
        }
    }
    let cut = (scenario < n_conf && CONFOUNDERS[scenario] == "cut")
        .then(|| rng.gen_range(frames / 3..frames * 2 / 3));
    shots.push((
        0,
        Shot {
            bg,
            camera,
            objects,
            occluders,
        },
    ));
    if let Some(c) = cut {
        let moving = rng.gen_bool(0.3);
        let camera = world.camera(rng, moving);
        let bg = make_bg(rng)?;
        let mut objects = Vec::new();
        for i in 0..rng.gen_range(1..3) {
            let k = rng.gen_range(0..4);
            let (o, ..) = world.object(rng, 101 + i, k, None, true);
            objects.push(o);
        }
        shots.push((
            c,
            Shot {
                bg,
                camera,
                objects,
                occluders: vec![],
            },
        ));
        label.frame_start = c;
        label.frame_end = c;
    }
    Ok(Plan {
        shots,
        label,
        noise: rng.gen_range(0.0..4.0),
        blur: rng.gen_bool(0.3),
        jpeg: rng.gen_bool(0.4).then(|| rng.gen_range(35..85)),
    })
}

fn scalar(c: [f64; 3]) -> Scalar {
    Scalar::new(c[0], c[1], c[2], 0.0)
}

fn render(
    plan: &Plan,
    t: usize,
    rng: &mut ChaCha8Rng,
    clip: &str,
    gt: &mut Vec<ObjectRow>,
) -> opencv::Result<Mat> {
    let (_, shot) = plan
        .shots
        .iter()
        .rev()
        .find(|(start, _)| *start <= t)
        .expect("first shot starts at 0");
    let cam = &shot.camera;
    let mut img = Mat::default();
    imgproc::warp_affine(
        &shot.bg,
        &mut img,
        &cam.matrix(t)?,
        Size::new(cam.view.0, cam.view.1),
        imgproc::INTER_LINEAR,
        opencv::core::BORDER_REFLECT,
        Scalar::default(),
    )?;
    let occ_prims: Vec<Prim> = shot
        .occluders
        .iter()
        .map(|(c, e, _)| Prim::Rect(*c, *e))
        .collect();
    let mut occ_mask = blank_mask(cam.view)?;
    draw(&mut occ_mask, cam, t, &occ_prims, Scalar::all(255.0), false)?;
    for o in &shot.objects {
        if !o.drawn(t) {
            continue;
        }
        let prims = o.prims(t);
        draw(&mut img, cam, t, &prims, scalar(o.colour_at(t)), true)?;
        // Ground truth: visible pixels of this object.
        let mut mask = blank_mask(cam.view)?;
        draw(&mut mask, cam, t, &prims, Scalar::all(255.0), false)?;
        let mut vis = Mat::default();
        opencv::core::subtract(&mask, &occ_mask, &mut vis, &opencv::core::no_array(), -1)?;
        let mo = imgproc::moments(&vis, true)?;
        if mo.m00 > 0.0 {
            let r = imgproc::bounding_rect(&vis)?;
            gt.push(ObjectRow {
                clip: clip.into(),
                frame: t,
                object_id: o.id,
                area: mo.m00,
                x: r.x as f64,
                y: r.y as f64,
                w: r.width as f64,
                h: r.height as f64,
                cx: crate::results::r4(mo.m10 / mo.m00),
                cy: crate::results::r4(mo.m01 / mo.m00),
            });
        }
    }
    for (c, e, col) in &shot.occluders {
        draw(&mut img, cam, t, &[Prim::Rect(*c, *e)], scalar(*col), false)?;
        // A few stripes so the occluder has texture.
        let stripes: Vec<Prim> = (0..4)
            .map(|i| Prim::Rect((c.0, c.1 - e.1 + (i as f64 + 0.5) * e.1 / 2.0), (e.0, 2.0)))
            .collect();
        draw(
            &mut img,
            cam,
            t,
            &stripes,
            Scalar::new(90.0, 90.0, 90.0, 0.0),
            false,
        )?;
    }
    if plan.blur {
        let mut o = Mat::default();
        imgproc::gaussian_blur_def(&img, &mut o, Size::new(3, 3), 0.0)?;
        img = o;
    }
    if plan.noise > 0.3 {
        let bytes = img.data_bytes_mut()?;
        for b in bytes.iter_mut() {
            let n: f64 = rng.gen_range(-1.7..1.7) * plan.noise;
            *b = (*b as f64 + n).clamp(0.0, 255.0) as u8;
        }
    }
    if let Some(q) = plan.jpeg {
        let mut buf = Vector::<u8>::new();
        let params = Vector::from_slice(&[imgcodecs::IMWRITE_JPEG_QUALITY, q]);
        imgcodecs::imencode(".jpg", &img, &mut buf, &params)?;
        img = imgcodecs::imdecode(&buf, imgcodecs::IMREAD_COLOR)?;
    }
    Ok(img)
}

/// Options of `physlint synth`.
#[derive(Debug, Clone)]
pub struct SynthOptions {
    /// Output folder.
    pub out: PathBuf,
    /// Suite description.
    pub spec: SuiteSpec,
    /// Optional clip whose frames become backgrounds.
    pub background: Option<PathBuf>,
    /// Render only these clips of the suite (indices below `spec.count`), each exactly as the
    /// whole suite renders it; None renders them all.
    pub only: Option<Vec<usize>>,
}

fn load_background(path: &Path) -> Result<Vec<Mat>> {
    let name = path
        .to_str()
        .ok_or_else(|| Error::input(path, "path is not valid UTF-8"))?;
    let mut cap = videoio::VideoCapture::from_file(name, videoio::CAP_FFMPEG)
        .map_err(|e| Error::input(path, e.message))?;
    let mut out = Vec::new();
    let mut m = Mat::default();
    while out.len() < 64 && cap.read(&mut m).unwrap_or(false) && !m.empty() {
        out.push(m.clone());
    }
    if out.is_empty() {
        return Err(Error::input(path, "no decodable frames for --background"));
    }
    Ok(out)
}

/// Renders one clip to `path`, returning its label and per-frame object truth.
pub fn render_clip(
    path: &Path,
    spec: &SuiteSpec,
    index: usize,
    bg_frames: &[Mat],
    use_ffmpeg: bool,
) -> Result<(LabelRow, Vec<ObjectRow>)> {
    let mut rng =
        ChaCha8Rng::seed_from_u64(spec.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ index as u64);
    let scenario = index % (CONFOUNDERS.len() + KINDS.len());
    let frames = rng.gen_range(spec.frames.0..=spec.frames.1.max(spec.frames.0));
    let size = spec.sizes[rng.gen_range(0..spec.sizes.len())];
    let plan = plan_clip(&mut rng, scenario, frames, size, bg_frames)?;
    let clip = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let tmp = path.with_extension("tmp.mp4");
    let mut wr = encode::ClipEncoder::open(&tmp, size, spec.fps, use_ffmpeg)?;
    let mut gt = Vec::new();
    for t in 0..frames {
        let img = render(&plan, t, &mut rng, &clip, &mut gt)?;
        wr.write(&img)?;
    }
    wr.finish()?;
    std::fs::rename(&tmp, path).map_err(|e| Error::Output {
        path: path.into(),
        cause: e.to_string(),
    })?;
    let mut label = plan.label;
    label.clip = clip;
    Ok((label, gt))
}

/// OpenCV fills its bilinear-interpolation tables lazily and without a lock; a first use from two
/// threads at once can read a half-filled table. One warp before the parallel section avoids it.
fn warm_up_interpolation_tables() -> Result<()> {
    let src = Mat::new_rows_cols_with_default(8, 8, opencv::core::CV_8UC3, Scalar::all(1.0))?;
    let m = Mat::from_slice_2d(&[[1.0, 0.0, 0.5], [0.0, 1.0, 0.5]])?;
    let mut dst = Mat::default();
    imgproc::warp_affine(
        &src,
        &mut dst,
        &m,
        Size::new(8, 8),
        imgproc::INTER_LINEAR,
        opencv::core::BORDER_REFLECT,
        Scalar::default(),
    )?;
    Ok(())
}

/// Renders the whole suite into `opts.out` (clips in parallel), then writes labels.csv and objects.csv.
pub fn generate(opts: &SynthOptions) -> Result<Vec<LabelRow>> {
    std::fs::create_dir_all(&opts.out).map_err(|e| Error::Output {
        path: opts.out.clone(),
        cause: e.to_string(),
    })?;
    opencv::core::set_num_threads(1).ok();
    warm_up_interpolation_tables()?;
    let use_ffmpeg = encode::ffmpeg_available();
    if !use_ffmpeg {
        eprintln!(
            "physlint synth: no ffmpeg with libx264 on PATH; encoding with OpenCV's VideoWriter \
             (valid clips, but bytes may differ from run to run)"
        );
        // One x264 thread narrows (does not close) OpenCV's run-to-run differences.
        if std::env::var_os("OPENCV_FFMPEG_WRITER_OPTIONS").is_none() {
            std::env::set_var(
                "OPENCV_FFMPEG_WRITER_OPTIONS",
                "threads;1|x264-params;threads=1:lookahead-threads=1:sliced-threads=0",
            );
        }
    }
    let bg = match &opts.background {
        Some(p) => load_background(p)?,
        None => Vec::new(),
    };
    let n_scen = CONFOUNDERS.len() + KINDS.len();
    // Each clip has its own seeded RNG and its own encoder, so clips render in parallel; with
    // OpenCV's writer they render one after another (its bytes depended on timing).
    let render_one = |i: usize| {
        let scen = i % n_scen;
        let name = if scen < CONFOUNDERS.len() {
            format!("clean_{}", CONFOUNDERS[scen])
        } else {
            KINDS[scen - CONFOUNDERS.len()].0.to_string()
        };
        let path = opts.out.join(format!("clip_{i:04}_{name}.mp4"));
        render_clip(&path, &opts.spec, i, &bg, use_ffmpeg)
    };
    let indices: Vec<usize> = match &opts.only {
        Some(list) => list.clone(),
        None => (0..opts.spec.count).collect(),
    };
    let results: Vec<Result<(LabelRow, Vec<ObjectRow>)>> = if use_ffmpeg {
        use rayon::prelude::*;
        indices.into_par_iter().map(render_one).collect()
    } else {
        indices.into_iter().map(render_one).collect()
    };
    let mut labels = Vec::new();
    let mut objects = Vec::new();
    for r in results {
        let (l, o) = r?;
        labels.push(l);
        objects.extend(o);
    }
    let csv_labels = crate::report::csv::to_csv::<LabelRow>(&labels)?;
    crate::report::write_atomic(&opts.out.join("labels.csv"), &csv_labels)?;
    let csv_objects = crate::report::csv::to_csv::<ObjectRow>(&objects)?;
    crate::report::write_atomic(&opts.out.join("objects.csv"), &csv_objects)?;
    Ok(labels)
}
