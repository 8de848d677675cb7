//! Property tests (proptest) of the numeric core: scores stay in [0, 1] and finite for any input,
//! intervals are ordered, a static clip has zero motion, the gate's decisions are well-formed.

use crate::checks::testkit::{ctx, obs, track};
use crate::checks::{run_all, Calibration};
use crate::config::Config;
use crate::gate::{judge, GateConfig};
use crate::results::{EventRow, VideoRow};
use crate::stats::Bootstrap;
use crate::tracks::EndReason;
use opencv::prelude::*;
use proptest::prelude::*;

fn any_raw() -> impl Strategy<Value = f64> {
    prop_oneof![
        -1e6..1e6f64,
        0.0..10.0f64,
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(1e300),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn calibrated_scores_are_finite_bounded_and_monotone(
        reference in prop_oneof![0.0..100.0f64, Just(0.0), Just(-1.0), Just(1e-12)],
        a in any_raw(),
        b in any_raw(),
    ) {
        let mut cal = Calibration::default();
        cal.reference.insert("teleport".into(), reference);
        let (sa, sb) = (cal.score("teleport", a), cal.score("teleport", b));
        for s in [sa, sb] {
            prop_assert!(s.is_finite() && (0.0..=1.0).contains(&s), "{s}");
        }
        if a.is_finite() && b.is_finite() && a <= b {
            prop_assert!(sa <= sb, "score({a}) = {sa} > score({b}) = {sb}");
        }
    }

    #[test]
    fn bootstrap_intervals_are_ordered_and_inside_the_data(
        xs in prop::collection::vec(0.0..1.0f64, 1..60),
        seed in 0u64..1000,
    ) {
        let b = Bootstrap { resamples: 200, confidence: 0.95, seed };
        let ci = b.mean(&xs);
        let (lo, hi) = xs.iter().fold((f64::MAX, f64::MIN), |(l, h), &x| (l.min(x), h.max(x)));
        prop_assert!(ci.lo <= ci.mean + 1e-12 && ci.mean <= ci.hi + 1e-12, "{ci:?}");
        prop_assert!(ci.lo >= lo - 1e-12 && ci.hi <= hi + 1e-12, "{ci:?}");
    }

    /// Random tracks (random walks with jumps, size and colour changes, gaps) through every check:
    /// findings are finite, scores in [0, 1], frames inside the clip.
    #[test]
    fn checks_give_bounded_findings_on_any_track(
        steps in prop::collection::vec((-30.0..30.0f64, -30.0..30.0f64, 4.0..60.0f64, 0.0..255.0f64, prop::bool::weighted(0.1)), 3..60),
        start in (20.0..300.0f64, 20.0..220.0f64),
        end in prop_oneof![Just(EndReason::VideoEnd), Just(EndReason::Exited), Just(EndReason::Lost), Just(EndReason::SceneCut)],
    ) {
        let (mut x, mut y) = start;
        let mut frame = 0usize;
        let mut o = Vec::new();
        for (dx, dy, side, c, gap) in &steps {
            frame += if *gap { 5 } else { 1 };
            x += dx;
            y += dy;
            o.push(obs(frame, x, y, *side, [*c, 255.0 - c, c / 2.0]));
        }
        let frames = frame + 3;
        let tracks = vec![track(1, o, end)];
        let cfg = Config::default();
        for f in run_all(&tracks, &ctx(frames), &cfg, &Calibration::default()) {
            prop_assert!(f.score.is_finite() && (0.0..=1.0).contains(&f.score), "{f:?}");
            prop_assert!(f.raw.is_finite(), "{f:?}");
            prop_assert!(f.frame_start <= f.frame_end && f.frame_end < frames, "{f:?}");
            prop_assert!(f.bbox.iter().all(|v| v.is_finite()), "{f:?}");
        }
    }

    #[test]
    fn gate_decisions_are_well_formed(
        scores in prop::collection::vec((0.0..1.0f64, 0.0..1.0f64, prop::bool::weighted(0.1)), 1..30),
        event_scores in prop::collection::vec((0usize..30, 0.0..1.0f64), 0..20),
    ) {
        let videos: Vec<VideoRow> = scores.iter().enumerate().map(|(i, (m, p, bad))| VideoRow {
            video: format!("v{i}.mp4"),
            status: if *bad { "error" } else { "ok" }.into(),
            morphing_score: *m,
            implausible_motion_score: *p,
            ..Default::default()
        }).collect();
        let events: Vec<EventRow> = event_scores.iter().map(|(v, s)| EventRow {
            video: format!("v{}.mp4", v % scores.len()),
            family: "implausible_motion".into(),
            kind: "teleport".into(),
            score: *s,
            ..Default::default()
        }).collect();
        let cfg = GateConfig::default();
        let o = judge(&videos, &events, &cfg);
        prop_assert!((0.0..=1.0).contains(&o.failed_share));
        prop_assert!([0u8, 1, 2].contains(&o.exit_code(&cfg)));
        for (v, row) in o.videos.iter().zip(&videos) {
            let quiet = row.morphing_score <= 0.5 && row.implausible_motion_score <= 0.5
                && !events.iter().any(|e| e.video == row.video && e.score >= 0.5);
            prop_assert_eq!(v.failed(), row.status == "ok" && !quiet);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// A static clip has zero motion: no flow, no camera motion, no cut, no warping error.
    #[test]
    fn a_static_pair_has_zero_motion(seed in 0u64..10_000, w in 48i32..200, h in 48i32..160) {
        use rand::SeedableRng;
        // (No `set_num_threads` here: changing OpenCV's thread count while other tests run its
        // parallel loops can crash the test process.)
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let bgr = crate::synth::scene::background(&mut rng, w, h).unwrap();
        let mut gray = Mat::default();
        opencv::imgproc::cvt_color_def(&bgr, &mut gray, opencv::imgproc::COLOR_BGR2GRAY).unwrap();
        let mut engine = crate::flow::FlowEngine::new(&Config::default()).unwrap();
        let p = engine.pair(&gray, &gray, 1).unwrap();
        let s = &p.stats;
        prop_assert!(s.flow_max < 0.05 && s.residual_mean < 0.05, "{:?}", s.flow_max);
        prop_assert!(s.warp_error < 0.5 && s.frame_diff == 0.0);
        prop_assert!(p.camera.dx.abs() < 0.05 && p.camera.dy.abs() < 0.05);
        prop_assert!((p.camera.scale - 1.0).abs() < 1e-3);
        prop_assert!(!p.scene_cut);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The histogram selection of the flow statistics gives exactly what sorting gives.
    #[test]
    fn kth_smallest_matches_a_sort(
        v in prop::collection::vec(prop_oneof![0.0..1e3f32, 0.0..1e-3f32, Just(0.0f32), Just(7.5f32)], 1..3000),
        q in 0.0..1.0f64,
    ) {
        let mut sorted = v.clone();
        sorted.sort_by(f32::total_cmp);
        let k = ((v.len() - 1) as f64 * q) as usize;
        let [a, b] = crate::flow::kth_smallest(&v, [k, v.len() - 1]);
        prop_assert_eq!(a, sorted[k]);
        prop_assert_eq!(b, sorted[v.len() - 1]);
    }
}
