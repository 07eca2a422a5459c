//! One exchange with the app, as a cycle sends it (docs/sync.md#errors-and-retries): retries
//! after a 429 or a 503 (`Retry-After`, capped), after other 5xx and lost answers (backoff,
//! bounded), a POST only once its matching GETs found nothing; the run stops after too many
//! requests in a row without a usable answer. Also what the answers mean: a ListResponse's
//! first resource, a resource, the app's `detail`.

use std::time::{Duration, Instant};

use serde_json::Value as Json;

use super::http::{HttpRequest, HttpResponse, Token, TransportError};
use super::port::{OutgoingRequest, Port};
use super::target::TargetUrl;
use super::{Exchange, FailedObject, Observer, Origin, RetryPolicy, Stopped, SyncReport};
use crate::diagnostic::Code;
use crate::provision::run::At;
use crate::scim::{Request, SimulatedIds};

/// How an exchange ended.
pub(super) enum Answer {
    /// The app answered (possibly with an error status, after the retries allowed).
    Response(HttpResponse),
    /// A POST's answer was lost, and its matching GETs then found the object.
    Found(Json),
    /// No usable answer.
    Lost(String),
}

/// Sends requests to the app for a cycle, and counts what it takes.
pub(super) struct Sender<'a> {
    pub(super) target: &'a TargetUrl,
    /// Where requests and waits go (docs/sync.md#from-rust).
    port: Port,
    policy: RetryPolicy,
    /// For redacting the token from what is reported.
    pub(super) token: Option<Token>,
    failures_in_a_row: u32,
}

impl<'a> Sender<'a> {
    pub(super) fn new(
        target: &'a TargetUrl,
        port: Port,
        policy: RetryPolicy,
        token: Option<Token>,
    ) -> Sender<'a> {
        Sender {
            target,
            port,
            policy,
            token,
            failures_in_a_row: 0,
        }
    }

    /// Run Entra's matching GETs until one finds the object: `Ok(Ok(None))` when none does.
    pub(super) async fn find(
        &mut self,
        report: &mut SyncReport,
        queries: &[Request],
        origin: Origin,
        observer: &mut dyn Observer,
    ) -> Result<Result<Option<Json>, FailedObject>, Stopped> {
        for query in queries {
            // (A matching GET names no object: any resolver will do.)
            let none = SimulatedIds::default();
            let url = self.target.url(&query.url_path(&none));
            let label = format!("GET {}", query.path(&none));
            let failure = |code, status, detail| {
                let at = At {
                    kind: query.kind,
                    file: None,
                    line: 0,
                };
                let mut f = FailedObject::new(at, code, detail);
                f.request = Some(label.clone());
                f.status = status;
                f
            };
            match self
                .exchange(
                    report,
                    origin,
                    HttpRequest {
                        method: "GET",
                        url: &url,
                        body: None,
                    },
                    None,
                    observer,
                )
                .await?
            {
                Answer::Response(r) if r.status == 200 => match list_response(&r) {
                    Ok(Some(object)) => return Ok(Ok(Some(object))),
                    Ok(None) => {}
                    Err(why) => {
                        return Ok(Err(failure(Code::AppUnreachable, Some(200), why)));
                    }
                },
                Answer::Response(r) => {
                    return Ok(Err(failure(Code::AppRefused, Some(r.status), detail(&r))));
                }
                Answer::Found(_) => {}
                Answer::Lost(why) => return Ok(Err(failure(Code::AppUnreachable, None, why))),
            }
        }
        Ok(Ok(None))
    }

    /// Send one request, retrying as the policy says. A POST is retried only after its
    /// matching GETs (`recheck`) found nothing: a lost answer may hide a created object.
    pub(super) async fn exchange(
        &mut self,
        report: &mut SyncReport,
        origin: Origin,
        request: HttpRequest<'_>,
        recheck: Option<&[Request]>,
        observer: &mut dyn Observer,
    ) -> Result<Answer, Stopped> {
        let HttpRequest { method, url, body } = request;
        let policy = self.policy.clone();
        let (mut retries, mut throttled) = (0u32, 0u32);
        loop {
            let started = Instant::now();
            let result = self
                .port
                .send(OutgoingRequest {
                    method: method.to_string(),
                    url: url.to_string(),
                    body: body.map(<[u8]>::to_vec),
                })
                .await;
            let took = started.elapsed();
            report.waiting_for_app += took;
            report.requests += 1;
            self.log(origin, method, url, body, &result, took, observer);
            let (wait, last) = match result {
                Ok(r) => {
                    *report.statuses.entry(r.status).or_default() += 1;
                    // An answer that is not JSON (a sign-in page, a proxy's error page) is no
                    // usable answer either: the tenant URL is probably not the SCIM endpoint.
                    if is_json_or_empty(&r) {
                        self.failures_in_a_row = 0;
                    } else {
                        self.not_scim()?;
                    }
                    if r.status == 401 {
                        return Err(self.stop(format!(
                            "{} refused the token (401: {}): check ENTRAMAP_SCIM_TOKEN or --token-file",
                            self.target.base(),
                            detail(&r)
                        )));
                    }
                    let retryable = r.status >= 500 && r.status != 501;
                    if (r.status == 429 || r.status == 503) && throttled < policy.throttle_retries {
                        throttled += 1;
                        let wait = retry_after(r.retry_after.as_deref())
                            .unwrap_or_else(|| policy.backoff_before(throttled))
                            .min(policy.retry_after_cap);
                        (wait, Answer::Response(r))
                    } else if retryable && r.status != 503 && retries < policy.retries {
                        retries += 1;
                        (policy.backoff_before(retries), Answer::Response(r))
                    } else if retryable {
                        return self
                            .give_up(report, Answer::Response(r), recheck, observer)
                            .await;
                    } else {
                        return Ok(Answer::Response(r));
                    }
                }
                Err(TransportError::Tls(why)) => {
                    return Err(self.stop(format!(
                        "{}: {why}; give the app's CA certificate with --ca-file",
                        self.target.base()
                    )));
                }
                Err(e) => {
                    report.no_answer += 1;
                    self.failures_in_a_row += 1;
                    if self.failures_in_a_row >= policy.max_failures_in_a_row {
                        return Err(self.stop(format!(
                            "stopped after {} attempts in a row without a usable answer from {} (the last: {e})",
                            self.failures_in_a_row,
                            self.target.base()
                        )));
                    }
                    let lost = Answer::Lost(e.to_string());
                    if retries >= policy.retries {
                        return self.give_up(report, lost, recheck, observer).await;
                    }
                    retries += 1;
                    (policy.backoff_before(retries), lost)
                }
            };
            self.port.wait(wait).await;
            report.waiting_to_retry += wait;
            if let Some(found) = self.recheck(report, recheck, observer).await? {
                return Ok(found);
            }
            drop(last);
        }
    }

    /// The retries are spent: `last` is the answer, unless a POST's matching GETs now find
    /// the object its lost answer created.
    async fn give_up(
        &mut self,
        report: &mut SyncReport,
        last: Answer,
        recheck: Option<&[Request]>,
        observer: &mut dyn Observer,
    ) -> Result<Answer, Stopped> {
        Ok(self
            .recheck(report, recheck, observer)
            .await?
            .unwrap_or(last))
    }

    /// A POST's matching GETs, run again (sync's own): `Some` when they find the object.
    async fn recheck(
        &mut self,
        report: &mut SyncReport,
        recheck: Option<&[Request]>,
        observer: &mut dyn Observer,
    ) -> Result<Option<Answer>, Stopped> {
        let Some(queries) = recheck else {
            return Ok(None);
        };
        // (Boxed: `find` sends through `exchange`, which may come back here.)
        let found = Box::pin(self.find(report, queries, Origin::Sync, observer)).await?;
        Ok(match found {
            Ok(Some(object)) => Some(Answer::Found(object)),
            Ok(None) => None,
            Err(f) => Some(Answer::Lost(f.detail)),
        })
    }

    /// A stop, its message redacted (an app's detail may echo the token).
    fn stop(&self, message: String) -> Stopped {
        match &self.token {
            Some(token) => Stopped(token.redact(&message).into_owned()),
            None => Stopped(message),
        }
    }

    /// An answer that is not SCIM JSON counts towards stopping the run: the tenant URL is
    /// probably not the app's SCIM endpoint.
    fn not_scim(&mut self) -> Result<(), Stopped> {
        self.failures_in_a_row += 1;
        if self.failures_in_a_row >= self.policy.max_failures_in_a_row {
            return Err(self.stop(format!(
                "stopped after {} answers in a row that are not SCIM JSON: is {} the app's SCIM base URL (Entra's Tenant URL)?",
                self.failures_in_a_row,
                self.target.base()
            )));
        }
        Ok(())
    }

    /// Hand an exchange to the observer, the token redacted.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn log(
        &self,
        origin: Origin,
        method: &str,
        url: &str,
        body: Option<&[u8]>,
        result: &Result<HttpResponse, TransportError>,
        took: Duration,
        observer: &mut dyn Observer,
    ) {
        let redact = |text: &str| match &self.token {
            Some(token) => token.redact(text).into_owned(),
            None => text.to_string(),
        };
        let (status, answer, error) = match result {
            Ok(r) => {
                // Redacted whole, then cut: a token across the cut is still caught.
                let whole = redact(&String::from_utf8_lossy(&r.body));
                let text: String = whole.chars().take(64 << 10).collect();
                (Some(r.status), (!text.is_empty()).then_some(text), None)
            }
            Err(e) => (None, None, Some(redact(&e.to_string()))),
        };
        observer.exchange(&Exchange {
            origin,
            method: method.to_string(),
            url: redact(url),
            body: body.map(|b| redact(&String::from_utf8_lossy(b))),
            status,
            answer,
            error,
            ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
        });
    }
}

/// `Retry-After`: seconds, or an HTTP date.
pub(super) fn retry_after(value: Option<&str>) -> Option<Duration> {
    let value = value?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or_default())
}

/// The answer's body as a JSON object (a resource).
pub(super) fn scim_object(response: &HttpResponse) -> Result<Json, String> {
    match serde_json::from_slice::<Json>(&response.body) {
        Ok(object @ Json::Object(_)) => Ok(object),
        _ => Err(not_scim_answer(response)),
    }
}

/// The first resource of a ListResponse, `None` when it has none.
pub(super) fn list_response(response: &HttpResponse) -> Result<Option<Json>, String> {
    let list = scim_object(response)?;
    let resources = list.as_object().and_then(|o| {
        o.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("Resources"))
            .map(|(_, v)| v)
    });
    match resources {
        Some(Json::Array(items)) => match items.first() {
            Some(first @ Json::Object(_)) => Ok(Some(first.clone())),
            Some(_) => Err("the ListResponse's Resources are not objects".into()),
            None => Ok(None),
        },
        None if list.get("totalResults").and_then(Json::as_u64) == Some(0) => Ok(None),
        _ => Err("the answer is not a SCIM ListResponse (no \"Resources\")".into()),
    }
}

/// Why an answer is not SCIM JSON.
pub(super) fn not_scim_answer(response: &HttpResponse) -> String {
    let kind = response
        .content_type
        .as_deref()
        .unwrap_or("no content type");
    let start = String::from_utf8_lossy(
        response
            .body
            .get(..response.body.len().min(80))
            .unwrap_or_default(),
    )
    .replace(['\n', '\r'], " ");
    format!(
        "the answer ({kind}) is not SCIM JSON: \"{start}\"; is --target the app's SCIM base URL (Entra's Tenant URL)?"
    )
}

/// An empty answer, or JSON: what a SCIM app answers, even with an error status. A gateway's
/// or a sign-in page's HTML is neither.
pub(super) fn is_json_or_empty(response: &HttpResponse) -> bool {
    response.body.iter().all(u8::is_ascii_whitespace)
        || serde_json::from_slice::<serde::de::IgnoredAny>(&response.body).is_ok()
}

/// The app's `detail` for an error, else its answer's text (cut), else the status alone.
pub(super) fn detail(response: &HttpResponse) -> String {
    if let Ok(Json::Object(error)) = serde_json::from_slice::<Json>(&response.body)
        && let Some(detail) = error.get("detail").and_then(Json::as_str)
    {
        // One line: a server's multi-line detail would break the report's layout.
        return detail.split_whitespace().collect::<Vec<_>>().join(" ");
    }
    let text = String::from_utf8_lossy(
        response
            .body
            .get(..response.body.len().min(300))
            .unwrap_or_default(),
    )
    .trim()
    .replace(['\n', '\r'], " ");
    if text.is_empty() {
        format!("(no detail; HTTP {})", response.status)
    } else {
        text
    }
}
