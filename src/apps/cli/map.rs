//! `entramap map` and `entramap check --mapping`.

use std::io::{Read, Write};
use std::path::PathBuf;

use serde_json::json;

use super::progress::{ProgressBar, WarningTally};
use super::{FAILED, Io, OK, ReportFormat, Usage, plural, pretty};
use crate::diagnostic::Diagnostic;
use crate::options::Options;
use crate::provision::run::{At, Input};
use crate::provision::state_file;
use crate::source::input::{self, InputFormat};

#[derive(clap::Args, Debug)]
pub(super) struct MapArgs {
    /// A built-in mapping set (`entramap mappings`) or a file (native TOML or Graph JSON).
    #[arg(long, short = 'm', value_name = "NAME|FILE")]
    pub(super) mapping: String,
    /// Source users (`-` = stdin): NDJSON, a JSON array (`az ad user list`), Graph pages
    /// (`GET /users`, one or many, pretty-printed or not), CSV (admin center "Download users"),
    /// or a directory of such files.
    #[arg(value_name = "USERS")]
    pub(super) users: Option<PathBuf>,
    /// Source groups, in any of the users' formats.
    #[arg(long, value_name = "GROUPS")]
    pub(super) groups: Option<PathBuf>,
    /// How the users and groups files are laid out (default: detected from their first bytes).
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    pub(super) input_format: FormatArg,
    /// The target's current objects (SCIM resources with "id"): NDJSON, a JSON array, or what
    /// the app answers to `GET /Users` (SCIM ListResponse pages).
    #[arg(long, value_name = "TARGET")]
    pub(super) current: Option<PathBuf>,
    /// Links from an earlier cycle (what --state-out wrote): which target object each source
    /// object was provisioned to, so renamed objects are updated, never created again.
    #[arg(long, value_name = "FILE")]
    pub(super) state: Option<PathBuf>,
    /// After the run, write every link (earlier ones and this run's) here, one JSON object a
    /// line: {"kind","sourceId","targetId"}.
    #[arg(long, value_name = "FILE")]
    pub(super) state_out: Option<PathBuf>,
    /// Write the requests here instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub(super) out: Option<PathBuf>,
    /// Write what the target should hold after this cycle here: one SCIM resource per object,
    /// created objects under their stand-in ids (compare with the app by `target diff`).
    #[arg(long, value_name = "FILE")]
    pub(super) expect_out: Option<PathBuf>,
    /// Also write failed records here, one JSON object per line ({"kind","line","reason"}).
    #[arg(long, value_name = "FILE")]
    pub(super) errors: Option<PathBuf>,
    /// Do not print per-record warnings.
    #[arg(long, short = 'q')]
    pub(super) quiet: bool,
    /// Treat the mapping set's warnings (what `check -m` finds) as errors: refuse to run.
    #[arg(long)]
    pub(super) strict: bool,
    /// The closing summary (on stderr) as text, or as one JSON object with the counts, skip
    /// reasons and warnings by kind.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub(super) format: ReportFormat,
    /// Print on stderr, for every record, what it came to (created, updated, disabled, deleted,
    /// or skipped and why) and, when it is out of scope, the group and clause that decided.
    #[arg(long)]
    pub(super) explain: bool,
    /// Threads that read, evaluate and match records (0 = one per core, less two on machines
    /// of more than four cores, which the reading, applying and writing threads need).
    #[arg(long, default_value_t = 0)]
    pub(super) threads: usize,
}

/// `--explain`'s account of one record: what it came to, why it is out of scope, and each
/// attribute it changes, from what (`map` and `sync` alike).
pub(super) fn explained(at: &At<'_>, applied: &crate::provision::Applied) -> String {
    let mut out = format!("explain: {at}: {}", applied.outcome);
    if let Some(why) = &applied.out_of_scope {
        out.push_str("; scope: ");
        out.push_str(why);
    }
    for change in &applied.changed {
        out.push_str("\n    ");
        out.push_str(&change.to_string());
    }
    out
}

/// `--threads 0`: every core plans, except on a larger machine, where two are left to the
/// run's own threads (reader, serial stage, writer); planning more than that slowed the serial
/// stage, which bounds the whole (README, Performance).
fn planning_threads(asked: usize) -> usize {
    if asked > 0 {
        return asked;
    }
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    if cores > 4 { cores - 2 } else { cores }
}

/// `--input-format`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum FormatArg {
    Auto,
    Ndjson,
    Json,
    Csv,
}

impl From<FormatArg> for InputFormat {
    fn from(f: FormatArg) -> InputFormat {
        match f {
            FormatArg::Auto => InputFormat::Auto,
            FormatArg::Ndjson => InputFormat::Ndjson,
            FormatArg::Json => InputFormat::Json,
            FormatArg::Csv => InputFormat::Csv,
        }
    }
}

/// The inputs a path names: standard input (`-`), a file, or a directory's files. A
/// directory's entries that are not read are named on `stderr`.
pub(super) fn inputs<'s>(
    path: &std::path::Path,
    stdin: &'s mut (dyn Read + Send),
    format: InputFormat,
    max: usize,
    stderr: &mut dyn Write,
) -> Result<Vec<Input<'s>>, Usage> {
    let cannot = |e: std::io::Error| Usage(format!("cannot read {}: {e}", path.display()));
    if path.as_os_str() == "-" {
        let reader = Box::new(std::io::BufReader::new(stdin));
        return Ok(vec![Input::new(
            input::records(reader, format, max).map_err(cannot)?,
        )]);
    }
    let opened = input::open_path(path, format, max).map_err(cannot)?;
    for (name, why) in &opened.skipped {
        let _ = writeln!(
            stderr,
            "warning: {}: {name} is not read: {why}",
            path.display()
        );
    }
    Ok(opened
        .files
        .into_iter()
        .map(|(name, records)| Input { name, records })
        .collect())
}

/// A writer whose reader may go away: from the first broken pipe on, writes are dropped.
struct ClosedReader<'a> {
    inner: &'a mut (dyn Write + Send),
    closed: bool,
}

impl Write for ClosedReader<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if !self.closed {
            match self.inner.write(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => self.closed = true,
                other => return other,
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.closed {
            return Ok(());
        }
        match self.inner.flush() {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(())
            }
            other => other,
        }
    }
}

/// The links of `--state`; a file from before state files were sealed is read with a warning.
pub(super) fn read_state(
    path: &std::path::Path,
    max_line_bytes: usize,
    io: &mut Io<'_>,
) -> Result<Vec<crate::provision::Link>, Usage> {
    let file = state_file::read(path, max_line_bytes).map_err(|e| Usage(e.to_string()))?;
    if file.integrity == state_file::Integrity::Unsealed {
        let _ = writeln!(io.stderr, "warning: {}", state_file::unsealed_warning(path));
    }
    Ok(file.links)
}

/// `-o`, `--errors` or `--state-out` naming an input would empty it before it is read (or
/// write a file the run reads): refused before anything is opened. `--state-out` may be the
/// `--state` it follows (the state is read whole first, and replaced atomically).
fn refuse_outputs_that_are_inputs(args: &MapArgs) -> Result<(), Usage> {
    let inputs = [
        ("the users", &args.users),
        ("--groups", &args.groups),
        ("--current", &args.current),
        ("--state", &args.state),
    ];
    let outputs = [
        ("-o", &args.out),
        ("--errors", &args.errors),
        ("--state-out", &args.state_out),
        ("--expect-out", &args.expect_out),
    ];
    let same = |a: &std::path::Path, b: &std::path::Path| {
        a == b || same_file::is_same_file(a, b).unwrap_or(false)
    };
    for (output_flag, output) in outputs {
        let Some(output) = output.as_deref().filter(|p| p.as_os_str() != "-") else {
            continue;
        };
        for (input_flag, input) in inputs {
            let Some(input) = input.as_deref().filter(|p| p.as_os_str() != "-") else {
                continue;
            };
            if (output_flag, input_flag) == ("--state-out", "--state") {
                continue;
            }
            let inside = input.is_dir() && output.parent().is_some_and(|dir| same(dir, input));
            if same(output, input) || inside {
                return Err(Usage(format!(
                    "{output_flag} {} is {} input {}: writing it would destroy what the run reads; write somewhere else",
                    output.display(),
                    if inside { "inside the" } else { "the" },
                    if input_flag == "the users" {
                        format!("(the users, {})", input.display())
                    } else {
                        format!("({input_flag} {})", input.display())
                    }
                )));
            }
        }
        for (other_flag, other) in outputs {
            if other_flag != output_flag
                && let Some(other) = other.as_deref()
                && same(output, other)
            {
                return Err(Usage(format!(
                    "{output_flag} and {other_flag} are the same file ({}): give each its own",
                    output.display()
                )));
            }
        }
    }
    Ok(())
}

/// The size of an input in bytes: a file's, or a directory's files'; `None` for stdin.
fn input_size(path: &std::path::Path) -> Option<u64> {
    if path.as_os_str() == "-" {
        return None;
    }
    let meta = std::fs::metadata(path).ok()?;
    if meta.is_file() {
        return Some(meta.len());
    }
    let entries = std::fs::read_dir(path).ok()?;
    Some(
        entries
            .flatten()
            .filter_map(|e| e.metadata().ok())
            .filter(|m| m.is_file())
            .map(|m| m.len())
            .sum(),
    )
}

/// The mapping set `map` and `scope` read records against, and its engine. Its warnings are
/// printed; a broken set is refused once, every error named, before any record is read
/// (exit 2), as is a call without records.
pub(super) fn load_engine(
    mapping: &str,
    has_records: bool,
    strict: bool,
    options: &Options,
    io: &mut Io<'_>,
) -> Result<(crate::mapping::Loaded, crate::provision::Engine), Usage> {
    let loaded = crate::mapping::load(mapping, options).map_err(|e| Usage(e.to_string()))?;
    for w in &loaded.warnings {
        let _ = writeln!(io.stderr, "warning: {mapping}: {}", w.message);
    }
    for unused in loaded.unused_object_mappings() {
        let _ = writeln!(io.stderr, "note: {mapping}: {unused}");
    }
    let engine = crate::provision::Engine::new(&loaded.set, options).map_err(|config| {
        let errors: Vec<String> = config
            .errors
            .iter()
            .map(|e| format!("{mapping}: {e}"))
            .collect();
        Usage(errors.join("\nerror: "))
    })?;
    // What `check -m` would say, once, before any record: a typo such as [jobTitel] is
    // otherwise only seen as an attribute that is never sent.
    let lints = crate::provision::check::check_set(&loaded.set, options);
    for f in &lints {
        let _ = writeln!(
            io.stderr,
            "warning[{}]: {mapping}: {}: {}",
            f.diagnostic.code, f.place, f.diagnostic.message
        );
    }
    if !lints.is_empty() {
        if strict {
            return Err(Usage(format!(
                "--strict: {mapping} has {} warning{} (above; `entramap check -m {mapping}` shows where): fix them, or run without --strict",
                lints.len(),
                plural(lints.len())
            )));
        }
        let _ = writeln!(
            io.stderr,
            "note: `entramap check -m {mapping}` shows where; --strict refuses to run with them"
        );
    }
    if !has_records {
        return Err(Usage(
            "give a users file (or - for stdin) and/or --groups FILE".into(),
        ));
    }
    Ok((loaded, engine))
}

/// `entramap map`.
pub(super) fn map(args: MapArgs, options: &Options, io: &mut Io<'_>) -> Result<u8, Usage> {
    let has_records = args.users.is_some() || args.groups.is_some();
    let (loaded, engine) = load_engine(&args.mapping, has_records, args.strict, options, io)?;
    let engine = engine
        .explaining(args.explain)
        .expecting(args.expect_out.is_some());
    refuse_outputs_that_are_inputs(&args)?;
    // A state that could not be written at the end would lose the run: checked first.
    if let Some(path) = &args.state_out {
        state_file::check_writable(path)
            .map_err(|e| Usage(format!("{e} (checked before reading any record)")))?;
    }
    for (given, kind, object) in [
        (args.users.is_some(), "users", &loaded.set.users),
        (args.groups.is_some(), "groups", &loaded.set.groups),
    ] {
        if given && object.is_none() {
            return Err(Usage(format!(
                "{}: the mapping set has no {kind} mapping, so the {kind} given cannot be provisioned",
                args.mapping
            )));
        }
    }
    let max = options.limits.max_line_bytes;
    let format = InputFormat::from(args.input_format);
    // The planning threads also read --current.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(planning_threads(args.threads))
        .build()
        .map_err(|e| Usage(format!("cannot start threads: {e}")))?;
    let current = match &args.current {
        None => crate::provision::target::TargetStore::default(),
        Some(path) => {
            use crate::provision::target::{Resource, TargetStore};
            let mut store = TargetStore::default();
            for Input { name, records } in inputs(
                path,
                &mut std::io::empty(),
                InputFormat::Auto,
                max,
                &mut *io.stderr,
            )? {
                pool.install(|| {
                    input::each_object_parallel(
                        records,
                        |object| Resource::new(&serde_json::Value::Object(object)),
                        |resource| store.add(resource),
                    )
                })
                .map_err(|e| {
                    let file = name.unwrap_or_else(|| path.display().to_string());
                    Usage(format!("{file}: {e}"))
                })?;
            }
            store
        }
    };
    let current = match &args.state {
        None => current,
        Some(path) => current.with_links(read_state(path, max, io)?),
    };
    let mut state = crate::provision::RunState::new(current);
    // About 600 bytes a user: size the id map once instead of growing it.
    if let Some(len) = args
        .users
        .as_ref()
        .and_then(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
    {
        state.reserve(usize::try_from(len / 600).unwrap_or(0).min(50_000_000));
    }
    let mut errors_file = super::create_output(args.errors.as_deref())?;
    let mut expect_file = super::create_output(args.expect_out.as_deref())?;
    // Created objects in --expect-out under the ids the requests give them.
    let ids = state.simulated_ids(&options.scim.id_prefix).clone();
    // The first error writing --errors (a full disk): the run fails with it (exit 2).
    let errors_failed: std::cell::RefCell<Option<std::io::Error>> = Default::default();
    // The first error writing --expect-out: the run fails with it too.
    let mut expect_failed: Option<std::io::Error> = None;
    let mut out_file = {
        // `-o -` is standard output, as for every other tool.
        super::create_output(args.out.as_deref().filter(|p| p.as_os_str() != "-"))?
    };
    let Io {
        stdin,
        stdout,
        stderr,
        terminals,
    } = io;
    // Not when the requests go to the same terminal: the bar would run into them.
    let terminal = terminals.stderr && (args.out.is_some() || !terminals.stdout);
    let users = match &args.users {
        Some(path) => inputs(path, &mut **stdin, format, max, &mut **stderr)?,
        None => Vec::new(),
    };
    let mut empty = std::io::empty();
    let groups = match &args.groups {
        Some(path) => inputs(path, &mut empty, format, max, &mut **stderr)?,
        None => Vec::new(),
    };
    // A progress bar only on a terminal, and not with -q.
    let total_bytes = [&args.users, &args.groups]
        .into_iter()
        .flatten()
        .map(|p| input_size(p))
        .sum::<Option<u64>>();
    let mut bar = (terminal && !args.quiet).then(|| ProgressBar::new(total_bytes));
    let started = std::time::Instant::now();
    let quiet = args.quiet;
    let stderr_cell = std::cell::RefCell::new(&mut **stderr);
    let tally = std::cell::RefCell::new(WarningTally::default());
    // A line printed while the bar is shown first clears it.
    let clear = if bar.is_some() { "\r\x1b[K" } else { "" };
    let mut on_error = |e: &crate::provision::RecordError| {
        let _ = writeln!(stderr_cell.borrow_mut(), "{clear}error: {e}");
        if let Some(f) = errors_file.as_mut() {
            let written = serde_json::to_writer(&mut *f, e)
                .map_err(std::io::Error::from)
                .and_then(|()| f.write_all(b"\n"));
            if let Err(e) = written {
                expect_failed.get_or_insert(e);
            }
        }
    };
    let mut on_warning = |at: &At<'_>, warning: &Diagnostic| {
        let lines = tally
            .borrow_mut()
            .add(warning.code, format!("warning: {at}: {}", warning.message));
        if !quiet {
            for line in lines {
                let _ = writeln!(stderr_cell.borrow_mut(), "{clear}{line}");
            }
        }
    };
    let explain = args.explain;
    let skipped = std::cell::RefCell::new(std::collections::HashMap::<String, usize>::new());
    let mut on_applied = |at: &At<'_>, applied: &crate::provision::Applied| {
        if let (Some(f), Some(expected)) = (expect_file.as_mut(), &applied.expected) {
            let written = serde_json::to_writer(&mut *f, &expected.to_json(&ids))
                .map_err(std::io::Error::from)
                .and_then(|()| f.write_all(b"\n"));
            if let Err(e) = written {
                errors_failed.borrow_mut().get_or_insert(e);
            }
        }
        if let crate::provision::Outcome::Skipped(why) = &applied.outcome {
            let mut skipped = skipped.borrow_mut();
            match skipped.get_mut(why) {
                Some(count) => *count += 1,
                None => {
                    skipped.insert(why.clone(), 1);
                }
            }
        }
        if explain {
            let _ = writeln!(
                stderr_cell.borrow_mut(),
                "{clear}{}",
                explained(at, applied)
            );
        }
    };
    let serial = std::cell::Cell::new(std::time::Duration::ZERO);
    let mut on_progress = |p: crate::provision::run::Progress| {
        serial.set(p.serial);
        if let Some(line) = bar.as_mut().and_then(|b| b.line(p)) {
            let mut err = stderr_cell.borrow_mut();
            let _ = err.write_all(line.as_bytes());
            let _ = err.flush();
        }
    };
    let requests: &mut (dyn Write + Send) = match out_file.as_mut() {
        Some(f) => f,
        None => &mut **stdout,
    };
    // With --state-out, a reader that goes away early (`map ... | head`) does not stop the
    // run: the rest of the requests are dropped, and the state is written all the same.
    let mut tolerant = ClosedReader {
        inner: requests,
        closed: false,
    };
    let requests: &mut (dyn Write + Send) = if args.state_out.is_some() {
        &mut tolerant
    } else {
        tolerant.inner
    };
    let mut sinks = crate::provision::run::Sinks {
        requests,
        on_error: &mut on_error,
        on_warning: &mut on_warning,
        on_applied: &mut on_applied,
        on_progress: &mut on_progress,
        pool: Some(&pool),
    };
    let summary = match crate::provision::run::run(&engine, users, groups, &mut state, &mut sinks) {
        Ok(summary) => summary,
        // The reader went away (`map ... | head`): stop quietly.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(OK),
        Err(e) => return Err(Usage(format!("I/O error: {e}"))),
    };
    let output_closed = tolerant.closed;
    if let Some(f) = out_file.as_mut() {
        f.flush()
            .map_err(|e| Usage(format!("cannot write the output: {e}")))?;
    }
    let expect_failed =
        expect_failed.or_else(|| expect_file.as_mut().and_then(|f| f.flush().err()));
    if let (Some(e), Some(path)) = (expect_failed, &args.expect_out) {
        return Err(Usage(format!("cannot write {}: {e}", path.display())));
    }
    let errors_failed = errors_failed
        .into_inner()
        .or_else(|| errors_file.as_mut().and_then(|f| f.flush().err()));
    if let (Some(e), Some(path)) = (errors_failed, &args.errors) {
        return Err(Usage(format!(
            "cannot write {}: {e}; the errors of this run are on standard error",
            path.display()
        )));
    }
    if let Some(path) = &args.state_out {
        let ids = state.simulated_ids(&options.scim.id_prefix);
        state_file::write(path, &state.links(ids)).map_err(|e| Usage(e.to_string()))?;
        if output_closed {
            let _ = writeln!(
                stderr_cell.borrow_mut(),
                "note: the output was closed before the run ended; the run went on, and {} holds every link",
                path.display()
            );
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let rate = if seconds > 0.0 {
        summary.total() as f64 / seconds
    } else {
        0.0
    };
    // Why records were skipped, the commonest reasons first.
    let mut reasons: Vec<(String, usize)> = skipped.take().into_iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut err = stderr_cell.borrow_mut();
    if args.format == ReportFormat::Json {
        let warnings: serde_json::Map<String, serde_json::Value> = tally
            .borrow()
            .kinds()
            .map(|(code, count, first)| (code.to_string(), json!({"count": count, "first": first})))
            .collect();
        let line = json!({
            "records": summary.total(),
            "created": summary.created,
            "updated": summary.updated,
            "disabled": summary.disabled,
            "deleted": summary.deleted,
            "skipped": summary.skipped,
            "failed": summary.failed,
            "records_per_second": rate.round(),
            // The serial stage's cost bounds the speed-up threads can give (README, Performance).
            "serial_ns_per_record": (serial.get().as_nanos() as f64 / summary.total().max(1) as f64).round(),
            "skipped_because": reasons.iter().map(|(why, n)| json!({"reason": why, "count": n})).collect::<Vec<_>>(),
            "warnings": warnings,
        });
        let _ = writeln!(err, "{clear}{line}");
        return Ok(if summary.failed > 0 { FAILED } else { OK });
    }
    let _ = writeln!(
        err,
        "{clear}{} records: {} created, {} updated, {} disabled, {} deleted, {} skipped, {} failed ({:.0} records/s)",
        summary.total(),
        summary.created,
        summary.updated,
        summary.disabled,
        summary.deleted,
        summary.skipped,
        summary.failed,
        rate
    );
    for (why, count) in reasons.iter().take(5) {
        let _ = writeln!(err, "skipped: {count} {why}");
    }
    if reasons.len() > 5 {
        let _ = writeln!(
            err,
            "skipped: {} more reasons (map --explain lists every record)",
            reasons.len() - 5
        );
    }
    for line in tally.borrow().summary() {
        let _ = writeln!(err, "{line}");
    }
    Ok(if summary.failed > 0 { FAILED } else { OK })
}

/// What a Graph schema says of itself: the service its rule is for, and each object
/// mapping's use (`check -m`, `map`).
fn schema_notes(loaded: &crate::mapping::Loaded, options: &Options) -> Vec<String> {
    let Some(graph) = &loaded.graph else {
        return Vec::new();
    };
    let mut notes = Vec::new();
    if graph.service == crate::mapping::graph_schema::Service::CloudSync {
        let dialect = options.for_dialect(loaded.set.dialect).dialect.dialect;
        notes.push(format!(
            "a Cloud Sync schema (its rule reads {}): read in the {} dialect{}",
            graph.schema.rule_directories(),
            dialect.name(),
            if dialect == crate::options::Dialect::CloudSync {
                ""
            } else {
                " (as the options say)"
            }
        ));
    }
    notes.extend(graph.object_mappings.iter().map(ToString::to_string));
    notes
}

/// `entramap check --mapping`.
pub(super) fn check_mapping(
    name: &str,
    code42: Option<&std::path::Path>,
    format: ReportFormat,
    deny_warnings: bool,
    options: &Options,
    io: &mut Io<'_>,
) -> Result<u8, Usage> {
    let loaded = crate::mapping::load(name, options).map_err(|e| Usage(e.to_string()))?;
    let findings = crate::provision::check::check_set(&loaded.set, options);
    let code42 = match code42 {
        Some(path) => super::code42::check_config(path, &loaded.set, options, format, io)?,
        None => Vec::new(),
    };
    let code42_errors = code42
        .iter()
        .filter(|l| l.code.severity() == crate::diagnostic::Severity::Error)
        .count();
    let errors = findings.iter().filter(|f| f.diagnostic.is_error()).count() + code42_errors;
    let warnings = findings.len() + code42.len() - errors + loaded.warnings.len();
    match format {
        ReportFormat::Text => {
            for w in &loaded.warnings {
                let _ = writeln!(io.stdout, "warning: {}\n", w.message);
            }
            for line in schema_notes(&loaded, options) {
                let _ = writeln!(io.stdout, "note: {line}");
            }
            // Findings inside a mapping file also say where in the file they are.
            let file_text = crate::source::decode::read_text(std::path::Path::new(name)).ok();
            let index = file_text
                .as_deref()
                .map(crate::diagnostic::span::LineIndex::new);
            for f in &findings {
                let _ = io.stdout.write_all(f.render().as_bytes());
                if let (Some(text), Some(index), Some(source)) =
                    (&file_text, &index, f.source.as_deref())
                    && let Some(at) = crate::mapping::check::locate(
                        text,
                        source,
                        f.diagnostic.span.start as usize,
                        f.target.as_deref().unwrap_or(""),
                    )
                {
                    let (line, column) = index.line_col(text, at);
                    let _ = writeln!(io.stdout, "  = in {name}:{line}:{column}\n");
                }
            }
            let _ = writeln!(
                io.stdout,
                "{name}: {errors} error{}, {warnings} warning{}",
                plural(errors),
                plural(warnings)
            );
        }
        ReportFormat::Json => {
            let file_text = crate::source::decode::read_text(std::path::Path::new(name)).ok();
            let list: Vec<_> = findings
                .iter()
                .map(|f| {
                    let mut j = f.diagnostic.to_json(f.source.as_deref().unwrap_or(""));
                    if let Some(obj) = j.as_object_mut() {
                        obj.insert("mapping".into(), serde_json::Value::String(f.place.clone()));
                        let at = file_text.as_deref().zip(f.source.as_deref()).and_then(
                            |(text, source)| {
                                let at = crate::mapping::check::locate(
                                    text,
                                    source,
                                    f.diagnostic.span.start as usize,
                                    f.target.as_deref().unwrap_or(""),
                                )?;
                                Some(
                                    crate::diagnostic::span::LineIndex::new(text)
                                        .line_col(text, at),
                                )
                            },
                        );
                        if let Some((line, column)) = at {
                            obj.insert("file_line".into(), line.into());
                            obj.insert("file_column".into(), column.into());
                        }
                    }
                    j
                })
                .collect();
            let out = json!({"origin": name, "ok": errors == 0, "errors": errors, "warnings": warnings, "file_warnings": loaded.warnings.iter().map(|w| &w.message).collect::<Vec<_>>(), "service": loaded.graph.as_ref().map(|g| g.service), "dialect": options.for_dialect(loaded.set.dialect).dialect.dialect, "set_dialect": loaded.set.dialect, "object_mappings": loaded.graph.as_ref().map(|g| &g.object_mappings), "diagnostics": list, "code42": code42});
            let _ = io.stdout.write_all(pretty(&out).as_bytes());
        }
    }
    Ok(if errors > 0 || (deny_warnings && warnings > 0) {
        FAILED
    } else {
        OK
    })
}
