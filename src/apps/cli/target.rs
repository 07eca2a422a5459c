//! `entramap target`: what a live app holds (`export`) and how it differs from what a cycle
//! should have left (`diff`) (docs/sync.md#verifying-a-cycle).

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Subcommand;

use super::app::{App, AppArgs};
use super::map::inputs;
use super::{FAILED, Io, OK, ReportFormat, USAGE, Usage};
use crate::scim::compare::{Difference, diff};
use crate::source::input::{InputFormat, each_object};
use crate::sync::{CycleSettings, Exchange, Observer, export::export};

#[derive(Subcommand)]
pub(super) enum TargetAction {
    /// Write every user and group the app holds (`GET /Users`, `/Groups`, paged; each group
    /// by its id, members included) as NDJSON, in the form `--current` reads.
    Export {
        #[command(flatten)]
        app: AppArgs,
        /// Write here instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        out: Option<PathBuf>,
        /// Write every exchange here, one JSON object a line (the token redacted).
        #[arg(long, value_name = "FILE")]
        log: Option<PathBuf>,
    },
    /// Compare what the app should hold (`map`/`sync --expect-out`) with what it holds
    /// (`target export`), attribute by attribute: exit 1 when anything differs.
    Diff {
        /// What the app should hold: one SCIM resource per object.
        #[arg(value_name = "EXPECTED")]
        expected: PathBuf,
        /// What it holds: `target export`'s output, or any file `--current` reads.
        #[arg(value_name = "CURRENT")]
        current: PathBuf,
        /// One line per difference, or one JSON object.
        #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
        format: ReportFormat,
    },
}

pub(super) fn target(action: TargetAction, io: &mut Io<'_>) -> Result<u8, Usage> {
    match action {
        TargetAction::Export { app, out, log } => {
            export_command(&app, out.as_deref(), log.as_deref(), io)
        }
        TargetAction::Diff {
            expected,
            current,
            format,
        } => diff_command(&expected, &current, format, io),
    }
}

/// Exchanges to the log file, when one is given.
struct Log<'a>(Option<&'a mut dyn Write>, Option<std::io::Error>);

impl Observer for Log<'_> {
    fn exchange(&mut self, exchange: &Exchange) {
        if let Some(log) = self.0.as_mut() {
            let written = serde_json::to_writer(&mut **log, exchange)
                .map_err(std::io::Error::from)
                .and_then(|()| log.write_all(b"\n"));
            if let Err(e) = written {
                self.1.get_or_insert(e);
            }
        }
    }
}

fn export_command(
    app: &AppArgs,
    out: Option<&Path>,
    log: Option<&Path>,
    io: &mut Io<'_>,
) -> Result<u8, Usage> {
    let App {
        target,
        mut client,
        token,
        ..
    } = app.connect()?;
    let mut log_file = super::create_output(log)?;
    let mut out_file = super::create_output(out)?;
    let settings = CycleSettings {
        token,
        ..CycleSettings::default()
    };
    let mut observer = Log(log_file.as_mut().map(|f| f as &mut dyn Write), None);
    let written = {
        let sink: &mut dyn Write = match out_file.as_mut() {
            Some(f) => f,
            None => &mut *io.stdout,
        };
        export(&target, &mut client, &settings, sink, &mut observer)
    };
    let log_failed = observer.1.take();
    for file in [log_file.as_mut(), out_file.as_mut()].into_iter().flatten() {
        file.flush()
            .map_err(|e| Usage(format!("cannot write the export or its log: {e}")))?;
    }
    if let Some(e) = log_failed {
        return Err(Usage(format!("cannot write the log: {e}")));
    }
    match written {
        Ok(exported) => {
            let _ = writeln!(
                io.stderr,
                "{} users and {} groups from {} ({} requests)",
                exported.users,
                exported.groups,
                target.base(),
                exported.report.requests
            );
            Ok(OK)
        }
        Err(stopped) => {
            let _ = writeln!(io.stderr, "error: {stopped}");
            Ok(USAGE)
        }
    }
}

/// Every object of a file `--current` would read.
fn read_objects(path: &Path, io: &mut Io<'_>) -> Result<Vec<serde_json::Value>, Usage> {
    let mut objects = Vec::new();
    let max = crate::options::Options::default().limits.max_line_bytes;
    for input in inputs(
        path,
        &mut std::io::empty(),
        InputFormat::Auto,
        max,
        &mut *io.stderr,
    )? {
        each_object(input.records, |_, object| {
            objects.push(serde_json::Value::Object(object));
            std::ops::ControlFlow::Continue(())
        })
        .map_err(|e| {
            Usage(format!(
                "{}: {e}",
                input.name.unwrap_or_else(|| path.display().to_string())
            ))
        })?;
    }
    Ok(objects)
}

fn diff_command(
    expected: &Path,
    current: &Path,
    format: ReportFormat,
    io: &mut Io<'_>,
) -> Result<u8, Usage> {
    let want = read_objects(expected, io)?;
    let have = read_objects(current, io)?;
    let differences: Vec<Difference> = diff(&want, &have);
    if format == ReportFormat::Json {
        let report = serde_json::json!({
            "expected": want.len(),
            "current": have.len(),
            "differences": differences,
        });
        let _ = writeln!(io.stdout, "{report}");
    } else {
        for d in &differences {
            let _ = writeln!(io.stdout, "{d}");
        }
        let _ = writeln!(
            io.stderr,
            "{} expected, {} held: {} difference{}",
            want.len(),
            have.len(),
            differences.len(),
            super::plural(differences.len())
        );
    }
    Ok(if differences.is_empty() { OK } else { FAILED })
}
