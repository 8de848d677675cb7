//! Evidence pictures per video: a trajectory picture (each track's path over a representative
//! frame) and, per event, a before / during / after strip with the object's box drawn, so a person
//! can confirm or reject the event at a glance.

use super::charts::{png_on, FAMILY_COLOURS};
use super::{evidence_events, evidence_file, VideoExporter};
use crate::checks::FAMILIES;
use crate::error::{Error, Result};
use crate::results::{EventRow, Picture, TrackRow, VideoResult};
use plotters::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

/// Writes `trajectory.png` and one `event_NNN_kind.png` per event (up to [`super::MAX_EVIDENCE`]).
pub struct EvidenceExporter;

/// Frames shown before and after an event in its strip.
pub const CONTEXT_FRAMES: usize = 4;

/// The three frames of an event's strip: before, during, after (clamped to the video).
pub fn strip_frames(e: &EventRow, frames: usize) -> [usize; 3] {
    let last = frames.saturating_sub(1);
    [
        e.frame_start.saturating_sub(CONTEXT_FRAMES),
        e.frame_start.min(last),
        (e.frame_end + CONTEXT_FRAMES).min(last),
    ]
}

/// The frame a trajectory picture is drawn over: the one with the most visible tracks (earliest).
pub fn representative_frame(tracks: &[TrackRow]) -> Option<usize> {
    let mut count: BTreeMap<usize, usize> = BTreeMap::new();
    for t in tracks.iter().filter(|t| t.state == "visible") {
        *count.entry(t.frame).or_default() += 1;
    }
    let best = count.values().copied().max()?;
    count.into_iter().find(|(_, c)| *c == best).map(|(f, _)| f)
}

/// Every frame the evidence strips of a video need.
pub fn wanted_frames(events: &[EventRow], frames: usize) -> BTreeSet<usize> {
    evidence_events(events)
        .flat_map(|e| strip_frames(e, frames))
        .collect()
}

const TRACK_COLOURS: [RGBColor; 8] = [
    RGBColor(255, 215, 0),
    RGBColor(0, 255, 255),
    RGBColor(255, 0, 255),
    RGBColor(50, 205, 50),
    RGBColor(255, 140, 0),
    RGBColor(135, 206, 250),
    RGBColor(255, 105, 180),
    RGBColor(240, 240, 240),
];

fn track_colour(id: u32) -> RGBColor {
    TRACK_COLOURS[(id as usize).wrapping_sub(1) % TRACK_COLOURS.len()]
}

fn trajectory(v: &VideoResult, pic: &Picture) -> std::result::Result<Vec<u8>, String> {
    let s = pic.width as f64 / v.row.width.max(1) as f64;
    let mut paths: BTreeMap<u32, Vec<(i32, i32)>> = BTreeMap::new();
    for t in v.tracks.iter().filter(|t| t.state == "visible") {
        paths
            .entry(t.track_id)
            .or_default()
            .push(((t.cx * s).round() as i32, (t.cy * s).round() as i32));
    }
    let (w, h) = (pic.width, pic.height);
    png_on(pic.rgb.clone(), w, h, |root| {
        let e = |x: DrawingAreaErrorKind<_>| x.to_string();
        for (id, pts) in &paths {
            let c = track_colour(*id);
            root.draw(&PathElement::new(pts.clone(), c.stroke_width(2)))
                .map_err(e)?;
            if let (Some(first), Some(last)) = (pts.first(), pts.last()) {
                root.draw(&Circle::new(*first, 3, c.filled())).map_err(e)?;
                root.draw(&Text::new(
                    format!("#{id}"),
                    (last.0 + 4, last.1 - 6),
                    ("sans-serif", 14).into_font().color(&c),
                ))
                .map_err(e)?;
            }
        }
        root.draw(&Text::new(
            format!("tracks over frame {}", pic.frame),
            (6, 4),
            ("sans-serif", 14).into_font().color(&WHITE),
        ))
        .map_err(e)?;
        Ok(())
    })
}

/// Track boxes by (frame, track id), original px.
fn boxes(tracks: &[TrackRow]) -> BTreeMap<(usize, u32), [f64; 4]> {
    tracks
        .iter()
        .filter(|t| t.state == "visible")
        .map(|t| ((t.frame, t.track_id), [t.x, t.y, t.w, t.h]))
        .collect()
}

const CAPTION: u32 = 22;
const GAP: u32 = 4;

fn strip(
    v: &VideoResult,
    e: &EventRow,
    pics: &BTreeMap<usize, &Picture>,
    track_boxes: &BTreeMap<(usize, u32), [f64; 4]>,
) -> std::result::Result<Option<Vec<u8>>, String> {
    let idx = strip_frames(e, v.row.frames);
    let chosen: Vec<&Picture> = idx.iter().filter_map(|f| pics.get(f).copied()).collect();
    if chosen.len() != 3 {
        return Ok(None);
    }
    let (pw, ph) = (chosen[0].width, chosen[0].height);
    if chosen.iter().any(|p| p.width != pw || p.height != ph) {
        return Ok(None);
    }
    let (w, h) = (3 * pw + 2 * GAP, ph + CAPTION);
    let mut canvas = vec![32u8; (w * h * 3) as usize];
    for (k, p) in chosen.iter().enumerate() {
        let x0 = k as u32 * (pw + GAP);
        for row in 0..ph {
            let src = (row * pw * 3) as usize;
            let dst = (((row + CAPTION) * w + x0) * 3) as usize;
            canvas[dst..dst + (pw * 3) as usize]
                .copy_from_slice(&p.rgb[src..src + (pw * 3) as usize]);
        }
    }
    let s = pw as f64 / v.row.width.max(1) as f64;
    let fam = FAMILIES.iter().position(|f| *f == e.family).unwrap_or(0);
    let red = RGBColor(255, 40, 40);
    png_on(canvas, w, h, |root| {
        let err = |x: DrawingAreaErrorKind<_>| x.to_string();
        root.draw(&Text::new(
            format!(
                "#{} {} / {}  score {:.2}  track {}",
                e.event_id, e.family, e.kind, e.score, e.track_id
            ),
            (6, 3),
            ("sans-serif", 15)
                .into_font()
                .color(&FAMILY_COLOURS[fam].mix(1.0)),
        ))
        .map_err(err)?;
        for (k, (&f, label)) in idx.iter().zip(["before", "during", "after"]).enumerate() {
            let x0 = (k as u32 * (pw + GAP)) as i32;
            let y0 = CAPTION as i32;
            let bx = if k == 1 {
                Some([e.x, e.y, e.w, e.h])
            } else {
                track_boxes.get(&(f, e.track_id)).copied()
            };
            if let Some(b) = bx {
                let r = [
                    (
                        x0 + (b[0] * s).round() as i32,
                        y0 + (b[1] * s).round() as i32,
                    ),
                    (
                        x0 + ((b[0] + b[2]) * s).round() as i32,
                        y0 + ((b[1] + b[3]) * s).round() as i32,
                    ),
                ];
                let style = if k == 1 {
                    red.stroke_width(2)
                } else {
                    RGBColor(255, 215, 0).stroke_width(1)
                };
                root.draw(&Rectangle::new(r, style)).map_err(err)?;
            }
            // A dark plate under the label keeps it readable on bright frames.
            root.draw(&Rectangle::new(
                [(x0, y0), (x0 + 118, y0 + 18)],
                BLACK.mix(0.6).filled(),
            ))
            .map_err(err)?;
            root.draw(&Text::new(
                format!("{label}: frame {f}"),
                (x0 + 4, y0 + 3),
                ("sans-serif", 13).into_font().color(&WHITE),
            ))
            .map_err(err)?;
        }
        Ok(())
    })
    .map(Some)
}

impl VideoExporter for EvidenceExporter {
    fn render_video(&self, v: &VideoResult) -> Result<Vec<(String, Vec<u8>)>> {
        if v.pictures.is_empty() && v.backdrop.is_none() {
            return Ok(Vec::new());
        }
        let fail = |cause: String| Error::Output {
            path: format!("{} evidence", v.row.video).into(),
            cause,
        };
        let pics: BTreeMap<usize, &Picture> = v.pictures.iter().map(|p| (p.frame, p)).collect();
        let mut out = Vec::new();
        let at_rep = representative_frame(&v.tracks).and_then(|f| pics.get(&f).copied());
        if let Some(pic) = v.backdrop.as_ref().or(at_rep) {
            if !v.tracks.is_empty() {
                out.push(("trajectory.png".into(), trajectory(v, pic).map_err(fail)?));
            }
        }
        let track_boxes = boxes(&v.tracks);
        for e in evidence_events(&v.events) {
            if let Some(bytes) = strip(v, e, &pics, &track_boxes).map_err(fail)? {
                out.push((evidence_file(e), bytes));
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_frames_are_clamped_to_the_video() {
        let e = EventRow {
            frame_start: 2,
            frame_end: 45,
            ..Default::default()
        };
        assert_eq!(strip_frames(&e, 48), [0, 2, 47]);
    }

    #[test]
    fn representative_frame_has_most_visible_tracks() {
        let t = |frame, id, state: &str| TrackRow {
            frame,
            track_id: id,
            state: state.into(),
            ..Default::default()
        };
        let rows = vec![
            t(3, 1, "visible"),
            t(4, 1, "visible"),
            t(4, 2, "visible"),
            t(5, 1, "visible"),
            t(5, 2, "occluded"),
            t(6, 1, "visible"),
            t(6, 2, "visible"),
        ];
        assert_eq!(representative_frame(&rows), Some(4));
    }
}
