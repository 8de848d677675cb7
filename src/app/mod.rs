//! Commands: each file wires the stages together for one subcommand and owns its parallelism.

pub mod calibrate;
pub mod compare;
pub mod eval;
pub mod gate;
pub mod record;
pub mod scan;
pub mod synth;
