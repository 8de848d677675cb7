//! Command-line definitions (clap) and nothing else.

use crate::config::FlowPreset;
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
    /// Analysis width in px (frames are downscaled to it, aspect kept).
    #[arg(long, default_value_t = 320)]
    pub width: u32,
    /// Dense-flow preset.
    #[arg(long, value_enum, default_value_t = FlowPreset::Fast)]
    pub preset: FlowPreset,
    /// Frame rate: overrides the container's, and sets the rate of image sequences.
    #[arg(long)]
    pub fps: Option<f64>,
    /// No progress bar and no per-input error lines on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}
