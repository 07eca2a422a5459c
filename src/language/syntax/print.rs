//! The canonical text of an expression (docs/language.md#canonical-text): `Name(` + arguments joined by `", "` + `)`,
//! empty arguments as nothing, strings re-escaped, canonical function casing, comparisons
//! without spaces (`[country]="USA"`). Parsing the output gives the same tree.

use std::fmt::Write as _;

use super::ast::{BinOp, Expr, ExprKind};

/// Print `expr` in canonical form.
pub fn canonical(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, expr, Style::Canonical);
    out
}

/// Print `expr` as the service writes a stored tree's `expression` text: canonical, except
/// that an argument of a parameter the service declares an integer is unquoted
/// (`Left([x], 448)`, not `Left([x], "448")`; docs/mapping.md#attributemappingsource).
pub fn graph_text(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, expr, Style::Graph);
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Canonical,
    Graph,
}

/// A string literal the service would print as a number: an optional minus and digits.
fn is_integer_text(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// Quote and escape a string value as an Entra string literal.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    write_quoted(&mut out, value);
    out
}

fn write_quoted(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

fn write_expr(out: &mut String, expr: &Expr, style: Style) {
    match &expr.kind {
        ExprKind::Call(call) => {
            let spec = crate::builtins::lookup_ignore_case(&call.name);
            out.push_str(spec.map_or(call.name.as_str(), |s| s.name));
            out.push('(');
            let form = spec.and_then(|s| s.form_for(call.args.len()));
            for (i, arg) in call.args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                let Some(value) = &arg.value else { continue };
                let integer = style == Style::Graph
                    && form
                        .and_then(|f| crate::builtins::param_at(f, i))
                        .is_some_and(|p| p.integer);
                match &value.kind {
                    ExprKind::Str(text) if integer && is_integer_text(text) => out.push_str(text),
                    // The service prints a placeholder argument as an empty one.
                    ExprKind::Ident(name)
                        if style == Style::Graph && super::ast::is_placeholder(name) => {}
                    _ => write_expr(out, value, style),
                }
            }
            // `F(x, )`: the trailing empty argument leaves "x, " before the parenthesis.
            out.push(')');
        }
        ExprKind::Attribute(name) => {
            let _ = write!(out, "[{name}]");
        }
        ExprKind::Str(value) => write_quoted(out, value),
        ExprKind::Number(text) | ExprKind::Hex(text) | ExprKind::Ident(text) => out.push_str(text),
        ExprKind::Binary(b) => {
            write_expr(out, &b.left, style);
            match b.op {
                BinOp::Concat => out.push_str(" & "),
                op => out.push_str(op.as_str()),
            }
            write_expr(out, &b.right, style);
        }
    }
}
