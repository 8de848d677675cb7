//! Gate outputs for CI systems: JUnit XML (one testcase per video, one per family regression),
//! GitHub Actions annotation lines, and a markdown summary. Takes a [`GateOutcome`]; gives text.

use crate::gate::{GateConfig, GateOutcome};
use std::fmt::Write;

/// Escapes text for XML attributes and content; drops characters XML 1.0 forbids.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn event_line(e: &crate::results::EventRow) -> String {
    format!(
        "{}/{} frames {}-{} track {} box ({:.0},{:.0},{:.0}x{:.0}) score {:.2}: {}",
        e.family,
        e.kind,
        e.frame_start,
        e.frame_end,
        e.track_id,
        e.x,
        e.y,
        e.w,
        e.h,
        e.score,
        e.detail
    )
}

/// A family score over its maximum, as a phrase.
fn family_line((family, score, max): &(String, f64, f64)) -> String {
    format!("{family} score {score:.2} above {max:.2}")
}

/// Why a video failed: its family scores over threshold, then its events, one line each.
fn failure_lines(v: &crate::gate::VideoVerdict) -> Vec<String> {
    v.family_failures
        .iter()
        .map(family_line)
        .chain(v.events.iter().map(event_line))
        .collect()
}

/// JUnit XML: a `physlint.video` testcase per input and a `physlint.regression` testcase per
/// family when a baseline was given.
pub fn junit(outcome: &GateOutcome) -> String {
    let video_failures = outcome
        .videos
        .iter()
        .filter(|v| v.error.is_none() && v.failed())
        .count();
    let errors = outcome.errors();
    let reg_failures = outcome.regressions.iter().filter(|r| r.regressed).count();
    let tests = outcome.videos.len() + outcome.regressions.len();
    let failures = video_failures + reg_failures;
    let mut x = String::new();
    x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"physlint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\">"
    );
    let _ = writeln!(
        x,
        "  <testsuite name=\"physlint gate\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"0\">"
    );
    for v in &outcome.videos {
        let name = xml_escape(&v.video);
        let _ = write!(
            x,
            "    <testcase classname=\"physlint.video\" name=\"{name}\""
        );
        if let Some(err) = &v.error {
            let _ = writeln!(
                x,
                ">\n      <error type=\"input\" message=\"{}\"/>\n    </testcase>",
                xml_escape(err)
            );
        } else if v.failed() {
            let msg = format!(
                "{} family score(s) over threshold, {} event(s)",
                v.family_failures.len(),
                v.events.len()
            );
            let _ = writeln!(
                x,
                ">\n      <failure type=\"artifact\" message=\"{}\">{}</failure>\n    </testcase>",
                xml_escape(&msg),
                xml_escape(&failure_lines(v).join("\n"))
            );
        } else {
            x.push_str("/>\n");
        }
    }
    for r in &outcome.regressions {
        let _ = write!(
            x,
            "    <testcase classname=\"physlint.regression\" name=\"{}\"",
            xml_escape(&r.family)
        );
        if r.regressed {
            let _ = writeln!(
                x,
                ">\n      <failure type=\"regression\" message=\"{}\"/>\n    </testcase>",
                xml_escape(&regression_sentence(r))
            );
        } else {
            x.push_str("/>\n");
        }
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

/// One sentence on a family's change against the baseline.
pub fn regression_sentence(r: &crate::gate::Regression) -> String {
    format!(
        "{}: mean score {:.3} -> {:.3}, change {:+.3} (CI {:+.3}..{:+.3}, {} over {} {})",
        r.family,
        r.baseline_mean,
        r.current_mean,
        r.delta.mean,
        r.delta.lo,
        r.delta.hi,
        if r.paired { "paired" } else { "unpaired" },
        r.n,
        if r.paired { "clips" } else { "videos" }
    )
}

/// Escapes a GitHub workflow-command property or message.
fn gh_escape(s: &str, property: bool) -> String {
    let mut t = s
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    if property {
        t = t.replace(':', "%3A").replace(',', "%2C");
    }
    t
}

/// GitHub Actions annotation lines (`::error ...::`), one per failing video, error and regression.
pub fn github_annotations(outcome: &GateOutcome) -> String {
    let mut out = String::new();
    for v in &outcome.videos {
        if let Some(err) = &v.error {
            let _ = writeln!(
                out,
                "::error file={},title={}::{}",
                gh_escape(&v.video, true),
                gh_escape("physlint: input error", true),
                gh_escape(err, false)
            );
        } else if v.failed() {
            let _ = writeln!(
                out,
                "::error file={},title={}::{}",
                gh_escape(&v.video, true),
                gh_escape("physlint: physics artifacts", true),
                gh_escape(&failure_lines(v).join("\n"), false)
            );
        }
    }
    for r in outcome.regressions.iter().filter(|r| r.regressed) {
        let _ = writeln!(
            out,
            "::error title={}::{}",
            gh_escape(&format!("physlint: {} regressed", r.family), true),
            gh_escape(&regression_sentence(r), false)
        );
    }
    out
}

/// Markdown summary of the gate (for `$GITHUB_STEP_SUMMARY`, merge requests, or a terminal).
pub fn markdown(outcome: &GateOutcome, cfg: &GateConfig) -> String {
    let code = outcome.exit_code(cfg);
    let verdict = match code {
        0 => "PASS",
        1 => "FAIL (artifacts)",
        _ => "FAIL (input errors)",
    };
    let analysed = outcome.videos.len() - outcome.errors();
    let failed = outcome.videos.iter().filter(|v| v.failed()).count();
    let mut s = String::new();
    let _ = writeln!(s, "## physlint gate: {verdict}\n");
    let _ = writeln!(
        s,
        "{} videos, {} analysed, {} failing thresholds ({:.1}%, allowed {:.1}%), {} input errors.\n",
        outcome.videos.len(),
        analysed,
        failed,
        100.0 * outcome.failed_share,
        100.0 * cfg.max_flagged_share,
        outcome.errors()
    );
    let bad: Vec<_> = outcome
        .videos
        .iter()
        .filter(|v| v.failed() || v.error.is_some())
        .collect();
    if !bad.is_empty() {
        s.push_str("| video | result | worst finding |\n|---|---|---|\n");
        for v in bad {
            let (res, worst) = if let Some(e) = &v.error {
                ("error".to_string(), e.clone())
            } else {
                let worst = v
                    .events
                    .iter()
                    .max_by(|a, b| a.score.total_cmp(&b.score))
                    .map(event_line)
                    .or_else(|| v.family_failures.first().map(family_line))
                    .unwrap_or_default();
                (format!("fail ({} events)", v.events.len()), worst)
            };
            let cell = |t: &str| t.replace('|', "\\|").replace('\n', " ");
            let _ = writeln!(s, "| {} | {} | {} |", cell(&v.video), res, cell(&worst));
        }
        s.push('\n');
    }
    if !outcome.regressions.is_empty() {
        s.push_str("| family | baseline mean | current mean | change (CI) | regressed |\n|---|---|---|---|---|\n");
        for r in &outcome.regressions {
            let _ = writeln!(
                s,
                "| {} | {:.3} | {:.3} | {:+.3} ({:+.3}..{:+.3}) | {} |",
                r.family,
                r.baseline_mean,
                r.current_mean,
                r.delta.mean,
                r.delta.lo,
                r.delta.hi,
                if r.regressed { "yes" } else { "no" }
            );
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escape_handles_markup_quotes_and_control_chars() {
        assert_eq!(xml_escape("a<b>&\"c'\u{1}"), "a&lt;b&gt;&amp;&quot;c&apos;");
    }

    #[test]
    fn github_escape_protects_properties() {
        assert_eq!(gh_escape("a,b:c%\n", true), "a%2Cb%3Ac%25%0A");
        assert_eq!(gh_escape("a,b:c", false), "a,b:c");
    }
}
