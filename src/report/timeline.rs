//! Timeline chart per video (PNG and SVG): the four family scores over the frames, the events as
//! bands in their family's colour, and scene cuts as grey lines.

use super::charts::{png, svg, FAMILY_COLOURS};
use super::VideoExporter;
use crate::checks::FAMILIES;
use crate::error::{Error, Result};
use crate::results::{FrameRow, VideoResult};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Writes `timeline.png` and `timeline.svg` for every analysed video.
pub struct TimelineExporter;

const SIZE: (u32, u32) = (900, 320);

fn family_value(r: &FrameRow, i: usize) -> f64 {
    [
        r.morphing,
        r.missing_limbs,
        r.implausible_motion,
        r.object_permanence,
    ][i]
}

/// Draws the timeline of one video on any plotters backend.
pub fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    v: &VideoResult,
) -> std::result::Result<(), String> {
    let e = |x: DrawingAreaErrorKind<DB::ErrorType>| x.to_string();
    let n = v.row.frames.max(2) as f64;
    let title = std::path::Path::new(&v.row.video)
        .file_name()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_default();
    let mut chart = ChartBuilder::on(root)
        .caption(
            format!("{title}: family scores per frame"),
            ("sans-serif", 18),
        )
        .margin(10)
        .x_label_area_size(34)
        .y_label_area_size(44)
        .build_cartesian_2d(0.0..n, 0.0..1.05)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("frame")
        .y_desc("score")
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(e)?;
    for r in v.frames.iter().filter(|r| r.scene_cut) {
        let x = r.frame as f64;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(x, 0.0), (x, 1.05)],
                RGBColor(120, 120, 120).stroke_width(2),
            )))
            .map_err(e)?;
    }
    for ev in &v.events {
        let i = FAMILIES.iter().position(|f| *f == ev.family).unwrap_or(0);
        let c = FAMILY_COLOURS[i];
        let (x0, x1) = (ev.frame_start as f64 - 0.5, ev.frame_end as f64 + 0.5);
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(x0, 0.0), (x1, ev.score)],
                c.mix(0.18).filled(),
            )))
            .map_err(e)?;
        chart
            .draw_series(std::iter::once(TriangleMarker::new(
                (ev.frame_start as f64, 1.0),
                6,
                c.filled(),
            )))
            .map_err(e)?;
    }
    for (i, fam) in FAMILIES.iter().enumerate() {
        let c = FAMILY_COLOURS[i];
        chart
            .draw_series(LineSeries::new(
                v.frames
                    .iter()
                    .map(|r| (r.frame as f64, family_value(r, i))),
                c.stroke_width(2),
            ))
            .map_err(e)?
            .label(*fam)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2)));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperLeft)
        .draw()
        .map_err(e)?;
    Ok(())
}

impl VideoExporter for TimelineExporter {
    fn render_video(&self, v: &VideoResult) -> Result<Vec<(String, Vec<u8>)>> {
        if v.frames.is_empty() {
            return Ok(Vec::new());
        }
        let fail = |cause: String| Error::Output {
            path: format!("{} timeline", v.row.video).into(),
            cause,
        };
        let p = png(SIZE.0, SIZE.1, |root| {
            root.fill(&WHITE).map_err(|e| e.to_string())?;
            draw(root, v)
        })
        .map_err(fail)?;
        let s = svg(SIZE.0, SIZE.1, |root| draw(root, v)).map_err(fail)?;
        Ok(vec![("timeline.png".into(), p), ("timeline.svg".into(), s)])
    }
}
