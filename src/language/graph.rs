//! Graph's `attributeMappingSource` tree (docs/mapping.md#attributemappingsource): write one for any expression, and read one
//! back, re-inserting the empty arguments Graph leaves out by mapping parameter keys to positions.

// Reads input: no panics, whatever the input (docs/architecture.md#invariants).
#![cfg_attr(
    not(test),
    deny(
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::unreachable
    )
)]

use serde::{Deserialize, Serialize};

use crate::builtins::{self, FnSpec, Param, Presence};
use crate::diagnostic::span::Span;
use crate::options::Options;
use crate::syntax::ast::{Arg, BinOp, Binary, Call, Expr, ExprKind};
use crate::syntax::{self, print};

/// One node of Graph's tree. Field order is Graph's (alphabetical).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// The node's text (`[mail]`, `"USA"`, `Mid([upn], 1, 8)`).
    #[serde(default)]
    pub expression: Option<String>,
    /// Attribute name (no brackets), constant text (unescaped), or function name.
    #[serde(default)]
    pub name: String,
    /// Supplied arguments of a function, keyed by parameter (empty arguments are absent).
    #[serde(default)]
    pub parameters: Vec<Parameter>,
    /// `Attribute`, `Constant` or `Function`.
    #[serde(rename = "type")]
    pub kind: NodeType,
}

/// One `{ "key", "value" }` entry of a function node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Parameter {
    /// The parameter's Graph key (`source`, `Find`, `switchValue`).
    pub key: String,
    /// The argument.
    pub value: Node,
}

/// Graph's node types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NodeType {
    /// `[name]`
    Attribute,
    /// A literal.
    Constant,
    /// A call (or, engine-local, a comparison named by its operator).
    Function,
}

/// A tree that cannot be turned back into an expression; `path` says where (`parameters[2].value`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct GraphError {
    /// JSON path of the offending node, from the root.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

/// Graph's tree for `expr`. Comparisons and `&` have no Graph form; they become engine-local
/// `Function` nodes named by the operator with keys `left`/`right` (see [`has_engine_local_nodes`]).
pub fn to_graph(expr: &Expr) -> Node {
    let constant = |name: &str| Node {
        expression: Some(print::quote(name)),
        name: name.to_string(),
        parameters: Vec::new(),
        kind: NodeType::Constant,
    };
    match &expr.kind {
        ExprKind::Attribute(name) => Node {
            expression: Some(format!("[{name}]")),
            name: name.clone(),
            parameters: Vec::new(),
            kind: NodeType::Attribute,
        },
        // A Cloud Sync placeholder keeps its unquoted text, so it reads back as one.
        ExprKind::Ident(s) if crate::syntax::ast::is_placeholder(s) => Node {
            expression: Some(s.clone()),
            ..constant(s)
        },
        ExprKind::Str(s) | ExprKind::Number(s) | ExprKind::Hex(s) | ExprKind::Ident(s) => {
            constant(s)
        }
        ExprKind::Call(call) => {
            let spec = builtins::lookup_ignore_case(&call.name);
            let form = spec.and_then(|s| s.form_for(call.args.len()));
            let parameters = call
                .args
                .iter()
                .enumerate()
                .filter_map(|(i, arg)| {
                    let value = arg.value.as_ref()?;
                    let key = form.map_or_else(
                        || format!("arg{}", i + 1),
                        |f| builtins::graph_key(f, i).to_string(),
                    );
                    Some(Parameter {
                        key,
                        value: to_graph(value),
                    })
                })
                .collect();
            Node {
                expression: Some(print::canonical(expr)),
                name: spec.map_or(call.name.clone(), |s| s.name.to_string()),
                parameters,
                kind: NodeType::Function,
            }
        }
        ExprKind::Binary(b) => Node {
            expression: Some(print::canonical(expr)),
            name: b.op.as_str().to_string(),
            parameters: vec![
                Parameter {
                    key: "left".into(),
                    value: to_graph(&b.left),
                },
                Parameter {
                    key: "right".into(),
                    value: to_graph(&b.right),
                },
            ],
            kind: NodeType::Function,
        },
    }
}

/// Does the tree hold comparisons or `&`, which Graph has no documented form for?
pub fn has_engine_local_nodes(expr: &Expr) -> bool {
    let mut found = false;
    expr.walk(&mut |e| found |= matches!(e.kind, ExprKind::Binary(_)));
    found
}

/// Read a Graph tree back into an expression. When the root's `expression` text parses to the
/// same tree, that parse is returned (it keeps literal kinds such as `1` versus `"1"`);
/// otherwise the tree is rebuilt from its nodes.
pub fn from_graph(node: &Node, options: &Options) -> Result<Expr, GraphError> {
    if let Some(text) = &node.expression
        && let Ok(parsed) = syntax::parse(text, options)
        && same_tree(&to_graph(&parsed.expr), node)
    {
        return Ok(parsed.expr);
    }
    rebuild(node, "$", 0, options.limits.max_nesting_depth)
}

/// Compare two trees ignoring `expression` texts (Graph renders constants' text differently
/// in different places, docs/language.md#canonical-text).
pub fn same_tree(a: &Node, b: &Node) -> bool {
    a.kind == b.kind
        && a.name == b.name
        && a.parameters.len() == b.parameters.len()
        && a.parameters
            .iter()
            .zip(&b.parameters)
            .all(|(x, y)| x.key == y.key && same_tree(&x.value, &y.value))
}

fn rebuild(node: &Node, path: &str, depth: usize, max_depth: usize) -> Result<Expr, GraphError> {
    let err = |message: String| GraphError {
        path: path.to_string(),
        message,
    };
    if depth > max_depth {
        return Err(err(format!("nested deeper than {max_depth} levels")));
    }
    let kind = match node.kind {
        NodeType::Attribute if node.name.is_empty() => {
            return Err(err("attribute node has an empty name".into()));
        }
        NodeType::Attribute => ExprKind::Attribute(node.name.clone()),
        NodeType::Constant
            if crate::syntax::ast::is_placeholder(&node.name)
                && node.expression.as_deref() == Some(node.name.as_str()) =>
        {
            ExprKind::Ident(node.name.clone())
        }
        NodeType::Constant => ExprKind::Str(node.name.clone()),
        NodeType::Function => {
            let mut values = Vec::with_capacity(node.parameters.len());
            for (i, p) in node.parameters.iter().enumerate() {
                values.push((
                    p.key.as_str(),
                    rebuild(
                        &p.value,
                        &format!("{path}.parameters[{i}].value"),
                        depth + 1,
                        max_depth,
                    )?,
                ));
            }
            if let Some(op) = BinOp::from_token(&node.name) {
                let mut it = values.into_iter();
                let (Some((_, left)), Some((_, right)), None) = (it.next(), it.next(), it.next())
                else {
                    return Err(err(format!(
                        "operator `{}` needs exactly two parameters",
                        node.name
                    )));
                };
                ExprKind::Binary(Box::new(Binary {
                    op,
                    op_span: Span::default(),
                    left,
                    right,
                }))
            } else {
                let spec = builtins::lookup_ignore_case(&node.name)
                    .ok_or_else(|| err(format!("unknown function `{}`", node.name)))?;
                ExprKind::Call(Call {
                    name: spec.name.to_string(),
                    name_span: Span::default(),
                    args: place_arguments(spec, values).map_err(err)?,
                })
            }
        }
    };
    Ok(Expr {
        kind,
        span: Span::default(),
    })
}

/// Put keyed parameters back at their positions, trying each form of the function in order.
fn place_arguments(spec: &FnSpec, values: Vec<(&str, Expr)>) -> Result<Vec<Arg>, String> {
    let keys: Vec<&str> = values.iter().map(|(k, _)| *k).collect();
    let positions = spec
        .forms
        .iter()
        .find_map(|form| positions_in(form, &keys))
        .ok_or_else(|| {
            format!(
                "parameters [{}] do not fit {}",
                keys.join(", "),
                spec.signature()
            )
        })?;
    // Replace is always written with all seven slots, as Entra's portal does (G-PE).
    let len = if spec.name == "Replace" {
        spec.forms.first().map_or(0, |f| f.len())
    } else {
        positions.last().map_or(0, |&p| p + 1)
    };
    let mut args: Vec<Arg> = (0..len)
        .map(|_| Arg {
            value: None,
            span: Span::default(),
        })
        .collect();
    for (pos, (_, value)) in positions.into_iter().zip(values) {
        if let Some(slot) = args.get_mut(pos) {
            slot.value = Some(value);
        }
    }
    Ok(args)
}

/// Positions of `keys` in `form`: each key takes the next slot with that key, skipping
/// optional slots; `None` if a required slot would be skipped or a key does not fit.
fn positions_in(form: &[Param], keys: &[&str]) -> Option<Vec<usize>> {
    let mut out = Vec::with_capacity(keys.len());
    let mut slot = 0;
    for key in keys {
        loop {
            let param = builtins::param_at(form, slot)?;
            if param.key.eq_ignore_ascii_case(key) {
                out.push(slot);
                slot += 1;
                break;
            }
            match param.presence {
                Presence::Optional => slot += 1,
                _ => return None,
            }
        }
    }
    let filled = out.last().map_or(0, |&p| p + 1);
    let required_done = form.iter().enumerate().all(|(i, p)| match p.presence {
        Presence::Required => i < filled,
        Presence::Repeated { min } => filled >= i + min as usize,
        Presence::Optional => true,
    });
    required_done.then_some(out)
}
