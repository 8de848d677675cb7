//! Decoding: OpenCV videoio (FFmpeg backend) or numbered images, on a thread of its own.

use super::{Input, InputKind};
use crate::config::Config;
use crate::error::{Error, Result};
use crossbeam_channel::{bounded, Receiver};
use opencv::core::{Mat, Size};
use opencv::prelude::*;
use opencv::{imgcodecs, imgproc, videoio};
use std::path::{Path, PathBuf};

/// Smallest frame side physlint can analyse (dense flow needs a few patches).
pub const MIN_SIDE: i32 = 16;
/// Frames buffered between the decoder thread and the analysis.
const CHANNEL_DEPTH: usize = 4;

/// What is known of a video once it is open.
#[derive(Debug, Clone)]
pub struct VideoInfo {
    /// Frames per second (container, `--fps`, or the fallback).
    pub fps: f64,
    /// True when `fps` is the fallback because the container gave none.
    pub fps_guessed: bool,
    /// Original frame width (px).
    pub width: u32,
    /// Original frame height (px).
    pub height: u32,
    /// Analysis frame width (px).
    pub analysis_width: u32,
    /// Analysis frame height (px).
    pub analysis_height: u32,
    /// Frame count the container claims (0 when unknown).
    pub frame_count_hint: u64,
}

impl VideoInfo {
    /// Multiply analysis pixels by this to get original pixels.
    pub fn to_original(&self) -> f64 {
        self.width as f64 / self.analysis_width as f64
    }
}

/// One decoded frame at analysis size.
pub struct Frame {
    /// 0-based frame index.
    pub index: usize,
    /// Presentation time (s) = index / fps.
    pub time_s: f64,
    /// BGR, 8-bit, analysis size.
    pub bgr: Mat,
    /// Grey, 8-bit, analysis size.
    pub gray: Mat,
}

/// An open video: its info and the frames, arriving from the decoder thread.
pub struct FrameStream {
    /// What is known of the video.
    pub info: VideoInfo,
    /// Frames in order; an `Err` (one-line cause) ends the stream.
    pub frames: Receiver<std::result::Result<Frame, String>>,
}

enum Source {
    /// A video and the buffer its frames are decoded into (reused: a 720p frame is 2.7 MB).
    Capture(videoio::VideoCapture, Mat),
    /// Image files, the next one's index and the last one read.
    Images(Vec<PathBuf>, usize, Mat),
}

impl Source {
    /// Next raw frame (any channel count); Ok(None) at the end.
    fn next(&mut self) -> std::result::Result<Option<&Mat>, String> {
        match self {
            Source::Capture(cap, m) => match cap.read(m) {
                Ok(true) if !m.empty() => Ok(Some(m)),
                Ok(_) => Ok(None),
                Err(e) => Err(format!("decode failed: {}", e.message)),
            },
            Source::Images(files, pos, m) => {
                let Some(f) = files.get(*pos) else {
                    return Ok(None);
                };
                *pos += 1;
                *m = imgcodecs::imread(&*f.to_string_lossy(), imgcodecs::IMREAD_COLOR)
                    .map_err(|e| format!("{}: {}", f.display(), e.message))?;
                if m.empty() {
                    return Err(format!("{}: unreadable image frame", f.display()));
                }
                Ok(Some(m))
            }
        }
    }
}

impl Source {
    /// Steps over the next frame without converting it; Ok(false) at the end.
    fn skip(&mut self) -> std::result::Result<bool, String> {
        match self {
            Source::Capture(cap, _) => cap
                .grab()
                .map_err(|e| format!("decode failed: {}", e.message)),
            Source::Images(files, pos, _) => {
                if *pos >= files.len() {
                    return Ok(false);
                }
                *pos += 1;
                Ok(true)
            }
        }
    }
}

/// `m` as 3-channel BGR: itself, or a converted copy in `buf`.
fn as_bgr<'a>(m: &'a Mat, buf: &'a mut Mat) -> opencv::Result<&'a Mat> {
    let code = match m.channels() {
        3 => return Ok(m),
        1 => imgproc::COLOR_GRAY2BGR,
        _ => imgproc::COLOR_BGRA2BGR,
    };
    imgproc::cvt_color_def(m, buf, code)?;
    Ok(buf)
}

/// The analysis size of a `w` x `h` frame: its longer side downscaled to `target` (aspect kept;
/// the other side rounded, at least 2). Smaller frames keep their size. A portrait video gets
/// the pixels of the same video in landscape, not three times as many.
fn analysis_size(w: i32, h: i32, target: u32) -> (i32, i32) {
    let long = w.max(h);
    if long as u32 <= target {
        return (w, h);
    }
    let scale = |side: i32| ((side as f64 * target as f64 / long as f64).round() as i32).max(2);
    if w >= h {
        (target as i32, scale(h))
    } else {
        (scale(w), target as i32)
    }
}

/// Downscales to `size`: halvings by pixel averaging (2x2 blocks, OpenCV's vectorised INTER_AREA
/// path, on even sizes) while the frame is at least twice the target, then one step for the
/// remaining factor (< 2): pixel averaging from 1.25 up, bilinear below (little to alias, and a
/// fractional INTER_AREA step costs 6x the bilinear one). A 720p frame reaches 320 px in a
/// quarter of the time of one 4x INTER_AREA step, with the same averages up to rounding.
fn shrink(raw: &Mat, size: Size) -> opencv::Result<Mat> {
    let mut cur: Option<Mat> = None;
    loop {
        let m = cur.as_ref().unwrap_or(raw);
        let (w, h) = (m.cols(), m.rows());
        if w == size.width && h == size.height {
            return Ok(cur.unwrap_or_else(|| raw.clone()));
        }
        let mut o = Mat::default();
        if w / 2 >= size.width && h / 2 >= size.height {
            imgproc::resize(
                m,
                &mut o,
                Size::new(w / 2, h / 2),
                0.0,
                0.0,
                imgproc::INTER_AREA,
            )?;
        } else {
            let fine = 4 * w < 5 * size.width;
            let how = if fine {
                imgproc::INTER_LINEAR
            } else {
                imgproc::INTER_AREA
            };
            imgproc::resize(m, &mut o, size, 0.0, 0.0, how)?;
        }
        cur = Some(o);
    }
}

fn prepare(raw: &Mat, size: Size, index: usize, fps: f64) -> opencv::Result<Frame> {
    let mut converted = Mat::default();
    let raw = as_bgr(raw, &mut converted)?;
    let bgr = if raw.size()? == size {
        raw.try_clone()?
    } else {
        shrink(raw, size)?
    };
    Frame::from_bgr(index, index as f64 / fps, bgr)
}

impl Frame {
    /// A frame from its analysis-size BGR picture; the grey one is made from it.
    pub fn from_bgr(index: usize, time_s: f64, bgr: Mat) -> opencv::Result<Frame> {
        let mut gray = Mat::default();
        imgproc::cvt_color_def(&bgr, &mut gray, imgproc::COLOR_BGR2GRAY)?;
        Ok(Frame {
            index,
            time_s,
            bgr,
            gray,
        })
    }
}

fn open_capture(path: &Path) -> Result<videoio::VideoCapture> {
    let meta = std::fs::metadata(path).map_err(|e| Error::input(path, e))?;
    if meta.is_dir() {
        return Err(Error::input(
            path,
            "is a folder without video or image frames",
        ));
    }
    if meta.len() == 0 {
        return Err(Error::input(path, "empty file (0 bytes)"));
    }
    std::fs::File::open(path).map_err(|e| Error::input(path, e))?;
    let name = path
        .to_str()
        .ok_or_else(|| Error::input(path, "path is not valid UTF-8"))?;
    let cap = videoio::VideoCapture::from_file(name, videoio::CAP_FFMPEG)
        .map_err(|e| Error::input(path, format!("cannot open: {}", e.message)))?;
    if !cap.is_opened().unwrap_or(false) {
        return Err(Error::input(
            path,
            "not a decodable video (FFmpeg could not open it)",
        ));
    }
    Ok(cap)
}

/// Opens an input, decodes its first frame to learn its size, and starts the decoder thread.
/// `fps_override` replaces the container's rate (and the image-sequence default).
pub fn open(input: &Input, cfg: &Config, fps_override: Option<f64>) -> Result<FrameStream> {
    open_some(input, cfg, fps_override, None)
}

/// Which frames a stream delivers, given (frame index, what is known of the video): `Some(true)`
/// deliver, `Some(false)` step over without conversion, `None` stop reading.
pub type Keep = Box<dyn Fn(usize, &VideoInfo) -> Option<bool> + Send>;

/// Like [`open`], but delivers only the frames `keep` accepts (all when None), stepping over the
/// rest cheaply (demuxed and decoded, never converted or resized).
pub fn open_some(
    input: &Input,
    cfg: &Config,
    fps_override: Option<f64>,
    keep: Option<Keep>,
) -> Result<FrameStream> {
    let path = &input.path;
    let (mut source, container_fps, count_hint) = match &input.kind {
        InputKind::Unreadable(why) => return Err(Error::input(path, why)),
        InputKind::ImageSequence(files) => (
            Source::Images(files.clone(), 0, Mat::default()),
            Some(cfg.image_fps),
            files.len() as u64,
        ),
        InputKind::File => {
            let cap = open_capture(path)?;
            let fps = cap.get(videoio::CAP_PROP_FPS).unwrap_or(0.0);
            let n = cap.get(videoio::CAP_PROP_FRAME_COUNT).unwrap_or(0.0);
            let fps = (fps.is_finite() && (1.0..=1000.0).contains(&fps)).then_some(fps);
            let n = if n.is_finite() && n > 0.0 {
                n as u64
            } else {
                0
            };
            (Source::Capture(cap, Mat::default()), fps, n)
        }
    };
    let (fps, fps_guessed) = match (fps_override, container_fps) {
        (Some(f), _) => (f, false),
        (None, Some(f)) => (f, false),
        (None, None) => (cfg.fps_fallback, true),
    };
    let first = match source.next() {
        Ok(Some(m)) => m,
        Ok(None) => return Err(Error::input(path, "no decodable frames")),
        Err(e) => return Err(Error::input(path, e)),
    };
    let (w, h) = (first.cols(), first.rows());
    if w < MIN_SIDE || h < MIN_SIDE {
        return Err(Error::input(
            path,
            format!("frame size {w}x{h} is too small to analyse (minimum {MIN_SIDE}x{MIN_SIDE})"),
        ));
    }
    let (aw, ah) = analysis_size(w, h, cfg.analysis_width);
    let info = VideoInfo {
        fps,
        fps_guessed,
        width: w as u32,
        height: h as u32,
        analysis_width: aw as u32,
        analysis_height: ah as u32,
        frame_count_hint: count_hint,
    };
    let size = Size::new(aw, ah);
    let first = prepare(first, size, 0, fps).map_err(|e| Error::input(path, e.message))?;
    let (tx, rx) = bounded(CHANNEL_DEPTH);
    let thread_info = info.clone();
    std::thread::Builder::new()
        .name("physlint-decode".into())
        .spawn(move || {
            let wanted = |i: usize| keep.as_ref().map_or(Some(true), |k| k(i, &thread_info));
            match wanted(0) {
                None => return,
                Some(true) if tx.send(Ok(first)).is_err() => return,
                _ => {}
            }
            let mut index = 1;
            while let Some(deliver) = wanted(index) {
                if !deliver {
                    match source.skip() {
                        Ok(true) => {
                            index += 1;
                            continue;
                        }
                        Ok(false) => break,
                        Err(e) => {
                            let _ = tx.send(Err(e));
                            break;
                        }
                    }
                }
                let item = match source.next() {
                    Ok(None) => break,
                    Ok(Some(m)) => prepare(m, size, index, fps).map_err(|e| e.message),
                    Err(e) => Err(e),
                };
                let stop = item.is_err();
                if tx.send(item).is_err() || stop {
                    break;
                }
                index += 1;
            }
        })
        .map_err(|e| Error::input(path, format!("cannot start decoder thread: {e}")))?;
    Ok(FrameStream { info, frames: rx })
}

#[cfg(test)]
mod tests {
    use super::*;
    use opencv::core::{Scalar, CV_8UC3};

    /// The longer side sets the analysis size: a portrait video gets the landscape one's pixels,
    /// a square one the target on both sides, a small one its own size.
    #[test]
    fn the_longer_side_sets_the_analysis_size() {
        assert_eq!(analysis_size(1280, 720, 320), (320, 180));
        assert_eq!(analysis_size(720, 1280, 320), (180, 320));
        assert_eq!(analysis_size(360, 640, 320), (180, 320));
        assert_eq!(analysis_size(720, 480, 320), (320, 213));
        assert_eq!(analysis_size(512, 512, 320), (320, 320));
        assert_eq!(analysis_size(176, 144, 320), (176, 144));
        assert_eq!(analysis_size(300, 330, 320), (291, 320));
        assert_eq!(analysis_size(4000, 10, 320), (320, 2));
    }

    /// Frames of the common sizes (and odd or portrait ones) shrink to the analysis size and keep
    /// their content (a flat colour stays that colour).
    #[test]
    fn shrink_reaches_the_analysis_size() {
        for (w, h) in [
            (720, 480),
            (1280, 720),
            (640, 360),
            (480, 270),
            (1920, 1080),
            (333, 211),
            (1281, 721),
            (360, 640),
        ] {
            let (aw, ah) = analysis_size(w, h, 320);
            let m = Mat::new_rows_cols_with_default(
                h,
                w,
                CV_8UC3,
                Scalar::new(10.0, 120.0, 240.0, 0.0),
            )
            .unwrap();
            let s = shrink(&m, Size::new(aw, ah)).unwrap();
            assert_eq!((s.cols(), s.rows()), (aw, ah), "{w}x{h}");
            let px = *s.at_2d::<opencv::core::Vec3b>(ah / 2, aw / 2).unwrap();
            assert_eq!((px[0], px[1], px[2]), (10, 120, 240), "{w}x{h}");
        }
    }

    /// Shrinking averages pixels rather than picking some: one lit column in four comes out as a
    /// quarter-bright field, not as black or white stripes.
    #[test]
    fn shrink_averages_fine_detail() {
        for (w, h) in [(1280, 720), (1281, 721)] {
            let mut m = Mat::new_rows_cols_with_default(h, w, CV_8UC3, Scalar::all(0.0)).unwrap();
            for y in 0..h {
                for x in (0..w).step_by(4) {
                    *m.at_2d_mut::<opencv::core::Vec3b>(y, x).unwrap() = [200, 200, 200].into();
                }
            }
            let (aw, ah) = analysis_size(w, h, 320);
            let s = shrink(&m, Size::new(aw, ah)).unwrap();
            for x in [10, 11, 12, 13, 150, 151] {
                let v = s.at_2d::<opencv::core::Vec3b>(ah / 2, x).unwrap()[1] as i32;
                assert!((v - 50).abs() <= 12, "{w}x{h} column {x}: {v}");
            }
        }
    }
}
