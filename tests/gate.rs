//! End-to-end tests of `physlint gate`: exit codes, JUnit XML read by a real consumer (Python
//! junitparser), GitHub annotations and step summary, config errors, and the baseline gate.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Runs the binary with extra environment; returns (exit code, stdout, stderr).
fn run_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut c = Command::new(env!("CARGO_BIN_EXE_physlint"));
    c.args(args)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY");
    for (k, v) in env {
        c.env(k, v);
    }
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

/// Test cases of a JUnit file as junitparser reads them: (classname, name, result tag or "pass").
fn junit_cases(path: &Path) -> Vec<(String, String, String)> {
    let script = r#"
import sys, json
from junitparser import JUnitXml
xml = JUnitXml.fromfile(sys.argv[1])
rows = []
for suite in xml:
    for case in suite:
        res = case.result
        rows.append([case.classname, case.name, res[0]._tag if res else "pass"])
print(json.dumps(rows))
"#;
    let out = Command::new("python3")
        .args(["-c", script, path.to_str().unwrap()])
        .output()
        .expect("python3 runs (scripts/install-deps.sh installs junitparser)");
    assert!(
        out.status.success(),
        "junitparser could not read {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Vec<(String, String, String)>>(&out.stdout).unwrap()
}

fn result_of<'a>(cases: &'a [(String, String, String)], name_end: &str) -> &'a str {
    &cases
        .iter()
        .find(|c| c.1.ends_with(name_end))
        .unwrap_or_else(|| panic!("no testcase {name_end} in {cases:?}"))
        .2
}

/// A folder with a smooth throw, a teleporting throw and (optionally) a corrupt file.
fn clips(dir: &Path, with_jump: bool, with_corrupt: bool) -> PathBuf {
    let d = dir.join("clips");
    std::fs::create_dir_all(&d).unwrap();
    write_mp4(&d.join("smooth.mp4"), &thrown_disc(40, None).0, 24.0);
    if with_jump {
        write_mp4(&d.join("jump.mp4"), &thrown_disc(40, Some(20)).0, 24.0);
    }
    if with_corrupt {
        std::fs::write(
            d.join("corrupt.mp4"),
            b"\x00\x00\x00\x18ftypmp42 this is not a video",
        )
        .unwrap();
    }
    d
}

#[test]
fn exit_codes_junit_and_github_outputs() {
    let t = tempfile::tempdir().unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();

    // Clean clip only: pass.
    let clean = clips(&t.path().join("a"), false, false);
    let junit = t.path().join("clean.xml");
    let (code, stdout, err) = run_env(
        &[
            "gate",
            "-q",
            &s(&clean),
            "--out",
            &s(&t.path().join("ga")),
            "--junit",
            &s(&junit),
        ],
        &[],
    );
    assert_eq!(code, 0, "{stdout}{err}");
    assert!(stdout.contains("PASS"), "{stdout}");
    let cases = junit_cases(&junit);
    assert_eq!(cases.len(), 1);
    assert_eq!(result_of(&cases, "smooth.mp4"), "pass");

    // Clean + teleport: fail with exit 1, the teleport listed with its frames.
    let mixed = clips(&t.path().join("b"), true, false);
    let scan_dir = t.path().join("gb");
    let junit = t.path().join("mixed.xml");
    let summary = t.path().join("summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let (code, stdout, err) = run_env(
        &[
            "gate",
            "-q",
            &s(&mixed),
            "--out",
            &s(&scan_dir),
            "--junit",
            &s(&junit),
        ],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_STEP_SUMMARY", &s(&summary)),
        ],
    );
    assert_eq!(code, 1, "{stdout}{err}");
    let cases = junit_cases(&junit);
    assert_eq!(result_of(&cases, "smooth.mp4"), "pass");
    assert_eq!(result_of(&cases, "jump.mp4"), "failure");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("implausible_motion/teleport frames 2"),
        "{xml}"
    );
    let annotations: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(annotations.len(), 1, "{stdout}");
    assert!(annotations[0].contains("jump.mp4") && annotations[0].contains("teleport"));
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(
        md.starts_with("earlier step\n") && md.contains("physlint gate: FAIL"),
        "{md}"
    );
    assert!(scan_dir.join("gate.md").is_file() && scan_dir.join("videos.csv").is_file());

    // The same scan judged again with a permissive config: pass, without rescanning.
    let cfg = t.path().join("physlint.toml");
    std::fs::write(&cfg, "max_flagged_share = 0.5\n").unwrap();
    let (code, stdout, _) = run_env(
        &[
            "gate",
            "--scan",
            &s(&scan_dir),
            "--out",
            &s(&t.path().join("gc")),
            "--config",
            &s(&cfg),
        ],
        &[],
    );
    assert_eq!(code, 0, "{stdout}");

    // A corrupt input: exit 2 and an <error> testcase; with errors = "warn", the artifact exit 1 stands.
    let bad = clips(&t.path().join("c"), true, true);
    let junit = t.path().join("bad.xml");
    let (code, _, err) = run_env(
        &[
            "gate",
            "-q",
            &s(&bad),
            "--out",
            &s(&t.path().join("gd")),
            "--junit",
            &s(&junit),
        ],
        &[],
    );
    assert_eq!(code, 2, "{err}");
    let cases = junit_cases(&junit);
    assert_eq!(result_of(&cases, "corrupt.mp4"), "error");
    assert_eq!(result_of(&cases, "jump.mp4"), "failure");
    std::fs::write(&cfg, "errors = \"warn\"\n").unwrap();
    let (code, _, _) = run_env(
        &[
            "gate",
            "--scan",
            &s(&t.path().join("gd")),
            "--out",
            &s(&t.path().join("ge")),
            "--config",
            &s(&cfg),
        ],
        &[],
    );
    assert_eq!(code, 1);

    // A bad config: exit 2, a one-line message naming the file and the key.
    std::fs::write(&cfg, "[families.morphing]\nmax_scor = 0.3\n").unwrap();
    let (code, _, err) = run_env(
        &[
            "gate",
            "--scan",
            &s(&scan_dir),
            "--out",
            &s(&t.path().join("gf")),
            "--config",
            &s(&cfg),
        ],
        &[],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("physlint.toml") && err.contains("max_scor"),
        "{err}"
    );
}

/// Release A: smooth throws; release B: the same prompts (clip names), thrown the same way but
/// with a teleport. B against A fails on implausible_motion; A against A passes.
#[test]
fn baseline_gate_catches_a_regressed_release() {
    let t = tempfile::tempdir().unwrap();
    let s = |p: &Path| p.to_str().unwrap().to_string();
    let (a, b) = (t.path().join("release_a"), t.path().join("release_b"));
    std::fs::create_dir_all(&a).unwrap();
    std::fs::create_dir_all(&b).unwrap();
    for i in 0..6u64 {
        let (x0, vy0) = (30.0 + 8.0 * i as f64, -7.5 - 0.3 * i as f64);
        let name = format!("prompt_{i}.mp4");
        write_mp4(
            &a.join(&name),
            &thrown_disc_from(40, None, 31 + i, x0, vy0).0,
            24.0,
        );
        let jump = Some(16 + i as usize);
        write_mp4(
            &b.join(&name),
            &thrown_disc_from(40, jump, 31 + i, x0, vy0).0,
            24.0,
        );
    }
    let (sa, sb) = (t.path().join("scan_a"), t.path().join("scan_b"));
    for (src, dst) in [(&a, &sa), (&b, &sb)] {
        let (code, err) = physlint(&["scan", "-q", &s(src), "--out", &s(dst)]);
        assert_eq!(code, 0, "{err}");
    }
    // Thresholds wide open so only the regression gate decides.
    let cfg = t.path().join("physlint.toml");
    std::fs::write(&cfg, "max_flagged_share = 1.0\n[baseline]\nmargin = 0.05\n").unwrap();
    let (code, stdout, err) = run_env(
        &[
            "gate",
            "--scan",
            &s(&sb),
            "--baseline",
            &s(&sa),
            "--out",
            &s(&t.path().join("g1")),
            "--config",
            &s(&cfg),
        ],
        &[],
    );
    assert_eq!(code, 1, "{stdout}{err}");
    let line = stdout
        .lines()
        .find(|l| l.starts_with("| implausible_motion |"))
        .unwrap_or_else(|| panic!("{stdout}"));
    assert!(line.ends_with("| yes |"), "{line}");
    let (code, stdout, _) = run_env(
        &[
            "gate",
            "--scan",
            &s(&sa),
            "--baseline",
            &s(&sa),
            "--out",
            &s(&t.path().join("g2")),
            "--config",
            &s(&cfg),
        ],
        &[],
    );
    assert_eq!(code, 0, "{stdout}");
    assert!(!stdout.contains("| yes |"), "{stdout}");
}
