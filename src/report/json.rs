//! run.json (version, schema, configuration, inputs, timings) and events.jsonl for programs.

use super::Exporter;
use crate::error::{Error, Result};
use crate::results::ScanResults;

/// Writes run.json and events.jsonl.
pub struct JsonExporter;

impl Exporter for JsonExporter {
    fn render(&self, results: &ScanResults) -> Result<Vec<(String, Vec<u8>)>> {
        let fail = |e: serde_json::Error| Error::Output {
            path: "run.json".into(),
            cause: e.to_string(),
        };
        let mut run = serde_json::to_vec_pretty(&results.run).map_err(fail)?;
        run.push(b'\n');
        let mut events = Vec::new();
        for e in results.videos.iter().flat_map(|v| &v.events) {
            serde_json::to_writer(&mut events, e).map_err(fail)?;
            events.push(b'\n');
        }
        Ok(vec![
            ("run.json".into(), run),
            ("events.jsonl".into(), events),
        ])
    }
}
