//! `entramap sync`: one provisioning cycle against a live SCIM app, the way Entra runs it
//! (docs/sync.md). Each record is read and planned by the same engine as `map`; what `map`
//! takes from `--current`, sync asks the app for — the linked object by its id, else Entra's
//! matching GETs — and then sends the POST, PATCH or DELETE the engine decides, naming created
//! objects by the ids the app returned.
//!
//! The pieces, in the order data flows through them: [`target`] (the tenant URL), [`shapes`]
//! (Entra's shapes an app may refuse), [`http`] (one exchange: the [`Transport`] trait and the
//! bundled client), [`journal`] (links as the app confirms them), `exchange` (retries, and what
//! answers mean) and [`Cycle`] (the decisions and the state).

// Reads what apps answer and users give: no panics, whatever comes (docs/architecture.md#invariants).
#![cfg_attr(
    not(test),
    deny(
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable
    )
)]

pub mod target;
pub mod shapes;
pub mod http;
pub mod journal;
mod port;
mod exchange;
pub mod export;
mod cycle;
mod concurrent;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

pub use cycle::{Cycle, Steps};
pub use http::{
    ClientSettings, HttpClient, HttpRequest, HttpResponse, Token, Transport, TransportError,
};
pub use port::{OutgoingRequest, Step};
pub use shapes::Shape;
pub use target::{TargetUrl, TargetUrlError};

use crate::diagnostic::{Code, Diagnostic};
use crate::provision::run::At;
use crate::provision::{Applied, Summary};
use crate::scim::{Request, Resolve, ResourceKind};

/// What a cycle is told besides its engine and its app.
#[derive(Debug, Clone, Default)]
pub struct CycleSettings {
    /// Send only GETs; the writes are handed to [`Observer::would_send`].
    pub dry_run: bool,
    /// Retries and when to stop.
    pub retry: RetryPolicy,
    /// The token, for redacting it from everything the cycle reports.
    pub token: Option<Token>,
}

/// How a cycle retries and when it gives up (docs/sync.md#errors-and-retries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries of a request after a 5xx (other than 503), a timeout or a broken connection;
    /// a POST is retried only after its matching GETs found nothing. Default 3.
    pub retries: u32,
    /// The first wait between those retries, doubled each time (0.5 s, 1 s, 2 s), at most 8 s.
    pub backoff: Duration,
    /// Retries after a 429 or a 503, each after the `Retry-After` the app gives. Default 5.
    pub throttle_retries: u32,
    /// The longest `Retry-After` honoured; a longer one is cut to this. Default 30 s.
    pub retry_after_cap: Duration,
    /// Requests in a row without a usable answer (no connection, a timeout, not SCIM JSON)
    /// after which the run stops. Default 5.
    pub max_failures_in_a_row: u32,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            retries: 3,
            backoff: Duration::from_millis(500),
            throttle_retries: 5,
            retry_after_cap: Duration::from_secs(30),
            max_failures_in_a_row: 5,
        }
    }
}

impl RetryPolicy {
    /// The wait before retry `n` (1-based) of a failed request.
    pub fn backoff_before(&self, n: u32) -> Duration {
        let doubled = self
            .backoff
            .saturating_mul(1u32 << n.saturating_sub(1).min(16));
        doubled.min(Duration::from_secs(8))
    }
}

/// Who would send a request: Entra (its matching GETs, POST, PATCH, DELETE) or sync itself
/// (the GET of a linked object by id, and a POST's matching GETs run again before a retry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// A request Entra sends in a cycle.
    Entra,
    /// A request sync adds to know the app's state.
    Sync,
}

/// One request and its answer, as `--log` writes it; the token is redacted everywhere.
#[derive(Debug, Clone, Serialize)]
pub struct Exchange {
    /// Entra's request or sync's own.
    pub origin: Origin,
    /// `GET`, `POST`, …
    pub method: String,
    /// The whole URL.
    pub url: String,
    /// The request's JSON body, as sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The answer's status; `None` when no answer came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The answer's body, as text (cut at 64 KiB).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answer: Option<String>,
    /// Why no answer came.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// How long the exchange took, in milliseconds.
    pub ms: u64,
}

/// A record whose object the cycle could not bring to what the engine decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FailedObject {
    /// `users` or `groups`.
    pub kind: ResourceKind,
    /// The file, when the input was several files.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The line its record starts on.
    pub line: usize,
    /// The source object's objectId.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_id: Option<String>,
    /// `app-refused`, `app-unreachable`, or the engine's code for a record it could not
    /// read or evaluate (docs/codes.md).
    pub code: Code,
    /// The request that failed (`PATCH /Users/2819c223`), when one did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<String>,
    /// The app's status code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The app's `detail` (or its answer's text), or what went wrong.
    pub detail: String,
    /// Entra's shapes the refused request carried.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub entra_shapes: Vec<Shape>,
    /// What was done before it failed (`created as 2819c223`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub done: Option<String>,
    /// What the refused PATCH carried, which the app therefore did not get: attribute paths,
    /// `manager`, `members` (Entra bundles a manager link with the attribute changes, so one
    /// refused shape loses them all).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_applied: Vec<String>,
}

impl FailedObject {
    /// A failure of the record at `at`.
    pub fn new(at: At<'_>, code: Code, detail: String) -> FailedObject {
        FailedObject {
            kind: at.kind,
            file: at.file.map(str::to_string),
            line: at.line,
            source_id: None,
            code,
            request: None,
            status: None,
            detail,
            entra_shapes: Vec::new(),
            done: None,
            not_applied: Vec::new(),
        }
    }

    /// This failure, placed at the record's line.
    pub(crate) fn at(mut self, at: At<'_>) -> FailedObject {
        self.file = at.file.map(str::to_string);
        self.line = at.line;
        self
    }
}

impl std::fmt::Display for FailedObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ", self.kind)?;
        if let Some(file) = &self.file {
            write!(f, "{file} ")?;
        }
        write!(f, "line {}", self.line)?;
        if let Some(id) = &self.source_id {
            write!(f, " ({id})")?;
        }
        f.write_str(": ")?;
        if let Some(done) = &self.done {
            write!(f, "{done}, but ")?;
        }
        match (&self.request, self.status) {
            (Some(request), Some(status)) => write!(f, "{request} answered {status}: ")?,
            (Some(request), None) => write!(f, "{request}: ")?,
            _ => {}
        }
        f.write_str(&self.detail)?;
        if !self.not_applied.is_empty() {
            write!(
                f,
                "\n  note: not applied with it: {}",
                self.not_applied.join(", ")
            )?;
        }
        for shape in &self.entra_shapes {
            write!(f, "\n  note: the request carries {}", shape.explain())?;
        }
        Ok(())
    }
}

/// What a cycle did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct SyncReport {
    /// The records' outcomes, as `map` counts them; a record whose requests the app refused
    /// counts as failed.
    #[serde(flatten)]
    pub summary: Summary,
    /// Requests sent (retries included).
    pub requests: usize,
    /// Answers by status code.
    pub statuses: BTreeMap<u16, usize>,
    /// Requests that got no answer (timeouts, broken connections).
    pub no_answer: usize,
    /// Refused requests by the Entra shape they carried.
    pub refused_shapes: BTreeMap<Shape, usize>,
    /// Changes refused PATCHes carried (attributes, managers, members): the app did not get
    /// them ([`FailedObject::not_applied`] names them per object).
    pub changes_not_applied: usize,
    /// Wall time of the cycle.
    #[serde(serialize_with = "millis")]
    pub elapsed: Duration,
    /// Time spent waiting for the app's answers.
    #[serde(serialize_with = "millis")]
    pub waiting_for_app: Duration,
    /// Time spent waiting before retries (backoff, `Retry-After`).
    #[serde(serialize_with = "millis")]
    pub waiting_to_retry: Duration,
    /// Links recovered from an interrupted run's journal.
    pub recovered_links: usize,
    /// Workers that sent requests at once (`--concurrency`); 1 for a cycle one request at a
    /// time. `waiting_for_app` adds up every worker's wait.
    pub workers: usize,
    /// Records run a second time, at the end of their input, because a manager or member
    /// they name was not in the app yet (docs/sync.md#managers).
    pub second_pass: usize,
    /// Why the run stopped before the end of its input, when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// Records read after the run stopped, and not sent (the summary's counts and these add
    /// up to the records read).
    pub not_attempted: usize,
    /// Only GETs were sent (`--dry-run`).
    pub dry_run: bool,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// What a cycle tells its caller as it goes; every method has a default that ignores it.
pub trait Observer {
    /// A request was sent (and answered, or not).
    fn exchange(&mut self, _exchange: &Exchange) {}
    /// A warning about a record.
    fn warning(&mut self, _at: &At<'_>, _warning: &Diagnostic) {}
    /// A record's outcome, when all its requests succeeded.
    fn applied(&mut self, _at: &At<'_>, _applied: &Applied) {}
    /// A record failed.
    fn failed(&mut self, _failed: &FailedObject) {}
    /// `--dry-run`: a request the cycle would send (created objects under simulated ids).
    fn would_send(&mut self, _request: &Request, _ids: &dyn Resolve) {}
    /// What a record's target object should hold after the cycle (`--expect-out`; only with
    /// an engine made with [`crate::provision::Engine::expecting`]), whether or not the app
    /// took its requests.
    fn expected(&mut self, _resource: &serde_json::Value) {}
}

/// The run stopped: the app cannot be reached, the token is refused, or TLS fails. What was
/// confirmed before is in [`Cycle::links`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Stopped(pub String);
