//! Property: any tree prints to text that parses back to the same tree, and survives Graph JSON.

use entramap::Span;
use entramap::syntax::ast::{Arg, BinOp, Binary, Call, Expr, ExprKind};
use entramap::{Options, builtins as functions, graph, syntax};
use proptest::prelude::*;

fn node(kind: ExprKind) -> Expr {
    Expr {
        kind,
        span: Span::default(),
    }
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        "[A-Za-z_][A-Za-z0-9_.:# -]{0,12}[A-Za-z0-9]".prop_map(|s| node(ExprKind::Attribute(s))),
        "[A-Za-z]{1,6}\\[type eq \"[a-z]{1,5}\"\\]\\.value"
            .prop_map(|s| node(ExprKind::Attribute(s))),
        any::<String>().prop_map(|s| node(ExprKind::Str(s))),
        "[ -~]{0,12}".prop_map(|s| node(ExprKind::Str(s))),
        "-?[0-9]{1,25}".prop_map(|s| node(ExprKind::Number(s))),
        "&[Hh][0-9A-Fa-f]{1,8}".prop_map(|s| node(ExprKind::Hex(s))),
        "vb[A-Za-z0-9_]{0,10}".prop_map(|s| node(ExprKind::Ident(s))),
    ]
}

fn comparison_op() -> impl Strategy<Value = BinOp> {
    prop_oneof![
        Just(BinOp::Eq),
        Just(BinOp::Ne),
        Just(BinOp::Lt),
        Just(BinOp::Le),
        Just(BinOp::Gt),
        Just(BinOp::Ge)
    ]
}

fn call_or_leaf() -> impl Strategy<Value = Expr> {
    let names: Vec<&'static str> = functions::BUILTINS.iter().map(|f| f.name).collect();
    leaf().prop_recursive(4, 32, 5, move |inner| {
        let arg = prop_oneof![3 => inner.clone().prop_map(Some), 1 => Just(None)];
        (
            proptest::sample::select(names.clone()),
            proptest::collection::vec(arg, 0..5),
        )
            .prop_map(|(name, args)| {
                // A lone empty argument is written `F()`, which means no arguments.
                let args = if args.len() == 1 && args[0].is_none() {
                    Vec::new()
                } else {
                    args
                };
                node(ExprKind::Call(Call {
                    name: name.to_string(),
                    name_span: Span::default(),
                    args: args
                        .into_iter()
                        .map(|value| Arg {
                            value,
                            span: Span::default(),
                        })
                        .collect(),
                }))
            })
    })
}

fn expression() -> impl Strategy<Value = Expr> {
    prop_oneof![
        3 => call_or_leaf(),
        1 => (call_or_leaf(), comparison_op(), call_or_leaf()).prop_map(|(left, op, right)| node(ExprKind::Binary(Box::new(Binary {
            op,
            op_span: Span::default(),
            left,
            right,
        })))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn print_then_parse_gives_the_same_tree(expr in expression()) {
        let options = Options { limits: entramap::options::Limits { max_expression_length: usize::MAX, ..Default::default() }, ..Default::default() };
        let text = syntax::print::canonical(&expr);
        let parsed = syntax::parse(&text, &options);
        prop_assert!(parsed.is_ok(), "{text}: {:?}", parsed.err());
        let parsed = parsed.unwrap().expr;
        prop_assert!(parsed.same_as(&expr), "{text}");
        prop_assert_eq!(syntax::print::canonical(&parsed), text);
    }

    #[test]
    fn graph_json_round_trips(expr in expression()) {
        let options = Options { limits: entramap::options::Limits { max_expression_length: usize::MAX, ..Default::default() }, ..Default::default() };
        let node = graph::to_graph(&expr);
        let json = serde_json::to_string(&node).unwrap();
        let back: graph::Node = serde_json::from_str(&json).unwrap();
        // Trees whose arguments do not fit the function's parameters cannot be keyed; skip them.
        if let Ok(read) = graph::read_tree(&back, &options).map(|r| r.expr) {
            prop_assert!(graph::same_tree(&graph::to_graph(&read), &node));
        }
    }
}
