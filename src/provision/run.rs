//! A whole `map` run: users, then groups. NDJSON input is streamed in chunks: each chunk's
//! records are parsed and planned in parallel (planning is pure), then applied and written in
//! input order, so output is deterministic and memory stays flat however large the input.
//! Failed records are reported with their line; the summary's counts add up to the records read.

use std::io::Write;

use super::target::TargetStore;
use super::{Applied, Engine, Plan, RecordError, RunState, Summary};
use crate::diagnostic::Diagnostic;
use crate::eval::Env;
use crate::scim::ResourceKind;
use crate::source::block::Block;
use crate::source::input::Records;

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
    for (kind, input) in inputs {
        let mut run = InputRun {
            engine,
            kind,
            file: input.name.as_deref(),
            summary: &mut summary,
            progress: &mut progress,
            out: Vec::new(),
        };
        let threads = sinks.pool.map_or_else(
            rayon::current_num_threads,
            rayon::ThreadPool::current_num_threads,
        );
        let current = std::sync::Arc::clone(&state.current);
        let mut records = input.records;
        match sinks.pool {
            Some(pool) => pool.in_place_scope(|scope| {
                run.blocks(scope, threads, &current, &mut records, state, sinks)
            }),
            None => rayon::in_place_scope(|scope| {
                run.blocks(scope, threads, &current, &mut records, state, sinks)
            }),
        }?;
    }
    Ok(summary)
}

/// Input bytes read but not yet applied, across all blocks in flight: what bounds memory.
const IN_FLIGHT_BYTES: usize = 4 << 20;

/// One input's run: blocks are read here, planned on the pool, and applied here in order.
struct InputRun<'a> {
    engine: &'a Engine,
    kind: ResourceKind,
    file: Option<&'a str>,
    summary: &'a mut Summary,
    progress: &'a mut Progress,
    /// The requests of the block being applied (reused).
    out: Vec<u8>,
}

/// A block and its plans, back from the pool.
struct Planned {
    seq: usize,
    block: Block,
    plans: Vec<Result<Plan, RecordError>>,
}

impl InputRun<'_> {
    /// Pipeline: this thread keeps the pool fed with blocks (reading is cheap) and applies
    /// planned blocks in input order; planning reads the target store only, so it runs
    /// beside applying, which owns the run's ids. Memory is bounded by the blocks in flight.
    fn blocks<'s>(
        &mut self,
        scope: &rayon::Scope<'s>,
        threads: usize,
        current: &'s TargetStore,
        records: &mut Records<'_>,
        state: &mut RunState,
        sinks: &mut Sinks<'_>,
    ) -> std::io::Result<()>
    where
        Self: 's,
    {
        let slots = 2 * threads.max(1) + 2;
        let target = (IN_FLIGHT_BYTES / slots).clamp(16 << 10, 256 << 10);
        let mut free: Vec<Block> = Vec::new();
        let (done_tx, done_rx) = std::sync::mpsc::channel::<Planned>();
        let mut waiting = std::collections::BTreeMap::new();
        let (mut sent, mut applied, mut end) = (0usize, 0usize, false);
        let engine: &'s Engine = self.engine;
        let kind = self.kind;
        loop {
            while !end && sent - applied < slots {
                let mut block = free.pop().unwrap_or_default();
                records.fill_block(&mut block, target)?;
                if block.records().is_empty() {
                    end = true;
                    break;
                }
                self.progress.bytes += block
                    .records()
                    .iter()
                    .map(|r| r.text.as_ref().map_or(0, |t| t.len() as u64 + 1))
                    .sum::<u64>();
                let done = done_tx.clone();
                let seq = sent;
                scope.spawn(move |_| {
                    let plans = plan_block(engine, kind, current, &block);
                    // The receiver is gone only when the run stopped on an error.
                    let _ = done.send(Planned { seq, block, plans });
                });
                sent += 1;
            }
            if applied == sent {
                return Ok(());
            }
            let planned = match waiting.remove(&applied) {
                Some(planned) => planned,
                None => {
                    let planned = done_rx
                        .recv()
                        .map_err(|_| std::io::Error::other("a planning thread stopped"))?;
                    if planned.seq != applied {
                        waiting.insert(planned.seq, planned);
                        continue;
                    }
                    planned
                }
            };
            applied += 1;
            let Planned {
                mut block, plans, ..
            } = planned;
            self.apply_block(&block, plans, state, sinks)?;
            block.clear();
            free.push(block);
        }
    }

    /// Apply a block's plans in order and write their requests.
    fn apply_block(
        &mut self,
        block: &Block,
        plans: Vec<Result<Plan, RecordError>>,
        state: &mut RunState,
        sinks: &mut Sinks<'_>,
    ) -> std::io::Result<()> {
        self.out.clear();
        for (record, planned) in block.records().iter().zip(plans) {
            match planned.and_then(|plan| self.engine.apply(plan, state)) {
                Ok(applied) => {
                    let at = At {
                        kind: self.kind,
                        file: self.file,
                        line: record.line,
                    };
                    for w in &applied.warnings {
                        (sinks.on_warning)(&at, w);
                    }
                    (sinks.on_applied)(&at, &applied);
                    for request in &applied.requests {
                        request.write_json(&mut self.out)?;
                        self.out.push(b'\n');
                    }
                    self.summary.add(&applied.outcome);
                }
                Err(mut e) => {
                    self.summary.failed += 1;
                    e.file = self.file.map(str::to_string);
                    (sinks.on_error)(&e);
                }
            }
        }
        sinks.requests.write_all(&self.out)?;
        self.progress.records += block.records().len();
        (sinks.on_progress)(*self.progress);
        Ok(())
    }
}

/// Read and plan every record of a block, in order. Pure: blocks are planned in parallel.
fn plan_block(
    engine: &Engine,
    kind: ResourceKind,
    current: &TargetStore,
    block: &Block,
) -> Vec<Result<Plan, RecordError>> {
    // A panic here would leave the run waiting for this block: report it as the block's
    // records failing instead.
    let planned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut env = Env::new(engine.options()).ok();
        block
            .records()
            .iter()
            .map(|record| {
                let line = record.line;
                let env = env.as_mut().ok_or_else(|| {
                    RecordError::new(kind, line, "the `now` option is not a valid time".into())
                })?;
                let text = block
                    .text(record)
                    .map_err(|reason| RecordError::new(kind, line, reason.to_string()))?;
                let object = engine
                    .read_record(line, text)
                    .map_err(|e| RecordError::new(kind, line, e.0))?;
                engine.plan_record(kind, line, &object, env, current)
            })
            .collect()
    }));
    planned.unwrap_or_else(|_| {
        block
            .records()
            .iter()
            .map(|r| {
                Err(RecordError::new(
                    kind,
                    r.line,
                    "internal error while planning this record's block; please report it".into(),
                ))
            })
            .collect()
    })
}
