//! `entramap sync`: arguments in, [`crate::sync::Cycle`] run, report out (docs/sync.md).

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::app::{App, AppArgs};
use super::map::{FormatArg, inputs, load_engine, read_state};
use super::progress::WarningTally;
use super::{FAILED, Io, OK, ReportFormat, USAGE, Usage};
use crate::diagnostic::Diagnostic;
use crate::options::{Options, PatchMode};
use crate::provision::run::At;
use crate::provision::{Applied, state_file};
use crate::scim::{Request, Resolve, ResourceKind};
use crate::source::input::InputFormat;
use crate::sync::{
    Cycle, CycleSettings, Exchange, FailedObject, Observer, SyncReport, TargetUrl, Transport,
    journal,
};

#[derive(clap::Args, Debug)]
pub(super) struct SyncArgs {
    /// A built-in mapping set (`entramap mappings`) or a file (native TOML or Graph JSON).
    #[arg(long, short = 'm', value_name = "NAME|FILE")]
    mapping: String,
    /// Source users (`-` = stdin), in any layout `map` reads.
    #[arg(value_name = "USERS")]
    users: PathBuf,
    #[command(flatten)]
    app: AppArgs,
    /// Source groups, in any layout `map` reads: synced after the users.
    #[arg(long, value_name = "GROUPS")]
    groups: Option<PathBuf>,
    /// Links from an earlier cycle (what --state-out wrote, by `sync` or `map`).
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
    /// Write the links the app confirmed here (sealed, atomically); while the run goes, they
    /// are journaled to FILE.journal, which a rerun picks up after a crash.
    #[arg(long, value_name = "FILE")]
    state_out: Option<PathBuf>,
    /// Send only the GETs; print the requests the cycle would send (created objects under
    /// simulated ids) on stdout.
    #[arg(long)]
    dry_run: bool,
    /// Write every exchange here, one JSON object a line: origin (entra or sync), method, url,
    /// body, status, answer, ms. The token is redacted.
    #[arg(long, value_name = "FILE")]
    log: Option<PathBuf>,
    /// Write what the app should hold after the cycle here: one SCIM resource per object
    /// (compare with `target export` by `target diff`).
    #[arg(long, value_name = "FILE")]
    expect_out: Option<PathBuf>,
    /// Also write failed records here, one JSON object a line (status, detail, Entra shapes).
    #[arg(long, value_name = "FILE")]
    errors: Option<PathBuf>,
    /// Print on stderr, for every record, what it came to and which attributes changed.
    #[arg(long)]
    explain: bool,
    /// Requests in flight at once: the records on this many workers, each with its own
    /// connection; references between them are linked at the end (docs/sync.md#concurrency).
    #[arg(long, default_value_t = 1, value_name = "N")]
    concurrency: usize,
    /// Write to an app on another machine without asking.
    #[arg(long)]
    yes: bool,
    /// How the users file is laid out (default: detected).
    #[arg(long, value_enum, default_value_t = FormatArg::Auto)]
    input_format: FormatArg,
    /// Do not print per-record warnings.
    #[arg(long, short = 'q')]
    quiet: bool,
    /// Treat the mapping set's warnings as errors: refuse to run.
    #[arg(long)]
    strict: bool,
    /// The closing report (on stderr) as text or one JSON object.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
}

/// `entramap sync`.
pub(super) fn sync(args: SyncArgs, mut options: Options, io: &mut Io<'_>) -> Result<u8, Usage> {
    // Everything that can be wrong with the call is said before any record is read or any
    // request sent.
    let app = args.app.connect()?;
    // One more client a worker beyond the first (`--concurrency`).
    let mut workers = if args.concurrency > 1 {
        app.clients(args.concurrency)?
    } else {
        Vec::new()
    };
    let App {
        target,
        client,
        token,
        ..
    } = app;
    if target.scim062020() {
        if options.scim.patch_mode == PatchMode::CustomAppSso {
            return Err(Usage(
                "?aadOptscim062020 on --target and --option patch_mode=customappsso disagree: give one".into(),
            ));
        }
        options.scim.patch_mode = PatchMode::AadOptScim062020;
    }
    if args.dry_run && args.state_out.is_some() {
        return Err(Usage(
            "--dry-run confirms nothing, so it writes no --state-out; leave one out".into(),
        ));
    }
    // An output naming an input would empty it before it is read.
    let outputs = [
        ("--state-out", &args.state_out),
        ("--log", &args.log),
        ("--errors", &args.errors),
        ("--expect-out", &args.expect_out),
    ];
    for (flag, output) in outputs {
        for input in std::iter::once(&args.users).chain(&args.groups) {
            if let Some(output) = output
                && input.as_os_str() != "-"
                && (output == input || same_file::is_same_file(output, input).unwrap_or(false))
            {
                return Err(Usage(format!(
                    "{flag} {} is an input: writing it would destroy what the run reads; write somewhere else",
                    output.display()
                )));
            }
        }
    }
    let (loaded, engine) = load_engine(&args.mapping, true, args.strict, &options, io)?;
    let engine = engine
        .explaining(args.explain)
        .expecting(args.expect_out.is_some());
    if loaded.set.users.is_none() {
        return Err(Usage(format!(
            "{}: the mapping set has no users mapping, so there is nothing to sync",
            args.mapping
        )));
    }
    if args.groups.is_some() && loaded.set.groups.is_none() {
        return Err(Usage(format!(
            "{}: the mapping set has no groups mapping, so the groups given cannot be provisioned",
            args.mapping
        )));
    }
    let max = options.limits.max_line_bytes;
    let mut links = match &args.state {
        Some(path) => read_state(path, max, io)?,
        None => Vec::new(),
    };
    // A journal left by a run that did not finish: what the app confirmed then.
    let mut recovered = 0;
    if let Some(state_out) = &args.state_out {
        state_file::check_writable(state_out)
            .map_err(|e| Usage(format!("{e} (checked before sending anything)")))?;
    }
    let journal_path = args.state_out.as_deref().map(journal::path_for);
    if let Some(path) = &journal_path
        && let Some(found) = journal::recover(path).map_err(Usage)?
    {
        recovered = found.entries.len();
        let _ = writeln!(
            io.stderr,
            "note: {} holds {recovered} link change{} the app confirmed to a run that did not finish; they are followed{}",
            path.display(),
            super::plural(recovered),
            if found.torn {
                " (its last line was cut and is dropped)"
            } else {
                ""
            }
        );
        links = found.applied_to(links);
    }
    if !args.dry_run && !target.is_loopback() && !args.yes {
        confirm(&target, io)?;
    }
    let mut log = super::create_output(args.log.as_deref())?;
    let mut errors = super::create_output(args.errors.as_deref())?;
    let mut expect = super::create_output(args.expect_out.as_deref())?;
    let Io {
        stdin,
        stdout,
        stderr,
        terminals,
    } = io;
    let users = inputs(
        &args.users,
        &mut **stdin,
        InputFormat::from(args.input_format),
        max,
        &mut **stderr,
    )?;
    let mut transport = client;
    let settings = CycleSettings {
        dry_run: args.dry_run,
        token,
        ..CycleSettings::default()
    };
    let mut cycle = Cycle::new(&engine, &target, &mut transport, links, settings)
        .map_err(|e| Usage(e.to_string()))?;
    if let Some(path) = &journal_path {
        cycle.journal_to(journal::Journal::open(path).map_err(Usage)?, recovered);
    }
    let mut observer = CliObserver {
        stdout: &mut **stdout,
        stderr: &mut **stderr,
        log: log.as_mut().map(|l| l as &mut dyn Write),
        errors: errors.as_mut().map(|e| e as &mut dyn Write),
        expect: expect.as_mut().map(|e| e as &mut dyn Write),
        write_failed: None,
        explain: args.explain,
        quiet: args.quiet,
        tally: WarningTally::default(),
        progress: (terminals.stderr && !args.quiet).then(Progress::default),
        records: 0,
    };
    let mut empty = std::io::empty();
    let groups = match &args.groups {
        Some(path) => inputs(
            path,
            &mut empty,
            InputFormat::from(args.input_format),
            max,
            &mut *observer.stderr,
        )?,
        None => Vec::new(),
    };
    let mut transports: Vec<&mut (dyn Transport + Send)> = workers
        .iter_mut()
        .map(|w| w as &mut (dyn Transport + Send))
        .collect();
    let users_done =
        cycle.run_concurrently(ResourceKind::User, users, &mut observer, &mut transports);
    let stopped = cycle
        .run_concurrently(ResourceKind::Group, groups, &mut observer, &mut transports)
        .and(users_done)
        .err();
    observer.clear_progress();
    let write_failed = observer.write_failed.take();
    let (mut report, links, journal) = cycle.finish();
    report.stopped = stopped.as_ref().map(ToString::to_string);
    // The state first: whatever else failed, what the app confirmed is kept.
    if let Some(path) = &args.state_out {
        state_file::write(path, &links).map_err(|e| {
            Usage(format!(
                "{e}; the links the app confirmed are still in {}",
                journal_path.as_deref().unwrap_or(path).display()
            ))
        })?;
        if let Some(journal) = journal {
            journal.remove().map_err(Usage)?;
        }
    }
    for file in [log.as_mut(), errors.as_mut(), expect.as_mut()]
        .into_iter()
        .flatten()
    {
        file.flush().map_err(|e| {
            Usage(format!(
                "cannot write the --log, --errors or --expect-out file: {e}"
            ))
        })?;
    }
    if let Some(e) = write_failed {
        return Err(Usage(format!(
            "cannot write the --log, --errors or --expect-out file: {e}"
        )));
    }
    write_report(&report, &links, args.format, &mut **stderr);
    if let Some(stopped) = stopped {
        let _ = writeln!(stderr, "error: {stopped}");
        return Ok(USAGE);
    }
    Ok(if report.summary.failed > 0 {
        FAILED
    } else {
        OK
    })
}

/// Ask on the terminal before writing to an app on another machine; without a terminal,
/// `--yes` is needed.
fn confirm(target: &TargetUrl, io: &mut Io<'_>) -> Result<(), Usage> {
    if !io.terminals.stdin {
        return Err(Usage(format!(
            "{} is not this machine: sync would create, change and delete its objects. Give --yes to go on (or --dry-run to send only GETs)",
            target.base()
        )));
    }
    let _ = write!(
        io.stderr,
        "sync will create, change and delete objects in {}. Go on? [y/N] ",
        target.base()
    );
    let _ = io.stderr.flush();
    let mut answer = [0u8; 8];
    let n = io.stdin.read(&mut answer).unwrap_or(0);
    match answer.get(..n).and_then(|a| a.first()) {
        Some(b'y' | b'Y') => Ok(()),
        _ => Err(Usage("not confirmed: nothing was sent".into())),
    }
}

/// A one-line progress display on a terminal.
#[derive(Default)]
struct Progress {
    started: Option<Instant>,
    last: Option<Instant>,
    drawn: bool,
}

struct CliObserver<'a> {
    stdout: &'a mut (dyn Write + Send),
    stderr: &'a mut dyn Write,
    log: Option<&'a mut dyn Write>,
    errors: Option<&'a mut dyn Write>,
    expect: Option<&'a mut dyn Write>,
    write_failed: Option<std::io::Error>,
    explain: bool,
    quiet: bool,
    tally: WarningTally,
    progress: Option<Progress>,
    records: usize,
}

impl CliObserver<'_> {
    /// `\r` and clear the line, when the progress line is drawn.
    fn clear(&self) -> &'static str {
        if self.progress.as_ref().is_some_and(|p| p.drawn) {
            "\r\x1b[K"
        } else {
            ""
        }
    }

    fn clear_progress(&mut self) {
        let clear = self.clear();
        if !clear.is_empty() {
            let _ = write!(self.stderr, "{clear}");
        }
    }

    fn record_done(&mut self) {
        self.records += 1;
        let records = self.records;
        let Some(p) = self.progress.as_mut() else {
            return;
        };
        let now = Instant::now();
        let started = *p.started.get_or_insert(now);
        if p.last.is_some_and(|t| now - t < Duration::from_millis(200)) {
            return;
        }
        p.last = Some(now);
        p.drawn = true;
        let rate = records as f64 / (now - started).as_secs_f64().max(1e-3);
        let _ = write!(self.stderr, "\r\x1b[K{records} records ({rate:.0}/s)");
        let _ = self.stderr.flush();
    }

    fn keep(&mut self, result: std::io::Result<()>) {
        if let Err(e) = result {
            self.write_failed.get_or_insert(e);
        }
    }
}

impl Observer for CliObserver<'_> {
    fn exchange(&mut self, exchange: &Exchange) {
        if let Some(log) = self.log.as_mut() {
            let written = serde_json::to_writer(&mut **log, exchange)
                .map_err(std::io::Error::from)
                .and_then(|()| log.write_all(b"\n"));
            self.keep(written);
        }
    }

    fn warning(&mut self, at: &At<'_>, warning: &Diagnostic) {
        let lines = self
            .tally
            .add(warning.code, format!("warning: {at}: {}", warning.message));
        if !self.quiet {
            let clear = self.clear();
            for line in lines {
                let _ = writeln!(self.stderr, "{clear}{line}");
            }
        }
    }

    fn applied(&mut self, at: &At<'_>, applied: &Applied) {
        if self.explain {
            let line = super::map::explained(at, applied);
            let _ = writeln!(self.stderr, "{}{line}", self.clear());
        }
        self.record_done();
    }

    fn failed(&mut self, failed: &FailedObject) {
        let _ = writeln!(
            self.stderr,
            "{}error[{}]: {failed}",
            self.clear(),
            failed.code
        );
        if let Some(errors) = self.errors.as_mut() {
            let written = serde_json::to_writer(&mut **errors, failed)
                .map_err(std::io::Error::from)
                .and_then(|()| errors.write_all(b"\n"));
            self.keep(written);
        }
        self.record_done();
    }

    fn expected(&mut self, resource: &serde_json::Value) {
        if let Some(out) = self.expect.as_mut() {
            let written = serde_json::to_writer(&mut **out, resource)
                .map_err(std::io::Error::from)
                .and_then(|()| out.write_all(b"\n"));
            self.keep(written);
        }
    }

    fn would_send(&mut self, request: &Request, ids: &dyn Resolve) {
        let mut line = Vec::new();
        if request.write_json(&mut line, ids).is_ok() {
            line.push(b'\n');
            let written = self.stdout.write_all(&line);
            self.keep(written);
        }
    }
}

/// The closing report on stderr.
fn write_report(
    report: &SyncReport,
    links: &[crate::provision::Link],
    format: ReportFormat,
    out: &mut dyn Write,
) {
    let seconds = report.elapsed.as_secs_f64().max(1e-3);
    if format == ReportFormat::Json {
        let mut json = serde_json::to_value(report).unwrap_or_default();
        if let Some(object) = json.as_object_mut() {
            object.insert(
                "records".into(),
                (report.summary.total() + report.not_attempted).into(),
            );
            object.insert("links".into(), links.len().into());
            object.insert(
                "requests_per_second".into(),
                ((report.requests as f64 / seconds * 10.0).round() / 10.0).into(),
            );
        }
        let _ = writeln!(out, "{json}");
        return;
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "{} records: {} created, {} updated, {} disabled, {} deleted, {} skipped, {} failed{}{}",
        s.total() + report.not_attempted,
        s.created,
        s.updated,
        s.disabled,
        s.deleted,
        s.skipped,
        s.failed,
        if report.not_attempted > 0 {
            format!(", {} not attempted (the run stopped)", report.not_attempted)
        } else {
            String::new()
        },
        if report.dry_run {
            " (dry run: only GETs were sent)"
        } else {
            ""
        }
    );
    let statuses: Vec<String> = report
        .statuses
        .iter()
        .map(|(status, n)| format!("{status} ×{n}"))
        .collect();
    // Each worker's share of the time spent waiting for the app.
    let workers = report.workers.max(1) as f64;
    let waiting = report.waiting_for_app.as_secs_f64() / (seconds * workers) * 100.0;
    let _ = writeln!(
        out,
        "{} requests in {seconds:.1} s ({:.0}/s): {}{}; {waiting:.0} % of the time waiting for the app",
        report.requests,
        report.requests as f64 / seconds,
        if statuses.is_empty() {
            "no answers".to_string()
        } else {
            statuses.join(", ")
        },
        if report.no_answer > 0 {
            format!(", {} without an answer", report.no_answer)
        } else {
            String::new()
        },
    );
    if report.changes_not_applied > 0 {
        let _ = writeln!(
            out,
            "note: refused PATCHes carried {} change{} the app did not get (each error names them: \"not applied with it\")",
            report.changes_not_applied,
            super::plural(report.changes_not_applied)
        );
    }
    for (shape, n) in &report.refused_shapes {
        let _ = writeln!(
            out,
            "note: {n} refused request{} carried {}",
            super::plural(*n),
            shape.explain()
        );
    }
}
