//! A whole `map` run: users, then groups. NDJSON input is streamed in chunks: each chunk's
//! records are parsed and planned in parallel (planning is pure), then applied and written in
//! input order, so output is deterministic and memory stays flat however large the input.
//! Failed records are reported with their line; the summary's counts add up to the records read.

use std::io::{BufRead, Write};

use rayon::prelude::*;

use super::target::TargetStore;
use super::{Engine, Plan, RecordError, RunState, Summary};
use crate::diagnostic::Diagnostic;
use crate::eval::Env;
use crate::scim::ResourceKind;
use crate::source::read::{self, Record};

/// Records planned together; big enough to keep every core busy, small enough to stay flat.
const CHUNK: usize = 2048;

/// Where a run's side output goes.
pub struct Sinks<'a> {
    /// Request envelopes, one JSON object per line.
    pub requests: &'a mut dyn Write,
    /// Called for every failed record.
    pub on_error: &'a mut dyn FnMut(&RecordError),
    /// Called for every warning: (kind, line, warning).
    pub on_warning: &'a mut dyn FnMut(ResourceKind, usize, &Diagnostic),
    /// Called after each chunk with the number of records done so far (progress display).
    pub on_progress: &'a mut dyn FnMut(usize),
    /// Threads for planning; `None`: rayon's global pool.
    pub pool: Option<&'a rayon::ThreadPool>,
}

/// Run `engine` over the users and then the groups. `Err` only for I/O failures.
pub fn run<'i>(
    engine: &Engine,
    users: Option<&'i mut dyn BufRead>,
    groups: Option<&'i mut dyn BufRead>,
    state: &mut RunState,
    sinks: &mut Sinks<'_>,
) -> std::io::Result<Summary> {
    // Fail early on a bad clock option rather than once per record.
    Env::new(engine.options()).map_err(std::io::Error::other)?;
    let mut summary = Summary::default();
    let mut done = 0;
    for (kind, input) in [(ResourceKind::User, users), (ResourceKind::Group, groups)] {
        let Some(input) = input else { continue };
        if starts_with_array(input)? {
            let all = read::read_all(input)?;
            let projection = engine.projection();
            for chunk in all.chunks(CHUNK) {
                // Slots are read here (cheap); planning runs in parallel.
                let slotted: Vec<(usize, Result<crate::source::SlotRecord<'_>, String>)> = chunk
                    .iter()
                    .map(|r: &Record| {
                        (
                            r.line,
                            r.object
                                .as_ref()
                                .map(|o| projection.record_from_map(o))
                                .map_err(Clone::clone),
                        )
                    })
                    .collect();
                let current = &state.current;
                let plans = in_pool(sinks.pool, || {
                    plan_chunk(engine, kind, current, slotted.into_par_iter())
                });
                done += apply_chunk(engine, kind, plans, state, &mut summary, sinks)?;
                (sinks.on_progress)(done);
            }
            continue;
        }
        // Pipeline: while the pool plans chunk k+1, this thread applies and writes chunk k
        // (and reads chunk k+2). Planning reads the target store only, so it can run beside
        // applying, which owns the run's ids.
        let current = std::sync::Arc::clone(&state.current);
        let pool = sinks.pool;
        let max_line = engine.options().limits.max_line_bytes;
        let mut number = 0;
        std::thread::scope(|scope| -> std::io::Result<()> {
            // One planner thread for the whole input (short-lived threads per chunk would each
            // leave an allocator heap behind): chunks go in, plans come out, in order.
            let (chunk_tx, chunk_rx) = std::sync::mpsc::sync_channel::<Vec<(usize, Line)>>(1);
            let (plan_tx, plan_rx) = std::sync::mpsc::sync_channel::<Vec<Planned>>(1);
            let planner_current = std::sync::Arc::clone(&current);
            scope.spawn(move || {
                for lines in chunk_rx {
                    let plans = in_pool(pool, || {
                        plan_chunk(
                            engine,
                            kind,
                            &planner_current,
                            lines.par_iter().map(|(line, bytes)| {
                                (
                                    *line,
                                    bytes.as_ref().map_err(Clone::clone).and_then(|b| {
                                        engine.read_record(*line, b).map_err(|e| e.0)
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
                    let mut lines = Vec::with_capacity(CHUNK);
                    end = read_chunk(input, &mut lines, &mut number, max_line)?;
                    if lines.is_empty() {
                        break;
                    }
                    chunk_tx
                        .send(lines)
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
                done += apply_chunk(engine, kind, plans, state, &mut summary, sinks)?;
                (sinks.on_progress)(done);
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

/// Is the first non-blank byte `[` (a JSON array rather than NDJSON)?
fn starts_with_array(input: &mut dyn BufRead) -> std::io::Result<bool> {
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(false);
        }
        let skip = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
        if skip < buf.len() {
            return Ok(buf.get(skip) == Some(&b'['));
        }
        let n = buf.len();
        input.consume(n);
    }
}

/// Read up to CHUNK non-blank lines. Returns true at end of input.
fn read_chunk(
    input: &mut dyn BufRead,
    lines: &mut Vec<(usize, Line)>,
    number: &mut usize,
    max_line: usize,
) -> std::io::Result<bool> {
    while lines.len() < CHUNK {
        let mut line = Vec::new();
        let read = read::read_line_bounded(input, &mut line, max_line)?;
        *number += 1;
        match read {
            read::LineRead::Eof => return Ok(true),
            read::LineRead::TooLong(n) => {
                lines.push((*number, Err(format!("the line is {n} bytes long; the limit is {max_line} (option max_line_bytes)"))));
            }
            read::LineRead::Line if line.iter().all(u8::is_ascii_whitespace) => {}
            read::LineRead::Line => lines.push((*number, Ok(line))),
        }
    }
    Ok(false)
}

/// A line's bytes, or why it was not read.
type Line = Result<Vec<u8>, String>;

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
                    (Err(reason), _) => Err(RecordError { kind, line, reason }),
                    (Ok(_), None) => Err(RecordError {
                        kind,
                        line,
                        reason: "the `now` option is not a valid time".into(),
                    }),
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
                for w in &applied.warnings {
                    (sinks.on_warning)(kind, line, w);
                }
                for request in &applied.requests {
                    request.write_json(&mut buffer)?;
                    buffer.push(b'\n');
                }
                summary.add(&applied.outcome);
            }
            Err(e) => {
                summary.failed += 1;
                (sinks.on_error)(&e);
            }
        }
    }
    sinks.requests.write_all(&buffer)?;
    Ok(count)
}
