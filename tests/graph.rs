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
        let expr = graph::read_tree(&node, &Options::default())
            .map(|r| r.expr)
            .unwrap();
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
    let back = graph::read_tree(&node, &Options::default())
        .map(|r| r.expr)
        .unwrap();
    assert!(back.same_as(&expr));
}

#[test]
fn bad_trees_name_the_path() {
    let node: graph::Node = serde_json::from_str(
        r#"{"name":"Mid","type":"Function","parameters":[{"key":"source","value":{"name":"x","type":"Attribute"}},{"key":"nope","value":{"name":"1","type":"Constant"}}]}"#,
    )
    .unwrap();
    let err = graph::read_tree(&node, &Options::default())
        .map(|r| r.expr)
        .unwrap_err();
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
    let err = graph::read_tree(&node, &Options::default())
        .map(|r| r.expr)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "$.parameters[0].value: unknown function `Frob`"
    );
}

fn cloud_sync() -> Options {
    Options::default()
        .with_settings(["dialect=cloud-sync"])
        .unwrap()
}

fn read_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn every_function_writes_the_service_form_and_reads_both_spellings() {
    // fixtures/graph/functions/NAME[.case].json: an expression, the tree the service stores
    // for it, and the same tree with the reference's parameter names (docs/mapping.md#graph-parameter-keys).
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/graph/functions");
    let mut covered = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let case = read_json(&path);
        let stem = path.file_stem().unwrap().to_string_lossy().to_string();
        covered.insert(stem.split('.').next().unwrap().to_string());
        let options = match case["dialect"].as_str() {
            Some("cloud-sync") => cloud_sync(),
            _ => Options::default(),
        };
        let text = case["expression"].as_str().unwrap();
        let expr = entramap::syntax::parse(text, &options).unwrap().expr;
        let written = serde_json::to_value(graph::to_graph(&expr)).unwrap();
        assert_eq!(written, case["service"], "{stem}: the service's form");
        for spelling in ["service", "reference"] {
            let node: graph::Node = serde_json::from_value(case[spelling].clone()).unwrap();
            let read = graph::read_tree(&node, &options).unwrap();
            assert_eq!(
                print::canonical(&read.expr),
                print::canonical(&expr),
                "{stem}: the {spelling} tree"
            );
            assert_eq!(read.text, graph::TextVerdict::Agrees, "{stem}: {spelling}");
        }
    }
    let missing: Vec<&str> = entramap::builtins::BUILTINS
        .iter()
        .map(|f| f.name)
        .filter(|name| !covered.contains(*name))
        .collect();
    assert!(
        missing.is_empty(),
        "functions without a fixture: {missing:?}"
    );
}

#[test]
fn stored_service_trees_read_back_and_are_written_the_same() {
    // fixtures/graph/service: trees copied from the service's own exports.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/graph/service");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let stored = read_json(&path);
        let node: graph::Node = serde_json::from_value(stored.clone()).unwrap();
        let read = graph::read_tree(&node, &cloud_sync()).unwrap();
        assert_eq!(read.text, graph::TextVerdict::Agrees, "{}", path.display());
        let written = serde_json::to_value(graph::to_graph(&read.expr)).unwrap();
        assert_eq!(written, stored, "{}", path.display());
        count += 1;
    }
    assert!(count >= 6);
}

#[test]
fn a_placeholder_is_kept_from_the_tree_though_the_text_shows_an_empty_argument() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/graph/service/iif_join_placeholder_error.json");
    let node: graph::Node = serde_json::from_value(read_json(&path)).unwrap();
    let read = graph::read_tree(&node, &cloud_sync()).unwrap();
    assert_eq!(
        print::canonical(&read.expr),
        r#"IIF(IsPresent([sAMAccountName]), Join("@", [sAMAccountName], %DomainFQDN%), Error("AccountName is not present"))"#
    );
}

#[test]
fn a_text_that_disagrees_with_its_tree_is_said_and_the_tree_wins() {
    let mut node: graph::Node = serde_json::from_value(read_json(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/graph/service/left_trim_448.json"),
    ))
    .unwrap();
    node.expression = Some("Left(Trim([info]), 448)".into());
    let read = graph::read_tree(&node, &cloud_sync()).unwrap();
    assert_eq!(read.text, graph::TextVerdict::Differs);
    assert_eq!(
        print::canonical(&read.expr),
        r#"Left(Trim([description]), "448")"#
    );
}

#[test]
fn a_tree_without_text_is_read_into_the_shortest_form_and_written_back_the_same() {
    // The service's trees with their texts removed: what is rebuilt from the nodes alone is
    // written back as the very same tree.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/graph/service");
    fn strip(node: &mut serde_json::Value) {
        if let Some(obj) = node.as_object_mut() {
            obj.remove("expression");
            for p in obj
                .get_mut("parameters")
                .and_then(|p| p.as_array_mut())
                .into_iter()
                .flatten()
            {
                strip(&mut p["value"]);
            }
        }
    }
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let stored = read_json(&path);
        let mut bare = stored.clone();
        strip(&mut bare);
        let node: graph::Node = serde_json::from_value(bare).unwrap();
        let read = graph::read_tree(&node, &cloud_sync()).unwrap();
        assert_eq!(read.text, graph::TextVerdict::Absent);
        let written = serde_json::to_value(graph::to_graph(&read.expr)).unwrap();
        assert_eq!(written, stored, "{}", path.display());
    }
}
