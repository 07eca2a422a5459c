//! Diagnostics: what went wrong or looks wrong, where (a byte span), and what to do about it.
//!
//! Rendering goes through `annotate-snippets` in its plain, colourless mode, so the text is
//! deterministic and can be snapshot-tested.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};
use serde::Serialize;

pub mod code;
pub mod span;
pub mod suggest;
pub mod workflow;

pub use code::Code;
pub use span::{LineIndex, Span};

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something Entra would accept that probably does not do what the author meant.
    Warning,
    /// The expression cannot be used.
    Error,
}

/// One finding about an expression, with its location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable, kebab-case identifier such as `unknown-function` (docs/codes.md).
    pub code: Code,
    /// One sentence saying what is wrong.
    pub message: String,
    /// Where.
    pub span: Span,
    /// Short text shown under the span.
    pub label: String,
    /// Other places that explain this one (e.g. the opening parenthesis).
    pub related: Vec<(Span, String)>,
    /// What to do about it.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A new error.
    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, code, span, message)
    }

    /// A new warning.
    pub fn warning(code: Code, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, code, span, message)
    }

    fn new(severity: Severity, code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            span,
            label: String::new(),
            related: Vec::new(),
            help: None,
        }
    }

    /// Set the text shown under the span.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    /// Add the hint that says what to do.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Point at another place that explains this one.
    pub fn with_related(mut self, span: Span, label: impl Into<String>) -> Self {
        self.related.push((span, label.into()));
        self
    }

    /// Boxed, for `Result`s whose error should stay small.
    pub fn into_boxed(self) -> Box<Diagnostic> {
        Box::new(self)
    }

    /// Is this an error?
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// Render as rustc-style plain text: title, `--> origin:line:col`, the source line(s) with
    /// carets under the span, and the hint. `origin` names the expression (a file name, `<expr>`).
    pub fn render(&self, source: &str, origin: &str) -> String {
        let level = match self.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let mut snippet = Snippet::source(source)
            .line_start(1)
            .path(origin)
            .fold(true)
            .annotation(
                AnnotationKind::Primary
                    .span(clamp(source, self.span))
                    .label(self.label.as_str()),
            );
        for (span, label) in &self.related {
            snippet = snippet.annotation(
                AnnotationKind::Context
                    .span(clamp(source, *span))
                    .label(label.as_str()),
            );
        }
        let mut group: Group = level
            .primary_title(self.message.as_str())
            .id(self.code.as_str())
            .element(snippet);
        if let Some(help) = &self.help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        Renderer::plain().render(&[group])
    }

    /// `line:column` of the start of the span in `source` (1-based).
    pub fn line_col(&self, source: &str) -> (usize, usize) {
        LineIndex::new(source).line_col(source, self.span.start as usize)
    }

    /// As `--format json` and the workbench's API give it: severity, code, message, where (byte
    /// span, 1-based line and column of both ends), label and help.
    pub fn to_json(&self, source: &str) -> serde_json::Value {
        let index = LineIndex::new(source);
        let (line, column) = index.line_col(source, self.span.start as usize);
        let end = index.line_col(source, self.span.end as usize);
        serde_json::json!({
            "severity": self.severity,
            "code": self.code,
            "message": self.message,
            "line": line,
            "column": column,
            "end_line": end.0,
            "end_column": end.1,
            "span": self.span,
            "label": self.label,
            "help": self.help,
        })
    }
}

/// Keep a span inside the text and on character boundaries, so rendering cannot fail.
fn clamp(source: &str, span: Span) -> std::ops::Range<usize> {
    let mut start = (span.start as usize).min(source.len());
    let mut end = (span.end as usize).clamp(start, source.len());
    while !source.is_char_boundary(start) {
        start -= 1;
    }
    while !source.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// Render a list of diagnostics, one after another, separated by blank lines.
pub fn render_all(diagnostics: &[Diagnostic], source: &str, origin: &str) -> String {
    let mut out = String::new();
    for d in diagnostics {
        out.push_str(&d.render(source, origin));
        out.push_str("\n\n");
    }
    out
}
