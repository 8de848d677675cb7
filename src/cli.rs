//! Command-line definitions (clap) and nothing else.

use crate::config::{Config, FlowPreset};
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// physlint: audits AI-generated video for physics artifacts, on the CPU.
#[derive(Debug, Parser)]
#[command(name = "physlint", version, about)]
pub struct Cli {
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Analyse videos and write videos.csv, frames.csv, events.csv, tracks.csv, run.json.
    /// Exit status: 0 every input analysed, 2 any input failed.
    Scan(ScanArgs),
    /// Render labelled synthetic clips (H.264 MP4) with labels.csv and objects.csv.
    Synth(SynthArgs),
    /// Score a scan against synth labels: eval.csv, eval.md, eval.png. Exit 1 when a family's AUC < --min-auc.
    Eval(EvalArgs),
    /// CI gate: scan (or read --scan), apply physlint.toml thresholds and an optional baseline.
    /// Exit status: 0 pass, 1 thresholds or regression exceeded, 2 input or runtime errors.
    Gate(GateArgs),
    /// Compare scans of several models or releases: per-family means and flagged shares with
    /// bootstrap CIs, paired differences against the first; compare.csv, compare.md, charts.
    Compare(CompareArgs),
    /// Learn score references from clean footage (real clips, clean synth clips) into a calibration file.
    Calibrate(CalibrateArgs),
}

/// `physlint compare` arguments.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Scan folders; the first is the reference.
    #[arg(required = true, num_args = 2..)]
    pub scans: Vec<PathBuf>,
    /// A name per scan folder (default: the folder names).
    #[arg(long, num_args = 1..)]
    pub labels: Vec<String>,
    /// Where to write compare.csv, compare.md and the charts.
    #[arg(long, short, default_value = "physlint-compare")]
    pub out: PathBuf,
}

/// `physlint gate` arguments.
#[derive(Debug, Args)]
pub struct GateArgs {
    /// Videos or folders to scan (omit with --scan).
    pub paths: Vec<PathBuf>,
    /// Judge an existing scan folder instead of scanning.
    #[arg(long, conflicts_with = "paths")]
    pub scan: Option<PathBuf>,
    /// Output folder: the scan's tables and gate.md.
    #[arg(long, short, default_value = "physlint-gate")]
    pub out: PathBuf,
    /// Threshold file (default: ./physlint.toml when present, else built-in defaults).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Write a JUnit XML report here.
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// Scan folder of the previous release on the same prompts: fail on a significant regression.
    #[arg(long)]
    pub baseline: Option<PathBuf>,
    /// Videos analysed in parallel (default: all cores).
    #[arg(long, short, default_value_t = 0)]
    pub jobs: usize,
    /// No progress bar and no per-input error lines on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// Give up on a video after this many seconds (it gets an error row; the batch goes on).
    #[arg(long, value_name = "SECONDS")]
    pub timeout_per_video: Option<f64>,
}

/// The analysis settings scan and calibrate share (a calibration holds for the settings it was made with).
#[derive(Debug, Args)]
pub struct AnalysisArgs {
    /// Analysis size in px: each frame's longer side (a landscape video's width, a portrait one's
    /// height) is downscaled to it, aspect kept.
    #[arg(long, default_value_t = Config::default().analysis_width)]
    pub width: u32,
    /// Dense-flow preset.
    #[arg(long, value_enum, default_value_t = Config::default().flow_preset)]
    pub preset: FlowPreset,
}

impl AnalysisArgs {
    /// The default configuration with these settings.
    pub fn config(&self) -> Config {
        Config {
            analysis_width: self.width.max(16),
            flow_preset: self.preset,
            ..Config::default()
        }
    }
}

/// `physlint calibrate` arguments.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// Clean inputs: files or folders.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Synth labels: clips labelled artifact are skipped.
    #[arg(long)]
    pub labels: Option<PathBuf>,
    /// Where to write the calibration JSON.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Videos analysed in parallel.
    #[arg(long, short, default_value_t = 0)]
    pub jobs: usize,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
}

/// `physlint eval` arguments.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Scan output folder (videos.csv, events.csv).
    #[arg(long)]
    pub scan: PathBuf,
    /// labels.csv written by `physlint synth`.
    #[arg(long)]
    pub labels: PathBuf,
    /// Where to write eval.csv, eval.md, eval.png (default: the scan folder).
    #[arg(long, short)]
    pub out: Option<PathBuf>,
    /// Fail (exit 1) when any family's ROC-AUC is below this.
    #[arg(long)]
    pub min_auc: Option<f64>,
}

/// `physlint synth` arguments. Flags override the suite file (default: datasets/synth_suite.json values).
#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Output folder.
    #[arg(long, short)]
    pub out: PathBuf,
    /// Suite description (JSON); flags below override its fields.
    #[arg(long)]
    pub suite: Option<PathBuf>,
    /// Number of clips.
    #[arg(long)]
    pub count: Option<usize>,
    /// Seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Frames per clip (one number, or MIN-MAX).
    #[arg(long)]
    pub frames: Option<String>,
    /// Frame size WxH (all clips).
    #[arg(long)]
    pub size: Option<String>,
    /// Frame rate.
    #[arg(long)]
    pub fps: Option<f64>,
    /// A video whose frames are used as backgrounds.
    #[arg(long)]
    pub background: Option<PathBuf>,
    /// Render only these clips of the suite, by index (e.g. `80,208` or `0-16`), each exactly as
    /// in the whole suite.
    #[arg(long)]
    pub clips: Option<String>,
}

/// `physlint scan` arguments.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Video files, folders (searched recursively) or folders of numbered images.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output folder (created if missing).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Videos analysed in parallel (default: all cores).
    #[arg(long, short, default_value_t = 0)]
    pub jobs: usize,
    #[command(flatten)]
    pub analysis: AnalysisArgs,
    /// Frame rate: overrides the container's, and sets the rate of image sequences.
    #[arg(long)]
    pub fps: Option<f64>,
    /// No progress bar and no per-input error lines on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// Calibration file (default: the built-in datasets/calibration.json).
    #[arg(long)]
    pub calibration: Option<PathBuf>,
    /// Tables only: no charts, evidence pictures or report.html.
    #[arg(long)]
    pub no_report: bool,
    /// Give up on a video after this many seconds (it gets an error row; the batch goes on).
    #[arg(long, value_name = "SECONDS")]
    pub timeout_per_video: Option<f64>,
    /// Reuse the videos an interrupted or earlier run into --out finished with the same settings.
    #[arg(long)]
    pub resume: bool,
}
