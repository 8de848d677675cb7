//! physlint binary: parse the command line, run the command, map the outcome to an exit status.

use clap::Parser;
use physlint::cli::{Cli, Command};
use physlint::config::Config;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("physlint: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Scan(a) => {
            let config = Config {
                analysis_width: a.width.max(16),
                flow_preset: a.preset,
                ..Config::default()
            };
            let opts = physlint::app::scan::ScanOptions {
                paths: a.paths,
                out: a.out,
                jobs: a.jobs,
                fps: a.fps,
                quiet: a.quiet,
                config,
            };
            let results = physlint::app::scan::run(&opts)?;
            let failed = results.videos.iter().filter(|v| v.row.status != "ok").count();
            if !opts.quiet {
                eprintln!(
                    "physlint: {} inputs, {} failed; results in {}",
                    results.videos.len(),
                    failed,
                    opts.out.display()
                );
            }
            Ok(if failed > 0 { ExitCode::from(2) } else { ExitCode::SUCCESS })
        }
    }
}
