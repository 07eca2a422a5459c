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

/// Graph's tree for `expr`, written as the service writes it (docs/mapping.md#attributemappingsource):
/// parameter keys from the service's function list and exports, IIF's keys `one`..`five`
/// with a comparison condition spread over `one`, `two` (the operator, a constant) and
/// `three`, and integer arguments unquoted in a call's text. A comparison or `&` anywhere
/// else has no service form; it becomes an engine-local `Function` node named by the operator
/// with keys `left`/`right` (see [`has_engine_local_nodes`]).
pub fn to_graph(expr: &Expr) -> Node {
    match &expr.kind {
        ExprKind::Attribute(name) => Node {
            expression: Some(format!("[{name}]")),
            name: name.clone(),
            parameters: Vec::new(),
            kind: NodeType::Attribute,
        },
        // A Cloud Sync placeholder is a constant without text, as the service stores
        // `%DomainFQDN%` (its parent's text shows an empty argument there).
        ExprKind::Ident(s) if crate::syntax::ast::is_placeholder(s) => Node {
            expression: None,
            ..constant(s)
        },
        ExprKind::Str(s) | ExprKind::Number(s) | ExprKind::Hex(s) | ExprKind::Ident(s) => {
            constant(s)
        }
        ExprKind::Call(call) => {
            let spec = builtins::lookup_ignore_case(&call.name);
            let form = spec.and_then(|s| s.form_for(call.args.len()));
            let mut parameters = Vec::with_capacity(call.args.len());
            for (i, arg) in call.args.iter().enumerate() {
                let Some(value) = arg.value.as_ref() else {
                    continue;
                };
                let key = form.map_or_else(
                    || format!("arg{}", i + 1),
                    |f| builtins::graph_key(f, i).to_string(),
                );
                match &value.kind {
                    // IIF's comparison condition: `one` op `three`, the operator as `two`.
                    ExprKind::Binary(b)
                        if key == IIF_CONDITION && is_iif(spec) && b.op != BinOp::Concat =>
                    {
                        parameters.push(parameter(IIF_CONDITION, to_graph(&b.left)));
                        parameters.push(parameter(IIF_OPERATOR, constant(b.op.as_str())));
                        parameters.push(parameter(IIF_RIGHT, to_graph(&b.right)));
                    }
                    _ => parameters.push(parameter(&key, to_graph(value))),
                }
            }
            Node {
                expression: Some(print::graph_text(expr)),
                name: spec.map_or(call.name.clone(), |s| s.name.to_string()),
                parameters,
                kind: NodeType::Function,
            }
        }
        ExprKind::Binary(b) => Node {
            expression: Some(print::graph_text(expr)),
            name: b.op.as_str().to_string(),
            parameters: vec![
                parameter("left", to_graph(&b.left)),
                parameter("right", to_graph(&b.right)),
            ],
            kind: NodeType::Function,
        },
    }
}

/// IIF's keys in the service's form: the condition (or a comparison's left operand), the
/// operator and the right operand.
const IIF_CONDITION: &str = "one";
const IIF_OPERATOR: &str = "two";
const IIF_RIGHT: &str = "three";

fn is_iif(spec: Option<&FnSpec>) -> bool {
    spec.is_some_and(|s| s.name == "IIF")
}

fn constant(name: &str) -> Node {
    Node {
        expression: Some(print::quote(name)),
        name: name.to_string(),
        parameters: Vec::new(),
        kind: NodeType::Constant,
    }
}

fn parameter(key: &str, value: Node) -> Parameter {
    Parameter {
        key: key.to_string(),
        value,
    }
}

/// Does the tree hold a comparison outside an IIF condition, or `&`, which the service has
/// no known form for (so its node is entramap's own)?
pub fn has_engine_local_nodes(node: &Node) -> bool {
    (node.kind == NodeType::Function && BinOp::from_token(&node.name).is_some())
        || node
            .parameters
            .iter()
            .any(|p| has_engine_local_nodes(&p.value))
}

/// A stored tree read back, and what its root's `expression` text says about it.
#[derive(Debug, Clone)]
pub struct ReadTree {
    /// The expression: the text's parse when it agrees with the tree (it keeps literal kinds
    /// such as `1` versus `"1"`), else the tree rebuilt node by node.
    pub expr: Expr,
    /// How the text compares with the tree.
    pub text: TextVerdict,
}

/// How a tree's `expression` text compares with the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextVerdict {
    /// The text parses to the same tree (keys in either spelling, texts aside).
    Agrees,
    /// The text parses to another tree; the tree is used.
    Differs,
    /// The text does not parse; the tree is used.
    Unparsed,
    /// There is no text.
    Absent,
}

/// Read a tree: rebuild it node by node (parameter keys in the service's or the reference's
/// spelling), then compare it with its root's text (docs/mapping.md#reading-a-tree-back).
pub fn read_tree(node: &Node, options: &Options) -> Result<ReadTree, GraphError> {
    let rebuilt = rebuild(node, "$", 0, options.limits.max_nesting_depth)?;
    let Some(text) = node.expression.as_deref().filter(|t| !t.trim().is_empty()) else {
        return Ok(ReadTree {
            expr: rebuilt,
            text: TextVerdict::Absent,
        });
    };
    let tree = to_graph(&rebuilt);
    Ok(match syntax::parse(text, options) {
        // The service prints a placeholder as an empty argument: the text cannot say it, so
        // it agrees without it, and the tree (which holds it) is used.
        Ok(parsed) if compare(&to_graph(&parsed.expr), &tree, true) => ReadTree {
            expr: if has_placeholders(&tree) {
                rebuilt
            } else {
                parsed.expr
            },
            text: TextVerdict::Agrees,
        },
        Ok(_) => ReadTree {
            expr: rebuilt,
            text: TextVerdict::Differs,
        },
        Err(_) => ReadTree {
            expr: rebuilt,
            text: TextVerdict::Unparsed,
        },
    })
}

/// A Cloud Sync placeholder as the service stores it (`%DomainFQDN%`, no text) or as
/// entramap once wrote it (its text its name).
pub fn is_placeholder_node(node: &Node) -> bool {
    node.kind == NodeType::Constant
        && crate::syntax::ast::is_placeholder(&node.name)
        && node.expression.as_deref().is_none_or(|t| t == node.name)
}

fn has_placeholders(node: &Node) -> bool {
    is_placeholder_node(node) || node.parameters.iter().any(|p| has_placeholders(&p.value))
}

/// Compare two trees ignoring `expression` texts (Graph renders constants' text differently
/// in different places, docs/language.md#canonical-text).
#[cfg(feature = "unstable")]
pub fn same_tree(a: &Node, b: &Node) -> bool {
    compare(a, b, false)
}

/// Compare two trees ignoring `expression` texts and, with `without_placeholders`, the
/// placeholder arguments of both (a text cannot say them).
fn compare(a: &Node, b: &Node, without_placeholders: bool) -> bool {
    fn arguments(n: &Node, without_placeholders: bool) -> Vec<&Parameter> {
        n.parameters
            .iter()
            .filter(|p| !(without_placeholders && is_placeholder_node(&p.value)))
            .collect()
    }
    let xs = arguments(a, without_placeholders);
    let ys = arguments(b, without_placeholders);
    a.kind == b.kind
        && a.name == b.name
        && xs.len() == ys.len()
        && xs
            .iter()
            .zip(&ys)
            .all(|(x, y)| x.key == y.key && compare(&x.value, &y.value, without_placeholders))
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
        NodeType::Constant if is_placeholder_node(node) => ExprKind::Ident(node.name.clone()),
        NodeType::Constant => ExprKind::Str(node.name.clone()),
        NodeType::Function => {
            let mut values: Vec<(&str, Expr)> = Vec::with_capacity(node.parameters.len());
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
            if node.name.eq_ignore_ascii_case("IIF") {
                values = iif_comparison(values).map_err(err)?;
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

/// IIF stored with a comparison condition (keys `one`, `two`, `three`, `four`, `five`, the
/// operator a constant under `two`): the three condition parameters become one comparison
/// under `one`. Any other IIF is left as it is.
fn iif_comparison(values: Vec<(&str, Expr)>) -> Result<Vec<(&str, Expr)>, String> {
    let is = |key: &str, wanted: &str| key.eq_ignore_ascii_case(wanted);
    if !values.iter().any(|(k, _)| is(k, IIF_OPERATOR)) {
        return Ok(values);
    }
    let mut it = values.into_iter();
    let (Some((k1, left)), Some((k2, operator)), Some((k3, right))) =
        (it.next(), it.next(), it.next())
    else {
        return Err("IIF's comparison needs the keys one, two and three".into());
    };
    if !(is(k1, IIF_CONDITION) && is(k2, IIF_OPERATOR) && is(k3, IIF_RIGHT)) {
        return Err(format!(
            "IIF's comparison needs the keys one, two and three in that order, found {k1}, {k2}, {k3}"
        ));
    }
    let op = match &operator.kind {
        ExprKind::Str(token) | ExprKind::Ident(token) => {
            BinOp::from_token(token.trim()).filter(|op| *op != BinOp::Concat)
        }
        _ => None,
    }
    .ok_or_else(|| {
        "IIF's key two must be a comparison operator constant (=, <>, <, <=, >, >=)".to_string()
    })?;
    let condition = Expr {
        kind: ExprKind::Binary(Box::new(Binary {
            op,
            op_span: Span::default(),
            left,
            right,
        })),
        span: Span::default(),
    };
    Ok(std::iter::once((IIF_CONDITION, condition))
        .chain(it)
        .collect())
}

/// Put keyed parameters back at their positions, in the shortest of the function's forms
/// they fit (`FormatDateTime` with `source, outputFormat` is the service's three-argument
/// `FormatDateTime(x, , "fmt")`).
fn place_arguments(spec: &FnSpec, values: Vec<(&str, Expr)>) -> Result<Vec<Arg>, String> {
    let keys: Vec<&str> = values.iter().map(|(k, _)| *k).collect();
    let (len, positions) = spec
        .forms
        .iter()
        .filter_map(|form| positions_in(form, &keys).map(|p| (call_length(spec, form, &p), p)))
        .min_by_key(|(len, _)| *len)
        .ok_or_else(|| {
            format!(
                "parameters [{}] do not fit {}",
                keys.join(", "),
                spec.signature()
            )
        })?;
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

/// How many arguments a call in `form` with arguments at `positions` is written with.
/// Replace always with all seven slots, as Entra's portal writes it; otherwise up to the last
/// argument given or the last one that is not optional (an IIF whose false branch the service
/// left out is `IIF(c, x, )`).
fn call_length(spec: &FnSpec, form: &[Param], positions: &[usize]) -> usize {
    if spec.name == "Replace" {
        return form.len();
    }
    let needed = form
        .iter()
        .rposition(|p| {
            matches!(
                p.presence,
                Presence::Required | Presence::RequiredOutsideCloudSync
            )
        })
        .map_or(0, |i| i + 1);
    positions.last().map_or(0, |&p| p + 1).max(needed)
}

/// Positions of `keys` in `form`: each key takes the next slot with that key, skipping
/// optional slots; `None` if a required slot would be skipped or a key does not fit.
fn positions_in(form: &[Param], keys: &[&str]) -> Option<Vec<usize>> {
    let mut out = Vec::with_capacity(keys.len());
    let mut slot = 0;
    for key in keys {
        loop {
            let param = builtins::param_at(form, slot)?;
            // The service's key, or the reference's name (trees written by other tools).
            if param.key.eq_ignore_ascii_case(key) || param.name.eq_ignore_ascii_case(key) {
                out.push(slot);
                slot += 1;
                break;
            }
            match param.presence {
                // The Cloud Sync dialect leaves FormatDateTime's inputFormat out; whether
                // that is allowed is `check`'s to say.
                Presence::Optional | Presence::RequiredOutsideCloudSync => slot += 1,
                _ => return None,
            }
        }
    }
    let filled = out.last().map_or(0, |&p| p + 1);
    let required_done = form.iter().enumerate().all(|(i, p)| match p.presence {
        Presence::Required => i < filled,
        Presence::RequiredOutsideCloudSync => true,
        Presence::Repeated { min } => filled >= i + min as usize,
        Presence::Optional => true,
    });
    required_done.then_some(out)
}
