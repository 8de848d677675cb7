//! Library error type: every variant names the file it concerns.

use std::path::PathBuf;

/// An error that stops the analysis of one input (the batch goes on).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input could not be opened or decoded as a video.
    #[error("{path}: {cause}")]
    Input {
        /// The input as given.
        path: PathBuf,
        /// One-line cause.
        cause: String,
    },
    /// An output file could not be written.
    #[error("{path}: cannot write: {cause}")]
    Output {
        /// The output file.
        path: PathBuf,
        /// One-line cause.
        cause: String,
    },
    /// OpenCV failed inside a stage.
    #[error("opencv: {0}")]
    OpenCv(#[from] opencv::Error),
}

impl Error {
    /// An input error with a one-line cause.
    pub fn input(path: impl Into<PathBuf>, cause: impl std::fmt::Display) -> Self {
        Error::Input {
            path: path.into(),
            cause: one_line(&cause.to_string()),
        }
    }
}

/// Library result.
pub type Result<T> = std::result::Result<T, Error>;

/// Collapses a possibly multi-line message into one trimmed line.
pub fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
