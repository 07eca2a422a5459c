//! Snapshot tests over `fixtures/parse/{ok,err}/*.expr`: one expression per file (verbatim, CRLF
//! and tabs included). A file `NAME.options.json` next to one sets options for it.

use std::fmt::Write as _;
use std::path::Path;

use entramap::syntax::{print, tree};
use entramap::{Options, analyze, diagnostic::render_all, graph};

fn load(path: &Path) -> (String, Options) {
    let text = std::fs::read_to_string(path).unwrap();
    let options_path = path.with_extension("options.json");
    let options = match std::fs::read_to_string(&options_path) {
        Ok(json) => serde_json::from_str(&json).unwrap(),
        Err(_) => Options::default(),
    };
    (text, options)
}

#[test]
fn valid_expressions() {
    insta::glob!("../fixtures", "parse/ok/*.expr", |path| {
        let (text, options) = load(path);
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let analysis = analyze(&text, &options);
        assert!(!analysis.has_errors(), "{name}: {:?}", analysis.diagnostics);
        let expr = analysis.expr.as_ref().unwrap();

        // print → parse gives the same tree, and printing is a fixed point.
        let canonical = print::canonical(expr);
        let reparsed = entramap::syntax::parse(&canonical, &options).unwrap().expr;
        assert!(
            reparsed.same_as(expr),
            "{name}: canonical text parses to a different tree"
        );
        assert_eq!(print::canonical(&reparsed), canonical);

        // Graph JSON → expression gives the same Graph tree; for calls, the very same tree
        // (a lone constant's kind, `1` or `"1"`, is not recorded by Graph).
        let node = graph::to_graph(expr);
        let json = serde_json::to_string_pretty(&node).unwrap();
        let back: graph::Node = serde_json::from_str(&json).unwrap();
        let read = graph::read_tree(&back, &options).map(|r| r.expr).unwrap();
        assert!(
            graph::same_tree(&graph::to_graph(&read), &node),
            "{name}: Graph round trip"
        );
        if expr.as_call().is_some() {
            assert!(read.same_as(expr), "{name}: Graph round trip");
        }

        let mut out = String::new();
        writeln!(out, "canonical:\n{canonical}\n").unwrap();
        writeln!(
            out,
            "diagnostics:\n{}",
            render_all(&analysis.diagnostics, &text, &name)
        )
        .unwrap();
        writeln!(out, "tree:\n{}", tree::dump(expr)).unwrap();
        writeln!(out, "graph:\n{json}").unwrap();
        insta::assert_snapshot!(out);
    });
}

#[test]
fn invalid_expressions() {
    insta::glob!("../fixtures", "parse/err/*.expr", |path| {
        let (text, options) = load(path);
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let analysis = analyze(&text, &options);
        assert!(analysis.has_errors(), "{name} should have errors");
        insta::assert_snapshot!(render_all(&analysis.diagnostics, &text, &name));
    });
}
