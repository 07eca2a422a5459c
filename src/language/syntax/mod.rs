//! Syntax: text → typed tree. `scan` checks length, balance and nesting before pest runs (so
//! unbalanced input gets a precise message and deep input cannot exhaust the stack), pest parses
//! with `grammar/entra.pest`, and `lower` turns pest's pairs into the [`ast`]. Nothing outside
//! this module sees pest.

pub mod ast;
mod lower;
pub mod print;
mod scan;

pub mod tree;

use pest::Parser as _;

use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::Span;
use crate::options::Options;
use ast::Expr;

mod grammar {
    #[derive(pest_derive::Parser)]
    #[grammar = "../grammar/entra.pest"]
    pub(crate) struct EntraParser;
}
use crate::diagnostic::Code;
use grammar::{EntraParser, Rule};

/// A parsed expression and the warnings found while reading it.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The tree.
    pub expr: Expr,
    /// Warnings (never errors) from reading the text.
    pub warnings: Vec<Diagnostic>,
}

/// Parse one expression. On failure returns every error found (and any warnings before them).
pub fn parse(src: &str, options: &Options) -> Result<Parsed, Vec<Diagnostic>> {
    scan::scan(src, options).map_err(|d| vec![*d])?;
    let pairs = EntraParser::parse(Rule::expression, src).map_err(|e| vec![pest_error(src, e)])?;
    let mut lowering = lower::Lowering::new(options);
    let expr = pairs
        .into_iter()
        .next()
        .and_then(|expression| lowering.expression(expression));
    let diagnostics = lowering.finish();
    match expr {
        Some(expr) if !diagnostics.iter().any(Diagnostic::is_error) => Ok(Parsed {
            expr,
            warnings: diagnostics,
        }),
        _ => Err(diagnostics),
    }
}

/// Turn pest's error into our own message: what was found, what was expected, what to do.
fn pest_error(src: &str, error: pest::error::Error<Rule>) -> Diagnostic {
    let at = match error.location {
        pest::error::InputLocation::Pos(p) => p,
        pest::error::InputLocation::Span((s, _)) => s,
    };
    let expected: Vec<Rule> = match &error.variant {
        pest::error::ErrorVariant::ParsingError { positives, .. } => positives.clone(),
        pest::error::ErrorVariant::CustomError { .. } => Vec::new(),
    };
    let rest = src.get(at..).unwrap_or("");
    let found = found_token(rest);
    let span = Span::new(at, at + found.len());
    if src.trim().is_empty() {
        return Diagnostic::error(
            Code::EmptyExpression,
            Span::new(0, src.len()),
            "the expression is empty",
        )
        .with_label("nothing to parse")
        .with_help(
            "write a function call such as Not([IsSoftDeleted]), an [attribute] or a \"string\"",
        );
    }
    let wants_separator = expected
        .iter()
        .any(|r| matches!(r, Rule::comma | Rule::rparen));
    let wants_value = expected.iter().any(|r| {
        matches!(
            r,
            Rule::call
                | Rule::fname
                | Rule::attribute
                | Rule::string
                | Rule::hex
                | Rule::number
                | Rule::ident
                | Rule::placeholder
                | Rule::arg
                | Rule::args
        )
    });
    let starts_value = found
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '"' || c == '[' || c == '_' || c == '-');
    if found.is_empty() {
        return Diagnostic::error(
            Code::UnexpectedEnd,
            span,
            "the expression ends where a value was expected",
        )
        .with_label("a value is missing here")
        .with_help("complete the expression: an operator needs a value on both sides");
    }
    if found == "&" && rest.get(1..).is_some_and(|r| r.starts_with(['O', 'o'])) {
        return Diagnostic::error(
            Code::OctalLiteral,
            Span::new(at, at + 2),
            "octal literals (`&O`) are not supported",
        )
        .with_label("only &H hexadecimal literals exist")
        .with_help("write the number in decimal or as &H hexadecimal");
    }
    if found.starts_with(|c: char| c.is_ascii_digit())
        && found.contains(|c: char| c.is_ascii_alphabetic() || c == '_')
    {
        return Diagnostic::error(
            Code::BadNumber,
            span,
            format!("`{found}` is neither a number nor a name"),
        )
        .with_label("starts with a digit")
        .with_help("numbers are digits only (e.g. 3); names start with a letter");
    }
    let before = src.get(..at).unwrap_or("").trim_end();
    if wants_value
        && !wants_separator
        && let Some(op) = ["<>", ">=", "<=", "=", ">", "<", "&"]
            .iter()
            .find(|op| before.ends_with(**op))
    {
        return Diagnostic::error(
            Code::MissingOperand,
            Span::new(before.len() - op.len(), before.len()),
            format!("`{op}` needs a value on its right"),
        )
        .with_label("nothing to compare with")
        .with_help(format!(
            "write a value after `{op}`, e.g. [attribute] {op} \"text\""
        ));
    }
    if found == ";" {
        return Diagnostic::error(
            Code::UnexpectedToken,
            span,
            "`;` is not a separator in Entra expressions",
        )
        .with_label("found `;`")
        .with_help("separate arguments with `,`");
    }
    if wants_separator && starts_value {
        return Diagnostic::error(
            Code::MissingComma,
            span,
            format!("expected `,` or `)` before `{found}`"),
        )
        .with_label("missing `,` before this argument?")
        .with_help("separate the arguments of a call with commas");
    }
    if expected.contains(&Rule::EOI) && starts_value {
        return Diagnostic::error(
            Code::TrailingInput,
            span,
            format!("unexpected `{found}` after a complete expression"),
        )
        .with_label("the expression already ended before this")
        .with_help(
            "an expression is one value or call; combine values with functions such as Join or IIF",
        );
    }
    let what = if wants_value && !wants_separator {
        "a value (a function call, [attribute], \"string\" or number)"
    } else if wants_separator {
        "`,` or `)`"
    } else {
        "the end of the expression"
    };
    let help = match found.chars().next() {
        Some('.') => {
            "a `.` cannot follow a value; attribute names such as [passwordProfile.password] go inside the brackets"
        }
        Some('{') | Some('}') => {
            "braces are not part of the language; calls use parentheses: Name(arg, arg)"
        }
        Some('\\') => "backslashes are only allowed inside \"strings\"",
        _ => {
            "check the characters around this position; see `entramap functions` for the call syntax"
        }
    };
    Diagnostic::error(
        Code::UnexpectedToken,
        span,
        format!("expected {what}, found `{found}`"),
    )
    .with_label("unexpected here")
    .with_help(help)
}

/// The token that starts `rest`: a word, a number, or one character.
fn found_token(rest: &str) -> &str {
    let word_end = rest
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || c == '_'))
        .map_or(rest.len(), |(i, _)| i);
    if word_end > 0 {
        return &rest[..word_end];
    }
    if rest.starts_with('"') {
        // A whole string literal (the scan guarantees it is closed).
        let mut escaped = false;
        for (i, c) in rest.char_indices().skip(1) {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => return &rest[..=i],
                _ => escaped = false,
            }
        }
    }
    rest.chars().next().map_or("", |c| &rest[..c.len_utf8()])
}
