//! One cycle, record by record (docs/sync.md#a-cycle): find the record's object in the app
//! (its link's GET by id, else Entra's matching GETs), plan and apply it with the engine as
//! `map` does against that answer, then send its writes, naming created objects by the ids
//! the app returned. Links are journaled as the app confirms them.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use serde_json::Value as Json;

use super::exchange::{Answer, Sender, detail, is_json_or_empty, scim_object};
use super::http::{HttpRequest, HttpResponse, Transport, TransportError};
use super::journal::{Entry, Journal};
use super::port::{Port, Step, drive, poll_once};
use super::shapes::shapes;
use super::target::TargetUrl;
use super::{CycleSettings, FailedObject, Observer, Origin, Stopped, SyncReport};
use crate::diagnostic::{Code, Diagnostic};
use crate::eval::Env;
use crate::provision::run::{At, Input};
use crate::provision::target::TargetStore;
use crate::provision::{Engine, Link, Outcome, RecordError, RunState};
use crate::scim::{Body, Method, ObjectRef, OpPath, OpValue, Request, Resolve, ResourceKind};
use crate::source::SlotRecord;

/// One provisioning cycle against a live app.
pub struct Cycle<'a> {
    pub(super) engine: &'a Engine,
    sender: Sender<'a>,
    /// The bundled driver's transport; `None` for a cycle driven by [`Cycle::steps`].
    pub(super) transport: Option<&'a mut dyn Transport>,
    /// Where the cycle's requests and waits go out and their answers come in.
    pub(super) port: Port,
    pub(super) settings: CycleSettings,
    env: Env<'static>,
    state: RunState,
    /// Every link the app has confirmed (or an earlier cycle's, not yet contradicted).
    pub(super) links: BTreeMap<(ResourceKind, String), String>,
    /// The ids the app gave this run's creations.
    created: HashMap<ObjectRef, String>,
    pub(super) journal: Option<std::sync::Arc<Journal>>,
    pub(super) report: SyncReport,
    /// The objectId of the record being sent (named if the run stops in its middle).
    in_progress: Option<String>,
    /// Why the run stopped, once it has.
    pub(super) stopped: Option<Stopped>,
    /// Records whose manager or members named objects not yet in the app: run again once the
    /// input is through (docs/sync.md#managers).
    pub(super) deferred: Vec<Deferred>,
    /// The record being run names such an object (and has its outcome): defer it.
    pub(super) defer: Option<Outcome>,
    /// Running the deferred records.
    second_pass: bool,
    /// The expected resource of a record that may be deferred, until it is known whether it is.
    pub(super) held_expected: Option<serde_json::Value>,
    started: Instant,
}

/// A record to run again for its references, and what it came to the first time.
pub(super) struct Deferred {
    pub(super) file: Option<String>,
    pub(super) line: usize,
    pub(super) text: Vec<u8>,
    pub(super) outcome: Outcome,
    /// What it expects without the references, said if it is not run again (a stop).
    pub(super) expected: Option<serde_json::Value>,
}

/// Created objects named by the ids the app returned.
struct AppIds<'c>(&'c HashMap<ObjectRef, String>);

impl Resolve for AppIds<'_> {
    fn id<'a>(&'a self, object: &'a ObjectRef) -> Cow<'a, str> {
        match object {
            ObjectRef::Id(id) => Cow::Borrowed(id),
            created => Cow::Borrowed(self.0.get(created).map_or("", String::as_str)),
        }
    }
}

/// What `run` says of a cycle made by [`Cycle::sans_io`].
const NO_TRANSPORT: &str = "this cycle has no transport: drive it with Cycle::steps";

/// A cycle's run without I/O ([`Cycle::steps`]): ask what it needs, do it, give the answer.
///
/// ```no_run
/// # use entramap::sync::{Step, Steps, Transport};
/// # fn drive(mut steps: Steps<'_>, http: &mut dyn Transport) {
/// while let Some(step) = steps.next_request() {
///     match step {
///         Step::Send(request) => steps.on_response(http.send(&request.as_http())),
///         Step::Wait(duration) => {
///             std::thread::sleep(duration);
///             steps.on_waited();
///         }
///     }
/// }
/// let result = steps.result();
/// # }
/// ```
pub struct Steps<'s> {
    future: std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), Stopped>> + 's>>,
    port: Port,
    result: Option<Result<(), Stopped>>,
}

impl Steps<'_> {
    /// What the run needs next; `None` once it is over ([`Steps::result`] then says how).
    pub fn next_request(&mut self) -> Option<Step> {
        if self.result.is_some() {
            return None;
        }
        match poll_once(self.future.as_mut()) {
            Ok(result) => {
                self.result = Some(result);
                None
            }
            Err(()) => {
                let need = self.port.need();
                if need.is_none() {
                    // Paused without a need cannot happen (only the port pauses it).
                    self.result = Some(Err(Stopped("the cycle paused without a request".into())));
                }
                need
            }
        }
    }

    /// The answer to the request [`Steps::next_request`] gave (or why none came).
    pub fn on_response(&mut self, answer: Result<HttpResponse, TransportError>) {
        self.port.answer(answer);
    }

    /// The wait [`Steps::next_request`] asked for is over.
    pub fn on_waited(&mut self) {
        self.port.waited();
    }

    /// How the run ended: `Err` when it stopped (the app cannot be reached, …). Call it once
    /// [`Steps::next_request`] gave `None`; before that, the run is not over.
    pub fn result(self) -> Result<(), Stopped> {
        self.result
            .unwrap_or_else(|| Err(Stopped("the run was left before its end".into())))
    }
}

/// An empty target: planning against it lists every matching GET.
static NOTHING: std::sync::LazyLock<TargetStore> = std::sync::LazyLock::new(TargetStore::default);

impl<'a> Cycle<'a> {
    /// A cycle of `engine` against `target` through `transport`, following `links` from
    /// earlier cycles (a state file's, and a journal's on top). Fails on a bad `now` option.
    pub fn new(
        engine: &'a Engine,
        target: &'a TargetUrl,
        transport: &'a mut dyn Transport,
        links: Vec<Link>,
        settings: CycleSettings,
    ) -> Result<Cycle<'a>, crate::OptionsError> {
        let mut cycle = Cycle::sans_io(engine, target, links, settings)?;
        cycle.transport = Some(transport);
        Ok(cycle)
    }

    /// A cycle without a transport: drive it with [`Cycle::steps`] and an HTTP stack of your
    /// own.
    pub fn sans_io(
        engine: &'a Engine,
        target: &'a TargetUrl,
        links: Vec<Link>,
        settings: CycleSettings,
    ) -> Result<Cycle<'a>, crate::OptionsError> {
        let env = Env::new(engine.options())?;
        let state = RunState::new(TargetStore::default().with_links(links.iter().cloned()));
        let report = SyncReport {
            dry_run: settings.dry_run,
            ..SyncReport::default()
        };
        let port = Port::default();
        Ok(Cycle {
            engine,
            sender: Sender::new(
                target,
                port.clone(),
                settings.retry.clone(),
                settings.token.clone(),
            ),
            transport: None,
            port,
            settings,
            env,
            state,
            links: links
                .into_iter()
                .map(|l| ((l.kind, l.source_id), l.target_id))
                .collect(),
            created: HashMap::new(),
            journal: None,
            report,
            in_progress: None,
            stopped: None,
            deferred: Vec::new(),
            defer: None,
            second_pass: false,
            held_expected: None,
            started: Instant::now(),
        })
    }

    /// Journal each link as the app confirms it (`--state-out`'s journal).
    pub fn journal_to(&mut self, journal: Journal, recovered: usize) {
        self.journal = Some(std::sync::Arc::new(journal));
        self.report.recovered_links = recovered;
    }

    /// The links now: earlier cycles', updated with what the app confirmed in this one.
    pub fn links(&self) -> Vec<Link> {
        self.links
            .iter()
            .map(|((kind, source), target)| Link {
                kind: *kind,
                source_id: source.clone(),
                target_id: target.clone(),
            })
            .collect()
    }

    /// The app's tenant URL.
    pub(super) fn sender_target(&self) -> &'a TargetUrl {
        self.sender.target
    }

    /// The report so far.
    pub fn report(&self) -> &SyncReport {
        &self.report
    }

    /// End the cycle: its report, its links, and its journal (to remove once the state file
    /// is written).
    pub fn finish(mut self) -> (SyncReport, Vec<Link>, Option<Journal>) {
        self.report.elapsed = self.started.elapsed();
        let links = self.links();
        // (Workers of a concurrent run have dropped their shares by now.)
        let journal = self
            .journal
            .and_then(|j| std::sync::Arc::try_unwrap(j).ok());
        (self.report, links, journal)
    }

    /// Every record of `inputs`, in order: `kind` objects. Run the users first, then the
    /// groups, as Entra does (members name the users' ids). `Err` when the run stopped (the
    /// app cannot be reached, or an input cannot be read); after that, records are only
    /// counted.
    pub fn run(
        &mut self,
        kind: ResourceKind,
        inputs: Vec<Input<'_>>,
        observer: &mut dyn Observer,
    ) -> Result<(), Stopped> {
        let Some(transport) = self.transport.take() else {
            return Err(Stopped(NO_TRANSPORT.into()));
        };
        let port = self.port.clone();
        let result = drive(
            self.run_async(kind, inputs, observer),
            &port,
            &mut *transport,
        );
        self.transport = Some(transport);
        result
    }

    /// [`Cycle::run`] without I/O: the requests and waits it needs come out of
    /// [`Steps::next_request`], and their answers go back by [`Steps::on_response`] (a wait's
    /// end by [`Steps::on_waited`]), so an embedder sends them with its own HTTP stack.
    pub fn steps<'s>(
        &'s mut self,
        kind: ResourceKind,
        inputs: Vec<Input<'s>>,
        observer: &'s mut dyn Observer,
    ) -> Steps<'s> {
        let port = self.port.clone();
        Steps {
            future: Box::pin(self.run_async(kind, inputs, observer)),
            port,
            result: None,
        }
    }

    /// [`Cycle::run`], awaiting the port.
    async fn run_async(
        &mut self,
        kind: ResourceKind,
        inputs: Vec<Input<'_>>,
        observer: &mut dyn Observer,
    ) -> Result<(), Stopped> {
        // After a stop, the rest of the input is read and counted, never sent: the counts
        // still add up to the records read. (A stop lasts: the groups after the users are
        // counted too.)
        let mut stopped = self.stopped.clone();
        for input in inputs {
            let file = input.name.as_deref();
            for raw in input.records {
                if stopped.is_some() {
                    if raw.is_err() {
                        break;
                    }
                    self.report.not_attempted += 1;
                    continue;
                }
                let raw = match raw {
                    Ok(raw) => raw,
                    Err(e) => {
                        let stop =
                            Stopped(format!("cannot read {}: {e}", file.unwrap_or("the input")));
                        self.stopped = Some(stop.clone());
                        return Err(stop);
                    }
                };
                let at = At {
                    kind,
                    file,
                    line: raw.line,
                };
                let unreadable = match raw.text {
                    Err(reason) => reason,
                    Ok(text) => match self.engine.read_record(raw.line, &text) {
                        Ok(record) => {
                            stopped = self.record_async(at, &record, observer).await.err();
                            if let Some(outcome) = self.defer.take() {
                                self.deferred.push(Deferred {
                                    file: file.map(str::to_string),
                                    line: raw.line,
                                    text: text.clone(),
                                    outcome,
                                    expected: self.held_expected.take(),
                                });
                            }
                            continue;
                        }
                        Err(e) => e.0,
                    },
                };
                let mut error =
                    RecordError::new(kind, raw.line, Code::UnreadableRecord, unreadable);
                error.file = file.map(str::to_string);
                self.unreadable(&error, observer);
            }
        }
        if stopped.is_none() {
            stopped = self.second_pass(kind, observer).await.err();
        }
        self.forgo_deferred(observer);
        self.stopped.clone_from(&stopped);
        match stopped {
            Some(stop) => Err(stop),
            None => Ok(()),
        }
    }

    /// A record that could not be read: counted as failed.
    pub fn unreadable(&mut self, error: &RecordError, observer: &mut dyn Observer) {
        self.report.summary.failed += 1;
        let at = At {
            kind: error.kind,
            file: error.file.as_deref(),
            line: error.line,
        };
        observer.failed(&FailedObject::new(at, error.code, error.reason.clone()));
    }

    /// Bring one record's object to what the engine decides, through the cycle's transport.
    /// `Err` only when the run must stop; a record that fails is reported to `observer` and
    /// counted.
    pub fn record(
        &mut self,
        at: At<'_>,
        record: &SlotRecord<'_>,
        observer: &mut dyn Observer,
    ) -> Result<(), Stopped> {
        let Some(transport) = self.transport.take() else {
            return Err(Stopped(NO_TRANSPORT.into()));
        };
        let port = self.port.clone();
        let result = drive(
            self.record_async(at, record, observer),
            &port,
            &mut *transport,
        );
        self.transport = Some(transport);
        result
    }

    /// [`Cycle::record`], awaiting the port.
    async fn record_async(
        &mut self,
        at: At<'_>,
        record: &SlotRecord<'_>,
        observer: &mut dyn Observer,
    ) -> Result<(), Stopped> {
        let attempt = match self.attempt(at, record, observer).await {
            Ok(attempt) => attempt,
            Err(stop) => {
                if let Some(expected) = self.held_expected.take() {
                    observer.expected(&expected);
                }
                // The record in progress is reported too; what the app confirmed for it is
                // already journaled.
                let mut failed =
                    FailedObject::new(at, Code::AppUnreachable, format!("not finished: {stop}"));
                failed.source_id = self.in_progress.take();
                self.report.summary.failed += 1;
                observer.failed(&failed);
                return Err(stop);
            }
        };
        // Deferred: its second run says what it expects. Failed: not run again, so now.
        if attempt.is_err()
            && let Some(expected) = self.held_expected.take()
        {
            observer.expected(&expected);
        }
        if let Err(mut failed) = attempt {
            self.report.changes_not_applied += failed.not_applied.len();
            // The app's detail may echo what it was sent.
            if let Some(token) = &self.sender.token {
                failed.detail = token.redact(&failed.detail).into_owned();
            }
            self.report.summary.failed += 1;
            observer.failed(&failed);
        }
        Ok(())
    }

    /// [`Cycle::record`]'s work: `Ok(Err(_))` when the record failed.
    async fn attempt(
        &mut self,
        at: At<'_>,
        record: &SlotRecord<'_>,
        observer: &mut dyn Observer,
    ) -> Result<Result<(), FailedObject>, Stopped> {
        let kind = at.kind;
        self.in_progress = None;
        self.defer = None;
        self.held_expected = None;
        let fail = |code: Code, detail: String| FailedObject::new(at, code, detail);
        // Which GETs Entra sends for it, and its objectId.
        let first = match self
            .engine
            .plan_record(kind, at.line, record, &mut self.env, &NOTHING)
        {
            Ok(plan) => plan,
            Err(e) => return Ok(Err(fail(e.code, e.reason))),
        };
        let object_id = first.object_id().map(str::to_string);
        self.in_progress.clone_from(&object_id);
        let failed = |mut f: FailedObject| {
            f.source_id.clone_from(&object_id);
            Ok(Err(f))
        };
        // The app's object: by the link's id, else by Entra's matching GETs.
        let mut found: Option<Json> = None;
        let mut linked: Option<String> = None;
        let link = object_id
            .as_ref()
            .and_then(|oid| self.links.get(&(kind, oid.clone())).cloned());
        if let (Some(oid), Some(id)) = (&object_id, link) {
            match self.linked_object(at, oid, &id, observer).await? {
                Ok(Some(object)) => {
                    found = Some(object);
                    linked = Some(id);
                }
                Ok(None) => {}
                Err(f) => return failed(f),
            }
        }
        if found.is_none() {
            match self
                .sender
                .find(&mut self.report, first.queries(), Origin::Entra, observer)
                .await?
            {
                Ok(object) => found = object,
                Err(f) => {
                    return failed(f.at(at));
                }
            }
            // Entra's group GET leaves the members out; what to add and remove needs them:
            // the group by its id (sync's own GET, docs/sync.md#groups).
            let group_id = found
                .as_ref()
                .filter(|_| kind == ResourceKind::Group)
                .and_then(|o| o.get("id"))
                .and_then(Json::as_str)
                .map(str::to_string);
            if let Some(id) = group_id {
                match self.by_id(at, &id, observer).await? {
                    Ok(Some(group)) => found = Some(group),
                    Ok(None) => {}
                    Err(f) => return failed(f),
                }
            }
        }
        // Decide against what the app holds, as `map` decides against --current. When it
        // holds nothing, that is the first plan's empty target: the record is not evaluated
        // again.
        let plan = if found.is_none() && linked.is_none() {
            Ok(first)
        } else {
            let mut store = TargetStore::default();
            if let Some(object) = &found {
                store.push(object);
            }
            if let (Some(oid), Some(id)) = (&object_id, linked) {
                store = store.with_links([Link {
                    kind,
                    source_id: oid.clone(),
                    target_id: id,
                }]);
            }
            self.engine
                .plan_record(kind, at.line, record, &mut self.env, &store)
        };
        let applied = match plan.and_then(|plan| self.engine.apply(plan, &mut self.state)) {
            Ok(applied) => applied,
            Err(e) => {
                return failed(fail(e.code, e.reason));
            }
        };
        // A manager or member not in the app yet may be created further down the input: the
        // record runs again at the end, and says so only if it is still missing then.
        let unresolved = applied
            .warnings
            .iter()
            .any(|w| w.code == Code::UnresolvedReference);
        let deferring = unresolved && !self.second_pass && !self.settings.dry_run;
        for warning in &applied.warnings {
            if !(deferring && warning.code == Code::UnresolvedReference) {
                observer.warning(&at, warning);
            }
        }
        if self.settings.dry_run {
            let ids = self
                .state
                .simulated_ids(&self.engine.options().scim.id_prefix)
                .clone();
            if let Some(expected) = &applied.expected {
                observer.expected(&expected.to_json(&ids));
            }
            // The GETs were sent; the writes are what the cycle would send.
            for request in applied.requests.iter().filter(|r| r.method != Method::Get) {
                observer.would_send(request, &ids);
            }
            self.report.summary.add(&applied.outcome);
            observer.applied(&at, &applied);
            return Ok(Ok(()));
        }
        // A record run again at the end says what it expects then, with its references; one
        // that fails now is not run again, and says it when it fails (`record_async`).
        if let Some(expected) = &applied.expected {
            let resource = expected.to_json(&AppIds(&self.created));
            if deferring {
                self.held_expected = Some(resource);
            } else {
                observer.expected(&resource);
            }
        }
        // The object the GETs found is linked, as Entra links it.
        let found_id = found
            .as_ref()
            .and_then(|o| o.get("id"))
            .and_then(Json::as_str)
            .map(str::to_string);
        if let (Some(oid), Some(id)) = (&object_id, &found_id) {
            self.link(kind, oid, id)?;
        }
        let queries: Vec<Request> = applied
            .requests
            .iter()
            .filter(|r| r.method == Method::Get)
            .cloned()
            .collect();
        let mut done: Option<String> = None;
        for request in applied.requests.iter().filter(|r| r.method != Method::Get) {
            if let Some(missing) = self.unresolved(request) {
                let mut f = fail(
                    Code::AppRefused,
                    format!("it names the {missing} created in this run, whose POST failed"),
                );
                f.done = done;
                return failed(f);
            }
            let recheck = (request.method == Method::Post).then_some(queries.as_slice());
            let outcome = self
                .write(at, request, recheck, done.as_deref(), observer)
                .await?;
            match outcome {
                Ok(new_id) => match request.method {
                    Method::Post => {
                        let id = new_id.unwrap_or_default();
                        if let Some(reference) = &applied.created {
                            self.created.insert(reference.clone(), id.clone());
                        }
                        if let Some(oid) = &object_id {
                            self.link(kind, oid, &id)?;
                        }
                        done = Some(format!("created as {id}"));
                    }
                    Method::Delete => {
                        if let Some(oid) = &object_id {
                            self.unlink(kind, oid)?;
                        }
                    }
                    _ => {}
                },
                Err(mut f) => {
                    f.done = done;
                    return failed(f);
                }
            }
        }
        self.report.summary.add(&applied.outcome);
        observer.applied(&at, &applied);
        if deferring {
            self.defer = Some(applied.outcome.clone());
        }
        Ok(Ok(()))
    }

    /// Run the deferred records again, now that every `kind` record has been through: their
    /// references resolve to the objects created further down the input. Against a fresh run
    /// state holding every link the app confirmed, so a record is not taken for a duplicate of
    /// itself. A record's count moves to failed when its second run fails; otherwise it stays.
    pub(super) async fn second_pass(
        &mut self,
        kind: ResourceKind,
        observer: &mut dyn Observer,
    ) -> Result<(), Stopped> {
        let deferred = std::mem::take(&mut self.deferred);
        if deferred.is_empty() {
            return Ok(());
        }
        let fresh = RunState::new(TargetStore::default().with_links(self.links()));
        let first = std::mem::replace(&mut self.state, fresh);
        self.second_pass = true;
        self.report.second_pass += deferred.len();
        let mut result = Ok(());
        let mut deferred = deferred.into_iter();
        for record in deferred.by_ref() {
            let at = At {
                kind,
                file: record.file.as_deref(),
                line: record.line,
            };
            let Ok(slots) = self.engine.read_record(record.line, &record.text) else {
                continue;
            };
            let before = self.report.summary;
            result = self.record_async(at, &slots, observer).await;
            let failed = self.report.summary.failed > before.failed;
            self.report.summary = before;
            if failed {
                self.report.summary.failed += 1;
                self.report.summary.remove(&record.outcome);
            }
            if result.is_err() {
                break;
            }
        }
        // Not run again (the run stopped): said as they were.
        self.deferred.extend(deferred);
        self.second_pass = false;
        self.state = first;
        result
    }

    /// The deferred records that will not run again (the run stopped): what they expect,
    /// references aside, still goes to `--expect-out`.
    pub(super) fn forgo_deferred(&mut self, observer: &mut dyn Observer) {
        for record in std::mem::take(&mut self.deferred) {
            if let Some(expected) = &record.expected {
                observer.expected(expected);
            }
        }
    }

    /// Send one of a record's writes; the new object's id for a POST.
    async fn write(
        &mut self,
        at: At<'_>,
        request: &Request,
        recheck: Option<&[Request]>,
        done: Option<&str>,
        observer: &mut dyn Observer,
    ) -> Result<Result<Option<String>, FailedObject>, Stopped> {
        let fail = |code: Code, detail: String| FailedObject::new(at, code, detail);
        let (url, label) = self.url(request);
        let mut body = Vec::new();
        if let Some(b) = &request.body
            && b.write_json(&mut body, &AppIds(&self.created)).is_err()
        {
            return Ok(Err(fail(
                Code::InternalError,
                "cannot write the body".into(),
            )));
        }
        let body = request.body.as_ref().map(|_| body.as_slice());
        let answer = self
            .sender
            .exchange(
                &mut self.report,
                Origin::Entra,
                HttpRequest {
                    method: request.method.as_str(),
                    url: &url,
                    body,
                },
                recheck,
                observer,
            )
            .await?;
        Ok(match answer {
            Answer::Response(r) if (200..300).contains(&r.status) => {
                if request.method == Method::Post {
                    let id = scim_object(&r)
                        .ok()
                        .and_then(|o| o.get("id").and_then(Json::as_str).map(str::to_string));
                    match id {
                        Some(id) => Ok(Some(id)),
                        // Created, but the answer does not say as what: the matching GETs do.
                        None => match self
                            .sender
                            .find(
                                &mut self.report,
                                recheck.unwrap_or_default(),
                                Origin::Sync,
                                observer,
                            )
                            .await?
                        {
                            Ok(Some(found)) if found.get("id").and_then(Json::as_str).is_some() => {
                                Ok(found.get("id").and_then(Json::as_str).map(str::to_string))
                            }
                            _ => Err(fail(
                                Code::AppUnreachable,
                                format!(
                                    "{label} answered {} without the new object's \"id\", and the matching GETs do not find it",
                                    r.status
                                ),
                            )),
                        },
                    }
                } else {
                    Ok(None)
                }
            }
            // Already gone: what the DELETE wanted.
            Answer::Response(r)
                if r.status == 404 && request.method == Method::Delete && is_json_or_empty(&r) =>
            {
                Ok(None)
            }
            Answer::Response(r) => {
                Err(self.refused(at, request, label.clone(), &r, done.map(str::to_string)))
            }
            Answer::Found(object) => match object.get("id").and_then(Json::as_str) {
                Some(id) => Ok(Some(id.to_string())),
                None => Err(fail(
                    Code::AppUnreachable,
                    format!("{label}: the object the matching GET found has no \"id\""),
                )),
            },
            Answer::Lost(why) => {
                let mut f = fail(Code::AppUnreachable, why);
                f.request = Some(label.clone());
                Err(f)
            }
        })
    }

    /// The object linked to `oid` by an earlier cycle, by its id (sync's own GET): `None`
    /// when the app answers 404, and the link is then dropped.
    async fn linked_object(
        &mut self,
        at: At<'_>,
        oid: &str,
        id: &str,
        observer: &mut dyn Observer,
    ) -> Result<Result<Option<Json>, FailedObject>, Stopped> {
        let object = self.by_id(at, id, observer).await?;
        if let Ok(None) = object {
            observer.warning(
                &at,
                &Diagnostic::warning(
                    Code::StaleLinkDropped,
                    crate::Span::default(),
                    format!("the link from an earlier cycle names {id}, which the app answers 404 for: the link is dropped and the matching GETs run"),
                ),
            );
            self.unlink(at.kind, oid)?;
        }
        Ok(object)
    }

    /// `GET /Users/{id}` or `/Groups/{id}` (sync's own): `None` for a 404.
    async fn by_id(
        &mut self,
        at: At<'_>,
        id: &str,
        observer: &mut dyn Observer,
    ) -> Result<Result<Option<Json>, FailedObject>, Stopped> {
        let get = Request::new(
            Method::Get,
            at.kind,
            Some(ObjectRef::Id(id.to_string())),
            None,
        );
        let (url, label) = self.url(&get);
        let request = HttpRequest {
            method: "GET",
            url: &url,
            body: None,
        };
        let fail = |code, status, why| {
            let mut f = FailedObject::new(at, code, why);
            f.request = Some(label.clone());
            f.status = status;
            Ok(Err(f))
        };
        match self
            .sender
            .exchange(&mut self.report, Origin::Sync, request, None, observer)
            .await?
        {
            Answer::Response(r) if r.status == 200 => match scim_object(&r) {
                Ok(object) => Ok(Ok(Some(object))),
                Err(why) => fail(Code::AppUnreachable, Some(r.status), why),
            },
            Answer::Response(r) if r.status == 404 && is_json_or_empty(&r) => Ok(Ok(None)),
            Answer::Response(r) => Ok(Err(self.refused(at, &get, label.clone(), &r, None))),
            Answer::Found(_) => fail(Code::AppUnreachable, None, "no answer".into()),
            Answer::Lost(why) => fail(Code::AppUnreachable, None, why),
        }
    }

    /// The failure for a request the app answered with an error status.
    fn refused(
        &mut self,
        at: At<'_>,
        request: &Request,
        label: String,
        response: &HttpResponse,
        done: Option<String>,
    ) -> FailedObject {
        // Entra's shapes matter only when the app refused the request itself (4xx).
        let refused = (400..500).contains(&response.status);
        let mut failed = FailedObject::new(at, Code::AppRefused, detail(response));
        if refused {
            failed.entra_shapes = shapes(request, self.engine.options().scim.patch_mode);
            for shape in &failed.entra_shapes {
                *self.report.refused_shapes.entry(*shape).or_default() += 1;
            }
        }
        failed.request = Some(label);
        failed.status = Some(response.status);
        failed.done = done;
        if let Some(Body::Patch(ops)) = &request.body {
            for op in ops {
                match (&op.path, &op.value) {
                    (Some(OpPath::Attribute(path)), _) => failed.not_applied.push(path.to_string()),
                    (Some(OpPath::Manager), _) => failed.not_applied.push("manager".into()),
                    (Some(OpPath::Member(_)), _) => failed.not_applied.push("members".into()),
                    (None, Some(OpValue::Json(Json::Object(merged)))) => {
                        failed.not_applied.extend(merged.keys().cloned());
                    }
                    (None, _) => {}
                }
            }
            failed.not_applied.dedup();
        }
        failed
    }

    /// The URL of `request`, and how messages name it (`PATCH /Users/2819c223`).
    fn url(&self, request: &Request) -> (String, String) {
        let ids = AppIds(&self.created);
        let path = request.url_path(&ids);
        let label = format!("{} {}", request.method, request.path(&ids));
        (self.sender.target.url(&path), label)
    }

    /// The object created in this run that `request` names but the app never confirmed.
    fn unresolved(&self, request: &Request) -> Option<String> {
        let mut refs: Vec<&ObjectRef> = request.object.iter().collect();
        if let Some(Body::Patch(ops)) = &request.body {
            for op in ops {
                if let Some(OpPath::Member(r)) = &op.path {
                    refs.push(r);
                }
                match &op.value {
                    Some(OpValue::Id(r) | OpValue::ManagerRef(r)) => refs.push(r),
                    Some(OpValue::Members { ids, .. }) => refs.extend(ids),
                    _ => {}
                }
            }
        }
        refs.into_iter().find_map(|r| match r {
            ObjectRef::Created { kind, number } if !self.created.contains_key(r) => Some(format!(
                "{} #{number}",
                kind.to_string().trim_end_matches('s')
            )),
            _ => None,
        })
    }

    /// The app confirmed `source` ↔ `target`: kept, and journaled at once.
    fn link(&mut self, kind: ResourceKind, source: &str, target: &str) -> Result<(), Stopped> {
        let key = (kind, source.to_string());
        if self.links.get(&key).is_some_and(|t| t == target) {
            return Ok(());
        }
        self.links.insert(key, target.to_string());
        self.journal(kind, source, Some(target))
    }

    /// The app no longer holds `source`'s object.
    fn unlink(&mut self, kind: ResourceKind, source: &str) -> Result<(), Stopped> {
        self.state.forget_link(source);
        if self.links.remove(&(kind, source.to_string())).is_some() {
            return self.journal(kind, source, None);
        }
        Ok(())
    }

    fn journal(
        &mut self,
        kind: ResourceKind,
        source: &str,
        target: Option<&str>,
    ) -> Result<(), Stopped> {
        let Some(journal) = self.journal.as_mut() else {
            return Ok(());
        };
        journal
            .record(&Entry {
                kind,
                source_id: source.to_string(),
                target_id: target.map(str::to_string),
            })
            .map_err(|e| {
                Stopped(format!(
                    "{e}: the run stops, since what the app confirms could no longer be kept"
                ))
            })
    }
}
