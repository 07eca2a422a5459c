//! The canonical text of an expression (docs/language.md#canonical-text): `Name(` + arguments joined by `", "` + `)`,
//! empty arguments as nothing, strings re-escaped, canonical function casing, comparisons
//! without spaces (`[country]="USA"`). Parsing the output gives the same tree.

use std::fmt::Write as _;

use super::ast::{BinOp, Expr, ExprKind};

/// Print `expr` in canonical form.
pub fn canonical(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(&mut out, expr);
    out
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

fn write_expr(out: &mut String, expr: &Expr) {
    match &expr.kind {
        ExprKind::Call(call) => {
            out.push_str(crate::builtins::canonical_name(&call.name));
            out.push('(');
            for (i, arg) in call.args.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if let Some(value) = &arg.value {
                    write_expr(out, value);
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
            write_expr(out, &b.left);
            match b.op {
                BinOp::Concat => out.push_str(" & "),
                op => out.push_str(op.as_str()),
            }
            write_expr(out, &b.right);
        }
    }
}
