//! `entramap map`, `mappings`, `country` and `check --mapping` through the CLI.

mod common;
use common::run;

const USERS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/users/sample.ndjson");
const GROUPS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/groups/sample.ndjson");

#[test]
fn map_writes_requests_errors_and_a_summary_that_adds_up() {
    let dir = std::env::temp_dir().join(format!("entramap-map-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let errors = dir.join("errors.ndjson");
    let (code, out, err) = run(
        &["map", "--mapping", "code42", USERS, "--groups", GROUPS],
        b"",
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
    );
    assert!(
        err.contains(
            "12 records: 9 created, 0 updated, 0 disabled, 0 deleted, 3 skipped, 0 failed"
        ),
        "{err}"
    );
    let broken = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/users/broken.ndjson");
    let (code, _, err) = run(
        &[
            "map",
            "--mapping",
            "code42",
            broken,
            "--errors",
            errors.to_str().unwrap(),
        ],
        b"",
    );
    assert_eq!(code, 1, "failed records make the exit code 1");
    assert!(
        err.contains("3 records: 0 created, 0 updated, 0 disabled, 0 deleted, 0 skipped, 3 failed"),
        "{err}"
    );
    let error_lines: Vec<serde_json::Value> = std::fs::read_to_string(&errors)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let lines: Vec<u64> = error_lines
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [1, 2, 3]);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn map_reads_stdin_and_json_arrays() {
    let users = br#"[{"objectId": "1", "userPrincipalName": "a@x"}, {"objectId": "2", "userPrincipalName": "b@x", "IsSoftDeleted": true}]"#;
    let (code, out, err) = run(&["map", "--mapping", "scim-default", "-", "-q"], users);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().filter(|l| l.contains("\"POST\"")).count(), 1);
    assert!(
        err.contains("2 records: 1 created, 0 updated, 0 disabled, 0 deleted, 1 skipped, 0 failed"),
        "{err}"
    );
}

#[test]
fn map_usage_errors() {
    assert_eq!(run(&["map", "--mapping", "nope", USERS], b"").0, 2);
    assert_eq!(run(&["map", "--mapping", "code42"], b"").0, 2);
    let (code, _, err) = run(
        &["map", "--mapping", "code42", "/nonexistent/users.ndjson"],
        b"",
    );
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"), "{err}");
}

#[test]
fn mappings_list_and_show() {
    let (_, out, _) = run(&["mappings"], b"");
    for name in ["code42", "code42-country-expression", "scim-default"] {
        assert!(out.contains(name));
    }
    let (code, out, _) = run(&["mappings", "show", "code42"], b"");
    assert_eq!(code, 0);
    assert!(
        out.contains("target = \"userName\"") && out.contains("matching = 1"),
        "{out}"
    );
    let (_, out, _) = run(&["mappings", "show", "code42", "--format", "graph"], b"");
    let schema: serde_json::Value = serde_json::from_str(&out).unwrap();
    let mapping = &schema["synchronizationRules"][0]["objectMappings"][0]["attributeMappings"][3];
    assert_eq!(mapping["targetAttributeName"], "active");
    assert_eq!(mapping["source"]["name"], "Not");
}

#[test]
fn graph_schema_files_map_and_keep_unknown_fields() {
    let (_, schema, _) = run(&["mappings", "show", "code42", "--format", "graph"], b"");
    let mut json: serde_json::Value = serde_json::from_str(&schema).unwrap();
    json["futureField"] = serde_json::json!({"kept": true});
    json["synchronizationRules"][0]["objectMappings"][0]["attributeMappings"][0]["newSetting"] =
        serde_json::json!(42);
    let dir = std::env::temp_dir().join(format!("entramap-graph-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("schema.json");
    std::fs::write(&path, serde_json::to_string(&json).unwrap()).unwrap();
    let (code, out, _) = run(
        &[
            "mappings",
            "show",
            path.to_str().unwrap(),
            "--format",
            "graph",
        ],
        b"",
    );
    assert_eq!(code, 0);
    let back: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(back["futureField"]["kept"], true);
    assert_eq!(
        back["synchronizationRules"][0]["objectMappings"][0]["attributeMappings"][0]["newSetting"],
        42
    );
    let (code, out, err) = run(
        &["map", "--mapping", path.to_str().unwrap(), "-"],
        br#"{"objectId": "1", "userPrincipalName": "a@x", "IsSoftDeleted": "False"}"#,
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(r#""active":true"#), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn check_mapping_reports_country_table_problems() {
    let (code, out, _) = run(&["check", "--mapping", "code42-country-expression"], b"");
    assert_eq!(code, 0, "warnings only");
    assert!(
        out.contains("warning[country-ambiguous-key]: \"korea\" names several countries (KR, KP)"),
        "{out}"
    );
    assert!(
        out.contains("Czechia")
            && out.contains("Eswatini")
            && out.contains("North Macedonia")
            && out.contains("Türkiye")
            && out.contains("Cabo Verde"),
        "{out}"
    );
    let (code, out, _) = run(
        &[
            "check",
            "--mapping",
            "code42-country-expression",
            "--format",
            "json",
            "--deny-warnings",
        ],
        b"",
    );
    assert_eq!(code, 1);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    // korea and saint martin name several countries; congo and guinea resolve (CG, GN).
    assert!(report["warnings"].as_u64().unwrap() >= 3, "{out}");
}

#[test]
fn country_resolve_prints_one_line_per_input_line() {
    let input = "Germany\r\n  us  \nKorea\n\nAtlantis\nCôte d'Ivoire";
    let (code, out, err) = run(&["country", "resolve"], input.as_bytes());
    assert_eq!(code, 0);
    assert_eq!(out, "DE\nUS\n\n\n\nCI\n");
    assert!(
        err.contains("\"Korea\" names several countries: KR, KP"),
        "{err}"
    );
    let (_, out, _) = run(&["country", "resolve", "SWE", "840"], b"");
    assert_eq!(out, "SE\nUS\n");
}

#[test]
fn country_switch_is_accepted_by_check() {
    let (_, expression, _) = run(&["country", "switch", "--source", "c"], b"");
    assert!(expression.trim().chars().count() <= 10_000);
    let (code, out, _) = run(&["check", "-"], expression.as_bytes());
    assert_eq!(code, 0, "{out}");
}

/// `map --explain` on the worked examples: each changed attribute, old → new.
#[test]
fn map_explain_shows_updates_and_disables_attribute_by_attribute() {
    let mut explained = String::new();
    for scenario in [
        "worked_example_update_legacy",
        "worked_example_disable_legacy",
    ] {
        let dir = format!("fixtures/scim/{scenario}");
        let (code, _, err) = run(
            &[
                "map",
                "-m",
                "code42",
                &format!("{dir}/users.ndjson"),
                "--current",
                &format!("{dir}/current.ndjson"),
                "--explain",
            ],
            b"",
        );
        assert_eq!(code, 0, "{err}");
        explained.push_str(&format!("{scenario}:\n"));
        for line in err
            .lines()
            .filter(|l| l.starts_with("explain:") || l.starts_with("    "))
        {
            explained.push_str(line);
            explained.push('\n');
        }
    }
    insta::assert_snapshot!(explained);
}

/// Findings in a mapping file name the file's own line and column.
#[test]
fn check_mapping_points_into_the_mapping_file() {
    let file = "fixtures/check/typo-mapping.toml";
    let (code, out, _) = run(&["check", "-m", file], b"");
    assert_eq!(code, 0);
    assert!(out.contains(&format!("= in {file}:9:11")), "{out}");
    assert!(out.contains(&format!("= in {file}:14:38")), "{out}");
    let (_, out, _) = run(&["check", "-m", file, "--format", "json"], b"");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let first = &report["diagnostics"][0];
    assert_eq!(
        (first["file_line"].as_u64(), first["file_column"].as_u64()),
        (Some(9), Some(11))
    );
}

/// With a Graph schema, attributes are checked against its source object's attribute list:
/// a custom attribute it defines is fine, a misspelled one is named.
#[test]
fn check_mapping_uses_the_schema_attribute_list() {
    let file = "fixtures/check/typo.graph.json";
    let (code, out, _) = run(&["check", "-m", file, "--format", "json"], b"");
    assert_eq!(code, 0);
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let found: Vec<(&str, &str)> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap(),
                d["help"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(found, [("unknown-attribute", "did you mean [mail]?")]);
}

#[test]
fn dash_as_the_output_file_is_standard_output() {
    let (code, stdout, _) = run(
        &["map", "-m", "code42", "-", "-o", "-", "-q"],
        br#"{"objectId":"1","userPrincipalName":"ada@contoso.com"}"#,
    );
    assert_eq!(code, 0);
    assert!(stdout.starts_with(r#"{"method":"GET""#), "{stdout}");
    assert!(!std::path::Path::new("-").exists());
}

/// `map` says what `check -m` finds, once, before any record ([jobTitel] was only an
/// attribute never sent); `--strict` refuses to run with it.
#[test]
fn map_prints_the_mapping_sets_warnings_and_strict_refuses_them() {
    let file = "fixtures/check/typo-mapping.toml";
    let users = "fixtures/encodings/users.ndjson";
    let (_, _, err) = run(&["map", "-m", file, users, "-q"], b"");
    let warned: Vec<&str> = err.lines().filter(|l| l.starts_with("warning[")).collect();
    assert_eq!(warned.len(), 2, "{err}");
    assert!(
        warned[1].contains("users.mappings[1] (displayName): [surnme] is not an attribute"),
        "{err}"
    );
    let (code, out, err) = run(&["map", "-m", file, users, "--strict"], b"");
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty(), "{out}");
    assert!(
        err.contains("--strict: fixtures/check/typo-mapping.toml has 2 warnings"),
        "{err}"
    );
    // A clean set says nothing and runs under --strict.
    let (code, _, err) = run(&["map", "-m", "code42", users, "--strict", "-q"], b"");
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("warning["), "{err}");
}

/// A stored Graph tree that cannot be read, with no expression text to fall back on, would
/// leave the attribute never sent: the set does not load (it was a warning).
#[test]
fn an_unreadable_tree_without_text_does_not_load() {
    let file = "fixtures/check/unreadable-tree-no-text.graph.json";
    for args in [
        vec!["map", "-m", file, "fixtures/encodings/users.ndjson"],
        vec!["check", "-m", file],
    ] {
        let (code, out, err) = run(&args, b"");
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(!out.contains("POST"), "{out}");
        assert!(
            err.contains("attributeMappings[3] (active): the stored tree cannot be read"),
            "{err}"
        );
    }
}

#[test]
fn expect_out_holds_one_resource_per_object_the_target_holds_after_the_cycle() {
    let dir = std::env::temp_dir().join(format!("entramap-expect-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let expect = dir.join("expected.ndjson");
    let (code, out, err) = common::run(
        &[
            "map",
            "-m",
            "code42",
            "fixtures/users/sample.ndjson",
            "--groups",
            "fixtures/groups/sample.ndjson",
            "--expect-out",
            expect.to_str().unwrap(),
            "-q",
        ],
        b"",
    );
    assert_eq!(code, 0, "{err}");
    // Against an empty app: what each POST creates, with its links, by stand-in ids.
    let posts: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .filter(|r| r["method"] == "POST")
        .collect();
    let expected: Vec<serde_json::Value> = std::fs::read_to_string(&expect)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(expected.len(), posts.len());
    for (want, post) in expected.iter().zip(&posts) {
        assert_eq!(want["externalId"], post["body"]["externalId"]);
    }
    let security = expected
        .iter()
        .find(|e| e["displayName"] == "Security Team")
        .unwrap();
    assert_eq!(
        security["members"],
        serde_json::json!([{"value": "user-0001"}, {"value": "user-0002"}])
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
