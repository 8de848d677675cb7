//! Flow stage: dense optical flow between consecutive frames and what follows from it.
//!
//! Takes pairs of analysis-size grey frames; gives, per pair, a [`PairFlow`]: forward and backward
//! DIS flow ([`FlowField`]: the matrices the flow was written to, read as slices or (h, w, 2)
//! ndarray views), the share of pixels failing the forward-backward check, the photometric
//! warping error on the others, the camera motion ([`CameraMotion`]) with which later stages
//! compute residual (object) flow, and the scene-cut flag. It never decodes and never looks at
//! objects.

pub mod camera;

pub use camera::CameraMotion;

use crate::config::{Config, FlowPreset};
use ndarray::ArrayView3;
use opencv::core::{Mat, Ptr, Vec2f, VecN};
use opencv::prelude::*;
use opencv::video;
use serde::Serialize;

/// The floats of multi-channel f32 pixels (an OpenCV `Vec2f` or `Vec3f` slice), channels
/// interleaved.
pub(crate) fn floats<const N: usize>(v: &[VecN<f32, N>]) -> &[f32] {
    // SAFETY: VecN is repr(C) over [f32; N], so n of them are N·n f32 in a row.
    unsafe { std::slice::from_raw_parts(v.as_ptr().cast::<f32>(), N * v.len()) }
}

/// [`floats`], mutable.
pub(crate) fn floats_mut<const N: usize>(v: &mut [VecN<f32, N>]) -> &mut [f32] {
    // SAFETY: as in `floats`.
    unsafe { std::slice::from_raw_parts_mut(v.as_mut_ptr().cast::<f32>(), N * v.len()) }
}

/// A dense flow field in analysis px/frame, held in the matrix it was written to (no copy):
/// viewed as shape (height, width, 2), `[y, x, 0]` = dx, `[y, x, 1]` = dy.
pub struct FlowField {
    mat: Mat,
    h: usize,
    w: usize,
}

impl FlowField {
    /// Takes DIS's output (continuous 2 x f32); errors on any other element type or layout.
    fn new(mat: Mat) -> opencv::Result<FlowField> {
        let (h, w) = (mat.rows() as usize, mat.cols() as usize);
        // Checks the element type (2 x f32) and continuity before the bytes are read as floats.
        let v: &[Vec2f] = mat.data_typed()?;
        if v.len() != h * w {
            return Err(opencv::Error::new(
                opencv::core::StsBadArg,
                "flow matrix is not continuous",
            ));
        }
        Ok(FlowField { mat, h, w })
    }

    /// (height, width).
    pub fn dim(&self) -> (usize, usize) {
        (self.h, self.w)
    }

    /// The values, row-major, dx and dy interleaved.
    pub fn as_slice(&self) -> &[f32] {
        floats(self.mat.data_typed::<Vec2f>().expect("checked in new"))
    }

    /// The field as an (height, width, 2) array view.
    pub fn view(&self) -> ArrayView3<'_, f32> {
        ArrayView3::from_shape((self.h, self.w, 2), self.as_slice()).expect("h × w × 2 values")
    }
}

/// Per-pair summary numbers (the frames.csv columns of this stage), in analysis pixels.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct FlowStats {
    /// Mean forward-flow magnitude.
    pub flow_mean: f32,
    /// Median forward-flow magnitude.
    pub flow_p50: f32,
    /// 95th percentile of forward-flow magnitude.
    pub flow_p95: f32,
    /// Largest forward-flow magnitude.
    pub flow_max: f32,
    /// Mean magnitude of the flow left after removing camera motion.
    pub residual_mean: f32,
    /// 95th percentile of residual-flow magnitude.
    pub residual_p95: f32,
    /// Share of pixels failing the forward-backward check.
    pub occluded_frac: f32,
    /// Mean |I1(p + f(p)) − I0(p)| over non-occluded pixels (grey levels).
    pub warp_error: f32,
    /// Mean |I1(p + f(p)) − I0(p)| over all pixels (grey levels).
    pub warp_error_all: f32,
    /// Mean |I1(p) − I0(p)| with no motion compensation (grey levels).
    pub frame_diff: f32,
}

/// Everything the flow stage says about one frame pair (frame − 1 → frame).
pub struct PairFlow {
    /// Index of the later frame of the pair.
    pub frame: usize,
    /// Forward flow, frame − 1 → frame.
    pub fwd: FlowField,
    /// Backward flow, frame → frame − 1.
    pub bwd: FlowField,
    /// Camera motion of the pair.
    pub camera: CameraMotion,
    /// Summary numbers.
    pub stats: FlowStats,
    /// True when the pair straddles a hard scene cut (later stages must not link across it).
    pub scene_cut: bool,
}

impl PairFlow {
    /// Residual (object) flow at pixel (x, y): forward flow minus the camera's.
    pub fn residual_at(&self, x: usize, y: usize) -> (f32, f32) {
        let (h, w) = self.fwd.dim();
        let (cx, cy) = (x as f32 - w as f32 / 2.0, y as f32 - h as f32 / 2.0);
        let (cfx, cfy) = self.camera.flow_at(cx, cy);
        let f = &self.fwd.as_slice()[2 * (y * w + x)..];
        (f[0] - cfx, f[1] - cfy)
    }
}

/// Bilinear weights at (x, y), clamped to the border: (x0, y0, x1, y1, fx, fy); the indices are
/// always inside a `w` × `h` grid (NaN lands on 0).
#[inline(always)]
fn bilinear_weights(w: usize, h: usize, x: f32, y: f32) -> (usize, usize, usize, usize, f32, f32) {
    let x = x.clamp(0.0, (w - 1) as f32);
    let y = y.clamp(0.0, (h - 1) as f32);
    // Non-negative after the clamp: truncation is floor.
    let (x0, y0) = (x as usize, y as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    (x0, y0, x1, y1, x - x0 as f32, y - y0 as f32)
}

/// Where a bilinear sample reads: the top-left pixel's index, the step to the right neighbour
/// (0 on the last column) and to the one below (0 on the last row), and the weights.
#[derive(Clone, Copy)]
struct Tap {
    at: usize,
    right: usize,
    down: usize,
    fx: f32,
    fy: f32,
}

impl Tap {
    #[inline(always)]
    fn new(w: usize, h: usize, x: f32, y: f32) -> Tap {
        let (x0, y0, x1, y1, fx, fy) = bilinear_weights(w, h, x, y);
        Tap {
            at: y0 * w + x0,
            right: x1 - x0,
            down: (y1 - y0) * w,
            fx,
            fy,
        }
    }
}

/// An interleaved `CH`-channel row-major image of `w` × `h` pixels to sample bilinearly.
struct Grid<'a, T, const CH: usize> {
    data: &'a [T],
}

impl<'a, T: Copy + Into<f32>, const CH: usize> Grid<'a, T, CH> {
    /// Panics unless `data` holds `w` × `h` pixels, which makes every [`Tap`] of that size valid.
    fn new(data: &'a [T], w: usize, h: usize) -> Self {
        assert!(data.len() >= w * h * CH, "image smaller than {w} x {h}");
        Grid { data }
    }

    /// Bilinear sample of channel `c`.
    #[inline(always)]
    fn sample(&self, c: usize, t: Tap) -> f32 {
        let at = |p: usize| -> f32 {
            let i = p * CH + c;
            debug_assert!(i < self.data.len());
            // SAFETY: `new` checked the length; a Tap of the same size stays inside it, c < CH.
            unsafe { (*self.data.get_unchecked(i)).into() }
        };
        let (p, fx, fy) = (t.at, t.fx, t.fy);
        let top = at(p) * (1.0 - fx) + at(p + t.right) * fx;
        let bot = at(p + t.down) * (1.0 - fx) + at(p + t.down + t.right) * fx;
        top * (1.0 - fy) + bot * fy
    }
}

/// Where the flow does not explain the frame, on the grid of every `step`-th pixel across and
/// down (`(w + step − 1) / step` wide, row-major), judged inside `regions` (each x0, y0, x1, y1
/// in px, ends exclusive) and 0 outside them: 1 where some channel of `cur` (8-bit BGR, the
/// flow's size) differs by more than `thr` from `prev` sampled (bilinearly, OpenCV's `remap`)
/// where the backward flow `bwd` (`cur` → `prev`) says the pixel came from. Moving edges show a
/// thin line of it; an object that changes shape or colour from one frame to the next shows its
/// whole changed part.
pub fn unexplained_map(
    prev: &Mat,
    cur: &Mat,
    bwd: &FlowField,
    step: usize,
    regions: &[(usize, usize, usize, usize)],
    thr: f32,
) -> opencv::Result<Vec<u8>> {
    let (h, w) = bwd.dim();
    let step = step.max(1);
    let (gw, gh) = (w.div_ceil(step), h.div_ceil(step));
    let mut out = vec![0u8; gw * gh];
    // Each grid pixel inside some region (each once, in raster order): its index on the grid,
    // and its x and y in the frame.
    let spans: Vec<(usize, usize, usize, usize)> = regions
        .iter()
        .map(|&(x0, y0, x1, y1)| {
            let (gx0, gx1) = (x0.div_ceil(step), x1.min(w).div_ceil(step));
            let (gy0, gy1) = (y0.div_ceil(step), y1.min(h).div_ceil(step));
            (gx0, gy0, gx1.max(gx0), gy1.max(gy0))
        })
        .filter(|s| s.0 < s.2 && s.1 < s.3)
        .collect();
    let mut cells: Vec<(usize, usize, usize)> = Vec::new();
    let mut row: Vec<(usize, usize)> = Vec::new();
    for gy in
        spans.iter().map(|s| s.1).min().unwrap_or(0)..spans.iter().map(|s| s.3).max().unwrap_or(0)
    {
        row.clear();
        row.extend(
            spans
                .iter()
                .filter(|s| (s.1..s.3).contains(&gy))
                .map(|s| (s.0, s.2)),
        );
        row.sort_unstable();
        let mut next = 0;
        for &(from, to) in &row {
            for gx in from.max(next)..to {
                cells.push((gy * gw + gx, gx * step, gy * step));
            }
            next = next.max(to);
        }
    }
    if cells.is_empty() {
        return Ok(out);
    }
    // `prev` sampled at each wanted grid pixel's source: a one-row map.
    let mut map = Mat::new_rows_cols_with_default(
        1,
        cells.len() as i32,
        opencv::core::CV_32FC2,
        opencv::core::Scalar::all(0.0),
    )?;
    let f = bwd.as_slice();
    for (p, &(_, x, y)) in floats_mut(map.data_typed_mut::<Vec2f>()?)
        .chunks_exact_mut(2)
        .zip(&cells)
    {
        let i = y * w + x;
        p[0] = x as f32 + f[2 * i];
        p[1] = y as f32 + f[2 * i + 1];
    }
    let mut warped = Mat::default();
    opencv::imgproc::remap(
        prev,
        &mut warped,
        &map,
        &opencv::core::no_array(),
        opencv::imgproc::INTER_LINEAR,
        opencv::core::BORDER_REPLICATE,
        opencv::core::Scalar::all(0.0),
    )?;
    let (a, c) = (warped.data_bytes()?, cur.data_bytes()?);
    let t = thr.clamp(0.0, 255.0) as u8;
    for (a, &(cell, x, y)) in a.chunks_exact(3).zip(&cells) {
        let i = y * w + x;
        let c = &c[3 * i..3 * i + 3];
        let d = a[0]
            .abs_diff(c[0])
            .max(a[1].abs_diff(c[1]))
            .max(a[2].abs_diff(c[2]));
        out[cell] = (d > t) as u8;
    }
    Ok(out)
}

/// A magnitude (≥ 0; NaN counts as 0) as IEEE bits, which sort like the values.
#[inline(always)]
fn sortable_bits(m: f32) -> u32 {
    m.max(0.0).to_bits()
}

/// The `ks`-th smallest (0-based ranks, each < `vals.len()`) of magnitudes (≥ 0; NaN counts as
/// 0): a histogram of the high bits of their IEEE patterns (which sort like the values) finds each
/// rank's bucket, and a selection inside that bucket the exact value. Same result as a full
/// selection, in fewer passes and without copying the values.
pub fn kth_smallest<const N: usize>(vals: &[f32], ks: [usize; N]) -> [f32; N] {
    const SHIFT: u32 = 18;
    let mut out = [0.0; N];
    if vals.is_empty() {
        return out;
    }
    let mut hist = vec![0u32; (u32::MAX >> SHIFT) as usize + 1];
    for &v in vals {
        hist[(sortable_bits(v) >> SHIFT) as usize] += 1;
    }
    let mut bucket = Vec::new();
    for (o, k) in out.iter_mut().zip(ks) {
        let k = k.min(vals.len() - 1);
        let (mut below, mut bin) = (0usize, 0usize);
        while below + hist[bin] as usize <= k {
            below += hist[bin] as usize;
            bin += 1;
        }
        bucket.clear();
        bucket.extend(
            vals.iter()
                .map(|&v| sortable_bits(v))
                .filter(|&b| (b >> SHIFT) as usize == bin),
        );
        *o = f32::from_bits(*bucket.select_nth_unstable(k - below).1);
    }
    out
}

/// The `qs`-quantiles (nearest rank) of magnitudes (see [`kth_smallest`]).
fn quantiles<const N: usize>(vals: &[f32], qs: [f64; N]) -> [f32; N] {
    let last = vals.len().saturating_sub(1) as f64;
    kth_smallest(vals, qs.map(|q| (last * q).round() as usize))
}

/// Computes flow for consecutive frames of one video; keeps the DIS instances between pairs.
///
/// DIS searches only from its finest pyramid level down (a quarter of the frame for `fast`), and
/// shrinks both inputs to that level on every call: four times per frame for flow both ways
/// over two pairs. The engine shrinks each frame once instead (the same INTER_AREA resize DIS
/// does), runs DIS on the shrunk frames with finest level 0, and enlarges the result as DIS does
/// (bilinear, times the scale). The pyramid levels, and so the flow, are bit-identical to DIS on
/// the full frames; sizes for which DIS would pick a different coarsest level use the full frames.
pub struct FlowEngine {
    /// The preset as configured, for full-size frames.
    dis: Ptr<video::DISOpticalFlow>,
    /// The same preset with finest level 0, for frames already shrunk to the finest level.
    shrunk: Ptr<video::DISOpticalFlow>,
    /// The preset's finest pyramid level (each level halves the frame).
    finest: i32,
    /// The last `cur` frame's bytes and its finest-level image, reused as the next `prev`.
    last: Option<(Vec<u8>, Mat)>,
    cfg: Config,
}

/// The coarsest pyramid level DIS 4.6 picks for a `w` x `h` frame (its own formula, integer
/// division included).
fn dis_coarsest(w: i32, h: i32, patch: i32) -> i32 {
    let by_width = ((w.max(h) as f64 / (4.0 * patch as f64)).ln() / 2f64.ln() + 0.5) as i32;
    let by_patch = (((w.min(h) / patch) as f64).ln() / 2f64.ln()) as i32;
    by_width.min(by_patch)
}

impl FlowEngine {
    /// A new engine with the configured DIS preset.
    pub fn new(cfg: &Config) -> opencv::Result<Self> {
        let preset = match cfg.flow_preset {
            FlowPreset::Ultrafast => video::DISOpticalFlow_PRESET_ULTRAFAST,
            FlowPreset::Fast => video::DISOpticalFlow_PRESET_FAST,
            FlowPreset::Medium => video::DISOpticalFlow_PRESET_MEDIUM,
        };
        let dis = video::DISOpticalFlow::create(preset)?;
        let finest = dis.get_finest_scale()?;
        let mut shrunk = video::DISOpticalFlow::create(preset)?;
        shrunk.set_finest_scale(0)?;
        Ok(FlowEngine {
            dis,
            shrunk,
            finest,
            last: None,
            cfg: cfg.clone(),
        })
    }

    /// Whether frames of this size can take the shrunk path with the same pyramid as DIS's own.
    fn shrinkable(&self, w: i32, h: i32) -> opencv::Result<bool> {
        let f = 1 << self.finest;
        let patch = self.dis.get_patch_size()?;
        let (sw, sh) = (w / f, h / f);
        Ok(self.finest > 0
            && sw.min(sh) >= patch
            && dis_coarsest(sw, sh, patch) == dis_coarsest(w, h, patch) - self.finest)
    }

    /// `gray` shrunk to the finest level (as DIS's prepareBuffers does).
    fn shrink(&self, gray: &Mat) -> opencv::Result<Mat> {
        let f = 1 << self.finest;
        let mut out = Mat::default();
        opencv::imgproc::resize(
            gray,
            &mut out,
            opencv::core::Size::new(gray.cols() / f, gray.rows() / f),
            0.0,
            0.0,
            opencv::imgproc::INTER_AREA,
        )?;
        Ok(out)
    }

    fn dense(&mut self, a: &Mat, b: &Mat) -> opencv::Result<FlowField> {
        // A fresh output each time: DIS would otherwise take it as the initial flow.
        let mut f = Mat::default();
        self.dis.calc(a, b, &mut f)?;
        FlowField::new(f)
    }

    /// Flow between two finest-level images, enlarged to `size` as DIS enlarges its result.
    fn dense_shrunk(
        &mut self,
        a: &Mat,
        b: &Mat,
        size: opencv::core::Size,
    ) -> opencv::Result<FlowField> {
        let mut small = Mat::default();
        self.shrunk.calc(a, b, &mut small)?;
        let mut f = Mat::default();
        opencv::imgproc::resize(
            &small,
            &mut f,
            size,
            0.0,
            0.0,
            opencv::imgproc::INTER_LINEAR,
        )?;
        let scale = (1 << self.finest) as f32;
        // As DIS's `flow *= scale` (convertTo with beta 0, which also turns -0 into +0).
        for x in floats_mut(f.data_typed_mut::<Vec2f>()?) {
            *x = *x * scale + 0.0;
        }
        FlowField::new(f)
    }

    /// Analyses the pair (prev → cur); `frame` is cur's index.
    pub fn pair(&mut self, prev: &Mat, cur: &Mat, frame: usize) -> opencv::Result<PairFlow> {
        let (fwd, bwd) =
            if self.shrinkable(cur.cols(), cur.rows())? && prev.size()? == cur.size()? {
                // `prev` is usually the last call's `cur`: its shrunk image is reused.
                let p = match self.last.take() {
                    Some((bytes, small)) if bytes.as_slice() == prev.data_bytes()? => small,
                    _ => self.shrink(prev)?,
                };
                let c = self.shrink(cur)?;
                let size = cur.size()?;
                let fwd = self.dense_shrunk(&p, &c, size)?;
                let bwd = self.dense_shrunk(&c, &p, size)?;
                self.last = Some((cur.data_bytes()?.to_vec(), c));
                (fwd, bwd)
            } else {
                (self.dense(prev, cur)?, self.dense(cur, prev)?)
            };
        let (h, w) = (prev.rows() as usize, prev.cols() as usize);
        Ok(self.summarise(
            frame,
            fwd,
            bwd,
            prev.data_bytes()?,
            cur.data_bytes()?,
            (h, w),
        ))
    }

    fn summarise(
        &self,
        frame: usize,
        fwd: FlowField,
        bwd: FlowField,
        a0: &[u8],
        a1: &[u8],
        (h, w): (usize, usize),
    ) -> PairFlow {
        let fw = fwd.as_slice();
        let (bw, i1) = (
            Grid::<f32, 2>::new(bwd.as_slice(), w, h),
            Grid::<u8, 1>::new(a1, w, h),
        );
        let a0 = &a0[..h * w];
        // Statistics on a strided subset of pixels; the camera fit's grid points are among them
        // whenever the stride divides the grid's offset.
        let step = self.cfg.flow_stats_stride.max(1);
        let grid = self.cfg.camera_grid.max(1);
        let (xs, ys) = ((0..w).step_by(step), (0..h).step_by(step));
        let count = xs.len() * ys.len();
        let mut mags = Vec::with_capacity(count);
        let (mut mag_sum, mut mag_max) = (0.0f64, 0.0f32);
        let (mut werr, mut werr_all, mut nvalid, mut diff) = (0.0f64, 0.0f64, 0usize, 0.0f64);
        let (hw, hh) = (w as f32 / 2.0, h as f32 / 2.0);
        let (mut src, mut dst) = (Vec::new(), Vec::new());
        let (alpha, beta) = (self.cfg.fb_alpha, self.cfg.fb_beta);
        let (xmax, ymax) = ((w - 1) as f32, (h - 1) as f32);
        for y in ys.clone() {
            let sample_row = y % grid == grid / 2;
            let row = y * w;
            let (frow, a0row) = (&fw[2 * row..2 * (row + w)], &a0[row..row + w]);
            for x in xs.clone() {
                let (fx, fy) = (frow[2 * x], frow[2 * x + 1]);
                let (qx, qy) = (x as f32 + fx, y as f32 + fy);
                let wt = Tap::new(w, h, qx, qy);
                let (gx, gy) = (bw.sample(0, wt), bw.sample(1, wt));
                let outside = qx < 0.0 || qy < 0.0 || qx > xmax || qy > ymax;
                let e = (fx + gx).powi(2) + (fy + gy).powi(2);
                let is_occ = outside || e > alpha * (fx * fx + fy * fy + gx * gx + gy * gy) + beta;
                let m = (fx * fx + fy * fy).sqrt();
                mag_sum += m as f64;
                mag_max = mag_max.max(m);
                mags.push(m);
                let v0 = a0row[x] as f32;
                let err = (i1.sample(0, wt) - v0).abs() as f64;
                werr_all += err;
                diff += (a1[row + x] as f32 - v0).abs() as f64;
                if !is_occ {
                    werr += err;
                    nvalid += 1;
                    if sample_row && x % grid == grid / 2 {
                        src.push((x as f32 - hw, y as f32 - hh));
                        dst.push((x as f32 - hw + fx, y as f32 - hh + fy));
                    }
                }
            }
        }
        let n = count as f64;
        let camera = camera::fit(
            &src,
            &dst,
            self.cfg.camera_ransac_px,
            self.cfg.camera_ransac_iters,
        );
        let cam = camera.field();
        let mut res = Vec::with_capacity(count);
        let mut res_sum = 0.0f64;
        for y in ys {
            let frow = &fw[2 * y * w..2 * (y + 1) * w];
            for x in xs.clone() {
                let (cfx, cfy) = cam.at(x as f32 - hw, y as f32 - hh);
                let r = ((frow[2 * x] - cfx).powi(2) + (frow[2 * x + 1] - cfy).powi(2)).sqrt();
                res_sum += r as f64;
                res.push(r);
            }
        }
        let occluded_frac = (n - nvalid as f64) / n;
        let [flow_p50, flow_p95] = quantiles(&mags, [0.5, 0.95]);
        let [residual_p95] = quantiles(&res, [0.95]);
        let stats = FlowStats {
            flow_mean: (mag_sum / n) as f32,
            flow_p50,
            flow_p95,
            flow_max: mag_max,
            residual_mean: (res_sum / n) as f32,
            residual_p95,
            occluded_frac: occluded_frac as f32,
            warp_error: if nvalid > 0 {
                (werr / nvalid as f64) as f32
            } else {
                0.0
            },
            warp_error_all: (werr_all / n) as f32,
            frame_diff: (diff / n) as f32,
        };
        let (diff, warp_all) = (stats.frame_diff as f64, stats.warp_error_all as f64);
        let c = &self.cfg;
        let scene_cut = diff > c.cut_min_diff
            && ((occluded_frac > c.cut_occluded_frac && warp_all > c.cut_warp_ratio * diff)
                || (occluded_frac > c.cut_occluded_frac_loose
                    && warp_all > c.cut_warp_ratio_strict * diff));
        PairFlow {
            frame,
            fwd,
            bwd,
            camera,
            stats,
            scene_cut,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use opencv::core::{Rect, Scalar, CV_8UC1};
    use opencv::imgproc;

    /// The zero-copy field reads DIS's matrix: its view, its slice and `residual_at` agree with
    /// the matrix's own elements, and a square moved 3 px right shows about +3 px of flow.
    #[test]
    fn flow_field_reads_the_dis_matrix() {
        let frame = |x0: i32| {
            let mut m =
                Mat::new_rows_cols_with_default(96, 128, CV_8UC1, Scalar::all(40.0)).unwrap();
            let r = Rect::new(x0, 30, 30, 30);
            imgproc::rectangle(&mut m, r, Scalar::all(220.0), -1, imgproc::LINE_8, 0).unwrap();
            m
        };
        let (a, b) = (frame(40), frame(43));
        let mut engine = FlowEngine::new(&Config::default()).unwrap();
        let p = engine.pair(&a, &b, 1).unwrap();
        assert_eq!(p.fwd.dim(), (96, 128));
        let (view, slice) = (p.fwd.view(), p.fwd.as_slice());
        for (y, x) in [(0, 0), (45, 55), (95, 127)] {
            let e = p.fwd.mat.at_2d::<Vec2f>(y as i32, x as i32).unwrap();
            assert_eq!([view[[y, x, 0]], view[[y, x, 1]]], [e[0], e[1]]);
            assert_eq!(&slice[2 * (y * 128 + x)..][..2], &[e[0], e[1]]);
        }
        let (cfx, cfy) = p.camera.flow_at(55.0 - 64.0, 45.0 - 48.0);
        let (rx, ry) = p.residual_at(55, 45);
        assert_eq!((rx, ry), (view[[45, 55, 0]] - cfx, view[[45, 55, 1]] - cfy));
        assert!(
            (view[[45, 55, 0]] - 3.0).abs() < 1.0,
            "dx {}",
            view[[45, 55, 0]]
        );
    }

    /// Where the flow carries the frame before onto this one, nothing is unexplained; a square
    /// painted on this frame alone is, all of it; outside the region judged, nothing is marked.
    #[test]
    fn only_what_the_flow_does_not_carry_over_is_unexplained() {
        use rand::SeedableRng;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let (w, h) = (160usize, 120usize);
        let big = crate::synth::scene::background(&mut rng, w as i32 + 8, h as i32 + 8).unwrap();
        let crop = |x: i32, y: i32| {
            Mat::roi(&big, Rect::new(x, y, w as i32, h as i32))
                .unwrap()
                .try_clone()
                .unwrap()
        };
        // This frame shows the scene 3 px right and 1 px down of the frame before.
        let prev = crop(0, 0);
        let mut cur = crop(3, 1);
        let square = Rect::new(40, 30, 20, 20);
        imgproc::rectangle(
            &mut cur,
            square,
            Scalar::new(0.0, 0.0, 255.0, 0.0),
            -1,
            imgproc::LINE_8,
            0,
        )
        .unwrap();
        let bwd = FlowField::new(
            Mat::new_rows_cols_with_default(
                h as i32,
                w as i32,
                opencv::core::CV_32FC2,
                Scalar::new(3.0, 1.0, 0.0, 0.0),
            )
            .unwrap(),
        )
        .unwrap();
        let step = 2;
        let gw = w / step;
        let marked = |m: &[u8], inside: bool| {
            m.iter()
                .enumerate()
                .filter(|&(i, &v)| {
                    let (x, y) = ((i % gw * step) as i32, (i / gw * step) as i32);
                    let on_square = square.contains(opencv::core::Point::new(x, y));
                    v != 0 && on_square == inside
                })
                .count()
        };
        let all = unexplained_map(&prev, &cur, &bwd, step, &[(0, 0, w, h)], 40.0).unwrap();
        assert_eq!(all.len(), gw * (h / step));
        assert_eq!(marked(&all, true), 100, "the square's 10 x 10 grid pixels");
        assert_eq!(marked(&all, false), 0);
        let left = unexplained_map(
            &prev,
            &cur,
            &bwd,
            step,
            &[(0, 0, 30, h), (10, 0, 20, 4)],
            40.0,
        )
        .unwrap();
        assert_eq!(marked(&left, true) + marked(&left, false), 0);
    }

    /// The engine's flow (frames shrunk once, DIS from its finest level) is bit-identical to DIS
    /// on the full frames, for every preset, for sizes that take the shrunk path and sizes that
    /// fall back, whether `prev` is the last call's `cur` (its shrunk image reused) or not.
    #[test]
    fn shrunk_flow_equals_dis_on_full_frames() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for (w, h) in [
            (320, 213),
            (320, 180),
            (176, 144),
            (182, 100),
            (64, 48),
            (333, 97),
        ] {
            let big = crate::synth::scene::background(&mut rng, w + 16, h + 16).unwrap();
            let frame = |x: i32, y: i32| {
                let c = Mat::roi(&big, Rect::new(x, y, w, h)).unwrap();
                let mut g = Mat::default();
                imgproc::cvt_color_def(&c, &mut g, imgproc::COLOR_BGR2GRAY).unwrap();
                g
            };
            let frames: Vec<Mat> = (0..4)
                .map(|_| frame(rng.gen_range(0..16), rng.gen_range(0..16)))
                .collect();
            for preset in [FlowPreset::Ultrafast, FlowPreset::Fast, FlowPreset::Medium] {
                let cfg = Config {
                    flow_preset: preset,
                    ..Config::default()
                };
                let mut engine = FlowEngine::new(&cfg).unwrap();
                // 0→1, 1→2 (reuse), 3→2 (no reuse), 2→3.
                for (i, j) in [(0, 1), (1, 2), (3, 2), (2, 3)] {
                    let p = engine.pair(&frames[i], &frames[j], j).unwrap();
                    for (a, b, got) in [(i, j, &p.fwd), (j, i, &p.bwd)] {
                        let mut want = Mat::default();
                        engine.dis.calc(&frames[a], &frames[b], &mut want).unwrap();
                        let want = FlowField::new(want).unwrap();
                        let same = got
                            .as_slice()
                            .iter()
                            .zip(want.as_slice())
                            .all(|(x, y)| x.to_bits() == y.to_bits());
                        assert!(same, "{w}x{h} {preset:?} {a}->{b}");
                    }
                }
            }
        }
    }
}
