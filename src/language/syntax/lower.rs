//! pest pairs → [`ast`](super::ast). The only file that names pest's `Rule`. Reports the
//! constructs the grammar accepts only to explain them (AND/OR, `&`, `+`, chained comparisons)
//! and the lexical warnings (unknown escapes, decimals, spacing).

use pest::iterators::Pair;

use super::ast::{Arg, BinOp, Binary, Call, Expr, ExprKind};
use super::grammar::Rule;
use crate::diagnostic::Code;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::Span;
use crate::options::{Options, UnknownEscape};

pub(crate) struct Lowering<'o> {
    options: &'o Options,
    diagnostics: Vec<Diagnostic>,
}

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), s.end())
}

impl<'o> Lowering<'o> {
    pub(crate) fn new(options: &'o Options) -> Self {
        Lowering {
            options,
            diagnostics: Vec::new(),
        }
    }

    pub(crate) fn finish(self) -> Vec<Diagnostic> {
        self.diagnostics
    }

    pub(crate) fn expression(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        self.chain(pair.into_inner().filter(|p| p.as_rule() != Rule::EOI))
    }

    /// `operand (op operand)*` → at most one comparison, whose sides may be `&` chains.
    fn chain<'i>(&mut self, items: impl Iterator<Item = Pair<'i, Rule>>) -> Option<Expr> {
        let mut operands = Vec::new();
        let mut ops: Vec<(BinOp, Span)> = Vec::new();
        let mut ok = true;
        for item in items {
            let span = span_of(&item);
            match item.as_rule() {
                Rule::cmp_op | Rule::concat_op => {
                    let op = BinOp::from_token(item.as_str()).unwrap_or(BinOp::Eq);
                    if op == BinOp::Concat && !self.options.dialect.allow_cloud_sync_extensions {
                        self.diagnostics.push(
                            Diagnostic::error(Code::ConcatOperator, span, "`&` concatenation exists only in Entra Cloud Sync expressions")
                                .with_label("not an app-provisioning operator")
                                .with_help("join text with Join(\"\", a, b) or Append(a, b); or set allow_cloud_sync_extensions=true for Cloud Sync"),
                        );
                        ok = false;
                    }
                    ops.push((op, span));
                }
                Rule::plus_op => {
                    self.diagnostics.push(
                        Diagnostic::error(Code::PlusOperator, span, "`+` is not an operator in Entra expressions")
                            .with_label("no arithmetic or `+` concatenation")
                            .with_help("join text with Join(\"\", a, b) or Append(a, b); date arithmetic is DateAdd(\"d\", n, date)"),
                    );
                    ok = false;
                    ops.push((BinOp::Concat, span));
                }
                Rule::logic_op => {
                    let word = item.as_str().to_ascii_uppercase();
                    let and = matches!(word.as_str(), "AND" | "ANDALSO" | "&&");
                    let help = if and {
                        "Entra has no AND: nest the second test in the true branch, IIF(a, IIF(b, x, y), y)"
                    } else {
                        "Entra has no OR: nest the second test in the false branch, IIF(a, x, IIF(b, x, y))"
                    };
                    self.diagnostics.push(
                        Diagnostic::error(
                            Code::LogicOperator,
                            span,
                            format!("`{}` is not supported in Entra expressions", item.as_str()),
                        )
                        .with_label("no logical operators")
                        .with_help(help),
                    );
                    ok = false;
                    ops.push((BinOp::Eq, span));
                }
                _ => match self.operand(item) {
                    Some(e) => operands.push(e),
                    None => ok = false,
                },
            }
        }
        if !ok {
            return None;
        }
        let comparisons: Vec<Span> = ops
            .iter()
            .filter(|(op, _)| *op != BinOp::Concat)
            .map(|&(_, s)| s)
            .collect();
        if let (Some(&first), Some(&second)) = (comparisons.first(), comparisons.get(1)) {
            self.diagnostics.push(
                Diagnostic::error(
                    Code::ChainedComparison,
                    second,
                    "comparisons cannot be chained",
                )
                .with_label("second comparison")
                .with_related(first, "first comparison")
                .with_help("compare two values at a time; combine conditions with nested IIF"),
            );
            return None;
        }
        // `&` binds tighter than a comparison: fold each side's `&` chain, then compare.
        let mut operands = operands.into_iter();
        let mut acc = operands.next()?;
        let mut pending: Option<(Expr, BinOp, Span)> = None;
        for ((op, op_span), right) in ops.into_iter().zip(operands) {
            if op == BinOp::Concat {
                acc = binary(BinOp::Concat, op_span, acc, right);
            } else {
                pending = Some((acc, op, op_span));
                acc = right;
            }
        }
        Some(match pending {
            Some((left, op, op_span)) => binary(op, op_span, left, acc),
            None => acc,
        })
    }

    fn operand(&mut self, pair: Pair<'_, Rule>) -> Option<Expr> {
        let span = span_of(&pair);
        let kind = match pair.as_rule() {
            Rule::call => ExprKind::Call(self.call(pair)?),
            Rule::attribute => self.attribute(pair, span)?,
            Rule::string => ExprKind::Str(self.string(pair)),
            Rule::number => {
                if pair.as_str().contains('.') {
                    self.diagnostics.push(
                        Diagnostic::warning(Code::DecimalLiteral, span, "decimal numbers are not documented for Entra expressions")
                            .with_label("decimal")
                            .with_help("functions that take a count or offset truncate it toward zero; write a whole number"),
                    );
                }
                ExprKind::Number(pair.as_str().to_string())
            }
            Rule::hex => ExprKind::Hex(pair.as_str().to_string()),
            Rule::ident => ExprKind::Ident(pair.as_str().to_string()),
            // A placeholder is an identifier spelled `%Name%`; `check` and `compile` know it.
            Rule::placeholder => ExprKind::Ident(pair.as_str().to_string()),
            _ => return None,
        };
        Some(Expr { kind, span })
    }

    fn call(&mut self, pair: Pair<'_, Rule>) -> Option<Call> {
        let mut name = String::new();
        let mut name_span = Span::default();
        let mut args = Vec::new();
        let mut ok = true;
        for item in pair.into_inner() {
            match item.as_rule() {
                Rule::fname => {
                    name = item.as_str().to_string();
                    name_span = span_of(&item);
                }
                Rule::lparen => {
                    let paren = span_of(&item);
                    if paren.start != name_span.end {
                        self.diagnostics.push(
                            Diagnostic::warning(
                                Code::SpaceBeforeParen,
                                Span::new(name_span.end as usize, paren.start as usize),
                                format!("space between `{name}` and `(`"),
                            )
                            .with_label("remove this space")
                            .with_help(
                                "Entra's own examples never put a space here; write Name(...)",
                            ),
                        );
                    }
                }
                Rule::args => {
                    for arg in item.into_inner().filter(|p| p.as_rule() == Rule::arg) {
                        let span = span_of(&arg);
                        let mut items = arg.into_inner().peekable();
                        let value = match items.peek() {
                            Some(_) => match self.chain(items) {
                                Some(e) => Some(e),
                                None => {
                                    ok = false;
                                    None
                                }
                            },
                            None => None,
                        };
                        args.push(Arg { value, span });
                    }
                }
                _ => {}
            }
        }
        if args.len() > self.options.limits.max_arguments {
            self.diagnostics.push(
                Diagnostic::error(Code::TooManyArguments, name_span, format!("`{name}` has {} arguments; the limit is {}", args.len(), self.options.limits.max_arguments))
                    .with_label("too many arguments")
                    .with_help("split the call (a Switch default can be another Switch); the limit is the option max_arguments"),
            );
            return None;
        }
        // `F()` and `F( )` have no arguments; otherwise count = commas + 1 (docs/language.md#calls-and-arguments).
        if args.len() == 1 && args.first().is_some_and(|a| a.value.is_none()) {
            args.clear();
        }
        ok.then_some(Call {
            name,
            name_span,
            args,
        })
    }

    fn attribute(&mut self, pair: Pair<'_, Rule>, span: Span) -> Option<ExprKind> {
        let text = pair.as_str();
        let body = text.get(1..text.len().saturating_sub(1)).unwrap_or("");
        if body.trim().is_empty() {
            self.diagnostics.push(
                Diagnostic::error(Code::EmptyAttribute, span, "attribute name is empty")
                    .with_label("empty brackets")
                    .with_help("write the source attribute's name inside the brackets, e.g. [userPrincipalName]"),
            );
            return None;
        }
        if body.trim() != body {
            self.diagnostics.push(
                Diagnostic::warning(
                    Code::AttributeSpace,
                    span,
                    format!("attribute name `{body}` starts or ends with a space"),
                )
                .with_label("the spaces are part of the name")
                .with_help(format!(
                    "write [{}] unless the attribute's name really has the spaces",
                    body.trim()
                )),
            );
        }
        Some(ExprKind::Attribute(body.to_string()))
    }

    /// Unescape `\"` and `\\`; keep other `\x` pairs literally, with a warning (docs/language.md#strings).
    fn string(&mut self, pair: Pair<'_, Rule>) -> String {
        // The literal's text between its quotes (the rule is atomic: no inner tokens).
        let text = pair.as_str();
        let raw = text.get(1..text.len().saturating_sub(1)).unwrap_or("");
        let base = pair.as_span().start() + 1;
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next() {
                Some((_, e @ ('"' | '\\'))) => out.push(e),
                Some((_, other)) => {
                    out.push('\\');
                    out.push(other);
                    let span = Span::new(base + i, base + i + 1 + other.len_utf8());
                    let d = match self.options.dialect.unknown_escape {
                        UnknownEscape::KeepWarn => Diagnostic::warning(
                            Code::UnknownEscape,
                            span,
                            format!(
                                "`\\{other}` is not an escape Entra documents; both characters are kept"
                            ),
                        ),
                        UnknownEscape::Error => Diagnostic::error(
                            Code::UnknownEscape,
                            span,
                            format!("`\\{other}` is not a known escape"),
                        ),
                    };
                    self.diagnostics.push(
                        d.with_label("kept as backslash + character")
                            .with_help(format!("only \\\" and \\\\ are escapes; write \\\\{other} for a literal backslash (regular expressions need \\\\d, \\\\s ...)")),
                    );
                }
                None => out.push('\\'),
            }
        }
        out
    }
}

fn binary(op: BinOp, op_span: Span, left: Expr, right: Expr) -> Expr {
    let span = left.span.to(right.span);
    Expr {
        kind: ExprKind::Binary(Box::new(Binary {
            op,
            op_span,
            left,
            right,
        })),
        span,
    }
}
