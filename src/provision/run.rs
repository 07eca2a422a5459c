//! A whole `map` run: users, then groups. NDJSON input is streamed in chunks: each chunk's
//! records are parsed and planned in parallel (planning is pure), then applied and written in
//! input order, so output is deterministic and memory stays flat however large the input.
//! Failed records are reported with their line; the summary's counts add up to the records read.

use std::io::Write;

use rayon::prelude::*;

use super::target::TargetStore;
use super::{Applied, Engine, Plan, RecordError, RunState, Summary};
use crate::diagnostic::Diagnostic;
use crate::eval::Env;
use crate::scim::ResourceKind;
use crate::source::input::{RawRecord, Records};

/// Records planned together; big enough to keep every core busy, small enough to stay flat.
const CHUNK: usize = 2048;

/// Where a run's side output goes.
pub struct Sinks<'a> {
    /// Request envelopes, one JSON object per line.
    pub requests: &'a mut dyn Write,
    /// Called for every failed record.
    pub on_error: &'a mut dyn FnMut(&RecordError),
    /// Called for every warning, with the record it is about.
    pub on_warning: &'a mut dyn FnMut(&At<'_>, &Diagnostic),
    /// Called for every record that did not fail, with what it came to (`map --explain`).
    pub on_applied: &'a mut dyn FnMut(&At<'_>, &Applied),
    /// Called after each chunk with how far the run is (progress display).
    pub on_progress: &'a mut dyn FnMut(Progress),
    /// Threads for planning; `None`: rayon's global pool.
    pub pool: Option<&'a rayon::ThreadPool>,
}

/// How far a run is: records done, and bytes of record text read (a little ahead of them).
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    /// Records applied and written.
    pub records: usize,
    /// Bytes of input read, counting each record's text and its line end.
    pub bytes: u64,
}

/// Which record: its kind, its file when the input was several files, its line.
#[derive(Debug, Clone, Copy)]
pub struct At<'a> {
    /// Users or groups.
    pub kind: ResourceKind,
    /// The file, when the input was a directory of files.
    pub file: Option<&'a str>,
    /// The line the record starts on.
    pub line: usize,
}

/// `users line 3`, `users page2.json line 3`.
impl std::fmt::Display for At<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.file {
            Some(file) => write!(f, "{} {file} line {}", self.kind, self.line),
            None => write!(f, "{} line {}", self.kind, self.line),
        }
    }
}

/// One input of a run: a file, a file of a directory, or standard input.
pub struct Input<'r> {
    /// The file's name, when it is one of several (records' errors and warnings name it).
    pub name: Option<String>,
    /// Its records.
    pub records: Records<'r>,
}

impl<'r> Input<'r> {
    /// An input without a name.
    pub fn new(records: Records<'r>) -> Input<'r> {
        Input {
            name: None,
            records,
        }
    }
}

/// Run `engine` over the users and then the groups. `Err` only for I/O failures.
pub fn run(
    engine: &Engine,
    users: Vec<Input<'_>>,
    groups: Vec<Input<'_>>,
    state: &mut RunState,
    sinks: &mut Sinks<'_>,
) -> std::io::Result<Summary> {
    // Fail early on a bad clock option rather than once per record.
    Env::new(engine.options()).map_err(std::io::Error::other)?;
    let mut summary = Summary::default();
    let mut progress = Progress::default();
    let inputs = users
        .into_iter()
        .map(|i| (ResourceKind::User, i))
        .chain(groups.into_iter().map(|i| (ResourceKind::Group, i)));
    for (kind, mut input) in inputs {
        let file: Option<std::sync::Arc<str>> = input.name.as_deref().map(Into::into);
        // Pipeline: while the pool plans chunk k+1, this thread applies and writes chunk k
        // (and reads chunk k+2). Planning reads the target store only, so it can run beside
        // applying, which owns the run's ids.
        let current = std::sync::Arc::clone(&state.current);
        let pool = sinks.pool;
        std::thread::scope(|scope| -> std::io::Result<()> {
            // One planner thread for the whole input (short-lived threads per chunk would each
            // leave an allocator heap behind): chunks go in, plans come out, in order.
            let (chunk_tx, chunk_rx) = std::sync::mpsc::sync_channel::<Vec<RawRecord>>(1);
            let (plan_tx, plan_rx) = std::sync::mpsc::sync_channel::<Vec<Planned>>(1);
            let planner_current = std::sync::Arc::clone(&current);
            scope.spawn(move || {
                for records in chunk_rx {
                    let plans = in_pool(pool, || {
                        plan_chunk(
                            engine,
                            kind,
                            &planner_current,
                            records.par_iter().map(|record| {
                                (
                                    record.line,
                                    record.text.as_ref().map_err(Clone::clone).and_then(|b| {
                                        engine.read_record(record.line, b).map_err(|e| e.0)
                                    }),
                                )
                            }),
                        )
                    });
                    if plan_tx.send(plans).is_err() {
                        break;
                    }
                }
            });
            let mut in_flight = 0usize;
            let mut end = false;
            loop {
                // Keep one chunk planning while the previous one is applied.
                while !end && in_flight < 2 {
                    let mut records = Vec::with_capacity(CHUNK);
                    end = read_chunk(&mut input.records, &mut records)?;
                    if records.is_empty() {
                        break;
                    }
                    progress.bytes += records
                        .iter()
                        .map(|r| r.text.as_ref().map_or(0, |t| t.len() as u64 + 1))
                        .sum::<u64>();
                    chunk_tx
                        .send(records)
                        .map_err(|_| std::io::Error::other("the planning thread stopped"))?;
                    in_flight += 1;
                }
                if in_flight == 0 {
                    break;
                }
                let plans = plan_rx
                    .recv()
                    .map_err(|_| std::io::Error::other("the planning thread stopped"))?;
                in_flight -= 1;
                progress.records +=
                    apply_chunk(engine, kind, &file, plans, state, &mut summary, sinks)?;
                (sinks.on_progress)(progress);
            }
            drop(chunk_tx);
            Ok(())
        })?;
    }
    Ok(summary)
}

fn in_pool<T: Send>(pool: Option<&rayon::ThreadPool>, work: impl FnOnce() -> T + Send) -> T {
    match pool {
        Some(pool) => pool.install(work),
        None => work(),
    }
}

/// Take up to CHUNK records. Returns true at the end of the input.
fn read_chunk(input: &mut Records<'_>, records: &mut Vec<RawRecord>) -> std::io::Result<bool> {
    while records.len() < CHUNK {
        match input.next() {
            None => return Ok(true),
            Some(record) => records.push(record?),
        }
    }
    Ok(false)
}

type Planned = (usize, Result<Plan, RecordError>);

/// Plan records in parallel, keeping input order.
fn plan_chunk<'r, I>(
    engine: &Engine,
    kind: ResourceKind,
    current: &TargetStore,
    records: I,
) -> Vec<Planned>
where
    I: IndexedParallelIterator<Item = (usize, Result<crate::source::SlotRecord<'r>, String>)>,
{
    records
        .map_init(
            || Env::new(engine.options()).ok(),
            |env, (line, object)| {
                let planned = match (object, env.as_mut()) {
                    (Err(reason), _) => Err(RecordError::new(kind, line, reason)),
                    (Ok(_), None) => Err(RecordError::new(
                        kind,
                        line,
                        "the `now` option is not a valid time".into(),
                    )),
                    (Ok(object), Some(env)) => {
                        engine.plan_record(kind, line, &object, env, current)
                    }
                };
                (line, planned)
            },
        )
        .collect()
}

/// Apply planned records in order and write their requests. Returns how many were done.
fn apply_chunk(
    engine: &Engine,
    kind: ResourceKind,
    file: &Option<std::sync::Arc<str>>,
    plans: Vec<Planned>,
    state: &mut RunState,
    summary: &mut Summary,
    sinks: &mut Sinks<'_>,
) -> std::io::Result<usize> {
    let count = plans.len();
    let mut buffer = Vec::with_capacity(count * 512);
    for (line, planned) in plans {
        match planned.and_then(|plan| engine.apply(plan, state)) {
            Ok(applied) => {
                let at = At {
                    kind,
                    file: file.as_deref(),
                    line,
                };
                for w in &applied.warnings {
                    (sinks.on_warning)(&at, w);
                }
                (sinks.on_applied)(&at, &applied);
                for request in &applied.requests {
                    request.write_json(&mut buffer)?;
                    buffer.push(b'\n');
                }
                summary.add(&applied.outcome);
            }
            Err(mut e) => {
                summary.failed += 1;
                e.file = file.as_deref().map(str::to_string);
                (sinks.on_error)(&e);
            }
        }
    }
    sinks.requests.write_all(&buffer)?;
    Ok(count)
}
