//! Clip encoder: BGR frames in, an H.264 MP4 out, byte-identical for identical frames.
//!
//! The primary path pipes raw BGR frames to an `ffmpeg` child running libx264 on one thread with
//! bit-exact muxing, so the bytes depend only on the frames. OpenCV's VideoWriter (fourcc `avc1`)
//! is the fallback when no `ffmpeg` is on PATH: it writes valid clips, but x264 inside OpenCV was
//! seen to give different bytes for the same frames from run to run.

use crate::error::{Error, Result};
use opencv::core::{Mat, Size};
use opencv::prelude::*;
use opencv::videoio;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

/// Writes one clip; call [`ClipEncoder::finish`] to close it.
pub enum ClipEncoder {
    /// `ffmpeg` child reading raw BGR on stdin.
    Ffmpeg {
        /// The child process.
        child: Child,
        /// Its stdin (raw frames go here).
        stdin: Option<ChildStdin>,
        /// Output path (for messages).
        path: PathBuf,
        /// Frame size.
        size: (i32, i32),
    },
    /// OpenCV's writer.
    OpenCv(videoio::VideoWriter, PathBuf),
}

/// True when an `ffmpeg` with libx264 can be run.
pub fn ffmpeg_available() -> bool {
    Command::new("ffmpeg")
        .args([
            "-hide_banner",
            "-loglevel",
            "error",
            "-h",
            "encoder=libx264",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .output()
        .map(|o| o.status.success() && String::from_utf8_lossy(&o.stdout).contains("libx264"))
        .unwrap_or(false)
}

impl ClipEncoder {
    /// Opens an encoder writing `path` at `size` (w, h) and `fps`.
    pub fn open(path: &Path, size: (i32, i32), fps: f64, use_ffmpeg: bool) -> Result<Self> {
        let out_err = |cause: String| Error::Output {
            path: path.into(),
            cause,
        };
        if use_ffmpeg {
            let child = Command::new("ffmpeg")
                .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
                .args(["-f", "rawvideo", "-pix_fmt", "bgr24"])
                .args(["-s", &format!("{}x{}", size.0, size.1)])
                .args(["-r", &format!("{fps}"), "-i", "-"])
                .args(["-an", "-c:v", "libx264", "-preset", "medium", "-crf", "23"])
                .args(["-threads", "1"])
                .args([
                    "-x264-params",
                    "threads=1:lookahead-threads=1:sliced-threads=0",
                ])
                .args(["-pix_fmt", "yuv420p", "-map_metadata", "-1"])
                .args(["-fflags", "+bitexact", "-flags:v", "+bitexact"])
                .args(["-f", "mp4"])
                .arg(path)
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .map_err(|e| out_err(format!("cannot start ffmpeg: {e}")))?;
            let mut child = child;
            let stdin = child.stdin.take();
            return Ok(ClipEncoder::Ffmpeg {
                child,
                stdin,
                path: path.into(),
                size,
            });
        }
        let fourcc = videoio::VideoWriter::fourcc('a', 'v', 'c', '1')?;
        let wr = videoio::VideoWriter::new(
            &*path.to_string_lossy(),
            fourcc,
            fps,
            Size::new(size.0, size.1),
            true,
        )?;
        if !wr.is_opened()? {
            return Err(out_err("OpenCV VideoWriter (avc1) could not open".into()));
        }
        Ok(ClipEncoder::OpenCv(wr, path.into()))
    }

    /// Appends one BGR frame of the opened size.
    pub fn write(&mut self, img: &Mat) -> Result<()> {
        match self {
            ClipEncoder::Ffmpeg {
                stdin, path, size, ..
            } => {
                let s = img.size()?;
                if (s.width, s.height) != *size || img.typ() != opencv::core::CV_8UC3 {
                    return Err(Error::Output {
                        path: path.clone(),
                        cause: format!(
                            "frame {}x{} does not match {}x{}",
                            s.width, s.height, size.0, size.1
                        ),
                    });
                }
                let copy;
                let bytes = if img.is_continuous() {
                    img.data_bytes()?
                } else {
                    copy = img.try_clone()?;
                    copy.data_bytes()?
                };
                stdin
                    .as_mut()
                    .expect("stdin open until finish")
                    .write_all(bytes)
                    .map_err(|e| Error::Output {
                        path: path.clone(),
                        cause: format!("ffmpeg stopped reading frames: {e}"),
                    })
            }
            ClipEncoder::OpenCv(wr, _) => {
                wr.write(img)?;
                Ok(())
            }
        }
    }

    /// Flushes and closes the clip.
    pub fn finish(self) -> Result<()> {
        match self {
            ClipEncoder::Ffmpeg {
                child,
                mut stdin,
                path,
                ..
            } => {
                drop(stdin.take());
                let out = child.wait_with_output().map_err(|e| Error::Output {
                    path: path.clone(),
                    cause: e.to_string(),
                })?;
                if !out.status.success() {
                    let msg = String::from_utf8_lossy(&out.stderr);
                    return Err(Error::Output {
                        path,
                        cause: format!(
                            "ffmpeg failed ({}): {}",
                            out.status,
                            msg.lines().next().unwrap_or("")
                        ),
                    });
                }
                Ok(())
            }
            ClipEncoder::OpenCv(mut wr, _) => {
                wr.release()?;
                Ok(())
            }
        }
    }
}
