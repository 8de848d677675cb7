//! Global camera motion: a similarity transform (pan, zoom, roll) fitted to flow samples by a
//! seeded RANSAC and refined by least squares on the inliers. Deterministic.

use rand::{Rng, SeedableRng};
use serde::Serialize;

/// Camera motion between two frames, as a similarity about the frame centre:
/// `p' = s·R(θ)·(p − c) + c + (dx, dy)`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CameraMotion {
    /// Horizontal translation (analysis px/frame).
    pub dx: f32,
    /// Vertical translation (analysis px/frame).
    pub dy: f32,
    /// Scale factor (1 = no zoom).
    pub scale: f32,
    /// Roll (radians).
    pub rotation: f32,
    /// Share of samples that agree with the fit.
    pub inlier_frac: f32,
}

impl Default for CameraMotion {
    fn default() -> Self {
        CameraMotion {
            dx: 0.0,
            dy: 0.0,
            scale: 1.0,
            rotation: 0.0,
            inlier_frac: 0.0,
        }
    }
}

impl CameraMotion {
    /// Flow the camera alone causes at centred coordinates (x, y).
    pub fn flow_at(&self, x: f32, y: f32) -> (f32, f32) {
        self.field().at(x, y)
    }

    /// The camera's flow as a field to evaluate at many points (the trigonometry done once).
    pub fn field(&self) -> CameraField {
        CameraField {
            a: self.scale * self.rotation.cos(),
            b: self.scale * self.rotation.sin(),
            dx: self.dx,
            dy: self.dy,
        }
    }
}

/// [`CameraMotion::flow_at`] with the rotation's sine and cosine precomputed.
#[derive(Debug, Clone, Copy)]
pub struct CameraField {
    a: f32,
    b: f32,
    dx: f32,
    dy: f32,
}

impl CameraField {
    /// Flow the camera alone causes at centred coordinates (x, y).
    #[inline(always)]
    pub fn at(&self, x: f32, y: f32) -> (f32, f32) {
        let (a, b) = (self.a, self.b);
        (a * x - b * y + self.dx - x, b * x + a * y + self.dy - y)
    }

    /// The terms of [`Self::at`] that depend on x alone: (a x, b x).
    #[inline(always)]
    pub fn terms_x(&self, x: f32) -> (f32, f32) {
        (self.a * x, self.b * x)
    }

    /// The terms of [`Self::at`] that depend on y alone: (b y, a y).
    #[inline(always)]
    pub fn terms_y(&self, y: f32) -> (f32, f32) {
        (self.b * y, self.a * y)
    }

    /// [`Self::at`] from precomputed [`Self::terms_x`] and [`Self::terms_y`], with the same result.
    #[inline(always)]
    pub fn combine(&self, x: f32, y: f32, ax: f32, bx: f32, by: f32, ay: f32) -> (f32, f32) {
        (ax - by + self.dx - x, bx + ay + self.dy - y)
    }
}

/// Parameters (a, b, tx, ty) of `x' = a x − b y + tx, y' = b x + a y + ty`.
type Sim = [f64; 4];

fn apply(m: &Sim, x: f32, y: f32) -> (f64, f64) {
    let (x, y) = (x as f64, y as f64);
    (m[0] * x - m[1] * y + m[2], m[1] * x + m[0] * y + m[3])
}

/// Least-squares similarity through the given (src, dst) pairs; None when degenerate.
fn least_squares(src: &[(f32, f32)], dst: &[(f32, f32)], idx: &[usize]) -> Option<Sim> {
    let n = idx.len() as f64;
    if idx.len() < 2 {
        return None;
    }
    let (mut mx, mut my, mut mu, mut mv) = (0.0, 0.0, 0.0, 0.0);
    for &i in idx {
        mx += src[i].0 as f64;
        my += src[i].1 as f64;
        mu += dst[i].0 as f64;
        mv += dst[i].1 as f64;
    }
    mx /= n;
    my /= n;
    mu /= n;
    mv /= n;
    let (mut sxx, mut sa, mut sb) = (0.0, 0.0, 0.0);
    for &i in idx {
        let (x, y) = (src[i].0 as f64 - mx, src[i].1 as f64 - my);
        let (u, v) = (dst[i].0 as f64 - mu, dst[i].1 as f64 - mv);
        sxx += x * x + y * y;
        sa += x * u + y * v;
        sb += x * v - y * u;
    }
    if sxx < 1e-9 {
        return None;
    }
    let a = sa / sxx;
    let b = sb / sxx;
    Some([a, b, mu - (a * mx - b * my), mv - (b * mx + a * my)])
}

/// Fits the camera similarity to point pairs (`src` centred coordinates, `dst` = src + flow).
pub fn fit(src: &[(f32, f32)], dst: &[(f32, f32)], threshold: f32, iters: usize) -> CameraMotion {
    let n = src.len();
    if n < 8 {
        return CameraMotion::default();
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x5eed);
    let thr2 = (threshold as f64).powi(2);
    let agrees = |m: &Sim, i: usize| {
        let (px, py) = apply(m, src[i].0, src[i].1);
        (px - dst[i].0 as f64).powi(2) + (py - dst[i].1 as f64).powi(2) <= thr2
    };
    let inliers_of = |m: &Sim| -> Vec<usize> { (0..n).filter(|&i| agrees(m, i)).collect() };
    let mut best: Vec<usize> = Vec::new();
    for _ in 0..iters {
        let i = rng.gen_range(0..n);
        let j = rng.gen_range(0..n);
        if i == j {
            continue;
        }
        let Some(m) = least_squares(src, dst, &[i, j]) else {
            continue;
        };
        // Counted first: most hypotheses lose, and their inlier lists are never needed.
        if (0..n).filter(|&i| agrees(&m, i)).count() > best.len() {
            best = inliers_of(&m);
        }
    }
    // Two refinement rounds on the consensus set.
    for _ in 0..2 {
        let Some(m) = least_squares(src, dst, &best) else {
            break;
        };
        let inl = inliers_of(&m);
        if inl.len() < best.len() {
            break;
        }
        best = inl;
    }
    let Some(m) = least_squares(src, dst, &best) else {
        return CameraMotion::default();
    };
    CameraMotion {
        dx: m[2] as f32,
        dy: m[3] as f32,
        scale: (m[0] * m[0] + m[1] * m[1]).sqrt() as f32,
        rotation: m[1].atan2(m[0]) as f32,
        inlier_frac: best.len() as f32 / n as f32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_pan_zoom_and_roll_despite_outliers() {
        let truth = CameraMotion {
            dx: 3.0,
            dy: -1.5,
            scale: 1.02,
            rotation: 0.01,
            inlier_frac: 1.0,
        };
        let mut src = Vec::new();
        let mut dst = Vec::new();
        for gy in -10..10 {
            for gx in -15..15 {
                let (x, y) = (gx as f32 * 8.0, gy as f32 * 8.0);
                let (fx, fy) = if gx > 8 && gy > 4 {
                    (9.0, 7.0)
                } else {
                    truth.flow_at(x, y)
                };
                src.push((x, y));
                dst.push((x + fx, y + fy));
            }
        }
        let m = fit(&src, &dst, 0.5, 64);
        assert!((m.dx - 3.0).abs() < 1e-3, "{m:?}");
        assert!((m.dy + 1.5).abs() < 1e-3, "{m:?}");
        assert!((m.scale - 1.02).abs() < 1e-4, "{m:?}");
        assert!((m.rotation - 0.01).abs() < 1e-4, "{m:?}");
        // 30 of 600 samples move with an object.
        assert!((m.inlier_frac - 0.95).abs() < 1e-3, "{m:?}");
    }
}
