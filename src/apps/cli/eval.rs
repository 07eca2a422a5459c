//! `entramap eval` output: values, traces, and `--batch` request files.

use std::io::Read;

use std::path::PathBuf;

use clap::Args;

use super::{ExprInput, FAILED, Io, OK, OptionArgs, ReportFormat, Usage, pretty, report};
use crate::eval::value::Value;
use crate::eval::{Env, TraceEntry};
use crate::expression::{Expression, ExpressionError};
use crate::options::Options;

#[derive(Args)]
pub(super) struct EvalArgs {
    #[command(flatten)]
    input: ExprInput,
    /// The source object: a file, `-` (stdin), or inline JSON (`'{"mail": "a@b.c"}'`). An
    /// object of attributes, Graph's testInputObject, or a whole parseExpression request body
    /// (its testInputObject is used, and its expression when none is given).
    #[arg(long = "input", short = 'i', value_name = "FILE|JSON")]
    source: Option<String>,
    /// The clock for Now(): RFC 3339 or a date (overrides the option `now`).
    #[arg(long)]
    now: Option<String>,
    /// Seed for Guid() and RandomString() (overrides the option `rng_seed`).
    #[arg(long)]
    seed: Option<u64>,
    /// A value already used in the target, for SelectUniqueValue (repeatable).
    #[arg(long, value_name = "VALUE")]
    taken: Vec<String>,
    /// Print every sub-expression with its value, as a tree.
    #[arg(long)]
    trace: bool,
    /// Text, or Graph's parseExpressionResponse JSON.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    format: ReportFormat,
    /// Which record of an `--input` that holds several (a JSON array, a Graph or SCIM page):
    /// 1 is the first.
    #[arg(long, value_name = "N")]
    index: Option<usize>,
    /// Answer one JSON request per line of FILE (`-` = stdin) with one response per line.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["expr", "file", "source", "trace"])]
    batch: Option<PathBuf>,
    #[command(flatten)]
    options: OptionArgs,
}

/// `entramap eval`.
pub(super) fn eval(args: EvalArgs, io: &mut Io<'_>) -> Result<u8, Usage> {
    let EvalArgs {
        input,
        source,
        now,
        seed,
        taken,
        trace,
        format,
        batch,
        index,
        options,
    } = args;
    let mut options = options.load()?;
    if now.is_some() {
        options.run.now = now;
    }
    if seed.is_some() {
        options.run.rng_seed = seed;
    }
    if let Some(path) = batch {
        return batch_eval(&path, &options, io);
    }
    let source = match &source {
        None => None,
        Some(spec) => Some((one_record(read_json(spec, io.stdin)?, spec, index)?, spec)),
    };
    let request_expression = source
        .as_ref()
        .and_then(|(json, _)| json.get("expression"))
        .and_then(serde_json::Value::as_str)
        .filter(|_| input.is_empty())
        .map(str::to_string);
    let (text, origin) = match request_expression {
        Some(text) => (text, "<request>".to_string()),
        None => input.read(io.stdin)?,
    };
    let record = match &source {
        None => serde_json::Map::new(),
        Some((json, spec)) => crate::graph_api::input_object(json)
            .map_err(|e| Usage(format!("{}: {e}", shown(spec))))?,
    };
    let taken_set: std::collections::HashSet<String> = taken.into_iter().collect();
    let is_taken = |v: &str| taken_set.contains(v);
    let mut env = Env::new(&options)
        .map_err(|e| Usage(e.to_string()))?
        .with_taken(&is_taken);
    if trace {
        env = env.with_trace();
    }
    let expression = match Expression::compile(&text, &options) {
        Ok(e) => e,
        Err(ExpressionError {
            diagnostics: errors,
            ..
        }) => {
            if format == ReportFormat::Json {
                let _ = io
                    .stdout
                    .write_all(pretty(&crate::graph_api::parse_failure(&text, &errors)).as_bytes());
            }
            report(io, &errors, &text, &origin);
            return Ok(FAILED);
        }
    };
    if format == ReportFormat::Json {
        let response = crate::graph_api::evaluate(&expression, &record, &mut env);
        let _ = io.stdout.write_all(pretty(&response).as_bytes());
        return Ok(if response.error.is_none() { OK } else { FAILED });
    }
    report(io, expression.warnings(), &text, &origin);
    // An attribute the input lacks but nearly has is a typo on one side or the other.
    if source.is_some() {
        for name in expression.attributes() {
            if record.keys().any(|k| k.eq_ignore_ascii_case(name)) {
                continue;
            }
            if let Some(near) =
                crate::diagnostic::suggest::nearest(name, record.keys().map(String::as_str), 2)
            {
                let _ = writeln!(
                    io.stderr,
                    "warning: the input has no [{name}] (did you mean [{near}]?), so it is Null"
                );
            }
        }
    }
    let result = expression.eval_object(&record, &mut env);
    if let Some(trace) = &env.trace {
        let _ = io.stdout.write_all(render_trace(trace, &text).as_bytes());
    }
    report(io, &env.warnings, &text, &origin);
    match result {
        // The raw value on stdout, so scripts can use it; what Null and Drop mean on stderr
        // (`--format json` gives the typed value).
        Ok(value) => {
            match describe(&value) {
                Ok(text) => {
                    let _ = writeln!(io.stdout, "{text}");
                }
                Err(note) => {
                    let _ = writeln!(io.stderr, "note: {note}");
                }
            }
            Ok(OK)
        }
        Err(e) => {
            report(io, &[e.to_diagnostic()], &text, &origin);
            Ok(FAILED)
        }
    }
}

/// The value as `eval` prints it on stdout — text as is, several values as a JSON array — or,
/// for Null and Drop, the note saying what they mean for the mapping.
fn describe(value: &Value<'_>) -> Result<String, &'static str> {
    match value {
        Value::Null => Err("Null: the attribute would not flow (nothing is printed on stdout)"),
        Value::Drop => Err(
            "dropped: IgnoreFlowIfNullOrEmpty skips this mapping (no value, no default; nothing is printed on stdout)",
        ),
        Value::Multi(_) | Value::Roles(_) => {
            Ok(serde_json::to_string(&value.texts()).unwrap_or_default())
        }
        other => Ok(other.text().map(|t| t.into_owned()).unwrap_or_default()),
    }
}

/// One line per evaluated sub-expression, indented by depth: `text => value`.
fn render_trace(trace: &[TraceEntry], text: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    for entry in trace {
        let snippet: String = text
            .get(entry.span.range())
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let snippet = if snippet.chars().count() > 60 {
            format!("{}…", snippet.chars().take(59).collect::<String>())
        } else {
            snippet
        };
        let _ = writeln!(
            out,
            "{}{snippet} => {}",
            "  ".repeat(entry.depth),
            entry.value
        );
    }
    out
}

/// `eval --batch`: one response line per request, whatever the request holds. Requests are
/// JSON documents of any layout: NDJSON, pretty-printed bodies one after another, arrays of
/// them. Exit 1 when any request failed, 0 when all were answered.
fn batch_eval(path: &std::path::Path, options: &Options, io: &mut Io<'_>) -> Result<u8, Usage> {
    let mut batch = crate::graph_api::Batch::new(options);
    let cannot = |e: std::io::Error| Usage(format!("cannot read {}: {e}", path.display()));
    let reader: Box<dyn std::io::BufRead + Send + '_> = if path.as_os_str() == "-" {
        Box::new(std::io::BufReader::new(&mut *io.stdin))
    } else {
        Box::new(std::io::BufReader::new(
            std::fs::File::open(path).map_err(cannot)?,
        ))
    };
    let records = crate::source::input::records(
        reader,
        crate::source::input::InputFormat::Auto,
        options.limits.max_line_bytes,
    )
    .map_err(cannot)?;
    let mut number = 0;
    let mut failed = 0;
    for record in records {
        let record = record.map_err(cannot)?;
        let response = match &record.text {
            Err(e) => crate::graph_api::Response::bad_request(format!("line {}: {e}", record.line)),
            Ok(text) => batch.respond(text, record.line),
        };
        number += 1;
        failed += usize::from(response.error.is_some());
        let _ = serde_json::to_writer(&mut *io.stdout, &response);
        let _ = io.stdout.write_all(b"\n");
    }
    let _ = writeln!(
        io.stderr,
        "{number} requests, {} answered, {failed} with errors",
        number - failed
    );
    Ok(if failed > 0 { FAILED } else { OK })
}

/// How `--input` is named in messages: the file, or `--input` for inline JSON.
fn shown(spec: &str) -> &str {
    if is_inline(spec) { "--input" } else { spec }
}

fn is_inline(spec: &str) -> bool {
    spec.trim_start().starts_with(['{', '['])
}

/// The record `--index` picks from an input that holds several (an array, a Graph or SCIM
/// page); an input that holds one is that one. Several without `--index` is an error that says
/// how many there are: evaluating against the page itself would give Null for every attribute.
fn one_record(
    json: serde_json::Value,
    spec: &str,
    index: Option<usize>,
) -> Result<serde_json::Value, Usage> {
    let (records, what) = match json {
        serde_json::Value::Array(items) => (items, "a JSON array"),
        serde_json::Value::Object(mut page)
            if ["value", "Resources"]
                .iter()
                .any(|k| page.get(*k).is_some_and(serde_json::Value::is_array)) =>
        {
            let key = if page.get("value").is_some_and(serde_json::Value::is_array) {
                "value"
            } else {
                "Resources"
            };
            match page.remove(key) {
                Some(serde_json::Value::Array(items)) => (items, "a page"),
                _ => return Ok(serde_json::Value::Object(page)),
            }
        }
        one => {
            return match index {
                None | Some(1) => Ok(one),
                Some(n) => Err(Usage(format!(
                    "{} holds one record; --index {n} is out of range",
                    shown(spec)
                ))),
            };
        }
    };
    let count = records.len();
    match (index, count) {
        (None, 1) => Ok(records.into_iter().next().unwrap_or_default()),
        (None, _) => Err(Usage(format!(
            "{} holds {count} records ({what}): pick one with --index N (1 to {count})",
            shown(spec)
        ))),
        (Some(n), _) => records.into_iter().nth(n.wrapping_sub(1)).ok_or_else(|| {
            Usage(format!(
                "{} holds {count} records ({what}); --index {n} is out of range (1 to {count})",
                shown(spec)
            ))
        }),
    }
}

/// `--input`'s JSON: inline, a file, or standard input (`-`).
fn read_json(spec: &str, stdin: &mut dyn Read) -> Result<serde_json::Value, Usage> {
    let path = std::path::Path::new(spec);
    let text = if is_inline(spec) {
        spec.to_string()
    } else if spec == "-" {
        let mut bytes = Vec::new();
        stdin
            .read_to_end(&mut bytes)
            .map_err(|e| Usage(format!("cannot read standard input: {e}")))?;
        crate::source::decode::text(bytes, std::path::Path::new("<stdin>"))
            .map_err(|e| Usage(e.to_string()))?
    } else {
        crate::source::decode::read_text(path).map_err(|e| Usage(e.to_string()))?
    };
    crate::source::read::parse_document(text.trim_start_matches('\u{FEFF}'))
        .map_err(|e| Usage(format!("{}: {e}", shown(spec))))
}
