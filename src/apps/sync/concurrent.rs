//! `--concurrency N` (docs/sync.md#concurrency): a cycle's records on N workers, each a cycle
//! of its own with its own connection, in phases:
//! 1. each kind's records go to the workers, every object's requests in order on one worker
//!    (records are dealt by objectId, so one listed twice stays on one worker);
//! 2. the records whose manager or members were created on another worker (or further down
//!    the input) run again once all workers are through: the second pass, one at a time.
//!
//! Users, then groups, as one at a time. Links are journaled by the workers as the app
//! confirms them; what they saw goes to the observer on the calling thread.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use serde_json::Value as Json;

use super::cycle::{Cycle, Deferred};
use super::http::Transport;
use super::port::drive;
use super::{Exchange, FailedObject, Observer, Stopped, SyncReport};
use crate::diagnostic::{Code, Diagnostic};
use crate::provision::run::{At, Input};
use crate::provision::{Applied, RecordError};
use crate::scim::{Request, Resolve, ResourceKind};
use crate::source::{Known, SlotSource};

/// A record for a worker.
struct Job {
    file: Option<String>,
    line: usize,
    text: Vec<u8>,
}

/// What a worker saw, for the observer on the calling thread.
enum Event {
    Exchange(Exchange),
    Warning(Place, Diagnostic),
    Applied(Place, Box<Applied>),
    Failed(FailedObject),
    Expected(Json),
}

/// An `At` that owns its file name, to cross to the calling thread.
struct Place {
    kind: ResourceKind,
    file: Option<String>,
    line: usize,
}

impl Place {
    fn of(at: &At<'_>) -> Place {
        Place {
            kind: at.kind,
            file: at.file.map(str::to_string),
            line: at.line,
        }
    }

    fn at(&self) -> At<'_> {
        At {
            kind: self.kind,
            file: self.file.as_deref(),
            line: self.line,
        }
    }
}

/// A worker's observer: everything goes to the calling thread.
struct Relay(mpsc::Sender<Event>);

impl Observer for Relay {
    fn exchange(&mut self, exchange: &Exchange) {
        let _ = self.0.send(Event::Exchange(exchange.clone()));
    }
    fn warning(&mut self, at: &At<'_>, warning: &Diagnostic) {
        let _ = self.0.send(Event::Warning(Place::of(at), warning.clone()));
    }
    fn applied(&mut self, at: &At<'_>, applied: &Applied) {
        let event = Event::Applied(Place::of(at), Box::new(applied.clone()));
        let _ = self.0.send(event);
    }
    fn failed(&mut self, failed: &FailedObject) {
        let _ = self.0.send(Event::Failed(failed.clone()));
    }
    fn would_send(&mut self, _request: &Request, _ids: &dyn Resolve) {}
    fn expected(&mut self, resource: &Json) {
        let _ = self.0.send(Event::Expected(resource.clone()));
    }
}

/// Hand a worker's event to the observer.
fn deliver(event: Event, observer: &mut dyn Observer) {
    match event {
        Event::Exchange(exchange) => observer.exchange(&exchange),
        Event::Warning(place, warning) => observer.warning(&place.at(), &warning),
        Event::Applied(place, applied) => observer.applied(&place.at(), &applied),
        Event::Failed(failed) => observer.failed(&failed),
        Event::Expected(resource) => observer.expected(&resource),
    }
}

/// What a worker leaves: its report, its links, its deferred records, why it stopped.
struct Finished {
    report: SyncReport,
    links: BTreeMap<(ResourceKind, String), String>,
    deferred: Vec<Deferred>,
    stopped: Option<Stopped>,
}

impl Cycle<'_> {
    /// [`Cycle::run`] on one worker per transport (`--concurrency`), then the second pass
    /// here, through this cycle's own transport. Not with `--dry-run`: its stand-in ids are
    /// numbered in input order.
    pub fn run_concurrently(
        &mut self,
        kind: ResourceKind,
        inputs: Vec<Input<'_>>,
        observer: &mut dyn Observer,
        transports: &mut [&mut (dyn Transport + Send)],
    ) -> Result<(), Stopped> {
        if transports.len() < 2 || self.settings.dry_run {
            return self.run(kind, inputs, observer);
        }
        if self.stopped.is_some() {
            // Stopped already: the sequential run reads and counts the records, sends nothing.
            return self.run(kind, inputs, observer);
        }
        self.report.workers = self.report.workers.max(transports.len());
        let engine = self.engine;
        let target = self.sender_target();
        let links = self.links();
        let halt = AtomicBool::new(false);
        let finished = std::thread::scope(|scope| {
            let (event_tx, event_rx) = mpsc::channel::<Event>();
            let mut queues = Vec::new();
            let mut workers = Vec::new();
            for transport in transports.iter_mut() {
                let (job_tx, job_rx) = mpsc::sync_channel::<Job>(64);
                queues.push(job_tx);
                let events = event_tx.clone();
                let (links, settings, journal) =
                    (links.clone(), self.settings.clone(), self.journal.clone());
                let halt = &halt;
                let transport: &mut (dyn Transport + Send) = &mut **transport;
                workers.push(scope.spawn(move || {
                    work(
                        engine, target, kind, links, settings, journal, transport, job_rx, events,
                        halt,
                    )
                }));
            }
            drop(event_tx);
            // Deal the records, by objectId; meanwhile tell the observer what the workers saw.
            let mut unreadable_input = None;
            'inputs: for input in inputs {
                let file = input.name.as_deref();
                for raw in input.records {
                    while let Ok(event) = event_rx.try_recv() {
                        deliver(event, observer);
                    }
                    // An input that cannot be read stops the run, as one at a time; what was
                    // dealt before it is still sent.
                    let raw = match raw {
                        Ok(raw) => raw,
                        Err(e) => {
                            unreadable_input = Some(Stopped(format!(
                                "cannot read {}: {e}",
                                file.unwrap_or("the input")
                            )));
                            break 'inputs;
                        }
                    };
                    let text = match raw.text {
                        Ok(text) => text,
                        Err(reason) => {
                            let mut error =
                                RecordError::new(kind, raw.line, Code::UnreadableRecord, reason);
                            error.file = file.map(str::to_string);
                            self.unreadable(&error, observer);
                            continue;
                        }
                    };
                    // Dealt by objectId, read from the record, not evaluated: the worker
                    // evaluates it.
                    let object_id = engine.read_record(raw.line, &text).ok().and_then(|r| {
                        SlotSource::new(&r, engine.projection(), engine.options())
                            .known_text(Known::ObjectId)
                            .map(|(id, _)| id.into_owned())
                    });
                    let mut hasher = std::hash::DefaultHasher::new();
                    match &object_id {
                        Some(id) => id.hash(&mut hasher),
                        None => raw.line.hash(&mut hasher),
                    }
                    let worker = usize::try_from(hasher.finish()).unwrap_or(0) % queues.len();
                    let job = Job {
                        file: file.map(str::to_string),
                        line: raw.line,
                        text,
                    };
                    if let Some(queue) = queues.get(worker) {
                        let _ = queue.send(job);
                    }
                }
            }
            drop(queues);
            for event in event_rx {
                deliver(event, observer);
            }
            let done: Vec<Finished> = workers
                .into_iter()
                .map(|w| {
                    w.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect();
            (done, unreadable_input)
        });
        let (finished, unreadable_input) = finished;
        // The workers' counts and links are this cycle's. Each object is one worker's, so
        // each worker's changes to the links it started with are its objects'.
        let before = self.links.clone();
        for done in finished {
            merge(&mut self.report, &done.report);
            for (key, target) in &done.links {
                if before.get(key) != Some(target) {
                    self.links.insert(key.clone(), target.clone());
                }
            }
            for key in before.keys() {
                if !done.links.contains_key(key) {
                    self.links.remove(key);
                }
            }
            self.deferred.extend(done.deferred);
            if self.stopped.is_none() {
                self.stopped = done.stopped;
            }
        }
        if self.stopped.is_none() {
            self.stopped = unreadable_input;
        }
        self.deferred
            .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        if let Some(stop) = self.stopped.clone() {
            self.forgo_deferred(observer);
            return Err(stop);
        }
        // Phase 2, one at a time: references to objects created on other workers.
        let Some(transport) = self.transport.take() else {
            return Err(Stopped(
                "this cycle has no transport for its second pass".into(),
            ));
        };
        let port = self.port.clone();
        let result = drive(self.second_pass(kind, observer), &port, &mut *transport);
        self.transport = Some(transport);
        self.forgo_deferred(observer);
        if let Err(stop) = &result {
            self.stopped = Some(stop.clone());
        }
        result
    }
}

/// One worker: a cycle of its own over the records dealt to it.
#[allow(clippy::too_many_arguments)]
fn work(
    engine: &crate::provision::Engine,
    target: &super::TargetUrl,
    kind: ResourceKind,
    links: Vec<crate::provision::Link>,
    settings: super::CycleSettings,
    journal: Option<std::sync::Arc<super::journal::Journal>>,
    transport: &mut (dyn Transport + Send),
    jobs: mpsc::Receiver<Job>,
    events: mpsc::Sender<Event>,
    halt: &AtomicBool,
) -> Finished {
    let mut relay = Relay(events);
    let mut cycle = match Cycle::new(engine, target, transport, links, settings) {
        Ok(cycle) => cycle,
        Err(e) => {
            halt.store(true, Ordering::SeqCst);
            return Finished {
                report: SyncReport::default(),
                links: BTreeMap::new(),
                deferred: Vec::new(),
                stopped: Some(Stopped(e.to_string())),
            };
        }
    };
    cycle.journal = journal;
    for job in jobs {
        if halt.load(Ordering::SeqCst) {
            cycle.report.not_attempted += 1;
            continue;
        }
        let at = At {
            kind,
            file: job.file.as_deref(),
            line: job.line,
        };
        match engine.read_record(job.line, &job.text) {
            Ok(record) => {
                if let Err(stop) = cycle.record(at, &record, &mut relay) {
                    halt.store(true, Ordering::SeqCst);
                    cycle.stopped = Some(stop);
                }
                if let Some(outcome) = cycle.defer.take() {
                    cycle.deferred.push(Deferred {
                        file: job.file.clone(),
                        line: job.line,
                        text: job.text.clone(),
                        outcome,
                        expected: cycle.held_expected.take(),
                    });
                }
            }
            Err(e) => {
                let mut error = RecordError::new(kind, job.line, Code::UnreadableRecord, e.0);
                error.file = job.file.clone();
                cycle.unreadable(&error, &mut relay);
            }
        }
    }
    Finished {
        report: std::mem::take(&mut cycle.report),
        links: std::mem::take(&mut cycle.links),
        deferred: std::mem::take(&mut cycle.deferred),
        stopped: cycle.stopped.take(),
    }
}

/// Add a worker's counts to the cycle's.
fn merge(into: &mut SyncReport, from: &SyncReport) {
    into.summary.absorb(&from.summary);
    into.requests += from.requests;
    for (status, n) in &from.statuses {
        *into.statuses.entry(*status).or_default() += n;
    }
    into.no_answer += from.no_answer;
    for (shape, n) in &from.refused_shapes {
        *into.refused_shapes.entry(*shape).or_default() += n;
    }
    into.changes_not_applied += from.changes_not_applied;
    into.waiting_for_app += from.waiting_for_app;
    into.waiting_to_retry += from.waiting_to_retry;
    into.not_attempted += from.not_attempted;
}
