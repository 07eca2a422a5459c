//! An offline stand-in for Graph's `parseExpression` API (docs/mapping.md#parseexpression): one request in, one
//! `parseExpressionResponse` out, for `entramap eval --format json` and `entramap eval --batch`.

// Reads input: no panics, whatever the input (docs/architecture.md#invariants).
#![cfg_attr(
    not(test),
    deny(
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable
    )
)]

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Map, Value as Json};

use crate::diagnostic::Diagnostic;
use crate::eval::Env;
use crate::eval::value::Value;
use crate::expression::{Expression, ExpressionError};
use crate::graph::{self, Node};
use crate::options::{Options, parse_clock};

/// Graph's `parseExpressionResponse`, fields in Graph's order.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    /// Did the expression parse (and check)?
    pub parsing_succeeded: bool,
    /// The Graph tree, when it parsed.
    pub parsed_expression: Option<Node>,
    /// Did evaluation succeed?
    pub evaluation_succeeded: bool,
    /// Every value as text; `[]` for Null or dropped.
    pub evaluation_result: Vec<String>,
    /// The value with its type, telling Null, dropped and `""` apart (entramap's, not
    /// Graph's: docs/values.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<crate::value::Value>,
    /// What went wrong.
    pub error: Option<PublicError>,
}

/// Graph's `publicError`, reduced to what offline evaluation can say.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PublicError {
    /// Stable code (`unknown-function`, `bad-date`, `bad-request` ...).
    pub code: String,
    /// The message, with `line:column` in the expression (or the input line for requests).
    pub message: String,
}

impl Response {
    /// A response for a request that could not be read at all.
    pub fn bad_request(message: impl Into<String>) -> Response {
        Response {
            parsing_succeeded: false,
            parsed_expression: None,
            evaluation_succeeded: false,
            evaluation_result: Vec::new(),
            value: None,
            error: Some(PublicError {
                code: crate::diagnostic::Code::BadRequest.to_string(),
                message: message.into(),
            }),
        }
    }
}

fn error_at(text: &str, d: &Diagnostic) -> PublicError {
    let (line, col) = d.line_col(text);
    PublicError {
        code: d.code.to_string(),
        message: format!("{line}:{col}: {}", d.message),
    }
}

/// Parse, check and evaluate one expression against one input object.
pub fn evaluate(expression: &Expression, input: &Map<String, Json>, env: &mut Env<'_>) -> Response {
    let parsed = crate::syntax::parse(expression.text(), expression.options())
        .ok()
        .map(|p| graph::to_graph(&p.expr));
    match expression.eval_object(input, env) {
        Ok(value) => Response {
            parsing_succeeded: true,
            parsed_expression: parsed,
            evaluation_succeeded: true,
            evaluation_result: match &value {
                Value::Null | Value::Drop => Vec::new(),
                v => v.texts(),
            },
            value: Some(crate::value::Value::from_evaluated(&value)),
            error: None,
        },
        Err(e) => Response {
            parsing_succeeded: true,
            parsed_expression: parsed,
            evaluation_succeeded: false,
            evaluation_result: Vec::new(),
            value: None,
            error: Some(error_at(expression.text(), &e.to_diagnostic())),
        },
    }
}

/// The response for an expression that does not compile.
pub fn parse_failure(text: &str, errors: &[Diagnostic]) -> Response {
    Response {
        parsing_succeeded: false,
        parsed_expression: None,
        evaluation_succeeded: false,
        evaluation_result: Vec::new(),
        value: None,
        error: errors
            .iter()
            .find(|d| d.is_error())
            .map(|d| error_at(text, d)),
    }
}

/// Input attributes from either `{attr: value}` or Graph's
/// `{"properties": [{"key": ..., "value": ...}]}` (testInputObject).
/// A whole parseExpression request body (`{"expression", "testInputObject", ...}`) gives its
/// testInputObject.
pub fn input_object(json: &Json) -> Result<Map<String, Json>, String> {
    let obj = json.as_object().ok_or("the input must be a JSON object")?;
    if let Some(test) = obj.get("testInputObject")
        && obj.contains_key("expression")
    {
        return match test {
            Json::Null => Ok(Map::new()),
            other => input_object(other),
        };
    }
    match obj.get("properties") {
        Some(Json::Array(props)) if obj.len() <= 2 => {
            let mut map = Map::new();
            for p in props {
                let key = p
                    .get("key")
                    .and_then(Json::as_str)
                    .ok_or("each testInputObject property needs a \"key\"")?;
                map.insert(
                    key.to_string(),
                    p.get("value").cloned().unwrap_or(Json::Null),
                );
            }
            Ok(map)
        }
        _ => Ok(obj.clone()),
    }
}

/// The fields a batch request may have (Graph's `targetAttributeDefinition` is accepted and
/// ignored); any other field is an error, never silently ignored.
const REQUEST_FIELDS: &[&str] = &[
    "expression",
    "input",
    "testInputObject",
    "targetAttributeDefinition",
    "now",
    "taken",
    "options",
];

/// Answers batch requests, compiling each distinct expression once.
pub struct Batch<'o> {
    options: &'o Options,
    compiled: HashMap<String, Result<Expression, ExpressionError>>,
}

impl<'o> Batch<'o> {
    /// A batch with these options.
    pub fn new(options: &'o Options) -> Self {
        Batch {
            options,
            compiled: HashMap::new(),
        }
    }

    /// Answer one request line: `{"expression", "input" | "testInputObject", "now"?}`.
    /// `line` (1-based) is used in messages about the request itself.
    pub fn respond(&mut self, request: &[u8], line: usize) -> Response {
        let request = request.strip_suffix(b"\r").unwrap_or(request);
        let request = if line == 1 {
            request
                .strip_prefix("\u{FEFF}".as_bytes())
                .unwrap_or(request)
        } else {
            request
        };
        let text = match std::str::from_utf8(request) {
            Ok(t) => t,
            Err(e) => {
                return Response::bad_request(format!(
                    "line {line}: not UTF-8 (invalid byte at column {})",
                    e.valid_up_to() + 1
                ));
            }
        };
        if text.trim().is_empty() {
            return Response::bad_request(format!(
                "line {line}: empty line; each line must be a JSON request"
            ));
        }
        let json: Json = match crate::source::read::parse_document(text) {
            Ok(j) => j,
            Err(e) => return Response::bad_request(format!("line {line}: {e}")),
        };
        let Some(request) = json.as_object() else {
            return Response::bad_request(format!("line {line}: a request must be a JSON object"));
        };
        if let Some(unknown) = request
            .keys()
            .find(|k| !REQUEST_FIELDS.contains(&k.as_str()))
        {
            return Response::bad_request(format!(
                "line {line}: unknown field `{unknown}`; a request has {}",
                REQUEST_FIELDS.join(", ")
            ));
        }
        let Some(expression) = request.get("expression").and_then(Json::as_str) else {
            return Response::bad_request(format!(
                "line {line}: the request has no \"expression\" string"
            ));
        };
        let input = match request
            .get("input")
            .or_else(|| request.get("testInputObject"))
        {
            None | Some(Json::Null) => Map::new(),
            Some(v) => match input_object(v) {
                Ok(m) => m,
                Err(e) => return Response::bad_request(format!("line {line}: {e}")),
            },
        };
        // Per-request options (flat keys, as in an --options file) over the batch's.
        let options = match request.get("options") {
            None | Some(Json::Null) => self.options.clone(),
            Some(Json::Object(changes)) => match self.options.with_changes(changes.clone()) {
                Ok(o) => o,
                Err(e) => return Response::bad_request(format!("line {line}: {e}")),
            },
            Some(_) => {
                return Response::bad_request(format!(
                    "line {line}: \"options\" must be an object of option keys"
                ));
            }
        };
        let taken: std::collections::HashSet<String> = match request.get("taken") {
            None | Some(Json::Null) => Default::default(),
            Some(Json::Array(values)) if values.iter().all(Json::is_string) => values
                .iter()
                .filter_map(Json::as_str)
                .map(str::to_string)
                .collect(),
            Some(_) => {
                return Response::bad_request(format!(
                    "line {line}: \"taken\" must be an array of strings (values already used in the target)"
                ));
            }
        };
        let is_taken = |v: &str| taken.contains(v);
        let mut env = match Env::new(&options) {
            Ok(env) => env.with_taken(&is_taken),
            Err(e) => return Response::bad_request(format!("line {line}: {e}")),
        };
        if let Some(now) = request.get("now").and_then(Json::as_str) {
            match parse_clock(now) {
                Ok(now) => env.now = now,
                Err(e) => return Response::bad_request(format!("line {line}: {e}")),
            }
        }
        let key = match request.get("options") {
            Some(o) if !o.is_null() => format!("{o}\u{0}{expression}"),
            _ => expression.to_string(),
        };
        if self.compiled.len() >= 1024 && !self.compiled.contains_key(&key) {
            // Bounded: a file of all-different expressions must not grow memory without end.
            self.compiled.clear();
        }
        let compiled = self
            .compiled
            .entry(key)
            .or_insert_with(|| Expression::compile(expression, &options));
        match compiled {
            Ok(expr) => evaluate(expr, &input, &mut env),
            Err(error) => parse_failure(expression, &error.diagnostics),
        }
    }
}
