//! `entramap eval` output: values, traces, and `--batch` request files.

use std::io::Read;

use super::{Io, OK, Usage};
use crate::eval::TraceEntry;
use crate::eval::value::Value;
use crate::options::Options;

/// The value as `eval` prints it: text as is, several values as a JSON array, and what Null
/// and Drop mean for the mapping.
pub(super) fn describe(value: &Value<'_>) -> String {
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
pub(super) fn render_trace(trace: &[TraceEntry], text: &str) -> String {
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
pub(super) fn batch_eval(
    path: &std::path::Path,
    options: &Options,
    io: &mut Io<'_>,
) -> Result<u8, Usage> {
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

pub(super) fn read_json(
    path: &std::path::Path,
    stdin: &mut dyn Read,
) -> Result<serde_json::Value, Usage> {
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
