//! physlint binary: parse the command line, run the command, map the outcome to an exit status.

use anyhow::Context;
use clap::Parser;
use physlint::cli::{Cli, Command};
use physlint::config::Config;
use std::process::ExitCode;

fn main() -> ExitCode {
    // A file-size limit (ulimit -f, a full quota) must surface as a write error naming the file,
    // not kill the process with SIGXFSZ.
    #[cfg(unix)]
    // SAFETY: setting a signal to SIG_IGN before any thread starts has no preconditions.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("physlint: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `--timeout-per-video` seconds as a duration (positive and finite).
fn timeout(secs: Option<f64>) -> anyhow::Result<Option<std::time::Duration>> {
    match secs {
        None => Ok(None),
        Some(s) if s.is_finite() && s > 0.0 => Ok(Some(std::time::Duration::from_secs_f64(s))),
        Some(s) => anyhow::bail!("--timeout-per-video {s}: must be a positive number of seconds"),
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Scan(a) => {
            let config = a.analysis.config();
            let opts = physlint::app::scan::ScanOptions {
                paths: a.paths,
                out: a.out,
                jobs: a.jobs,
                fps: a.fps,
                quiet: a.quiet,
                config,
                calibration: match &a.calibration {
                    Some(p) => serde_json::from_slice(
                        &std::fs::read(p)
                            .with_context(|| format!("{}: cannot read", p.display()))?,
                    )
                    .with_context(|| format!("{}: invalid calibration", p.display()))?,
                    None => physlint::checks::Calibration::default(),
                },
                report: !a.no_report,
                timeout: timeout(a.timeout_per_video)?,
                resume: a.resume,
            };
            let results = physlint::app::scan::run(&opts)?;
            let failed = results
                .videos
                .iter()
                .filter(|v| v.row.status != "ok")
                .count();
            if !opts.quiet {
                eprintln!(
                    "physlint: {} inputs, {} failed; results in {}",
                    results.videos.len(),
                    failed,
                    opts.out.display()
                );
            }
            Ok(if failed > 0 {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Synth(a) => {
            let opts = physlint::app::synth::options(&a)?;
            let labels = physlint::synth::generate(&opts)?;
            let clean = labels.iter().filter(|l| l.label == "clean").count();
            eprintln!(
                "physlint: {} clips ({} clean) in {}",
                labels.len(),
                clean,
                opts.out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Calibrate(a) => {
            let cal = physlint::app::calibrate::run(
                &a.paths,
                a.labels.as_deref(),
                &a.analysis.config(),
                a.jobs,
            )?;
            let mut bytes = serde_json::to_vec_pretty(&cal)?;
            bytes.push(b'\n');
            physlint::report::write_atomic(&a.out, &bytes)?;
            eprintln!("physlint: calibration written to {}", a.out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Gate(a) => {
            let config = match &a.config {
                Some(p) => physlint::gate::GateConfig::load(p).map_err(anyhow::Error::msg)?,
                None if std::path::Path::new("physlint.toml").is_file() => {
                    physlint::gate::GateConfig::load(std::path::Path::new("physlint.toml"))
                        .map_err(anyhow::Error::msg)?
                }
                None => physlint::gate::GateConfig::default(),
            };
            let limit = timeout(a.timeout_per_video)?;
            if a.scan.is_none() && a.paths.is_empty() {
                anyhow::bail!("gate: give video paths to scan, or --scan DIR");
            }
            let scan = (a.scan.is_none()).then(|| physlint::app::scan::ScanOptions {
                paths: a.paths.clone(),
                out: a.out.clone(),
                jobs: a.jobs,
                fps: None,
                quiet: a.quiet,
                config: Config::default(),
                calibration: physlint::checks::Calibration::default(),
                report: true,
                timeout: limit,
                resume: false,
            });
            let opts = physlint::app::gate::GateOptions {
                scan,
                scan_dir: a.scan.clone(),
                out: a.out.clone(),
                config,
                junit: a.junit.clone(),
                baseline: a.baseline.clone(),
            };
            let outcome = physlint::app::gate::run(&opts)?;
            if std::env::var("GITHUB_ACTIONS").as_deref() != Ok("true") {
                print!("{}", physlint::report::ci::markdown(&outcome, &config));
            }
            Ok(ExitCode::from(outcome.exit_code(&config)))
        }
        Command::Compare(a) => {
            let rows = physlint::app::compare::run(
                &a.scans,
                &a.labels,
                &a.out,
                Config::default().flag_threshold,
            )?;
            print!("{}", physlint::app::compare::markdown(&rows));
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval(a) => {
            let out = a.out.clone().unwrap_or_else(|| a.scan.clone());
            let rows = physlint::app::eval::run(
                &a.scan,
                &a.labels,
                &out,
                Config::default().flag_threshold,
            )?;
            print!("{}", physlint::eval::markdown(&rows));
            let worst = rows
                .iter()
                .filter(|r| r.scope == "family")
                .map(|r| r.auc)
                .fold(1.0, f64::min);
            Ok(match a.min_auc {
                Some(m) if worst < m => {
                    eprintln!("physlint: lowest family ROC-AUC {worst:.3} is below --min-auc {m}");
                    ExitCode::from(1)
                }
                _ => ExitCode::SUCCESS,
            })
        }
    }
}
