//! docs/functions.md#conformance-vectors vectors and .NET edge cases from `fixtures/conformance/*.jsonl`: every line is
//! checked against its `expect`, and each file's results are snapshotted.

use std::collections::HashSet;
use std::fmt::Write as _;

use entramap::Options;
use entramap::eval::value::Value;
use entramap::{Env, Expression};
use serde_json::Value as Json;

/// The outcome of one case in `expect`'s vocabulary.
fn outcome(case: &Json) -> Json {
    // Options as an --options file gives them (flat keys; a dialect brings its defaults).
    let mut options: Options = match case.get("options") {
        Some(Json::Object(o)) => Options::default().with_changes(o.clone()).unwrap(),
        _ => Options::default(),
    };
    options.run.now = Some(
        case.get("now")
            .and_then(Json::as_str)
            .unwrap_or("2021-08-25T17:41:18Z")
            .to_string(),
    );
    options.run.rng_seed = Some(case.get("seed").and_then(Json::as_u64).unwrap_or(0));
    let taken: HashSet<String> = case
        .get("taken")
        .map(|t| serde_json::from_value(t.clone()).unwrap())
        .unwrap_or_default();
    let is_taken = |v: &str| taken.contains(v);
    let text = case["expression"].as_str().unwrap();
    let expression = match Expression::compile(text, &options) {
        Ok(e) => e,
        Err(error) => return serde_json::json!({"compile-error": error.diagnostics[0].code}),
    };
    let empty = serde_json::Map::new();
    let input = case
        .get("input")
        .and_then(Json::as_object)
        .unwrap_or(&empty);
    let mut env = Env::new(&options).unwrap().with_taken(&is_taken);
    match expression.eval_object(input, &mut env) {
        Ok(Value::Null) => Json::Null,
        Ok(Value::Drop) => serde_json::json!({"drop": true}),
        Ok(v @ (Value::Multi(_) | Value::Roles(_))) => serde_json::json!(v.texts()),
        Ok(v) => Json::String(v.text().unwrap().into_owned()),
        Err(e) => serde_json::json!({"error": e.code}),
    }
}

fn matches(expect: &Json, got: &Json) -> bool {
    match (expect.get("regex").and_then(Json::as_str), got.as_str()) {
        (Some(pattern), Some(text)) => fancy_regex::Regex::new(pattern)
            .unwrap()
            .is_match(text)
            .unwrap(),
        (Some(_), None) => false,
        (None, _) => expect == got,
    }
}

#[test]
fn conformance() {
    insta::glob!("../fixtures", "conformance/*.jsonl", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let mut report = String::new();
        let mut failures = Vec::new();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let case: Json = serde_json::from_str(line).unwrap();
            let id = case["id"].as_str().unwrap();
            let got = outcome(&case);
            if !matches(&case["expect"], &got) {
                failures.push(format!("{id}: expected {} got {got}", case["expect"]));
            }
            // Random values are checked by pattern; the snapshot records that they matched.
            let shown = if case["expect"].get("regex").is_some() && matches(&case["expect"], &got) {
                Json::String("<matches pattern>".into())
            } else {
                got
            };
            writeln!(
                report,
                "{id}: {}\n  => {shown}",
                case["expression"].as_str().unwrap()
            )
            .unwrap();
        }
        assert!(
            failures.is_empty(),
            "{}:\n{}",
            path.display(),
            failures.join("\n")
        );
        insta::assert_snapshot!(report);
    });
}
