//! Tree → compiled form. Function names become table entries, attribute names become slots,
//! constants become values, and per-call work that does not depend on data is done once:
//! Switch keys become a hash table, constant regexes and date formats are compiled. Every node
//! keeps its span so evaluation errors point into the expression.

use std::any::Any;

use crate::builtins::FnSpec;
use crate::check;
use crate::diagnostic::Code;
use crate::diagnostic::Diagnostic;
use crate::diagnostic::span::Span;
use crate::options::Options;
use crate::syntax::ast::{BinOp, Expr, ExprKind};

/// A compiled expression node.
#[derive(Debug)]
pub(crate) struct Node {
    pub kind: NodeKind,
    pub span: Span,
    /// Inside or above a Redact call: traces and errors show `[Redact]` instead of values.
    pub redacted: bool,
}

#[derive(Debug)]
pub(crate) enum NodeKind {
    /// `[name]`: the slot in the attribute table.
    Attr(usize),
    /// A text constant (strings, bare identifiers, integers too large for 64 bits).
    Text(Box<str>),
    /// An integer or hex constant. `text` is kept because Graph and CStr show it as written.
    Int(i64),
    Call(Box<CallNode>),
    Compare(BinOp, Box<Node>, Box<Node>),
    Concat(Box<Node>, Box<Node>),
}

#[derive(Debug)]
pub(crate) struct CallNode {
    pub spec: &'static FnSpec,
    /// The function's row in the signature table (and in the implementations' table).
    pub row: usize,
    /// Argument slots; `None` is an empty argument.
    pub args: Vec<Option<Node>>,
    /// What the implementation worked out once for this call site.
    prepared: Option<Prepared>,
}

/// Work an implementation does once per call site instead of once per evaluation (a Switch
/// table, a compiled regex, parsed date formats). Opaque here: only the implementation that
/// made it knows its type, so this stage names none of the implementations' types.
pub(crate) struct Prepared(Box<dyn Any + Send + Sync>);

impl Prepared {
    pub fn new(value: impl Any + Send + Sync) -> Prepared {
        Prepared(Box::new(value))
    }
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Prepared(..)")
    }
}

/// A function's compile-time preparation: `None` when nothing can be done before the data is
/// known (a pattern that is not a constant), an error when a constant is invalid.
pub(crate) type PrepareFn = fn(&CallNode, &Options) -> Result<Option<Prepared>, Box<Diagnostic>>;

/// Attribute names → slots, shared by every expression of one mapping set.
#[derive(Debug, Default, Clone)]
pub struct AttributeTable {
    names: Vec<String>,
}

impl AttributeTable {
    /// The slot of `name`, adding it if new.
    pub fn slot(&mut self, name: &str) -> usize {
        match self.names.iter().position(|n| n == name) {
            Some(i) => i,
            None => {
                self.names.push(name.to_string());
                self.names.len() - 1
            }
        }
    }

    /// Every attribute name, by slot.
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

/// Compile a checked tree. Fails with errors only compiling finds
/// (a regular expression that does not compile, a date format .NET would reject).
/// `expr` must have passed [`check::check`] without errors (the caller has the diagnostics).
/// `prepare_for(row)` is the preparation of the function in that row of the signature table,
/// supplied by the stage that owns the implementations.
pub(crate) fn compile(
    expr: &Expr,
    options: &Options,
    attrs: &mut AttributeTable,
    prepare_for: &dyn Fn(usize) -> Option<PrepareFn>,
) -> Result<Node, Vec<Diagnostic>> {
    let mut compiler = Compiler {
        options,
        attrs,
        prepare_for,
        errors: Vec::new(),
    };
    let node = compiler.node(expr, false);
    if compiler.errors.is_empty() {
        Ok(node)
    } else {
        Err(compiler.errors)
    }
}

struct Compiler<'c> {
    options: &'c Options,
    prepare_for: &'c dyn Fn(usize) -> Option<PrepareFn>,
    attrs: &'c mut AttributeTable,
    errors: Vec<Diagnostic>,
}

impl Compiler<'_> {
    /// `in_redact`: below a Redact call, whose argument is the secret itself.
    fn node(&mut self, expr: &Expr, in_redact: bool) -> Node {
        let span = expr.span;
        let (kind, redacted) = match &expr.kind {
            ExprKind::Attribute(name) => (NodeKind::Attr(self.attrs.slot(name)), in_redact),
            // A Cloud Sync placeholder is its value from the options (check refused unknown ones).
            ExprKind::Ident(s) if crate::syntax::ast::is_placeholder(s) => {
                let value = self
                    .options
                    .run
                    .placeholders
                    .get(s.trim_matches('%'))
                    .map_or("", String::as_str);
                (NodeKind::Text(value.into()), in_redact)
            }
            ExprKind::Str(s) | ExprKind::Ident(s) => (NodeKind::Text(s.as_str().into()), in_redact),
            ExprKind::Number(text) => (number(text), in_redact),
            ExprKind::Hex(text) => (hex(text), in_redact),
            ExprKind::Binary(b) => {
                let left = self.node(&b.left, in_redact);
                let right = self.node(&b.right, in_redact);
                let redacted = left.redacted || right.redacted;
                let kind = match b.op {
                    BinOp::Concat => NodeKind::Concat(Box::new(left), Box::new(right)),
                    op => NodeKind::Compare(op, Box::new(left), Box::new(right)),
                };
                (kind, redacted)
            }
            ExprKind::Call(call) => {
                // `check` has resolved every name already (a tree with errors is never run);
                // stay total in release builds all the same.
                let Some((row, spec)) = check::resolve(&call.name, self.options) else {
                    debug_assert!(false, "check resolves every function name before compile");
                    self.errors.push(Diagnostic::error(
                        Code::UnknownFunction,
                        call.name_span,
                        format!("unknown function `{}`", call.name),
                    ));
                    return Node {
                        kind: NodeKind::Text("".into()),
                        span,
                        redacted: in_redact,
                    };
                };
                let is_redact = spec.name == "Redact";
                let args: Vec<Option<Node>> = call
                    .args
                    .iter()
                    .map(|a| {
                        a.value
                            .as_ref()
                            .map(|v| self.node(v, in_redact || is_redact))
                    })
                    .collect();
                // Redacted: the Redact call, everything below it, and everything that uses it.
                let redacted = in_redact || is_redact || args.iter().flatten().any(|a| a.redacted);
                let mut node = CallNode {
                    spec,
                    row,
                    args,
                    prepared: None,
                };
                if let Some(prepare) = (self.prepare_for)(row) {
                    match prepare(&node, self.options) {
                        Ok(prepared) => node.prepared = prepared,
                        Err(d) => self.errors.push(*d),
                    }
                }
                (NodeKind::Call(Box::new(node)), redacted)
            }
        };
        Node {
            kind,
            span,
            redacted,
        }
    }
}

fn number(text: &str) -> NodeKind {
    match text.parse::<i64>() {
        Ok(i) => NodeKind::Int(i),
        Err(_) => NodeKind::Text(text.into()),
    }
}

fn hex(text: &str) -> NodeKind {
    match text
        .get(2..)
        .and_then(|digits| i64::from_str_radix(digits, 16).ok())
    {
        Some(i) => NodeKind::Int(i),
        None => NodeKind::Text(text.into()),
    }
}

impl Node {
    /// The constant text of this node, if it is a constant.
    pub(crate) fn constant_text(&self) -> Option<String> {
        match &self.kind {
            NodeKind::Text(s) => Some(s.to_string()),
            NodeKind::Int(i) => Some(i.to_string()),
            _ => None,
        }
    }
}

impl CallNode {
    /// What the implementation prepared for this call site, if it is of type `T`.
    pub(crate) fn prepared<T: 'static>(&self) -> Option<&T> {
        self.prepared.as_ref()?.0.downcast_ref()
    }

    /// The constant text of argument `i`, if it is a constant.
    pub(crate) fn constant_arg(&self, i: usize) -> Option<String> {
        self.args
            .get(i)
            .and_then(Option::as_ref)
            .and_then(Node::constant_text)
    }
}
