//! Gate policy: turns scan results (video rows and events) into pass/fail decisions for CI.
//!
//! Takes [`VideoRow`]s and [`EventRow`]s (from a scan just run or read back from its CSVs) and a
//! [`GateConfig`] (parsed from `physlint.toml`); gives per-video failures with their reasons, the
//! batch verdict, and, against a baseline scan, per-family regressions with bootstrap intervals.

use crate::checks::FAMILIES;
use crate::results::{EventRow, VideoRow};
use crate::stats::{Bootstrap, Interval};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// What to do with inputs that could not be analysed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum OnError {
    /// Errors fail the gate with exit status 2.
    #[default]
    Fail,
    /// Errors are reported but do not change the exit status.
    Warn,
}

/// Thresholds of one family.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct FamilyRule {
    /// A video fails when its family score exceeds this (0..1).
    pub max_score: f64,
    /// A video fails when it has an event of this family scoring at least this (0..1).
    pub min_event_score: f64,
}

impl Default for FamilyRule {
    fn default() -> Self {
        FamilyRule {
            max_score: 0.5,
            min_event_score: 0.5,
        }
    }
}

/// Per-kind override of the event threshold.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct KindRule {
    /// A video fails when it has an event of this kind scoring at least this (0..1).
    pub min_event_score: f64,
}

/// The four families' rules.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Families {
    /// Morphing.
    pub morphing: FamilyRule,
    /// Missing limbs.
    pub missing_limbs: FamilyRule,
    /// Implausible motion.
    pub implausible_motion: FamilyRule,
    /// Object permanence.
    pub object_permanence: FamilyRule,
}

impl Families {
    /// Rule of a family by name.
    pub fn get(&self, family: &str) -> Option<&FamilyRule> {
        match family {
            "morphing" => Some(&self.morphing),
            "missing_limbs" => Some(&self.missing_limbs),
            "implausible_motion" => Some(&self.implausible_motion),
            "object_permanence" => Some(&self.object_permanence),
            _ => None,
        }
    }
}

/// Per-kind rules (each optional; absent = the family's rule).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Kinds {
    /// Morph.
    pub morph: Option<KindRule>,
    /// Instant morph.
    pub instant_morph: Option<KindRule>,
    /// Part loss.
    pub part_loss: Option<KindRule>,
    /// Part gain.
    pub part_gain: Option<KindRule>,
    /// Vanish.
    pub vanish: Option<KindRule>,
    /// Appear.
    pub appear: Option<KindRule>,
    /// Teleport.
    pub teleport: Option<KindRule>,
    /// Hover.
    pub hover: Option<KindRule>,
    /// Antigravity.
    pub antigravity: Option<KindRule>,
    /// Bounce gain.
    pub bounce_gain: Option<KindRule>,
    /// Speed jump.
    pub speed_jump: Option<KindRule>,
}

impl Kinds {
    /// Rule of a kind by name, when set.
    pub fn get(&self, kind: &str) -> Option<&KindRule> {
        match kind {
            "morph" => self.morph.as_ref(),
            "instant_morph" => self.instant_morph.as_ref(),
            "part_loss" => self.part_loss.as_ref(),
            "part_gain" => self.part_gain.as_ref(),
            "vanish" => self.vanish.as_ref(),
            "appear" => self.appear.as_ref(),
            "teleport" => self.teleport.as_ref(),
            "hover" => self.hover.as_ref(),
            "antigravity" => self.antigravity.as_ref(),
            "bounce_gain" => self.bounce_gain.as_ref(),
            "speed_jump" => self.speed_jump.as_ref(),
            _ => None,
        }
    }
}

/// Regression gate settings (used with `--baseline`).
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BaselineRule {
    /// Fail when a family's mean score rises by more than this, with statistical support.
    pub margin: f64,
    /// Confidence of the bootstrap interval (0..1, exclusive).
    pub confidence: f64,
    /// Bootstrap resamples.
    pub resamples: usize,
    /// Bootstrap seed.
    pub seed: u64,
}

impl Default for BaselineRule {
    fn default() -> Self {
        BaselineRule {
            margin: 0.02,
            confidence: 0.95,
            resamples: 2000,
            seed: 1,
        }
    }
}

/// `physlint.toml`: every key optional; unknown keys are errors.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct GateConfig {
    /// Fail when the share of failing videos exceeds this (0 = any failing video fails the gate).
    pub max_flagged_share: f64,
    /// `fail` (exit 2) or `warn` on inputs that could not be analysed.
    pub errors: OnError,
    /// Per-family rules.
    pub families: Families,
    /// Per-kind overrides.
    pub kinds: Kinds,
    /// Regression gate.
    pub baseline: BaselineRule,
}

impl Default for GateConfig {
    fn default() -> Self {
        GateConfig {
            max_flagged_share: 0.0,
            errors: OnError::Fail,
            families: Families::default(),
            kinds: Kinds::default(),
            baseline: BaselineRule::default(),
        }
    }
}

impl GateConfig {
    /// Parses and validates TOML text; errors name the offending key.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let cfg: GateConfig = toml::from_str(text).map_err(|e| {
            let msg = e.message().to_string();
            match e.span() {
                Some(span) => {
                    let line = text[..span.start.min(text.len())].lines().count().max(1);
                    format!("line {line}: {msg}")
                }
                None => msg,
            }
        })?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Reads and validates a config file; errors name the file.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
        Self::from_toml(&text).map_err(|e| format!("{}: {e}", path.display()))
    }

    /// Checks value ranges, naming the key of the first bad value.
    pub fn validate(&self) -> Result<(), String> {
        let unit = |key: String, v: f64| {
            if (0.0..=1.0).contains(&v) {
                Ok(())
            } else {
                Err(format!("{key} = {v}: must be between 0 and 1"))
            }
        };
        unit("max_flagged_share".into(), self.max_flagged_share)?;
        for f in FAMILIES {
            let r = self.families.get(f).expect("every family has a rule");
            unit(format!("families.{f}.max_score"), r.max_score)?;
            unit(format!("families.{f}.min_event_score"), r.min_event_score)?;
        }
        for k in crate::checks::KINDS {
            if let Some(r) = self.kinds.get(k) {
                unit(format!("kinds.{k}.min_event_score"), r.min_event_score)?;
            }
        }
        let b = &self.baseline;
        if !(b.margin.is_finite() && b.margin >= 0.0) {
            return Err(format!("baseline.margin = {}: must be 0 or more", b.margin));
        }
        if !(b.confidence > 0.0 && b.confidence < 1.0) {
            return Err(format!(
                "baseline.confidence = {}: must be between 0 and 1 (exclusive)",
                b.confidence
            ));
        }
        if b.resamples < 100 {
            return Err(format!(
                "baseline.resamples = {}: must be at least 100",
                b.resamples
            ));
        }
        Ok(())
    }

    /// The event threshold for a kind of a family.
    pub fn event_threshold(&self, family: &str, kind: &str) -> f64 {
        self.kinds
            .get(kind)
            .map(|k| k.min_event_score)
            .or_else(|| self.families.get(family).map(|f| f.min_event_score))
            .unwrap_or(0.5)
    }
}

/// The gate's decision on one video.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoVerdict {
    /// Input path as scanned.
    pub video: String,
    /// Analysis error, if the input could not be analysed.
    pub error: Option<String>,
    /// Family scores above their maximum: (family, score, maximum).
    pub family_failures: Vec<(String, f64, f64)>,
    /// Events at or above their threshold.
    pub events: Vec<EventRow>,
}

impl VideoVerdict {
    /// True when thresholds were exceeded.
    pub fn failed(&self) -> bool {
        !self.family_failures.is_empty() || !self.events.is_empty()
    }
}

/// A family's change against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Regression {
    /// Family.
    pub family: String,
    /// Mean score of the baseline.
    pub baseline_mean: f64,
    /// Mean score of the current run.
    pub current_mean: f64,
    /// Current − baseline, with its bootstrap interval.
    pub delta: Interval,
    /// Paired on clip names (true) or two independent samples (false).
    pub paired: bool,
    /// Videos compared (pairs when paired).
    pub n: usize,
    /// True when the interval's lower bound exceeds the margin.
    pub regressed: bool,
}

/// The gate's decision on a batch.
#[derive(Debug, Clone, PartialEq)]
pub struct GateOutcome {
    /// Per video, in scan order.
    pub videos: Vec<VideoVerdict>,
    /// Share of analysed videos that failed.
    pub failed_share: f64,
    /// True when the failed share exceeds `max_flagged_share`.
    pub artifacts_failed: bool,
    /// Regressions against the baseline (empty without one).
    pub regressions: Vec<Regression>,
}

impl GateOutcome {
    /// Inputs that could not be analysed.
    pub fn errors(&self) -> usize {
        self.videos.iter().filter(|v| v.error.is_some()).count()
    }

    /// Exit status: 2 on input errors (unless `errors = "warn"`), else 1 when thresholds or the
    /// regression gate failed, else 0.
    pub fn exit_code(&self, cfg: &GateConfig) -> u8 {
        if self.errors() > 0 && cfg.errors == OnError::Fail {
            2
        } else if self.artifacts_failed || self.regressions.iter().any(|r| r.regressed) {
            1
        } else {
            0
        }
    }
}

/// Applies thresholds to a scan.
pub fn judge(videos: &[VideoRow], events: &[EventRow], cfg: &GateConfig) -> GateOutcome {
    let mut by_video: BTreeMap<&str, Vec<&EventRow>> = BTreeMap::new();
    for e in events {
        by_video.entry(e.video.as_str()).or_default().push(e);
    }
    let verdicts: Vec<VideoVerdict> = videos
        .iter()
        .map(|v| {
            if v.status != "ok" {
                return VideoVerdict {
                    video: v.video.clone(),
                    error: Some(if v.error.is_empty() {
                        "could not be analysed".into()
                    } else {
                        v.error.clone()
                    }),
                    family_failures: Vec::new(),
                    events: Vec::new(),
                };
            }
            let family_failures = FAMILIES
                .iter()
                .filter_map(|f| {
                    let s = v.family_score(f);
                    let max = cfg.families.get(f).map_or(0.5, |r| r.max_score);
                    (s > max).then(|| (f.to_string(), s, max))
                })
                .collect();
            let events = by_video
                .get(v.video.as_str())
                .map(|es| {
                    es.iter()
                        .filter(|e| e.score >= cfg.event_threshold(&e.family, &e.kind))
                        .map(|e| (*e).clone())
                        .collect()
                })
                .unwrap_or_default();
            VideoVerdict {
                video: v.video.clone(),
                error: None,
                family_failures,
                events,
            }
        })
        .collect();
    let analysed = verdicts.iter().filter(|v| v.error.is_none()).count();
    let failed = verdicts.iter().filter(|v| v.failed()).count();
    let failed_share = if analysed == 0 {
        0.0
    } else {
        failed as f64 / analysed as f64
    };
    GateOutcome {
        videos: verdicts,
        failed_share,
        artifacts_failed: failed_share > cfg.max_flagged_share,
        regressions: Vec::new(),
    }
}

/// Clip identity across runs: the file name without folders (prompts share names across models).
pub fn clip_key(video: &str) -> String {
    Path::new(video)
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| video.to_string())
}

/// Analysed videos of a scan by clip name ([`clip_key`]).
pub fn analysed_by_clip(rows: &[VideoRow]) -> BTreeMap<String, &VideoRow> {
    rows.iter()
        .filter(|v| v.status == "ok")
        .map(|v| (clip_key(&v.video), v))
        .collect()
}

/// Change of a family's mean score from `a` to `b` with its bootstrap interval: paired on the
/// clip names both have when at least two match, else two independent samples. Also returns the
/// number of pairs (0 when unpaired).
pub fn family_change(
    a: &BTreeMap<String, &VideoRow>,
    b: &BTreeMap<String, &VideoRow>,
    family: &str,
    boot: &Bootstrap,
) -> (Interval, usize) {
    let common: Vec<&String> = a.keys().filter(|k| b.contains_key(*k)).collect();
    if common.len() >= 2 {
        let pairs: Vec<(f64, f64)> = common
            .iter()
            .map(|k| (a[*k].family_score(family), b[*k].family_score(family)))
            .collect();
        (boot.paired_diff(&pairs), pairs.len())
    } else {
        let scores = |m: &BTreeMap<String, &VideoRow>| -> Vec<f64> {
            m.values().map(|v| v.family_score(family)).collect()
        };
        (boot.diff(&scores(a), &scores(b)), 0)
    }
}

/// Per-family change of mean score from `baseline` to `current` (analysed videos only): paired on
/// clip names when at least two names match, else unpaired.
pub fn regressions(
    baseline: &[VideoRow],
    current: &[VideoRow],
    rule: &BaselineRule,
) -> Vec<Regression> {
    let (a, b) = (analysed_by_clip(baseline), analysed_by_clip(current));
    let boot = Bootstrap {
        resamples: rule.resamples,
        confidence: rule.confidence,
        seed: rule.seed,
    };
    FAMILIES
        .iter()
        .map(|f| {
            let xs: Vec<f64> = a.values().map(|v| v.family_score(f)).collect();
            let ys: Vec<f64> = b.values().map(|v| v.family_score(f)).collect();
            let (delta, pairs) = family_change(&a, &b, f, &boot);
            let paired = pairs > 0;
            Regression {
                family: f.to_string(),
                baseline_mean: crate::stats::mean(&xs),
                current_mean: crate::stats::mean(&ys),
                regressed: delta.lo > rule.margin,
                delta,
                paired,
                n: if paired {
                    pairs
                } else {
                    xs.len().min(ys.len())
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn video(name: &str, morph: f64) -> VideoRow {
        VideoRow {
            video: name.into(),
            status: "ok".into(),
            morphing_score: morph,
            ..Default::default()
        }
    }

    /// The physlint.toml example in README.md parses and shows the defaults it claims.
    #[test]
    fn readme_example_config_parses() {
        let readme = include_str!("../README.md");
        let start = readme.find("```toml\n").expect("README has a toml block") + 8;
        let end = start + readme[start..].find("```").unwrap();
        let cfg = GateConfig::from_toml(&readme[start..end]).unwrap();
        let want = GateConfig {
            kinds: Kinds {
                teleport: Some(KindRule {
                    min_event_score: 0.7,
                }),
                ..Kinds::default()
            },
            ..GateConfig::default()
        };
        assert_eq!(cfg, want);
    }

    #[test]
    fn defaults_parse_from_empty_file() {
        assert_eq!(GateConfig::from_toml("").unwrap(), GateConfig::default());
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_key() {
        let e = GateConfig::from_toml("max_flaged_share = 0.1\n").unwrap_err();
        assert!(
            e.contains("max_flaged_share") && e.contains("line 1"),
            "{e}"
        );
        let e = GateConfig::from_toml("[families.morphng]\nmax_score = 0.4\n").unwrap_err();
        assert!(e.contains("morphng"), "{e}");
        let e = GateConfig::from_toml("[kinds.teleport]\nmin_event_score = 1.5\n").unwrap_err();
        assert!(e.contains("kinds.teleport.min_event_score"), "{e}");
        let e = GateConfig::from_toml("errors = \"ignore\"\n").unwrap_err();
        assert!(e.contains("ignore"), "{e}");
        let e = GateConfig::from_toml("[baseline]\nconfidence = 1.0\n").unwrap_err();
        assert!(e.contains("baseline.confidence"), "{e}");
        let e = GateConfig::from_toml("[kinds.instant_morph]\nmin_event_score = 2\n").unwrap_err();
        assert!(e.contains("kinds.instant_morph.min_event_score"), "{e}");
    }

    #[test]
    fn kind_rule_overrides_family_rule() {
        let cfg = GateConfig::from_toml(
            "[families.implausible_motion]\nmin_event_score = 0.6\n[kinds.teleport]\nmin_event_score = 0.9\n",
        )
        .unwrap();
        assert_eq!(cfg.event_threshold("implausible_motion", "teleport"), 0.9);
        assert_eq!(cfg.event_threshold("implausible_motion", "hover"), 0.6);
        assert_eq!(cfg.event_threshold("morphing", "morph"), 0.5);
        let cfg = GateConfig::from_toml("[kinds.instant_morph]\nmin_event_score = 0.8\n").unwrap();
        assert_eq!(cfg.event_threshold("morphing", "instant_morph"), 0.8);
        assert_eq!(cfg.event_threshold("morphing", "morph"), 0.5);
    }

    #[test]
    fn judge_applies_scores_events_and_share() {
        let videos = vec![
            video("a.mp4", 0.1),
            video("b.mp4", 0.7),
            video("c.mp4", 0.2),
        ];
        let events = vec![EventRow {
            video: "c.mp4".into(),
            family: "implausible_motion".into(),
            kind: "teleport".into(),
            score: 0.55,
            ..Default::default()
        }];
        let mut cfg = GateConfig::default();
        let o = judge(&videos, &events, &cfg);
        assert!(!o.videos[0].failed() && o.videos[1].failed() && o.videos[2].failed());
        assert!((o.failed_share - 2.0 / 3.0).abs() < 1e-9 && o.exit_code(&cfg) == 1);
        cfg.kinds.teleport = Some(KindRule {
            min_event_score: 0.6,
        });
        cfg.max_flagged_share = 0.4;
        let o = judge(&videos, &events, &cfg);
        assert!(!o.videos[2].failed() && o.exit_code(&cfg) == 0);
    }

    #[test]
    fn errors_exit_two_unless_warned() {
        let mut bad = video("x.mp4", 0.0);
        bad.status = "error".into();
        let mut cfg = GateConfig::default();
        let o = judge(&[bad, video("a.mp4", 0.9)], &[], &cfg);
        assert_eq!(o.exit_code(&cfg), 2);
        cfg.errors = OnError::Warn;
        assert_eq!(o.exit_code(&cfg), 1);
    }

    #[test]
    fn regression_needs_support_beyond_the_margin() {
        let base: Vec<VideoRow> = (0..30)
            .map(|i| video(&format!("a/p{i}.mp4"), 0.1 + 0.01 * (i % 5) as f64))
            .collect();
        let worse: Vec<VideoRow> = (0..30)
            .map(|i| video(&format!("b/p{i}.mp4"), 0.3 + 0.01 * (i % 7) as f64))
            .collect();
        let rule = BaselineRule::default();
        let r = regressions(&base, &worse, &rule);
        let m = r.iter().find(|r| r.family == "morphing").unwrap();
        assert!(
            m.paired && m.n == 30 && m.regressed && m.delta.lo > 0.15,
            "{m:?}"
        );
        assert!(r
            .iter()
            .filter(|r| r.family != "morphing")
            .all(|r| !r.regressed));
        let same = regressions(&base, &base, &rule);
        assert!(same.iter().all(|r| !r.regressed && r.delta.mean == 0.0));
    }
}
