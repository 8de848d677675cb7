//! Video stage: finds inputs and decodes them into a stream of analysis-size frames.
//!
//! Takes paths (files, folders, folders of numbered images); gives [`Input`]s and, per input, a
//! [`VideoInfo`] plus frames ([`Frame`]: index, timestamp, BGR and grey at analysis size) sent one
//! at a time from a decoder thread over a bounded channel, so a video is never held in memory.
//! It knows nothing of flow, tracks or checks.

mod decode;
mod discover;

pub use decode::{open, open_some, Frame, FrameStream, Keep, VideoInfo};
pub use discover::{discover, Input, InputKind};
