//! Every number that decides behaviour, in one place, with documented defaults.
//! The whole struct is serialised into run.json so a run can be reproduced.

use serde::{Deserialize, Serialize};

/// DIS optical-flow preset (OpenCV `DISOpticalFlow` presets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FlowPreset {
    /// Fastest, coarsest.
    Ultrafast,
    /// Balanced (default).
    Fast,
    /// Most accurate, slowest.
    Medium,
}

/// Analysis configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Config {
    /// Frames are resized so that their longer side (the width of a landscape video, the height
    /// of a portrait one) is this many px, aspect kept, before analysis. Smaller videos are
    /// analysed at their own size. Default 320 px.
    pub analysis_width: u32,
    /// Dense-flow preset. Default `fast`.
    pub flow_preset: FlowPreset,
    /// Frame rate assumed when the container does not give a usable one (with a warning). Default 25.
    pub fps_fallback: f64,
    /// Frame rate for folders of numbered images. Default 25.
    pub image_fps: f64,
    /// Forward-backward consistency: a pixel is occluded when |f + b|² > alpha (|f|² + |b|²) + beta.
    pub fb_alpha: f32,
    /// See `fb_alpha` (px²).
    pub fb_beta: f32,
    /// The per-pair flow statistics (frames.csv, scene cuts) are computed on every n-th pixel of
    /// every n-th row. Default 4 (a sixteenth of the pixels; the camera fit's grid samples are all
    /// kept whenever n divides half the grid step, so it reaches tracks only through scene cuts).
    pub flow_stats_stride: usize,
    /// Grid step (analysis px) of the flow samples used for the camera-motion fit.
    pub camera_grid: usize,
    /// RANSAC inlier threshold (analysis px) of the camera-motion fit.
    pub camera_ransac_px: f32,
    /// RANSAC iterations of the camera-motion fit (seeded, deterministic).
    pub camera_ransac_iters: usize,
    /// Scene cut: share of pixels failing the forward-backward check.
    pub cut_occluded_frac: f64,
    /// Scene cut: warp error / raw frame difference above which flow explains nothing.
    pub cut_warp_ratio: f64,
    /// Scene cut: minimum raw mean absolute frame difference (grey levels).
    pub cut_min_diff: f64,
    /// Scene cut, second rule: this lower occluded share suffices when flow explains almost
    /// nothing (warp error at least `cut_warp_ratio_strict` of the raw difference).
    pub cut_occluded_frac_loose: f64,
    /// Scene cut, second rule: warp error / raw frame difference above this.
    pub cut_warp_ratio_strict: f64,
    /// A video whose decoded frames are fewer than this share of the container's frame count is truncated.
    pub truncated_share: f64,
    /// Segmentation: residual flow (analysis px/frame) above this (plus 2 × the frame's median) is motion.
    pub seg_motion_px: f32,
    /// Segmentation: colour difference to the background plate (grey levels, max over channels) that is foreground.
    pub seg_plate_diff: f32,
    /// Segmentation: image structure (half Sobel |∂x| + |∂y|, grey levels) below which flow is not trusted.
    pub seg_texture: f64,
    /// Segmentation: smallest object, as a share of the frame area.
    pub seg_min_area_frac: f64,
    /// Segmentation: background plate learning rate.
    pub seg_plate_rate: f32,
    /// Tracking: motion gate radius in object sizes.
    pub track_gate: f64,
    /// Tracking: largest colour distance (BGR, grey levels) for re-identification by appearance.
    pub track_reid_colour: f64,
    /// Tracking: largest mean-colour change (BGR distance) between frames of one track.
    pub track_max_colour: f64,
    /// Tracking: frames a track may stay unseen before it ends.
    pub track_max_lost: usize,
    /// Tracking: share of moving pixels a new blob needs to start a track.
    pub track_min_moving: f64,
    /// Tracking: sightings a track needs to be reported.
    pub track_min_seen: usize,
    /// Tracking: frames before its birth in which a new track's first blob is looked for (0: off).
    pub track_backfill: usize,
    /// Findings scoring below this are not reported as events.
    pub event_min_score: f64,
    /// A family score at or above this flags the video.
    pub flag_threshold: f64,
}

impl Config {
    /// The smallest blob segmentation keeps in a `w` × `h` frame (px²): `seg_min_area_frac` of
    /// the frame, at least 20 px².
    pub fn min_blob_area(&self, w: f64, h: f64) -> f64 {
        (self.seg_min_area_frac * w * h).max(20.0)
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            analysis_width: 320,
            flow_preset: FlowPreset::Fast,
            fps_fallback: 25.0,
            image_fps: 25.0,
            fb_alpha: 0.01,
            fb_beta: 0.5,
            flow_stats_stride: 4,
            camera_grid: 8,
            camera_ransac_px: 1.0,
            camera_ransac_iters: 64,
            cut_occluded_frac: 0.8,
            cut_warp_ratio: 0.72,
            cut_min_diff: 15.0,
            cut_occluded_frac_loose: 0.6,
            cut_warp_ratio_strict: 0.85,
            truncated_share: 0.75,
            flag_threshold: 0.5,
            event_min_score: 0.3,
            seg_motion_px: 0.8,
            seg_plate_diff: 30.0,
            seg_texture: 24.0,
            seg_min_area_frac: 0.0008,
            seg_plate_rate: 0.1,
            track_gate: 1.5,
            track_reid_colour: 45.0,
            track_max_lost: 48,
            track_max_colour: 70.0,
            track_min_moving: 0.25,
            track_min_seen: 4,
            track_backfill: 12,
        }
    }
}
