//! Object permanence: tracks that end (vanish) or start (appear) abruptly, away from the frame
//! edge, with no other object over them and no scene cut.

use super::{grown, median, overlaps_other, Check, Context, Finding};
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

/// Frames a track must stay unseen before the video ends for its loss to count as a vanish.
pub const VANISH_CONFIRM: usize = 5;

/// Tracks whose typical area is under this many times the smallest segmented blob are not judged.
pub const SMALLEST: f64 = 2.5;

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
            let typical_area = median(&vis.iter().map(|o| o.area).collect::<Vec<_>>());
            // Blobs barely above the segmentation floor (grain, flicker) come and go by noise.
            let floor = cfg.min_blob_area(ctx.size.0, ctx.size.1);
            if typical_area < SMALLEST * floor {
                continue;
            }
            let s = typical_area.sqrt().max(4.0);
            let score = |o: &Obs, ref_area: f64| {
                let abrupt = o.area / ref_area.max(1.0);
                abrupt.min(1.5)
                    * (vis.len().min(20) as f64 / 10.0)
                    * (edge_dist(o, ctx) / s).min(2.0)
            };
            let last = *vis.last().unwrap();
            // The tracker calls a track that was lost and then coasted out of the frame exited.
            // Seen last whole and further from the edge than it moves in a frame, it did not go
            // out through the edge: it was gone before it got there.
            let speed = (last.v[0] * last.v[0] + last.v[1] * last.v[1]).sqrt();
            let left_unseen = t.end == EndReason::Exited
                && !super::near_edge(last, ctx)
                && edge_dist(last, ctx) > speed + 2.0;
            if t.end == EndReason::Lost || left_unseen {
                let prev: Vec<f64> = vis.iter().rev().skip(1).take(5).map(|o| o.area).collect();
                let m = median(&prev);
                // Lost in the last few frames of the video is too late to tell.
                let confirmed = last.frame + VANISH_CONFIRM < ctx.frames;
                if confirmed
                    && !last.at_edge
                    && !ctx.near_cut_before(last.frame + 1, super::CUT_SETTLE)
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
            // The video's start is judged like a cut's aftermath: objects standing still from the
            // first frame are found only as they start to move or the plate is learnt around them.
            // Nor is a blob under which the image did not change when it was first found.
            let born_late = first.frame >= super::CUT_SETTLE
                && t.obs[0].frame == first.frame
                && !t.faint_birth
                && t.popped != Some(false);
            if born_late
                && !first.at_edge
                && !ctx.near_cut_before(first.frame, super::CUT_SETTLE)
                && first.area >= 0.6 * m
                // Beside another object at birth (within a quarter of its size), it is more
                // likely a piece split off that object than a newcomer.
                && !overlaps_other(tracks, t.id, first.frame, grown(first.bbox, 0.25))
                && !overlaps_other(tracks, t.id, first.frame - 1, grown(first.bbox, 0.25))
                // A fragment that another track swallows next frame did not appear: it split off.
                && !overlaps_other(tracks, t.id, first.frame + 1, first.bbox)
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

#[cfg(test)]
mod tests {
    use super::super::testkit::*;
    use super::*;

    fn walk(frames: std::ops::Range<usize>, x0: f64) -> Vec<Obs> {
        frames
            .map(|f| obs(f, x0 + 2.0 * f as f64, 120.0, 24.0, [0.0, 200.0, 0.0]))
            .collect()
    }

    /// A speck barely above the segmentation floor (film grain) that disappears is not judged.
    #[test]
    fn a_speck_that_vanishes_is_not_reported() {
        let speck: Vec<Obs> = (0..30)
            .map(|f| obs(f, 60.0 + 2.0 * f as f64, 120.0, 10.0, [0.0, 200.0, 0.0]))
            .collect();
        let gone = track(1, speck, EndReason::Lost);
        assert!(ObjectPermanence
            .find(&[gone], &ctx(60), &Config::default())
            .is_empty());
    }

    #[test]
    fn vanishing_mid_frame_is_caught_and_leaving_through_the_edge_is_not() {
        let gone = track(1, walk(0..30, 60.0), EndReason::Lost);
        let f = ObjectPermanence.find(&[gone], &ctx(60), &Config::default());
        assert!(
            f.iter().any(|f| f.kind == "vanish" && f.frame_start == 30),
            "{f:?}"
        );
        let mut o = walk(0..30, 60.0);
        o.last_mut().unwrap().at_edge = true;
        let exited = track(1, o, EndReason::Lost);
        assert!(ObjectPermanence
            .find(&[exited], &ctx(60), &Config::default())
            .is_empty());
    }

    /// Lost two frames before the video ends: too late to tell a vanish from a missed detection.
    #[test]
    fn a_track_lost_at_the_very_end_did_not_vanish() {
        let gone = track(1, walk(0..30, 60.0), EndReason::Lost);
        let f = ObjectPermanence.find(&[gone], &ctx(32), &Config::default());
        assert!(f.iter().all(|f| f.kind != "vanish"), "{f:?}");
    }

    #[test]
    fn appearing_mid_frame_is_caught_but_not_at_a_cut_or_emerging_gradually() {
        let born = track(1, walk(20..50, 40.0), EndReason::VideoEnd);
        let f = ObjectPermanence.find(std::slice::from_ref(&born), &ctx(60), &Config::default());
        assert!(
            f.iter().any(|f| f.kind == "appear" && f.frame_start == 20),
            "{f:?}"
        );
        let mut c = ctx(60);
        c.cut[20] = true;
        assert!(ObjectPermanence
            .find(&[born], &c, &Config::default())
            .is_empty());
        let mut grow = walk(20..50, 40.0);
        for (i, o) in grow.iter_mut().take(5).enumerate() {
            o.area *= (i as f64 + 1.0) / 8.0;
        }
        assert!(ObjectPermanence
            .find(
                &[track(1, grow, EndReason::VideoEnd)],
                &ctx(60),
                &Config::default()
            )
            .is_empty());
    }

    /// A track first seen as a faint blob rose out of the noise: its first sighting is not when
    /// it came into view.
    #[test]
    fn a_track_born_faint_did_not_appear() {
        let mut born = track(1, walk(20..50, 40.0), EndReason::VideoEnd);
        born.faint_birth = true;
        let f = ObjectPermanence.find(&[born], &ctx(60), &Config::default());
        assert!(f.iter().all(|f| f.kind != "appear"), "{f:?}");
    }

    /// A track the tracker called exited because its coasting prediction left the frame, but
    /// whose last sighting was whole and far from the edge, vanished; one last seen at the edge
    /// went out through it.
    #[test]
    fn a_track_lost_far_from_the_edge_vanished_even_if_its_prediction_left_the_frame() {
        let far = track(1, walk(0..30, 60.0), EndReason::Exited);
        let f = ObjectPermanence.find(&[far], &ctx(60), &Config::default());
        assert!(
            f.iter().any(|f| f.kind == "vanish" && f.frame_start == 30),
            "{f:?}"
        );
        // Last seen with its box 2 px from the right edge (x = 320).
        let near = track(1, walk(0..30, 248.0), EndReason::Exited);
        let f = ObjectPermanence.find(&[near], &ctx(60), &Config::default());
        assert!(f.iter().all(|f| f.kind != "vanish"), "{f:?}");
    }

    /// An object first found in the first frames of the video (or of a shot) was most likely
    /// there from the start: the segmentation needs those frames to find still objects.
    #[test]
    fn an_object_found_in_the_first_frames_did_not_appear() {
        let early = track(1, walk(8..50, 40.0), EndReason::VideoEnd);
        let f = ObjectPermanence.find(&[early], &ctx(60), &Config::default());
        assert!(f.iter().all(|f| f.kind != "appear"), "{f:?}");
        let later = track(1, walk(12..50, 40.0), EndReason::VideoEnd);
        let f = ObjectPermanence.find(&[later], &ctx(60), &Config::default());
        assert!(f.iter().any(|f| f.kind == "appear"), "{f:?}");
    }

    /// A blob under which the image did not change when it was first found (a slow object the
    /// segmentation picks up late) did not appear; one that popped into view did.
    #[test]
    fn only_a_blob_that_changed_the_image_appeared() {
        let mut found_late = track(1, walk(20..50, 40.0), EndReason::VideoEnd);
        found_late.popped = Some(false);
        let f = ObjectPermanence.find(&[found_late.clone()], &ctx(60), &Config::default());
        assert!(f.iter().all(|f| f.kind != "appear"), "{f:?}");
        found_late.popped = Some(true);
        let f = ObjectPermanence.find(&[found_late], &ctx(60), &Config::default());
        assert!(f.iter().any(|f| f.kind == "appear"), "{f:?}");
    }

    /// A blob born right beside another object (a few px from its box) is more likely a piece
    /// of it than a newcomer; one born well clear of it appeared.
    #[test]
    fn a_blob_born_beside_another_object_did_not_appear() {
        let other = |gap: f64| {
            // 24 px boxes: the newcomer's centre runs at 40 + 2f, so at frame 20 its box ends at
            // x = 92; the other object's box starts `gap` px further right.
            let o = (0..50)
                .map(|f| {
                    obs(
                        f,
                        92.0 + gap + 12.0 + 2.0 * f as f64 - 40.0,
                        120.0,
                        24.0,
                        [200.0, 0.0, 0.0],
                    )
                })
                .collect();
            track(2, o, EndReason::VideoEnd)
        };
        let born = track(1, walk(20..50, 40.0), EndReason::VideoEnd);
        let near = ObjectPermanence.find(&[born.clone(), other(4.0)], &ctx(60), &Config::default());
        assert!(near.iter().all(|f| f.kind != "appear"), "{near:?}");
        let far = ObjectPermanence.find(&[born, other(40.0)], &ctx(60), &Config::default());
        assert!(
            far.iter().any(|f| f.kind == "appear" && f.track_id == 1),
            "{far:?}"
        );
    }

    /// A fragment born at frame 20 beside a body whose box grows over it from frame 21 on split
    /// off that object; it did not appear out of nothing.
    #[test]
    fn a_fragment_swallowed_next_frame_did_not_appear() {
        let fragment = track(2, walk(20..50, 40.0), EndReason::VideoEnd);
        let body: Vec<Obs> = (0..50)
            .map(|f| {
                let mut o = obs(f, 2.0 * f as f64 + 120.0, 120.0, 24.0, [0.0, 200.0, 0.0]);
                if f >= 21 {
                    o.bbox = [o.cx - 90.0, 90.0, 110.0, 60.0];
                }
                o
            })
            .collect();
        let body = track(1, body, EndReason::VideoEnd);
        let alone = ObjectPermanence.find(
            std::slice::from_ref(&fragment),
            &ctx(60),
            &Config::default(),
        );
        assert!(alone.iter().any(|f| f.kind == "appear"), "{alone:?}");
        let f = ObjectPermanence.find(&[body, fragment], &ctx(60), &Config::default());
        assert!(f.iter().all(|f| f.kind != "appear"), "{f:?}");
    }
}
