//! Missing limbs: in articulated tracks, a lasting, abrupt change in the number of protrusions,
//! the area and the box height (a part lost or gained) with a moderate area change, not a
//! whole-object morph.

use super::{steps, Check, Context, Finding};
use crate::config::Config;
use crate::tracks::Track;

/// Weight of the box-height step against the area and protrusion steps.
const HEIGHT_WEIGHT: f64 = 0.5;

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
                    let size = (st.d_ext.abs() / 2.0
                        + st.d_area.abs() / (4.0 * st.noise[0] + 0.04))
                        * st.abrupt;
                    let height = HEIGHT_WEIGHT * st.rel_height;
                    // The cue carrying the finding says whether a part went or came.
                    let loss = if height > size {
                        st.d_height < 0.0
                    } else {
                        st.d_area < 0.0 || (st.d_area.abs() < 0.02 && st.d_ext < 0.0)
                    };
                    (size + height, loss, st)
                })
                .max_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((raw, loss, st)) = best {
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
                        "track {} {} a part at frame {}: area ×{:.2}, height ×{:.2}, protrusions {:+.1}",
                        t.id,
                        if loss { "loses" } else { "grows" },
                        st.frame,
                        st.d_area.exp(),
                        st.d_height.exp(),
                        st.d_ext
                    ),
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
    use crate::tracks::EndReason;

    /// A four-legged walker whose box width and area swing with its gait
    /// (period 20 frames) while its height holds; with `spike`, a part sticks up out of its back
    /// from frame 30 on (the box 15% taller, the area 5% larger, one protrusion more).
    fn walker(spike: bool) -> Track {
        let o = (0..60)
            .map(|f| {
                let phase = (f as f64 * std::f64::consts::TAU / 20.0).sin();
                let grown = spike && f >= 30;
                let w = 60.0 + 6.0 * phase;
                let h = if grown { 46.0 } else { 40.0 } + if f % 2 == 0 { 0.5 } else { 0.0 };
                let mut ob = obs(f, 60.0 + 1.5 * f as f64, 120.0, 40.0, [40.0, 40.0, 200.0]);
                ob.bbox = [ob.cx - w / 2.0, 140.0 - h, w, h];
                ob.area = 0.5 * w * 40.0 * if grown { 1.05 } else { 1.0 };
                ob.extremities = 3 + u32::from(grown);
                ob.solidity = 0.6;
                ob
            })
            .collect();
        track(1, o, EndReason::VideoEnd)
    }

    #[test]
    fn a_part_sticking_out_of_a_walking_body_is_found_and_its_gait_is_not() {
        let find = |t: Track| MissingLimbs.find(&[t], &ctx(60), &Config::default());
        let (spiked, plain) = (find(walker(true)), find(walker(false)));
        let raw = |f: &[Finding]| f.iter().map(|f| f.raw).fold(0.0, f64::max);
        assert!(
            raw(&spiked) > 2.0 * raw(&plain),
            "spike {} vs gait {}",
            raw(&spiked),
            raw(&plain)
        );
        let best = spiked
            .iter()
            .max_by(|a, b| a.raw.total_cmp(&b.raw))
            .unwrap();
        assert_eq!(best.kind, "part_gain");
        assert!((28..=32).contains(&best.frame_start), "{best:?}");
    }
}
