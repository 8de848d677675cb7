//! `physlint scan`: decode → flow → tracks → checks for every input (rayon across videos),
//! then the report stage writes the tables.

use crate::app::record;
use crate::checks::{self, Calibration};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::flow::FlowEngine;
use crate::report::{self, Exporter};
use crate::results::{r4, EventRow, FrameRow, ScanResults, TrackRow, VideoResult, VideoRow};
use crate::tracks::segment::{median_plate, PLATE_SAMPLES};
use crate::tracks::{Track, Tracker};
use crate::video::{self, Input};
use rayon::prelude::*;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Options of one scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Files and folders to scan.
    pub paths: Vec<PathBuf>,
    /// Output folder.
    pub out: PathBuf,
    /// Videos analysed in parallel (0 = all cores).
    pub jobs: usize,
    /// Frame rate override (also for image sequences).
    pub fps: Option<f64>,
    /// No progress bar, no warnings.
    pub quiet: bool,
    /// Analysis configuration.
    pub config: Config,
    /// Raw-feature references for scores.
    pub calibration: Calibration,
    /// Write charts, evidence pictures and report.html besides the tables.
    pub report: bool,
    /// Give up on a video after this long (an error row "timed out"); None = no limit.
    pub timeout: Option<std::time::Duration>,
    /// Reuse the recorded results of videos an earlier run in `out` finished with the same settings.
    pub resume: bool,
}

/// Frames of a stream, ending with a "timed out" error once `deadline` passes.
struct Timed<'a> {
    rx: &'a crossbeam_channel::Receiver<std::result::Result<video::Frame, String>>,
    deadline: Option<(Instant, f64)>,
}

impl Iterator for Timed<'_> {
    type Item = std::result::Result<video::Frame, String>;
    fn next(&mut self) -> Option<Self::Item> {
        let Some((d, limit)) = self.deadline else {
            return self.rx.recv().ok();
        };
        let timed_out = || Some(Err(timed_out_after(limit)));
        if Instant::now() >= d {
            return timed_out();
        }
        match self.rx.recv_deadline(d) {
            Ok(x) => Some(x),
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => timed_out(),
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => None,
        }
    }
}

/// The error of a video that ran past `--timeout-per-video` (`limit` s).
fn timed_out_after(limit: f64) -> String {
    format!("timed out after {limit} s (--timeout-per-video)")
}

/// A deadline `limit` from now, with the limit in seconds for messages.
pub fn deadline(limit: Option<std::time::Duration>) -> Option<(Instant, f64)> {
    limit.map(|l| (Instant::now() + l, l.as_secs_f64()))
}

/// A video whose frames at analysis size fit in this many bytes is decoded once, not twice.
pub const DECODE_ONCE_BYTES: u64 = 64 << 20;

/// Most bytes of analysis-size BGR frames a long video may write to a temporary file so that it
/// is decoded once (see `Spill`).
pub const SPILL_BYTES: u64 = 1 << 30;

/// [`SPILL_BYTES`], or the environment's `PHYSLINT_SPILL_BYTES` (0: always decode long videos
/// twice, writing nothing to the temporary folder).
fn spill_bytes() -> u64 {
    std::env::var("PHYSLINT_SPILL_BYTES")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(SPILL_BYTES)
}

/// Pass 1's frames of a video too long to keep in memory, in an anonymous temporary file (gone
/// when closed) for pass 2 to read back instead of decoding the video a second time.
struct Spill {
    file: std::io::BufWriter<std::fs::File>,
    frames: u64,
    size: (i32, i32),
}

impl Spill {
    /// None when no temporary file can be made.
    fn new() -> Option<Spill> {
        Some(Spill {
            file: std::io::BufWriter::with_capacity(1 << 20, tempfile::tempfile().ok()?),
            frames: 0,
            size: (0, 0),
        })
    }

    /// Appends a frame: index, time and the BGR bytes (every frame has the first one's size).
    fn write(&mut self, f: &video::Frame) -> std::io::Result<()> {
        use opencv::prelude::*;
        use std::io::Write;
        let size = (f.bgr.cols(), f.bgr.rows());
        if self.frames == 0 {
            self.size = size;
        }
        let bytes = f.bgr.data_bytes().map_err(std::io::Error::other)?;
        if size != self.size
            || !f.bgr.is_continuous()
            || bytes.len() != (size.0 * size.1 * 3) as usize
        {
            return Err(std::io::Error::other("frame of another size or layout"));
        }
        self.file.write_all(&(f.index as u64).to_le_bytes())?;
        self.file.write_all(&f.time_s.to_le_bytes())?;
        self.file.write_all(bytes)?;
        self.frames += 1;
        Ok(())
    }

    /// The frames in order, as the decoder gave them.
    fn into_frames(
        self,
    ) -> std::io::Result<impl Iterator<Item = std::result::Result<video::Frame, String>>> {
        use std::io::Seek;
        let mut file = self.file.into_inner().map_err(|e| e.into_error())?;
        file.seek(std::io::SeekFrom::Start(0))?;
        let mut r = std::io::BufReader::with_capacity(1 << 20, file);
        let size = self.size;
        Ok((0..self.frames).map(move |_| read_spilled(&mut r, size)))
    }
}

/// The next frame of a spill file (see [`Spill::write`]).
fn read_spilled(
    r: &mut impl std::io::Read,
    (w, h): (i32, i32),
) -> std::result::Result<video::Frame, String> {
    use opencv::prelude::*;
    let io = |e: std::io::Error| format!("temporary frame file: {e}");
    let (mut i, mut t) = ([0u8; 8], [0u8; 8]);
    r.read_exact(&mut i).map_err(io)?;
    r.read_exact(&mut t).map_err(io)?;
    let mut bgr = opencv::core::Mat::new_rows_cols_with_default(
        h,
        w,
        opencv::core::CV_8UC3,
        opencv::core::Scalar::all(0.0),
    )
    .map_err(|e| e.to_string())?;
    r.read_exact(bgr.data_bytes_mut().map_err(|e| e.to_string())?)
        .map_err(io)?;
    video::Frame::from_bgr(u64::from_le_bytes(i) as usize, f64::from_le_bytes(t), bgr)
        .map_err(|e| e.to_string())
}

/// Width of the frames kept for evidence pictures (narrower videos keep their size).
pub const EVIDENCE_WIDTH: u32 = 480;

/// Decodes the video again (at [`EVIDENCE_WIDTH`]) up to the last wanted frame and keeps those
/// frames as plain RGB pictures. Best effort: a decode failure gives fewer pictures.
pub fn grab_pictures(
    input: &Input,
    cfg: &Config,
    fps: Option<f64>,
    wanted: &std::collections::BTreeSet<usize>,
    until: Option<(Instant, f64)>,
) -> Vec<crate::results::Picture> {
    let Some(&last) = wanted.iter().next_back() else {
        return Vec::new();
    };
    let cfg = Config {
        analysis_width: EVIDENCE_WIDTH,
        ..cfg.clone()
    };
    let keep_set = wanted.clone();
    let keep: video::Keep = Box::new(move |i, _| (i <= last).then(|| keep_set.contains(&i)));
    let Ok(stream) = video::open_some(input, &cfg, fps, Some(keep)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let frames = Timed {
        rx: &stream.frames,
        deadline: until,
    };
    for item in frames {
        let Ok(f) = item else { break };
        if wanted.contains(&f.index) {
            out.extend(to_picture(f.index, &f.bgr));
        }
    }
    out
}

/// A BGR frame as a plain RGB picture.
fn to_picture(frame: usize, bgr: &opencv::core::Mat) -> Option<crate::results::Picture> {
    use opencv::prelude::*;
    let mut rgb = opencv::core::Mat::default();
    opencv::imgproc::cvt_color_def(bgr, &mut rgb, opencv::imgproc::COLOR_BGR2RGB).ok()?;
    let size = rgb.size().ok()?;
    Some(crate::results::Picture {
        frame,
        width: size.width as u32,
        height: size.height as u32,
        rgb: rgb.data_bytes().ok()?.to_vec(),
    })
}

/// Draws a video's charts and evidence into its folder under `out`; returns a warning on failure.
fn write_video_files(
    opts: &ScanOptions,
    index: usize,
    input: &Input,
    r: &mut VideoResult,
    until: Option<(Instant, f64)>,
) -> Option<String> {
    if !opts.report || r.row.status != "ok" {
        return None;
    }
    let wanted = report::evidence::wanted_frames(&r.events, r.row.frames);
    if !wanted.is_empty() {
        r.pictures = grab_pictures(input, &opts.config, opts.fps, &wanted, until);
    }
    let exporters: [&dyn report::VideoExporter; 2] = [
        &report::timeline::TimelineExporter,
        &report::evidence::EvidenceExporter,
    ];
    let res = report::write_video(&opts.out, index, r, &exporters);
    r.pictures = Vec::new();
    r.backdrop = None;
    match res {
        Ok(files) => {
            r.files = files;
            None
        }
        Err(e) => Some(format!(
            "{}: charts and evidence not written: {e}",
            input.path.display()
        )),
    }
}

/// Analyses one input end to end. Errors name the input and the cause in one line.
pub fn analyse(
    input: &Input,
    cfg: &Config,
    cal: &Calibration,
    fps: Option<f64>,
    until: Option<(Instant, f64)>,
) -> Result<VideoResult> {
    let started = Instant::now();
    let path = &input.path;
    let video_name = path.to_string_lossy().to_string();
    // Pass 1: frames sampled across the video give the background plate (static cameras). A
    // short video is decoded once: all its frames are kept for pass 2. A longer one is decoded
    // once too when its frames fit SPILL_BYTES: pass 1 writes them to an anonymous temporary file
    // that pass 2 reads back. Beyond that (or if the file cannot be written) it is decoded twice,
    // pass 1 stepping over all but the sampled frames. Memory stays flat either way.
    let fits = |info: &video::VideoInfo| {
        let bytes = info.analysis_width as u64 * info.analysis_height as u64 * 4;
        info.frame_count_hint > 0 && info.frame_count_hint * bytes <= DECODE_ONCE_BYTES
    };
    let spill_limit = spill_bytes();
    let spills = move |info: &video::VideoInfo| {
        let bytes = info.analysis_width as u64 * info.analysis_height as u64 * 3;
        !fits(info) && info.frame_count_hint > 0 && info.frame_count_hint * bytes <= spill_limit
    };
    let sample = |i: usize, hint: u64| {
        let stride = (hint.max(1) as usize / PLATE_SAMPLES).max(1);
        (i / stride < PLATE_SAMPLES).then_some(i.is_multiple_of(stride))
    };
    let keep: video::Keep = Box::new(move |i, info| {
        if fits(info) || spills(info) {
            Some(true)
        } else {
            sample(i, info.frame_count_hint)
        }
    });
    let probe = video::open_some(input, cfg, fps, Some(keep))?;
    let mut cache: Option<Vec<video::Frame>> = fits(&probe.info).then(Vec::new);
    let mut spill: Option<Spill> = if spills(&probe.info) {
        Spill::new()
    } else {
        None
    };
    // More than twice the frames the container declared: stop keeping them and decode twice.
    let under_declared = |kept: u64| kept > 2 * probe.info.frame_count_hint + 16;
    // Plate samples: frame indices and frames (copied only when the frame also goes to the cache).
    let (mut sample_idx, mut mats) = (Vec::new(), Vec::new());
    for item in (Timed {
        rx: &probe.frames,
        deadline: until,
    }) {
        let f = item.map_err(|e| Error::input(path, e))?;
        let sampled = sample(f.index, probe.info.frame_count_hint) == Some(true);
        if sampled {
            sample_idx.push(f.index);
        }
        if let Some(c) = cache.as_mut() {
            if sampled {
                mats.push(f.bgr.clone());
            }
            c.push(f);
            // The container under-declared its frames: fall back to decoding twice.
            if under_declared(c.len() as u64) {
                cache = None;
            }
        } else {
            if let Some(sp) = spill.as_mut() {
                // The container under-declared its frames, or the disk said no: decode twice.
                if under_declared(sp.frames) || sp.write(&f).is_err() {
                    spill = None;
                }
            }
            if sampled {
                mats.push(f.bgr);
            }
        }
    }
    // Pass 2 reads the frames kept in memory or spilled to disk, when pass 1 kept them.
    let kept: Option<Box<dyn Iterator<Item = std::result::Result<video::Frame, String>>>> =
        match (cache, spill.map(|sp| sp.into_frames())) {
            (Some(c), _) => Some(Box::new(c.into_iter().map(Ok))),
            (None, Some(Ok(frames))) => Some(Box::new(frames)),
            _ => None,
        };
    let plate = median_plate(&mats, cfg.seg_plate_diff)?;
    let (info, frames_in): (
        video::VideoInfo,
        Box<dyn Iterator<Item = std::result::Result<video::Frame, String>>>,
    ) = match kept {
        Some(frames) => {
            let limit = until;
            (
                probe.info.clone(),
                Box::new(frames.map(move |f| match limit {
                    Some((d, l)) if Instant::now() >= d => Err(timed_out_after(l)),
                    _ => f,
                })),
            )
        }
        None => {
            let stream = video::open(input, cfg, fps)?;
            let info = stream.info.clone();
            let rx = stream.frames;
            (
                info,
                Box::new(std::iter::from_fn(move || {
                    Timed {
                        rx: &rx,
                        deadline: until,
                    }
                    .next()
                })),
            )
        }
    };
    let k = info.to_original();
    let mut engine = FlowEngine::new(cfg)?;
    let mut tracker = Tracker::new(cfg, info.analysis_width, info.analysis_height, plate)?;
    let (mut cut, mut zoom) = (vec![false], vec![1.0f64]);
    let mut shift = vec![[0.0f64; 2]];
    let mut frames = Vec::new();
    let mut prev: Option<video::Frame> = None;
    let mut decoded = 0usize;
    let (mut flow_s, mut tracks_s) = (0.0, 0.0);
    for item in frames_in {
        let frame = item.map_err(|e| Error::input(path, e))?;
        decoded += 1;
        if let Some(p) = &prev {
            let t0 = thread_cpu_seconds();
            let pair = engine.pair(&p.gray, &frame.gray, frame.index)?;
            let t1 = thread_cpu_seconds();
            tracker.update(frame.index, &frame.bgr, &frame.gray, &p.bgr, &pair)?;
            flow_s += t1 - t0;
            tracks_s += thread_cpu_seconds() - t1;
            cut.push(pair.scene_cut);
            zoom.push(zoom.last().copied().unwrap_or(1.0) * pair.camera.scale as f64);
            // The camera model maps p to s·(p − c) + c + d (roll ignored); across a cut there is
            // no camera motion to follow.
            let last = shift.last().copied().unwrap_or([0.0; 2]);
            let cam = &pair.camera;
            shift.push(if pair.scene_cut {
                last
            } else {
                [
                    cam.scale as f64 * last[0] + cam.dx as f64,
                    cam.scale as f64 * last[1] + cam.dy as f64,
                ]
            });
            let s = &pair.stats;
            let c = &pair.camera;
            frames.push(FrameRow {
                video: video_name.clone(),
                frame: frame.index,
                time_s: r4(frame.time_s),
                flow_mean: r4(s.flow_mean as f64 * k),
                flow_p50: r4(s.flow_p50 as f64 * k),
                flow_p95: r4(s.flow_p95 as f64 * k),
                flow_max: r4(s.flow_max as f64 * k),
                residual_mean: r4(s.residual_mean as f64 * k),
                residual_p95: r4(s.residual_p95 as f64 * k),
                occluded_frac: r4(s.occluded_frac as f64),
                warp_error: r4(s.warp_error as f64),
                warp_error_all: r4(s.warp_error_all as f64),
                frame_diff: r4(s.frame_diff as f64),
                cam_dx: r4(c.dx as f64 * k),
                cam_dy: r4(c.dy as f64 * k),
                cam_scale: r4(c.scale as f64),
                cam_rot_deg: r4((c.rotation as f64).to_degrees()),
                cam_inliers: r4(c.inlier_frac as f64),
                scene_cut: pair.scene_cut,
                ..Default::default()
            });
        }
        prev = Some(frame);
    }
    if decoded < 2 {
        return Err(Error::input(
            path,
            format!("only {decoded} decodable frame; need at least 2"),
        ));
    }
    let hint = info.frame_count_hint as f64;
    if hint > 0.0 && (decoded as f64) < cfg.truncated_share * hint {
        return Err(Error::input(
            path,
            format!(
                "truncated or corrupt: decoded {decoded} of {} frames",
                info.frame_count_hint
            ),
        ));
    }
    let finished = tracker.finish();
    let tracks = finished.segmented;
    let track_rows = track_rows(&video_name, &finished.traced, k);
    let backdrop = report::evidence::representative_frame(&track_rows).and_then(|rep| {
        sample_idx
            .iter()
            .zip(&mats)
            .min_by_key(|(i, _)| (**i as i64 - rep as i64).abs())
            .and_then(|(i, m)| to_picture(*i, m))
    });
    let ctx = checks::Context {
        frames: decoded,
        size: (info.analysis_width as f64, info.analysis_height as f64),
        cut,
        zoom,
        shift,
    };
    let findings = checks::run_all(&tracks, &ctx, cfg, cal);
    let mut family = [0.0f64; 4];
    for f in &findings {
        let i = checks::FAMILIES
            .iter()
            .position(|x| *x == f.family)
            .unwrap_or(0);
        family[i] = family[i].max(f.score);
    }
    let events: Vec<EventRow> = findings
        .iter()
        .filter(|f| f.score >= cfg.event_min_score)
        .enumerate()
        .map(|(n, f)| EventRow {
            video: video_name.clone(),
            event_id: n + 1,
            family: f.family.into(),
            kind: f.kind.into(),
            frame_start: f.frame_start,
            frame_end: f.frame_end,
            time_start_s: r4(f.frame_start as f64 / info.fps),
            track_id: f.track_id,
            x: r4(f.bbox[0] * k),
            y: r4(f.bbox[1] * k),
            w: r4(f.bbox[2] * k),
            h: r4(f.bbox[3] * k),
            score: f.score,
            raw: r4(f.raw),
            detail: f.detail.clone(),
        })
        .collect();
    for row in frames.iter_mut() {
        for e in events
            .iter()
            .filter(|e| e.frame_start <= row.frame && row.frame <= e.frame_end)
        {
            let slot = match e.family.as_str() {
                "morphing" => &mut row.morphing,
                "missing_limbs" => &mut row.missing_limbs,
                "implausible_motion" => &mut row.implausible_motion,
                _ => &mut row.object_permanence,
            };
            *slot = slot.max(e.score);
        }
    }
    let overall = family.iter().copied().fold(0.0, f64::max);
    Ok(VideoResult {
        row: VideoRow {
            video: video_name,
            status: "ok".into(),
            frames: decoded,
            fps: r4(info.fps),
            width: info.width,
            height: info.height,
            duration_s: r4(decoded as f64 / info.fps),
            morphing_score: r4(family[0]),
            missing_limbs_score: r4(family[1]),
            implausible_motion_score: r4(family[2]),
            object_permanence_score: r4(family[3]),
            overall_score: r4(overall),
            verdict: if overall >= cfg.flag_threshold {
                "flag"
            } else {
                "pass"
            }
            .into(),
            ..Default::default()
        },
        frames,
        events,
        tracks: track_rows,
        raw: findings
            .iter()
            .map(|f| (f.kind.to_string(), f.raw))
            .collect(),
        pictures: Vec::new(),
        backdrop,
        files: Vec::new(),
        analysis_s: r4(started.elapsed().as_secs_f64()),
        flow_s: r4(flow_s),
        tracks_s: r4(tracks_s),
        warnings: if info.fps_guessed {
            vec![format!(
                "{}: no usable frame rate in the container; assuming {} fps",
                path.display(),
                info.fps
            )]
        } else {
            Vec::new()
        },
    })
}

/// tracks.csv rows (original px) from the tracker's tracks.
fn track_rows(video: &str, tracks: &[Track], k: f64) -> Vec<TrackRow> {
    let mut rows: Vec<TrackRow> = tracks
        .iter()
        .flat_map(|t| {
            t.obs.iter().map(move |o| TrackRow {
                video: video.to_string(),
                frame: o.frame,
                track_id: t.id,
                state: o.state.name().into(),
                x: r4(o.bbox[0] * k),
                y: r4(o.bbox[1] * k),
                w: r4(o.bbox[2] * k),
                h: r4(o.bbox[3] * k),
                cx: r4(o.cx * k),
                cy: r4(o.cy * k),
                area: r4(o.area * k * k),
                vx: r4(o.v[0] * k),
                vy: r4(o.v[1] * k),
                ax: r4(o.a[0] * k),
                ay: r4(o.a[1] * k),
                solidity: r4(o.solidity),
                extremities: o.extremities,
                hu1: r4(o.hu[0]),
                hu2: r4(o.hu[1]),
                b: r4(o.colour[0]),
                g: r4(o.colour[1]),
                r: r4(o.colour[2]),
                moving_frac: r4(o.moving_frac),
                traced: o.traced,
                unexplained: r4(o.unexplained),
                silhouette: r4(o.silhouette * k * k),
                part_lost: r4(o.part_lost),
                part_gained: r4(o.part_gained),
            })
        })
        .collect();
    rows.sort_by_key(|r| (r.frame, r.track_id));
    rows
}

fn error_result(input: &Input, e: &Error) -> VideoResult {
    let msg = match e {
        Error::Input { cause, .. } => cause.clone(),
        other => crate::error::one_line(&other.to_string()),
    };
    VideoResult {
        row: VideoRow {
            video: input.path.to_string_lossy().to_string(),
            status: "error".into(),
            error: msg,
            ..Default::default()
        },
        frames: Vec::new(),
        events: Vec::new(),
        tracks: Vec::new(),
        warnings: Vec::new(),
        raw: Vec::new(),
        pictures: Vec::new(),
        backdrop: None,
        files: Vec::new(),
        analysis_s: 0.0,
        flow_s: 0.0,
        tracks_s: 0.0,
    }
}

/// Bytes of an input (all frames of an image sequence): a proxy for its analysis time.
fn input_bytes(input: &Input) -> u64 {
    let len = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
    match &input.kind {
        video::InputKind::ImageSequence(files) => files.iter().map(|f| len(f)).sum(),
        _ => len(&input.path),
    }
}

/// Runs the scan and writes every output into `opts.out`. Returns the results.
pub fn run(opts: &ScanOptions) -> anyhow::Result<ScanResults> {
    use anyhow::Context;
    let started = Instant::now();
    std::fs::create_dir_all(&opts.out)
        .with_context(|| format!("{}: cannot create output folder", opts.out.display()))?;
    let inputs = video::discover(&opts.paths);
    if inputs.is_empty() {
        anyhow::bail!("no video inputs found under {:?}", opts.paths);
    }
    // OpenCV's own threads stay off: parallelism is across videos, results independent of it.
    opencv::core::set_num_threads(1).ok();
    let jobs = if opts.jobs == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        opts.jobs
    };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(jobs).build()?;
    let records = opts.out.join(record::DIR);
    std::fs::create_dir_all(&records)
        .with_context(|| format!("{}: cannot create", records.display()))?;
    record::remove_stale_temporaries(&opts.out);
    let settings = serde_json::json!({
        "version": env!("CARGO_PKG_VERSION"),
        "schema_version": crate::SCHEMA_VERSION,
        "config": opts.config,
        "calibration": opts.calibration,
        "fps_override": opts.fps,
        "report": opts.report,
    });
    let resumed = std::sync::atomic::AtomicUsize::new(0);
    let bar = progress(inputs.len(), opts.quiet);
    // Biggest inputs first, handed out one at a time (longest-processing-time scheduling), so a
    // long video does not start last and run alone; results go back to input order.
    let mut order: Vec<usize> = (0..inputs.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(input_bytes(&inputs[i])), i));
    let mut done: Vec<(usize, VideoResult)> = pool.install(|| {
        order
            .into_iter()
            .par_bridge()
            .map(|index| {
                let input = &inputs[index];
                if opts.resume {
                    if let Some(r) = record::load(&opts.out, index, input, &settings) {
                        resumed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        bar.inc(1);
                        return (index, r);
                    }
                }
                let until = deadline(opts.timeout);
                let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    analyse(input, &opts.config, &opts.calibration, opts.fps, until)
                }));
                let mut r = caught
                    .unwrap_or_else(|p| {
                        let what = p
                            .downcast_ref::<&str>()
                            .map(|s| s.to_string())
                            .or_else(|| p.downcast_ref::<String>().cloned())
                            .unwrap_or_default();
                        Err(Error::input(
                            &input.path,
                            format!("internal error (please report): {what}"),
                        ))
                    })
                    .unwrap_or_else(|e| {
                        if !opts.quiet {
                            bar.suspend(|| say(&format!("error: {e}")));
                        }
                        error_result(input, &e)
                    });
                if let Some(w) = write_video_files(opts, index, input, &mut r, until) {
                    r.warnings.push(w);
                }
                if let Err(e) = record::save(&opts.out, index, input, &settings, &r) {
                    r.warnings.push(format!("not recorded for --resume: {e}"));
                }
                if !opts.quiet {
                    for w in &r.warnings {
                        bar.suspend(|| say(&format!("warning: {w}")));
                    }
                }
                bar.inc(1);
                (index, r)
            })
            .collect()
    });
    done.sort_by_key(|(i, _)| *i);
    let videos: Vec<VideoResult> = done.into_iter().map(|(_, r)| r).collect();
    // Folders of videos that have charts now; an earlier run's others go.
    let keep: Vec<String> = videos
        .iter()
        .enumerate()
        .filter(|(_, v)| !v.files.is_empty())
        .map(|(i, v)| report::video_dir(i, &v.row))
        .collect();
    report::remove_stale_video_dirs(&opts.out, &keep);
    bar.finish_and_clear();
    let run = serde_json::json!({
        "tool": "physlint",
        "version": env!("CARGO_PKG_VERSION"),
        "schema_version": crate::SCHEMA_VERSION,
        "command": "scan",
        "config": opts.config,
        "calibration": opts.calibration,
        "fps_override": opts.fps,
        "jobs": jobs,
        "resumed": resumed.load(std::sync::atomic::Ordering::Relaxed),
        "inputs": inputs.iter().map(|i| i.path.to_string_lossy().to_string()).collect::<Vec<_>>(),
        "warnings": videos.iter().flat_map(|v| v.warnings.clone()).collect::<Vec<_>>(),
        "timings": {
            "total_s": r4(started.elapsed().as_secs_f64()),
            "per_video_s": videos.iter().map(|v| v.analysis_s).collect::<Vec<_>>(),
            "flow_s": r4(videos.iter().map(|v| v.flow_s).sum()),
            "tracks_s": r4(videos.iter().map(|v| v.tracks_s).sum()),
            "cpu_s": r4(cpu_seconds()),
        },
    });
    let results = ScanResults { videos, run };
    write_outputs(&opts.out, &results, opts.report)?;
    Ok(results)
}

/// CPU time (user + system, s) the process has used so far, all threads; 0 where unknown.
fn cpu_seconds() -> f64 {
    #[cfg(unix)]
    {
        let mut u = std::mem::MaybeUninit::<libc::rusage>::zeroed();
        // SAFETY: getrusage fills the struct it is given; RUSAGE_SELF is always valid.
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, u.as_mut_ptr()) } == 0 {
            // SAFETY: initialised by the successful call above.
            let u = unsafe { u.assume_init() };
            let s = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
            return s(u.ru_utime) + s(u.ru_stime);
        }
    }
    0.0
}

/// CPU time (s) the calling thread has used so far; 0 where unknown.
fn thread_cpu_seconds() -> f64 {
    #[cfg(unix)]
    {
        let mut t = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: clock_gettime writes the timespec it is given.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) } == 0 {
            return t.tv_sec as f64 + t.tv_nsec as f64 / 1e9;
        }
    }
    0.0
}

/// Writes every batch report format into `dir` (report.html only when `html`).
pub fn write_outputs(dir: &Path, results: &ScanResults, html: bool) -> Result<()> {
    let mut exporters: Vec<&dyn Exporter> =
        vec![&report::csv::CsvExporter, &report::json::JsonExporter];
    if html {
        exporters.push(&report::html::HtmlExporter);
    }
    report::write_all(dir, results, &exporters).map(|_| ())
}

/// Writes one line to stderr in a single write, so FFmpeg's own messages from other threads
/// cannot land in the middle of it.
fn say(line: &str) {
    use std::io::Write;
    let _ = std::io::stderr().write_all(format!("{line}\n").as_bytes());
}

fn progress(n: usize, quiet: bool) -> indicatif::ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(n as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} videos {elapsed}")
    {
        bar.set_style(style);
    }
    bar
}
