//! An indented, human-readable dump of the tree with spans (`entramap parse --format tree`).

use std::fmt::Write as _;

use super::ast::{Expr, ExprKind};

/// One line per node: kind, value, `@start..end`.
pub fn dump(expr: &Expr) -> String {
    let mut out = String::new();
    write_node(&mut out, expr, 0);
    out
}

fn write_node(out: &mut String, expr: &Expr, depth: usize) {
    let pad = "  ".repeat(depth);
    let at = format!("@{}..{}", expr.span.start, expr.span.end);
    match &expr.kind {
        ExprKind::Call(call) => {
            let canonical = crate::builtins::canonical_name(&call.name);
            let _ = write!(out, "{pad}Call {canonical}");
            if canonical != call.name {
                let _ = write!(out, " (written {})", call.name);
            }
            let _ = writeln!(out, " {at} args={}", call.args.len());
            for arg in &call.args {
                match &arg.value {
                    Some(value) => write_node(out, value, depth + 1),
                    None => {
                        let _ = writeln!(out, "{pad}  Empty @{}..{}", arg.span.start, arg.span.end);
                    }
                }
            }
        }
        ExprKind::Attribute(name) => {
            let _ = writeln!(out, "{pad}Attribute {name:?} {at}");
        }
        ExprKind::Str(value) => {
            let _ = writeln!(out, "{pad}String {value:?} {at}");
        }
        ExprKind::Number(text) => {
            let _ = writeln!(out, "{pad}Number {text} {at}");
        }
        ExprKind::Hex(text) => {
            let _ = writeln!(out, "{pad}Hex {text} {at}");
        }
        ExprKind::Ident(text) => {
            let _ = writeln!(out, "{pad}Ident {text} {at}");
        }
        ExprKind::Binary(b) => {
            let _ = writeln!(out, "{pad}Binary {} {at}", b.op.as_str());
            write_node(out, &b.left, depth + 1);
            write_node(out, &b.right, depth + 1);
        }
    }
}
