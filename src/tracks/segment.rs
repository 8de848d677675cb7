//! Moving-object segmentation: residual (camera-compensated) flow plus the difference to a
//! camera-registered background plate, cleaned by morphology and split into components.

use super::morphology::{self, Op, ELLIPSE3, ELLIPSE5, ELLIPSE9, RECT5};
use crate::config::Config;
use crate::flow::PairFlow;
use opencv::core::{Mat, Point, Rect, Scalar, Size, Vec3f, Vector, CV_32FC3, CV_8UC1};
use opencv::imgproc;
use opencv::prelude::*;
use std::collections::BTreeMap;

/// One segmented blob in the current frame (analysis px).
#[derive(Debug, Clone)]
pub struct Detection {
    /// Bounding box.
    pub rect: Rect,
    /// Mask of the blob inside `rect` (8-bit, 255 = object).
    pub mask: Mat,
    /// Pixel count.
    pub area: f64,
    /// Centroid.
    pub cx: f64,
    /// See `cx`.
    pub cy: f64,
    /// Mean BGR colour.
    pub colour: [f64; 3],
    /// Share of its pixels with residual motion.
    pub moving_frac: f64,
    /// Mask area / convex hull area.
    pub solidity: f64,
    /// Protrusions (deep convexity defects).
    pub extremities: u32,
    /// log-scaled Hu moments 1 and 2.
    pub hu: [f64; 2],
    /// Found only as a faint difference to the plate (see [`Segmenter::segment`]).
    pub faint: bool,
    /// Grown over the still body of its own colour the plate holds (see [`Segmenter::complete`]).
    pub grown: bool,
    /// See [`crate::tracks::Obs::unexplained`] (set by the tracker).
    pub unexplained: f64,
}

impl Detection {
    /// A detection of `mask` in `rect` with the given area and neutral descriptors (tests).
    #[cfg(test)]
    pub(crate) fn of_mask(rect: Rect, mask: Mat, area: f64) -> Detection {
        Detection {
            rect,
            mask,
            area,
            cx: 0.0,
            cy: 0.0,
            colour: [0.0; 3],
            moving_frac: 0.0,
            solidity: 1.0,
            extremities: 0,
            hu: [0.0; 2],
            faint: false,
            grown: false,
            unexplained: 0.0,
        }
    }

    /// Bounding box as (x, y, w, h).
    pub fn bbox(&self) -> [f64; 4] {
        let r = self.rect;
        [r.x as f64, r.y as f64, r.width as f64, r.height as f64]
    }
}

/// Keeps the background plate between frames and segments each new frame.
pub struct Segmenter {
    plate: Option<Mat>,
    valid: Option<Mat>,
    /// Buffers the plate and mask are warped into (swapped with them after each warp).
    spare: (Mat, Mat),
    /// Boxes of the blobs grown over their own colour in the frame before (see
    /// [`Segmenter::complete`]).
    grown: Vec<Rect>,
    /// The plate is the video's median (a still camera), not learnt online: a slow object may
    /// stand in it, and drag a ghost trail (see [`trailing_ghost`]).
    median: bool,
    cfg: Config,
}

/// The camera's map from the previous frame to this one, as the 2x3 affine matrix
/// `[a, -b, tx; b, a, ty]` about the frame centre.
fn camera_matrix(pair: &PairFlow, w: f64, h: f64) -> [[f64; 3]; 2] {
    let c = &pair.camera;
    let a = (c.scale * c.rotation.cos()) as f64;
    let b = (c.scale * c.rotation.sin()) as f64;
    let (cx, cy) = (w / 2.0, h / 2.0);
    [
        [a, -b, cx + c.dx as f64 - a * cx + b * cy],
        [b, a, cy + c.dy as f64 - b * cx - a * cy],
    ]
}

/// The residual motion's median (part of the motion threshold) is taken on every this-many-th
/// pixel, in raster order: a quarter of the pixels give the same median to a few hundredths of
/// a pixel.
const MEDIAN_STRIDE: usize = 4;

/// Moves the plate (f32 BGR) and its known-pixel mask with the affine map `m` (source to
/// destination) exactly as OpenCV's `warpAffine` does (bilinear plate, nearest mask, zero from
/// outside; coordinates in OpenCV's fixed point, 1/32 px for the bilinear weights) at a third of
/// its cost on a float image. The plate is warped every frame of a moving camera, so its rounding
/// is part of what the segmentation thresholds were measured with.
/// `out` and `vout` are reused when they already have the plate's size.
fn warp_plate(
    plate: &Mat,
    valid: &Mat,
    m: [[f64; 3]; 2],
    out: &mut Mat,
    vout: &mut Mat,
) -> opencv::Result<()> {
    const AB_BITS: i32 = 10;
    const AB_SCALE: f64 = (1 << AB_BITS) as f64;
    const INTER_BITS: i32 = 5;
    const TAB: i32 = 1 << INTER_BITS;
    let (w, h) = (plate.cols() as usize, plate.rows() as usize);
    // OpenCV's invertAffineTransform.
    let d = m[0][0] * m[1][1] - m[0][1] * m[1][0];
    let d = if d != 0.0 { 1.0 / d } else { 0.0 };
    let (a11, a22, a12, a21) = (m[1][1] * d, m[0][0] * d, -m[0][1] * d, -m[1][0] * d);
    let b1 = -a11 * m[0][2] - a12 * m[1][2];
    let b2 = -a21 * m[0][2] - a22 * m[1][2];
    let fixed = |v: f64| v.round_ties_even() as i32;
    let adelta: Vec<i32> = (0..w).map(|x| fixed(a11 * x as f64 * AB_SCALE)).collect();
    let bdelta: Vec<i32> = (0..w).map(|x| fixed(a21 * x as f64 * AB_SCALE)).collect();
    // OpenCV's bilinear weight table, built once per process.
    static WEIGHTS: std::sync::OnceLock<Vec<[f32; 4]>> = std::sync::OnceLock::new();
    let weights = WEIGHTS.get_or_init(|| {
        (0..TAB * TAB)
            .map(|i| {
                let (fx, fy) = ((i % TAB) as f32 / TAB as f32, (i / TAB) as f32 / TAB as f32);
                [
                    (1.0 - fy) * (1.0 - fx),
                    (1.0 - fy) * fx,
                    fy * (1.0 - fx),
                    fy * fx,
                ]
            })
            .collect()
    });
    let src = &plate.data_typed::<Vec3f>()?[..w * h];
    let vsrc = &valid.data_bytes()?[..w * h];
    let size = plate.size()?;
    if out.size()? != size || out.typ() != CV_32FC3 {
        *out = Mat::new_size_with_default(size, CV_32FC3, Scalar::all(0.0))?;
    }
    if vout.size()? != size || vout.typ() != CV_8UC1 {
        *vout = Mat::new_size_with_default(size, CV_8UC1, Scalar::all(0.0))?;
    }
    let dst = out.data_typed_mut::<Vec3f>()?;
    let vdst = vout.data_bytes_mut()?;
    let flat = crate::flow::floats(src);
    let (wi, hi) = (w as i32, h as i32);
    let tap = |x: i32, y: i32| -> [f32; 3] {
        if x < 0 || y < 0 || x >= wi || y >= hi {
            [0.0; 3]
        } else {
            src[y as usize * w + x as usize].0
        }
    };
    // Per row: each pixel's source position (nearest, and bilinear in 1/32 px), then the runs of
    // pixels that read consecutive source pixels of one row (bilinear: with the same weights): a
    // pan moves whole rows so, a slight zoom or turn stretches of them. Runs are copied (mask) or
    // blended as whole slices of floats (plate); pixels whose taps leave the image, tap by tap.
    let (mut nxs, mut nys) = (vec![0i32; w], vec![0i32; w]);
    let (mut sxs, mut sys) = (vec![0i32; w], vec![0i32; w]);
    let mut next = vec![0u8; w];
    let blend = |taps: [[f32; 3]; 4], wt: [f32; 4], d: &mut [f32]| {
        let [p00, p10, p01, p11] = taps;
        for c in 0..3 {
            d[c] = p00[c] * wt[0] + p10[c] * wt[1] + p01[c] * wt[2] + p11[c] * wt[3];
        }
    };
    for y in 0..h {
        let (yf, at) = (y as f64, y * w);
        // The row's start in fixed point, rounded for nearest and for bilinear sampling.
        let (xr, yr) = (
            fixed((a12 * yf + b1) * AB_SCALE),
            fixed((a22 * yf + b2) * AB_SCALE),
        );
        let (near, lin) = ((AB_SCALE as i32) / 2, (AB_SCALE as i32) / TAB / 2);
        let (x0n, y0n, x0l, y0l) = (xr + near, yr + near, xr + lin, yr + lin);
        for ((nx, sx), &ad) in nxs.iter_mut().zip(&mut sxs).zip(&adelta) {
            *nx = (x0n + ad) >> AB_BITS;
            *sx = (x0l + ad) >> (AB_BITS - INTER_BITS);
        }
        for ((ny, sy), &bd) in nys.iter_mut().zip(&mut sys).zip(&bdelta) {
            *ny = (y0n + bd) >> AB_BITS;
            *sy = (y0l + bd) >> (AB_BITS - INTER_BITS);
        }
        // Known mask: nearest source pixel, zero outside.
        continues(&mut next, &nxs, &nys, 1);
        let vrow = &mut vdst[at..at + w];
        for_runs(&next, |x, n| {
            let (nx, ny) = (nxs[x], nys[x]);
            let lo = (-nx).clamp(0, n as i32) as usize;
            let hi_ = (wi - nx).clamp(0, n as i32) as usize;
            let out = &mut vrow[x..x + n];
            if ny < 0 || ny >= hi || lo >= hi_ {
                out.fill(0);
                return;
            }
            let from = ny as usize * w + (nx + lo as i32) as usize;
            out[..lo].fill(0);
            out[lo..hi_].copy_from_slice(&vsrc[from..from + hi_ - lo]);
            out[hi_..].fill(0);
        });
        // Plate: bilinear.
        continues(&mut next, &sxs, &sys, TAB);
        let row = crate::flow::floats_mut(&mut dst[at..at + w]);
        for_runs(&next, |x, n| {
            let (sx, sy) = (sxs[x], sys[x]);
            let (x0, y0) = (sx >> INTER_BITS, sy >> INTER_BITS);
            let wt = weights[((sy & (TAB - 1)) * TAB + (sx & (TAB - 1))) as usize];
            // Pixels of the run whose four taps are all inside.
            let (lo, hi_) = if y0 >= 0 && y0 + 1 < hi {
                (
                    (-x0).clamp(0, n as i32) as usize,
                    (wi - 1 - x0).clamp(0, n as i32) as usize,
                )
            } else {
                (0, 0)
            };
            if lo < hi_ {
                let m = hi_ - lo;
                let i = 3 * (y0 as usize * w + (x0 + lo as i32) as usize);
                let top = &flat[i..i + 3 * m + 3];
                let bot = &flat[i + 3 * w..i + 3 * w + 3 * m + 3];
                let out = &mut row[3 * (x + lo)..3 * (x + hi_)];
                for ((((d, &p00), &p10), &p01), &p11) in out
                    .iter_mut()
                    .zip(top)
                    .zip(&top[3..])
                    .zip(bot)
                    .zip(&bot[3..])
                {
                    *d = p00 * wt[0] + p10 * wt[1] + p01 * wt[2] + p11 * wt[3];
                }
            }
            for k in (0..lo).chain(hi_.max(lo)..n) {
                let d = &mut row[3 * (x + k)..3 * (x + k) + 3];
                let x0 = x0 + k as i32;
                if x0 < -1 || y0 < -1 || x0 >= wi || y0 >= hi {
                    d.fill(0.0);
                    continue;
                }
                let taps = [
                    tap(x0, y0),
                    tap(x0 + 1, y0),
                    tap(x0, y0 + 1),
                    tap(x0 + 1, y0 + 1),
                ];
                blend(taps, wt, d);
            }
        });
    }
    Ok(())
}

/// `next[x]` = 255 where pixel x + 1 reads the source pixel `step` to the right of pixel x's
/// (positions `xs`, `ys`), else 0 (always 0 for the last pixel).
fn continues(next: &mut [u8], xs: &[i32], ys: &[i32], step: i32) {
    let pairs = xs.iter().zip(&xs[1..]).zip(ys.iter().zip(&ys[1..]));
    for (c, ((&x0, &x1), (&y0, &y1))) in next.iter_mut().zip(pairs) {
        // 0 or 255, without a branch (so the loop runs as vectors).
        *c = (((x1 == x0 + step) & (y1 == y0)) as u8).wrapping_neg();
    }
    if let Some(last) = next.last_mut() {
        *last = 0;
    }
}

/// Calls `f(start, len)` for each run of a row, left to right: a pixel and the pixels that
/// continue it (see [`continues`]).
fn for_runs(next: &[u8], mut f: impl FnMut(usize, usize)) {
    let mut x = 0;
    for (a, b) in morphology::runs(next) {
        for single in x..a {
            f(single, 1);
        }
        f(a, b - a + 1);
        x = b + 1;
    }
    for single in x..next.len() {
        f(single, 1);
    }
}

impl Segmenter {
    /// A segmenter with an empty plate, or with `plate` (f32 BGR, analysis size) known wherever
    /// it is not negative (see [`median_plate`]).
    pub fn new(cfg: &Config, mut plate: Option<Mat>) -> opencv::Result<Self> {
        let valid = match &mut plate {
            Some(p) => {
                let mut v = Mat::new_size_with_default(p.size()?, CV_8UC1, Scalar::all(255.0))?;
                // SAFETY: any bit pattern is an f32; the Mat's data is f32-aligned (checked below).
                let (head, pl, _) = unsafe { p.data_bytes_mut()?.align_to_mut::<f32>() };
                assert!(head.is_empty(), "plate is f32");
                for (px, k) in pl.chunks_exact_mut(3).zip(v.data_bytes_mut()?) {
                    if px[0] < 0.0 {
                        px.fill(0.0);
                        *k = 0;
                    }
                }
                Some(v)
            }
            None => None,
        };
        Ok(Segmenter {
            median: plate.is_some(),
            plate,
            valid,
            spare: (Mat::default(), Mat::default()),
            grown: Vec::new(),
            cfg: cfg.clone(),
        })
    }

    /// Forgets the plate (after a scene cut).
    pub fn reset(&mut self) {
        self.plate = None;
        self.median = false;
        self.valid = None;
        self.grown.clear();
    }

    /// Residual-motion magnitude on the current frame's grid (from the backward flow).
    fn residual(pair: &PairFlow) -> Vec<f32> {
        let (h, w) = pair.bwd.dim();
        let (hw, hh) = (w as f32 / 2.0, h as f32 / 2.0);
        let cam = pair.camera.field();
        let bwd = pair.bwd.as_slice();
        // The camera flow's x-only terms, once per column (same operations as `CameraField::at`).
        let xs: Vec<f32> = (0..w).map(|x| x as f32 - hw).collect();
        let (ax, bx): (Vec<f32>, Vec<f32>) = xs.iter().map(|&x| cam.terms_x(x)).unzip();
        let mut r = vec![0.0f32; h * w];
        let mut row_x = vec![0.0f32; w];
        let mut row_y = vec![0.0f32; w];
        for (y, (row, out)) in bwd
            .chunks_exact(2 * w)
            .zip(r.chunks_exact_mut(w))
            .enumerate()
        {
            // De-interleaved first, so the arithmetic below runs on whole vectors.
            for ((b, px), py) in row.chunks_exact(2).zip(&mut row_x).zip(&mut row_y) {
                (*px, *py) = (b[0], b[1]);
            }
            let yc = y as f32 - hh;
            let (by, ay) = cam.terms_y(yc);
            for (((((o, &px), &py), &x), &axx), &bxx) in out
                .iter_mut()
                .zip(&row_x)
                .zip(&row_y)
                .zip(&xs)
                .zip(&ax)
                .zip(&bx)
            {
                let (fx, fy) = cam.combine(x, yc, axx, bxx, by, ay);
                let (bx, by) = (px + fx, py + fy);
                *o = (bx * bx + by * by).sqrt();
            }
        }
        r
    }

    /// Segments the current frame. `keep` marks pixels of tracked objects (never learnt into the plate).
    /// `gray` is `bgr` converted by OpenCV's BGR2GRAY (the frame the flow stage saw).
    pub fn segment(
        &mut self,
        bgr: &Mat,
        gray: &Mat,
        pair: &PairFlow,
    ) -> opencv::Result<(Vec<Detection>, Mat)> {
        let (w, h) = (bgr.cols(), bgr.rows());
        let size = Size::new(w, h);
        // Register the plate to this frame.
        if let (Some(p), Some(v)) = (&self.plate, &self.valid) {
            let c = &pair.camera;
            if c.dx.abs() > 0.05
                || c.dy.abs() > 0.05
                || (c.scale - 1.0).abs() > 1e-4
                || c.rotation.abs() > 1e-4
            {
                let m = camera_matrix(pair, w as f64, h as f64);
                let (out, vout) = &mut self.spare;
                warp_plate(p, v, m, out, vout)?;
                std::mem::swap(self.plate.as_mut().expect("checked"), out);
                std::mem::swap(self.valid.as_mut().expect("checked"), vout);
            }
        }
        let resid = Self::residual(pair);
        // The residual's median, from every [`MEDIAN_STRIDE`]-th pixel.
        let sample: Vec<f32> = resid.iter().step_by(MEDIAN_STRIDE).copied().collect();
        let [median] = crate::flow::kth_smallest(&sample, [sample.len() / 2]);
        let thr_m = self.cfg.seg_motion_px + 2.0 * median;
        // Flow is only evidence of motion where the image has structure; flat areas get smooth guesses.
        let frame_edges = gray_edge_strength(gray)?;
        let textured = texture_mask(&frame_edges, self.cfg.seg_texture)?;
        let mut motion = Mat::new_size_with_default(size, CV_8UC1, Scalar::all(0.0))?;
        let anything_moves;
        {
            let tb = textured.data_bytes()?;
            let m = motion.data_bytes_mut()?;
            let mut any = 0u8;
            for ((m, &r), &t) in m.iter_mut().zip(&resid).zip(tb) {
                // 0 or 255, without a branch (so the loop runs as vectors).
                *m = (((r > thr_m) & (t > 0)) as u8).wrapping_neg();
                any |= *m;
            }
            anything_moves = any != 0;
        }
        let mut fg = motion.clone();
        // Faint differences to the plate: where a small, blurred object (a tossed ball) may be.
        let mut faint: Option<Mat> = None;
        if let (Some(p), Some(v)) = (&self.plate, &self.valid) {
            let n = (w * h) as usize;
            let c = bgr.data_bytes()?;
            // SAFETY: any bit pattern is an f32; the Mat's data is f32-aligned (checked below).
            let (head, pl, _) = unsafe { p.data_bytes()?.align_to::<f32>() };
            assert!(head.is_empty() && p.typ() == CV_32FC3, "plate is f32 BGR");
            let vb = v.data_bytes()?;
            let mut low = Mat::new_size_with_default(size, CV_8UC1, Scalar::all(0.0))?;
            let lb = low.data_bytes_mut()?;
            let f = fg.data_bytes_mut()?;
            let thr = self.cfg.seg_plate_diff;
            let (known, quiet) = plate_difference(
                PlateInputs {
                    frame: &c[..3 * n],
                    plate: &pl[..3 * n],
                    known: vb,
                },
                f,
                lb,
                thr,
                FAINT_NOISE * thr,
            );
            // Only where the plate matches the frame closely (a still camera, little noise): the
            // 90th percentile of the known pixels' truncated difference is at most the bound.
            if quiet as f64 >= 0.9 * known as f64 {
                faint = Some(low);
            }
        }
        let min_area = self.cfg.min_blob_area(w as f64, h as f64);
        let mut clean = cleaned(&fg)?;
        let mut dets = Vec::new();
        for (rect, mask, area) in blobs(&clean, min_area)? {
            dets.push(describe_look(bgr, &motion, rect, mask, area)?);
        }
        // Faint blobs apart from every clear one, small and moving, are objects too.
        if let Some(low) = faint {
            let mut clear = Mat::new_size_with_default(size, CV_8UC1, Scalar::all(0.0))?;
            for d in &dets {
                d.mask.copy_to(&mut Mat::roi_mut(&mut clear, d.rect)?)?;
            }
            let low = cleaned(&low)?;
            for (rect, mask, area) in blobs(&low, min_area)? {
                if area > FAINT_MAX_AREAS * min_area {
                    continue;
                }
                let mut shared = Mat::default();
                opencv::core::bitwise_and(
                    &Mat::roi(&clear, rect)?,
                    &mask,
                    &mut shared,
                    &opencv::core::no_array(),
                )?;
                if opencv::core::count_non_zero(&shared)? > 0 {
                    continue;
                }
                let (_, moving) = colour_and_moving(bgr, &motion, rect, &mask)?;
                if (moving as f64 / area.max(1.0)) < FAINT_MIN_MOVING {
                    continue;
                }
                let mut d = describe_look(bgr, &motion, rect, mask, area)?;
                d.faint = true;
                let mut roi = Mat::roi_mut(&mut clean, rect)?;
                opencv::core::bitwise_or(
                    &roi.try_clone()?,
                    &d.mask,
                    &mut roi,
                    &opencv::core::no_array(),
                )?;
                dets.push(d);
            }
        }
        // Ghosts: blobs whose outline is an edge of the plate but not of the frame are background the
        // plate still remembers an object on; they are learnt away at once.
        if let Some(plate) = &self.plate {
            let mut kept = Vec::new();
            let mut ghosts = Vec::new();
            for d in dets {
                if d.moving_frac >= 0.5 {
                    kept.push(d);
                    continue;
                }
                let (pe, origin) = plate_edges_around(plate, d.rect)?;
                let [ef, ep] =
                    outline_means([(&frame_edges, Point::new(0, 0)), (&pe, origin)], &d)?;
                if ep > 1.5 * ef + 4.0 {
                    ghosts.push(d);
                } else {
                    kept.push(d);
                }
            }
            // Learnt away after every blob is judged on the plate as it was.
            for d in ghosts {
                self.absorb(bgr, d.rect, &d.mask)?;
            }
            dets = kept;
        }
        // Ghost trails of slow objects the median plate holds are cut from their blobs and learnt
        // away. (The median holds whatever stands at a pixel for most of the clip; online plates,
        // where an object is learnt only while it stands still before it moves, are not searched.)
        if let (Some(p), Some(v), true) = (&self.plate, &self.valid, self.median) {
            let n = (w * h) as usize;
            // SAFETY: as above.
            let (_, pl, _) = unsafe { p.data_bytes()?.align_to::<f32>() };
            let (c, vb) = (bgr.data_bytes()?, v.data_bytes()?);
            let mut trails = Vec::new();
            for d in dets.iter_mut() {
                let inputs = PlateInputs {
                    frame: &c[..3 * n],
                    plate: &pl[..3 * n],
                    known: vb,
                };
                if let Some((body, trail, cut_off)) =
                    trailing_ghost(bgr, &motion, inputs, d, min_area)?
                {
                    trails.push((d.rect, trail, cut_off));
                    *d = body;
                }
            }
            for (rect, trail, cut_off) in trails {
                let mut roi = Mat::roi_mut(&mut clean, rect)?;
                let mut keep = Mat::default();
                opencv::core::bitwise_not(&cut_off, &mut keep, &opencv::core::no_array())?;
                opencv::core::bitwise_and(
                    &roi.try_clone()?,
                    &keep,
                    &mut roi,
                    &opencv::core::no_array(),
                )?;
                self.absorb(bgr, rect, &trail)?;
            }
        }
        // Blobs grown over their own colour; blobs that grow into each other are one.
        if self.plate.is_some() {
            dets = self.complete(bgr, &motion, &mut clean, dets)?;
        } else {
            self.grown.clear();
        }
        for d in &mut dets {
            add_shape(d)?;
        }
        dets.sort_by(|a, b| {
            b.area
                .total_cmp(&a.area)
                .then(a.rect.x.cmp(&b.rect.x))
                .then(a.rect.y.cmp(&b.rect.y))
        });
        // Learn the plate where nothing moves and nothing is foreground.
        let mut learn = Mat::default();
        let dil = morphology::apply(&clean, Op::Dilate, ELLIPSE5, 2)?;
        opencv::core::bitwise_not(&dil, &mut learn, &opencv::core::no_array())?;
        // Unknown plate pixels are learnt wherever nothing moves right now, foreground or not, but
        // never inside the filled outline of something moving (flat object interiors show no flow).
        // (Nothing to do where the whole plate is known; no shapes to fill where nothing moves.)
        let all_known = match &self.valid {
            Some(v) => opencv::core::count_non_zero(v)? == w * h,
            None => false,
        };
        if !all_known {
            let moving_shapes = if anything_moves {
                Some(filled(&motion)?)
            } else {
                None
            };
            let ms = moving_shapes.as_ref().map(|m| m.data_bytes()).transpose()?;
            let still = self.cfg.seg_motion_px * 0.4;
            let tb = textured.data_bytes()?;
            let lb = learn.data_bytes_mut()?;
            let vb = self.valid.as_ref().map(|v| v.data_bytes()).transpose()?;
            // Missing masks are all zero (nothing known, no moving shape).
            let zeros = vec![0u8; lb.len()];
            let (vb, ms) = (vb.unwrap_or(&zeros), ms.unwrap_or(&zeros));
            let px = resid.iter().zip(tb).zip(vb.iter().zip(ms));
            for (l, ((&r, &t), (&v, &m))) in lb.iter_mut().zip(px) {
                let fresh = (v == 0) & (m == 0) & ((r < still) | (t == 0));
                *l |= (fresh as u8).wrapping_neg();
            }
        }
        self.learn(bgr, &learn)?;
        Ok((dets, clean))
    }

    /// Each blob grown over the pixels of its own colour joined to it (see
    /// [`completed_by_colour`]); a grown blob and the blobs it grew over (pieces of one body) become
    /// one. The grown pixels are set in `clean`.
    fn complete(
        &mut self,
        bgr: &Mat,
        motion: &Mat,
        clean: &mut Mat,
        dets: Vec<Detection>,
    ) -> opencv::Result<Vec<Detection>> {
        // Grown blobs' pixels in frame coordinates: (rect, row-major mask bytes).
        let mut grown: Vec<Option<(Rect, Vec<u8>)>> = Vec::with_capacity(dets.len());
        for d in &dets {
            // A body found in the frame before stays found while it still stands out.
            let was_grown = self.grown.iter().any(|&g| {
                let i = g & d.rect;
                i.width > 0
                    && (i.width * i.height) as f64 > 0.5 * (d.rect.width * d.rect.height) as f64
            });
            grown.push(completed_by_colour(bgr, d, was_grown)?);
        }
        self.grown = grown.iter().flatten().map(|g| g.0).collect();
        if self.grown.is_empty() {
            return Ok(dets);
        }
        // Each blob's pixels, grown or as segmented.
        let shapes: Vec<(Rect, std::borrow::Cow<[u8]>)> = dets
            .iter()
            .zip(&grown)
            .map(|(d, g)| match g {
                Some((r, m)) => Ok((*r, std::borrow::Cow::Borrowed(m.as_slice()))),
                None => Ok((d.rect, morphology::bytes(&d.mask)?)),
            })
            .collect::<opencv::Result<_>>()?;
        // Groups: a grown blob with every blob whose pixels it shares.
        let mut group: Vec<usize> = (0..dets.len()).collect();
        fn root(g: &mut [usize], mut i: usize) -> usize {
            while g[i] != i {
                g[i] = g[g[i]];
                i = g[i];
            }
            i
        }
        for i in (0..dets.len()).filter(|&i| grown[i].is_some()) {
            for j in 0..dets.len() {
                let pixels = |k: usize| (shapes[k].0, &*shapes[k].1);
                if i != j && shares_pixels(pixels(i), pixels(j)) {
                    let (a, b) = (root(&mut group, i), root(&mut group, j));
                    group[a.max(b)] = a.min(b);
                }
            }
        }
        let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for k in 0..dets.len() {
            let r = root(&mut group, k);
            members.entry(r).or_default().push(k);
        }
        // Each group's blob: grown or joined ones made anew (while the masks are borrowed), the
        // rest kept as segmented.
        let mut made = Vec::with_capacity(members.len());
        for ks in members.values() {
            if ks.len() == 1 && grown[ks[0]].is_none() {
                made.push(None);
                continue;
            }
            let rect = ks
                .iter()
                .map(|&k| shapes[k].0)
                .reduce(|a, b| a | b)
                .expect("a group has members");
            let mut mask = vec![0u8; (rect.width * rect.height) as usize];
            for &k in ks {
                let (r, m) = &shapes[k];
                for (y, row) in m.chunks_exact(r.width as usize).enumerate() {
                    let at = (r.y - rect.y) as usize + y;
                    let start = at * rect.width as usize + (r.x - rect.x) as usize;
                    for (o, &v) in mask[start..start + row.len()].iter_mut().zip(row) {
                        *o |= v;
                    }
                }
            }
            let area = mask.iter().filter(|&&v| v != 0).count() as f64;
            let mask = Mat::from_slice(&mask)?
                .reshape(1, rect.height)?
                .try_clone()?;
            let mut roi = Mat::roi_mut(clean, rect)?;
            opencv::core::bitwise_or(
                &roi.try_clone()?,
                &mask,
                &mut roi,
                &opencv::core::no_array(),
            )?;
            let mut d = describe_look(bgr, motion, rect, mask, area)?;
            d.grown = true;
            made.push(Some(d));
        }
        drop(shapes);
        let mut dets: Vec<Option<Detection>> = dets.into_iter().map(Some).collect();
        Ok(members
            .values()
            .zip(made)
            .map(|(ks, d)| d.unwrap_or_else(|| dets[ks[0]].take().expect("each blob once")))
            .collect())
    }

    /// Blends the frame (8-bit BGR) into the plate where `mask` is set (fresh pixels copied, known
    /// ones averaged).
    pub fn learn(&mut self, bgr: &Mat, mask: &Mat) -> opencv::Result<()> {
        let all = Rect::new(0, 0, bgr.cols(), bgr.rows());
        self.learn_in(bgr, all, mask, self.cfg.seg_plate_rate)
    }

    /// [`Segmenter::learn`] inside `rect` only, `mask` being `rect`'s size, at blending rate `alpha`.
    fn learn_in(&mut self, bgr: &Mat, rect: Rect, mask: &Mat, alpha: f32) -> opencv::Result<()> {
        let size = bgr.size()?;
        if self.plate.is_none() {
            self.plate = Some(Mat::new_size_with_default(
                size,
                CV_32FC3,
                Scalar::all(0.0),
            )?);
            self.valid = Some(Mat::new_size_with_default(size, CV_8UC1, Scalar::all(0.0))?);
        }
        let (Some(p), Some(v)) = (self.plate.as_mut(), self.valid.as_mut()) else {
            return Ok(());
        };
        let w = size.width as usize;
        let (rx, rw) = (rect.x as usize, rect.width as usize);
        let c = bgr.data_bytes()?;
        let mb = mask.data_bytes()?;
        let vb = v.data_bytes_mut()?;
        let pb = crate::flow::floats_mut(p.data_typed_mut::<opencv::core::Vec3f>()?);
        for (ry, mrow) in mb.chunks_exact(rw).enumerate() {
            let at = (rect.y as usize + ry) * w + rx;
            let (vrow, prow) = (&mut vb[at..at + rw], &mut pb[3 * at..3 * (at + rw)]);
            let crow = &c[3 * at..3 * (at + rw)];
            // Runs of set mask pixels; where the whole run is known, blended as one slice of floats.
            for (x0, x1) in morphology::runs(mrow) {
                let (cs, ps) = (&crow[3 * x0..3 * x1], &mut prow[3 * x0..3 * x1]);
                if morphology::all_set(&vrow[x0..x1]) {
                    for (p, &c) in ps.iter_mut().zip(cs) {
                        *p += alpha * (c as f32 - *p);
                    }
                } else {
                    let pixels = ps.chunks_exact_mut(3).zip(cs.chunks_exact(3));
                    for ((p, c), v) in pixels.zip(&mut vrow[x0..x1]) {
                        for (p, &c) in p.iter_mut().zip(c) {
                            *p = if *v == 0 {
                                c as f32
                            } else {
                                *p + alpha * (c as f32 - *p)
                            };
                        }
                        *v = 255;
                    }
                }
            }
        }
        Ok(())
    }

    /// Copies the frame into the plate inside `rect` where `mask` is set (absorbs a ghost).
    pub fn absorb(&mut self, bgr: &Mat, rect: Rect, mask: &Mat) -> opencv::Result<()> {
        self.learn_in(bgr, rect, mask, 1.0)
    }
}

/// The frame (8-bit BGR), the plate (f32 BGR) and where the plate is known (non-zero), per pixel.
struct PlateInputs<'a> {
    frame: &'a [u8],
    plate: &'a [f32],
    known: &'a [u8],
}

/// Where the plate is known: `fg` = 255 where the largest channel difference to the plate
/// exceeds `thr` (else 0) and `low` = 255 where it exceeds `FAINT * thr`; elsewhere `fg` is left
/// alone and `low` is 0. Returns the number of known pixels and of those whose difference,
/// truncated to a whole level (at most 255), is at most `quiet_bound`.
fn plate_difference(
    inp: PlateInputs,
    fg: &mut [u8],
    low: &mut [u8],
    thr: f32,
    quiet_bound: f32,
) -> (u32, u32) {
    // Blocks of pixels: channel differences over the block's floats at once, each pixel's largest
    // of three, then the per-pixel marks and counts (each step a loop that runs as vectors).
    const B: usize = 32;
    let (mut known_n, mut quiet_n) = (0u32, 0u32);
    let blocks = inp
        .frame
        .chunks(3 * B)
        .zip(inp.plate.chunks(3 * B))
        .zip(inp.known.chunks(B))
        .zip(fg.chunks_mut(B).zip(low.chunks_mut(B)));
    let (mut diff, mut dd) = ([0f32; 3 * B], [0f32; B]);
    for (((c, pl), known), (fg, low)) in blocks {
        for ((d, &c), &p) in diff.iter_mut().zip(c).zip(pl) {
            *d = (c as f32 - p).abs();
        }
        // Differences are finite: `>` picks as `f32::max` would.
        let big = |a: f32, b: f32| if a > b { a } else { b };
        for (m, t) in dd.iter_mut().zip(diff.chunks_exact(3)) {
            *m = big(big(t[0], t[1]), t[2]);
        }
        for (((&dd, &vb), f), l) in dd.iter().zip(known).zip(fg).zip(low) {
            let known = vb > 0;
            *f = if known {
                ((dd > thr) as u8).wrapping_neg()
            } else {
                *f
            };
            *l = ((known & (dd > FAINT * thr)) as u8).wrapping_neg();
            // The level truncated to a whole number (as `as u16` would, in a form that vectorises).
            let level = dd.min(255.0).trunc();
            known_n += known as u32;
            quiet_n += (known & (level <= quiet_bound)) as u32;
        }
    }
    (known_n, quiet_n)
}

/// Share of `seg_plate_diff` above which a plate difference is a faint blob.
const FAINT: f32 = 0.67;
/// Share of a faint blob's pixels that must show residual motion.
const FAINT_MIN_MOVING: f64 = 0.2;
/// Largest 90th percentile of the plate difference, as a share of `seg_plate_diff`, at which
/// faint blobs are looked for.
const FAINT_NOISE: f32 = 0.2;
/// Largest faint blob, in smallest-blob areas.
const FAINT_MAX_AREAS: f64 = 4.0;

/// A foreground mask opened (3x3) to drop speckle, then closed (5x5) to fill small gaps.
fn cleaned(fg: &Mat) -> opencv::Result<Mat> {
    morphology::apply_all(fg, &[(Op::Open, ELLIPSE3, 1), (Op::Close, ELLIPSE5, 1)])
}

/// Connected components (8-connected) of a mask of at least `min_area` px: box, mask inside the
/// box (255 on the component, 0 elsewhere), area; in OpenCV's label order. Labels runs of set
/// pixels and joins touching runs of consecutive rows (union-find), so no label image is written
/// or compared.
fn blobs(clean: &Mat, min_area: f64) -> opencv::Result<Vec<(Rect, Mat, f64)>> {
    let (w, h) = (clean.cols() as usize, clean.rows() as usize);
    let data = morphology::bytes(clean)?;
    let mut out = Vec::new();
    for c in components(&data, w, h) {
        if (c.area as f64) < min_area {
            continue;
        }
        let (rect, mask) = c.crop((0, 0))?;
        out.push((rect, mask, c.area as f64));
    }
    Ok(out)
}

/// A horizontal run of set pixels: row `y`, columns `x0..x1`.
#[derive(Clone, Copy, Debug)]
struct Run {
    y: usize,
    x0: usize,
    x1: usize,
}

/// An 8-connected component: its runs (raster order), pixel count and inclusive box.
#[derive(Debug)]
struct Component {
    runs: Vec<Run>,
    area: usize,
    x0: usize,
    y0: usize,
    x1: usize,
    y1: usize,
}

impl Component {
    /// Its box, moved by `origin` (where the labelled mask's top-left pixel lies), and its mask
    /// inside the box (255 on the component, 0 elsewhere).
    fn crop(&self, origin: (i32, i32)) -> opencv::Result<(Rect, Mat)> {
        let (bw, bh) = (self.x1 - self.x0 + 1, self.y1 - self.y0 + 1);
        let mut mask = vec![0u8; bw * bh];
        for r in &self.runs {
            let row = (r.y - self.y0) * bw;
            mask[row + r.x0 - self.x0..row + r.x1 - self.x0].fill(255);
        }
        let rect = Rect::new(
            origin.0 + self.x0 as i32,
            origin.1 + self.y0 as i32,
            bw as i32,
            bh as i32,
        );
        let mask = Mat::from_slice(&mask)?.reshape(1, bh as i32)?.try_clone()?;
        Ok((rect, mask))
    }
}

/// The 8-connected components of the set (non-zero) pixels of a `w` × `h` row-major mask, in
/// OpenCV's label order: the raster order of the first 2x2 block (rows and columns paired from 0)
/// each touches. (All set pixels of a block are 8-neighbours, so no two components share one.)
fn components(data: &[u8], w: usize, h: usize) -> Vec<Component> {
    let mut runs: Vec<Run> = Vec::new();
    let mut row_start = Vec::with_capacity(h + 1);
    for (y, row) in data.chunks_exact(w.max(1)).take(h).enumerate() {
        row_start.push(runs.len());
        for (x0, x1) in morphology::runs(row) {
            runs.push(Run { y, x0, x1 });
        }
    }
    row_start.push(runs.len());
    // Union-find over runs; a root is the earliest run of its component.
    let mut parent: Vec<usize> = (0..runs.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for y in 1..row_start.len().saturating_sub(1) {
        let (above, here) = (
            row_start[y - 1]..row_start[y],
            row_start[y]..row_start[y + 1],
        );
        let mut a = above.start;
        for r in here {
            // Runs above touching r (diagonals included): start at most one past r's end and end
            // at least one before its start.
            while a < above.end && runs[a].x1 < runs[r].x0 {
                a += 1;
            }
            let mut k = a;
            while k < above.end && runs[k].x0 <= runs[r].x1 {
                let (ra, rr) = (root(&mut parent, k), root(&mut parent, r));
                if ra != rr {
                    let (lo, hi) = (ra.min(rr), ra.max(rr));
                    parent[hi] = lo;
                }
                k += 1;
            }
        }
    }
    let mut index_of_root = vec![usize::MAX; runs.len()];
    let mut comps: Vec<Component> = Vec::new();
    for (i, &run) in runs.iter().enumerate() {
        let r = root(&mut parent, i);
        if index_of_root[r] == usize::MAX {
            index_of_root[r] = comps.len();
            comps.push(Component {
                runs: Vec::new(),
                area: 0,
                x0: usize::MAX,
                y0: run.y,
                x1: 0,
                y1: 0,
            });
        }
        let c = &mut comps[index_of_root[r]];
        c.runs.push(run);
        c.area += run.x1 - run.x0;
        c.x0 = c.x0.min(run.x0);
        c.x1 = c.x1.max(run.x1 - 1);
        c.y1 = run.y;
    }
    let first_block = |c: &Component| {
        c.runs
            .iter()
            .map(|r| (r.y / 2, r.x0 / 2))
            .min()
            .expect("a component has a run")
    };
    comps.sort_by_cached_key(first_block);
    comps
}

/// The largest 8-connected component of the set pixels of a `w` × `h` row-major mask (the first
/// in label order among equals) as a mask of the same size (255 on it); None when nothing is set.
pub(crate) fn largest_component(data: &[u8], w: usize, h: usize) -> Option<Vec<u8>> {
    let comps = components(data, w, h);
    let mut best: Option<&Component> = None;
    for c in &comps {
        if best.is_none_or(|b| c.area > b.area) {
            best = Some(c);
        }
    }
    let c = best?;
    let mut out = vec![0u8; w * h];
    for r in &c.runs {
        out[r.y * w + r.x0..r.y * w + r.x1].fill(255);
    }
    Some(out)
}

/// Closes a motion mask (9x9), fills the holes of its blobs and dilates it a little.
fn filled(motion: &Mat) -> opencv::Result<Mat> {
    let closed = morphology::apply(motion, Op::Close, ELLIPSE9, 1)?;
    let mut contours = Vector::<Vector<Point>>::new();
    imgproc::find_contours(
        &closed,
        &mut contours,
        imgproc::RETR_EXTERNAL,
        imgproc::CHAIN_APPROX_SIMPLE,
        Point::new(0, 0),
    )?;
    let mut out = Mat::new_size_with_default(motion.size()?, CV_8UC1, Scalar::all(0.0))?;
    imgproc::draw_contours(
        &mut out,
        &contours,
        -1,
        Scalar::all(255.0),
        -1,
        imgproc::LINE_8,
        &opencv::core::no_array(),
        i32::MAX,
        Point::new(0, 0),
    )?;
    morphology::apply(&out, Op::Dilate, ELLIPSE9, 1)
}

/// Half Sobel |∂x| + |∂y| of the grey image (8-bit): OpenCV's 3x3 Sobel (reflect-101 border),
/// each half magnitude rounded half to even, the sum saturated, in one pass over the image.
fn edge_strength(bgr: &Mat) -> opencv::Result<Mat> {
    let mut gray = Mat::default();
    imgproc::cvt_color_def(bgr, &mut gray, imgproc::COLOR_BGR2GRAY)?;
    gray_edge_strength(&gray)
}

/// [`edge_strength`] of the plate (f32 BGR, rounded to 8 bits) inside `rect`, computed on `rect`
/// grown by one pixel (within the image) so every value matches the whole image's; with the
/// frame position of its top-left pixel.
fn plate_edges_around(plate: &Mat, rect: Rect) -> opencv::Result<(Mat, Point)> {
    let (w, h) = (plate.cols(), plate.rows());
    let (x0, y0) = ((rect.x - 1).max(0), (rect.y - 1).max(0));
    let (x1, y1) = (
        (rect.x + rect.width + 1).min(w),
        (rect.y + rect.height + 1).min(h),
    );
    let around = Rect::new(x0, y0, x1 - x0, y1 - y0);
    let mut plate8 = Mat::default();
    Mat::roi(plate, around)?.convert_to(&mut plate8, opencv::core::CV_8UC3, 1.0, 0.0)?;
    Ok((edge_strength(&plate8)?, Point::new(x0, y0)))
}

/// [`edge_strength`] of an image already converted to grey (OpenCV's BGR2GRAY).
fn gray_edge_strength(gray: &Mat) -> opencv::Result<Mat> {
    let (w, h) = (gray.cols() as usize, gray.rows() as usize);
    let mut out = Mat::new_rows_cols_with_default(h as i32, w as i32, CV_8UC1, Scalar::all(0.0))?;
    if w < 2 || h < 2 {
        return Ok(out);
    }
    let g = gray.data_bytes()?;
    let o = out.data_bytes_mut()?;
    // Reflect-101: index -1 reads 1, index n reads n - 2.
    let reflect = |i: isize, n: usize| -> usize {
        if i < 0 {
            1
        } else if i as usize >= n {
            n - 2
        } else {
            i as usize
        }
    };
    // |v| / 2 rounded half to even, as convertScaleAbs rounds.
    let half = |v: i16| -> i16 {
        let (a, q) = (v.abs(), v.abs() >> 1);
        q + (a & q & 1)
    };
    // Per column: vertical smoothing [1 2 1] and difference [-1 0 1], reflected at both ends
    // (in i16, |values| ≤ 1020, so eight columns go in one vector).
    let (mut sv, mut dv) = (vec![0i16; w + 2], vec![0i16; w + 2]);
    for y in 0..h {
        let (up, down) = (
            reflect(y as isize - 1, h) * w,
            reflect(y as isize + 1, h) * w,
        );
        let (r0, r1, r2) = (&g[up..up + w], &g[y * w..(y + 1) * w], &g[down..down + w]);
        for ((s, d), ((&a, &b), &c)) in sv[1..=w]
            .iter_mut()
            .zip(&mut dv[1..=w])
            .zip(r0.iter().zip(r1).zip(r2))
        {
            let (a, b, c) = (a as i16, b as i16, c as i16);
            *s = a + 2 * b + c;
            *d = c - a;
        }
        (sv[0], dv[0], sv[w + 1], dv[w + 1]) = (sv[2], dv[2], sv[w - 1], dv[w - 1]);
        let orow = &mut o[y * w..(y + 1) * w];
        let (s0, s2) = (&sv[..w], &sv[2..]);
        let (d0, d1, d2) = (&dv[..w], &dv[1..=w], &dv[2..]);
        let cols = s0.iter().zip(s2).zip(d0.iter().zip(d1).zip(d2));
        for (o, ((&s0, &s2), ((&d0, &d1), &d2))) in orow.iter_mut().zip(cols) {
            let (gx, gy) = (s2 - s0, d0 + 2 * d1 + d2);
            *o = (half(gx) + half(gy)).min(255) as u8;
        }
    }
    Ok(out)
}

/// Means of each of `edges` on the outline (mask pixels with an unset 8-neighbour, outside the box
/// unset: the mask minus its 3x3 erosion) of a detection, as OpenCV's masked `mean` computes them.
/// Each edge image comes with the frame position of its top-left pixel; it must cover the box.
fn outline_means<const N: usize>(
    edges: [(&Mat, Point); N],
    d: &Detection,
) -> opencv::Result<[f64; N]> {
    let mask = morphology::bytes(&d.mask)?;
    let (w, h) = (d.rect.width as usize, d.rect.height as usize);
    // The mask with a one-pixel unset border, so every neighbour lookup is in bounds.
    let pw = w + 2;
    let mut padded = vec![0u8; pw * (h + 2)];
    for (row, src) in padded
        .chunks_exact_mut(pw)
        .skip(1)
        .zip(mask.chunks_exact(w.max(1)))
    {
        row[1..=w].copy_from_slice(src);
    }
    // Per padded row, the smallest of each pixel and its two neighbours (the 3x3 erosion's
    // horizontal half); then, row by row, the outline as 0/1 and the edge sums under it, all
    // without branches.
    let mut hmin = vec![0u8; w * (h + 2)];
    for (hm, row) in hmin.chunks_exact_mut(w.max(1)).zip(padded.chunks_exact(pw)) {
        let cols = row.iter().zip(&row[1..]).zip(&row[2..]);
        for (m, ((&a, &b), &c)) in hm.iter_mut().zip(cols) {
            *m = a.min(b).min(c);
        }
    }
    let images: Vec<(usize, &[u8], Point)> = edges
        .iter()
        .map(|&(e, at)| Ok((e.cols() as usize, e.data_bytes()?, at)))
        .collect::<opencv::Result<_>>()?;
    let mut sums = [0u64; N];
    let mut count = 0u64;
    let mut ring = vec![0u8; w];
    for y in 0..h {
        let mid = &padded[(y + 1) * pw + 1..(y + 1) * pw + 1 + w];
        let (a, b, c) = (
            &hmin[y * w..(y + 1) * w],
            &hmin[(y + 1) * w..(y + 2) * w],
            &hmin[(y + 2) * w..(y + 3) * w],
        );
        for ((r, &m), ((&a, &b), &c)) in ring.iter_mut().zip(mid).zip(a.iter().zip(b).zip(c)) {
            *r = ((m != 0) & (a.min(b).min(c) == 0)) as u8;
        }
        count += ring.iter().map(|&r| r as u64).sum::<u64>();
        for (sum, &(ew, bytes, at)) in sums.iter_mut().zip(&images) {
            let fy = d.rect.y as usize + y - at.y as usize;
            let from = fy * ew + d.rect.x as usize - at.x as usize;
            let e = &bytes[from..from + w];
            *sum += ring
                .iter()
                .zip(e)
                .map(|(&r, &v)| (r * v) as u32)
                .sum::<u32>() as u64;
        }
    }
    let mut out = [0.0; N];
    for (o, sum) in out.iter_mut().zip(sums) {
        *o = scaled_mean(sum, count);
    }
    Ok(out)
}

/// `sum / n` as OpenCV's `mean` rounds it (times the reciprocal); 0 for no pixels.
fn scaled_mean(sum: u64, n: u64) -> f64 {
    sum as f64 * if n > 0 { 1.0 / n as f64 } else { 0.0 }
}

/// Mean BGR colour of `bgr` under `mask` (inside `rect`) and the number of those pixels that are
/// set in `motion`, as OpenCV's masked `mean` and `countNonZero` give them.
fn colour_and_moving(
    bgr: &Mat,
    motion: &Mat,
    rect: Rect,
    mask: &Mat,
) -> opencv::Result<([f64; 3], u64)> {
    let m = morphology::bytes(mask)?;
    let (w, h) = (rect.width as usize, rect.height as usize);
    let fw = bgr.cols() as usize;
    let (c, mo) = (bgr.data_bytes()?, motion.data_bytes()?);
    let (rx, ry) = (rect.x as usize, rect.y as usize);
    let (mut sums, mut n, mut moving) = ([0u64; 3], 0u64, 0u64);
    for (y, mrow) in m.chunks_exact(w.max(1)).take(h).enumerate() {
        let row = (ry + y) * fw + rx;
        // Runs of set mask pixels: their colours summed per channel, their moving pixels counted.
        for (x0, x1) in morphology::runs(mrow) {
            for p in c[3 * (row + x0)..3 * (row + x1)].chunks_exact(3) {
                for (s, &v) in sums.iter_mut().zip(p) {
                    *s += v as u64;
                }
            }
            n += (x1 - x0) as u64;
            moving += mo[row + x0..row + x1]
                .iter()
                .zip(&mrow[x0..x1])
                .filter(|(&a, &b)| a & b != 0)
                .count() as u64;
        }
    }
    Ok((sums.map(|s| scaled_mean(s, n)), moving))
}

/// Pixels near image structure: `edges` (see [`edge_strength`]) above `thr`, dilated by 2 px.
fn texture_mask(edges: &Mat, thr: f64) -> opencv::Result<Mat> {
    let mut m = Mat::default();
    imgproc::threshold(edges, &mut m, thr, 255.0, imgproc::THRESH_BINARY)?;
    morphology::apply(&m, Op::Dilate, RECT5, 1)
}

/// OpenCV's `moments(mask, true)` (the spatial moments of the set pixels, then its central and
/// normalised ones), summed over the runs of each row in exact integers. OpenCV's per-pixel sums
/// are exact in doubles at these sizes, so the two agree bit for bit.
fn binary_moments(mask: &Mat) -> opencv::Result<opencv::core::Moments> {
    let (w, h) = (mask.cols() as usize, mask.rows() as usize);
    let data = morphology::bytes(mask)?;
    // Sums of x^0..x^3 over x in 0..n.
    let power_sums = |n: i128| {
        [
            n,
            n * (n - 1) / 2,
            (n - 1) * n * (2 * n - 1) / 6,
            (n * (n - 1) / 2).pow(2),
        ]
    };
    let mut m = [0i128; 10];
    for (y, row) in data.chunks_exact(w.max(1)).take(h).enumerate() {
        let mut s = [0i128; 4];
        for (a, b) in morphology::runs(row) {
            let (hi, lo) = (power_sums(b as i128), power_sums(a as i128));
            for k in 0..4 {
                s[k] += hi[k] - lo[k];
            }
        }
        let y = y as i128;
        // m00 m10 m01 m20 m11 m02 m30 m21 m12 m03
        let terms = [
            s[0],
            s[1],
            s[0] * y,
            s[2],
            s[1] * y,
            s[0] * y * y,
            s[3],
            s[2] * y,
            s[1] * y * y,
            s[0] * y * y * y,
        ];
        for (m, t) in m.iter_mut().zip(terms) {
            *m += t;
        }
    }
    let f = m.map(|v| v as f64);
    opencv::core::Moments::new(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8], f[9])
}

/// A blob (box, mask inside it, area) of frame `bgr` described: centroid, mean colour, share of
/// its pixels set in `motion`, Hu moments and shape (see [`add_shape`]).
fn describe(
    bgr: &Mat,
    motion: &Mat,
    rect: Rect,
    mask: Mat,
    area: f64,
) -> opencv::Result<Detection> {
    let mut d = describe_look(bgr, motion, rect, mask, area)?;
    add_shape(&mut d)?;
    Ok(d)
}

/// [`describe`] without the shape descriptors (solidity 1, no extremities), which segmentation
/// adds only to the blobs it keeps.
fn describe_look(
    bgr: &Mat,
    motion: &Mat,
    rect: Rect,
    mask: Mat,
    area: f64,
) -> opencv::Result<Detection> {
    let m = binary_moments(&mask)?;
    let (cx, cy) = (
        rect.x as f64 + m.m10 / m.m00.max(1.0),
        rect.y as f64 + m.m01 / m.m00.max(1.0),
    );
    let (mean, moving) = colour_and_moving(bgr, motion, rect, &mask)?;
    let moving_frac = moving as f64 / area.max(1.0);
    let mut hu = [0.0f64; 7];
    imgproc::hu_moments(m, &mut hu)?;
    let lg = |v: f64| {
        if v.abs() < 1e-30 {
            0.0
        } else {
            -v.signum() * v.abs().log10()
        }
    };
    Ok(Detection {
        rect,
        mask,
        area,
        cx,
        cy,
        colour: [mean[0], mean[1], mean[2]],
        moving_frac,
        solidity: 1.0,
        extremities: 0,
        hu: [lg(hu[0]), lg(hu[1])],
        faint: false,
        grown: false,
        unexplained: 0.0,
    })
}

/// The shape descriptors of detection `d` from its mask's outer contour: solidity (area over the
/// convex hull's) and extremities (convexity defects deeper than 0.18 of the blob's scale).
fn add_shape(d: &mut Detection) -> opencv::Result<()> {
    let (mask, area) = (&d.mask, d.area);
    let mut contours = Vector::<Vector<Point>>::new();
    imgproc::find_contours(
        mask,
        &mut contours,
        imgproc::RETR_EXTERNAL,
        // Straight runs reduced to their ends: the hull and the defect depths (farthest points,
        // which are run ends) are those of the full outline.
        imgproc::CHAIN_APPROX_SIMPLE,
        Point::new(0, 0),
    )?;
    let (mut solidity, mut extremities) = (1.0, 0);
    if let Some(c) = contours.iter().max_by_key(|c| c.len()) {
        let mut hull_idx = Vector::<i32>::new();
        imgproc::convex_hull(&c, &mut hull_idx, false, false)?;
        let hull_pts: Vector<Point> = hull_idx
            .iter()
            .filter_map(|i| c.get(i.max(0) as usize).ok())
            .collect();
        let ha = imgproc::contour_area(&hull_pts, false)?;
        if ha > 0.0 {
            solidity = (area / ha).min(1.0);
        }
        if hull_idx.len() > 3 && c.len() > 3 {
            let mut defects = Vector::<opencv::core::Vec4i>::new();
            if imgproc::convexity_defects(&c, &hull_idx, &mut defects).is_ok() {
                let min_depth = 0.18 * area.sqrt() * 256.0;
                extremities = defects.iter().filter(|d| d[3] as f64 > min_depth).count() as u32;
            }
        }
    }
    (d.solidity, d.extremities) = (solidity, extremities);
    Ok(())
}

/// Splits blob `d` of frame `bgr` by colour: the part nearer colour `near` than colour `far`
/// (pixel by pixel, opened 3x3, its largest component) and the rest of the blob (its largest
/// component); None when either part is under `min_area` px. Both keep the blob's share of
/// moving pixels. For two objects of clearly different colours seen as one blob.
pub fn split_by_colour(
    bgr: &Mat,
    d: &Detection,
    near: [f64; 3],
    far: [f64; 3],
    min_area: f64,
) -> opencv::Result<Option<(Detection, Detection)>> {
    let (w, h) = (d.rect.width as usize, d.rect.height as usize);
    let m = morphology::bytes(&d.mask)?.into_owned();
    let fw = bgr.cols() as usize;
    let c = bgr.data_bytes()?;
    // Squared channel distances to a colour, per channel and level (looked up, not computed
    // for every pixel).
    let squares = |col: [f64; 3]| -> Vec<[f64; 256]> {
        col.iter()
            .map(|&v| std::array::from_fn(|l| (l as f64 - v).powi(2)))
            .collect()
    };
    let (sq_near, sq_far) = (squares(near), squares(far));
    let dist = |px: &[u8], sq: &[[f64; 256]]| (0..3).map(|k| sq[k][px[k] as usize]).sum::<f64>();
    let mut nearer = vec![0u8; w * h];
    for (y, (out, mrow)) in nearer
        .chunks_exact_mut(w.max(1))
        .zip(m.chunks_exact(w.max(1)))
        .enumerate()
    {
        let from = 3 * ((d.rect.y as usize + y) * fw + d.rect.x as usize);
        let row = &c[from..from + 3 * w];
        for ((o, &inside), px) in out.iter_mut().zip(mrow).zip(row.chunks_exact(3)) {
            if inside != 0 && dist(px, &sq_near) < dist(px, &sq_far) {
                *o = 255;
            }
        }
    }
    let opened = morphology::apply_bytes(nearer, w, h, Op::Open, ELLIPSE3, 1);
    let largest = |data: &[u8]| -> Option<Component> {
        components(data, w, h)
            .into_iter()
            .max_by_key(|c| (c.area, std::cmp::Reverse((c.y0, c.x0))))
    };
    let Some(a) = largest(&opened) else {
        return Ok(None);
    };
    let mut rest = m;
    for r in &a.runs {
        rest[r.y * w + r.x0..r.y * w + r.x1].fill(0);
    }
    let Some(b) = largest(&rest) else {
        return Ok(None);
    };
    if (a.area as f64) < min_area || (b.area as f64) < min_area {
        return Ok(None);
    }
    let still = Mat::new_rows_cols_with_default(bgr.rows(), bgr.cols(), CV_8UC1, Scalar::all(0.0))?;
    let part = |c: &Component| -> opencv::Result<Detection> {
        let (rect, mask) = c.crop((d.rect.x, d.rect.y))?;
        let mut out = describe(bgr, &still, rect, mask, c.area as f64)?;
        out.moving_frac = d.moving_frac;
        Ok(out)
    };
    Ok(Some((part(&a)?, part(&b)?)))
}

/// Least share of a blob that its ghost trail must cover to be trimmed (see [`trailing_ghost`]).
const TRAIL_MIN_SHARE: f64 = 0.05;

/// The ghost trail of blob `d`. A slow object was learnt into the plate where it stood; where it
/// has moved on, the uncovered background differs from the plate and joins its blob. Trail
/// pixels are still (no residual motion), show a colour nearer the blob's surroundings than the
/// plate's by [`STANDS_OUT`] (some channel), and the plate there holds the object's own colour
/// (every channel within [`OWN_COLOUR`] of the median of the blob's other pixels).
/// Returns the blob without the trail (its largest remaining component), the trail's mask and
/// the mask of all it cut off (the trail and the crumbs it left), both in `d.rect`; None when the
/// trail is under [`TRAIL_MIN_SHARE`] of the blob or `min_area`, when the rest would be under half
/// the blob, when the trail cuts it into sizable pieces, or when the rest fills the blob's box (a
/// trail sticks out behind the object; what lies inside the box is gaps between its parts).
fn trailing_ghost(
    bgr: &Mat,
    motion: &Mat,
    plate: PlateInputs,
    d: &Detection,
    min_area: f64,
) -> opencv::Result<Option<(Detection, Mat, Mat)>> {
    let (w, h) = (d.rect.width as usize, d.rect.height as usize);
    let m = morphology::bytes(&d.mask)?;
    let fw = bgr.cols() as usize;
    let mo = motion.data_bytes()?;
    let at = |x: usize, y: usize| (d.rect.y as usize + y) * fw + d.rect.x as usize + x;
    let max_diff = |a: &[f32], b: &[f32]| {
        a.iter()
            .zip(b)
            .map(|(u, v)| (u - v).abs())
            .fold(0f32, f32::max)
    };
    // Trail pixels are still, and the opening and the own-colour test below only remove pixels:
    // a blob with too few still pixels, or too few that qualify, has no trail to cut.
    let least = min_area.max(TRAIL_MIN_SHARE * d.area);
    if d.area * (1.0 - d.moving_frac) + 0.5 < least {
        return Ok(None);
    }
    // What the frame shows around the blob: the background, near enough.
    let ring = surround_colour(bgr, d.rect)?.map(|v| v as f32);
    let mut trail = vec![0u8; w * h];
    let mut candidates = 0usize;
    for (y, mrow) in m.chunks_exact(w.max(1)).take(h).enumerate() {
        let row = at(0, y);
        for (x0, x1) in morphology::runs(mrow) {
            let (a, b) = (row + x0, row + x1);
            let px = plate.plate[3 * a..3 * b]
                .chunks_exact(3)
                .zip(plate.frame[3 * a..3 * b].chunks_exact(3))
                .zip(plate.known[a..b].iter().zip(&mo[a..b]));
            for (t, ((pc, fc), (&k, &mv))) in trail[y * w + x0..y * w + x1].iter_mut().zip(px) {
                let (mut dp, mut df) = (0f32, 0f32);
                for c in 0..3 {
                    dp = dp.max((pc[c] - ring[c]).abs());
                    df = df.max((fc[c] as f32 - ring[c]).abs());
                }
                let hit = (k != 0) & (mv == 0) & (dp > df + STANDS_OUT as f32);
                *t = (hit as u8).wrapping_neg();
                candidates += hit as usize;
            }
        }
    }
    if (candidates as f64) < least {
        return Ok(None);
    }
    // The blob's other pixels' colours, channel by channel.
    let mut hist = [[0u32; 256]; 3];
    let mut n = 0u32;
    for (y, mrow) in m.chunks_exact(w.max(1)).take(h).enumerate() {
        let row = at(0, y);
        for (x0, x1) in morphology::runs(mrow) {
            for x in (x0..x1).filter(|&x| trail[y * w + x] == 0) {
                let p = row + x;
                for (hc, &v) in hist.iter_mut().zip(&plate.frame[3 * p..3 * p + 3]) {
                    hc[v as usize] += 1;
                }
                n += 1;
            }
        }
    }
    let own = hist.map(|hc| {
        let mut acc = 0;
        hc.iter()
            .position(|&k| {
                acc += k;
                2 * acc > n
            })
            .unwrap_or(0) as f32
    });
    for y in 0..h {
        for x in 0..w {
            let p = at(x, y);
            if trail[y * w + x] != 0
                && max_diff(&plate.plate[3 * p..3 * p + 3], &own) >= OWN_COLOUR as f32
            {
                trail[y * w + x] = 0;
            }
        }
    }
    let trail = morphology::apply_bytes(trail, w, h, Op::Open, ELLIPSE3, 1);
    let cut = trail.iter().filter(|&&v| v != 0).count() as f64;
    if cut < least {
        return Ok(None);
    }
    let rest: Vec<u8> = m.iter().zip(&trail).map(|(&a, &t)| a & !t).collect();
    let mut pieces = components(&rest, w, h);
    pieces.sort_by_key(|c| std::cmp::Reverse(c.area));
    // A trail that cuts the blob into sizable pieces (a limb from a body) is too unsure to cut.
    if pieces.get(1).is_some_and(|c| c.area as f64 >= least) {
        return Ok(None);
    }
    let Some(body) = pieces.first() else {
        return Ok(None);
    };
    if (body.area as f64) < 0.5 * d.area {
        return Ok(None);
    }
    // A trail extends the blob's box; inside it, cut pixels are gaps the cleaning filled.
    let shrinks = body.x1 - body.x0 + 1 + 2 < w || body.y1 - body.y0 + 1 + 2 < h;
    if !shrinks {
        return Ok(None);
    }
    let (rect, mask) = body.crop((d.rect.x, d.rect.y))?;
    let mut out = describe_look(bgr, motion, rect, mask, body.area as f64)?;
    out.faint = d.faint;
    // The trail and the crumbs it cut off leave the blob.
    let mut cut_off = m.into_owned();
    for r in &body.runs {
        cut_off[r.y * w + r.x0..r.y * w + r.x1].fill(0);
    }
    let as_mat =
        |v: &[u8]| -> opencv::Result<Mat> { Mat::from_slice(v)?.reshape(1, h as i32)?.try_clone() };
    Ok(Some((out, as_mat(&trail)?, as_mat(&cut_off)?)))
}

/// Mean BGR colour of the ring around box `r` (a third of its longer side wide, within the frame).
pub(crate) fn surround_colour(bgr: &Mat, r: opencv::core::Rect) -> opencv::Result<[f64; 3]> {
    let (w, h) = (bgr.cols(), bgr.rows());
    let m = (r.width.max(r.height) / 3).max(3);
    let (x0, y0) = ((r.x - m).max(0), (r.y - m).max(0));
    let (x1, y1) = ((r.x + r.width + m).min(w), (r.y + r.height + m).min(h));
    let data = bgr.data_bytes()?;
    let (mut sum, mut n) = ([0u64; 3], 0u64);
    // Each row's spans outside the box.
    let (inner0, inner1) = (r.x.clamp(x0, x1), (r.x + r.width).clamp(x0, x1));
    for y in y0..y1 {
        let spans: &[(i32, i32)] = if y >= r.y && y < r.y + r.height {
            &[(x0, inner0), (inner1, x1)]
        } else {
            &[(x0, x1)]
        };
        for &(a, b) in spans {
            let row = 3 * (y * w) as usize;
            for p in data[row + 3 * a as usize..row + 3 * b as usize].chunks_exact(3) {
                for k in 0..3 {
                    sum[k] += p[k] as u64;
                }
            }
            n += (b - a).max(0) as u64;
        }
    }
    Ok(sum.map(|s| s as f64 / n.max(1) as f64))
}

/// Whether two blobs (frame rect, row-major mask bytes) share a pixel.
fn shares_pixels(a: (Rect, &[u8]), b: (Rect, &[u8])) -> bool {
    let i = a.0 & b.0;
    if i.width <= 0 || i.height <= 0 {
        return false;
    }
    let at =
        |s: (Rect, &[u8]), x: i32, y: i32| s.1[((y - s.0.y) * s.0.width + x - s.0.x) as usize] != 0;
    (i.y..i.y + i.height).any(|y| (i.x..i.x + i.width).any(|x| at(a, x, y) && at(b, x, y)))
}

/// Smallest share of its own area a blob must gain to be grown: a blob showing most of its object
/// is left as it is.
const MIN_GROWTH: f64 = 0.5;

/// [`MIN_GROWTH`] for a body grown in the frame before: once found whole, a slow object stays
/// whole while its moving edges already show more than half of it (without this, a body whose
/// blob hovers near half its size flickers between whole and part).
const MIN_GROWTH_KEPT: f64 = 0.3;

/// Smallest colour distance (BGR) between a blob and its surroundings for it to be grown over its
/// own colour.
const STANDS_OUT: f64 = 60.0;

/// Largest channel difference (grey levels) between a pixel and a blob's mean colour for the pixel
/// to be of the blob's colour (see [`completed_by_colour`]).
const OWN_COLOUR: f64 = 30.0;

/// What a flood of a blob's own colour found (see [`flood_own_colour`]).
enum Flood {
    /// It ran to the edge of the searched area (within the guard): a region of the colour that
    /// runs farther than the reach.
    Unsure,
    /// Searched area (x0, y0, w, h) in frame px, its pixels' state (2: reached, else not), the
    /// number of pixels added to the blob and the reached pixels' box.
    Reached {
        area: (i32, i32, usize, usize),
        state: Vec<u8>,
        added: usize,
        /// Inclusive box (x0, y0, x1, y1) of the reached pixels in the searched area.
        reached_box: (usize, usize, usize, usize),
    },
}

/// The area a flood of blob `d` searches: `reach` px around its box, within frame `bgr`.
struct SearchArea {
    /// Frame px of its top-left pixel.
    x0: i32,
    y0: i32,
    w: usize,
    h: usize,
    /// Which of its sides (left, top, right, bottom) lie inside the frame.
    open: [bool; 4],
    guard: usize,
}

impl SearchArea {
    fn around(bgr: &Mat, d: &Detection, reach: i32, guard: usize) -> Self {
        let (fw, fh) = (bgr.cols(), bgr.rows());
        let r = d.rect;
        let (x0, y0) = ((r.x - reach).max(0), (r.y - reach).max(0));
        let (x1, y1) = (
            (r.x + r.width + reach).min(fw),
            (r.y + r.height + reach).min(fh),
        );
        SearchArea {
            x0,
            y0,
            w: (x1 - x0) as usize,
            h: (y1 - y0) as usize,
            open: [x0 > 0, y0 > 0, x1 < fw, y1 < fh],
            guard,
        }
    }

    /// Whether pixel (x, y) of the area lies within `guard` px of one of its sides inside the
    /// frame (where the colour's pixels past the side would decide).
    fn inner(&self, x: usize, y: usize) -> bool {
        let g = self.guard;
        (x < g && self.open[0])
            || (y < g && self.open[1])
            || (x + g >= self.w && self.open[2])
            || (y + g >= self.h && self.open[3])
    }
}

/// Whether a pixel value is within [`OWN_COLOUR`] of a colour, per channel: `lo <= v <= hi`.
struct ColourRange {
    lo: [u16; 3],
    hi: [i16; 3],
}

impl ColourRange {
    fn of(colour: [f64; 3]) -> Self {
        ColourRange {
            lo: colour.map(|m| (m - OWN_COLOUR).ceil().clamp(0.0, 256.0) as u16),
            hi: colour.map(|m| (m + OWN_COLOUR).floor().clamp(-1.0, 255.0) as i16),
        }
    }

    #[inline(always)]
    fn holds(&self, p: &[u8]) -> bool {
        let mut near = true;
        for ((&v, &lo), &hi) in p.iter().zip(&self.lo).zip(&self.hi) {
            near &= (v as u16 >= lo) & (v as i16 <= hi);
        }
        near
    }
}

/// Pixels a flood added and the inclusive box (x0, y0, x1, y1) of all it reached.
type Spread = (usize, (usize, usize, usize, usize));

/// States of a flood's pixels.
const UNTESTED: u8 = 0;
const OF_COLOUR: u8 = 1;
const REACHED: u8 = 2;
const OTHER: u8 = 3;

/// Marks blob `d`'s pixels reached in `state` (the pixels of `area`, row by row) and
/// spreads from its outline over pixels of the colour, a run at a time: the outline's 4-neighbours
/// of the colour start runs; a run is widened to its ends, filled, and the rows above and below it
/// give the next starts. An [`UNTESTED`] pixel is tested with `of_colour(x, y)` when first met.
/// Returns the number of pixels added and the reached pixels' inclusive box, or None as soon as a
/// run ends near the area's edge (see [`SearchArea::inner`]) or `limit` pixels are added.
fn spread(
    state: &mut [u8],
    area: &SearchArea,
    d: &Detection,
    limit: usize,
    of_colour: impl Fn(usize, usize) -> bool,
) -> opencv::Result<Option<Spread>> {
    let (w, h) = (area.w, area.h);
    let r = d.rect;
    let m = morphology::bytes(&d.mask)?;
    let (ox, oy) = ((r.x - area.x0) as usize, (r.y - area.y0) as usize);
    let (rw, rh) = (r.width as usize, r.height as usize);
    // Outline: set pixels with an unset 4-neighbour (or on the box's edge), a row at a time.
    let mut outline: Vec<(usize, usize)> = Vec::new();
    let none = vec![0u8; rw];
    let mut edge = vec![0u8; rw];
    for (y, row) in m.chunks_exact(rw.max(1)).take(rh).enumerate() {
        let up = if y > 0 {
            &m[(y - 1) * rw..y * rw]
        } else {
            &none[..]
        };
        let down = if y + 1 < rh {
            &m[(y + 1) * rw..(y + 2) * rw]
        } else {
            &none[..]
        };
        for x in 0..rw {
            let (l, r) = (x > 0 && row[x - 1] != 0, x + 1 < rw && row[x + 1] != 0);
            let inside = (up[x] != 0) & (down[x] != 0) & l & r;
            edge[x] = (row[x] != 0 && !inside) as u8;
        }
        let at = (y + oy) * w + ox;
        for (a, b) in morphology::runs(row) {
            state[at + a..at + b].fill(REACHED);
        }
        for (a, b) in morphology::runs(&edge) {
            outline.extend((a..b).map(|x| (x + ox, y + oy)));
        }
    }
    // The blob's mask fills its box's extent.
    let mut reached_box = (ox, oy, ox + rw - 1, oy + rh - 1);
    let mut starts: Vec<(usize, usize)> = Vec::new();
    for (x, y) in outline {
        if x > 0 {
            starts.push((x - 1, y));
        }
        if x + 1 < w {
            starts.push((x + 1, y));
        }
        if y > 0 {
            starts.push((x, y - 1));
        }
        if y + 1 < h {
            starts.push((x, y + 1));
        }
    }
    let colour_at = |state: &mut [u8], x: usize, y: usize| {
        let v = &mut state[y * w + x];
        if *v == UNTESTED {
            *v = if of_colour(x, y) { OF_COLOUR } else { OTHER };
        }
        *v == OF_COLOUR
    };
    let mut added = 0usize;
    while let Some((x, y)) = starts.pop() {
        if !colour_at(state, x, y) {
            continue;
        }
        let (mut l, mut r) = (x, x);
        while l > 0 && colour_at(state, l - 1, y) {
            l -= 1;
        }
        while r + 1 < w && colour_at(state, r + 1, y) {
            r += 1;
        }
        state[y * w + l..=y * w + r].fill(REACHED);
        added += r - l + 1;
        if area.inner(l, y) || area.inner(r, y) || added >= limit {
            return Ok(None);
        }
        reached_box = (
            reached_box.0.min(l),
            reached_box.1.min(y),
            reached_box.2.max(r),
            reached_box.3.max(y),
        );
        for ny in [y.wrapping_sub(1), y + 1] {
            if ny >= h {
                continue;
            }
            let mut before = false;
            for k in l..=r {
                let now = colour_at(state, k, ny);
                if now && !before {
                    starts.push((k, ny));
                }
                before = now;
            }
        }
    }
    Ok(Some((added, reached_box)))
}

/// Floods blob `d` over the pixels of its own colour (within [`OWN_COLOUR`], thin runs dropped)
/// in the area `reach` px around its box (within the frame). [`Flood::Unsure`] when the flood
/// comes within `guard` px of that area's edge inside the frame: then the colour's pixels past the
/// edge decide.
fn flood_own_colour(bgr: &Mat, d: &Detection, reach: i32, guard: usize) -> opencv::Result<Flood> {
    let area = SearchArea::around(bgr, d, reach, guard);
    let (x0, y0, w, h, fw) = (area.x0, area.y0, area.w, area.h, bgr.cols());
    let c = bgr.data_bytes()?;
    let range = ColourRange::of(d.colour);
    let mut state = vec![0u8; w * h];
    for (y, out) in state.chunks_exact_mut(w).enumerate() {
        let row = (y + y0 as usize) * fw as usize + x0 as usize;
        for (o, p) in out
            .iter_mut()
            .zip(c[3 * row..3 * (row + w)].chunks_exact(3))
        {
            *o = (range.holds(p) as u8).wrapping_neg();
        }
    }
    // Thin runs of the colour (an outline, a seam) are not a body.
    let mut state = morphology::apply_bytes(state, w, h, Op::Open, ELLIPSE5, 1);
    for v in state.iter_mut() {
        *v = if *v != 0 { OF_COLOUR } else { OTHER };
    }
    let Some((added, reached_box)) =
        spread(&mut state, &area, d, usize::MAX, |_, _| unreachable!())?
    else {
        return Ok(Flood::Unsure);
    };
    Ok(Flood::Reached {
        area: (x0, y0, w, h),
        state,
        added,
        reached_box,
    })
}

/// Whether [`flood_own_colour`] (same `reach` and `guard`) surely adds fewer than `limit` pixels:
/// true when the flood over every pixel of the colour, thin runs kept (testing only the pixels it
/// meets), adds fewer without coming near the area's edge. The opening only removes pixels, so
/// the real flood reaches a subset of these. Stops as soon as it reaches `limit` or the edge.
fn grows_less_than(
    bgr: &Mat,
    d: &Detection,
    (reach, guard): (i32, usize),
    limit: usize,
) -> opencv::Result<bool> {
    let area = SearchArea::around(bgr, d, reach, guard);
    let (x0, y0, fw) = (area.x0 as usize, area.y0 as usize, bgr.cols() as usize);
    let c = bgr.data_bytes()?;
    let range = ColourRange::of(d.colour);
    let mut state = vec![UNTESTED; area.w * area.h];
    let of_colour = |x: usize, y: usize| {
        let at = 3 * ((y + y0) * fw + x0 + x);
        range.holds(&c[at..at + 3])
    };
    Ok(spread(&mut state, &area, d, limit, of_colour)?.is_some())
}

/// Blob `d` grown over the pixels of its own colour (within [`OWN_COLOUR`]) joined to it in frame
/// `bgr`: the rest of an object whose body the plate still holds (a slow object is found only at
/// its moving edges). The growth must stay within a reach of the blob's longer side around it;
/// a region of its colour that runs farther is background of a like colour, and the blob is kept
/// as it is. None when nothing is added.
fn completed_by_colour(
    bgr: &Mat,
    d: &Detection,
    was_grown: bool,
) -> opencv::Result<Option<(Rect, Vec<u8>)>> {
    let r = d.rect;
    // The blob must stand out from what is around it (unless it is a body grown before).
    let ring = surround_colour(bgr, r)?;
    if !was_grown && super::colour_dist(d.colour, ring) < STANDS_OUT {
        return Ok(None);
    }
    // Searched first near the blob: a flood that comes close to that area's edge is searched
    // again over the full reach (the result is the same as searching the full reach at once).
    let size = r.width.max(r.height);
    // Most blobs have little of their colour around them: a flood without the opening, testing
    // only the pixels it meets, shows that at a fraction of the cost.
    let min_growth = if was_grown {
        MIN_GROWTH_KEPT
    } else {
        MIN_GROWTH
    };
    let least = (min_growth * d.area).ceil() as usize;
    if least > 0 && grows_less_than(bgr, d, (size / 2 + 8, 5), least)? {
        return Ok(None);
    }
    let flood = match flood_own_colour(bgr, d, size / 2 + 8, 5)? {
        Flood::Unsure => flood_own_colour(bgr, d, (3 * size).max(32), 1)?,
        f => f,
    };
    let Flood::Reached {
        area: (x0, y0, w, h),
        state,
        added,
        reached_box: (bx0, by0, bx1, by1),
    } = flood
    else {
        return Ok(None);
    };
    let (fw, c) = (bgr.cols(), bgr.data_bytes()?);
    if added < least {
        return Ok(None);
    }
    let (bw, bh) = (bx1 - bx0 + 1, by1 - by0 + 1);
    let mut mask = vec![0u8; bw * bh];
    for (y, out) in mask.chunks_exact_mut(bw).enumerate() {
        let from = (y + by0) * w + bx0;
        for (o, &v) in out.iter_mut().zip(&state[from..from + bw]) {
            *o = ((v == REACHED) as u8).wrapping_neg();
        }
    }
    let rect = Rect::new(x0 + bx0 as i32, y0 + by0 as i32, bw as i32, bh as i32);
    // Only a body that stands out from its surroundings is an object: a band 3-4 px outside the
    // grown region (past the blur of its outline) must be far from its colour. A patch of
    // shaded background fades into what is around it.
    // (On the reached pixels' box grown by the band's reach, within the searched area.)
    let (cx0, cy0) = (bx0.saturating_sub(4), by0.saturating_sub(4));
    let (cx1, cy1) = ((bx1 + 5).min(w), (by1 + 5).min(h));
    let cw = cx1 - cx0;
    let reached: Vec<u8> = (cy0..cy1)
        .flat_map(|y| state[y * w + cx0..y * w + cx1].iter())
        .map(|&v| ((v == REACHED) as u8).wrapping_neg())
        .collect();
    let near = morphology::apply_bytes(reached, cw, cy1 - cy0, Op::Dilate, ELLIPSE5, 1);
    let far = morphology::apply_bytes(near.clone(), cw, cy1 - cy0, Op::Dilate, ELLIPSE5, 1);
    let (mut sum, mut n) = ([0f64; 3], 0usize);
    for y in cy0..cy1 {
        let row = (y + y0 as usize) * fw as usize + x0 as usize;
        for x in cx0..cx1 {
            let i = (y - cy0) * cw + x - cx0;
            if far[i] == 0 || near[i] != 0 {
                continue;
            }
            for k in 0..3 {
                sum[k] += c[3 * (row + x) + k] as f64;
            }
            n += 1;
        }
    }
    let band = sum.map(|v| v / n.max(1) as f64);
    if super::colour_dist(d.colour, band) < STANDS_OUT {
        return Ok(None);
    }
    Ok(Some((rect, mask)))
}

/// Frames sampled across the video for the initial background plate.
pub const PLATE_SAMPLES: usize = 15;

/// Per-pixel median of frames sampled across a video: the background wherever objects move
/// more than their own size during the clip, and where an object rested in most of the frames,
/// the background it left in the others ([`resting_places_cleared`]). None when the frames
/// disagree with it too much (a moving camera), in which case the plate is learnt online instead.
pub fn median_plate(frames: &[Mat], agree_px: f32) -> opencv::Result<Option<Mat>> {
    if frames.len() < 5 {
        return Ok(None);
    }
    let size = frames[0].size()?;
    let data: Vec<&[u8]> = frames
        .iter()
        .map(|f| f.data_bytes())
        .collect::<opencv::Result<_>>()?;
    let n = data.iter().map(|d| d.len()).min().unwrap_or(0);
    let data: Vec<&[u8]> = data.iter().map(|d| &d[..n]).collect();
    let med = median_bytes(&data, n);
    // Share of each frame's pixels close to the median; a static camera keeps most of them.
    // (A difference of whole grey levels is below `agree_px` exactly when it is below its ceiling.)
    let agree = agree_px.ceil().clamp(0.0, 256.0) as u16;
    let mut shares: Vec<f64> = data
        .iter()
        .map(|d| {
            let close = d
                .chunks_exact(3)
                .zip(med.chunks_exact(3))
                .filter(|(p, q)| (0..3).all(|c| (p[c].abs_diff(q[c]) as u16) < agree))
                .count();
            close as f64 / (n / 3) as f64
        })
        .collect();
    shares.sort_by(f64::total_cmp);
    if shares[shares.len() / 2] < 0.8 {
        return Ok(None);
    }
    let (med, unknown) = resting_places_cleared(&data, med, size.width.max(1) as usize, agree);
    plate_mat(&med, &unknown, size.height).map(Some)
}

/// The f32 BGR plate of `rows` rows from BGR bytes `med`, its `unknown` pixels set to [`UNKNOWN`]
/// (read back by [`Segmenter::new`]).
fn plate_mat(med: &[u8], unknown: &[bool], rows: i32) -> opencv::Result<Mat> {
    let plate: Vec<f32> = med
        .chunks_exact(3)
        .zip(unknown)
        .flat_map(|(p, &u)| {
            p.iter()
                .map(move |&v| if u { UNKNOWN } else { f32::from(v) })
        })
        .collect();
    Mat::from_slice(&plate)?.reshape(3, rows)?.try_clone()
}

/// Value of a plate pixel [`median_plate`] could not tell.
const UNKNOWN: f32 = -1.0;

/// Samples that must agree on a look other than the median's for a pixel to have a second look.
const SECOND_LOOK_SAMPLES: usize = 3;
/// Half the side (px) of the window the background around a pixel is read from.
const BACKGROUND_REACH: usize = 24;
/// Pixels within this many px of one whose samples ever changed are not read as background.
const BACKGROUND_CLEAR: usize = 3;
/// A median at least this far (BGR distance) from the background around it holds an object.
const HOLDS_OBJECT: f64 = 60.0;
/// Share of the pixels around an object's core (see [`resting_places_cleared`]) that must have
/// changed in some sample: the object moved over them.
const CORE_RING: f64 = 0.5;
/// Resting places smaller than this share of the frame (40 px at 320 x 180) are left alone (a
/// pixel speck). Over a textured background the place a slow body held in most samples breaks
/// into pieces of a few dozen px.
const MIN_RESTING_SHARE: f64 = 0.0007;

/// The median plate `med` of BGR frames `data` (rows of `width` px) with the places where an
/// object rested in most frames set to the background those frames' others showed. A pixel's
/// second look is the median of its samples away from the median (at least `agree` in a channel),
/// when [`SECOND_LOOK_SAMPLES`] of them agree on it. Where the median holds an object (it is
/// [`HOLDS_OBJECT`] from the background around it, read from pixels whose samples never changed)
/// and the second look is at most half as far from that background, the pixel takes its second
/// look; only 8-connected places of at least [`MIN_RESTING_SHARE`] of the frame do. A slow walker
/// or a box that stood still for most of the clip is then found whole, without a ghost where it
/// stood; a passing object (the median is the background) changes nothing.
/// Also returns the pixels left unknown: an object's core, where it stood in (nearly) every
/// sample so that no second look shows the background, next to a cleared place and ringed
/// mostly ([`CORE_RING`]) by pixels the object moved over. A plate holding the object there
/// would make a ghost of it once it moves on; an unknown pixel is learnt when it is uncovered.
fn resting_places_cleared(
    data: &[&[u8]],
    mut med: Vec<u8>,
    width: usize,
    agree: u16,
) -> (Vec<u8>, Vec<bool>) {
    let px = med.len() / 3;
    let height = px / width;
    let far = |s: &[u8], m: &[u8]| (0..3).any(|c| s[c].abs_diff(m[c]) as u16 >= agree);
    let mut second: Vec<Option<[u8; 3]>> = vec![None; px];
    let mut changed = vec![false; px];
    for i in 0..px {
        let m = &med[3 * i..3 * i + 3];
        let others: Vec<&[u8]> = data
            .iter()
            .map(|d| &d[3 * i..3 * i + 3])
            .filter(|s| far(s, m))
            .collect();
        changed[i] = !others.is_empty();
        if others.len() < SECOND_LOOK_SAMPLES {
            continue;
        }
        let look = [0, 1, 2].map(|c| {
            let mut v: Vec<u8> = others.iter().map(|s| s[c]).collect();
            v.sort_unstable();
            v[v.len() / 2]
        });
        if others.iter().filter(|s| !far(s, &look)).count() >= SECOND_LOOK_SAMPLES {
            second[i] = Some(look);
        }
    }
    if second.iter().all(Option::is_none) {
        return (med, vec![false; px]);
    }
    // The window of `reach` px about pixel i, clipped to the frame: x0, y0, x1, y1 (ends out).
    let within = |i: usize, reach: usize| {
        let (x, y) = (i % width, i / width);
        let (x0, y0) = (x.saturating_sub(reach), y.saturating_sub(reach));
        let (x1, y1) = ((x + reach + 1).min(width), (y + reach + 1).min(height));
        (x0, y0, x1, y1)
    };
    // Pixel i and its 8 neighbours within the frame.
    let around = |i: usize| {
        let (x0, y0, x1, y1) = within(i, 1);
        (y0..y1).flat_map(move |y| (x0..x1).map(move |x| y * width + x))
    };
    // Summed-area tables, for window sums.
    let table = |f: &dyn Fn(usize) -> f64| -> Vec<f64> {
        let mut t = vec![0f64; (width + 1) * (height + 1)];
        for y in 0..height {
            let mut row = 0.0;
            for x in 0..width {
                row += f(y * width + x);
                t[(y + 1) * (width + 1) + x + 1] = t[y * (width + 1) + x + 1] + row;
            }
        }
        t
    };
    let window_sum = |t: &[f64], i: usize, reach: usize| {
        let (x0, y0, x1, y1) = within(i, reach);
        let w = width + 1;
        t[y1 * w + x1] - t[y0 * w + x1] - t[y1 * w + x0] + t[y0 * w + x0]
    };
    // Background: pixels clear of any that changed (an object's always-covered core never
    // changes, but it borders pixels the object left).
    let changes = table(&|i| f64::from(u8::from(changed[i])));
    let steady: Vec<f64> = (0..px)
        .map(|i| f64::from(u8::from(window_sum(&changes, i, BACKGROUND_CLEAR) == 0.0)))
        .collect();
    // The steady pixels and their medians, for the background's mean about each pixel.
    let weight = table(&|i| steady[i]);
    let sums: Vec<Vec<f64>> = (0..3)
        .map(|c| table(&|i| steady[i] * med[3 * i + c] as f64))
        .collect();
    // The background about pixel i: the mean of the steady pixels' medians within reach.
    let background = |i: usize| -> Option<[f64; 3]> {
        let n = window_sum(&weight, i, BACKGROUND_REACH);
        (n >= 1.0).then(|| [0, 1, 2].map(|c| window_sum(&sums[c], i, BACKGROUND_REACH) / n))
    };
    let dist2 = |p: &[u8], bg: [f64; 3]| (0..3).map(|c| (p[c] as f64 - bg[c]).powi(2)).sum::<f64>();
    let clears: Vec<Option<[u8; 3]>> = (0..px)
        .map(|i| {
            let look = second[i]?;
            let bg = background(i)?;
            let (to_look, to_median) = (dist2(&look, bg), dist2(&med[3 * i..3 * i + 3], bg));
            (to_median > HOLDS_OBJECT * HOLDS_OBJECT && to_look < to_median / 4.0).then_some(look)
        })
        .collect();
    let min_px = (MIN_RESTING_SHARE * px as f64).ceil() as usize;
    // 8-connected places of the pixels `is_in` picks.
    let places = |is_in: &dyn Fn(usize) -> bool| -> Vec<Vec<usize>> {
        let mut seen = vec![false; px];
        let mut out = Vec::new();
        for start in 0..px {
            if seen[start] || !is_in(start) {
                continue;
            }
            seen[start] = true;
            let mut place = vec![start];
            let mut k = 0;
            while k < place.len() {
                let i = place[k];
                k += 1;
                for j in around(i) {
                    if !seen[j] && is_in(j) {
                        seen[j] = true;
                        place.push(j);
                    }
                }
            }
            out.push(place);
        }
        out
    };
    let mut cleared = vec![false; px];
    for place in places(&|i| clears[i].is_some()) {
        if place.len() >= min_px {
            for &i in &place {
                med[3 * i..3 * i + 3].copy_from_slice(&clears[i].expect("in the place"));
                cleared[i] = true;
            }
        }
    }
    // Where the object stood in (nearly) every sample there is no second look to clear. Such a
    // core, next to a cleared place and ringed mostly by pixels the object moved over, is
    // unknown: the plate learns it once the object has left it.
    let mut unknown = vec![false; px];
    if cleared.iter().any(|&c| c) {
        let core: Vec<bool> = (0..px)
            .map(|i| {
                !cleared[i]
                    && second[i].is_none()
                    && background(i).is_some_and(|bg| {
                        dist2(&med[3 * i..3 * i + 3], bg) > HOLDS_OBJECT * HOLDS_OBJECT
                    })
            })
            .collect();
        // Pixels of the current place (1) and of its ring (2).
        let mut mark = vec![0u8; px];
        for place in places(&|i| core[i]) {
            place.iter().for_each(|&i| mark[i] = 1);
            let mut ring = Vec::new();
            for &i in &place {
                for j in around(i) {
                    if mark[j] == 0 {
                        mark[j] = 2;
                        ring.push(j);
                    }
                }
            }
            let moved = ring.iter().filter(|&&j| changed[j]).count();
            let touches = ring.iter().any(|&j| cleared[j]);
            if touches && moved as f64 >= CORE_RING * ring.len() as f64 {
                place.iter().for_each(|&i| unknown[i] = true);
            }
            place.iter().chain(&ring).for_each(|&i| mark[i] = 0);
        }
    }
    (med, unknown)
}

/// Per position `i < n`, the median (the element of rank len/2) of `data[k][i]` over the slices.
/// Runs over blocks of positions: each block keeps its smallest len/2 + 1 values per position in
/// sorted rows, and every slice is inserted with branch-free min/max steps that vectorise.
fn median_bytes(data: &[&[u8]], n: usize) -> Vec<u8> {
    const BLOCK: usize = 512;
    let keep = data.len() / 2 + 1;
    let mut med = vec![0u8; n];
    let mut rows = vec![[0u8; BLOCK]; keep];
    for start in (0..n).step_by(BLOCK) {
        let len = BLOCK.min(n - start);
        for r in rows.iter_mut() {
            r.fill(u8::MAX);
        }
        for d in data {
            let mut x = [0u8; BLOCK];
            x[..len].copy_from_slice(&d[start..start + len]);
            for r in rows.iter_mut() {
                for (a, b) in r.iter_mut().zip(x.iter_mut()) {
                    let (lo, hi) = ((*a).min(*b), (*a).max(*b));
                    *a = lo;
                    *b = hi;
                }
            }
        }
        med[start..start + len].copy_from_slice(&rows[keep - 1][..len]);
    }
    med
}

#[cfg(test)]
mod tests {
    use super::*;
    use opencv::core::{Scalar, CV_8UC1};
    use rand::{Rng, SeedableRng};

    /// A blue walker (10 x 40) standing in front of a red box (30 x 20) make one blob; split by the
    /// walker's colour against the box's, each part is its object, and a uniform blob does not
    /// split.
    #[test]
    fn a_blob_of_two_colours_splits_into_its_objects() {
        let (blue, red) = ([200.0, 40.0, 30.0], [30.0, 40.0, 210.0]);
        let mut bgr =
            Mat::new_rows_cols_with_default(120, 160, opencv::core::CV_8UC3, Scalar::all(90.0))
                .unwrap();
        let paint = |m: &mut Mat, r: Rect, c: [f64; 3]| {
            Mat::roi_mut(m, r)
                .unwrap()
                .set_to(
                    &Scalar::new(c[0], c[1], c[2], 0.0),
                    &opencv::core::no_array(),
                )
                .unwrap();
        };
        paint(&mut bgr, Rect::new(60, 50, 30, 20), red);
        paint(&mut bgr, Rect::new(52, 30, 10, 40), blue);
        let rect = Rect::new(52, 30, 38, 40);
        let mut mask = Mat::new_rows_cols_with_default(40, 38, CV_8UC1, Scalar::all(0.0)).unwrap();
        paint(&mut mask, Rect::new(0, 0, 10, 40), [255.0; 3]);
        paint(&mut mask, Rect::new(8, 20, 30, 20), [255.0; 3]);
        let area = opencv::core::count_non_zero(&mask).unwrap() as f64;
        let blob = Detection::of_mask(rect, mask, area);
        let (walker, rest) = split_by_colour(&bgr, &blob, blue, red, 50.0)
            .unwrap()
            .expect("two parts");
        assert_eq!(walker.rect, Rect::new(52, 30, 10, 40));
        assert!((walker.area - 400.0).abs() <= 40.0, "{}", walker.area);
        assert!(walker.colour[0] > 150.0 && walker.colour[2] < 80.0);
        // The opening rounds the walker's corners; their pixels stay with the rest.
        assert!((61..=62).contains(&rest.rect.x) && rest.rect.x + rest.rect.width == 90);
        assert_eq!((rest.rect.y, rest.rect.height), (50, 20));
        assert!(rest.colour[2] > 150.0 && rest.colour[0] < 80.0);
        // All red: nothing of the walker's colour to take.
        paint(&mut bgr, Rect::new(52, 30, 10, 40), red);
        assert!(split_by_colour(&bgr, &blob, blue, red, 50.0)
            .unwrap()
            .is_none());
    }

    /// A 160x90 frame of mottled grey (levels 100..140) with a green box at (60, 40), 40x20; and a
    /// detection of the part of it inside `part` (frame px).
    fn still_body(part: Rect) -> (Mat, Detection) {
        let (w, h) = (160usize, 90usize);
        let mut px = vec![0u8; 3 * w * h];
        let body = Rect::new(60, 40, 40, 20);
        for y in 0..h {
            for x in 0..w {
                let grey = 100 + ((x * 7 + y * 13) % 41) as u8;
                let inside = body.contains(Point::new(x as i32, y as i32));
                let p = if inside { [40, 200, 60] } else { [grey; 3] };
                px[3 * (y * w + x)..3 * (y * w + x) + 3].copy_from_slice(&p);
            }
        }
        let bgr = Mat::from_slice(&px)
            .unwrap()
            .reshape(3, h as i32)
            .unwrap()
            .try_clone()
            .unwrap();
        let mask =
            Mat::new_rows_cols_with_default(part.height, part.width, CV_8UC1, Scalar::all(255.0))
                .unwrap();
        let motion =
            Mat::new_rows_cols_with_default(h as i32, w as i32, CV_8UC1, Scalar::all(0.0)).unwrap();
        let area = (part.width * part.height) as f64;
        let d = describe(&bgr, &motion, part, mask, area).unwrap();
        (bgr, d)
    }

    /// A slow body moved 10 px right of where the plate learnt it: its blob holds the uncovered
    /// background too. The trail is cut off and the body kept; with a true plate nothing is cut.
    #[test]
    fn a_slow_bodys_ghost_trail_is_cut_from_its_blob() {
        let (bgr, blob) = still_body(Rect::new(50, 40, 50, 20));
        let (w, h) = (160usize, 90usize);
        let plate_with_body_at = |x0: usize| -> Vec<f32> {
            let c = bgr.data_bytes().unwrap();
            let mut pl: Vec<f32> = c.iter().map(|&v| v as f32).collect();
            for y in 0..h {
                for x in 0..w {
                    let grey = 100.0 + ((x * 7 + y * 13) % 41) as f32;
                    let body = (x0..x0 + 40).contains(&x) && (40..60).contains(&y);
                    let p = if body { [40.0, 200.0, 60.0] } else { [grey; 3] };
                    pl[3 * (y * w + x)..3 * (y * w + x) + 3].copy_from_slice(&p);
                }
            }
            pl
        };
        let motion =
            Mat::new_rows_cols_with_default(h as i32, w as i32, CV_8UC1, Scalar::all(0.0)).unwrap();
        let known = vec![255u8; w * h];
        let cut = |plate: &[f32]| {
            let inputs = PlateInputs {
                frame: bgr.data_bytes().unwrap(),
                plate,
                known: &known,
            };
            trailing_ghost(&bgr, &motion, inputs, &blob, 20.0).unwrap()
        };
        let (body, trail, _) = cut(&plate_with_body_at(50)).expect("a trail");
        // The body, give or take the corners the trail's opening rounds off next to it.
        let r = body.rect;
        assert!((59..=60).contains(&r.x) && r.x + r.width == 100, "{r:?}");
        assert!((800.0..=806.0).contains(&body.area), "{}", body.area);
        let cut_px = morphology::bytes(&trail)
            .unwrap()
            .iter()
            .filter(|&&v| v != 0)
            .count();
        assert!((180..=200).contains(&cut_px), "{cut_px}");
        assert!(cut(&plate_with_body_at(0)).is_none(), "a true plate");
    }

    /// Only the moving edge of a slow body is found (the plate holds the rest): grown over its own
    /// colour, the blob is the whole body; a patch of the mottled background is not grown.
    #[test]
    fn a_sliver_of_a_still_body_grows_to_the_body_and_background_does_not() {
        let (bgr, sliver) = still_body(Rect::new(96, 40, 4, 20));
        let (rect, mask) = completed_by_colour(&bgr, &sliver, false)
            .unwrap()
            .expect("grown");
        assert_eq!(rect, Rect::new(60, 40, 40, 20));
        // All but the far corners (rounded off by the opening that drops thin runs).
        let set = mask.iter().filter(|&&v| v == 255).count();
        assert!((790..=800).contains(&set), "{set}");
        let (bgr, patch) = still_body(Rect::new(10, 10, 6, 6));
        assert!(completed_by_colour(&bgr, &patch, false).unwrap().is_none());
        let (bgr, whole) = still_body(Rect::new(60, 40, 40, 20));
        assert!(
            completed_by_colour(&bgr, &whole, false).unwrap().is_none(),
            "nothing to add"
        );
    }

    /// A blob showing 70% of its body is left as it is when first found, but a body grown in the
    /// frame before is grown whole again: it does not flicker between whole and part.
    #[test]
    fn a_body_found_whole_stays_whole_while_most_of_it_shows() {
        let (bgr, most) = still_body(Rect::new(72, 40, 28, 20));
        assert!(completed_by_colour(&bgr, &most, false).unwrap().is_none());
        let (rect, _) = completed_by_colour(&bgr, &most, true)
            .unwrap()
            .expect("grown again");
        assert_eq!(rect, Rect::new(60, 40, 40, 20));
    }

    /// Two pieces of one still body (its two ends) become one blob covering the body; a blob
    /// elsewhere is kept as it was.
    #[test]
    fn pieces_of_one_body_join_and_other_blobs_stay() {
        let (bgr, left) = still_body(Rect::new(60, 40, 5, 20));
        let (_, right) = still_body(Rect::new(95, 40, 5, 20));
        let (_, other) = still_body(Rect::new(10, 10, 6, 6));
        let mut seg = Segmenter::new(&Config::default(), None).unwrap();
        let mut clean =
            Mat::new_rows_cols_with_default(90, 160, CV_8UC1, Scalar::all(0.0)).unwrap();
        let motion = clean.clone();
        let out = seg
            .complete(&bgr, &motion, &mut clean, vec![left, right, other])
            .unwrap();
        assert_eq!(out.len(), 2);
        let body = out.iter().find(|d| d.grown).expect("a grown blob");
        assert_eq!(body.rect, Rect::new(60, 40, 40, 20));
        assert!((790.0..=800.0).contains(&body.area), "{}", body.area);
        assert!(out
            .iter()
            .any(|d| !d.grown && d.rect == Rect::new(10, 10, 6, 6)));
        assert_eq!(
            opencv::core::count_non_zero(&clean).unwrap() as f64,
            body.area
        );
    }

    /// The plate moves with the camera exactly as OpenCV's warpAffine moves it (bilinear plate,
    /// nearest mask, nothing from outside), for a zoom, a turn and a shift.
    #[test]
    fn warp_plate_matches_opencv() {
        let (w, h) = (64, 48);
        let mut plate = Mat::new_rows_cols_with_default(h, w, CV_32FC3, Scalar::all(0.0)).unwrap();
        for y in 0..h {
            for x in 0..w {
                let v = ((x * 37 + y * 91) % 256) as f32;
                *plate.at_2d_mut::<Vec3f>(y, x).unwrap() = Vec3f::from([v, 0.5 * v, 255.0 - v]);
            }
        }
        let mut valid = Mat::new_rows_cols_with_default(h, w, CV_8UC1, Scalar::all(255.0)).unwrap();
        *valid.at_2d_mut::<u8>(20, 30).unwrap() = 0;
        for (zoom, turn, dx, dy) in [
            (1.02, 0.01, 2.3, -1.7),
            (0.97, -0.03, -0.4, 0.6),
            (1.0, 0.0, 0.3, 0.0),
            (1.0, 0.0, -2.7, 1.4),
            (1.001, 0.0, 0.5, -0.5),
            (1.0, 0.002, 0.0, 0.0),
        ] {
            let (a, b) = (zoom * f64::cos(turn), zoom * f64::sin(turn));
            let m = [[a, -b, dx], [b, a, dy]];
            let (mut p2, mut v2) = (Mat::default(), Mat::default());
            warp_plate(&plate, &valid, m, &mut p2, &mut v2).unwrap();
            let cvm = Mat::from_slice_2d(&m).unwrap();
            let (size, border) = (Size::new(w, h), opencv::core::BORDER_CONSTANT);
            let (mut p3, mut v3) = (Mat::default(), Mat::default());
            imgproc::warp_affine(
                &plate,
                &mut p3,
                &cvm,
                size,
                imgproc::INTER_LINEAR,
                border,
                Scalar::all(0.0),
            )
            .unwrap();
            imgproc::warp_affine(
                &valid,
                &mut v3,
                &cvm,
                size,
                imgproc::INTER_NEAREST,
                border,
                Scalar::all(0.0),
            )
            .unwrap();
            assert_eq!(
                p2.data_typed::<Vec3f>().unwrap(),
                p3.data_typed::<Vec3f>().unwrap(),
                "{m:?}"
            );
            assert_eq!(v2.data_bytes().unwrap(), v3.data_bytes().unwrap(), "{m:?}");
        }
    }

    /// Moments summed over runs equal OpenCV's `moments(mask, true)`, field for field.
    #[test]
    fn binary_moments_match_opencv() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
        for (w, h) in [(1, 1), (7, 3), (40, 33), (120, 90), (320, 180)] {
            for _ in 0..4 {
                let mut m =
                    Mat::new_rows_cols_with_default(h, w, CV_8UC1, Scalar::all(0.0)).unwrap();
                // A few filled ellipses and specks, non-zero values other than 255 included.
                for _ in 0..3 {
                    let c = Point::new(rng.gen_range(0..w), rng.gen_range(0..h));
                    let axes = Size::new(rng.gen_range(0..w.max(2)), rng.gen_range(0..h.max(2)));
                    let angle = rng.gen_range(0.0..180.0);
                    let v = Scalar::all(rng.gen_range(1..=255) as f64);
                    imgproc::ellipse(
                        &mut m,
                        c,
                        axes,
                        angle,
                        0.0,
                        360.0,
                        v,
                        -1,
                        imgproc::LINE_8,
                        0,
                    )
                    .unwrap();
                }
                for v in m.data_bytes_mut().unwrap().iter_mut().step_by(13) {
                    *v = rng.gen_range(0..3);
                }
                let ours = binary_moments(&m).unwrap();
                let theirs = imgproc::moments(&m, true).unwrap();
                assert_eq!(format!("{ours:?}"), format!("{theirs:?}"), "{w}x{h}");
                let (mut a, mut b) = ([0.0; 7], [0.0; 7]);
                imgproc::hu_moments(ours, &mut a).unwrap();
                imgproc::hu_moments(theirs, &mut b).unwrap();
                assert_eq!(a.map(f64::to_bits), b.map(f64::to_bits));
            }
        }
    }

    /// The one-pass edge strength equals OpenCV's Sobel, convertScaleAbs(0.5) and add, borders
    /// included.
    #[test]
    fn edge_strength_matches_opencv() {
        let (w, h) = (37, 23);
        let mut bgr =
            Mat::new_rows_cols_with_default(h, w, opencv::core::CV_8UC3, Scalar::all(0.0)).unwrap();
        let mut seed = 11u32;
        for y in 0..h {
            for x in 0..w {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let v = if (x / 5 + y / 4) % 2 == 0 {
                    250
                } else {
                    (seed >> 24) as u8
                };
                *bgr.at_2d_mut::<opencv::core::Vec3b>(y, x).unwrap() = [v, v / 2, 255 - v].into();
            }
        }
        let mut gray = Mat::default();
        imgproc::cvt_color_def(&bgr, &mut gray, imgproc::COLOR_BGR2GRAY).unwrap();
        let (mut gx, mut gy) = (Mat::default(), Mat::default());
        imgproc::sobel_def(&gray, &mut gx, opencv::core::CV_16S, 1, 0).unwrap();
        imgproc::sobel_def(&gray, &mut gy, opencv::core::CV_16S, 0, 1).unwrap();
        let (mut ax, mut ay, mut sum) = (Mat::default(), Mat::default(), Mat::default());
        opencv::core::convert_scale_abs(&gx, &mut ax, 0.5, 0.0).unwrap();
        opencv::core::convert_scale_abs(&gy, &mut ay, 0.5, 0.0).unwrap();
        opencv::core::add(&ax, &ay, &mut sum, &opencv::core::no_array(), -1).unwrap();
        let ours = edge_strength(&bgr).unwrap();
        assert_eq!(ours.data_bytes().unwrap(), sum.data_bytes().unwrap());
    }

    /// Known pixels: foreground above the threshold; unknown ones keep their foreground value.
    /// The quiet count answers "is the 90th percentile of the truncated levels at most the bound"
    /// as a 256-level histogram does, for every bound.
    #[test]
    fn plate_difference_marks_known_pixels_and_leaves_the_rest() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let n = 1003;
        let frame: Vec<u8> = (0..3 * n).map(|_| rng.gen()).collect();
        let plate: Vec<f32> = (0..3 * n).map(|_| rng.gen_range(0.0..255.0)).collect();
        let known: Vec<u8> = (0..n)
            .map(|_| if rng.gen_bool(0.8) { 255 } else { 0 })
            .collect();
        let fg0: Vec<u8> = (0..n)
            .map(|_| if rng.gen_bool(0.5) { 255 } else { 0 })
            .collect();
        let inp = || PlateInputs {
            frame: &frame,
            plate: &plate,
            known: &known,
        };
        let diff = |i: usize| {
            (0..3)
                .map(|k| (frame[3 * i + k] as f32 - plate[3 * i + k]).abs())
                .fold(0.0f32, f32::max)
        };
        let (mut fg, mut low) = (fg0.clone(), vec![7u8; n]);
        plate_difference(inp(), &mut fg, &mut low, 30.0, 6.0);
        for i in 0..n {
            if known[i] == 0 {
                assert_eq!((fg[i], low[i]), (fg0[i], 0));
            } else {
                assert_eq!(fg[i] == 255, diff(i) > 30.0);
                assert_eq!(low[i] == 255, diff(i) > FAINT * 30.0);
            }
        }
        let mut hist = [0u32; 256];
        for i in (0..n).filter(|&i| known[i] > 0) {
            hist[diff(i).min(255.0) as usize] += 1;
        }
        let total: u32 = hist.iter().sum();
        let mut acc = 0;
        let p90 = hist
            .iter()
            .position(|&c| {
                acc += c;
                acc as f64 >= 0.9 * total as f64
            })
            .unwrap();
        for bound in [0.0f32, 100.5, p90 as f32 - 0.5, p90 as f32, 300.0] {
            let (mut fg, mut low) = (fg0.clone(), vec![0u8; n]);
            let (k, q) = plate_difference(inp(), &mut fg, &mut low, 30.0, bound);
            assert_eq!(k, total);
            assert_eq!(
                q as f64 >= 0.9 * k as f64,
                p90 as f32 <= bound,
                "bound {bound}"
            );
        }
    }

    /// The outline mean, mean colour and moving share equal OpenCV's erode / subtract / masked
    /// mean and AND / countNonZero, to the bit.
    #[test]
    fn outline_and_colour_sums_match_opencv() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let (w, h) = (40, 30);
        let mut bgr =
            Mat::new_rows_cols_with_default(h, w, opencv::core::CV_8UC3, Scalar::all(0.0)).unwrap();
        rng.fill(bgr.data_bytes_mut().unwrap());
        let mut edges = Mat::new_rows_cols_with_default(h, w, CV_8UC1, Scalar::all(0.0)).unwrap();
        rng.fill(edges.data_bytes_mut().unwrap());
        let mut motion = Mat::new_rows_cols_with_default(h, w, CV_8UC1, Scalar::all(0.0)).unwrap();
        for v in motion.data_bytes_mut().unwrap() {
            *v = if rng.gen_bool(0.5) { 255 } else { 0 };
        }
        for density in [0.3, 0.8, 1.0, 0.0] {
            let rect = Rect::new(5, 4, 17, 11);
            let mut mask =
                Mat::new_rows_cols_with_default(11, 17, CV_8UC1, Scalar::all(0.0)).unwrap();
            for v in mask.data_bytes_mut().unwrap() {
                *v = if rng.gen_bool(density) { 255 } else { 0 };
            }
            // OpenCV's way: erosion, difference, masked mean; masked mean and AND + count.
            let k = imgproc::get_structuring_element(
                imgproc::MORPH_RECT,
                Size::new(3, 3),
                Point::new(-1, -1),
            )
            .unwrap();
            let mut er = Mat::default();
            imgproc::erode(
                &mask,
                &mut er,
                &k,
                Point::new(-1, -1),
                1,
                opencv::core::BORDER_CONSTANT,
                Scalar::all(0.0),
            )
            .unwrap();
            let mut ring = Mat::default();
            opencv::core::subtract(&mask, &er, &mut ring, &opencv::core::no_array(), -1).unwrap();
            let want_ring = opencv::core::mean(&Mat::roi(&edges, rect).unwrap(), &ring).unwrap()[0];
            let want_colour = opencv::core::mean(&Mat::roi(&bgr, rect).unwrap(), &mask).unwrap();
            let mut both = Mat::default();
            opencv::core::bitwise_and(
                &Mat::roi(&motion, rect).unwrap(),
                &mask,
                &mut both,
                &opencv::core::no_array(),
            )
            .unwrap();
            let want_moving = opencv::core::count_non_zero(&both).unwrap() as u64;
            let d = Detection::of_mask(rect, mask.clone(), 0.0);
            assert_eq!(
                outline_means([(&edges, Point::new(0, 0))], &d).unwrap()[0].to_bits(),
                want_ring.to_bits(),
                "{density}"
            );
            let (colour, moving) = colour_and_moving(&bgr, &motion, rect, &mask).unwrap();
            for k in 0..3 {
                assert_eq!(
                    colour[k].to_bits(),
                    want_colour[k].to_bits(),
                    "{density} {k}"
                );
            }
            assert_eq!(moving, want_moving);
        }
    }

    /// A box rests at one place in 10 of 15 sampled frames and stands elsewhere in the others; a
    /// foot (7 × 5 px, a piece of a slow body's resting place) and a speck (3 × 3 px) rest beside
    /// it; a ball crosses the frame. The median holds the box, the foot and the speck where they
    /// rested; the cleared plate shows the background where the box and the foot rested and
    /// changes nothing else (the speck is too small to be an object's resting place).
    #[test]
    fn where_an_object_rested_most_of_the_clip_the_plate_shows_the_background() {
        let (w, h) = (160usize, 120usize);
        let bg = |x: usize, y: usize| [120 + 10 * ((x / 8 + y / 8) % 2) as u8, 90, 100];
        let frames: Vec<Vec<u8>> = (0..15)
            .map(|k| {
                let mut f = vec![0u8; w * h * 3];
                let bx = if k < 10 { 40 } else { 100 };
                for y in 0..h {
                    for x in 0..w {
                        let mut c = bg(x, y);
                        if (bx..bx + 20).contains(&x) && (50..70).contains(&y) {
                            c = [30, 200, 40];
                        }
                        if k < 10 && (130..133).contains(&x) && (100..103).contains(&y) {
                            c = [200, 200, 200];
                        }
                        if k < 10 && (20..27).contains(&x) && (90..95).contains(&y) {
                            c = [200, 60, 200];
                        }
                        if (10 * k..10 * k + 8).contains(&x) && (10..18).contains(&y) {
                            c = [20, 20, 220];
                        }
                        f[3 * (y * w + x)..3 * (y * w + x) + 3].copy_from_slice(&c);
                    }
                }
                f
            })
            .collect();
        let data: Vec<&[u8]> = frames.iter().map(|f| f.as_slice()).collect();
        let med = median_bytes(&data, w * h * 3);
        let at = |m: &[u8], x: usize, y: usize| {
            let i = 3 * (y * w + x);
            [m[i], m[i + 1], m[i + 2]]
        };
        assert_eq!(at(&med, 50, 60), [30, 200, 40]);
        assert_eq!(at(&med, 131, 101), [200, 200, 200]);
        assert_eq!(at(&med, 23, 92), [200, 60, 200]);
        let (cleared, unknown) = resting_places_cleared(&data, med.clone(), w, 30);
        assert!(unknown.iter().all(|&u| !u), "no core");
        assert_eq!(at(&cleared, 50, 60), bg(50, 60));
        assert_eq!(at(&cleared, 23, 92), bg(23, 92));
        let changed: Vec<(usize, usize)> = (0..w * h)
            .map(|i| (i % w, i / w))
            .filter(|&(x, y)| at(&cleared, x, y) != at(&med, x, y))
            .collect();
        assert_eq!(changed.len(), 400 + 35);
        assert!(changed
            .iter()
            .all(|&(x, y)| ((40..60).contains(&x) && (50..70).contains(&y))
                || ((20..27).contains(&x) && (90..95).contains(&y))));
    }

    /// A box (40 × 30 px) slides 2 px right and 1 px down between samples: it covers its core
    /// (x 68–79, y 54–69) in every sample, and the pixels around it in most. Those take the
    /// background their other samples show; the core, never uncovered, is left unknown, and a
    /// segmenter given the plate knows every pixel but the core.
    #[test]
    fn the_core_a_slow_object_never_uncovered_is_left_unknown() {
        let (w, h) = (160usize, 120usize);
        let bg = |x: usize, y: usize| [120 + 10 * ((x / 8 + y / 8) % 2) as u8, 90, 100];
        let frames: Vec<Vec<u8>> = (0..15)
            .map(|k| {
                let mut f = vec![0u8; w * h * 3];
                for y in 0..h {
                    for x in 0..w {
                        let on =
                            (40 + 2 * k..80 + 2 * k).contains(&x) && (40 + k..70 + k).contains(&y);
                        let c = if on { [30, 200, 40] } else { bg(x, y) };
                        f[3 * (y * w + x)..3 * (y * w + x) + 3].copy_from_slice(&c);
                    }
                }
                f
            })
            .collect();
        let data: Vec<&[u8]> = frames.iter().map(|f| f.as_slice()).collect();
        let med = median_bytes(&data, w * h * 3);
        let (cleared, unknown) = resting_places_cleared(&data, med, w, 30);
        let i = |x: usize, y: usize| y * w + x;
        assert!(unknown[i(74, 62)] && unknown[i(68, 54)] && unknown[i(79, 69)]);
        // Covered in 11 of 15 samples: cleared to the background.
        assert!(!unknown[i(60, 50)]);
        assert_eq!(cleared[3 * i(60, 50)..3 * i(60, 50) + 3], bg(60, 50));
        // The core and the pixels uncovered in only one or two samples (too few for a second
        // look): at most x 64–83, y 52–71.
        let n = unknown.iter().filter(|&&u| u).count();
        assert!((12 * 16..=20 * 20).contains(&n), "{n}");
        assert!(!unknown[i(63, 62)] && !unknown[i(74, 51)] && !unknown[i(84, 62)]);
        let plate = plate_mat(&cleared, &unknown, h as i32).unwrap();
        let seg = Segmenter::new(&Config::default(), Some(plate)).unwrap();
        let valid = seg.valid.as_ref().unwrap().data_bytes().unwrap().to_vec();
        assert!(valid.iter().zip(&unknown).all(|(&v, &u)| (v == 0) == u));
    }

    /// The blocked median is the rank-len/2 element at every position, for odd and even counts.
    #[test]
    fn median_bytes_matches_a_sort() {
        let mut seed = 7u32;
        let mut next = || {
            seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (seed >> 24) as u8
        };
        for count in [5usize, 6, 25] {
            let n = 1300;
            let frames: Vec<Vec<u8>> = (0..count)
                .map(|_| (0..n).map(|_| next()).collect())
                .collect();
            let data: Vec<&[u8]> = frames.iter().map(|f| f.as_slice()).collect();
            let got = median_bytes(&data, n);
            for i in 0..n {
                let mut v: Vec<u8> = frames.iter().map(|f| f[i]).collect();
                v.sort();
                assert_eq!(got[i], v[count / 2], "position {i} of {count}");
            }
        }
    }

    /// OpenCV's labelling (connectedComponentsWithStats, masks by label), as blobs() was built.
    fn opencv_blobs(m: &Mat, min_area: f64) -> Vec<(Rect, Vec<u8>, f64)> {
        let (mut labels, mut stats, mut cents) = (Mat::default(), Mat::default(), Mat::default());
        let n = imgproc::connected_components_with_stats(
            m,
            &mut labels,
            &mut stats,
            &mut cents,
            8,
            opencv::core::CV_32S,
        )
        .unwrap();
        let mut out = Vec::new();
        for i in 1..n {
            let at = |c| *stats.at_2d::<i32>(i, c).unwrap();
            let area = at(imgproc::CC_STAT_AREA) as f64;
            if area < min_area {
                continue;
            }
            let rect = Rect::new(
                at(imgproc::CC_STAT_LEFT),
                at(imgproc::CC_STAT_TOP),
                at(imgproc::CC_STAT_WIDTH),
                at(imgproc::CC_STAT_HEIGHT),
            );
            let mut mask = Mat::default();
            opencv::core::compare(
                &Mat::roi(&labels, rect).unwrap(),
                &Scalar::all(i as f64),
                &mut mask,
                opencv::core::CMP_EQ,
            )
            .unwrap();
            out.push((rect, morphology::bytes(&mask).unwrap().to_vec(), area));
        }
        out
    }

    /// Run-length labelling gives OpenCV's components (8-connected: boxes, areas, masks) in
    /// OpenCV's label order, on drawn shapes, random speckle and blobs, touching diagonals and
    /// the frame border, whole and as ROIs.
    #[test]
    fn blobs_match_opencv_labelling() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut shapes =
            Mat::new_rows_cols_with_default(90, 120, CV_8UC1, Scalar::all(0.0)).unwrap();
        let white = Scalar::all(255.0);
        imgproc::circle(
            &mut shapes,
            Point::new(30, 30),
            12,
            white,
            -1,
            imgproc::LINE_8,
            0,
        )
        .unwrap();
        let r = Rect::new(70, 10, 40, 8);
        imgproc::rectangle(&mut shapes, r, white, -1, imgproc::LINE_8, 0).unwrap();
        imgproc::line(
            &mut shapes,
            Point::new(0, 89),
            Point::new(119, 60),
            white,
            2,
            imgproc::LINE_8,
            0,
        )
        .unwrap();
        // A diagonal chain of single pixels is one component with 8-connectivity.
        for k in 0..10 {
            *shapes.at_2d_mut::<u8>(50 + k, 60 + k).unwrap() = 255;
        }
        let mut masks = vec![shapes];
        for density in [0.05, 0.3, 0.5, 0.7].repeat(10) {
            let (w, h) = (rng.gen_range(1..80), rng.gen_range(1..60));
            let v: Vec<u8> = (0..w * h)
                .map(|_| if rng.gen_bool(density) { 255 } else { 0 })
                .collect();
            masks.push(
                Mat::from_slice(&v)
                    .unwrap()
                    .reshape(1, h)
                    .unwrap()
                    .try_clone()
                    .unwrap(),
            );
        }
        let big = masks[masks.len() - 1].clone();
        if big.cols() > 4 && big.rows() > 4 {
            let roi = Rect::new(1, 1, big.cols() - 3, big.rows() - 2);
            masks.push(Mat::roi(&big, roi).unwrap().clone_pointee());
        }
        for (k, m) in masks.iter().enumerate() {
            for min_area in [0.0, 3.0] {
                let ours: Vec<(Rect, Vec<u8>, f64)> = blobs(m, min_area)
                    .unwrap()
                    .into_iter()
                    .map(|(r, mask, a)| (r, morphology::bytes(&mask).unwrap().to_vec(), a))
                    .collect();
                assert_eq!(
                    ours,
                    opencv_blobs(m, min_area),
                    "mask {k}, min area {min_area}"
                );
            }
        }
    }
}
