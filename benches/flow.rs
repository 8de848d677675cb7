//! Criterion benchmarks of the hot stage: DIS alone, and one frame pair through the flow engine
//! (DIS both ways plus the forward-backward / warp-error summary) at analysis size, per preset and
//! per statistics stride.

use criterion::{criterion_group, criterion_main, Criterion};
use opencv::core::{Mat, Rect};
use opencv::imgproc;
use opencv::prelude::*;
use physlint::config::{Config, FlowPreset};
use physlint::flow::FlowEngine;
use rand::SeedableRng;

fn gray_pair(w: i32, h: i32) -> (Mat, Mat) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let big = physlint::synth::scene::background(&mut rng, w + 8, h + 8).unwrap();
    let crop = |x| {
        let c = Mat::roi(&big, Rect::new(x, 4, w, h))
            .unwrap()
            .try_clone()
            .unwrap();
        let mut g = Mat::default();
        imgproc::cvt_color_def(&c, &mut g, imgproc::COLOR_BGR2GRAY).unwrap();
        g
    };
    (crop(4), crop(7))
}

fn bench(c: &mut Criterion) {
    opencv::core::set_num_threads(1).unwrap();
    let (a, b) = gray_pair(320, 240);
    {
        use opencv::video::{DISOpticalFlow, DISOpticalFlowTraitConst, DenseOpticalFlowTrait};
        let mut dis = DISOpticalFlow::create(opencv::video::DISOpticalFlow_PRESET_FAST).unwrap();
        c.bench_function("DIS alone, one direction, 320x240 Fast", |bch| {
            bch.iter(|| {
                let mut f = Mat::default();
                dis.calc(&a, &b, &mut f).unwrap();
                f
            })
        });
        let _ = dis.get_finest_scale();
    }
    for preset in [FlowPreset::Ultrafast, FlowPreset::Fast, FlowPreset::Medium] {
        let cfg = Config {
            flow_preset: preset,
            ..Config::default()
        };
        let mut engine = FlowEngine::new(&cfg).unwrap();
        c.bench_function(&format!("flow pair 320x240 {preset:?}"), |bch| {
            bch.iter(|| engine.pair(&a, &b, 1).unwrap())
        });
    }
    let full = Config {
        flow_stats_stride: 1,
        ..Config::default()
    };
    let mut engine = FlowEngine::new(&full).unwrap();
    c.bench_function("flow pair 320x240 Fast, statistics on every pixel", |bch| {
        bch.iter(|| engine.pair(&a, &b, 1).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
