//! Scene simulation and drawing: objects, their trajectories (with injected motion artifacts),
//! occluders, backgrounds and the camera.

use opencv::core::{Mat, Point, Scalar, Size, CV_8UC1};
use opencv::imgproc;
use opencv::prelude::*;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use std::f64::consts::PI;

/// Body plans.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Body {
    /// A ball of this radius (px).
    Ball(f64),
    /// A sliding block (half width, half height).
    Block(f64, f64),
    /// A capsule humanoid of this height (px).
    Humanoid(f64),
    /// A four-legged animal of this body length (px).
    Quadruped(f64),
}

/// How an object moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Motion {
    /// Free flight under gravity, bouncing on the floor.
    Ballistic,
    /// Sliding on the floor with friction.
    Slide,
    /// Walking at constant speed with a gait.
    Walk,
}

/// A drawing primitive in world coordinates.
#[derive(Debug, Clone, Copy)]
pub enum Prim {
    /// Filled circle (centre, radius).
    Disc((f64, f64), f64),
    /// Thick line with round caps (a, b, thickness).
    Capsule((f64, f64), (f64, f64), f64),
    /// Axis-aligned filled box (centre, half extents).
    Rect((f64, f64), (f64, f64)),
}

/// Object state at one frame.
#[derive(Debug, Clone, Copy)]
pub struct State {
    /// Position (world px): ball/block centre, humanoid hip, quadruped body centre.
    pub x: f64,
    /// See `x`.
    pub y: f64,
    /// Gait phase (rad).
    pub phase: f64,
    /// Facing / moving right.
    pub right: bool,
}

/// Render-time alterations (the artifacts that are not motion).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Alter {
    /// From `from` on, size × factor (ramps over 3 frames).
    Grow(usize, f64),
    /// From `from` on, a ball is drawn as a flat box, a block as a disc and an articulated body
    /// as a blob.
    Reshape(usize),
    /// From `from` on, the colour changes.
    Recolour(usize, [f64; 3]),
    /// Limb `index` not drawn in [from, to].
    DropLimb(usize, usize, usize),
    /// An extra limb drawn from `from` on.
    ExtraLimb(usize),
    /// Not drawn from `from` on.
    VanishAt(usize),
    /// Not drawn before `from`.
    AppearAt(usize),
}

/// A simulated object.
#[derive(Debug, Clone)]
pub struct Object {
    /// Id (unique in the clip).
    pub id: u32,
    /// Body plan.
    pub body: Body,
    /// How it moves.
    pub motion: Motion,
    /// BGR colour.
    pub colour: [f64; 3],
    /// State per frame.
    pub states: Vec<State>,
    /// Render-time alterations.
    pub alters: Vec<Alter>,
}

impl Object {
    /// Whether the object is drawn at frame `t`.
    pub fn drawn(&self, t: usize) -> bool {
        !self.alters.iter().any(|a| match *a {
            Alter::VanishAt(f) => t >= f,
            Alter::AppearAt(f) => t < f,
            _ => false,
        })
    }

    /// Primitives at frame `t` (world coordinates).
    pub fn prims(&self, t: usize) -> Vec<Prim> {
        let s = self.states[t];
        let mut k = 1.0;
        let mut reshape = false;
        for a in &self.alters {
            match *a {
                Alter::Grow(f, g) if t >= f => {
                    k = 1.0 + (g - 1.0) * (((t - f + 1) as f64) / 3.0).min(1.0)
                }
                Alter::Reshape(f) if t >= f => reshape = true,
                _ => {}
            }
        }
        let mut out = Vec::new();
        match self.body {
            Body::Ball(r) => {
                let r = r * k;
                if reshape {
                    out.push(Prim::Rect((s.x, s.y), (r * 1.1, r * 0.7)));
                } else {
                    out.push(Prim::Disc((s.x, s.y), r));
                }
            }
            Body::Block(hw, hh) => {
                if reshape {
                    out.push(Prim::Disc((s.x, s.y), hw.max(hh) * k));
                } else {
                    out.push(Prim::Rect((s.x, s.y), (hw * k, hh * k)));
                }
            }
            // An articulated body that reshapes melts into a blob of about its own area.
            Body::Humanoid(h) if reshape => {
                out.push(Prim::Disc((s.x, s.y - 0.2 * h * k), 0.2 * h * k));
            }
            Body::Quadruped(l) if reshape => {
                out.push(Prim::Disc((s.x, s.y), 0.33 * l * k));
            }
            Body::Humanoid(h) => {
                let h = h * k;
                let (x, y) = (s.x, s.y);
                let sw = 0.5 * s.phase.sin();
                let neck = (x, y - 0.42 * h);
                out.push(Prim::Capsule((x, y), neck, 0.13 * h));
                out.push(Prim::Disc((x, y - 0.53 * h), 0.085 * h));
                let limbs = [
                    ((x, y), sw, 0.45 * h, 0.09 * h),
                    ((x, y), -sw, 0.45 * h, 0.09 * h),
                    ((x, y - 0.38 * h), -sw * 0.8, 0.34 * h, 0.07 * h),
                    ((x, y - 0.38 * h), sw * 0.8, 0.34 * h, 0.07 * h),
                ];
                self.push_limbs(
                    t,
                    &limbs,
                    ((x, y - 0.38 * h), 2.2, 0.34 * h, 0.07 * h),
                    &mut out,
                );
            }
            Body::Quadruped(l) => {
                let l = l * k;
                let (x, y) = (s.x, s.y);
                let dir = if s.right { 1.0 } else { -1.0 };
                out.push(Prim::Capsule((x - 0.32 * l, y), (x + 0.32 * l, y), 0.3 * l));
                out.push(Prim::Disc((x + dir * 0.5 * l, y - 0.18 * l), 0.14 * l));
                let sw = 0.45 * s.phase.sin();
                let hip = |ox: f64| (x + ox * l, y + 0.08 * l);
                let limbs = [
                    (hip(-0.3), sw, 0.4 * l, 0.08 * l),
                    (hip(-0.22), -sw, 0.4 * l, 0.08 * l),
                    (hip(0.22), -sw, 0.4 * l, 0.08 * l),
                    (hip(0.3), sw, 0.4 * l, 0.08 * l),
                    (
                        (x - dir * 0.45 * l, y - 0.05 * l),
                        -dir * 2.2 + 0.2 * s.phase.cos(),
                        0.35 * l,
                        0.05 * l,
                    ),
                ];
                self.push_limbs(
                    t,
                    &limbs,
                    ((x, y - 0.05 * l), PI, 0.4 * l, 0.08 * l),
                    &mut out,
                );
            }
        }
        out
    }

    fn push_limbs(
        &self,
        t: usize,
        limbs: &[((f64, f64), f64, f64, f64)],
        extra: ((f64, f64), f64, f64, f64),
        out: &mut Vec<Prim>,
    ) {
        let cap = |(o, ang, len, th): ((f64, f64), f64, f64, f64)| {
            Prim::Capsule(o, (o.0 + len * ang.sin(), o.1 + len * ang.cos()), th)
        };
        for (i, l) in limbs.iter().enumerate() {
            let dropped = self
                .alters
                .iter()
                .any(|a| matches!(*a, Alter::DropLimb(idx, f, e) if idx == i && t >= f && t <= e));
            if !dropped {
                out.push(cap(*l));
            }
        }
        if self
            .alters
            .iter()
            .any(|a| matches!(*a, Alter::ExtraLimb(f) if t >= f))
        {
            out.push(cap(extra));
        }
    }

    /// Current colour at frame `t`.
    pub fn colour_at(&self, t: usize) -> [f64; 3] {
        let mut c = self.colour;
        for a in &self.alters {
            if let Alter::Recolour(f, nc) = *a {
                if t >= f {
                    c = nc;
                }
            }
        }
        c
    }

    /// Number of limbs the body plan has (0 for balls and blocks).
    pub fn limb_count(&self) -> usize {
        match self.body {
            Body::Humanoid(_) => 4,
            Body::Quadruped(_) => 5,
            _ => 0,
        }
    }

    /// Typical size (px) of the object.
    pub fn size(&self) -> f64 {
        match self.body {
            Body::Ball(r) => 2.0 * r,
            Body::Block(a, b) => 2.0 * a.max(b),
            Body::Humanoid(h) => h,
            Body::Quadruped(l) => l,
        }
    }
}

/// Motion artifacts injected into the simulation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MotionArtifact {
    /// Position jumps by (dx, dy) at frame.
    Teleport(usize, f64, f64),
    /// Frozen in the air for [from, to].
    Hover(usize, usize),
    /// Gravity reversed (× −factor) over [from, to].
    Antigravity(usize, usize, f64),
    /// The first bounce at or after frame has restitution > 1.
    BounceGain(usize, f64),
    /// Velocity × factor at frame, no contact.
    SpeedJump(usize, f64),
}

/// Simulation constants of a scene (world px, per frame).
#[derive(Debug, Clone, Copy)]
pub struct Physics {
    /// Gravity (px/frame², + = down).
    pub g: f64,
    /// Floor height (world y).
    pub floor: f64,
    /// Left wall (world x); objects that `exit` ignore walls.
    pub left: f64,
    /// Right wall (world x).
    pub right: f64,
}

/// What happened in a simulation, for placing labels.
#[derive(Debug, Clone, Default)]
pub struct SimLog {
    /// Frames at which a floor bounce occurred.
    pub bounces: Vec<usize>,
}

/// Simulates `frames` states of an object starting at (x, y) with velocity (vx, vy).
#[allow(clippy::too_many_arguments)]
pub fn simulate(
    motion: Motion,
    body: Body,
    start: (f64, f64, f64, f64),
    frames: usize,
    ph: &Physics,
    restitution: f64,
    walls: bool,
    art: Option<MotionArtifact>,
) -> (Vec<State>, SimLog) {
    let (mut x, mut y, mut vx, mut vy) = start;
    let mut log = SimLog::default();
    let mut out = Vec::with_capacity(frames);
    let mut phase = 0.0;
    let half_h = match body {
        Body::Ball(r) => r,
        Body::Block(_, hh) => hh,
        Body::Humanoid(h) => 0.45 * h,
        Body::Quadruped(l) => 0.48 * l,
    };
    let half_w = match body {
        Body::Ball(r) => r,
        Body::Block(hw, _) => hw,
        Body::Humanoid(h) => 0.25 * h,
        Body::Quadruped(l) => 0.6 * l,
    };
    let mut bounce_gain_used = false;
    if motion != Motion::Ballistic {
        y = ph.floor - half_h;
    }
    for t in 0..frames {
        out.push(State {
            x,
            y,
            phase,
            right: vx >= 0.0,
        });
        let mut g = ph.g;
        let mut frozen = false;
        match art {
            Some(MotionArtifact::Hover(f, e)) if t >= f && t < e => frozen = true,
            Some(MotionArtifact::Antigravity(f, e, k)) if t >= f && t < e => g = -ph.g * k,
            Some(MotionArtifact::Teleport(f, dx, dy)) if t + 1 == f => {
                x += dx;
                y += dy;
            }
            Some(MotionArtifact::SpeedJump(f, k)) if t + 1 == f => {
                vx *= k;
                if motion == Motion::Ballistic {
                    vy = vy.abs() * -k.min(2.0) - 2.0;
                }
            }
            _ => {}
        }
        if frozen {
            continue;
        }
        match motion {
            Motion::Ballistic => {
                vy += g;
                x += vx;
                y += vy;
                if y + half_h > ph.floor && vy > 0.0 {
                    y = ph.floor - half_h - (y + half_h - ph.floor);
                    let mut e = restitution;
                    if let Some(MotionArtifact::BounceGain(f, k)) = art {
                        if t >= f && !bounce_gain_used {
                            e = k;
                            bounce_gain_used = true;
                        }
                    }
                    vy = -vy * e;
                    log.bounces.push(t + 1);
                }
            }
            Motion::Slide => {
                let mu = 0.04;
                if vx.abs() > mu {
                    vx -= mu * vx.signum();
                } else {
                    vx = 0.0;
                }
                x += vx;
                y = ph.floor - half_h;
            }
            Motion::Walk => {
                x += vx;
                y = ph.floor - half_h;
                phase += 0.1 * vx.abs().max(0.6) * 2.0 * PI / 6.0;
            }
        }
        if walls {
            if x - half_w < ph.left && vx < 0.0 {
                x = ph.left + half_w;
                vx = -vx
                    * if motion == Motion::Ballistic {
                        restitution.min(1.0)
                    } else {
                        1.0
                    };
            }
            if x + half_w > ph.right && vx > 0.0 {
                x = ph.right - half_w;
                vx = -vx
                    * if motion == Motion::Ballistic {
                        restitution.min(1.0)
                    } else {
                        1.0
                    };
            }
        }
    }
    (out, log)
}

/// Camera path: per frame, the world point at the view centre and the zoom.
#[derive(Debug, Clone)]
pub struct Camera {
    /// World x at view centre, per frame.
    pub cx: Vec<f64>,
    /// World y at view centre, per frame.
    pub cy: Vec<f64>,
    /// Zoom per frame (view px per world px).
    pub zoom: Vec<f64>,
    /// View size.
    pub view: (i32, i32),
}

impl Camera {
    /// World → view at frame t.
    pub fn to_view(&self, t: usize, p: (f64, f64)) -> (f64, f64) {
        let z = self.zoom[t];
        (
            z * (p.0 - self.cx[t]) + self.view.0 as f64 / 2.0,
            z * (p.1 - self.cy[t]) + self.view.1 as f64 / 2.0,
        )
    }

    /// The 2x3 affine matrix world → view at frame t.
    pub fn matrix(&self, t: usize) -> opencv::Result<Mat> {
        let z = self.zoom[t];
        let m = [
            [z, 0.0, self.view.0 as f64 / 2.0 - z * self.cx[t]],
            [0.0, z, self.view.1 as f64 / 2.0 - z * self.cy[t]],
        ];
        Mat::from_slice_2d(&m)
    }
}

/// Draws primitives in view coordinates (transformed by the camera) into `img` with `colour`.
pub fn draw(
    img: &mut Mat,
    cam: &Camera,
    t: usize,
    prims: &[Prim],
    colour: Scalar,
    aa: bool,
) -> opencv::Result<()> {
    let lt = if aa {
        imgproc::LINE_AA
    } else {
        imgproc::LINE_8
    };
    let z = cam.zoom[t];
    let pt = |p: (f64, f64)| {
        let v = cam.to_view(t, p);
        Point::new(v.0.round() as i32, v.1.round() as i32)
    };
    for p in prims {
        match *p {
            Prim::Disc(c, r) => {
                imgproc::circle(
                    img,
                    pt(c),
                    (r * z).round().max(1.0) as i32,
                    colour,
                    -1,
                    lt,
                    0,
                )?;
            }
            Prim::Capsule(a, b, th) => {
                imgproc::line(
                    img,
                    pt(a),
                    pt(b),
                    colour,
                    (th * z).round().max(1.0) as i32,
                    lt,
                    0,
                )?;
            }
            Prim::Rect(c, (hw, hh)) => {
                let a = pt((c.0 - hw, c.1 - hh));
                let b = pt((c.0 + hw, c.1 + hh));
                imgproc::rectangle_points(img, a, b, colour, -1, lt, 0)?;
            }
        }
    }
    Ok(())
}

/// Empty single-channel mask of the view size.
pub fn blank_mask(view: (i32, i32)) -> opencv::Result<Mat> {
    Mat::new_size_with_default(Size::new(view.0, view.1), CV_8UC1, Scalar::all(0.0))
}

/// A textured world background (BGR), deterministic for the rng.
pub fn background(rng: &mut ChaCha8Rng, w: i32, h: i32) -> opencv::Result<Mat> {
    let style = rng.gen_range(0..3);
    let base: [f64; 3] = [
        rng.gen_range(40.0..200.0),
        rng.gen_range(40.0..200.0),
        rng.gen_range(40.0..200.0),
    ];
    let (wu, hu) = (w as usize, h as usize);
    let mut data = vec![0u8; wu * hu * 3];
    // Smooth value noise: coarse random grid, bilinear upsampled, plus fine grain.
    let cell = rng.gen_range(12..40) as usize;
    let gw = wu / cell + 2;
    let gh = hu / cell + 2;
    let grid: Vec<f64> = (0..gw * gh).map(|_| rng.gen_range(-1.0..1.0)).collect();
    let amp = if style == 1 { 18.0 } else { 40.0 };
    for y in 0..hu {
        for x in 0..wu {
            let (fx, fy) = (x as f64 / cell as f64, y as f64 / cell as f64);
            let (x0, y0) = (fx as usize, fy as usize);
            let (tx, ty) = (fx - x0 as f64, fy - y0 as f64);
            let g = |i: usize, j: usize| grid[j * gw + i];
            let n = (g(x0, y0) * (1.0 - tx) + g(x0 + 1, y0) * tx) * (1.0 - ty)
                + (g(x0, y0 + 1) * (1.0 - tx) + g(x0 + 1, y0 + 1) * tx) * ty;
            let grad = if style == 1 {
                60.0 * (y as f64 / hu as f64 - 0.5)
            } else {
                0.0
            };
            let grain = rng.gen_range(-6.0..6.0);
            for c in 0..3 {
                let v = base[c] + amp * n + grad + grain;
                data[(y * wu + x) * 3 + c] = v.clamp(0.0, 255.0) as u8;
            }
        }
    }
    let mut img = Mat::from_slice(&data)?.reshape(3, h)?.try_clone()?;
    if style == 2 {
        // Clutter: scattered shapes.
        for _ in 0..(w * h / 3000) {
            let c = Scalar::new(
                rng.gen_range(0.0..255.0),
                rng.gen_range(0.0..255.0),
                rng.gen_range(0.0..255.0),
                0.0,
            );
            let p = Point::new(rng.gen_range(0..w), rng.gen_range(0..h));
            if rng.gen_bool(0.5) {
                imgproc::circle(&mut img, p, rng.gen_range(2..8), c, -1, imgproc::LINE_AA, 0)?;
            } else {
                let q = Point::new(p.x + rng.gen_range(-12..12), p.y + rng.gen_range(-12..12));
                imgproc::line(&mut img, p, q, c, rng.gen_range(1..3), imgproc::LINE_AA, 0)?;
            }
        }
    }
    Ok(img)
}
