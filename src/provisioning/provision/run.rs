//! A whole `map` run: users, then groups. Input is read in blocks of records; each block is
//! parsed and planned on the pool (planning is pure), then applied in input order and its
//! requests written by a thread of their own, so output is deterministic and memory stays flat however large the input
//! (docs/architecture.md#a-map-run). Failed records are reported with their line; the summary's
//! counts add up to the records read.

use std::io::Write;

use super::target::TargetStore;
use super::{Applied, Engine, Plan, RecordError, RunState, Summary};
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::Env;
use crate::scim::{Request, ResourceKind, SimulatedIds};
use crate::source::block::Block;
pub use crate::source::input::{
    InputFormat, ObjectsError, Records, each_object, objects, open_path, records,
};

/// Where a run's side output goes.
pub struct Sinks<'a> {
    /// Request envelopes, one JSON object per line (written from a thread of their own).
    pub requests: &'a mut (dyn Write + Send),
    /// Called for every failed record.
    pub on_error: &'a mut dyn FnMut(&RecordError),
    /// Called for every warning, with the record it is about.
    pub on_warning: &'a mut dyn FnMut(&At<'_>, &Diagnostic),
    /// Called for every record that did not fail, with what it came to (`map --explain`).
    pub on_applied: &'a mut dyn FnMut(&At<'_>, &Applied),
    /// Called after each block with how far the run is (progress display).
    pub on_progress: &'a mut dyn FnMut(Progress),
    /// Threads for planning; `None`: rayon's global pool.
    pub pool: Option<&'a rayon::ThreadPool>,
}

/// How far a run is: records done, bytes of their text, and the time spent on the serial stage.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    /// Records applied (and handed to the writer).
    pub records: usize,
    /// Bytes of input read for them, counting each record's text and its line end.
    pub bytes: u64,
    /// Time spent applying records in order, the one stage that does not run in parallel: it
    /// bounds how much more threads can help (docs/architecture.md#a-map-run).
    pub serial: std::time::Duration,
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
    // The matching indexes over --current, built on the planning threads before planning
    // needs them.
    let index = || {
        for (kind, path) in engine.matching_paths() {
            state.current.index_matching(kind, path);
        }
    };
    match sinks.pool {
        Some(pool) => pool.install(index),
        None => index(),
    }
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
        };
        run.run(input.records, state, sinks)?;
    }
    Ok(summary)
}

/// Input bytes read but not yet applied, across all blocks in flight: what bounds memory.
const IN_FLIGHT_BYTES: usize = 2 << 20;

/// One input's run (docs/architecture.md#a-map-run).
struct InputRun<'a> {
    engine: &'a Engine,
    kind: ResourceKind,
    file: Option<&'a str>,
    summary: &'a mut Summary,
    progress: &'a mut Progress,
}

/// What the calling thread waits for: a block read, or a block planned.
enum Event {
    /// Block `seq` was read; `None`: the input ended after `seq` blocks.
    Read(usize, Option<Block>),
    /// Reading failed.
    ReadFailed(std::io::Error),
    /// Block `seq` and its plans.
    Planned(usize, Block, Plans),
}

/// A block's plans, in its records' order.
type Plans = Vec<Result<Plan, RecordError>>;

impl InputRun<'_> {
    /// The pipeline. A reader thread fills blocks; the pool plans them (planning reads the
    /// target store only); this thread applies planned blocks in input order — the one serial
    /// step: ids, duplicates and links need the run's state — and a writer thread writes their
    /// requests. Memory is bounded by the blocks in flight (each is reused), whatever the
    /// input's size or the number of threads.
    fn run(
        &mut self,
        mut records: Records<'_>,
        state: &mut RunState,
        sinks: &mut Sinks<'_>,
    ) -> std::io::Result<()> {
        let threads = sinks.pool.map_or_else(
            rayon::current_num_threads,
            rayon::ThreadPool::current_num_threads,
        );
        let slots = 2 * threads.max(1) + 2;
        let target = (IN_FLIGHT_BYTES / slots).clamp(16 << 10, 256 << 10);
        let Sinks {
            requests,
            on_error,
            on_warning,
            on_applied,
            on_progress,
            pool,
        } = sinks;
        let mut callbacks = Callbacks {
            on_error: &mut **on_error,
            on_warning: &mut **on_warning,
            on_applied: &mut **on_applied,
            on_progress: &mut **on_progress,
        };
        let current = std::sync::Arc::clone(&state.current);
        let (event_tx, event_rx) = std::sync::mpsc::channel::<Event>();
        // Read blocks go back to the reader once applied.
        let (free_tx, free_rx) = std::sync::mpsc::channel::<Block>();
        for _ in 0..slots {
            let _ = free_tx.send(Block::default());
        }
        // Applied blocks' requests to write (the writer frees them), and the emptied output
        // buffers coming back.
        let (write_tx, write_rx) = std::sync::mpsc::sync_channel::<Output>(slots);
        let (spare_tx, spare_rx) = std::sync::mpsc::channel::<Output>();
        for _ in 0..slots {
            let _ = spare_tx.send(Output::default());
        }
        // Created objects' ids, after every id the target holds or links.
        let ids = state
            .simulated_ids(&self.engine.options().scim.id_prefix)
            .clone();
        std::thread::scope(|threads| {
            let reader_events = event_tx.clone();
            threads.spawn(move || read_blocks(&mut records, target, &free_rx, &reader_events));
            let writer =
                threads.spawn(move || write_blocks(&mut **requests, &ids, &write_rx, &spare_tx));
            let applied = in_scope(*pool, |scope| {
                let mut stage = Serial {
                    free: free_tx,
                    write: write_tx,
                    spare: spare_rx,
                };
                self.apply_in_order(
                    scope,
                    &current,
                    &event_tx,
                    &event_rx,
                    &mut stage,
                    state,
                    &mut callbacks,
                )
            });
            // The writer ends when `write_tx` is dropped (above); its error comes first: when
            // it failed, applying stopped for it.
            let written = writer
                .join()
                .unwrap_or_else(|_| Err(std::io::Error::other("the writer thread stopped")));
            written.and(applied)
        })
    }

    /// Spawn planning for each block read, and apply planned blocks in order. (Never inlined,
    /// like `plan_block` and `write_blocks`: README's callgrind counts toggle on their names.)
    #[allow(clippy::too_many_arguments)]
    #[inline(never)]
    fn apply_in_order<'s>(
        &mut self,
        scope: &rayon::Scope<'s>,
        current: &'s TargetStore,
        events: &std::sync::mpsc::Sender<Event>,
        event_rx: &std::sync::mpsc::Receiver<Event>,
        stage: &mut Serial,
        state: &mut RunState,
        callbacks: &mut Callbacks<'_>,
    ) -> std::io::Result<()>
    where
        Self: 's,
    {
        let engine: &'s Engine = self.engine;
        let kind = self.kind;
        let mut planned = std::collections::BTreeMap::new();
        let (mut applied, mut total) = (0usize, None);
        while total != Some(applied) {
            match event_rx
                .recv()
                .map_err(|_| std::io::Error::other("the reader thread stopped"))?
            {
                Event::Read(seq, None) => total = Some(seq),
                Event::ReadFailed(e) => return Err(e),
                Event::Read(seq, Some(block)) => {
                    let done = events.clone();
                    scope.spawn(move |_| {
                        let plans = plan_block(engine, kind, current, &block);
                        // The receiver is gone only when the run stopped on an error.
                        let _ = done.send(Event::Planned(seq, block, plans));
                    });
                }
                Event::Planned(seq, block, plans) => {
                    planned.insert(seq, (block, plans));
                }
            }
            while let Some((mut block, plans)) = planned.remove(&applied) {
                // A fixed set of buffers goes round between here and the writer, so memory
                // is reused, never newly faulted in (waiting here when the writer is behind).
                let Ok(mut out) = stage.spare.recv() else {
                    // The writer failed; its error is the run's.
                    return Ok(());
                };
                // Timed: the serial stage bounds the speed-up (`serial_ns_per_record`).
                let started = std::time::Instant::now();
                self.apply_block(&block, plans, state, callbacks, &mut out);
                self.progress.serial += started.elapsed();
                // Each record's text and its line end.
                self.progress.bytes += (block.byte_len() + block.records().len()) as u64;
                self.progress.records += block.records().len();
                if stage.write.send(out).is_err() {
                    // The writer failed; its error is the run's.
                    return Ok(());
                }
                (callbacks.on_progress)(*self.progress);
                block.clear();
                let _ = stage.free.send(block);
                applied += 1;
            }
        }
        Ok(())
    }

    /// Apply a block's plans in order, handing their requests to the writer in `out`.
    fn apply_block(
        &mut self,
        block: &Block,
        plans: Plans,
        state: &mut RunState,
        callbacks: &mut Callbacks<'_>,
        out: &mut Output,
    ) {
        let touched = plans
            .iter()
            .flatten()
            .fold(0, |sum, plan| sum ^ self.engine.touch(plan, state));
        std::hint::black_box(touched);
        for (record, planned) in block.records().iter().zip(plans) {
            match planned.and_then(|plan| self.engine.apply(plan, state)) {
                Ok(mut applied) => {
                    let at = At {
                        kind: self.kind,
                        file: self.file,
                        line: record.line,
                    };
                    for w in &applied.warnings {
                        (callbacks.on_warning)(&at, w);
                    }
                    (callbacks.on_applied)(&at, &applied);
                    self.summary.add(&applied.outcome);
                    if !applied.requests.is_empty() {
                        out.requests.push(std::mem::take(&mut applied.requests));
                    }
                }
                Err(mut e) => {
                    self.summary.failed += 1;
                    e.file = self.file.map(str::to_string);
                    (callbacks.on_error)(&e);
                }
            }
        }
    }
}

/// A block's requests, record by record, and the buffer the writer serializes them into.
#[derive(Default)]
struct Output {
    requests: Vec<Vec<Request>>,
    text: Vec<u8>,
}

impl Output {
    /// Empty, keeping the buffers (the requests are freed: on the writer thread).
    fn clear(&mut self) {
        self.requests.clear();
        self.text.clear();
    }

    /// Write every request as a JSON line, ids resolved by `ids`, in one write.
    fn write_to(
        &mut self,
        out: &mut (dyn Write + Send),
        ids: &SimulatedIds,
    ) -> std::io::Result<()> {
        for request in self.requests.iter().flatten() {
            request.write_json(&mut self.text, ids)?;
            self.text.push(b'\n');
        }
        out.write_all(&self.text)
    }
}

/// The sinks' callbacks, which stay on the calling thread.
struct Callbacks<'a> {
    on_error: &'a mut dyn FnMut(&RecordError),
    on_warning: &'a mut dyn FnMut(&At<'_>, &Diagnostic),
    on_applied: &'a mut dyn FnMut(&At<'_>, &Applied),
    on_progress: &'a mut dyn FnMut(Progress),
}

/// The serial stage's ends of the channels: blocks back to the reader, bytes to the writer,
/// and emptied byte buffers back from it.
struct Serial {
    free: std::sync::mpsc::Sender<Block>,
    write: std::sync::mpsc::SyncSender<Output>,
    spare: std::sync::mpsc::Receiver<Output>,
}

fn in_scope<'s, R>(
    pool: Option<&rayon::ThreadPool>,
    work: impl FnOnce(&rayon::Scope<'s>) -> R,
) -> R {
    match pool {
        Some(pool) => pool.in_place_scope(work),
        None => rayon::in_place_scope(work),
    }
}

/// The reader thread: fill each free block and hand it on, until the input ends.
fn read_blocks(
    records: &mut Records<'_>,
    target: usize,
    free: &std::sync::mpsc::Receiver<Block>,
    events: &std::sync::mpsc::Sender<Event>,
) {
    let mut seq = 0;
    // A closed channel: the run stopped; stop reading.
    while let Ok(mut block) = free.recv() {
        let event = match records.fill_block(&mut block, target) {
            Err(e) => Event::ReadFailed(e),
            Ok(()) if block.records().is_empty() => Event::Read(seq, None),
            Ok(()) => Event::Read(seq, Some(block)),
        };
        let last = !matches!(event, Event::Read(_, Some(_)));
        if events.send(event).is_err() || last {
            return;
        }
        seq += 1;
    }
}

/// The writer thread: write each block's requests in the order they come, free them, and give
/// the buffers back. Stops at the first error (a closed pipe: `map ... | head`). (Never
/// inlined: README's callgrind counts toggle on it.)
#[inline(never)]
fn write_blocks(
    out: &mut (dyn Write + Send),
    ids: &SimulatedIds,
    blocks: &std::sync::mpsc::Receiver<Output>,
    spare: &std::sync::mpsc::Sender<Output>,
) -> std::io::Result<()> {
    for mut output in blocks {
        output.write_to(out, ids)?;
        output.clear();
        let _ = spare.send(output);
    }
    Ok(())
}

/// Read and plan every record of a block, in order. Pure: blocks are planned in parallel.
#[inline(never)]
fn plan_block(engine: &Engine, kind: ResourceKind, current: &TargetStore, block: &Block) -> Plans {
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
                    RecordError::new(
                        kind,
                        line,
                        Code::BadOption,
                        "the `now` option is not a valid time".into(),
                    )
                })?;
                let text = block.text(record).map_err(|reason| {
                    RecordError::new(kind, line, Code::UnreadableRecord, reason.to_string())
                })?;
                let object = engine
                    .read_record(line, text)
                    .map_err(|e| RecordError::new(kind, line, Code::UnreadableRecord, e.0))?;
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
                    Code::InternalError,
                    "internal error while planning this record's block; please report it".into(),
                ))
            })
            .collect()
    })
}
