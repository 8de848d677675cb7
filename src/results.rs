//! What crosses from the analysis into the report stage: plain data, no OpenCV handles.

use serde::{Deserialize, Serialize};

/// Rounds to 4 decimals so tables stay readable and stable.
pub fn r4(v: f64) -> f64 {
    if v.is_finite() {
        (v * 1e4).round() / 1e4
    } else {
        0.0
    }
}

/// One row of frames.csv: one frame pair (frame − 1 → frame). Pixel quantities in original video px.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct FrameRow {
    /// Input path as given.
    pub video: String,
    /// Index of the later frame of the pair (1 = first pair).
    pub frame: usize,
    /// Time of `frame` (s).
    pub time_s: f64,
    /// Mean forward-flow magnitude (px/frame).
    pub flow_mean: f64,
    /// Median forward-flow magnitude (px/frame).
    pub flow_p50: f64,
    /// 95th-percentile forward-flow magnitude (px/frame).
    pub flow_p95: f64,
    /// Largest forward-flow magnitude (px/frame).
    pub flow_max: f64,
    /// Mean residual (camera-compensated) flow magnitude (px/frame).
    pub residual_mean: f64,
    /// 95th-percentile residual flow magnitude (px/frame).
    pub residual_p95: f64,
    /// Share of pixels failing the forward-backward consistency check (0..1).
    pub occluded_frac: f64,
    /// Mean photometric warping error on non-occluded pixels (grey levels 0..255).
    pub warp_error: f64,
    /// Mean photometric warping error over all pixels, occluded included (grey levels).
    pub warp_error_all: f64,
    /// Mean absolute grey difference without motion compensation (grey levels).
    pub frame_diff: f64,
    /// Camera pan, horizontal (px/frame, + = content moves right).
    pub cam_dx: f64,
    /// Camera pan, vertical (px/frame, + = content moves down).
    pub cam_dy: f64,
    /// Camera zoom factor per frame (1 = none, > 1 = content grows).
    pub cam_scale: f64,
    /// Camera roll (degrees/frame).
    pub cam_rot_deg: f64,
    /// Share of flow samples agreeing with the camera fit (0..1).
    pub cam_inliers: f64,
    /// True when the pair straddles a hard scene cut.
    pub scene_cut: bool,
    /// Morphing score of this frame (0..1).
    pub morphing: f64,
    /// Missing-limbs score of this frame (0..1).
    pub missing_limbs: f64,
    /// Implausible-motion score of this frame (0..1).
    pub implausible_motion: f64,
    /// Object-permanence score of this frame (0..1).
    pub object_permanence: f64,
}

/// One row of videos.csv.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct VideoRow {
    /// Input path as given.
    pub video: String,
    /// `ok` or `error`.
    pub status: String,
    /// One-line cause when status is `error`, else empty.
    pub error: String,
    /// Frames decoded.
    pub frames: usize,
    /// Frames per second.
    pub fps: f64,
    /// Original width (px).
    pub width: u32,
    /// Original height (px).
    pub height: u32,
    /// frames / fps (s).
    pub duration_s: f64,
    /// Video-level morphing score (0 = clean .. 1 = certain artifact).
    pub morphing_score: f64,
    /// Video-level missing-limbs score.
    pub missing_limbs_score: f64,
    /// Video-level implausible-motion score.
    pub implausible_motion_score: f64,
    /// Video-level object-permanence score.
    pub object_permanence_score: f64,
    /// Largest of the four family scores.
    pub overall_score: f64,
    /// `pass` or `flag` (empty for errors).
    pub verdict: String,
}

impl VideoRow {
    /// The score column of a family by name (`overall_score` for any other name).
    pub fn family_score(&self, family: &str) -> f64 {
        match family {
            "morphing" => self.morphing_score,
            "missing_limbs" => self.missing_limbs_score,
            "implausible_motion" => self.implausible_motion_score,
            "object_permanence" => self.object_permanence_score,
            _ => self.overall_score,
        }
    }
}

/// One row of events.csv: a localised artifact.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct EventRow {
    /// Input path as given.
    pub video: String,
    /// 1-based event number within the video.
    pub event_id: usize,
    /// Artifact family.
    pub family: String,
    /// Artifact kind.
    pub kind: String,
    /// First frame of the event.
    pub frame_start: usize,
    /// Last frame of the event.
    pub frame_end: usize,
    /// Time of frame_start (s).
    pub time_start_s: f64,
    /// Track the event concerns.
    pub track_id: u32,
    /// Box left (original px).
    pub x: f64,
    /// Box top (original px).
    pub y: f64,
    /// Box width (original px).
    pub w: f64,
    /// Box height (original px).
    pub h: f64,
    /// Confidence (0..1).
    pub score: f64,
    /// Raw feature before calibration (kind-specific units; score 0.5 = largest seen on clean footage).
    pub raw: f64,
    /// Readable sentence with the numbers.
    pub detail: String,
}

/// One row of tracks.csv: one track in one frame.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct TrackRow {
    /// Input path as given.
    pub video: String,
    /// Frame index.
    pub frame: usize,
    /// Track id (1-based, per video).
    pub track_id: u32,
    /// `visible`, `occluded` or `exited`.
    pub state: String,
    /// Box left (original px).
    pub x: f64,
    /// Box top (original px).
    pub y: f64,
    /// Box width (original px).
    pub w: f64,
    /// Box height (original px).
    pub h: f64,
    /// Centroid x (original px).
    pub cx: f64,
    /// Centroid y (original px).
    pub cy: f64,
    /// Mask area (original px²).
    pub area: f64,
    /// Velocity x (original px/frame, smoothed).
    pub vx: f64,
    /// Velocity y (original px/frame, smoothed, + = down).
    pub vy: f64,
    /// Acceleration x (original px/frame²).
    pub ax: f64,
    /// Acceleration y (original px/frame², + = down).
    pub ay: f64,
    /// Mask area / convex hull area (0..1).
    pub solidity: f64,
    /// Protrusions of the mask (convexity defects deeper than a share of the object size, + 1 per lobe).
    pub extremities: u32,
    /// First Hu moment of the mask (log scale).
    pub hu1: f64,
    /// Second Hu moment of the mask (log scale).
    pub hu2: f64,
    /// Mean colour, blue channel (0..255).
    pub b: f64,
    /// Mean colour, green channel.
    pub g: f64,
    /// Mean colour, red channel.
    pub r: f64,
    /// Share of the mask with residual motion (0..1; still parts, such as a ghost the blob
    /// carries, lower it).
    pub moving_frac: f64,
    /// The sighting was traced back from a later blob of the track, not segmented in this frame.
    pub traced: bool,
    /// Pixels around the blob (its box grown by a quarter of its longer side) whose colour the
    /// flow from the frame before does not explain, over the blob's area.
    pub unexplained: f64,
    /// Pixel count of the blob's silhouette: the pixels near it whose colour its surroundings do
    /// not have (original px²; 0 when not segmented in this frame).
    pub silhouette: f64,
    /// Share of the silhouette of the frame before lost in this frame, in regions thicker than a
    /// rim (a part gone at once), over this silhouette's area.
    pub part_lost: f64,
    /// Share gained in this frame on the silhouette of the frame before, as `part_lost`.
    pub part_gained: f64,
}

/// A decoded frame as plain pixels for evidence pictures (RGB, 8-bit, row-major, downscaled).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Picture {
    /// Frame index in the video.
    pub frame: usize,
    /// Width (px).
    pub width: u32,
    /// Height (px).
    pub height: u32,
    /// width × height × 3 bytes, RGB.
    pub rgb: Vec<u8>,
}

/// Everything the analysis of one input gives the report stage. Serialisable, so a finished
/// video can be recorded and a resumed scan can reuse it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VideoResult {
    /// Summary row.
    pub row: VideoRow,
    /// Per-pair rows (empty on error).
    pub frames: Vec<FrameRow>,
    /// Events (empty on error).
    pub events: Vec<EventRow>,
    /// Track rows (empty on error).
    pub tracks: Vec<TrackRow>,
    /// Warnings about this input (e.g. a guessed frame rate), one line each.
    pub warnings: Vec<String>,
    /// (kind, raw feature) of every finding, reported or not: what calibration learns from.
    pub raw: Vec<(String, f64)>,
    /// Frames kept for evidence and trajectory pictures (empty when not requested); the per-video
    /// exporters use them and the batch drops them.
    #[serde(skip)]
    pub pictures: Vec<Picture>,
    /// The frame the trajectory picture is drawn over (one of the background-plate samples,
    /// the one nearest the frame with the most visible tracks).
    #[serde(skip)]
    pub backdrop: Option<Picture>,
    /// Per-video files written (charts, evidence), relative to the output folder.
    pub files: Vec<String>,
    /// Wall-clock analysis time (s): kept out of the tables (it varies from run to run), in run.json.
    pub analysis_s: f64,
    /// CPU time (s) in the flow stage (DIS both ways and the pair statistics), for run.json.
    #[serde(default)]
    pub flow_s: f64,
    /// CPU time (s) in the tracks stage (segmentation and association), for run.json.
    #[serde(default)]
    pub tracks_s: f64,
}

/// The whole run, as the report stage sees it.
#[derive(Debug, Clone)]
pub struct ScanResults {
    /// Per input, in input order.
    pub videos: Vec<VideoResult>,
    /// run.json content (version, schema, configuration, inputs, timings).
    pub run: serde_json::Value,
}
