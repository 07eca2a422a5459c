//! The typed syntax tree. Every node keeps the byte span it came from.

use crate::diagnostic::span::Span;

/// An expression node.
#[derive(Debug, Clone)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is in the source text.
    pub span: Span,
}

/// The kinds of expression node.
#[derive(Debug, Clone)]
pub enum ExprKind {
    /// `Name(arg, , arg)`.
    Call(Call),
    /// `[name]`; the body between the brackets, verbatim.
    Attribute(String),
    /// `"text"`, already unescaped.
    Str(String),
    /// `1000`, `-10`, `1.5`: the digits as written (may exceed 64 bits).
    Number(String),
    /// `&HF7`: as written.
    Hex(String),
    /// A bare identifier such as `vbTextCompare`.
    Ident(String),
    /// `left op right`: a comparison, or (cloud-sync dialect only) `&` concatenation.
    Binary(Box<Binary>),
}

/// A function call.
#[derive(Debug, Clone)]
pub struct Call {
    /// The name as written (`Tolower`); see [`crate::builtins::lookup`] for the canonical one.
    pub name: String,
    /// Span of the name alone.
    pub name_span: Span,
    /// The arguments in order; `None` is an empty argument (`F(, x)`), which is not `""`.
    pub args: Vec<Arg>,
}

/// One argument slot of a call.
#[derive(Debug, Clone)]
pub struct Arg {
    /// The expression, or `None` when the slot is empty.
    pub value: Option<Expr>,
    /// Span of the slot (empty span at the comma for an empty slot).
    pub span: Span,
}

/// A binary operation.
#[derive(Debug, Clone)]
pub struct Binary {
    /// The operator.
    pub op: BinOp,
    /// Span of the operator token.
    pub op_span: Span,
    /// Left operand.
    pub left: Expr,
    /// Right operand.
    pub right: Expr,
}

/// Binary operators the dialects know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `&` (cloud sync only)
    Concat,
}

impl BinOp {
    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            BinOp::Eq => "=",
            BinOp::Ne => "<>",
            BinOp::Lt => "<",
            BinOp::Le => "<=",
            BinOp::Gt => ">",
            BinOp::Ge => ">=",
            BinOp::Concat => "&",
        }
    }

    /// Parse an operator token.
    pub fn from_token(token: &str) -> Option<BinOp> {
        Some(match token {
            "=" => BinOp::Eq,
            "<>" => BinOp::Ne,
            "<" => BinOp::Lt,
            "<=" => BinOp::Le,
            ">" => BinOp::Gt,
            ">=" => BinOp::Ge,
            "&" => BinOp::Concat,
            _ => return None,
        })
    }
}

impl Expr {
    /// Structural equality that ignores spans (parse → print → parse keeps this).
    pub fn same_as(&self, other: &Expr) -> bool {
        match (&self.kind, &other.kind) {
            (ExprKind::Call(a), ExprKind::Call(b)) => {
                crate::builtins::canonical_name(&a.name) == crate::builtins::canonical_name(&b.name)
                    && a.args.len() == b.args.len()
                    && a.args
                        .iter()
                        .zip(&b.args)
                        .all(|(x, y)| match (&x.value, &y.value) {
                            (Some(x), Some(y)) => x.same_as(y),
                            (None, None) => true,
                            _ => false,
                        })
            }
            (ExprKind::Attribute(a), ExprKind::Attribute(b))
            | (ExprKind::Str(a), ExprKind::Str(b))
            | (ExprKind::Number(a), ExprKind::Number(b))
            | (ExprKind::Hex(a), ExprKind::Hex(b))
            | (ExprKind::Ident(a), ExprKind::Ident(b)) => a == b,
            (ExprKind::Binary(a), ExprKind::Binary(b)) => {
                a.op == b.op && a.left.same_as(&b.left) && a.right.same_as(&b.right)
            }
            _ => false,
        }
    }

    /// The call, if this node is one.
    pub fn as_call(&self) -> Option<&Call> {
        match &self.kind {
            ExprKind::Call(c) => Some(c),
            _ => None,
        }
    }

    /// Visit this node and every node below it, parents first.
    pub fn walk<'a>(&'a self, visit: &mut dyn FnMut(&'a Expr)) {
        // An explicit stack: trees may be deep and recursion depth is bounded elsewhere only.
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            visit(node);
            match &node.kind {
                ExprKind::Call(call) => {
                    stack.extend(call.args.iter().rev().filter_map(|a| a.value.as_ref()))
                }
                ExprKind::Binary(b) => {
                    stack.push(&b.right);
                    stack.push(&b.left);
                }
                _ => {}
            }
        }
    }
}

impl Call {
    /// The supplied (non-empty) arguments.
    pub fn supplied(&self) -> impl Iterator<Item = &Expr> {
        self.args.iter().filter_map(|a| a.value.as_ref())
    }

    /// Argument `i` (0-based), if supplied.
    pub fn arg(&self, i: usize) -> Option<&Expr> {
        self.args.get(i).and_then(|a| a.value.as_ref())
    }
}

/// `%Name%`: a Cloud Sync placeholder (read as an identifier; docs/language.md#placeholders).
pub fn is_placeholder(name: &str) -> bool {
    name.len() > 2 && name.starts_with('%') && name.ends_with('%')
}
