//! Missing limbs: in articulated tracks, a lasting, abrupt change in the number of protrusions
//! with a moderate area change (a part lost or gained), not a whole-object morph.

use super::{steps, Check, Context, Finding};
use crate::config::Config;
use crate::tracks::Track;

/// The missing-limbs check.
pub struct MissingLimbs;

impl Check for MissingLimbs {
    fn family(&self) -> &'static str {
        "missing_limbs"
    }

    fn find(&self, tracks: &[Track], ctx: &Context, _cfg: &Config) -> Vec<Finding> {
        let mut out = Vec::new();
        for t in tracks {
            let cands = steps(t, tracks, ctx);
            let best = cands
                .iter()
                .filter(|st| {
                    st.articulated
                        && st.d_colour < 30.0
                        && st.d_area.abs() < 0.35
                        && !st.occlusion_like
                })
                .map(|st| {
                    (
                        (st.d_ext.abs() / 2.0 + st.d_area.abs() / (4.0 * st.noise[0] + 0.04))
                            * st.abrupt,
                        st,
                    )
                })
                .max_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((raw, st)) = best {
                let loss = st.d_area < 0.0 || (st.d_area.abs() < 0.02 && st.d_ext < 0.0);
                out.push(Finding {
                    family: "missing_limbs",
                    kind: if loss { "part_loss" } else { "part_gain" },
                    frame_start: st.frame,
                    frame_end: st.frame + 3,
                    track_id: t.id,
                    bbox: st.bbox,
                    raw,
                    score: 0.0,
                    detail: format!(
                        "track {} {} a part at frame {}: area ×{:.2}, protrusions {:+.1}",
                        t.id,
                        if loss { "loses" } else { "grows" },
                        st.frame,
                        st.d_area.exp(),
                        st.d_ext
                    ),
                });
            }
        }
        out
    }
}
