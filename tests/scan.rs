//! End-to-end tests of `physlint scan` on generated clips of known motion and on bad inputs.

mod common;
use common::*;
use physlint::results::{FrameRow, VideoRow};
use std::path::Path;

fn scan(dir: &Path, inputs: &[&Path]) -> (i32, Vec<VideoRow>, Vec<FrameRow>) {
    let out = dir.join("out");
    let mut args = vec!["scan", "--quiet", "--out", out.to_str().unwrap()];
    args.extend(inputs.iter().map(|p| p.to_str().unwrap()));
    let (code, _) = physlint(&args);
    (
        code,
        read(&out.join("videos.csv")),
        read(&out.join("frames.csv")),
    )
}

#[test]
fn camera_pan_of_3px_per_frame_is_measured_as_3() {
    let d = tempfile::tempdir().unwrap();
    let clip = d.path().join("pan.mp4");
    write_mp4(&clip, &pan_frames(7, 320, 240, 24, 3, 0), 24.0);
    let (code, videos, frames) = scan(d.path(), &[&clip]);
    assert_eq!(code, 0);
    assert_eq!(videos[0].status, "ok");
    assert_eq!(frames.len(), 23);
    for f in &frames {
        assert!(
            (f.cam_dx - 3.0).abs() <= 0.3,
            "frame {}: cam_dx {}",
            f.frame,
            f.cam_dx
        );
        assert!(
            f.cam_dy.abs() <= 0.3,
            "frame {}: cam_dy {}",
            f.frame,
            f.cam_dy
        );
        assert!((f.cam_scale - 1.0).abs() < 0.01);
        assert!(
            f.residual_mean < 0.5,
            "frame {}: residual {}",
            f.frame,
            f.residual_mean
        );
        assert!(!f.scene_cut);
    }
}

#[test]
fn static_scene_has_near_zero_warp_error_and_motion() {
    let d = tempfile::tempdir().unwrap();
    let clip = d.path().join("static.mp4");
    write_mp4(&clip, &pan_frames(3, 320, 240, 16, 0, 0), 24.0);
    let (code, _, frames) = scan(d.path(), &[&clip]);
    assert_eq!(code, 0);
    for f in &frames {
        assert!(
            f.warp_error < 1.0,
            "frame {}: warp error {}",
            f.frame,
            f.warp_error
        );
        assert!(f.flow_mean < 0.1, "frame {}: flow {}", f.frame, f.flow_mean);
        assert!(f.cam_dx.abs() < 0.05 && f.cam_dy.abs() < 0.05);
        assert!(!f.scene_cut);
    }
}

#[test]
fn hard_cut_between_two_clips_is_the_only_scene_cut() {
    let d = tempfile::tempdir().unwrap();
    let clip = d.path().join("cut.mp4");
    let mut frames = pan_frames(11, 320, 240, 20, 2, 1);
    frames.extend(pan_frames(12, 320, 240, 20, -1, 0));
    write_mp4(&clip, &frames, 24.0);
    let (code, _, rows) = scan(d.path(), &[&clip]);
    assert_eq!(code, 0);
    let cuts: Vec<usize> = rows
        .iter()
        .filter(|f| f.scene_cut)
        .map(|f| f.frame)
        .collect();
    assert_eq!(cuts, vec![20]);
}

#[test]
fn frames_are_analysed_at_the_requested_width_and_reported_in_original_pixels() {
    let d = tempfile::tempdir().unwrap();
    let clip = d.path().join("wide.mp4");
    write_mp4(&clip, &pan_frames(5, 640, 360, 12, 4, 0), 24.0);
    let out = d.path().join("o");
    let (code, _) = physlint(&[
        "scan",
        "-q",
        "--width",
        "160",
        "--out",
        out.to_str().unwrap(),
        clip.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let v: Vec<VideoRow> = read(&out.join("videos.csv"));
    assert_eq!((v[0].width, v[0].height, v[0].frames), (640, 360, 12));
    let f: Vec<FrameRow> = read(&out.join("frames.csv"));
    let med = {
        let mut x: Vec<f64> = f.iter().map(|r| r.cam_dx).collect();
        x.sort_by(f64::total_cmp);
        x[x.len() / 2]
    };
    assert!(
        (med - 4.0).abs() < 0.5,
        "pan measured at 160 px width, reported {med} original px/frame"
    );
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    assert_eq!(run["config"]["analysis_width"], 160);
    assert_eq!(run["schema_version"], physlint::SCHEMA_VERSION);
}

#[test]
fn image_sequence_folder_is_one_video_at_the_given_fps() {
    let d = tempfile::tempdir().unwrap();
    let seq = d.path().join("seq");
    std::fs::create_dir(&seq).unwrap();
    for (i, f) in pan_frames(9, 160, 120, 12, 2, 0).iter().enumerate() {
        opencv::imgcodecs::imwrite(
            seq.join(format!("frame{i}.png")).to_str().unwrap(),
            f,
            &opencv::core::Vector::new(),
        )
        .unwrap();
    }
    let out = d.path().join("o");
    let (code, _) = physlint(&[
        "scan",
        "-q",
        "--fps",
        "12",
        "--out",
        out.to_str().unwrap(),
        seq.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let v: Vec<VideoRow> = read(&out.join("videos.csv"));
    assert_eq!(v.len(), 1);
    assert_eq!((v[0].frames, v[0].fps, v[0].duration_s), (12, 12.0, 1.0));
    let f: Vec<FrameRow> = read(&out.join("frames.csv"));
    // frame10 comes after frame9: natural order keeps the pan smooth.
    assert!(
        f.iter().all(|r| (r.cam_dx - 2.0).abs() < 0.3),
        "{:?}",
        f.iter().map(|r| r.cam_dx).collect::<Vec<_>>()
    );
}

#[test]
fn bad_inputs_get_error_rows_and_the_batch_goes_on() {
    let d = tempfile::tempdir().unwrap();
    let p = |n: &str| d.path().join(n);
    let good = p("good.mp4");
    let frames = pan_frames(1, 320, 240, 30, 1, 0);
    write_mp4(&good, &frames, 24.0);
    std::fs::write(p("empty.mp4"), b"").unwrap();
    std::fs::write(p("text.mp4"), b"this is not a video\n").unwrap();
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(p("truncated.mp4"), &bytes[..bytes.len() / 3]).unwrap();
    write_mp4(&p("one_frame.mp4"), &frames[..1], 24.0);
    let missing = p("missing.mp4");
    let names = [
        "missing.mp4",
        "empty.mp4",
        "text.mp4",
        "truncated.mp4",
        "one_frame.mp4",
        "good.mp4",
    ];
    let paths: Vec<_> = names.iter().map(|n| p(n)).collect();
    let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    let (code, videos, _) = scan(d.path(), &refs);
    assert_eq!(code, 2);
    assert_eq!(videos.len(), 6);
    for (v, n) in videos.iter().zip(names) {
        assert!(v.video.ends_with(n));
        let expect_ok = n == "good.mp4";
        assert_eq!(v.status == "ok", expect_ok, "{n}: {:?}", v);
        if !expect_ok {
            assert!(
                !v.error.is_empty() && !v.error.contains('\n'),
                "{n}: {:?}",
                v.error
            );
        }
    }
    let err = |n: &str| {
        videos
            .iter()
            .find(|v| v.video.ends_with(n))
            .unwrap()
            .error
            .clone()
    };
    assert!(
        err("missing.mp4").contains("No such file"),
        "{}",
        err("missing.mp4")
    );
    assert!(err("empty.mp4").contains("empty"), "{}", err("empty.mp4"));
    assert!(
        err("one_frame.mp4").contains("1 decodable frame"),
        "{}",
        err("one_frame.mp4")
    );
    assert!(!missing.exists());
}

#[test]
fn unwritable_output_folder_is_a_clear_error() {
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("plain-file");
    std::fs::write(&file, b"x").unwrap();
    let clip = d.path().join("c.mp4");
    write_mp4(&clip, &pan_frames(2, 64, 64, 4, 1, 0), 24.0);
    let out = file.join("sub");
    let (code, err) = physlint(&[
        "scan",
        "-q",
        "--out",
        out.to_str().unwrap(),
        clip.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("plain-file/sub"), "{err}");
}

#[test]
fn shared_datasets_all_decode_and_tables_round_trip() {
    let Some(data) = shared_datasets() else {
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let (code, videos, frames) = scan(d.path(), &[&data]);
    let bad: Vec<_> = videos.iter().filter(|v| v.status != "ok").collect();
    assert!(bad.is_empty(), "{bad:?}");
    assert_eq!(code, 0);
    assert_eq!(videos.len(), 55);
    assert!(videos
        .iter()
        .any(|v| v.video.contains(",") && v.video.contains("'")));
    let pairs: usize = videos.iter().map(|v| v.frames - 1).sum();
    assert_eq!(frames.len(), pairs);
    // Round trip: rewrite with the csv crate and compare.
    let again = physlint::report::csv::to_csv::<VideoRow>(&videos).unwrap();
    assert_eq!(
        again,
        std::fs::read(d.path().join("out/videos.csv")).unwrap()
    );
    assert!(frames
        .iter()
        .all(|f| f.flow_mean.is_finite() && f.warp_error.is_finite()));
}

#[test]
fn thread_count_does_not_change_results() {
    let d = tempfile::tempdir().unwrap();
    for (i, (dx, dy)) in [(2, 0), (0, 3), (-1, 1), (3, -2)].iter().enumerate() {
        write_mp4(
            &d.path().join(format!("c{i}.mp4")),
            &pan_frames(20 + i as u64, 240, 180, 16, *dx, *dy),
            24.0,
        );
    }
    let mut tables = Vec::new();
    for j in ["1", "2"] {
        let out = d.path().join(format!("out{j}"));
        let (code, _) = physlint(&[
            "scan",
            "-q",
            "-j",
            j,
            "--out",
            out.to_str().unwrap(),
            d.path().to_str().unwrap(),
        ]);
        assert_eq!(code, 0);
        tables.push(std::fs::read(out.join("frames.csv")).unwrap());
    }
    assert_eq!(tables[0], tables[1]);
}

#[test]
fn a_thrown_ball_is_one_track_with_accurate_centroids() {
    use physlint::results::TrackRow;
    let d = tempfile::tempdir().unwrap();
    let clip = d.path().join("ball.mp4");
    let (frames, truth) = thrown_disc(40, None);
    write_mp4(&clip, &frames, 24.0);
    let out = d.path().join("o");
    let (code, _) = physlint(&[
        "scan",
        "-q",
        "--out",
        out.to_str().unwrap(),
        clip.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let rows: Vec<TrackRow> = read(&out.join("tracks.csv"));
    let visible: Vec<&TrackRow> = rows.iter().filter(|r| r.state == "visible").collect();
    let mut ids: Vec<u32> = visible.iter().map(|r| r.track_id).collect();
    ids.sort();
    ids.dedup();
    let main = ids
        .iter()
        .max_by_key(|&&id| visible.iter().filter(|r| r.track_id == id).count())
        .copied()
        .unwrap();
    let on_main: Vec<&&TrackRow> = visible.iter().filter(|r| r.track_id == main).collect();
    // A thrown ball (a flat disc: flow is evidence of motion only near its outline) shows
    // residual motion over a good part of its mask.
    let mut moving: Vec<f64> = on_main.iter().map(|r| r.moving_frac).collect();
    moving.sort_by(f64::total_cmp);
    assert!(moving.iter().all(|m| (0.0..=1.0).contains(m)));
    assert!(
        moving[moving.len() / 2] > 0.2,
        "median moving share {}",
        moving[moving.len() / 2]
    );
    assert!(
        on_main.len() as f64 >= 0.9 * 39.0,
        "main track covers {} of 39 frames; ids {ids:?}",
        on_main.len()
    );
    let mut err: Vec<f64> = on_main
        .iter()
        .map(|r| ((r.cx - truth[r.frame].0).powi(2) + (r.cy - truth[r.frame].1).powi(2)).sqrt())
        .collect();
    err.sort_by(f64::total_cmp);
    assert!(
        err[err.len() / 2] < 1.5,
        "median centroid error {}",
        err[err.len() / 2]
    );
}

#[test]
fn a_teleporting_ball_is_flagged_at_the_jump_and_the_smooth_one_is_not() {
    use physlint::results::EventRow;
    let d = tempfile::tempdir().unwrap();
    for (name, jump) in [("smooth.mp4", None), ("jump.mp4", Some(20))] {
        write_mp4(&d.path().join(name), &thrown_disc(40, jump).0, 24.0);
    }
    let out = d.path().join("o");
    let (code, _) = physlint(&[
        "scan",
        "-q",
        "--out",
        out.to_str().unwrap(),
        d.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let videos: Vec<VideoRow> = read(&out.join("videos.csv"));
    let events: Vec<EventRow> = read(&out.join("events.csv"));
    let v = |n: &str| videos.iter().find(|v| v.video.ends_with(n)).unwrap();
    assert_eq!(v("smooth.mp4").verdict, "pass", "{:?}", events);
    assert_eq!(v("jump.mp4").verdict, "flag", "{:?}", v("jump.mp4"));
    assert!(
        v("jump.mp4").implausible_motion_score > v("smooth.mp4").implausible_motion_score,
        "{videos:?}"
    );
    let hit = events.iter().any(|e| {
        e.video.ends_with("jump.mp4") && e.kind == "teleport" && (19..=21).contains(&e.frame_start)
    });
    assert!(hit, "{events:?}");
}

#[test]
fn real_camera_clips_are_not_flagged() {
    let Some(data) = shared_datasets() else {
        return;
    };
    let d = tempfile::tempdir().unwrap();
    let (code, videos, frames) = scan(d.path(), &[&data.join("real")]);
    assert_eq!(code, 0);
    assert_eq!(videos.len(), 6);
    for v in &videos {
        assert_eq!(v.verdict, "pass", "{v:?}");
        for s in [
            v.morphing_score,
            v.missing_limbs_score,
            v.implausible_motion_score,
            v.object_permanence_score,
        ] {
            assert!((0.0..1.0).contains(&s));
        }
    }
    assert!(frames.iter().all(|f| [
        f.morphing,
        f.missing_limbs,
        f.implausible_motion,
        f.object_permanence
    ]
    .iter()
    .all(|s| (0.0..=1.0).contains(s))));
}

/// A video too long to keep in memory is decoded once, its frames spilled to a temporary file
/// for the second pass; the results equal decoding it twice (`PHYSLINT_SPILL_BYTES=0`).
#[test]
fn a_long_video_read_back_from_its_spill_file_gives_the_results_of_decoding_it_twice() {
    let d = tempfile::tempdir().unwrap();
    let clips = d.path().join("clips");
    // 240 frames of 320x240 are 74 MB with grey: over the 64 MB kept in memory.
    let (code, err) = physlint(&[
        "synth",
        "--count",
        "1",
        "--seed",
        "11",
        "--frames",
        "240",
        "--size",
        "320x240",
        "--out",
        clips.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let scan = |out: &std::path::Path, spill: &str| {
        let (code, err) = physlint_with_env(
            &[
                "scan",
                "--quiet",
                "--no-report",
                "--out",
                out.to_str().unwrap(),
                clips.to_str().unwrap(),
            ],
            &[("PHYSLINT_SPILL_BYTES", spill)],
        );
        assert_eq!(code, 0, "{err}");
    };
    let (once, twice) = (d.path().join("once"), d.path().join("twice"));
    scan(&once, "1000000000");
    scan(&twice, "0");
    for f in ["frames.csv", "tracks.csv", "events.csv", "videos.csv"] {
        let a = std::fs::read_to_string(once.join(f)).unwrap();
        let b = std::fs::read_to_string(twice.join(f)).unwrap();
        assert_eq!(a, b, "{f}");
    }
    let frames: Vec<physlint::results::FrameRow> = read(&once.join("frames.csv"));
    assert_eq!(frames.len(), 239, "one row per frame pair");
}
