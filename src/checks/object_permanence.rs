//! Object permanence: tracks that end (vanish) or start (appear) abruptly, away from the frame
//! edge, with no other object over them and no scene cut.

use super::{median, overlaps_other, Check, Context, Finding};
use crate::config::Config;
use crate::tracks::{EndReason, Obs, Track};

/// The object-permanence check.
pub struct ObjectPermanence;

fn edge_dist(o: &Obs, ctx: &Context) -> f64 {
    let b = o.bbox;
    b[0].min(b[1])
        .min(ctx.size.0 - b[0] - b[2])
        .min(ctx.size.1 - b[1] - b[3])
        .max(0.0)
}

impl Check for ObjectPermanence {
    fn family(&self) -> &'static str {
        "object_permanence"
    }

    fn find(&self, tracks: &[Track], ctx: &Context, cfg: &Config) -> Vec<Finding> {
        let mut out = Vec::new();
        for t in tracks {
            let vis: Vec<&Obs> = t.visible().collect();
            if vis.len() < cfg.track_min_seen + 1 {
                continue;
            }
            let s = median(&vis.iter().map(|o| o.area).collect::<Vec<_>>())
                .sqrt()
                .max(4.0);
            let score = |o: &Obs, ref_area: f64| {
                let abrupt = o.area / ref_area.max(1.0);
                abrupt.min(1.5)
                    * (vis.len().min(20) as f64 / 10.0)
                    * (edge_dist(o, ctx) / s).min(2.0)
            };
            if t.end == EndReason::Lost {
                let last = *vis.last().unwrap();
                let prev: Vec<f64> = vis.iter().rev().skip(1).take(5).map(|o| o.area).collect();
                let m = median(&prev);
                if !last.at_edge
                    && !ctx.near_cut(last.frame + 1, 2)
                    && last.area >= 0.6 * m
                    && !overlaps_other(tracks, t.id, last.frame, last.bbox)
                    && !overlaps_other(tracks, t.id, last.frame + 1, last.bbox)
                {
                    out.push(Finding {
                        family: "object_permanence",
                        kind: "vanish",
                        frame_start: last.frame + 1,
                        frame_end: last.frame + 1,
                        track_id: t.id,
                        bbox: last.bbox,
                        raw: score(last, m),
                        score: 0.0,
                        detail: format!("track {} ({:.0} px², {:.0} px from the edge) disappears after frame {} with no occluder and no cut", t.id, last.area, edge_dist(last, ctx), last.frame),
                    });
                }
            }
            let first = vis[0];
            let next: Vec<f64> = vis.iter().skip(1).take(5).map(|o| o.area).collect();
            let m = median(&next);
            let born_late = first.frame > 2 && t.obs[0].frame == first.frame;
            if born_late
                && !first.at_edge
                && !ctx.near_cut(first.frame, 2)
                && first.area >= 0.6 * m
                && !overlaps_other(tracks, t.id, first.frame, first.bbox)
                && !overlaps_other(tracks, t.id, first.frame - 1, first.bbox)
            {
                out.push(Finding {
                    family: "object_permanence",
                    kind: "appear",
                    frame_start: first.frame,
                    frame_end: first.frame,
                    track_id: t.id,
                    bbox: first.bbox,
                    raw: score(first, m),
                    score: 0.0,
                    detail: format!("track {} ({:.0} px², {:.0} px from the edge) appears at frame {} out of nothing, no occluder, no cut", t.id, first.area, edge_dist(first, ctx), first.frame),
                });
            }
        }
        out
    }
}
