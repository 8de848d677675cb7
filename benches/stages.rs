//! Criterion benchmarks of the stages after flow, on a generated 320x240 clip of two discs (one
//! thrown, one sliding) over a textured background: segmentation alone, segmentation +
//! association (tracker updates; association is the difference), and each check family on the
//! finished tracks. Flow and the warp summary are in benches/flow.rs.

use criterion::{criterion_group, criterion_main, Criterion};
use opencv::core::{Mat, Point, Scalar};
use opencv::imgproc;
use opencv::prelude::*;
use physlint::checks::{run_all, Calibration, Check, Context};
use physlint::config::Config;
use physlint::flow::{FlowEngine, PairFlow};
use physlint::tracks::Tracker;
use rand::SeedableRng;

fn clip(n: usize) -> Vec<(Mat, Mat)> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let bg = physlint::synth::scene::background(&mut rng, 320, 240).unwrap();
    (0..n)
        .map(|t| {
            let mut img = bg.clone();
            let t = t as f64;
            let (x, y) = (30.0 + 5.0 * t, 200.0 - 9.0 * t + 0.25 * t * t);
            imgproc::circle(
                &mut img,
                Point::new(x as i32, y as i32),
                12,
                Scalar::new(30.0, 30.0, 220.0, 0.0),
                -1,
                imgproc::LINE_AA,
                0,
            )
            .unwrap();
            imgproc::circle(
                &mut img,
                Point::new(290 - 3 * t as i32, 120),
                16,
                Scalar::new(220.0, 90.0, 20.0, 0.0),
                -1,
                imgproc::LINE_AA,
                0,
            )
            .unwrap();
            let mut g = Mat::default();
            imgproc::cvt_color_def(&img, &mut g, imgproc::COLOR_BGR2GRAY).unwrap();
            (img, g)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    opencv::core::set_num_threads(1).unwrap();
    let cfg = Config::default();
    let frames = clip(40);
    let mut engine = FlowEngine::new(&cfg).unwrap();
    let pairs: Vec<PairFlow> = (1..frames.len())
        .map(|i| engine.pair(&frames[i - 1].1, &frames[i].1, i).unwrap())
        .collect();
    c.bench_function("segmentation: 39 frames 320x240", |b| {
        b.iter(|| {
            let mut seg = physlint::tracks::segment::Segmenter::new(&cfg, None).unwrap();
            for (i, p) in pairs.iter().enumerate() {
                seg.segment(&frames[i + 1].0, &frames[i + 1].1, p).unwrap();
            }
        })
    });
    let mask = {
        let mut m =
            Mat::new_rows_cols_with_default(240, 320, opencv::core::CV_8UC1, Scalar::all(0.0))
                .unwrap();
        for (i, v) in m.data_bytes_mut().unwrap().iter_mut().enumerate() {
            let (x, y) = (i % 320, i / 320);
            *v = if (x / 7 + y / 5) % 3 == 0 || (x * y) % 11 == 0 {
                255
            } else {
                0
            };
        }
        m
    };
    c.bench_function(
        "morphology: open 3 + close 5 + dilate 5 x2, 320x240 mask",
        |b| {
            use physlint::tracks::morphology::{apply, Op, ELLIPSE3, ELLIPSE5};
            b.iter(|| {
                let o = apply(&mask, Op::Open, ELLIPSE3, 1).unwrap();
                let c = apply(&o, Op::Close, ELLIPSE5, 1).unwrap();
                apply(&c, Op::Dilate, ELLIPSE5, 2).unwrap()
            })
        },
    );
    c.bench_function("tracker: 39 updates (segment + associate) 320x240", |b| {
        b.iter(|| {
            let mut tr = Tracker::new(&cfg, 320, 240, None).unwrap();
            for (i, p) in pairs.iter().enumerate() {
                tr.update(i + 1, &frames[i + 1].0, &frames[i + 1].1, &frames[i].0, p)
                    .unwrap();
            }
            tr.finish()
        })
    });
    let mut tr = Tracker::new(&cfg, 320, 240, None).unwrap();
    for (i, p) in pairs.iter().enumerate() {
        tr.update(i + 1, &frames[i + 1].0, &frames[i + 1].1, &frames[i].0, p)
            .unwrap();
    }
    let tracks = tr.finish().segmented;
    let ctx = Context {
        frames: frames.len(),
        size: (320.0, 240.0),
        cut: vec![false; frames.len()],
        zoom: vec![1.0; frames.len()],
        shift: vec![[0.0; 2]; frames.len()],
    };
    let cal = Calibration::default();
    c.bench_function(
        "checks: all four families on a 40-frame clip's tracks",
        |b| b.iter(|| run_all(&tracks, &ctx, &cfg, &cal)),
    );
    let families: [&dyn Check; 4] = [
        &physlint::checks::morphing::Morphing,
        &physlint::checks::missing_limbs::MissingLimbs,
        &physlint::checks::implausible_motion::ImplausibleMotion,
        &physlint::checks::object_permanence::ObjectPermanence,
    ];
    for check in families {
        c.bench_function(
            &format!("check: {} on a 40-frame clip", check.family()),
            |b| b.iter(|| check.find(&tracks, &ctx, &cfg)),
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
