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
/// Colour bins.
const BINS: usize = LEVELS * LEVELS * LEVELS;
/// Width (analysis px) of the ring around the grown box whose colours are background.
const RING: i32 = 6;
/// A blob whose box comes within this many px of the frame's border has no silhouette: the
/// ring its background colours come from is cut, and what it lost or gained may be the edge's
/// doing (the checks leave such sightings out too).
const BORDER: i32 = 4;
/// Share of the box's longer side the box is grown by on each side.
const GROW: f64 = 0.15;
/// Search (px) around the blob's own displacement when aligning two silhouettes.
const SEARCH: i32 = 3;

/// The silhouette of one blob (analysis px).
#[derive(Debug, Clone, Default)]
pub struct Silhouette {
    x: i32,
    y: i32,
    w: usize,
    h: usize,
    /// The pixels, a row of `w.div_ceil(64)` words after another: bit `i` of word `k` is
    /// column `64 k + i`.
    bits: Vec<u64>,
    /// Pixel count.
    pub area: usize,
}

impl Silhouette {
    /// Silhouette `px` (255 on it, else 0), `w` x `h`, its top left at (`x`, `y`).
    fn packed(x: i32, y: i32, w: usize, h: usize, px: &[u8]) -> Self {
        let words = w.div_ceil(64);
        let mut bits = vec![0u64; words * h];
        for (row, out) in px
            .chunks_exact(w.max(1))
            .zip(bits.chunks_exact_mut(words.max(1)))
        {
            let binary = morphology::pack_row(row, out);
            debug_assert!(binary, "a silhouette is 0 or 255");
        }
        let area = bits.iter().map(|v| v.count_ones() as usize).sum();
        Silhouette {
            x,
            y,
            w,
            h,
            bits,
            area,
        }
    }

    /// Row `r`'s words.
    fn row(&self, r: usize) -> &[u64] {
        let words = self.w.div_ceil(64);
        &self.bits[r * words..(r + 1) * words]
    }
}

/// The silhouette of the blob boxed by `rect` in frame `bgr` (8-bit BGR): the pixels of the box,
/// grown by [`GROW`] of its longer side, whose colour bin (or a neighbouring bin) is not seen in
/// the ring [`RING`] px wide around it outside the boxes of `others` (other objects' blobs), and
/// which are not on those blobs; opened 3x3; its largest 8-connected piece. Empty for a blob
/// within [`BORDER`] px of the frame's border.
pub fn silhouette(bgr: &Mat, rect: Rect, others: &[&Detection]) -> opencv::Result<Silhouette> {
    let (iw, ih) = (bgr.cols(), bgr.rows());
    if rect.x < BORDER
        || rect.y < BORDER
        || rect.x + rect.width > iw - BORDER
        || rect.y + rect.height > ih - BORDER
    {
        return Ok(Silhouette::default());
    }
    let g = GROW * rect.width.max(rect.height) as f64;
    let x0 = (rect.x as f64 - g).max(0.0) as i32;
    let y0 = (rect.y as f64 - g).max(0.0) as i32;
    let x1 = ((rect.x + rect.width) as f64 + g).min(iw as f64) as i32;
    let y1 = ((rect.y + rect.height) as f64 + g).min(ih as f64) as i32;
    if x1 <= x0 || y1 <= y0 {
        return Ok(Silhouette::default());
    }
    let data = bgr.data_bytes()?;
    let stride = 3 * iw as usize;
    // A pixel's colour bin: 4 bits a channel, blue highest.
    let bin = |p: &[u8]| (p[0] as usize >> 4) << 8 | (p[1] as usize >> 4) << 4 | p[2] as usize >> 4;
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
    let masks = others
        .iter()
        .map(|o| morphology::bytes(&o.mask))
        .collect::<opencv::Result<Vec<_>>>()?;
    // The other blobs' pixels inside the grown box.
    let (w, h) = ((x1 - x0) as usize, (y1 - y0) as usize);
    // 255 where no other blob's pixel is, else 0.
    let mut not_other = vec![255u8; w * h];
    for (o, m) in others.iter().zip(&masks) {
        let r = o.rect;
        for y in r.y.max(y0)..(r.y + r.height).min(y1) {
            for x in r.x.max(x0)..(r.x + r.width).min(x1) {
                if m[((y - r.y) * r.width + x - r.x) as usize] != 0 {
                    not_other[(y - y0) as usize * w + (x - x0) as usize] = 0;
                }
            }
        }
    }
    // Background bins: those seen in the ring (outside other blobs' boxes), each with its
    // neighbours.
    let mut seen = vec![false; BINS];
    let mut bins = Vec::new();
    for y in ry0..ry1 {
        let row = &data[y as usize * stride..(y as usize + 1) * stride];
        let spans: [(i32, i32); 2] = if (y0..y1).contains(&y) {
            [(rx0, x0), (x1, rx1)]
        } else {
            [(rx0, rx1), (rx1, rx1)]
        };
        for (from, to) in spans {
            for x in from..to {
                if others.iter().any(|o| inside(&o.rect, x, y)) {
                    continue;
                }
                let b = bin(&row[3 * x as usize..]);
                if !seen[b] {
                    seen[b] = true;
                    bins.push(b);
                }
            }
        }
    }
    // 255 for the object's own bins, 0 for the background's.
    let mut own = vec![255u8; BINS];
    let near = |c: usize| c.saturating_sub(1)..=(c + 1).min(LEVELS - 1);
    for b in bins {
        let (cb, cg, cr) = (b >> 8, (b >> 4) & 15, b & 15);
        for nb in near(cb) {
            for ng in near(cg) {
                for nr in near(cr) {
                    own[nb << 8 | ng << 4 | nr] = 0;
                }
            }
        }
    }
    let own: &[u8; BINS] = own.as_slice().try_into().expect("BINS");
    let mut px = vec![0u8; w * h];
    for ((out, keep), y) in px
        .chunks_exact_mut(w)
        .zip(not_other.chunks_exact(w))
        .zip(y0..y1)
    {
        let row =
            &data[y as usize * stride + 3 * x0 as usize..y as usize * stride + 3 * x1 as usize];
        for ((o, p), &keep) in out.iter_mut().zip(row.chunks_exact(3)).zip(keep) {
            *o = own[bin(p)] & keep;
        }
    }
    let px = morphology::apply_bytes(px, w, h, Op::Open, RECT3, 1);
    let piece = super::segment::largest_component(&px, w, h).unwrap_or_else(|| vec![0; w * h]);
    Ok(Silhouette::packed(x0, y0, w, h, &piece))
}

/// Pixels `before` lost and `after` gained (each counted after a 3x3 erosion, so rims a pixel
/// or two wide do not count), with `before` moved by `shift` (the blob's displacement, px) and
/// then by the offset within [`SEARCH`] px under which the two overlap the most.
pub fn change(before: &Silhouette, after: &Silhouette, shift: (f64, f64)) -> (usize, usize) {
    if before.area == 0 || after.area == 0 {
        return (0, 0);
    }
    let (sx, sy) = (shift.0.round() as i32, shift.1.round() as i32);
    // A canvas holding both under every offset searched, a pixel of margin around.
    let cx0 = after.x.min(before.x + sx - SEARCH) - 1;
    let cy0 = after.y.min(before.y + sy - SEARCH) - 1;
    let cx1 = (after.x + after.w as i32).max(before.x + sx + SEARCH + before.w as i32) + 1;
    let cy1 = (after.y + after.h as i32).max(before.y + sy + SEARCH + before.h as i32) + 1;
    let (cw, ch) = ((cx1 - cx0) as usize, (cy1 - cy0) as usize);
    let words = cw.div_ceil(64);
    let mut a = vec![0u64; words * ch];
    for r in 0..after.h {
        let y = (after.y - cy0) as usize + r;
        place(
            &mut a[y * words..(y + 1) * words],
            after.row(r),
            (after.x - cx0) as usize,
        );
    }
    // `before`'s rows moved by each horizontal offset (its own rows; canvas columns).
    let moved: Vec<Vec<u64>> = (-SEARCH..=SEARCH)
        .map(|dx| {
            let mut m = vec![0u64; words * before.h];
            for r in 0..before.h {
                let at = (before.x + sx + dx - cx0) as usize;
                place(&mut m[r * words..(r + 1) * words], before.row(r), at);
            }
            m
        })
        .collect();
    let overlap = |m: &[u64], top: usize| {
        m.iter()
            .zip(&a[top * words..(top + before.h) * words])
            .map(|(&p, &q)| (p & q).count_ones() as usize)
            .sum::<usize>()
    };
    let mut best = (0usize, 0i32, 0i32);
    for dy in -SEARCH..=SEARCH {
        let top = (before.y + sy + dy - cy0) as usize;
        for dx in -SEARCH..=SEARCH {
            let n = overlap(&moved[(dx + SEARCH) as usize], top);
            if n > best.0 {
                best = (n, dx, dy);
            }
        }
    }
    let (_, dx, dy) = best;
    let mut b = vec![0u64; words * ch];
    let top = (before.y + sy + dy - cy0) as usize;
    b[top * words..(top + before.h) * words].copy_from_slice(&moved[(dx + SEARCH) as usize]);
    let lost: Vec<u64> = b.iter().zip(&a).map(|(&p, &q)| p & !q).collect();
    let gained: Vec<u64> = b.iter().zip(&a).map(|(&p, &q)| q & !p).collect();
    // Counted after a 3x3 erosion.
    let count = |m: Vec<u64>| {
        morphology::erode_bits(m, cw, ch, RECT3)
            .iter()
            .map(|v| v.count_ones() as usize)
            .sum()
    };
    (count(lost), count(gained))
}

/// ORs the bits of `src` into `dst` from bit `at` on (bits past `dst`'s end are dropped).
fn place(dst: &mut [u64], src: &[u64], at: usize) {
    let (k, b) = (at / 64, at % 64);
    for (i, &v) in src.iter().enumerate() {
        if let Some(d) = dst.get_mut(k + i) {
            *d |= v << b;
        }
        if b > 0 {
            if let Some(d) = dst.get_mut(k + i + 1) {
                *d |= v >> (64 - b);
            }
        }
    }
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
        // At the frame's border the ring is cut: no silhouette, so no change either.
        let cut = silhouette(&frame(2, &[2, 14, 30, 42]), rect(2), &[]).unwrap();
        assert_eq!(cut.area, 0);
        assert_eq!(change(&before, &cut, (-38.0, 0.0)), (0, 0));
    }
}
