//! `entramap test`: run `*.test.toml` files (docs/testing.md).

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{FAILED, Io, OK, OptionArgs, USAGE, Usage};
use crate::suite::{self, report};

#[derive(Args)]
#[command(after_help = "Examples:
  entramap test                      # every *.test.toml under the current directory
  entramap test fixtures/tests/ --format junit > junit.xml
  entramap test mappings/code42.test.toml --update   # write or rewrite its snapshots

Exit status: 0 when every case passed, 1 when one failed, 2 when a file cannot be run.")]
pub(super) struct TestArgs {
    /// Test files, or directories searched recursively for `*.test.toml` (default: `.`).
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Write (or rewrite) the snapshots of `snapshot = true` cases instead of comparing.
    #[arg(long)]
    update: bool,
    /// Failures with a diff (text), JSON lines, JUnit XML, or GitHub annotations.
    #[arg(long, value_enum, default_value_t = TestFormat::Text)]
    format: TestFormat,
    #[command(flatten)]
    options: OptionArgs,
}

#[derive(Clone, Copy, ValueEnum)]
enum TestFormat {
    Text,
    Json,
    Junit,
    Github,
}

pub(super) fn test(args: TestArgs, io: &mut Io<'_>) -> Result<u8, Usage> {
    let options = args.options.load()?;
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths
    };
    let files = suite::discover(&paths).map_err(|e| Usage(e.to_string()))?;
    if files.is_empty() {
        return Err(Usage(format!(
            "no *.test.toml files under {}",
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    // Every file is read and checked before any case runs, so a broken file is reported once.
    let mut results = Vec::new();
    let mut broken = false;
    for file in &files {
        match suite::run_file(file, &options, args.update) {
            Ok(r) => results.extend(r),
            Err(e) => {
                broken = true;
                let _ = writeln!(io.stderr, "error: {e}");
                // Reports (JUnit, JSON, GitHub) show the file as a case that cannot run.
                results.push(suite::CaseResult {
                    name: format!("{} (the whole file)", file.display()),
                    file: file.clone(),
                    line: 1,
                    verdict: suite::Verdict::Broken(e.reason),
                });
            }
        }
    }
    let out = match args.format {
        TestFormat::Text => report::text(&results),
        TestFormat::Json => report::json(&results),
        TestFormat::Junit => report::junit(&results),
        TestFormat::Github => report::github(&results),
    };
    let _ = io.stdout.write_all(out.as_bytes());
    Ok(if broken {
        USAGE
    } else if results.iter().all(suite::CaseResult::passed) {
        OK
    } else {
        FAILED
    })
}
