//! Statistics for comparing runs: seeded percentile-bootstrap confidence intervals of a mean and of
//! a paired or unpaired difference of means. Plain numbers in, plain numbers out; deterministic
//! for a seed.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

/// A mean with its bootstrap confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// Point estimate.
    pub mean: f64,
    /// Lower bound.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
}

/// Bootstrap settings.
#[derive(Debug, Clone, Copy)]
pub struct Bootstrap {
    /// Resamples drawn.
    pub resamples: usize,
    /// Two-sided confidence level (e.g. 0.95).
    pub confidence: f64,
    /// RNG seed.
    pub seed: u64,
}

impl Default for Bootstrap {
    fn default() -> Self {
        Bootstrap {
            resamples: 2000,
            confidence: 0.95,
            seed: 1,
        }
    }
}

/// Arithmetic mean (0 for no values).
pub fn mean(xs: &[f64]) -> f64 {
    if xs.is_empty() {
        0.0
    } else {
        xs.iter().sum::<f64>() / xs.len() as f64
    }
}

/// Linear-interpolated quantile of sorted values.
fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let i = pos.floor() as usize;
    let j = (i + 1).min(sorted.len() - 1);
    sorted[i] + (sorted[j] - sorted[i]) * (pos - i as f64)
}

fn interval(point: f64, mut stats: Vec<f64>, confidence: f64) -> Interval {
    stats.sort_by(f64::total_cmp);
    let a = (1.0 - confidence) / 2.0;
    Interval {
        mean: point,
        lo: quantile(&stats, a),
        hi: quantile(&stats, 1.0 - a),
    }
}

impl Bootstrap {
    /// Percentile-bootstrap CI of the mean of `xs` (a degenerate interval for fewer than 2 values).
    pub fn mean(&self, xs: &[f64]) -> Interval {
        let m = mean(xs);
        if xs.len() < 2 {
            return Interval {
                mean: m,
                lo: m,
                hi: m,
            };
        }
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let n = xs.len();
        let stats = (0..self.resamples)
            .map(|_| (0..n).map(|_| xs[rng.gen_range(0..n)]).sum::<f64>() / n as f64)
            .collect();
        interval(m, stats, self.confidence)
    }

    /// CI of mean(b) − mean(a) for pairs (a_i, b_i) measured on the same items.
    pub fn paired_diff(&self, pairs: &[(f64, f64)]) -> Interval {
        let d: Vec<f64> = pairs.iter().map(|(a, b)| b - a).collect();
        self.mean(&d)
    }

    /// CI of mean(b) − mean(a) for independent samples (each resampled on its own).
    pub fn diff(&self, a: &[f64], b: &[f64]) -> Interval {
        let point = mean(b) - mean(a);
        if a.is_empty() || b.is_empty() {
            return Interval {
                mean: point,
                lo: point,
                hi: point,
            };
        }
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        let draw = |xs: &[f64], rng: &mut ChaCha8Rng| {
            (0..xs.len())
                .map(|_| xs[rng.gen_range(0..xs.len())])
                .sum::<f64>()
                / xs.len() as f64
        };
        let stats = (0..self.resamples)
            .map(|_| {
                let mb = draw(b, &mut rng);
                let ma = draw(a, &mut rng);
                mb - ma
            })
            .collect();
        interval(point, stats, self.confidence)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_distr_free::normal;

    /// Box–Muller normal draws without another crate.
    mod rand_distr_free {
        use rand::Rng;
        pub fn normal<R: Rng>(rng: &mut R, mu: f64, sigma: f64) -> f64 {
            let u1: f64 = rng.gen_range(f64::EPSILON..1.0);
            let u2: f64 = rng.gen();
            mu + sigma * (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
        }
    }

    #[test]
    fn constant_sample_has_zero_width() {
        let ci = Bootstrap::default().mean(&[0.3; 20]);
        assert!((ci.mean - 0.3).abs() < 1e-12 && (ci.hi - ci.lo).abs() < 1e-12);
    }

    #[test]
    fn interval_contains_the_point_and_shrinks_with_n() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        let small: Vec<f64> = (0..20).map(|_| normal(&mut rng, 1.0, 1.0)).collect();
        let big: Vec<f64> = (0..500).map(|_| normal(&mut rng, 1.0, 1.0)).collect();
        let b = Bootstrap::default();
        let (s, l) = (b.mean(&small), b.mean(&big));
        assert!(s.lo < s.mean && s.mean < s.hi);
        assert!((l.hi - l.lo) < (s.hi - s.lo) / 3.0, "{s:?} {l:?}");
        // Normal theory: width ≈ 2·1.96·σ/√n.
        let want = 2.0 * 1.96 / (500f64).sqrt();
        assert!(((l.hi - l.lo) - want).abs() < 0.2 * want, "{l:?} vs {want}");
    }

    /// Over many seeds, the 95% interval of a known mean covers it about 95% of the time.
    #[test]
    fn coverage_is_near_nominal() {
        let trials = 400;
        let mut covered_mean = 0;
        let mut covered_paired = 0;
        let mut covered_diff = 0;
        for seed in 0..trials {
            let mut rng = ChaCha8Rng::seed_from_u64(1000 + seed);
            let b = Bootstrap {
                resamples: 400,
                confidence: 0.95,
                seed,
            };
            let xs: Vec<f64> = (0..40).map(|_| normal(&mut rng, 0.2, 0.1)).collect();
            let ci = b.mean(&xs);
            covered_mean += (ci.lo <= 0.2 && 0.2 <= ci.hi) as usize;
            // Paired: per-item level varies a lot, the release adds +0.05.
            let pairs: Vec<(f64, f64)> = (0..40)
                .map(|_| {
                    let level = normal(&mut rng, 0.3, 0.2);
                    (level, level + 0.05 + normal(&mut rng, 0.0, 0.03))
                })
                .collect();
            let ci = b.paired_diff(&pairs);
            covered_paired += (ci.lo <= 0.05 && 0.05 <= ci.hi) as usize;
            let a: Vec<f64> = (0..40).map(|_| normal(&mut rng, 0.3, 0.1)).collect();
            let c: Vec<f64> = (0..60).map(|_| normal(&mut rng, 0.4, 0.1)).collect();
            let ci = b.diff(&a, &c);
            covered_diff += (ci.lo <= 0.1 && 0.1 <= ci.hi) as usize;
        }
        for (name, c) in [
            ("mean", covered_mean),
            ("paired", covered_paired),
            ("diff", covered_diff),
        ] {
            let rate = c as f64 / trials as f64;
            // Percentile bootstrap at n = 40 runs slightly under nominal; binomial SE ≈ 0.011.
            assert!((0.90..=0.98).contains(&rate), "{name} coverage {rate}");
        }
    }

    #[test]
    fn same_seed_same_interval() {
        let xs: Vec<f64> = (0..30).map(|i| (i as f64 * 0.37).sin()).collect();
        let b = Bootstrap::default();
        assert_eq!(b.mean(&xs), b.mean(&xs));
    }
}
