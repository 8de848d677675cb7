//! Tracing a track's blob back through the frames before it.
//!
//! Segmentation often finds an object a few frames after it came into view, or first only in
//! part: it stood still before it moved, the plate was not yet learnt around it (the start of the
//! video, a cut), or it was one blob with another object. The pixels of a blob that shows the
//! whole object (its [`Seed`]: a new track's first blob, or the blob a track found in pieces
//! settles to) are looked for in the frames before (kept in a short [`History`]), each a small
//! search around where its motion puts it. Takes the seed and the past frames; gives the seed's
//! offset in each earlier frame it is found in, back to the first frame it is not, a scene cut or
//! the frame edge.

use crate::flow::CameraMotion;
use crate::tracks::morphology;
use crate::tracks::segment::Detection;
use opencv::core::Mat;
use opencv::prelude::*;
use std::collections::VecDeque;

/// Largest number of mask pixels compared per candidate position (a raster subsample beyond).
const POINTS: usize = 400;
/// Largest search radius around the predicted position (px).
const MAX_RADIUS: f64 = 8.0;
/// Share of a seed's points (inside the frame) that must be found on the object or on the
/// background where it was.
pub const EXPLAINED: f64 = 0.65;

/// A past frame, at analysis size.
struct Past {
    frame: usize,
    bgr: Mat,
    /// Camera motion from the frame before to this one.
    camera: CameraMotion,
    /// First frame of a shot: nothing before it is the same scene.
    shot_start: bool,
}

/// The last few frames, oldest first.
pub struct History {
    frames: VecDeque<Past>,
    cap: usize,
}

impl History {
    /// Keeps the last `cap` frames.
    pub fn new(cap: usize) -> Self {
        History {
            frames: VecDeque::with_capacity(cap + 1),
            cap,
        }
    }

    /// Adds frame `frame` (a copy of `bgr`), reached from the frame before with `camera`.
    pub fn push(
        &mut self,
        frame: usize,
        bgr: &Mat,
        camera: CameraMotion,
        shot_start: bool,
    ) -> opencv::Result<()> {
        if self.cap == 0 {
            return Ok(());
        }
        // The oldest frame's buffer is reused once the history is full.
        let copy = match (self.frames.len() >= self.cap)
            .then(|| self.frames.pop_front())
            .flatten()
        {
            Some(old) => {
                let mut m = old.bgr;
                bgr.copy_to(&mut m)?;
                m
            }
            None => bgr.try_clone()?,
        };
        self.frames.push_back(Past {
            frame,
            bgr: copy,
            camera,
            shot_start,
        });
        Ok(())
    }

    /// The newest frame held, if any.
    pub fn newest(&self) -> Option<usize> {
        self.frames.back().map(|p| p.frame)
    }

    fn get(&self, frame: usize) -> Option<&Past> {
        let first = self.frames.front()?.frame;
        let p = self.frames.get(frame.checked_sub(first)?)?;
        (p.frame == frame).then_some(p)
    }

    /// The camera's motion from frame `frame − 1` to `frame`, if held.
    pub fn camera_into(&self, frame: usize) -> Option<CameraMotion> {
        self.get(frame).map(|p| p.camera)
    }
}

/// The pixels of a new track's first blob.
pub struct Seed {
    /// Frame of the blob.
    pub frame: usize,
    rect: (i32, i32, i32, i32),
    /// Mask pixels (x, y relative to the box) and their BGR colour.
    points: Vec<(i32, i32, [u8; 3])>,
}

impl Seed {
    /// The seed of detection `d` in frame `frame` (`bgr`, analysis size).
    pub fn of(bgr: &Mat, d: &Detection, frame: usize) -> opencv::Result<Seed> {
        let m = morphology::bytes(&d.mask)?;
        let (w, h) = (d.rect.width as usize, d.rect.height as usize);
        let fw = bgr.cols() as usize;
        let img = bgr.data_bytes()?;
        let n = m.iter().filter(|&&v| v != 0).count();
        let stride = n.div_ceil(POINTS).max(1);
        let mut points = Vec::with_capacity(n / stride + 1);
        let mut k = 0;
        for y in 0..h {
            for x in 0..w {
                if m[y * w + x] == 0 {
                    continue;
                }
                if k % stride == 0 {
                    let p = 3 * ((d.rect.y as usize + y) * fw + d.rect.x as usize + x);
                    points.push((x as i32, y as i32, [img[p], img[p + 1], img[p + 2]]));
                }
                k += 1;
            }
        }
        Ok(Seed {
            frame,
            rect: (d.rect.x, d.rect.y, d.rect.width, d.rect.height),
            points,
        })
    }

    /// Difference (largest channel) of point `c` at (`px`, `py`) of `bgr` (`fw` × `fh`), None
    /// outside the frame.
    fn diff(bgr: &[u8], fw: i32, fh: i32, px: i32, py: i32, c: [u8; 3]) -> Option<u8> {
        if px < 0 || py < 0 || px >= fw || py >= fh {
            return None;
        }
        let p = 3 * (py * fw + px) as usize;
        (0..3).map(|k| bgr[p + k].abs_diff(c[k])).max()
    }

    /// The seed moved by `at` over `bgr` (`fw` × `fh`): its points inside the frame, those of
    /// them within `tol` grey levels (every channel), their summed difference and the sum of
    /// their positions (x, y). None when fewer than half its points are inside, or when it cannot
    /// reach `at_least` points found (counting stops once it cannot).
    fn fit(
        &self,
        bgr: &[u8],
        (fw, fh): (i32, i32),
        at: (i32, i32),
        tol: u8,
        at_least: usize,
    ) -> Option<Fit> {
        let (x0, y0) = (self.rect.0 + at.0, self.rect.1 + at.1);
        let n = self.points.len();
        let mut f = Fit::default();
        for (k, &(x, y, c)) in self.points.iter().enumerate() {
            if f.hits + (n - k) < at_least {
                return None;
            }
            let Some(d) = Self::diff(bgr, fw, fh, x0 + x, y0 + y, c) else {
                continue;
            };
            f.inside += 1;
            f.hits += usize::from(d < tol);
            f.diff += d as u64;
            f.at[0] += x as i64;
            f.at[1] += y as i64;
        }
        (2 * f.inside >= n && f.hits >= at_least).then_some(f)
    }

    /// Of the seed moved by `at` over `bgr`, the points inside the frame found within `tol` grey
    /// levels either there or moved with the background (by `bg`: background mistaken for object
    /// at birth).
    fn explained(
        &self,
        bgr: &[u8],
        (fw, fh): (i32, i32),
        at: (i32, i32),
        bg: (i32, i32),
        tol: u8,
    ) -> usize {
        let (x0, y0) = (self.rect.0 + at.0, self.rect.1 + at.1);
        let (bx0, by0) = (self.rect.0 + bg.0, self.rect.1 + bg.1);
        self.points
            .iter()
            .filter(|&&(x, y, c)| {
                Self::diff(bgr, fw, fh, x0 + x, y0 + y, c).is_some_and(|d| {
                    d < tol || Self::diff(bgr, fw, fh, bx0 + x, by0 + y, c).is_some_and(|b| b < tol)
                })
            })
            .count()
    }
}

/// A candidate position of a seed.
#[derive(Debug, Default, Clone, Copy)]
struct Fit {
    inside: usize,
    hits: usize,
    diff: u64,
    at: [i64; 2],
}

/// Where a seed was found in an earlier frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Found {
    /// The frame.
    pub frame: usize,
    /// Offset from the seed's own position (px).
    pub dx: i32,
    /// See `dx`.
    pub dy: i32,
    /// Share of the seed inside the frame there (the rest was beyond the edge).
    pub inside: f64,
    /// Centroid of the part inside the frame less the seed's centroid, before the offset (px).
    pub centre: [f64; 2],
}

/// Where the seed is in each frame before its birth it is found in, newest first: at least
/// `min_share` of its points inside the frame within `tol` grey levels, and [`EXPLAINED`] of
/// them either so or where the background moved (a blob's mask takes in some background),
/// searched around the position its image velocity `v` (px/frame, forward in time) predicts,
/// then the background's offset, accumulated from the camera's motion. Stops at the first
/// frame it is not found in, at a shot start, where less than half of it is inside the frame,
/// after `max_frames` frames or where the history ends.
pub fn trace(
    seed: &Seed,
    history: &History,
    v: [f64; 2],
    max_frames: usize,
    tol: u8,
    min_share: f64,
) -> opencv::Result<Vec<Found>> {
    let mut out = Vec::new();
    if seed.points.is_empty() {
        return Ok(out);
    }
    let n = seed.points.len() as f64;
    let mean = [0, 1].map(|k| {
        seed.points
            .iter()
            .map(|p| if k == 0 { p.0 } else { p.1 } as f64)
            .sum::<f64>()
            / n
    });
    let (mut ox, mut oy) = (0i32, 0i32);
    let mut bg = [0.0f64; 2];
    let mut v = v;
    let mut frame = seed.frame;
    while out.len() < max_frames && frame > 0 {
        // The step back from `frame` must stay within one shot.
        if history.get(frame).is_none_or(|p| p.shot_start) {
            break;
        }
        let Some(past) = history.get(frame - 1) else {
            break;
        };
        let (fw, fh) = (past.bgr.cols(), past.bgr.rows());
        let img = past.bgr.data_bytes()?;
        // The background under the seed moved with the camera from `frame − 1` to `frame`.
        let into = history.get(frame).map(|p| p.camera).unwrap_or_default();
        let (cdx, cdy) = into.flow_at(
            (seed.rect.0 as f64 + ox as f64 + 0.5 * seed.rect.2 as f64 - 0.5 * fw as f64) as f32,
            (seed.rect.1 as f64 + oy as f64 + 0.5 * seed.rect.3 as f64 - 0.5 * fh as f64) as f32,
        );
        bg = [bg[0] - cdx as f64, bg[1] - cdy as f64];
        let bgo = (bg[0].round() as i32, bg[1].round() as i32);
        let (px, py) = (
            (ox as f64 - v[0]).round() as i32,
            (oy as f64 - v[1]).round() as i32,
        );
        let r = (2.0 + 0.5 * v[0].hypot(v[1])).min(MAX_RADIUS).ceil() as i32;
        // The most points found (not the largest share: that would favour pushing the seed out
        // of the frame), then the smallest mean difference (compared as cross products: exact),
        // then the nearest to the prediction.
        let better = |a: &Fit, da: i32, b: &Fit, db: i32| {
            if a.hits != b.hits {
                return a.hits > b.hits;
            }
            let (x, y) = (a.diff * b.inside as u64, b.diff * a.inside as u64);
            if x != y {
                return x < y;
            }
            da < db
        };
        let mut best: Option<(Fit, i32, i32, i32)> = None;
        for dy in -r..=r {
            for dx in -r..=r {
                let (cx, cy) = (px + dx, py + dy);
                let at_least = best.map_or(0, |(b, ..)| b.hits);
                if let Some(f) = seed.fit(img, (fw, fh), (cx, cy), tol, at_least) {
                    let d = dx * dx + dy * dy;
                    if best.is_none_or(|(b, db, _, _)| better(&f, d, &b, db)) {
                        best = Some((f, d, cx, cy));
                    }
                }
            }
        }
        let Some((fit, _, bx, by)) = best else {
            break;
        };
        let hits = fit.hits;
        let k = fit.inside as f64;
        if (hits as f64) < min_share * k
            || (seed.explained(img, (fw, fh), (bx, by), bgo, tol) as f64) < EXPLAINED * k
        {
            break;
        }
        let step = [(ox - bx) as f64, (oy - by) as f64];
        v = [0.5 * (v[0] + step[0]), 0.5 * (v[1] + step[1])];
        (ox, oy) = (bx, by);
        frame -= 1;
        out.push(Found {
            frame,
            dx: ox,
            dy: oy,
            inside: k / n,
            centre: [
                fit.at[0] as f64 / k - mean[0],
                fit.at[1] as f64 / k - mean[1],
            ],
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use opencv::core::{Rect, Scalar, CV_8UC1, CV_8UC3};
    use opencv::imgproc;

    /// A textured 160x120 frame with a red 20x14 box at (x, y).
    fn frame_with_box(x: i32, y: i32) -> Mat {
        let mut m = Mat::new_rows_cols_with_default(120, 160, CV_8UC3, Scalar::all(0.0)).unwrap();
        {
            let d = m.data_bytes_mut().unwrap();
            for (i, v) in d.iter_mut().enumerate() {
                *v = 90 + ((i * 7919 / 3) % 40) as u8;
            }
        }
        imgproc::rectangle(
            &mut m,
            Rect::new(x, y, 20, 14),
            Scalar::new(30.0, 30.0, 220.0, 0.0),
            -1,
            imgproc::LINE_8,
            0,
        )
        .unwrap();
        m
    }

    fn detection(x: i32, y: i32) -> Detection {
        let rect = Rect::new(x, y, 20, 14);
        let mask = Mat::new_rows_cols_with_default(14, 20, CV_8UC1, Scalar::all(255.0)).unwrap();
        Detection::of_mask(rect, mask, 280.0)
    }

    #[test]
    fn a_box_moving_right_is_found_in_the_frames_before_and_not_before_it_appeared() {
        let mut h = History::new(12);
        // Frames 0-2: no box; frames 3-8: the box moves 3 px right per frame.
        for f in 0..9usize {
            let m = if f < 3 {
                frame_with_box(-100, -100)
            } else {
                frame_with_box(40 + 3 * f as i32, 50)
            };
            h.push(f, &m, CameraMotion::default(), f == 0).unwrap();
        }
        let now = frame_with_box(40 + 3 * 8, 50);
        let seed = Seed::of(&now, &detection(64, 50), 8).unwrap();
        let found = trace(&seed, &h, [3.0, 0.0], 12, 30, 0.8).unwrap();
        let frames: Vec<usize> = found.iter().map(|f| f.frame).collect();
        assert_eq!(frames, vec![7, 6, 5, 4, 3]);
        assert!(found
            .iter()
            .all(|f| f.dx == -3 * (8 - f.frame as i32) && f.dy == 0 && f.inside == 1.0));
    }

    #[test]
    fn the_trace_stops_at_a_shot_start_and_the_frame_edge() {
        let mut h = History::new(12);
        for f in 0..6usize {
            h.push(f, &frame_with_box(10, 50), CameraMotion::default(), f == 3)
                .unwrap();
        }
        let seed = Seed::of(&frame_with_box(10, 50), &detection(10, 50), 5).unwrap();
        let found = trace(&seed, &h, [0.0, 0.0], 12, 30, 0.8).unwrap();
        assert_eq!(
            found.iter().map(|f| f.frame).collect::<Vec<_>>(),
            vec![4, 3]
        );
        // Moving right at 6 px/frame to x = 10: it came in through the left edge, 18 of its 20
        // columns inside at frame 3, 12 at frame 2 and 6 (under half) at frame 1.
        let mut h = History::new(12);
        for f in 0..6usize {
            h.push(
                f,
                &frame_with_box(10 - 6 * (5 - f as i32), 50),
                CameraMotion::default(),
                f == 0,
            )
            .unwrap();
        }
        let found = trace(&seed, &h, [6.0, 0.0], 12, 30, 0.8).unwrap();
        assert_eq!(
            found.iter().map(|f| f.frame).collect::<Vec<_>>(),
            vec![4, 3, 2]
        );
        let inside: Vec<f64> = found.iter().map(|f| f.inside).collect();
        assert!((inside[0] - 1.0).abs() < 0.02 && (inside[1] - 0.9).abs() < 0.03);
        assert!((inside[2] - 0.6).abs() < 0.03);
        // The part inside is the right part: its centre lies right of the whole's.
        assert!(found[2].centre[0] > 3.0);
    }
}
