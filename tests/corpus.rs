//! The malformed-input corpus: more than 30 bad or odd inputs made here (ffmpeg and byte surgery,
//! nothing committed), scanned in one batch. Every input gets its expected status, errors are one
//! line naming the cause, nothing panics, and output-side faults (unwritable folder, an earlier
//! run in the folder, a full disk) leave complete files behind.

mod common;
use common::*;
use physlint::results::VideoRow;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs ffmpeg (quiet) with the given arguments; panics with its message on failure.
fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-nostdin", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg runs (scripts/install-deps.sh installs it)");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A test pattern clip made by ffmpeg: `src` is a lavfi source, `extra` encoder arguments.
fn lavfi(path: &Path, src: &str, extra: &[&str]) {
    let mut args = vec!["-f", "lavfi", "-i", src];
    args.extend_from_slice(extra);
    args.push(path.to_str().unwrap());
    ffmpeg(&args);
}

fn pseudo_random(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Expected outcome of one input.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Want {
    Ok,
    /// An error row whose message contains this text.
    Err(&'static str),
}

#[test]
fn every_malformed_or_odd_input_gets_its_expected_status() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("corpus");
    std::fs::create_dir_all(&d).unwrap();
    let mut cases: Vec<(PathBuf, Want)> = Vec::new();
    let mut add = |name: &str, want: Want| {
        let p = d.join(name);
        cases.push((p.clone(), want));
        p
    };
    let testsrc = "testsrc2=size=320x240:rate=24:duration=2";

    // A good clip to cut up: moov at the end (ffmpeg's default), and one with faststart.
    let good = t.path().join("good.mp4");
    lavfi(&good, testsrc, &["-c:v", "libx264", "-pix_fmt", "yuv420p"]);
    let good_fast = t.path().join("good_fast.mp4");
    lavfi(
        &good_fast,
        testsrc,
        &[
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-movflags",
            "+faststart",
        ],
    );
    let bytes = std::fs::read(&good).unwrap();
    let fast = std::fs::read(&good_fast).unwrap();

    std::fs::write(add("empty.mp4", Want::Err("")), b"").unwrap();
    std::fs::write(add("random.mp4", Want::Err("")), pseudo_random(50_000, 1)).unwrap();
    for pct in [10, 50, 90] {
        let p = add(&format!("truncated_{pct}.mp4"), Want::Err(""));
        std::fs::write(p, &bytes[..bytes.len() * pct / 100]).unwrap();
    }
    let p = add("truncated_faststart_40.mp4", Want::Err("truncated"));
    std::fs::write(p, &fast[..fast.len() * 40 / 100]).unwrap();
    let mut corrupt = fast.clone();
    let mid = corrupt.len() / 2;
    corrupt[mid..mid + 3000].copy_from_slice(&pseudo_random(3000, 2));
    std::fs::write(add("corrupt_packets.mp4", Want::Err("corrupt")), corrupt).unwrap();
    std::fs::write(
        add("text.mp4", Want::Err("")),
        "hello, this is text\n".repeat(200),
    )
    .unwrap();
    let png = t.path().join("frame.png");
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=64x48",
        "-frames:v",
        "1",
        png.to_str().unwrap(),
    ]);
    std::fs::copy(&png, add("png_renamed.mp4", Want::Err("decodable frame"))).unwrap();
    lavfi(
        &add("one_frame.mp4", Want::Err("decodable frame")),
        testsrc,
        &["-frames:v", "1", "-c:v", "libx264"],
    );
    lavfi(
        &add("two_frames.mp4", Want::Ok),
        testsrc,
        &["-frames:v", "2", "-c:v", "libx264"],
    );
    lavfi(
        &add("tiny_2x2.mp4", Want::Err("")),
        "testsrc2=size=2x2:rate=24:duration=1",
        &["-c:v", "libx264", "-pix_fmt", "yuv444p"],
    );
    lavfi(
        &add("huge_4000x4000.avi", Want::Ok),
        "testsrc2=size=4000x4000:rate=24",
        &["-frames:v", "3", "-c:v", "mjpeg", "-q:v", "8"],
    );
    lavfi(
        &add("odd_321x239.mkv", Want::Ok),
        "testsrc2=size=321x239:rate=24:duration=1",
        &["-c:v", "ffv1"],
    );
    lavfi(
        &add("gray.mkv", Want::Ok),
        testsrc,
        &["-c:v", "ffv1", "-pix_fmt", "gray"],
    );
    lavfi(
        &add("yuv444.mp4", Want::Ok),
        testsrc,
        &["-c:v", "libx264", "-pix_fmt", "yuv444p"],
    );
    lavfi(
        &add("10bit.mp4", Want::Ok),
        testsrc,
        &["-c:v", "libx264", "-pix_fmt", "yuv420p10le"],
    );
    lavfi(
        &add("vfr.mkv", Want::Ok),
        testsrc,
        &[
            "-vf",
            "setpts='N/24/TB+if(gt(N,20),0.5/TB,0)'",
            "-fps_mode",
            "passthrough",
            "-c:v",
            "libx264",
        ],
    );
    lavfi(
        &add("rotated.mp4", Want::Ok),
        testsrc,
        &["-c:v", "libx264", "-metadata:s:v:0", "rotate=90"],
    );
    lavfi(
        &add("alpha.gif", Want::Ok),
        "testsrc2=size=160x120:rate=12:duration=2",
        &["-vf", "format=rgba,colorkey=0x000000:0.3,split[a][b];[a]palettegen=reserve_transparent=1[p];[b][p]paletteuse"],
    );
    lavfi(&add("mpeg4_in.avi", Want::Ok), testsrc, &["-c:v", "mpeg4"]);
    lavfi(
        &add("avi_named.mp4", Want::Ok),
        testsrc,
        &["-c:v", "mpeg4", "-f", "avi"],
    );
    lavfi(&add("UPPER.MP4", Want::Ok), testsrc, &["-c:v", "libx264"]);
    lavfi(
        &add("audio_only.mp4", Want::Err("")),
        "sine=frequency=440:duration=1",
        &["-c:a", "aac"],
    );

    // Image sequences: one corrupt frame; one frame of another size.
    for (folder, want) in [
        ("seq_corrupt", Want::Err("f05.png: unreadable")),
        ("seq_mixed_size", Want::Ok),
    ] {
        let s = add(folder, want);
        std::fs::create_dir_all(&s).unwrap();
        ffmpeg(&[
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=96x72:rate=10:duration=1",
            s.join("f%02d.png").to_str().unwrap(),
        ]);
    }
    std::fs::write(d.join("seq_corrupt/f05.png"), b"\x89PNG\r\n\x1a\nbroken").unwrap();
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=50x30",
        "-frames:v",
        "1",
        "-update",
        "1",
        d.join("seq_mixed_size/f06.png").to_str().unwrap(),
    ]);

    // Names and paths.
    for name in [
        "name with spaces.mp4",
        "comma, semi; \"quote\" 'apos'.mp4",
        "ünïcödé_视频.mp4",
    ] {
        std::fs::copy(&good_fast, add(name, Want::Ok)).unwrap();
    }
    let mut long = PathBuf::from("deep");
    for i in 0..6 {
        long.push(format!("{}{i}", "a_long_folder_name_".repeat(2)));
    }
    std::fs::create_dir_all(d.join(&long)).unwrap();
    let long_file = long.join(format!("{}.mp4", "a_very_long_file_name_".repeat(6)));
    std::fs::copy(&good_fast, add(long_file.to_str().unwrap(), Want::Ok)).unwrap();
    assert!(d.join(&long_file).to_string_lossy().len() > 400);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::os::unix::fs::symlink(d.join("nowhere.mp4"), add("broken_link.mp4", Want::Err("")))
            .unwrap();
        let lp = d.join("loop");
        std::fs::create_dir_all(&lp).unwrap();
        std::os::unix::fs::symlink(&lp, lp.join("again")).unwrap();
        let fifo = add("fifo.mp4", Want::Err("not a regular file"));
        assert!(Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let locked = d.join("unreadable.mp4");
        std::fs::copy(&good_fast, &locked).unwrap();
        std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
        // Root reads anything: then the file is simply a good clip.
        let want = if std::fs::File::open(&locked).is_ok() {
            Want::Ok
        } else {
            Want::Err("")
        };
        cases.push((locked, want));
    }
    let missing = t.path().join("does_not_exist.mp4");
    assert!(cases.len() >= 30, "{} cases", cases.len());

    let out = t.path().join("out");
    let (code, err) = physlint(&[
        "scan",
        "--timeout-per-video",
        "120",
        d.to_str().unwrap(),
        missing.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let rows: Vec<VideoRow> = read(&out.join("videos.csv"));
    let row_of = |p: &Path| rows.iter().find(|r| Path::new(&r.video) == p);
    let mut wrong = Vec::new();
    for (p, want) in &cases {
        let Some(r) = row_of(p) else {
            wrong.push(format!("{}: no row", p.display()));
            continue;
        };
        let ok = match want {
            Want::Ok => r.status == "ok",
            Want::Err(text) => r.status == "error" && r.error.contains(text) && !r.error.is_empty(),
        };
        if !ok {
            wrong.push(format!(
                "{}: want {want:?}, got {} '{}'",
                p.display(),
                r.status,
                r.error
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    let m = row_of(&missing).expect("row for the missing path");
    assert_eq!(m.status, "error");
    for r in rows.iter().filter(|r| r.status == "error") {
        assert!(
            !r.error.contains('\n') && !r.error.contains("internal error"),
            "{r:?}"
        );
        let name = Path::new(&r.video)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        // Another thread's library output (libpng writes its message and its newline in two
        // calls) can land just before the line, so the line is looked for anywhere in it.
        assert!(
            err.lines()
                .any(|l| l.split("error: ").skip(1).any(|rest| rest.contains(&name))),
            "no stderr line names {name}:\n{err}"
        );
    }
    // The symlink loop adds nothing and ends.
    assert!(rows.iter().all(|r| !r.video.contains("again")));
}

#[test]
fn output_faults_leave_complete_files() {
    let t = tempfile::tempdir().unwrap();
    let clip = t.path().join("a.mp4");
    write_mp4(&clip, &pan_frames(8, 160, 120, 12, 1, 0), 24.0);
    let out = t.path().join("out");
    let args = |o: &Path| {
        vec![
            "scan".to_string(),
            "-q".into(),
            clip.to_str().unwrap().into(),
            "--out".into(),
            o.to_str().unwrap().into(),
        ]
    };
    let run = |a: &[String]| physlint(&a.iter().map(|s| s.as_str()).collect::<Vec<_>>());

    // A folder holding an earlier run: replaced whole, same bytes.
    assert_eq!(run(&args(&out)).0, 0);
    let first = std::fs::read(out.join("frames.csv")).unwrap();
    std::fs::write(out.join("videos.csv"), "stale,content\n").unwrap();
    assert_eq!(run(&args(&out)).0, 0);
    assert_eq!(std::fs::read(out.join("frames.csv")).unwrap(), first);
    let videos: Vec<VideoRow> = read(&out.join("videos.csv"));
    assert_eq!(videos.len(), 1);

    // Output under a regular file: a one-line error naming the folder, exit 2.
    let blocker = t.path().join("file");
    std::fs::write(&blocker, b"x").unwrap();
    let (code, err) = run(&args(&blocker.join("out")));
    assert_eq!(code, 2);
    assert!(
        err.contains("file/out") && err.trim().lines().count() == 1,
        "{err}"
    );

    // A full disk (file size limit of 4–8 KiB): frames.csv cannot be written; exit 2 with the file
    // named, and the earlier complete frames.csv is still there, whole.
    #[cfg(unix)]
    {
        let a = args(&out);
        let cmd = format!(
            "ulimit -f 8; exec \"{}\" {}",
            env!("CARGO_BIN_EXE_physlint"),
            a.iter()
                .map(|s| format!("'{}'", s.replace('\'', "'\\''")))
                .collect::<Vec<_>>()
                .join(" ")
        );
        std::fs::write(out.join("frames.csv"), &first).unwrap();
        let big = pan_frames(9, 320, 240, 40, 2, 1);
        write_mp4(&clip, &big, 24.0);
        let o = Command::new("sh").args(["-c", &cmd]).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(
            err.contains("File too large") || err.contains("too large"),
            "{err}"
        );
        assert_eq!(std::fs::read(out.join("frames.csv")).unwrap(), first);
        let stray: Vec<_> = std::fs::read_dir(&out)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp-"))
            .collect();
        assert!(stray.is_empty(), "{stray:?}");
    }
}
