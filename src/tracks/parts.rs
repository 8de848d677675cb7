//! Silhouettes and part changes. A blob's silhouette is the pixels near it whose colour its
//! surroundings do not have (the object's own colours against the ring of background around its
//! box), so it holds the whole object even where segmentation found only its moving edges. Two
//! silhouettes of a track in consecutive frames, aligned by the object's own motion, give the
//! pixels lost and gained in regions thicker than a rim: a limb gone or come at once, where a
//! gait only moves the limbs' edges a little.

use super::morphology::{self, Op, RECT3};
use super::segment::Detection;
use opencv::core::{Mat, Rect};
use opencv::prelude::*;

/// Colour levels per channel of the colour histogram (16: 4096 bins).
const LEVELS: usize = 16;
/// Width (analysis px) of the ring around the grown box whose colours are background.
const RING: i32 = 6;
/// Share of the box's longer side the box is grown by on each side.
const GROW: f64 = 0.15;
/// Search (px) around the blob's own displacement when aligning two silhouettes.
const SEARCH: i32 = 3;
/// The alignment is judged on every this-many-th silhouette pixel.
const SEARCH_SAMPLE: usize = 4;

/// The silhouette of one blob (analysis px).
#[derive(Debug, Clone, Default)]
pub struct Silhouette {
    x: i32,
    y: i32,
    w: usize,
    h: usize,
    /// 255 on the silhouette, 0 elsewhere, row-major `w` × `h`.
    px: Vec<u8>,
    /// Pixel count.
    pub area: usize,
}

impl Silhouette {
    fn at(&self, x: i32, y: i32) -> bool {
        let (u, v) = (x - self.x, y - self.y);
        u >= 0
            && v >= 0
            && (u as usize) < self.w
            && (v as usize) < self.h
            && self.px[v as usize * self.w + u as usize] != 0
    }

    fn set_pixels(&self) -> impl Iterator<Item = (i32, i32)> + '_ {
        self.px
            .iter()
            .enumerate()
            .filter(|(_, &v)| v != 0)
            .map(|(i, _)| (self.x + (i % self.w) as i32, self.y + (i / self.w) as i32))
    }
}

/// The silhouette of the blob boxed by `rect` in frame `bgr` (8-bit BGR): the pixels of the box,
/// grown by [`GROW`] of its longer side, whose colour bin (or a neighbouring bin) is not seen in
/// the ring [`RING`] px wide around it outside the boxes of `others` (other objects' blobs), and
/// which are not on those blobs; opened 3x3; its largest 8-connected piece.
pub fn silhouette(bgr: &Mat, rect: Rect, others: &[&Detection]) -> opencv::Result<Silhouette> {
    let (iw, ih) = (bgr.cols(), bgr.rows());
    let g = GROW * rect.width.max(rect.height) as f64;
    let x0 = (rect.x as f64 - g).max(0.0) as i32;
    let y0 = (rect.y as f64 - g).max(0.0) as i32;
    let x1 = ((rect.x + rect.width) as f64 + g).min(iw as f64) as i32;
    let y1 = ((rect.y + rect.height) as f64 + g).min(ih as f64) as i32;
    if x1 <= x0 || y1 <= y0 {
        return Ok(Silhouette::default());
    }
    let data = bgr.data_bytes()?;
    let bin = |x: i32, y: i32| {
        let i = 3 * (y as usize * iw as usize + x as usize);
        let q = |c: u8| c as usize * LEVELS / 256;
        (q(data[i]), q(data[i + 1]), q(data[i + 2]))
    };
    let index = |b: usize, g: usize, r: usize| (b * LEVELS + g) * LEVELS + r;
    let inside =
        |o: &Rect, x: i32, y: i32| x >= o.x && x < o.x + o.width && y >= o.y && y < o.y + o.height;
    // Only the other blobs whose boxes reach into the ring's outer box matter.
    let (rx0, ry0) = ((x0 - RING).max(0), (y0 - RING).max(0));
    let (rx1, ry1) = ((x1 + RING).min(iw), (y1 + RING).min(ih));
    let others: Vec<&&Detection> = others
        .iter()
        .filter(|o| {
            let r = o.rect;
            r.x < rx1 && r.x + r.width > rx0 && r.y < ry1 && r.y + r.height > ry0
        })
        .collect();
    let inside_other = |x: i32, y: i32| others.iter().any(|o| inside(&o.rect, x, y));
    let masks = others
        .iter()
        .map(|o| morphology::bytes(&o.mask))
        .collect::<opencv::Result<Vec<_>>>()?;
    // The other blobs' pixels inside the grown box.
    let (w, h) = ((x1 - x0) as usize, (y1 - y0) as usize);
    let mut on_other = vec![false; w * h];
    for (o, m) in others.iter().zip(&masks) {
        let r = o.rect;
        for y in r.y.max(y0)..(r.y + r.height).min(y1) {
            for x in r.x.max(x0)..(r.x + r.width).min(x1) {
                if m[((y - r.y) * r.width + x - r.x) as usize] != 0 {
                    on_other[(y - y0) as usize * w + (x - x0) as usize] = true;
                }
            }
        }
    }
    // Background bins: those seen in the ring, each with its neighbours.
    let mut seen = vec![false; LEVELS * LEVELS * LEVELS];
    let mut bins = Vec::new();
    for y in ry0..ry1 {
        for x in rx0..rx1 {
            if (x0..x1).contains(&x) && (y0..y1).contains(&y) || inside_other(x, y) {
                continue;
            }
            let (b, g, r) = bin(x, y);
            if !seen[index(b, g, r)] {
                seen[index(b, g, r)] = true;
                bins.push((b, g, r));
            }
        }
    }
    let mut background = vec![false; LEVELS * LEVELS * LEVELS];
    for (b, g, r) in bins {
        for nb in b.saturating_sub(1)..=(b + 1).min(LEVELS - 1) {
            for ng in g.saturating_sub(1)..=(g + 1).min(LEVELS - 1) {
                for nr in r.saturating_sub(1)..=(r + 1).min(LEVELS - 1) {
                    background[index(nb, ng, nr)] = true;
                }
            }
        }
    }
    let mut px = Vec::with_capacity(w * h);
    for y in y0..y1 {
        for x in x0..x1 {
            let (b, g, r) = bin(x, y);
            let other = on_other[(y - y0) as usize * w + (x - x0) as usize];
            px.push(u8::from(!background[index(b, g, r)] && !other) * 255);
        }
    }
    let px = morphology::apply_bytes(px, w, h, Op::Open, RECT3, 1);
    let Some(piece) = super::segment::largest_component(&px, w, h) else {
        return Ok(Silhouette {
            x: x0,
            y: y0,
            w,
            h,
            px: vec![0; w * h],
            area: 0,
        });
    };
    let area = piece.iter().filter(|&&v| v != 0).count();
    Ok(Silhouette {
        x: x0,
        y: y0,
        w,
        h,
        px: piece,
        area,
    })
}

/// Pixels `before` lost and `after` gained (each counted after a 3x3 erosion, so rims a pixel
/// or two wide do not count), with `before` moved by `shift` (the blob's displacement, px) and
/// then by the offset within [`SEARCH`] px that overlaps the two most (judged on a sample of
/// `before`'s pixels).
pub fn change(before: &Silhouette, after: &Silhouette, shift: (f64, f64)) -> (usize, usize) {
    if before.area == 0 || after.area == 0 {
        return (0, 0);
    }
    let (sx, sy) = (shift.0.round() as i32, shift.1.round() as i32);
    // The offset is searched on every [`SEARCH_SAMPLE`]-th pixel of `before` (its raster order).
    let pts: Vec<(i32, i32)> = before.set_pixels().step_by(SEARCH_SAMPLE).collect();
    let mut best = (0usize, sx, sy);
    for dy in -SEARCH..=SEARCH {
        for dx in -SEARCH..=SEARCH {
            let (ox, oy) = (sx + dx, sy + dy);
            let n = pts
                .iter()
                .filter(|&&(x, y)| after.at(x + ox, y + oy))
                .count();
            if n > best.0 {
                best = (n, ox, oy);
            }
        }
    }
    let (_, ox, oy) = best;
    // A canvas holding both, a pixel of margin around.
    let cx0 = after.x.min(before.x + ox) - 1;
    let cy0 = after.y.min(before.y + oy) - 1;
    let cx1 = (after.x + after.w as i32).max(before.x + ox + before.w as i32) + 1;
    let cy1 = (after.y + after.h as i32).max(before.y + oy + before.h as i32) + 1;
    let (cw, ch) = ((cx1 - cx0) as usize, (cy1 - cy0) as usize);
    // Each silhouette drawn into the canvas, row by row.
    let draw = |sil: &Silhouette, dx: i32, dy: i32| {
        let mut c = vec![0u8; cw * ch];
        let x = (sil.x + dx - cx0) as usize;
        for (row, src) in sil.px.chunks_exact(sil.w.max(1)).enumerate() {
            let y = (sil.y + dy - cy0) as usize + row;
            c[y * cw + x..y * cw + x + sil.w].copy_from_slice(src);
        }
        c
    };
    let (a, b) = (draw(before, ox, oy), draw(after, 0, 0));
    let lost: Vec<u8> = a
        .iter()
        .zip(&b)
        .map(|(&a, &b)| u8::from(a != 0 && b == 0) * 255)
        .collect();
    let gained: Vec<u8> = a
        .iter()
        .zip(&b)
        .map(|(&a, &b)| u8::from(b != 0 && a == 0) * 255)
        .collect();
    let count = |m: Vec<u8>| {
        morphology::apply_bytes(m, cw, ch, Op::Erode, RECT3, 1)
            .iter()
            .filter(|&&v| v != 0)
            .count()
    };
    (count(lost), count(gained))
}

#[cfg(test)]
mod tests {
    use super::*;
    use opencv::core::{Point, Scalar, CV_8UC3};
    use opencv::imgproc;

    /// A grey textured frame with a red walker: a body and legs (each 6 px wide) at the given
    /// x offsets from `x`.
    fn frame(x: i32, legs: &[i32]) -> Mat {
        let mut m = Mat::new_rows_cols_with_default(
            120,
            160,
            CV_8UC3,
            Scalar::new(90.0, 100.0, 110.0, 0.0),
        )
        .unwrap();
        for i in 0..12 {
            imgproc::line(
                &mut m,
                Point::new(i * 14, 0),
                Point::new(i * 14 + 30, 119),
                Scalar::new(120.0, 130.0, 140.0, 0.0),
                2,
                imgproc::LINE_8,
                0,
            )
            .unwrap();
        }
        let red = Scalar::new(30.0, 30.0, 220.0, 0.0);
        imgproc::rectangle(
            &mut m,
            Rect::new(x, 40, 50, 20),
            red,
            -1,
            imgproc::LINE_8,
            0,
        )
        .unwrap();
        for &l in legs {
            imgproc::rectangle(
                &mut m,
                Rect::new(x + l, 60, 6, 22),
                red,
                -1,
                imgproc::LINE_8,
                0,
            )
            .unwrap();
        }
        m
    }

    #[test]
    fn a_leg_gone_at_once_is_lost_and_a_walk_loses_nothing() {
        let rect = |x: i32| Rect::new(x, 40, 50, 42);
        let before = silhouette(&frame(40, &[2, 14, 30, 42]), rect(40), &[]).unwrap();
        // The whole walker, background excluded: body 50x20 plus four legs 6x22.
        assert!((1450..=1550).contains(&before.area), "{}", before.area);
        // Moved 3 px right, legs a little apart: nothing thick is lost or gained.
        let walked = silhouette(&frame(43, &[1, 15, 29, 43]), rect(43), &[]).unwrap();
        let (l, g) = change(&before, &walked, (3.0, 0.0));
        assert!(l + g < 20, "walk: lost {l}, gained {g}");
        // The same step with a leg gone: about the leg's core (4 x 20) is lost.
        let lame = silhouette(&frame(43, &[1, 15, 29]), rect(43), &[]).unwrap();
        let (l, g) = change(&before, &lame, (3.0, 0.0));
        assert!(l >= 60 && g < 20, "leg gone: lost {l}, gained {g}");
    }
}
