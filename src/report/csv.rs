//! CSV tables: videos.csv, frames.csv, events.csv, tracks.csv (columns documented in README).

use super::Exporter;
use crate::error::{Error, Result};
use crate::results::{EventRow, FrameRow, ScanResults, TrackRow, VideoRow};
use serde::Serialize;

/// Writes the four CSV tables.
pub struct CsvExporter;

fn fail(e: impl std::fmt::Display) -> Error {
    Error::Output {
        path: "csv".into(),
        cause: e.to_string(),
    }
}

/// Serialises rows to CSV bytes, always with a header line (also when there are no rows).
pub fn to_csv<'a, T: Serialize + Default + 'a>(
    rows: impl IntoIterator<Item = &'a T>,
) -> Result<Vec<u8>> {
    let mut head = csv::Writer::from_writer(Vec::new());
    head.serialize(T::default()).map_err(fail)?;
    let head = head.into_inner().map_err(fail)?;
    let first_line = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let mut out = first_line.to_vec();
    out.push(b'\n');
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(out);
    for r in rows {
        w.serialize(r).map_err(fail)?;
    }
    w.into_inner().map_err(fail)
}

impl Exporter for CsvExporter {
    fn render(&self, results: &ScanResults) -> Result<Vec<(String, Vec<u8>)>> {
        let v = &results.videos;
        Ok(vec![
            (
                "videos.csv".into(),
                to_csv::<VideoRow>(v.iter().map(|r| &r.row))?,
            ),
            (
                "frames.csv".into(),
                to_csv::<FrameRow>(v.iter().flat_map(|r| &r.frames))?,
            ),
            (
                "events.csv".into(),
                to_csv::<EventRow>(v.iter().flat_map(|r| &r.events))?,
            ),
            (
                "tracks.csv".into(),
                to_csv::<TrackRow>(v.iter().flat_map(|r| &r.tracks))?,
            ),
        ])
    }
}
