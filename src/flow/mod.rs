//! Flow stage: dense optical flow between consecutive frames and what follows from it.
//!
//! Takes pairs of analysis-size grey frames; gives, per pair, a [`PairFlow`]: forward and backward
//! DIS flow as ndarray fields (h, w, 2), the forward-backward occlusion mask, the photometric
//! warping error on non-occluded pixels, the camera motion ([`CameraMotion`]) with which later
//! stages compute residual (object) flow, and the scene-cut flag. It never decodes and never
//! looks at objects.

pub mod camera;

pub use camera::CameraMotion;

use crate::config::{Config, FlowPreset};
use ndarray::{Array2, Array3, ArrayView2};
use opencv::core::{Mat, Ptr, Vec2f};
use opencv::prelude::*;
use opencv::video;
use serde::Serialize;

/// A dense flow field, shape (height, width, 2), in analysis px/frame: `[y, x, 0]` = dx, `[y, x, 1]` = dy.
pub type FlowField = Array3<f32>;

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
    /// True where the forward-backward check fails (occluded or unreliable), on the earlier frame.
    pub occluded: Array2<bool>,
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
        let (h, w) = (self.fwd.shape()[0], self.fwd.shape()[1]);
        let (cx, cy) = (x as f32 - w as f32 / 2.0, y as f32 - h as f32 / 2.0);
        let (cfx, cfy) = self.camera.flow_at(cx, cy);
        (self.fwd[[y, x, 0]] - cfx, self.fwd[[y, x, 1]] - cfy)
    }
}

/// Bilinear sample of a single-channel image at (x, y), clamped to the border.
#[inline]
pub fn bilinear(img: &ArrayView2<f32>, x: f32, y: f32) -> f32 {
    let (h, w) = img.dim();
    let x = x.clamp(0.0, (w - 1) as f32);
    let y = y.clamp(0.0, (h - 1) as f32);
    let (x0, y0) = (x.floor() as usize, y.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let top = img[[y0, x0]] * (1.0 - fx) + img[[y0, x1]] * fx;
    let bot = img[[y1, x0]] * (1.0 - fx) + img[[y1, x1]] * fx;
    top * (1.0 - fy) + bot * fy
}

/// Bilinear weights at (x, y), clamped to the border: (x0, y0, x1, y1, fx, fy). Same arithmetic
/// as [`bilinear`].
#[inline(always)]
fn bilinear_weights(w: usize, h: usize, x: f32, y: f32) -> (usize, usize, usize, usize, f32, f32) {
    let x = x.clamp(0.0, (w - 1) as f32);
    let y = y.clamp(0.0, (h - 1) as f32);
    // Non-negative after the clamp: truncation is floor.
    let (x0, y0) = (x as usize, y as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    (x0, y0, x1, y1, x - x0 as f32, y - y0 as f32)
}

/// Bilinear sample of channel `c` of an interleaved `ch`-channel row-major image of width `w`.
#[inline(always)]
fn sample(
    data: &[f32],
    w: usize,
    ch: usize,
    c: usize,
    wt: (usize, usize, usize, usize, f32, f32),
) -> f32 {
    let (x0, y0, x1, y1, fx, fy) = wt;
    let at = |x: usize, y: usize| data[(y * w + x) * ch + c];
    let top = at(x0, y0) * (1.0 - fx) + at(x1, y0) * fx;
    let bot = at(x0, y1) * (1.0 - fx) + at(x1, y1) * fx;
    top * (1.0 - fy) + bot * fy
}

/// Grey Mat (8-bit, continuous) → f32 array.
pub fn gray_to_array(m: &Mat) -> opencv::Result<Array2<f32>> {
    let (h, w) = (m.rows() as usize, m.cols() as usize);
    let bytes = m.data_bytes()?;
    let v: Vec<f32> = bytes[..h * w].iter().map(|&b| b as f32).collect();
    Ok(Array2::from_shape_vec((h, w), v).expect("h × w values"))
}

fn flow_to_array(m: &Mat) -> opencv::Result<FlowField> {
    let (h, w) = (m.rows() as usize, m.cols() as usize);
    let data: &[Vec2f] = m.data_typed()?;
    let v: Vec<f32> = data[..h * w].iter().flat_map(|p| [p[0], p[1]]).collect();
    Ok(Array3::from_shape_vec((h, w, 2), v).expect("h × w × 2 values"))
}

/// The `q`-quantile (nearest rank) of non-negative magnitudes, given as their IEEE bits: for
/// non-negative floats the bit patterns sort like the values, and integer selection is faster.
fn percentile(bits: &mut [u32], q: f64) -> f32 {
    if bits.is_empty() {
        return 0.0;
    }
    let k = ((bits.len() - 1) as f64 * q).round() as usize;
    f32::from_bits(*bits.select_nth_unstable(k).1)
}

/// Magnitudes (≥ 0) as sortable bits.
fn magnitude_bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|m| m.max(0.0).to_bits()).collect()
}

/// Computes flow for consecutive frames of one video; keeps the DIS instance between pairs.
pub struct FlowEngine {
    dis: Ptr<video::DISOpticalFlow>,
    cfg: Config,
}

impl FlowEngine {
    /// A new engine with the configured DIS preset.
    pub fn new(cfg: &Config) -> opencv::Result<Self> {
        let preset = match cfg.flow_preset {
            FlowPreset::Ultrafast => video::DISOpticalFlow_PRESET_ULTRAFAST,
            FlowPreset::Fast => video::DISOpticalFlow_PRESET_FAST,
            FlowPreset::Medium => video::DISOpticalFlow_PRESET_MEDIUM,
        };
        Ok(FlowEngine {
            dis: video::DISOpticalFlow::create(preset)?,
            cfg: cfg.clone(),
        })
    }

    fn dense(&mut self, a: &Mat, b: &Mat) -> opencv::Result<FlowField> {
        // A fresh output each time: DIS would otherwise take it as the initial flow.
        let mut f = Mat::default();
        self.dis.calc(a, b, &mut f)?;
        flow_to_array(&f)
    }

    /// Analyses the pair (prev → cur); `frame` is cur's index.
    pub fn pair(&mut self, prev: &Mat, cur: &Mat, frame: usize) -> opencv::Result<PairFlow> {
        let fwd = self.dense(prev, cur)?;
        let bwd = self.dense(cur, prev)?;
        let i0 = gray_to_array(prev)?;
        let i1 = gray_to_array(cur)?;
        Ok(self.summarise(frame, fwd, bwd, &i0, &i1))
    }

    fn summarise(
        &self,
        frame: usize,
        fwd: FlowField,
        bwd: FlowField,
        i0: &Array2<f32>,
        i1: &Array2<f32>,
    ) -> PairFlow {
        let (h, w) = i0.dim();
        let fw = fwd.as_slice().expect("flow in standard layout");
        let bw = bwd.as_slice().expect("flow in standard layout");
        let (a0, a1) = (
            i0.as_slice().expect("standard layout"),
            i1.as_slice().expect("standard layout"),
        );
        let mut occ = vec![false; h * w];
        let mut mags = Vec::with_capacity(h * w);
        let (mut werr, mut werr_all, mut nvalid, mut diff) = (0.0f64, 0.0f64, 0usize, 0.0f64);
        let (hw, hh) = (w as f32 / 2.0, h as f32 / 2.0);
        let grid = self.cfg.camera_grid.max(1);
        let (mut src, mut dst) = (Vec::new(), Vec::new());
        let (alpha, beta) = (self.cfg.fb_alpha, self.cfg.fb_beta);
        for y in 0..h {
            for x in 0..w {
                let p = y * w + x;
                let (fx, fy) = (fw[2 * p], fw[2 * p + 1]);
                let (qx, qy) = (x as f32 + fx, y as f32 + fy);
                let wt = bilinear_weights(w, h, qx, qy);
                let (gx, gy) = (sample(bw, w, 2, 0, wt), sample(bw, w, 2, 1, wt));
                let outside = qx < 0.0 || qy < 0.0 || qx > (w - 1) as f32 || qy > (h - 1) as f32;
                let e = (fx + gx).powi(2) + (fy + gy).powi(2);
                let is_occ = outside || e > alpha * (fx * fx + fy * fy + gx * gx + gy * gy) + beta;
                occ[p] = is_occ;
                mags.push((fx * fx + fy * fy).sqrt());
                let err = (sample(a1, w, 1, 0, wt) - a0[p]).abs() as f64;
                werr_all += err;
                diff += (a1[p] - a0[p]).abs() as f64;
                if !is_occ {
                    werr += err;
                    nvalid += 1;
                    if y % grid == grid / 2 && x % grid == grid / 2 {
                        src.push((x as f32 - hw, y as f32 - hh));
                        dst.push((x as f32 - hw + fx, y as f32 - hh + fy));
                    }
                }
            }
        }
        let occluded = Array2::from_shape_vec((h, w), occ).expect("h × w values");
        let n = (h * w) as f64;
        let camera = camera::fit(
            &src,
            &dst,
            self.cfg.camera_ransac_px,
            self.cfg.camera_ransac_iters,
        );
        let mut res: Vec<f32> = Vec::with_capacity(h * w);
        for y in 0..h {
            for x in 0..w {
                let p = y * w + x;
                let (cfx, cfy) = camera.flow_at(x as f32 - hw, y as f32 - hh);
                res.push(((fw[2 * p] - cfx).powi(2) + (fw[2 * p + 1] - cfy).powi(2)).sqrt());
            }
        }
        let mean =
            |v: &[f32]| (v.iter().map(|&m| m as f64).sum::<f64>() / v.len().max(1) as f64) as f32;
        let occluded_frac = (n - nvalid as f64) / n;
        // Selection leaves the k-th value in place; a second selection on the same copy is exact.
        let mut sorted_mags = magnitude_bits(&mags);
        let mut res_bits = magnitude_bits(&res);
        let stats = FlowStats {
            flow_mean: mean(&mags),
            flow_p50: percentile(&mut sorted_mags, 0.5),
            flow_p95: percentile(&mut sorted_mags, 0.95),
            flow_max: mags.iter().copied().fold(0.0, f32::max),
            residual_mean: mean(&res),
            residual_p95: percentile(&mut res_bits, 0.95),
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
            occluded,
            camera,
            stats,
            scene_cut,
        }
    }
}
