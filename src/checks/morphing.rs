//! Morphing: abrupt, lasting steps in a track's size (zoom-corrected), colour or aspect that its
//! motion does not explain.

use super::{steps, Check, Context, Finding};
use crate::config::Config;
use crate::tracks::Track;

/// The morphing check.
pub struct Morphing;

impl Check for Morphing {
    fn family(&self) -> &'static str {
        "morphing"
    }

    fn find(&self, tracks: &[Track], ctx: &Context, _cfg: &Config) -> Vec<Finding> {
        let mut out = Vec::new();
        for t in tracks {
            let cands = steps(t, tracks, ctx);
            let best = cands
                .iter()
                .map(|st| {
                    (
                        (st.d_area.abs() / 0.3)
                            .max(st.d_colour / 40.0)
                            .max(st.d_aspect.abs() / 0.3)
                            * st.abrupt,
                        st,
                    )
                })
                .max_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((raw, st)) = best {
                out.push(Finding {
                    family: "morphing",
                    kind: "morph",
                    frame_start: st.frame,
                    frame_end: st.frame + 3,
                    track_id: t.id,
                    bbox: st.bbox,
                    raw,
                    score: 0.0,
                    detail: format!("track {} changes at frame {}: size ×{:.2}, colour shift {:.0}, aspect ×{:.2}, unexplained by its motion or the camera", t.id, st.frame, st.d_area.exp(), st.d_colour, st.d_aspect.exp()),
                });
            }
        }
        out
    }
}
