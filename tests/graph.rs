//! Graph trees from Microsoft's documentation read back into expressions (docs/mapping.md#reading-a-tree-back).

use entramap::{Options, graph, syntax::print};

#[test]
fn documented_trees_read_back() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/graph");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let node: graph::Node =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let expected = std::fs::read_to_string(path.with_extension("expected")).unwrap();
        let expr = graph::from_graph(&node, &Options::default()).unwrap();
        assert_eq!(
            print::canonical(&expr),
            expected.trim_end(),
            "{}",
            path.display()
        );
        count += 1;
    }
    assert!(count >= 7);
}

#[test]
fn writes_the_documented_switch_tree() {
    let text = r#"Switch([IsSoftDeleted], , "False", "True", "True", "False")"#;
    let expr = entramap::syntax::parse(text, &Options::default())
        .unwrap()
        .expr;
    let written = serde_json::to_value(graph::to_graph(&expr)).unwrap();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/graph/switch_issoftdeleted.json"
    );
    let documented: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    assert_eq!(written, documented);
}

#[test]
fn numbers_keep_their_form_through_graph() {
    // Graph stores `1` as the constant "1"; the parent's text tells it was a number.
    let expr = entramap::syntax::parse("Mid([userPrincipalName], 1, 8)", &Options::default())
        .unwrap()
        .expr;
    let node = graph::to_graph(&expr);
    assert_eq!(
        node.parameters[1].value.expression.as_deref(),
        Some("\"1\"")
    );
    let back = graph::from_graph(&node, &Options::default()).unwrap();
    assert!(back.same_as(&expr));
}

#[test]
fn bad_trees_name_the_path() {
    let node: graph::Node = serde_json::from_str(
        r#"{"name":"Mid","type":"Function","parameters":[{"key":"source","value":{"name":"x","type":"Attribute"}},{"key":"nope","value":{"name":"1","type":"Constant"}}]}"#,
    )
    .unwrap();
    let err = graph::from_graph(&node, &Options::default()).unwrap_err();
    assert_eq!(err.path, "$");
    assert!(
        err.message
            .contains("do not fit Mid(source, start, length)"),
        "{err}"
    );

    let node: graph::Node = serde_json::from_str(
        r#"{"name":"Not","type":"Function","parameters":[{"key":"source","value":{"name":"Frob","type":"Function","parameters":[]}}]}"#,
    )
    .unwrap();
    let err = graph::from_graph(&node, &Options::default()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "$.parameters[0].value: unknown function `Frob`"
    );
}
