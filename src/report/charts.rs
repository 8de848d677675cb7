//! Charts (plotters): grouped bar charts of per-category numbers, and the helpers every chart
//! and picture uses to render into memory as PNG or SVG (then written atomically).

use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// Colours of the four families, in [`crate::checks::FAMILIES`] order.
pub const FAMILY_COLOURS: [RGBColor; 4] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
];

/// Encodes an RGB buffer as PNG.
pub fn encode_png(rgb: &[u8], w: u32, h: u32) -> std::result::Result<Vec<u8>, String> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(rgb, w, h, image::ColorType::Rgb8)
        .map_err(|e| e.to_string())?;
    Ok(out)
}

/// Draws onto `rgb` (w × h × 3, pre-filled: a picture or blank) and returns PNG bytes.
pub fn png_on<F>(mut rgb: Vec<u8>, w: u32, h: u32, draw: F) -> std::result::Result<Vec<u8>, String>
where
    F: FnOnce(&DrawingArea<BitMapBackend, Shift>) -> std::result::Result<(), String>,
{
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        draw(&root)?;
        root.present().map_err(|e| e.to_string())?;
    }
    encode_png(&rgb, w, h)
}

/// Draws a chart on a white w × h canvas and returns PNG bytes.
pub fn png<F>(w: u32, h: u32, draw: F) -> std::result::Result<Vec<u8>, String>
where
    F: FnOnce(&DrawingArea<BitMapBackend, Shift>) -> std::result::Result<(), String>,
{
    png_on(vec![255u8; (w * h * 3) as usize], w, h, draw)
}

/// Draws a chart on a w × h SVG canvas and returns the SVG text.
pub fn svg<F>(w: u32, h: u32, draw: F) -> std::result::Result<Vec<u8>, String>
where
    F: FnOnce(&DrawingArea<SVGBackend, Shift>) -> std::result::Result<(), String>,
{
    let mut text = String::new();
    {
        let root = SVGBackend::with_string(&mut text, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        draw(&root)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(text.into_bytes())
}

/// Draws a grouped bar chart: one group per category, one bar per series, values in [0, 1].
pub fn grouped_bars(
    path: &Path,
    title: &str,
    categories: &[String],
    series: &[(&str, Vec<f64>)],
) -> Result<()> {
    let fail = |e: String| Error::Output {
        path: path.to_path_buf(),
        cause: e,
    };
    let root = BitMapBackend::new(path, (900, 480)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
    let n = categories.len().max(1);
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(40)
        .y_label_area_size(48)
        .build_cartesian_2d(0.0..n as f64, 0.0..1.05)
        .map_err(|e| fail(e.to_string()))?;
    let cats = categories.to_vec();
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n * 2 + 1)
        .x_label_formatter(&|x| {
            let i = x.floor() as usize;
            if (x - i as f64 - 0.5).abs() < 0.01 && i < cats.len() {
                cats[i].clone()
            } else {
                String::new()
            }
        })
        .y_desc("value")
        .draw()
        .map_err(|e| fail(e.to_string()))?;
    let palette = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
    ];
    let k = series.len().max(1) as f64;
    for (si, (name, vals)) in series.iter().enumerate() {
        let c = palette[si % palette.len()];
        chart
            .draw_series(vals.iter().enumerate().map(|(i, &v)| {
                let x0 = i as f64 + 0.1 + 0.8 * si as f64 / k;
                Rectangle::new([(x0, 0.0), (x0 + 0.8 / k, v.clamp(0.0, 1.05))], c.filled())
            }))
            .map_err(|e| fail(e.to_string()))?
            .label(*name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], c.filled()));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(|e| fail(e.to_string()))?;
    root.present().map_err(|e| fail(e.to_string()))?;
    Ok(())
}
