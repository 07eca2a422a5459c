//! What admins really have: Graph exports, `az` arrays, admin-center CSV, Microsoft's own
//! samples as pasted, schemas exported from a tenant. Fixtures in `fixtures/tenant/`,
//! `fixtures/eval/` and `fixtures/schemas/`.

mod common;

use common::run;

const TENANT: &str = "fixtures/tenant";

fn map(mapping: &str, input: &str) -> (u8, String, String) {
    run(
        &["map", "-m", mapping, "--option", "now=2025-07-30", input],
        b"",
    )
}

/// The closing summary's counts: (total, failed).
fn counts(stderr: &str) -> (usize, usize) {
    let line = stderr
        .lines()
        .find(|l| l.contains(" records: "))
        .unwrap_or_else(|| panic!("no summary in {stderr}"));
    let total = line.split(' ').next().unwrap().parse().unwrap();
    let failed = line
        .split(", ")
        .find(|p| p.contains(" failed"))
        .and_then(|p| p.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    (total, failed)
}

#[test]
fn the_same_users_in_every_export_format_give_byte_identical_requests() {
    for mapping in [
        "code42",
        "scim-default",
        "fixtures/tenant/extension-attributes.toml",
    ] {
        let (code, ndjson, err) = map(mapping, &format!("{TENANT}/users.ndjson"));
        assert_eq!(code, 0, "{err}");
        assert!(ndjson.contains("\"POST\""), "{ndjson}");
        for other in ["users-graph-pages.json", "pages", "users-az.json"] {
            let (code, out, err) = map(mapping, &format!("{TENANT}/{other}"));
            assert_eq!(code, 0, "{other}: {err}");
            assert_eq!(out, ndjson, "{mapping}: {other} differs from users.ndjson");
        }
    }
    // Graph names really arrived: phones, office, fax, extension attributes, manager.
    let (_, out, _) = map(
        "fixtures/tenant/extension-attributes.toml",
        &format!("{TENANT}/pages"),
    );
    for needle in [
        r#"{"type":"work","value":"+1 425 555 0109"}"#,
        r#"{"type":"mobile","value":"+1 425 555 0110"}"#,
        r#"{"type":"fax","value":"+1 425 555 0199"}"#,
        r#""formatted":"18/2111""#,
        r#""costCenter":"CC-1001""#,
        r#""userType":"Contractor""#,
        r#""nickName":"Adele""#,
        r#""externalId":"87d349ed-44d7-43e1-9a83-5f2406dee5bd""#,
    ] {
        assert!(out.contains(needle), "{needle} missing from\n{out}");
    }
}

#[test]
fn admin_center_csv_reads_like_the_same_users_in_ndjson() {
    for mapping in ["code42", "scim-default"] {
        let (code, csv, err) = map(mapping, &format!("{TENANT}/users.csv"));
        assert_eq!(code, 0, "{err}");
        let (_, ndjson, _) = map(mapping, &format!("{TENANT}/users-csv-equivalent.ndjson"));
        assert_eq!(csv, ndjson, "{mapping}");
    }
}

#[test]
fn every_tenant_format_snapshot() {
    for input in [
        "users.ndjson",
        "users-graph-pages.json",
        "pages",
        "users-az.json",
        "users.csv",
    ] {
        let (code, out, err) = map(
            "fixtures/tenant/extension-attributes.toml",
            &format!("{TENANT}/{input}"),
        );
        assert_eq!(code, 0, "{err}");
        let err: Vec<&str> = err.lines().filter(|l| !l.contains("records/s")).collect();
        insta::assert_snapshot!(
            format!("tenant_{}", input.replace(['.', '-'], "_")),
            format!("{out}{}", err.join("\n"))
        );
    }
}

fn temp(name: &str, bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("entramap-tenant-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn a_truncated_graph_page_fails_its_last_record_and_keeps_the_others() {
    let pages = std::fs::read(format!("{TENANT}/users-graph-pages.json")).unwrap();
    let cut = &pages[..pages.len() * 2 / 3];
    let path = temp("truncated.json", cut);
    let (code, out, err) = map("code42", &path);
    assert_eq!(code, 1);
    let (total, failed) = counts(&err);
    assert_eq!(failed, 1, "{err}");
    let posts = out.lines().filter(|l| l.contains("\"POST\"")).count();
    assert!(posts >= 2 && total == posts + failed, "{out}\n{err}");
    assert!(
        err.contains("the input ends inside this record; nothing after line"),
        "{err}"
    );
}

#[test]
fn a_page_whose_value_is_not_an_array_is_one_error_and_the_next_page_still_reads() {
    let text = concat!(
        "{\"@odata.context\": \"https://graph.microsoft.com/v1.0/$metadata#users\",\n",
        " \"value\": {\"id\": \"1\"}}\n",
        "{\"@odata.context\": \"https://graph.microsoft.com/v1.0/$metadata#users\",\n",
        " \"value\": [{\"id\": \"2\", \"userPrincipalName\": \"b@contoso.com\"}]}\n"
    );
    let path = temp("notarray.json", text.as_bytes());
    let (code, out, err) = map("code42", &path);
    assert_eq!(code, 1);
    assert!(
        err.contains("users line 1: this page's `value` is not an array of records"),
        "{err}"
    );
    assert_eq!(counts(&err), (2, 1));
    assert!(out.contains("b@contoso.com"), "{out}");
}

#[test]
fn csv_with_a_bom_and_ragged_rows_fails_those_rows_with_their_lines() {
    let text = "\u{FEFF}userPrincipalName,objectId,displayName\r\na@x,1,A\r\nb@x,2\r\nc@x,3,C,extra\r\n\"d@x\",4,\"D, the \"\"fourth\"\"\"\r\n";
    let path = temp("ragged.csv", text.as_bytes());
    let (code, out, err) = map("scim-default", &path);
    assert_eq!(code, 1);
    assert!(
        err.contains("users line 3: the row has 2 fields, the header has 3"),
        "{err}"
    );
    assert!(
        err.contains("users line 4: the row has 4 fields, the header has 3"),
        "{err}"
    );
    assert_eq!(counts(&err), (4, 2));
    assert!(
        out.contains(r#""displayName":"D, the \"fourth\"""#),
        "{out}"
    );
}

#[test]
fn microsofts_parse_expression_sample_as_pasted() {
    // The request body of Graph's parseExpression docs, unquoted keys and all.
    let sample = "fixtures/eval/parse-expression-request.json";
    let (code, out, err) = run(&["eval", "--input", sample], b"");
    assert_eq!((code, out.trim()), (0, "EN_US"), "{err}");
    let (code, out, _) = run(&["eval", "--batch", sample], b"");
    assert_eq!(code, 0);
    let response: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(response["evaluationResult"], serde_json::json!(["EN_US"]));
    // Its appRoleAssignments are role names (#Collection(String)).
    let (code, out, err) = run(
        &[
            "eval",
            "SingleAppRoleAssignment([appRoleAssignments])",
            "--input",
            sample,
        ],
        b"",
    );
    // One role is one text, not a list of one.
    assert_eq!((code, out.trim()), (0, "Default Assignment"), "{err}");
    // Inline JSON, and a bare testInputObject.
    let (code, out, _) = run(&["eval", "[mail]", "--input", r#"{"mail": "a@b.c"}"#], b"");
    assert_eq!((code, out.trim()), (0, "a@b.c"));
    let bare = r#"{"definition": null, "properties": [{"key": "mail", "value": "x@y.z"}]}"#;
    let (code, out, _) = run(&["eval", "[mail]", "--input", bare], b"");
    assert_eq!((code, out.trim()), (0, "x@y.z"));
}

#[test]
fn batch_reads_pretty_printed_bodies_and_arrays_of_them() {
    let text = r#"[
  {"expression": "ToUpper([a])", "input": {"a": "x"}},
  {"expression": "ToLower([a])", "input": {"a": "Y"}}
]
{
  "expression": "Join(\"-\", [a], [b])",
  "input": {"a": "1", "b": "2"}
}
"#;
    let path = temp("batch.json", text.as_bytes());
    let (code, out, err) = run(&["eval", "--batch", &path], b"");
    assert_eq!(code, 0, "{err}");
    let results: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["evaluationResult"].clone())
        .collect();
    assert_eq!(
        results,
        [
            serde_json::json!(["X"]),
            serde_json::json!(["y"]),
            serde_json::json!(["1-2"])
        ]
    );
}

#[test]
fn a_graph_schema_survives_native_and_back_and_an_edit_changes_only_what_was_edited() {
    let path = "fixtures/schemas/custom-scim-app.graph.json";
    let original: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let (code, native, err) = run(&["mappings", "show", path], b"");
    assert_eq!(code, 0, "{err}");
    let native_path = temp("schema.toml", native.as_bytes());
    let (code, back, _) = run(
        &["mappings", "show", &native_path, "--format", "graph"],
        b"",
    );
    assert_eq!(code, 0);
    let back: serde_json::Value = serde_json::from_str(&back).unwrap();
    assert_eq!(
        back, original,
        "Graph → native → Graph must not lose anything"
    );

    // Edit one mapping in the native file: only that attributeMapping changes.
    let edited = native.replacen(
        "target = 'emails[type eq \"work\"].value'\nsource = \"mail\"",
        "target = 'emails[type eq \"work\"].value'\nexpression = \"ToLower([mail])\"",
        1,
    );
    assert_ne!(edited, native, "the edit applies");
    let edited_path = temp("edited.toml", edited.as_bytes());
    let (code, back, err) = run(
        &["mappings", "show", &edited_path, "--format", "graph"],
        b"",
    );
    assert_eq!(code, 0, "{err}");
    let mut back: serde_json::Value = serde_json::from_str(&back).unwrap();
    let mapping = &mut back["synchronizationRules"][0]["objectMappings"][0]["attributeMappings"][2];
    assert_eq!(mapping["source"]["name"], "ToLower");
    assert_eq!(
        mapping["exportMissingReferences"], false,
        "unknown fields kept"
    );
    *mapping =
        original["synchronizationRules"][0]["objectMappings"][0]["attributeMappings"][2].clone();
    assert_eq!(back, original, "nothing else changed");
}

#[test]
fn a_broken_mapping_set_is_reported_once_before_any_record() {
    let no_matching = r#"name = "x"
[users]
[[users.mappings]]
target = "userName"
source = "userPrincipalName"
"#;
    let path = temp("no-matching.toml", no_matching.as_bytes());
    let users = format!("{TENANT}/users.ndjson");
    let (code, out, err) = run(&["map", "-m", &path, &users], b"");
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert_eq!(err.matches("error:").count(), 1, "{err}");
    assert!(
        err.contains("no attribute mapping is a matching attribute"),
        "{err}"
    );

    let bad_expression = r#"name = "x"
[users]
[[users.mappings]]
target = "userName"
expression = "Tolower([userPrincipalName]"
matching = 1
"#;
    let path = temp("bad-expression.toml", bad_expression.as_bytes());
    let (code, out, err) = run(&["map", "-m", &path, &users], b"");
    assert_eq!(code, 2, "{err}");
    assert!(out.is_empty());
    assert_eq!(err.matches("error: ").count(), 1, "one report: {err}");
    assert!(err.contains("users.mappings[0] (userName)"), "{err}");
    assert!(!err.contains("line 1"), "no per-record errors: {err}");

    let (code, _, err) = run(
        &[
            "map",
            "-m",
            "fixtures/tenant/extension-attributes.toml",
            "--groups",
            "fixtures/groups/sample.ndjson",
        ],
        b"",
    );
    assert_eq!(code, 2);
    assert!(err.contains("has no groups mapping"), "{err}");
}

#[test]
fn current_takes_the_apps_list_response_pages() {
    let resource = std::fs::read_to_string("fixtures/scim/rename_user/current.ndjson").unwrap();
    let page = format!(
        "{{\n  \"schemas\": [\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"],\n  \"totalResults\": 1,\n  \"Resources\": [{}],\n  \"startIndex\": 1,\n  \"itemsPerPage\": 20\n}}\n",
        resource.trim()
    );
    let path = temp("list-response.json", page.as_bytes());
    let (code, out, err) = run(
        &[
            "map",
            "-m",
            "code42",
            "fixtures/scim/rename_user/users.ndjson",
            "--current",
            &path,
        ],
        b"",
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(r#""method":"PATCH","path":"/Users/c42-user-0001""#),
        "{out}"
    );
    assert!(!out.contains("\"POST\""), "{out}");
}
