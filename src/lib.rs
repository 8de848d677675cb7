//! physlint: audits video, above all the output of text-to-video models, for physics artifacts.
//!
//! Data flows one way through the stages, each a module that never imports a later one:
//! [`video`] (decode) → [`flow`] (dense flow, camera motion, cuts) → [`tracks`] (objects) →
//! [`checks`] (artifact families) → [`report`] (files). [`app`] wires the stages into commands;
//! [`synth`] renders labelled clips and [`eval`] measures accuracy against their labels.

pub mod app;
pub mod checks;
pub mod cli;
pub mod config;
pub mod error;
pub mod eval;
pub mod flow;
pub mod gate;
#[cfg(test)]
mod proptests;
pub mod report;
pub mod results;
pub mod stats;
pub mod synth;
pub mod tracks;
pub mod video;

/// Schema version of every table and of run.json; bumped on any breaking change of a column.
pub const SCHEMA_VERSION: u32 = 2;
