//! `entramap code42 preview` and the Code42 part of `entramap check -m SET --code42 FILE`
//! (docs/code42.md).

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};

use super::map::{FormatArg, inputs, load_engine};
use super::{FAILED, Io, OK, OptionArgs, ReportFormat, Usage, pretty};
use crate::code42::{Config, Lint};
use crate::source::input::InputFormat;

#[derive(Subcommand)]
pub(super) enum Code42Action {
    /// Where Code42 puts each user the mapping sends: organization (after Apply org and role
    /// settings, and on a first sync), roles, and deactivation.
    #[command(after_help = "Examples:
  entramap code42 preview -m code42 fixtures/code42/users.ndjson --groups fixtures/code42/groups.ndjson --config fixtures/code42/scim-groups.toml
  entramap code42 preview -m code42 users.ndjson --config code42.toml --format json --now 2026-12-07T09:00:00Z

One row (table, CSV) or JSON object per user on stdout; the lints, failed records and summary
on stderr (one JSON object with --format json). Exit status: 0 when every record was read, 1 when one failed, 2 when called
wrongly or the configuration or mapping set cannot be used.")]
    Preview {
        #[command(flatten)]
        args: PreviewArgs,
        #[command(flatten)]
        options: OptionArgs,
    },
}

#[derive(Args)]
pub(super) struct PreviewArgs {
    /// A built-in mapping set (`entramap mappings`) or a file (native TOML or Graph JSON).
    #[arg(long, short = 'm', value_name = "NAME|FILE")]
    mapping: String,
    /// Source users (`-` = stdin), in any format `map` reads.
    #[arg(value_name = "USERS")]
    users: PathBuf,
    /// Source groups, with their members: only groups the mapping provisions reach Code42.
    #[arg(long, value_name = "GROUPS")]
    groups: Option<PathBuf>,
    /// The Code42 provisioning configuration (docs/code42.md#the-configuration-file).
    #[arg(long, value_name = "FILE")]
    config: PathBuf,
    /// When Entra's deactivations arrive (RFC 3339 or a date); default: the option `now`,
    /// else the system clock.
    #[arg(long)]
    now: Option<String>,
    /// How the users and groups files are laid out (default: detected from their first bytes).
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    input_format: FormatArg,
    /// A table, JSON lines (one object per user) or CSV.
    #[arg(long, value_enum, default_value_t = PreviewFormat::Table)]
    format: PreviewFormat,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PreviewFormat {
    Table,
    Json,
    Csv,
}

pub(super) fn code42(action: Code42Action, io: &mut Io<'_>) -> Result<u8, Usage> {
    match action {
        Code42Action::Preview { args, options } => preview(args, options, io),
    }
}

/// A configuration file, read and checked; its errors name the file's line (exit 2).
pub(super) fn read_config(path: &Path) -> Result<Config, Usage> {
    let text = crate::source::decode::read_text(path)
        .map_err(|e| Usage(format!("cannot read {}: {e}", path.display())))?;
    Config::parse(&text, &path.display().to_string()).map_err(|e| Usage(e.to_string()))
}

fn preview(args: PreviewArgs, options: OptionArgs, io: &mut Io<'_>) -> Result<u8, Usage> {
    let mut options = options.load()?;
    if args.now.is_some() {
        options.run.now = args.now.clone();
    }
    let now = options.clock().map_err(|e| Usage(e.to_string()))?;
    // The configuration first: its errors are reported before anything else is read.
    let config = read_config(&args.config)?;
    if args.groups.as_deref().is_some_and(|g| g.as_os_str() == "-") {
        return Err(Usage(
            "--groups cannot be standard input (only the users can): give the groups file".into(),
        ));
    }
    let (loaded, engine) = load_engine(&args.mapping, true, false, &options, io)?;
    let lints = crate::code42::lint(&config, &loaded.set, &options);
    if args.format != PreviewFormat::Json {
        for lint in &lints {
            let _ = writeln!(io.stderr, "{lint}");
        }
    }
    if args.groups.is_some() && loaded.set.groups.is_none() {
        return Err(Usage(format!(
            "{}: the mapping set has no groups mapping, so the groups given cannot be provisioned",
            args.mapping
        )));
    }
    let max = options.limits.max_line_bytes;
    let format = InputFormat::from(args.input_format);
    let mut no_stdin = std::io::empty();
    let users = inputs(&args.users, &mut *io.stdin, format, max, &mut *io.stderr)?;
    let groups = match &args.groups {
        Some(path) => inputs(path, &mut no_stdin, format, max, &mut *io.stderr)?,
        None => Vec::new(),
    };
    let preview = crate::code42::preview(&engine, users, groups, &config, now)
        .map_err(|e| Usage(format!("reading the records failed: {e}")))?;
    let written = match args.format {
        PreviewFormat::Table => crate::code42::render::write_table(&preview, io.stdout),
        PreviewFormat::Json => crate::code42::render::write_json_lines(&preview, io.stdout),
        PreviewFormat::Csv => crate::code42::render::write_csv(&preview, io.stdout),
    };
    written.map_err(|e| Usage(format!("cannot write the preview: {e}")))?;
    if args.format == PreviewFormat::Json {
        // One object: the summary's keys, the lints and the failed records.
        let mut report = serde_json::to_value(&preview.summary).unwrap_or_default();
        if let Some(object) = report.as_object_mut() {
            object.insert(
                "lints".into(),
                serde_json::to_value(&lints).unwrap_or_default(),
            );
            object.insert(
                "errors".into(),
                serde_json::to_value(&preview.errors).unwrap_or_default(),
            );
        }
        let _ = io.stderr.write_all(pretty(&report).as_bytes());
    } else {
        for error in &preview.errors {
            let at = match &error.file {
                Some(file) => format!("{} {file} line {}", error.kind, error.line),
                None => format!("{} line {}", error.kind, error.line),
            };
            let _ = writeln!(io.stderr, "error: {at}: {}", error.reason);
        }
        let _ = io
            .stderr
            .write_all(crate::code42::render::summary_text(&preview.summary).as_bytes());
    }
    Ok(if preview.errors.is_empty() {
        OK
    } else {
        FAILED
    })
}

/// `check -m SET --code42 FILE`: the configuration's findings against the set, printed in
/// `format`; returned for the totals.
pub(super) fn check_config(
    path: &Path,
    set: &crate::mapping::MappingSet,
    options: &crate::options::Options,
    format: ReportFormat,
    io: &mut Io<'_>,
) -> Result<Vec<Lint>, Usage> {
    let config = read_config(path)?;
    let lints = crate::code42::lint(&config, set, options);
    if format == ReportFormat::Text {
        for lint in &lints {
            let _ = writeln!(io.stdout, "{lint}\n");
        }
    }
    Ok(lints)
}
