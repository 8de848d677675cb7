//! `physlint synth`: turns the command line and suite file into [`SynthOptions`].

use crate::cli::SynthArgs;
use crate::synth::{SuiteSpec, SynthOptions};
use anyhow::{bail, Context};

fn parse_pair(s: &str, sep: char, what: &str) -> anyhow::Result<(usize, usize)> {
    let mut it = s.split(sep);
    let a = it.next().unwrap_or("").trim().parse::<usize>();
    let b = it.next().map(|b| b.trim().parse::<usize>());
    match (a, b) {
        (Ok(a), None) => Ok((a, a)),
        (Ok(a), Some(Ok(b))) if it.next().is_none() => Ok((a, b)),
        _ => bail!("--{what}: cannot parse {s:?}"),
    }
}

/// Builds synth options: suite file (if any), then flags.
pub fn options(a: &SynthArgs) -> anyhow::Result<SynthOptions> {
    let mut spec = match &a.suite {
        Some(p) => {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("{}: cannot read suite", p.display()))?;
            serde_json::from_str::<SuiteSpec>(&text)
                .with_context(|| format!("{}: invalid suite", p.display()))?
        }
        None => SuiteSpec::default(),
    };
    if let Some(n) = a.count {
        spec.count = n;
    }
    if let Some(s) = a.seed {
        spec.seed = s;
    }
    if let Some(f) = &a.frames {
        spec.frames = parse_pair(f, '-', "frames")?;
        if spec.frames.0 < 24 || spec.frames.1 < spec.frames.0 {
            bail!("--frames: need 24 or more frames, MIN <= MAX");
        }
    }
    if let Some(s) = &a.size {
        let (w, h) = parse_pair(&s.to_ascii_lowercase(), 'x', "size")?;
        if w < 64 || h < 64 || w % 2 == 1 || h % 2 == 1 {
            bail!("--size: need even sizes of at least 64x64, got {s}");
        }
        spec.sizes = vec![(w as i32, h as i32)];
    }
    if let Some(f) = a.fps {
        spec.fps = f;
    }
    let only = a
        .clips
        .as_deref()
        .map(|list| clip_indices(list, spec.count))
        .transpose()?;
    Ok(SynthOptions {
        out: a.out.clone(),
        spec,
        background: a.background.clone(),
        only,
    })
}

/// Clip indices from a list such as `80,208` or `0-16,40` (sorted, without repeats), each below
/// `count`.
fn clip_indices(list: &str, count: usize) -> anyhow::Result<Vec<usize>> {
    let mut out = Vec::new();
    for part in list.split(',') {
        let (a, b) = parse_pair(part, '-', "clips")?;
        if a > b || b >= count {
            bail!(
                "--clips: {part:?} is not a range of clips 0-{}",
                count.saturating_sub(1)
            );
        }
        out.extend(a..=b);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_lists_take_indices_and_ranges_within_the_suite() {
        assert_eq!(clip_indices("80,208", 256).unwrap(), vec![80, 208]);
        assert_eq!(clip_indices("3-5,4,0", 256).unwrap(), vec![0, 3, 4, 5]);
        assert!(clip_indices("256", 256).is_err());
        assert!(clip_indices("5-3", 256).is_err());
        assert!(clip_indices("a", 256).is_err());
    }
}
