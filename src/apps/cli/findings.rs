//! Diagnostics of several expression files for machines: GitHub workflow annotations and
//! SARIF 2.1.0 (code scanning), both pointing at each file's line and column.

use serde_json::json;

use crate::diagnostic::{Diagnostic, Severity};

/// One checked input: where it came from, its text, what `check` found.
pub(super) struct Checked {
    pub(super) origin: String,
    pub(super) text: String,
    pub(super) diagnostics: Vec<Diagnostic>,
}

fn level(d: &Diagnostic) -> &'static str {
    match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// `::error file=F,line=L,col=C,endLine=..,endColumn=..,title=CODE::message` per diagnostic.
pub(super) fn github(checked: &[Checked]) -> String {
    let mut out = String::new();
    for c in checked {
        let index = crate::diagnostic::span::LineIndex::new(&c.text);
        for d in &c.diagnostics {
            let (line, col) = index.line_col(&c.text, d.span.start as usize);
            let (end_line, end_col) = index.line_col(&c.text, d.span.end as usize);
            let mut message = d.message.clone();
            if let Some(help) = &d.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            out.push_str(&crate::diagnostic::workflow::annotation(
                level(d),
                &[
                    ("file", c.origin.clone()),
                    ("line", line.to_string()),
                    ("col", col.to_string()),
                    ("endLine", end_line.to_string()),
                    ("endColumn", end_col.to_string()),
                    ("title", d.code.to_string()),
                ],
                &message,
            ));
        }
    }
    out
}

/// A SARIF 2.1.0 log with one run: a rule per diagnostic code, a result per diagnostic.
pub(super) fn sarif(checked: &[Checked]) -> serde_json::Value {
    let mut rules: Vec<&str> = checked
        .iter()
        .flat_map(|c| c.diagnostics.iter().map(|d| d.code.as_str()))
        .collect();
    rules.sort_unstable();
    rules.dedup();
    let mut results = Vec::new();
    for c in checked {
        let index = crate::diagnostic::span::LineIndex::new(&c.text);
        for d in &c.diagnostics {
            let (line, col) = index.line_col(&c.text, d.span.start as usize);
            let (end_line, end_col) = index.line_col(&c.text, d.span.end as usize);
            let message = match &d.help {
                Some(help) => format!("{} (help: {help})", d.message),
                None => d.message.clone(),
            };
            results.push(json!({
                "ruleId": d.code,
                "level": level(d),
                "message": {"text": message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": c.origin},
                    "region": {"startLine": line, "startColumn": col, "endLine": end_line, "endColumn": if end_line == line { end_col.max(col + 1) } else { end_col }}
                }}]
            }));
        }
    }
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "entramap",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": rules.iter().map(|r| json!({"id": r})).collect::<Vec<_>>()
            }},
            "results": results
        }]
    })
}
