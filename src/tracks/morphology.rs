//! Binary-mask morphology (dilate, erode, open, close) with the small symmetric structuring
//! elements segmentation uses, equal byte for byte to OpenCV's `morphologyEx` with a constant
//! zero border, in vectorisable passes: a horizontal min/max per distinct row half-width, then a
//! vertical fold over the element's rows. OpenCV's generic path for non-rectangular elements
//! costs several times as much on the analysis-size masks of every frame.

use opencv::core::{Mat, Scalar, CV_8UC1};
use opencv::prelude::*;

/// A structuring element symmetric about its centre: for each row, top to bottom, the half-width
/// of its run of set pixels (a run of `2 * half + 1` pixels centred on the anchor column).
#[derive(Debug, Clone, Copy)]
pub struct Element(&'static [usize]);

impl Element {
    /// How far (px) one pass reaches from the anchor, across or down.
    fn reach(&self) -> usize {
        let widest = self.0.iter().copied().max().unwrap_or(0);
        widest.max(self.0.len() / 2)
    }
}

/// OpenCV's `MORPH_ELLIPSE` 3 x 3 (a cross).
pub const ELLIPSE3: Element = Element(&[0, 1, 0]);
/// OpenCV's `MORPH_ELLIPSE` 5 x 5.
pub const ELLIPSE5: Element = Element(&[0, 2, 2, 2, 0]);
/// OpenCV's `MORPH_ELLIPSE` 9 x 9.
pub const ELLIPSE9: Element = Element(&[0, 3, 3, 4, 4, 4, 3, 3, 0]);
/// `MORPH_RECT` 3 x 3.
pub const RECT3: Element = Element(&[1, 1, 1]);
/// `MORPH_RECT` 5 x 5.
pub const RECT5: Element = Element(&[2, 2, 2, 2, 2]);

/// A morphological operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Largest value under the element.
    Dilate,
    /// Smallest value under the element (zero outside the image).
    Erode,
    /// Erode, then dilate.
    Open,
    /// Dilate, then erode.
    Close,
}

/// The runs of set (non-zero) bytes of a mask row, as `(start, end)` column ranges, left to
/// right. Scans eight bytes at a time: masks are mostly long runs of 0 or 255.
pub fn runs(row: &[u8]) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut x = 0;
    std::iter::from_fn(move || {
        let x0 = x + first(&row[x..], true)?;
        let x1 = x0 + first(&row[x0..], false).unwrap_or(row.len() - x0);
        x = x1;
        Some((x0, x1))
    })
}

/// Whether every byte of `s` is set (non-zero), eight bytes at a time.
pub fn all_set(s: &[u8]) -> bool {
    first(s, false).is_none()
}

/// Index of the last set byte of `s`, eight bytes at a time.
fn last_set(s: &[u8]) -> Option<usize> {
    let words = s.rchunks_exact(8);
    let head = words.remainder();
    for (i, w) in words.enumerate() {
        let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        if w != 0 {
            // The highest set bit lies in the last non-zero byte.
            return Some(s.len() - 8 * (i + 1) + 7 - (w.leading_zeros() / 8) as usize);
        }
    }
    head.iter().rposition(|&v| v != 0)
}

/// Index of the first set (`set`) or unset (`!set`) byte of `s`.
fn first(s: &[u8], set: bool) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = u64::from_le_bytes([0x80; 8]);
    let words = s.chunks_exact(8);
    let tail = words.remainder();
    for (i, w) in words.enumerate() {
        let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        // Set: any non-zero byte. Unset: the zero-byte test, exact for the lowest zero byte.
        let hits = if set {
            w
        } else {
            w.wrapping_sub(ONES) & !w & HIGH
        };
        if hits != 0 {
            let at = i * 8 + (hits.trailing_zeros() / 8) as usize;
            // A non-zero word's lowest set bit lies in its first non-zero byte.
            return Some(at);
        }
    }
    let done = s.len() - tail.len();
    tail.iter().position(|&v| (v != 0) == set).map(|o| done + o)
}

/// `op` with element `e`, `iterations` times, on an 8-bit single-channel image; pixels outside
/// the image are 0 (OpenCV's `BORDER_CONSTANT` with value 0).
pub fn apply(
    src: &impl MatTraitConst,
    op: Op,
    e: Element,
    iterations: usize,
) -> opencv::Result<Mat> {
    apply_all(src, &[(op, e, iterations)])
}

/// [`apply`] for each `(op, element, iterations)` of `steps` in turn, on one crop of the image.
pub fn apply_all(src: &impl MatTraitConst, steps: &[(Op, Element, usize)]) -> opencv::Result<Mat> {
    let (w, h) = (src.cols() as usize, src.rows() as usize);
    let mut out = Mat::new_rows_cols_with_default(h as i32, w as i32, CV_8UC1, Scalar::all(0.0))?;
    let data = bytes(src)?;
    // Zero outside, so nothing is set farther from the set pixels than the steps' dilations reach
    // together: the steps run on their box grown by that reach (within the image), where every
    // pixel outside stays 0 throughout, and the rest of the image stays 0.
    let Some((x0, y0, x1, y1)) = set_box(&data, w, h) else {
        return Ok(out);
    };
    let reach: usize = steps
        .iter()
        .map(|&(op, e, iterations)| match op {
            Op::Erode => 0,
            _ => e.reach() * iterations,
        })
        .sum();
    let (x0, y0) = (x0.saturating_sub(reach), y0.saturating_sub(reach));
    let (x1, y1) = ((x1 + reach).min(w), (y1 + reach).min(h));
    let cw = x1 - x0;
    let mut img = Vec::with_capacity(cw * (y1 - y0));
    for row in data.chunks_exact(w).take(y1).skip(y0) {
        img.extend_from_slice(&row[x0..x1]);
    }
    let img = apply_steps(img, cw, y1 - y0, steps);
    let o = out.data_bytes_mut()?;
    for (row, part) in o.chunks_exact_mut(w).skip(y0).zip(img.chunks_exact(cw)) {
        row[x0..x1].copy_from_slice(part);
    }
    Ok(out)
}

/// The box (`x0..x1`, `y0..y1`) of the set pixels of a `w` x `h` mask; None if none is set.
fn set_box(data: &[u8], w: usize, h: usize) -> Option<(usize, usize, usize, usize)> {
    let mut found: Option<(usize, usize, usize, usize)> = None;
    for (y, row) in data.chunks_exact(w.max(1)).take(h).enumerate() {
        let Some(first_set) = first(row, true) else {
            continue;
        };
        let last = last_set(row).expect("one is set") + 1;
        found = Some(match found {
            None => (first_set, y, last, y + 1),
            Some((a, b, c, _)) => (a.min(first_set), b, c.max(last), y + 1),
        });
    }
    found
}

/// [`apply`] on a `w` x `h` row-major mask held as bytes.
pub fn apply_bytes(
    img: Vec<u8>,
    w: usize,
    h: usize,
    op: Op,
    e: Element,
    iterations: usize,
) -> Vec<u8> {
    apply_steps(img, w, h, &[(op, e, iterations)])
}

/// [`apply_bytes`] for each `(op, element, iterations)` of `steps` in turn.
fn apply_steps(mut img: Vec<u8>, w: usize, h: usize, steps: &[(Op, Element, usize)]) -> Vec<u8> {
    // Each step as its erosions (false) and dilations (true), in order.
    let passes = steps.iter().flat_map(|&(op, e, iterations)| {
        let order: &[bool] = match op {
            Op::Dilate => &[true],
            Op::Erode => &[false],
            Op::Open => &[false, true],
            Op::Close => &[true, false],
        };
        order
            .iter()
            .flat_map(move |&dilate| std::iter::repeat_n((dilate, e), iterations))
    });
    // A mask of 0 and 255 only (as segmentation's are) is worked on as bits, 64 pixels a word.
    if let Some(mut bits) = (w > 0).then(|| Bits::pack(&img, w, h)).flatten() {
        for (dilate, e) in passes {
            bits = if dilate {
                bits.pass::<true>(e)
            } else {
                bits.pass::<false>(e)
            };
        }
        bits.unpack_into(&mut img);
        return img;
    }
    for (dilate, e) in passes {
        img = if dilate {
            pass::<true>(&img, w, h, e)
        } else {
            pass::<false>(&img, w, h, e)
        };
    }
    img
}

/// Eight bits spread to eight bytes: bit `j` set makes byte `j` 255.
const SPREAD: [u64; 256] = {
    let mut t = [0u64; 256];
    let mut b = 0;
    while b < 256 {
        let mut j = 0;
        while j < 8 {
            if b >> j & 1 == 1 {
                t[b] |= 0xff << (8 * j);
            }
            j += 1;
        }
        b += 1;
    }
    t
};

/// ORs a row of 0 and 255 bytes into bits (bit `i` of word `k` is byte `64 k + i`; `out`
/// holds at least `row.len().div_ceil(64)` words); false, part done, at a byte of another value.
pub fn pack_row(row: &[u8], out: &mut [u64]) -> bool {
    // Sixteen bytes at a time where SSE2 is (every x86-64), the rest eight at a time.
    #[cfg(target_arch = "x86_64")]
    let done16 = {
        use std::arch::x86_64::{
            __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_set1_epi8,
            _mm_setzero_si128,
        };
        let sixteens = row.chunks_exact(16);
        let n = row.len() - sixteens.remainder().len();
        for (i, s) in sixteens.enumerate() {
            // SAFETY: SSE2 is part of x86-64; the load reads the 16 bytes of `s` (unaligned).
            let (set, clear) = unsafe {
                let v = _mm_loadu_si128(s.as_ptr() as *const __m128i);
                (
                    _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(-1))) as u64,
                    _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_setzero_si128())) as u64,
                )
            };
            if set | clear != 0xffff {
                return false;
            }
            out[i / 4] |= set << (16 * (i % 4));
        }
        n
    };
    #[cfg(not(target_arch = "x86_64"))]
    let done16 = 0;
    let eights = row[done16..].chunks_exact(8);
    let rest = eights.remainder();
    for (i, eight) in eights.enumerate() {
        let i = i + done16 / 8;
        let v = u64::from_le_bytes(eight.try_into().expect("8 bytes"));
        let lows = v & 0x0101_0101_0101_0101;
        if lows * 0xff != v {
            return false;
        }
        // Bit 0 of byte j moved to bit j of the top byte (the partial products land on distinct
        // bits, so nothing carries).
        let byte = lows.wrapping_mul(0x0102_0408_1020_4080) >> 56;
        out[i / 8] |= byte << (8 * (i % 8));
    }
    let done = row.len() - rest.len();
    for (j, &b) in rest.iter().enumerate() {
        match b {
            0 => {}
            255 => out[(done + j) / 64] |= 1 << ((done + j) % 64),
            _ => return false,
        }
    }
    true
}

/// Erosion by `e` (zero outside) of a `w` x `h` bit image laid out as [`pack_row`] packs a row:
/// rows of `w.div_ceil(64)` words, bits past `w` unset.
pub fn erode_bits(data: Vec<u64>, w: usize, h: usize, e: Element) -> Vec<u64> {
    let words = w.div_ceil(64);
    debug_assert_eq!(data.len(), words * h);
    if words == 0 {
        return data;
    }
    Bits { w, h, words, data }.pass::<false>(e).data
}

/// A binary image as bits: rows of `words` words, bit `i` of word `k` is column `64 k + i`;
/// bits past the last column are 0.
struct Bits {
    w: usize,
    h: usize,
    words: usize,
    data: Vec<u64>,
}

impl Bits {
    /// Packs a mask of 0 and 255 bytes; None if it holds any other value.
    fn pack(img: &[u8], w: usize, h: usize) -> Option<Bits> {
        let words = w.div_ceil(64);
        let mut data = vec![0u64; words * h];
        for (row, out) in img.chunks_exact(w).zip(data.chunks_exact_mut(words)) {
            if !pack_row(row, out) {
                return None;
            }
        }
        Some(Bits { w, h, words, data })
    }

    /// Writes the bits back as 0 and 255 bytes.
    fn unpack_into(&self, img: &mut [u8]) {
        for (row, bits) in img
            .chunks_exact_mut(self.w)
            .zip(self.data.chunks_exact(self.words))
        {
            // Eight bytes at a time from the table, then the row's last bytes bit by bit.
            for (chunk, &word) in row.chunks_mut(64).zip(bits) {
                let done = chunk.len() / 8 * 8;
                let mut eights = chunk.chunks_exact_mut(8);
                for (j, eight) in eights.by_ref().enumerate() {
                    let byte = (word >> (8 * j)) & 0xff;
                    eight.copy_from_slice(&SPREAD[byte as usize].to_le_bytes());
                }
                for (j, b) in eights.into_remainder().iter_mut().enumerate() {
                    *b = if word >> (done + j) & 1 == 1 { 255 } else { 0 };
                }
            }
        }
    }

    /// The row with every pixel replaced by `op` of itself and the pixels `d` to its left and
    /// right (0 outside), OR-ed or AND-ed into `acc`.
    fn widen<const DILATE: bool>(acc: &mut [u64], row: &[u64], d: usize, tail: u64) {
        let n = row.len();
        for k in 0..n {
            // Column x + d and x - d of the row, for every x of word k (d < 64).
            let right = (row[k] >> d) | if k + 1 < n { row[k + 1] << (64 - d) } else { 0 };
            let left = (row[k] << d) | if k > 0 { row[k - 1] >> (64 - d) } else { 0 };
            acc[k] = if DILATE {
                acc[k] | right | left
            } else {
                acc[k] & right & left
            };
        }
        acc[n - 1] &= tail;
    }

    /// One dilation (OR) or erosion (AND) with element `e`, zero outside.
    fn pass<const DILATE: bool>(&self, e: Element) -> Bits {
        let (words, h) = (self.words, self.h);
        let tail = match self.w % 64 {
            0 => u64::MAX,
            r => (1u64 << r) - 1,
        };
        let mut halves: Vec<usize> = e.0.to_vec();
        halves.sort_unstable();
        halves.dedup();
        // Horizontal pass per distinct half-width, each widening the previous one (a half-width
        // of 0 is the image itself).
        let mut planes: Vec<(usize, std::borrow::Cow<[u64]>)> = Vec::with_capacity(halves.len());
        for &k in &halves {
            let (from, mut acc) = match planes.last() {
                Some((p, plane)) => (*p, plane.to_vec()),
                None if k == 0 => {
                    planes.push((0, std::borrow::Cow::Borrowed(&self.data)));
                    continue;
                }
                None => (0, self.data.clone()),
            };
            for (a, s) in acc
                .chunks_exact_mut(words)
                .zip(self.data.chunks_exact(words))
            {
                for d in from + 1..=k {
                    Self::widen::<DILATE>(a, s, d, tail);
                }
            }
            planes.push((k, std::borrow::Cow::Owned(acc)));
        }
        // Each row of the element's plane.
        let rows: Vec<&[u64]> =
            e.0.iter()
                .map(|&k| &*planes.iter().find(|(p, _)| *p == k).expect("listed").1)
                .collect();
        let r = e.0.len() / 2;
        let mut out = vec![0u64; words * h];
        for (y, o) in out.chunks_exact_mut(words).enumerate() {
            // The element's rows that fall inside the image.
            let (lo, hi) = (r.saturating_sub(y), rows.len().min(h + r - y));
            if !DILATE && (lo > 0 || hi < rows.len()) {
                // A zero row outside the image erodes the whole output row.
                continue;
            }
            let at = |i: usize| &rows[i][(y + i - r) * words..(y + i - r + 1) * words];
            o.copy_from_slice(at(lo));
            for i in lo + 1..hi {
                for (a, &b) in o.iter_mut().zip(at(i)) {
                    *a = if DILATE { *a | b } else { *a & b };
                }
            }
        }
        Bits {
            w: self.w,
            h,
            words,
            data: out,
        }
    }
}

/// The pixels of an 8-bit single-channel image (a mask), row after row; copied only when its
/// rows are not contiguous (a view into a larger image).
pub fn bytes(src: &impl MatTraitConst) -> opencv::Result<std::borrow::Cow<'_, [u8]>> {
    let (w, h) = (src.cols() as usize, src.rows() as usize);
    if src.is_continuous() {
        return Ok(std::borrow::Cow::Borrowed(&src.data_bytes()?[..w * h]));
    }
    let mut v = Vec::with_capacity(w * h);
    for y in 0..h as i32 {
        v.extend_from_slice(&src.at_row::<u8>(y)?[..w]);
    }
    Ok(std::borrow::Cow::Owned(v))
}

/// One dilation (max) or erosion (min) of a `w` x `h` image.
fn pass<const DILATE: bool>(src: &[u8], w: usize, h: usize, e: Element) -> Vec<u8> {
    #[inline(always)]
    fn op<const DILATE: bool>(a: u8, b: u8) -> u8 {
        if DILATE {
            a.max(b)
        } else {
            a.min(b)
        }
    }
    let op = op::<DILATE>;
    let mut out = vec![0u8; w * h];
    if w == 0 || h == 0 {
        return out;
    }
    // Horizontal pass for each distinct half-width, widest last: each plane is the previous one
    // widened by the columns it lacks (a half-width of 0 is the image itself).
    let mut halves: Vec<usize> = e.0.to_vec();
    halves.sort_unstable();
    halves.dedup();
    let mut planes: Vec<(usize, std::borrow::Cow<[u8]>)> = Vec::with_capacity(halves.len());
    for &k in &halves {
        let (from, mut acc) = match planes.last() {
            Some((p, plane)) => (*p, plane.to_vec()),
            None if k == 0 => {
                planes.push((0, std::borrow::Cow::Borrowed(src)));
                continue;
            }
            None => (0, src.to_vec()),
        };
        for (a, s) in acc.chunks_exact_mut(w).zip(src.chunks_exact(w)) {
            for d in from + 1..=k {
                // Outside the row is 0.
                for a in a.iter_mut().take(d.min(w)) {
                    *a = op(*a, 0);
                }
                for a in a.iter_mut().rev().take(d.min(w)) {
                    *a = op(*a, 0);
                }
                if d < w {
                    for (a, &b) in a[d..].iter_mut().zip(&s[..w - d]) {
                        *a = op(*a, b);
                    }
                    for (a, &b) in a[..w - d].iter_mut().zip(&s[d..]) {
                        *a = op(*a, b);
                    }
                }
            }
        }
        planes.push((k, std::borrow::Cow::Owned(acc)));
    }
    let plane = |k: usize| &planes.iter().find(|(h, _)| *h == k).expect("listed").1;
    let r = e.0.len() / 2;
    for (y, o) in out.chunks_exact_mut(w).enumerate() {
        let mut first = true;
        for (i, &k) in e.0.iter().enumerate() {
            let yy = y as isize + i as isize - r as isize;
            if yy < 0 || yy >= h as isize {
                if DILATE {
                    continue;
                }
                // A zero row outside the image erodes the whole output row.
                o.fill(0);
                first = false;
                break;
            }
            let yy = yy as usize;
            let src_row = &plane(k)[yy * w..(yy + 1) * w];
            if first {
                o.copy_from_slice(src_row);
                first = false;
            } else {
                for (a, &b) in o.iter_mut().zip(src_row) {
                    *a = op(*a, b);
                }
            }
        }
        if first {
            // Every row of the element fell outside (dilation): nothing but border.
            o.fill(0);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use opencv::core::{Point, Size};
    use opencv::imgproc;
    use rand::{Rng, SeedableRng};

    fn opencv_morph(src: &Mat, op: Op, shape: i32, side: i32, iterations: i32) -> Mat {
        let k = imgproc::get_structuring_element(shape, Size::new(side, side), Point::new(-1, -1))
            .unwrap();
        let code = match op {
            Op::Dilate => imgproc::MORPH_DILATE,
            Op::Erode => imgproc::MORPH_ERODE,
            Op::Open => imgproc::MORPH_OPEN,
            Op::Close => imgproc::MORPH_CLOSE,
        };
        let mut out = Mat::default();
        imgproc::morphology_ex(
            src,
            &mut out,
            code,
            &k,
            Point::new(-1, -1),
            iterations,
            opencv::core::BORDER_CONSTANT,
            Scalar::all(0.0),
        )
        .unwrap();
        out
    }

    /// A `w` x `h` mask whose pixels are 255 with probability `density`, else 0.
    fn random_mask(rng: &mut impl Rng, w: i32, h: i32, density: f64) -> Mat {
        let mut m = Mat::new_rows_cols_with_default(h, w, CV_8UC1, Scalar::all(0.0)).unwrap();
        for v in m.data_bytes_mut().unwrap() {
            *v = if rng.gen_bool(density) { 255 } else { 0 };
        }
        m
    }

    #[test]
    fn equals_opencv_on_random_masks_and_borders() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let elements = [
            (ELLIPSE3, imgproc::MORPH_ELLIPSE, 3),
            (ELLIPSE5, imgproc::MORPH_ELLIPSE, 5),
            (ELLIPSE9, imgproc::MORPH_ELLIPSE, 9),
            (RECT3, imgproc::MORPH_RECT, 3),
            (RECT5, imgproc::MORPH_RECT, 5),
        ];
        for (w, h, density) in [
            (37, 23, 0.5),
            (64, 48, 0.9),
            (5, 3, 0.7),
            (1, 9, 0.6),
            (80, 2, 0.8),
            // Sparse masks: the work is done on the box of the set pixels.
            (64, 48, 0.02),
            (90, 70, 0.003),
            (30, 20, 0.0),
            // Several 64-pixel words a row, and a row of exactly two.
            (200, 30, 0.5),
            (128, 12, 0.85),
            (131, 9, 0.1),
        ] {
            let src = random_mask(&mut rng, w, h, density);
            for (e, shape, side) in elements {
                for op in [Op::Dilate, Op::Erode, Op::Open, Op::Close] {
                    for it in [1, 2] {
                        let ours = apply(&src, op, e, it).unwrap();
                        let theirs = opencv_morph(&src, op, shape, side, it as i32);
                        assert_eq!(
                            ours.data_bytes().unwrap(),
                            theirs.data_bytes().unwrap(),
                            "{op:?} side {side} shape {shape} x{it} on {w}x{h}"
                        );
                    }
                }
            }
        }
    }

    /// Rows of every length pack bit for bit; a byte other than 0 or 255 anywhere is refused.
    #[test]
    fn rows_pack_bit_for_bit() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        for len in [1usize, 7, 8, 15, 16, 17, 63, 64, 65, 130, 333] {
            let row: Vec<u8> = (0..len)
                .map(|_| if rng.gen_bool(0.5) { 255 } else { 0 })
                .collect();
            let mut out = vec![0u64; len.div_ceil(64)];
            assert!(pack_row(&row, &mut out));
            for (x, &v) in row.iter().enumerate() {
                assert_eq!(
                    out[x / 64] >> (x % 64) & 1 == 1,
                    v == 255,
                    "len {len} x {x}"
                );
            }
            for bad in [0, len / 2, len - 1] {
                let mut row = row.clone();
                row[bad] = 128;
                assert!(
                    !pack_row(&row, &mut vec![0u64; len.div_ceil(64)]),
                    "len {len} at {bad}"
                );
            }
        }
    }

    /// Masks with other values than 0 and 255 take the byte path: grey min and max.
    #[test]
    fn equals_opencv_on_grey_masks() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let mut src = Mat::new_rows_cols_with_default(21, 70, CV_8UC1, Scalar::all(0.0)).unwrap();
        for v in src.data_bytes_mut().unwrap() {
            *v = rng.gen_range(0..=255);
        }
        for op in [Op::Dilate, Op::Erode, Op::Open, Op::Close] {
            let ours = apply(&src, op, ELLIPSE5, 1).unwrap();
            let theirs = opencv_morph(&src, op, imgproc::MORPH_ELLIPSE, 5, 1);
            assert_eq!(
                ours.data_bytes().unwrap(),
                theirs.data_bytes().unwrap(),
                "{op:?}"
            );
        }
    }

    /// Steps run on one crop give what they give one after another on the whole image.
    #[test]
    fn steps_on_one_crop_equal_steps_in_turn() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(8);
        for (w, h, density) in [
            (64, 48, 0.02),
            (37, 23, 0.5),
            (90, 70, 0.003),
            (20, 10, 0.9),
        ] {
            let src = random_mask(&mut rng, w, h, density);
            for steps in [
                [(Op::Open, ELLIPSE3, 1), (Op::Close, ELLIPSE5, 1)],
                [(Op::Dilate, ELLIPSE5, 2), (Op::Erode, RECT3, 1)],
                [(Op::Close, ELLIPSE9, 1), (Op::Open, RECT5, 2)],
            ] {
                let mut want = src.try_clone().unwrap();
                for (op, e, it) in steps {
                    want = apply(&want, op, e, it).unwrap();
                }
                let got = apply_all(&src, &steps).unwrap();
                assert_eq!(
                    got.data_bytes().unwrap(),
                    want.data_bytes().unwrap(),
                    "{steps:?}"
                );
            }
        }
    }

    #[test]
    fn reads_a_roi_that_is_not_continuous() {
        let mut big = Mat::new_rows_cols_with_default(20, 20, CV_8UC1, Scalar::all(0.0)).unwrap();
        imgproc::rectangle(
            &mut big,
            opencv::core::Rect::new(5, 5, 6, 6),
            Scalar::all(255.0),
            -1,
            imgproc::LINE_8,
            0,
        )
        .unwrap();
        let roi = Mat::roi(&big, opencv::core::Rect::new(3, 3, 10, 10))
            .unwrap()
            .try_clone()
            .unwrap();
        let view = Mat::roi(&big, opencv::core::Rect::new(3, 3, 10, 10)).unwrap();
        let a = apply(&view, Op::Erode, RECT3, 1).unwrap();
        let b = opencv_morph(&roi, Op::Erode, imgproc::MORPH_RECT, 3, 1);
        assert_eq!(a.data_bytes().unwrap(), b.data_bytes().unwrap());
        // The 6x6 square shrinks to 4x4.
        assert_eq!(opencv::core::count_non_zero(&a).unwrap(), 16);
    }

    /// Runs, the last set byte and whether all are set, found eight bytes at a time, are what a
    /// byte-by-byte scan finds.
    #[test]
    fn runs_match_a_byte_scan() {
        let mut state = 12345u32;
        for len in [0, 1, 7, 8, 9, 17, 64, 333] {
            for density in [0u32, 3, 50, 97, 100] {
                let row: Vec<u8> = (0..len)
                    .map(|_| {
                        state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
                        let v = ((state >> 16) % 100 < density) as u8;
                        // Any non-zero value counts as set.
                        v * (1 + (state >> 8) as u8 % 255)
                    })
                    .collect();
                let mut naive = Vec::new();
                let mut x = 0;
                while x < row.len() {
                    if row[x] == 0 {
                        x += 1;
                        continue;
                    }
                    let x0 = x;
                    while x < row.len() && row[x] != 0 {
                        x += 1;
                    }
                    naive.push((x0, x));
                }
                assert_eq!(runs(&row).collect::<Vec<_>>(), naive, "{row:?}");
                assert_eq!(last_set(&row), row.iter().rposition(|&v| v != 0));
                assert_eq!(all_set(&row), row.iter().all(|&v| v != 0));
            }
        }
    }
}
