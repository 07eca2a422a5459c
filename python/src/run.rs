//! `Mapping.map`: the engine's run fed from Python and read back into Python
//! (docs/python.md#mapping-sets). Every Python call happens on the calling thread — so any
//! iterable works, a database cursor tied to its thread included — and the engine runs on a
//! thread of its own: the caller converts a chunk of records holding the GIL, hands it over,
//! and turns the requests the engine has written so far into dicts while it plans the next.

use std::io::{BufRead, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use entramap::provision::run::{At, Input, InputFormat, Sinks};
use entramap::provision::{Link, RecordError, RunState, Summary};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use serde::de::DeserializeSeed;
use serde_json::Value as Json;

use crate::convert::{KeyTexts, SharedStrs, ToPython, write_record};
use crate::{Error, InputError, type_name};

/// Records converted at a time.
const CHUNK: usize = 2048;
/// Bytes of requests handed back at a time.
const LINE_CHUNK: usize = 1 << 16;

/// What a run gives, still in Rust terms except its requests.
pub struct Ran<'py> {
    pub requests: Bound<'py, PyList>,
    pub summary: Summary,
    /// The links after the run (`RunState::links`), made on the engine's thread while this
    /// one still converts requests.
    pub links: Vec<Link>,
    pub errors: Vec<Json>,
    pub warnings: Vec<String>,
}

/// Run `mapping` over `users` (pulled in chunks) and `groups` (read whole first: a tenant's
/// groups are few, and the engine opens both inputs before it reads either).
pub fn run<'py>(
    py: Python<'py>,
    mapping: &entramap::Mapping,
    users: &Bound<'py, PyAny>,
    groups: Option<&Bound<'py, PyAny>>,
    mut state: RunState,
) -> PyResult<Ran<'py>> {
    let max = mapping.engine().options().limits.max_line_bytes;
    // Only the attributes the engine reads are converted and handed over.
    let engine = mapping.engine();
    let read_keys = || KeyTexts::new(|key| engine.reads_key(key));
    let mut users = Pull::new(users, "users", read_keys())?;
    let groups = match groups {
        Some(groups) => {
            let mut all = Vec::new();
            let mut pull = Pull::new(groups, "groups", read_keys())?;
            while let Some(chunk) = pull.next_chunk()? {
                all.extend_from_slice(&chunk);
            }
            Some(all)
        }
        None => None,
    };
    // Planning leaves one core to this thread (on 2 cores, 1 planning thread ran 100,000
    // users faster than 2).
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cores.saturating_sub(1).max(1))
        .build()
        .map_err(|e| Error::new_err(format!("cannot start threads: {e}")))?;
    let (chunks_in, chunks_to_engine) = mpsc::sync_channel::<Vec<u8>>(8);
    let (lines, lines_back) = mpsc::channel::<Vec<u8>>();
    let lines_back = Mutex::new(lines_back);
    let cancelled = Arc::new(AtomicBool::new(false));
    let requests = PyList::empty(py);
    let strs = SharedStrs::default();
    let mut errors: Vec<Json> = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    let mut stopped: Option<PyErr> = None;
    let outcome = std::thread::scope(|scope| {
        let cancelled_engine = Arc::clone(&cancelled);
        let (errors, warnings, state, pool) = (&mut errors, &mut warnings, &mut state, &pool);
        let worker = scope.spawn(move || {
            let reader = ChannelReader {
                chunks: chunks_to_engine,
                buffer: Vec::new(),
                at: 0,
                cancelled: cancelled_engine,
            };
            let records =
                entramap::provision::run::records(Box::new(reader), InputFormat::Ndjson, max)?;
            let group_inputs = match groups {
                Some(bytes) => vec![Input::new(entramap::provision::run::records(
                    Box::new(std::io::Cursor::new(bytes)),
                    InputFormat::Ndjson,
                    max,
                )?)],
                None => Vec::new(),
            };
            let mut on_error = |e: &RecordError| {
                errors.push(serde_json::to_value(e).unwrap_or(Json::Null));
            };
            let mut on_warning = |at: &At<'_>, d: &entramap::Diagnostic| {
                warnings.push(format!("{at}: {}", d.message));
            };
            let mut out = LineChunks {
                to: Some(lines),
                buffer: Vec::new(),
            };
            let mut sinks = Sinks {
                requests: &mut out,
                on_error: &mut on_error,
                on_warning: &mut on_warning,
                on_applied: &mut |_, _| {},
                on_progress: &mut |_| {},
                pool: Some(pool),
            };
            let outcome = mapping.run(vec![Input::new(records)], group_inputs, state, &mut sinks);
            out.finish();
            let prefix = &mapping.engine().options().scim.id_prefix;
            let ids = state.simulated_ids(prefix).clone();
            outcome.map(|summary| (summary, state.links(&ids)))
        });
        // Feed the engine, and take its requests back, until it hangs up.
        let mut to_engine = Some(chunks_in);
        let mut pending: Option<Vec<u8>> = None;
        loop {
            if pending.is_none() && to_engine.is_some() && stopped.is_none() {
                match users.next_chunk() {
                    Ok(Some(chunk)) => pending = Some(chunk),
                    Ok(None) => to_engine = None,
                    Err(e) => {
                        stopped = Some(e);
                        cancelled.store(true, Ordering::Relaxed);
                        to_engine = None;
                    }
                }
            }
            if let (Some(chunk), Some(to)) = (pending.take(), &to_engine) {
                match to.try_send(chunk) {
                    Ok(()) => {}
                    Err(TrySendError::Full(chunk)) => pending = Some(chunk),
                    Err(TrySendError::Disconnected(_)) => to_engine = None,
                }
            }
            // While there is input left: take what requests there are and go on converting
            // (waiting a little only when the engine's queue is full); then wait for the rest.
            let wait = Duration::from_millis(match (&to_engine, &pending) {
                (Some(_), None) => 0,
                (Some(_), Some(_)) => 1,
                (None, _) => 50,
            });
            let next = py.detach(|| match lines_back.lock() {
                Ok(back) => back.recv_timeout(wait),
                Err(_) => Err(RecvTimeoutError::Disconnected),
            });
            match next {
                Ok(chunk) if stopped.is_none() => {
                    if let Err(e) = append_requests(py, &strs, &requests, &chunk) {
                        stopped = Some(e);
                        cancelled.store(true, Ordering::Relaxed);
                        to_engine = None;
                    }
                }
                Ok(_) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            // Python runs signal handlers on the main thread only: Ctrl-C is seen here.
            if let Err(e) = py.check_signals() {
                cancelled.store(true, Ordering::Relaxed);
                stopped.get_or_insert(e);
                to_engine = None;
            }
        }
        py.detach(|| worker.join())
    });
    if let Some(e) = stopped {
        return Err(e);
    }
    // A panic on the engine's thread is raised again here, where `guarded` turns it into
    // entramap.Error.
    let outcome = outcome.unwrap_or_else(|panic| std::panic::resume_unwind(panic));
    let (summary, links) = outcome.map_err(|e| Error::new_err(format!("the run failed: {e}")))?;
    Ok(Ran {
        requests,
        summary,
        links,
        errors,
        warnings,
    })
}

/// An iterable of records, turned into NDJSON a chunk at a time (holding the GIL).
struct Pull<'py> {
    iterator: Bound<'py, pyo3::types::PyIterator>,
    what: &'static str,
    index: usize,
    done: bool,
    keys: KeyTexts<'py>,
}

impl<'py> Pull<'py> {
    /// `keys` says which of a record's own keys are written.
    fn new(
        records: &Bound<'py, PyAny>,
        what: &'static str,
        keys: KeyTexts<'py>,
    ) -> PyResult<Pull<'py>> {
        let iterator = records.try_iter().map_err(|_| {
            InputError::new_err(format!(
                "{what} is a {}, not an iterable of dicts",
                type_name(records)
            ))
        })?;
        Ok(Pull {
            iterator,
            what,
            index: 0,
            done: false,
            keys,
        })
    }

    /// The next chunk as JSON lines, or `None` at the end.
    fn next_chunk(&mut self) -> PyResult<Option<Vec<u8>>> {
        if self.done {
            return Ok(None);
        }
        let py = self.iterator.py();
        let mut out = Vec::new();
        for _ in 0..CHUNK {
            let Some(item) = self.iterator.next() else {
                self.done = true;
                break;
            };
            // Formatted only for an error: this runs for every record.
            let what = || format!("{}[{}]", self.what, self.index);
            let item = item.map_err(|e| {
                // Ctrl-C (KeyboardInterrupt) and other BaseExceptions pass as they are.
                if !e.is_instance_of::<pyo3::exceptions::PyException>(py) {
                    return e;
                }
                let err = InputError::new_err(format!("{}: the iterable raised", what()));
                err.set_cause(py, Some(e));
                err
            })?;
            if !item.is_instance_of::<PyDict>() {
                return Err(InputError::new_err(format!(
                    "{} is a {}, not a dict of attributes",
                    what(),
                    type_name(&item)
                )));
            }
            write_record(&item, &mut out, &self.keys)
                .map_err(|e| InputError::new_err(format!("{}{e}", what())))?;
            out.push(b'\n');
            self.index += 1;
        }
        Ok(if out.is_empty() { None } else { Some(out) })
    }
}

/// The engine's side of the records: chunks handed over, read without the GIL. The end of
/// the input is the caller hanging up; a cancelled run is an error, so the engine stops.
struct ChannelReader {
    chunks: Receiver<Vec<u8>>,
    buffer: Vec<u8>,
    at: usize,
    cancelled: Arc<AtomicBool>,
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for ChannelReader {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        if self.at >= self.buffer.len() {
            match self.chunks.recv() {
                Ok(chunk) => {
                    self.buffer = chunk;
                    self.at = 0;
                }
                Err(_) => {
                    self.buffer.clear();
                    self.at = 0;
                }
            }
            if self.cancelled.load(Ordering::Relaxed) {
                return Err(std::io::Error::other("the run was stopped"));
            }
        }
        Ok(&self.buffer[self.at..])
    }

    fn consume(&mut self, n: usize) {
        self.at = (self.at + n).min(self.buffer.len());
    }
}

/// The requests the engine writes, handed back in chunks of whole lines.
struct LineChunks {
    to: Option<mpsc::Sender<Vec<u8>>>,
    buffer: Vec<u8>,
}

impl LineChunks {
    fn send_lines(&mut self) -> std::io::Result<()> {
        let Some(end) = self.buffer.iter().rposition(|&b| b == b'\n') else {
            return Ok(());
        };
        let rest = self.buffer.split_off(end + 1);
        let lines = std::mem::replace(&mut self.buffer, rest);
        match &self.to {
            Some(to) => to
                .send(lines)
                .map_err(|_| std::io::Error::other("the caller stopped taking requests")),
            None => Ok(()),
        }
    }

    /// Send what is left and hang up: the caller's loop ends.
    fn finish(&mut self) {
        let _ = self.send_lines();
        self.to = None;
    }
}

impl Write for LineChunks {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= LINE_CHUNK {
            self.send_lines()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Each JSON line of `chunk` as a dict, appended to `requests`.
fn append_requests<'py>(
    py: Python<'py>,
    strs: &SharedStrs<'py>,
    requests: &Bound<'py, PyList>,
    chunk: &[u8],
) -> PyResult<()> {
    for line in chunk.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let mut request = serde_json::Deserializer::from_slice(line);
        let request = ToPython { py, strs }
            .deserialize(&mut request)
            .map_err(|e| Error::new_err(e.to_string()))?;
        requests.append(request)?;
    }
    Ok(())
}

/// Python's cyclic garbage collector paused, and resumed as it was when dropped: building
/// many dicts would run it again and again over every object alive (most of a run's time,
/// measured). `Mapping.map` holds one until its `Run` is whole.
pub struct GcPause<'py> {
    gc: Bound<'py, PyModule>,
    was_on: bool,
}

impl<'py> GcPause<'py> {
    pub fn new(py: Python<'py>) -> PyResult<GcPause<'py>> {
        let gc = py.import("gc")?;
        let was_on = gc.call_method0("isenabled")?.is_truthy()?;
        gc.call_method0("disable")?;
        Ok(GcPause { gc, was_on })
    }
}

impl Drop for GcPause<'_> {
    fn drop(&mut self) {
        if self.was_on {
            let _ = self.gc.call_method0("enable");
        }
    }
}
