//! The workbench's JSON API (docs/workbench.md#api). Each endpoint answers what the matching
//! command answers with `--format json` (check, eval, functions) or Graph's parseExpression
//! response; bad requests get a 4xx status and `{"error": "..."}` saying what to fix.

use std::borrow::Cow;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value as Json, json};

use super::{BODY_LIMIT, USERS_LISTED, Workbench};
use crate::eval::Env;
use crate::expression::Expression;
use crate::mapping::MappingSet;
use crate::options::{Options, PatchMode};
use crate::provision::{Engine, RunState};
use crate::scim::ResourceKind;

type Answer = Result<Response, ApiError>;

/// A request the API cannot answer: answered `{"error": message}` with `status`.
#[derive(Debug)]
pub(super) struct ApiError {
    status: StatusCode,
    message: String,
    /// Seconds after which to try again (a busy pool, a deadline passed).
    retry_after: Option<u64>,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response =
            (self.status, axum::Json(json!({ "error": self.message }))).into_response();
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(seconds),
            );
        }
        response
    }
}

pub(super) fn error(status: StatusCode, message: String) -> ApiError {
    ApiError {
        status,
        message,
        retry_after: None,
    }
}

/// Compute an answer on the blocking pool (one thread a core at most), within
/// its deadline ([`super::Timeouts::answer`]): the async workers stay free for every other request. A full pool is
/// 503 with `Retry-After` at once; an answer past its deadline is 503 too (its work stops at
/// its step budget).
async fn blocking(
    workbench: Arc<Workbench>,
    work: impl FnOnce(&Workbench) -> Answer + Send + 'static,
) -> Answer {
    let busy = |message: String| ApiError {
        status: StatusCode::SERVICE_UNAVAILABLE,
        message,
        retry_after: Some(1),
    };
    let Ok(permit) = Arc::clone(&workbench.pool).try_acquire_owned() else {
        return Err(busy(
            "every evaluation thread is busy; try again in a second".to_string(),
        ));
    };
    let deadline = workbench.timeouts.answer;
    let task = tokio::task::spawn_blocking(move || {
        let answer = work(&workbench);
        drop(permit);
        answer
    });
    match tokio::time::timeout(deadline, task).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(failed)) => Err(error(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("the answer failed: {failed}"),
        )),
        Err(_) => Err(busy(format!(
            "the answer took longer than {} s",
            deadline.as_secs_f64()
        ))),
    }
}

fn bad(message: impl Into<String>) -> ApiError {
    error(StatusCode::BAD_REQUEST, message.into())
}

fn ok(value: Json) -> Answer {
    Ok(axum::Json(value).into_response())
}

/// The request body as a JSON object.
fn object(body: Result<Bytes, BytesRejection>) -> Result<Map<String, Json>, ApiError> {
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request body is over {BODY_LIMIT} bytes"),
            )
        } else {
            bad(format!("cannot read the request body: {e}"))
        }
    })?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        bad(format!(
            "the request body is not UTF-8 (invalid byte at offset {})",
            e.valid_up_to()
        ))
    })?;
    match serde_json::from_str::<Json>(text) {
        Ok(Json::Object(map)) => Ok(map),
        Ok(_) => Err(bad("the request body must be a JSON object")),
        Err(e) => Err(bad(format!("the request body is not JSON: {e}"))),
    }
}

/// The workbench's options, with the request's `"options"` (flat option keys) over them. A
/// limit may be lowered, never raised: the limits are what keep one request from stalling or
/// crashing the server.
fn options(workbench: &Workbench, request: &Map<String, Json>) -> Result<Options, ApiError> {
    let changed = match request.get("options") {
        None | Some(Json::Null) => return Ok(workbench.options.clone()),
        Some(Json::Object(changes)) => workbench
            .options
            .with_changes(changes.clone())
            .map_err(|e| bad(format!("options: {e}")))?,
        Some(_) => return Err(bad("\"options\" must be an object of option keys")),
    };
    let limits = |options: &Options| match serde_json::to_value(&options.limits) {
        Ok(Json::Object(limits)) => limits,
        _ => Map::new(),
    };
    let (allowed, asked) = (limits(&workbench.options), limits(&changed));
    for (key, value) in &asked {
        let (Some(asked), Some(allowed)) =
            (value.as_u64(), allowed.get(key).and_then(Json::as_u64))
        else {
            continue;
        };
        if asked > allowed {
            return Err(bad(format!(
                "options: {key} cannot be raised here ({asked} > {allowed}): the workbench's limits keep one request from stalling or crashing it; lower values are fine, or start `entramap serve --option {key}={asked}`"
            )));
        }
    }
    Ok(changed)
}

fn expression_text(request: &Map<String, Json>) -> Result<&str, ApiError> {
    request
        .get("expression")
        .and_then(Json::as_str)
        .ok_or_else(|| bad("the request needs an \"expression\" string"))
}

/// A request about one expression: its body (which has an `"expression"` string) and the
/// options it asks for.
fn expression_request(
    workbench: &Workbench,
    body: Result<Bytes, BytesRejection>,
) -> Result<(Map<String, Json>, Options), ApiError> {
    let request = object(body)?;
    expression_text(&request)?;
    let options = options(workbench, &request)?;
    Ok((request, options))
}

/// The set the workbench was started with, or a built-in set by name (never a file: a client
/// names no files).
fn mapping_set<'w>(
    workbench: &'w Workbench,
    name: Option<&str>,
) -> Result<Cow<'w, MappingSet>, ApiError> {
    match name {
        None => Ok(Cow::Borrowed(&workbench.mapping)),
        Some(name) if name == workbench.mapping.name => Ok(Cow::Borrowed(&workbench.mapping)),
        Some(name) => match crate::mapping::builtin::get(name) {
            Some(_) => crate::mapping::load(name, &workbench.options)
                .map(|loaded| Cow::Owned(loaded.set))
                .map_err(|e| bad(e.to_string())),
            None => Err(error(
                StatusCode::NOT_FOUND,
                format!(
                    "no mapping set `{name}` here; the workbench has `{}` and the built-in sets {}",
                    workbench.mapping.name,
                    crate::mapping::builtin::names().join(", ")
                ),
            )),
        },
    }
}

/// `POST /api/check` `{"expression", "options"?}`: `entramap check -f --format json`'s report,
/// with the canonical text and Graph's JSON form when it parsed.
pub(super) async fn check(
    State(workbench): State<Arc<Workbench>>,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    blocking(workbench, move |workbench| check_now(workbench, body)).await
}

fn check_now(workbench: &Workbench, body: Result<Bytes, BytesRejection>) -> Answer {
    let (request, options) = expression_request(workbench, body)?;
    let text = expression_text(&request)?;
    let analysis = crate::mapping::check::check_expression(text, &options);
    let errors = analysis.diagnostics.iter().filter(|d| d.is_error()).count();
    let diagnostics: Vec<Json> = analysis
        .diagnostics
        .iter()
        .map(|d| d.to_json(text))
        .collect();
    ok(json!({
        "origin": "<workbench>",
        "ok": errors == 0,
        "errors": errors,
        "warnings": analysis.diagnostics.len() - errors,
        "diagnostics": diagnostics,
        "canonical": analysis.expr.as_ref().map(crate::syntax::print::canonical),
        "graph": analysis.expr.as_ref().map(crate::graph::to_graph),
    }))
}

/// `POST /api/eval` `{"expression", "input"? | "testInputObject"?, "options"?}`: Graph's
/// parseExpression response (as `entramap eval --format json`), plus the evaluation trace and
/// the diagnostics.
pub(super) async fn eval(
    State(workbench): State<Arc<Workbench>>,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    blocking(workbench, move |workbench| eval_now(workbench, body)).await
}

fn eval_now(workbench: &Workbench, body: Result<Bytes, BytesRejection>) -> Answer {
    let (request, options) = expression_request(workbench, body)?;
    let text = expression_text(&request)?;
    let input = match request
        .get("input")
        .or_else(|| request.get("testInputObject"))
    {
        None | Some(Json::Null) => Map::new(),
        Some(value) => {
            crate::graph_api::input_object(value).map_err(|e| bad(format!("input: {e}")))?
        }
    };
    let expression = match Expression::compile(text, &options) {
        Ok(expression) => expression,
        Err(e) => {
            let mut out = to_object(&crate::graph_api::parse_failure(text, &e.diagnostics));
            out.insert("trace".into(), json!([]));
            out.insert(
                "diagnostics".into(),
                e.diagnostics.iter().map(|d| d.to_json(text)).collect(),
            );
            return ok(Json::Object(out));
        }
    };
    let mut env = Env::new(&options)
        .map_err(|e| bad(format!("options: {e}")))?
        .with_trace();
    let response = crate::graph_api::evaluate(&expression, &input, &mut env);
    let trace: Vec<Json> = env
        .trace
        .iter()
        .flatten()
        .map(|entry| {
            json!({
                "depth": entry.depth,
                "span": entry.span,
                "text": text.get(entry.span.range()).unwrap_or(""),
                "value": entry.value,
            })
        })
        .collect();
    let diagnostics: Vec<Json> = expression
        .warnings()
        .iter()
        .chain(&env.warnings)
        .map(|d| d.to_json(text))
        .collect();
    let mut out = to_object(&response);
    out.insert("trace".into(), Json::Array(trace));
    out.insert("diagnostics".into(), Json::Array(diagnostics));
    ok(Json::Object(out))
}

fn to_object(value: &impl serde::Serialize) -> Map<String, Json> {
    match serde_json::to_value(value) {
        Ok(Json::Object(map)) => map,
        _ => Map::new(),
    }
}

/// `POST /api/parseExpression`: Graph's request and response, offline (`eval --batch`'s answer
/// to one request).
pub(super) async fn parse_expression(
    State(workbench): State<Arc<Workbench>>,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    blocking(workbench, move |workbench| {
        parse_expression_now(workbench, body)
    })
    .await
}

fn parse_expression_now(workbench: &Workbench, body: Result<Bytes, BytesRejection>) -> Answer {
    let request = object(body)?;
    if let Some(Json::Object(_)) = request.get("options") {
        options(workbench, &request)?;
    }
    let bytes = serde_json::to_vec(&request).unwrap_or_default();
    let response = crate::graph_api::Batch::new(&workbench.options).respond(&bytes, 1);
    let status = match &response.error {
        Some(e) if e.code == "bad-request" => StatusCode::BAD_REQUEST,
        _ => StatusCode::OK,
    };
    Ok((status, axum::Json(response)).into_response())
}

/// `POST /api/map` `{"user", "mapping"?, "kind"?, "options"?}`: each target attribute's value
/// for the user, and the SCIM requests Entra would send in both PATCH modes.
pub(super) async fn map_user(
    State(workbench): State<Arc<Workbench>>,
    body: Result<Bytes, BytesRejection>,
) -> Answer {
    blocking(workbench, move |workbench| map_now(workbench, body)).await
}

fn map_now(workbench: &Workbench, body: Result<Bytes, BytesRejection>) -> Answer {
    let request = object(body)?;
    let options = options(workbench, &request)?;
    let set = mapping_set(workbench, request.get("mapping").and_then(Json::as_str))?;
    let record = match request.get("user") {
        Some(user) => {
            crate::graph_api::input_object(user).map_err(|e| bad(format!("user: {e}")))?
        }
        None => return Err(bad("the request needs a \"user\" object")),
    };
    let kind = match request.get("kind").and_then(Json::as_str) {
        None | Some("users") => ResourceKind::User,
        Some("groups") => ResourceKind::Group,
        Some(other) => return Err(bad(format!("kind `{other}`: use users or groups"))),
    };
    match kind {
        ResourceKind::User => set.users.as_ref(),
        ResourceKind::Group => set.groups.as_ref(),
    }
    .ok_or_else(|| bad(format!("mapping `{}` has no {kind} mapping", set.name)))?;
    // The attributes' values come from the engine that writes the requests (they do not
    // depend on the PATCH mode): what `map` sends.
    let mut attributes = Vec::new();
    let mut failed = None;
    let mut requests = std::collections::BTreeMap::new();
    let mut outcome = None;
    let mut warnings = Vec::new();
    // The workbench's own set and options are compiled already; anything else is compiled here.
    let own = matches!(set, Cow::Borrowed(_)) && options == workbench.options;
    for (mode, compiled) in &workbench.engines {
        let fresh;
        let engine = if own {
            compiled
        } else {
            let mut options = options.clone();
            options.scim.patch_mode = *mode;
            fresh = Engine::new(&set, &options).map_err(|e| bad(e.to_string()))?;
            &fresh
        };
        let mode = *mode;
        if attributes.is_empty() {
            attributes = engine
                .values(kind, &record)
                .map_err(|e| error(StatusCode::UNPROCESSABLE_ENTITY, e.reason))?;
        }
        // A record that fails is answered with its attributes (the failing ones with their
        // errors) and the record's error, as `map` reports it.
        let applied = match engine.provision(kind, 1, &record, &mut RunState::default()) {
            Ok(applied) => applied,
            Err(e) => {
                failed = Some(e);
                break;
            }
        };
        // As written on the wire, keys in Entra's order (a `Value` would sort them).
        let list = applied
            .requests
            .iter()
            .map(|r| {
                let mut line = Vec::new();
                r.write_json(&mut line, engine.simulated_ids())?;
                serde_json::value::RawValue::from_string(String::from_utf8_lossy(&line).into())
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        requests.insert(mode_name(mode), list);
        outcome = Some(applied.outcome);
        warnings = applied.warnings.iter().map(|w| w.message.clone()).collect();
    }
    Ok(axum::Json(MapAnswer {
        mapping: set.name.clone(),
        kind,
        attributes,
        outcome,
        requests,
        warnings,
        error: failed,
    })
    .into_response())
}

/// `POST /api/map`'s answer.
#[derive(serde::Serialize)]
struct MapAnswer {
    mapping: String,
    kind: ResourceKind,
    attributes: Vec<crate::provision::AttributeValue>,
    outcome: Option<crate::provision::Outcome>,
    /// By PATCH mode: the requests as JSON values, in the order Entra sends them.
    requests: std::collections::BTreeMap<String, Vec<Box<serde_json::value::RawValue>>>,
    warnings: Vec<String>,
    /// The record's error when it fails (`map` would report it and send nothing).
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<crate::provision::RecordError>,
}

fn mode_name(mode: PatchMode) -> String {
    match serde_json::to_value(mode) {
        Ok(Json::String(name)) => name,
        _ => format!("{mode:?}"),
    }
}

#[derive(serde::Deserialize)]
pub(super) struct MappingQuery {
    name: Option<String>,
}

/// `GET /api/mapping?name=` : the set the workbench was started with (or a built-in set):
/// each mapping with its canonical expression and Graph JSON, and `check -m`'s findings.
pub(super) async fn mapping(
    State(workbench): State<Arc<Workbench>>,
    Query(query): Query<MappingQuery>,
) -> Answer {
    blocking(workbench, move |workbench| mapping_now(workbench, &query)).await
}

fn mapping_now(workbench: &Workbench, query: &MappingQuery) -> Answer {
    let set = mapping_set(workbench, query.name.as_deref())?;
    let options = workbench.options.for_dialect(set.dialect);
    let describe = |object: Option<&crate::mapping::ObjectMapping>| -> Json {
        let Some(object) = object else {
            return Json::Null;
        };
        let mappings: Vec<Json> = object
            .mappings
            .iter()
            .map(|m| {
                let source = m.source_text();
                let parsed = source
                    .as_deref()
                    .and_then(|t| crate::syntax::parse(t, &options).ok());
                json!({
                    "target": m.target,
                    "source": source,
                    "canonical": parsed.as_ref().map(|p| crate::syntax::print::canonical(&p.expr)),
                    "graph": parsed.as_ref().map(|p| crate::graph::to_graph(&p.expr)),
                    "mapping": m,
                })
            })
            .collect();
        json!({ "name": object.name, "mappings": mappings })
    };
    let findings: Vec<Json> = crate::provision::check::check_set(&set, &workbench.options)
        .iter()
        .map(|f| {
            json!({
                "place": f.place,
                "target": f.target,
                "source": f.source,
                "diagnostic": f.diagnostic.to_json(f.source.as_deref().unwrap_or("")),
            })
        })
        .collect();
    ok(json!({
        "name": set.name,
        "description": set.description,
        "started_with": workbench.mapping.name,
        "builtin": crate::mapping::builtin::names(),
        "users": describe(set.users.as_ref()),
        "groups": describe(set.groups.as_ref()),
        "findings": findings,
    }))
}

/// `GET /api/users`: the users the workbench was started with (`--users`), the first 500.
pub(super) async fn users(State(workbench): State<Arc<Workbench>>) -> Answer {
    let listed: Vec<&Map<String, Json>> = workbench.users.iter().take(USERS_LISTED).collect();
    ok(json!({ "total": workbench.users.len(), "users": listed }))
}

/// `GET /api/functions`: `entramap functions --format json`.
pub(super) async fn functions() -> Answer {
    ok(serde_json::to_value(crate::builtins::BUILTINS).unwrap_or(Json::Null))
}

/// Anything else.
pub(super) async fn not_found(uri: axum::http::Uri) -> ApiError {
    error(
        StatusCode::NOT_FOUND,
        format!(
            "nothing at {}; the API is /api/check, /api/eval, /api/parseExpression, /api/map, /api/mapping, /api/users, /api/functions",
            uri.path()
        ),
    )
}
