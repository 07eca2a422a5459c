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
    /// The source object: a JSON file of attributes, or Graph's testInputObject (`-` = stdin).
    #[arg(long = "input", short = 'i', value_name = "FILE")]
    source: Option<PathBuf>,
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
    let (text, origin) = input.read(io.stdin)?;
    let record = match &source {
        None => serde_json::Map::new(),
        Some(path) => {
            let json = read_json(path, io.stdin)?;
            crate::parse_expression::input_object(&json)
                .map_err(|e| Usage(format!("{}: {e}", path.display())))?
        }
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
                let _ = io.stdout.write_all(
                    pretty(&crate::parse_expression::parse_failure(&text, &errors)).as_bytes(),
                );
            }
            report(io, &errors, &text, &origin);
            return Ok(FAILED);
        }
    };
    if format == ReportFormat::Json {
        let response = crate::parse_expression::evaluate(&expression, &record, &mut env);
        let _ = io.stdout.write_all(pretty(&response).as_bytes());
        return Ok(if response.error.is_none() { OK } else { FAILED });
    }
    report(io, expression.warnings(), &text, &origin);
    let result = expression.eval_object(&record, &mut env);
    if let Some(trace) = &env.trace {
        let _ = io.stdout.write_all(render_trace(trace, &text).as_bytes());
    }
    report(io, &env.warnings, &text, &origin);
    match result {
        Ok(value) => {
            let _ = writeln!(io.stdout, "{}", describe(&value));
            Ok(OK)
        }
        Err(e) => {
            report(io, &[e.to_diagnostic()], &text, &origin);
            Ok(FAILED)
        }
    }
}

/// The value as `eval` prints it: text as is, several values as a JSON array, and what Null
/// and Drop mean for the mapping.
fn describe(value: &Value<'_>) -> String {
    match value {
        Value::Null => "null: the attribute would not flow".to_string(),
        Value::Drop => {
            "dropped: IgnoreFlowIfNullOrEmpty skips this mapping (no value, no default)".to_string()
        }
        Value::Multi(_) | Value::Roles(_) => {
            serde_json::to_string(&value.texts()).unwrap_or_default()
        }
        other => other.text().map(|t| t.into_owned()).unwrap_or_default(),
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

/// `eval --batch`: one response line per request line, whatever the line holds.
fn batch_eval(path: &std::path::Path, options: &Options, io: &mut Io<'_>) -> Result<u8, Usage> {
    use std::io::BufRead;
    let mut batch = crate::parse_expression::Batch::new(options);
    let file;
    let mut reader: Box<dyn BufRead + '_> = if path.as_os_str() == "-" {
        Box::new(std::io::BufReader::new(&mut *io.stdin))
    } else {
        file = std::fs::File::open(path)
            .map_err(|e| Usage(format!("cannot read {}: {e}", path.display())))?;
        Box::new(std::io::BufReader::new(file))
    };
    let mut line = Vec::new();
    let mut number = 0;
    let mut failed = 0;
    loop {
        let read = crate::source::read::read_line_bounded(
            &mut reader,
            &mut line,
            options.limits.max_line_bytes,
        )
        .map_err(|e| Usage(format!("cannot read {}: {e}", path.display())))?;
        let response = match read {
            crate::source::read::LineRead::Eof => break,
            crate::source::read::LineRead::TooLong(n) => {
                crate::parse_expression::Response::bad_request(format!(
                    "line {}: the line is {n} bytes long; the limit is {} (option max_line_bytes)",
                    number + 1,
                    options.limits.max_line_bytes
                ))
            }
            crate::source::read::LineRead::Line => batch.respond(&line, number + 1),
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
    Ok(OK)
}

fn read_json(path: &std::path::Path, stdin: &mut dyn Read) -> Result<serde_json::Value, Usage> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        stdin
            .read_to_string(&mut s)
            .map_err(|e| Usage(format!("cannot read standard input: {e}")))?;
        s
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| Usage(format!("cannot read {}: {e}", path.display())))?
    };
    serde_json::from_str(text.trim_start_matches('\u{FEFF}'))
        .map_err(|e| Usage(format!("{}: not JSON: {e}", path.display())))
}
